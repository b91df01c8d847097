//! Drawing: a pure function of the application state.

use jiff::Timestamp;
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Cell, Clear, Paragraph, Row, Table, TableState, Wrap};

use super::app::{App, Mode, Pane, StatusKind};
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

const MIN_WIDTH: u16 = 40;
const MIN_HEIGHT: u16 = 10;

pub fn draw(frame: &mut Frame, app: &App) {
    let area = frame.area();
    if area.width < MIN_WIDTH || area.height < MIN_HEIGHT {
        let msg = Paragraph::new(format!(
            "terminal too small ({}×{}): ssmdeck needs {MIN_WIDTH}×{MIN_HEIGHT}",
            area.width, area.height
        ))
        .wrap(Wrap { trim: true });
        frame.render_widget(msg, area);
        return;
    }
    let output_view = app
        .drill
        .as_ref()
        .is_some_and(|d| d.kind == DrillKind::Command);
    let detail_h = if output_view {
        area.height.saturating_sub(6) / 2
    } else if app.detail {
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
    if app.detail || output_view {
        draw_detail(frame, detail, app);
    }
    draw_footer(frame, footer, app);
    draw_status(frame, status, app);
    match &app.mode {
        Mode::Help => draw_help(frame, area),
        Mode::Confirm(c) => dialog::draw(frame, area, c),
        Mode::Propose(p) => dialog::draw_lines(frame, area, " Confirm ", &p.describe()),
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
        Span::styled(
            if id.label.is_empty() {
                "connecting…".to_string()
            } else {
                id.label.clone()
            },
            theme::accent(),
        ),
    ];
    if let Some(account) = &id.account {
        spans.push(Span::raw(format!(" │ account {account}")));
    }
    if !id.region.is_empty() {
        spans.push(Span::raw(format!(" │ {}", id.region)));
    }
    spans.push(Span::raw(" │ "));
    spans.push(Span::styled(
        format!("● {} online", s.online),
        theme::tone(Tone::Good),
    ));
    spans.push(Span::raw(" · "));
    spans.push(Span::styled(
        format!("✗ {} connection lost", s.connection_lost),
        theme::tone(if s.connection_lost > 0 {
            Tone::Bad
        } else {
            Tone::Dim
        }),
    ));
    spans.push(Span::raw(" · "));
    spans.push(Span::styled(
        format!("✗ {} not managed", s.not_managed),
        theme::tone(if s.not_managed > 0 {
            Tone::Bad
        } else {
            Tone::Dim
        }),
    ));
    if s.waiting > 0 {
        spans.push(Span::raw(" · "));
        spans.push(Span::styled(
            format!("… {} waiting", s.waiting),
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
            "READ-ONLY",
            theme::tone(Tone::Warn).add_modifier(Modifier::BOLD),
        ));
    }
    frame.render_widget(Paragraph::new(Line::from(spans)), area);
}

fn draw_tabs(frame: &mut Frame, area: Rect, app: &App) {
    let mut spans = Vec::new();
    for (i, p) in Pane::ALL.iter().enumerate() {
        let label = format!(" {} {} ", i + 1, p.title());
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

fn source_line(app: &App, pane: Pane) -> String {
    let mut parts = Vec::new();
    for source in pane.sources() {
        let st = app.snapshot.status(*source);
        let spin = if st.in_flight { " ⟳" } else { "" };
        let part = match (&st.error, st.fetched_at) {
            (Some(e), Some(at)) => {
                format!("{}: stale {}, {e}{spin}", source.name(), age(app.now, at))
            }
            (Some(e), None) => format!("{}: {e}{spin}", source.name()),
            (None, Some(at)) => format!("{} {} ago{spin}", source.name(), age(app.now, at)),
            (None, None) => format!("{}: loading…", source.name()),
        };
        parts.push(part);
    }
    parts.join(" · ")
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
        (None, _) => &INSTANCE_COLUMNS,
    };
    let has_error = app
        .pane
        .sources()
        .iter()
        .any(|s| app.snapshot.status(*s).error.is_some());
    let count = if table.filter.is_empty() {
        format!("{}", table.visible.len())
    } else {
        format!(
            "{}/{} matching /{}/",
            table.visible.len(),
            table.rows.len(),
            table.filter
        )
    };
    let marks = if table.marks.is_empty() {
        String::new()
    } else {
        format!(" · {} marked", table.marks.len())
    };
    let pane_title = match &app.drill {
        Some(d) => format!(" {} › {} ", app.pane.title(), d.title()),
        None => format!(" {} ", app.pane.title()),
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
    let widths = columns::fit(
        app.pane,
        columns,
        &on_screen,
        usize::from(area.width.saturating_sub(2)),
        1,
    );
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
                Cell::from(text).style(theme::tone(c.tone))
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
            "nothing here yet"
        } else {
            "no row matches the filter (Esc clears it)"
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
        lines.push(Line::styled("✓ no findings", theme::tone(Tone::Good)));
    }
    for f in &row.findings {
        let (mark, tone) = match f.severity {
            Severity::Blocker => ("✗", Tone::Bad),
            Severity::Waiting => ("…", Tone::Warn),
            Severity::Warning => ("!", Tone::Warn),
        };
        lines.push(Line::from(vec![
            Span::styled(
                format!("{mark} rule {} ", f.rule.number()),
                theme::tone(tone),
            ),
            Span::raw(f.what()),
        ]));
        lines.push(Line::styled(
            format!("    why: {} · fix: {}", f.why(), f.fix.describe()),
            theme::tone(Tone::Dim),
        ));
    }
    let title = if output {
        format!(" Output of {} (j/k picks the instance) ", row.id)
    } else {
        " Details (Enter closes) ".to_string()
    };
    let block = Block::default().borders(Borders::ALL).title(title);
    frame.render_widget(
        Paragraph::new(lines)
            .block(block)
            .wrap(Wrap { trim: false }),
        area,
    );
}

pub fn footer_keys(pane: Pane) -> &'static str {
    match pane {
        Pane::Endpoints => {
            "<c> create endpoints  <Enter> details  </> filter  <Tab> pane  <:> command  <Ctrl-r> refresh  <?> help  <q> quit"
        }
        Pane::Roles => {
            "<n> create role  <Enter> details  </> filter  <Tab> pane  <:> command  <Ctrl-r> refresh  <?> help  <q> quit"
        }
        Pane::Audit => "</> filter  <Enter> details  <Tab> pane  <:> command  <?> help  <q> quit",
        Pane::Inventory => {
            "<Enter> applications  <x> run command  <Space> mark  </> filter  <Tab> pane  <:> command  <?> help  <q> quit"
        }
        Pane::Patches => {
            "<s> scan  <Shift-I> install  <Enter> patches  <x> run command  <Space> mark  </> filter  <?> help  <q> quit"
        }
        Pane::Commands => {
            "<Enter> invocations  <x> run command  <Shift-C> cancel  </> filter  <Tab> pane  <?> help  <q> quit"
        }
        Pane::Windows => {
            "<Enter> targets, tasks, executions  </> filter  <Tab> pane  <:> command  <?> help  <q> quit"
        }
        _ => {
            "<a> attach profile  <x> run command  <Space> mark  <Enter> findings  </> filter  <Tab> pane  <:> command  <?> help  <q> quit"
        }
    }
}

fn draw_footer(frame: &mut Frame, area: Rect, app: &App) {
    frame.render_widget(
        Paragraph::new(Line::styled(footer_keys(app.pane), theme::tone(Tone::Dim))),
        area,
    );
}

fn draw_status(frame: &mut Frame, area: Rect, app: &App) {
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
            Span::styled(
                "shell command to run (Enter, Esc cancels): ",
                theme::accent(),
            ),
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

pub const HELP: &[(&str, &str)] = &[
    ("1–8, Tab, Shift-Tab", "switch pane"),
    (":endpoints :roles :instances", "open a pane (:q quits)"),
    ("j k ↑ ↓", "move"),
    ("g G Home End", "first / last row"),
    ("PgUp PgDn", "page"),
    ("/", "filter (regex, case-insensitive)"),
    ("Esc", "clear filter, close details"),
    ("Enter", "details and findings of the row"),
    ("Space", "mark the row"),
    ("c (Endpoints)", "create the missing endpoints of the VPC"),
    ("n (Roles)", "create the instance role and profile"),
    ("a (Instances)", "attach the profile to marked / selected"),
    ("y / n in a dialog", "apply / cancel (No is the default)"),
    (":audit", "the audit log of every write"),
    ("Ctrl-r", "refresh every source now"),
    ("?", "this help"),
    ("q, Ctrl-c", "quit"),
];

fn draw_help(frame: &mut Frame, area: Rect) {
    let w = 64.min(area.width.saturating_sub(2));
    let h = (HELP.len() as u16 + 4).min(area.height.saturating_sub(2));
    let popup = Rect {
        x: area.x + (area.width.saturating_sub(w)) / 2,
        y: area.y + (area.height.saturating_sub(h)) / 2,
        width: w,
        height: h,
    };
    let lines: Vec<Line> = HELP
        .iter()
        .map(|(k, v)| {
            Line::from(vec![
                Span::styled(format!("{k:<32}"), theme::accent()),
                Span::raw(*v),
            ])
        })
        .collect();
    frame.render_widget(Clear, popup);
    frame.render_widget(
        Paragraph::new(lines).block(
            Block::default()
                .borders(Borders::ALL)
                .title(" Help (Esc closes) "),
        ),
        popup,
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
    if app.pane != Pane::Patches {
        return area;
    }
    let members = super::fleet_rows::group_members(&app.snapshot, app.group.as_ref());
    let c = super::fleet_rows::compliance(&app.snapshot, &members);
    let total = (c.compliant + c.non_compliant + c.no_data).max(1);
    let width = usize::from(area.width.saturating_sub(60)).clamp(10, 60);
    let bar = |n: usize| (n * width).div_ceil(total).min(width);
    let (g, b) = (bar(c.compliant), bar(c.non_compliant));
    let rest = width.saturating_sub(g + b);
    let line = Line::from(vec![
        Span::raw(" compliance "),
        Span::styled("█".repeat(g), theme::tone(Tone::Good)),
        Span::styled("▓".repeat(b), theme::tone(Tone::Bad)),
        Span::styled("░".repeat(rest), theme::tone(Tone::Dim)),
        Span::styled(
            format!(" ✓ {} compliant", c.compliant),
            theme::tone(Tone::Good),
        ),
        Span::styled(
            format!(" · ✗ {} non-compliant", c.non_compliant),
            theme::tone(Tone::Bad),
        ),
        Span::styled(
            format!(" · ? {} not scanned", c.no_data),
            theme::tone(Tone::Dim),
        ),
    ]);
    let [top, rest] = Layout::vertical([Constraint::Length(1), Constraint::Min(3)]).areas(area);
    frame.render_widget(Paragraph::new(line), top);
    rest
}
