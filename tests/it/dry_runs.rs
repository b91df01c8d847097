//! A dry run never writes, whatever the endpoint does: proven by reading the account back.

use aws_sdk_ec2::operation::create_security_group::CreateSecurityGroupError;
use aws_sdk_ec2::operation::create_vpc_endpoint::CreateVpcEndpointOutput;
use aws_sdk_ec2::operation::describe_vpcs::{DescribeVpcsError, DescribeVpcsOutput};
use aws_sdk_ec2::types::VpcEndpoint as SdkEndpoint;
use aws_sdk_sts::operation::get_caller_identity::GetCallerIdentityError;
use aws_smithy_mocks::{MockResponseInterceptor, RuleMode, create_mock_http_client, mock};
use aws_smithy_types::error::ErrorMetadata;
use crossterm::event::KeyCode;
use ssmdeck::cloud::aws::AwsCloud;
use ssmdeck::cloud::sandbox::faults::Faults;
use ssmdeck::cloud::sandbox::{Clock, SandboxCloud, Scenario};
use ssmdeck::cloud::{Cloud, DryRunTrust, ErrorKind, Simulated};
use ssmdeck::domain::model::{DEFAULT_ROLE_NAME, EndpointState};
use ssmdeck::domain::plan::{Plan, plan_endpoints, plan_role};
use ssmdeck::domain::readiness;
use ssmdeck::engine::audit::{Audit, AuditLog};
use ssmdeck::engine::executor::{self, NotChecked, PlanEvent, Verdict};
use ssmdeck::engine::fetch;
use ssmdeck::tui::app::{App, Mode};

use crate::fixtures::t0;
use crate::moto_server::{MotoServer, recorded_calls};
use crate::ui::{app_on, feed, key, run_effects};

/// A client of `$sdk` answered by the rules, with the program's retry configuration
/// (the SDK's `test-util` defaults are not needed for this).
macro_rules! mocked {
    ($sdk:ident, [$($rule:expr),*]) => {{
        let interceptor = MockResponseInterceptor::new().rule_mode(RuleMode::MatchAny)
            $(.with_rule($rule))*;
        $sdk::Client::from_conf(
            $sdk::Config::builder()
                .behavior_version_latest()
                .region($sdk::config::Region::new("us-east-1"))
                .credentials_provider($sdk::config::Credentials::new(
                    "test", "test", None, None, "test",
                ))
                .retry_config(ssmdeck::cloud::aws::retry_config())
                .http_client(create_mock_http_client())
                .interceptor(interceptor)
                .build(),
        )
    }};
}

fn memory_audit() -> Audit {
    Audit {
        log: AuditLog::in_memory(),
        account: Some("123456789012".into()),
        region: "ap-northeast-2".into(),
        profile: "test".into(),
    }
}

/// Every verdict of a dry run, by the call's flat index.
async fn verdicts<C: Cloud>(cloud: &C, plan: &Plan, audit: &Audit) -> Vec<(usize, Verdict)> {
    let mut out = Vec::new();
    let mut emit = |e: PlanEvent| {
        if let PlanEvent::Verdict { index, verdict } = e {
            out.push((index, verdict));
        }
    };
    executor::dry_run(cloud, plan, Some(audit), &mut emit).await;
    out.sort_by_key(|(i, _)| *i);
    out
}

async fn endpoints_plan<C: Cloud>(cloud: &C) -> Plan {
    let snapshot = fetch::snapshot(cloud).await;
    let r = readiness::evaluate(&snapshot);
    let vpc = r.vpcs.first().expect("a VPC").vpc_id.clone();
    plan_endpoints(&snapshot, &r, &vpc, "20261129")
}

