//! Pure types and rules: no IO, no async, no SDK types, no words.

pub mod associations;
pub mod error;
pub mod fast_map;
pub mod findings;
pub mod forward;
pub mod model;
pub mod patches;
pub mod plan;
pub mod policy;
pub mod readiness;
pub mod snapshot;
pub mod topology;
