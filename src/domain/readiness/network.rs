//! The network family for one instance: its path out (rules 5 and 12), the endpoints it
//! depends on (rules 1–4, the endpoint policy of rule 11) and its own security groups'
//! egress (rule 9). Network ACLs (rule 8) are in `acl`.

use std::net::Ipv4Addr;

use ipnet::Ipv4Net;

use super::index::{Index, Present, RequiredEndpoints};
use super::{NetworkPath, REQUIRED_SERVICES, acl, short_service};
use crate::domain::findings::{Finding, FindingKind, Fix, Rule, Severity};
use crate::domain::model::{
    EndpointState, EndpointType, Instance, NatState, Role, RouteTarget, Subnet, VpcEndpoint,
};
use crate::domain::policy::{AGENT_ACTIONS, Decision, Request, evaluate_all, evaluate_resource};
use crate::domain::snapshot::Snapshot;
use crate::domain::topology::DEFAULT_ROUTE;

/// Rules 5 and 12: where the default route leads, and the rules of that path.
pub(super) fn path_rules<'a>(
    inst: &Instance,
    subnet: &Subnet,
    role: Option<&'a Role>,
    ix: &Index<'a>,
    s: &Snapshot,
    findings: &mut Vec<Finding>,
) -> NetworkPath {
    let vpc_id = subnet.vpc_id.as_str();
    let mut push = |rule, severity, kind, fix| {
        findings.push(Finding::new(rule, severity, &inst.id, kind, fix));
    };
    let target = ix.topo.default_route(subnet);
    let path = match target {
        Some(RouteTarget::InternetGateway(_)) if inst.public_ip.is_some() => {
            NetworkPath::InternetGateway
        }
        Some(RouteTarget::NatGateway(id)) => match ix.topo.nat(id) {
            Some(None) => {
                push(
                    Rule::NetworkPath,
                    Severity::Blocker,
                    FindingKind::NatNotAvailable {
                        nat_id: id.clone(),
                        state: "missing".into(),
                    },
                    Fix::Manual,
                );
                return NetworkPath::Nat;
            }
            Some(Some(nat)) if nat.state != NatState::Available => {
                push(
                    Rule::NetworkPath,
                    Severity::Blocker,
                    FindingKind::NatNotAvailable {
                        nat_id: id.clone(),
                        state: nat.state.as_str().to_string(),
                    },
                    Fix::Manual,
                );
                return NetworkPath::Nat;
            }
            // A private NAT gateway reaches other networks, not the internet.
            Some(Some(nat)) if !nat.public => NetworkPath::Remote,
            _ => NetworkPath::Nat,
        },
        Some(
            RouteTarget::TransitGateway(_)
            | RouteTarget::PeeringConnection(_)
            | RouteTarget::VpnGateway(_),
        ) => NetworkPath::Remote,
        _ => NetworkPath::Endpoints,
    };
    match path {
        NetworkPath::Endpoints => endpoint_rules(inst, subnet, vpc_id, role, ix, s, findings),
        NetworkPath::Remote => {
            // Private DNS sends the agent to endpoints in the VPC whatever the route says.
            let has_endpoints = ix.endpoints(vpc_id).iter().any(|e| {
                e.kind == EndpointType::Interface && ix.required_names.contains(&e.service_name)
            });
            if has_endpoints {
                endpoint_rules(inst, subnet, vpc_id, role, ix, s, findings);
            } else {
                let target = target.map(|t| t.id().to_string()).unwrap_or_default();
                push(
                    Rule::RemoteRoute,
                    Severity::Warning,
                    FindingKind::RouteNotVerifiable { target },
                    Fix::Manual,
                );
            }
        }
        NetworkPath::Nat | NetworkPath::InternetGateway => {
            internet_egress(inst, ix, findings);
            acl::internet_rules(inst, subnet, ix, findings);
        }
        NetworkPath::Unknown | NetworkPath::OutsideAws => {}
    }
    path
}

