//! Patches: each node's patch compliance from its last scan or install (baseline, patch
//! group, when, the counts), with the fleet's summary above; `s` scans, `Shift-I`
//! installs, Enter lists a node's patches.

use std::collections::HashMap;
use std::sync::Arc;

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use super::{Column, PaneData, PaneRows, PaneSpec};
use crate::domain::model::{PatchOperation, PatchState};
use crate::domain::patches::{PatchPolicy, PatchSummary, findings};
use crate::domain::snapshot::Source;
use crate::i18n::{Lang, t, tf};
use crate::tui::app::{App, Effect, Pane};
use crate::tui::bindings::Action;
use crate::tui::drill;
use crate::tui::drill_rows::when;
use crate::tui::fleet::{self, ProposalKind};
use crate::tui::rows::{Row, Tone, cell};

pub(super) struct Spec;

/// By priority (lower stays longer): the node, its name, its compliance, when it was
/// scanned and what it misses stay at 80 columns; the rest is in the detail.
const COLUMNS: &[Column] = &[
    Column::id("ui.col.node"),
    Column::new("ui.col.name", 2),
    super::KIND,
    Column::new("ui.col.baseline", 6),
    Column::new("ui.col.patch_group", 10),
    Column::new("ui.col.operation", 8),
    Column::new("ui.col.when", 1),
    Column::new("ui.col.installed", 11),
    Column::new("ui.col.other", 13),
    Column::new("ui.col.pending_reboot", 7),
    Column::new("ui.col.rejected", 12),
    Column::new("ui.col.missing", 2),
    Column::new("ui.col.failed", 3),
    Column::new("ui.col.na", 9),
    Column::new("ui.col.crit_sec", 5),
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
                all.summary.merge(&c.summary);
                all.stale_after_days = c.stale_after_days;
            }
        }
        Some(Arc::new(all))
    }
    fn hints(&self) -> &'static [Action] {
        &[
            Action::Scan,
            Action::Install,
            Action::Details,
            Action::PatchFilter,
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
            Action::PatchFilter if app.drill.is_some() => Some(drill::next_patch_filter(app)),
            Action::RunCommand => Some(fleet::start_shell(app)),
            Action::RunDocument => Some(crate::tui::documents::open(app)),
            Action::Session => Some(crate::tui::keys::open_session(app)),
            _ => None,
        }
    }
    fn above_height(&self, _app: &App) -> u16 {
        2
    }
    fn draw_above(&self, frame: &mut Frame, area: Rect, app: &App) {
        let c = app
            .extra::<Compliance>(Pane::Patches)
            .copied()
            .unwrap_or_default();
        let s = &c.summary;
        let total = s.nodes().max(1);
        let width = usize::from(area.width.saturating_sub(70)).clamp(6, 60);
        let bar = |n: usize| (n * width).div_ceil(total).min(width);
        let (g, b) = (bar(s.compliant), bar(s.non_compliant));
        let rest = width.saturating_sub(g + b);
        let lang = app.lang;
        let tone = |t: Tone| app.theme.tone(t);
        let first = Line::from(vec![
            Span::raw(t(lang, "ui.compliance.label")),
            Span::styled("█".repeat(g), tone(Tone::Good)),
            Span::styled("▓".repeat(b), tone(Tone::Bad)),
            Span::styled("░".repeat(rest), tone(Tone::Dim)),
            Span::styled(
                tf(lang, "ui.compliance.ok", &[("n", &s.compliant.to_string())]),
                tone(Tone::Good),
            ),
            Span::styled(
                tf(
                    lang,
                    "ui.compliance.bad",
                    &[("n", &s.non_compliant.to_string())],
                ),
                tone(Tone::Bad),
            ),
            Span::styled(
                tf(lang, "ui.compliance.none", &[("n", &s.no_data.to_string())]),
                tone(Tone::Dim),
            ),
        ]);
        // Most telling first: a narrow terminal cuts the end of the line.
        let mut second = vec![Span::styled(
            tf(
                lang,
                "ui.patches.non_compliant",
                &[
                    ("missing", &s.missing.to_string()),
                    ("failed", &s.failed.to_string()),
                ],
            ),
            tone(if s.missing + s.failed > 0 {
                Tone::Bad
            } else {
                Tone::Normal
            }),
        )];
        if s.stale > 0 {
            second.push(Span::styled(
                tf(
                    lang,
                    "ui.patches.stale",
                    &[
                        ("n", &s.stale.to_string()),
                        ("days", &c.stale_after_days.to_string()),
                    ],
                ),
                tone(Tone::Warn),
            ));
        }
        if let Some(oldest) = s.oldest_scan {
            second.push(Span::raw(tf(
                lang,
                "ui.patches.oldest",
                &[("age", &crate::tui::render::age(app.now, oldest))],
            )));
        }
        second.push(Span::styled(
            tf(
                lang,
                "ui.patches.not_applicable",
                &[("n", &s.not_applicable.to_string())],
            ),
            tone(Tone::Dim),
        ));
        let lines = vec![first, Line::from(second)];
        frame.render_widget(Paragraph::new(lines), area);
    }
}

/// What the summary bar shows: the fleet's counts and the age a scan may have.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Compliance {
    pub summary: PatchSummary,
    pub stale_after_days: u64,
}

fn compliance(d: &PaneData) -> Compliance {
    let s = d.snapshot;
    let ids = s
        .nodes
        .nodes
        .iter()
        .map(|n| n.instance_id.as_str())
        .filter(|id| d.allowed(id));
    Compliance {
        summary: crate::domain::patches::summarize(ids, &s.patches, d.now, d.patch_policy),
        stale_after_days: d.patch_policy.stale_after_days,
    }
}

