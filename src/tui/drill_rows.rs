//! Rows of the fleet panes' detail views (a node's applications and patches, a command's
//! invocations, a window's targets, tasks and executions), and what the fleet panes share.

use std::collections::HashSet;

use jiff::Timestamp;

use super::panes::Column;
use super::rows::{Cell, Row, Tone};
use crate::domain::model::{Invocation, PatchEntry, PatchFilter, STDERR_LIMIT, STDOUT_LIMIT};
use crate::domain::snapshot::Snapshot;
use crate::engine::fleet::{InventoryDetail, WindowDetail};
use crate::i18n::{Lang, t, tf};

pub const APP_COLUMNS: &[Column] = &[
    Column::id("ui.col.application"),
    Column::new("ui.col.version", 0),
    Column::new("ui.col.publisher", 1),
];
pub const PATCH_ENTRY_COLUMNS: &[Column] = &[
    Column::new("ui.col.title", 0),
    Column::new("ui.col.kb", 3),
    Column::new("ui.col.classification", 2),
    Column::new("ui.col.severity", 0),
    Column::new("ui.col.state", 0),
    Column::new("ui.col.installed_at", 1),
];
pub const INVOCATION_COLUMNS: &[Column] = &[
    Column::id("ui.col.instance"),
    Column::new("ui.col.status", 0),
    Column::new("ui.col.details", 2),
    Column::new("ui.col.code", 1),
];
pub const WINDOW_DETAIL_COLUMNS: &[Column] = &[
    Column::new("ui.col.kind", 0),
    Column::id("ui.col.id"),
    Column::new("ui.col.what", 1),
    Column::new("ui.col.status", 0),
];

fn cell(text: impl Into<String>, tone: Tone) -> Cell {
    Cell {
        text: text.into(),
        tone,
    }
}

/// `3m ago` in `lang`, or a dash.
pub(crate) fn when(now: Timestamp, t: Option<Timestamp>, lang: Lang) -> String {
    t.map(|t| tf(lang, "cell.ago", &[("age", &super::render::age(now, t))]))
        .unwrap_or_else(|| "–".into())
}

/// The instances the `:group` filter lets through (`None`: every instance).
pub fn group_members(s: &Snapshot, group: Option<&(String, String)>) -> Option<HashSet<String>> {
    let (k, v) = group?;
    Some(
        s.instances
            .instances
            .iter()
            .filter(|i| i.tags.iter().any(|(tk, tv)| tk == k && tv == v))
            .map(|i| i.id.clone())
            .collect(),
    )
}

pub(crate) fn status_tone(status: &str) -> Tone {
    match status {
        "Success" => Tone::Good,
        "Pending" | "InProgress" | "Delayed" | "Cancelling" => Tone::Warn,
        "Cancelled" => Tone::Dim,
        _ => Tone::Bad,
    }
}

pub(crate) fn status_cell(status: &str) -> Cell {
    let mark = match status_tone(status) {
        Tone::Good => "✓",
        Tone::Warn => "…",
        Tone::Dim => "–",
        _ => "✗",
    };
    cell(format!("{mark} {status}"), status_tone(status))
}

fn field<'a>(e: &'a crate::domain::model::InventoryEntry, k: &str) -> &'a str {
    e.get(k).map(String::as_str).unwrap_or("")
}

pub fn application_rows(d: &InventoryDetail) -> Vec<Row> {
    let mut apps: Vec<&crate::domain::model::InventoryEntry> = d.applications.iter().collect();
    apps.sort_by_key(|a| field(a, "Name").to_lowercase());
    apps.into_iter()
        .map(|a| {
            Row::new(
                format!("{}@{}", field(a, "Name"), field(a, "Version")),
                vec![
                    cell(field(a, "Name"), Tone::Normal),
                    cell(field(a, "Version"), Tone::Normal),
                    cell(field(a, "Publisher"), Tone::Dim),
                ],
                Vec::new(),
                Vec::new(),
            )
        })
        .collect()
}

/// Lines shown above a node's applications: network and instance details when present.
pub fn inventory_header(d: &InventoryDetail, lang: Lang) -> Vec<String> {
    let mut out = Vec::new();
    for n in &d.network {
        out.push(tf(
            lang,
            "ui.detail.network",
            &[
                ("name", field(n, "Name")),
                ("ip", field(n, "IPV4")),
                ("mac", field(n, "MacAddress")),
                ("dhcp", field(n, "DHCPServer")),
            ],
        ));
    }
    out.extend(super::association_rows::node_lines(&d.associations, lang));
    for i in &d.information {
        out.push(tf(
            lang,
            "ui.detail.node",
            &[
                ("platform", field(i, "PlatformName")),
                ("version", field(i, "PlatformVersion")),
                ("agent", field(i, "AgentVersion")),
                ("computer", field(i, "ComputerName")),
            ],
        ));
    }
    out
}

/// Which patches are shown, how many, and the key that changes it.
pub fn patch_filter_line(filter: PatchFilter, shown: usize, lang: Lang) -> String {
    let which = match filter {
        PatchFilter::All => "ui.patch_filter.all",
        PatchFilter::MissingOrFailed => "ui.patch_filter.missing_failed",
        PatchFilter::Critical => "ui.patch_filter.critical",
    };
    tf(
        lang,
        "ui.patch_filter.line",
        &[("which", &t(lang, which)), ("n", &shown.to_string())],
    )
}

