//! Hand-built snapshots: one VPC where rules 1–6 hold, for rule cases to break.

use jiff::Timestamp;
use ssmdeck::domain::model::*;
use ssmdeck::domain::readiness::service_name;
use ssmdeck::domain::snapshot::{Snapshot, Source, SourceStatus};

pub const REGION: &str = "ap-northeast-2";
pub const VPC: &str = "vpc-1";
pub const INSTANCE: &str = "i-1";
pub const SUBNET_A: &str = "subnet-a";
pub const SUBNET_C: &str = "subnet-c";
pub const SUBNET_PUBLIC: &str = "subnet-pub";
pub const ENDPOINT_SG: &str = "sg-endpoints";
pub const INSTANCE_SG: &str = "sg-instances";

pub fn t0() -> Timestamp {
    Timestamp::from_second(1_800_000_000).unwrap_or(Timestamp::UNIX_EPOCH)
}

fn subnet(id: &str, az: &str, cidr: &str) -> Subnet {
    Subnet {
        id: id.into(),
        vpc_id: VPC.into(),
        name: Some(id.into()),
        az: az.into(),
        cidr: cidr.into(),
        map_public_ip_on_launch: false,
    }
}

pub fn endpoint(short: &str, subnets: &[&str]) -> VpcEndpoint {
    VpcEndpoint {
        id: format!("vpce-{short}"),
        vpc_id: VPC.into(),
        service_name: service_name(REGION, short),
        kind: EndpointType::Interface,
        state: EndpointState::Available,
        private_dns: true,
        subnet_ids: subnets.iter().map(|s| s.to_string()).collect(),
        security_group_ids: vec![ENDPOINT_SG.into()],
        route_table_ids: vec![],
        policy_document: None,
    }
}

pub fn https_rule(cidrs: &[&str], groups: &[&str]) -> GroupRule {
    GroupRule {
        protocol: "tcp".into(),
        from_port: Some(443),
        to_port: Some(443),
        cidrs: cidrs.iter().map(|s| s.to_string()).collect(),
        group_ids: groups.iter().map(|s| s.to_string()).collect(),
        prefix_list_ids: vec![],
    }
}

/// The egress rule AWS gives every new security group: all traffic anywhere.
pub fn all_egress() -> GroupRule {
    GroupRule {
        protocol: "-1".into(),
        from_port: None,
        to_port: None,
        cidrs: vec!["0.0.0.0/0".into()],
        group_ids: vec![],
        prefix_list_ids: vec![],
    }
}

pub fn role(name: &str, policy: &str) -> Role {
    Role {
        name: name.into(),
        arn: format!("arn:aws:iam::111122223333:role/{name}"),
        trusted_services: vec![EC2_SERVICE_PRINCIPAL.into()],
        attached_policy_arns: if policy.is_empty() {
            vec![]
        } else {
            vec![policy.into()]
        },
        // Read, and holding nothing but the attached policy.
        policies: RolePolicies::Read { documents: vec![] },
        simulated: vec![],
    }
}

pub fn profile_arn(name: &str) -> String {
    format!("arn:aws:iam::111122223333:instance-profile/{name}")
}

