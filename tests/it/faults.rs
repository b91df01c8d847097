//! Fault injection (`--faults`): the spec, seeded draws, the IAM action of each call, and
//! every fault kind on the sandbox through `update` on a virtual clock: the pane keeps its
//! last good data, says it is stale and why, and recovers when the fault stops.

use std::process::Command;
use std::time::Duration;

use crossterm::event::KeyCode;
use jiff::SignedDuration;
use ssmdeck::cloud::sandbox::faults::{Faults, Faulty, METHOD_ACTIONS, actions_of};
use ssmdeck::cloud::sandbox::{Clock, SandboxCloud, Scenario};
use ssmdeck::cloud::{Cloud, CloudError, WriteMode};
use ssmdeck::domain::model::{DEFAULT_ROLE_NAME, EC2_SERVICE_PRINCIPAL};
use ssmdeck::domain::snapshot::Source;
use ssmdeck::tui::app::{App, Pane};

use crate::fixtures::t0;
use crate::ui::{app_on, feed, key, screen};

fn faults(spec: &str) -> Faults {
    spec.parse()
        .unwrap_or_else(|e| panic!("spec {spec:?} should parse: {e}"))
}

fn on(scenario: Scenario) -> Faulty<SandboxCloud> {
    SandboxCloud::new(scenario, Clock::manual(t0())).with_faults(Faults::default())
}

fn minutes(n: i64) -> SignedDuration {
    SignedDuration::from_secs(n * 60)
}

fn rows(app: &App, pane: Pane) -> usize {
    app.tables[pane.index()].rows.len()
}

fn error_of(app: &App, source: Source) -> Option<String> {
    app.snapshot.status(source).error.map(|e| e.to_string())
}

fn show(app: &mut App, pane: Pane) -> String {
    let digit = Pane::numbered().position(|p| p == pane).map_or('1', |i| {
        char::from_digit(u32::try_from(i).unwrap_or(0) + 1, 10).unwrap_or('1')
    });
    key(app, KeyCode::Char(digit));
    assert_eq!(app.pane, pane);
    screen(app, 220, 40)
}

#[test]
fn specs_parse_and_print_back() {
    let f = faults("throttle:0.3,error:0.05,latency:300ms,deny:ssm:DescribeInstancePatchStates");
    assert_eq!(f.throttle, 0.3);
    assert_eq!(f.error, 0.05);
    assert_eq!(f.latency, Duration::from_millis(300));
    assert_eq!(f.deny, vec!["ssm:DescribeInstancePatchStates".to_string()]);
    assert_eq!(faults(&f.to_string()), f, "Display is a spec");

    let f = faults(" deny:ec2:DescribeInstances , deny:iam:* ,latency:1.5s,seed:7");
    assert_eq!(f.deny.len(), 2);
    assert_eq!(f.latency, Duration::from_millis(1500));
    assert_eq!(f.seed, 7);
    assert_eq!(faults(&f.to_string()), f);
    assert_eq!(faults("latency:1m").latency, Duration::from_secs(60));
    assert_eq!(faults("throttle:0,error:1").error, 1.0);
    assert!(Faults::default().is_none());
    assert_eq!(Faults::default().to_string(), "none");
}

#[test]
fn bad_specs_say_what_is_wrong_in_one_line() {
    for (spec, says) in [
        ("", "no fault given"),
        ("explode:0.5", "unknown fault kind 'explode'"),
        ("throttle", "throttle needs a value"),
        ("throttle:1.5", "between 0 and 1"),
        ("throttle:-0.1", "between 0 and 1"),
        ("throttle:NaN", "between 0 and 1"),
        ("error:lots", "not a probability"),
        ("latency:300", "give a unit"),
        ("latency:3h", "unknown unit 'h'"),
        ("latency:fast", "not a duration"),
        ("latency:2m", "at most 60s"),
        ("deny:DescribeInstances", "not an IAM action"),
        ("deny:ssm:Describe Instances", "not an IAM action"),
        ("throttle:0.1,,error:0.1", "empty item"),
        ("throttle:0.1,throttle:0.2", "given twice"),
        ("seed:x", "not a whole number"),
    ] {
        let err = spec
            .parse::<Faults>()
            .expect_err(&format!("{spec:?} must not parse"))
            .to_string();
        assert!(err.contains(says), "{spec:?}: {err}");
        assert_eq!(err.lines().count(), 1, "{spec:?}: {err}");
    }
}

