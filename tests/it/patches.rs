//! Patch compliance in depth: the summary (not-applicable is not missing), stale scans at
//! the configured age, the adapter's reads (mocks; moto for baselines and patch groups),
//! `check --json`'s `patch` object and the Patches pane on the sandbox.

use aws_sdk_ssm::Client;
use aws_sdk_ssm::operation::describe_instance_patch_states::DescribeInstancePatchStatesOutput;
use aws_sdk_ssm::operation::describe_instance_patches::DescribeInstancePatchesOutput;
use aws_sdk_ssm::operation::describe_patch_baselines::DescribePatchBaselinesOutput;
use aws_sdk_ssm::operation::get_patch_baseline::GetPatchBaselineOutput;
use aws_sdk_ssm::primitives::DateTime;
use aws_sdk_ssm::types::{
    InstancePatchState, PatchBaselineIdentity, PatchComplianceData, PatchComplianceDataState,
    PatchOperationType, RebootOption,
};
use aws_smithy_mocks::{RuleMode, mock};
use crossterm::event::KeyCode;
use jiff::SignedDuration;
use ssmdeck::cloud::Cloud;
use ssmdeck::cloud::sandbox::{Clock, SandboxCloud, Scenario};
use ssmdeck::domain::findings::FindingKind;
use ssmdeck::domain::model::{PatchFilter, PatchOperation, PatchState};
use ssmdeck::domain::patches::{PatchPolicy, findings, sort_entries, summarize};

use crate::aws_mocks::{cloud, ssm_client};
use crate::cli::ssmdeck;
use crate::fixtures::t0;
use crate::ui::{app_on, key, run_effects, screen};

fn state(id: &str, missing: i32, not_applicable: i32, ran_days_ago: i64) -> PatchState {
    let end = t0() - SignedDuration::from_hours(24 * ran_days_ago);
    PatchState {
        instance_id: id.into(),
        baseline_id: "pb-0123456789abcdef0".into(),
        baseline_name: Some("AWS-AmazonLinux2DefaultPatchBaseline".into()),
        patch_group: None,
        operation: PatchOperation::Scan,
        operation_start: Some(end - SignedDuration::from_mins(4)),
        operation_end: Some(end),
        installed: 400,
        installed_other: 3,
        installed_pending_reboot: 0,
        installed_rejected: 0,
        missing,
        failed: 0,
        not_applicable,
        critical_non_compliant: 0,
        security_non_compliant: 0,
        other_non_compliant: missing,
        reboot_option: Some("RebootIfNeeded".into()),
    }
}

#[test]
fn not_applicable_patches_never_make_a_node_non_compliant() {
    let states = vec![state("i-a", 0, 1500, 1), state("i-b", 3, 1200, 1)];
    let s = summarize(["i-a", "i-b", "i-c"], &states, t0(), PatchPolicy::default());
    assert_eq!((s.compliant, s.non_compliant, s.no_data), (1, 1, 1));
    assert_eq!(s.missing, 3, "only the missing patches are missing");
    assert_eq!(s.not_applicable, 2700, "not-applicable is counted apart");
    assert!(
        states[0].compliant(),
        "1,500 not-applicable patches: compliant"
    );
}

#[test]
fn a_scan_older_than_the_configured_age_is_stale_and_a_warning() {
    let states = vec![
        state("i-new", 0, 10, 2),
        state("i-old", 0, 10, 9),
        state("i-ancient", 0, 10, 40),
    ];
    let ids = ["i-new", "i-old", "i-ancient"];
    let week = PatchPolicy::default();
    assert_eq!(week.stale_after_days, 7);
    let s = summarize(ids, &states, t0(), week);
    assert_eq!(s.stale, 2);
    assert_eq!(s.oldest_scan, states[2].operation_end);
    let month = PatchPolicy {
        stale_after_days: 30,
    };
    assert_eq!(summarize(ids, &states, t0(), month).stale, 1);
    let three = PatchPolicy {
        stale_after_days: 1,
    };
    assert_eq!(summarize(ids, &states, t0(), three).stale, 3);

    assert!(findings(&states[0], t0(), week).is_empty());
    let old = findings(&states[1], t0(), week);
    assert_eq!(old.len(), 1);
    assert_eq!(
        old[0].kind,
        FindingKind::PatchScanStale {
            age_days: Some(9),
            stale_after_days: 7
        }
    );
    assert_eq!(
        old[0].severity,
        ssmdeck::domain::findings::Severity::Warning
    );
}

