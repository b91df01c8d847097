//! Patches: each node's patch compliance from its last scan or install, with the fleet's
//! compliance bar above; `s` scans, `Shift-I` installs, Enter lists a node's patches.

use std::collections::HashMap;
use std::sync::Arc;

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use super::{Column, PaneData, PaneRows, PaneSpec};
use crate::domain::model::PatchOperation;
use crate::domain::snapshot::Source;
use crate::i18n::{t, tf};
use crate::tui::app::{App, Effect, Pane};
use crate::tui::bindings::Action;
use crate::tui::drill;
use crate::tui::drill_rows::when;
use crate::tui::fleet::{self, ProposalKind};
use crate::tui::rows::{Row, Tone, cell};

pub(super) struct Spec;

const COLUMNS: &[Column] = &[
    Column::id("ui.col.node"),
    Column::new("ui.col.name", 4),
    super::KIND,
    Column::new("ui.col.operation", 6),
    Column::new("ui.col.when", 3),
    Column::new("ui.col.installed", 8),
    Column::new("ui.col.other", 9),
    Column::new("ui.col.pending_reboot", 5),
    Column::new("ui.col.missing", 1),
    Column::new("ui.col.failed", 2),
    Column::new("ui.col.na", 10),
    Column::new("ui.col.crit_sec", 7),
    Column::new("ui.col.compliance", 0),
];

impl PaneSpec for Spec {
    fn key(&self) -> &'static str {
        "pane.patches"
    }
    fn command(&self) -> &'static str {
        "patches"
    }
    fn sources(&self) -> &'static [Source] {
        &[Source::Nodes, Source::Patches]
    }
    fn columns(&self) -> &'static [Column] {
        COLUMNS
    }
    fn rows(&self, d: &PaneData) -> Option<PaneRows> {
        Some(PaneRows {
            rows: patch_rows(d),
            extra: Some(Arc::new(compliance(d))),
        })
    }
    /// The fleet's compliance: every scope's counts added up.
    fn merge_extras(
        &self,
        extras: Vec<Arc<dyn std::any::Any + Send + Sync>>,
    ) -> Option<Arc<dyn std::any::Any + Send + Sync>> {
        let mut all = Compliance::default();
        for e in &extras {
            if let Some(c) = e.downcast_ref::<Compliance>() {
                all.compliant += c.compliant;
                all.non_compliant += c.non_compliant;
                all.no_data += c.no_data;
            }
        }
        Some(Arc::new(all))
    }
    fn hints(&self) -> &'static [Action] {
        &[
            Action::Scan,
            Action::Install,
            Action::Details,
            Action::RunCommand,
            Action::Mark,
        ]
    }
    fn handle(&self, app: &mut App, action: Action) -> Option<Vec<Effect>> {
        match action {
            Action::Scan if app.drill.is_none() => Some(fleet::propose(app, ProposalKind::Scan)),
            Action::Install if app.drill.is_none() => {
                Some(fleet::propose(app, ProposalKind::Install { reboot: true }))
            }
            Action::Details if app.drill.is_none() => Some(drill::open_detail(app)),
            Action::RunCommand => Some(fleet::start_shell(app)),
            Action::RunDocument => Some(crate::tui::documents::open(app)),
            Action::Session => Some(crate::tui::keys::open_session(app)),
            _ => None,
        }
    }
    fn above_height(&self, _app: &App) -> u16 {
        1
    }
    fn draw_above(&self, frame: &mut Frame, area: Rect, app: &App) {
        let c = app
            .extra::<Compliance>(Pane::Patches)
            .copied()
            .unwrap_or_default();
        let total = (c.compliant + c.non_compliant + c.no_data).max(1);
        let width = usize::from(area.width.saturating_sub(60)).clamp(10, 60);
        let bar = |n: usize| (n * width).div_ceil(total).min(width);
        let (g, b) = (bar(c.compliant), bar(c.non_compliant));
        let rest = width.saturating_sub(g + b);
        let lang = app.lang;
        let line = Line::from(vec![
            Span::raw(t(lang, "ui.compliance.label")),
            Span::styled("█".repeat(g), app.theme.tone(Tone::Good)),
            Span::styled("▓".repeat(b), app.theme.tone(Tone::Bad)),
            Span::styled("░".repeat(rest), app.theme.tone(Tone::Dim)),
            Span::styled(
                tf(lang, "ui.compliance.ok", &[("n", &c.compliant.to_string())]),
                app.theme.tone(Tone::Good),
            ),
            Span::styled(
                tf(
                    lang,
                    "ui.compliance.bad",
                    &[("n", &c.non_compliant.to_string())],
                ),
                app.theme.tone(Tone::Bad),
            ),
            Span::styled(
                tf(lang, "ui.compliance.none", &[("n", &c.no_data.to_string())]),
                app.theme.tone(Tone::Dim),
            ),
        ]);
        frame.render_widget(Paragraph::new(line), area);
    }
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Compliance {
    pub compliant: usize,
    pub non_compliant: usize,
    pub no_data: usize,
}

