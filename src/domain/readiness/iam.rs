//! The IAM family: the instance's profile and role (rule 6), what the role's policies
//! grant the agent (rule 11), and the Roles pane's reports.

use std::sync::LazyLock;

use serde::Serialize;

use super::index::Index;
use super::{RoleReport, agent};
use crate::domain::fast_map::FastMap;
use crate::domain::findings::{Finding, FindingKind, Fix, Rule, Severity};
use crate::domain::model::{
    AssociationState, CORE_POLICY_ARN, DEFAULT_ROLE_NAME, DEPRECATED_POLICY_ARN, Instance, Role,
    RolePolicies, Simulated, SsmPolicy,
};
use crate::domain::policy::{
    AGENT_ACTIONS, CORE_ACTIONS, Decision, PolicyDocument, Request, UnverifiedReason, evaluate_all,
    evaluate_identity,
};
use crate::domain::snapshot::Snapshot;

/// What a role's policies let the agent do.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "access", rename_all = "snake_case")]
pub enum Access {
    /// Every agent action is allowed.
    Allowed,
    /// No policy allows `action`.
    Missing { action: String },
    /// A statement denies `action`.
    Denied {
        action: String,
        statement: Option<String>,
    },
    /// Whether `action` is allowed depends on what the documents cannot say.
    Unverified {
        action: String,
        reason: UnverifiedReason,
    },
    /// The role's policies were not read (it does not trust EC2 and no profile holds it).
    NotRead,
    /// They could not be read.
    Unreadable,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RoleAccess {
    pub policy: SsmPolicy,
    pub access: Access,
}

/// The grants of AmazonSSMManagedInstanceCore (and of the deprecated AmazonEC2RoleforSSM,
/// which holds them too): known, so their documents are not read.
static SSM_MANAGED_GRANT: LazyLock<Option<PolicyDocument>> = LazyLock::new(|| {
    let document = serde_json::json!({
        "Version": "2012-10-17",
        "Statement": [{ "Effect": "Allow", "Action": CORE_ACTIONS, "Resource": "*" }]
    });
    PolicyDocument::parse(&document.to_string()).ok()
});

/// Rule 11 for one role: the union of its policies over the agent's actions, Deny first.
pub fn role_access(role: &Role) -> RoleAccess {
    let core = role
        .attached_policy_arns
        .iter()
        .any(|a| a == CORE_POLICY_ARN);
    let deprecated = role
        .attached_policy_arns
        .iter()
        .any(|a| a == DEPRECATED_POLICY_ARN);
    let documents = match &role.policies {
        RolePolicies::Read { documents } => Some(documents.as_slice()),
        RolePolicies::NotRead | RolePolicies::Unreadable { .. } => None,
    };
    let mut parsed: Vec<PolicyDocument> = Vec::new();
    let mut unparsed = false;
    if core || deprecated {
        parsed.extend(SSM_MANAGED_GRANT.iter().cloned());
    }
    for text in documents.unwrap_or(&[]) {
        match PolicyDocument::parse(&text.document) {
            Ok(doc) => parsed.push(doc),
            Err(_) => unparsed = true,
        }
    }
    let refs: Vec<&PolicyDocument> = parsed.iter().collect();
    let results = evaluate_all(&AGENT_ACTIONS, &Request::default(), |r| {
        evaluate_identity(&refs, r)
    });
    let (action, worst) = results
        .first()
        .cloned()
        .unwrap_or_else(|| (String::new(), Decision::Allowed));
    let access = match worst {
        Decision::Allowed => Access::Allowed,
        Decision::ExplicitDeny { statement } => Access::Denied { action, statement },
        Decision::Unverified { reason } => Access::Unverified { action, reason },
        Decision::ImplicitDeny if unparsed => Access::Unverified {
            action,
            reason: UnverifiedReason::Unreadable,
        },
        Decision::ImplicitDeny => match &role.policies {
            RolePolicies::Read { .. } => Access::Missing { action },
            RolePolicies::NotRead => Access::NotRead,
            RolePolicies::Unreadable { .. } => Access::Unreadable,
        },
    };
    let access = match access {
        Access::Unverified { action, reason } => {
            simulated(role).unwrap_or(Access::Unverified { action, reason })
        }
        other => other,
    };
    let policy = match &access {
        Access::Allowed if core => SsmPolicy::Core,
        Access::Allowed if deprecated => SsmPolicy::Deprecated,
        Access::Allowed => SsmPolicy::Custom,
        Access::Missing { .. } => SsmPolicy::None,
        Access::Denied { .. } => SsmPolicy::Denied,
        Access::Unverified { .. } | Access::NotRead | Access::Unreadable => SsmPolicy::Unknown,
    };
    RoleAccess { policy, access }
}

/// What the policy simulator decided for every agent action, when it decided them all (an
/// explicit Deny decides alone).
fn simulated(role: &Role) -> Option<Access> {
    if role.simulated.is_empty() {
        return None;
    }
    let denied = role
        .simulated
        .iter()
        .find(|(_, d)| *d == Some(Simulated::ExplicitDeny));
    if let Some((action, _)) = denied {
        return Some(Access::Denied {
            action: action.clone(),
            statement: None,
        });
    }
    if role.simulated.iter().any(|(_, d)| d.is_none()) {
        return None;
    }
    let missing = role
        .simulated
        .iter()
        .find(|(_, d)| *d == Some(Simulated::ImplicitDeny));
    Some(match missing {
        Some((action, _)) => Access::Missing {
            action: action.clone(),
        },
        None => Access::Allowed,
    })
}

/// Rule 11's findings for a role, about `subject` (the instance, or the role itself).
pub(super) fn access_findings(
    role: &Role,
    access: &RoleAccess,
    subject: &str,
    out: &mut Vec<Finding>,
) {
    let mut push = |severity, kind, fix| {
        // The two findings of the managed policies are rule 6's, as DESIGN.md has them.
        let rule = match kind {
            FindingKind::DeprecatedPolicy { .. } | FindingKind::RoleWithoutSsmPolicy { .. } => {
                Rule::InstanceProfile
            }
            _ => Rule::Policy,
        };
        out.push(Finding::new(rule, severity, subject, kind, fix));
    };
    let name = role.name.clone();
    match &access.access {
        Access::Allowed if access.policy == SsmPolicy::Deprecated => push(
            Severity::Warning,
            FindingKind::DeprecatedPolicy { role: name.clone() },
            Fix::AttachCorePolicy { role: name },
        ),
        Access::Allowed | Access::NotRead => {}
        Access::Missing { .. } => push(
            Severity::Blocker,
            FindingKind::RoleWithoutSsmPolicy { role: name.clone() },
            Fix::AttachCorePolicy { role: name },
        ),
        Access::Denied { action, statement } => push(
            Severity::Blocker,
            FindingKind::RolePolicyDenies {
                role: name,
                action: action.clone(),
                statement: statement.clone(),
            },
            Fix::Manual,
        ),
        Access::Unverified { action, reason } => push(
            Severity::Warning,
            FindingKind::RolePolicyUnverified {
                role: name,
                action: action.clone(),
                reason: *reason,
            },
            Fix::Manual,
        ),
        Access::Unreadable => push(
            Severity::Warning,
            FindingKind::RolePoliciesUnreadable { role: name },
            Fix::Manual,
        ),
    }
}

/// Rule 6. Returns the profile name in use and its role, where known.
pub(super) fn profile_rules<'a>(
    inst: &Instance,
    ix: &Index<'a>,
    s: &Snapshot,
    iam_known: bool,
    findings: &mut Vec<Finding>,
) -> (Option<String>, Option<&'a Role>) {
    let blocker = |kind| {
        Finding::new(
            Rule::InstanceProfile,
            Severity::Blocker,
            &inst.id,
            kind,
            Fix::AttachProfile {
                instance_id: inst.id.clone(),
            },
        )
    };
    let association = ix.associations.get(inst.id.as_str());
    let arn = association
        .map(|a| a.profile_arn.as_str())
        .or(inst.profile_arn.as_deref());
    let Some(arn) = arn else {
        let dhmc = s.nodes.dhmc == Some(true);
        if dhmc && inst.metadata.tokens_required {
            findings.extend(agent::dhmc_rules(inst, ix, s, iam_known));
        } else {
            findings.push(blocker(FindingKind::NoInstanceProfile {
                dhmc_without_imdsv2: dhmc,
            }));
        }
        return (None, None);
    };
    let name_from_arn = arn.rsplit('/').next().unwrap_or(arn).to_string();
    if association.is_some_and(|a| a.state == AssociationState::Associating) {
        findings.push(Finding::new(
            Rule::InstanceProfile,
            Severity::Waiting,
            &inst.id,
            FindingKind::AssociationPending,
            Fix::Wait,
        ));
    }
    if !iam_known {
        return (Some(name_from_arn), None);
    }
    let profile = ix
        .profiles_by_arn
        .get(arn)
        .or_else(|| ix.profiles_by_name.get(name_from_arn.as_str()));
    let Some(profile) = profile else {
        findings.push(blocker(FindingKind::ProfileNotFound {
            profile_arn: arn.to_string(),
        }));
        return (Some(name_from_arn), None);
    };
    let Some(role_name) = profile.role_names.first() else {
        findings.push(blocker(FindingKind::ProfileWithoutRole {
            profile: profile.name.clone(),
        }));
        return (Some(profile.name.clone()), None);
    };
    let Some(role) = ix.roles.get(role_name.as_str()).copied() else {
        findings.push(blocker(FindingKind::RoleNotFound {
            role: role_name.clone(),
        }));
        return (Some(profile.name.clone()), None);
    };
    if !role.trusts_ec2() {
        findings.push(blocker(FindingKind::RoleNotTrustingEc2 {
            role: role.name.clone(),
        }));
    }
    if let Some(access) = ix.role_access.get(role.name.as_str()) {
        access_findings(role, access, &inst.id, findings);
    }
    (Some(profile.name.clone()), Some(role))
}

