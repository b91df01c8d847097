//! Drawing: a pure function of the application state.

use jiff::Timestamp;
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Wrap};
use unicode_width::UnicodeWidthStr;

use super::app::{App, Mode, Pane};
use super::chrome::{draw_footer, draw_help, draw_status};
use super::dialog;
use super::layout;
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
    super::header::draw(frame, screen.header, app);
    draw_tabs(frame, screen.tabs, app);
    table_view::draw_above(frame, screen.above, app);
    table_view::draw_table(frame, screen.table, app);
    if screen.detail.height > 0 {
        table_view::draw_detail(frame, screen.detail, app);
    }
    draw_footer(frame, screen.footer, app);
    draw_status(frame, screen.status, app);
    match &app.mode {
        Mode::Help => draw_help(frame, area, app),
        Mode::Confirm(_) | Mode::Propose(_) | Mode::Ask(_) => dialog::draw(frame, area, app),
        Mode::Picker(p) => super::documents_view::draw_picker(frame, area, app, p),
        Mode::Form(f) => super::documents_view::draw_form(frame, area, app, f),
        Mode::Pager(pager) => super::pager::draw(frame, super::pager::area(screen), app, pager),
        _ => {}
    }
}

pub fn age(now: Timestamp, then: Timestamp) -> String {
    let secs = now.as_second().saturating_sub(then.as_second()).max(0);
    match secs {
        0..=59 => format!("{secs}s"),
        60..=3599 => format!("{}m", secs / 60),
        // Over 48 hours: days.
        3600..=172_799 => format!("{}h", secs / 3600),
        _ => format!("{}d", secs / 86_400),
    }
}

fn draw_tabs(frame: &mut Frame, area: Rect, app: &App) {
    let theme = app.theme;
    let labels: Vec<(Pane, String)> = Pane::numbered()
        .enumerate()
        .map(|(i, p)| (p, format!("{} {}", i + 1, t(app.lang, p.key()))))
        .collect();
    let width = usize::from(area.width);
    let full: usize = labels.iter().map(|(_, l)| l.width() + 2).sum();
    let tight: usize = labels.iter().map(|(_, l)| l.width() + 1).sum::<usize>() - 1;
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
        let lang = app.lang;
        let name = &crate::present::source_name(*source, lang);
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
        // A failing source says when its poller tries again (not for a call the endpoint
        // does not implement: it is not asked again).
        let retried = st
            .error
            .as_ref()
            .is_some_and(|e| !matches!(e, crate::cloud::CloudError::NotImplemented { .. }));
        let part = match st.retry_at.filter(|at| retried && *at > app.now) {
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
