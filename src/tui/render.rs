//! Drawing: a pure function of the application state.

use jiff::Timestamp;
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Wrap};
use unicode_width::UnicodeWidthStr;

use super::app::{App, Mode, Pane};
use super::chrome::{draw_footer, draw_help, draw_status};
use super::dialog;
use super::layout;
use super::rows::Tone;
use super::table_view;
use crate::i18n::{t, tf};

pub fn draw(frame: &mut Frame, app: &App) {
    let area = frame.area();
    let screen = &app.screen;
    // The layout is computed for the App's size; a frame of another size (the first,
    // before any resize event) is laid out on the spot.
    let fresh;
    let screen = if area.width == app.width && area.height == app.height {
        screen
    } else {
        fresh = layout::compute_for(app, area.width, area.height);
        &fresh
    };
    if screen.too_small {
        let msg = Paragraph::new(tf(
            app.lang,
            "ui.too_small",
            &[
                ("w", &area.width.to_string()),
                ("h", &area.height.to_string()),
                ("mw", &layout::MIN_WIDTH.to_string()),
                ("mh", &layout::MIN_HEIGHT.to_string()),
            ],
        ))
        .wrap(Wrap { trim: true });
        frame.render_widget(msg, area);
        return;
    }
    draw_header(frame, screen.header, app);
    draw_tabs(frame, screen.tabs, app);
    table_view::draw_above(frame, screen.above, app);
    table_view::draw_table(frame, screen.table, app);
    if screen.detail.height > 0 {
        table_view::draw_detail(frame, screen.detail, app);
    }
    draw_footer(frame, screen.footer, app);
    draw_status(frame, screen.status, app);
    let ui = app.ui();
    match &app.mode {
        Mode::Help => draw_help(frame, area, app),
        Mode::Confirm(c) => dialog::draw(frame, area, c, ui),
        Mode::Propose(p) => dialog::draw_lines(
            frame,
            area,
            &t(app.lang, "ui.dialog.confirm"),
            &p.describe(app.lang),
            ui,
        ),
        _ => {}
    }
}

pub fn age(now: Timestamp, then: Timestamp) -> String {
    let secs = now.as_second().saturating_sub(then.as_second()).max(0);
    match secs {
        0..=59 => format!("{secs}s"),
        60..=3599 => format!("{}m", secs / 60),
        _ => format!("{}h", secs / 3600),
    }
}

fn draw_header(frame: &mut Frame, area: Rect, app: &App) {
    let id = &app.snapshot.identity;
    let s = &app.readiness.summary;
    let mut spans = vec![
        Span::styled(" ssmdeck ", app.theme.title()),
        Span::raw(" "),
        match (&app.connection, id.label.is_empty()) {
            (Some(e), true) => Span::styled(
                crate::present::error_text(e, app.lang),
                app.theme.tone(Tone::Bad),
            ),
            (None, true) => Span::styled(t(app.lang, "ui.header.connecting"), app.theme.accent()),
            (_, false) => Span::styled(id.label.clone(), app.theme.accent()),
        },
    ];
    if let Some(account) = &id.account {
        spans.push(Span::raw(format!(
            " │ {}",
            tf(app.lang, "ui.header.account", &[("account", account)])
        )));
    }
    if !id.region.is_empty() {
        spans.push(Span::raw(format!(" │ {}", id.region)));
    }
    spans.push(Span::raw(" │ "));
    spans.push(Span::styled(
        tf(
            app.lang,
            "ui.header.online",
            &[("n", &s.online.to_string())],
        ),
        app.theme.tone(Tone::Good),
    ));
    spans.push(Span::raw(" · "));
    spans.push(Span::styled(
        tf(
            app.lang,
            "ui.header.lost",
            &[("n", &s.connection_lost.to_string())],
        ),
        app.theme.tone(if s.connection_lost > 0 {
            Tone::Bad
        } else {
            Tone::Dim
        }),
    ));
    spans.push(Span::raw(" · "));
    spans.push(Span::styled(
        tf(
            app.lang,
            "ui.header.not_managed",
            &[("n", &s.not_managed.to_string())],
        ),
        app.theme.tone(if s.not_managed > 0 {
            Tone::Bad
        } else {
            Tone::Dim
        }),
    ));
    if s.waiting > 0 {
        spans.push(Span::raw(" · "));
        spans.push(Span::styled(
            tf(
                app.lang,
                "ui.header.waiting",
                &[("n", &s.waiting.to_string())],
            ),
            app.theme.tone(Tone::Warn),
        ));
    }
    if let Some((_, line)) = &app.running {
        spans.push(Span::raw(" │ "));
        spans.push(Span::styled(
            format!("⟳ {line}"),
            app.theme.tone(Tone::Warn),
        ));
    }
    if app.read_only {
        spans.push(Span::raw(" │ "));
        spans.push(Span::styled(
            t(app.lang, "ui.header.read_only"),
            app.theme.tone(Tone::Warn).add_modifier(Modifier::BOLD),
        ));
    }
    frame.render_widget(Paragraph::new(Line::from(spans)), area);
}

