//! Table rows of each pane, built once per data change from the readiness report.

use std::collections::HashMap;

use crate::domain::findings::Finding;
use crate::domain::model::{DEFAULT_ROLE_NAME, SsmPolicy};
use crate::domain::readiness::{Readiness, ServiceStatus, Verdict, VpcReport};
use crate::domain::snapshot::Snapshot;
use crate::i18n::{Lang, t, tf};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tone {
    Normal,
    Good,
    Warn,
    Bad,
    Dim,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cell {
    pub text: String,
    pub tone: Tone,
}

fn cell(text: impl Into<String>, tone: Tone) -> Cell {
    Cell {
        text: text.into(),
        tone,
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Row {
    /// The resource the row stands for; selection and marks follow it.
    pub id: String,
    pub cells: Vec<Cell>,
    /// Lower-cased text the filter matches against.
    pub haystack: String,
    /// Findings shown in the detail panel.
    pub findings: Vec<Finding>,
    /// Extra lines for the detail panel.
    pub detail: Vec<String>,
    /// With several accounts or regions: the position of the row's scope.
    pub scope: Option<usize>,
}

impl Row {
    pub fn new(id: String, cells: Vec<Cell>, findings: Vec<Finding>, detail: Vec<String>) -> Self {
        let haystack = cells
            .iter()
            .map(|c| c.text.as_str())
            .chain(std::iter::once(id.as_str()))
            .collect::<Vec<_>>()
            .join(" ")
            .to_lowercase();
        Self {
            id,
            cells,
            haystack,
            findings,
            detail,
            scope: None,
        }
    }
}

pub const ENDPOINT_COLUMNS: [&str; 8] = [
    "ui.col.vpc",
    "ui.col.service",
    "ui.col.need",
    "ui.col.state",
    "ui.col.private_dns",
    "ui.col.azs",
    "ui.col.https",
    "ui.col.vpc_dns",
];
pub const ROLE_COLUMNS: [&str; 6] = [
    "ui.col.role",
    "ui.col.trusts_ec2",
    "ui.col.ssm_policy",
    "ui.col.profiles",
    "ui.col.instance_count",
    "ui.col.note",
];
pub const INSTANCE_COLUMNS: [&str; 10] = [
    "ui.col.instance",
    "ui.col.name",
    "ui.col.state",
    "ui.col.subnet",
    "ui.col.az",
    "ui.col.profile",
    "ui.col.ping",
    "ui.col.agent",
    "ui.col.platform",
    "ui.col.readiness",
];

fn tick(v: bool) -> &'static str {
    if v { "✓" } else { "✗" }
}

fn short_az(az: &str) -> &str {
    // ap-northeast-2a → 2a
    az.rsplit('-').next().unwrap_or(az)
}

fn service_cells(vpc: &VpcReport, s: &ServiceStatus, lang: Lang) -> Vec<Cell> {
    let dependent = vpc.endpoint_dependent_instances > 0;
    let need = if s.required {
        cell(t(lang, "cell.required"), Tone::Normal)
    } else if s.short == "s3" {
        cell(t(lang, "cell.optional_patching"), Tone::Dim)
    } else {
        cell(t(lang, "cell.optional"), Tone::Dim)
    };
    let state = match s.state.as_deref() {
        None if s.required && dependent => cell(t(lang, "cell.missing"), Tone::Bad),
        None if s.required => cell(t(lang, "cell.missing"), Tone::Warn),
        None => cell(t(lang, "cell.none"), Tone::Dim),
        Some("available") => cell(t(lang, "cell.available"), Tone::Good),
        Some("pending") => cell(t(lang, "cell.pending"), Tone::Warn),
        Some(other) => cell(format!("✗ {other}"), Tone::Bad),
    };
    let dns = match s.private_dns {
        Some(true) => cell(t(lang, "cell.on"), Tone::Good),
        Some(false) => cell(t(lang, "cell.off"), Tone::Bad),
        None => cell("–", Tone::Dim),
    };
    let azs = if s.azs.is_empty() {
        cell("–", Tone::Dim)
    } else {
        let list: Vec<&str> = s.azs.iter().map(|a| short_az(a)).collect();
        cell(list.join(","), Tone::Normal)
    };
    let https = match s.https_from_instances {
        Some(true) => cell(t(lang, "cell.allowed"), Tone::Good),
        Some(false) => cell(t(lang, "cell.blocked"), Tone::Bad),
        None => cell("–", Tone::Dim),
    };
    let vpc_dns = match (vpc.dns_support, vpc.dns_hostnames) {
        (Some(a), Some(b)) => cell(
            tf(
                lang,
                "cell.vpc_dns",
                &[("support", tick(a)), ("hostnames", tick(b))],
            ),
            if a && b { Tone::Good } else { Tone::Bad },
        ),
        _ => cell(t(lang, "cell.unknown"), Tone::Dim),
    };
    vec![
        cell(
            vpc.name.clone().unwrap_or_else(|| vpc.vpc_id.clone()),
            Tone::Normal,
        ),
        cell(
            s.short.clone(),
            if s.required { Tone::Normal } else { Tone::Dim },
        ),
        need,
        state,
        dns,
        azs,
        https,
        vpc_dns,
    ]
}

pub fn endpoint_rows(r: &Readiness, lang: Lang) -> Vec<Row> {
    let mut rows = Vec::new();
    for vpc in &r.vpcs {
        for s in &vpc.services {
            let mut detail = vec![
                format!(
                    "{} · {} · {} · {} instance(s), {} depend on endpoints",
                    vpc.name.as_deref().unwrap_or("(no name)"),
                    vpc.vpc_id,
                    vpc.cidr,
                    vpc.instance_count,
                    vpc.endpoint_dependent_instances
                ),
                format!(
                    "{}: {}",
                    s.service_name,
                    s.endpoint_id.as_deref().unwrap_or("no endpoint")
                ),
            ];
            if s.short == "ec2" {
                detail.push("ec2 is optional: only VSS snapshots need it.".into());
            }
            rows.push(Row::new(
                format!("{}/{}", vpc.vpc_id, s.short),
                service_cells(vpc, s, lang),
                vpc.findings.clone(),
                detail,
            ));
        }
    }
    rows
}

pub fn role_rows(r: &Readiness, lang: Lang) -> Vec<Row> {
    let mut rows = Vec::new();
    if !r.roles.iter().any(|x| x.name == DEFAULT_ROLE_NAME) {
        rows.push(Row::new(
            DEFAULT_ROLE_NAME.to_string(),
            vec![
                cell(DEFAULT_ROLE_NAME, Tone::Bad),
                cell("–", Tone::Dim),
                cell("–", Tone::Dim),
                cell("–", Tone::Dim),
                cell("0", Tone::Dim),
                cell(t(lang, "cell.role_missing"), Tone::Bad),
            ],
            Vec::new(),
            vec![
                "ManagedInstancesRole does not exist yet.".into(),
                "It trusts ec2.amazonaws.com and carries AmazonSSMManagedInstanceCore, with an instance profile of the same name.".into(),
            ],
        ));
    }
    for role in &r.roles {
        let policy = match role.policy {
            SsmPolicy::Core => cell(t(lang, "cell.core"), Tone::Good),
            SsmPolicy::Deprecated => cell(t(lang, "cell.deprecated"), Tone::Warn),
            SsmPolicy::Custom => cell(t(lang, "cell.policy_custom"), Tone::Good),
            SsmPolicy::None => cell(t(lang, "cell.policy_none"), Tone::Bad),
            SsmPolicy::Unknown => cell(t(lang, "cell.policy_unknown"), Tone::Warn),
        };
        let note = if let Some(f) = role.findings.first() {
            cell(crate::present::finding_short(f, lang), Tone::Warn)
        } else if role.profiles.is_empty() {
            cell(t(lang, "cell.no_profile"), Tone::Warn)
        } else {
            cell(t(lang, "cell.usable"), Tone::Good)
        };
        rows.push(Row::new(
            role.name.clone(),
            vec![
                cell(role.name.clone(), Tone::Normal),
                cell(
                    tick(role.trusts_ec2),
                    if role.trusts_ec2 {
                        Tone::Good
                    } else {
                        Tone::Bad
                    },
                ),
                policy,
                cell(
                    if role.profiles.is_empty() {
                        "–".to_string()
                    } else {
                        role.profiles.join(", ")
                    },
                    Tone::Normal,
                ),
                cell(role.instance_count.to_string(), Tone::Normal),
                note,
            ],
            role.findings.clone(),
            vec![role.arn.clone()],
        ));
    }
    rows
}

pub fn instance_rows(s: &Snapshot, r: &Readiness, lang: Lang) -> Vec<Row> {
    let reports: HashMap<&str, usize> = r
        .instances
        .iter()
        .enumerate()
        .map(|(i, x)| (x.instance_id.as_str(), i))
        .collect();
    let nodes: HashMap<&str, usize> = s
        .nodes
        .nodes
        .iter()
        .enumerate()
        .map(|(i, n)| (n.instance_id.as_str(), i))
        .collect();
    let nodes_known = s.has_data(crate::domain::snapshot::Source::Nodes);
    let mut rows = Vec::with_capacity(s.instances.instances.len());
    for inst in &s.instances.instances {
        let Some(report) = reports.get(inst.id.as_str()).map(|i| &r.instances[*i]) else {
            continue;
        };
        let node = nodes.get(inst.id.as_str()).map(|i| &s.nodes.nodes[*i]);
        let state_tone = match inst.state.as_str() {
            "running" => Tone::Normal,
            _ => Tone::Dim,
        };
        let subnet = match report.public_subnet {
            Some(true) => t(lang, "cell.public"),
            Some(false) => t(lang, "cell.private"),
            None => "?".to_string(),
        };
        let ping = match (node, nodes_known) {
            (Some(n), _) => cell(
                n.ping.as_str(),
                if n.ping == crate::domain::model::PingStatus::Online {
                    Tone::Good
                } else {
                    Tone::Bad
                },
            ),
            (None, true) => cell("–", Tone::Dim),
            (None, false) => cell("?", Tone::Dim),
        };
        let agent = match node.and_then(|n| n.agent_version.clone()) {
            Some(v) if node.and_then(|n| n.is_latest_version) == Some(false) => {
                cell(format!("{v} (old)"), Tone::Warn)
            }
            Some(v) => cell(v, Tone::Normal),
            None => cell("–", Tone::Dim),
        };
        let platform = node
            .and_then(|n| n.platform_name.clone())
            .unwrap_or_else(|| {
                if inst.is_windows() {
                    "Windows".into()
                } else {
                    "Linux".into()
                }
            });
        let verdict_tone = match report.verdict {
            Verdict::Managed => Tone::Good,
            Verdict::Waiting | Verdict::Unknown => Tone::Warn,
            Verdict::NotRunning { .. } => Tone::Dim,
            Verdict::NotManaged | Verdict::ConnectionLost => Tone::Bad,
        };
        let detail = vec![format!(
            "{} · {} · {} · private IP {} · network path: {:?}",
            inst.id,
            inst.subnet_id.as_deref().unwrap_or("no subnet"),
            inst.vpc_id.as_deref().unwrap_or("no VPC"),
            inst.private_ip.as_deref().unwrap_or("–"),
            report.path
        )];
        rows.push(Row::new(
            inst.id.clone(),
            vec![
                cell(inst.id.clone(), Tone::Normal),
                cell(inst.name.clone().unwrap_or_default(), Tone::Normal),
                cell(inst.state.as_str(), state_tone),
                cell(subnet, Tone::Normal),
                cell(
                    inst.az.as_deref().map(short_az).unwrap_or("–"),
                    Tone::Normal,
                ),
                cell(
                    report.profile_name.clone().unwrap_or_else(|| "–".into()),
                    Tone::Normal,
                ),
                ping,
                agent,
                cell(platform, Tone::Normal),
                cell(crate::present::instance_summary(report, lang), verdict_tone),
            ],
            report.findings.clone(),
            detail,
        ));
    }
    rows
}

pub const AUDIT_COLUMNS: [&str; 4] = [
    "ui.col.time",
    "ui.col.action",
    "ui.col.parameters",
    "ui.col.outcome",
];

pub fn audit_rows(entries: &[crate::engine::audit::AuditEntry]) -> Vec<Row> {
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
                    "{} · {} · {} · account {}",
                    e.time,
                    e.profile,
                    e.region,
                    e.account.as_deref().unwrap_or("?")
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
