//! A config that remaps keys: the footer, the help, the hints in texts and the behaviour
//! all follow; a remap that gives one key two actions is refused naming both.

use std::collections::BTreeMap;
use std::process::Command;

use crossterm::event::KeyCode;
use ssmdeck::cloud::sandbox::{Clock, SandboxCloud, Scenario};
use ssmdeck::i18n::{Lang, t};
use ssmdeck::tui::app::{App, Effect, Mode, Pane};
use ssmdeck::tui::bindings::{Action, Keymap};
use ssmdeck::tui::chrome::{footer_items, help_sections};

use crate::fixtures::t0;
use crate::ui::{app_on, key, run_effects, screen};

fn remaps(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
    pairs
        .iter()
        .map(|(a, k)| (a.to_string(), k.to_string()))
        .collect()
}

fn footer_has(app: &App, key: &str, action: Action) -> bool {
    let label = t(app.lang, &action.label_key());
    footer_items(app, 200)
        .iter()
        .any(|(k, l)| k == key && *l == label)
}

fn help_has(app: &App, key: &str, action: Action) -> bool {
    let text = t(app.lang, &format!("help.{}", action.name()));
    help_sections(app)
        .iter()
        .flat_map(|(_, lines)| lines.iter())
        .any(|(k, d)| *d == text && k.split(' ').any(|k| k == key))
}

#[tokio::test]
async fn quit_details_and_create_endpoints_remapped_show_and_work_everywhere() {
    let cloud = SandboxCloud::new(Scenario::Lab, Clock::manual(t0()));
    let mut app = app_on(&cloud, 200, 50).await;
    app.keymap = Keymap::new(&remaps(&[
        ("quit", "Q"),
        ("details", "o"),
        ("create_endpoints", "e"),
    ]))
    .expect("no conflict");

    // Footer: the new keys, never the old ones.
    key(&mut app, KeyCode::Char('1'));
    assert_eq!(app.pane, Pane::Endpoints);
    assert!(footer_has(&app, "e", Action::CreateEndpoints));
    assert!(!footer_has(&app, "c", Action::CreateEndpoints));
    assert!(footer_has(&app, "Q", Action::Quit));
    assert!(!footer_has(&app, "q", Action::Quit));
    assert!(footer_has(&app, "o", Action::Details));
    let text = screen(&app, 200, 50);
    assert!(text.contains(" e create endpoints "), "{text}");
    assert!(!text.contains(" c create endpoints "), "{text}");

    // Help: generated from the same keymap.
    key(&mut app, KeyCode::Char('?'));
    assert_eq!(app.mode, Mode::Help);
    assert!(help_has(&app, "Q", Action::Quit));
    assert!(help_has(&app, "o", Action::Details));
    assert!(help_has(&app, "e", Action::CreateEndpoints));
    assert!(!help_has(&app, "c", Action::CreateEndpoints));
    assert!(!help_has(&app, "q", Action::Quit));
    key(&mut app, KeyCode::Esc);
    assert_eq!(app.mode, Mode::Normal);

    // A finding's fix names the new key (the lab's instances need the endpoints).
    key(&mut app, KeyCode::Char('3'));
    key(&mut app, KeyCode::Char('o'));
    assert!(app.detail, "o opens the details");
    let text = screen(&app, 200, 50);
    assert!(text.contains("e on Endpoints"), "{text}");
    assert!(!text.contains("c on Endpoints"), "{text}");
    key(&mut app, KeyCode::Esc);

    // Behaviour: the old keys do nothing, the new ones act.
    key(&mut app, KeyCode::Enter);
    assert!(!app.detail, "Enter no longer opens the details");
    assert!(
        key(&mut app, KeyCode::Char('q')).is_empty(),
        "q no longer quits"
    );
    key(&mut app, KeyCode::Char('1'));
    let effects = key(&mut app, KeyCode::Char('c'));
    run_effects(&mut app, &cloud, None, effects).await;
    assert_eq!(app.mode, Mode::Normal, "c no longer creates endpoints");
    let effects = key(&mut app, KeyCode::Char('e'));
    run_effects(&mut app, &cloud, None, effects).await;
    assert!(matches!(app.mode, Mode::Confirm(_)), "e opens the plan");
    key(&mut app, KeyCode::Esc);
    assert_eq!(key(&mut app, KeyCode::Char('Q')), vec![Effect::Quit]);
}

#[test]
fn a_remap_that_gives_a_key_two_actions_is_refused_naming_both() {
    // L already picks the Lab's VPC on the Endpoints pane.
    let e = Keymap::new(&remaps(&[("create_endpoints", "L")])).expect_err("conflict");
    assert_eq!(e.key, "L");
    let names = [e.first, e.second];
    assert!(
        names.contains(&"lab_vpc") && names.contains(&"create_endpoints"),
        "{e:?}"
    );
    // A global key taken by a pane key would hide it there.
    let e = Keymap::new(&remaps(&[("quit", "a")])).expect_err("conflict");
    let text = e.text(Lang::En);
    assert!(
        text.contains("quit") && text.contains("attach") && text.contains('a'),
        "{text}"
    );
    // The binary refuses to start, with one line naming both, in the user's language.
    let dir = tempfile::tempdir().expect("dir");
    let path = dir.path().join("config.toml");
    std::fs::write(&path, "[keys]\ncreate_endpoints = \"L\"\n").expect("write");
    for (lang, word) in [("en", "would be both"), ("ko", "키가")] {
        let out = Command::new(env!("CARGO_BIN_EXE_ssmdeck"))
            .args(["--sandbox", "--lang", lang, "--config"])
            .arg(&path)
            .arg("check")
            .output()
            .expect("run");
        assert_eq!(out.status.code(), Some(2));
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(
            err.contains(word) && err.contains("lab_vpc") && err.contains("create_endpoints"),
            "{err}"
        );
        assert_eq!(err.trim().lines().count(), 1, "{err}");
    }
}