/// Success (true) or throttled (false) for `n` DescribeVpcs calls.
async fn outcomes(cloud: &Faulty<SandboxCloud>, n: usize) -> Vec<bool> {
    let mut out = Vec::with_capacity(n);
    for _ in 0..n {
        match cloud.describe_vpcs().await {
            Ok(_) => out.push(true),
            Err(CloudError::Throttled(action)) => {
                assert_eq!(action, "ec2:DescribeVpcs");
                out.push(false);
            }
            Err(e) => panic!("only throttling was asked for: {e}"),
        }
    }
    out
}

#[tokio::test]
async fn draws_are_seeded_and_follow_the_probability() {
    // Each attempt is throttled with probability 0.8; a call fails when all five of its
    // attempts are (0.8^5 ≈ 33%), as the SDK's retries would have it.
    let spec = faults("throttle:0.8,seed:42");
    let a = on(Scenario::Lab);
    let b = on(Scenario::Lab);
    a.set_faults(spec.clone());
    b.set_faults(spec);
    let (first, second) = (outcomes(&a, 1000).await, outcomes(&b, 1000).await);
    assert_eq!(first, second, "the same seed fails the same calls");
    let failed = first.iter().filter(|ok| !**ok).count();
    assert!((260..=400).contains(&failed), "about 33% of 1000: {failed}");
    let succeeded = (1000 - failed) as u64;
    let throttled = a.injected().throttled;
    let share = throttled as f64 / (throttled + succeeded) as f64;
    assert!((0.77..=0.83).contains(&share), "80% of attempts: {share}");
    assert_eq!(a.injected().calls, 1000);

    let c = on(Scenario::Lab);
    c.set_faults(faults("throttle:0.8,seed:43"));
    assert_ne!(outcomes(&c, 1000).await, first, "another seed, other calls");

    // The default seed is fixed too: two runs without `seed:` agree.
    let (d, e) = (on(Scenario::Lab), on(Scenario::Lab));
    d.set_faults(faults("throttle:0.5"));
    e.set_faults(faults("throttle:0.5"));
    assert_eq!(outcomes(&d, 200).await, outcomes(&e, 200).await);

    // Certain and impossible.
    let f = on(Scenario::Lab);
    f.set_faults(faults("throttle:1"));
    assert!(outcomes(&f, 50).await.iter().all(|ok| !ok));
    f.set_faults(faults("throttle:0"));
    assert!(outcomes(&f, 50).await.iter().all(|ok| *ok));
}

#[tokio::test]
async fn server_errors_are_unavailable_and_retryable() {
    let cloud = on(Scenario::Lab);
    cloud.set_faults(faults("error:1"));
    match cloud.describe_instances().await {
        Err(e @ CloudError::Unavailable(_)) => {
            assert!(e.is_retryable());
            assert!(e.to_string().contains("ec2:DescribeInstances"), "{e}");
        }
        other => panic!("expected Unavailable, got {other:?}"),
    }
}

