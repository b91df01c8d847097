//! The App without a terminal: keys → state and effects; TestBackend snapshots.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ssmdeck::cloud::Cloud;
use ssmdeck::cloud::sandbox::{Clock, SandboxCloud, Scenario};
use ssmdeck::domain::snapshot::Source;
use ssmdeck::engine::audit::Audit;
use ssmdeck::engine::{EngineEvent, fetch, ops};
use ssmdeck::tui::app::{App, Effect, Mode, Msg, Pane, update};
use ssmdeck::tui::render;

use crate::fixtures::t0;

pub async fn app_on<C: Cloud>(cloud: &C, width: u16, height: u16) -> App {
    let mut app = App::new(cloud.now());
    update(&mut app, Msg::Resize { width, height });
    let identity = cloud.identity().await;
    update(&mut app, Msg::Engine(EngineEvent::Identity(identity)));
    feed(&mut app, cloud).await;
    app
}

/// One refresh of every source, as the pollers would deliver it.
pub async fn feed<C: Cloud>(app: &mut App, cloud: &C) {
    let effects = feed_once(app, cloud).await;
    run_effects(app, cloud, None, effects).await;
}

async fn feed_once<C: Cloud>(app: &mut App, cloud: &C) -> Vec<Effect> {
    let mut effects = Vec::new();
    for source in Source::ALL {
        let managed: Vec<String> = app
            .snapshot
            .nodes
            .nodes
            .iter()
            .filter(|n| n.ping == ssmdeck::domain::model::PingStatus::Online)
            .map(|n| n.instance_id.clone())
            .collect();
        let result = fetch::fetch(cloud, source, &managed).await;
        effects.extend(update(
            app,
            Msg::Engine(EngineEvent::Fetched {
                at: cloud.now(),
                result,
            }),
        ));
    }
    effects
}

/// Does what the event loop and the engine do with effects, in the test's task.
pub async fn run_effects<C: Cloud>(
    app: &mut App,
    cloud: &C,
    audit: Option<&Audit>,
    effects: Vec<Effect>,
) {
    let mut queue: std::collections::VecDeque<Effect> = effects.into();
    while let Some(effect) = queue.pop_front() {
        if effect == Effect::RefreshAll {
            queue.extend(Box::pin(feed_once(app, cloud)).await);
            continue;
        }
        // An export is written on a blocking task, as the event loop does.
        if let Effect::Export(export) = effect {
            let done = tokio::task::spawn_blocking(move || ssmdeck::tui::export::perform(export))
                .await
                .expect("the export's task");
            queue.extend(update(app, done));
            continue;
        }
        // The event loop's routing and operations, awaited here instead of spawned.
        let mut events: Vec<EngineEvent> = Vec::new();
        for (_, op) in ssmdeck::tui::effects::ops_of(app, effect) {
            let mut emit = |e: EngineEvent| events.push(e);
            ops::perform(cloud, op, audit, &mut emit).await;
        }
        for e in events {
            queue.extend(update(app, Msg::Engine(e)));
        }
    }
}

pub fn key(app: &mut App, code: KeyCode) -> Vec<Effect> {
    update(app, Msg::Key(KeyEvent::new(code, KeyModifiers::NONE)))
}

pub fn chars(app: &mut App, text: &str) {
    for c in text.chars() {
        key(app, KeyCode::Char(c));
    }
}

pub fn screen(app: &App, width: u16, height: u16) -> String {
    let mut terminal = Terminal::new(TestBackend::new(width, height)).expect("test terminal");
    terminal.draw(|f| render::draw(f, app)).expect("draw");
    terminal.backend().to_string()
}

fn lab() -> SandboxCloud {
    SandboxCloud::new(Scenario::Lab, Clock::manual(t0()))
}

fn selected_id(app: &App) -> Option<String> {
    app.table()
        .and_then(|t| t.selected_row())
        .map(|r| r.id.clone())
}

