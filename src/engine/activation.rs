//! Onboarding servers outside EC2: the service role an activation names (created with the
//! core policy when missing), the activation itself, and deleting one. Every write is
//! audited — the activation code never is.

use jiff::{SignedDuration, Timestamp};
use serde::Serialize;

use super::audit::Audit;
use crate::cloud::{Cloud, CloudError};
use crate::domain::model::{
    ActivationRequest, CORE_POLICY_ARN, CreatedActivation, SSM_SERVICE_PRINCIPAL,
};

/// What the user asked for: the role, how many servers, for how many days, their name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ActivationOptions {
    pub role: String,
    pub limit: i32,
    pub days: i64,
    pub name: Option<String>,
}

/// The service role as the account has it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum RoleState {
    /// Trusts `ssm.amazonaws.com` and has AmazonSSMManagedInstanceCore.
    Ready,
    /// Not there: CreateRole, then AttachRolePolicy.
    Missing,
    /// There and trusting Systems Manager, without the core policy: AttachRolePolicy.
    PolicyMissing,
    /// There, but Systems Manager cannot assume it: nothing is changed, the user decides.
    NotTrusted,
}

/// The writes `activate` will make, read from the account first.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ActivationPlan {
    pub role: String,
    pub role_state: RoleState,
    pub request: ActivationRequest,
}

impl ActivationPlan {
    pub fn creates_role(&self) -> bool {
        self.role_state == RoleState::Missing
    }

    pub fn attaches_policy(&self) -> bool {
        matches!(
            self.role_state,
            RoleState::Missing | RoleState::PolicyMissing
        )
    }
}

/// A write that failed: which action, and the error.
#[derive(Debug, Clone)]
pub struct Failed {
    pub action: &'static str,
    pub error: CloudError,
}

/// Reads the role and makes the plan (no write).
pub async fn plan<C: Cloud>(
    cloud: &C,
    options: &ActivationOptions,
) -> Result<ActivationPlan, Failed> {
    let roles = cloud.list_roles().await.map_err(|error| Failed {
        action: "iam:ListRoles",
        error,
    })?;
    let role_state = match roles.iter().find(|r| r.name == options.role) {
        None => RoleState::Missing,
        Some(r)
            if !r
                .trusted_services
                .iter()
                .any(|s| s == SSM_SERVICE_PRINCIPAL) =>
        {
            RoleState::NotTrusted
        }
        Some(r) => {
            let attached = if r.attached_policy_arns.is_empty() {
                cloud
                    .role_policies(&r.name, None)
                    .await
                    .map_err(|error| Failed {
                        action: "iam:ListAttachedRolePolicies",
                        error,
                    })?
                    .attached_policy_arns
            } else {
                r.attached_policy_arns.clone()
            };
            if attached.iter().any(|a| a == CORE_POLICY_ARN) {
                RoleState::Ready
            } else {
                RoleState::PolicyMissing
            }
        }
    };
    Ok(ActivationPlan {
        role: options.role.clone(),
        role_state,
        request: ActivationRequest {
            iam_role: options.role.clone(),
            registration_limit: options.limit,
            expiration_date: expiry(cloud.now(), options.days),
            default_instance_name: options.name.clone(),
            description: Some("Created by ssmdeck".into()),
        },
    })
}

/// `days` after `now`, to the second.
pub fn expiry(now: Timestamp, days: i64) -> Timestamp {
    let at = now
        .saturating_add(SignedDuration::from_hours(days.saturating_mul(24)))
        .unwrap_or(now);
    Timestamp::from_second(at.as_second()).unwrap_or(at)
}

/// Creates the role when the plan says so, then the activation. A role not trusted by
/// Systems Manager stops it before any write.
pub async fn apply<C: Cloud>(
    cloud: &C,
    plan: &ActivationPlan,
    audit: Option<&Audit>,
) -> Result<CreatedActivation, Failed> {
    let record = |action: &str, parameters: serde_json::Value, outcome: String| {
        if let Some(a) = audit {
            a.record_action(action, parameters, &outcome);
        }
    };
    if plan.role_state == RoleState::NotTrusted {
        return Err(Failed {
            action: "iam:CreateRole",
            error: CloudError::Invalid(format!(
                "role {} does not trust {SSM_SERVICE_PRINCIPAL}",
                plan.role
            )),
        });
    }
    if plan.creates_role() {
        let parameters =
            serde_json::json!({ "role_name": plan.role, "trusted_service": SSM_SERVICE_PRINCIPAL });
        match cloud.create_role(&plan.role, SSM_SERVICE_PRINCIPAL).await {
            Ok(role) => record("iam:CreateRole", parameters, format!("ok: {}", role.arn)),
            Err(CloudError::AlreadyExists(detail)) => {
                record(
                    "iam:CreateRole",
                    parameters,
                    format!("already done: {detail}"),
                );
            }
            Err(error) => {
                record("iam:CreateRole", parameters, format!("failed: {error}"));
                return Err(Failed {
                    action: "iam:CreateRole",
                    error,
                });
            }
        }
    }
    if plan.attaches_policy() {
        let parameters =
            serde_json::json!({ "role_name": plan.role, "policy_arn": CORE_POLICY_ARN });
        match cloud.attach_role_policy(&plan.role, CORE_POLICY_ARN).await {
            Ok(()) => record("iam:AttachRolePolicy", parameters, "ok".into()),
            Err(error) => {
                record(
                    "iam:AttachRolePolicy",
                    parameters,
                    format!("failed: {error}"),
                );
                return Err(Failed {
                    action: "iam:AttachRolePolicy",
                    error,
                });
            }
        }
    }
    let parameters = serde_json::json!({
        "iam_role": plan.request.iam_role,
        "registration_limit": plan.request.registration_limit,
        "expiration_date": plan.request.expiration_date.to_string(),
        "default_instance_name": plan.request.default_instance_name,
    });
    let mut result = cloud.create_activation(&plan.request).await;
    // A role created a moment ago may not be visible to Systems Manager yet (IAM is
    // eventually consistent): asked again a few times.
    let mut waits = 0;
    while plan.creates_role()
        && waits < ROLE_PROPAGATION_ATTEMPTS
        && matches!(result, Err(CloudError::Invalid(_)))
    {
        waits += 1;
        tokio::time::sleep(std::time::Duration::from_secs(3)).await;
        result = cloud.create_activation(&plan.request).await;
    }
    match result {
        Ok(created) => {
            record(
                "ssm:CreateActivation",
                parameters,
                format!("ok: {}", created.id),
            );
            Ok(created)
        }
        Err(error) => {
            record(
                "ssm:CreateActivation",
                parameters,
                format!("failed: {error}"),
            );
            Err(Failed {
                action: "ssm:CreateActivation",
                error,
            })
        }
    }
}

/// CreateActivation asked again at most this often after the role was just created.
const ROLE_PROPAGATION_ATTEMPTS: u32 = 5;

/// DeleteActivation, audited.
pub async fn delete<C: Cloud>(cloud: &C, id: &str, audit: Option<&Audit>) -> Result<(), Failed> {
    let result = cloud.delete_activation(id).await;
    if let Some(a) = audit {
        let outcome = match &result {
            Ok(()) => "ok".to_string(),
            Err(e) => format!("failed: {e}"),
        };
        a.record_action(
            "ssm:DeleteActivation",
            serde_json::json!({ "activation_id": id }),
            &outcome,
        );
    }
    result.map_err(|error| Failed {
        action: "ssm:DeleteActivation",
        error,
    })
}
