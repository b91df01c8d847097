//! IAM over the simulated world: roles, their policies, instance profiles.

use super::world::World;
use crate::cloud::{CloudError, CloudResult, RolePolicySet};
use crate::domain::model::{
    CORE_POLICY_ARN, DEPRECATED_POLICY_ARN, InstanceProfile, Role, RolePolicies,
};

/// ListRoles as the AWS adapter gives it: the attached policies of the roles EC2 can
/// assume, no documents.
pub(super) fn list_roles(w: &World) -> Vec<Role> {
    w.roles
        .iter()
        .map(|r| Role {
            attached_policy_arns: if r.trusts_ec2() {
                r.attached_policy_arns.clone()
            } else {
                Vec::new()
            },
            policies: RolePolicies::NotRead,
            ..r.clone()
        })
        .collect()
}

/// The roles as the IAM source reads them: policies for the roles EC2 or Systems Manager
/// can assume or an instance profile holds (as `engine::fetch::iam` asks for them), the others unread.
pub(super) fn roles_as_read(w: &World) -> Vec<Role> {
    w.roles
        .iter()
        .map(|r| {
            let read = r.trusts_ec2()
                || r.trusts(crate::domain::model::SSM_SERVICE_PRINCIPAL)
                || w.profiles.iter().any(|p| p.role_names.contains(&r.name));
            if read {
                let documents = match &r.policies {
                    RolePolicies::Read { documents } => documents.clone(),
                    _ => Vec::new(),
                };
                Role {
                    policies: RolePolicies::Read { documents },
                    ..r.clone()
                }
            } else {
                Role {
                    attached_policy_arns: Vec::new(),
                    policies: RolePolicies::NotRead,
                    ..r.clone()
                }
            }
        })
        .collect()
}

pub(super) fn role_policies(w: &World, role_name: &str) -> CloudResult<RolePolicySet> {
    let role = role(w, role_name)?;
    let documents = match &role.policies {
        RolePolicies::Read { documents } => documents.clone(),
        RolePolicies::NotRead | RolePolicies::Unreadable { .. } => Vec::new(),
    };
    Ok(RolePolicySet {
        attached_policy_arns: role.attached_policy_arns.clone(),
        documents,
    })
}

fn role<'a>(w: &'a World, name: &str) -> CloudResult<&'a Role> {
    w.roles
        .iter()
        .find(|r| r.name == name)
        .ok_or_else(|| CloudError::NotFound(format!("NoSuchEntity: role {name} does not exist")))
}

pub(super) fn create_role(w: &mut World, name: &str, trusted_service: &str) -> CloudResult<Role> {
    if w.roles.iter().any(|r| r.name == name) {
        return Err(CloudError::AlreadyExists(format!(
            "EntityAlreadyExists: role with name {name} already exists"
        )));
    }
    let role = Role {
        name: name.into(),
        arn: format!("arn:aws:iam::{}:role/{name}", w.account),
        trusted_services: vec![trusted_service.into()],
        attached_policy_arns: vec![],
        policies: RolePolicies::Read {
            documents: Vec::new(),
        },
        simulated: Vec::new(),
    };
    w.roles.push(role.clone());
    Ok(Role {
        policies: RolePolicies::NotRead,
        ..role
    })
}

pub(super) fn attach_role_policy(
    w: &mut World,
    role_name: &str,
    policy_arn: &str,
) -> CloudResult<()> {
    if ![CORE_POLICY_ARN, DEPRECATED_POLICY_ARN].contains(&policy_arn) {
        return Err(CloudError::NotFound(format!(
            "policy {policy_arn} does not exist or is not attachable"
        )));
    }
    let role = w
        .roles
        .iter_mut()
        .find(|r| r.name == role_name)
        .ok_or_else(|| CloudError::NotFound(format!("role {role_name} does not exist")))?;
    if !role.attached_policy_arns.iter().any(|p| p == policy_arn) {
        role.attached_policy_arns.push(policy_arn.into());
    }
    Ok(())
}

pub(super) fn create_instance_profile(w: &mut World, name: &str) -> CloudResult<InstanceProfile> {
    if w.profiles.iter().any(|p| p.name == name) {
        return Err(CloudError::AlreadyExists(format!(
            "EntityAlreadyExists: instance profile {name} already exists"
        )));
    }
    let profile = InstanceProfile {
        name: name.into(),
        arn: format!("arn:aws:iam::{}:instance-profile/{name}", w.account),
        role_names: vec![],
    };
    w.profiles.push(profile.clone());
    Ok(profile)
}

pub(super) fn add_role_to_instance_profile(
    w: &mut World,
    profile_name: &str,
    role_name: &str,
) -> CloudResult<()> {
    role(w, role_name)?;
    let profile = w
        .profiles
        .iter_mut()
        .find(|p| p.name == profile_name)
        .ok_or_else(|| {
            CloudError::NotFound(format!("instance profile {profile_name} does not exist"))
        })?;
    if !profile.role_names.is_empty() {
        return Err(CloudError::Invalid(
            "LimitExceeded: cannot exceed quota for InstanceSessionsPerInstanceProfile: 1".into(),
        ));
    }
    profile.role_names.push(role_name.into());
    Ok(())
}
