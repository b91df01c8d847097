//! Pure types and rules: no IO, no async, no SDK types.

pub mod error;
pub mod findings;
pub mod model;
pub mod plan;
pub mod policy;
pub mod readiness;
pub mod snapshot;