#[tokio::test]
async fn pane_switching_by_tab_digits_and_commands() {
    let mut app = app_on(&lab(), 120, 40).await;
    assert_eq!(app.pane, Pane::Instances);
    key(&mut app, KeyCode::Tab);
    assert_eq!(app.pane, Pane::Inventory);
    key(&mut app, KeyCode::BackTab);
    assert_eq!(app.pane, Pane::Instances);
    key(&mut app, KeyCode::BackTab);
    key(&mut app, KeyCode::BackTab);
    assert_eq!(app.pane, Pane::Endpoints);
    key(&mut app, KeyCode::Char('2'));
    assert_eq!(app.pane, Pane::Roles);
    key(&mut app, KeyCode::Char(':'));
    chars(&mut app, "endpoints");
    key(&mut app, KeyCode::Enter);
    assert_eq!(app.pane, Pane::Endpoints);
    assert_eq!(app.mode, Mode::Normal);
    // Every pane exists; :lab and :audit open theirs.
    key(&mut app, KeyCode::Char(':'));
    chars(&mut app, "lab");
    key(&mut app, KeyCode::Enter);
    assert_eq!(app.pane, Pane::Lab);
    key(&mut app, KeyCode::Char('1'));
    assert_eq!(app.pane, Pane::Endpoints);
    key(&mut app, KeyCode::Char('8'));
    assert_eq!(app.pane, Pane::Lab);
    key(&mut app, KeyCode::Char('5'));
    assert_eq!(app.pane, Pane::Patches);
    key(&mut app, KeyCode::Char(':'));
    chars(&mut app, "windows");
    key(&mut app, KeyCode::Enter);
    assert_eq!(app.pane, Pane::Windows);
    key(&mut app, KeyCode::Char('1'));
    key(&mut app, KeyCode::Char(':'));
    chars(&mut app, "bogus");
    key(&mut app, KeyCode::Enter);
    assert!(
        app.status
            .as_ref()
            .is_some_and(|(_, s)| s.contains("unknown command"))
    );
    key(&mut app, KeyCode::Char(':'));
    chars(&mut app, "q");
    assert_eq!(key(&mut app, KeyCode::Enter), vec![Effect::Quit]);
}

#[tokio::test]
async fn quit_refresh_and_help() {
    let mut app = app_on(&lab(), 120, 40).await;
    assert_eq!(key(&mut app, KeyCode::Char('q')), vec![Effect::Quit]);
    let ctrl_r = update(
        &mut app,
        Msg::Key(KeyEvent::new(KeyCode::Char('r'), KeyModifiers::CONTROL)),
    );
    assert_eq!(ctrl_r, vec![Effect::RefreshAll]);
    let ctrl_c = update(
        &mut app,
        Msg::Key(KeyEvent::new(KeyCode::Char('c'), KeyModifiers::CONTROL)),
    );
    assert_eq!(ctrl_c, vec![Effect::Quit]);
    key(&mut app, KeyCode::Char('?'));
    assert_eq!(app.mode, Mode::Help);
    assert!(screen(&app, 120, 40).contains("Help"));
    // q inside help closes help, it does not quit.
    assert!(key(&mut app, KeyCode::Char('q')).is_empty());
    assert_eq!(app.mode, Mode::Normal);
}

#[tokio::test]
async fn filter_narrows_and_escape_clears() {
    let mut app = app_on(&lab(), 120, 40).await;
    key(&mut app, KeyCode::Char('1'));
    assert_eq!(app.table().map(|t| t.visible.len()), Some(7));
    key(&mut app, KeyCode::Char('/'));
    chars(&mut app, "ssm");
    let visible: Vec<String> = app
        .table()
        .map(|t| t.visible.iter().map(|&i| t.rows[i].id.clone()).collect())
        .unwrap_or_default();
    assert_eq!(visible.len(), 2, "ssm and ssmmessages: {visible:?}");
    key(&mut app, KeyCode::Enter);
    assert_eq!(app.mode, Mode::Normal);
    assert_eq!(app.table().map(|t| t.visible.len()), Some(2));
    key(&mut app, KeyCode::Esc);
    assert_eq!(app.table().map(|t| t.visible.len()), Some(7));
    // An invalid regex falls back to plain text and says so.
    key(&mut app, KeyCode::Char('/'));
    chars(&mut app, "ssm(");
    key(&mut app, KeyCode::Enter);
    assert_eq!(app.table().map(|t| t.visible.len()), Some(0));
    assert!(
        app.status
            .as_ref()
            .is_some_and(|(_, s)| s.contains("not a valid regex"))
    );
}

