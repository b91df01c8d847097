//! Fault injection for the sandbox: throttling, 5xx, latency, AccessDenied per IAM action
//! and an endpoint that ignores `DryRun` — `spec` parses `--faults`, `actions` says which
//! IAM actions each method needs, `wrapper` injects them.

mod actions;
mod spec;
mod wrapper;

pub use actions::{METHOD_ACTIONS, actions_of};
pub use spec::{DEFAULT_SEED, FaultSpecError, Faults, KINDS, MAX_LATENCY, duration};
pub use wrapper::{Faulty, Injected};
