//! Readiness rules 6 and 11 for roles: what the role's policies (attached, customer managed,
//! inline) grant the agent — Deny overrides, NotAction, conditions are unverified, never
//! blockers — and Default Host Management's role and agent version.

use ssmdeck::domain::findings::{FindingKind, Severity};
use ssmdeck::domain::model::*;
use ssmdeck::domain::policy::UnverifiedReason;
use ssmdeck::domain::readiness::agent::older_than;
use ssmdeck::domain::readiness::{Access, Verdict, evaluate, role_access};
use ssmdeck::domain::snapshot::Snapshot;

use crate::fixtures::*;

fn inline(name: &str, statements: serde_json::Value) -> PolicyText {
    PolicyText {
        name: name.into(),
        arn: None,
        document: serde_json::json!({"Version": "2012-10-17", "Statement": statements}).to_string(),
    }
}

fn managed(arn: &str, statements: serde_json::Value) -> PolicyText {
    PolicyText {
        name: arn.rsplit('/').next().unwrap_or(arn).into(),
        arn: Some(arn.into()),
        document: serde_json::json!({"Version": "2012-10-17", "Statement": statements}).to_string(),
    }
}

/// The instance's role with `attached` policies and these documents.
fn role_with(s: &mut Snapshot, attached: &[&str], documents: Vec<PolicyText>) {
    let role = &mut s.iam.roles[0];
    role.attached_policy_arns = attached.iter().map(|a| a.to_string()).collect();
    role.policies = RolePolicies::Read { documents };
}

fn agent_allow() -> serde_json::Value {
    serde_json::json!([{
        "Effect": "Allow",
        "Action": ["ssm:UpdateInstanceInformation", "ssmmessages:*", "ec2messages:*"],
        "Resource": "*"
    }])
}

/// A finding's severity and a test of its kind.
type Expect = (Severity, fn(&FindingKind) -> bool);

struct Case {
    name: &'static str,
    change: fn(&mut Snapshot),
    verdict: Verdict,
    policy: SsmPolicy,
    expect: Option<Expect>,
}

