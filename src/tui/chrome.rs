//! The screen's bottom lines and the help, generated from the keymap: a remapped key shows
//! wherever it is used. The footer lists the keys of what is open (the pane's own first),
//! cut to the terminal's width; `?` lists every binding by where it is read.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph};
use unicode_width::UnicodeWidthStr;

use super::app::{App, Mode, Pane, StatusKind};
use super::bindings::{Action, Context};
use super::rows::Tone;
use crate::i18n::{Lang, t, tf};

/// The console's keys the footer offers after the pane's own, most needed first.
const GLOBAL_HINTS: &[Action] = &[
    Action::Help,
    Action::Quit,
    Action::Filter,
    Action::CommandLine,
    Action::NextPane,
];

/// The context whose keys the footer names, and those actions in display order with
/// their importance (lower is kept longer on a narrow terminal).
fn footer_actions(app: &App) -> (Context, Vec<(Action, usize)>) {
    let ranked = |actions: &[Action]| -> Vec<(Action, usize)> {
        actions.iter().enumerate().map(|(i, a)| (*a, i)).collect()
    };
    match &app.mode {
        Mode::Picker(_) => (
            Context::Prompt,
            ranked(&[Action::Submit, Action::Cancel, Action::DeleteChar]),
        ),
        Mode::Form(_) => (
            Context::Prompt,
            ranked(&[
                Action::Submit,
                Action::Cancel,
                Action::NextValue,
                Action::PrevValue,
                Action::ClearLine,
            ]),
        ),
        Mode::Filter(_) | Mode::Command(_) | Mode::Input(_) | Mode::Forward { .. } => (
            Context::Prompt,
            ranked(&[
                Action::Submit,
                Action::Cancel,
                Action::DeleteWord,
                Action::ClearLine,
            ]),
        ),
        Mode::Confirm(_) | Mode::Propose(_) | Mode::Ask(_) => {
            (Context::Dialog, ranked(&[Action::Yes, Action::No]))
        }
        Mode::Pager(_) => (
            Context::Pager,
            ranked(&[
                Action::Back,
                Action::Filter,
                Action::NextMatch,
                Action::PrevMatch,
                Action::PageDown,
                Action::PageUp,
                Action::Bottom,
            ]),
        ),
        Mode::Help => (
            Context::Global,
            ranked(&[Action::Back, Action::Down, Action::Up]),
        ),
        Mode::Normal if app.drill.is_some() => {
            // The pane's own actions still apply (cancel the command, run on the marked).
            let mut order = vec![Action::Back];
            order.extend(
                app.pane
                    .spec()
                    .hints()
                    .iter()
                    .filter(|a| !matches!(a, Action::Details | Action::Mark)),
            );
            order.extend([Action::Help, Action::Quit, Action::Filter, Action::Copy]);
            (Context::Pane(app.pane), ranked(&order))
        }
        Mode::Normal => {
            // Help and Quit are kept first on a narrow terminal, listed last.
            let own = app.pane.spec().hints();
            let mut out: Vec<(Action, usize)> =
                own.iter().enumerate().map(|(i, a)| (*a, i + 2)).collect();
            for (i, a) in GLOBAL_HINTS.iter().enumerate() {
                if !own.contains(a) {
                    let rank = if i < 2 { i } else { own.len() + i };
                    out.push((*a, rank));
                }
            }
            (Context::Pane(app.pane), out)
        }
    }
}

