//! The fleet panes on the sandbox: snapshots, Run Command to completion, patch scans.

use crossterm::event::KeyCode;
use jiff::SignedDuration;
use ssmdeck::cloud::Cloud;
use ssmdeck::cloud::sandbox::{Clock, SandboxCloud, Scenario};
use ssmdeck::domain::model::{DEFAULT_ROLE_NAME, PingStatus};
use ssmdeck::tui::app::{App, Mode, Pane};
use ssmdeck::tui::fleet::DrillKind;

use crate::fixtures::t0;
use crate::ui::{app_on, chars, feed, key, run_effects, screen};

const W: u16 = 160;
const H: u16 = 45;

pub(crate) fn fleet() -> SandboxCloud {
    SandboxCloud::new(Scenario::Fleet(60), Clock::manual(t0()))
}

pub(crate) async fn press(app: &mut App, cloud: &SandboxCloud, code: KeyCode) {
    let effects = key(app, code);
    run_effects(app, cloud, None, effects).await;
}

pub(crate) async fn advance(app: &mut App, cloud: &SandboxCloud, secs: i64) {
    cloud.clock().advance(SignedDuration::from_secs(secs));
    feed(app, cloud).await;
}

pub(crate) fn selected(app: &App) -> Option<String> {
    app.table()
        .and_then(|t| t.selected_row())
        .map(|r| r.id.clone())
}

/// Moves the selection to the row `id` of the current table.
pub(crate) fn select(app: &mut App, id: &str) {
    key(app, KeyCode::Char('g'));
    for _ in 0..200 {
        if selected(app).as_deref() == Some(id) {
            return;
        }
        key(app, KeyCode::Char('j'));
    }
    panic!("row {id} not found");
}

/// Healthy online Linux nodes (commands succeed on them).
pub(crate) async fn healthy_linux(cloud: &SandboxCloud, n: usize) -> Vec<String> {
    let nodes = cloud.describe_managed_nodes().await.expect("nodes");
    let broken: Vec<String> = cloud
        .edit(|w| {
            w.instances
                .iter()
                .filter(|i| i.fails_commands)
                .map(|i| i.instance.id.clone())
                .collect()
        })
        .expect("world");
    nodes
        .into_iter()
        .filter(|x| x.ping == PingStatus::Online && x.platform_type.as_deref() == Some("Linux"))
        .map(|x| x.instance_id)
        .filter(|id| !broken.contains(id))
        .take(n)
        .collect()
}

#[tokio::test]
async fn snapshots_of_the_fleet_panes_and_their_detail_views() {
    let cloud = fleet();
    let mut app = app_on(&cloud, W, H).await;
    for (digit, name) in [
        ('4', "inventory"),
        ('5', "patches"),
        ('6', "commands"),
        ('7', "windows"),
    ] {
        press(&mut app, &cloud, KeyCode::Char(digit)).await;
        insta::assert_snapshot!(format!("fleet60_{name}"), screen(&app, W, H));
    }
    // Detail views.
    press(&mut app, &cloud, KeyCode::Char('4')).await;
    press(&mut app, &cloud, KeyCode::Enter).await;
    assert!(matches!(&app.drill, Some(d) if d.kind == DrillKind::Inventory));
    insta::assert_snapshot!("fleet60_inventory_detail", screen(&app, W, H));
    press(&mut app, &cloud, KeyCode::Esc).await;
    assert!(app.drill.is_none());
    press(&mut app, &cloud, KeyCode::Char('5')).await;
    press(&mut app, &cloud, KeyCode::Enter).await;
    insta::assert_snapshot!("fleet60_patches_detail", screen(&app, W, H));
    press(&mut app, &cloud, KeyCode::Esc).await;
    press(&mut app, &cloud, KeyCode::Char('7')).await;
    press(&mut app, &cloud, KeyCode::Enter).await;
    let text = screen(&app, W, H);
    assert!(
        text.contains("AWS-RunPatchBaseline")
            && text.contains("tag:Patch=weekly")
            && text.contains("FAILED"),
        "{text}"
    );
    insta::assert_snapshot!("fleet60_window_detail", text);
}

#[tokio::test]
async fn the_application_list_filters() {
    let cloud = fleet();
    let mut app = app_on(&cloud, W, H).await;
    press(&mut app, &cloud, KeyCode::Char('4')).await;
    press(&mut app, &cloud, KeyCode::Enter).await;
    let all = app.table().map(|t| t.visible.len()).unwrap_or(0);
    assert!(all >= 6, "{all}");
    key(&mut app, KeyCode::Char('/'));
    chars(&mut app, "ssm");
    key(&mut app, KeyCode::Enter);
    let filtered = app.table().map(|t| t.visible.len()).unwrap_or(0);
    assert!(filtered >= 1 && filtered < all, "{filtered} of {all}");
    assert!(
        screen(&app, W, H).to_lowercase().contains("ssm agent")
            || screen(&app, W, H).contains("amazon-ssm-agent")
    );
}

