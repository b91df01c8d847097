//! Where the documents cannot decide (a condition), the IAM policy simulator confirms a role:
//! its answer stands where it lacked no context; without a simulator (moto, the sandbox)
//! the local evaluation stands, a warning.

use std::time::Duration;

use aws_config::{BehaviorVersion, Region, SdkConfig};
use aws_sdk_iam::config::retry::RetryConfig;
use aws_sdk_iam::operation::simulate_principal_policy::SimulatePrincipalPolicyOutput;
use aws_sdk_iam::types::{EvaluationResult, PolicyEvaluationDecisionType};
use aws_smithy_mocks::{MockResponseInterceptor, Rule, RuleMode, create_mock_http_client, mock};
use ssmdeck::cloud::Cloud;
use ssmdeck::cloud::aws::AwsCloud;
use ssmdeck::cloud::sandbox::{Clock, SandboxCloud, Scenario};
use ssmdeck::domain::findings::{FindingKind, Severity};
use ssmdeck::domain::model::*;
use ssmdeck::domain::readiness::{Access, Verdict, evaluate, role_access};
use ssmdeck::engine::fetch;

use crate::fixtures::*;

/// The instance's role allowed the agent's actions only under a condition.
fn conditional(s: &mut ssmdeck::domain::snapshot::Snapshot) {
    let role = &mut s.iam.roles[0];
    role.attached_policy_arns.clear();
    role.policies = RolePolicies::Read {
        documents: vec![PolicyText {
            name: "in-vpc".into(),
            arn: None,
            document: serde_json::json!({"Version": "2012-10-17", "Statement": [{
                "Effect": "Allow", "Action": ["ssm:*", "ssmmessages:*", "ec2messages:*"],
                "Resource": "*", "Condition": {"StringEquals": {"aws:SourceVpc": "vpc-1"}}
            }]})
            .to_string(),
        }],
    };
}

fn all(decision: Option<Simulated>) -> Vec<(String, Option<Simulated>)> {
    ssmdeck::domain::policy::AGENT_ACTIONS
        .iter()
        .map(|a| (a.to_string(), decision))
        .collect()
}

#[test]
fn the_simulator_decides_what_the_documents_cannot() {
    type Case = (
        &'static str,
        Vec<(String, Option<Simulated>)>,
        Verdict,
        SsmPolicy,
        Option<Severity>,
    );
    #[rustfmt::skip]
    let cases: Vec<Case> = vec![
        ("not asked: a warning", vec![], Verdict::Waiting, SsmPolicy::Unknown, Some(Severity::Warning)),
        ("allowed throughout", all(Some(Simulated::Allowed)), Verdict::Waiting, SsmPolicy::Custom, None),
        ("a decided implicit deny blocks", all(Some(Simulated::ImplicitDeny)), Verdict::NotManaged, SsmPolicy::None, Some(Severity::Blocker)),
        ("an explicit deny blocks", all(Some(Simulated::ExplicitDeny)), Verdict::NotManaged, SsmPolicy::Denied, Some(Severity::Blocker)),
        ("context missing: still a warning", all(None), Verdict::Waiting, SsmPolicy::Unknown, Some(Severity::Warning)),
    ];
    for (name, simulated, verdict, policy, severity) in cases {
        let mut s = ready();
        conditional(&mut s);
        s.iam.roles[0].simulated = simulated;
        let r = evaluate(&s);
        assert_eq!(
            r.instances[0].verdict, verdict,
            "{name}: {:?}",
            r.instances[0].findings
        );
        assert_eq!(r.roles[0].policy, policy, "{name}");
        let policy_findings: Vec<Severity> = r.instances[0]
            .findings
            .iter()
            .filter(|f| {
                matches!(
                    f.kind,
                    FindingKind::RolePolicyUnverified { .. }
                        | FindingKind::RoleWithoutSsmPolicy { .. }
                        | FindingKind::RolePolicyDenies { .. }
                )
            })
            .map(|f| f.severity)
            .collect();
        assert_eq!(
            policy_findings.first().copied(),
            severity,
            "{name}: {policy_findings:?}"
        );
    }
}

