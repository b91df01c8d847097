//! Operator habits: clipboard (OSC 52) and the Session Manager shell.

use crossterm::event::KeyCode;
use ssmdeck::cloud::sandbox::{Clock, SandboxCloud, Scenario};
use ssmdeck::tui::app::{Effect, Pane};
use ssmdeck::tui::clipboard::osc52;
use ssmdeck::tui::session::{SessionTarget, session_command};

use crate::fixtures::t0;
use crate::ui::{app_on, key};

#[test]
fn osc52_bytes() {
    // "i-1" in base64 is "aS0x".
    assert_eq!(osc52("i-1", false), "\x1b]52;c;aS0x\x07");
    // Inside tmux the sequence is wrapped in a passthrough, its escapes doubled.
    assert_eq!(osc52("i-1", true), "\x1bPtmux;\x1b\x1b]52;c;aS0x\x07\x1b\\");
}

#[test]
fn session_command_line() {
    let target = SessionTarget {
        instance_id: "i-0a1b2c3d4e5f60001".into(),
        profile: Some("ops".into()),
        region: Some("ap-northeast-2".into()),
    };
    assert_eq!(
        session_command(&target),
        [
            "aws",
            "ssm",
            "start-session",
            "--target",
            "i-0a1b2c3d4e5f60001",
            "--region",
            "ap-northeast-2",
            "--profile",
            "ops"
        ]
    );
    let bare = SessionTarget {
        profile: None,
        region: None,
        ..target
    };
    assert_eq!(
        session_command(&bare),
        [
            "aws",
            "ssm",
            "start-session",
            "--target",
            "i-0a1b2c3d4e5f60001"
        ]
    );
}

#[tokio::test]
async fn y_copies_the_id_and_s_opens_a_session_only_on_managed_nodes() {
    let cloud = SandboxCloud::new(Scenario::Fleet(60), Clock::manual(t0()));
    let mut app = app_on(&cloud, 160, 45).await;
    key(&mut app, KeyCode::Char('3'));
    let selected = app
        .table()
        .and_then(|t| t.selected_row())
        .map(|r| r.id.clone())
        .expect("row");
    assert_eq!(
        key(&mut app, KeyCode::Char('y')),
        vec![Effect::Copy(selected)]
    );
    key(&mut app, KeyCode::Char('2'));
    key(&mut app, KeyCode::Char('j')); // past the "ManagedInstancesRole: missing" row
    let effects = key(&mut app, KeyCode::Char('y'));
    assert!(
        matches!(&effects[..], [Effect::Copy(arn)] if arn.starts_with("arn:aws:iam::")),
        "{effects:?}"
    );

    // On Inventory every row is a managed node: S asks for a session.
    key(&mut app, KeyCode::Char('4'));
    assert_eq!(app.pane, Pane::Inventory);
    let node = app
        .table()
        .and_then(|t| t.selected_row())
        .map(|r| r.id.clone())
        .expect("node");
    let online = app
        .snapshot
        .nodes
        .nodes
        .iter()
        .any(|n| n.instance_id == node && n.ping == ssmdeck::domain::model::PingStatus::Online);
    let effects = key(&mut app, KeyCode::Char('S'));
    if online {
        assert_eq!(effects, vec![Effect::Session(node)]);
    } else {
        assert!(effects.is_empty());
    }
    // An unmanaged instance: no session, a message instead.
    key(&mut app, KeyCode::Char('3'));
    let unmanaged = app
        .readiness
        .instances
        .iter()
        .find(|r| r.verdict == ssmdeck::domain::readiness::Verdict::NotManaged)
        .map(|r| r.instance_id.clone())
        .expect("an unmanaged instance");
    key(&mut app, KeyCode::Char('g'));
    for _ in 0..100 {
        if app
            .table()
            .and_then(|t| t.selected_row())
            .map(|r| r.id.clone())
            == Some(unmanaged.clone())
        {
            break;
        }
        key(&mut app, KeyCode::Char('j'));
    }
    assert!(key(&mut app, KeyCode::Char('S')).is_empty());
    assert!(
        app.status
            .as_ref()
            .is_some_and(|(_, s)| s.contains("no session possible"))
    );
}

#[tokio::test]
async fn region_switching() {
    let cloud = SandboxCloud::new(Scenario::Lab, Clock::manual(t0()));
    let mut app = app_on(&cloud, 120, 40).await;
    let command = |app: &mut ssmdeck::tui::app::App, text: &str| {
        key(app, KeyCode::Char(':'));
        crate::ui::chars(app, text);
        key(app, KeyCode::Enter)
    };
    assert!(
        command(&mut app, "region eu-west-1").is_empty(),
        "the sandbox has one region"
    );
    assert!(
        app.status
            .as_ref()
            .is_some_and(|(_, s)| s.contains("cannot switch regions while running"))
    );
    // Against an account, a region name restarts the console there.
    std::sync::Arc::make_mut(&mut app.snapshot).identity.label = "profile ops".into();
    assert_eq!(
        command(&mut app, "region eu-west-1"),
        vec![Effect::SwitchRegion("eu-west-1".into())]
    );
    // `all`: every enabled region, merged.
    assert_eq!(
        command(&mut app, "region all"),
        vec![Effect::SwitchRegion("all".into())]
    );
    assert!(command(&mut app, "region mars").is_empty());
    assert!(
        app.status
            .as_ref()
            .is_some_and(|(_, s)| s.contains("not a region name"))
    );
}

#[tokio::test]
async fn readline_keys_edit_the_filter_and_command_lines() {
    use crossterm::event::{KeyEvent, KeyModifiers};
    use ssmdeck::tui::app::{Mode, Msg, update};
    let ctrl = |c: char| Msg::Key(KeyEvent::new(KeyCode::Char(c), KeyModifiers::CONTROL));
    let cloud = SandboxCloud::new(Scenario::Fleet(60), Clock::manual(t0()));
    let mut app = app_on(&cloud, 160, 45).await;
    key(&mut app, KeyCode::Char('3'));
    let all = app.table().map(|t| t.visible.len()).unwrap_or(0);
    key(&mut app, KeyCode::Char('/'));
    crate::ui::chars(&mut app, "win app-0001");
    update(&mut app, ctrl('w'));
    assert_eq!(app.mode, Mode::Filter("win ".into()));
    update(&mut app, ctrl('h'));
    assert_eq!(app.mode, Mode::Filter("win".into()));
    let wins = app.table().map(|t| t.visible.len()).unwrap_or(0);
    assert!(wins > 0 && wins < all, "{wins} of {all}");
    update(&mut app, ctrl('u'));
    assert_eq!(app.mode, Mode::Filter(String::new()));
    assert_eq!(
        app.table().map(|t| t.visible.len()),
        Some(all),
        "the filter is cleared"
    );
    key(&mut app, KeyCode::Esc);
    key(&mut app, KeyCode::Char(':'));
    crate::ui::chars(&mut app, "group Env=prod");
    update(&mut app, ctrl('u'));
    assert_eq!(app.mode, Mode::Command(String::new()));
}
