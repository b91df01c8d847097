//! Words for what the domain, the engine and the adapters return as data: findings,
//! verdicts, plans, errors and dry-run verdicts, in the interface's language. API names,
//! ids and AWS's own messages stay as they are.

mod activation;
mod check_text;
mod errors;
mod findings;
mod plans;
mod stats;
mod verdicts;
mod words;

pub use activation::{
    InstallCommands, activation_plan_lines, created_text, expiry_text, install_commands,
    registrations_text, role_state_text, utc_minute,
};
pub use check_text::check_text;
pub use errors::{error_text, failure_hint, failure_text};
pub use findings::{
    FixRoute, finding_fix, finding_short, finding_what, finding_why, fix_action, fix_route,
    fix_text, instance_summary, manual_change,
};
pub use plans::{call_text, note_text, plan_title, step_title};
pub use stats::stats_lines;
pub use verdicts::{dry_run_trust_text, verdict_text};
pub use words::{forward_event_text, instance_state, source_name};
