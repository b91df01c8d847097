//! `ssmdeck check`: the readiness report as text or JSON, and its exit code.

use std::collections::HashMap;

use serde::Serialize;

use crate::domain::error::ErrorReport;
use crate::domain::findings::Finding;
use crate::domain::model::{Instance, ManagedNode};
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

#[derive(Debug, Serialize)]
struct InstanceJson<'a> {
    instance_id: &'a str,
    name: Option<&'a str>,
    state: &'a str,
    vpc_id: Option<&'a str>,
    subnet_id: Option<&'a str>,
    instance_profile: Option<&'a str>,
    ping_status: Option<&'a str>,
    verdict: &'a Verdict,
    summary: String,
    findings: &'a [Finding],
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
}

impl Serialize for InstancesJson<'_> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_seq(self.readiness.instances.iter().map(|r| {
            let inst = self.instances_by_id.get(r.instance_id.as_str());
            InstanceJson {
                instance_id: &r.instance_id,
                name: inst.and_then(|i| i.name.as_deref()),
                state: inst.map(|i| i.state.as_str()).unwrap_or("unknown"),
                vpc_id: inst.and_then(|i| i.vpc_id.as_deref()),
                subnet_id: inst.and_then(|i| i.subnet_id.as_deref()),
                instance_profile: r.profile_name.as_deref(),
                ping_status: self
                    .nodes
                    .get(r.instance_id.as_str())
                    .map(|n| n.ping.as_str()),
                verdict: &r.verdict,
                summary: instance_summary(r, Lang::En),
                findings: &r.findings,
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

pub fn json(snapshot: &Snapshot, readiness: &Readiness) -> String {
    let mut out = Vec::new();
    match write_json(&mut out, snapshot, readiness) {
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
