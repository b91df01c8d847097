//! Status lines that say how things stand, not what just happened, hold only while they
//! are true: each rebuild checks them and clears one that stopped being so.

use super::app::App;
use super::lab::Lab;

/// What must still hold for the status line to stay.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Holds {
    /// The lab has no step to perform, for this reason.
    LabWaiting(String),
    /// Every step of the lab is done.
    LabComplete,
}

/// Shows `text` for as long as `holds` is true.
pub(super) fn info_while(app: &mut App, text: String, holds: Holds) {
    app.info(text);
    app.status_while = Some(holds);
}

/// After new data: a status line whose condition no longer holds goes away.
pub(super) fn expire(app: &mut App) {
    let Some(holds) = &app.status_while else {
        return;
    };
    let still = match holds {
        Holds::LabWaiting(why) => app.lab().is_some_and(|lab| {
            !lab.complete() && lab.next_action().is_none() && lab.holdup().as_ref() == Some(why)
        }),
        Holds::LabComplete => app.lab().is_some_and(Lab::complete),
    };
    if !still {
        app.status = None;
        app.status_while = None;
    }
}
