//! Keys in normal mode: each becomes an action through the keymap of its context, done by
//! the pane that owns it or by the console; the mouse; the small actions (copy, session,
//! region). Typed lines are in `prompt`, the keys that change the account in `plans`.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use super::app::{App, Effect, Mode, Pane};
use super::bindings::{Action, Context};
use super::fleet;
use super::plans::on_confirm_key;
use super::table::TableState;
use crate::i18n::{t, tf};

pub(super) fn on_key(app: &mut App, key: KeyEvent) -> Vec<Effect> {
    // Ctrl-c always leaves, whatever is open and however keys are mapped.
    if key.modifiers.contains(KeyModifiers::CONTROL) && key.code == KeyCode::Char('c') {
        return vec![Effect::Quit];
    }
    match app.mode.clone() {
        Mode::Help => {
            on_help_key(app, &key);
            Vec::new()
        }
        Mode::Confirm(confirm) => match dialog_action(app, &key) {
            Some(action) => on_confirm_key(app, action, *confirm),
            None => Vec::new(),
        },
        Mode::Propose(p) => match dialog_action(app, &key) {
            Some(action) => fleet::on_propose_key(app, action, *p),
            None => Vec::new(),
        },
        Mode::Ask(ask) => match dialog_action(app, &key) {
            Some(action) => super::activations::on_ask_key(app, action, *ask),
            None => Vec::new(),
        },
        Mode::Input(text) => super::prompt::on_input_key(app, key, text),
        Mode::Forward { node, text } => super::prompt::on_forward_key(app, key, node, text),
        Mode::Pager(pager) => super::pager::on_key(app, key, *pager),
        Mode::Picker(p) => super::documents::on_picker_key(app, key, *p),
        Mode::Form(f) => super::documents::on_form_key(app, key, *f),
        Mode::Filter(text) => super::prompt::on_filter_key(app, key, text),
        Mode::Command(text) => super::prompt::on_command_key(app, key, text),
        Mode::Normal => on_normal_key(app, key),
    }
}

/// A dialog's own action for `key`, after moving through its lines. Yes while lines are
/// still hidden below shows them instead: nothing is applied unseen.
fn dialog_action(app: &mut App, key: &KeyEvent) -> Option<Action> {
    let last = super::dialog::max_scroll(app);
    let page = usize::from(app.height / 2).max(1);
    let at = app.dialog_scroll.min(last);
    if let Some(action) = app.keymap.action(&[Context::Dialog], key) {
        if action == Action::Yes && at < last {
            app.dialog_scroll = last;
            app.info(tf(
                app.lang,
                "status.read_to_end",
                &[("n", &(last - at).to_string())],
            ));
            return None;
        }
        return Some(action);
    }
    app.dialog_scroll = match app.keymap.action(&[Context::Global], key)? {
        Action::Down => (at + 1).min(last),
        Action::Up => at.saturating_sub(1),
        Action::PageDown => (at + page).min(last),
        Action::PageUp => at.saturating_sub(page),
        Action::Top => 0,
        Action::Bottom => last,
        _ => at,
    };
    None
}

/// In the help: move through it, or close it.
fn on_help_key(app: &mut App, key: &KeyEvent) {
    let Some(action) = app.keymap.action(&[Context::Global], key) else {
        return;
    };
    // The help fills the screen less its border and a line above and below.
    let inner = usize::from(app.height.saturating_sub(4)).max(1);
    let last = super::chrome::help_len(app).saturating_sub(inner);
    let at = app.help_scroll.min(last);
    app.help_scroll = match action {
        Action::Help | Action::Back | Action::Quit | Action::Details => {
            app.mode = Mode::Normal;
            0
        }
        Action::Down => (at + 1).min(last),
        Action::Up => at.saturating_sub(1),
        Action::PageDown => (at + inner).min(last),
        Action::PageUp => at.saturating_sub(inner),
        Action::Top => 0,
        Action::Bottom => last,
        _ => at,
    };
}

fn on_normal_key(app: &mut App, key: KeyEvent) -> Vec<Effect> {
    // Digits reach the numbered panes; they are not remappable.
    if let KeyCode::Char(c @ '1'..='9') = key.code
        && !key.modifiers.contains(KeyModifiers::CONTROL)
    {
        let idx = usize::from(c as u8 - b'1');
        if let Some(pane) = Pane::numbered().nth(idx) {
            app.switch(pane);
        }
        return Vec::new();
    }
    let contexts = [Context::Pane(app.pane), Context::Global];
    match app.keymap.action(&contexts, &key) {
        Some(action) => dispatch(app, action),
        None => Vec::new(),
    }
}

