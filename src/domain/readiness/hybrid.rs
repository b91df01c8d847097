//! A hybrid node (`mi-…`, registered with an activation): no VPC, subnet, endpoint or
//! instance profile to judge — its agent's ping status and version, and the activation's
//! service role, which its credentials come from (rule 13).

use super::index::Index;
use super::{InstanceReport, NetworkPath, Verdict, agent, iam};
use crate::domain::findings::{Finding, FindingKind, Fix, Rule, Severity};
use crate::domain::model::{ManagedNode, NodeKind, PingStatus, SSM_SERVICE_PRINCIPAL};

pub(super) fn hybrid_report(node: &ManagedNode, ix: &Index, iam_known: bool) -> InstanceReport {
    let id = node.instance_id.as_str();
    let mut findings = Vec::new();
    if iam_known {
        role_rules(node, ix, &mut findings);
    }
    agent::update_rules(id, Some(node), &ix.newest_agents, &mut findings);
    let verdict = match node.ping {
        PingStatus::Online => {
            // The agent answers, so its credentials work; keep only advice.
            findings.retain(|f| matches!(f.severity, Severity::Warning | Severity::Info));
            Verdict::Managed
        }
        PingStatus::ConnectionLost => {
            findings.push(Finding::new(
                Rule::Agent,
                Severity::Blocker,
                id,
                FindingKind::ConnectionLost,
                Fix::CheckAgent {
                    instance_id: id.to_string(),
                },
            ));
            Verdict::ConnectionLost
        }
        // Stopped or powered off: as an EC2 instance that is not running.
        PingStatus::Inactive => Verdict::NotRunning {
            instance_state: "inactive".into(),
        },
    };
    findings.sort_by_key(|f| (f.severity, f.rule));
    InstanceReport {
        instance_id: node.instance_id.clone(),
        kind: NodeKind::Hybrid,
        verdict,
        path: NetworkPath::OutsideAws,
        public_subnet: None,
        profile_name: None,
        findings: findings.into(),
    }
}

/// Rule 13: the activation's role exists, lets Systems Manager assume it, and its
/// policies grant the agent what AmazonSSMManagedInstanceCore does.
fn role_rules(node: &ManagedNode, ix: &Index, findings: &mut Vec<Finding>) {
    let Some(named) = node.iam_role.as_deref().filter(|r| !r.is_empty()) else {
        return;
    };
    // `service-role/SSMServiceRole` or an ARN: the name is the last part.
    let name = named.rsplit('/').next().unwrap_or(named);
    let id = node.instance_id.as_str();
    let Some(role) = ix.roles.get(name).copied() else {
        findings.push(Finding::new(
            Rule::ActivationRole,
            Severity::Blocker,
            id,
            FindingKind::ActivationRoleMissing {
                role: name.to_string(),
            },
            Fix::Manual,
        ));
        return;
    };
    if !role.trusts(SSM_SERVICE_PRINCIPAL) {
        findings.push(Finding::new(
            Rule::ActivationRole,
            Severity::Blocker,
            id,
            FindingKind::ActivationRoleNotTrustingSsm {
                role: role.name.clone(),
            },
            Fix::Manual,
        ));
    }
    if let Some(access) = ix.role_access.get(role.name.as_str()) {
        let from = findings.len();
        iam::access_findings(role, access, id, findings);
        for f in &mut findings[from..] {
            f.rule = Rule::ActivationRole;
        }
    }
}