/// A node's patches in the order given (most severe first), each with its install time.
pub fn patch_entry_rows(entries: &[PatchEntry], now: Timestamp, lang: Lang) -> Vec<Row> {
    entries
        .iter()
        .map(|p| {
            let tone = match p.state.as_str() {
                "Missing" | "Failed" => Tone::Bad,
                "InstalledPendingReboot" => Tone::Warn,
                _ => Tone::Normal,
            };
            Row::new(
                format!("{}/{}", p.kb_id, p.title),
                vec![
                    cell(p.title.clone(), Tone::Normal),
                    cell(p.kb_id.clone(), Tone::Dim),
                    cell(p.classification.clone(), Tone::Normal),
                    cell(
                        p.severity.clone(),
                        if p.severity == "Critical" {
                            Tone::Bad
                        } else {
                            Tone::Normal
                        },
                    ),
                    cell(p.state.clone(), tone),
                    cell(when(now, p.installed_time, lang), Tone::Dim),
                ],
                Vec::new(),
                Vec::new(),
            )
        })
        .collect()
}

pub fn invocation_rows(invocations: &[Invocation], lang: Lang) -> Vec<Row> {
    invocations
        .iter()
        .map(|i| {
            let mut detail = Vec::new();
            // Read whole from S3 or CloudWatch Logs: said first, and nothing is cut.
            let whole = i.read_from.is_some();
            if let Some(place) = &i.read_from {
                detail.push(tf(lang, "ui.detail.read_from", &[("place", place)]));
            }
            if !i.stdout.is_empty() {
                detail.push("── stdout ──".to_string());
                detail.extend(i.stdout.lines().map(str::to_string));
                if !whole && i.stdout.chars().count() >= STDOUT_LIMIT {
                    detail.push(t(lang, "ui.detail.stdout_cut"));
                }
            }
            if !i.stderr.is_empty() {
                detail.push("── stderr ──".to_string());
                detail.extend(i.stderr.lines().map(str::to_string));
                if !whole && i.stderr.chars().count() >= STDERR_LIMIT {
                    detail.push(t(lang, "ui.detail.stderr_cut"));
                }
            }
            if detail.is_empty() {
                detail.push(t(lang, "ui.detail.no_output"));
            }
            Row::new(
                i.instance_id.clone(),
                vec![
                    cell(i.instance_id.clone(), Tone::Normal),
                    status_cell(&i.status),
                    cell(i.status_details.clone(), Tone::Dim),
                    cell(
                        i.response_code
                            .map(|c| c.to_string())
                            .unwrap_or_else(|| "–".into()),
                        Tone::Normal,
                    ),
                ],
                Vec::new(),
                detail,
            )
        })
        .collect()
}

pub fn window_detail_rows(d: &WindowDetail, now: Timestamp, lang: Lang) -> Vec<Row> {
    let mut rows = Vec::new();
    for target in &d.targets {
        rows.push(Row::new(
            format!("target/{}", target.id),
            vec![
                cell(t(lang, "cell.kind.target"), Tone::Normal),
                cell(target.id.clone(), Tone::Dim),
                cell(
                    format!(
                        "{} {}",
                        target.name.clone().unwrap_or_default(),
                        target.targets.join(" ")
                    )
                    .trim()
                    .to_string(),
                    Tone::Normal,
                ),
                cell("", Tone::Normal),
            ],
            Vec::new(),
            Vec::new(),
        ));
    }
    for task in &d.tasks {
        rows.push(Row::new(
            format!("task/{}", task.id),
            vec![
                cell(t(lang, "cell.kind.task"), Tone::Normal),
                cell(task.id.clone(), Tone::Dim),
                cell(
                    tf(
                        lang,
                        "cell.task",
                        &[
                            ("task", &task.task),
                            ("type", &task.task_type),
                            ("priority", &task.priority.to_string()),
                            (
                                "concurrency",
                                task.max_concurrency.as_deref().unwrap_or("–"),
                            ),
                            ("errors", task.max_errors.as_deref().unwrap_or("–")),
                        ],
                    ),
                    Tone::Normal,
                ),
                cell("", Tone::Normal),
            ],
            Vec::new(),
            Vec::new(),
        ));
    }
    for e in &d.executions {
        let tone = match e.status.as_str() {
            "SUCCESS" => Tone::Good,
            "PENDING" | "IN_PROGRESS" => Tone::Warn,
            _ => Tone::Bad,
        };
        rows.push(Row::new(
            format!("execution/{}", e.id),
            vec![
                cell(t(lang, "cell.kind.execution"), Tone::Normal),
                cell(e.id.clone(), Tone::Dim),
                cell(
                    tf(lang, "cell.started", &[("when", &when(now, e.start, lang))]),
                    Tone::Normal,
                ),
                cell(e.status.clone(), tone),
            ],
            Vec::new(),
            Vec::new(),
        ));
    }
    rows
}
