//! Rules the code base keeps: small files, every key action named and described in both
//! languages, Korean help and footer lines that fit.

use std::path::Path;

use ssmdeck::cloud::sandbox::{Clock, SandboxCloud, Scenario};
use ssmdeck::i18n::Lang;
use ssmdeck::tui::app::Pane;
use ssmdeck::tui::bindings::Action;
use ssmdeck::tui::chrome::{footer_items, help_sections};
use unicode_width::UnicodeWidthStr;

use crate::fixtures::t0;
use crate::ui::{app_on, screen};

fn rust_files(dir: &Path, out: &mut Vec<std::path::PathBuf>) {
    for entry in std::fs::read_dir(dir).expect("read src") {
        let path = entry.expect("entry").path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

#[test]
fn no_source_file_passes_600_lines() {
    let mut files = Vec::new();
    rust_files(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("src"),
        &mut files,
    );
    assert!(files.len() > 50, "found the sources");
    let long: Vec<String> = files
        .iter()
        .filter_map(|p| {
            let lines = std::fs::read_to_string(p).expect("read").lines().count();
            (lines > 600).then(|| format!("{} ({lines} lines)", p.display()))
        })
        .collect();
    assert!(long.is_empty(), "over 600 lines: {long:?}");
}

fn catalog(lang: &str) -> serde_json::Map<String, serde_json::Value> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join(format!("locales/{lang}.json"));
    let text = std::fs::read_to_string(path).expect("catalog");
    match serde_json::from_str(&text).expect("json") {
        serde_json::Value::Object(m) => m,
        _ => panic!("catalog is an object"),
    }
}

#[test]
fn every_key_action_has_a_label_and_a_help_line_in_both_languages() {
    let (en, ko) = (catalog("en"), catalog("ko"));
    let mut missing = Vec::new();
    for name in Action::names() {
        let action = Action::by_name(name).expect("named action");
        for key in [action.label_key(), format!("help.{name}")] {
            for (lang, cat) in [("en", &en), ("ko", &ko)] {
                let text = cat.get(&key).and_then(|v| v.as_str()).unwrap_or("");
                if text.trim().is_empty() {
                    missing.push(format!("{lang}: {key}"));
                }
            }
        }
    }
    assert!(missing.is_empty(), "missing: {missing:?}");
}

#[tokio::test]
async fn korean_help_and_footer_lines_fit_100_columns() {
    let cloud = SandboxCloud::new(Scenario::Fleet(12), Clock::manual(t0()));
    let mut app = app_on(&cloud, 100, 40).await;
    app.set_lang(Lang::Ko);
    // The help box is 96 wide at 100 columns: 94 inside.
    let inner = 94;
    let mut wide = Vec::new();
    for pane in Pane::EVERY {
        app.pane = *pane;
        let sections = help_sections(&app);
        let last = sections.len() - 1;
        let key_w = sections[..last]
            .iter()
            .flat_map(|(_, l)| l.iter().map(|(k, _)| k.width()))
            .max()
            .unwrap_or(0)
            .min(18);
        for (i, (title, lines)) in sections.iter().enumerate() {
            assert!(title.width() <= inner, "{title}");
            for (keys, text) in lines {
                let width = if i == last {
                    6 + text.width()
                } else {
                    2 + key_w.max(keys.width()) + 2 + text.width()
                };
                if width > inner {
                    wide.push(format!("{width}: {text}"));
                }
            }
        }
        let items = footer_items(&app, 100);
        let used: usize = items.iter().map(|(k, l)| k.width() + l.width() + 3).sum();
        assert!(used <= 100, "{pane:?}: footer {items:?}");
        let labels: Vec<&str> = items.iter().map(|(_, l)| l.as_str()).collect();
        for must in [Action::Help, Action::Quit] {
            let label = ssmdeck::i18n::t(Lang::Ko, &must.label_key());
            assert!(labels.contains(&label.as_str()), "{pane:?}: {labels:?}");
        }
        let text = screen(&app, 100, 40);
        assert!(text.contains(&labels[0].to_string()), "{text}");
    }
    wide.sort();
    wide.dedup();
    assert!(
        wide.is_empty(),
        "help lines wider than the box:\n{}",
        wide.join("\n")
    );
}
