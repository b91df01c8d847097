//! `ssmdeck run`: headless Run Command on the sandbox and against moto.

use std::process::{Command, Output};

use crate::moto_server::MotoServer;

fn text(o: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

fn sandbox(args: &[&str]) -> Output {
    let state = tempfile::tempdir().expect("tempdir");
    Command::new(env!("CARGO_BIN_EXE_ssmdeck"))
        .arg("--sandbox=fleet:20")
        .arg("--log-file")
        .arg(state.path().join("ssmdeck.log"))
        .args(args)
        .env("XDG_STATE_HOME", state.path())
        .output()
        .expect("run ssmdeck")
}

/// The online nodes of fleet:20, and which of them fail every command.
fn online_nodes() -> Vec<String> {
    let out = sandbox(&["check", "--json"]);
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON");
    doc["instances"]
        .as_array()
        .expect("instances")
        .iter()
        .filter(|i| i["ping_status"] == "Online")
        .filter_map(|i| i["instance_id"].as_str().map(str::to_string))
        .collect()
}

fn json(out: &Output) -> serde_json::Value {
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("JSON: {e}: {}", text(out)))
}

#[test]
fn run_on_the_sandbox_reports_each_node_and_exits_by_the_worst() {
    let nodes = online_nodes();
    assert!(nodes.len() >= 3, "{nodes:?}");
    // The first online node of fleet:20 fails every command (a read-only /tmp).
    let (broken, good) = (&nodes[0], &nodes[1..3]);

    let mut args = vec!["run", "--json"];
    for n in good {
        args.extend(["--target", n.as_str()]);
    }
    args.extend(["--", "hostname && echo done"]);
    let out = sandbox(&args);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let doc = json(&out);
    assert_eq!(doc["outcome"], "success");
    let results = doc["nodes"].as_array().expect("nodes");
    assert_eq!(results.len(), 2);
    for r in results {
        assert_eq!(r["status"], "Success", "{r}");
        assert_eq!(r["response_code"], 0);
        let stdout = r["stdout"].as_str().unwrap_or_default();
        assert!(
            stdout.contains("compute.internal") && stdout.contains("done"),
            "{r}"
        );
    }

    let out = sandbox(&[
        "run", "--target", broken, "--target", &good[0], "--", "uptime",
    ]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    let t = text(&out);
    assert!(t.contains(&format!("✗ {broken} Failed (exit 1)")), "{t}");
    assert!(
        t.contains(&format!("✓ {} Success (exit 0)", good[0])),
        "{t}"
    );
    assert!(t.contains("2 node(s): 1 succeeded, 1 failed"), "{t}");
}

#[test]
fn run_by_tag_and_its_refusals() {
    // Tag targets: the nodes the command reached, each reported.
    let out = sandbox(&["run", "--target", "tag:Env=prod", "--json", "--", "whoami"]);
    let doc = json(&out);
    let results = doc["nodes"].as_array().expect("nodes");
    assert!(!results.is_empty(), "{doc}");
    assert!(
        results
            .iter()
            .all(|r| r["command_id"] == doc["commands"][0])
    );

    // Bad input: exit 2 and one line.
    for (args, says) in [
        (
            vec!["run", "--target", "web-1", "--", "uptime"],
            "--target web-1",
        ),
        (
            vec!["run", "--target", "i-0123456789abcdef0"],
            "give the command after `--`",
        ),
        (vec!["run", "--", "uptime"], "--target"),
        (
            vec![
                "run",
                "--target",
                "tag:Env=prod",
                "--target",
                "i-0123456789abcdef0",
                "--",
                "id",
            ],
            "not both",
        ),
    ] {
        let out = sandbox(&args);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {}", text(&out));
        assert!(text(&out).contains(says), "{args:?}: {}", text(&out));
    }
    let out = sandbox(&["--read-only", "run", "--target", "tag:Env=prod", "--", "id"]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    assert!(text(&out).contains("read-only"), "{}", text(&out));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn run_against_moto_follows_both_instances() {
    let moto = MotoServer::start();
    let stack = moto.create_workshop_stack().await;
    let state = tempfile::tempdir().expect("tempdir");
    let run = |extra: &[&str]| {
        moto.ssmdeck(&state.path().join("ssmdeck.log"))
            .args(["--region", "ap-northeast-2", "run", "--json"])
            .args(extra)
            .env("XDG_STATE_HOME", state.path())
            .output()
            .expect("run ssmdeck")
    };
    let (a, b) = (&stack.instance_ids[0], &stack.instance_ids[1]);
    let out = run(&["--target", a, "--target", b, "--", "uptime"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let doc = json(&out);
    let mut ids: Vec<&str> = doc["nodes"]
        .as_array()
        .expect("nodes")
        .iter()
        .filter_map(|n| n["instance_id"].as_str())
        .collect();
    ids.sort();
    let mut want = vec![a.as_str(), b.as_str()];
    want.sort();
    assert_eq!(ids, want);
    // moto cannot read the node list: no warning, no refusal.
    assert_eq!(doc["warnings"], serde_json::json!([]));

    // A tag no running instance has: moto lacks ListCommandInvocations, so the tag is
    // resolved from the instances; no node ran the command, and the run exits 1.
    let out = run(&["--target", "tag:Name=nobody", "--", "uptime"]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    assert_eq!(json(&out)["nodes"], serde_json::json!([]));
    // The workshop instances' Name tag reaches both.
    let out = moto
        .ssmdeck(&state.path().join("ssmdeck.log"))
        .args(["--region", "ap-northeast-2", "run", "--target"])
        .arg(format!("tag:Name={}", crate::moto_server::INSTANCE_NAME))
        .args(["--", "uptime"])
        .env("XDG_STATE_HOME", state.path())
        .output()
        .expect("run ssmdeck");
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert!(
        text(&out).contains("2 node(s): 2 succeeded"),
        "{}",
        text(&out)
    );
    // The send is in the audit log, without the script.
    let audit = std::fs::read_to_string(state.path().join("ssmdeck/audit.jsonl")).expect("audit");
    assert_eq!(audit.lines().count(), 3, "{audit}");
    assert!(audit.contains("ssm:SendCommand") && !audit.contains("uptime"));
}
