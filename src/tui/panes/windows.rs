//! Windows: maintenance windows with their schedule and next run; Enter lists a window's
//! targets, tasks and executions.

use super::{Column, PaneData, PaneRows, PaneSpec};
use crate::domain::snapshot::Source;
use crate::i18n::t;
use crate::tui::app::{App, Effect};
use crate::tui::bindings::Action;
use crate::tui::drill;
use crate::tui::rows::{Row, Tone, cell};

pub(super) struct Spec;

const COLUMNS: &[Column] = &[
    Column::new("ui.col.name", 0),
    Column::id("ui.col.id"),
    Column::new("ui.col.schedule", 1),
    Column::new("ui.col.enabled", 3),
    Column::new("ui.col.next_run", 2),
    Column::new("ui.col.duration", 4),
];

impl PaneSpec for Spec {
    fn key(&self) -> &'static str {
        "pane.windows"
    }
    fn command(&self) -> &'static str {
        "windows"
    }
    fn sources(&self) -> &'static [Source] {
        &[Source::Windows]
    }
    fn columns(&self) -> &'static [Column] {
        COLUMNS
    }
    fn rows(&self, d: &PaneData) -> Option<PaneRows> {
        Some(PaneRows::plain(window_rows(d)))
    }
    fn hints(&self) -> &'static [Action] {
        &[Action::Details]
    }
    fn handle(&self, app: &mut App, action: Action) -> Option<Vec<Effect>> {
        match action {
            Action::Details if app.drill.is_none() => Some(drill::open_detail(app)),
            _ => None,
        }
    }
}

fn window_rows(d: &PaneData) -> Vec<Row> {
    let lang = d.lang;
    d.snapshot
        .windows
        .iter()
        .map(|w| {
            Row::new(
                w.id.clone(),
                vec![
                    cell(w.name.clone(), Tone::Normal),
                    cell(w.id.clone(), Tone::Dim),
                    cell(w.schedule.clone(), Tone::Normal),
                    if w.enabled {
                        cell(format!("✓ {}", t(lang, "cell.yes")), Tone::Good)
                    } else {
                        cell(format!("✗ {}", t(lang, "cell.no")), Tone::Warn)
                    },
                    cell(
                        w.next_execution.clone().unwrap_or_else(|| "–".into()),
                        Tone::Normal,
                    ),
                    cell(
                        format!("{}h / {}h", w.duration_hours, w.cutoff_hours),
                        Tone::Normal,
                    ),
                ],
                Vec::new(),
                Vec::new(),
            )
        })
        .collect()
}