/// The roles an instance can use: those EC2 can assume, those an instance profile holds,
/// and ManagedInstancesRole.
pub(super) fn role_reports(
    s: &Snapshot,
    ix: &Index,
    profile_use: &FastMap<&str, usize>,
) -> Vec<RoleReport> {
    let dhmc_role = s
        .nodes
        .dhmc_role
        .as_deref()
        .map(|arn| arn.rsplit('/').next().unwrap_or(arn));
    // Activation roles, with how many hybrid nodes use each.
    let mut activation_roles: FastMap<&str, usize> = FastMap::default();
    for n in s.nodes.nodes.iter().filter(|n| n.is_hybrid()) {
        if let Some(role) = n.iam_role.as_deref() {
            *activation_roles
                .entry(role.rsplit('/').next().unwrap_or(role))
                .or_default() += 1;
        }
    }
    let mut out: Vec<RoleReport> = s
        .iam
        .roles
        .iter()
        .filter_map(|role| {
            let profiles: Vec<String> = s
                .iam
                .profiles
                .iter()
                .filter(|p| p.role_names.contains(&role.name))
                .map(|p| p.name.clone())
                .collect();
            // Default Host Management Configuration's role is assumed by Systems Manager,
            // not by EC2.
            let dhmc = dhmc_role == Some(role.name.as_str());
            let hybrid_nodes = activation_roles.get(role.name.as_str()).copied();
            let shown = role.trusts_ec2()
                || role.name == DEFAULT_ROLE_NAME
                || !profiles.is_empty()
                || dhmc
                || hybrid_nodes.is_some();
            if !shown {
                return None;
            }
            let instance_count = profiles
                .iter()
                .map(|p| profile_use.get(p.as_str()).copied().unwrap_or(0))
                .sum::<usize>()
                + hybrid_nodes.unwrap_or(0);
            let access = ix
                .role_access
                .get(role.name.as_str())
                .cloned()
                .unwrap_or_else(|| role_access(role));
            let mut findings = Vec::new();
            access_findings(role, &access, &role.name, &mut findings);
            let ssm_assumes = dhmc || hybrid_nodes.is_some();
            if ssm_assumes && !role.trusts(crate::domain::model::SSM_SERVICE_PRINCIPAL) {
                findings.push(Finding::new(
                    if dhmc {
                        Rule::InstanceProfile
                    } else {
                        Rule::ActivationRole
                    },
                    Severity::Blocker,
                    &role.name,
                    if dhmc {
                        FindingKind::DhmcRoleNotTrustingSsm {
                            role: role.name.clone(),
                        }
                    } else {
                        FindingKind::ActivationRoleNotTrustingSsm {
                            role: role.name.clone(),
                        }
                    },
                    Fix::Manual,
                ));
            }
            if !role.trusts_ec2() && !ssm_assumes {
                findings.push(Finding::new(
                    Rule::InstanceProfile,
                    Severity::Blocker,
                    &role.name,
                    FindingKind::RoleNotTrustingEc2 {
                        role: role.name.clone(),
                    },
                    Fix::CreateRole,
                ));
            }
            Some(RoleReport {
                name: role.name.clone(),
                arn: role.arn.clone(),
                trusts_ec2: role.trusts_ec2(),
                policy: access.policy,
                profiles,
                instance_count,
                findings,
            })
        })
        .collect();
    out.sort_by(|a, b| {
        (b.name == DEFAULT_ROLE_NAME)
            .cmp(&(a.name == DEFAULT_ROLE_NAME))
            .then_with(|| a.name.cmp(&b.name))
    });
    out
}
