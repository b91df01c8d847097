//! The documents of a role's policies: inline ones (ListRolePolicies, GetRolePolicy) and
//! attached managed ones at their default version (GetPolicy, GetPolicyVersion). Managed
//! documents are kept for the session: AWS's own are not asked again, a customer's only
//! when its default version changed. A role's whole set is read at most once a minute (the
//! IAM source refreshes more often while its pane is shown); attaching a policy to it
//! forgets it.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use aws_sdk_iam::Client;

use super::errors::map_err;
use super::iam::list_attached_role_policies;
use super::logged;
use crate::cloud::{CloudError, CloudResult, RolePolicySet};
use crate::domain::model::{CORE_POLICY_ARN, DEPRECATED_POLICY_ARN, PolicyText};

/// ListRolePolicies accepts up to 1000 items a page.
const MAX_ITEMS: i32 = 1000;
/// AWS managed policies live under this prefix.
const AWS_MANAGED: &str = "arn:aws:iam::aws:policy/";
/// How long a role's policies are taken as read.
const ROLE_POLICIES_FRESH: Duration = Duration::from_secs(60);

/// A managed policy's default version as read: its id, the policy's name, the document.
#[derive(Debug, Clone)]
struct Cached {
    version: String,
    name: String,
    document: String,
}

/// A role's policies as read, when, and with which attached list given.
#[derive(Debug, Clone)]
struct RoleRead {
    at: Instant,
    attached: Option<Vec<String>>,
    set: RolePolicySet,
}

/// Managed policy ARN → its default version as last read; role name → its policies.
#[derive(Debug, Clone, Default)]
pub(crate) struct PolicyCache {
    managed: Arc<Mutex<HashMap<String, Cached>>>,
    roles: Arc<Mutex<HashMap<String, RoleRead>>>,
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

impl PolicyCache {
    fn get(&self, arn: &str) -> Option<Cached> {
        lock(&self.managed).get(arn).cloned()
    }

    fn put(&self, arn: &str, cached: Cached) {
        lock(&self.managed).insert(arn.to_string(), cached);
    }

    fn role(&self, name: &str, attached: Option<&[String]>) -> Option<RolePolicySet> {
        let roles = lock(&self.roles);
        let read = roles.get(name)?;
        (read.at.elapsed() < ROLE_POLICIES_FRESH && read.attached.as_deref() == attached)
            .then(|| read.set.clone())
    }

    fn put_role(&self, name: &str, attached: Option<&[String]>, set: &RolePolicySet) {
        lock(&self.roles).insert(
            name.to_string(),
            RoleRead {
                at: Instant::now(),
                attached: attached.map(<[String]>::to_vec),
                set: set.clone(),
            },
        );
    }

    /// After a write to the role: read it again next time.
    pub(crate) fn forget_role(&self, name: &str) {
        lock(&self.roles).remove(name);
    }
}

pub(crate) async fn role_policies(
    iam: &Client,
    role: &str,
    attached: Option<&[String]>,
    cache: &PolicyCache,
) -> CloudResult<RolePolicySet> {
    if let Some(set) = cache.role(role, attached) {
        return Ok(set);
    }
    let set = read_role_policies(iam, role, attached, cache).await?;
    cache.put_role(role, attached, &set);
    Ok(set)
}

async fn read_role_policies(
    iam: &Client,
    role: &str,
    attached: Option<&[String]>,
    cache: &PolicyCache,
) -> CloudResult<RolePolicySet> {
    let attached_policy_arns = match attached {
        Some(arns) => arns.to_vec(),
        None => list_attached_role_policies(iam, role).await?,
    };
    let mut documents = Vec::new();
    for name in inline_policy_names(iam, role).await? {
        documents.push(inline_policy(iam, role, &name).await?);
    }
    for arn in &attached_policy_arns {
        // Their grants are known: the rules do not need their documents.
        if arn != CORE_POLICY_ARN && arn != DEPRECATED_POLICY_ARN {
            documents.push(managed_policy(iam, arn, cache).await?);
        }
    }
    Ok(RolePolicySet {
        attached_policy_arns,
        documents,
    })
}

async fn inline_policy_names(iam: &Client, role: &str) -> CloudResult<Vec<String>> {
    const ACTION: &str = "iam:ListRolePolicies";
    let mut pages = iam
        .list_role_policies()
        .role_name(role)
        .max_items(MAX_ITEMS)
        .into_paginator()
        .send();
    let (mut out, mut n) = (Vec::new(), 0);
    while let Some(page) = pages.next().await {
        let page = page.map_err(|e| map_err(ACTION, e))?;
        n += 1;
        out.extend(page.policy_names().iter().cloned());
    }
    logged(ACTION, n, out.len());
    Ok(out)
}

async fn inline_policy(iam: &Client, role: &str, name: &str) -> CloudResult<PolicyText> {
    const ACTION: &str = "iam:GetRolePolicy";
    let out = iam
        .get_role_policy()
        .role_name(role)
        .policy_name(name)
        .send()
        .await
        .map_err(|e| map_err(ACTION, e))?;
    logged(ACTION, 1, 1);
    Ok(PolicyText {
        name: name.to_string(),
        arn: None,
        document: out.policy_document().to_string(),
    })
}

async fn managed_policy(iam: &Client, arn: &str, cache: &PolicyCache) -> CloudResult<PolicyText> {
    let cached = cache.get(arn);
    if arn.starts_with(AWS_MANAGED)
        && let Some(c) = cached.clone()
    {
        return Ok(PolicyText {
            name: c.name,
            arn: Some(arn.to_string()),
            document: c.document,
        });
    }
    const GET_POLICY: &str = "iam:GetPolicy";
    let out = iam
        .get_policy()
        .policy_arn(arn)
        .send()
        .await
        .map_err(|e| map_err(GET_POLICY, e))?;
    logged(GET_POLICY, 1, 1);
    let policy = out
        .policy()
        .ok_or_else(|| CloudError::Other(format!("{GET_POLICY}: response has no policy")))?;
    let name = policy.policy_name().unwrap_or(arn).to_string();
    let version = policy
        .default_version_id()
        .ok_or_else(|| CloudError::Other(format!("{GET_POLICY}: {arn} has no default version")))?
        .to_string();
    if let Some(c) = cached
        && c.version == version
    {
        return Ok(PolicyText {
            name,
            arn: Some(arn.to_string()),
            document: c.document,
        });
    }
    const GET_VERSION: &str = "iam:GetPolicyVersion";
    let out = iam
        .get_policy_version()
        .policy_arn(arn)
        .version_id(&version)
        .send()
        .await
        .map_err(|e| map_err(GET_VERSION, e))?;
    logged(GET_VERSION, 1, 1);
    let document = out
        .policy_version()
        .and_then(|v| v.document())
        .ok_or_else(|| {
            CloudError::Other(format!("{GET_VERSION}: {arn} {version} has no document"))
        })?
        .to_string();
    cache.put(
        arn,
        Cached {
            version,
            name: name.clone(),
            document: document.clone(),
        },
    );
    Ok(PolicyText {
        name,
        arn: Some(arn.to_string()),
        document,
    })
}