#[tokio::test]
async fn x_runs_a_shell_command_on_two_marked_nodes_to_success_with_output() {
    let cloud = fleet();
    let mut app = app_on(&cloud, W, H).await;
    let nodes = healthy_linux(&cloud, 2).await;
    assert_eq!(nodes.len(), 2);
    press(&mut app, &cloud, KeyCode::Char('4')).await;
    for id in &nodes {
        select(&mut app, id);
        press(&mut app, &cloud, KeyCode::Char(' ')).await;
    }
    press(&mut app, &cloud, KeyCode::Char('x')).await;
    assert_eq!(app.mode, Mode::Input(String::new()));
    chars(&mut app, "uptime");
    press(&mut app, &cloud, KeyCode::Enter).await;
    let Mode::Propose(p) = &app.mode else {
        panic!("a confirmation: {:?}", app.mode)
    };
    assert_eq!(p.target_count(), 2);
    assert!(screen(&app, W, H).contains("SendCommand AWS-RunShellScript → 1 call(s) for 2 id(s)"));
    press(&mut app, &cloud, KeyCode::Char('c')).await; // concurrency 50 → 10
    press(&mut app, &cloud, KeyCode::Char('y')).await;
    let sent = app
        .snapshot
        .commands
        .first()
        .cloned()
        .expect("the command is listed");
    assert_eq!(sent.document, "AWS-RunShellScript");

    press(&mut app, &cloud, KeyCode::Char('6')).await;
    select(&mut app, &sent.id);
    press(&mut app, &cloud, KeyCode::Enter).await;
    let statuses = |app: &App| -> Vec<String> {
        app.table()
            .map(|t| t.rows.iter().map(|r| r.cells[1].text.clone()).collect())
            .unwrap_or_default()
    };
    assert!(
        statuses(&app).iter().all(|s| s.contains("Pending")),
        "{:?}",
        statuses(&app)
    );
    advance(&mut app, &cloud, 2).await;
    assert!(
        statuses(&app).iter().all(|s| s.contains("InProgress")),
        "{:?}",
        statuses(&app)
    );
    advance(&mut app, &cloud, 2).await;
    assert_eq!(
        statuses(&app),
        vec!["✓ Success".to_string(), "✓ Success".to_string()]
    );
    let text = screen(&app, W, H);
    assert!(
        text.contains("load average"),
        "the output of uptime is shown: {text}"
    );
    let cmd = app
        .snapshot
        .commands
        .iter()
        .find(|c| c.id == sent.id)
        .expect("command");
    assert_eq!(cmd.status, "Success");
    assert_eq!(cmd.completed_count, 2);
}

#[tokio::test]
async fn the_failing_instance_shows_failed_with_its_stderr() {
    let cloud = fleet();
    let mut app = app_on(&cloud, W, H).await;
    let broken: String = cloud
        .edit(|w| {
            w.instances
                .iter()
                .find(|i| i.fails_commands)
                .map(|i| i.instance.id.clone())
        })
        .expect("world")
        .expect("a failing instance");
    press(&mut app, &cloud, KeyCode::Char('3')).await;
    select(&mut app, &broken);
    press(&mut app, &cloud, KeyCode::Char('x')).await;
    chars(&mut app, "df -h");
    press(&mut app, &cloud, KeyCode::Enter).await;
    press(&mut app, &cloud, KeyCode::Char('y')).await;
    advance(&mut app, &cloud, 5).await;
    press(&mut app, &cloud, KeyCode::Char('6')).await;
    let id = app
        .snapshot
        .commands
        .first()
        .map(|c| c.id.clone())
        .expect("sent");
    select(&mut app, &id);
    press(&mut app, &cloud, KeyCode::Enter).await;
    let text = screen(&app, W, H);
    assert!(text.contains("✗ Failed"), "{text}");
    assert!(
        text.contains("── stderr ──") && text.contains("Read-only file system"),
        "{text}"
    );
}

