//! Network ACL evaluation as AWS does it: the entries of one direction in rule-number
//! order, the first that matches decides, and nothing matching is a deny.

use std::net::Ipv4Addr;

use ipnet::Ipv4Net;
use serde::Serialize;

use super::index::{Index, Present};
use crate::domain::findings::{Direction, Finding, FindingKind, Fix, Rule, Severity};
use crate::domain::model::{AclEntry, Instance, NetworkAcl, Subnet};

/// The catch-all entry every ACL ends with (`*` in the console).
pub const IMPLICIT_RULE: i32 = 32767;
/// The ports clients receive replies on (AWS's recommendation for ACLs).
pub const EPHEMERAL: (i32, i32) = (1024, 65535);
pub const HTTPS: (i32, i32) = (443, 443);

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(tag = "acl", rename_all = "snake_case")]
pub enum AclDecision {
    Allowed,
    /// `rule`: the denying entry; `None` for the implicit deny.
    Denied {
        rule: Option<i32>,
    },
    /// The first matching entry covers only some of the ports or addresses.
    Partly {
        rule: i32,
    },
}

/// How much of what is asked an entry covers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Cover {
    None,
    Some,
    All,
}

fn ports_cover(entry: Option<(i32, i32)>, asked: (i32, i32)) -> Cover {
    let Some((from, to)) = entry else {
        return Cover::All;
    };
    if from <= asked.0 && asked.1 <= to {
        Cover::All
    } else if from <= asked.1 && asked.0 <= to {
        Cover::Some
    } else {
        Cover::None
    }
}

fn addresses_cover(entry: &Ipv4Net, peer: &Ipv4Net) -> Cover {
    if entry.contains(peer) {
        Cover::All
    } else if peer.contains(entry) {
        Cover::Some
    } else {
        Cover::None
    }
}

fn is_tcp(protocol: &str) -> bool {
    matches!(protocol, "-1" | "6") || protocol.eq_ignore_ascii_case("tcp")
}

/// TCP on `ports` to (`egress`) or from `peer` through `acl`.
pub fn evaluate(acl: &NetworkAcl, egress: bool, ports: (i32, i32), peer: Ipv4Net) -> AclDecision {
    let mut entries: Vec<&AclEntry> = acl
        .entries
        .iter()
        .filter(|e| e.egress == egress && is_tcp(&e.protocol))
        .collect();
    entries.sort_by_key(|e| e.rule_number);
    for e in entries {
        let Ok(net) = e.cidr.parse::<Ipv4Net>() else {
            continue;
        };
        let port_cover = if e.protocol == "-1" {
            Cover::All
        } else {
            ports_cover(e.ports, ports)
        };
        match (port_cover, addresses_cover(&net, &peer)) {
            (Cover::None, _) | (_, Cover::None) => {}
            (Cover::All, Cover::All) if e.allow => return AclDecision::Allowed,
            (Cover::All, Cover::All) => {
                return AclDecision::Denied {
                    rule: (e.rule_number != IMPLICIT_RULE).then_some(e.rule_number),
                };
            }
            _ => {
                return AclDecision::Partly {
                    rule: e.rule_number,
                };
            }
        }
    }
    AclDecision::Denied { rule: None }
}

/// The number an allow entry would take to come before `before` (the denying entry; `None`
/// for the implicit deny): the highest free number below it, or for the implicit deny the
/// next round number after the entries in use. `None` when no number is free.
pub fn free_rule_number(acl: &NetworkAcl, egress: bool, before: Option<i32>) -> Option<i32> {
    let used: Vec<i32> = acl
        .entries
        .iter()
        .filter(|e| e.egress == egress)
        .map(|e| e.rule_number)
        .collect();
    match before {
        Some(limit) => (1..limit).rev().find(|n| !used.contains(n)),
        None => {
            let highest = used
                .iter()
                .copied()
                .filter(|n| *n < IMPLICIT_RULE)
                .max()
                .unwrap_or(0);
            let start = (highest / 100 + 1) * 100;
            (start..IMPLICIT_RULE)
                .chain((1..start).rev())
                .find(|n| !used.contains(n))
        }
    }
}

/// One crossing of a network ACL the agent's traffic makes.
struct Crossing<'a> {
    acl: &'a NetworkAcl,
    subnet_id: &'a str,
    egress: bool,
    ports: (i32, i32),
    peer: Ipv4Net,
    /// What an allow entry would name (wide enough for every peer of its kind).
    fix_cidr: Ipv4Net,
}

