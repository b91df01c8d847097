//! Rows of the fleet panes (Inventory, Patches, Commands, Windows) and their detail views.

use std::collections::{HashMap, HashSet};

use jiff::Timestamp;

use super::rows::{Cell, Row, Tone};
use crate::domain::model::{Instance, Invocation, PatchEntry, PatchOperation};
use crate::domain::snapshot::Snapshot;
use crate::engine::fleet::{InventoryDetail, WindowDetail};
use crate::i18n::{Lang, t, tf};

pub const INVENTORY_COLUMNS: [&str; 8] = [
    "ui.col.node",
    "ui.col.name",
    "ui.col.platform",
    "ui.col.agent",
    "ui.col.ip",
    "ui.col.computer",
    "ui.col.apps",
    "ui.col.last_inventory",
];
pub const PATCH_COLUMNS: [&str; 12] = [
    "ui.col.node",
    "ui.col.name",
    "ui.col.operation",
    "ui.col.when",
    "ui.col.installed",
    "ui.col.other",
    "ui.col.pending_reboot",
    "ui.col.missing",
    "ui.col.failed",
    "ui.col.na",
    "ui.col.crit_sec",
    "ui.col.compliance",
];
pub const COMMAND_COLUMNS: [&str; 7] = [
    "ui.col.command",
    "ui.col.document",
    "ui.col.requested",
    "ui.col.status",
    "ui.col.targets",
    "ui.col.done_errors",
    "ui.col.comment",
];
pub const WINDOW_COLUMNS: [&str; 6] = [
    "ui.col.name",
    "ui.col.id",
    "ui.col.schedule",
    "ui.col.enabled",
    "ui.col.next_run",
    "ui.col.duration",
];
pub const APP_COLUMNS: [&str; 3] = ["ui.col.application", "ui.col.version", "ui.col.publisher"];
pub const PATCH_ENTRY_COLUMNS: [&str; 5] = [
    "ui.col.title",
    "ui.col.kb",
    "ui.col.classification",
    "ui.col.severity",
    "ui.col.state",
];
pub const INVOCATION_COLUMNS: [&str; 4] = [
    "ui.col.instance",
    "ui.col.status",
    "ui.col.details",
    "ui.col.code",
];
pub const WINDOW_DETAIL_COLUMNS: [&str; 4] =
    ["ui.col.kind", "ui.col.id", "ui.col.what", "ui.col.status"];

fn cell(text: impl Into<String>, tone: Tone) -> Cell {
    Cell {
        text: text.into(),
        tone,
    }
}

fn when(now: Timestamp, t: Option<Timestamp>) -> String {
    t.map(|t| format!("{} ago", super::render::age(now, t)))
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

fn names(s: &Snapshot) -> HashMap<&str, &Instance> {
    s.instances
        .instances
        .iter()
        .map(|i| (i.id.as_str(), i))
        .collect()
}

fn allowed(members: &Option<HashSet<String>>, id: &str) -> bool {
    members.as_ref().is_none_or(|m| m.contains(id))
}

pub fn inventory_rows(
    s: &Snapshot,
    now: Timestamp,
    members: &Option<HashSet<String>>,
    lang: Lang,
) -> Vec<Row> {
    let inst = names(s);
    let inv: HashMap<&str, _> = s
        .inventory
        .iter()
        .map(|x| (x.instance_id.as_str(), x))
        .collect();
    s.nodes
        .nodes
        .iter()
        .filter(|n| allowed(members, &n.instance_id))
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
                            .unwrap_or_default(),
                        Tone::Normal,
                    ),
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
                        Some(x) => cell(when(now, x.capture_time), Tone::Normal),
                        None => cell(t(lang, "cell.not_collected"), Tone::Dim),
                    },
                ],
                Vec::new(),
                vec![format!(
                    "ping {} · Enter lists the applications",
                    n.ping.as_str()
                )],
            )
        })
        .collect()
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Compliance {
    pub compliant: usize,
    pub non_compliant: usize,
    pub no_data: usize,
}