#[test]
fn a_nodes_patches_read_most_severe_first_then_by_state() {
    let entry = |title: &str, severity: &str, state: &str| ssmdeck::domain::model::PatchEntry {
        title: title.into(),
        kb_id: String::new(),
        classification: "Security".into(),
        severity: severity.into(),
        state: state.into(),
        installed_time: None,
    };
    let mut entries = vec![
        entry("low", "Low", "Missing"),
        entry("none", "Unspecified", "Installed"),
        entry("moderate", "Moderate", "Missing"),
        entry("crit-installed", "Critical", "Installed"),
        entry("important", "Important", "Missing"),
        entry("crit-failed", "Critical", "Failed"),
    ];
    sort_entries(&mut entries);
    let order: Vec<&str> = entries.iter().map(|e| e.title.as_str()).collect();
    assert_eq!(
        order,
        [
            "crit-failed",
            "crit-installed",
            "important",
            "moderate",
            "low",
            "none"
        ]
    );
}

const AL2_ARN: &str = "arn:aws:ssm:us-east-1:075727635805:patchbaseline/pb-0e392de35e7c563b7";

fn sdk_state(id: &str, baseline: &str) -> InstancePatchState {
    InstancePatchState::builder()
        .instance_id(id)
        .patch_group("web-servers")
        .baseline_id(baseline)
        .operation_start_time(DateTime::from_secs(1_700_000_000))
        .operation_end_time(DateTime::from_secs(1_700_000_420))
        .operation(PatchOperationType::Install)
        .installed_count(412)
        .installed_other_count(7)
        .installed_pending_reboot_count(2)
        .installed_rejected_count(1)
        .missing_count(3)
        .failed_count(1)
        .not_applicable_count(1337)
        .critical_non_compliant_count(1)
        .security_non_compliant_count(2)
        .other_non_compliant_count(4)
        .reboot_option(RebootOption::NoReboot)
        .build()
        .expect("patch state")
}

#[tokio::test]
async fn patch_states_carry_group_times_every_count_and_the_baselines_name() {
    let states = mock!(Client::describe_instance_patch_states).then_output(|| {
        DescribeInstancePatchStatesOutput::builder()
            .instance_patch_states(sdk_state("i-1", AL2_ARN))
            .instance_patch_states(sdk_state("i-2", "pb-0aaaaaaaaaaaaaaaa"))
            .build()
    });
    // AWS lists its own baselines by ARN; the account's own is read with GetPatchBaseline.
    let listed = mock!(Client::describe_patch_baselines).then_output(|| {
        DescribePatchBaselinesOutput::builder()
            .baseline_identities(
                PatchBaselineIdentity::builder()
                    .baseline_id(AL2_ARN)
                    .baseline_name("AWS-AmazonLinux2DefaultPatchBaseline")
                    .default_baseline(true)
                    .build(),
            )
            .build()
    });
    let one = mock!(Client::get_patch_baseline)
        .match_requests(|r| r.baseline_id() == Some("pb-0aaaaaaaaaaaaaaaa"))
        .then_output(|| {
            GetPatchBaselineOutput::builder()
                .baseline_id("pb-0aaaaaaaaaaaaaaaa")
                .name("web-security-only")
                .patch_groups("web-servers")
                .build()
        });
    let cloud = cloud(ssm_client(RuleMode::MatchAny, &[&states, &listed, &one]));
    let got = ssmdeck::engine::fetch::patch_states(&cloud, &["i-1".into(), "i-2".into()])
        .await
        .expect("patch states");
    assert_eq!((listed.num_calls(), one.num_calls()), (1, 1));
    let s = &got[0];
    assert_eq!(
        s.baseline_name.as_deref(),
        Some("AWS-AmazonLinux2DefaultPatchBaseline")
    );
    assert_eq!(s.patch_group.as_deref(), Some("web-servers"));
    assert_eq!(s.operation, PatchOperation::Install);
    assert_eq!(
        s.operation_start.map(|t| t.as_second()),
        Some(1_700_000_000)
    );
    assert_eq!(s.operation_end.map(|t| t.as_second()), Some(1_700_000_420));
    assert_eq!(
        (
            s.installed,
            s.installed_other,
            s.installed_pending_reboot,
            s.installed_rejected,
            s.missing,
            s.failed,
            s.not_applicable
        ),
        (412, 7, 2, 1, 3, 1, 1337)
    );
    assert_eq!(
        (
            s.critical_non_compliant,
            s.security_non_compliant,
            s.other_non_compliant
        ),
        (1, 2, 4)
    );
    assert_eq!(s.reboot_option.as_deref(), Some("NoReboot"));
    assert_eq!(got[1].baseline_name.as_deref(), Some("web-security-only"));
}

