//! The Run Command dialog names its targets (the first few, then +N) and does not open
//! when none of them is online; after a send, the Commands pane selects the new command.

use crossterm::event::KeyCode;
use ssmdeck::domain::model::PingStatus;
use ssmdeck::i18n::Lang;
use ssmdeck::tui::app::{App, Mode, Pane};

use crate::fleet::{fleet, healthy_linux, press, select};
use crate::ui::{app_on, chars, key, run_effects, screen};

const W: u16 = 160;
const H: u16 = 45;

fn name_of(app: &App, id: &str) -> String {
    app.snapshot
        .instances
        .instances
        .iter()
        .find(|i| i.id == id)
        .and_then(|i| i.name.clone())
        .expect("a Name tag")
}

fn commands_selected(app: &App) -> Option<String> {
    app.pane_table(Pane::Commands)
        .and_then(|t| t.selected_row())
        .map(|r| r.id.clone())
}

#[tokio::test]
async fn the_dialog_names_three_targets_then_plus_n() {
    let cloud = fleet();
    let mut app = app_on(&cloud, W, H).await;
    let nodes = healthy_linux(&cloud, 5).await;
    assert_eq!(nodes.len(), 5);
    for id in &nodes {
        select(&mut app, id);
        press(&mut app, &cloud, KeyCode::Char(' ')).await;
    }
    press(&mut app, &cloud, KeyCode::Char('x')).await;
    chars(&mut app, "uptime");
    press(&mut app, &cloud, KeyCode::Enter).await;
    let Mode::Propose(p) = &app.mode else {
        panic!("a confirmation: {:?}", app.mode)
    };
    assert_eq!(p.target_count(), 5);
    let first: Vec<String> = p.linux[..3]
        .iter()
        .map(|id| format!("{} ({id})", name_of(&app, id)))
        .collect();
    let text = screen(&app, W, H);
    let line = format!("On: {} +2", first.join(", "));
    assert!(text.contains(&line), "{line}\n{text}");
    let ko = p.describe(ssmdeck::tui::app::Ui {
        lang: Lang::Ko,
        theme: app.theme,
        keymap: &app.keymap,
    });
    let line = format!("실행 대상: {} 외 2대", first.join(", "));
    assert!(ko.contains(&line), "{ko:?}");
    // One or two targets: all named, no +N.
    key(&mut app, KeyCode::Esc);
    app.set_lang(Lang::En);
    for id in &nodes[1..] {
        select(&mut app, id);
        press(&mut app, &cloud, KeyCode::Char(' ')).await; // unmark
    }
    press(&mut app, &cloud, KeyCode::Char('x')).await;
    chars(&mut app, "uptime");
    press(&mut app, &cloud, KeyCode::Enter).await;
    let text = screen(&app, W, H);
    let one = format!("On: {} ({})", name_of(&app, &nodes[0]), nodes[0]);
    assert!(text.contains(&one) && !text.contains(" +"), "{text}");
}

#[tokio::test]
async fn with_no_online_target_the_dialog_refuses_instead_of_asking() {
    let cloud = fleet();
    let mut app = app_on(&cloud, W, H).await;
    let nodes: Vec<(String, PingStatus)> = app
        .snapshot
        .nodes
        .nodes
        .iter()
        .map(|n| (n.instance_id.clone(), n.ping))
        .collect();
    let lost = nodes
        .iter()
        .find(|(_, p)| *p == PingStatus::ConnectionLost)
        .map(|(id, _)| id.clone())
        .expect("a node whose connection is lost");
    select(&mut app, &lost);
    app.set_lang(Lang::Ko);
    press(&mut app, &cloud, KeyCode::Char('x')).await;
    chars(&mut app, "uptime");
    press(&mut app, &cloud, KeyCode::Enter).await;
    assert_eq!(app.mode, Mode::Normal);
    assert!(screen(&app, W, H).contains("보낼 대상 없음"));
    app.set_lang(Lang::En);
    press(&mut app, &cloud, KeyCode::Char('x')).await;
    chars(&mut app, "uptime");
    let effects = key(&mut app, KeyCode::Enter);
    assert!(effects.is_empty(), "{effects:?}");
    assert_eq!(app.mode, Mode::Normal);
    let text = screen(&app, W, H);
    assert!(
        text.contains(&format!(
            "nothing to send: none of the 1 chosen node(s) is online in Systems Manager ({lost})"
        )),
        "{text}"
    );
    assert!(!text.contains("Apply?"), "{text}");
}

#[tokio::test]
async fn after_a_send_the_commands_pane_selects_the_new_command() {
    let cloud = fleet();
    let mut app = app_on(&cloud, W, H).await;
    let nodes = healthy_linux(&cloud, 1).await;
    let send = |app: &mut App| {
        key(app, KeyCode::Char('x'));
        chars(app, "uptime");
        key(app, KeyCode::Enter);
        key(app, KeyCode::Char('y'))
    };
    select(&mut app, &nodes[0]);
    let effects = send(&mut app);
    run_effects(&mut app, &cloud, None, effects).await;
    let first = app.sent_ids[0].clone();
    assert_eq!(commands_selected(&app), Some(first.clone()));

    // The next send moves the selection from the first command to its own, with the rows
    // rebuilt later (as the event loop does, off the UI thread).
    app.defer_builds = true;
    let effects = send(&mut app);
    run_effects(&mut app, &cloud, None, effects).await;
    app.build_now();
    let second = app.sent_ids[0].clone();
    assert_ne!(second, first);
    press(&mut app, &cloud, KeyCode::Char('6')).await;
    assert_eq!(
        app.table()
            .and_then(|t| t.selected_row())
            .map(|r| r.id.clone()),
        Some(second.clone())
    );
    assert!(screen(&app, W, H).contains(&second));
}
