//! `:export PATH` writes the active pane's rows — all of them, as filtered — to CSV or
//! JSON, off the UI thread.

use std::path::Path;

use crossterm::event::KeyCode;
use ssmdeck::cloud::sandbox::{Clock, SandboxCloud, Scenario};
use ssmdeck::i18n::Lang;
use ssmdeck::tui::app::{App, Effect, Pane, StatusKind};
use ssmdeck::tui::export::{ROW_ID, keys};

use crate::fixtures::t0;
use crate::ui::{app_on, chars, key, run_effects};

/// The Instances pane's keys: the row id, then its columns' catalog key suffixes.
const INSTANCE_KEYS: [&str; 12] = [
    "row_id",
    "instance",
    "name",
    "kind",
    "state",
    "subnet",
    "az",
    "profile",
    "ping",
    "agent",
    "platform",
    "readiness",
];

async fn fleet(n: usize) -> (SandboxCloud, App) {
    let cloud = SandboxCloud::new(Scenario::Fleet(n), Clock::manual(t0()));
    let app = app_on(&cloud, 160, 40).await;
    (cloud, app)
}

/// `:LINE` then Enter: the effects it asked for, after they were run as the event loop
/// runs them.
async fn command(app: &mut App, cloud: &SandboxCloud, line: &str) -> Vec<Effect> {
    key(app, KeyCode::Char(':'));
    chars(app, line);
    let effects = key(app, KeyCode::Enter);
    run_effects(app, cloud, None, effects.clone()).await;
    effects
}

/// The rows the table shows (all of them, not the window), as (id, readiness cell).
fn shown(app: &App) -> Vec<(String, String)> {
    let t = app.table().expect("a table");
    t.visible
        .iter()
        .map(|&i| {
            let r = &t.rows[i];
            (r.id.clone(), r.cells[10].text.clone())
        })
        .collect()
}

fn status(app: &App) -> (StatusKind, String) {
    app.status.clone().expect("a status line")
}

fn read_csv(path: &Path) -> (Vec<String>, Vec<csv::StringRecord>) {
    let mut reader = csv::Reader::from_path(path).expect("the CSV file");
    let headers = reader.headers().expect("headers").iter().map(String::from);
    let headers: Vec<String> = headers.collect();
    let rows = reader
        .records()
        .collect::<Result<Vec<_>, _>>()
        .expect("rows");
    (headers, rows)
}

fn csv_rows(path: &Path) -> Vec<(String, String)> {
    let (headers, rows) = read_csv(path);
    assert_eq!(headers, INSTANCE_KEYS);
    rows.iter()
        .map(|r| {
            assert_eq!(r.len(), INSTANCE_KEYS.len());
            (r[0].to_string(), r[11].to_string())
        })
        .collect()
}

fn json_doc(path: &Path) -> serde_json::Value {
    serde_json::from_str(&std::fs::read_to_string(path).expect("the JSON file")).expect("JSON")
}

fn json_rows(doc: &serde_json::Value) -> Vec<(String, String)> {
    let rows = doc["rows"].as_array().expect("rows");
    rows.iter()
        .map(|r| {
            let mut keys: Vec<&str> = r
                .as_object()
                .expect("object")
                .keys()
                .map(|k| k.as_str())
                .collect();
            let mut want = INSTANCE_KEYS.to_vec();
            keys.sort_unstable();
            want.sort_unstable();
            assert_eq!(keys, want, "every column, no other");
            (
                r[ROW_ID].as_str().expect("id").to_string(),
                r["readiness"].as_str().expect("readiness").to_string(),
            )
        })
        .collect()
}

#[tokio::test]
async fn export_of_ten_thousand_rows_to_csv_and_json_reads_back_the_same_rows() {
    let (cloud, mut app) = fleet(10_000).await;
    assert_eq!(app.pane, Pane::Instances);
    let rows = shown(&app);
    assert_eq!(
        rows.len(),
        10_504,
        "every instance and hybrid server, not the window on screen"
    );
    assert!(app.page() < 100);
    let dir = tempfile::tempdir().expect("tempdir");

    let csv_path = dir.path().join("fleet.csv");
    let effects = command(&mut app, &cloud, &format!("export {}", csv_path.display())).await;
    assert!(
        matches!(effects.as_slice(), [Effect::Export(_)]),
        "an effect, not a write on the UI thread: {effects:?}"
    );
    let (kind, text) = status(&app);
    assert_eq!(kind, StatusKind::Info, "{text}");
    assert!(text.contains("10504 row(s)"), "{text}");
    assert!(text.contains(&csv_path.display().to_string()), "{text}");
    assert!(text.contains("CSV"), "{text}");
    assert_eq!(csv_rows(&csv_path), rows);

    let json_path = dir.path().join("fleet.JSON");
    command(&mut app, &cloud, &format!("export {}", json_path.display())).await;
    let (kind, text) = status(&app);
    assert_eq!(kind, StatusKind::Info, "{text}");
    assert!(
        text.contains("10504 row(s)") && text.contains("JSON"),
        "{text}"
    );
    let doc = json_doc(&json_path);
    assert_eq!(doc["pane"], "instances");
    assert_eq!(doc["count"], 10_504);
    assert_eq!(doc["filter"], "");
    assert_eq!(doc["columns"], serde_json::json!(INSTANCE_KEYS));
    assert_eq!(json_rows(&doc), rows);
    // Nothing else was left in the folder (no temporary file).
    assert_eq!(std::fs::read_dir(dir.path()).expect("dir").count(), 2);
}

