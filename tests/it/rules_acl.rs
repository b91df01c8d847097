//! Readiness rules 8 and 9: network ACLs in rule order with the implicit deny (the
//! evaluator, the rule numbers an allow entry takes, the instance's and the endpoints'
//! subnets), and security-group egress.

use ssmdeck::domain::findings::{Direction, FindingKind, Fix, Severity};
use ssmdeck::domain::model::*;
use ssmdeck::domain::readiness::acl::{
    AclDecision, EPHEMERAL, HTTPS, evaluate as acl, free_rule_number,
};
use ssmdeck::domain::readiness::{Verdict, evaluate};
use ssmdeck::domain::snapshot::Snapshot;

use crate::fixtures::*;
use crate::rules_network::{Case, check, nat, nat_route};

fn entry(
    rule_number: i32,
    egress: bool,
    allow: bool,
    protocol: &str,
    cidr: &str,
    ports: Option<(i32, i32)>,
) -> AclEntry {
    AclEntry {
        rule_number,
        egress,
        protocol: protocol.into(),
        allow,
        cidr: cidr.into(),
        ports,
    }
}

fn nacl(entries: Vec<AclEntry>) -> NetworkAcl {
    NetworkAcl {
        id: "acl-1".into(),
        vpc_id: VPC.into(),
        is_default: false,
        subnet_ids: vec![],
        entries,
    }
}

fn net(cidr: &str) -> ipnet::Ipv4Net {
    cidr.parse().unwrap_or_else(|e| panic!("{cidr}: {e}"))
}