/// `key label` pairs that fit in `width` cells, the most important kept, in display order.
pub fn footer_items(app: &App, width: usize) -> Vec<(String, String)> {
    let ui = app.ui();
    let (context, actions) = footer_actions(app);
    let items: Vec<(String, String, usize)> = actions
        .into_iter()
        .filter_map(|(a, rank)| {
            let key = app.keymap.key_of(context, a)?.to_string();
            Some((key, t(ui.lang, &a.label_key()), rank))
        })
        .collect();
    let cost = |(k, l, _): &(String, String, usize)| k.width() + 1 + l.width() + 2;
    let mut by_rank: Vec<usize> = (0..items.len()).collect();
    by_rank.sort_by_key(|&i| items[i].2);
    let mut keep = vec![false; items.len()];
    let mut used = 1;
    for i in by_rank {
        let c = cost(&items[i]);
        if used + c <= width {
            keep[i] = true;
            used += c;
        }
    }
    items
        .into_iter()
        .zip(keep)
        .filter(|(_, k)| *k)
        .map(|((k, l, _), _)| (k, l))
        .collect()
}

pub(super) fn draw_footer(frame: &mut Frame, area: Rect, app: &App) {
    let theme = app.theme;
    let mut spans = vec![Span::raw(" ")];
    for (key, label) in footer_items(app, usize::from(area.width)) {
        spans.push(Span::styled(key, theme.accent()));
        spans.push(Span::styled(format!(" {label}  "), theme.tone(Tone::Dim)));
    }
    frame.render_widget(Paragraph::new(Line::from(spans)), area);
}

pub(super) fn draw_status(frame: &mut Frame, area: Rect, app: &App) {
    let theme = app.theme;
    let line = match &app.mode {
        Mode::Command(text) => Line::from(vec![
            Span::styled(":", theme.accent()),
            Span::raw(text.clone()),
            Span::raw("▏"),
        ]),
        Mode::Filter(text) => Line::from(vec![
            Span::styled("/", theme.accent()),
            Span::raw(text.clone()),
            Span::raw("▏"),
        ]),
        Mode::Forward { node, text } => Line::from(vec![
            Span::styled(
                format!("{node} {} ", super::forwards::form_hint(app)),
                theme.accent(),
            ),
            Span::raw(text.clone()),
            Span::raw("▏"),
        ]),
        Mode::Pager(pager) if pager.typing.is_some() => Line::from(vec![Span::styled(
            super::pager::typing_line(pager).unwrap_or_default(),
            theme.accent(),
        )]),
        Mode::Input(text) => Line::from(vec![
            Span::styled(
                tf(
                    app.lang,
                    "ui.prompt.shell",
                    &[
                        ("submit", &app.ui().key(Context::Prompt, Action::Submit)),
                        ("cancel", &app.ui().key(Context::Prompt, Action::Cancel)),
                    ],
                ),
                theme.accent(),
            ),
            Span::raw(text.clone()),
            Span::raw("▏"),
        ]),
        _ => match &app.status {
            Some((StatusKind::Error, text)) => Line::styled(text.clone(), theme.tone(Tone::Bad)),
            Some((StatusKind::Info, text)) => Line::styled(text.clone(), theme.accent()),
            None => Line::raw(""),
        },
    };
    frame.render_widget(Paragraph::new(line), area);
}

/// One line of the help: the keys, and what they do.
pub type HelpLine = (String, String);

/// The help's sections, generated from the keymap: everywhere, the pane on screen and the
/// others, dialogs, typed lines, then the `:` commands.
pub fn help_sections(app: &App) -> Vec<(String, Vec<HelpLine>)> {
    let lang = app.lang;
    let km = &app.keymap;
    let lines_of = |context: Context| -> Vec<HelpLine> {
        km.actions_in(context)
            .into_iter()
            .map(|a| {
                let keys: Vec<String> = km
                    .keys_of(context, a)
                    .iter()
                    .map(|k| k.to_string())
                    .collect();
                (keys.join(" "), describe(lang, a))
            })
            .collect()
    };
    let mut global = vec![(
        format!("1–{}", Pane::numbered().count()),
        t(lang, "help.digits"),
    )];
    global.extend(lines_of(Context::Global));
    let mut out = vec![(t(lang, "ui.help.global"), global)];
    let others = Pane::EVERY.iter().copied().filter(|p| *p != app.pane);
    for pane in std::iter::once(app.pane).chain(others) {
        let lines = lines_of(Context::Pane(pane));
        if !lines.is_empty() {
            out.push((t(lang, pane.key()), lines));
        }
    }
    out.push((t(lang, "ui.help.dialog"), lines_of(Context::Dialog)));
    out.push((t(lang, "ui.help.prompt"), lines_of(Context::Prompt)));
    out.push((t(lang, "ui.help.pager"), lines_of(Context::Pager)));
    let commands = [
        "help.cmd.panes",
        "help.cmd.group",
        "help.cmd.region",
        "help.cmd.forward",
        "help.cmd.export",
        "help.cmd.stats",
        "help.cmd.quit",
    ]
    .iter()
    .map(|k| (t(lang, &format!("{k}.keys")), t(lang, &format!("{k}.text"))))
    .collect();
    out.push((t(lang, "ui.help.commands"), commands));
    out
}

