//! Keys in normal, filter and command mode, the mouse, and the small actions they take
//! (copy, session, region); the keys that change the account are in `plans`.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use super::app::{App, Effect, Mode, Pane};
use super::fleet::{self, ProposalKind};
use super::plans::{Action, lab_enter, on_confirm_key, propose};
use super::table::TableState;
use crate::i18n::{t, tf};

pub(super) fn on_key(app: &mut App, key: KeyEvent) -> Vec<Effect> {
    let ctrl = key.modifiers.contains(KeyModifiers::CONTROL);
    if ctrl && key.code == KeyCode::Char('c') {
        return vec![Effect::Quit];
    }
    match app.mode.clone() {
        Mode::Help => {
            if matches!(
                key.code,
                KeyCode::Esc | KeyCode::Char('?') | KeyCode::Char('q') | KeyCode::Enter
            ) {
                app.mode = Mode::Normal;
            }
            Vec::new()
        }
        Mode::Confirm(confirm) => on_confirm_key(app, key, *confirm),
        Mode::Input(text) => fleet::on_input_key(app, key, text),
        Mode::Propose(p) => fleet::on_propose_key(app, key, *p),
        Mode::Filter(text) => on_filter_key(app, key, text),
        Mode::Command(text) => on_command_key(app, key, text),
        Mode::Normal => match app.keymap.apply(key) {
            Some(key) => {
                let ctrl = key.modifiers.contains(KeyModifiers::CONTROL);
                on_normal_key(app, key, ctrl)
            }
            None => Vec::new(),
        },
    }
}

