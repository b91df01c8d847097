//! State Manager associations as rows: the Associations pane, an association's nodes when
//! it is opened, and a node's associations in its inventory detail.

use jiff::Timestamp;

use super::drill_rows::when;
use super::panes::Column;
use super::rows::{Cell, Row, Tone};
use crate::domain::associations::node_associations;
use crate::domain::model::{NodeAssociation, StateAssociation};
use crate::domain::snapshot::Snapshot;
use crate::engine::fleet::AssociationDetail;
use crate::i18n::{Lang, t, tf};

pub const NODE_COLUMNS: &[Column] = &[
    Column::id("ui.col.node"),
    Column::new("ui.col.status", 0),
    Column::new("ui.col.when", 1),
    Column::new("ui.col.details", 2),
];

fn cell(text: impl Into<String>, tone: Tone) -> Cell {
    Cell {
        text: text.into(),
        tone,
    }
}

pub fn status_tone(status: &str) -> Tone {
    match status {
        "Success" => Tone::Good,
        "Failed" => Tone::Bad,
        "Pending" | "InProgress" => Tone::Warn,
        _ => Tone::Normal,
    }
}

/// `tag:Env=prod,staging · InstanceIds=*`.
pub fn targets_text(a: &StateAssociation) -> String {
    a.targets
        .iter()
        .map(|t| t.text())
        .collect::<Vec<_>>()
        .join(" · ")
}

/// The managed nodes the association targets, as far as ids and tags tell.
pub fn targeted_nodes(s: &Snapshot, association_id: &str) -> Vec<String> {
    let Some(a) = s.state_associations.iter().find(|a| a.id == association_id) else {
        return Vec::new();
    };
    let tags: std::collections::HashMap<&str, &[(String, String)]> = s
        .instances
        .instances
        .iter()
        .map(|i| (i.id.as_str(), i.tags.as_slice()))
        .collect();
    s.nodes
        .nodes
        .iter()
        .filter(|n| {
            let t = tags.get(n.instance_id.as_str()).copied().unwrap_or(&[]);
            a.targets_node(&n.instance_id, t)
        })
        .map(|n| n.instance_id.clone())
        .collect()
}

/// How many managed nodes each association reaches, in the snapshot's order: what its
/// overview counts when AWS gave one (it sees the tags of hybrid nodes too), else what ids
/// and EC2 tags tell.
pub fn reach(s: &Snapshot) -> Vec<usize> {
    let tags: std::collections::HashMap<&str, &[(String, String)]> = s
        .instances
        .instances
        .iter()
        .map(|i| (i.id.as_str(), i.tags.as_slice()))
        .collect();
    let mut counts = vec![0; s.state_associations.len()];
    for n in &s.nodes.nodes {
        let t = tags.get(n.instance_id.as_str()).copied().unwrap_or(&[]);
        for a in node_associations(&s.state_associations, &n.instance_id, t) {
            if let Some(k) = s.state_associations.iter().position(|x| x.id == a.id) {
                counts[k] += 1;
            }
        }
    }
    for (count, a) in counts.iter_mut().zip(&s.state_associations) {
        let reported: i32 = a.status_counts.iter().map(|(_, n)| *n).sum();
        if reported > 0 {
            *count = usize::try_from(reported).unwrap_or(*count);
        }
    }
    counts
}

/// The overview: `Success` with its counts per status (`Success 10 · Pending 2`).
pub fn overview(a: &StateAssociation) -> String {
    let status = a.status.clone().unwrap_or_else(|| "–".into());
    if a.status_counts.is_empty() {
        return status;
    }
    let counts: Vec<String> = a
        .status_counts
        .iter()
        .map(|(k, v)| format!("{k} {v}"))
        .collect();
    format!("{status} ({})", counts.join(" · "))
}

pub fn association_rows(s: &Snapshot, now: Timestamp, lang: Lang) -> Vec<Row> {
    let reach = reach(s);
    s.state_associations
        .iter()
        .enumerate()
        .map(|(k, a)| {
            let status = a.status.as_deref().unwrap_or("");
            Row::new(
                a.id.clone(),
                vec![
                    cell(a.label().to_string(), Tone::Normal),
                    cell(a.id.clone(), Tone::Dim),
                    cell(
                        a.document.clone(),
                        if a.collects_inventory() {
                            Tone::Good
                        } else {
                            Tone::Normal
                        },
                    ),
                    cell(targets_text(a), Tone::Normal),
                    cell(reach.get(k).copied().unwrap_or(0).to_string(), Tone::Normal),
                    cell(
                        a.schedule.clone().unwrap_or_else(|| t(lang, "cell.once")),
                        Tone::Normal,
                    ),
                    cell(when(now, a.last_execution, lang), Tone::Normal),
                    cell(overview(a), status_tone(status)),
                ],
                Vec::new(),
                Vec::new(),
            )
        })
        .collect()
}

