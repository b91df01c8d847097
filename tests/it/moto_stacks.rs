//! Stacks for the runbook tests, built on moto with the raw SDK as the aws cli would: the
//! workshop stack made ready (endpoints, their group, the instance role and profile), and
//! the changes that break it one runbook cause at a time; `ssmdeck check --json` and
//! `ssmdeck fix` run against it.

use std::process::Output;

use aws_sdk_ec2::types::{
    AttributeBooleanValue, Filter, InstanceMetadataEndpointState,
    InstanceNetworkInterfaceSpecification, InstanceType, IpPermission, IpRange, PortRange,
    RuleAction, UserIdGroupPair, VpcEndpointType,
};
use serde_json::Value;
use ssmdeck::cloud::aws::trust_policy;
use ssmdeck::domain::model::{CORE_POLICY_ARN, DEFAULT_ROLE_NAME, EC2_SERVICE_PRINCIPAL};

use crate::moto_server::{AMI, MotoServer, REGION, WorkshopStack};

pub fn must<T, E: std::error::Error>(what: &str, r: Result<T, E>) -> T {
    r.unwrap_or_else(|e| panic!("{what}: {}", aws_sdk_ec2::error::DisplayErrorContext(e)))
}

/// A stack and the clients that built it.
pub struct Lab {
    pub moto: MotoServer,
    pub stack: WorkshopStack,
    pub ec2: aws_sdk_ec2::Client,
    pub iam: aws_sdk_iam::Client,
    /// The endpoints' security group.
    pub endpoint_group: String,
    pub state: tempfile::TempDir,
}

pub const SERVICES: [&str; 3] = ["ssm", "ssmmessages", "ec2messages"];

/// A network ACL entry for 0.0.0.0/0: rule number, egress, allow, TCP ports (`None`: all
/// traffic).
pub type AclRule = (i32, bool, bool, Option<(i32, i32)>);

/// What the endpoints are made with.
pub struct Endpoints<'a> {
    pub subnets: &'a [String],
    pub private_dns: bool,
    pub policy: Option<&'a str>,
}

impl Lab {
    /// The workshop stack, nothing added.
    pub async fn workshop() -> Self {
        let moto = MotoServer::start();
        let stack = moto.create_workshop_stack().await;
        let conf = moto.sdk_config().await;
        let ec2 = aws_sdk_ec2::Client::new(&conf);
        let iam = aws_sdk_iam::Client::new(&conf);
        let group = must(
            "CreateSecurityGroup",
            ec2.create_security_group()
                .vpc_id(&stack.vpc_id)
                .group_name("endpoints")
                .description("HTTPS to the endpoints")
                .send()
                .await,
        );
        let endpoint_group = group.group_id().unwrap_or_default().to_string();
        must(
            "AuthorizeSecurityGroupIngress",
            ec2.authorize_security_group_ingress()
                .group_id(&endpoint_group)
                .ip_permissions(https_from_cidr("10.0.0.0/16"))
                .send()
                .await,
        );
        Lab {
            moto,
            stack,
            ec2,
            iam,
            endpoint_group,
            state: tempfile::tempdir().unwrap_or_else(|e| panic!("tempdir: {e}")),
        }
    }

    /// The workshop stack as the lab leaves it: endpoints in both private subnets (private
    /// DNS on), the instance role with Core and its profile on both instances.
    pub async fn ready() -> Self {
        let lab = Self::workshop().await;
        let subnets = lab.stack.private_subnet_ids.clone();
        lab.endpoints(Endpoints {
            subnets: &subnets,
            private_dns: true,
            policy: None,
        })
        .await;
        lab.role(DEFAULT_ROLE_NAME, EC2_SERVICE_PRINCIPAL, &[CORE_POLICY_ARN])
            .await;
        lab.profile_on_instances(DEFAULT_ROLE_NAME).await;
        lab
    }