fn on_normal_key(app: &mut App, key: KeyEvent, ctrl: bool) -> Vec<Effect> {
    let page = app.page();
    match key.code {
        KeyCode::Char('r') if ctrl => {
            app.info(t(app.lang, "status.refreshing"));
            let mut effects = vec![Effect::RefreshAll];
            effects.extend(fleet::reload_detail(app));
            return effects;
        }
        KeyCode::Char('q') => return vec![Effect::Quit],
        KeyCode::Char('?') => app.mode = Mode::Help,
        KeyCode::Char(':') => app.mode = Mode::Command(String::new()),
        KeyCode::Char('/') => {
            let current = app.table().map(|t| t.filter.clone()).unwrap_or_default();
            app.mode = Mode::Filter(current);
        }
        KeyCode::Tab => app.cycle(true),
        KeyCode::BackTab => app.cycle(false),
        KeyCode::Char(c @ '1'..='8') => {
            let idx = usize::from(c as u8 - b'1');
            app.switch(Pane::ALL[idx]);
        }
        KeyCode::Esc => {
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
        KeyCode::Enter if app.pane == Pane::Lab => return lab_enter(app),
        KeyCode::Char('y') => return copy_selected(app),
        KeyCode::Char('S')
            if matches!(app.pane, Pane::Instances | Pane::Inventory | Pane::Patches) =>
        {
            return open_session(app);
        }
        KeyCode::Char('L') if app.pane == Pane::Endpoints => {
            let vpc = app
                .selected_id()
                .and_then(|id| id.split('/').next().map(str::to_string));
            if let Some(v) = vpc {
                app.info(tf(app.lang, "lab.status.picked", &[("vpc", &v)]));
                app.lab_vpc = Some(v);
                app.rebuild();
            }
        }
        KeyCode::Enter if app.drill.is_none() && fleet::opens_detail(app.pane) => {
            return fleet::open_detail(app);
        }
        KeyCode::Enter => app.detail = !app.detail,
        KeyCode::Char('x') if fleet::runs_commands(app.pane) => return fleet::start_shell(app),
        KeyCode::Char('s') if app.pane == Pane::Patches && app.drill.is_none() => {
            return fleet::propose(app, ProposalKind::Scan);
        }
        KeyCode::Char('I') if app.pane == Pane::Patches && app.drill.is_none() => {
            return fleet::propose(app, ProposalKind::Install { reboot: true });
        }
        KeyCode::Char('C') if app.pane == Pane::Commands => return fleet::propose_cancel(app),
        KeyCode::Char('c') if app.pane == Pane::Endpoints => {
            return propose(app, Action::Endpoints);
        }
        KeyCode::Char('n') if app.pane == Pane::Roles => return propose(app, Action::Role),
        KeyCode::Char('a') if app.pane == Pane::Instances => return propose(app, Action::Attach),
        KeyCode::Char('f') if app.pane == Pane::Instances => return propose(app, Action::Fix),
        KeyCode::Char(' ') => {
            if let Some(t) = app.table_mut() {
                t.toggle_mark();
                t.move_by(1, page);
            }
        }
        KeyCode::Char('j') | KeyCode::Down => move_sel(app, |t, p| t.move_by(1, p)),
        KeyCode::Char('k') | KeyCode::Up => move_sel(app, |t, p| t.move_by(-1, p)),
        KeyCode::Char('g') | KeyCode::Home => move_sel(app, |t, p| t.select_first(p)),
        KeyCode::Char('G') | KeyCode::End => move_sel(app, |t, p| t.select_last(p)),
        KeyCode::PageDown => move_sel(app, |t, p| t.move_by(p as isize, p)),
        KeyCode::PageUp => move_sel(app, |t, p| t.move_by(-(p as isize), p)),
        _ => {}
    }
    // The detail panel changes the page height.
    let page = app.page();
    for t in &mut app.tables {
        t.sync(page);
    }
    Vec::new()
}

fn move_sel(app: &mut App, f: impl FnOnce(&mut TableState, usize)) {
    let page = app.page();
    if let Some(t) = app.table_mut() {
        f(t, page);
    }
}

fn on_filter_key(app: &mut App, key: KeyEvent, mut text: String) -> Vec<Effect> {
    let page = app.page();
    match key.code {
        KeyCode::Esc => {
            app.mode = Mode::Normal;
            if let Some(t) = app.table_mut() {
                t.set_filter("", page);
            }
            return Vec::new();
        }
        KeyCode::Enter => {
            app.mode = Mode::Normal;
            let literal = app.table().is_some_and(|t| t.filter_literal);
            if literal {
                app.info("filter is not a valid regex: matched as plain text");
            }
            return Vec::new();
        }
        _ if line_edit(&mut text, key) => {}
        KeyCode::Backspace => {
            text.pop();
        }
        KeyCode::Char(c) => text.push(c),
        _ => return Vec::new(),
    }
    if let Some(t) = app.table_mut() {
        t.set_filter(&text, page);
    }
    app.mode = Mode::Filter(text);
    Vec::new()
}

/// Readline's Ctrl-U (clear), Ctrl-W (last word) and Ctrl-H (one character) in the
/// filter and command lines. Whether the key was one of them.
fn line_edit(text: &mut String, key: KeyEvent) -> bool {
    if !key.modifiers.contains(KeyModifiers::CONTROL) {
        return false;
    }
    match key.code {
        KeyCode::Char('u') => text.clear(),
        KeyCode::Char('w') => {
            let kept = text.trim_end().rfind(' ').map_or(0, |i| i + 1);
            text.truncate(kept);
        }
        KeyCode::Char('h') => {
            text.pop();
        }
        _ => return false,
    }
    true
}

fn on_command_key(app: &mut App, key: KeyEvent, mut text: String) -> Vec<Effect> {
    match key.code {
        _ if line_edit(&mut text, key) => app.mode = Mode::Command(text),
        KeyCode::Esc => app.mode = Mode::Normal,
        KeyCode::Backspace => {
            if text.pop().is_none() {
                app.mode = Mode::Normal;
            } else {
                app.mode = Mode::Command(text);
            }
        }
        KeyCode::Char(c) => {
            text.push(c);
            app.mode = Mode::Command(text);
        }
        KeyCode::Enter => {
            app.mode = Mode::Normal;
            return run_command(app, text.trim());
        }
        _ => {}
    }
    Vec::new()
}

fn run_command(app: &mut App, line: &str) -> Vec<Effect> {
    let mut words = line.split_whitespace();
    let Some(word) = words.next() else {
        return Vec::new();
    };
    match word {
        "q" | "q!" | "quit" | "qa" => return vec![Effect::Quit],
        "help" | "h" => app.mode = Mode::Help,
        "refresh" => return vec![Effect::RefreshAll],
        "region" => return switch_region(app, words.next()),
        "group" => {
            let arg = words.next();
            fleet::set_group(app, arg);
        }
        other => match Pane::from_command(other) {
            Some(Pane::Audit) => {
                app.switch(Pane::Audit);
                return vec![Effect::LoadAudit];
            }
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
fn open_session(app: &mut App) -> Vec<Effect> {
    let Some(id) = app.selected_id() else {
        return Vec::new();
    };
    let online = app
        .snapshot
        .nodes
        .nodes
        .iter()
        .any(|n| n.instance_id == id && n.ping == crate::domain::model::PingStatus::Online);
    if !online {
        app.error(tf(app.lang, "status.session_not_managed", &[("id", &id)]));
        return Vec::new();
    }
    vec![Effect::Session(id)]
}

/// Screen line of the first table row: header, tabs, the pane's extra lines, border, column titles.
fn first_row_line(app: &App) -> u16 {
    let extras = match (&app.drill, app.pane) {
        (Some(d), _) => d.header.len() as u16 + u16::from(d.loading) + u16::from(d.error.is_some()),
        (None, Pane::Patches | Pane::Lab) => 1,
        _ => 0,
    };
    2 + extras + 2
}

pub(super) fn on_mouse(app: &mut App, kind: crossterm::event::MouseEventKind, row: u16) {
    use crossterm::event::{MouseButton, MouseEventKind};
    if app.mode != Mode::Normal {
        return;
    }
    let page = app.page();
    let top = first_row_line(app);
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