#[tokio::test]
async fn deny_refuses_exactly_the_calls_that_need_the_action() {
    let cloud = on(Scenario::Lab);
    let denied = |r: Result<(), CloudError>| match r {
        Err(CloudError::AccessDenied { action }) => Some(action),
        Err(e) => panic!("expected AccessDenied, got {e}"),
        Ok(()) => None,
    };

    cloud.set_faults(faults("deny:ec2:DescribeInstances"));
    assert_eq!(
        denied(cloud.describe_instances().await.map(drop)).as_deref(),
        Some("ec2:DescribeInstances")
    );
    assert_eq!(denied(cloud.describe_vpcs().await.map(drop)), None);
    assert_eq!(
        denied(
            cloud
                .describe_iam_instance_profile_associations()
                .await
                .map(drop)
        ),
        None
    );
    let instance = "i-0a1b2c3d4e5f60001";

    // A prefix, and the second action of a call.
    cloud.set_faults(faults("deny:ssm:Describe*"));
    assert_eq!(
        denied(cloud.describe_managed_nodes().await.map(drop)).as_deref(),
        Some("ssm:DescribeInstanceProperties")
    );
    assert_eq!(denied(cloud.list_commands().await.map(drop)), None);
    cloud.set_faults(faults("deny:iam:ListAttachedRolePolicies"));
    assert_eq!(
        denied(cloud.list_roles().await.map(drop)).as_deref(),
        Some("iam:ListAttachedRolePolicies")
    );

    // Writes: tag-on-create needs ec2:CreateTags, attaching a profile needs iam:PassRole.
    cloud.set_faults(faults("deny:ec2:CreateTags,deny:iam:PassRole"));
    assert_eq!(
        denied(
            cloud
                .create_security_group(
                    "vpc-0a3c9e1b7d5f24680",
                    "ssmdeck-endpoints",
                    "d",
                    WriteMode::Apply
                )
                .await
                .map(drop)
        )
        .as_deref(),
        Some("ec2:CreateTags")
    );
    cloud
        .create_role(DEFAULT_ROLE_NAME, EC2_SERVICE_PRINCIPAL)
        .await
        .expect("IAM writes other than PassRole go through");
    assert_eq!(
        denied(
            cloud
                .associate_iam_instance_profile(instance, DEFAULT_ROLE_NAME)
                .await
                .map(drop)
        )
        .as_deref(),
        Some("iam:PassRole")
    );
    assert_eq!(cloud.injected().denied, 5);
}

#[test]
fn every_method_names_its_actions() {
    for (method, actions) in METHOD_ACTIONS {
        assert!(!actions.is_empty(), "{method}");
        assert_eq!(actions_of(method), *actions);
        for a in *actions {
            let (service, op) = a.split_once(':').expect("service:Operation");
            assert!(
                ["ec2", "iam", "ssm", "sts", "s3"].contains(&service),
                "{method}: {a}"
            );
            assert!(op.starts_with(|c: char| c.is_ascii_uppercase()), "{a}");
        }
    }
    assert_eq!(
        actions_of("describe_instance_patch_states"),
        ["ssm:DescribeInstancePatchStates"]
    );
    assert!(actions_of("no_such_method").is_empty());
}

/// The pane of `source` shows `words` (and "stale") while its rows stay; then the fault
/// stops and the pane is fresh again.
async fn keeps_data_and_recovers(
    scenario: Scenario,
    spec: &str,
    pane: Pane,
    source: Source,
    words: &str,
) {
    let cloud = on(scenario);
    let mut app = app_on(&cloud, 220, 40).await;
    let before = rows(&app, pane);
    assert!(before > 0, "{pane:?} has rows to keep");
    assert_eq!(error_of(&app, source), None);

    cloud.set_faults(faults(spec));
    cloud.clock().advance(minutes(2));
    feed(&mut app, &cloud).await;
    assert_eq!(rows(&app, pane), before, "{spec}: last good data kept");
    let error = error_of(&app, source).unwrap_or_default();
    assert!(error.contains(words), "{spec}: {error}");
    let text = show(&mut app, pane);
    assert!(text.contains("stale 2m"), "{spec}:\n{text}");
    assert!(text.contains(words), "{spec}:\n{text}");
    // The rest of the console still answers keys.
    key(&mut app, KeyCode::Char('j'));
    key(&mut app, KeyCode::Char('?'));
    assert!(screen(&app, 220, 40).contains("Help"));
    key(&mut app, KeyCode::Esc);

    cloud.set_faults(Faults::default());
    cloud.clock().advance(SignedDuration::from_secs(5));
    feed(&mut app, &cloud).await;
    assert_eq!(error_of(&app, source), None, "{spec}: recovered");
    assert_eq!(rows(&app, pane), before);
    let text = show(&mut app, pane);
    assert!(!text.contains("stale"), "{spec}: fresh again:\n{text}");
    assert!(!text.contains(words), "{spec}:\n{text}");
}