/// Rules 1–4, 8, 9 and 11 for one instance that depends on the endpoints.
fn endpoint_rules<'a>(
    inst: &Instance,
    subnet: &Subnet,
    vpc_id: &str,
    role: Option<&'a Role>,
    ix: &Index<'a>,
    s: &Snapshot,
    findings: &mut Vec<Finding>,
) {
    let unknown_vpc = RequiredEndpoints::default();
    let required = ix.required_by_vpc.get(vpc_id).unwrap_or(&unknown_vpc);
    let mut missing = Vec::new();
    let mut pending = Vec::new();
    let mut failed = Vec::new();
    let mut dns_off = Vec::new();
    let mut blocked = Vec::new();
    let mut other_az = Vec::new();
    let mut present: Vec<&Present<'a>> = Vec::with_capacity(REQUIRED_SERVICES.len());
    for (short, found) in REQUIRED_SERVICES.iter().zip(&required.services) {
        let Some(p) = found else {
            missing.push(short.to_string());
            continue;
        };
        present.push(p);
        let ep = p.endpoint;
        match ep.state {
            EndpointState::Available => {}
            EndpointState::Pending => pending.push(short.to_string()),
            _ => failed.push(short.to_string()),
        }
        if !ep.private_dns {
            dns_off.push(short.to_string());
        }
        if https_allowed(ep, inst, subnet, ix) == Some(false) {
            blocked.push(short.to_string());
        }
        if let Some(az) = &inst.az {
            let covered = p.subnets.iter().any(|s| &s.az == az);
            if !covered && !ep.subnet_ids.is_empty() {
                other_az.push(short.to_string());
            }
        }
    }
    let mut push = |rule, severity, kind, fix| {
        findings.push(Finding::new(rule, severity, &inst.id, kind, fix));
    };
    let vpc = vpc_id.to_string();
    let create = Fix::CreateEndpoints {
        vpc_id: vpc.clone(),
    };
    if !missing.is_empty() {
        if ix.topo.is_public(subnet) && inst.public_ip.is_none() {
            push(
                Rule::NetworkPath,
                Severity::Blocker,
                FindingKind::NoPublicIp {
                    subnet_id: subnet.id.clone(),
                },
                create.clone(),
            );
        }
        push(
            Rule::Endpoints,
            Severity::Blocker,
            FindingKind::EndpointsMissing { services: missing },
            create.clone(),
        );
    }
    if !failed.is_empty() {
        push(
            Rule::Endpoints,
            Severity::Blocker,
            FindingKind::EndpointsFailed { services: failed },
            create,
        );
    }
    if !pending.is_empty() {
        push(
            Rule::Endpoints,
            Severity::Waiting,
            FindingKind::EndpointsPending { services: pending },
            Fix::Wait,
        );
    }
    if !dns_off.is_empty() {
        push(
            Rule::Endpoints,
            Severity::Blocker,
            FindingKind::PrivateDnsOff { services: dns_off },
            Fix::EnablePrivateDns {
                vpc_id: vpc.clone(),
            },
        );
    }
    if !present.is_empty()
        && let Some(v) = ix.topo.vpc(vpc_id)
    {
        let support = v.dns_support.unwrap_or(true);
        let hostnames = v.dns_hostnames.unwrap_or(true);
        if !support || !hostnames {
            push(
                Rule::VpcDns,
                Severity::Blocker,
                FindingKind::VpcDnsOff {
                    dns_support: support,
                    dns_hostnames: hostnames,
                },
                Fix::EnableVpcDns {
                    vpc_id: vpc.clone(),
                },
            );
        }
    }
    if !blocked.is_empty() {
        push(
            Rule::Https,
            Severity::Blocker,
            FindingKind::HttpsNotAllowed { services: blocked },
            Fix::AllowHttps {
                vpc_id: vpc.clone(),
            },
        );
    }
    if !other_az.is_empty()
        && let Some(az) = &inst.az
    {
        push(
            Rule::EndpointSubnets,
            Severity::Warning,
            FindingKind::EndpointNotInZone {
                services: other_az,
                az: az.clone(),
            },
            Fix::AddEndpointZone {
                vpc_id: vpc,
                az: az.clone(),
            },
        );
    }
    endpoint_egress(inst, vpc_id, required, ix, findings);
    acl::endpoint_rules(inst, subnet, &present, ix, findings);
    endpoint_policies(inst, &present, role, ix, s, findings);
}

