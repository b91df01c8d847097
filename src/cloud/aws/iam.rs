//! IAM: roles (with trust principals and attached policies), instance profiles, writes.

use aws_sdk_iam::Client;
use futures::{StreamExt, TryStreamExt};
use percent_encoding::percent_decode_str;
use serde_json::{Value, json};

use super::errors::map_err;
use super::logged;
use crate::cloud::{CloudError, CloudResult};
use crate::domain::model::{EC2_SERVICE_PRINCIPAL, InstanceProfile, Role, RolePolicies};

/// ListRoles / ListInstanceProfiles / ListAttachedRolePolicies accept up to 1000 items a page.
const MAX_ITEMS: i32 = 1000;
/// ListAttachedRolePolicies calls in flight at once.
const POLICY_CONCURRENCY: usize = 8;

pub(crate) async fn list_roles(iam: &Client) -> CloudResult<Vec<Role>> {
    const ACTION: &str = "iam:ListRoles";
    let mut pages = iam
        .list_roles()
        .max_items(MAX_ITEMS)
        .into_paginator()
        .send();
    let (mut listed, mut n) = (Vec::new(), 0);
    while let Some(page) = pages.next().await {
        let page = page.map_err(|e| map_err(ACTION, e))?;
        n += 1;
        listed.extend(page.roles().iter().map(|r| {
            (
                r.role_name().to_string(),
                r.arn().to_string(),
                trusted_services(r.assume_role_policy_document()),
            )
        }));
    }
    logged(ACTION, n, listed.len());
    // Policies matter only for roles EC2 can assume: skip the call for the others.
    futures::stream::iter(listed)
        .map(|(name, arn, trusted_services)| async move {
            let attached_policy_arns =
                if trusted_services.iter().any(|s| s == EC2_SERVICE_PRINCIPAL) {
                    list_attached_role_policies(iam, &name).await?
                } else {
                    Vec::new()
                };
            Ok::<_, CloudError>(Role {
                name,
                arn,
                trusted_services,
                attached_policy_arns,
                policies: RolePolicies::NotRead,
                simulated: Vec::new(),
            })
        })
        .buffered(POLICY_CONCURRENCY)
        .try_collect()
        .await
}

pub(crate) async fn list_attached_role_policies(
    iam: &Client,
    role: &str,
) -> CloudResult<Vec<String>> {
    const ACTION: &str = "iam:ListAttachedRolePolicies";
    let mut pages = iam
        .list_attached_role_policies()
        .role_name(role)
        .max_items(MAX_ITEMS)
        .into_paginator()
        .send();
    let (mut out, mut n) = (Vec::new(), 0);
    while let Some(page) = pages.next().await {
        let page = page.map_err(|e| map_err(ACTION, e))?;
        n += 1;
        out.extend(
            page.attached_policies()
                .iter()
                .filter_map(|p| p.policy_arn())
                .map(str::to_string),
        );
    }
    logged(ACTION, n, out.len());
    Ok(out)
}

/// Service principals allowed to assume the role by its trust policy (IAM returns it
/// URL-encoded): `Principal.Service` of the `Allow` statements that grant an AssumeRole.
pub fn trusted_services(document: Option<&str>) -> Vec<String> {
    let Some(document) = document else {
        return Vec::new();
    };
    let decoded = percent_decode_str(document).decode_utf8_lossy();
    let parsed: Option<Value> = serde_json::from_str(&decoded)
        .or_else(|_| serde_json::from_str(document))
        .ok();
    let Some(policy) = parsed else {
        tracing::debug!("trust policy is not JSON; no principals read");
        return Vec::new();
    };
    let mut services: Vec<String> = one_or_many(&policy["Statement"])
        .into_iter()
        .filter(|st| st["Effect"].as_str() == Some("Allow"))
        .filter(|st| {
            st.get("Action").is_none_or(|a| {
                one_or_many(a)
                    .iter()
                    .filter_map(|v| v.as_str())
                    .any(|a| a.eq_ignore_ascii_case("sts:AssumeRole") || a == "sts:*" || a == "*")
            })
        })
        .flat_map(|st| one_or_many(&st["Principal"]["Service"]))
        .filter_map(|s| s.as_str().map(str::to_string))
        .collect();
    services.sort();
    services.dedup();
    services
}