    pub async fn endpoints(&self, e: Endpoints<'_>) -> Vec<String> {
        let mut ids = Vec::new();
        for short in SERVICES {
            let mut call = self
                .ec2
                .create_vpc_endpoint()
                .vpc_id(&self.stack.vpc_id)
                .service_name(format!("com.amazonaws.{REGION}.{short}"))
                .vpc_endpoint_type(VpcEndpointType::Interface)
                .set_subnet_ids(Some(e.subnets.to_vec()))
                .security_group_ids(&self.endpoint_group)
                .private_dns_enabled(e.private_dns);
            if let Some(policy) = e.policy {
                call = call.policy_document(policy);
            }
            let out = must("CreateVpcEndpoint", call.send().await);
            ids.push(
                out.vpc_endpoint()
                    .and_then(|v| v.vpc_endpoint_id())
                    .unwrap_or_default()
                    .to_string(),
            );
        }
        ids
    }

    /// A role trusting `service` with `policies` attached.
    pub async fn role(&self, name: &str, service: &str, policies: &[&str]) {
        must(
            "CreateRole",
            self.iam
                .create_role()
                .role_name(name)
                .assume_role_policy_document(trust_policy(service))
                .send()
                .await,
        );
        for p in policies {
            must(
                "AttachRolePolicy",
                self.iam
                    .attach_role_policy()
                    .role_name(name)
                    .policy_arn(*p)
                    .send()
                    .await,
            );
        }
    }

    pub async fn inline_policy(&self, role: &str, name: &str, document: &Value) {
        must(
            "PutRolePolicy",
            self.iam
                .put_role_policy()
                .role_name(role)
                .policy_name(name)
                .policy_document(document.to_string())
                .send()
                .await,
        );
    }

    /// An instance profile named after `role`, holding it, on both instances.
    pub async fn profile_on_instances(&self, role: &str) {
        must(
            "CreateInstanceProfile",
            self.iam
                .create_instance_profile()
                .instance_profile_name(role)
                .send()
                .await,
        );
        must(
            "AddRoleToInstanceProfile",
            self.iam
                .add_role_to_instance_profile()
                .instance_profile_name(role)
                .role_name(role)
                .send()
                .await,
        );
        for id in &self.stack.instance_ids {
            must(
                "AssociateIamInstanceProfile",
                self.ec2
                    .associate_iam_instance_profile()
                    .instance_id(id)
                    .iam_instance_profile(
                        aws_sdk_ec2::types::IamInstanceProfileSpecification::builder()
                            .name(role)
                            .build(),
                    )
                    .send()
                    .await,
            );
        }
    }

    /// A network ACL on `subnet` with `entries` (rule, egress, allow, ports; all cidrs
    /// 0.0.0.0/0, `None` ports: all traffic).
    pub async fn acl(&self, subnet: &str, entries: &[AclRule]) -> String {
        let out = must(
            "CreateNetworkAcl",
            self.ec2
                .create_network_acl()
                .vpc_id(&self.stack.vpc_id)
                .send()
                .await,
        );
        let acl = out
            .network_acl()
            .and_then(|a| a.network_acl_id())
            .unwrap_or_default()
            .to_string();
        for (rule, egress, allow, ports) in entries {
            let mut call = self
                .ec2
                .create_network_acl_entry()
                .network_acl_id(&acl)
                .rule_number(*rule)
                .egress(*egress)
                .cidr_block("0.0.0.0/0")
                .rule_action(if *allow {
                    RuleAction::Allow
                } else {
                    RuleAction::Deny
                });
            call = match ports {
                Some((from, to)) => call
                    .protocol("6")
                    .port_range(PortRange::builder().from(*from).to(*to).build()),
                None => call.protocol("-1"),
            };
            must("CreateNetworkAclEntry", call.send().await);
        }
        let acls = must(
            "DescribeNetworkAcls",
            self.ec2
                .describe_network_acls()
                .filters(
                    Filter::builder()
                        .name("association.subnet-id")
                        .values(subnet)
                        .build(),
                )
                .send()
                .await,
        );
        let association = acls
            .network_acls()
            .iter()
            .flat_map(|a| a.associations())
            .find(|a| a.subnet_id() == Some(subnet))
            .and_then(|a| a.network_acl_association_id())
            .unwrap_or_default()
            .to_string();
        must(
            "ReplaceNetworkAclAssociation",
            self.ec2
                .replace_network_acl_association()
                .association_id(association)
                .network_acl_id(&acl)
                .send()
                .await,
        );
        acl
    }

