//! Hybrid activations in the console: the list, a new one (its plan confirmed, then its
//! id and code shown once with the install commands) and deleting one. The same engine
//! functions as `ssmdeck activate`; every write is audited, the code never.

use super::app::{App, Effect, Mode, Pane};
use super::bindings::Action;
use super::pager::Pager;
use super::rows::{Row, Tone, cell};
use crate::domain::model::{
    Activation, DEFAULT_ACTIVATION_DAYS, DEFAULT_ACTIVATION_ROLE, DEFAULT_REGISTRATION_LIMIT,
};
use crate::engine::activation::{ActivationOptions, ActivationPlan, Failed, RoleState};
use crate::engine::activation_ops::{ActivationEvent, ActivationOp};
use crate::i18n::{Lang, t, tf};
use crate::present::{
    activation_plan_lines, created_text, expiry_text, failure_text, registrations_text,
    role_state_text, utc_minute,
};

/// A write waiting for y / n.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Ask {
    Create(ActivationPlan),
    Delete { id: String, summary: String },
}

impl Ask {
    pub fn title(&self, lang: Lang) -> String {
        match self {
            Ask::Create(_) => t(lang, "ui.dialog.activation_create"),
            Ask::Delete { .. } => t(lang, "ui.dialog.activation_delete"),
        }
    }

    pub fn lines(&self, lang: Lang) -> Vec<String> {
        match self {
            Ask::Create(plan) => {
                let mut lines = vec![role_state_text(plan, lang), String::new()];
                lines.extend(
                    activation_plan_lines(plan, lang)
                        .into_iter()
                        .enumerate()
                        .map(|(i, l)| format!("{}. {l}", i + 1)),
                );
                lines.push(String::new());
                lines.push(t(lang, "activations.create_note"));
                lines
            }
            Ask::Delete { id, summary } => vec![
                format!("ssm:DeleteActivation {id}"),
                summary.clone(),
                String::new(),
                t(lang, "activations.delete_note"),
            ],
        }
    }
}

/// The pane, and its list read.
pub fn open(app: &mut App) -> Vec<Effect> {
    app.switch(Pane::Activations);
    reload()
}

pub fn reload() -> Vec<Effect> {
    vec![Effect::Activation(ActivationOp::List)]
}

fn writable(app: &mut App) -> bool {
    if app.read_only {
        app.error(t(app.lang, "status.read_only"));
        return false;
    }
    true
}

/// `n`: the service role read first (the plan), then the dialog.
pub fn propose_new(app: &mut App) -> Vec<Effect> {
    if !writable(app) {
        return Vec::new();
    }
    app.info(t(app.lang, "status.activation.planning"));
    vec![Effect::Activation(ActivationOp::Plan(ActivationOptions {
        role: DEFAULT_ACTIVATION_ROLE.to_string(),
        limit: DEFAULT_REGISTRATION_LIMIT,
        days: DEFAULT_ACTIVATION_DAYS,
        name: None,
    }))]
}

/// `d`: the selected activation, after y.
pub fn propose_delete(app: &mut App) -> Vec<Effect> {
    if !writable(app) {
        return Vec::new();
    }
    let Some((id, summary)) = app.table().and_then(|t| t.selected_row()).map(|row| {
        (
            row.id.clone(),
            row.detail.first().cloned().unwrap_or_default(),
        )
    }) else {
        return Vec::new();
    };
    app.dialog_scroll = 0;
    app.mode = Mode::Ask(Box::new(Ask::Delete { id, summary }));
    Vec::new()
}

pub fn on_ask_key(app: &mut App, action: Action, ask: Ask) -> Vec<Effect> {
    match action {
        Action::Yes => {
            app.mode = Mode::Normal;
            app.info(t(app.lang, "status.activation.writing"));
            let op = match ask {
                Ask::Create(plan) => ActivationOp::Create(plan),
                Ask::Delete { id, .. } => ActivationOp::Delete(id),
            };
            vec![Effect::Activation(op)]
        }
        Action::No => {
            app.mode = Mode::Normal;
            app.info(t(app.lang, "status.cancelled"));
            Vec::new()
        }
        _ => {
            app.mode = Mode::Ask(Box::new(ask));
            Vec::new()
        }
    }
}

