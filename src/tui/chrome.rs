//! The screen's bottom lines and the help: the pane's keys, the status line, `?`.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph};
use unicode_width::UnicodeWidthStr;

use super::app::{App, Mode, Pane, StatusKind};
use super::rows::Tone;
use super::theme;
use crate::i18n::{Lang, t};

/// The catalog key of the pane's footer (its keys).
pub(super) fn footer_keys(pane: Pane) -> &'static str {
    match pane {
        Pane::Endpoints => "footer.endpoints",
        Pane::Roles => "footer.roles",
        Pane::Audit => "footer.audit",
        Pane::Inventory => "footer.inventory",
        Pane::Patches => "footer.patches",
        Pane::Commands => "footer.commands",
        Pane::Windows => "footer.windows",
        Pane::Lab => "footer.lab",
        Pane::Instances => "footer.instances",
    }
}

pub(super) fn draw_footer(frame: &mut Frame, area: Rect, app: &App) {
    frame.render_widget(
        Paragraph::new(Line::styled(
            t(app.lang, footer_keys(app.pane)),
            theme::tone(Tone::Dim),
        )),
        area,
    );
}

pub(super) fn draw_status(frame: &mut Frame, area: Rect, app: &App) {
    let line = match &app.mode {
        Mode::Command(text) => Line::from(vec![
            Span::styled(":", theme::accent()),
            Span::raw(text.clone()),
            Span::raw("▏"),
        ]),
        Mode::Filter(text) => Line::from(vec![
            Span::styled("/", theme::accent()),
            Span::raw(text.clone()),
            Span::raw("▏"),
        ]),
        Mode::Input(text) => Line::from(vec![
            Span::styled(t(app.lang, "ui.prompt.shell"), theme::accent()),
            Span::raw(text.clone()),
            Span::raw("▏"),
        ]),
        _ => match &app.status {
            Some((StatusKind::Error, text)) => Line::styled(text.clone(), theme::tone(Tone::Bad)),
            Some((StatusKind::Info, text)) => Line::styled(text.clone(), theme::accent()),
            None => Line::raw(""),
        },
    };
    frame.render_widget(Paragraph::new(line), area);
}

/// Help entries: catalog keys `help.X.keys` and `help.X.text`.
pub(super) const HELP: &[&str] = &[
    "help.panes",
    "help.command",
    "help.region",
    "help.move",
    "help.filter",
    "help.line",
    "help.esc",
    "help.enter",
    "help.mark",
    "help.c",
    "help.n",
    "help.a",
    "help.f",
    "help.x",
    "help.s",
    "help.cancel",
    "help.y",
    "help.copy",
    "help.session",
    "help.refresh",
    "help.help",
    "help.quit",
];

pub(super) fn draw_help(frame: &mut Frame, area: Rect, lang: Lang) {
    let w = 86.min(area.width.saturating_sub(2));
    let h = (HELP.len() as u16 + 2).min(area.height.saturating_sub(2));
    let popup = Rect {
        x: area.x + (area.width.saturating_sub(w)) / 2,
        y: area.y + (area.height.saturating_sub(h)) / 2,
        width: w,
        height: h,
    };
    let lines: Vec<Line> = HELP
        .iter()
        .map(|k| {
            let keys = t(lang, &format!("{k}.keys"));
            let pad = 40usize.saturating_sub(keys.width());
            Line::from(vec![
                Span::styled(format!("{keys}{}", " ".repeat(pad)), theme::accent()),
                Span::raw(t(lang, &format!("{k}.text"))),
            ])
        })
        .collect();
    frame.render_widget(Clear, popup);
    frame.render_widget(
        Paragraph::new(lines).block(
            Block::default()
                .borders(Borders::ALL)
                .title(t(lang, "ui.help.title")),
        ),
        popup,
    );
}
