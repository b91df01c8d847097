//! Words for what the engine and the adapters return as data: errors and dry-run
//! verdicts, in the interface's language. API names, ids and AWS's own messages stay as
//! they are.

mod errors;
mod verdicts;

pub use errors::error_text;
pub use verdicts::{dry_run_trust_text, verdict_text};