/// Rule 3: does any security group of the endpoint let the instance in on 443?
/// `None` when the groups are unknown.
pub(super) fn https_allowed(
    ep: &VpcEndpoint,
    inst: &Instance,
    subnet: &Subnet,
    ix: &Index,
) -> Option<bool> {
    let mut groups = ep
        .security_group_ids
        .iter()
        .filter_map(|id| ix.https_rules.get(id.as_str()))
        .peekable();
    groups.peek()?;
    let source_net = ix.topo.subnet_net(&subnet.id);
    let instance_groups = inst.group_ids();
    let mut source_ip: Option<Option<Ipv4Addr>> = None;
    let mut ip = || *source_ip.get_or_insert_with(|| inst.path_private_ip()?.parse().ok());
    let allowed = groups.flatten().any(|rule| {
        rule.source_group_ids
            .iter()
            .any(|g| instance_groups.contains(g))
            || rule.nets.iter().any(|net| {
                source_net.is_some_and(|s| net.contains(&s))
                    || ip().is_some_and(|ip| net.contains(&ip))
            })
    });
    Some(allowed)
}

/// What the instance's security groups let out on TCP 443.
enum Egress {
    Allowed,
    Blocked,
    /// Only to prefix lists or other addresses: may not reach it.
    Unverified,
}

/// The private ranges (RFC 1918): a rule for one of them does not reach the internet.
const PRIVATE: [&str; 3] = ["10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16"];

fn is_private(net: &Ipv4Net) -> bool {
    PRIVATE
        .iter()
        .filter_map(|p| p.parse::<Ipv4Net>().ok())
        .any(|p| p.contains(net))
}

/// Egress on 443 to every one of `destinations`, or to one of `peer_groups`. `None` when
/// none of the instance's groups is known.
fn egress_to(
    inst: &Instance,
    destinations: &[Ipv4Net],
    peer_groups: &[&str],
    ix: &Index,
) -> Option<Egress> {
    let groups: Vec<&Vec<_>> = inst
        .group_ids()
        .iter()
        .filter_map(|g| ix.egress_rules.get(g.as_str()))
        .collect();
    if groups.is_empty() {
        return None;
    }
    let rules = || groups.iter().flat_map(|g| g.iter());
    let by_group = rules().any(|r| {
        r.group_ids
            .iter()
            .any(|g| peer_groups.contains(&g.as_str()))
    });
    let by_address = destinations
        .iter()
        .all(|d| rules().any(|r| r.nets.iter().any(|net| net.contains(d))));
    if by_group || by_address {
        return Some(Egress::Allowed);
    }
    // A rule for part of a destination may or may not cover the endpoint's addresses (on
    // the way to the internet only public ones can).
    let internet = destinations.iter().any(|d| d.prefix_len() == 0);
    let maybe = rules().any(|r| {
        !r.prefix_lists.is_empty()
            || r.nets.iter().any(|net| {
                destinations.iter().any(|d| d.contains(net)) && !(internet && is_private(net))
            })
    });
    Some(if maybe {
        Egress::Unverified
    } else {
        Egress::Blocked
    })
}

/// Rule 9 on the endpoint path: 443 to the endpoints' subnets or their security groups
/// (to the VPC's CIDR while an endpoint is missing: where it would be made).
fn endpoint_egress(
    inst: &Instance,
    vpc_id: &str,
    required: &RequiredEndpoints,
    ix: &Index,
    findings: &mut Vec<Finding>,
) {
    let Some(vpc_net) = ix.topo.vpc_net(vpc_id) else {
        return;
    };
    let verdict = egress_to(inst, &required.destinations, &required.peer_groups, ix);
    if matches!(verdict, None | Some(Egress::Allowed)) {
        return;
    }
    let groups = inst.group_ids().to_vec();
    let destination = vpc_net.to_string();
    match verdict {
        None | Some(Egress::Allowed) => {}
        Some(Egress::Unverified) => findings.push(Finding::new(
            Rule::Egress,
            Severity::Warning,
            &inst.id,
            FindingKind::EgressUnverified {
                groups,
                destination,
            },
            Fix::Manual,
        )),
        Some(Egress::Blocked) => {
            let fix = match groups.first() {
                Some(g) => Fix::AllowEgress {
                    group_id: g.clone(),
                    cidr: destination.clone(),
                },
                None => Fix::Manual,
            };
            findings.push(Finding::new(
                Rule::Egress,
                Severity::Blocker,
                &inst.id,
                FindingKind::EgressBlocked {
                    groups,
                    destination,
                },
                fix,
            ));
        }
    }
}

