//! Sessions (`:sessions`): the port forwards started from the console, with their state,
//! uptime and restarts; `x` ends one.

use super::{Column, PaneData, PaneRows, PaneSpec};
use crate::domain::snapshot::Source;
use crate::tui::app::{App, Effect};
use crate::tui::bindings::Action;

pub(super) struct Spec;

const COLUMNS: &[Column] = &[
    Column::id("ui.col.node"),
    Column::new("ui.col.local", 1),
    Column::new("ui.col.remote", 1),
    Column::new("ui.col.state", 0),
    Column::new("ui.col.up", 2),
    Column::new("ui.col.restarts", 4),
    Column::new("ui.col.name", 3),
    Column::new("ui.col.session", 5),
];

impl PaneSpec for Spec {
    fn key(&self) -> &'static str {
        "pane.sessions"
    }
    fn command(&self) -> &'static str {
        "sessions"
    }
    fn numbered(&self) -> bool {
        false
    }
    fn sources(&self) -> &'static [Source] {
        &[]
    }
    fn columns(&self) -> &'static [Column] {
        COLUMNS
    }
    fn whole_view(&self) -> bool {
        true
    }
    /// Its rows follow the forwards' events.
    fn rows(&self, _data: &PaneData) -> Option<PaneRows> {
        None
    }
    fn hints(&self) -> &'static [Action] {
        &[Action::EndForward, Action::Details]
    }
    fn handle(&self, app: &mut App, action: Action) -> Option<Vec<Effect>> {
        match action {
            Action::EndForward => Some(crate::tui::forwards::end_selected(app)),
            _ => None,
        }
    }
}
