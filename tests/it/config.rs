//! The configuration file, key remapping, themes, mouse, completions and the manual page.

use std::path::Path;
use std::process::Command;

use crossterm::event::{KeyCode, MouseButton, MouseEventKind};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ssmdeck::cloud::sandbox::{Clock, SandboxCloud, Scenario};
use ssmdeck::config::{DEFAULT_FILE, parse};
use ssmdeck::tui::app::{Effect, Msg, Pane, update};
use ssmdeck::tui::bindings::Keymap;
use ssmdeck::tui::{render, theme};

use crate::fixtures::t0;
use crate::ui::{app_on, key};

#[test]
fn the_documented_default_parses_cleanly() {
    let loaded = parse(DEFAULT_FILE, Path::new("config.toml")).expect("default parses");
    assert!(loaded.warnings.is_empty(), "{:?}", loaded.warnings);
    assert_eq!(loaded.config.theme.as_deref(), Some("dark"));
    assert_eq!(
        loaded.config.role_name.as_deref(),
        Some("ManagedInstancesRole")
    );
}

#[test]
fn a_valid_file() {
    let text = "profile = \"ops\"\nregion = \"eu-west-1\"\nlanguage = \"ko\"\ntheme = \"light\"\n[refresh]\ndefault = 10\n[keys]\nquit = \"Q\"\n";
    let loaded = parse(text, Path::new("/home/u/.config/ssmdeck/config.toml")).expect("valid");
    assert!(loaded.warnings.is_empty());
    let c = loaded.config;
    assert_eq!(c.profile.as_deref(), Some("ops"));
    assert_eq!(c.region.as_deref(), Some("eu-west-1"));
    assert_eq!(c.language.as_deref(), Some("ko"));
    assert_eq!(c.refresh.default, Some(10));
    assert_eq!(c.keys.get("quit").map(String::as_str), Some("Q"));
}

#[test]
fn refresh_per_pane_and_lists_of_profiles_and_regions() {
    use ssmdeck::domain::snapshot::Source;
    use std::time::Duration;
    let text = "profiles = [\"dev\", \"prod\"]\nregions = [\"us-east-1\", \"eu-west-1\"]\n[refresh]\ndefault = 10\npatches = 600\nendpoints = 120\n";
    let loaded = parse(text, Path::new("c.toml")).expect("valid");
    assert!(loaded.warnings.is_empty(), "{:?}", loaded.warnings);
    let c = loaded.config;
    assert_eq!(c.profiles, ["dev", "prod"]);
    assert_eq!(c.regions, ["us-east-1", "eu-west-1"]);
    let every = c.refresh.intervals(5, false);
    assert_eq!(every.of(Source::Patches), Duration::from_secs(600));
    assert_eq!(every.of(Source::Network), Duration::from_secs(120));
    // Panes not named keep their multiple of `default`.
    assert_eq!(every.of(Source::Instances), Duration::from_secs(10));
    assert_eq!(every.of(Source::Inventory), Duration::from_secs(60));
    // --refresh on the command line overrides the whole section.
    let given = c.refresh.intervals(2, true);
    assert_eq!(given.of(Source::Patches), Duration::from_secs(6));
    assert_eq!(given.of(Source::Network), Duration::from_secs(2));

    let err = parse("[refresh]\nnodes = 0\n", Path::new("c.toml")).expect_err("0 s");
    assert!(err.to_string().contains("refresh.nodes"), "{err}");
    let err = parse("regions = [\"mars-1\"]\n", Path::new("c.toml")).expect_err("bad region");
    assert!(err.to_string().contains("mars-1"), "{err}");
    let loaded = parse("[refresh]\nnode = 30\n", Path::new("c.toml")).expect("parses");
    assert!(
        loaded.warnings.iter().any(|w| w.contains("refresh.node")),
        "{:?}",
        loaded.warnings
    );
}

#[test]
fn a_malformed_file_names_path_and_line() {
    let text = "profile = \"ops\"\nregion = \n";
    let err = parse(text, Path::new("/etc/ssmdeck.toml")).expect_err("malformed");
    let msg = err.to_string();
    assert!(msg.starts_with("/etc/ssmdeck.toml:2:"), "{msg}");
    let err = parse("theme = \"pink\"\n", Path::new("c.toml")).expect_err("bad theme");
    assert!(err.to_string().contains("theme"), "{err}");
    let err = parse("[keys]\nquit = \"ctrl-long\"\n", Path::new("c.toml")).expect_err("bad key");
    assert!(err.to_string().contains("keys.quit"), "{err}");
}