fn compliance(d: &PaneData) -> Compliance {
    let s = d.snapshot;
    let states: HashMap<&str, bool> = s
        .patches
        .iter()
        .map(|p| (p.instance_id.as_str(), p.compliant()))
        .collect();
    let mut c = Compliance::default();
    for n in s.nodes.nodes.iter().filter(|n| d.allowed(&n.instance_id)) {
        match states.get(n.instance_id.as_str()) {
            Some(true) => c.compliant += 1,
            Some(false) => c.non_compliant += 1,
            None => c.no_data += 1,
        }
    }
    c
}

fn patch_rows(d: &PaneData) -> Vec<Row> {
    let (s, now, lang) = (d.snapshot, d.now, d.lang);
    let inst = d.instances();
    let states: HashMap<&str, _> = s
        .patches
        .iter()
        .map(|p| (p.instance_id.as_str(), p))
        .collect();
    s.nodes
        .nodes
        .iter()
        .filter(|n| d.allowed(&n.instance_id))
        .map(|n| {
            let name = inst
                .get(n.instance_id.as_str())
                .and_then(|i| i.name.clone())
                .or_else(|| n.name.clone())
                .unwrap_or_default();
            let mut cells = vec![
                cell(n.instance_id.clone(), Tone::Normal),
                cell(name, Tone::Normal),
                super::instances::kind_cell(n.kind, lang),
            ];
            let mut detail = Vec::new();
            match states.get(n.instance_id.as_str()) {
                None => {
                    cells.push(cell(t(lang, "cell.no_scan"), Tone::Dim));
                    cells.extend((0..8).map(|_| cell("–", Tone::Dim)));
                    cells.push(cell(t(lang, "cell.unknown_scan"), Tone::Warn));
                }
                Some(p) => {
                    let count = |v: i32, bad: bool| {
                        cell(
                            v.to_string(),
                            if v > 0 && bad {
                                Tone::Bad
                            } else if v > 0 {
                                Tone::Normal
                            } else {
                                Tone::Dim
                            },
                        )
                    };
                    cells.push(cell(
                        match p.operation {
                            PatchOperation::Scan => "Scan",
                            PatchOperation::Install => "Install",
                        },
                        Tone::Normal,
                    ));
                    cells.push(cell(when(now, p.operation_end, lang), Tone::Normal));
                    cells.push(count(p.installed, false));
                    cells.push(count(p.installed_other, false));
                    cells.push(count(p.installed_pending_reboot, true));
                    cells.push(count(p.missing, true));
                    cells.push(count(p.failed, true));
                    cells.push(count(p.not_applicable, false));
                    cells.push(cell(
                        format!("{}/{}", p.critical_non_compliant, p.security_non_compliant),
                        if p.critical_non_compliant > 0 {
                            Tone::Bad
                        } else {
                            Tone::Normal
                        },
                    ));
                    cells.push(if p.compliant() {
                        cell(t(lang, "cell.compliant"), Tone::Good)
                    } else {
                        cell(t(lang, "cell.non_compliant"), Tone::Bad)
                    });
                    detail.push(tf(
                        lang,
                        "ui.detail.baseline",
                        &[("baseline", &p.baseline_id)],
                    ));
                }
            }
            Row::new(n.instance_id.clone(), cells, Vec::new(), detail)
        })
        .collect()
}
