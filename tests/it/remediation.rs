//! The three key actions on the sandbox, driven through `update`, with the
//! engine's work done by the test: the lab becomes managed, and pressing again does nothing.

use crossterm::event::KeyCode;
use jiff::SignedDuration;
use ssmdeck::cloud::Cloud;
use ssmdeck::cloud::sandbox::{Clock, SandboxCloud, Scenario};
use ssmdeck::domain::readiness::Verdict;
use ssmdeck::engine::audit::{Audit, AuditLog};
use ssmdeck::tui::app::{App, Mode, Msg, update};

use crate::fixtures::t0;
use crate::ui::{app_on, feed, key, run_effects, screen};

async fn press(app: &mut App, cloud: &SandboxCloud, audit: &Audit, code: KeyCode) {
    let effects = key(app, code);
    run_effects(app, cloud, Some(audit), effects).await;
}

fn audit_in(dir: &std::path::Path) -> Audit {
    Audit {
        log: AuditLog::to_file(dir.join("audit.jsonl")),
        account: Some("123456789012".into()),
        region: "ap-northeast-2".into(),
        profile: "sandbox: lab".into(),
    }
}

#[tokio::test]
async fn three_keys_and_three_confirmations_make_the_lab_managed() {
    let dir = tempfile::tempdir().expect("tempdir");
    let audit = audit_in(dir.path());
    let cloud = SandboxCloud::new(Scenario::Lab, Clock::manual(t0()));
    let mut app = app_on(&cloud, 160, 45).await;

    // Endpoints: c, the dialog shows the dry-run verdicts, y applies.
    press(&mut app, &cloud, &audit, KeyCode::Char('1')).await;
    press(&mut app, &cloud, &audit, KeyCode::Char('c')).await;
    let Mode::Confirm(confirm) = &app.mode else {
        panic!("a confirmation dialog opens: {:?}", app.mode)
    };
    assert!(!confirm.verdicts.is_empty(), "dry-run verdicts shown");
    let text = screen(&app, 160, 45);
    assert!(
        text.contains("CreateVpcEndpoint com.amazonaws.ap-northeast-2.ssmmessages"),
        "{text}"
    );
    assert!(text.contains("dry run: allowed"), "{text}");
    press(&mut app, &cloud, &audit, KeyCode::Char('y')).await;
    assert_eq!(app.mode, Mode::Normal);
    let text = screen(&app, 160, 45);
    assert!(
        text.contains("… pending"),
        "endpoints pending right after: {text}"
    );

    // Roles: n, y.
    press(&mut app, &cloud, &audit, KeyCode::Char('2')).await;
    press(&mut app, &cloud, &audit, KeyCode::Char('n')).await;
    assert!(matches!(app.mode, Mode::Confirm(_)));
    press(&mut app, &cloud, &audit, KeyCode::Char('y')).await;

    // Instances: mark both, a, y.
    press(&mut app, &cloud, &audit, KeyCode::Char('3')).await;
    press(&mut app, &cloud, &audit, KeyCode::Char('g')).await;
    press(&mut app, &cloud, &audit, KeyCode::Char(' ')).await;
    press(&mut app, &cloud, &audit, KeyCode::Char(' ')).await;
    press(&mut app, &cloud, &audit, KeyCode::Char('a')).await;
    let Mode::Confirm(confirm) = &app.mode else {
        panic!("attach dialog")
    };
    assert_eq!(
        confirm.plan.selected_calls().count(),
        2,
        "both marked instances"
    );
    press(&mut app, &cloud, &audit, KeyCode::Char('y')).await;

    // The registration delay on the virtual clock, then a refresh.
    cloud.clock().advance(SignedDuration::from_secs(20));
    feed(&mut app, &cloud).await;
    update(&mut app, Msg::Tick(cloud.now()));
    assert!(
        app.readiness
            .instances
            .iter()
            .all(|i| i.verdict == Verdict::Managed),
        "{:?}",
        app.readiness
            .instances
            .iter()
            .map(|i| ssmdeck::present::instance_summary(i, ssmdeck::i18n::Lang::En))
            .collect::<Vec<_>>()
    );
    assert_eq!(app.readiness.summary.online, 2);
    assert!(screen(&app, 160, 45).contains("● 2 online"));

    // Every write was audited; pressing the keys again writes nothing.
    let writes = audit.log.tail(1000).expect("audit log").len();
    assert_eq!(
        writes,
        2 + 3 + 4 + 2,
        "sg + rule, 3 endpoints, role (4 calls), 2 associations"
    );
    for (pane, k) in [('1', 'c'), ('2', 'n'), ('3', 'a')] {
        press(&mut app, &cloud, &audit, KeyCode::Char(pane)).await;
        press(&mut app, &cloud, &audit, KeyCode::Char(k)).await;
        assert_eq!(app.mode, Mode::Normal, "no dialog for {k}: nothing to do");
        assert!(
            app.status
                .as_ref()
                .is_some_and(|(_, s)| s.contains("nothing to do")),
            "{:?}",
            app.status
        );
    }
    assert_eq!(audit.log.tail(1000).expect("audit").len(), writes);
}

