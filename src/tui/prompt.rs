//! Typed lines: `/` filter, `:` command, `x`'s shell command, `P`'s forward. Their editing keys come from
//! the keymap's Prompt context (Enter, Esc, Backspace, Ctrl-h, Ctrl-w, Ctrl-u by default);
//! any other character is typed.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use super::app::{App, Effect, Mode};
use super::bindings::{Action, Context};
use super::fleet::{self, ProposalKind};
use super::keys::run_command;
use crate::i18n::t;

/// What a key does to a line being typed.
enum Edit {
    Typed,
    Submit,
    Cancel,
    /// Backspace on an empty line.
    Emptied,
    Ignored,
}

fn edit(app: &App, text: &mut String, key: &KeyEvent) -> Edit {
    match app.keymap.action(&[Context::Prompt], key) {
        Some(Action::Submit) => Edit::Submit,
        Some(Action::Cancel) => Edit::Cancel,
        Some(Action::DeleteChar) => match text.pop() {
            Some(_) => Edit::Typed,
            None => Edit::Emptied,
        },
        Some(Action::DeleteWord) => {
            let kept = text.trim_end().rfind(' ').map_or(0, |i| i + 1);
            text.truncate(kept);
            Edit::Typed
        }
        Some(Action::ClearLine) => {
            text.clear();
            Edit::Typed
        }
        _ => match key.code {
            KeyCode::Char(c) if !key.modifiers.contains(KeyModifiers::CONTROL) => {
                text.push(c);
                Edit::Typed
            }
            _ => Edit::Ignored,
        },
    }
}

pub(super) fn on_filter_key(app: &mut App, key: KeyEvent, mut text: String) -> Vec<Effect> {
    let page = app.page();
    match edit(app, &mut text, &key) {
        Edit::Cancel => {
            app.mode = Mode::Normal;
            if let Some(t) = app.table_mut() {
                t.set_filter("", page);
            }
            return Vec::new();
        }
        Edit::Submit => {
            app.mode = Mode::Normal;
            if app.table().is_some_and(|t| t.filter_literal) {
                app.info(t(app.lang, "status.filter_literal"));
            }
            return Vec::new();
        }
        Edit::Ignored => return Vec::new(),
        Edit::Typed | Edit::Emptied => {}
    }
    if let Some(t) = app.table_mut() {
        t.set_filter(&text, page);
    }
    app.mode = Mode::Filter(text);
    Vec::new()
}

pub(super) fn on_command_key(app: &mut App, key: KeyEvent, mut text: String) -> Vec<Effect> {
    match edit(app, &mut text, &key) {
        Edit::Cancel | Edit::Emptied => app.mode = Mode::Normal,
        Edit::Submit => {
            app.mode = Mode::Normal;
            return run_command(app, text.trim());
        }
        Edit::Typed => app.mode = Mode::Command(text),
        Edit::Ignored => {}
    }
    Vec::new()
}

pub(super) fn on_input_key(app: &mut App, key: KeyEvent, mut text: String) -> Vec<Effect> {
    match edit(app, &mut text, &key) {
        Edit::Cancel => {
            app.mode = Mode::Normal;
            app.info(t(app.lang, "status.cancelled"));
        }
        Edit::Submit => {
            app.mode = Mode::Normal;
            let cmd = text.trim().to_string();
            if cmd.is_empty() {
                app.info(t(app.lang, "status.no_command"));
            } else {
                return fleet::propose(app, ProposalKind::Shell(cmd));
            }
        }
        Edit::Typed | Edit::Emptied | Edit::Ignored => app.mode = Mode::Input(text),
    }
    Vec::new()
}

pub(super) fn on_forward_key(
    app: &mut App,
    key: KeyEvent,
    node: String,
    mut text: String,
) -> Vec<Effect> {
    match edit(app, &mut text, &key) {
        Edit::Cancel => {
            app.mode = Mode::Normal;
            app.info(t(app.lang, "status.cancelled"));
        }
        Edit::Submit => {
            app.mode = Mode::Normal;
            return super::forwards::submit(app, &node, text.trim());
        }
        Edit::Typed | Edit::Emptied | Edit::Ignored => app.mode = Mode::Forward { node, text },
    }
    Vec::new()
}