pub fn compliance(s: &Snapshot, members: &Option<HashSet<String>>) -> Compliance {
    let states: HashMap<&str, bool> = s
        .patches
        .iter()
        .map(|p| (p.instance_id.as_str(), p.compliant()))
        .collect();
    let mut c = Compliance::default();
    for n in s
        .nodes
        .nodes
        .iter()
        .filter(|n| allowed(members, &n.instance_id))
    {
        match states.get(n.instance_id.as_str()) {
            Some(true) => c.compliant += 1,
            Some(false) => c.non_compliant += 1,
            None => c.no_data += 1,
        }
    }
    c
}

pub fn patch_rows(
    s: &Snapshot,
    now: Timestamp,
    members: &Option<HashSet<String>>,
    lang: Lang,
) -> Vec<Row> {
    let inst = names(s);
    let states: HashMap<&str, _> = s
        .patches
        .iter()
        .map(|p| (p.instance_id.as_str(), p))
        .collect();
    s.nodes
        .nodes
        .iter()
        .filter(|n| allowed(members, &n.instance_id))
        .map(|n| {
            let name = inst
                .get(n.instance_id.as_str())
                .and_then(|i| i.name.clone())
                .unwrap_or_default();
            let mut cells = vec![
                cell(n.instance_id.clone(), Tone::Normal),
                cell(name, Tone::Normal),
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
                    cells.push(cell(when(now, p.operation_end), Tone::Normal));
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
                    detail.push(format!("baseline {}", p.baseline_id));
                }
            }
            Row::new(n.instance_id.clone(), cells, Vec::new(), detail)
        })
        .collect()
}

fn status_tone(status: &str) -> Tone {
    match status {
        "Success" => Tone::Good,
        "Pending" | "InProgress" | "Delayed" | "Cancelling" => Tone::Warn,
        "Cancelled" => Tone::Dim,
        _ => Tone::Bad,
    }
}

fn status_cell(status: &str) -> Cell {
    let mark = match status_tone(status) {
        Tone::Good => "✓",
        Tone::Warn => "…",
        Tone::Dim => "–",
        _ => "✗",
    };
    cell(format!("{mark} {status}"), status_tone(status))
}

pub fn command_rows(s: &Snapshot, now: Timestamp, members: &Option<HashSet<String>>) -> Vec<Row> {
    s.commands
        .iter()
        .filter(|c| members.is_none() || c.instance_ids.iter().any(|i| allowed(members, i)))
        .map(|c| {
            Row::new(
                c.id.clone(),
                vec![
                    cell(c.id.clone(), Tone::Normal),
                    cell(c.document.clone(), Tone::Normal),
                    cell(when(now, c.requested), Tone::Normal),
                    status_cell(&c.status),
                    cell(c.target_count.to_string(), Tone::Normal),
                    cell(
                        format!("{}/{}", c.completed_count, c.error_count),
                        if c.error_count > 0 {
                            Tone::Bad
                        } else {
                            Tone::Normal
                        },
                    ),
                    cell(c.comment.clone().unwrap_or_default(), Tone::Dim),
                ],
                Vec::new(),
                vec![format!("targets: {}", c.instance_ids.join(", "))],
            )
        })
        .collect()
}

