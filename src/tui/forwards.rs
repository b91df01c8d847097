//! Port forwards from the console: `P`'s one-line form on Instances, `:forward NAME` for a
//! configured one, their state from the engine's events, the Sessions pane's rows.

use jiff::Timestamp;

use super::app::{App, Effect, Mode, Pane};
use super::bindings::{Action, Context};
use super::rows::{Row, Tone, cell};
use crate::domain::forward::{ForwardInputError, ForwardSpec, parse_line};
use crate::domain::model::{InstanceState, PingStatus};
use crate::engine::forward::ForwardEvent;
use crate::i18n::{t, tf};

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ForwardState {
    Starting,
    Open {
        session: String,
        since: Timestamp,
    },
    /// Between sessions: the next one starts at `at`.
    Retrying {
        at: Timestamp,
        reason: String,
    },
    Failed(String),
    Ending,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ForwardRow {
    pub id: u64,
    pub spec: ForwardSpec,
    /// The instance the forward goes through.
    pub node: String,
    pub state: ForwardState,
    /// Sessions that dropped and were started again.
    pub restarts: u32,
}

/// The console's forwards, in the order they were started.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Forwards {
    pub rows: Vec<ForwardRow>,
    next: u64,
}

fn online(app: &App, id: &str) -> bool {
    app.node(id).is_some_and(|n| n.ping == PingStatus::Online)
}

/// `P` on Instances: the form for the selected online instance.
pub(super) fn open_form(app: &mut App) -> Vec<Effect> {
    let Some(id) = app.selected_id() else {
        return Vec::new();
    };
    if !online(app, &id) {
        app.error(tf(app.lang, "status.forward_offline", &[("id", &id)]));
        return Vec::new();
    }
    app.mode = Mode::Forward {
        node: id,
        text: String::new(),
    };
    Vec::new()
}

/// The form submitted: `LOCAL:REMOTE [HOST]`.
pub(super) fn submit(app: &mut App, node: &str, line: &str) -> Vec<Effect> {
    match parse_line(node, line) {
        Ok(spec) => start(app, spec, node.to_string()),
        Err(ForwardInputError::NoPorts) => {
            app.info(t(app.lang, "status.cancelled"));
            Vec::new()
        }
        Err(ForwardInputError::Ports(text)) => {
            app.error(tf(
                app.lang,
                "status.forward_bad_ports",
                &[("ports", &text)],
            ));
            Vec::new()
        }
    }
}

/// `:forward NAME`: a configured forward, its tag resolved to a running instance (an online
/// node first).
pub(super) fn start_named(app: &mut App, name: Option<&str>) -> Vec<Effect> {
    let names: Vec<String> = app.named_forwards.iter().map(|f| f.name.clone()).collect();
    let Some(named) = name.and_then(|n| app.named_forwards.iter().find(|f| f.name == n)) else {
        let list = if names.is_empty() {
            t(app.lang, "status.forward_none_configured")
        } else {
            names.join(", ")
        };
        app.error(tf(
            app.lang,
            "status.forward_unknown",
            &[("name", name.unwrap_or("")), ("names", &list)],
        ));
        return Vec::new();
    };
    let spec = named.spec();
    let node = match spec.target.strip_prefix("tag:") {
        None => Some(spec.target.clone()),
        Some(tag) => {
            let (key, value) = tag.split_once('=').unwrap_or((tag, ""));
            let mut tagged: Vec<&str> = app
                .instances()
                .filter(|i| i.state == InstanceState::Running)
                .filter(|i| i.tags.iter().any(|(k, v)| k == key && v == value))
                .map(|i| i.id.as_str())
                .collect();
            tagged.sort_by_key(|id| !online(app, id));
            tagged.first().map(|s| s.to_string())
        }
    };
    match node {
        Some(node) => start(app, spec, node),
        None => {
            app.error(tf(
                app.lang,
                "status.forward_no_node",
                &[("target", &spec.target)],
            ));
            Vec::new()
        }
    }
}

fn start(app: &mut App, spec: ForwardSpec, node: String) -> Vec<Effect> {
    let busy = app
        .forwards
        .rows
        .iter()
        .any(|f| f.spec.local == spec.local && f.state != ForwardState::Ending);
    if busy || !crate::engine::forward::local_port_free(spec.local) {
        app.error(tf(
            app.lang,
            "status.forward_port_in_use",
            &[("port", &spec.local.to_string())],
        ));
        return Vec::new();
    }
    app.forwards.next += 1;
    let id = app.forwards.next;
    app.info(tf(
        app.lang,
        "status.forward_starting",
        &[("ports", &spec.ports_text()), ("node", &node)],
    ));
    app.forwards.rows.push(ForwardRow {
        id,
        spec: spec.clone(),
        node: node.clone(),
        state: ForwardState::Starting,
        restarts: 0,
    });
    show_rows(app);
    vec![Effect::StartForward { id, spec, node }]
}