fn patch_rows(d: &PaneData) -> Vec<Row> {
    let (s, lang) = (d.snapshot, d.lang);
    let inst = d.instances();
    let states: HashMap<&str, &PatchState> = s
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
                    cells.extend((0..11).map(|_| cell("–", Tone::Dim)));
                    cells.push(cell(t(lang, "cell.unknown_scan"), Tone::Warn));
                }
                Some(p) => {
                    cells.extend(state_cells(p, d.now, d.patch_policy, lang));
                    detail = state_detail(p, d.now, d.patch_policy, lang);
                }
            }
            Row::new(n.instance_id.clone(), cells, Vec::new(), detail)
        })
        .collect()
}

fn count(v: i32, bad: bool) -> crate::tui::rows::Cell {
    let tone = match (v > 0, bad) {
        (true, true) => Tone::Bad,
        (true, false) => Tone::Normal,
        (false, _) => Tone::Dim,
    };
    cell(v.to_string(), tone)
}

fn operation(op: PatchOperation) -> &'static str {
    match op {
        PatchOperation::Scan => "Scan",
        PatchOperation::Install => "Install",
    }
}

/// The baseline's name, else its id (the `pb-…` part of an ARN).
fn baseline(p: &PatchState) -> String {
    p.baseline_name.clone().unwrap_or_else(|| {
        let id = p.baseline_id.rsplit('/').next().unwrap_or(&p.baseline_id);
        id.to_string()
    })
}

/// The cells after the name, in [`COLUMNS`] order.
fn state_cells(
    p: &PatchState,
    now: jiff::Timestamp,
    policy: PatchPolicy,
    lang: Lang,
) -> Vec<crate::tui::rows::Cell> {
    let stale = policy.is_stale(p, now);
    vec![
        cell(baseline(p), Tone::Normal),
        cell(
            p.patch_group.clone().unwrap_or_else(|| "–".into()),
            Tone::Dim,
        ),
        cell(operation(p.operation), Tone::Normal),
        cell(
            when(now, p.last_run(), lang),
            if stale { Tone::Warn } else { Tone::Normal },
        ),
        count(p.installed, false),
        count(p.installed_other, false),
        count(p.installed_pending_reboot, true),
        count(p.installed_rejected, true),
        count(p.missing, true),
        count(p.failed, true),
        // Not applicable is not missing: never red.
        cell(p.not_applicable.to_string(), Tone::Dim),
        cell(
            format!("{}/{}", p.critical_non_compliant, p.security_non_compliant),
            if p.critical_non_compliant > 0 {
                Tone::Bad
            } else {
                Tone::Normal
            },
        ),
        match (p.compliant(), stale) {
            (false, _) => cell(t(lang, "cell.non_compliant"), Tone::Bad),
            (true, true) => cell(t(lang, "cell.compliant_stale"), Tone::Warn),
            (true, false) => cell(t(lang, "cell.compliant"), Tone::Good),
        },
    ]
}

/// `2026-11-30 04:12 UTC (3h ago)`, or a dash.
fn at(now: jiff::Timestamp, time: Option<jiff::Timestamp>, lang: Lang) -> String {
    match time {
        Some(x) => format!(
            "{} ({})",
            x.strftime("%Y-%m-%d %H:%M UTC"),
            when(now, time, lang)
        ),
        None => "–".into(),
    }
}

/// The detail lines: every field of the state, then what is wrong with it.
fn state_detail(
    p: &PatchState,
    now: jiff::Timestamp,
    policy: PatchPolicy,
    lang: Lang,
) -> Vec<String> {
    let n = |v: i32| v.to_string();
    let none = || "–".to_string();
    let mut out = vec![
        tf(
            lang,
            "ui.detail.patch_baseline",
            &[
                ("name", &p.baseline_name.clone().unwrap_or_else(none)),
                ("id", &p.baseline_id),
            ],
        ),
        tf(
            lang,
            "ui.detail.patch_group",
            &[("group", &p.patch_group.clone().unwrap_or_else(none))],
        ),
        tf(
            lang,
            "ui.detail.patch_operation",
            &[
                ("op", operation(p.operation)),
                ("start", &at(now, p.operation_start, lang)),
                ("end", &at(now, p.operation_end, lang)),
            ],
        ),
        tf(
            lang,
            "ui.detail.patch_installed",
            &[
                ("installed", &n(p.installed)),
                ("other", &n(p.installed_other)),
                ("pending", &n(p.installed_pending_reboot)),
                ("rejected", &n(p.installed_rejected)),
            ],
        ),
        tf(
            lang,
            "ui.detail.patch_missing",
            &[
                ("missing", &n(p.missing)),
                ("failed", &n(p.failed)),
                ("na", &n(p.not_applicable)),
            ],
        ),
        tf(
            lang,
            "ui.detail.patch_non_compliant",
            &[
                ("critical", &n(p.critical_non_compliant)),
                ("security", &n(p.security_non_compliant)),
                ("other", &n(p.other_non_compliant)),
            ],
        ),
        tf(
            lang,
            "ui.detail.patch_reboot",
            &[("option", &p.reboot_option.clone().unwrap_or_else(none))],
        ),
    ];
    for f in findings(p, now, policy) {
        out.push(format!("⚠ {}", crate::present::finding_what(&f, lang)));
    }
    out
}