fn failed(app: &mut App, f: &Failed) {
    let text = failure_text(f.action, &f.error, app.lang);
    app.error(text);
}

pub fn on_event(app: &mut App, event: ActivationEvent) -> Vec<Effect> {
    match event {
        ActivationEvent::Listed(Ok(all)) => {
            let rows = rows(&all, app.now, app.lang);
            let page = app.page();
            if let Some(t) = app.tables.get_mut(Pane::Activations.index()) {
                t.set_rows(rows, page);
            }
            Vec::new()
        }
        ActivationEvent::Listed(Err(f)) => {
            failed(app, &f);
            Vec::new()
        }
        ActivationEvent::Planned(Ok(plan)) if plan.role_state == RoleState::NotTrusted => {
            let text = activation_plan_lines(&plan, app.lang).join(" ");
            app.error(text);
            Vec::new()
        }
        ActivationEvent::Planned(Ok(plan)) => {
            // The role is read: "reading…" no longer holds.
            app.status = None;
            app.dialog_scroll = 0;
            app.mode = Mode::Ask(Box::new(Ask::Create(plan)));
            Vec::new()
        }
        ActivationEvent::Planned(Err(f)) => {
            failed(app, &f);
            Vec::new()
        }
        ActivationEvent::Created { result, region } => {
            match result {
                Ok(created) => {
                    app.info(tf(
                        app.lang,
                        "status.activation.created",
                        &[("id", &created.id)],
                    ));
                    let text = created_text(&created.id, &created.code, &region, app.lang);
                    app.mode = Mode::Pager(Box::new(Pager::new(
                        t(app.lang, "ui.pager.activation"),
                        text.lines().map(str::to_string).collect(),
                    )));
                }
                Err(f) => failed(app, &f),
            }
            reload()
        }
        ActivationEvent::Deleted { id, result } => {
            match result {
                Ok(()) => app.info(tf(app.lang, "status.activation.deleted", &[("id", &id)])),
                Err(f) => failed(app, &f),
            }
            reload()
        }
    }
}

/// One row per activation: id, server name, role, registrations of the limit, expiry
/// (red once passed), when it was made, its description.
pub fn rows(all: &[Activation], now: jiff::Timestamp, lang: Lang) -> Vec<Row> {
    all.iter()
        .map(|a| {
            let expired = a.is_expired(now);
            let expires = expiry_text(a, now, lang);
            let created = a.created.map(utc_minute).unwrap_or_else(|| "–".into());
            let name = a.default_instance_name.clone().unwrap_or_default();
            let detail = vec![
                tf(
                    lang,
                    "activations.detail",
                    &[
                        ("id", &a.id),
                        ("role", &a.iam_role),
                        ("registrations", &registrations_text(a)),
                        ("expires", &expires),
                    ],
                ),
                format!("{}: {created}", t(lang, "ui.col.created")),
                format!(
                    "{}: {}",
                    t(lang, "ui.col.description"),
                    a.description.as_deref().unwrap_or("–")
                ),
            ];
            Row::new(
                a.id.clone(),
                vec![
                    cell(a.id.clone(), Tone::Normal),
                    cell(name, Tone::Normal),
                    cell(a.iam_role.clone(), Tone::Normal),
                    cell(
                        registrations_text(a),
                        if a.registrations_count >= a.registration_limit {
                            Tone::Warn
                        } else {
                            Tone::Normal
                        },
                    ),
                    cell(expires, if expired { Tone::Bad } else { Tone::Good }),
                    cell(created, Tone::Dim),
                    cell(a.description.clone().unwrap_or_default(), Tone::Dim),
                ],
                Vec::new(),
                detail,
            )
        })
        .collect()
}