/// `x` (or Delete) on Sessions: the selected forward ends.
pub(super) fn end_selected(app: &mut App) -> Vec<Effect> {
    let Some(id) = app.selected_id().and_then(|s| s.parse::<u64>().ok()) else {
        return Vec::new();
    };
    let Some(row) = app.forwards.rows.iter_mut().find(|f| f.id == id) else {
        return Vec::new();
    };
    row.state = ForwardState::Ending;
    show_rows(app);
    vec![Effect::StopForward(id)]
}

/// A forward's event from the engine.
pub fn on_event(app: &mut App, id: u64, event: ForwardEvent) {
    let lang = app.lang;
    let now = app.now;
    let Some(pos) = app.forwards.rows.iter().position(|f| f.id == id) else {
        return;
    };
    let row = &mut app.forwards.rows[pos];
    let text = crate::present::forward_event_text(&row.node, &row.spec.ports_text(), &event, lang);
    let retry_at = |d: std::time::Duration| {
        now.checked_add(jiff::SignedDuration::try_from(d).unwrap_or_default())
            .unwrap_or(now)
    };
    match event {
        ForwardEvent::Started { session_id } => {
            row.state = ForwardState::Open {
                session: session_id,
                since: now,
            };
        }
        ForwardEvent::Dropped {
            retry_in, detail, ..
        } => {
            row.restarts += 1;
            row.state = ForwardState::Retrying {
                at: retry_at(retry_in),
                reason: detail,
            };
            app.info(text);
        }
        ForwardEvent::StartFailed { error, retry_in } => {
            row.state = ForwardState::Retrying {
                at: retry_at(retry_in),
                reason: crate::present::error_text(&error, lang),
            };
            app.error(text);
        }
        ForwardEvent::PluginFailed { detail } => {
            row.state = ForwardState::Failed(detail);
            app.error(text);
        }
        ForwardEvent::Stopped => {
            app.forwards.rows.remove(pos);
            app.info(text);
        }
    }
    show_rows(app);
}

/// The Sessions pane's rows, built again (states and uptimes).
pub fn show_rows(app: &mut App) {
    let lang = app.lang;
    let now = app.now;
    let rows: Vec<Row> = app
        .forwards
        .rows
        .iter()
        .map(|f| {
            let (state, tone, up) = match &f.state {
                ForwardState::Starting => {
                    (t(lang, "cell.forward.starting"), Tone::Warn, String::new())
                }
                ForwardState::Open { since, .. } => (
                    t(lang, "cell.forward.open"),
                    Tone::Good,
                    super::render::age(now, *since),
                ),
                ForwardState::Retrying { at, .. } => (
                    tf(
                        lang,
                        "cell.forward.retrying",
                        &[("in", &super::render::age(*at, now))],
                    ),
                    Tone::Warn,
                    String::new(),
                ),
                ForwardState::Failed(_) => {
                    (t(lang, "cell.forward.failed"), Tone::Bad, String::new())
                }
                ForwardState::Ending => (t(lang, "cell.forward.ending"), Tone::Dim, String::new()),
            };
            let session = match &f.state {
                ForwardState::Open { session, .. } => session.clone(),
                _ => String::new(),
            };
            let mut detail = vec![format!("{} · {}", f.node, f.spec.document())];
            match &f.state {
                ForwardState::Retrying { reason, .. } | ForwardState::Failed(reason)
                    if !reason.is_empty() =>
                {
                    detail.push(reason.clone());
                }
                _ => {}
            }
            Row::new(
                f.id.to_string(),
                vec![
                    cell(f.node.clone(), Tone::Normal),
                    cell(f.spec.local.to_string(), Tone::Normal),
                    cell(
                        match &f.spec.host {
                            Some(h) => format!("{h}:{}", f.spec.remote),
                            None => f.spec.remote.to_string(),
                        },
                        Tone::Normal,
                    ),
                    cell(state, tone),
                    cell(up, Tone::Dim),
                    cell(f.restarts.to_string(), Tone::Dim),
                    cell(f.spec.name.clone().unwrap_or_default(), Tone::Normal),
                    cell(session, Tone::Dim),
                ],
                Vec::new(),
                detail,
            )
        })
        .collect();
    let page = app.page();
    if let Some(table) = app.tables.get_mut(Pane::Sessions.index()) {
        table.set_rows(rows, page);
    }
}

/// The keys hint of the form.
pub fn form_hint(app: &App) -> String {
    tf(
        app.lang,
        "ui.prompt.forward",
        &[
            ("submit", &app.ui().key(Context::Prompt, Action::Submit)),
            ("cancel", &app.ui().key(Context::Prompt, Action::Cancel)),
        ],
    )
}