/// Rule 9 on an internet path: 443 to anywhere. Opening egress to the internet is a
/// change for whoever owns the group: it is left to them.
fn internet_egress(inst: &Instance, ix: &Index, findings: &mut Vec<Finding>) {
    let anywhere = [Ipv4Net::default()];
    let verdict = egress_to(inst, &anywhere, &[], ix);
    if matches!(verdict, None | Some(Egress::Allowed)) {
        return;
    }
    let groups = inst.group_ids().to_vec();
    let kind = match verdict {
        None | Some(Egress::Allowed) => return,
        Some(Egress::Unverified) => (
            Severity::Warning,
            FindingKind::EgressUnverified {
                groups,
                destination: DEFAULT_ROUTE.into(),
            },
        ),
        Some(Egress::Blocked) => (
            Severity::Blocker,
            FindingKind::EgressBlocked {
                groups,
                destination: DEFAULT_ROUTE.into(),
            },
        ),
    };
    findings.push(Finding::new(
        Rule::Egress,
        kind.0,
        &inst.id,
        kind.1,
        Fix::Manual,
    ));
}

/// Rule 11 for endpoints: each endpoint's policy must let the instance's role call the
/// agent's actions of its service (`ssm:*` on ssm, `ssmmessages:*` on ssmmessages, …).
fn endpoint_policies<'a>(
    inst: &Instance,
    present: &[&Present<'a>],
    role: Option<&'a Role>,
    ix: &Index<'a>,
    s: &Snapshot,
    findings: &mut Vec<Finding>,
) {
    for ep in present.iter().map(|p| p.endpoint) {
        let Some((action, decision)) = endpoint_decision(ep, role, ix, s) else {
            continue;
        };
        let service = short_service(&ep.service_name).to_string();
        let endpoint_id = ep.id.clone();
        let (severity, kind) = match decision {
            Decision::Allowed => continue,
            Decision::ExplicitDeny { .. } | Decision::ImplicitDeny => (
                Severity::Blocker,
                FindingKind::EndpointPolicyDenies {
                    service,
                    endpoint_id,
                    action,
                },
            ),
            Decision::Unverified { reason } => (
                Severity::Warning,
                FindingKind::EndpointPolicyUnverified {
                    service,
                    endpoint_id,
                    action,
                    reason,
                },
            ),
        };
        findings.push(Finding::new(
            Rule::Policy,
            severity,
            &inst.id,
            kind,
            Fix::Manual,
        ));
    }
}

/// The worst decision of an endpoint's policy over its service's agent actions for a role
/// (remembered per endpoint and role). `None` for the default policy.
fn endpoint_decision<'a>(
    ep: &'a VpcEndpoint,
    role: Option<&'a Role>,
    ix: &Index<'a>,
    s: &Snapshot,
) -> Option<(String, Decision)> {
    let parsed = ix.endpoint_policies.get(ep.id.as_str())?;
    let role_arn = role.map_or("", |r| r.arn.as_str());
    let key = (ep.id.as_str(), role_arn);
    if let Some(known) = ix.endpoint_decisions.borrow().get(&key) {
        return Some(known.clone());
    }
    let prefix = format!("{}:", short_service(&ep.service_name));
    let actions: Vec<&str> = AGENT_ACTIONS
        .iter()
        .copied()
        .filter(|a| a.starts_with(&prefix))
        .collect();
    let result = match parsed {
        Err(_) => (
            actions.first().copied().unwrap_or_default().to_string(),
            Decision::Unverified {
                reason: crate::domain::policy::UnverifiedReason::Unreadable,
            },
        ),
        Ok(doc) => {
            let base = Request {
                principal_arn: role.map(|r| r.arn.as_str()),
                account: s.identity.account.as_deref(),
                ..Request::default()
            };
            let results = evaluate_all(&actions, &base, |r| evaluate_resource(doc, r));
            results
                .into_iter()
                .next()
                .unwrap_or_else(|| (String::new(), Decision::Allowed))
        }
    };
    ix.endpoint_decisions
        .borrow_mut()
        .insert(key, result.clone());
    Some(result)
}
