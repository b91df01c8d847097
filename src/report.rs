//! `ssmdeck check`: the readiness report as text or JSON, and its exit code.

use std::collections::HashMap;

use serde::Serialize;

use crate::domain::associations::node_associations;
use crate::domain::error::ErrorReport;
use crate::domain::findings::Finding;
use crate::domain::model::{
    Instance, ManagedNode, NodeKind, PatchOperation, PatchState, StateAssociation,
};
use crate::domain::patches::PatchPolicy;
use crate::domain::readiness::{FleetSummary, Readiness, Verdict};
use crate::domain::snapshot::{Snapshot, Source};
use crate::i18n::Lang;
use crate::present::instance_summary;

pub mod csv_rows;
pub mod scopes;

pub const SCHEMA: u32 = 2;

/// How `check` prints its report.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CheckFormat {
    Text,
    Json,
    Csv,
}

impl CheckFormat {
    /// From `--json` and `--csv` (clap lets only one of them through).
    pub fn of(json: bool, csv: bool) -> Self {
        match (json, csv) {
            (true, _) => Self::Json,
            (false, true) => Self::Csv,
            (false, false) => Self::Text,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    Ready,
    NotReady,
    Error,
}

impl Outcome {
    pub fn exit_code(self) -> u8 {
        match self {
            Outcome::Ready => 0,
            Outcome::NotReady => 1,
            Outcome::Error => 2,
        }
    }
}

#[derive(Debug, Serialize)]
struct SourceJson<'a> {
    source: &'a str,
    ok: bool,
    error: Option<ErrorReport>,
}

#[derive(Debug, Serialize)]
struct EndpointJson<'a> {
    service: &'a str,
    required: bool,
    endpoint_id: Option<&'a str>,
    state: Option<&'a str>,
    private_dns: Option<bool>,
    azs: &'a [String],
    https_from_instances: Option<bool>,
}

#[derive(Debug, Serialize)]
struct VpcJson<'a> {
    vpc_id: &'a str,
    name: Option<&'a str>,
    cidr: &'a str,
    dns_support: Option<bool>,
    dns_hostnames: Option<bool>,
    instances: usize,
    missing_required_endpoints: Vec<&'a str>,
    endpoints: Vec<EndpointJson<'a>>,
    findings: &'a [Finding],
}

#[derive(Debug, Serialize)]
struct RoleJson<'a> {
    name: &'a str,
    trusts_ec2: bool,
    ssm_policy: &'a crate::domain::model::SsmPolicy,
    instance_profiles: &'a [String],
    findings: &'a [Finding],
}

/// What only a hybrid node has: where it registered and which role it acts as.
#[derive(Debug, Serialize)]
struct HybridJson<'a> {
    activation_id: Option<&'a str>,
    iam_role: Option<&'a str>,
    registered: Option<String>,
    computer_name: Option<&'a str>,
    ip_address: Option<&'a str>,
    platform_name: Option<&'a str>,
    source_id: Option<&'a str>,
    source_type: Option<&'a str>,
}

impl<'a> HybridJson<'a> {
    fn of(n: &'a ManagedNode) -> Self {
        Self {
            activation_id: n.activation_id.as_deref(),
            iam_role: n.iam_role.as_deref(),
            registered: n.registered.map(|t| t.to_string()),
            computer_name: n.computer_name.as_deref(),
            ip_address: n.ip_address.as_deref(),
            platform_name: n.platform_name.as_deref(),
            source_id: n.source_id.as_deref(),
            source_type: n.source_type.as_deref(),
        }
    }
}

#[derive(Debug, Serialize)]
struct InstanceJson<'a> {
    instance_id: &'a str,
    /// `ec2` or `hybrid` (an `mi-…` node registered with an activation).
    kind: NodeKind,
    name: Option<&'a str>,
    state: &'a str,
    vpc_id: Option<&'a str>,
    subnet_id: Option<&'a str>,
    instance_profile: Option<&'a str>,
    ping_status: Option<&'a str>,
    verdict: &'a Verdict,
    summary: String,
    findings: &'a [Finding],
    /// `null` for an EC2 instance.
    hybrid: Option<HybridJson<'a>>,
    /// The node's patch state (`null`: never scanned, or not a managed node).
    patch: Option<PatchJson<'a>>,
    /// The State Manager associations that target it (`null`: they could not be read).
    associations: Option<Vec<AssociationJson<'a>>>,
}

