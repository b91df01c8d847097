//! Patch compliance judged: the fleet's summary (non-compliant apart from not-applicable),
//! scans too old to trust, and a node's patches in the order to read them.

use jiff::{SignedDuration, Timestamp};
use serde::Serialize;

use super::findings::{Finding, FindingKind, Fix, Rule, Severity};
use super::model::{PatchBaseline, PatchEntry, PatchState};
use super::readiness::Readiness;
use super::snapshot::{Snapshot, Source};

/// A scan older than this many days is not trusted unless the config says otherwise.
pub const DEFAULT_STALE_AFTER_DAYS: u64 = 7;

/// How old a node's last patch operation may be before it is a warning.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PatchPolicy {
    pub stale_after_days: u64,
}

impl Default for PatchPolicy {
    fn default() -> Self {
        Self {
            stale_after_days: DEFAULT_STALE_AFTER_DAYS,
        }
    }
}

impl PatchPolicy {
    pub fn stale_after(self) -> SignedDuration {
        let days = i64::try_from(self.stale_after_days).unwrap_or(i64::MAX / 86_400);
        SignedDuration::from_hours(days.saturating_mul(24))
    }

    /// The last scan or install is older than the allowed age, or has no time at all.
    pub fn is_stale(self, state: &PatchState, now: Timestamp) -> bool {
        match state.last_run() {
            Some(at) => now.duration_since(at) > self.stale_after(),
            None => true,
        }
    }
}

/// The fleet's patch compliance, counted over the nodes shown.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct PatchSummary {
    pub compliant: usize,
    pub non_compliant: usize,
    /// Managed nodes with no patch state at all (never scanned).
    pub no_data: usize,
    /// Nodes whose last operation is older than the policy allows.
    pub stale: usize,
    /// Nodes with at least one critical patch missing.
    pub critical_nodes: usize,
    /// Patches summed over the nodes: missing or failed (non-compliant)…
    pub missing: i64,
    pub failed: i64,
    /// …and those that do not apply to the node (never counted as missing).
    pub not_applicable: i64,
    /// The oldest last operation among the nodes with a state.
    pub oldest_scan: Option<Timestamp>,
}

impl PatchSummary {
    /// Adds one node: its state, or `None` when it has none.
    pub fn add(&mut self, state: Option<&PatchState>, now: Timestamp, policy: PatchPolicy) {
        let Some(p) = state else {
            self.no_data += 1;
            return;
        };
        if p.compliant() {
            self.compliant += 1;
        } else {
            self.non_compliant += 1;
        }
        if policy.is_stale(p, now) {
            self.stale += 1;
        }
        if p.critical_non_compliant > 0 {
            self.critical_nodes += 1;
        }
        self.missing += i64::from(p.missing);
        self.failed += i64::from(p.failed);
        self.not_applicable += i64::from(p.not_applicable);
        if let Some(at) = p.last_run() {
            self.oldest_scan = Some(self.oldest_scan.map_or(at, |o| o.min(at)));
        }
    }

    /// Two summaries as one (several scopes).
    pub fn merge(&mut self, other: &PatchSummary) {
        self.compliant += other.compliant;
        self.non_compliant += other.non_compliant;
        self.no_data += other.no_data;
        self.stale += other.stale;
        self.critical_nodes += other.critical_nodes;
        self.missing += other.missing;
        self.failed += other.failed;
        self.not_applicable += other.not_applicable;
        self.oldest_scan = match (self.oldest_scan, other.oldest_scan) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        };
    }

    pub fn nodes(&self) -> usize {
        self.compliant + self.non_compliant + self.no_data
    }
}

/// The summary of `nodes` (ids) against their states.
pub fn summarize<'a>(
    nodes: impl IntoIterator<Item = &'a str>,
    states: &[PatchState],
    now: Timestamp,
    policy: PatchPolicy,
) -> PatchSummary {
    let by_id: std::collections::HashMap<&str, &PatchState> =
        states.iter().map(|p| (p.instance_id.as_str(), p)).collect();
    let mut out = PatchSummary::default();
    for id in nodes {
        out.add(by_id.get(id).copied(), now, policy);
    }
    out
}

