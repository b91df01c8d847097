//! Findings → ordered remediation steps, each with the exact calls it will make.
//! Pure: the same snapshot always gives the same plan; nothing here calls AWS.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use ipnet::Ipv4Net;
use serde::Serialize;

use super::findings::{FindingKind, Severity};
use super::model::{
    AssociationState, CORE_POLICY_ARN, EC2_SERVICE_PRINCIPAL, EndpointType, InstanceState,
    RouteTarget, SecurityGroup, Subnet, VpcDnsAttribute,
};
use super::readiness::{OPTIONAL_SERVICES, REQUIRED_SERVICES, Readiness, service_name};
use super::snapshot::Snapshot;

/// Name of the security group ssmdeck creates for endpoints.
pub const ENDPOINT_GROUP_NAME: &str = "ssmdeck-endpoints";

/// A security group an endpoint uses: one that exists, or the one an earlier call creates.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum GroupRef {
    Existing(String),
    Created { vpc_id: String },
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "action")]
pub enum Call {
    ModifyVpcAttribute {
        vpc_id: String,
        attribute: VpcDnsAttribute,
    },
    CreateSecurityGroup {
        vpc_id: String,
        name: String,
        description: String,
    },
    AuthorizeSecurityGroupIngress {
        group: GroupRef,
        cidr: String,
    },
    CreateVpcEndpoint {
        vpc_id: String,
        service_name: String,
        kind: EndpointType,
        subnet_ids: Vec<String>,
        group: Option<GroupRef>,
        route_table_ids: Vec<String>,
        private_dns: bool,
        client_token: String,
    },
    CreateRole {
        name: String,
        trusted_service: String,
    },
    AttachRolePolicy {
        role: String,
        policy_arn: String,
    },
    CreateInstanceProfile {
        name: String,
    },
    AddRoleToInstanceProfile {
        profile: String,
        role: String,
    },
    AssociateIamInstanceProfile {
        instance_id: String,
        profile: String,
    },
    ReplaceIamInstanceProfileAssociation {
        association_id: String,
        instance_id: String,
        profile: String,
        replaces: String,
    },
}