#[tokio::test]
async fn the_dialog_defaults_to_no() {
    let dir = tempfile::tempdir().expect("tempdir");
    let audit = audit_in(dir.path());
    let cloud = SandboxCloud::new(Scenario::Lab, Clock::manual(t0()));
    let mut app = app_on(&cloud, 160, 45).await;
    press(&mut app, &cloud, &audit, KeyCode::Char('2')).await;
    press(&mut app, &cloud, &audit, KeyCode::Char('n')).await;
    press(&mut app, &cloud, &audit, KeyCode::Enter).await;
    assert_eq!(app.mode, Mode::Normal);
    assert!(
        app.status
            .as_ref()
            .is_some_and(|(_, s)| s.contains("cancelled"))
    );
    feed(&mut app, &cloud).await;
    assert!(
        cloud.list_roles().await.expect("roles").is_empty(),
        "nothing was created"
    );
    assert!(audit.log.tail(10).expect("audit").is_empty());
}

#[tokio::test]
async fn read_only_refuses_the_actions() {
    let cloud = SandboxCloud::new(Scenario::Lab, Clock::manual(t0()));
    let mut app = app_on(&cloud, 160, 45).await;
    app.read_only = true;
    for (pane, k) in [('1', 'c'), ('2', 'n'), ('3', 'a')] {
        key(&mut app, KeyCode::Char(pane));
        assert!(key(&mut app, KeyCode::Char(k)).is_empty());
        assert_eq!(app.mode, Mode::Normal);
        assert!(
            app.status
                .as_ref()
                .is_some_and(|(_, s)| s.contains("read-only"))
        );
    }
    assert!(screen(&app, 160, 45).contains("READ-ONLY"));
}

#[tokio::test]
async fn a_failed_step_stops_the_plan_and_says_what_to_do() {
    let dir = tempfile::tempdir().expect("tempdir");
    let audit = audit_in(dir.path());
    let cloud = SandboxCloud::new(Scenario::Lab, Clock::manual(t0()));
    let mut app = app_on(&cloud, 160, 45).await;
    press(&mut app, &cloud, &audit, KeyCode::Char('1')).await;
    press(&mut app, &cloud, &audit, KeyCode::Char('c')).await;
    // Someone deletes the private subnets between the plan and the confirmation.
    cloud
        .edit(|w| w.subnets.retain(|s| !s.id.starts_with("subnet-0prv")))
        .expect("edit");
    press(&mut app, &cloud, &audit, KeyCode::Char('y')).await;
    let (_, status) = app.status.clone().expect("status");
    assert!(status.contains("ec2:CreateVpcEndpoint failed"), "{status}");
    assert!(status.contains("later steps were not run"), "{status}");
    let endpoints = cloud.describe_vpc_endpoints().await.expect("endpoints");
    assert!(
        endpoints.is_empty(),
        "the calls after the failure did not run"
    );
}
