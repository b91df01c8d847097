//! IAM roles with their policies, and instance profiles.

use serde::Serialize;

use super::{CORE_POLICY_ARN, DEPRECATED_POLICY_ARN, EC2_SERVICE_PRINCIPAL};

#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
pub struct Role {
    pub name: String,
    pub arn: String,
    /// Service principals allowed to assume the role (from its trust policy).
    pub trusted_services: Vec<String>,
    pub attached_policy_arns: Vec<String>,
    /// The documents of the role's policies, where they were read.
    pub policies: RolePolicies,
    /// What `iam:SimulatePrincipalPolicy` said about the agent's actions, when the
    /// documents alone could not decide (empty: not asked, or not answered).
    pub simulated: Vec<(String, Option<Simulated>)>,
}

/// What `iam:SimulatePrincipalPolicy` says about one action.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Simulated {
    Allowed,
    ExplicitDeny,
    ImplicitDeny,
}

impl Role {
    pub fn trusts_ec2(&self) -> bool {
        self.trusts(EC2_SERVICE_PRINCIPAL)
    }

    pub fn trusts(&self, service: &str) -> bool {
        self.trusted_services.iter().any(|s| s == service)
    }
    pub fn ssm_policy(&self) -> SsmPolicy {
        if self
            .attached_policy_arns
            .iter()
            .any(|a| a == CORE_POLICY_ARN)
        {
            SsmPolicy::Core
        } else if self
            .attached_policy_arns
            .iter()
            .any(|a| a == DEPRECATED_POLICY_ARN)
        {
            SsmPolicy::Deprecated
        } else {
            SsmPolicy::None
        }
    }
}

/// What lets a role's instances register: the managed policy, or the role's own.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum SsmPolicy {
    Core,
    Deprecated,
    /// Other policies (inline or customer managed) grant the agent's actions.
    Custom,
    None,
    /// A statement denies one of the agent's actions, whatever else is attached.
    Denied,
    /// The role's policies were not read, or what they grant could not be decided.
    Unknown,
}

/// Whether the documents of a role's policies were read.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash, Serialize)]
#[serde(tag = "read", rename_all = "snake_case")]
pub enum RolePolicies {
    /// Not asked: no instance profile holds the role and it does not trust EC2.
    #[default]
    NotRead,
    /// Asked and refused (e.g. AccessDenied on iam:GetRolePolicy).
    Unreadable { error: String },
    /// Every inline policy and every attached policy other than the two SSM ones.
    Read { documents: Vec<PolicyText> },
}

/// One policy document of a role, as IAM returned it (JSON, possibly URL-encoded).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
pub struct PolicyText {
    /// The inline policy's name, or the managed policy's name.
    pub name: String,
    /// The managed policy's ARN; `None` for an inline policy.
    pub arn: Option<String>,
    pub document: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
pub struct InstanceProfile {
    pub name: String,
    pub arn: String,
    pub role_names: Vec<String>,
}