#[test]
fn rule_11_what_the_role_grants_the_agent() {
    let cases = vec![
        Case {
            name: "holds: Core attached",
            change: |_| {},
            verdict: Verdict::Waiting,
            policy: SsmPolicy::Core,
            expect: None,
        },
        Case {
            name: "holds: an inline policy with the agent's actions, no Core",
            change: |s| role_with(s, &[], vec![inline("agent", agent_allow())]),
            verdict: Verdict::Waiting,
            policy: SsmPolicy::Custom,
            expect: None,
        },
        Case {
            name: "holds: a customer-managed policy with ssm:*, ssmmessages:*, ec2messages:*",
            change: |s| {
                let arn = "arn:aws:iam::111122223333:policy/ssm-agent";
                role_with(
                    s,
                    &[arn],
                    vec![managed(
                        arn,
                        serde_json::json!([{
                            "Effect": "Allow", "Action": ["ssm:*", "ssmmessages:*", "ec2messages:*"], "Resource": "*"
                        }]),
                    )],
                );
            },
            verdict: Verdict::Waiting,
            policy: SsmPolicy::Custom,
            expect: None,
        },
        Case {
            name: "holds: NotAction allows everything but IAM",
            change: |s| {
                role_with(
                    s,
                    &[],
                    vec![inline(
                        "broad",
                        serde_json::json!([{
                            "Effect": "Allow", "NotAction": "iam:*", "Resource": "*"
                        }]),
                    )],
                )
            },
            verdict: Verdict::Waiting,
            policy: SsmPolicy::Custom,
            expect: None,
        },
        Case {
            name: "fails: an inline policy with ssm:UpdateInstanceInformation only",
            change: |s| {
                role_with(
                    s,
                    &[],
                    vec![inline(
                        "half",
                        serde_json::json!([{
                            "Effect": "Allow", "Action": "ssm:UpdateInstanceInformation", "Resource": "*"
                        }]),
                    )],
                )
            },
            verdict: Verdict::NotManaged,
            policy: SsmPolicy::None,
            expect: Some((Severity::Blocker, |k| {
                matches!(k, FindingKind::RoleWithoutSsmPolicy { .. })
            })),
        },
        Case {
            name: "fails: Deny ssmmessages:* overrides Core",
            change: |s| {
                role_with(
                    s,
                    &[CORE_POLICY_ARN],
                    vec![inline(
                        "no-sessions",
                        serde_json::json!([{
                            "Sid": "NoSessions", "Effect": "Deny", "Action": "ssmmessages:*", "Resource": "*"
                        }]),
                    )],
                )
            },
            verdict: Verdict::NotManaged,
            policy: SsmPolicy::Denied,
            expect: Some((
                Severity::Blocker,
                |k| matches!(k, FindingKind::RolePolicyDenies { statement: Some(s), action, .. } if s == "NoSessions" && action.starts_with("ssmmessages:")),
            )),
        },
        Case {
            name: "fails: Deny NotAction ssm:* denies the message channels",
            change: |s| {
                role_with(
                    s,
                    &[CORE_POLICY_ARN],
                    vec![inline(
                        "ssm-only",
                        serde_json::json!([{
                            "Effect": "Deny", "NotAction": "ssm:*", "Resource": "*"
                        }]),
                    )],
                )
            },
            verdict: Verdict::NotManaged,
            policy: SsmPolicy::Denied,
            expect: Some((Severity::Blocker, |k| {
                matches!(k, FindingKind::RolePolicyDenies { .. })
            })),
        },
        Case {
            name: "warns: the only Allow carries a condition",
            change: |s| {
                role_with(
                    s,
                    &[],
                    vec![inline(
                        "conditional",
                        serde_json::json!([{
                            "Effect": "Allow", "Action": ["ssm:*", "ssmmessages:*", "ec2messages:*"], "Resource": "*",
                            "Condition": {"StringEquals": {"aws:SourceVpc": "vpc-1"}}
                        }]),
                    )],
                )
            },
            verdict: Verdict::Waiting,
            policy: SsmPolicy::Unknown,
            expect: Some((Severity::Warning, |k| {
                matches!(
                    k,
                    FindingKind::RolePolicyUnverified {
                        reason: UnverifiedReason::Condition,
                        ..
                    }
                )
            })),
        },
        Case {
            name: "warns: a Deny with a condition beside Core",
            change: |s| {
                role_with(
                    s,
                    &[CORE_POLICY_ARN],
                    vec![inline(
                        "maybe",
                        serde_json::json!([{
                            "Effect": "Deny", "Action": "ssm:*", "Resource": "*",
                            "Condition": {"Bool": {"aws:SecureTransport": "false"}}
                        }]),
                    )],
                )
            },
            verdict: Verdict::Waiting,
            policy: SsmPolicy::Unknown,
            expect: Some((Severity::Warning, |k| {
                matches!(k, FindingKind::RolePolicyUnverified { .. })
            })),
        },
        Case {
            name: "warns: a document that cannot be read",
            change: |s| {
                role_with(
                    s,
                    &[],
                    vec![PolicyText {
                        name: "bad".into(),
                        arn: None,
                        document: "not json".into(),
                    }],
                )
            },
            verdict: Verdict::Waiting,
            policy: SsmPolicy::Unknown,
            expect: Some((Severity::Warning, |k| {
                matches!(
                    k,
                    FindingKind::RolePolicyUnverified {
                        reason: UnverifiedReason::Unreadable,
                        ..
                    }
                )
            })),
        },
        Case {
            name: "warns: the policies could not be read",
            change: |s| {
                s.iam.roles[0].attached_policy_arns.clear();
                s.iam.roles[0].policies = RolePolicies::Unreadable {
                    error: "AccessDenied: iam:GetRolePolicy".into(),
                };
            },
            verdict: Verdict::Waiting,
            policy: SsmPolicy::Unknown,
            expect: Some((Severity::Warning, |k| {
                matches!(k, FindingKind::RolePoliciesUnreadable { .. })
            })),
        },
        Case {
            name: "warns: the deprecated policy only",
            change: |s| role_with(s, &[DEPRECATED_POLICY_ARN], vec![]),
            verdict: Verdict::Waiting,
            policy: SsmPolicy::Deprecated,
            expect: Some((Severity::Warning, |k| {
                matches!(k, FindingKind::DeprecatedPolicy { .. })
            })),
        },
    ];
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
        assert_eq!(r.roles[0].policy, case.policy, "{}", case.name);
        if let Some((severity, kind)) = case.expect {
            assert!(
                report
                    .findings
                    .iter()
                    .any(|f| f.severity == severity && kind(&f.kind)),
                "{}: {:?}",
                case.name,
                report.findings
            );
        }
        // Unverified is never a blocker.
        assert!(
            !report
                .findings
                .iter()
                .any(|f| f.severity == Severity::Blocker
                    && matches!(
                        f.kind,
                        FindingKind::RolePolicyUnverified { .. }
                            | FindingKind::RolePoliciesUnreadable { .. }
                    )),
            "{}",
            case.name
        );
    }
}

