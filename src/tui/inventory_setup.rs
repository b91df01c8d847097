//! `c` on Inventory and Associations: the inventory association for the marked nodes, or
//! for every managed node whose inventory no association collects.

use super::app::{App, Effect, Pane};
use crate::domain::plan;
use crate::domain::snapshot::Source;
use crate::i18n::t;

pub(super) fn propose(app: &mut App) -> Vec<Effect> {
    if app.read_only {
        app.error(t(app.lang, "status.read_only"));
        return Vec::new();
    }
    if app.running.is_some() {
        app.info(t(app.lang, "status.plan_running"));
        return Vec::new();
    }
    app.plan_scope = app.selected_scope();
    let marked: Vec<String> = if app.pane == Pane::Inventory {
        app.table()
            .map(|t| t.marks.iter().cloned().collect())
            .unwrap_or_default()
    } else {
        Vec::new()
    };
    let (plan, unreadable) = {
        let (snapshot, readiness) = app.scope_data(app.plan_scope);
        (
            snapshot
                .has_data(Source::Associations)
                .then(|| plan::plan_inventory(snapshot, readiness, &marked)),
            snapshot.status(Source::Associations).error.is_some(),
        )
    };
    let Some(plan) = plan else {
        // Which nodes an association already reaches is unknown: one more could collect
        // twice. An endpoint without ListAssociations (moto) never tells.
        if unreadable {
            app.error(t(app.lang, "status.associations_unreadable"));
        } else {
            app.info(t(app.lang, "status.associations_unknown"));
        }
        return Vec::new();
    };
    super::plans::open_plan(app, plan, &[])
}
