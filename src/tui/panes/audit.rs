//! Audit (`:audit`): every write ssmdeck made, newest first, from the audit log.

use super::{Column, PaneData, PaneRows, PaneSpec};
use crate::domain::snapshot::Source;
use crate::i18n::{Lang, tf};
use crate::tui::rows::{Row, Tone, cell};

pub(super) struct Spec;

const COLUMNS: &[Column] = &[
    Column::new("ui.col.time", 1),
    Column::id("ui.col.action"),
    Column::new("ui.col.parameters", 2),
    Column::new("ui.col.outcome", 0),
];

impl PaneSpec for Spec {
    fn key(&self) -> &'static str {
        "pane.audit"
    }
    fn command(&self) -> &'static str {
        "audit"
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
    /// Its rows come from the log when the pane is opened.
    fn rows(&self, _data: &PaneData) -> Option<PaneRows> {
        None
    }
}

pub fn audit_rows(entries: &[crate::engine::audit::AuditEntry], lang: Lang) -> Vec<Row> {
    entries
        .iter()
        .rev()
        .enumerate()
        .map(|(i, e)| {
            let params = match &e.parameters {
                serde_json::Value::Object(map) => map
                    .iter()
                    .filter(|(k, _)| k.as_str() != "action")
                    .map(|(k, v)| {
                        format!(
                            "{k}={}",
                            v.as_str()
                                .map(str::to_string)
                                .unwrap_or_else(|| v.to_string())
                        )
                    })
                    .collect::<Vec<_>>()
                    .join(" "),
                other => other.to_string(),
            };
            let tone = if e.outcome.starts_with("ok") {
                Tone::Good
            } else {
                Tone::Bad
            };
            // To the second, in UTC: the log keeps the full timestamp.
            let time = e
                .time
                .parse::<jiff::Timestamp>()
                .map(|t| t.strftime("%Y-%m-%d %H:%M:%SZ").to_string())
                .unwrap_or_else(|_| e.time.clone());
            let detail = vec![
                format!(
                    "{} · {} · {} · {}",
                    e.time,
                    e.profile,
                    e.region,
                    tf(
                        lang,
                        "ui.header.account",
                        &[("account", e.account.as_deref().unwrap_or("?"))]
                    )
                ),
                format!("{} {params}", e.action),
                format!("→ {}", e.outcome),
            ];
            Row::new(
                format!("{i}:{}", e.time),
                vec![
                    cell(time, Tone::Dim),
                    cell(e.action.clone(), Tone::Normal),
                    cell(params, Tone::Normal),
                    cell(e.outcome.clone(), tone),
                ],
                Vec::new(),
                detail,
            )
        })
        .collect()
}

/// The audit log's tail read: the pane's rows, or the error on the status line.
pub fn audit_loaded(
    app: &mut crate::tui::app::App,
    result: Result<Vec<crate::engine::audit::AuditEntry>, String>,
) {
    match result {
        Ok(entries) => {
            let page = app.page();
            let rows = audit_rows(&entries, app.lang);
            if let Some(t) = app.tables.get_mut(crate::tui::app::Pane::Audit.index()) {
                t.set_rows(rows, page);
            }
        }
        Err(e) => app.error(e),
    }
}
