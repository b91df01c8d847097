//! The IAM steps: the instance role and its profile, the Core policy on a role in use,
//! attaching (or replacing) instance profiles.

use super::{Call, Note, Plan, Step, StepKind, StepTitle, Subject};
use crate::domain::model::{
    AssociationState, CORE_POLICY_ARN, EC2_SERVICE_PRINCIPAL, InstanceState, SsmPolicy,
};
use crate::domain::snapshot::Snapshot;

/// Steps that make `role_name` usable by instances: role, Core policy, instance profile.
pub fn plan_role(s: &Snapshot, role_name: &str) -> Plan {
    let mut plan = Plan {
        subject: Subject::Role {
            name: role_name.to_string(),
        },
        place: String::new(),
        steps: Vec::new(),
    };
    let mut calls = Vec::new();
    let mut notes = Vec::new();
    let role = s.iam.roles.iter().find(|r| r.name == role_name);
    match role {
        None => {
            calls.push(Call::CreateRole {
                name: role_name.to_string(),
                trusted_service: EC2_SERVICE_PRINCIPAL.to_string(),
            });
            calls.push(Call::AttachRolePolicy {
                role: role_name.to_string(),
                policy_arn: CORE_POLICY_ARN.to_string(),
            });
        }
        Some(role) => {
            if !role
                .attached_policy_arns
                .iter()
                .any(|a| a == CORE_POLICY_ARN)
            {
                calls.push(Call::AttachRolePolicy {
                    role: role_name.to_string(),
                    policy_arn: CORE_POLICY_ARN.to_string(),
                });
            }
            if !role.trusts_ec2() {
                notes.push(Note::RoleNotTrustingEc2 {
                    role: role_name.to_string(),
                });
            }
        }
    }
    let profile = s.iam.profiles.iter().find(|p| p.name == role_name);
    match profile {
        None => {
            calls.push(Call::CreateInstanceProfile {
                name: role_name.to_string(),
            });
            calls.push(Call::AddRoleToInstanceProfile {
                profile: role_name.to_string(),
                role: role_name.to_string(),
            });
        }
        Some(p) if p.role_names.is_empty() => calls.push(Call::AddRoleToInstanceProfile {
            profile: role_name.to_string(),
            role: role_name.to_string(),
        }),
        Some(p) if !p.role_names.iter().any(|r| r == role_name) => {
            notes.push(Note::ProfileHoldsOtherRole {
                profile: role_name.to_string(),
                roles: p.role_names.clone(),
            })
        }
        Some(_) => {}
    }
    let role_name_owned = role_name.to_string();
    let title = match role {
        None => StepTitle::CreateRole {
            role: role_name_owned,
        },
        Some(r) if r.ssm_policy() == SsmPolicy::Deprecated => StepTitle::AddCoreToDeprecated {
            role: role_name_owned,
        },
        Some(_) => StepTitle::CompleteRole {
            role: role_name_owned,
        },
    };
    plan.push(Step {
        kind: StepKind::Role,
        title,
        selected: true,
        calls,
        notes,
    });
    plan
}

/// Steps that give `instance_ids` the instance profile `profile`.
pub fn plan_attach(s: &Snapshot, instance_ids: &[String], profile: &str) -> Plan {
    let mut plan = Plan {
        subject: Subject::Attach {
            profile: profile.to_string(),
        },
        place: String::new(),
        steps: Vec::new(),
    };
    let mut calls = Vec::new();
    let mut notes = Vec::new();
    let profile_name_of = |arn: &str| arn.rsplit('/').next().unwrap_or(arn).to_string();
    for id in instance_ids {
        let Some(inst) = s.instances.instances.iter().find(|i| &i.id == id) else {
            notes.push(Note::NoSuchInstance {
                instance_id: id.clone(),
            });
            continue;
        };
        if matches!(
            inst.state,
            InstanceState::Terminated | InstanceState::ShuttingDown
        ) {
            notes.push(Note::CannotTakeProfile {
                instance_id: id.clone(),
                state: inst.state.as_str().to_string(),
            });
            continue;
        }
        let current = s.instances.associations.iter().find(|a| {
            &a.instance_id == id
                && matches!(
                    a.state,
                    AssociationState::Associated | AssociationState::Associating
                )
        });
        match current {
            Some(a) if profile_name_of(&a.profile_arn) == profile => {}
            Some(a) => calls.push(Call::ReplaceIamInstanceProfileAssociation {
                association_id: a.id.clone(),
                instance_id: id.clone(),
                profile: profile.to_string(),
                replaces: profile_name_of(&a.profile_arn),
            }),
            None => match inst.profile_arn.as_deref() {
                Some(arn) if profile_name_of(arn) == profile => {}
                Some(arn) => notes.push(Note::ProfileWithoutAssociation {
                    instance_id: id.clone(),
                    profile: profile_name_of(arn),
                }),
                None => calls.push(Call::AssociateIamInstanceProfile {
                    instance_id: id.clone(),
                    profile: profile.to_string(),
                }),
            },
        }
    }
    let replaces = calls
        .iter()
        .filter(|c| matches!(c, Call::ReplaceIamInstanceProfileAssociation { .. }))
        .count();
    let title = StepTitle::Attach {
        profile: profile.to_string(),
        count: calls.len(),
        replaces,
    };
    plan.push(Step {
        kind: StepKind::Attach,
        title,
        selected: true,
        calls,
        notes,
    });
    plan
}

/// `n` on a role instances use that lacks the agent's permissions: AmazonSSMManagedInstanceCore
/// attached to that role (the role is kept, its profile too). What its policies deny or
/// its trust lacks is a change by hand.
pub fn plan_role_policy(s: &Snapshot, role_name: &str) -> Plan {
    let mut plan = Plan {
        subject: Subject::RolePolicy {
            role: role_name.to_string(),
        },
        place: String::new(),
        steps: Vec::new(),
    };
    let Some(role) = s.iam.roles.iter().find(|r| r.name == role_name) else {
        return plan;
    };
    let mut notes = Vec::new();
    if !role.trusts_ec2() {
        notes.push(Note::RoleNotTrustingEc2 {
            role: role_name.to_string(),
        });
    }
    let calls = if role
        .attached_policy_arns
        .iter()
        .any(|a| a == CORE_POLICY_ARN)
    {
        Vec::new()
    } else {
        vec![Call::AttachRolePolicy {
            role: role_name.to_string(),
            policy_arn: CORE_POLICY_ARN.to_string(),
        }]
    };
    plan.push(Step {
        kind: StepKind::RolePolicy,
        title: StepTitle::AttachCore {
            roles: vec![role_name.to_string()],
        },
        selected: true,
        calls,
        notes,
    });
    plan
}
