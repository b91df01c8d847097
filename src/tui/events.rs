//! Engine events of one scope among several, and the rebuild after a fetch.

use std::sync::Arc;

use jiff::Timestamp;

use super::app::{App, Effect, Msg, update};
use super::fleet;
use super::scopes;
use crate::domain::snapshot::Source;
use crate::engine::EngineEvent;
use crate::engine::fetch::{Fetched, apply};
use crate::i18n::tf;

/// Tables rebuilt (now, or once at the end of a burst) after `source` came in.
pub(super) fn after_fetch(
    app: &mut App,
    source: Source,
    changed: bool,
    rejudge: bool,
    at: Timestamp,
) -> Vec<Effect> {
    if at > app.now {
        app.now = at;
    }
    if changed {
        app.rebuild_after(source);
    }
    if rejudge {
        app.rejudge();
    }
    fleet::after_refresh(app, source)
}

/// A core source read again with nothing new: its status says it is fresh; nothing is
/// rebuilt.
pub(super) fn unchanged(app: &mut App, source: Source, at: Timestamp) -> Vec<Effect> {
    mark_fresh(Arc::make_mut(&mut app.snapshot), source, at);
    after_fetch(app, source, false, false, at)
}

/// A core source read again with new values only where nothing is shown or judged: kept
/// (an export writes them), nothing rebuilt.
pub(super) fn kept(app: &mut App, result: Fetched, at: Timestamp) -> Vec<Effect> {
    let source = result.source();
    let old = apply(Arc::make_mut(&mut app.snapshot), result, at);
    app.discard(old);
    after_fetch(app, source, false, false, at)
}

fn mark_fresh(snapshot: &mut crate::domain::snapshot::Snapshot, source: Source, at: Timestamp) {
    let status = snapshot.status.entry(source).or_default();
    status.fetched_at = Some(at);
    status.error = None;
    status.error_scope = None;
    status.error_at = None;
    status.in_flight = false;
    status.retry_at = None;
}

/// An event of one scope among several: its data kept in its view, then merged.
pub(super) fn on_scoped(app: &mut App, ix: usize, event: EngineEvent) -> Vec<Effect> {
    match event {
        EngineEvent::Started(source) => {
            if let Some(v) = app.scopes.get_mut(ix) {
                Arc::make_mut(&mut v.snapshot)
                    .status
                    .entry(source)
                    .or_default()
                    .in_flight = true;
            }
            scopes::merge_status_only(Arc::make_mut(&mut app.snapshot), &app.scopes, source);
            Vec::new()
        }
        EngineEvent::Fetched { at, result } => {
            let source = result.source();
            let (changed, rejudge) = scopes::absorb(&mut app.scopes, ix, result, at);
            if changed {
                scopes::merge(
                    Arc::make_mut(&mut app.snapshot),
                    &mut app.owner,
                    &app.scopes,
                    source,
                );
            } else {
                scopes::merge_status_only(Arc::make_mut(&mut app.snapshot), &app.scopes, source);
            }
            after_fetch(app, source, changed, rejudge, at)
        }
        EngineEvent::Refreshed { at, result } => {
            let source = result.source();
            if let Some(v) = app.scopes.get_mut(ix) {
                drop(apply(Arc::make_mut(&mut v.snapshot), result, at));
            }
            scopes::merge_status_only(Arc::make_mut(&mut app.snapshot), &app.scopes, source);
            after_fetch(app, source, false, false, at)
        }
        EngineEvent::Unchanged { source, at } => {
            if let Some(v) = app.scopes.get_mut(ix) {
                mark_fresh(Arc::make_mut(&mut v.snapshot), source, at);
            }
            scopes::merge_status_only(Arc::make_mut(&mut app.snapshot), &app.scopes, source);
            after_fetch(app, source, false, false, at)
        }
        EngineEvent::Retrying { source, at } => {
            if let Some(v) = app.scopes.get_mut(ix) {
                Arc::make_mut(&mut v.snapshot)
                    .status
                    .entry(source)
                    .or_default()
                    .retry_at = Some(at);
            }
            scopes::merge_status_only(Arc::make_mut(&mut app.snapshot), &app.scopes, source);
            Vec::new()
        }
        EngineEvent::Identity(Ok(identity)) => {
            app.connection = None;
            if let Some(v) = app.scopes.get_mut(ix) {
                Arc::make_mut(&mut v.snapshot).identity = identity;
            }
            Arc::make_mut(&mut app.snapshot).identity = scopes::merged_identity(&app.scopes);
            app.rebuild();
            Vec::new()
        }
        EngineEvent::Identity(Err(e)) => {
            let region = app.scopes.get(ix).map(|v| v.region()).unwrap_or_default();
            let text = crate::present::error_text(&e, app.lang);
            app.error(format!(
                "{region}: {}",
                tf(app.lang, "status.identity_failed", &[("error", &text)])
            ));
            app.connection = Some(e);
            Vec::new()
        }
        EngineEvent::Sent { commands, error } => {
            if let Some(v) = app.scopes.get_mut(ix) {
                for c in &commands {
                    app.owner.insert(c.id.clone(), ix);
                    if !v.snapshot.commands.iter().any(|x| x.id == c.id) {
                        Arc::make_mut(&mut v.snapshot).commands.insert(0, c.clone());
                    }
                }
            }
            fleet::on_sent(app, commands, error)
        }
        other => update(app, Msg::Engine(other)),
    }
}

/// A burst of engine events as one: each is applied, then every table that depends on
/// the sources that changed is rebuilt once (a burst of 5 results at 10k instances
/// rebuilt 5 times: ~400 ms without input).
pub fn update_batch(app: &mut App, events: Vec<(usize, EngineEvent)>) -> Vec<Effect> {
    app.in_batch = true;
    let mut effects = Vec::new();
    for (scope, event) in events {
        effects.extend(update(app, Msg::Scoped(scope, event)));
    }
    app.in_batch = false;
    if !app.defer_builds {
        app.build_now();
    }
    effects
}
