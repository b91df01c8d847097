//! Every write in the audit log, in order, once; never the sandbox's; and what an
//! AWS-compatible server lacks costs one request, named, not five retries.

use std::collections::BTreeMap;
use std::path::Path;
use std::process::Output;
use std::time::{Duration, Instant};

use ssmdeck::cloud::sandbox::faults::Faults;
use ssmdeck::cloud::sandbox::{Clock, SandboxCloud, Scenario};
use ssmdeck::domain::plan::plan_fix;
use ssmdeck::domain::readiness;
use ssmdeck::engine::audit::{Audit, AuditLog, read_tail};
use ssmdeck::engine::{executor, fetch};

use crate::fixtures::t0;
use crate::moto_server::{MotoServer, recorded_calls};

fn text(o: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

fn sandbox_command(state: &Path, args: &[&str]) -> Output {
    std::process::Command::new(env!("CARGO_BIN_EXE_ssmdeck"))
        .arg("--sandbox")
        .arg("--log-file")
        .arg(state.join("ssmdeck.log"))
        .args(args)
        .env("XDG_STATE_HOME", state)
        .stdin(std::process::Stdio::null())
        .output()
        .expect("run ssmdeck")
}

#[test]
fn the_sandbox_never_writes_the_audit_file_and_says_it_starts_afresh() {
    let state = tempfile::tempdir().expect("tempdir");
    let audit = state.path().join("ssmdeck/audit.jsonl");
    std::fs::create_dir_all(audit.parent().expect("dir")).expect("mkdir");
    let real = "{\"action\":\"a real account's write\"}\n";
    std::fs::write(&audit, real).expect("seed the file");

    let fix = sandbox_command(state.path(), &["fix", "--yes"]);
    assert_eq!(fix.status.code(), Some(0), "{}", text(&fix));
    assert!(text(&fix).contains("Plan completed"), "{}", text(&fix));
    assert_eq!(
        std::fs::read_to_string(&audit).expect("audit"),
        real,
        "the file of real accounts is untouched"
    );
    let afresh = "simulated account, built afresh in each process";
    assert!(String::from_utf8_lossy(&fix.stderr).contains(afresh));

    // The next process starts from the lab again, and says so.
    let check = sandbox_command(state.path(), &["check"]);
    assert_eq!(check.status.code(), Some(1), "{}", text(&check));
    assert!(String::from_utf8_lossy(&check.stderr).contains(afresh));
    // Korean too.
    let ko = sandbox_command(state.path(), &["--lang", "ko", "check", "--json"]);
    assert!(
        String::from_utf8_lossy(&ko.stderr).contains("모의 계정"),
        "{}",
        text(&ko)
    );
    assert!(
        serde_json::from_slice::<serde_json::Value>(&ko.stdout).is_ok(),
        "stdout stays JSON"
    );
}

#[tokio::test]
async fn failed_writes_are_audited_in_order_with_the_ones_before() {
    let sandbox = SandboxCloud::new(Scenario::Lab, Clock::manual(t0()));
    let spec: Faults = "deny:iam:CreateRole".parse().expect("spec");
    let cloud = sandbox.with_faults(spec);
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("audit.jsonl");
    let audit = Audit {
        log: AuditLog::to_file(path.clone()),
        account: Some("123456789012".into()),
        region: "ap-northeast-2".into(),
        profile: "test".into(),
    };
    let snapshot = fetch::snapshot(&cloud).await;
    let r = readiness::evaluate(&snapshot);
    let plan = plan_fix(&snapshot, &r, &[], &[], "ManagedInstancesRole", "20261129");
    let completed = executor::apply(&cloud, &plan, Some(&audit), &mut |_| {}).await;
    assert!(!completed, "CreateRole is denied");
    audit.log.flush().await;
    let entries = read_tail(&path, 100).expect("audit");
    let actions: Vec<&str> = entries.iter().map(|e| e.action.as_str()).collect();
    assert_eq!(
        actions,
        [
            "ec2:CreateSecurityGroup",
            "ec2:AuthorizeSecurityGroupIngress",
            "ec2:CreateVpcEndpoint",
            "ec2:CreateVpcEndpoint",
            "ec2:CreateVpcEndpoint",
            "iam:CreateRole",
        ],
        "{entries:?}"
    );
    let last = entries.last().expect("the failed one");
    assert!(last.outcome.starts_with("failed: AccessDenied"), "{last:?}");
    assert!(entries[..5].iter().all(|e| e.outcome.starts_with("ok: ")));
}

#[tokio::test]
async fn check_at_moto_asks_once_for_what_moto_lacks_and_ends_in_seconds() {
    let dir = tempfile::tempdir().expect("tempdir");
    let recording = dir.path().join("recording.jsonl");
    let moto = MotoServer::start_recording(&recording);
    moto.create_workshop_stack().await;
    let setup = recorded_calls(&recording).len();
    let started = Instant::now();
    let out = moto
        .ssmdeck(&dir.path().join("ssmdeck.log"))
        .args(["--region", "ap-northeast-2", "check", "--json"])
        .output()
        .expect("run ssmdeck");
    let took = started.elapsed();
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    assert!(took < Duration::from_secs(5), "check took {took:?}");

    let mut per_action: BTreeMap<String, usize> = BTreeMap::new();
    for call in recorded_calls(&recording).into_iter().skip(setup) {
        *per_action.entry(call.action).or_default() += 1;
    }
    for lacking in [
        "DescribeInstanceProperties",
        "DescribeInstanceInformation",
        "GetServiceSetting",
    ] {
        assert_eq!(
            per_action.get(lacking),
            Some(&1),
            "{lacking}: {per_action:?}"
        );
    }
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON");
    let nodes = doc["sources"]
        .as_array()
        .and_then(|s| s.iter().find(|s| s["source"] == "nodes"))
        .expect("nodes");
    assert_eq!(nodes["error"]["kind"], "not_implemented", "{nodes}");
    assert_eq!(nodes["error"]["endpoint"], moto.endpoint().as_str());
    eprintln!("check at moto: {took:?}, requests {per_action:?}");
}

#[test]
fn an_entry_names_what_the_call_sets_beyond_its_target() {
    let audit = Audit {
        log: AuditLog::in_memory(),
        account: Some("123456789012".into()),
        region: "ap-northeast-2".into(),
        profile: "sandbox: lab".into(),
    };
    let call = ssmdeck::domain::plan::Call::ModifyInstanceMetadataOptions {
        instance_id: "i-0a1b2c3d4e5f60001".into(),
    };
    audit.record(&call, "ok: enabled");
    let entries = audit.log.tail(10).expect("tail");
    assert_eq!(entries.len(), 1);
    assert_eq!(entries[0].action, "ec2:ModifyInstanceMetadataOptions");
    assert_eq!(entries[0].parameters["instance_id"], "i-0a1b2c3d4e5f60001");
    assert_eq!(entries[0].parameters["http_endpoint"], "enabled");
}