/// Rule 8 on the endpoint path: the instance's subnet lets 443 out to the endpoint subnets
/// and the replies in; each endpoint subnet lets 443 in from the instance and the replies
/// out. Traffic inside one subnet crosses no ACL.
pub(super) fn endpoint_rules(
    inst: &Instance,
    subnet: &Subnet,
    present: &[&Present],
    ix: &Index,
    findings: &mut Vec<Finding>,
) {
    let Some(vpc_net) = ix.topo.vpc_net(&subnet.vpc_id) else {
        return;
    };
    let Some(own_net) = ix.topo.subnet_net(&subnet.id) else {
        return;
    };
    let instance_net = inst
        .path_private_ip()
        .and_then(|ip| ip.parse::<Ipv4Addr>().ok())
        .map(Ipv4Net::from)
        .unwrap_or(own_net);
    // Private DNS answers with the addresses of every endpoint subnet, not only the one in
    // the instance's AZ: the agent may try any of them.
    let mut endpoint_subnets: Vec<&Subnet> = Vec::new();
    for p in present {
        for s in &p.subnets {
            if s.id != subnet.id && !endpoint_subnets.iter().any(|x| x.id == s.id) {
                endpoint_subnets.push(s);
            }
        }
    }
    let own_acl = ix.topo.network_acl(subnet);
    let mut crossings = Vec::new();
    // Subnets every crossing to and from lets through.
    let mut open: Vec<&str> = Vec::new();
    for s in &endpoint_subnets {
        let Some(peer) = ix.topo.subnet_net(&s.id) else {
            continue;
        };
        let before = crossings.len();
        if let Some(acl) = own_acl {
            for (egress, ports) in [(true, HTTPS), (false, EPHEMERAL)] {
                crossings.push(Crossing {
                    acl,
                    subnet_id: &subnet.id,
                    egress,
                    ports,
                    peer,
                    fix_cidr: vpc_net,
                });
            }
        }
        if let Some(acl) = ix.topo.network_acl(s) {
            for (egress, ports) in [(false, HTTPS), (true, EPHEMERAL)] {
                crossings.push(Crossing {
                    acl,
                    subnet_id: &s.id,
                    egress,
                    ports,
                    peer: instance_net,
                    fix_cidr: vpc_net,
                });
            }
        }
        if crossings[before..]
            .iter()
            .all(|c| evaluate(c.acl, c.egress, c.ports, c.peer) == AclDecision::Allowed)
        {
            open.push(&s.id);
        }
    }
    // Traffic inside one subnet crosses no ACL. With an open address for every endpoint,
    // a denied one makes some connections fail, not all: a warning.
    let each_reachable = present.iter().all(|p| {
        p.subnets
            .iter()
            .any(|s| s.id == subnet.id || open.contains(&s.id.as_str()))
    });
    judge(inst, &crossings, !each_reachable, findings);
}

/// Rule 8 on an internet path: the instance's subnet lets 443 out and the replies in.
pub(super) fn internet_rules(
    inst: &Instance,
    subnet: &Subnet,
    ix: &Index,
    findings: &mut Vec<Finding>,
) {
    let Some(acl) = ix.topo.network_acl(subnet) else {
        return;
    };
    let anywhere = Ipv4Net::default();
    let crossings: Vec<Crossing> = [(true, HTTPS), (false, EPHEMERAL)]
        .into_iter()
        .map(|(egress, ports)| Crossing {
            acl,
            subnet_id: &subnet.id,
            egress,
            ports,
            peer: anywhere,
            fix_cidr: anywhere,
        })
        .collect();
    judge(inst, &crossings, true, findings);
}

/// A finding per ACL, direction and ports that does not let the traffic through (a
/// denial blocks when `blocking`, else warns).
fn judge(inst: &Instance, crossings: &[Crossing], blocking: bool, findings: &mut Vec<Finding>) {
    let mut reported: Vec<(&str, bool, (i32, i32))> = Vec::new();
    for c in crossings {
        let key = (c.acl.id.as_str(), c.egress, c.ports);
        if reported.contains(&key) {
            continue;
        }
        let direction = if c.egress {
            Direction::Outbound
        } else {
            Direction::Inbound
        };
        let (from_port, to_port) = c.ports;
        let (severity, kind, fix) = match evaluate(c.acl, c.egress, c.ports, c.peer) {
            AclDecision::Allowed => continue,
            AclDecision::Denied { rule } => (
                if blocking {
                    Severity::Blocker
                } else {
                    Severity::Warning
                },
                FindingKind::NetworkAclDenies {
                    acl_id: c.acl.id.clone(),
                    subnet_id: c.subnet_id.to_string(),
                    direction,
                    from_port,
                    to_port,
                    peer: c.peer.to_string(),
                    rule,
                },
                Fix::AllowNetworkAcl {
                    acl_id: c.acl.id.clone(),
                    egress: c.egress,
                    from_port,
                    to_port,
                    cidr: c.fix_cidr.to_string(),
                    rule_number: free_rule_number(c.acl, c.egress, rule),
                },
            ),
            AclDecision::Partly { rule } => (
                Severity::Warning,
                FindingKind::NetworkAclPartly {
                    acl_id: c.acl.id.clone(),
                    subnet_id: c.subnet_id.to_string(),
                    direction,
                    from_port,
                    to_port,
                    peer: c.peer.to_string(),
                    rule,
                },
                Fix::Manual,
            ),
        };
        reported.push(key);
        findings.push(Finding::new(
            Rule::NetworkAcl,
            severity,
            &inst.id,
            kind,
            fix,
        ));
    }
}
