//! `ssmdeck check --csv`: one row per instance, for a spreadsheet or a script. The
//! header and the values are the same in every language (verdicts and finding kinds as
//! `check --json` names them; the summary in English, as there).

use std::collections::HashMap;
use std::io::Write;

use crate::domain::findings::{Finding, Severity};
use crate::domain::model::{NodeKind, PatchOperation, PatchState};
use crate::domain::patches::PatchPolicy;
use crate::domain::readiness::{NetworkPath, Readiness, Verdict};
use crate::domain::snapshot::{Snapshot, Source};
use crate::i18n::Lang;
use crate::present::instance_summary;

/// The columns, in order.
pub const HEADER: [&str; 35] = [
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
    "kind",
    "activation_id",
    "activation_role",
    "registered",
    "patch_baseline",
    "patch_group",
    "patch_operation",
    "patch_operation_end",
    "patch_missing",
    "patch_failed",
    "patch_not_applicable",
    "patch_critical_non_compliant",
    "patch_stale",
    "inventory_association",
];

/// The report's rows, written as they are made (a large fleet is never held as text).
pub struct CheckCsv<W: Write> {
    out: csv::Writer<W>,
    policy: PatchPolicy,
}

impl<W: Write> CheckCsv<W> {
    /// Starts the report with its header.
    pub fn new(out: W) -> std::io::Result<Self> {
        let mut out = csv::Writer::from_writer(out);
        out.write_record(HEADER)?;
        Ok(Self {
            out,
            policy: PatchPolicy::default(),
        })
    }

    /// How old a patch scan may be before `patch_stale` says `true`.
    pub fn with_patch_policy(mut self, policy: PatchPolicy) -> Self {
        self.policy = policy;
        self
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
        let patches: HashMap<&str, &PatchState> = snapshot
            .patches
            .iter()
            .map(|p| (p.instance_id.as_str(), p))
            .collect();
        let patches_at = snapshot.status(Source::Patches).fetched_at;
        let account = snapshot.identity.account.as_deref().unwrap_or_default();
        for r in &readiness.instances {
            let inst = instances.get(r.instance_id.as_str());
            let node = nodes.get(r.instance_id.as_str());
            let hybrid = node.filter(|n| n.is_hybrid());
            let text = |v: Option<&String>| v.cloned().unwrap_or_default();
            let patch = patches.get(r.instance_id.as_str());
            let patch_count =
                |f: fn(&PatchState) -> i32| patch.map(|p| f(p).to_string()).unwrap_or_default();
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
                text(
                    inst.and_then(|i| i.name.as_ref())
                        .or(hybrid.and_then(|n| n.name.as_ref())),
                ),
                inst.map(|i| i.state.as_str())
                    .unwrap_or("unknown")
                    .to_string(),
                platform,
                text(inst.and_then(|i| i.vpc_id.as_ref())),
                text(inst.and_then(|i| i.subnet_id.as_ref())),
                text(inst.and_then(|i| i.az.as_ref())),
                text(
                    inst.and_then(|i| i.private_ip.as_ref())
                        .or(hybrid.and_then(|n| n.ip_address.as_ref())),
                ),
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
                match r.kind {
                    NodeKind::Ec2 => "ec2",
                    NodeKind::Hybrid => "hybrid",
                }
                .to_string(),
                text(hybrid.and_then(|n| n.activation_id.as_ref())),
                text(hybrid.and_then(|n| n.iam_role.as_ref())),
                hybrid
                    .and_then(|n| n.registered)
                    .map(|t| t.to_string())
                    .unwrap_or_default(),
                patch
                    .map(|p| p.baseline_name.clone().unwrap_or(p.baseline_id.clone()))
                    .unwrap_or_default(),
                text(patch.and_then(|p| p.patch_group.as_ref())),
                patch
                    .map(|p| match p.operation {
                        PatchOperation::Scan => "Scan",
                        PatchOperation::Install => "Install",
                    })
                    .unwrap_or_default()
                    .to_string(),
                patch
                    .and_then(|p| p.operation_end)
                    .map(|t| t.to_string())
                    .unwrap_or_default(),
                patch_count(|p| p.missing),
                patch_count(|p| p.failed),
                patch_count(|p| p.not_applicable),
                patch_count(|p| p.critical_non_compliant),
                match (patch, patches_at) {
                    (Some(p), Some(at)) => self.policy.is_stale(p, at).to_string(),
                    _ => String::new(),
                },
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
        NetworkPath::OutsideAws => "outside_aws",
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
