//! Hybrid activations: what lets servers outside EC2 register as `mi-…` managed nodes.

use jiff::Timestamp;
use serde::Serialize;

/// The service role an activation names when none is given (the name AWS's hybrid set-up
/// guide uses).
pub const DEFAULT_ACTIVATION_ROLE: &str = "SSMServiceRole";
/// Servers one activation registers when no limit is given.
pub const DEFAULT_REGISTRATION_LIMIT: i32 = 1;
/// Days an activation stays usable when no expiry is given (AWS allows up to 30).
pub const DEFAULT_ACTIVATION_DAYS: i64 = 1;
pub const MAX_ACTIVATION_DAYS: i64 = 30;
pub const MAX_REGISTRATION_LIMIT: i32 = 1000;

/// One entry of DescribeActivations.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
pub struct Activation {
    pub id: String,
    pub description: Option<String>,
    pub default_instance_name: Option<String>,
    pub iam_role: String,
    pub registration_limit: i32,
    pub registrations_count: i32,
    pub expiration_date: Option<Timestamp>,
    pub expired: bool,
    pub created: Option<Timestamp>,
}

impl Activation {
    /// Expired by the service's word, or past its expiry at `now`.
    pub fn is_expired(&self, now: Timestamp) -> bool {
        self.expired || self.expiration_date.is_some_and(|t| t <= now)
    }

    /// Every registration it allows is used.
    pub fn is_full(&self) -> bool {
        self.registrations_count >= self.registration_limit
    }
}

/// CreateActivation's parameters.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
pub struct ActivationRequest {
    pub iam_role: String,
    pub registration_limit: i32,
    pub expiration_date: Timestamp,
    pub default_instance_name: Option<String>,
    pub description: Option<String>,
}

/// What CreateActivation returns. The code is a secret: shown once, never stored, logged
/// or printed by `Debug`.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct CreatedActivation {
    pub id: String,
    pub code: String,
}

impl std::fmt::Debug for CreatedActivation {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CreatedActivation")
            .field("id", &self.id)
            .field("code", &"<redacted>")
            .finish()
    }
}