fn one_or_many(v: &Value) -> Vec<&Value> {
    match v {
        Value::Array(items) => items.iter().collect(),
        Value::Null => Vec::new(),
        other => vec![other],
    }
}

/// The trust policy that lets `service` assume a role.
pub fn trust_policy(service: &str) -> String {
    json!({
        "Version": "2012-10-17",
        "Statement": [{
            "Effect": "Allow",
            "Principal": { "Service": service },
            "Action": "sts:AssumeRole"
        }]
    })
    .to_string()
}

pub(crate) async fn list_instance_profiles(iam: &Client) -> CloudResult<Vec<InstanceProfile>> {
    const ACTION: &str = "iam:ListInstanceProfiles";
    let mut pages = iam
        .list_instance_profiles()
        .max_items(MAX_ITEMS)
        .into_paginator()
        .send();
    let (mut out, mut n) = (Vec::new(), 0);
    while let Some(page) = pages.next().await {
        let page = page.map_err(|e| map_err(ACTION, e))?;
        n += 1;
        out.extend(page.instance_profiles().iter().map(instance_profile));
    }
    logged(ACTION, n, out.len());
    Ok(out)
}

fn instance_profile(p: &aws_sdk_iam::types::InstanceProfile) -> InstanceProfile {
    InstanceProfile {
        name: p.instance_profile_name().to_string(),
        arn: p.arn().to_string(),
        role_names: p
            .roles()
            .iter()
            .map(|r| r.role_name().to_string())
            .collect(),
    }
}

pub(crate) async fn create_role(
    iam: &Client,
    name: &str,
    trusted_service: &str,
) -> CloudResult<Role> {
    const ACTION: &str = "iam:CreateRole";
    logged(ACTION, 1, 1);
    let out = iam
        .create_role()
        .role_name(name)
        .assume_role_policy_document(trust_policy(trusted_service))
        .description("Lets Systems Manager manage the instance (created by ssmdeck)")
        .send()
        .await
        .map_err(|e| map_err(ACTION, e))?;
    let role = out
        .role()
        .ok_or_else(|| CloudError::Other(format!("{ACTION}: response has no role")))?;
    let trusted = trusted_services(role.assume_role_policy_document());
    Ok(Role {
        name: role.role_name().to_string(),
        arn: role.arn().to_string(),
        trusted_services: if trusted.is_empty() {
            vec![trusted_service.to_string()]
        } else {
            trusted
        },
        attached_policy_arns: Vec::new(),
        policies: RolePolicies::NotRead,
        simulated: Vec::new(),
    })
}

pub(crate) async fn attach_role_policy(
    iam: &Client,
    role: &str,
    policy_arn: &str,
) -> CloudResult<()> {
    const ACTION: &str = "iam:AttachRolePolicy";
    logged(ACTION, 1, 1);
    iam.attach_role_policy()
        .role_name(role)
        .policy_arn(policy_arn)
        .send()
        .await
        .map_err(|e| map_err(ACTION, e))?;
    Ok(())
}

pub(crate) async fn create_instance_profile(
    iam: &Client,
    name: &str,
) -> CloudResult<InstanceProfile> {
    const ACTION: &str = "iam:CreateInstanceProfile";
    logged(ACTION, 1, 1);
    let out = iam
        .create_instance_profile()
        .instance_profile_name(name)
        .send()
        .await
        .map_err(|e| map_err(ACTION, e))?;
    out.instance_profile()
        .map(instance_profile)
        .ok_or_else(|| CloudError::Other(format!("{ACTION}: response has no instance profile")))
}

pub(crate) async fn add_role_to_instance_profile(
    iam: &Client,
    profile: &str,
    role: &str,
) -> CloudResult<()> {
    const ACTION: &str = "iam:AddRoleToInstanceProfile";
    logged(ACTION, 1, 1);
    iam.add_role_to_instance_profile()
        .instance_profile_name(profile)
        .role_name(role)
        .send()
        .await
        .map_err(|e| map_err(ACTION, e))?;
    Ok(())
}
