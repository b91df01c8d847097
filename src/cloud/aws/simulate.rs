//! The IAM policy simulator for the caller: what a dry run says about IAM writes (which
//! have no `DryRun`) and about EC2 writes at an endpoint where `DryRun` is not trusted.

use aws_sdk_iam::Client;
use aws_sdk_iam::types::PolicyEvaluationDecisionType;

use super::errors::map_err;
use super::logged;
use crate::cloud::{CloudResult, Simulated};

/// Who the caller is, for the simulator.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Principal {
    /// The account's root user: every action is allowed (SCPs aside).
    Root,
    /// A user or role ARN the simulator takes as it is.
    Arn(String),
    /// An assumed-role session: the simulator needs the role's own ARN (with its path).
    Role(String),
    /// A federated user or another principal the simulator cannot evaluate.
    Unsupported(String),
}

/// What `sts:GetCallerIdentity`'s ARN is, for `iam:SimulatePrincipalPolicy`.
pub fn principal_of(arn: &str) -> Principal {
    let mut parts = arn.splitn(6, ':');
    let (service, resource) = (parts.nth(2).unwrap_or_default(), parts.nth(2));
    let resource = resource.unwrap_or_default();
    match (service, resource.split_once('/')) {
        ("iam", _) if resource == "root" => Principal::Root,
        ("iam", Some(("user" | "role", _))) => Principal::Arn(arn.to_string()),
        ("sts", Some(("assumed-role", rest))) => {
            Principal::Role(rest.split('/').next().unwrap_or_default().to_string())
        }
        // Some AWS-compatible servers answer with an STS form of the user's ARN.
        ("sts", Some(("user", name))) => {
            let account = arn.split(':').nth(4).unwrap_or_default();
            Principal::Arn(format!("arn:aws:iam::{account}:user/{name}"))
        }
        ("sts", Some((kind, _))) => Principal::Unsupported(kind.to_string()),
        _ => Principal::Unsupported(arn.to_string()),
    }
}

/// The ARN of role `name`, path included (iam:GetRole).
pub(crate) async fn role_arn(iam: &Client, name: &str) -> CloudResult<String> {
    const ACTION: &str = "iam:GetRole";
    let out = iam
        .get_role()
        .role_name(name)
        .send()
        .await
        .map_err(|e| map_err(ACTION, e))?;
    logged(ACTION, 1, 1);
    Ok(out.role().map(|r| r.arn().to_string()).unwrap_or_default())
}

/// The simulator for a role: `None` for an action whose conditions needed context the
/// request did not give (the decision is then the simulator's guess, not a fact).
pub(crate) async fn simulate_role(
    iam: &Client,
    role_arn: &str,
    actions: &[String],
) -> CloudResult<Vec<(String, Option<Simulated>)>> {
    const ACTION: &str = "iam:SimulatePrincipalPolicy";
    let mut pages = iam
        .simulate_principal_policy()
        .policy_source_arn(role_arn)
        .set_action_names(Some(actions.to_vec()))
        .into_paginator()
        .send();
    let (mut out, mut n) = (Vec::new(), 0);
    while let Some(page) = pages.next().await {
        let page = page.map_err(|e| map_err(ACTION, e))?;
        n += 1;
        out.extend(page.evaluation_results().iter().map(|r| {
            let decided = r.missing_context_values().is_empty();
            let decision = match r.eval_decision() {
                PolicyEvaluationDecisionType::Allowed => Simulated::Allowed,
                PolicyEvaluationDecisionType::ExplicitDeny => Simulated::ExplicitDeny,
                _ => Simulated::ImplicitDeny,
            };
            (
                r.eval_action_name().to_string(),
                decided.then_some(decision),
            )
        }));
    }
    logged(ACTION, n, out.len());
    Ok(out)
}

pub(crate) async fn simulate_principal_policy(
    iam: &Client,
    source_arn: &str,
    actions: &[String],
) -> CloudResult<Vec<(String, Simulated)>> {
    const ACTION: &str = "iam:SimulatePrincipalPolicy";
    let mut pages = iam
        .simulate_principal_policy()
        .policy_source_arn(source_arn)
        .set_action_names(Some(actions.to_vec()))
        .into_paginator()
        .send();
    let (mut out, mut n) = (Vec::new(), 0);
    while let Some(page) = pages.next().await {
        let page = page.map_err(|e| map_err(ACTION, e))?;
        n += 1;
        out.extend(page.evaluation_results().iter().map(|r| {
            let decision = match r.eval_decision() {
                PolicyEvaluationDecisionType::Allowed => Simulated::Allowed,
                PolicyEvaluationDecisionType::ExplicitDeny => Simulated::ExplicitDeny,
                _ => Simulated::ImplicitDeny,
            };
            (r.eval_action_name().to_string(), decision)
        }));
    }
    logged(ACTION, n, out.len());
    Ok(out)
}
