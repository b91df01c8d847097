//! Readiness rules 5, 10, 11 (endpoint policy) and 12: the network path (NAT, transit
//! gateway, peering, VPN gateway, a public subnet without a public IP), interfaces with their
//! own groups, instance metadata, endpoint policies. The case table `check` is shared with
//! `rules_acl`.

use ssmdeck::domain::findings::{FindingKind, Fix, Severity};
use ssmdeck::domain::model::*;
use ssmdeck::domain::readiness::{NetworkPath, Verdict, evaluate};
use ssmdeck::domain::snapshot::Snapshot;

use crate::fixtures::*;

pub(crate) type Expect = (Severity, fn(&FindingKind) -> bool);

pub(crate) struct Case {
    pub name: &'static str,
    pub change: fn(&mut Snapshot),
    pub verdict: Verdict,
    /// A finding of this kind and severity; `None`: no finding beyond waiting for the agent
    /// (and the AZ warning of endpoints moved to 2c).
    pub expect: Option<Expect>,
}

pub(crate) fn check(cases: Vec<Case>) {
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

pub(crate) fn nat_route(s: &mut Snapshot, nat: &str) {
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

pub(crate) fn nat(s: &mut Snapshot, state: NatState) {
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