/// One node's patch compliance: DescribeInstancePatchStates' fields, its baseline's name,
/// and whether the last operation is older than the configured age.
#[derive(Debug, Serialize)]
struct PatchJson<'a> {
    baseline_id: &'a str,
    baseline_name: Option<&'a str>,
    patch_group: Option<&'a str>,
    operation: PatchOperation,
    operation_start: Option<jiff::Timestamp>,
    operation_end: Option<jiff::Timestamp>,
    installed: i32,
    installed_other: i32,
    installed_pending_reboot: i32,
    installed_rejected: i32,
    missing: i32,
    failed: i32,
    not_applicable: i32,
    critical_non_compliant: i32,
    security_non_compliant: i32,
    other_non_compliant: i32,
    reboot_option: Option<&'a str>,
    compliant: bool,
    stale: bool,
    stale_after_days: u64,
}

impl<'a> PatchJson<'a> {
    fn of(p: &'a PatchState, now: Option<jiff::Timestamp>, policy: PatchPolicy) -> Self {
        Self {
            baseline_id: &p.baseline_id,
            baseline_name: p.baseline_name.as_deref(),
            patch_group: p.patch_group.as_deref(),
            operation: p.operation,
            operation_start: p.operation_start,
            operation_end: p.operation_end,
            installed: p.installed,
            installed_other: p.installed_other,
            installed_pending_reboot: p.installed_pending_reboot,
            installed_rejected: p.installed_rejected,
            missing: p.missing,
            failed: p.failed,
            not_applicable: p.not_applicable,
            critical_non_compliant: p.critical_non_compliant,
            security_non_compliant: p.security_non_compliant,
            other_non_compliant: p.other_non_compliant,
            reboot_option: p.reboot_option.as_deref(),
            compliant: p.compliant(),
            stale: now.is_some_and(|now| policy.is_stale(p, now)),
            stale_after_days: policy.stale_after_days,
        }
    }
}

/// An association that targets an instance, with its overall status.
#[derive(Debug, Serialize)]
struct AssociationJson<'a> {
    association_id: &'a str,
    name: Option<&'a str>,
    document: &'a str,
    status: Option<&'a str>,
    last_execution: Option<jiff::Timestamp>,
}

#[derive(Debug, Serialize)]
struct ReportJson<'a> {
    schema: u32,
    outcome: Outcome,
    account: Option<&'a str>,
    region: &'a str,
    target: &'a str,
    summary: &'a FleetSummary,
    default_role_ready: bool,
    sources: Vec<SourceJson<'a>>,
    vpcs: Vec<VpcJson<'a>>,
    roles: Vec<RoleJson<'a>>,
    instances: InstancesJson<'a>,
}

/// The instances, serialized one at a time as they are written (100k of them make
/// a large document: it is never held as a whole, nor is a list of its rows).
#[derive(Debug)]
struct InstancesJson<'a> {
    readiness: &'a Readiness,
    instances_by_id: HashMap<&'a str, &'a Instance>,
    nodes: HashMap<&'a str, &'a ManagedNode>,
    patches: HashMap<&'a str, &'a PatchState>,
    /// When the patch states were read (staleness is judged as of then).
    patches_at: Option<jiff::Timestamp>,
    policy: PatchPolicy,
    /// `None` when the associations could not be read.
    associations: Option<&'a [StateAssociation]>,
}

impl Serialize for InstancesJson<'_> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_seq(self.readiness.instances.iter().map(|r| {
            let inst = self.instances_by_id.get(r.instance_id.as_str());
            let node = self.nodes.get(r.instance_id.as_str()).copied();
            let hybrid = node.filter(|n| n.is_hybrid());
            InstanceJson {
                instance_id: &r.instance_id,
                kind: r.kind,
                name: inst
                    .and_then(|i| i.name.as_deref())
                    .or(hybrid.and_then(|n| n.name.as_deref())),
                state: inst.map(|i| i.state.as_str()).unwrap_or("unknown"),
                vpc_id: inst.and_then(|i| i.vpc_id.as_deref()),
                subnet_id: inst.and_then(|i| i.subnet_id.as_deref()),
                instance_profile: r.profile_name.as_deref(),
                ping_status: node.map(|n| n.ping.as_str()),
                verdict: &r.verdict,
                summary: instance_summary(r, Lang::En),
                findings: &r.findings,
                hybrid: hybrid.map(HybridJson::of),
                patch: self
                    .patches
                    .get(r.instance_id.as_str())
                    .map(|p| PatchJson::of(p, self.patches_at, self.policy)),
                associations: self.associations.map(|all| {
                    let tags = inst.map_or(&[][..], |i| i.tags.as_slice());
                    node_associations(all, &r.instance_id, tags)
                        .into_iter()
                        .map(|a| AssociationJson {
                            association_id: &a.id,
                            name: a.name.as_deref(),
                            document: &a.document,
                            status: a.status.as_deref(),
                            last_execution: a.last_execution,
                        })
                        .collect()
                }),
            }
        }))
    }
}