#[test]
fn an_unknown_key_is_a_warning() {
    let loaded = parse(
        "colour = \"red\"\n[keys]\nfly = \"f\"\n",
        Path::new("c.toml"),
    )
    .expect("parses");
    assert_eq!(loaded.warnings.len(), 2, "{:?}", loaded.warnings);
    assert!(loaded.warnings[0].contains("colour"));
    assert!(loaded.warnings[1].contains("fly"));
}

#[tokio::test]
async fn key_remapping_is_applied_in_update() {
    let cloud = SandboxCloud::new(Scenario::Lab, Clock::manual(t0()));
    let mut app = app_on(&cloud, 120, 40).await;
    let bindings = [
        ("quit".to_string(), "Q".to_string()),
        ("down".to_string(), "ctrl-n".to_string()),
    ]
    .into_iter()
    .collect();
    app.keymap = Keymap::new(&bindings).expect("no conflict");
    assert!(
        key(&mut app, KeyCode::Char('q')).is_empty(),
        "q no longer quits"
    );
    assert_eq!(key(&mut app, KeyCode::Char('Q')), vec![Effect::Quit]);
    let first = app.table().map(|t| t.selected);
    update(
        &mut app,
        Msg::Key(crossterm::event::KeyEvent::new(
            KeyCode::Char('n'),
            crossterm::event::KeyModifiers::CONTROL,
        )),
    );
    assert_eq!(
        app.table().map(|t| t.selected),
        first.map(|s| s + 1),
        "ctrl-n moves down"
    );
    assert_eq!(app.pane, Pane::Instances);
}

#[tokio::test]
async fn themes_differ_in_colour_not_in_text() {
    let cloud = SandboxCloud::new(Scenario::Lab, Clock::manual(t0()));
    let mut app = app_on(&cloud, 120, 40).await;
    let mut draw = |light: bool| {
        app.theme = if light {
            theme::Theme::Light
        } else {
            theme::Theme::Dark
        };
        let mut term = Terminal::new(TestBackend::new(120, 40)).expect("terminal");
        term.draw(|f| render::draw(f, &app)).expect("draw");
        term.backend().buffer().clone()
    };
    let dark = draw(false);
    let light = draw(true);
    let text =
        |b: &ratatui::buffer::Buffer| b.content().iter().map(|c| c.symbol()).collect::<String>();
    assert_eq!(
        text(&dark),
        text(&light),
        "the same words and symbols in both themes"
    );
    // The "not managed" verdict is red in both, a darker red in the light theme.
    let pos = |b: &ratatui::buffer::Buffer| {
        b.content()
            .iter()
            .position(|c| c.symbol() == "n" && c.fg != ratatui::style::Color::Reset)
    };
    let (d, l) = (pos(&dark), pos(&light));
    assert!(d.is_some() && l.is_some());
    assert_ne!(
        dark.content()[d.unwrap_or(0)].fg,
        light.content()[l.unwrap_or(0)].fg
    );
    insta::assert_snapshot!(
        "theme_light_text",
        text(&light)
            .chars()
            .collect::<Vec<_>>()
            .chunks(120)
            .map(|c| c.iter().collect::<String>())
            .collect::<Vec<_>>()
            .join("\n")
    );
}

#[tokio::test]
async fn mouse_wheel_and_click_select_rows() {
    let cloud = SandboxCloud::new(Scenario::Fleet(60), Clock::manual(t0()));
    let mut app = app_on(&cloud, 160, 45).await;
    key(&mut app, KeyCode::Char('3'));
    update(
        &mut app,
        Msg::Mouse {
            kind: MouseEventKind::ScrollDown,
            row: 10,
        },
    );
    assert_eq!(app.table().map(|t| t.selected), Some(3));
    // Click the 6th row: screen line = header, tabs, border, column titles, then rows.
    update(
        &mut app,
        Msg::Mouse {
            kind: MouseEventKind::Down(MouseButton::Left),
            row: 4 + 5,
        },
    );
    assert_eq!(app.table().map(|t| t.selected), Some(5));
}