/// A mocked IAM client (aws-sdk-iam is built without `test-util`: configured by hand).
fn iam_client(rules: &[&Rule]) -> aws_sdk_iam::Client {
    let mut interceptor = MockResponseInterceptor::new().rule_mode(RuleMode::MatchAny);
    for rule in rules {
        interceptor = interceptor.with_rule(rule);
    }
    let conf = aws_sdk_iam::Config::builder()
        .behavior_version(BehaviorVersion::latest())
        .region(Region::new("us-east-1"))
        .credentials_provider(aws_sdk_iam::config::Credentials::new(
            "a", "b", None, None, "test",
        ))
        .http_client(create_mock_http_client())
        .interceptor(interceptor)
        .retry_config(
            RetryConfig::standard()
                .with_max_attempts(1)
                .with_initial_backoff(Duration::from_millis(1)),
        )
        .build();
    aws_sdk_iam::Client::from_conf(conf)
}

#[tokio::test]
async fn the_adapter_keeps_what_the_simulator_could_not_decide() {
    let result = |action: &str, decision, missing: &[&str]| {
        EvaluationResult::builder()
            .eval_action_name(action)
            .eval_decision(decision)
            .set_missing_context_values(Some(missing.iter().map(|m| m.to_string()).collect()))
            .build()
            .unwrap_or_else(|e| panic!("{e}"))
    };
    let answer = mock!(aws_sdk_iam::Client::simulate_principal_policy)
        .match_requests(|r| r.policy_source_arn() == Some("arn:aws:iam::111122223333:role/app"))
        .then_output(move || {
            SimulatePrincipalPolicyOutput::builder()
                .evaluation_results(result(
                    "ssm:UpdateInstanceInformation",
                    PolicyEvaluationDecisionType::Allowed,
                    &[],
                ))
                .evaluation_results(result(
                    "ssmmessages:CreateControlChannel",
                    PolicyEvaluationDecisionType::ImplicitDeny,
                    &["aws:SourceVpc"],
                ))
                .build()
        });
    let unused = SdkConfig::builder()
        .behavior_version(BehaviorVersion::latest())
        .region(Region::new("us-east-1"))
        .build();
    let cloud = AwsCloud::from_clients(
        aws_sdk_ec2::Client::new(&unused),
        iam_client(&[&answer]),
        aws_sdk_ssm::Client::new(&unused),
        aws_sdk_sts::Client::new(&unused),
        "us-east-1",
    );
    let decisions = cloud
        .simulate_role(
            "arn:aws:iam::111122223333:role/app",
            &[
                "ssm:UpdateInstanceInformation".into(),
                "ssmmessages:CreateControlChannel".into(),
            ],
        )
        .await
        .expect("simulated");
    assert_eq!(
        decisions,
        vec![
            (
                "ssm:UpdateInstanceInformation".to_string(),
                Some(Simulated::Allowed)
            ),
            ("ssmmessages:CreateControlChannel".to_string(), None),
        ]
    );
}

#[tokio::test]
async fn without_a_simulator_the_documents_stand_alone() {
    let cloud = SandboxCloud::new(Scenario::Lab, Clock::manual(t0()));
    cloud
        .edit(|w| {
            w.roles.push(Role {
                name: "app".into(),
                arn: "arn:aws:iam::123456789012:role/app".into(),
                trusted_services: vec![EC2_SERVICE_PRINCIPAL.into()],
                attached_policy_arns: vec![],
                policies: RolePolicies::Read {
                    documents: vec![PolicyText {
                        name: "in-vpc".into(),
                        arn: None,
                        document: r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*","Condition":{"Bool":{"aws:ViaAWSService":"false"}}}]}"#.into(),
                    }],
                },
                simulated: vec![],
            })
        })
        .expect("edit");
    let iam = fetch::iam(&cloud).await.expect("iam");
    let app = iam.roles.iter().find(|r| r.name == "app").expect("app");
    assert!(app.simulated.is_empty(), "the sandbox has no simulator");
    assert!(matches!(role_access(app).access, Access::Unverified { .. }));
}