/// Ready when every running instance is online and nothing blocks; an error
/// when the network or instance reads failed, since nothing can be judged then.
pub fn outcome(snapshot: &Snapshot, readiness: &Readiness) -> Outcome {
    let failed = |s: Source| !snapshot.has_data(s);
    if failed(Source::Network) || failed(Source::Instances) {
        return Outcome::Error;
    }
    let blocking = readiness
        .instances
        .iter()
        .any(|i| !matches!(i.verdict, Verdict::Managed | Verdict::NotRunning { .. }));
    if blocking {
        Outcome::NotReady
    } else {
        Outcome::Ready
    }
}

pub fn json(snapshot: &Snapshot, readiness: &Readiness, policy: PatchPolicy) -> String {
    let mut out = Vec::new();
    match write_json(&mut out, snapshot, readiness, policy) {
        Ok(()) => {
            out.pop(); // the final newline: callers print this with println!
            String::from_utf8(out).unwrap_or_default()
        }
        Err(e) => error_json(&ErrorReport {
            kind: crate::domain::error::ErrorKind::Other,
            action: None,
            endpoint: None,
            message: e.to_string(),
        }),
    }
}

/// The `check --json` document (pretty, with a final newline), streamed to `out`:
/// memory stays flat however many instances there are. Wrap `out` in a `BufWriter`.
pub fn write_json<W: std::io::Write>(
    mut out: W,
    snapshot: &Snapshot,
    readiness: &Readiness,
    policy: PatchPolicy,
) -> std::io::Result<()> {
    let report = ReportJson {
        schema: SCHEMA,
        outcome: outcome(snapshot, readiness),
        account: snapshot.identity.account.as_deref(),
        region: &snapshot.identity.region,
        target: &snapshot.identity.label,
        summary: &readiness.summary,
        default_role_ready: readiness.default_role_ready,
        sources: Source::CORE
            .iter()
            .chain([Source::Associations].iter())
            .map(|s| {
                let st = snapshot.status.get(s);
                SourceJson {
                    source: s.name(),
                    ok: st.is_some_and(|x| x.error.is_none() && x.fetched_at.is_some()),
                    error: st.and_then(|x| x.error.as_ref()).map(ErrorReport::from),
                }
            })
            .collect(),
        vpcs: readiness
            .vpcs
            .iter()
            .map(|v| VpcJson {
                vpc_id: &v.vpc_id,
                name: v.name.as_deref(),
                cidr: &v.cidr,
                dns_support: v.dns_support,
                dns_hostnames: v.dns_hostnames,
                instances: v.instance_count,
                missing_required_endpoints: v.missing_required(),
                endpoints: v
                    .services
                    .iter()
                    .map(|s| EndpointJson {
                        service: &s.short,
                        required: s.required,
                        endpoint_id: s.endpoint_id.as_deref(),
                        state: s.state.as_deref(),
                        private_dns: s.private_dns,
                        azs: &s.azs,
                        https_from_instances: s.https_from_instances,
                    })
                    .collect(),
                findings: &v.findings,
            })
            .collect(),
        roles: readiness
            .roles
            .iter()
            .map(|r| RoleJson {
                name: &r.name,
                trusts_ec2: r.trusts_ec2,
                ssm_policy: &r.policy,
                instance_profiles: &r.profiles,
                findings: &r.findings,
            })
            .collect(),
        instances: InstancesJson {
            readiness,
            instances_by_id: snapshot
                .instances
                .instances
                .iter()
                .map(|i| (i.id.as_str(), i))
                .collect(),
            nodes: snapshot
                .nodes
                .nodes
                .iter()
                .map(|n| (n.instance_id.as_str(), n))
                .collect(),
            patches: snapshot
                .patches
                .iter()
                .map(|p| (p.instance_id.as_str(), p))
                .collect(),
            patches_at: snapshot.status(Source::Patches).fetched_at,
            policy,
            associations: snapshot
                .has_data(Source::Associations)
                .then_some(snapshot.state_associations.as_slice()),
        },
    };
    serde_json::to_writer_pretty(&mut out, &report)?;
    out.write_all(b"\n")?;
    out.flush()
}

/// The `check --json` document of a check that could not produce a report at all (an
/// unknown profile, no credentials, an unreachable endpoint): schema, outcome, error.
pub fn error_json(error: &ErrorReport) -> String {
    #[derive(Serialize)]
    struct ErrorDoc<'a> {
        schema: u32,
        outcome: Outcome,
        error: &'a ErrorReport,
    }
    let doc = ErrorDoc {
        schema: SCHEMA,
        outcome: Outcome::Error,
        error,
    };
    serde_json::to_string_pretty(&doc)
        .unwrap_or_else(|_| format!("{{\"schema\":{SCHEMA},\"outcome\":\"error\"}}"))
}