impl Call {
    /// The IAM action the call needs.
    pub fn action(&self) -> &'static str {
        match self {
            Call::ModifyVpcAttribute { .. } => "ec2:ModifyVpcAttribute",
            Call::CreateSecurityGroup { .. } => "ec2:CreateSecurityGroup",
            Call::AuthorizeSecurityGroupIngress { .. } => "ec2:AuthorizeSecurityGroupIngress",
            Call::CreateVpcEndpoint { .. } => "ec2:CreateVpcEndpoint",
            Call::CreateRole { .. } => "iam:CreateRole",
            Call::AttachRolePolicy { .. } => "iam:AttachRolePolicy",
            Call::CreateInstanceProfile { .. } => "iam:CreateInstanceProfile",
            Call::AddRoleToInstanceProfile { .. } => "iam:AddRoleToInstanceProfile",
            Call::AssociateIamInstanceProfile { .. } => "ec2:AssociateIamInstanceProfile",
            Call::ReplaceIamInstanceProfileAssociation { .. } => {
                "ec2:ReplaceIamInstanceProfileAssociation"
            }
        }
    }

    pub fn is_ec2(&self) -> bool {
        self.action().starts_with("ec2:")
    }

    /// The call with its parameters, one line: what the preview shows.
    pub fn describe(&self) -> String {
        let group = |g: &GroupRef| match g {
            GroupRef::Existing(id) => id.clone(),
            GroupRef::Created { .. } => format!("<new {ENDPOINT_GROUP_NAME}>"),
        };
        match self {
            Call::ModifyVpcAttribute { vpc_id, attribute } => {
                format!("ModifyVpcAttribute {vpc_id} {}=true", attribute.name())
            }
            Call::CreateSecurityGroup { vpc_id, name, .. } => {
                format!("CreateSecurityGroup {name} in {vpc_id}")
            }
            Call::AuthorizeSecurityGroupIngress { group: g, cidr } => {
                format!(
                    "AuthorizeSecurityGroupIngress {} tcp/443 from {cidr}",
                    group(g)
                )
            }
            Call::CreateVpcEndpoint {
                service_name,
                kind,
                subnet_ids,
                group: g,
                route_table_ids,
                private_dns,
                client_token,
                ..
            } => match kind {
                EndpointType::Gateway => format!(
                    "CreateVpcEndpoint {service_name} Gateway route tables {} token {client_token}",
                    route_table_ids.join(",")
                ),
                _ => format!(
                    "CreateVpcEndpoint {service_name} Interface subnets {} sg {} private DNS {} token {client_token}",
                    subnet_ids.join(","),
                    g.as_ref().map(group).unwrap_or_else(|| "default".into()),
                    if *private_dns { "on" } else { "off" }
                ),
            },
            Call::CreateRole {
                name,
                trusted_service,
            } => {
                format!("CreateRole {name} trusting {trusted_service}")
            }
            Call::AttachRolePolicy { role, policy_arn } => {
                format!("AttachRolePolicy {role} {policy_arn}")
            }
            Call::CreateInstanceProfile { name } => format!("CreateInstanceProfile {name}"),
            Call::AddRoleToInstanceProfile { profile, role } => {
                format!("AddRoleToInstanceProfile {profile} ← {role}")
            }
            Call::AssociateIamInstanceProfile {
                instance_id,
                profile,
            } => {
                format!("AssociateIamInstanceProfile {instance_id} ← {profile}")
            }
            Call::ReplaceIamInstanceProfileAssociation {
                association_id,
                instance_id,
                profile,
                replaces,
            } => format!(
                "ReplaceIamInstanceProfileAssociation {association_id} ({instance_id}): {replaces} → {profile}"
            ),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum StepKind {
    VpcDns,
    EndpointGroup,
    Endpoints,
    OptionalEndpoints,
    Role,
    Attach,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Step {
    pub kind: StepKind,
    pub title: String,
    /// Unselected steps are offered but not run unless the user selects them.
    pub selected: bool,
    pub calls: Vec<Call>,
    /// Why the step cannot do everything (shown in the preview).
    pub notes: Vec<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Plan {
    pub title: String,
    /// What the plan is for, so the interface can name it in its language.
    pub subject: Subject,
    /// With several accounts or regions: where it will run (`eu-west-1 prod`).
    pub place: String,
    pub steps: Vec<Step>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Subject {
    Endpoints {
        vpc_id: String,
    },
    Role {
        name: String,
    },
    Attach {
        profile: String,
    },
    /// Everything `fix` would do.
    #[default]
    Fix,
}

impl Plan {
    /// True when no selected step has a call to make.
    pub fn is_empty(&self) -> bool {
        self.selected_calls().next().is_none()
    }

    pub fn selected_calls(&self) -> impl Iterator<Item = &Call> {
        self.steps
            .iter()
            .filter(|s| s.selected)
            .flat_map(|s| s.calls.iter())
    }

    fn push(&mut self, step: Step) {
        if !step.calls.is_empty() || !step.notes.is_empty() {
            self.steps.push(step);
        }
    }
}

/// Idempotency token for an endpoint: racing runs on the same day share it.
pub fn client_token(vpc_id: &str, short: &str, day: &str) -> String {
    format!("ssmdeck-{vpc_id}-{short}-{day}")
}

fn is_private(s: &Snapshot, subnet: &Subnet) -> bool {
    let table = s
        .network
        .route_tables
        .iter()
        .find(|t| t.subnet_ids.contains(&subnet.id))
        .or_else(|| {
            s.network
                .route_tables
                .iter()
                .find(|t| t.vpc_id == subnet.vpc_id && t.is_main)
        });
    !table.is_some_and(|t| {
        t.routes.iter().any(|r| {
            r.destination == "0.0.0.0/0" && matches!(r.target, RouteTarget::InternetGateway(_))
        })
    })
}

/// One subnet per AZ for the endpoints: private subnets, covering every AZ where
/// the VPC's instances run (or every AZ with a private subnet when it has none).
pub fn endpoint_subnets(s: &Snapshot, vpc_id: &str) -> Vec<String> {
    let subnets: Vec<&Subnet> = s
        .network
        .subnets
        .iter()
        .filter(|x| x.vpc_id == vpc_id)
        .collect();
    let mut instances_per_subnet: HashMap<&str, usize> = HashMap::new();
    let mut azs: BTreeSet<&str> = BTreeSet::new();
    for i in &s.instances.instances {
        if i.vpc_id.as_deref() == Some(vpc_id) && i.state != InstanceState::Terminated {
            if let Some(sub) = i.subnet_id.as_deref() {
                *instances_per_subnet.entry(sub).or_default() += 1;
            }
            if let Some(az) = i.az.as_deref() {
                azs.insert(az);
            }
        }
    }
    if azs.is_empty() {
        azs = subnets
            .iter()
            .filter(|x| is_private(s, x))
            .map(|x| x.az.as_str())
            .collect();
    }
    let mut chosen = Vec::new();
    for az in azs {
        let mut candidates: Vec<&&Subnet> = subnets.iter().filter(|x| x.az == az).collect();
        // Private first, then where the instances are, then by id for a stable choice.
        candidates.sort_by_key(|x| {
            (
                !is_private(s, x),
                std::cmp::Reverse(
                    instances_per_subnet
                        .get(x.id.as_str())
                        .copied()
                        .unwrap_or(0),
                ),
                x.id.clone(),
            )
        });
        if let Some(best) = candidates.first() {
            chosen.push(best.id.clone());
        }
    }
    chosen
}

fn allows_https_from(
    group: &SecurityGroup,
    cidr: &Ipv4Net,
    instance_groups: &BTreeSet<&str>,
) -> bool {
    group.ingress.iter().any(|r| {
        r.covers_tcp_port(443)
            && (r
                .cidrs
                .iter()
                .any(|c| c.parse::<Ipv4Net>().is_ok_and(|n| n.contains(cidr)))
                || (!instance_groups.is_empty()
                    && instance_groups
                        .iter()
                        .all(|g| r.source_group_ids.iter().any(|x| x == g))))
    })
}

/// Steps that create the missing required endpoints of one VPC (and offer the optional ones).
pub fn plan_endpoints(s: &Snapshot, r: &Readiness, vpc_id: &str, day: &str) -> Plan {
    let mut plan = Plan {
        title: format!("Create the Systems Manager endpoints in {vpc_id}"),
        subject: Subject::Endpoints {
            vpc_id: vpc_id.to_string(),
        },
        place: String::new(),
        steps: Vec::new(),
    };
    let Some(vpc) = s.network.vpcs.iter().find(|v| v.id == vpc_id) else {
        return plan;
    };
    let region = s.identity.region.as_str();
    let existing: Vec<&str> = s
        .network
        .endpoints
        .iter()
        .filter(|e| e.vpc_id == vpc_id && e.state.as_str() != "deleting")
        .map(|e| e.service_name.as_str())
        .collect();
    let missing: Vec<&str> = REQUIRED_SERVICES
        .iter()
        .copied()
        .filter(|short| !existing.contains(&service_name(region, short).as_str()))
        .collect();

    // Private DNS needs both VPC DNS attributes: turn them on first.
    if !missing.is_empty() {
        let calls: Vec<Call> = [
            (VpcDnsAttribute::EnableDnsSupport, vpc.dns_support),
            (VpcDnsAttribute::EnableDnsHostnames, vpc.dns_hostnames),
        ]
        .into_iter()
        .filter(|(_, on)| *on == Some(false))
        .map(|(attribute, _)| Call::ModifyVpcAttribute {
            vpc_id: vpc_id.to_string(),
            attribute,
        })
        .collect();
        plan.push(Step {
            kind: StepKind::VpcDns,
            title: format!("Enable DNS support and hostnames on {}", vpc.label()),
            selected: true,
            calls,
            notes: Vec::new(),
        });
    }

    let vpc_net: Option<Ipv4Net> = vpc.cidr.parse().ok();
    let instance_groups: BTreeSet<&str> = s
        .instances
        .instances
        .iter()
        .filter(|i| i.vpc_id.as_deref() == Some(vpc_id) && i.state == InstanceState::Running)
        .flat_map(|i| i.security_group_ids.iter().map(String::as_str))
        .collect();
    let groups: Vec<&SecurityGroup> = s
        .network
        .security_groups
        .iter()
        .filter(|g| g.vpc_id == vpc_id)
        .collect();
    let mut group = None;
    if !missing.is_empty() {
        let usable = vpc_net.and_then(|net| {
            let mut ok: Vec<&&SecurityGroup> = groups
                .iter()
                .filter(|g| allows_https_from(g, &net, &instance_groups))
                .collect();
            ok.sort_by_key(|g| (g.name != ENDPOINT_GROUP_NAME, g.id.clone()));
            ok.first().map(|g| g.id.clone())
        });
        let mut calls = Vec::new();
        let chosen = match usable {
            Some(id) => GroupRef::Existing(id),
            None => {
                let named = groups.iter().find(|g| g.name == ENDPOINT_GROUP_NAME);
                let g = match named {
                    Some(g) => GroupRef::Existing(g.id.clone()),
                    None => {
                        calls.push(Call::CreateSecurityGroup {
                            vpc_id: vpc_id.to_string(),
                            name: ENDPOINT_GROUP_NAME.to_string(),
                            description: "Systems Manager VPC endpoints: HTTPS from the VPC (ssmdeck)".into(),
                        });
                        GroupRef::Created {
                            vpc_id: vpc_id.to_string(),
                        }
                    }
                };
                calls.push(Call::AuthorizeSecurityGroupIngress {
                    group: g.clone(),
                    cidr: vpc.cidr.clone(),
                });
                g
            }
        };
        plan.push(Step {
            kind: StepKind::EndpointGroup,
            title: format!(
                "Security group allowing HTTPS from {} to the endpoints",
                vpc.cidr
            ),
            selected: true,
            calls,
            notes: Vec::new(),
        });
        group = Some(chosen);
    }

    let subnets = endpoint_subnets(s, vpc_id);
    let mut notes = Vec::new();
    if subnets.is_empty() && !missing.is_empty() {
        notes.push(format!("{vpc_id} has no subnet to place endpoints in"));
    }
    plan.push(Step {
        kind: StepKind::Endpoints,
        title: format!(
            "Create endpoints {} (Interface, private DNS)",
            missing.join(", ")
        ),
        selected: true,
        calls: if subnets.is_empty() {
            Vec::new()
        } else {
            missing
                .iter()
                .map(|short| Call::CreateVpcEndpoint {
                    vpc_id: vpc_id.to_string(),
                    service_name: service_name(region, short),
                    kind: EndpointType::Interface,
                    subnet_ids: subnets.clone(),
                    group: group.clone(),
                    route_table_ids: Vec::new(),
                    private_dns: true,
                    client_token: client_token(vpc_id, short, day),
                })
                .collect()
        },
        notes,
    });

    // Existing required endpoints whose groups shut out the instances.
    let blocked: BTreeMap<String, ()> = r
        .vpcs
        .iter()
        .filter(|v| v.vpc_id == vpc_id)
        .flat_map(|v| v.services.iter())
        .filter(|svc| svc.required && svc.https_from_instances == Some(false))
        .filter_map(|svc| {
            let ep = s
                .network
                .endpoints
                .iter()
                .find(|e| Some(&e.id) == svc.endpoint_id.as_ref())?;
            ep.security_group_ids.first().map(|g| (g.clone(), ()))
        })
        .collect();
    plan.push(Step {
        kind: StepKind::EndpointGroup,
        title: "Allow HTTPS from the VPC on the existing endpoints' security group".into(),
        selected: true,
        calls: blocked
            .keys()
            .map(|g| Call::AuthorizeSecurityGroupIngress {
                group: GroupRef::Existing(g.clone()),
                cidr: vpc.cidr.clone(),
            })
            .collect(),
        notes: Vec::new(),
    });

    // Optional: s3 gateway on the private route tables, ec2/kms/logs interfaces.
    let private_tables: Vec<String> = s
        .network
        .route_tables
        .iter()
        .filter(|t| t.vpc_id == vpc_id)
        .filter(|t| {
            !t.routes.iter().any(|r| {
                r.destination == "0.0.0.0/0" && matches!(r.target, RouteTarget::InternetGateway(_))
            })
        })
        .filter(|t| !t.subnet_ids.is_empty() || t.is_main)
        .map(|t| t.id.clone())
        .collect();
    let optional: Vec<Call> = OPTIONAL_SERVICES
        .iter()
        .filter(|(short, _)| !existing.contains(&service_name(region, short).as_str()))
        .filter(|(_, kind)| *kind == EndpointType::Interface || !private_tables.is_empty())
        .filter(|(_, kind)| *kind == EndpointType::Gateway || !subnets.is_empty())
        .map(|(short, kind)| Call::CreateVpcEndpoint {
            vpc_id: vpc_id.to_string(),
            service_name: service_name(region, short),
            kind: *kind,
            subnet_ids: if *kind == EndpointType::Interface {
                subnets.clone()
            } else {
                Vec::new()
            },
            group: if *kind == EndpointType::Interface {
                group.clone().or_else(|| {
                    s.network
                        .endpoints
                        .iter()
                        .find(|e| e.vpc_id == vpc_id && e.kind == EndpointType::Interface)
                        .and_then(|e| e.security_group_ids.first().cloned())
                        .map(GroupRef::Existing)
                })
            } else {
                None
            },
            route_table_ids: if *kind == EndpointType::Gateway {
                private_tables.clone()
            } else {
                Vec::new()
            },
            private_dns: *kind == EndpointType::Interface,
            client_token: client_token(vpc_id, short, day),
        })
        .collect();
    plan.push(Step {
        kind: StepKind::OptionalEndpoints,
        title: "Optional: s3 gateway (patching, agent updates) and ec2 / kms / logs".into(),
        selected: false,
        calls: optional,
        notes: Vec::new(),
    });
    plan
}

/// Steps that make `role_name` usable by instances: role, Core policy, instance profile.
pub fn plan_role(s: &Snapshot, role_name: &str) -> Plan {
    let mut plan = Plan {
        title: format!("Create the instance role {role_name}"),
        subject: Subject::Role {
            name: role_name.to_string(),
        },
        place: String::new(),
        steps: Vec::new(),
    };
    let mut calls = Vec::new();
    let mut notes = Vec::new();
    let role = s.iam.roles.iter().find(|r| r.name == role_name);
    match role {
        None => {
            calls.push(Call::CreateRole {
                name: role_name.to_string(),
                trusted_service: EC2_SERVICE_PRINCIPAL.to_string(),
            });
            calls.push(Call::AttachRolePolicy {
                role: role_name.to_string(),
                policy_arn: CORE_POLICY_ARN.to_string(),
            });
        }
        Some(role) => {
            if !role
                .attached_policy_arns
                .iter()
                .any(|a| a == CORE_POLICY_ARN)
            {
                calls.push(Call::AttachRolePolicy {
                    role: role_name.to_string(),
                    policy_arn: CORE_POLICY_ARN.to_string(),
                });
            }
            if !role.trusts_ec2() {
                notes.push(format!(
                    "{role_name} does not trust ec2.amazonaws.com: edit its trust policy in IAM (ssmdeck does not rewrite trust policies)"
                ));
            }
        }
    }
    let profile = s.iam.profiles.iter().find(|p| p.name == role_name);
    match profile {
        None => {
            calls.push(Call::CreateInstanceProfile {
                name: role_name.to_string(),
            });
            calls.push(Call::AddRoleToInstanceProfile {
                profile: role_name.to_string(),
                role: role_name.to_string(),
            });
        }
        Some(p) if p.role_names.is_empty() => calls.push(Call::AddRoleToInstanceProfile {
            profile: role_name.to_string(),
            role: role_name.to_string(),
        }),
        Some(p) if !p.role_names.iter().any(|r| r == role_name) => notes.push(format!(
            "instance profile {role_name} already holds role {}: a profile holds one role",
            p.role_names.join(", ")
        )),
        Some(_) => {}
    }
    let title = match role {
        None => format!(
            "Create role {role_name} (trusts EC2, AmazonSSMManagedInstanceCore) and its instance profile"
        ),
        Some(r) if r.ssm_policy() == super::model::SsmPolicy::Deprecated => format!(
            "Add AmazonSSMManagedInstanceCore to {role_name} (it has the deprecated AmazonEC2RoleforSSM; the role is kept)"
        ),
        Some(_) => format!("Complete role {role_name} and its instance profile"),
    };
    plan.push(Step {
        kind: StepKind::Role,
        title,
        selected: true,
        calls,
        notes,
    });
    plan
}

/// Steps that give `instance_ids` the instance profile `profile`.
pub fn plan_attach(s: &Snapshot, instance_ids: &[String], profile: &str) -> Plan {
    let mut plan = Plan {
        title: format!("Attach instance profile {profile}"),
        subject: Subject::Attach {
            profile: profile.to_string(),
        },
        place: String::new(),
        steps: Vec::new(),
    };
    let mut calls = Vec::new();
    let mut notes = Vec::new();
    let profile_name_of = |arn: &str| arn.rsplit('/').next().unwrap_or(arn).to_string();
    for id in instance_ids {
        let Some(inst) = s.instances.instances.iter().find(|i| &i.id == id) else {
            notes.push(format!("{id}: no such instance"));
            continue;
        };
        if matches!(
            inst.state,
            InstanceState::Terminated | InstanceState::ShuttingDown
        ) {
            notes.push(format!(
                "{id}: {} instances cannot take a profile",
                inst.state.as_str()
            ));
            continue;
        }
        let current = s.instances.associations.iter().find(|a| {
            &a.instance_id == id
                && matches!(
                    a.state,
                    AssociationState::Associated | AssociationState::Associating
                )
        });
        match current {
            Some(a) if profile_name_of(&a.profile_arn) == profile => {}
            Some(a) => calls.push(Call::ReplaceIamInstanceProfileAssociation {
                association_id: a.id.clone(),
                instance_id: id.clone(),
                profile: profile.to_string(),
                replaces: profile_name_of(&a.profile_arn),
            }),
            None => match inst.profile_arn.as_deref() {
                Some(arn) if profile_name_of(arn) == profile => {}
                Some(arn) => notes.push(format!(
                    "{id} has profile {} but no association was listed: refresh and try again",
                    profile_name_of(arn)
                )),
                None => calls.push(Call::AssociateIamInstanceProfile {
                    instance_id: id.clone(),
                    profile: profile.to_string(),
                }),
            },
        }
    }
    let replaces = calls
        .iter()
        .filter(|c| matches!(c, Call::ReplaceIamInstanceProfileAssociation { .. }))
        .count();
    let title = if replaces > 0 {
        format!(
            "Attach {profile} to {} instance(s); {replaces} already have another profile, which is REPLACED",
            calls.len()
        )
    } else {
        format!("Attach {profile} to {} instance(s)", calls.len())
    };
    plan.push(Step {
        kind: StepKind::Attach,
        title,
        selected: true,
        calls,
        notes,
    });
    plan
}

/// Instances whose role problem is solved by attaching the default profile.
fn needs_profile(r: &Readiness, instance_filter: &[String]) -> Vec<String> {
    r.instances
        .iter()
        .filter(|i| instance_filter.is_empty() || instance_filter.contains(&i.instance_id))
        .filter(|i| {
            i.findings.iter().any(|f| {
                f.severity == Severity::Blocker
                    && matches!(
                        f.kind,
                        FindingKind::NoInstanceProfile { .. }
                            | FindingKind::ProfileNotFound { .. }
                            | FindingKind::ProfileWithoutRole { .. }
                            | FindingKind::RoleNotFound { .. }
                            | FindingKind::RoleNotTrustingEc2 { .. }
                    )
            })
        })
        .map(|i| i.instance_id.clone())
        .collect()
}

/// Everything `ssmdeck fix` would do: endpoints for every VPC whose instances
/// depend on them, the role, and the attachments — limited by the filters.
pub fn plan_fix(
    s: &Snapshot,
    r: &Readiness,
    vpcs: &[String],
    instances: &[String],
    role_name: &str,
    day: &str,
) -> Plan {
    let mut plan = Plan {
        title: "Make the instances manageable by Systems Manager".into(),
        subject: Subject::Fix,
        place: String::new(),
        steps: Vec::new(),
    };
    let instance_vpcs: BTreeSet<&str> = s
        .instances
        .instances
        .iter()
        .filter(|i| instances.contains(&i.id))
        .filter_map(|i| i.vpc_id.as_deref())
        .collect();
    for v in &r.vpcs {
        let wanted = if !vpcs.is_empty() {
            vpcs.contains(&v.vpc_id)
        } else if !instances.is_empty() {
            instance_vpcs.contains(v.vpc_id.as_str())
        } else {
            v.endpoint_dependent_instances > 0
        };
        if wanted {
            let mut p = plan_endpoints(s, r, &v.vpc_id, day);
            p.steps.retain(|st| st.kind != StepKind::OptionalEndpoints);
            plan.steps.extend(p.steps);
        }
    }
    let targets: Vec<String> = needs_profile(r, instances)
        .into_iter()
        .filter(|id| {
            vpcs.is_empty()
                || s.instances
                    .instances
                    .iter()
                    .any(|i| &i.id == id && i.vpc_id.as_ref().is_some_and(|v| vpcs.contains(v)))
        })
        .collect();
    if !targets.is_empty() || s.iam.roles.iter().any(|x| x.name == role_name) {
        let role = plan_role(s, role_name);
        if !targets.is_empty() || !role.is_empty() {
            plan.steps.extend(role.steps);
        }
    }
    if !targets.is_empty() {
        plan.steps.extend(plan_attach(s, &targets, role_name).steps);
    }
    plan.steps
        .retain(|st| !st.calls.is_empty() || !st.notes.is_empty());
    plan
}