fn draw_tabs(frame: &mut Frame, area: Rect, app: &App) {
    let theme = app.theme;
    let labels: Vec<(Pane, String)> = Pane::numbered()
        .enumerate()
        .map(|(i, p)| (p, format!("{} {}", i + 1, t(app.lang, p.key()))))
        .collect();
    let width = usize::from(area.width);
    let full: usize = labels.iter().map(|(_, l)| l.width() + 2).sum();
    let tight: usize = labels.iter().map(|(_, l)| l.width() + 1).sum();
    let spans: Vec<Span> = labels
        .iter()
        .enumerate()
        .map(|(i, (p, label))| {
            let selected = *p == app.pane;
            // Narrow terminals: names tighter, then the other panes by their digit only.
            let text = if full <= width {
                format!(" {label} ")
            } else if tight <= width || selected {
                format!("{label} ")
            } else {
                format!("{} ", i + 1)
            };
            let style = if selected {
                theme.selected_tab()
            } else {
                Style::default()
            };
            Span::styled(text, style)
        })
        .collect();
    frame.render_widget(Paragraph::new(Line::from(spans)), area);
}

/// What on screen depends on the clock alone: the active pane's source line (rows carry
/// the time they were built at). A tick that leaves it unchanged needs no frame.
pub fn clock_text(app: &App) -> String {
    source_line(app, app.pane)
}

pub(super) fn source_line(app: &App, pane: Pane) -> String {
    let mut parts = Vec::new();
    for source in pane.sources() {
        let st = app.snapshot.status(*source);
        let spin = if st.in_flight { " ⟳" } else { "" };
        let name = source.name();
        let lang = app.lang;
        let error = st.error.as_ref().map(|e| {
            let text = crate::present::error_text(e, lang);
            match &st.error_scope {
                Some(scope) => format!("{scope}: {text}"),
                None => text,
            }
        });
        let part = match (&error, st.fetched_at) {
            (Some(e), Some(at)) => tf(
                lang,
                "ui.source.stale",
                &[("source", name), ("age", &age(app.now, at)), ("error", e)],
            ),
            (Some(e), None) => tf(lang, "ui.source.error", &[("source", name), ("error", e)]),
            (None, Some(at)) => tf(
                lang,
                "ui.source.ago",
                &[("source", name), ("age", &age(app.now, at))],
            ),
            (None, None) => tf(lang, "ui.source.loading", &[("source", name)]),
        } + spin;
        // A failing source says when its poller tries again.
        let part = match st.retry_at.filter(|at| st.error.is_some() && *at > app.now) {
            Some(at) => {
                let wait = tf(lang, "ui.source.retry", &[("in", &age(at, app.now))]);
                format!("{part}, {wait}")
            }
            None => part,
        };
        parts.push(part);
    }
    if app.building {
        parts.push(t(app.lang, "ui.source.updating"));
    }
    parts.join(" · ")
}