    /// The entries of an ACL as (rule, egress, allow) — to read writes back.
    pub async fn acl_entries(&self, acl: &str) -> Vec<(i32, bool, bool)> {
        let out = must(
            "DescribeNetworkAcls",
            self.ec2
                .describe_network_acls()
                .network_acl_ids(acl)
                .send()
                .await,
        );
        let mut entries: Vec<(i32, bool, bool)> = out
            .network_acls()
            .iter()
            .flat_map(|a| a.entries())
            .map(|e| {
                (
                    e.rule_number().unwrap_or_default(),
                    e.egress().unwrap_or_default(),
                    e.rule_action() == Some(&RuleAction::Allow),
                )
            })
            .collect();
        entries.sort();
        entries
    }

    pub async fn revoke_all_egress(&self, group: &str) {
        must(
            "RevokeSecurityGroupEgress",
            self.ec2
                .revoke_security_group_egress()
                .group_id(group)
                .ip_permissions(
                    IpPermission::builder()
                        .ip_protocol("-1")
                        .ip_ranges(IpRange::builder().cidr_ip("0.0.0.0/0").build())
                        .build(),
                )
                .send()
                .await,
        );
    }

    /// The egress rules of a group as (protocol, from port, cidrs).
    pub async fn egress_of(&self, group: &str) -> Vec<(String, Option<i32>, Vec<String>)> {
        let out = must(
            "DescribeSecurityGroups",
            self.ec2
                .describe_security_groups()
                .group_ids(group)
                .send()
                .await,
        );
        out.security_groups()
            .iter()
            .flat_map(|g| g.ip_permissions_egress())
            .map(|p| {
                (
                    p.ip_protocol().unwrap_or_default().to_string(),
                    p.from_port(),
                    p.ip_ranges()
                        .iter()
                        .filter_map(|r| r.cidr_ip().map(str::to_string))
                        .collect(),
                )
            })
            .collect()
    }

    pub async fn disable_metadata(&self, instance: &str) {
        must(
            "ModifyInstanceMetadataOptions",
            self.ec2
                .modify_instance_metadata_options()
                .instance_id(instance)
                .http_endpoint(InstanceMetadataEndpointState::Disabled)
                .send()
                .await,
        );
    }

    pub async fn metadata_endpoint(&self, instance: &str) -> Option<String> {
        let out = must(
            "DescribeInstances",
            self.ec2
                .describe_instances()
                .instance_ids(instance)
                .send()
                .await,
        );
        out.reservations()
            .iter()
            .flat_map(|r| r.instances())
            .find_map(|i| {
                i.metadata_options()?
                    .http_endpoint()
                    .map(|e| e.as_str().to_string())
            })
    }

    /// The private route tables' default route to one target.
    pub async fn default_route(&self, target: RouteTo<'_>) {
        for table in &self.stack.private_route_table_ids {
            let call = self
                .ec2
                .create_route()
                .route_table_id(table)
                .destination_cidr_block("0.0.0.0/0");
            let call = match target {
                RouteTo::Nat(id) => call.nat_gateway_id(id),
                RouteTo::TransitGateway(id) => call.transit_gateway_id(id),
            };
            must("CreateRoute", call.send().await);
        }
    }