async fn press<C: Cloud>(app: &mut App, cloud: &C, audit: &Audit, code: KeyCode) {
    let effects = key(app, code);
    run_effects(app, cloud, Some(audit), effects).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn opening_and_cancelling_every_dialog_writes_nothing_at_moto() {
    let dir = tempfile::tempdir().expect("tempdir");
    let recording = dir.path().join("recording.jsonl");
    let moto = MotoServer::start_recording(&recording);
    moto.create_workshop_stack().await;
    let cloud = moto.cloud().await;
    let audit = memory_audit();
    let before = moto.account_state().await;
    let mut app = app_on(&cloud, 160, 45).await;

    // c on Endpoints: the dialog's verdicts come from the simulator moto lacks, never
    // from a DryRun request (moto would create the endpoints).
    press(&mut app, &cloud, &audit, KeyCode::Char('1')).await;
    press(&mut app, &cloud, &audit, KeyCode::Char('c')).await;
    let Mode::Confirm(confirm) = &app.mode else {
        panic!("the endpoints dialog: {:?}", app.mode);
    };
    assert!(!confirm.verdicts.is_empty());
    for verdict in confirm.verdicts.values() {
        match verdict {
            Verdict::NotChecked {
                reason: NotChecked::Unverifiable { simulator, .. },
            } => assert_eq!(simulator.kind, ErrorKind::NotImplemented, "{verdict:?}"),
            Verdict::NotChecked {
                reason: NotChecked::DependsOnEarlierStep,
            } => {}
            other => panic!("no EC2 verdict at moto: {other:?}"),
        }
    }
    assert!(confirm.verdicts.values().any(|v| matches!(
        v,
        Verdict::NotChecked {
            reason: NotChecked::Unverifiable {
                dry_run: Some(DryRunTrust::CustomEndpoint { .. }),
                ..
            }
        }
    )));
    press(&mut app, &cloud, &audit, KeyCode::Esc).await;
    assert_eq!(app.mode, Mode::Normal);

    // n on Roles.
    press(&mut app, &cloud, &audit, KeyCode::Char('2')).await;
    press(&mut app, &cloud, &audit, KeyCode::Char('n')).await;
    assert!(matches!(app.mode, Mode::Confirm(_)), "{:?}", app.mode);
    press(&mut app, &cloud, &audit, KeyCode::Esc).await;
    assert_eq!(moto.account_state().await, before, "c and n wrote nothing");

    // a on Instances needs the profile: made here with the raw SDK, then read.
    let iam = aws_sdk_iam::Client::new(&moto.sdk_config().await);
    iam.create_role()
        .role_name(DEFAULT_ROLE_NAME)
        .assume_role_policy_document(ssmdeck::cloud::aws::trust_policy("ec2.amazonaws.com"))
        .send()
        .await
        .expect("role");
    iam.create_instance_profile()
        .instance_profile_name(DEFAULT_ROLE_NAME)
        .send()
        .await
        .expect("profile");
    iam.add_role_to_instance_profile()
        .instance_profile_name(DEFAULT_ROLE_NAME)
        .role_name(DEFAULT_ROLE_NAME)
        .send()
        .await
        .expect("role in profile");
    feed(&mut app, &cloud).await;
    let before = moto.account_state().await;
    press(&mut app, &cloud, &audit, KeyCode::Char('3')).await;
    press(&mut app, &cloud, &audit, KeyCode::Char('a')).await;
    assert!(matches!(app.mode, Mode::Confirm(_)), "{:?}", app.mode);
    press(&mut app, &cloud, &audit, KeyCode::Esc).await;
    assert_eq!(moto.account_state().await, before, "a wrote nothing");

    // c on Inventory: moto lacks ListAssociations, so which nodes an association already
    // reaches is unknown; nothing is proposed and the operator is told why.
    let writes = recorded_calls(&recording)
        .iter()
        .filter(|c| c.is_write())
        .count();
    press(&mut app, &cloud, &audit, KeyCode::Char('4')).await;
    press(&mut app, &cloud, &audit, KeyCode::Char('c')).await;
    assert_eq!(app.mode, Mode::Normal, "no inventory dialog at moto");
    let said = app.status.clone().map(|s| s.1).unwrap_or_default();
    assert!(said.contains("could not be read"), "{said}");
    assert_eq!(
        recorded_calls(&recording)
            .iter()
            .filter(|c| c.is_write())
            .count(),
        writes,
        "c on Inventory sent no write"
    );
    assert_eq!(moto.account_state().await, before);

    assert!(
        recorded_calls(&recording).iter().all(|c| !c.dry_run),
        "no DryRun request was sent to moto"
    );
    assert!(audit.log.tail(10).expect("audit").is_empty());
}

#[tokio::test]
async fn a_dry_run_the_endpoint_performs_is_reported_audited_and_not_repeated() {
    let sandbox = SandboxCloud::new(Scenario::Lab, Clock::manual(t0()));
    let spec: Faults = "dryrun:ignore".parse().expect("spec");
    let cloud = sandbox.clone().with_faults(spec);
    let audit = memory_audit();
    let plan = endpoints_plan(&cloud).await;

    let first = verdicts(&cloud, &plan, &audit).await;
    let ignored: Vec<&Verdict> = first
        .iter()
        .map(|(_, v)| v)
        .filter(|v| matches!(v, Verdict::DryRunIgnored { .. }))
        .collect();
    assert_eq!(
        ignored.len(),
        1,
        "the first performed DryRun stops the rest: {first:?}"
    );
    let Verdict::DryRunIgnored { action, created } = ignored[0] else {
        unreachable!()
    };
    assert_eq!(action, "ec2:CreateSecurityGroup");
    // The calls after it were asked of the simulator, saying why EC2 was not.
    assert!(first.iter().any(|(_, v)| matches!(
        v,
        Verdict::Simulated {
            dry_run: Some(DryRunTrust::Ignored { .. }),
            decision: Simulated::Allowed,
            ..
        }
    )));

    // Read back: the group the endpoint made is there, and nothing else was.
    let groups = sandbox.describe_security_groups().await.expect("groups");
    assert!(groups.iter().any(|g| &g.id == created));
    assert!(
        sandbox
            .describe_vpc_endpoints()
            .await
            .expect("eps")
            .is_empty()
    );
    let entries = audit.log.tail(10).expect("audit");
    assert_eq!(entries.len(), 1, "{entries:?}");
    assert_eq!(entries[0].action, "ec2:CreateSecurityGroup");
    assert!(
        entries[0].outcome.contains("DryRun"),
        "{}",
        entries[0].outcome
    );

    // The endpoint is distrusted for good: a second dry run sends no DryRun at all.
    assert!(matches!(
        cloud.dry_run_trust().await,
        Ok(DryRunTrust::Ignored { .. })
    ));
    let groups_before = sandbox.describe_security_groups().await.expect("groups");
    let plan = endpoints_plan(&cloud).await;
    let second = verdicts(&cloud, &plan, &audit).await;
    assert!(
        second
            .iter()
            .all(|(_, v)| !matches!(v, Verdict::DryRunIgnored { .. } | Verdict::Allowed)),
        "{second:?}"
    );
    assert_eq!(
        sandbox.describe_security_groups().await.expect("groups"),
        groups_before
    );
    assert!(
        sandbox
            .describe_vpc_endpoints()
            .await
            .expect("eps")
            .is_empty()
    );
}

#[tokio::test]
async fn an_honest_sandbox_answers_dry_runs_and_writes_nothing() {
    let cloud = SandboxCloud::new(Scenario::Lab, Clock::manual(t0()));
    let audit = memory_audit();
    let plan = endpoints_plan(&cloud).await;
    let before = fetch::snapshot(&cloud).await;
    let got = verdicts(&cloud, &plan, &audit).await;
    assert!(got.iter().any(|(_, v)| *v == Verdict::Allowed), "{got:?}");
    let after = fetch::snapshot(&cloud).await;
    assert_eq!(before.network, after.network);
    assert!(audit.log.tail(10).expect("audit").is_empty());
}

#[tokio::test]
async fn iam_steps_are_checked_with_the_policy_simulator() {
    let sandbox = SandboxCloud::new(Scenario::Lab, Clock::manual(t0()));
    let spec: Faults = "deny:iam:CreateRole".parse().expect("spec");
    let cloud = sandbox.with_faults(spec);
    let snapshot = fetch::snapshot(&cloud).await;
    let plan = plan_role(&snapshot, DEFAULT_ROLE_NAME);
    let got = verdicts(&cloud, &plan, &memory_audit()).await;
    let (_, first) = got.first().expect("a verdict");
    assert_eq!(
        *first,
        Verdict::Simulated {
            action: "iam:CreateRole".into(),
            decision: Simulated::ExplicitDeny,
            dry_run: None
        }
    );
    assert!(
        got.iter().skip(1).all(|(_, v)| matches!(
            v,
            Verdict::Simulated {
                decision: Simulated::Allowed,
                ..
            }
        )),
        "{got:?}"
    );

    // moto lacks the simulator: "not checked", naming why.
    let moto = MotoServer::start();
    moto.create_workshop_stack().await;
    let cloud = moto.cloud().await;
    let snapshot = fetch::snapshot(&cloud).await;
    let plan = plan_role(&snapshot, DEFAULT_ROLE_NAME);
    for (_, v) in verdicts(&cloud, &plan, &memory_audit()).await {
        assert!(
            matches!(&v, Verdict::NotChecked { reason: NotChecked::Unverifiable { dry_run: None, simulator } }
                if simulator.kind == ErrorKind::NotImplemented
                    && simulator.action.as_deref() == Some("iam:SimulatePrincipalPolicy")),
            "{v:?}"
        );
    }
}

fn unused_iam() -> aws_sdk_iam::Client {
    mocked!(aws_sdk_iam, [])
}

fn unused_ssm() -> aws_sdk_ssm::Client {
    mocked!(aws_sdk_ssm, [])
}

fn unused_sts() -> aws_sdk_sts::Client {
    mocked!(aws_sdk_sts, [])
}

#[tokio::test]
async fn the_probe_learns_whether_the_endpoint_honours_dry_run() {
    let honours = mock!(aws_sdk_ec2::Client::describe_vpcs)
        .match_requests(|r| r.dry_run() == Some(true))
        .then_error(|| {
            DescribeVpcsError::generic(ErrorMetadata::builder().code("DryRunOperation").build())
        });
    let ec2 = mocked!(aws_sdk_ec2, [&honours]);
    let cloud = AwsCloud::from_clients(ec2, unused_iam(), unused_ssm(), unused_sts(), "us-east-1");
    assert_eq!(cloud.dry_run_trust().await, Ok(DryRunTrust::Honoured));
    assert_eq!(cloud.dry_run_trust().await, Ok(DryRunTrust::Honoured));
    assert_eq!(honours.num_calls(), 1, "probed once per session");

    let ignores = mock!(aws_sdk_ec2::Client::describe_vpcs)
        .then_output(|| DescribeVpcsOutput::builder().build());
    let ec2 = mocked!(aws_sdk_ec2, [&ignores]);
    let cloud = AwsCloud::from_clients(ec2, unused_iam(), unused_ssm(), unused_sts(), "us-east-1");
    assert_eq!(
        cloud.dry_run_trust().await,
        Ok(DryRunTrust::Ignored {
            action: "ec2:DescribeVpcs".into()
        })
    );
}

#[tokio::test]
async fn an_aws_endpoint_that_performs_a_dry_run_write_is_caught() {
    // The probe passes, then CreateVpcEndpoint comes back with an endpoint anyway.
    let probe = mock!(aws_sdk_ec2::Client::describe_vpcs).then_error(|| {
        DescribeVpcsError::generic(ErrorMetadata::builder().code("DryRunOperation").build())
    });
    let create = mock!(aws_sdk_ec2::Client::create_vpc_endpoint).then_output(|| {
        CreateVpcEndpointOutput::builder()
            .vpc_endpoint(
                SdkEndpoint::builder()
                    .vpc_endpoint_id("vpce-0performed")
                    .vpc_id("vpc-1")
                    .build(),
            )
            .build()
    });
    let group = mock!(aws_sdk_ec2::Client::create_security_group).then_error(|| {
        CreateSecurityGroupError::generic(ErrorMetadata::builder().code("DryRunOperation").build())
    });
    let ec2 = mocked!(aws_sdk_ec2, [&probe, &group, &create]);
    // Who am I: refused, so the calls after the performed one are not checked at all.
    let whoami = mock!(aws_sdk_sts::Client::get_caller_identity).then_error(|| {
        GetCallerIdentityError::generic(ErrorMetadata::builder().code("AccessDenied").build())
    });
    let sts = mocked!(aws_sdk_sts, [&whoami]);
    let cloud = AwsCloud::from_clients(ec2, unused_iam(), unused_ssm(), sts, "us-east-1");
    let sandbox = SandboxCloud::new(Scenario::Lab, Clock::manual(t0()));
    let plan = endpoints_plan(&sandbox).await;
    let audit = memory_audit();
    let got = verdicts(&cloud, &plan, &audit).await;
    let performed: Vec<&Verdict> = got
        .iter()
        .map(|(_, v)| v)
        .filter(|v| matches!(v, Verdict::DryRunIgnored { .. }))
        .collect();
    assert_eq!(performed.len(), 1, "{got:?}");
    assert_eq!(
        got[0].1,
        Verdict::Allowed,
        "the group's DryRun was honoured"
    );
    assert_eq!(create.num_calls(), 1, "no second DryRun write");
    assert_eq!(audit.log.tail(5).expect("audit").len(), 1);
    assert_eq!(
        cloud.dry_run_trust().await,
        Ok(DryRunTrust::Ignored {
            action: "ec2:CreateVpcEndpoint".into()
        })
    );
}

#[test]
fn a_renewed_client_token_is_derived_and_short_enough() {
    let token = "ssmdeck-vpc-0a3c9e1b7d5f24680-ssmmessages-20261129";
    assert_eq!(executor::fresh_token(token, 1), format!("{token}-r1"));
    assert_eq!(
        executor::fresh_token(token, 1),
        executor::fresh_token(token, 1),
        "racing runs renew alike"
    );
    let long = "x".repeat(80);
    let renewed = executor::fresh_token(&long, 2);
    assert_eq!(renewed.len(), 64, "ClientToken: at most 64 characters");
    assert!(renewed.ends_with("-r2"));
}

#[tokio::test]
async fn a_token_whose_endpoint_was_deleted_creates_again_with_a_fresh_token() {
    let cloud = SandboxCloud::new(Scenario::Lab, Clock::manual(t0()));
    let plan = endpoints_plan(&cloud).await;
    assert!(executor::apply(&cloud, &plan, None, &mut |_| {}).await);
    let first = cloud.describe_vpc_endpoints().await.expect("eps");
    assert_eq!(first.len(), 3);
    // Deleted since: the same plan (same tokens, same day) must make them again.
    cloud
        .edit(|w| {
            for e in &mut w.endpoints {
                e.endpoint.state = EndpointState::Deleting;
            }
        })
        .expect("edit");
    let plan = endpoints_plan(&cloud).await;
    assert!(executor::apply(&cloud, &plan, None, &mut |_| {}).await);
    let now = cloud.describe_vpc_endpoints().await.expect("eps");
    let live: Vec<_> = now
        .iter()
        .filter(|e| e.state != EndpointState::Deleting)
        .collect();
    assert_eq!(live.len(), 3, "created again: {now:?}");
    assert!(live.iter().all(|e| first.iter().all(|f| f.id != e.id)));
}

#[test]
fn the_caller_is_simulated_as_its_role_or_user() {
    use ssmdeck::cloud::aws::{Principal, principal_of};
    assert_eq!(
        principal_of("arn:aws:sts::123456789012:assumed-role/Admin/jane"),
        Principal::Role("Admin".into())
    );
    assert_eq!(
        principal_of("arn:aws:iam::123456789012:user/ops/jane"),
        Principal::Arn("arn:aws:iam::123456789012:user/ops/jane".into())
    );
    assert_eq!(
        principal_of("arn:aws:sts::123456789012:user/moto"),
        Principal::Arn("arn:aws:iam::123456789012:user/moto".into())
    );
    assert_eq!(
        principal_of("arn:aws:iam::123456789012:root"),
        Principal::Root
    );
    assert!(matches!(
        principal_of("arn:aws:sts::123456789012:federated-user/bob"),
        Principal::Unsupported(_)
    ));
}
