//! The agent's own needs: instance metadata (rule 10), Default Host Management's role and
//! agent version, and the verdict from its ping status (rule 7).

use super::Verdict;
use super::index::Index;
use crate::domain::fast_map::FastMap;
use crate::domain::findings::{Finding, FindingKind, Fix, Rule, Severity};
use crate::domain::model::{
    Instance, InstanceState, ManagedNode, PingStatus, SSM_SERVICE_PRINCIPAL,
};
use crate::domain::snapshot::Snapshot;

/// The oldest agent Default Host Management works with.
pub const DHMC_MIN_AGENT: [u32; 3] = [3, 2, 582];

/// Rule 10: without the metadata service the agent has no region, identity or credentials.
pub(super) fn imds_rules(inst: &Instance, findings: &mut Vec<Finding>) {
    let m = inst.metadata;
    if !m.endpoint_enabled {
        findings.push(Finding::new(
            Rule::Imds,
            Severity::Blocker,
            &inst.id,
            FindingKind::ImdsDisabled,
            Fix::EnableImds {
                instance_id: inst.id.clone(),
            },
        ));
    } else if m.tokens_required && m.hop_limit == Some(1) {
        findings.push(Finding::new(
            Rule::Imds,
            Severity::Info,
            &inst.id,
            FindingKind::ImdsHopLimit { hop_limit: 1 },
            Fix::Manual,
        ));
    }
}

/// An instance without a profile that Default Host Management would give credentials:
/// its role must exist and trust Systems Manager, and the agent must be recent enough.
pub(super) fn dhmc_rules(
    inst: &Instance,
    ix: &Index,
    s: &Snapshot,
    iam_known: bool,
) -> Vec<Finding> {
    let mut findings = Vec::new();
    let mut push = |kind| {
        findings.push(Finding::new(
            Rule::InstanceProfile,
            Severity::Blocker,
            &inst.id,
            kind,
            Fix::Manual,
        ))
    };
    if iam_known && let Some(setting) = s.nodes.dhmc_role.as_deref() {
        let name = setting.rsplit('/').next().unwrap_or(setting);
        match ix.roles.get(name) {
            None => push(FindingKind::DhmcRoleMissing {
                role: setting.to_string(),
            }),
            Some(role) if !role.trusts(SSM_SERVICE_PRINCIPAL) => {
                push(FindingKind::DhmcRoleNotTrustingSsm {
                    role: role.name.clone(),
                })
            }
            Some(_) => {}
        }
    }
    let version = ix
        .nodes
        .get(inst.id.as_str())
        .and_then(|n| n.agent_version.as_deref());
    if let Some(v) = version
        && older_than(v, DHMC_MIN_AGENT)
    {
        push(FindingKind::DhmcAgentTooOld {
            version: v.to_string(),
        });
    }
    findings
}

/// A version's numbers, `3.3.1957.0` → `[3, 3, 1957, 0]` (missing parts are 0); `None`
/// when it does not parse.
pub fn version_key(version: &str) -> Option<[u32; 4]> {
    let mut key = [0u32; 4];
    let mut parts = version.split('.');
    for slot in &mut key {
        match parts.next() {
            Some(p) => *slot = p.parse().ok()?,
            None => break,
        }
    }
    parts.next().is_none().then_some(key)
}

/// The newest agent version the account's nodes run, by platform type (Windows and Linux
/// agents are released apart).
pub(super) fn newest_agents(nodes: &[ManagedNode]) -> FastMap<&str, ([u32; 4], &str)> {
    let mut newest: FastMap<&str, ([u32; 4], &str)> = FastMap::default();
    for n in nodes {
        let (Some(platform), Some(version)) =
            (n.platform_type.as_deref(), n.agent_version.as_deref())
        else {
            continue;
        };
        let Some(key) = version_key(version) else {
            continue;
        };
        match newest.get_mut(platform) {
            Some(known) if known.0 >= key => {}
            Some(known) => *known = (key, version),
            None => {
                newest.insert(platform, (key, version));
            }
        }
    }
    newest
}

/// Rule 7, advice: an agent older than the latest. The region's word for the node
/// (`IsLatestVersion`) decides when given; otherwise a newer agent on a node of the same
/// platform in this account does.
pub(super) fn update_rules(
    id: &str,
    node: Option<&ManagedNode>,
    newest: &FastMap<&str, ([u32; 4], &str)>,
    findings: &mut Vec<Finding>,
) {
    let Some(node) = node else {
        return;
    };
    let Some(version) = node.agent_version.as_deref() else {
        return;
    };
    let newer = node
        .platform_type
        .as_deref()
        .and_then(|p| newest.get(p))
        .filter(|(key, _)| version_key(version).is_some_and(|mine| mine < *key))
        .map(|(_, v)| v.to_string());
    let outdated = match node.is_latest_version {
        Some(latest) => !latest,
        None => newer.is_some(),
    };
    if outdated {
        findings.push(Finding::new(
            Rule::Agent,
            Severity::Warning,
            id,
            FindingKind::AgentOutdated {
                version: version.to_string(),
                latest: newer,
            },
            Fix::UpdateAgent {
                instance_id: id.to_string(),
            },
        ));
    }
}

/// `3.2.1542.0` against `[3, 2, 582]`; a version that does not parse is not older.
pub fn older_than(version: &str, min: [u32; 3]) -> bool {
    let parts: Option<Vec<u32>> = version.split('.').take(3).map(|p| p.parse().ok()).collect();
    match parts {
        Some(p) if p.len() == 3 => p.as_slice() < min.as_slice(),
        _ => false,
    }
}

/// Rule 7: what the agent's ping status says, given the findings so far.
pub(super) fn verdict(
    inst: &Instance,
    node: Option<&ManagedNode>,
    nodes_known: bool,
    findings: &mut Vec<Finding>,
) -> Verdict {
    let has = |findings: &[Finding], sev: Severity| findings.iter().any(|f| f.severity == sev);
    if inst.state != InstanceState::Running {
        Verdict::NotRunning {
            instance_state: inst.state.as_str().to_string(),
        }
    } else if node.is_some_and(|n| n.ping == PingStatus::Online) {
        // The agent answers, so its path and credentials work; keep only advice.
        findings.retain(|f| matches!(f.severity, Severity::Warning | Severity::Info));
        Verdict::Managed
    } else if node.is_some_and(|n| n.ping == PingStatus::ConnectionLost) {
        findings.push(Finding::new(
            Rule::Agent,
            Severity::Blocker,
            &inst.id,
            FindingKind::ConnectionLost,
            Fix::CheckAgent {
                instance_id: inst.id.clone(),
            },
        ));
        Verdict::ConnectionLost
    } else if has(findings, Severity::Blocker) {
        Verdict::NotManaged
    } else if !nodes_known {
        Verdict::Unknown
    } else {
        if !has(findings, Severity::Waiting) {
            findings.push(Finding::new(
                Rule::Agent,
                Severity::Waiting,
                &inst.id,
                FindingKind::AgentNotRegistered,
                Fix::CheckAgent {
                    instance_id: inst.id.clone(),
                },
            ));
        }
        Verdict::Waiting
    }
}
