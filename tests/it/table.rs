//! Filtering keeps indexes: a plain filter typed one character at a time narrows the
//! rows it matched, and must end where a fresh filter over every row ends.

use ssmdeck::cloud::sandbox::{Clock, SandboxCloud, Scenario};
use ssmdeck::tui::table::TableState;

use crate::fixtures::t0;
use crate::ui::app_on;

fn fresh(rows: &[ssmdeck::tui::rows::Row], filter: &str) -> Vec<usize> {
    let mut t = TableState::default();
    t.set_rows(rows.to_vec(), 20);
    t.set_filter(filter, 20);
    t.visible
}

#[tokio::test]
async fn typing_a_filter_narrows_to_what_a_fresh_filter_finds() {
    let cloud = SandboxCloud::new(Scenario::Fleet(600), Clock::manual(t0()));
    let app = app_on(&cloud, 160, 40).await;
    let rows = app.tables[2].rows.clone();
    assert_eq!(rows.len(), 634, "600 instances and 34 hybrid servers");
    // Plain strings (narrowed), then regex syntax and case changes (full scans).
    for typed in [
        "app-001",
        "WIN-00",
        "running",
        "us-east-1b private",
        "i-0",
        "app-0.*7$",
        "App-00",
    ] {
        let mut t = TableState::default();
        t.set_rows(rows.clone(), 20);
        let mut so_far = String::new();
        for ch in typed.chars() {
            so_far.push(ch);
            t.set_filter(&so_far, 20);
            assert_eq!(t.visible, fresh(&rows, &so_far), "after typing {so_far:?}");
        }
        // Backspace widens again.
        while so_far.pop().is_some() {
            t.set_filter(&so_far, 20);
            assert_eq!(
                t.visible,
                fresh(&rows, &so_far),
                "after erasing to {so_far:?}"
            );
        }
        assert_eq!(t.visible.len(), rows.len());
    }
}

#[tokio::test]
async fn new_rows_end_the_narrowing_and_marks_leave_with_their_rows() {
    let cloud = SandboxCloud::new(Scenario::Fleet(200), Clock::manual(t0()));
    let app = app_on(&cloud, 160, 40).await;
    let rows = app.tables[2].rows.clone();
    let mut t = TableState::default();
    t.set_rows(rows.clone(), 20);
    t.set_filter("app-00", 20);
    let kept = rows[t.visible[0]].id.clone();
    t.toggle_mark();
    // Fresh data without the marked row, then one more character typed.
    let fewer: Vec<_> = rows.iter().filter(|r| r.id != kept).cloned().collect();
    t.set_rows(fewer.clone(), 20);
    assert!(t.marks.is_empty(), "the mark left with its row");
    t.set_filter("app-001", 20);
    assert_eq!(t.visible, fresh(&fewer, "app-001"));
}

#[tokio::test]
async fn a_filter_that_hides_the_selection_moves_it_to_the_first_match() {
    let cloud = SandboxCloud::new(Scenario::Fleet(60), Clock::manual(t0()));
    let app = app_on(&cloud, 160, 40).await;
    let rows = app.tables[2].rows.clone();
    let mut t = TableState::default();
    t.set_rows(rows.clone(), 20);
    t.move_by(9, 20); // app-00009
    let before = t.selected_row().map(|r| r.id.clone());
    // Still visible: the selection stays on it.
    t.set_filter("app-0000", 20);
    assert_eq!(t.selected_row().map(|r| r.id.clone()), before);
    // Filtered out: the first match, not whatever sits at the old position.
    t.set_filter("win-", 20);
    assert_eq!(t.selected, 0);
    assert!(
        t.selected_row()
            .is_some_and(|r| r.cells[1].text.starts_with("win-")),
        "{:?}",
        t.selected_row().map(|r| &r.cells[1].text)
    );
    // New data without the selected row keeps the place instead (its neighbour).
    t.set_filter("", 20);
    t.move_by(5, 20);
    let place = t.selected;
    let gone = t.selected_row().map(|r| r.id.clone());
    let fewer: Vec<_> = rows
        .iter()
        .filter(|r| Some(&r.id) != gone.as_ref())
        .cloned()
        .collect();
    t.set_rows(fewer, 20);
    assert_eq!(t.selected, place);
}

#[tokio::test]
async fn a_column_that_reads_the_same_everywhere_is_judged_again_with_new_rows() {
    use ssmdeck::tui::panes::{KIND, Pane};
    let cloud = SandboxCloud::new(Scenario::Fleet(600), Clock::manual(t0()));
    let app = app_on(&cloud, 160, 40).await;
    let kind = Pane::Instances
        .spec()
        .columns()
        .iter()
        .position(|c| c.key == KIND.key)
        .expect("Instances has a Kind column");
    let rows = app.tables[2].rows.clone();
    let mut t = TableState::default();
    t.set_rows(rows.clone(), 20);
    assert!(
        !t.uniform(kind),
        "EC2 and hybrid nodes: the Kind column is shown"
    );
    let ec2_only: Vec<_> = rows
        .iter()
        .filter(|r| r.id.starts_with("i-"))
        .cloned()
        .collect();
    assert!(ec2_only.len() >= 600);
    t.set_rows(ec2_only, 20);
    assert!(t.uniform(kind), "EC2 only: the Kind column is left out");
    t.set_rows(rows, 20);
    assert!(!t.uniform(kind), "the hybrid nodes back: shown again");
}
