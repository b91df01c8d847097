//! Instances: every EC2 instance and hybrid node with its readiness verdict; `a`
//! attaches the profile, `f` fixes what blocks the selected ones, `x` runs a command, `S`
//! opens a shell, `U` updates the agent.

use std::collections::HashMap;

use super::{Column, PaneData, PaneRows, PaneSpec};
use crate::domain::findings::FindingKind;
use crate::domain::model::{ManagedNode, NodeKind, PingStatus};
use crate::domain::readiness::{InstanceReport, NetworkPath, Readiness, Verdict};
use crate::domain::snapshot::{Snapshot, Source};
use crate::i18n::{Lang, t, tf};
use crate::tui::app::{App, Effect};
use crate::tui::bindings::Action;
use crate::tui::fleet;
use crate::tui::plans::{PlanAction, propose};
use crate::tui::rows::{Row, Tone, cell, short_az};

pub(super) struct Spec;

const COLUMNS: &[Column] = &[
    Column::id("ui.col.instance"),
    Column::new("ui.col.name", 2),
    super::KIND,
    Column::new("ui.col.state", 3),
    Column::new("ui.col.subnet", 6),
    Column::new("ui.col.az", 7),
    Column::new("ui.col.profile", 5),
    Column::new("ui.col.ping", 1),
    Column::new("ui.col.agent", 8),
    Column::new("ui.col.platform", 9),
    Column::new("ui.col.readiness", 0),
];

impl PaneSpec for Spec {
    fn key(&self) -> &'static str {
        "pane.instances"
    }
    fn command(&self) -> &'static str {
        "instances"
    }
    fn sources(&self) -> &'static [Source] {
        &[Source::Instances, Source::Nodes]
    }
    fn reads_readiness(&self) -> bool {
        true
    }
    fn columns(&self) -> &'static [Column] {
        COLUMNS
    }
    fn has_findings(&self) -> bool {
        true
    }
    fn rows(&self, d: &PaneData) -> Option<PaneRows> {
        Some(PaneRows::plain(instance_rows(
            d.snapshot,
            d.readiness,
            d.lang,
            d,
        )))
    }
    fn hints(&self) -> &'static [Action] {
        &[
            Action::Attach,
            Action::FixInstances,
            Action::RunCommand,
            Action::RunDocument,
            Action::Session,
            Action::Forward,
            Action::Mark,
            Action::Details,
            Action::UpdateAgent,
            Action::Activations,
        ]
    }
    fn handle(&self, app: &mut App, action: Action) -> Option<Vec<Effect>> {
        match action {
            Action::Attach => Some(propose(app, PlanAction::Attach)),
            Action::FixInstances => Some(propose(app, PlanAction::Fix)),
            Action::RunCommand => Some(fleet::start_shell(app)),
            Action::RunDocument => Some(crate::tui::documents::open(app)),
            Action::Session => Some(crate::tui::keys::open_session(app)),
            Action::Forward => Some(crate::tui::forwards::open_form(app)),
            Action::UpdateAgent => Some(fleet::propose(app, fleet::ProposalKind::UpdateAgent)),
            Action::Activations => Some(crate::tui::activations::open(app)),
            _ => None,
        }
    }
}

/// How an instance reaches Systems Manager, in words.
fn path_key(path: NetworkPath) -> &'static str {
    match path {
        NetworkPath::InternetGateway => "cell.path.internet_gateway",
        NetworkPath::Nat => "cell.path.nat",
        NetworkPath::Endpoints => "cell.path.endpoints",
        NetworkPath::Remote => "cell.path.remote",
        NetworkPath::Unknown => "cell.path.unknown",
        NetworkPath::OutsideAws => "cell.path.outside_aws",
    }
}

/// The Kind cell of a node pane's row.
pub(crate) fn kind_cell(kind: NodeKind, lang: Lang) -> crate::tui::rows::Cell {
    match kind {
        NodeKind::Ec2 => cell(t(lang, "cell.kind.ec2"), Tone::Normal),
        NodeKind::Hybrid => cell(t(lang, "cell.kind.hybrid"), Tone::Normal),
    }
}

fn ping_cell(node: Option<&ManagedNode>, nodes_known: bool) -> crate::tui::rows::Cell {
    match (node, nodes_known) {
        (Some(n), _) => cell(
            n.ping.as_str(),
            if n.ping == PingStatus::Online {
                Tone::Good
            } else {
                Tone::Bad
            },
        ),
        (None, true) => cell("–", Tone::Dim),
        (None, false) => cell("?", Tone::Dim),
    }
}

