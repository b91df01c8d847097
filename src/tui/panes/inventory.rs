//! Inventory: every managed node with its platform, agent and collected applications;
//! Enter lists a node's applications.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::Line;
use ratatui::widgets::Paragraph;

use super::{Column, PaneData, PaneRows, PaneSpec};
use crate::domain::snapshot::Source;
use crate::i18n::{t, tf};
use crate::tui::app::{App, Effect};
use crate::tui::bindings::{Action, Context};
use crate::tui::drill_rows::when;
use crate::tui::panes::Pane;
use crate::tui::rows::{Row, Tone, cell};
use crate::tui::{drill, fleet};

pub(super) struct Spec;

const COLUMNS: &[Column] = &[
    Column::id("ui.col.node"),
    Column::new("ui.col.name", 2),
    super::KIND,
    Column::new("ui.col.platform", 3),
    Column::new("ui.col.agent", 1),
    Column::new("ui.col.ip", 5),
    Column::new("ui.col.computer", 6),
    Column::new("ui.col.apps", 4),
    Column::new("ui.col.last_inventory", 0),
];

impl PaneSpec for Spec {
    fn key(&self) -> &'static str {
        "pane.inventory"
    }
    fn command(&self) -> &'static str {
        "inventory"
    }
    fn sources(&self) -> &'static [Source] {
        &[Source::Nodes, Source::Inventory]
    }
    /// The associations say whether a node's inventory can come at all.
    fn rebuilt_by(&self) -> &'static [Source] {
        &[Source::Nodes, Source::Inventory, Source::Associations]
    }
    fn columns(&self) -> &'static [Column] {
        COLUMNS
    }
    fn rows(&self, d: &PaneData) -> Option<PaneRows> {
        Some(PaneRows::plain(inventory_rows(d)))
    }
    fn hints(&self) -> &'static [Action] {
        &[
            Action::Details,
            Action::SetupInventory,
            Action::RunCommand,
            Action::Session,
            Action::Mark,
        ]
    }
    fn handle(&self, app: &mut App, action: Action) -> Option<Vec<Effect>> {
        match action {
            Action::Details if app.drill.is_none() => Some(drill::open_detail(app)),
            Action::RunCommand => Some(fleet::start_shell(app)),
            Action::RunDocument => Some(crate::tui::documents::open(app)),
            Action::Session => Some(crate::tui::keys::open_session(app)),
            Action::SetupInventory => Some(crate::tui::inventory_setup::propose(app)),
            _ => None,
        }
    }
    fn above_height(&self, _app: &App) -> u16 {
        1
    }
    fn draw_above(&self, frame: &mut Frame, area: Rect, app: &App) {
        let key = app
            .ui()
            .key(Context::Pane(Pane::Inventory), Action::SetupInventory);
        let (line, tone) = crate::tui::association_rows::coverage_line(
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

fn inventory_rows(d: &PaneData) -> Vec<Row> {
    let details_key = d
        .keymap
        .key_of(Context::Pane(Pane::Inventory), Action::Details)
        .map(|k| k.to_string())
        .unwrap_or_default();
    use std::collections::HashMap;
    let (s, now, lang) = (d.snapshot, d.now, d.lang);
    let inst = d.instances();
    let inv: HashMap<&str, _> = s
        .inventory
        .iter()
        .map(|x| (x.instance_id.as_str(), x))
        .collect();
    // No association collects it: it will not come by waiting.
    let associations_known = s.has_data(Source::Associations);
    let uncollected = |id: &str| {
        associations_known
            && crate::domain::associations::inventory_association(
                &s.state_associations,
                id,
                inst.get(id).map_or(&[][..], |i| i.tags.as_slice()),
            )
            .is_none()
    };
    s.nodes
        .nodes
        .iter()
        .filter(|n| d.allowed(&n.instance_id))
        .map(|n| {
            let summary = inv.get(n.instance_id.as_str());
            let agent = match (&n.agent_version, n.is_latest_version) {
                (Some(v), Some(false)) => {
                    cell(tf(lang, "cell.update_available", &[("v", v)]), Tone::Warn)
                }
                (Some(v), Some(true)) => cell(tf(lang, "cell.latest", &[("v", v)]), Tone::Good),
                (Some(v), None) => cell(v.clone(), Tone::Normal),
                (None, _) => cell("–", Tone::Dim),
            };
            let platform = format!(
                "{} {}",
                n.platform_name.as_deref().unwrap_or("?"),
                n.platform_version.as_deref().unwrap_or("")
            );
            Row::new(
                n.instance_id.clone(),
                vec![
                    cell(n.instance_id.clone(), Tone::Normal),
                    cell(
                        inst.get(n.instance_id.as_str())
                            .and_then(|i| i.name.clone())
                            .or_else(|| n.name.clone())
                            .unwrap_or_default(),
                        Tone::Normal,
                    ),
                    super::instances::kind_cell(n.kind, lang),
                    cell(platform.trim().to_string(), Tone::Normal),
                    agent,
                    cell(
                        n.ip_address.clone().unwrap_or_else(|| "–".into()),
                        Tone::Normal,
                    ),
                    cell(
                        n.computer_name.clone().unwrap_or_else(|| "–".into()),
                        Tone::Normal,
                    ),
                    match summary {
                        Some(x) => cell(x.application_count.to_string(), Tone::Normal),
                        None => cell("–", Tone::Dim),
                    },
                    match summary {
                        Some(x) => cell(when(now, x.capture_time, lang), Tone::Normal),
                        None if uncollected(n.instance_id.as_str()) => {
                            cell(t(lang, "cell.no_inventory_association"), Tone::Warn)
                        }
                        None => cell(t(lang, "cell.not_collected"), Tone::Dim),
                    },
                ],
                Vec::new(),
                vec![tf(
                    lang,
                    "ui.detail.inventory",
                    &[("ping", n.ping.as_str()), ("key", &details_key)],
                )],
            )
        })
        .collect()
}
