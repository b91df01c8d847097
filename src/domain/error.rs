//! What a call to an account can fail with: a kind and the IAM action, kept typed from
//! the adapter to the pane and the report (the words are chosen where they are shown).

use serde::Serialize;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CloudError {
    /// Still refused for throttling after the SDK's retries. Holds the IAM action.
    #[error("throttled: {0}")]
    Throttled(String),
    #[error("AccessDenied: {action}")]
    AccessDenied { action: String },
    /// The service answered with an error of its own (5xx) or timed out.
    #[error("unavailable: {0}")]
    Unavailable(String),
    /// No connection to the endpoint at all (refused, no route, no name).
    #[error("unreachable: {endpoint}: {detail}")]
    Unreachable { endpoint: String, detail: String },
    /// The endpoint does not implement the operation (an AWS-compatible server answering
    /// HTTP 5xx with a web page); it is not asked again in this session.
    #[error("not implemented by {endpoint}: {action}")]
    NotImplemented { action: String, endpoint: String },
    /// The credential chain gave nothing usable (no credentials, an expired SSO session).
    #[error("{detail}")]
    Credentials { profile: String, detail: String },
    /// `--org`: the role could not be assumed in this account of the organization.
    #[error("cannot assume role {role} in account {account}: {detail}")]
    RoleNotAssumed {
        account: String,
        role: String,
        detail: String,
    },
    #[error("not found: {0}")]
    NotFound(String),
    #[error("invalid: {0}")]
    Invalid(String),
    /// The resource a create call asked for is already there.
    #[error("already exists: {0}")]
    AlreadyExists(String),
    #[error("{0}")]
    Other(String),
}

pub type CloudResult<T> = Result<T, CloudError>;

/// The kind of a [`CloudError`], for reports and for choosing words.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ErrorKind {
    Throttled,
    AccessDenied,
    Unavailable,
    Unreachable,
    NotImplemented,
    Credentials,
    RoleNotAssumed,
    NotFound,
    Invalid,
    AlreadyExists,
    Other,
}

impl CloudError {
    /// Worth trying again later (the poller's back-off does).
    pub fn is_retryable(&self) -> bool {
        matches!(
            self,
            Self::Throttled(_) | Self::Unavailable(_) | Self::Unreachable { .. }
        )
    }

    pub fn kind(&self) -> ErrorKind {
        match self {
            Self::Throttled(_) => ErrorKind::Throttled,
            Self::AccessDenied { .. } => ErrorKind::AccessDenied,
            Self::Unavailable(_) => ErrorKind::Unavailable,
            Self::Unreachable { .. } => ErrorKind::Unreachable,
            Self::NotImplemented { .. } => ErrorKind::NotImplemented,
            Self::Credentials { .. } => ErrorKind::Credentials,
            Self::RoleNotAssumed { .. } => ErrorKind::RoleNotAssumed,
            Self::NotFound(_) => ErrorKind::NotFound,
            Self::Invalid(_) => ErrorKind::Invalid,
            Self::AlreadyExists(_) => ErrorKind::AlreadyExists,
            Self::Other(_) => ErrorKind::Other,
        }
    }

    /// The IAM action that failed (`ssm:DescribeInstancePatchStates`), where known.
    pub fn action(&self) -> Option<&str> {
        match self {
            Self::Throttled(action)
            | Self::AccessDenied { action }
            | Self::NotImplemented { action, .. } => Some(action),
            Self::Unavailable(detail)
            | Self::NotFound(detail)
            | Self::Invalid(detail)
            | Self::AlreadyExists(detail)
            | Self::Other(detail) => action_prefix(detail),
            Self::RoleNotAssumed { .. } => Some("sts:AssumeRole"),
            Self::Unreachable { .. } | Self::Credentials { .. } => None,
        }
    }

    /// The endpoint that could not be reached or lacks the operation.
    pub fn endpoint(&self) -> Option<&str> {
        match self {
            Self::Unreachable { endpoint, .. } | Self::NotImplemented { endpoint, .. } => {
                Some(endpoint)
            }
            _ => None,
        }
    }
}

/// `ec2:DescribeVpcs: …` → `ec2:DescribeVpcs` (the adapters lead details with the action).
fn action_prefix(detail: &str) -> Option<&str> {
    let (head, _) = detail.split_once(": ")?;
    let (service, operation) = head.split_once(':')?;
    let word = |s: &str| !s.is_empty() && s.chars().all(|c| c.is_ascii_alphanumeric() || c == '-');
    (word(service) && word(operation) && operation.starts_with(|c: char| c.is_ascii_uppercase()))
        .then_some(head)
}

/// A [`CloudError`] as `check --json` and the audit write it: kind, action, message.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ErrorReport {
    pub kind: ErrorKind,
    pub action: Option<String>,
    pub endpoint: Option<String>,
    pub message: String,
}

impl From<&CloudError> for ErrorReport {
    fn from(e: &CloudError) -> Self {
        Self {
            kind: e.kind(),
            action: e.action().map(str::to_string),
            endpoint: e.endpoint().map(str::to_string),
            message: e.to_string(),
        }
    }
}