/// Lines of the help as drawn: each section's title, its keys in a column, what they do
/// beside them (the `:` commands, longer, above what they do).
fn help_lines(app: &App) -> Vec<Line<'static>> {
    let theme = app.theme;
    let sections = help_sections(app);
    let last = sections.len().saturating_sub(1);
    let key_w = sections[..last]
        .iter()
        .flat_map(|(_, l)| l.iter().map(|(k, _)| k.width()))
        .max()
        .unwrap_or(0)
        .min(18);
    let mut lines: Vec<Line> = Vec::new();
    for (i, (title, entries)) in sections.into_iter().enumerate() {
        if !lines.is_empty() {
            lines.push(Line::raw(""));
        }
        lines.push(Line::styled(title, theme.title()));
        for (keys, text) in entries {
            if i == last {
                lines.push(Line::styled(format!("  {keys}"), theme.accent()));
                lines.push(Line::raw(format!("      {text}")));
                continue;
            }
            let pad = key_w.saturating_sub(keys.width());
            lines.push(Line::from(vec![
                Span::styled(format!("  {keys}{}  ", " ".repeat(pad)), theme.accent()),
                Span::raw(text),
            ]));
        }
    }
    lines
}

/// Lines of the help as drawn.
pub fn help_len(app: &App) -> usize {
    help_lines(app).len()
}

/// What an action does, in the help's words.
fn describe(lang: Lang, action: Action) -> String {
    t(lang, &format!("help.{}", action.name()))
}

pub(super) fn draw_help(frame: &mut Frame, area: Rect, app: &App) {
    let w = 96.min(area.width.saturating_sub(2));
    let h = area.height.saturating_sub(2);
    let popup = Rect {
        x: area.x + (area.width.saturating_sub(w)) / 2,
        y: area.y + (area.height.saturating_sub(h)) / 2,
        width: w,
        height: h,
    };
    let lines = help_lines(app);
    let inner = usize::from(h.saturating_sub(2));
    let max_scroll = lines.len().saturating_sub(inner);
    let scroll = app.help_scroll.min(max_scroll);
    let ui = app.ui();
    let close = ui.key(Context::Global, Action::Back);
    let title = if max_scroll > 0 {
        let keys = format!(
            "{}/{}",
            ui.key(Context::Global, Action::Down),
            ui.key(Context::Global, Action::Up)
        );
        tf(
            app.lang,
            "ui.help.title_scroll",
            &[
                ("close", &close),
                ("from", &(scroll + 1).to_string()),
                ("to", &(scroll + inner).min(lines.len()).to_string()),
                ("n", &lines.len().to_string()),
                ("keys", &keys),
            ],
        )
    } else {
        tf(app.lang, "ui.help.title", &[("close", &close)])
    };
    frame.render_widget(Clear, popup);
    frame.render_widget(
        Paragraph::new(lines)
            .scroll((u16::try_from(scroll).unwrap_or(u16::MAX), 0))
            .block(Block::default().borders(Borders::ALL).title(title)),
        popup,
    );
}
