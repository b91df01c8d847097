//! The binary end to end on the sandbox: `check`, exit codes, one-line errors.

use std::process::{Command, Output};

pub fn ssmdeck(args: &[&str]) -> Output {
    let log = std::env::temp_dir().join(format!("ssmdeck-it-{}.log", std::process::id()));
    Command::new(env!("CARGO_BIN_EXE_ssmdeck"))
        // Before the arguments: after a `--` it would be part of the command run.
        .arg("--log-file")
        .arg(&log)
        .args(args)
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .output()
        .expect("run ssmdeck")
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

#[test]
fn check_json_on_the_lab_names_what_is_missing() {
    let out = ssmdeck(&["--sandbox", "check", "--json"]);
    assert_eq!(out.status.code(), Some(1), "not ready: {}", stderr(&out));
    let v: serde_json::Value = serde_json::from_str(&stdout(&out)).expect("JSON");
    assert_eq!(v["schema"], 2);
    assert_eq!(v["outcome"], "not_ready");
    assert_eq!(v["region"], "ap-northeast-2");
    let vpc = &v["vpcs"][0];
    assert_eq!(vpc["name"], "WellArchitectedLabsStack/VPC");
    assert_eq!(
        vpc["missing_required_endpoints"],
        serde_json::json!(["ssm", "ssmmessages", "ec2messages"])
    );
    let instances = v["instances"].as_array().expect("instances");
    assert_eq!(instances.len(), 2);
    for i in instances {
        assert_eq!(i["verdict"]["state"], "not_managed");
        assert_eq!(
            i["summary"],
            "not managed: no instance profile, no SSM endpoints"
        );
        let kinds: Vec<&str> = i["findings"]
            .as_array()
            .expect("findings")
            .iter()
            .filter_map(|f| f["kind"].as_str())
            .collect();
        assert!(
            kinds.contains(&"no_instance_profile") && kinds.contains(&"endpoints_missing"),
            "{kinds:?}"
        );
    }
    assert!(
        v["sources"]
            .as_array()
            .expect("sources")
            .iter()
            .all(|s| s["ok"] == true)
    );
}

#[test]
fn check_text_on_the_lab() {
    let out = ssmdeck(&["--sandbox", "check"]);
    assert_eq!(out.status.code(), Some(1));
    let text = stdout(&out);
    assert!(text.contains("WellArchitectedLabsStack/VPC"), "{text}");
    assert!(text.contains("NOT READY"), "{text}");
}

#[test]
fn check_on_a_synthetic_fleet() {
    let out = ssmdeck(&["--sandbox=fleet:300", "check", "--json"]);
    assert_eq!(out.status.code(), Some(1));
    let v: serde_json::Value = serde_json::from_str(&stdout(&out)).expect("JSON");
    // 300 EC2 instances and the fleet's 19 hybrid (mi-) servers.
    assert_eq!(v["instances"].as_array().map(Vec::len), Some(319));
    assert!(v["summary"]["online"].as_u64().unwrap_or(0) > 0);
}

#[test]
fn bad_input_is_one_line_and_exit_2() {
    for args in [
        vec!["--sandbox=moon", "check"],
        vec!["--sandbox=fleet:0", "check"],
    ] {
        let out = ssmdeck(&args);
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        let err = stderr(&out);
        assert_eq!(err.trim().lines().count(), 1, "{err}");
        assert!(err.contains("unknown sandbox scenario"), "{err}");
    }
    let out = ssmdeck(&["--sandbox", "--refresh", "0", "check"]);
    assert_eq!(out.status.code(), Some(2));
    // A value outside a closed list names the list.
    let out = ssmdeck(&["--sandbox", "--lang", "fr", "check"]);
    assert_eq!(out.status.code(), Some(2));
    let err = stderr(&out);
    assert!(err.contains("[possible values: en, ko]"), "{err}");
    assert_eq!(err.trim().lines().count(), 1, "{err}");
}

#[test]
fn the_tui_without_a_terminal_says_so() {
    let out = Command::new(env!("CARGO_BIN_EXE_ssmdeck"))
        .args(["--sandbox", "--log-file"])
        .arg(std::env::temp_dir().join("ssmdeck-it-notty.log"))
        .stdin(std::process::Stdio::null())
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(2));
    let err = stderr(&out);
    assert!(err.contains("interactive terminal"), "{err}");
    assert!(!err.contains("panicked"), "{err}");
}