#[tokio::test]
async fn a_scan_turns_unknown_patch_state_into_counts_and_install_asks_about_reboots() {
    let cloud = SandboxCloud::new(Scenario::Lab, Clock::manual(t0()));
    crate::sandbox::create_lab_endpoints(&cloud).await;
    crate::sandbox::create_lab_role(&cloud).await;
    for id in ["i-0a1b2c3d4e5f60001", "i-0a1b2c3d4e5f60002"] {
        cloud
            .associate_iam_instance_profile(id, DEFAULT_ROLE_NAME)
            .await
            .expect("attach");
    }
    cloud.clock().advance(SignedDuration::from_secs(30));
    let mut app = app_on(&cloud, W, H).await;
    press(&mut app, &cloud, KeyCode::Char('5')).await;
    assert_eq!(app.pane, Pane::Patches);
    let text = screen(&app, W, H);
    assert!(
        text.contains("? unknown") && text.contains("? 2 not scanned"),
        "{text}"
    );
    press(&mut app, &cloud, KeyCode::Char(' ')).await;
    press(&mut app, &cloud, KeyCode::Char(' ')).await;
    press(&mut app, &cloud, KeyCode::Char('s')).await;
    assert!(matches!(app.mode, Mode::Propose(_)));
    press(&mut app, &cloud, KeyCode::Char('y')).await;
    advance(&mut app, &cloud, 4).await;
    let text = screen(&app, W, H);
    assert!(!text.contains("? unknown"), "{text}");
    assert!(
        text.contains("Scan") && text.contains("compliant"),
        "{text}"
    );

    // Install is Shift-I, defaults to RebootIfNeeded and says so; r switches to NoReboot.
    press(&mut app, &cloud, KeyCode::Char('I')).await;
    let text = screen(&app, W, H);
    assert!(
        text.contains("PATCH INSTALL") && text.contains("RebootIfNeeded"),
        "{text}"
    );
    press(&mut app, &cloud, KeyCode::Char('r')).await;
    assert!(screen(&app, W, H).contains("NoReboot"));
    press(&mut app, &cloud, KeyCode::Char('y')).await;
    advance(&mut app, &cloud, 4).await;
    let states = cloud
        .describe_instance_patch_states(&["i-0a1b2c3d4e5f60001".into()])
        .await
        .expect("states");
    assert!(
        states[0].installed_pending_reboot > 0,
        "NoReboot leaves patches pending a reboot"
    );
}

