//! Runs a plan: dry-run verdicts ([`dry_run`]), then the writes one at a time
//! ([`apply`]), each re-checked first so that a second run (or a racing one) writes
//! nothing. Every write attempt is recorded in the audit log, failed ones too.

mod association;
mod calls;
mod checked;
mod verdicts;

use serde::Serialize;

pub use calls::fresh_token;
pub use verdicts::{NotChecked, Verdict, dry_run};

use super::audit::Audit;
use crate::domain::plan::{Call, Plan};

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "outcome", rename_all = "snake_case")]
pub enum Outcome {
    Done {
        detail: String,
    },
    Skipped {
        reason: String,
    },
    /// Accepted, but the account read back does not show it: not counted as done.
    Unconfirmed {
        detail: String,
    },
    /// The call `action` failed: the words (and what to do) are the presentation's.
    #[serde(skip)]
    Failed {
        action: String,
        error: crate::cloud::CloudError,
    },
}

/// Progress of a plan, by index into all the plan's calls (steps flattened).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PlanEvent {
    Verdict {
        index: usize,
        verdict: Verdict,
    },
    Started {
        index: usize,
        total: usize,
    },
    Finished {
        index: usize,
        outcome: Outcome,
    },
    Completed {
        done: usize,
        skipped: usize,
        unconfirmed: usize,
    },
    Aborted {
        index: usize,
        action: String,
        error: crate::cloud::CloudError,
    },
}

/// Every call of the plan with its flat index, selected steps only.
pub fn indexed_calls(plan: &Plan) -> Vec<(usize, &Call)> {
    let mut out = Vec::new();
    let mut index = 0;
    for step in &plan.steps {
        for call in &step.calls {
            if step.selected {
                out.push((index, call));
            }
            index += 1;
        }
    }
    out
}

/// Applies the selected steps in order. Stops at the first failure: the calls after it do not run.
pub async fn apply<C: crate::cloud::Cloud>(
    cloud: &C,
    plan: &Plan,
    audit: Option<&Audit>,
    emit: &mut (dyn FnMut(PlanEvent) + Send),
) -> bool {
    let calls = indexed_calls(plan);
    let total = calls.len();
    let mut created_group: Option<String> = None;
    let (mut done, mut skipped, mut unconfirmed) = (0, 0, 0);
    for (index, call) in calls {
        emit(PlanEvent::Started { index, total });
        let outcome = match calls::run_call(cloud, call, &mut created_group).await {
            Ok(calls::Applied::Done(detail)) => {
                if let Some(a) = audit {
                    a.record(call, &format!("ok: {detail}"));
                }
                done += 1;
                Outcome::Done { detail }
            }
            Ok(calls::Applied::Skipped(reason)) => {
                skipped += 1;
                Outcome::Skipped { reason }
            }
            Ok(calls::Applied::Raced(reason)) => {
                if let Some(a) = audit {
                    a.record(call, &format!("already done: {reason}"));
                }
                skipped += 1;
                Outcome::Skipped { reason }
            }
            Ok(calls::Applied::Unconfirmed(detail)) => {
                if let Some(a) = audit {
                    a.record(call, &format!("unconfirmed: {detail}"));
                }
                unconfirmed += 1;
                Outcome::Unconfirmed { detail }
            }
            Err(e) => {
                if let Some(a) = audit {
                    a.record(call, &format!("failed: {e}"));
                }
                let action = call.action().to_string();
                emit(PlanEvent::Finished {
                    index,
                    outcome: Outcome::Failed {
                        action: action.clone(),
                        error: e.clone(),
                    },
                });
                emit(PlanEvent::Aborted {
                    index,
                    action,
                    error: e,
                });
                return false;
            }
        };
        emit(PlanEvent::Finished { index, outcome });
    }
    emit(PlanEvent::Completed {
        done,
        skipped,
        unconfirmed,
    });
    true
}