/// Name, entries, egress, ports, peer, decision.
type AclCase = (
    &'static str,
    Vec<AclEntry>,
    bool,
    (i32, i32),
    ipnet::Ipv4Net,
    AclDecision,
);
/// Name, entries, the denying rule, the number an allow would take.
type NumberCase = (&'static str, Vec<AclEntry>, Option<i32>, Option<i32>);

#[test]
fn network_acls_are_evaluated_in_rule_order_with_the_implicit_deny() {
    let all = |n, egress, allow| entry(n, egress, allow, "-1", "0.0.0.0/0", None);
    let tcp = |n, egress, allow, cidr: &str, ports| entry(n, egress, allow, "6", cidr, Some(ports));
    let vpc = net("10.0.0.0/16");
    let subnet = net("10.0.3.0/24");
    #[rustfmt::skip]
    let cases: Vec<AclCase> = vec![
        ("the default ACL allows all", vec![all(100, true, true), all(32767, true, false)], true, HTTPS, subnet, AclDecision::Allowed),
        ("no entry at all: the implicit deny", vec![], true, HTTPS, subnet, AclDecision::Denied { rule: None }),
        ("the catch-all 32767 is the implicit deny", vec![all(32767, true, false)], true, HTTPS, subnet, AclDecision::Denied { rule: None }),
        ("a lower deny wins over a higher allow", vec![tcp(100, true, false, "0.0.0.0/0", (443, 443)), all(200, true, true)], true, HTTPS, subnet, AclDecision::Denied { rule: Some(100) }),
        ("a lower allow wins over a higher deny", vec![all(100, true, true), tcp(200, true, false, "0.0.0.0/0", (443, 443))], true, HTTPS, subnet, AclDecision::Allowed),
        ("order is the rule number, not the listing", vec![all(200, true, true), tcp(100, true, false, "0.0.0.0/0", (443, 443))], true, HTTPS, subnet, AclDecision::Denied { rule: Some(100) }),
        ("a deny for another port does not match", vec![tcp(100, true, false, "0.0.0.0/0", (22, 22)), all(200, true, true)], true, HTTPS, subnet, AclDecision::Allowed),
        ("a deny for another network does not match", vec![tcp(100, true, false, "192.168.0.0/16", (443, 443)), all(200, true, true)], true, HTTPS, subnet, AclDecision::Allowed),
        ("a UDP entry does not carry TCP", vec![entry(100, true, true, "17", "0.0.0.0/0", None)], true, HTTPS, subnet, AclDecision::Denied { rule: None }),
        ("inbound entries do not decide outbound", vec![all(100, false, true)], true, HTTPS, subnet, AclDecision::Denied { rule: None }),
        ("the ephemeral range allowed whole", vec![tcp(100, false, true, "10.0.0.0/16", (1024, 65535))], false, EPHEMERAL, subnet, AclDecision::Allowed),
        ("only part of the ephemeral range", vec![tcp(100, false, true, "10.0.0.0/16", (32768, 65535))], false, EPHEMERAL, subnet, AclDecision::Partly { rule: 100 }),
        ("an allow for part of the peer's addresses", vec![tcp(100, true, true, "10.0.3.0/25", (443, 443))], true, HTTPS, subnet, AclDecision::Partly { rule: 100 }),
        ("an allow for the whole VPC covers the subnet", vec![tcp(100, true, true, "10.0.0.0/16", (443, 443))], true, HTTPS, subnet, AclDecision::Allowed),
        ("a deny for part of the VPC comes first", vec![tcp(90, true, false, "10.0.3.0/24", (443, 443)), all(100, true, true)], true, HTTPS, vpc, AclDecision::Partly { rule: 90 }),
    ];
    for (name, entries, egress, ports, peer, want) in cases {
        assert_eq!(acl(&nacl(entries), egress, ports, peer), want, "{name}");
    }
}

#[test]
fn an_allow_entry_takes_a_free_number_before_the_deny() {
    let deny = |n| entry(n, true, false, "6", "0.0.0.0/0", Some((443, 443)));
    let allow = |n| entry(n, true, true, "-1", "0.0.0.0/0", None);
    #[rustfmt::skip]
    let cases: Vec<NumberCase> = vec![
        ("just below the deny", vec![deny(100), allow(200)], Some(100), Some(99)),
        ("below the deny, skipping taken numbers", vec![deny(100), allow(99), allow(98)], Some(100), Some(97)),
        ("nothing free below rule 1", vec![deny(1)], Some(1), None),
        ("the implicit deny: the next hundred", vec![allow(100), deny(120)], None, Some(200)),
        ("the implicit deny of an empty ACL", vec![], None, Some(100)),
    ];
    for (name, entries, before, want) in cases {
        assert_eq!(
            free_rule_number(&nacl(entries), true, before),
            want,
            "{name}"
        );
    }
    // Numbers are per direction.
    let acl = nacl(vec![
        deny(100),
        entry(99, false, true, "-1", "0.0.0.0/0", None),
    ]);
    assert_eq!(free_rule_number(&acl, true, Some(100)), Some(99));
}

/// The fixture's endpoints placed in 2c only: the instance (2a) crosses into another subnet.
fn endpoints_in_2c(s: &mut Snapshot) {
    for e in &mut s.network.endpoints {
        e.subnet_ids = vec![SUBNET_C.into()];
    }
}

fn allow_all(egress: bool) -> AclEntry {
    entry(100, egress, true, "-1", "0.0.0.0/0", None)
}

/// ACL `id` on `subnet`, allowing everything but what `extra` says first.
fn acl_on(s: &mut Snapshot, id: &str, subnet: &str, extra: Vec<AclEntry>) {
    let mut entries = extra;
    entries.push(allow_all(true));
    entries.push(allow_all(false));
    s.network.network_acls.push(NetworkAcl {
        id: id.into(),
        vpc_id: VPC.into(),
        is_default: false,
        subnet_ids: vec![subnet.into()],
        entries,
    });
}

fn default_acls(s: &mut Snapshot) {
    s.network.network_acls.push(NetworkAcl {
        id: "acl-default".into(),
        vpc_id: VPC.into(),
        is_default: true,
        subnet_ids: vec![],
        entries: vec![allow_all(true), allow_all(false)],
    });
}

#[test]
fn rule_8_network_acls_of_the_instance_and_endpoint_subnets() {
    check(vec![
        Case {
            name: "holds: default ACLs",
            change: |s| {
                endpoints_in_2c(s);
                default_acls(s);
            },
            verdict: Verdict::Waiting,
            expect: None,
        },
        Case {
            name: "holds: no ACL was read",
            change: endpoints_in_2c,
            verdict: Verdict::Waiting,
            expect: None,
        },
        Case {
            name: "fails: the instance subnet denies 443 out (rule 90)",
            change: |s| {
                endpoints_in_2c(s);
                default_acls(s);
                acl_on(
                    s,
                    "acl-a",
                    SUBNET_A,
                    vec![entry(90, true, false, "6", "0.0.0.0/0", Some((443, 443)))],
                );
            },
            verdict: Verdict::NotManaged,
            expect: Some((
                Severity::Blocker,
                |k| matches!(k, FindingKind::NetworkAclDenies { acl_id, direction: Direction::Outbound, from_port: 443, rule: Some(90), .. } if acl_id == "acl-a"),
            )),
        },
        Case {
            name: "fails: the instance subnet lets 443 out but no reply in",
            change: |s| {
                endpoints_in_2c(s);
                default_acls(s);
                s.network.network_acls.push(NetworkAcl {
                    id: "acl-a".into(),
                    vpc_id: VPC.into(),
                    is_default: false,
                    subnet_ids: vec![SUBNET_A.into()],
                    entries: vec![
                        allow_all(true),
                        entry(100, false, true, "6", "0.0.0.0/0", Some((443, 443))),
                    ],
                });
            },
            verdict: Verdict::NotManaged,
            expect: Some((Severity::Blocker, |k| {
                matches!(
                    k,
                    FindingKind::NetworkAclDenies {
                        direction: Direction::Inbound,
                        from_port: 1024,
                        to_port: 65535,
                        rule: None,
                        ..
                    }
                )
            })),
        },
        Case {
            name: "fails: the endpoint subnet denies 443 in",
            change: |s| {
                endpoints_in_2c(s);
                default_acls(s);
                acl_on(
                    s,
                    "acl-c",
                    SUBNET_C,
                    vec![entry(50, false, false, "-1", "10.0.2.0/24", None)],
                );
            },
            verdict: Verdict::NotManaged,
            expect: Some((
                Severity::Blocker,
                |k| matches!(k, FindingKind::NetworkAclDenies { acl_id, subnet_id, direction: Direction::Inbound, from_port: 443, rule: Some(50), .. } if acl_id == "acl-c" && subnet_id == SUBNET_C),
            )),
        },
        Case {
            name: "fails: the endpoint subnet lets no reply out",
            change: |s| {
                endpoints_in_2c(s);
                default_acls(s);
                acl_on(
                    s,
                    "acl-c",
                    SUBNET_C,
                    vec![entry(
                        50,
                        true,
                        false,
                        "6",
                        "10.0.0.0/16",
                        Some((1024, 65535)),
                    )],
                );
            },
            verdict: Verdict::NotManaged,
            expect: Some((Severity::Blocker, |k| {
                matches!(
                    k,
                    FindingKind::NetworkAclDenies {
                        direction: Direction::Outbound,
                        from_port: 1024,
                        ..
                    }
                )
            })),
        },
        Case {
            name: "holds: an allow numbered before the deny",
            change: |s| {
                endpoints_in_2c(s);
                default_acls(s);
                acl_on(
                    s,
                    "acl-a",
                    SUBNET_A,
                    vec![
                        entry(80, true, true, "6", "10.0.0.0/16", Some((443, 443))),
                        entry(90, true, false, "6", "0.0.0.0/0", Some((443, 443))),
                    ],
                );
            },
            verdict: Verdict::Waiting,
            expect: None,
        },
        Case {
            name: "warns: replies allowed on 32768-65535 only",
            change: |s| {
                endpoints_in_2c(s);
                default_acls(s);
                s.network.network_acls.push(NetworkAcl {
                    id: "acl-a".into(),
                    vpc_id: VPC.into(),
                    is_default: false,
                    subnet_ids: vec![SUBNET_A.into()],
                    entries: vec![
                        allow_all(true),
                        entry(100, false, true, "6", "0.0.0.0/0", Some((32768, 65535))),
                    ],
                });
            },
            verdict: Verdict::Waiting,
            expect: Some((Severity::Warning, |k| {
                matches!(k, FindingKind::NetworkAclPartly { rule: 100, .. })
            })),
        },
        Case {
            name: "holds: inside one subnet no ACL is crossed",
            change: |s| {
                for e in &mut s.network.endpoints {
                    e.subnet_ids = vec![SUBNET_A.into()];
                }
                default_acls(s);
                acl_on(
                    s,
                    "acl-a",
                    SUBNET_A,
                    vec![entry(1, true, false, "-1", "0.0.0.0/0", None)],
                );
            },
            verdict: Verdict::Waiting,
            expect: None,
        },
        Case {
            // Private DNS answers with 2a's and 2c's addresses: those to 2c fail.
            name: "warns: endpoints in the instance's subnet too, the other subnet denied",
            change: |s| {
                default_acls(s);
                acl_on(
                    s,
                    "acl-a",
                    SUBNET_A,
                    vec![entry(90, true, false, "6", "0.0.0.0/0", Some((443, 443)))],
                );
            },
            verdict: Verdict::Waiting,
            expect: Some((
                Severity::Warning,
                |k| matches!(k, FindingKind::NetworkAclDenies { acl_id, direction: Direction::Outbound, rule: Some(90), .. } if acl_id == "acl-a"),
            )),
        },
        Case {
            // The endpoints in 2c only, and 2c denies 443 in: no address is left.
            name: "fails: every endpoint address denied, none in the instance's subnet",
            change: |s| {
                endpoints_in_2c(s);
                default_acls(s);
                acl_on(
                    s,
                    "acl-c",
                    SUBNET_C,
                    vec![entry(50, false, false, "6", "0.0.0.0/0", Some((443, 443)))],
                );
            },
            verdict: Verdict::NotManaged,
            expect: Some((
                Severity::Blocker,
                |k| matches!(k, FindingKind::NetworkAclDenies { acl_id, rule: Some(50), .. } if acl_id == "acl-c"),
            )),
        },
    ]);
}

#[test]
fn an_acl_finding_names_the_entry_that_would_fix_it() {
    let mut s = ready();
    endpoints_in_2c(&mut s);
    default_acls(&mut s);
    acl_on(
        &mut s,
        "acl-a",
        SUBNET_A,
        vec![entry(90, true, false, "6", "0.0.0.0/0", Some((443, 443)))],
    );
    let r = evaluate(&s);
    let fix = r.instances[0]
        .findings
        .iter()
        .find(|f| matches!(f.kind, FindingKind::NetworkAclDenies { .. }))
        .map(|f| f.fix.clone());
    assert_eq!(
        fix,
        Some(Fix::AllowNetworkAcl {
            acl_id: "acl-a".into(),
            egress: true,
            from_port: 443,
            to_port: 443,
            cidr: "10.0.0.0/16".into(),
            rule_number: Some(89),
        })
    );
}

fn no_egress(s: &mut Snapshot) {
    s.network.security_groups[1].egress.clear();
}

fn egress(cidrs: &[&str], groups: &[&str], lists: &[&str], ports: (i32, i32)) -> GroupRule {
    GroupRule {
        protocol: "tcp".into(),
        from_port: Some(ports.0),
        to_port: Some(ports.1),
        cidrs: cidrs.iter().map(|c| c.to_string()).collect(),
        group_ids: groups.iter().map(|g| g.to_string()).collect(),
        prefix_list_ids: lists.iter().map(|l| l.to_string()).collect(),
    }
}

#[test]
fn rule_9_security_group_egress() {
    check(vec![
        Case {
            name: "fails: the instance's group has no egress",
            change: no_egress,
            verdict: Verdict::NotManaged,
            expect: Some((
                Severity::Blocker,
                |k| matches!(k, FindingKind::EgressBlocked { destination, .. } if destination == "10.0.0.0/16"),
            )),
        },
        Case {
            name: "holds: 443 to the VPC's CIDR",
            change: |s| {
                s.network.security_groups[1].egress =
                    vec![egress(&["10.0.0.0/16"], &[], &[], (443, 443))]
            },
            verdict: Verdict::Waiting,
            expect: None,
        },
        Case {
            name: "holds: 443 to the endpoints' group",
            change: |s| {
                s.network.security_groups[1].egress =
                    vec![egress(&[], &[ENDPOINT_SG], &[], (443, 443))]
            },
            verdict: Verdict::Waiting,
            expect: None,
        },
        Case {
            name: "fails: only port 80 out",
            change: |s| {
                s.network.security_groups[1].egress =
                    vec![egress(&["0.0.0.0/0"], &[], &[], (80, 80))]
            },
            verdict: Verdict::NotManaged,
            expect: Some((Severity::Blocker, |k| {
                matches!(k, FindingKind::EgressBlocked { .. })
            })),
        },
        Case {
            name: "warns: 443 only to a prefix list",
            change: |s| {
                s.network.security_groups[1].egress =
                    vec![egress(&[], &[], &["pl-123"], (443, 443))]
            },
            verdict: Verdict::Waiting,
            expect: Some((Severity::Warning, |k| {
                matches!(k, FindingKind::EgressUnverified { .. })
            })),
        },
        Case {
            name: "fails: on a NAT path, 443 only inside the VPC",
            change: |s| {
                nat_route(s, "nat-1");
                nat(s, NatState::Available);
                s.network.security_groups[1].egress =
                    vec![egress(&["10.0.0.0/16"], &[], &[], (443, 443))];
            },
            verdict: Verdict::NotManaged,
            expect: Some((
                Severity::Blocker,
                |k| matches!(k, FindingKind::EgressBlocked { destination, .. } if destination == "0.0.0.0/0"),
            )),
        },
    ]);
    // Inside the VPC the fix is a step; out to the internet it is a change by hand.
    let mut s = ready();
    no_egress(&mut s);
    let f = evaluate(&s).instances[0].findings.clone();
    assert!(f.iter().any(|f| f.fix
        == Fix::AllowEgress {
            group_id: INSTANCE_SG.into(),
            cidr: "10.0.0.0/16".into()
        }));
}