#[tokio::test]
async fn throttling_keeps_the_last_data_and_recovers() {
    keeps_data_and_recovers(
        Scenario::Lab,
        "throttle:1",
        Pane::Instances,
        Source::Instances,
        "throttled: ec2:DescribeInstances",
    )
    .await;
    keeps_data_and_recovers(
        Scenario::Lab,
        "throttle:1",
        Pane::Endpoints,
        Source::Network,
        "throttled: ec2:DescribeVpcs",
    )
    .await;
}

#[tokio::test]
async fn server_errors_keep_the_last_data_and_recover() {
    keeps_data_and_recovers(
        Scenario::Lab,
        "error:1",
        Pane::Roles,
        Source::Iam,
        "unavailable: iam:ListRoles",
    )
    .await;
}

#[tokio::test]
async fn access_denied_on_patch_states_stays_in_the_patches_pane() {
    let spec = "deny:ssm:DescribeInstancePatchStates";
    keeps_data_and_recovers(
        "fleet:50".parse().expect("scenario"),
        spec,
        Pane::Patches,
        Source::Patches,
        "AccessDenied: ssm:DescribeInstancePatchStates",
    )
    .await;

    // Only that source fails: every other one refreshes as usual.
    let cloud = on("fleet:50".parse().expect("scenario"));
    let mut app = app_on(&cloud, 220, 40).await;
    cloud.set_faults(faults(spec));
    feed(&mut app, &cloud).await;
    for source in Source::ALL {
        let error = error_of(&app, source);
        if source == Source::Patches {
            assert!(error.is_some());
        } else {
            assert_eq!(error, None, "{source:?}");
        }
    }
    let text = show(&mut app, Pane::Instances);
    assert!(!text.contains("AccessDenied"), "{text}");
}

#[tokio::test]
async fn latency_delays_each_call_and_then_answers() {
    let cloud = on(Scenario::Lab);
    let mut app = app_on(&cloud, 220, 40).await;
    cloud.set_faults(faults("latency:300ms"));
    let started = tokio::time::Instant::now();
    let vpcs = cloud.describe_vpcs().await.expect("slow, not failed");
    assert_eq!(vpcs.len(), 1);
    assert!(started.elapsed() >= Duration::from_millis(300));

    // A whole refresh under latency still lands, with no error.
    let started = tokio::time::Instant::now();
    feed(&mut app, &cloud).await;
    assert!(started.elapsed() >= Duration::from_millis(300));
    for source in Source::ALL {
        assert_eq!(error_of(&app, source), None, "{source:?}");
    }
    assert_eq!(rows(&app, Pane::Instances), 2);

    // Concurrent calls wait side by side, not one after the other.
    let started = tokio::time::Instant::now();
    let (a, b, c) = futures::join!(
        cloud.describe_subnets(),
        cloud.describe_route_tables(),
        cloud.describe_security_groups()
    );
    assert!(a.is_ok() && b.is_ok() && c.is_ok());
    assert!(
        started.elapsed() < Duration::from_millis(850),
        "{:?}",
        started.elapsed()
    );
}

fn ssmdeck(args: &[&str]) -> std::process::Output {
    let dir = tempfile::tempdir().expect("tempdir");
    Command::new(env!("CARGO_BIN_EXE_ssmdeck"))
        .args(args)
        .arg("--log-file")
        .arg(dir.path().join("ssmdeck.log"))
        .env("XDG_STATE_HOME", dir.path())
        .output()
        .expect("run ssmdeck")
}

