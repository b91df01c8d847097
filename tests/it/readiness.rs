//! Readiness rules 1–7: for every rule a case that holds and one that fails.

use ssmdeck::domain::findings::{FindingKind, Rule, Severity};
use ssmdeck::domain::model::*;
use ssmdeck::domain::readiness::{NetworkPath, Verdict, evaluate};
use ssmdeck::domain::snapshot::Snapshot;

use crate::fixtures::*;
use ssmdeck::i18n::Lang;
use ssmdeck::present::{finding_fix, finding_what, finding_why, instance_summary};

struct Case {
    name: &'static str,
    change: fn(&mut Snapshot),
    verdict: Verdict,
    /// A finding of this kind must be present (`None`: no blocker at all).
    expect: Option<fn(&FindingKind) -> bool>,
}

fn no_change(_: &mut Snapshot) {}

fn cases() -> Vec<Case> {
    vec![
        Case {
            name: "all rules hold: waiting for the agent",
            change: no_change,
            verdict: Verdict::Waiting,
            expect: Some(|k| matches!(k, FindingKind::AgentNotRegistered)),
        },
        // Rule 1
        Case {
            name: "rule 1 fails: ssmmessages missing",
            change: |s| {
                s.network
                    .endpoints
                    .retain(|e| !e.service_name.ends_with("ssmmessages"))
            },
            verdict: Verdict::NotManaged,
            expect: Some(
                |k| matches!(k, FindingKind::EndpointsMissing { services } if services == &["ssmmessages"]),
            ),
        },
        Case {
            name: "rule 1 fails: no endpoints at all",
            change: |s| s.network.endpoints.clear(),
            verdict: Verdict::NotManaged,
            expect: Some(
                |k| matches!(k, FindingKind::EndpointsMissing { services } if services.len() == 3),
            ),
        },
        Case {
            name: "rule 1 waits: endpoint pending",
            change: |s| s.network.endpoints[0].state = EndpointState::Pending,
            verdict: Verdict::Waiting,
            expect: Some(|k| matches!(k, FindingKind::EndpointsPending { .. })),
        },
        Case {
            name: "rule 1 fails: private DNS off on an endpoint",
            change: |s| s.network.endpoints[1].private_dns = false,
            verdict: Verdict::NotManaged,
            expect: Some(|k| matches!(k, FindingKind::PrivateDnsOff { .. })),
        },
        // Rule 2
        Case {
            name: "rule 2 fails: private DNS on, enableDnsHostnames off",
            change: |s| s.network.vpcs[0].dns_hostnames = Some(false),
            verdict: Verdict::NotManaged,
            expect: Some(|k| {
                matches!(
                    k,
                    FindingKind::VpcDnsOff {
                        dns_support: true,
                        dns_hostnames: false
                    }
                )
            }),
        },
        Case {
            name: "rule 2 fails: enableDnsSupport off",
            change: |s| s.network.vpcs[0].dns_support = Some(false),
            verdict: Verdict::NotManaged,
            expect: Some(|k| {
                matches!(
                    k,
                    FindingKind::VpcDnsOff {
                        dns_support: false,
                        ..
                    }
                )
            }),
        },
        // Rule 3
        Case {
            name: "rule 3 fails: 443 allowed only from an unrelated CIDR",
            change: |s| {
                s.network.security_groups[0].ingress = vec![https_rule(&["192.168.0.0/16"], &[])]
            },
            verdict: Verdict::NotManaged,
            expect: Some(
                |k| matches!(k, FindingKind::HttpsNotAllowed { services } if services.len() == 3),
            ),
        },
        Case {
            name: "rule 3 fails: only port 80 allowed",
            change: |s| {
                let mut r = https_rule(&["10.0.0.0/16"], &[]);
                r.from_port = Some(80);
                r.to_port = Some(80);
                s.network.security_groups[0].ingress = vec![r];
            },
            verdict: Verdict::NotManaged,
            expect: Some(|k| matches!(k, FindingKind::HttpsNotAllowed { .. })),
        },
        Case {
            name: "rule 3 holds: 443 from the instances' security group",
            change: |s| {
                s.network.security_groups[0].ingress = vec![https_rule(&[], &[INSTANCE_SG])]
            },
            verdict: Verdict::Waiting,
            expect: None,
        },
        Case {
            name: "rule 3 holds: 443 from the instance's subnet CIDR",
            change: |s| {
                s.network.security_groups[0].ingress = vec![https_rule(&["10.0.2.0/24"], &[])]
            },
            verdict: Verdict::Waiting,
            expect: None,
        },
        Case {
            name: "rule 3 holds: all traffic allowed",
            change: |s| {
                s.network.security_groups[0].ingress = vec![GroupRule {
                    protocol: "-1".into(),
                    from_port: None,
                    to_port: None,
                    cidrs: vec!["0.0.0.0/0".into()],
                    group_ids: vec![],
                    prefix_list_ids: vec![],
                }]
            },
            verdict: Verdict::Waiting,
            expect: None,
        },
        // Rule 4
        Case {
            name: "rule 4 warns: endpoints have no subnet in the instance's AZ",
            change: |s| {
                for e in &mut s.network.endpoints {
                    e.subnet_ids = vec![SUBNET_C.into()];
                }
            },
            verdict: Verdict::Waiting,
            expect: Some(
                |k| matches!(k, FindingKind::EndpointNotInZone { az, .. } if az == "ap-northeast-2a"),
            ),
        },
        // Rule 5
        Case {
            name: "rule 5 holds: public subnet with an internet gateway route needs no endpoints",
            change: |s| {
                s.network.endpoints.clear();
                let i = &mut s.instances.instances[0];
                i.subnet_id = Some(SUBNET_PUBLIC.into());
                i.public_ip = Some("203.0.113.10".into());
            },
            verdict: Verdict::Waiting,
            expect: None,
        },
        Case {
            name: "rule 5 fails: public subnet but no public IP",
            change: |s| {
                s.network.endpoints.clear();
                s.instances.instances[0].subnet_id = Some(SUBNET_PUBLIC.into());
            },
            verdict: Verdict::NotManaged,
            expect: Some(|k| matches!(k, FindingKind::EndpointsMissing { .. })),
        },
        Case {
            name: "rule 5 holds: NAT route",
            change: |s| {
                s.network.endpoints.clear();
                s.network.route_tables[0].routes.push(Route {
                    destination: "0.0.0.0/0".into(),
                    target: RouteTarget::NatGateway("nat-1".into()),
                });
            },
            verdict: Verdict::Waiting,
            expect: None,
        },
        // Rule 6
        Case {
            name: "rule 6 fails: no instance profile",
            change: |s| s.instances.instances[0].profile_arn = None,
            verdict: Verdict::NotManaged,
            expect: Some(|k| {
                matches!(
                    k,
                    FindingKind::NoInstanceProfile {
                        dhmc_without_imdsv2: false
                    }
                )
            }),
        },
        Case {
            name: "rule 6 accepts the deprecated AmazonEC2RoleforSSM and flags it",
            change: |s| s.iam.roles[0].attached_policy_arns = vec![DEPRECATED_POLICY_ARN.into()],
            verdict: Verdict::Waiting,
            expect: Some(|k| matches!(k, FindingKind::DeprecatedPolicy { .. })),
        },
        Case {
            name: "rule 6 fails: role without any SSM policy",
            change: |s| s.iam.roles[0].attached_policy_arns.clear(),
            verdict: Verdict::NotManaged,
            expect: Some(|k| matches!(k, FindingKind::RoleWithoutSsmPolicy { .. })),
        },
        Case {
            name: "rule 6 fails: role does not trust EC2",
            change: |s| s.iam.roles[0].trusted_services = vec!["lambda.amazonaws.com".into()],
            verdict: Verdict::NotManaged,
            expect: Some(|k| matches!(k, FindingKind::RoleNotTrustingEc2 { .. })),
        },
        Case {
            name: "rule 6 fails: profile contains no role",
            change: |s| s.iam.profiles[0].role_names.clear(),
            verdict: Verdict::NotManaged,
            expect: Some(|k| matches!(k, FindingKind::ProfileWithoutRole { .. })),
        },
        Case {
            name: "rule 6 holds: Default Host Management with IMDSv2",
            change: |s| {
                s.instances.instances[0].profile_arn = None;
                s.instances.instances[0].metadata.tokens_required = true;
                s.nodes.dhmc = Some(true);
            },
            verdict: Verdict::Waiting,
            expect: None,
        },
        Case {
            name: "rule 6 fails: Default Host Management without IMDSv2",
            change: |s| {
                s.instances.instances[0].profile_arn = None;
                s.nodes.dhmc = Some(true);
            },
            verdict: Verdict::NotManaged,
            expect: Some(|k| {
                matches!(
                    k,
                    FindingKind::NoInstanceProfile {
                        dhmc_without_imdsv2: true
                    }
                )
            }),
        },
        Case {
            name: "rule 6 waits: association in progress",
            change: |s| {
                s.instances.instances[0].profile_arn = None;
                s.instances.associations.push(ProfileAssociation {
                    id: "iip-assoc-1".into(),
                    instance_id: INSTANCE.into(),
                    profile_arn: profile_arn(DEFAULT_ROLE_NAME),
                    state: AssociationState::Associating,
                });
            },
            verdict: Verdict::Waiting,
            expect: Some(|k| matches!(k, FindingKind::AssociationPending)),
        },
        // Rule 7
        Case {
            name: "rule 7 holds: agent online",
            change: |s| s.nodes.nodes.push(node(INSTANCE, PingStatus::Online)),
            verdict: Verdict::Managed,
            expect: None,
        },
        Case {
            name: "rule 7 fails: connection lost",
            change: |s| {
                s.nodes
                    .nodes
                    .push(node(INSTANCE, PingStatus::ConnectionLost))
            },
            verdict: Verdict::ConnectionLost,
            expect: Some(|k| matches!(k, FindingKind::ConnectionLost)),
        },
        Case {
            name: "rule 7: a stopped instance is stopped, not connection lost",
            change: |s| s.instances.instances[0].state = InstanceState::Stopped,
            verdict: Verdict::NotRunning {
                instance_state: "stopped".into(),
            },
            expect: None,
        },
    ]
}