/// One running instance in a private subnet of 2a; every rule 1–6 holds; the agent
/// has not registered yet (node list known and empty).
pub fn ready() -> Snapshot {
    let mut s = Snapshot::default();
    s.identity.region = REGION.into();
    s.network.vpcs.push(Vpc {
        id: VPC.into(),
        name: Some("lab".into()),
        cidr: "10.0.0.0/16".into(),
        is_default: false,
        dns_support: Some(true),
        dns_hostnames: Some(true),
    });
    s.network.subnets = vec![
        subnet(SUBNET_A, "ap-northeast-2a", "10.0.2.0/24"),
        subnet(SUBNET_C, "ap-northeast-2c", "10.0.3.0/24"),
        subnet(SUBNET_PUBLIC, "ap-northeast-2a", "10.0.0.0/24"),
    ];
    s.network.route_tables = vec![
        RouteTable {
            id: "rtb-main".into(),
            vpc_id: VPC.into(),
            is_main: true,
            subnet_ids: vec![],
            routes: vec![Route {
                destination: "10.0.0.0/16".into(),
                target: RouteTarget::Local,
            }],
        },
        RouteTable {
            id: "rtb-public".into(),
            vpc_id: VPC.into(),
            is_main: false,
            subnet_ids: vec![SUBNET_PUBLIC.into()],
            routes: vec![Route {
                destination: "0.0.0.0/0".into(),
                target: RouteTarget::InternetGateway("igw-1".into()),
            }],
        },
    ];
    s.network.security_groups = vec![
        SecurityGroup {
            id: ENDPOINT_SG.into(),
            vpc_id: VPC.into(),
            name: "endpoints".into(),
            ingress: vec![https_rule(&["10.0.0.0/16"], &[])],
            egress: vec![all_egress()],
        },
        SecurityGroup {
            id: INSTANCE_SG.into(),
            vpc_id: VPC.into(),
            name: "instances".into(),
            ingress: vec![],
            egress: vec![all_egress()],
        },
    ];
    s.network.endpoints = ["ssm", "ssmmessages", "ec2messages"]
        .iter()
        .map(|e| endpoint(e, &[SUBNET_A, SUBNET_C]))
        .collect();
    s.instances.instances.push(Instance {
        id: INSTANCE.into(),
        name: Some("web".into()),
        state: InstanceState::Running,
        vpc_id: Some(VPC.into()),
        subnet_id: Some(SUBNET_A.into()),
        az: Some("ap-northeast-2a".into()),
        private_ip: Some("10.0.2.10".into()),
        public_ip: None,
        platform: None,
        security_group_ids: vec![INSTANCE_SG.into()],
        network_interfaces: vec![],
        profile_arn: Some(profile_arn(DEFAULT_ROLE_NAME)),
        metadata: MetadataOptions::default(),
        launch_time: None,
        tags: vec![("Env".into(), "lab".into())],
    });
    s.iam.roles.push(role(DEFAULT_ROLE_NAME, CORE_POLICY_ARN));
    s.iam.profiles.push(InstanceProfile {
        name: DEFAULT_ROLE_NAME.into(),
        arn: profile_arn(DEFAULT_ROLE_NAME),
        role_names: vec![DEFAULT_ROLE_NAME.into()],
    });
    s.nodes.dhmc = Some(false);
    for source in Source::CORE {
        s.status.insert(
            source,
            SourceStatus {
                fetched_at: Some(t0()),
                ..SourceStatus::default()
            },
        );
    }
    s
}

pub fn node(id: &str, ping: PingStatus) -> ManagedNode {
    ManagedNode {
        instance_id: id.into(),
        kind: NodeKind::parse(None, id),
        name: None,
        activation_id: None,
        registered: Some(t0()),
        source_id: None,
        source_type: None,
        ping,
        last_ping: Some(t0()),
        agent_version: Some("3.3.1957.0".into()),
        is_latest_version: Some(true),
        platform_type: Some("Linux".into()),
        platform_name: Some("Amazon Linux".into()),
        platform_version: Some("2023".into()),
        ip_address: Some("10.0.2.10".into()),
        computer_name: None,
        iam_role: Some(DEFAULT_ROLE_NAME.into()),
    }
}

/// The SDK backs off between attempts; tests that mock AWS wait a thousandth of it (the
/// retry configuration itself stays the program's). Never zero: the adaptive rate
/// limiter asks again after each pause, and a pause of nothing would spin.
#[derive(Debug)]
pub struct NoWait;

impl aws_sdk_ssm::config::AsyncSleep for NoWait {
    fn sleep(&self, d: std::time::Duration) -> aws_sdk_ssm::config::Sleep {
        let short = (d / 1000).max(std::time::Duration::from_millis(1));
        aws_sdk_ssm::config::Sleep::new(tokio::time::sleep(short))
    }
}