fn patch(title: &str, severity: &str, state: PatchComplianceDataState) -> PatchComplianceData {
    PatchComplianceData::builder()
        .title(title)
        .kb_id(format!("KB-{title}"))
        .classification("Security")
        .severity(severity)
        .state(state)
        .installed_time(DateTime::from_secs(0))
        .build()
        .expect("patch")
}

#[tokio::test]
async fn the_detail_sends_its_filter_and_reads_most_severe_first() {
    let filtered = mock!(Client::describe_instance_patches)
        .match_requests(|r| {
            let f = r.filters();
            r.instance_id() == Some("i-1")
                && f.len() == 1
                && f[0].key() == Some("State")
                && f[0].values() == ["Missing", "Failed"]
        })
        .then_output(|| {
            DescribeInstancePatchesOutput::builder()
                .patches(patch("low", "Low", PatchComplianceDataState::Missing))
                .patches(patch(
                    "important",
                    "Important",
                    PatchComplianceDataState::Failed,
                ))
                .patches(patch(
                    "critical",
                    "Critical",
                    PatchComplianceDataState::Missing,
                ))
                .patches(patch("medium", "Medium", PatchComplianceDataState::Missing))
                .build()
        });
    let cloud = cloud(ssm_client(RuleMode::MatchAny, &[&filtered]));
    let got = ssmdeck::engine::fleet::patches(&cloud, "i-1", PatchFilter::MissingOrFailed)
        .await
        .expect("patches");
    assert_eq!(filtered.num_calls(), 1, "the filter went with the request");
    let order: Vec<&str> = got.iter().map(|p| p.title.as_str()).collect();
    assert_eq!(order, ["critical", "important", "medium", "low"]);
    assert_eq!(got[1].state, "Failed");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn moto_baseline_and_patch_group_are_read_by_name() {
    let moto = crate::moto_server::MotoServer::start();
    let ssm = moto.ssm().await;
    let created = ssm
        .create_patch_baseline()
        .name("ssmdeck-test-web-baseline")
        .operating_system(aws_sdk_ssm::types::OperatingSystem::AmazonLinux2)
        .send()
        .await
        .expect("create baseline");
    let id = created.baseline_id().expect("baseline id").to_string();
    ssm.register_patch_baseline_for_patch_group()
        .baseline_id(&id)
        .patch_group("web-servers")
        .send()
        .await
        .expect("register patch group");
    let registered = ssm
        .get_patch_baseline_for_patch_group()
        .patch_group("web-servers")
        .operating_system(aws_sdk_ssm::types::OperatingSystem::AmazonLinux2)
        .send()
        .await
        .expect("baseline of the group");
    assert_eq!(registered.baseline_id(), Some(id.as_str()));

    let cloud = moto.fast_cloud().await;
    let baselines = cloud.describe_patch_baselines().await.expect("baselines");
    let ours = baselines.iter().find(|b| b.id == id).expect("listed");
    assert_eq!(ours.name, "ssmdeck-test-web-baseline");
    assert_eq!(ours.operating_system.as_deref(), Some("AMAZON_LINUX_2"));
    // A node's state names the baseline by id: the pane and check show its name.
    let mut states = vec![PatchState {
        baseline_id: id.clone(),
        baseline_name: None,
        patch_group: Some("web-servers".into()),
        ..state("i-0123456789abcdef0", 1, 10, 1)
    }];
    ssmdeck::domain::patches::name_baselines(&mut states, &baselines);
    assert_eq!(
        states[0].baseline_name.as_deref(),
        Some("ssmdeck-test-web-baseline")
    );
}

#[test]
fn check_json_has_a_patch_object_per_managed_instance() {
    let out = ssmdeck(&["--sandbox=fleet:30", "check", "--json"]);
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON");
    assert_eq!(doc["schema"], 2);
    let instances = doc["instances"].as_array().expect("instances");
    let with: Vec<&serde_json::Value> =
        instances.iter().filter(|i| !i["patch"].is_null()).collect();
    assert!(
        with.len() >= 5,
        "{} instances with a patch state",
        with.len()
    );
    for i in &with {
        let p = &i["patch"];
        for field in [
            "baseline_id",
            "baseline_name",
            "patch_group",
            "operation",
            "operation_start",
            "operation_end",
            "installed",
            "installed_other",
            "installed_pending_reboot",
            "installed_rejected",
            "missing",
            "failed",
            "not_applicable",
            "critical_non_compliant",
            "security_non_compliant",
            "other_non_compliant",
            "reboot_option",
            "compliant",
            "stale",
        ] {
            assert!(p.get(field).is_some(), "{field} in {p}");
        }
        assert!(
            p["baseline_name"]
                .as_str()
                .is_some_and(|n| n.starts_with("AWS-") || n.starts_with("ssmdeck-")),
            "{p}"
        );
        assert_eq!(p["stale_after_days"], 7);
    }
    let stale: Vec<&&serde_json::Value> = with
        .iter()
        .filter(|i| i["patch"]["stale"] == true)
        .collect();
    assert!(
        !stale.is_empty(),
        "a scan older than 7 days is in the fleet"
    );
    for i in &stale {
        let kinds: Vec<&str> = i["findings"]
            .as_array()
            .expect("findings")
            .iter()
            .filter_map(|f| f["kind"].as_str())
            .collect();
        assert!(kinds.contains(&"patch_scan_stale"), "{kinds:?}");
    }
    assert!(
        with.iter()
            .any(|i| i["patch"]["patch_group"] == "web-servers"),
        "some nodes are in a patch group"
    );

    let text = ssmdeck(&["--sandbox=fleet:30", "check"]);
    let text = String::from_utf8_lossy(&text.stdout);
    assert!(text.contains("Patches: "), "{text}");
    assert!(text.contains("scans older than 7 days"), "{text}");
    assert!(
        text.contains("the last patch scan or install ran"),
        "{text}"
    );
}

#[tokio::test]
async fn the_patches_pane_separates_not_applicable_and_warns_of_old_scans() {
    let cloud = SandboxCloud::new(Scenario::Fleet(30), Clock::manual(t0()));
    let (w, h) = (160, 45);
    let mut app = app_on(&cloud, w, h).await;
    for c in ":patches".chars() {
        key(&mut app, KeyCode::Char(c));
    }
    let effects = key(&mut app, KeyCode::Enter);
    run_effects(&mut app, &cloud, None, effects).await;
    let text = screen(&app, w, h);
    assert!(
        text.contains(" missing · ") && text.contains(" failed"),
        "{text}"
    );
    assert!(text.contains("not applicable (not missing)"), "{text}");
    assert!(text.contains("oldest scan 9d ago"), "{text}");
    assert!(text.contains("scans older than 7 days"), "{text}");
    assert!(text.contains("AWS-UbuntuDefaultPatchBaseline"), "{text}");

    // A node whose scan is nine days old: its detail says so.
    let stale = app
        .table()
        .and_then(|t| {
            t.rows
                .iter()
                .position(|r| r.detail.iter().any(|l| l.contains("ran 9 days ago")))
        })
        .expect("a stale row");
    let row = &app.table().expect("table").rows[stale];
    assert!(
        row.detail
            .iter()
            .any(|l| l.starts_with("⚠ the last patch scan")),
        "{:?}",
        row.detail
    );
}
