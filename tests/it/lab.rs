//! The Lab pane: the workshop walked with Enter and y, in English and Korean.

use std::collections::BTreeSet;

use crossterm::event::KeyCode;
use jiff::SignedDuration;
use ssmdeck::cloud::sandbox::{Clock, SandboxCloud, Scenario};
use ssmdeck::domain::readiness::Verdict;
use ssmdeck::i18n::Lang;
use ssmdeck::tui::app::{App, Mode, Msg, Pane, update};
use ssmdeck::tui::lab::StepState;

use crate::fixtures::t0;
use crate::ui::{app_on, feed, key, run_effects, screen};

const W: u16 = 160;
const H: u16 = 45;

async fn lab_app(lang: Lang) -> (SandboxCloud, App) {
    let cloud = SandboxCloud::new(Scenario::Lab, Clock::manual(t0()));
    let mut app = app_on(&cloud, W, H).await;
    app.set_lang(lang);
    update(&mut app, Msg::Tick(t0()));
    key(&mut app, KeyCode::Char('8'));
    feed(&mut app, &cloud).await;
    (cloud, app)
}

async fn press(app: &mut App, cloud: &SandboxCloud, code: KeyCode) {
    let effects = key(app, code);
    run_effects(app, cloud, None, effects).await;
}

fn states(app: &App) -> Vec<StepState> {
    app.lab()
        .expect("the lab is built")
        .steps
        .iter()
        .map(|s| s.state.clone())
        .collect()
}

/// Enter, then y when a dialog opened; returns whether a confirmation was given.
async fn step(app: &mut App, cloud: &SandboxCloud) -> bool {
    press(app, cloud, KeyCode::Enter).await;
    if matches!(app.mode, Mode::Confirm(_) | Mode::Propose(_)) {
        press(app, cloud, KeyCode::Char('y')).await;
        return true;
    }
    false
}

async fn wait(app: &mut App, cloud: &SandboxCloud, secs: i64) {
    cloud.clock().advance(SignedDuration::from_secs(secs));
    feed(app, cloud).await;
    update(app, Msg::Tick(cloud.clock().now()));
}

/// Walks the lab, snapshotting the pane at each step in `lang`; returns the confirmations used.
async fn walk(lang: Lang, tag: &str) -> (usize, App) {
    let (cloud, mut app) = lab_app(lang).await;
    assert_eq!(app.pane, Pane::Lab);
    let mut confirmations = 0;
    insta::assert_snapshot!(format!("lab_{tag}_0_start"), screen(&app, W, H));
    for (n, label) in [(1, "endpoints"), (2, "role"), (3, "attach")] {
        if step(&mut app, &cloud).await {
            confirmations += 1;
        }
        feed(&mut app, &cloud).await;
        insta::assert_snapshot!(format!("lab_{tag}_{n}_{label}"), screen(&app, W, H));
    }
    // The agents register after the rules hold.
    wait(&mut app, &cloud, 20).await;
    assert_eq!(
        app.lab().expect("the lab is built").steps[4].state,
        StepState::Done,
        "{:?}",
        states(&app)
    );
    insta::assert_snapshot!(format!("lab_{tag}_4_managed"), screen(&app, W, H));
    // First operations: a Run Command, then a patch scan; then the inventory association.
    for _ in 0..3 {
        if step(&mut app, &cloud).await {
            confirmations += 1;
        }
        wait(&mut app, &cloud, 5).await;
    }
    insta::assert_snapshot!(format!("lab_{tag}_5_complete"), screen(&app, W, H));
    (confirmations, app)
}

#[tokio::test]
async fn the_lab_walked_in_english_in_six_confirmations() {
    let (confirmations, mut app) = walk(Lang::En, "en").await;
    assert!(confirmations <= 6, "{confirmations} confirmations");
    assert!(
        app.lab().expect("the lab is built").complete(),
        "{:?}",
        states(&app)
    );
    assert!(
        app.readiness
            .instances
            .iter()
            .all(|i| i.verdict == Verdict::Managed)
    );
    assert_eq!(app.readiness.summary.online, 2);
    key(&mut app, KeyCode::Enter);
    assert!(
        app.status
            .as_ref()
            .is_some_and(|(_, s)| s.contains("lab is complete"))
    );
}

#[tokio::test]
async fn the_lab_walked_in_korean() {
    let (confirmations, app) = walk(Lang::Ko, "ko").await;
    assert!(confirmations <= 6);
    assert!(app.lab().expect("the lab is built").complete());
    let text = screen(&app, W, H);
    assert!(text.contains("완료") && text.contains("실습"), "{text}");
}

#[tokio::test]
async fn without_the_lab_names_the_user_picks_the_vpc() {
    let cloud = SandboxCloud::new(Scenario::Lab, Clock::manual(t0()));
    cloud
        .edit(|w| w.vpcs[0].name = Some("my-own-vpc".into()))
        .expect("rename");
    let mut app = app_on(&cloud, W, H).await;
    key(&mut app, KeyCode::Char('8'));
    assert!(
        matches!(&app.lab().expect("the lab is built").steps[0].state, StepState::Blocked(r) if r.contains("L on Endpoints picks one"))
    );
    // The step's text fits 80 columns with the rest of its row.
    let text = crate::ui::screen(&app, 80, 24);
    assert!(
        text.contains("no lab VPC found: L on Endpoints picks one"),
        "{text}"
    );
    key(&mut app, KeyCode::Char('1'));
    key(&mut app, KeyCode::Char('L'));
    key(&mut app, KeyCode::Char('8'));
    assert_eq!(
        app.lab().expect("the lab is built").steps[0].state,
        StepState::Done
    );
    assert_eq!(
        app.lab().expect("the lab is built").vpc_id.as_deref(),
        Some("vpc-0a3c9e1b7d5f24680")
    );
}

