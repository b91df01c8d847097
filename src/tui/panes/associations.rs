//! Associations: State Manager associations with their document, targets, schedule and
//! last run; Enter lists how one went on each node it targets; `c` sets up inventory.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::Line;
use ratatui::widgets::Paragraph;

use super::{Column, PaneData, PaneRows, PaneSpec};
use crate::domain::snapshot::Source;
use crate::tui::app::{App, Effect};
use crate::tui::bindings::{Action, Context};
use crate::tui::panes::Pane;
use crate::tui::{association_rows, drill, inventory_setup};

pub(super) struct Spec;

const COLUMNS: &[Column] = &[
    Column::new("ui.col.name", 0),
    // A UUID: the first to go on a narrow terminal (Enter shows it).
    Column {
        priority: 5,
        ..Column::id("ui.col.id")
    },
    Column::new("ui.col.document", 0),
    Column::new("ui.col.targets", 3),
    Column::new("ui.col.nodes", 4),
    Column::new("ui.col.schedule", 4),
    Column::new("ui.col.last_run", 2),
    Column::new("ui.col.status", 1),
];

impl PaneSpec for Spec {
    fn key(&self) -> &'static str {
        "pane.associations"
    }
    fn command(&self) -> &'static str {
        "associations"
    }
    fn sources(&self) -> &'static [Source] {
        &[Source::Associations]
    }
    fn rebuilt_by(&self) -> &'static [Source] {
        &[Source::Associations, Source::Nodes, Source::Instances]
    }
    fn reads_readiness(&self) -> bool {
        true
    }
    fn columns(&self) -> &'static [Column] {
        COLUMNS
    }
    fn rows(&self, d: &PaneData) -> Option<PaneRows> {
        Some(PaneRows::plain(association_rows::association_rows(
            d.snapshot, d.now, d.lang,
        )))
    }
    fn hints(&self) -> &'static [Action] {
        &[Action::Details, Action::SetupInventory]
    }
    fn handle(&self, app: &mut App, action: Action) -> Option<Vec<Effect>> {
        match action {
            Action::Details if app.drill.is_none() => Some(drill::open_detail(app)),
            Action::SetupInventory => Some(inventory_setup::propose(app)),
            _ => None,
        }
    }
    fn above_height(&self, _app: &App) -> u16 {
        1
    }
    fn draw_above(&self, frame: &mut Frame, area: Rect, app: &App) {
        let key = app
            .ui()
            .key(Context::Pane(Pane::Associations), Action::SetupInventory);
        let (line, tone) = association_rows::coverage_line(
            &app.snapshot,
            app.node_count(),
            &app.readiness,
            app.lang,
            &key,
        );
        frame.render_widget(
            Paragraph::new(Line::styled(line, app.theme.tone(tone))),
            area,
        );
    }
}
