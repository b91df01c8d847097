//! `X`: any Command document on the marked nodes (or the `:group` tag). A picker over the
//! account's and Amazon's documents, filtered as you type; then a form of the document's
//! parameters (defaults filled in, allowed values cycled); then Run Command's dialog.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use super::app::{App, Effect, Mode};
use super::bindings::{Action, Context};
use super::fleet::{self, ProposalKind};
use crate::cloud::{CloudError, DocumentDetail, DocumentInfo};
use crate::domain::model::OutputConfig;
use crate::i18n::{t, tf};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Picker {
    pub filter: String,
    /// `None` while loading.
    pub docs: Option<Vec<DocumentInfo>>,
    /// Position among the documents the filter lets through.
    pub selected: usize,
    /// The document whose parameters are being read.
    pub opening: Option<String>,
}

impl Picker {
    /// The documents the filter lets through (name or owner contains it, any case).
    pub fn visible(&self) -> Vec<&DocumentInfo> {
        let f = self.filter.to_lowercase();
        self.docs
            .iter()
            .flatten()
            .filter(|d| d.name.to_lowercase().contains(&f) || d.owner.to_lowercase().contains(&f))
            .collect()
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Form {
    pub doc: DocumentDetail,
    /// One value per parameter, in order, then the send's output: S3 bucket, S3 prefix,
    /// CloudWatch Logs group (from `[output]` in the config).
    pub values: Vec<String>,
    pub field: usize,
}

/// The output fields after the parameters.
pub const OUTPUT_FIELDS: [&str; 3] = [
    "ui.documents.s3_bucket",
    "ui.documents.s3_prefix",
    "ui.documents.log_group",
];

/// `X`: the picker, loading the documents.
pub(super) fn open(app: &mut App) -> Vec<Effect> {
    if app.read_only {
        app.error(t(app.lang, "status.read_only_run"));
        return Vec::new();
    }
    if app.selected_id().is_none() && app.group.is_none() {
        let key = app.ui().key(Context::Global, Action::Mark);
        app.info(tf(app.lang, "status.mark_first", &[("key", &key)]));
        return Vec::new();
    }
    app.mode = Mode::Picker(Box::new(Picker {
        filter: String::new(),
        docs: None,
        selected: 0,
        opening: None,
    }));
    vec![Effect::LoadDocuments]
}

/// The picker's documents or one document's parameters, as they arrive.
pub fn on_event(app: &mut App, event: crate::engine::EngineEvent) -> Vec<super::app::Effect> {
    match event {
        crate::engine::EngineEvent::Documents(result) => on_documents(app, result),
        crate::engine::EngineEvent::Document(result) => on_document(app, result),
        _ => {}
    }
    Vec::new()
}

pub fn on_documents(app: &mut App, result: Result<Vec<DocumentInfo>, CloudError>) {
    let Mode::Picker(picker) = &mut app.mode else {
        return;
    };
    match result {
        Ok(mut docs) => {
            // The account's own first, then Amazon's, each by name.
            docs.sort_by(|a, b| {
                (a.owner == "Amazon", &a.name).cmp(&(b.owner == "Amazon", &b.name))
            });
            picker.docs = Some(docs);
        }
        Err(e) => {
            let text = crate::present::error_text(&e, app.lang);
            app.mode = Mode::Normal;
            app.error(tf(app.lang, "status.documents_failed", &[("error", &text)]));
        }
    }
}

pub fn on_document(app: &mut App, result: Result<DocumentDetail, CloudError>) {
    let Mode::Picker(picker) = &mut app.mode else {
        return;
    };
    picker.opening = None;
    match result {
        Ok(doc) => {
            let out = &app.output_defaults;
            let values = doc
                .parameters
                .iter()
                .map(|p| p.default.clone().unwrap_or_default())
                .chain(
                    [&out.s3_bucket, &out.s3_prefix, &out.log_group]
                        .map(|v| v.clone().unwrap_or_default()),
                )
                .collect();
            app.mode = Mode::Form(Box::new(Form {
                doc,
                values,
                field: 0,
            }));
        }
        Err(e) => {
            let text = crate::present::error_text(&e, app.lang);
            app.error(tf(app.lang, "status.documents_failed", &[("error", &text)]));
        }
    }
}

/// A plain character is typed; other keys act through the keymap.
fn typed(key: &KeyEvent) -> Option<char> {
    match key.code {
        KeyCode::Char(c) if !key.modifiers.contains(KeyModifiers::CONTROL) => Some(c),
        _ => None,
    }
}

pub(super) fn on_picker_key(app: &mut App, key: KeyEvent, mut picker: Picker) -> Vec<Effect> {
    let mut effects = Vec::new();
    if let Some(c) = typed(&key) {
        picker.filter.push(c);
        picker.selected = 0;
    } else {
        let shown = picker.visible().len();
        match app.keymap.action(&[Context::Prompt, Context::Global], &key) {
            Some(Action::Cancel | Action::Back) => {
                app.mode = Mode::Normal;
                return Vec::new();
            }
            Some(Action::Submit) => {
                if let Some(doc) = picker.visible().get(picker.selected) {
                    let name = doc.name.clone();
                    picker.opening = Some(name.clone());
                    effects.push(Effect::LoadDocument(name));
                }
            }
            Some(Action::DeleteChar) => {
                picker.filter.pop();
                picker.selected = 0;
            }
            Some(Action::ClearLine) => picker.filter.clear(),
            Some(Action::Down) => {
                picker.selected = (picker.selected + 1).min(shown.saturating_sub(1))
            }
            Some(Action::Up) => picker.selected = picker.selected.saturating_sub(1),
            Some(Action::PageDown) => {
                picker.selected = (picker.selected + 10).min(shown.saturating_sub(1))
            }
            Some(Action::PageUp) => picker.selected = picker.selected.saturating_sub(10),
            _ => {}
        }
    }
    app.mode = Mode::Picker(Box::new(picker));
    effects
}

pub(super) fn on_form_key(app: &mut App, key: KeyEvent, mut form: Form) -> Vec<Effect> {
    let last = form.values.len().saturating_sub(1);
    let allowed = form
        .doc
        .parameters
        .get(form.field)
        .map(|p| p.allowed.clone())
        .unwrap_or_default();
    if let Some(c) = typed(&key) {
        if let Some(v) = form.values.get_mut(form.field) {
            v.push(c);
        }
        app.mode = Mode::Form(Box::new(form));
        return Vec::new();
    }
    let cycle = |value: &str, step: isize| -> Option<String> {
        let n = allowed.len() as isize;
        if n == 0 {
            return None;
        }
        let at = allowed
            .iter()
            .position(|a| a == value)
            .map_or(-1, |i| i as isize);
        let next = (at + step).rem_euclid(n) as usize;
        allowed.get(next).cloned()
    };
    match app.keymap.action(&[Context::Prompt, Context::Global], &key) {
        Some(Action::Cancel | Action::Back) => {
            app.mode = Mode::Normal;
            app.info(t(app.lang, "status.cancelled"));
            return Vec::new();
        }
        Some(Action::Submit) => return submit(app, form),
        Some(Action::DeleteChar) => {
            if let Some(v) = form.values.get_mut(form.field) {
                v.pop();
            }
        }
        Some(Action::ClearLine) => {
            if let Some(v) = form.values.get_mut(form.field) {
                v.clear();
            }
        }
        Some(Action::Down | Action::NextPane) => form.field = (form.field + 1).min(last),
        Some(Action::Up | Action::PrevPane) => form.field = form.field.saturating_sub(1),
        Some(action @ (Action::NextValue | Action::PrevValue)) => {
            let step = if action == Action::NextValue { 1 } else { -1 };
            if let Some(v) = form.values.get_mut(form.field)
                && let Some(next) = cycle(v, step)
            {
                *v = next;
            }
        }
        _ => {}
    }
    app.mode = Mode::Form(Box::new(form));
    Vec::new()
}

/// The form sent to Run Command's dialog; a required parameter left empty is named.
fn submit(app: &mut App, form: Form) -> Vec<Effect> {
    let missing: Vec<&str> = form
        .doc
        .parameters
        .iter()
        .zip(&form.values)
        .filter(|(p, v)| p.default.is_none() && v.trim().is_empty())
        .map(|(p, _)| p.name.as_str())
        .collect();
    if !missing.is_empty() {
        app.error(tf(
            app.lang,
            "status.document_required",
            &[("names", &missing.join(", "))],
        ));
        app.mode = Mode::Form(Box::new(form));
        return Vec::new();
    }
    // Parameters left at their default are not sent: the document applies it.
    let parameters = form
        .doc
        .parameters
        .iter()
        .zip(&form.values)
        .filter(|(p, v)| p.default.as_deref() != Some(v.as_str()))
        .map(|(p, v)| (p.name.clone(), vec![v.clone()]))
        .collect();
    let given = |i: usize| {
        form.values
            .get(form.doc.parameters.len() + i)
            .map(|v| v.trim().to_string())
            .filter(|v| !v.is_empty())
    };
    let output = OutputConfig {
        s3_bucket: given(0),
        s3_prefix: given(0).and(given(1)),
        log_group: given(2),
    };
    app.mode = Mode::Normal;
    let effects = fleet::propose(
        app,
        ProposalKind::Document {
            name: form.doc.name.clone(),
            parameters,
        },
    );
    // This send's output, as the form has it.
    if let Mode::Propose(p) = &mut app.mode {
        p.output = output;
    }
    effects
}
