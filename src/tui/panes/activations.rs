//! Activations (`:activations`, `A` on Instances): the hybrid activations of the account
//! and region, with their registrations and expiry; `n` creates one, `d` deletes one.

use super::{Column, PaneData, PaneRows, PaneSpec};
use crate::domain::snapshot::Source;
use crate::tui::app::{App, Effect};
use crate::tui::bindings::Action;

pub(super) struct Spec;

const COLUMNS: &[Column] = &[
    Column::id("ui.col.id"),
    Column::new("ui.col.name", 1),
    Column::new("ui.col.role", 2),
    Column::new("ui.col.registrations", 0),
    Column::new("ui.col.expires", 0),
    Column::new("ui.col.created", 3),
    Column::new("ui.col.description", 4),
];

impl PaneSpec for Spec {
    fn key(&self) -> &'static str {
        "pane.activations"
    }
    fn command(&self) -> &'static str {
        "activations"
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
    /// Its rows come from DescribeActivations when the pane is opened and after a write.
    fn rows(&self, _data: &PaneData) -> Option<PaneRows> {
        None
    }
    fn hints(&self) -> &'static [Action] {
        &[
            Action::NewActivation,
            Action::DeleteActivation,
            Action::Details,
            Action::Refresh,
        ]
    }
    fn handle(&self, app: &mut App, action: Action) -> Option<Vec<Effect>> {
        use crate::tui::activations;
        match action {
            Action::NewActivation => Some(activations::propose_new(app)),
            Action::DeleteActivation => Some(activations::propose_delete(app)),
            Action::Refresh => Some(activations::reload()),
            _ => None,
        }
    }
}
