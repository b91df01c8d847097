//! The VPC's steps: endpoints, their security group, private DNS, the VPC's DNS
//! attributes, the AZs the endpoints miss, and the optional endpoints.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use ipnet::Ipv4Net;

use super::{
    Call, ENDPOINT_GROUP_NAME, GroupRef, Note, Plan, Step, StepKind, StepTitle, Subject,
    client_token,
};
use crate::domain::model::{
    EndpointState, EndpointType, InstanceState, SecurityGroup, Subnet, VpcDnsAttribute, VpcEndpoint,
};
use crate::domain::readiness::{
    OPTIONAL_SERVICES, REQUIRED_SERVICES, Readiness, service_name, short_service,
};
use crate::domain::snapshot::Snapshot;
use crate::domain::topology::{Topology, is_public_table};

/// One subnet per AZ for the endpoints: private subnets, covering every AZ where
/// the VPC's instances run (or every AZ with a private subnet when it has none).
pub fn endpoint_subnets(s: &Snapshot, vpc_id: &str) -> Vec<String> {
    let topo = Topology::new(&s.network);
    let is_private = |x: &Subnet| !topo.is_public(x);
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
            if let Some(sub) = i.path_subnet_id() {
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
            .filter(|x| is_private(x))
            .map(|x| x.az.as_str())
            .collect();
    }
    let mut chosen = Vec::new();
    for az in azs {
        let mut candidates: Vec<&&Subnet> = subnets.iter().filter(|x| x.az == az).collect();
        // Private first, then where the instances are, then by id for a stable choice.
        candidates.sort_by_key(|x| {
            (
                !is_private(x),
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
                        .all(|g| r.group_ids.iter().any(|x| x == g))))
    })
}

/// Steps that create the missing required endpoints of one VPC (and offer the optional ones).
pub fn plan_endpoints(s: &Snapshot, r: &Readiness, vpc_id: &str, day: &str) -> Plan {
    let mut plan = Plan {
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

    let present_required: Vec<&VpcEndpoint> = s
        .network
        .endpoints
        .iter()
        .filter(|e| e.vpc_id == vpc_id && e.state != EndpointState::Deleting)
        .filter(|e| e.kind == EndpointType::Interface)
        .filter(|e| {
            REQUIRED_SERVICES
                .iter()
                .any(|short| e.service_name == service_name(region, short))
        })
        .collect();

    // Private DNS needs both VPC DNS attributes: turn them on first, each on its own.
    if !missing.is_empty() || !present_required.is_empty() {
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
            title: StepTitle::VpcDns {
                vpc: vpc.label().to_string(),
            },
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
        .flat_map(|i| i.group_ids().iter().map(String::as_str))
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
            title: StepTitle::EndpointGroup {
                cidr: vpc.cidr.clone(),
            },
            selected: true,
            calls,
            notes: Vec::new(),
        });
        group = Some(chosen);
    }

    let subnets = endpoint_subnets(s, vpc_id);
    let mut notes = Vec::new();
    if subnets.is_empty() && !missing.is_empty() {
        notes.push(Note::NoSubnetForEndpoints {
            vpc_id: vpc_id.to_string(),
        });
    }
    plan.push(Step {
        kind: StepKind::Endpoints,
        title: StepTitle::Endpoints {
            vpc: vpc_id.to_string(),
            services: missing.iter().map(ToString::to_string).collect(),
        },
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
        title: StepTitle::ExistingEndpointGroups,
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

    // Private DNS on the endpoints that have it off.
    let dns_off: Vec<&&VpcEndpoint> = present_required.iter().filter(|e| !e.private_dns).collect();
    plan.push(Step {
        kind: StepKind::PrivateDns,
        title: StepTitle::PrivateDns {
            vpc: vpc_id.to_string(),
            services: dns_off
                .iter()
                .map(|e| short_service(&e.service_name).to_string())
                .collect(),
        },
        selected: true,
        calls: dns_off
            .iter()
            .map(|e| Call::ModifyVpcEndpoint {
                endpoint_id: e.id.clone(),
                service_name: e.service_name.clone(),
                private_dns: Some(true),
                add_subnet_ids: Vec::new(),
            })
            .collect(),
        notes: Vec::new(),
    });

    plan.push(zone_step(s, vpc_id, &present_required, &subnets));

    // Optional: s3 gateway on the private route tables, ec2/kms/logs interfaces.
    let private_tables: Vec<String> = s
        .network
        .route_tables
        .iter()
        .filter(|t| t.vpc_id == vpc_id)
        .filter(|t| !is_public_table(t))
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
        title: StepTitle::OptionalEndpoints,
        selected: false,
        calls: optional,
        notes: Vec::new(),
    });
    plan
}

/// ModifyVpcEndpoint `AddSubnetIds`: the endpoint subnets of the AZs where instances run
/// that an endpoint does not cover (offered, not selected: each AZ adds a billed interface).
fn zone_step(s: &Snapshot, vpc_id: &str, present: &[&VpcEndpoint], wanted: &[String]) -> Step {
    let zone_of = |id: &str| {
        s.network
            .subnets
            .iter()
            .find(|x| x.id == id)
            .map(|x| x.az.as_str())
    };
    let mut azs: Vec<String> = Vec::new();
    let calls: Vec<Call> = present
        .iter()
        .filter_map(|e| {
            let covered: Vec<&str> = e.subnet_ids.iter().filter_map(|id| zone_of(id)).collect();
            let add: Vec<String> = wanted
                .iter()
                .filter(|id| zone_of(id).is_some_and(|az| !covered.contains(&az)))
                .cloned()
                .collect();
            for id in &add {
                if let Some(az) = zone_of(id).map(str::to_string)
                    && !azs.contains(&az)
                {
                    azs.push(az);
                }
            }
            (!add.is_empty()).then(|| Call::ModifyVpcEndpoint {
                endpoint_id: e.id.clone(),
                service_name: e.service_name.clone(),
                private_dns: None,
                add_subnet_ids: add,
            })
        })
        .collect();
    azs.sort();
    Step {
        kind: StepKind::EndpointZones,
        title: StepTitle::EndpointZones {
            vpc: vpc_id.to_string(),
            azs,
        },
        selected: false,
        calls,
        notes: Vec::new(),
    }
}