/// An opened association: its document, targets, schedule and parameters.
pub fn header(d: &AssociationDetail, now: Timestamp, lang: Lang) -> Vec<String> {
    let a = &d.association;
    let mut out = vec![tf(
        lang,
        "ui.detail.association",
        &[
            ("document", &a.document),
            ("targets", &targets_text(a)),
            (
                "schedule",
                &a.schedule.clone().unwrap_or_else(|| t(lang, "cell.once")),
            ),
            ("last", &when(now, a.last_execution, lang)),
            ("status", &overview(a)),
        ],
    )];
    if !a.parameters.is_empty() {
        let params: Vec<String> = a
            .parameters
            .iter()
            .map(|(k, v)| format!("{k}={}", v.join(",")))
            .collect();
        out.push(tf(
            lang,
            "ui.detail.association_parameters",
            &[("parameters", &params.join(" "))],
        ));
    }
    out
}

/// What an execution said: its summary, or its error code.
fn outcome(n: &NodeAssociation) -> String {
    let detail = n.detailed_status.as_deref().unwrap_or_default();
    let mut parts: Vec<&str> = Vec::new();
    if !detail.is_empty() && detail != n.status {
        parts.push(detail);
    }
    if let Some(e) = n.error_code.as_deref() {
        parts.push(e);
    }
    if let Some(s) = n.execution_summary.as_deref() {
        parts.push(s.trim());
    }
    parts.join(" · ")
}

pub fn node_rows(nodes: &[NodeAssociation], now: Timestamp, lang: Lang) -> Vec<Row> {
    nodes
        .iter()
        .map(|n| {
            Row::new(
                n.instance_id.clone(),
                vec![
                    cell(n.instance_id.clone(), Tone::Normal),
                    cell(n.status.clone(), status_tone(&n.status)),
                    cell(when(now, n.execution_date, lang), Tone::Normal),
                    cell(outcome(n), Tone::Dim),
                ],
                Vec::new(),
                Vec::new(),
            )
        })
        .collect()
}

/// A node's associations, a line each, for its inventory detail.
pub fn node_lines(nodes: &[NodeAssociation], lang: Lang) -> Vec<String> {
    if nodes.is_empty() {
        return vec![t(lang, "ui.detail.no_associations")];
    }
    nodes
        .iter()
        .map(|n| {
            tf(
                lang,
                "ui.detail.node_association",
                &[
                    (
                        "name",
                        n.association_name.as_deref().unwrap_or(&n.association_id),
                    ),
                    ("document", &n.document),
                    ("status", &n.status),
                    (
                        "when",
                        &n.execution_date
                            .map(|t| t.strftime("%Y-%m-%d %H:%M").to_string())
                            .unwrap_or_else(|| "–".into()),
                    ),
                    ("outcome", &outcome(n)),
                ],
            )
        })
        .collect()
}

/// One line on whether inventory is collected on every managed node, and the key that
/// sets it up where it is not.
pub fn coverage_line(
    s: &Snapshot,
    managed: usize,
    r: &crate::domain::readiness::Readiness,
    lang: Lang,
    key: &str,
) -> (String, Tone) {
    use crate::domain::snapshot::Source;
    if !s.has_data(Source::Associations) {
        let key = if s.status(Source::Associations).error.is_some() {
            "ui.inventory.associations_unreadable"
        } else {
            "ui.inventory.associations_unknown"
        };
        return (t(lang, key), Tone::Dim);
    }
    let missing = crate::domain::plan::uncollected(r, &[]).len();
    if missing == 0 {
        let text = tf(
            lang,
            "ui.inventory.collected_everywhere",
            &[("total", &managed.to_string())],
        );
        return (format!("✓ {text}"), Tone::Good);
    }
    let text = tf(
        lang,
        "ui.inventory.not_collected",
        &[
            ("missing", &missing.to_string()),
            ("total", &managed.to_string()),
            ("key", key),
        ],
    );
    (format!("✗ {text}"), Tone::Warn)
}