#[tokio::test]
async fn moving_and_marking() {
    let mut app = app_on(&lab(), 120, 40).await;
    key(&mut app, KeyCode::Char('1'));
    assert_eq!(
        selected_id(&app).as_deref(),
        Some("vpc-0a3c9e1b7d5f24680/ssm")
    );
    key(&mut app, KeyCode::Char('j'));
    assert_eq!(
        selected_id(&app).as_deref(),
        Some("vpc-0a3c9e1b7d5f24680/ssmmessages")
    );
    key(&mut app, KeyCode::Char('G'));
    assert_eq!(
        selected_id(&app).as_deref(),
        Some("vpc-0a3c9e1b7d5f24680/logs")
    );
    key(&mut app, KeyCode::Down);
    assert_eq!(
        selected_id(&app).as_deref(),
        Some("vpc-0a3c9e1b7d5f24680/logs"),
        "clamped at the end"
    );
    key(&mut app, KeyCode::Char('g'));
    key(&mut app, KeyCode::PageDown);
    assert_eq!(
        selected_id(&app).as_deref(),
        Some("vpc-0a3c9e1b7d5f24680/logs")
    );
    key(&mut app, KeyCode::PageUp);
    assert_eq!(
        selected_id(&app).as_deref(),
        Some("vpc-0a3c9e1b7d5f24680/ssm")
    );
    key(&mut app, KeyCode::Char('3'));
    key(&mut app, KeyCode::Char(' '));
    key(&mut app, KeyCode::Char(' '));
    let marks = app.table().map(|t| t.marks.len());
    assert_eq!(marks, Some(2));
    assert!(screen(&app, 120, 40).contains("2 marked"));
    key(&mut app, KeyCode::Char('k'));
    key(&mut app, KeyCode::Char(' '));
    assert_eq!(
        app.table().map(|t| t.marks.len()),
        Some(1),
        "space again unmarks"
    );
}

#[tokio::test]
async fn selection_follows_the_resource_when_rows_reorder() {
    let cloud = lab();
    let mut app = app_on(&cloud, 120, 40).await;
    key(&mut app, KeyCode::Char('j'));
    assert_eq!(selected_id(&app).as_deref(), Some("i-0a1b2c3d4e5f60002"));
    // The next DescribeInstances answer lists the instances the other way round.
    let mut data = fetch::instances(&cloud).await.expect("instances");
    data.instances.reverse();
    update(
        &mut app,
        Msg::Engine(EngineEvent::Fetched {
            at: cloud.now(),
            result: fetch::Fetched::Instances(Ok(data)),
        }),
    );
    let first = app
        .table()
        .and_then(|t| t.visible.first().map(|&i| t.rows[i].id.clone()));
    assert_eq!(
        first.as_deref(),
        Some("i-0a1b2c3d4e5f60002"),
        "rows did reorder"
    );
    assert_eq!(
        selected_id(&app).as_deref(),
        Some("i-0a1b2c3d4e5f60002"),
        "selection kept"
    );
}

#[tokio::test]
async fn a_failing_source_keeps_its_data_and_shows_the_error() {
    let cloud = lab();
    let mut app = app_on(&cloud, 120, 40).await;
    let err = ssmdeck::cloud::CloudError::AccessDenied {
        action: "ec2:DescribeInstances".into(),
    };
    update(
        &mut app,
        Msg::Engine(EngineEvent::Fetched {
            at: cloud.now(),
            result: fetch::Fetched::Instances(Err(err)),
        }),
    );
    assert_eq!(
        app.table().map(|t| t.rows.len()),
        Some(2),
        "last good data kept"
    );
    let text = screen(&app, 160, 40);
    assert!(
        text.contains("AccessDenied: ec2:DescribeInstances"),
        "{text}"
    );
    assert!(text.contains("stale"), "{text}");
}

#[tokio::test]
async fn enter_shows_findings_with_why_and_fix() {
    let mut app = app_on(&lab(), 160, 40).await;
    key(&mut app, KeyCode::Enter);
    let text = screen(&app, 160, 40);
    assert!(text.contains("rule 6"), "{text}");
    assert!(text.contains("no instance profile attached"), "{text}");
    assert!(text.contains("why:"), "{text}");
    key(&mut app, KeyCode::Esc);
    assert!(!app.detail);
}

#[tokio::test]
async fn tiny_terminals_get_a_notice() {
    let mut app = app_on(&lab(), 20, 5).await;
    update(
        &mut app,
        Msg::Resize {
            width: 20,
            height: 5,
        },
    );
    assert!(screen(&app, 20, 5).contains("too small"));
    let app = app_on(&lab(), 1, 1).await;
    let _ = screen(&app, 1, 1);
}

async fn lab_screen(pane: char) -> String {
    let mut app = app_on(&lab(), 120, 40).await;
    key(&mut app, KeyCode::Char(pane));
    screen(&app, 120, 40)
}

#[tokio::test]
async fn snapshot_endpoints_pane() {
    insta::assert_snapshot!("lab_endpoints", lab_screen('1').await);
}

#[tokio::test]
async fn snapshot_roles_pane() {
    insta::assert_snapshot!("lab_roles", lab_screen('2').await);
}

#[tokio::test]
async fn snapshot_instances_pane() {
    insta::assert_snapshot!("lab_instances", lab_screen('3').await);
}