#[test]
fn every_rule_case() {
    let mut failures = Vec::new();
    for case in cases() {
        let mut snap = ready();
        (case.change)(&mut snap);
        let r = evaluate(&snap);
        let report = &r.instances[0];
        if report.verdict != case.verdict {
            failures.push(format!(
                "{}: verdict {:?}, expected {:?}",
                case.name, report.verdict, case.verdict
            ));
        }
        match case.expect {
            Some(pred) => {
                if !report.findings.iter().any(|f| pred(&f.kind)) {
                    failures.push(format!(
                        "{}: expected finding missing in {:?}",
                        case.name, report.findings
                    ));
                }
            }
            None => {
                if let Some(b) = report.first_blocker() {
                    failures.push(format!("{}: unexpected blocker {:?}", case.name, b));
                }
            }
        }
    }
    assert!(failures.is_empty(), "\n{}", failures.join("\n"));
}

#[test]
fn findings_say_what_why_and_fix() {
    let mut snap = ready();
    snap.network.endpoints.clear();
    snap.instances.instances[0].profile_arn = None;
    let r = evaluate(&snap);
    let report = &r.instances[0];
    assert_eq!(
        instance_summary(report, Lang::En),
        "not managed: no instance profile, no SSM endpoints"
    );
    for f in &report.findings {
        assert!(
            !finding_what(f, Lang::En).is_empty()
                && !finding_why(f, Lang::En).is_empty()
                && !finding_fix(f, Lang::En).is_empty()
        );
    }
    let rules: Vec<Rule> = report.findings.iter().map(|f| f.rule).collect();
    assert!(rules.contains(&Rule::Endpoints) && rules.contains(&Rule::InstanceProfile));
}

