//! Commands: Run Command's recent commands with their status; Enter lists a command's
//! invocations and output, `C` cancels it, `x` runs another.

use super::{Column, PaneData, PaneRows, PaneSpec};
use crate::domain::snapshot::Source;
use crate::i18n::tf;
use crate::tui::app::{App, Effect};
use crate::tui::bindings::Action;
use crate::tui::drill_rows::{status_cell, when};
use crate::tui::rows::{Row, Tone, cell};
use crate::tui::{drill, fleet};

pub(super) struct Spec;

const COLUMNS: &[Column] = &[
    Column::id("ui.col.command"),
    Column::new("ui.col.document", 2),
    Column::new("ui.col.requested", 3),
    Column::new("ui.col.status", 0),
    Column::new("ui.col.targets", 4),
    Column::new("ui.col.done_errors", 1),
    Column::new("ui.col.comment", 5),
];

impl PaneSpec for Spec {
    fn key(&self) -> &'static str {
        "pane.commands"
    }
    fn command(&self) -> &'static str {
        "commands"
    }
    fn sources(&self) -> &'static [Source] {
        &[Source::Commands]
    }
    fn columns(&self) -> &'static [Column] {
        COLUMNS
    }
    fn rows(&self, d: &PaneData) -> Option<PaneRows> {
        Some(PaneRows::plain(command_rows(d)))
    }
    fn hints(&self) -> &'static [Action] {
        &[
            Action::Details,
            Action::RunCommand,
            Action::RunDocument,
            Action::CancelCommand,
        ]
    }
    fn handle(&self, app: &mut App, action: Action) -> Option<Vec<Effect>> {
        match action {
            Action::Details if app.drill.is_none() => Some(drill::open_detail(app)),
            // In the output view: the selected node's whole output, full screen.
            Action::Details => Some(crate::tui::pager::open(app)),
            Action::RunCommand => Some(fleet::start_shell(app)),
            Action::RunDocument => Some(crate::tui::documents::open(app)),
            Action::CancelCommand => Some(fleet::propose_cancel(app)),
            _ => None,
        }
    }
}

fn command_rows(d: &PaneData) -> Vec<Row> {
    let (now, lang) = (d.now, d.lang);
    d.snapshot
        .commands
        .iter()
        .filter(|c| d.members.is_none() || c.instance_ids.iter().any(|i| d.allowed(i)))
        .map(|c| {
            Row::new(
                c.id.clone(),
                vec![
                    cell(c.id.clone(), Tone::Normal),
                    cell(c.document.clone(), Tone::Normal),
                    cell(when(now, c.requested, lang), Tone::Normal),
                    status_cell(&c.status),
                    cell(c.target_count.to_string(), Tone::Normal),
                    cell(
                        format!("{}/{}", c.completed_count, c.error_count),
                        if c.error_count > 0 {
                            Tone::Bad
                        } else {
                            Tone::Normal
                        },
                    ),
                    cell(c.comment.clone().unwrap_or_default(), Tone::Dim),
                ],
                Vec::new(),
                vec![tf(
                    lang,
                    "ui.detail.targets",
                    &[("targets", &c.instance_ids.join(", "))],
                )],
            )
        })
        .collect()
}

/// CancelCommand answered: asked, or why not.
pub fn on_cancelled(app: &mut App, command_id: &str, error: Option<String>) {
    match error {
        None => app.info(tf(
            app.lang,
            "status.cancel_requested",
            &[("id", command_id)],
        )),
        Some(e) => app.error(tf(
            app.lang,
            "status.cancel_failed",
            &[("id", command_id), ("error", &e)],
        )),
    }
}
