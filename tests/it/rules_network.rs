//! Readiness rules 5, 8, 9, 10, 11 (endpoint policy) and 12: network ACLs in rule order,
//! security-group egress, the network path (NAT, transit gateway, peering, VPN gateway, a
//! public subnet without a public IP), interfaces with their own groups, instance metadata.

use ssmdeck::domain::findings::{Direction, FindingKind, Fix, Severity};
use ssmdeck::domain::model::*;
use ssmdeck::domain::readiness::acl::{
    AclDecision, EPHEMERAL, HTTPS, evaluate as acl, free_rule_number,
};
use ssmdeck::domain::readiness::{NetworkPath, Verdict, evaluate};
use ssmdeck::domain::snapshot::Snapshot;

use crate::fixtures::*;

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

type Expect = (Severity, fn(&FindingKind) -> bool);

struct Case {
    name: &'static str,
    change: fn(&mut Snapshot),
    verdict: Verdict,
    /// A finding of this kind and severity; `None`: no finding beyond waiting for the agent
    /// (and the AZ warning of endpoints moved to 2c).
    expect: Option<Expect>,
}

fn check(cases: Vec<Case>) {
    for case in cases {
        let mut s = ready();
        (case.change)(&mut s);
        let r = evaluate(&s);
        let report = &r.instances[0];
        assert_eq!(
            report.verdict, case.verdict,
            "{}: {:?}",
            case.name, report.findings
        );
        match case.expect {
            Some((severity, kind)) => assert!(
                report
                    .findings
                    .iter()
                    .any(|f| f.severity == severity && kind(&f.kind)),
                "{}: {:?}",
                case.name,
                report.findings
            ),
            None => assert!(
                report.findings.iter().all(|f| matches!(
                    f.kind,
                    FindingKind::AgentNotRegistered | FindingKind::EndpointNotInZone { .. }
                )),
                "{}: {:?}",
                case.name,
                report.findings
            ),
        }
    }
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

fn nat_route(s: &mut Snapshot, nat: &str) {
    s.network.endpoints.clear();
    s.network.route_tables.push(RouteTable {
        id: "rtb-a".into(),
        vpc_id: VPC.into(),
        is_main: false,
        subnet_ids: vec![SUBNET_A.into()],
        routes: vec![Route {
            destination: "0.0.0.0/0".into(),
            target: RouteTarget::NatGateway(nat.into()),
        }],
    });
}

fn nat(s: &mut Snapshot, state: NatState) {
    s.network.nat_gateways_known = true;
    s.network.nat_gateways.push(NatGateway {
        id: "nat-1".into(),
        vpc_id: VPC.into(),
        subnet_id: SUBNET_PUBLIC.into(),
        state,
        public: true,
    });
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

#[test]
fn rules_5_and_12_the_path_out() {
    check(vec![
        Case {
            name: "holds: a NAT gateway that is available",
            change: |s| {
                nat_route(s, "nat-1");
                nat(s, NatState::Available);
            },
            verdict: Verdict::Waiting,
            expect: None,
        },
        Case {
            name: "fails: the NAT gateway is deleted",
            change: |s| {
                nat_route(s, "nat-1");
                nat(s, NatState::Deleted);
            },
            verdict: Verdict::NotManaged,
            expect: Some((
                Severity::Blocker,
                |k| matches!(k, FindingKind::NatNotAvailable { nat_id, state } if nat_id == "nat-1" && state == "deleted"),
            )),
        },
        Case {
            name: "fails: the NAT gateway is gone from the list",
            change: |s| {
                nat_route(s, "nat-gone");
                nat(s, NatState::Available);
            },
            verdict: Verdict::NotManaged,
            expect: Some((
                Severity::Blocker,
                |k| matches!(k, FindingKind::NatNotAvailable { state, .. } if state == "missing"),
            )),
        },
        Case {
            name: "holds: NAT gateways not read, the route is taken as it is",
            change: |s| nat_route(s, "nat-1"),
            verdict: Verdict::Waiting,
            expect: None,
        },
        Case {
            name: "warns: a transit gateway, not 'no endpoints'",
            change: |s| remote(s, RouteTarget::TransitGateway("tgw-1".into())),
            verdict: Verdict::Waiting,
            expect: Some((
                Severity::Warning,
                |k| matches!(k, FindingKind::RouteNotVerifiable { target } if target == "tgw-1"),
            )),
        },
        Case {
            name: "warns: a peering connection",
            change: |s| remote(s, RouteTarget::PeeringConnection("pcx-1".into())),
            verdict: Verdict::Waiting,
            expect: Some((
                Severity::Warning,
                |k| matches!(k, FindingKind::RouteNotVerifiable { target } if target == "pcx-1"),
            )),
        },
        Case {
            name: "warns: a VPN gateway",
            change: |s| remote(s, RouteTarget::VpnGateway("vgw-1".into())),
            verdict: Verdict::Waiting,
            expect: Some((
                Severity::Warning,
                |k| matches!(k, FindingKind::RouteNotVerifiable { target } if target == "vgw-1"),
            )),
        },
        Case {
            name: "fails: a transit gateway, but the VPC's own endpoints have private DNS off",
            change: |s| {
                remote(s, RouteTarget::TransitGateway("tgw-1".into()));
                s.network.endpoints = ["ssm", "ssmmessages", "ec2messages"]
                    .iter()
                    .map(|e| endpoint(e, &[SUBNET_A, SUBNET_C]))
                    .collect();
                s.network.endpoints[0].private_dns = false;
            },
            verdict: Verdict::NotManaged,
            expect: Some((Severity::Blocker, |k| {
                matches!(k, FindingKind::PrivateDnsOff { .. })
            })),
        },
        Case {
            name: "fails: a public subnet without a public IP, no endpoints",
            change: |s| {
                s.network.endpoints.clear();
                s.instances.instances[0].subnet_id = Some(SUBNET_PUBLIC.into());
            },
            verdict: Verdict::NotManaged,
            expect: Some((
                Severity::Blocker,
                |k| matches!(k, FindingKind::NoPublicIp { subnet_id } if subnet_id == SUBNET_PUBLIC),
            )),
        },
        Case {
            name: "holds: a public subnet with a public IP",
            change: |s| {
                s.network.endpoints.clear();
                s.instances.instances[0].subnet_id = Some(SUBNET_PUBLIC.into());
                s.instances.instances[0].public_ip = Some("54.1.2.3".into());
            },
            verdict: Verdict::Waiting,
            expect: None,
        },
    ]);
    let mut s = ready();
    remote(&mut s, RouteTarget::TransitGateway("tgw-1".into()));
    let r = evaluate(&s);
    assert_eq!(r.instances[0].path, NetworkPath::Remote);
    assert!(
        !r.instances[0]
            .findings
            .iter()
            .any(|f| matches!(f.kind, FindingKind::EndpointsMissing { .. })),
        "no 'no SSM endpoints' on a hub-and-spoke route"
    );
}

fn remote(s: &mut Snapshot, target: RouteTarget) {
    s.network.endpoints.clear();
    s.network.route_tables[0].routes.push(Route {
        destination: "0.0.0.0/0".into(),
        target,
    });
}

fn via_interface(s: &mut Snapshot, groups: &[&str]) {
    // The endpoints let in the instances' group by reference, no CIDR.
    s.network.security_groups[0].ingress = vec![https_rule(&[], &[INSTANCE_SG])];
    let inst = &mut s.instances.instances[0];
    inst.security_group_ids.clear();
    inst.network_interfaces = vec![NetworkInterface {
        id: "eni-1".into(),
        subnet_id: Some(SUBNET_A.into()),
        device_index: Some(0),
        private_ip: Some("10.0.2.10".into()),
        group_ids: groups.iter().map(|g| g.to_string()).collect(),
    }];
}

#[test]
fn the_primary_interface_decides_groups_and_subnet() {
    check(vec![
        Case {
            name: "holds: the endpoint group names the instance's group, found on its interface",
            change: |s| via_interface(s, &[INSTANCE_SG]),
            verdict: Verdict::Waiting,
            expect: None,
        },
        Case {
            name: "fails: the interface carries another group",
            change: |s| {
                via_interface(s, &["sg-other"]);
                s.network.security_groups.push(SecurityGroup {
                    id: "sg-other".into(),
                    vpc_id: VPC.into(),
                    name: "other".into(),
                    ingress: vec![],
                    egress: vec![all_egress()],
                });
            },
            verdict: Verdict::NotManaged,
            expect: Some((Severity::Blocker, |k| {
                matches!(k, FindingKind::HttpsNotAllowed { .. })
            })),
        },
        Case {
            name: "fails: the primary interface is in the public subnet (no endpoints, no public IP)",
            change: |s| {
                s.network.endpoints.clear();
                s.instances.instances[0].network_interfaces = vec![NetworkInterface {
                    id: "eni-1".into(),
                    subnet_id: Some(SUBNET_PUBLIC.into()),
                    device_index: Some(0),
                    private_ip: None,
                    group_ids: vec![INSTANCE_SG.into()],
                }];
            },
            verdict: Verdict::NotManaged,
            expect: Some((Severity::Blocker, |k| {
                matches!(k, FindingKind::NoPublicIp { .. })
            })),
        },
    ]);
}

#[test]
fn rule_10_instance_metadata() {
    check(vec![
        Case {
            name: "fails: the metadata endpoint is disabled",
            change: |s| s.instances.instances[0].metadata.endpoint_enabled = false,
            verdict: Verdict::NotManaged,
            expect: Some((Severity::Blocker, |k| {
                matches!(k, FindingKind::ImdsDisabled)
            })),
        },
        Case {
            name: "notes: IMDSv2 with a hop limit of 1",
            change: |s| {
                s.instances.instances[0].metadata.tokens_required = true;
                s.instances.instances[0].metadata.hop_limit = Some(1);
            },
            verdict: Verdict::Waiting,
            expect: Some((Severity::Info, |k| {
                matches!(k, FindingKind::ImdsHopLimit { hop_limit: 1 })
            })),
        },
        Case {
            name: "holds: IMDSv2 with a hop limit of 2",
            change: |s| {
                s.instances.instances[0].metadata.tokens_required = true;
                s.instances.instances[0].metadata.hop_limit = Some(2);
            },
            verdict: Verdict::Waiting,
            expect: None,
        },
    ]);
    let mut s = ready();
    s.instances.instances[0].metadata.endpoint_enabled = false;
    let f = evaluate(&s).instances[0].findings.clone();
    assert!(f.iter().any(|f| f.fix
        == Fix::EnableImds {
            instance_id: INSTANCE.into()
        }));
}

fn policy(s: &mut Snapshot, service: &str, document: serde_json::Value) {
    for e in &mut s.network.endpoints {
        if e.service_name.ends_with(&format!(".{service}")) {
            e.policy_document = Some(document.to_string());
        }
    }
}

fn example_read_only() -> serde_json::Value {
    serde_json::json!({"Statement": [{
        "Effect": "Allow", "Principal": "*",
        "Action": ["ssm:ListCommands", "ssm:ListCommandInvocations", "ssm:GetCommandInvocation"],
        "Resource": "*"
    }]})
}

#[test]
fn rule_11_endpoint_policies() {
    check(vec![
        Case {
            name: "fails: AWS's example policy allowing only Run Command reads",
            change: |s| policy(s, "ssm", example_read_only()),
            verdict: Verdict::NotManaged,
            expect: Some((
                Severity::Blocker,
                |k| matches!(k, FindingKind::EndpointPolicyDenies { service, action, .. } if service == "ssm" && action == "ssm:UpdateInstanceInformation"),
            )),
        },
        Case {
            name: "holds: full access written out",
            change: |s| {
                let all = serde_json::json!({"Statement": [{"Effect": "Allow", "Principal": "*", "Action": "*", "Resource": "*"}]});
                for svc in ["ssm", "ssmmessages", "ec2messages"] {
                    policy(s, svc, all.clone());
                }
            },
            verdict: Verdict::Waiting,
            expect: None,
        },
        Case {
            name: "fails: Deny ssmmessages:* overrides Allow *",
            change: |s| {
                policy(
                    s,
                    "ssmmessages",
                    serde_json::json!({"Statement": [
                        {"Effect": "Allow", "Principal": "*", "Action": "*", "Resource": "*"},
                        {"Effect": "Deny", "Principal": "*", "Action": "ssmmessages:*", "Resource": "*"}
                    ]}),
                )
            },
            verdict: Verdict::NotManaged,
            expect: Some((
                Severity::Blocker,
                |k| matches!(k, FindingKind::EndpointPolicyDenies { service, .. } if service == "ssmmessages"),
            )),
        },
        Case {
            name: "warns: a condition decides",
            change: |s| {
                policy(
                    s,
                    "ec2messages",
                    serde_json::json!({"Statement": [{
                        "Effect": "Allow", "Principal": "*", "Action": "*", "Resource": "*",
                        "Condition": {"StringEquals": {"aws:PrincipalOrgID": "o-1234"}}
                    }]}),
                )
            },
            verdict: Verdict::Waiting,
            expect: Some((Severity::Warning, |k| {
                matches!(k, FindingKind::EndpointPolicyUnverified { .. })
            })),
        },
        Case {
            name: "holds: the instance's role is the principal",
            change: |s| {
                let arn = s.iam.roles[0].arn.clone();
                policy(
                    s,
                    "ssm",
                    serde_json::json!({"Statement": [{
                        "Effect": "Allow", "Principal": {"AWS": arn}, "Action": "ssm:*", "Resource": "*"
                    }]}),
                );
            },
            verdict: Verdict::Waiting,
            expect: None,
        },
        Case {
            name: "fails: another role is the principal",
            change: |s| {
                policy(
                    s,
                    "ssm",
                    serde_json::json!({"Statement": [{
                        "Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::111122223333:role/other"},
                        "Action": "ssm:*", "Resource": "*"
                    }]}),
                )
            },
            verdict: Verdict::NotManaged,
            expect: Some((Severity::Blocker, |k| {
                matches!(k, FindingKind::EndpointPolicyDenies { .. })
            })),
        },
    ]);
    // The VPC names what its endpoints refuse, once.
    let mut s = ready();
    policy(&mut s, "ssm", example_read_only());
    let r = evaluate(&s);
    let vpc = &r.vpcs[0];
    assert_eq!(
        vpc.findings
            .iter()
            .filter(|f| matches!(f.kind, FindingKind::EndpointPolicyDenies { .. }))
            .count(),
        1,
        "{:?}",
        vpc.findings
    );
}