fn agent_cell(
    node: Option<&ManagedNode>,
    report: &InstanceReport,
    lang: Lang,
) -> crate::tui::rows::Cell {
    let outdated = report
        .findings
        .iter()
        .any(|f| matches!(f.kind, FindingKind::AgentOutdated { .. }));
    match node.and_then(|n| n.agent_version.clone()) {
        Some(v) if outdated => cell(tf(lang, "cell.agent_old", &[("v", &v)]), Tone::Warn),
        Some(v) => cell(v, Tone::Normal),
        None => cell("–", Tone::Dim),
    }
}

fn verdict_cell(report: &InstanceReport, lang: Lang) -> crate::tui::rows::Cell {
    let tone = match report.verdict {
        Verdict::Managed => Tone::Good,
        Verdict::Waiting | Verdict::Unknown => Tone::Warn,
        Verdict::NotRunning { .. } => Tone::Dim,
        Verdict::NotManaged | Verdict::ConnectionLost => Tone::Bad,
    };
    cell(crate::present::instance_summary(report, lang), tone)
}

/// A hybrid node's row: no EC2 state, subnet, zone or profile; its activation and role
/// in the detail.
fn hybrid_row(node: &ManagedNode, report: &InstanceReport, lang: Lang) -> Row {
    let dash = || cell("–", Tone::Dim);
    let registered = node
        .registered
        .map(|t| t.strftime("%Y-%m-%d").to_string())
        .unwrap_or_else(|| "–".into());
    let detail = vec![tf(
        lang,
        "ui.detail.hybrid",
        &[
            ("id", &node.instance_id),
            ("activation", node.activation_id.as_deref().unwrap_or("–")),
            ("role", node.iam_role.as_deref().unwrap_or("–")),
            ("registered", &registered),
            ("ip", node.ip_address.as_deref().unwrap_or("–")),
            ("computer", node.computer_name.as_deref().unwrap_or("–")),
        ],
    )];
    Row::new(
        node.instance_id.clone(),
        vec![
            cell(node.instance_id.clone(), Tone::Normal),
            cell(node.name.clone().unwrap_or_default(), Tone::Normal),
            kind_cell(NodeKind::Hybrid, lang),
            dash(),
            dash(),
            dash(),
            dash(),
            ping_cell(Some(node), true),
            agent_cell(Some(node), report, lang),
            cell(node.platform_name.clone().unwrap_or_default(), Tone::Normal),
            verdict_cell(report, lang),
        ],
        report.findings.clone(),
        detail,
    )
}

fn instance_rows(s: &Snapshot, r: &Readiness, lang: Lang, d: &PaneData) -> Vec<Row> {
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
    // An account nothing could be read from (its role refused): one row that says why.
    if let Some(ix) = d.scope
        && let Some(row) = d
            .scopes
            .get(ix)
            .and_then(|v| crate::tui::scopes::unread_row(v, COLUMNS.len(), lang))
    {
        return vec![row];
    }
    let nodes_known = s.has_data(crate::domain::snapshot::Source::Nodes);
    let mut rows = Vec::with_capacity(s.instances.instances.len());
    for inst in s.instances.instances.iter().filter(|i| d.allowed(&i.id)) {
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
        let ping = ping_cell(node, nodes_known);
        let agent = agent_cell(node, report, lang);
        let platform = node
            .and_then(|n| n.platform_name.clone())
            .unwrap_or_else(|| {
                if inst.is_windows() {
                    "Windows".into()
                } else {
                    "Linux".into()
                }
            });
        let detail = vec![tf(
            lang,
            "ui.detail.instance",
            &[
                ("id", &inst.id),
                ("subnet", inst.subnet_id.as_deref().unwrap_or("–")),
                ("vpc", inst.vpc_id.as_deref().unwrap_or("–")),
                ("ip", inst.private_ip.as_deref().unwrap_or("–")),
                ("path", &t(lang, path_key(report.path))),
            ],
        )];
        rows.push(Row::new(
            inst.id.clone(),
            vec![
                cell(inst.id.clone(), Tone::Normal),
                cell(inst.name.clone().unwrap_or_default(), Tone::Normal),
                kind_cell(NodeKind::Ec2, lang),
                cell(
                    crate::present::instance_state(inst.state.as_str(), lang),
                    state_tone,
                ),
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
                verdict_cell(report, lang),
            ],
            report.findings.clone(),
            detail,
        ));
    }
    // Hybrid nodes are in the node list only: their reports follow the instances'.
    for report in r.instances.iter().filter(|x| x.kind == NodeKind::Hybrid) {
        if !d.allowed(&report.instance_id) {
            continue;
        }
        if let Some(node) = nodes
            .get(report.instance_id.as_str())
            .map(|i| &s.nodes.nodes[*i])
        {
            rows.push(hybrid_row(node, report, lang));
        }
    }
    rows
}