#[test]
fn the_faults_flag_reaches_the_sandbox() {
    let out = ssmdeck(&[
        "--sandbox",
        "--faults",
        "deny:ec2:DescribeInstances",
        "check",
        "--json",
    ]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "instances unreadable: {stderr}");
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON");
    let instances = v["sources"]
        .as_array()
        .and_then(|s| s.iter().find(|s| s["source"] == "instances"))
        .expect("instances source");
    assert_eq!(instances["ok"], false);
    assert_eq!(instances["error"]["kind"], "access_denied");
    assert_eq!(instances["error"]["action"], "ec2:DescribeInstances");
    assert_eq!(
        instances["error"]["message"],
        "AccessDenied: ec2:DescribeInstances"
    );
    let network = v["sources"]
        .as_array()
        .and_then(|s| s.iter().find(|s| s["source"] == "network"))
        .expect("network source");
    assert_eq!(network["ok"], true, "only that action is denied");

    let started = std::time::Instant::now();
    let out = ssmdeck(&["--sandbox", "--faults", "latency:200ms", "check"]);
    assert_eq!(out.status.code(), Some(1), "slow but answered: not ready");
    assert!(started.elapsed() >= Duration::from_millis(200));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failing_source_says_when_it_is_tried_again() {
    use ssmdeck::engine::{Engine, EngineEvent};
    use ssmdeck::tui::app::{Msg, update};

    let cloud = on(Scenario::Lab);
    let mut app = app_on(&cloud, 220, 40).await;
    cloud.set_faults(faults("throttle:1"));
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    let _engine = Engine::start(cloud.clone(), Duration::from_secs(5), tx);
    let mut fetched_at = None;
    let mut retry_at = None;
    while retry_at.is_none() {
        let event = tokio::time::timeout(Duration::from_secs(10), rx.recv())
            .await
            .expect("events within 10 s")
            .expect("engine running");
        match &event {
            EngineEvent::Fetched { at, result } if result.source() == Source::Instances => {
                assert!(result.error().is_some());
                fetched_at = Some(*at);
            }
            EngineEvent::Retrying {
                source: Source::Instances,
                at,
            } => retry_at = Some(*at),
            _ => {}
        }
        update(&mut app, Msg::Engine(event));
    }
    let (fetched_at, retry_at) = (
        fetched_at.expect("the failure first"),
        retry_at.unwrap_or(t0()),
    );
    let wait = retry_at.duration_since(fetched_at);
    assert!(
        wait >= SignedDuration::from_secs(5) && wait <= SignedDuration::from_secs(60),
        "back-off from the interval, at most a minute: {wait:?}"
    );
    let text = show(&mut app, Pane::Instances);
    assert!(text.contains("throttled: ec2:DescribeInstances"), "{text}");
    assert!(text.contains("retry in"), "{text}");
}

#[tokio::test]
async fn a_throttled_attempt_is_retried_as_the_sdk_does_and_a_refusal_is_not() {
    use ssmdeck::cloud::aws::MAX_ATTEMPTS;
    let sandbox = SandboxCloud::new(Scenario::Lab, Clock::Real);

    // Always throttled: the SDK's attempts, then the call fails (the poller backs off).
    let cloud = Faulty::new(sandbox.clone(), faults("throttle:1"));
    let err = cloud.describe_vpcs().await.expect_err("throttled");
    assert!(matches!(err, CloudError::Throttled(_)), "{err:?}");
    assert_eq!(cloud.injected().calls, 1);
    assert_eq!(cloud.injected().throttled, u64::from(MAX_ATTEMPTS));

    // Throttled now and then: the retries hide it, as against AWS.
    let cloud = Faulty::new(sandbox.clone(), faults("throttle:0.3"));
    for _ in 0..20 {
        cloud
            .describe_vpcs()
            .await
            .expect("retried past the throttling");
    }
    assert!(cloud.injected().throttled > 0, "faults were injected");

    // A refusal is not retried.
    let cloud = Faulty::new(sandbox, faults("deny:ec2:DescribeVpcs"));
    let err = cloud.describe_vpcs().await.expect_err("denied");
    assert!(matches!(err, CloudError::AccessDenied { .. }), "{err:?}");
    assert_eq!(cloud.injected().denied, 1);
}