pub fn window_rows(s: &Snapshot) -> Vec<Row> {
    s.windows
        .iter()
        .map(|w| {
            Row::new(
                w.id.clone(),
                vec![
                    cell(w.name.clone(), Tone::Normal),
                    cell(w.id.clone(), Tone::Dim),
                    cell(w.schedule.clone(), Tone::Normal),
                    if w.enabled {
                        cell("✓ yes", Tone::Good)
                    } else {
                        cell("✗ no", Tone::Warn)
                    },
                    cell(
                        w.next_execution.clone().unwrap_or_else(|| "–".into()),
                        Tone::Normal,
                    ),
                    cell(
                        format!("{}h / {}h", w.duration_hours, w.cutoff_hours),
                        Tone::Normal,
                    ),
                ],
                Vec::new(),
                Vec::new(),
            )
        })
        .collect()
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
pub fn inventory_header(d: &InventoryDetail) -> Vec<String> {
    let mut out = Vec::new();
    for n in &d.network {
        out.push(format!(
            "network {}: {} · MAC {} · DHCP {}",
            field(n, "Name"),
            field(n, "IPV4"),
            field(n, "MacAddress"),
            field(n, "DHCPServer")
        ));
    }
    for i in &d.information {
        out.push(format!(
            "{} {} · agent {} · {}",
            field(i, "PlatformName"),
            field(i, "PlatformVersion"),
            field(i, "AgentVersion"),
            field(i, "ComputerName")
        ));
    }
    out
}

pub fn patch_entry_rows(entries: &[PatchEntry]) -> Vec<Row> {
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
                ],
                Vec::new(),
                Vec::new(),
            )
        })
        .collect()
}

/// GetCommandInvocation returns at most this many characters of output.
pub const STDOUT_LIMIT: usize = 24_000;
pub const STDERR_LIMIT: usize = 8_000;

pub fn invocation_rows(invocations: &[Invocation]) -> Vec<Row> {
    invocations
        .iter()
        .map(|i| {
            let mut detail = Vec::new();
            if !i.stdout.is_empty() {
                detail.push("── stdout ──".to_string());
                detail.extend(i.stdout.lines().map(str::to_string));
                if i.stdout.chars().count() >= STDOUT_LIMIT {
                    detail.push("(AWS truncated stdout at 24,000 characters; send output to S3 for all of it)".into());
                }
            }
            if !i.stderr.is_empty() {
                detail.push("── stderr ──".to_string());
                detail.extend(i.stderr.lines().map(str::to_string));
                if i.stderr.chars().count() >= STDERR_LIMIT {
                    detail.push("(AWS truncated stderr at 8,000 characters)".into());
                }
            }
            if detail.is_empty() {
                detail.push("(no output yet)".into());
            }
            Row::new(
                i.instance_id.clone(),
                vec![
                    cell(i.instance_id.clone(), Tone::Normal),
                    status_cell(&i.status),
                    cell(i.status_details.clone(), Tone::Dim),
                    cell(i.response_code.map(|c| c.to_string()).unwrap_or_else(|| "–".into()), Tone::Normal),
                ],
                Vec::new(),
                detail,
            )
        })
        .collect()
}

pub fn window_detail_rows(d: &WindowDetail, now: Timestamp) -> Vec<Row> {
    let mut rows = Vec::new();
    for t in &d.targets {
        rows.push(Row::new(
            format!("target/{}", t.id),
            vec![
                cell("target", Tone::Normal),
                cell(t.id.clone(), Tone::Dim),
                cell(
                    format!(
                        "{} {}",
                        t.name.clone().unwrap_or_default(),
                        t.targets.join(" ")
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
    for t in &d.tasks {
        rows.push(Row::new(
            format!("task/{}", t.id),
            vec![
                cell("task", Tone::Normal),
                cell(t.id.clone(), Tone::Dim),
                cell(
                    format!(
                        "{} ({}) priority {} · concurrency {} · errors {}",
                        t.task,
                        t.task_type,
                        t.priority,
                        t.max_concurrency.as_deref().unwrap_or("–"),
                        t.max_errors.as_deref().unwrap_or("–")
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
                cell("execution", Tone::Normal),
                cell(e.id.clone(), Tone::Dim),
                cell(format!("started {}", when(now, e.start)), Tone::Normal),
                cell(e.status.clone(), tone),
            ],
            Vec::new(),
            Vec::new(),
        ));
    }
    rows
}