#[tokio::test]
async fn group_narrows_the_panes_and_targets_the_tag() {
    let cloud = fleet();
    let mut app = app_on(&cloud, W, H).await;
    let all = app
        .pane_table(Pane::Instances)
        .map(|t| t.rows.len())
        .unwrap_or(0);
    key(&mut app, KeyCode::Char(':'));
    chars(&mut app, "group Env=prod");
    press(&mut app, &cloud, KeyCode::Enter).await;
    let prod = app
        .pane_table(Pane::Instances)
        .map(|t| t.rows.len())
        .unwrap_or(0);
    assert!(prod > 0 && prod < all, "{prod} of {all}");
    press(&mut app, &cloud, KeyCode::Char('5')).await;
    press(&mut app, &cloud, KeyCode::Char('s')).await;
    let Mode::Propose(p) = &app.mode else {
        panic!("proposal")
    };
    assert_eq!(p.tag, Some(("Env".to_string(), "prod".to_string())));
    let req = &p.requests()[0];
    assert!(req.instance_ids.is_empty());
    assert_eq!(
        req.targets,
        vec![("tag:Env".to_string(), vec!["prod".to_string()])]
    );
    press(&mut app, &cloud, KeyCode::Esc).await;
    key(&mut app, KeyCode::Char(':'));
    chars(&mut app, "group");
    press(&mut app, &cloud, KeyCode::Enter).await;
    assert_eq!(
        app.pane_table(Pane::Instances).map(|t| t.rows.len()),
        Some(all)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn run_command_and_cancel_are_written_to_the_audit_log_without_the_script() {
    use ssmdeck::cloud::SendCommandRequest;
    use ssmdeck::engine::audit::{Audit, AuditLog, read_tail};
    use ssmdeck::engine::{Engine, EngineEvent};

    let cloud = fleet();
    let online: Vec<String> = cloud
        .describe_managed_nodes()
        .await
        .expect("nodes")
        .into_iter()
        .filter(|n| n.ping == PingStatus::Online && n.platform_type.as_deref() == Some("Linux"))
        .map(|n| n.instance_id)
        .take(2)
        .collect();
    assert_eq!(online.len(), 2);
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("audit.jsonl");
    let audit = Audit {
        log: AuditLog::to_file(path.clone()),
        account: Some("123456789012".into()),
        region: "us-east-1".into(),
        profile: "sandbox: fleet:60".into(),
    };
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    let engine = Engine::start(cloud.clone(), std::time::Duration::from_secs(3600), tx);
    let request = SendCommandRequest {
        document: "AWS-RunShellScript".into(),
        instance_ids: online.clone(),
        targets: Vec::new(),
        parameters: vec![("commands".into(), vec!["echo TOKEN=s3cr3t".into()])],
        comment: Some("audit test".into()),
        max_concurrency: None,
        max_errors: None,
        timeout_seconds: None,
        output: Default::default(),
    };
    engine.perform(ssmdeck::engine::ops::Op::Send(request), audit.clone());
    let command_id = loop {
        match rx.recv().await.expect("engine events") {
            EngineEvent::Sent { commands, error } => {
                assert_eq!(error, None);
                break commands[0].id.clone();
            }
            _ => continue,
        }
    };
    engine.perform(
        ssmdeck::engine::ops::Op::Cancel(command_id.clone()),
        audit.clone(),
    );
    loop {
        if let EngineEvent::Cancelled { .. } = rx.recv().await.expect("engine events") {
            break;
        }
    }
    // One writer: once it has written what it was sent, both lines are there, in order.
    audit.log.flush().await;
    let entries = read_tail(&path, 10).expect("audit log");
    assert_eq!(entries.len(), 2, "{entries:?}");
    assert_eq!(entries[0].action, "ssm:SendCommand");
    assert_eq!(entries[0].parameters["document"], "AWS-RunShellScript");
    assert_eq!(entries[0].parameters["parameter_names"][0], "commands");
    assert_eq!(
        entries[0].parameters["instance_ids"]
            .as_array()
            .map(Vec::len),
        Some(2)
    );
    assert!(
        entries[0].outcome.contains(&command_id),
        "{}",
        entries[0].outcome
    );
    assert_eq!(entries[1].action, "ssm:CancelCommand");
    assert_eq!(entries[1].parameters["command_id"], command_id.as_str());
    let text = std::fs::read_to_string(&path).expect("read");
    assert!(
        !text.contains("s3cr3t"),
        "the script stays out of the audit log"
    );
}

#[tokio::test]
async fn x_leaves_out_nodes_that_are_not_online_and_reports_every_command_sent() {
    let cloud = fleet();
    let mut app = app_on(&cloud, W, H).await;
    let linux = healthy_linux(&cloud, 1).await;
    let nodes = cloud.describe_managed_nodes().await.expect("nodes");
    let windows = nodes
        .iter()
        .find(|n| n.ping == PingStatus::Online && n.platform_type.as_deref() == Some("Windows"))
        .map(|n| n.instance_id.clone())
        .expect("an online Windows node");
    let stopped = cloud
        .describe_instances()
        .await
        .expect("instances")
        .into_iter()
        .find(|i| i.state == ssmdeck::domain::model::InstanceState::Stopped)
        .map(|i| i.id)
        .expect("a stopped instance");
    press(&mut app, &cloud, KeyCode::Char('3')).await;
    for id in [&linux[0], &windows, &stopped] {
        select(&mut app, id);
        press(&mut app, &cloud, KeyCode::Char(' ')).await;
    }
    press(&mut app, &cloud, KeyCode::Char('x')).await;
    chars(&mut app, "uptime");
    press(&mut app, &cloud, KeyCode::Enter).await;
    let Mode::Propose(p) = &app.mode else {
        panic!("a confirmation: {:?}", app.mode)
    };
    assert_eq!(p.target_count(), 2, "the stopped instance is left out");
    assert_eq!(p.skipped, std::slice::from_ref(&stopped));
    let text = screen(&app, W, H);
    assert!(
        text.contains("Left out: 1 not online in Systems Manager"),
        "{text}"
    );
    press(&mut app, &cloud, KeyCode::Char('y')).await;
    // A shell document per platform: two commands, both reported.
    let status = app.status.clone().map(|s| s.1).unwrap_or_default();
    assert!(status.contains("sent 2 command(s)"), "{status}");
    assert_eq!(app.sent_ids.len(), 2);

    // Only offline nodes chosen: no dialog, nothing is sent, and it says why.
    press(&mut app, &cloud, KeyCode::Char('3')).await;
    for id in [&linux[0], &windows] {
        select(&mut app, id);
        press(&mut app, &cloud, KeyCode::Char(' ')).await; // unmark
    }
    press(&mut app, &cloud, KeyCode::Char('x')).await;
    chars(&mut app, "uptime");
    let effects = key(&mut app, KeyCode::Enter);
    assert!(effects.is_empty(), "{effects:?}");
    assert_eq!(app.mode, Mode::Normal, "no dialog to answer");
    let status = app.status.clone().map(|s| s.1).unwrap_or_default();
    assert!(
        status.contains("none of the 1 chosen node(s) is online") && status.contains(&stopped),
        "{status}"
    );
}