    /// A NAT gateway in the first public subnet.
    pub async fn nat_gateway(&self) -> String {
        let eip = must("AllocateAddress", self.ec2.allocate_address().send().await);
        let out = must(
            "CreateNatGateway",
            self.ec2
                .create_nat_gateway()
                .subnet_id(&self.stack.public_subnet_ids[0])
                .allocation_id(eip.allocation_id().unwrap_or_default())
                .send()
                .await,
        );
        out.nat_gateway()
            .and_then(|n| n.nat_gateway_id())
            .unwrap_or_default()
            .to_string()
    }

    /// One more instance with its own interface: `groups` on it, the top-level list empty
    /// (as moto leaves it), in `subnet`, without a public IP.
    pub async fn instance_with_interface(&self, subnet: &str, groups: &[String]) -> String {
        let run = must(
            "RunInstances",
            self.ec2
                .run_instances()
                .image_id(AMI)
                .instance_type(InstanceType::T3Micro)
                .min_count(1)
                .max_count(1)
                .network_interfaces(
                    InstanceNetworkInterfaceSpecification::builder()
                        .device_index(0)
                        .subnet_id(subnet)
                        .set_groups(Some(groups.to_vec()))
                        .associate_public_ip_address(false)
                        .build(),
                )
                .send()
                .await,
        );
        run.instances()
            .first()
            .and_then(|i| i.instance_id())
            .unwrap_or_default()
            .to_string()
    }

    pub async fn vpc_dns_hostnames(&self, on: bool) {
        must(
            "ModifyVpcAttribute",
            self.ec2
                .modify_vpc_attribute()
                .vpc_id(&self.stack.vpc_id)
                .enable_dns_hostnames(AttributeBooleanValue::builder().value(on).build())
                .send()
                .await,
        );
    }

    /// `ssmdeck check --json` against this stack.
    pub fn check(&self) -> Value {
        let out = self.ssmdeck(&["check", "--json"]);
        serde_json::from_slice(&out.stdout)
            .unwrap_or_else(|e| panic!("check --json: {e}\n{}", text(&out)))
    }

    /// `ssmdeck ARGS` against this stack (its audit log in the lab's state directory).
    pub fn ssmdeck(&self, args: &[&str]) -> Output {
        self.moto
            .ssmdeck(&self.state.path().join("ssmdeck.log"))
            .args(["--region", REGION])
            .args(args)
            .env("XDG_STATE_HOME", self.state.path())
            .stdin(std::process::Stdio::null())
            .output()
            .unwrap_or_else(|e| panic!("ssmdeck {args:?}: {e}"))
    }
}

#[derive(Debug, Clone, Copy)]
pub enum RouteTo<'a> {
    Nat(&'a str),
    TransitGateway(&'a str),
}

pub fn https_from_cidr(cidr: &str) -> IpPermission {
    IpPermission::builder()
        .ip_protocol("tcp")
        .from_port(443)
        .to_port(443)
        .ip_ranges(IpRange::builder().cidr_ip(cidr).build())
        .build()
}

pub fn https_from_group(group: &str) -> IpPermission {
    IpPermission::builder()
        .ip_protocol("tcp")
        .from_port(443)
        .to_port(443)
        .user_id_group_pairs(UserIdGroupPair::builder().group_id(group).build())
        .build()
}

pub fn text(o: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

/// An instance of a `check --json` report.
pub fn instance<'a>(report: &'a Value, id: &str) -> &'a Value {
    report["instances"]
        .as_array()
        .and_then(|a| a.iter().find(|i| i["instance_id"] == id))
        .unwrap_or_else(|| panic!("{id} in the report: {report:#}"))
}

/// An instance's verdict (`not_managed`, `unknown`, …).
pub fn verdict(report: &Value, id: &str) -> String {
    instance(report, id)["verdict"]["state"]
        .as_str()
        .unwrap_or_default()
        .to_string()
}

/// The kinds of an instance's findings of one severity.
pub fn kinds(report: &Value, id: &str, severity: &str) -> Vec<String> {
    instance(report, id)["findings"]
        .as_array()
        .map(|fs| {
            fs.iter()
                .filter(|f| f["severity"] == severity)
                .filter_map(|f| f["kind"].as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default()
}