/// What a node's patch state is a warning of: a scan older than the policy allows, and
/// critical patches missing.
pub fn findings(state: &PatchState, now: Timestamp, policy: PatchPolicy) -> Vec<Finding> {
    let mut out = Vec::new();
    if policy.is_stale(state, now) {
        out.push(Finding::new(
            Rule::Patching,
            Severity::Warning,
            &state.instance_id,
            FindingKind::PatchScanStale {
                age_days: state
                    .last_run()
                    .map(|at| now.duration_since(at).as_hours() / 24),
                stale_after_days: policy.stale_after_days,
            },
            Fix::Manual,
        ));
    }
    if state.critical_non_compliant > 0 {
        out.push(Finding::new(
            Rule::Patching,
            Severity::Warning,
            &state.instance_id,
            FindingKind::CriticalPatchesMissing {
                count: state.critical_non_compliant,
                baseline: state
                    .baseline_name
                    .clone()
                    .unwrap_or_else(|| state.baseline_id.clone()),
            },
            Fix::Manual,
        ));
    }
    out
}

/// `check`: each instance's patch findings added to its report, judged as of the time the
/// patch states were read (nothing is added when they were not).
pub fn judge(readiness: &mut Readiness, snapshot: &Snapshot, policy: PatchPolicy) {
    let Some(now) = snapshot.status(Source::Patches).fetched_at else {
        return;
    };
    let by_id: std::collections::HashMap<&str, &PatchState> = snapshot
        .patches
        .iter()
        .map(|p| (p.instance_id.as_str(), p))
        .collect();
    for r in &mut readiness.instances {
        if let Some(p) = by_id.get(r.instance_id.as_str()) {
            r.findings.extend(findings(p, now, policy));
        }
    }
}

/// Each state's baseline named from `baselines` (matched by id, or by the `pb-…` part of
/// an ARN); states already named, or whose baseline is not there, are left as they are.
pub fn name_baselines(states: &mut [PatchState], baselines: &[PatchBaseline]) {
    let short = |id: &str| id.rsplit('/').next().unwrap_or(id).to_string();
    let names: std::collections::HashMap<String, &str> = baselines
        .iter()
        .filter(|b| !b.name.is_empty())
        .map(|b| (short(&b.id), b.name.as_str()))
        .collect();
    for s in states.iter_mut().filter(|s| s.baseline_name.is_none()) {
        if let Some(name) = names.get(&short(&s.baseline_id)) {
            s.baseline_name = Some((*name).to_string());
        }
    }
}

/// Severity as Patch Manager names it, most urgent first (`Moderate` is Windows' `Medium`).
pub fn severity_rank(severity: &str) -> u8 {
    match severity {
        "Critical" => 0,
        "Important" | "High" => 1,
        "Medium" | "Moderate" => 2,
        "Low" => 3,
        "Unspecified" | "" => 5,
        _ => 4,
    }
}

/// A patch's state, the ones to act on first.
pub fn state_rank(state: &str) -> u8 {
    match state {
        "Failed" => 0,
        "Missing" => 1,
        "InstalledPendingReboot" => 2,
        "InstalledRejected" => 3,
        "InstalledOther" => 4,
        "Installed" => 5,
        "NotApplicable" => 7,
        _ => 6,
    }
}

/// A node's patches by severity, then state, then title.
pub fn sort_entries(entries: &mut [PatchEntry]) {
    entries.sort_by(|a, b| {
        (severity_rank(&a.severity), state_rank(&a.state), &a.title).cmp(&(
            severity_rank(&b.severity),
            state_rank(&b.state),
            &b.title,
        ))
    });
}
