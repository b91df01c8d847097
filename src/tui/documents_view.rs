//! Drawing `X`'s document picker and parameter form: a box over the panes.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph, Wrap};

use super::app::App;
use super::bindings::{Action, Context};
use super::documents::{Form, Picker};
use super::rows::Tone;
use crate::i18n::{t, tf};

/// The box: most of the screen, centred.
fn popup(area: Rect) -> Rect {
    let w = area.width.saturating_sub(4).min(110);
    // The header, tabs, footer and status line stay in view.
    let h = area.height.saturating_sub(4);
    Rect {
        x: area.x + (area.width - w) / 2,
        y: area.y + 2,
        width: w,
        height: h,
    }
}

pub(super) fn draw_picker(frame: &mut Frame, area: Rect, app: &App, picker: &Picker) {
    let theme = app.theme;
    let lang = app.lang;
    let ui = app.ui();
    let area = popup(area);
    frame.render_widget(Clear, area);
    let title = tf(
        lang,
        "ui.documents.title",
        &[
            ("open", &ui.key(Context::Prompt, Action::Submit)),
            ("cancel", &ui.key(Context::Prompt, Action::Cancel)),
        ],
    );
    let mut lines = vec![Line::from(vec![
        Span::styled(t(lang, "ui.documents.filter"), theme.accent()),
        Span::raw(picker.filter.clone()),
        Span::raw("▏"),
    ])];
    match &picker.docs {
        None => lines.push(Line::styled(
            t(lang, "ui.documents.loading"),
            theme.tone(Tone::Dim),
        )),
        Some(_) => {
            let visible = picker.visible();
            if visible.is_empty() {
                lines.push(Line::styled(
                    t(lang, "ui.documents.none"),
                    theme.tone(Tone::Dim),
                ));
            }
            let room = usize::from(area.height.saturating_sub(4)).max(1);
            let first = picker.selected.saturating_sub(room.saturating_sub(1));
            for (i, d) in visible.iter().enumerate().skip(first).take(room) {
                let mark = if i == picker.selected { "▶ " } else { "  " };
                let style = if i == picker.selected {
                    theme.accent()
                } else {
                    ratatui::style::Style::default()
                };
                lines.push(Line::from(vec![
                    Span::styled(format!("{mark}{}", d.name), style),
                    Span::styled(
                        format!("  {} · {}", d.owner, d.platforms.join(", ")),
                        theme.tone(Tone::Dim),
                    ),
                ]));
            }
        }
    }
    if let Some(name) = &picker.opening {
        lines.push(Line::styled(
            tf(lang, "ui.documents.opening", &[("name", name)]),
            theme.tone(Tone::Dim),
        ));
    }
    let block = Block::default().borders(Borders::ALL).title(title);
    frame.render_widget(Paragraph::new(lines).block(block), area);
}

pub(super) fn draw_form(frame: &mut Frame, area: Rect, app: &App, form: &Form) {
    let theme = app.theme;
    let lang = app.lang;
    let ui = app.ui();
    let area = popup(area);
    frame.render_widget(Clear, area);
    let title = tf(
        lang,
        "ui.documents.form_title",
        &[
            ("name", &form.doc.name),
            ("submit", &ui.key(Context::Prompt, Action::Submit)),
            ("cancel", &ui.key(Context::Prompt, Action::Cancel)),
        ],
    );
    let mut lines = Vec::new();
    if !form.doc.description.is_empty() {
        lines.push(Line::styled(
            form.doc.description.clone(),
            theme.tone(Tone::Dim),
        ));
        lines.push(Line::raw(""));
    }
    if form.doc.parameters.is_empty() {
        lines.push(Line::raw(t(lang, "ui.documents.no_parameters")));
    }
    for (i, (p, v)) in form.doc.parameters.iter().zip(&form.values).enumerate() {
        let here = i == form.field;
        let required = if p.default.is_none() {
            t(lang, "ui.documents.required")
        } else {
            String::new()
        };
        lines.push(Line::from(vec![
            Span::styled(
                format!(
                    "{}{} ({}){required}: ",
                    if here { "▶ " } else { "  " },
                    p.name,
                    p.kind
                ),
                if here { theme.accent() } else { theme.title() },
            ),
            Span::raw(v.clone()),
            Span::raw(if here { "▏" } else { "" }),
        ]));
        let mut help = p.description.clone();
        if !p.allowed.is_empty() {
            help.push_str(&tf(
                lang,
                "ui.documents.allowed",
                &[
                    ("values", &p.allowed.join(" | ")),
                    ("prev", &ui.key(Context::Prompt, Action::PrevValue)),
                    ("next", &ui.key(Context::Prompt, Action::NextValue)),
                ],
            ));
        }
        if !help.is_empty() {
            lines.push(Line::styled(format!("    {help}"), theme.tone(Tone::Dim)));
        }
    }
    // The send's output, after the parameters.
    lines.push(Line::raw(""));
    lines.push(Line::styled(
        t(lang, "ui.documents.output"),
        theme.tone(Tone::Dim),
    ));
    let n = form.doc.parameters.len();
    for (j, key) in super::documents::OUTPUT_FIELDS.iter().enumerate() {
        let here = form.field == n + j;
        let value = form.values.get(n + j).cloned().unwrap_or_default();
        lines.push(Line::from(vec![
            Span::styled(
                format!("{}{}: ", if here { "▶ " } else { "  " }, t(lang, key)),
                if here { theme.accent() } else { theme.title() },
            ),
            Span::raw(value),
            Span::raw(if here { "▏" } else { "" }),
        ]));
    }
    let block = Block::default().borders(Borders::ALL).title(title);
    frame.render_widget(
        Paragraph::new(lines)
            .block(block)
            .wrap(Wrap { trim: false }),
        area,
    );
}
