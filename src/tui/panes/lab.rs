//! Lab: the workshop's steps, live, each with its state and what Enter will do.

use std::sync::Arc;

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::Line;
use ratatui::widgets::Paragraph;

use super::{Column, PaneData, PaneRows, PaneSpec};
use crate::domain::snapshot::Source;
use crate::i18n::tf;
use crate::tui::app::{App, Effect};
use crate::tui::bindings::{Action, Context};
use crate::tui::panes::Pane;
use crate::tui::{lab, plans};

pub(super) struct Spec;

const COLUMNS: &[Column] = &[
    Column::id("ui.col.step"),
    Column::new("ui.col.state", 0),
    Column::new("ui.col.what", 1),
    Column::new("ui.col.now", 2),
];

impl PaneSpec for Spec {
    fn key(&self) -> &'static str {
        "pane.lab"
    }
    fn command(&self) -> &'static str {
        "lab"
    }
    fn sources(&self) -> &'static [Source] {
        &[Source::Network, Source::Iam, Source::Nodes]
    }
    /// Its steps read the fleet too: inventory, commands, patches.
    fn rebuilt_by(&self) -> &'static [Source] {
        &Source::ALL
    }
    fn reads_readiness(&self) -> bool {
        true
    }
    fn whole_view(&self) -> bool {
        true
    }
    fn columns(&self) -> &'static [Column] {
        COLUMNS
    }
    fn rows(&self, d: &PaneData) -> Option<PaneRows> {
        let lab = lab::evaluate(
            d.snapshot,
            d.readiness,
            d.lab_vpc,
            d.role_name,
            d.lang,
            d.keymap,
        );
        Some(PaneRows {
            rows: lab::rows(&lab, d.lang, d.keymap),
            extra: Some(Arc::new(lab)),
        })
    }
    fn hints(&self) -> &'static [Action] {
        &[Action::LabNext, Action::Down, Action::Up]
    }
    fn handle(&self, app: &mut App, action: Action) -> Option<Vec<Effect>> {
        match action {
            Action::LabNext => Some(plans::lab_enter(app)),
            _ => None,
        }
    }
    fn above_height(&self, _app: &App) -> u16 {
        1
    }
    fn draw_above(&self, frame: &mut Frame, area: Rect, app: &App) {
        frame.render_widget(
            Paragraph::new(Line::styled(
                tf(
                    app.lang,
                    "ui.lab.heading",
                    &[
                        (
                            "next",
                            &app.ui().key(Context::Pane(Pane::Lab), Action::LabNext),
                        ),
                        ("yes", &app.ui().key(Context::Dialog, Action::Yes)),
                    ],
                ),
                app.theme.accent(),
            )),
            area,
        );
    }
    fn detail_key(&self) -> &'static str {
        "ui.detail.lab"
    }
    fn detail_always(&self) -> bool {
        true
    }
}