#[tokio::test]
async fn export_after_a_filter_has_only_the_matching_rows() {
    let (cloud, mut app) = fleet(400).await;
    key(&mut app, KeyCode::Char('/'));
    chars(&mut app, "win-");
    key(&mut app, KeyCode::Enter);
    let rows = shown(&app);
    let total = app.table().map(|t| t.rows.len()).unwrap_or_default();
    assert!(
        !rows.is_empty() && rows.len() < total,
        "{} of {total}",
        rows.len()
    );
    let dir = tempfile::tempdir().expect("tempdir");
    let csv_path = dir.path().join("windows nodes.csv");
    command(
        &mut app,
        &cloud,
        &format!("export  {} ", csv_path.display()),
    )
    .await;
    assert_eq!(csv_rows(&csv_path), rows, "a path with a space works");
    let (_, names) = read_csv(&csv_path);
    assert!(names.iter().all(|r| r[2].starts_with("win-")));
    let json_path = dir.path().join("windows.json");
    command(&mut app, &cloud, &format!("export {}", json_path.display())).await;
    let doc = json_doc(&json_path);
    assert_eq!(doc["filter"], "win-");
    assert_eq!(json_rows(&doc), rows);
}

#[tokio::test]
async fn a_bad_extension_or_an_unwritable_path_is_one_status_line_and_no_file() {
    let (cloud, mut app) = fleet(20).await;
    let dir = tempfile::tempdir().expect("tempdir");
    let file = dir.path().join("a-file");
    std::fs::write(&file, "x").expect("a file");
    std::fs::create_dir(dir.path().join("folder.csv")).expect("a folder");
    let cases = [
        ("rows.txt", "the file name ends in .csv or .json"),
        ("rows", "the file name ends in .csv or .json"),
        ("missing/rows.csv", "its folder does not exist"),
        (
            "a-file/rows.json",
            "part of the path is a file, not a folder",
        ),
        ("folder.csv", "it is a folder"),
    ];
    for (name, reason) in cases {
        let path = dir.path().join(name);
        command(&mut app, &cloud, &format!("export {}", path.display())).await;
        let (kind, text) = status(&app);
        assert_eq!(kind, StatusKind::Error, "{name}: {text}");
        assert!(text.contains(reason), "{name}: {text}");
        assert!(!text.contains('\n'), "one line: {text}");
    }
    command(&mut app, &cloud, "export").await;
    assert!(status(&app).1.contains("usage: :export PATH"));
    // Only what the test made itself is there.
    let mut names: Vec<String> = std::fs::read_dir(dir.path())
        .expect("dir")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert_eq!(names, ["a-file", "folder.csv"]);

    // The same in Korean.
    app.set_lang(Lang::Ko);
    command(
        &mut app,
        &cloud,
        &format!("export {}", dir.path().join("x.txt").display()),
    )
    .await;
    let (kind, text) = status(&app);
    assert_eq!(kind, StatusKind::Error);
    assert!(text.contains(".csv 또는 .json으로 끝나야"), "{text}");
    let missing = dir.path().join("missing/rows.csv");
    command(&mut app, &cloud, &format!("export {}", missing.display())).await;
    let (kind, text) = status(&app);
    assert_eq!(kind, StatusKind::Error);
    assert!(
        text.contains("쓸 수 없습니다") && text.contains("그 폴더가 없습니다"),
        "{text}"
    );
    let n = shown(&app).len();
    let good = dir.path().join("ok.csv");
    command(&mut app, &cloud, &format!("export {}", good.display())).await;
    let (kind, text) = status(&app);
    assert_eq!(kind, StatusKind::Info);
    assert!(
        text.contains(&format!("{n}개 행을")) && text.contains("내보냈습니다"),
        "{text}"
    );
}

#[test]
fn every_pane_exports_its_columns_under_their_own_names() {
    for pane in Pane::EVERY {
        let keys = keys(pane.spec().columns());
        assert_eq!(keys[0], ROW_ID);
        assert!(
            keys.iter().all(|k| !k.contains('.') && !k.ends_with("_2")),
            "{pane:?}: {keys:?}"
        );
    }
}