#[tokio::test]
async fn lang_switches_the_whole_ui() {
    let (_, mut app) = lab_app(Lang::Ko).await;
    key(&mut app, KeyCode::Char('3'));
    let ko = screen(&app, W, H);
    assert!(
        ko.contains("인스턴스")
            && ko.contains("미관리: 인스턴스 프로파일 없음, SSM 엔드포인트 없음"),
        "{ko}"
    );
    key(&mut app, KeyCode::Char('?'));
    assert!(screen(&app, W, H).contains("도움말"));
    let (_, mut app) = lab_app(Lang::En).await;
    key(&mut app, KeyCode::Char('3'));
    assert!(screen(&app, W, H).contains("not managed: no instance profile, no SSM endpoints"));
    for lang in ["ko_KR.UTF-8", "en_US.UTF-8"] {
        let want = if lang.starts_with("ko") {
            Lang::Ko
        } else {
            Lang::En
        };
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_ssmdeck"))
            .args(["--sandbox", "check"])
            .env("LANG", lang)
            .env_remove("LC_ALL")
            .env_remove("LC_MESSAGES")
            .output()
            .expect("run");
        let _ = want;
        assert_eq!(out.status.code(), Some(1));
    }
}

/// Display columns where `needle` starts in `line` (wide characters count 2).
fn display_col(line: &str, needle: &str) -> Option<usize> {
    use unicode_width::UnicodeWidthStr;
    line.find(needle).map(|i| line[..i].width())
}

#[tokio::test]
async fn a_korean_label_truncated_in_a_narrow_column_keeps_alignment() {
    let cloud = SandboxCloud::new(Scenario::Lab, Clock::manual(t0()));
    cloud
        .edit(|w| {
            w.instances[0].instance.name = Some("웹서버-한글-이름이-아주-긴-인스턴스-입니다".into())
        })
        .expect("rename");
    let mut app = app_on(&cloud, 100, 20).await;
    key(&mut app, KeyCode::Char('3'));
    let text = screen(&app, 100, 20);
    let rows: Vec<&str> = text
        .lines()
        .filter(|l| l.contains("i-0a1b2c3d4e5f6000"))
        .collect();
    assert_eq!(rows.len(), 2, "{text}");
    assert!(
        rows[0].contains("웹서버"),
        "the Korean name is shown (truncated): {text}"
    );
    assert!(!rows[0].contains("입니다"), "and truncated: {text}");
    let a = display_col(rows[0], "running");
    let b = display_col(rows[1], "running");
    assert!(
        a.is_some() && a == b,
        "the next column starts at the same display column: {a:?} {b:?}\n{text}"
    );
}

fn catalog(path: &str) -> BTreeSet<String> {
    let text = std::fs::read_to_string(path).expect("catalog");
    let v: serde_json::Value = serde_json::from_str(&text).expect("JSON");
    v.as_object()
        .map(|o| o.keys().filter(|k| !k.starts_with('_')).cloned().collect())
        .unwrap_or_default()
}

#[test]
fn every_message_key_exists_in_both_catalogs() {
    let root = env!("CARGO_MANIFEST_DIR");
    let en = catalog(&format!("{root}/locales/en.json"));
    let ko = catalog(&format!("{root}/locales/ko.json"));
    let only_en: Vec<&String> = en.difference(&ko).collect();
    let only_ko: Vec<&String> = ko.difference(&en).collect();
    assert!(
        only_en.is_empty() && only_ko.is_empty(),
        "en only: {only_en:?}\nko only: {only_ko:?}"
    );

    // Every key literal in the sources is in the catalogs (keys built with a prefix count when
    // some key starts with that prefix).
    let re = regex::Regex::new(
        r#""((?:ui|cell|status|footer|pane|help|lab|finding|fix|verdict|word|proposal|plan|policy|cli|check|key|error)\.[a-z0-9_.]+)""#,
    )
    .expect("regex");
    let mut missing = Vec::new();
    let mut dirs = vec![std::path::PathBuf::from(format!("{root}/src"))];
    while let Some(dir) = dirs.pop() {
        let Ok(entries) = std::fs::read_dir(&dir) else {
            continue;
        };
        for e in entries.flatten() {
            let path = e.path();
            if path.is_dir() {
                dirs.push(path);
            } else if path.extension().is_some_and(|x| x == "rs") {
                let text = std::fs::read_to_string(&path).unwrap_or_default();
                for c in re.captures_iter(&text) {
                    let key = &c[1];
                    let known =
                        en.contains(key) || en.iter().any(|k| k.starts_with(&format!("{key}.")));
                    if !known {
                        missing.push(format!("{}: {key}", path.display()));
                    }
                }
            }
        }
    }
    assert!(
        missing.is_empty(),
        "keys missing from the catalogs:\n{}",
        missing.join("\n")
    );
}

#[tokio::test]
async fn the_plan_dialog_speaks_korean() {
    let (cloud, mut app) = lab_app(Lang::Ko).await;
    press(&mut app, &cloud, KeyCode::Char('1')).await;
    press(&mut app, &cloud, KeyCode::Char('c')).await;
    assert!(matches!(app.mode, Mode::Confirm(_)));
    let text = screen(&app, 160, 45);
    assert!(
        text.contains("vpc-0a3c9e1b7d5f24680에 Systems Manager 엔드포인트 만들기"),
        "{text}"
    );
    assert!(text.contains("드라이런: 허용됨"), "{text}");
    assert!(text.contains("확인 안 함: 앞 단계에 달려 있음"), "{text}");
    assert!(!text.contains("dry run: allowed"), "{text}");
}