/// What an action does: the pane's own first, then the console's.
pub(super) fn dispatch(app: &mut App, action: Action) -> Vec<Effect> {
    if let Some(effects) = app.pane.spec().handle(app, action) {
        return effects;
    }
    let page = app.page();
    match action {
        Action::Refresh => {
            app.info(t(app.lang, "status.refreshing"));
            let mut effects = vec![Effect::RefreshAll];
            effects.extend(fleet::reload_detail(app));
            return effects;
        }
        Action::Quit => return vec![Effect::Quit],
        Action::Help => {
            app.help_scroll = 0;
            app.mode = Mode::Help;
        }
        Action::CommandLine => app.mode = Mode::Command(String::new()),
        Action::Filter => {
            let current = app.table().map(|t| t.filter.clone()).unwrap_or_default();
            app.mode = Mode::Filter(current);
        }
        Action::NextPane => app.cycle(true),
        Action::PrevPane => app.cycle(false),
        Action::Back => {
            if app.detail {
                app.detail = false;
            } else if let Some(t) = app.table_mut()
                && !t.filter.is_empty()
            {
                t.set_filter("", page);
            } else if app.drill.is_some() {
                app.drill = None;
            } else {
                app.status = None;
            }
        }
        Action::Copy => return copy_selected(app),
        Action::Details => app.detail = !app.detail,
        Action::Mark => {
            if let Some(t) = app.table_mut() {
                t.toggle_mark();
                t.move_by(1, page);
            }
        }
        Action::Down => move_sel(app, |t, p| t.move_by(1, p)),
        Action::Up => move_sel(app, |t, p| t.move_by(-1, p)),
        Action::Top => move_sel(app, |t, p| t.select_first(p)),
        Action::Bottom => move_sel(app, |t, p| t.select_last(p)),
        Action::PageDown => move_sel(app, |t, p| t.move_by(p as isize, p)),
        Action::PageUp => move_sel(app, |t, p| t.move_by(-(p as isize), p)),
        _ => {}
    }
    Vec::new()
}

fn move_sel(app: &mut App, f: impl FnOnce(&mut TableState, usize)) {
    let page = app.page();
    if let Some(t) = app.table_mut() {
        f(t, page);
    }
}

pub(super) fn run_command(app: &mut App, line: &str) -> Vec<Effect> {
    let mut words = line.split_whitespace();
    let Some(word) = words.next() else {
        return Vec::new();
    };
    match word {
        "q" | "q!" | "quit" | "qa" => return vec![Effect::Quit],
        "help" | "h" => app.mode = Mode::Help,
        "refresh" => return vec![Effect::RefreshAll],
        "stats" => return vec![Effect::ShowStats],
        "region" => return switch_region(app, words.next()),
        "forward" | "fwd" => return super::forwards::start_named(app, words.next()),
        // The path is the rest of the line: it may hold spaces.
        "export" => {
            let path = line.trim_start().strip_prefix(word).unwrap_or_default();
            return super::export::start(app, path);
        }
        "group" => {
            let arg = words.next();
            fleet::set_group(app, arg);
        }
        other => match Pane::from_command(other) {
            Some(Pane::Audit) => {
                app.switch(Pane::Audit);
                return vec![Effect::LoadAudit];
            }
            Some(Pane::Activations) => return super::activations::open(app),
            Some(p) => app.switch(p),
            None => app.error(tf(app.lang, "status.unknown_command", &[("cmd", other)])),
        },
    }
    Vec::new()
}

/// `y`: the selected resource's id (a role's ARN) to the clipboard.
fn copy_selected(app: &mut App) -> Vec<Effect> {
    let Some(id) = app.selected_id() else {
        return Vec::new();
    };
    let text = match app.pane {
        Pane::Roles => {
            let scope = app.selected_scope();
            let name = id.split('@').next().unwrap_or(&id);
            app.scope_data(scope)
                .1
                .roles
                .iter()
                .find(|r| r.name == name)
                .map(|r| r.arn.clone())
                .unwrap_or_else(|| name.to_string())
        }
        Pane::Endpoints => id.split('/').next().unwrap_or(&id).to_string(),
        _ => id,
    };
    app.info(tf(app.lang, "status.copied", &[("text", &text)]));
    vec![Effect::Copy(text)]
}

/// `S`: a Session Manager shell on the selected managed instance.
pub(crate) fn open_session(app: &mut App) -> Vec<Effect> {
    let Some(id) = app.selected_id() else {
        return Vec::new();
    };
    let online = app
        .nodes()
        .any(|n| n.instance_id == id && n.ping == crate::domain::model::PingStatus::Online);
    if !online {
        app.error(tf(app.lang, "status.session_not_managed", &[("id", &id)]));
        return Vec::new();
    }
    vec![Effect::Session(id)]
}

pub(super) fn on_mouse(app: &mut App, kind: crossterm::event::MouseEventKind, row: u16) {
    use crossterm::event::{MouseButton, MouseEventKind};
    if app.mode != Mode::Normal {
        return;
    }
    let page = app.page();
    let top = app.screen.body_top;
    match kind {
        MouseEventKind::ScrollDown => move_sel(app, |t, p| t.move_by(3, p)),
        MouseEventKind::ScrollUp => move_sel(app, |t, p| t.move_by(-3, p)),
        MouseEventKind::Down(MouseButton::Left) if row >= top => {
            let line = usize::from(row - top);
            if let Some(t) = app.table_mut()
                && line < page
            {
                let target = t.offset + line;
                if target < t.visible.len() {
                    let delta = target as isize - t.selected as isize;
                    t.move_by(delta, page);
                }
            }
        }
        _ => {}
    }
}

/// `:region R`: the console starts again in region R (the sandbox has only one).
fn switch_region(app: &mut App, region: Option<&str>) -> Vec<Effect> {
    let lang = app.lang;
    let Some(region) = region else {
        app.info(tf(
            lang,
            "status.region_now",
            &[("region", &app.snapshot.identity.region)],
        ));
        return Vec::new();
    };
    let valid = region == "all"
        || regex::Regex::new(r"^[a-z]{2}(-gov|-iso[a-z]?)?-[a-z]+-[0-9]$")
            .is_ok_and(|re| re.is_match(region));
    if !valid {
        app.error(tf(lang, "status.region_invalid", &[("region", region)]));
        return Vec::new();
    }
    if app.snapshot.identity.label.starts_with("sandbox") {
        app.error(t(lang, "status.region_sandbox"));
        return Vec::new();
    }
    vec![Effect::SwitchRegion(region.to_string())]
}