#[tokio::test]
async fn check_json_against_moto_with_the_workshop_stack() {
    let moto = crate::moto_server::MotoServer::start();
    let stack = moto.create_workshop_stack().await;
    let log = std::env::temp_dir().join(format!("ssmdeck-it-moto-{}.log", std::process::id()));
    let started = std::time::Instant::now();
    let out = moto
        .ssmdeck(&log)
        .args(["--region", "ap-northeast-2", "check", "--json"])
        .output()
        .expect("run ssmdeck");
    let took = started.elapsed();
    assert_eq!(
        out.status.code(),
        Some(1),
        "not ready; stderr: {}",
        stderr(&out)
    );
    let v: serde_json::Value = serde_json::from_str(&stdout(&out)).expect("JSON");
    assert_eq!(v["schema"], 2);
    assert_eq!(v["region"], "ap-northeast-2");
    let vpc = v["vpcs"]
        .as_array()
        .and_then(|vs| vs.iter().find(|x| x["vpc_id"] == stack.vpc_id.as_str()))
        .expect("the lab VPC in the report");
    assert_eq!(vpc["name"], "WellArchitectedLabsStack/VPC");
    assert_eq!(
        vpc["missing_required_endpoints"],
        serde_json::json!(["ssm", "ssmmessages", "ec2messages"])
    );
    for id in &stack.instance_ids {
        let i = v["instances"]
            .as_array()
            .and_then(|is| is.iter().find(|x| x["instance_id"] == id.as_str()))
            .expect("every lab instance");
        let kinds: Vec<&str> = i["findings"]
            .as_array()
            .expect("findings")
            .iter()
            .filter_map(|f| f["kind"].as_str())
            .collect();
        assert!(kinds.contains(&"no_instance_profile"), "{id}: {kinds:?}");
        assert!(kinds.contains(&"endpoints_missing"), "{id}: {kinds:?}");
    }
    // moto lacks the managed-node reads: that source fails on its own, the rest is reported.
    let sources = v["sources"].as_array().expect("sources");
    let nodes = sources
        .iter()
        .find(|s| s["source"] == "nodes")
        .expect("nodes source");
    assert_eq!(nodes["ok"], false);
    assert_eq!(nodes["error"]["kind"], "not_implemented", "{nodes}");
    assert_eq!(
        nodes["error"]["action"], "ssm:DescribeInstanceInformation",
        "{nodes}"
    );
    for name in ["network", "instances", "iam"] {
        let s = sources
            .iter()
            .find(|s| s["source"] == name)
            .expect("source");
        assert_eq!(s["ok"], true, "{name}: {s}");
    }
    eprintln!("check against moto took {took:?}");
}

#[test]
fn a_failed_step_says_what_to_do_in_the_users_language_without_console_keys() {
    for (lang, failed, todo) in [
        (
            "en",
            "iam:CreateRole failed: AccessDenied",
            "what to do: your identity lacks iam:CreateRole",
        ),
        (
            "ko",
            "iam:CreateRole 실패: AccessDenied",
            "할 일: 현재 자격 증명에 iam:CreateRole 권한이 없습니다",
        ),
    ] {
        let out = ssmdeck(&[
            "--lang",
            lang,
            "--sandbox",
            "--faults",
            "deny:iam:CreateRole",
            "fix",
            "--yes",
        ]);
        let text = stdout(&out);
        assert_eq!(out.status.code(), Some(1), "{text}{}", stderr(&out));
        assert!(text.contains(failed) && text.contains(todo), "{text}");
        assert!(!text.contains("Ctrl-r"), "{text}");
    }
}
