//! `ssmdeck check --csv`: one row per instance, for a spreadsheet or a script. The
//! header and the values are the same in every language (verdicts and finding kinds as
//! `check --json` names them; the summary in English, as there).

use std::collections::HashMap;
use std::io::Write;

use crate::domain::findings::{Finding, Severity};
use crate::domain::readiness::{NetworkPath, Readiness, Verdict};
use crate::domain::snapshot::Snapshot;
use crate::i18n::Lang;
use crate::present::instance_summary;

/// The columns, in order.
pub const HEADER: [&str; 22] = [
    "account",
    "region",
    "instance_id",
    "name",
    "state",
    "platform",
    "vpc_id",
    "subnet_id",
    "az",
    "private_ip",
    "instance_profile",
    "network_path",
    "ping_status",
    "last_ping",
    "agent_version",
    "agent_latest",
    "verdict",
    "blockers",
    "waiting",
    "warnings",
    "summary",
    "inventory_association",
];

/// The report's rows, written as they are made (a large fleet is never held as text).
pub struct CheckCsv<W: Write> {
    out: csv::Writer<W>,
}

impl<W: Write> CheckCsv<W> {
    /// Starts the report with its header.
    pub fn new(out: W) -> std::io::Result<Self> {
        let mut out = csv::Writer::from_writer(out);
        out.write_record(HEADER)?;
        Ok(Self { out })
    }

    /// One scope's instances (several scopes: one after the other, under one header).
    pub fn scope(&mut self, snapshot: &Snapshot, readiness: &Readiness) -> std::io::Result<()> {
        let instances: HashMap<&str, _> = snapshot
            .instances
            .instances
            .iter()
            .map(|i| (i.id.as_str(), i))
            .collect();
        let nodes: HashMap<&str, _> = snapshot
            .nodes
            .nodes
            .iter()
            .map(|n| (n.instance_id.as_str(), n))
            .collect();
        let account = snapshot.identity.account.as_deref().unwrap_or_default();
        for r in &readiness.instances {
            let inst = instances.get(r.instance_id.as_str());
            let node = nodes.get(r.instance_id.as_str());
            let text = |v: Option<&String>| v.cloned().unwrap_or_default();
            let platform = match (node.and_then(|n| n.platform_type.as_ref()), inst) {
                (Some(p), _) => p.clone(),
                (None, Some(i)) if i.is_windows() => "Windows".to_string(),
                (None, Some(_)) => "Linux".to_string(),
                (None, None) => String::new(),
            };
            let record: [String; HEADER.len()] = [
                account.to_string(),
                snapshot.identity.region.clone(),
                r.instance_id.clone(),
                text(inst.and_then(|i| i.name.as_ref())),
                inst.map(|i| i.state.as_str())
                    .unwrap_or("unknown")
                    .to_string(),
                platform,
                text(inst.and_then(|i| i.vpc_id.as_ref())),
                text(inst.and_then(|i| i.subnet_id.as_ref())),
                text(inst.and_then(|i| i.az.as_ref())),
                text(inst.and_then(|i| i.private_ip.as_ref())),
                text(r.profile_name.as_ref()),
                path_name(r.path).to_string(),
                node.map(|n| n.ping.as_str().to_string())
                    .unwrap_or_default(),
                node.and_then(|n| n.last_ping)
                    .map(|t| t.to_string())
                    .unwrap_or_default(),
                text(node.and_then(|n| n.agent_version.as_ref())),
                node.and_then(|n| n.is_latest_version)
                    .map(|b| b.to_string())
                    .unwrap_or_default(),
                verdict_name(&r.verdict).to_string(),
                kinds(&r.findings, Severity::Blocker),
                kinds(&r.findings, Severity::Waiting),
                kinds(&r.findings, Severity::Warning),
                instance_summary(r, Lang::En),
                inventory_association(snapshot, &r.instance_id, inst.copied()),
            ];
            self.out.write_record(&record)?;
        }
        Ok(())
    }

    /// Writes out what is still buffered.
    pub fn finish(mut self) -> std::io::Result<()> {
        self.out.flush()
    }
}

/// The verdict as `check --json` names its `state`.
fn verdict_name(v: &Verdict) -> &'static str {
    match v {
        Verdict::Managed => "managed",
        Verdict::Waiting => "waiting",
        Verdict::NotManaged => "not_managed",
        Verdict::ConnectionLost => "connection_lost",
        Verdict::NotRunning { .. } => "not_running",
        Verdict::Unknown => "unknown",
    }
}

fn path_name(p: NetworkPath) -> &'static str {
    match p {
        NetworkPath::InternetGateway => "internet_gateway",
        NetworkPath::Nat => "nat",
        NetworkPath::Endpoints => "endpoints",
        NetworkPath::Remote => "remote",
        NetworkPath::Unknown => "unknown",
    }
}

/// The kinds of the findings of one severity, `;` between them, each once.
fn kinds(findings: &[Finding], severity: Severity) -> String {
    let mut out: Vec<&str> = Vec::new();
    for f in findings.iter().filter(|f| f.severity == severity) {
        let name = f.kind.name();
        if !out.contains(&name) {
            out.push(name);
        }
    }
    out.join(";")
}

/// The association that collects the instance's inventory (its name, else its id), `none`,
/// or empty when the associations could not be read.
fn inventory_association(
    s: &Snapshot,
    id: &str,
    inst: Option<&crate::domain::model::Instance>,
) -> String {
    if !s.has_data(crate::domain::snapshot::Source::Associations) {
        return String::new();
    }
    let tags = inst.map_or(&[][..], |i| i.tags.as_slice());
    crate::domain::associations::inventory_association(&s.state_associations, id, tags)
        .map_or_else(|| "none".to_string(), |a| a.label().to_string())
}