#[test]
fn a_role_that_trusts_lambda_with_core_gets_one_finding_not_two() {
    let mut s = ready();
    s.iam.roles[0].trusted_services = vec!["lambda.amazonaws.com".into()];
    let r = evaluate(&s);
    let kinds: Vec<&FindingKind> = r.instances[0]
        .findings
        .iter()
        .filter(|f| f.severity == Severity::Blocker)
        .map(|f| &f.kind)
        .collect();
    assert_eq!(kinds.len(), 1, "{kinds:?}");
    assert!(matches!(kinds[0], FindingKind::RoleNotTrustingEc2 { .. }));
    // Policies not read (no profile holds it, it does not trust EC2): nothing is claimed.
    s.iam.roles[0].attached_policy_arns.clear();
    s.iam.roles[0].policies = RolePolicies::NotRead;
    assert_eq!(role_access(&s.iam.roles[0]).access, Access::NotRead);
    let r = evaluate(&s);
    assert!(
        !r.instances[0]
            .findings
            .iter()
            .any(|f| matches!(f.kind, FindingKind::RoleWithoutSsmPolicy { .. })),
        "{:?}",
        r.instances[0].findings
    );
}

fn dhmc(s: &mut Snapshot, role: Option<Role>) {
    s.instances.instances[0].profile_arn = None;
    s.instances.instances[0].metadata.tokens_required = true;
    s.nodes.dhmc = Some(true);
    s.nodes.dhmc_role =
        Some("service-role/AWSSystemsManagerDefaultEC2InstanceManagementRole".into());
    if let Some(r) = role {
        s.iam.roles.push(r);
    }
}

fn dhmc_role(trusts: &str) -> Role {
    Role {
        name: "AWSSystemsManagerDefaultEC2InstanceManagementRole".into(),
        arn: "arn:aws:iam::111122223333:role/service-role/AWSSystemsManagerDefaultEC2InstanceManagementRole".into(),
        trusted_services: vec![trusts.into()],
        attached_policy_arns: vec![],
        policies: RolePolicies::NotRead,
        simulated: vec![],
    }
}

#[test]
fn default_host_management_needs_its_role_and_a_recent_agent() {
    type DhmcCase = (
        &'static str,
        fn(&mut Snapshot),
        Verdict,
        Option<fn(&FindingKind) -> bool>,
    );
    #[rustfmt::skip]
    let cases: Vec<DhmcCase> = vec![
        ("holds: the role trusts ssm.amazonaws.com", |s| dhmc(s, Some(dhmc_role(SSM_SERVICE_PRINCIPAL))), Verdict::Waiting, None),
        ("fails: the role does not exist", |s| dhmc(s, None), Verdict::NotManaged,
            Some(|k| matches!(k, FindingKind::DhmcRoleMissing { role } if role.ends_with("InstanceManagementRole")))),
        ("fails: the role trusts EC2 instead", |s| dhmc(s, Some(dhmc_role(EC2_SERVICE_PRINCIPAL))), Verdict::NotManaged,
            Some(|k| matches!(k, FindingKind::DhmcRoleNotTrustingSsm { .. }))),
        ("fails: the agent that went quiet is older than 3.2.582", |s| {
            dhmc(s, Some(dhmc_role(SSM_SERVICE_PRINCIPAL)));
            let mut n = node(INSTANCE, PingStatus::ConnectionLost);
            n.agent_version = Some("3.1.1732.0".into());
            s.nodes.nodes.push(n);
        }, Verdict::ConnectionLost, Some(|k| matches!(k, FindingKind::DhmcAgentTooOld { version } if version == "3.1.1732.0"))),
        ("fails: IMDSv1 (as before)", |s| {
            dhmc(s, Some(dhmc_role(SSM_SERVICE_PRINCIPAL)));
            s.instances.instances[0].metadata.tokens_required = false;
        }, Verdict::NotManaged, Some(|k| matches!(k, FindingKind::NoInstanceProfile { dhmc_without_imdsv2: true }))),
    ];
    for (name, change, verdict, expect) in cases {
        let mut s = ready();
        change(&mut s);
        let report = &evaluate(&s).instances[0];
        assert_eq!(report.verdict, verdict, "{name}: {:?}", report.findings);
        match expect {
            Some(kind) => assert!(
                report.findings.iter().any(|f| kind(&f.kind)),
                "{name}: {:?}",
                report.findings
            ),
            None => assert!(
                report
                    .findings
                    .iter()
                    .all(|f| f.severity != Severity::Blocker),
                "{name}: {:?}",
                report.findings
            ),
        }
    }
}

#[test]
fn agent_versions_compare_by_number() {
    let min = [3, 2, 582];
    #[rustfmt::skip]
    let cases = [
        ("3.2.582.0", false), ("3.2.1542.0", false), ("3.3.1957.0", false), ("4.0.0", false),
        ("3.2.581.9", true), ("3.1.1732.0", true), ("2.3.1644.0", true),
        ("unknown", false), ("3.2", false),
    ];
    for (version, older) in cases {
        assert_eq!(older_than(version, min), older, "{version}");
    }
}
