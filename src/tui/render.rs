//! Drawing: a pure function of the application state.

use jiff::Timestamp;
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Cell, Paragraph, Row, Table, TableState, Wrap};

use super::app::{App, Mode, Pane};
use super::chrome::{draw_footer, draw_help, draw_status};
use super::columns;
use super::dialog;
use super::fleet::DrillKind;
use super::fleet_rows::{
    APP_COLUMNS, COMMAND_COLUMNS, INVENTORY_COLUMNS, INVOCATION_COLUMNS, PATCH_COLUMNS,
    PATCH_ENTRY_COLUMNS, WINDOW_COLUMNS, WINDOW_DETAIL_COLUMNS,
};
use super::rows::{AUDIT_COLUMNS, ENDPOINT_COLUMNS, INSTANCE_COLUMNS, ROLE_COLUMNS, Tone};
use super::theme;
use crate::domain::findings::Severity;
use crate::i18n::{t, tf};
use unicode_width::UnicodeWidthStr;

const MIN_WIDTH: u16 = 40;
const MIN_HEIGHT: u16 = 10;

pub fn draw(frame: &mut Frame, app: &App) {
    let area = frame.area();
    if area.width < MIN_WIDTH || area.height < MIN_HEIGHT {
        let msg = Paragraph::new(tf(
            app.lang,
            "ui.too_small",
            &[
                ("w", &area.width.to_string()),
                ("h", &area.height.to_string()),
                ("mw", &MIN_WIDTH.to_string()),
                ("mh", &MIN_HEIGHT.to_string()),
            ],
        ))
        .wrap(Wrap { trim: true });
        frame.render_widget(msg, area);
        return;
    }
    let output_view = app
        .drill
        .as_ref()
        .is_some_and(|d| d.kind == DrillKind::Command);
    let lab_view = app.pane == Pane::Lab && app.drill.is_none();
    let detail_h = if output_view {
        area.height.saturating_sub(6) / 2
    } else if app.detail || lab_view {
        8
    } else {
        0
    };
    let [header, tabs, body, detail, footer, status] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Length(1),
        Constraint::Min(3),
        Constraint::Length(detail_h),
        Constraint::Length(1),
        Constraint::Length(1),
    ])
    .areas(area);
    draw_header(frame, header, app);
    draw_tabs(frame, tabs, app);
    let body = pane_extras(frame, body, app);
    draw_table(frame, body, app);
    if app.detail || output_view || lab_view {
        draw_detail(frame, detail, app);
    }
    draw_footer(frame, footer, app);
    draw_status(frame, status, app);
    match &app.mode {
        Mode::Help => draw_help(frame, area, app.lang),
        Mode::Confirm(c) => dialog::draw(frame, area, c, app.lang),
        Mode::Propose(p) => dialog::draw_lines(
            frame,
            area,
            &t(app.lang, "ui.dialog.confirm"),
            &p.describe(app.lang),
            app.lang,
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
        Span::styled(" ssmdeck ", theme::title()),
        Span::raw(" "),
        match (&app.connection, id.label.is_empty()) {
            (Some(e), true) => Span::styled(
                crate::present::error_text(e, app.lang),
                theme::tone(super::rows::Tone::Bad),
            ),
            (None, true) => Span::styled(t(app.lang, "ui.header.connecting"), theme::accent()),
            (_, false) => Span::styled(id.label.clone(), theme::accent()),
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
        theme::tone(Tone::Good),
    ));
    spans.push(Span::raw(" · "));
    spans.push(Span::styled(
        tf(
            app.lang,
            "ui.header.lost",
            &[("n", &s.connection_lost.to_string())],
        ),
        theme::tone(if s.connection_lost > 0 {
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
        theme::tone(if s.not_managed > 0 {
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
            theme::tone(Tone::Warn),
        ));
    }
    if let Some((_, line)) = &app.running {
        spans.push(Span::raw(" │ "));
        spans.push(Span::styled(format!("⟳ {line}"), theme::tone(Tone::Warn)));
    }
    if app.read_only {
        spans.push(Span::raw(" │ "));
        spans.push(Span::styled(
            t(app.lang, "ui.header.read_only"),
            theme::tone(Tone::Warn).add_modifier(Modifier::BOLD),
        ));
    }
    frame.render_widget(Paragraph::new(Line::from(spans)), area);
}

fn draw_tabs(frame: &mut Frame, area: Rect, app: &App) {
    let mut spans = Vec::new();
    for (i, p) in Pane::ALL.iter().enumerate() {
        let label = format!(" {} {} ", i + 1, t(app.lang, p.key()));
        let style = if *p == app.pane {
            theme::selected_tab()
        } else if p.available() {
            Style::default()
        } else {
            theme::tone(Tone::Dim)
        };
        spans.push(Span::styled(label, style));
    }
    frame.render_widget(Paragraph::new(Line::from(spans)), area);
}

/// What on screen depends on the clock alone: the active pane's source line (rows carry
/// the time they were built at). A tick that leaves it unchanged needs no frame.
pub fn clock_text(app: &App) -> String {
    source_line(app, app.pane)
}

fn source_line(app: &App, pane: Pane) -> String {
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

/// `text` cut to `width` display columns with a final "…" when it does not fit, so a cut
/// value never passes for a whole one (a version, an id).
fn ellipsize(text: String, width: usize) -> String {
    use unicode_width::UnicodeWidthChar;
    if text.width() <= width {
        return text;
    }
    let mut out = String::new();
    let mut used = 0;
    for ch in text.chars() {
        let w = ch.width().unwrap_or(0);
        if used + w + 1 > width {
            break;
        }
        out.push(ch);
        used += w;
    }
    if width > 0 {
        out.push('…');
    }
    out
}

fn draw_table(frame: &mut Frame, area: Rect, app: &App) {
    let Some(table) = app.table() else {
        return;
    };
    let columns: &[&str] = match (&app.drill, app.pane) {
        (Some(d), _) => match d.kind {
            DrillKind::Inventory => &APP_COLUMNS,
            DrillKind::Patches => &PATCH_ENTRY_COLUMNS,
            DrillKind::Command => &INVOCATION_COLUMNS,
            DrillKind::Window => &WINDOW_DETAIL_COLUMNS,
        },
        (None, Pane::Endpoints) => &ENDPOINT_COLUMNS,
        (None, Pane::Roles) => &ROLE_COLUMNS,
        (None, Pane::Audit) => &AUDIT_COLUMNS,
        (None, Pane::Inventory) => &INVENTORY_COLUMNS,
        (None, Pane::Patches) => &PATCH_COLUMNS,
        (None, Pane::Commands) => &COMMAND_COLUMNS,
        (None, Pane::Windows) => &WINDOW_COLUMNS,
        (None, Pane::Lab) => &super::lab::COLUMNS,
        (None, _) => &INSTANCE_COLUMNS,
    };
    // Several accounts or regions: each row says where it lives.
    let scoped = app.multi() && app.drill.is_none() && !matches!(app.pane, Pane::Audit | Pane::Lab);
    let shown = super::scopes::ScopeColumns::of(&app.scopes);
    // Region names stay whole (ap-northeast-2); account names give way first.
    let lead: Vec<(&str, usize)> = [
        (shown.region, "ui.col.region", 14),
        (shown.account, "ui.col.account", 8),
    ]
    .into_iter()
    .filter(|(on, _, _)| scoped && *on)
    .map(|(_, key, keep)| (key, keep))
    .collect();
    let headers: Vec<String> = lead
        .iter()
        .map(|(key, _)| *key)
        .chain(columns.iter().copied())
        .map(|c| t(app.lang, c))
        .collect();
    let lead: Vec<usize> = lead.iter().map(|(_, keep)| *keep).collect();
    let columns: Vec<&str> = headers.iter().map(String::as_str).collect();
    let columns = columns.as_slice();
    let has_error = app
        .pane
        .sources()
        .iter()
        .any(|s| app.snapshot.status(*s).error.is_some());
    let count = if table.filter.is_empty() {
        format!("{}", table.visible.len())
    } else {
        tf(
            app.lang,
            "ui.table.matching",
            &[
                ("shown", &table.visible.len().to_string()),
                ("total", &table.rows.len().to_string()),
                ("filter", &table.filter),
            ],
        )
    };
    let marks = if table.marks.is_empty() {
        String::new()
    } else {
        tf(
            app.lang,
            "ui.table.marked",
            &[("n", &table.marks.len().to_string())],
        )
    };
    let pane_title = match &app.drill {
        Some(d) => format!(" {} › {} ", t(app.lang, app.pane.key()), d.title()),
        None => format!(" {} ", t(app.lang, app.pane.key())),
    };
    let title = Line::from(vec![
        Span::styled(pane_title, theme::title()),
        Span::raw(format!("({count}){marks} ")),
        Span::styled(
            format!(" {} ", source_line(app, app.pane)),
            theme::tone(if has_error { Tone::Bad } else { Tone::Dim }),
        ),
    ]);
    let block = Block::default().borders(Borders::ALL).title(title);
    let inner_h = usize::from(area.height.saturating_sub(3));
    let window: Vec<usize> = table
        .visible
        .iter()
        .skip(table.offset)
        .take(inner_h.max(1))
        .copied()
        .collect();

    let on_screen: Vec<&super::rows::Row> = window.iter().map(|&i| &table.rows[i]).collect();
    // A marked row's first cell starts with "● ": its column is that much wider.
    let mark = if on_screen.iter().any(|r| table.marks.contains(&r.id)) {
        2
    } else {
        0
    };
    let mut widths = columns::fit(
        app.pane,
        &lead,
        columns,
        &on_screen,
        usize::from(area.width.saturating_sub(2)).saturating_sub(mark),
        1,
    );
    if let Some(first) = widths.first_mut() {
        *first += mark;
    }
    let constraints: Vec<Constraint> = widths
        .iter()
        .map(|w| Constraint::Length(*w as u16))
        .collect();

    let rows: Vec<Row> = window
        .iter()
        .map(|&i| {
            let r = &table.rows[i];
            let marked = table.marks.contains(&r.id);
            let cells = r.cells.iter().enumerate().map(|(k, c)| {
                let text = if k == 0 {
                    format!("{}{}", if marked { "● " } else { "" }, c.text)
                } else {
                    c.text.clone()
                };
                let width = widths.get(k).copied().unwrap_or(usize::MAX);
                Cell::from(ellipsize(text, width)).style(theme::tone(c.tone))
            });
            let row = Row::new(cells);
            if marked {
                row.style(theme::marked())
            } else {
                row
            }
        })
        .collect();
    let header = Row::new(columns.iter().map(|c| Cell::from(*c))).style(theme::header());
    let widget = Table::new(rows, constraints)
        .header(header)
        .block(block)
        .column_spacing(1)
        .row_highlight_style(theme::selected_row());
    let mut state = TableState::default();
    if !table.visible.is_empty() {
        state.select(Some(table.selected.saturating_sub(table.offset)));
    }
    frame.render_stateful_widget(widget, area, &mut state);
    if table.visible.is_empty() {
        let msg = if table.rows.is_empty() {
            t(app.lang, "ui.table.empty")
        } else {
            t(app.lang, "ui.table.no_match")
        };
        let inner = Rect {
            x: area.x + 2,
            y: area.y + 2,
            width: area.width.saturating_sub(4),
            height: 1.min(area.height.saturating_sub(2)),
        };
        frame.render_widget(Paragraph::new(msg).style(theme::tone(Tone::Dim)), inner);
    }
}

fn draw_detail(frame: &mut Frame, area: Rect, app: &App) {
    let Some(row) = app.table().and_then(|t| t.selected_row()) else {
        return;
    };
    let output = app
        .drill
        .as_ref()
        .is_some_and(|d| d.kind == DrillKind::Command);
    let mut lines: Vec<Line> = row.detail.iter().map(|d| Line::from(d.clone())).collect();
    if row.findings.is_empty() && app.drill.is_none() && app.pane.table().is_some_and(|i| i < 3) {
        lines.push(Line::styled(
            t(app.lang, "ui.detail.no_findings"),
            theme::tone(Tone::Good),
        ));
    }
    for f in &row.findings {
        let (mark, tone) = match f.severity {
            Severity::Blocker => ("✗", Tone::Bad),
            Severity::Waiting => ("…", Tone::Warn),
            Severity::Warning => ("!", Tone::Warn),
            Severity::Info => ("i", Tone::Dim),
        };
        lines.push(Line::from(vec![
            Span::styled(
                tf(
                    app.lang,
                    "ui.detail.rule",
                    &[("mark", mark), ("n", &f.rule.number().to_string())],
                ),
                theme::tone(tone),
            ),
            Span::raw(crate::present::finding_what(f, app.lang)),
        ]));
        lines.push(Line::styled(
            tf(
                app.lang,
                "ui.detail.why_fix",
                &[
                    ("why", &crate::present::finding_why(f, app.lang)),
                    ("fix", &crate::present::finding_fix(f, app.lang)),
                ],
            ),
            theme::tone(Tone::Dim),
        ));
    }
    let title = if output {
        tf(app.lang, "ui.detail.output", &[("id", &row.id)])
    } else if app.pane == Pane::Lab {
        t(app.lang, "ui.detail.lab")
    } else {
        t(app.lang, "ui.detail.title")
    };
    let block = Block::default().borders(Borders::ALL).title(title);
    frame.render_widget(
        Paragraph::new(lines)
            .block(block)
            .wrap(Wrap { trim: false }),
        area,
    );
}

/// Above the table: the fleet's patch compliance on Patches, the lines of an open detail view.
fn pane_extras(frame: &mut Frame, area: Rect, app: &App) -> Rect {
    if let Some(d) = &app.drill {
        let mut lines: Vec<Line> = d
            .header
            .iter()
            .map(|h| Line::styled(h.clone(), theme::tone(Tone::Dim)))
            .collect();
        if d.loading {
            lines.push(Line::styled("loading… ⟳", theme::tone(Tone::Warn)));
        }
        if let Some(e) = &d.error {
            lines.push(Line::styled(format!("✗ {e}"), theme::tone(Tone::Bad)));
        }
        if lines.is_empty() {
            return area;
        }
        let h = (lines.len() as u16).min(area.height / 3);
        let [top, rest] = Layout::vertical([Constraint::Length(h), Constraint::Min(3)]).areas(area);
        frame.render_widget(Paragraph::new(lines), top);
        return rest;
    }
    if app.pane == Pane::Lab {
        let [top, rest] = Layout::vertical([Constraint::Length(1), Constraint::Min(3)]).areas(area);
        frame.render_widget(
            Paragraph::new(Line::styled(t(app.lang, "ui.lab.heading"), theme::accent())),
            top,
        );
        return rest;
    }
    if app.pane != Pane::Patches {
        return area;
    }
    let c = app.compliance;
    let total = (c.compliant + c.non_compliant + c.no_data).max(1);
    let width = usize::from(area.width.saturating_sub(60)).clamp(10, 60);
    let bar = |n: usize| (n * width).div_ceil(total).min(width);
    let (g, b) = (bar(c.compliant), bar(c.non_compliant));
    let rest = width.saturating_sub(g + b);
    let line = Line::from(vec![
        Span::raw(t(app.lang, "ui.compliance.label")),
        Span::styled("█".repeat(g), theme::tone(Tone::Good)),
        Span::styled("▓".repeat(b), theme::tone(Tone::Bad)),
        Span::styled("░".repeat(rest), theme::tone(Tone::Dim)),
        Span::styled(
            tf(
                app.lang,
                "ui.compliance.ok",
                &[("n", &c.compliant.to_string())],
            ),
            theme::tone(Tone::Good),
        ),
        Span::styled(
            tf(
                app.lang,
                "ui.compliance.bad",
                &[("n", &c.non_compliant.to_string())],
            ),
            theme::tone(Tone::Bad),
        ),
        Span::styled(
            tf(
                app.lang,
                "ui.compliance.none",
                &[("n", &c.no_data.to_string())],
            ),
            theme::tone(Tone::Dim),
        ),
    ]);
    let [top, rest] = Layout::vertical([Constraint::Length(1), Constraint::Min(3)]).areas(area);
    frame.render_widget(Paragraph::new(line), top);
    rest
}