fn ssmdeck(args: &[&str]) -> (Option<i32>, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_ssmdeck"))
        .args(args)
        .output()
        .expect("run");
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
    )
}

#[test]
fn completions_man_page_version_and_default_config() {
    let (code, bash) = ssmdeck(&["completions", "bash"]);
    assert_eq!(code, Some(0));
    assert!(bash.contains("_ssmdeck") && bash.contains("--sandbox"));
    let (_, zsh) = ssmdeck(&["completions", "zsh"]);
    assert!(
        zsh.starts_with("#compdef ssmdeck"),
        "{}",
        &zsh[..40.min(zsh.len())]
    );
    let (_, fish) = ssmdeck(&["completions", "fish"]);
    assert!(fish.contains("complete -c ssmdeck"));
    let (code, man) = ssmdeck(&["man"]);
    assert_eq!(code, Some(0));
    assert!(man.contains(".TH ssmdeck"), "{}", &man[..80.min(man.len())]);
    let (_, version) = ssmdeck(&["--version"]);
    assert!(
        version.starts_with("ssmdeck 0.1.0 (") && version.trim_end().ends_with(')'),
        "{version}"
    );
    let (code, default) = ssmdeck(&["config", "--default"]);
    assert_eq!(code, Some(0));
    assert_eq!(default, DEFAULT_FILE);
}

#[test]
fn a_malformed_config_file_stops_the_program_with_path_and_line() {
    let dir = tempfile::tempdir().expect("dir");
    let path = dir.path().join("config.toml");
    std::fs::write(&path, "theme = \"dark\"\n[keys\n").expect("write");
    let out = Command::new(env!("CARGO_BIN_EXE_ssmdeck"))
        .args(["--sandbox", "--config"])
        .arg(&path)
        .args(["check"])
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains(&format!("{}:2:", path.display())), "{err}");
    assert_eq!(err.trim().lines().count(), 1, "{err}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_pane_refreshes_at_its_own_interval() {
    use ssmdeck::domain::snapshot::Source;
    use ssmdeck::engine::{Engine, EngineEvent, Intervals};
    use std::time::Duration;
    let cloud = SandboxCloud::new(Scenario::Lab, Clock::manual(t0()));
    // `[refresh] default = 3600, nodes = …` with a nodes interval short enough to watch.
    let mut every = Intervals::from_base(Duration::from_secs(3600));
    every.set(Source::Nodes, Duration::from_millis(150));
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    let _engine = Engine::start_with(cloud, &every, &Source::CORE, tx);
    let mut started: std::collections::BTreeMap<Source, usize> = Default::default();
    let until = tokio::time::Instant::now() + Duration::from_millis(1200);
    while let Ok(Some(event)) = tokio::time::timeout_at(until, rx.recv()).await {
        if let EngineEvent::Started(source) = event {
            *started.entry(source).or_default() += 1;
        }
    }
    assert!(
        started.get(&Source::Nodes).copied().unwrap_or(0) >= 3,
        "{started:?}"
    );
    for source in [Source::Network, Source::Instances, Source::Iam] {
        assert_eq!(
            started.get(&source),
            Some(&1),
            "{source:?} once: {started:?}"
        );
    }
    assert_eq!(
        started.get(&Source::Patches),
        None,
        "only the sources asked for"
    );
}

#[test]
fn a_config_error_is_said_in_the_users_language() {
    let dir = tempfile::tempdir().expect("dir");
    let path = dir.path().join("config.toml");
    std::fs::write(&path, "theme = \"pink\"\n").expect("write");
    for (lang, says) in [("en", "theme must be"), ("ko", "theme은 \"dark\" 또는")] {
        let out = Command::new(env!("CARGO_BIN_EXE_ssmdeck"))
            .args(["--sandbox", "--lang", lang, "--config"])
            .arg(&path)
            .arg("check")
            .output()
            .expect("run");
        assert_eq!(out.status.code(), Some(2));
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains(says) && err.contains("pink"), "{err}");
        assert_eq!(err.trim().lines().count(), 1, "{err}");
    }
}