#[test]
fn two_endpoint_subnets_in_one_zone_are_flagged_on_the_vpc() {
    let mut snap = ready();
    snap.network.subnets.push(ssmdeck::domain::model::Subnet {
        id: "subnet-a2".into(),
        vpc_id: VPC.into(),
        name: None,
        az: "ap-northeast-2a".into(),
        cidr: "10.0.4.0/24".into(),
        map_public_ip_on_launch: false,
    });
    snap.network.endpoints[0].subnet_ids = vec![SUBNET_A.into(), "subnet-a2".into()];
    let r = evaluate(&snap);
    let dup = r.vpcs[0]
        .findings
        .iter()
        .find(|f| matches!(&f.kind, FindingKind::DuplicateSubnetsInZone { az, .. } if az == "ap-northeast-2a"));
    assert!(
        dup.is_some_and(|f| f.severity == Severity::Warning),
        "{:?}",
        r.vpcs[0].findings
    );
}

#[test]
fn public_instance_needs_no_endpoints_and_vpc_has_no_endpoint_blocker() {
    let mut snap = ready();
    snap.network.endpoints.clear();
    let i = &mut snap.instances.instances[0];
    i.subnet_id = Some(SUBNET_PUBLIC.into());
    i.public_ip = Some("203.0.113.10".into());
    let r = evaluate(&snap);
    assert_eq!(r.instances[0].path, NetworkPath::InternetGateway);
    assert_eq!(r.instances[0].public_subnet, Some(true));
    assert!(
        r.vpcs[0]
            .findings
            .iter()
            .all(|f| f.severity != Severity::Blocker)
    );
}

#[test]
fn vpc_report_lists_each_service_state() {
    let mut snap = ready();
    snap.network
        .endpoints
        .retain(|e| !e.service_name.ends_with(".ssm"));
    let r = evaluate(&snap);
    let vpc = &r.vpcs[0];
    assert_eq!(vpc.missing_required(), vec!["ssm"]);
    let ssmm = vpc
        .services
        .iter()
        .find(|s| s.short == "ssmmessages")
        .expect("ssmmessages row");
    assert_eq!(ssmm.state.as_deref(), Some("available"));
    assert_eq!(ssmm.https_from_instances, Some(true));
    assert_eq!(ssmm.azs, vec!["ap-northeast-2a", "ap-northeast-2c"]);
    assert_eq!(vpc.services.len(), 7, "3 required and 4 optional services");
}

#[test]
fn roles_pane_data_marks_default_role_readiness() {
    let snap = ready();
    let r = evaluate(&snap);
    assert!(r.default_role_ready);
    assert_eq!(r.roles[0].instance_count, 1);
    let mut snap = ready();
    snap.iam.roles[0].attached_policy_arns = vec![DEPRECATED_POLICY_ARN.into()];
    let r = evaluate(&snap);
    assert!(!r.default_role_ready);
    assert!(matches!(
        r.roles[0].findings[0].kind,
        FindingKind::DeprecatedPolicy { .. }
    ));
}
