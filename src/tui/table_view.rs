//! The body of the screen: the lines above the table, the table fitted to the terminal's
//! width, and the detail panel under it.

use ratatui::Frame;
use ratatui::layout::{Constraint, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Cell, Paragraph, Row, Table, TableState, Wrap};

use super::app::App;
use super::bindings::{Action, Context};
use super::columns::{self, cut_middle, ellipsize};
use super::drill::DrillKind;
use super::panes::Column;
use super::render::source_line;
use super::rows::Tone;
use super::scopes::ScopeColumns;
use crate::domain::findings::Severity;
use crate::i18n::{t, tf};

/// Region and Account in front of a pane's own columns when several scopes are shown.
const REGION: Column = Column::new("ui.col.region", 0);
const ACCOUNT: Column = Column::new("ui.col.account", 0);

/// Above the table: an open detail view's lines, else what the pane draws there.
pub(super) fn draw_above(frame: &mut Frame, area: Rect, app: &App) {
    if area.height == 0 {
        return;
    }
    let theme = app.theme;
    match &app.drill {
        Some(d) => {
            let mut lines: Vec<Line> = d
                .header
                .iter()
                .map(|h| Line::styled(h.clone(), theme.tone(Tone::Dim)))
                .collect();
            if d.loading {
                lines.push(Line::styled(
                    t(app.lang, "ui.drill.loading"),
                    theme.tone(Tone::Warn),
                ));
            }
            if let Some(e) = &d.error {
                lines.push(Line::styled(format!("✗ {e}"), theme.tone(Tone::Bad)));
            }
            frame.render_widget(Paragraph::new(lines), area);
        }
        None => app.pane.spec().draw_above(frame, area, app),
    }
}

/// The columns on screen: the scope's in front of the pane's (or the detail view's).
pub(super) fn columns_of(app: &App, table: &super::table::TableState) -> Vec<Column> {
    let own = match &app.drill {
        Some(d) => d.columns(),
        None => app.pane.spec().columns(),
    };
    // Rows built per scope carry their Region and Account cells in front.
    let scoped =
        app.multi() && app.drill.is_none() && table.rows.first().is_some_and(|r| r.scope.is_some());
    let shown = ScopeColumns::of(&app.scopes);
    let mut out = Vec::new();
    if scoped && shown.region {
        out.push(REGION);
    }
    if scoped && shown.account {
        out.push(ACCOUNT);
    }
    let first = out.len();
    out.extend_from_slice(own);
    // A varying column whose rows all read the same is left out.
    for (k, c) in out.iter_mut().enumerate().skip(first) {
        if c.varying {
            c.hidden = table.uniform(k);
        }
    }
    out
}

fn title<'a>(app: &App, table: &super::table::TableState) -> Line<'a> {
    let theme = app.theme;
    let lang = app.lang;
    let has_error = app
        .pane
        .sources()
        .iter()
        .any(|s| app.snapshot.status(*s).error.is_some());
    let count = if table.filter.is_empty() {
        format!("{}", table.visible.len())
    } else {
        tf(
            lang,
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
            lang,
            "ui.table.marked",
            &[("n", &table.marks.len().to_string())],
        )
    };
    let pane_title = match &app.drill {
        Some(d) => format!(" {} › {} ", t(lang, app.pane.key()), d.title(lang)),
        None => format!(" {} ", t(lang, app.pane.key())),
    };
    let sources = source_line(app, app.pane);
    let mut spans = vec![
        Span::styled(pane_title, theme.title()),
        Span::raw(format!("({count}){marks} ")),
    ];
    // A pane read on demand (Activations, Audit) has no sources to age.
    if !sources.is_empty() {
        spans.push(Span::styled(
            format!(" {sources} "),
            theme.tone(if has_error { Tone::Bad } else { Tone::Dim }),
        ));
    }
    Line::from(spans)
}

pub(super) fn draw_table(frame: &mut Frame, area: Rect, app: &App) {
    let Some(table) = app.table() else {
        return;
    };
    let theme = app.theme;
    let columns = columns_of(app, table);
    let headers: Vec<String> = columns.iter().map(|c| t(app.lang, c.key)).collect();
    let block = Block::default()
        .borders(Borders::ALL)
        .title(title(app, table));
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
    let mut fitted = columns::fit(
        &columns,
        &headers,
        &on_screen,
        usize::from(area.width.saturating_sub(2)).saturating_sub(mark),
        1,
    );
    if let Some(first) = fitted.widths.first_mut() {
        *first += mark;
    }
    let constraints: Vec<Constraint> = fitted
        .widths
        .iter()
        .map(|w| Constraint::Length(u16::try_from(*w).unwrap_or(u16::MAX)))
        .collect();
    let rows: Vec<Row> =
        window
            .iter()
            .map(|&i| {
                let r = &table.rows[i];
                let marked = table.marks.contains(&r.id);
                let cells = fitted.shown.iter().zip(&fitted.widths).enumerate().map(
                    |(k, (&col, &width))| {
                        let Some(c) = r.cells.get(col) else {
                            return Cell::from("");
                        };
                        let lead = if k == 0 && marked { "● " } else { "" };
                        let room = width.saturating_sub(lead.chars().count());
                        let text = if columns.get(col).is_some_and(|c| c.id) {
                            cut_middle(&c.text, room)
                        } else {
                            ellipsize(&c.text, room)
                        };
                        Cell::from(format!("{lead}{text}")).style(theme.tone(c.tone))
                    },
                );
                let row = Row::new(cells);
                if marked {
                    row.style(theme.marked())
                } else {
                    row
                }
            })
            .collect();
    let header = Row::new(
        fitted
            .shown
            .iter()
            .zip(&fitted.widths)
            .map(|(&col, &w)| Cell::from(ellipsize(&headers[col], w))),
    )
    .style(theme.header());
    let widget = Table::new(rows, constraints)
        .header(header)
        .block(block)
        .column_spacing(1)
        .row_highlight_style(theme.selected_row());
    let mut state = TableState::default();
    if !table.visible.is_empty() {
        state.select(Some(table.selected.saturating_sub(table.offset)));
    }
    frame.render_stateful_widget(widget, area, &mut state);
    if table.visible.is_empty() {
        let msg = if table.rows.is_empty() {
            t(app.lang, "ui.table.empty")
        } else {
            tf(
                app.lang,
                "ui.table.no_match",
                &[("key", &app.ui().key(Context::Global, Action::Back))],
            )
        };
        let inner = Rect {
            x: area.x + 2,
            y: area.y + 2,
            width: area.width.saturating_sub(4),
            height: 1.min(area.height.saturating_sub(2)),
        };
        frame.render_widget(Paragraph::new(msg).style(theme.tone(Tone::Dim)), inner);
    }
}

/// The detail panel's lines: the selected row's details, then each finding with why and
/// what fixes it.
/// The row the detail panel explains: the selected one; on the Lab, the step Enter
/// performs (else the first not done), wherever the cursor is.
fn detail_row(app: &App) -> Option<&crate::tui::rows::Row> {
    let table = app.table()?;
    if app.pane == super::app::Pane::Lab && app.drill.is_none() {
        use super::lab::StepState;
        let step = app.lab().and_then(|lab| {
            let next = lab.steps.iter().find(|s| s.state == StepState::Next);
            next.or_else(|| lab.steps.iter().find(|s| s.state != StepState::Done))
                .map(|s| s.number.to_string())
        });
        if let Some(row) = step.and_then(|n| table.rows.iter().find(|r| r.id == n)) {
            return Some(row);
        }
    }
    table.selected_row()
}

pub(super) fn detail_lines(app: &App) -> Vec<Line<'static>> {
    let Some(row) = detail_row(app) else {
        return Vec::new();
    };
    let theme = app.theme;
    let lang = app.lang;
    let mut lines: Vec<Line> = row.detail.iter().map(|d| Line::from(d.clone())).collect();
    if row.findings.is_empty() && app.drill.is_none() && app.pane.spec().has_findings() {
        lines.push(Line::styled(
            t(lang, "ui.detail.no_findings"),
            theme.tone(Tone::Good),
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
                    lang,
                    "ui.detail.rule",
                    &[("mark", mark), ("n", &f.rule.number().to_string())],
                ),
                theme.tone(tone),
            ),
            Span::raw(crate::present::finding_what(f, lang)),
        ]));
        lines.push(Line::styled(
            tf(
                lang,
                "ui.detail.why_fix",
                &[
                    ("why", &crate::present::finding_why(f, lang)),
                    ("fix", &super::fix_hint::finding_fix(f, app.ui())),
                ],
            ),
            theme.tone(Tone::Dim),
        ));
    }
    lines
}

pub(super) fn draw_detail(frame: &mut Frame, area: Rect, app: &App) {
    let Some(row) = detail_row(app) else {
        return;
    };
    let lang = app.lang;
    let output = app
        .drill
        .as_ref()
        .is_some_and(|d| d.kind == DrillKind::Command);
    let lines = detail_lines(app);
    let key = if app.pane == super::app::Pane::Lab {
        app.ui()
            .key(Context::Pane(super::app::Pane::Lab), Action::LabNext)
    } else {
        app.ui().key(Context::Global, Action::Details)
    };
    let title = if output {
        let ui = app.ui();
        let pick = format!(
            "{}/{}",
            ui.key(Context::Global, Action::Down),
            ui.key(Context::Global, Action::Up)
        );
        tf(
            lang,
            "ui.detail.output",
            &[("id", &row.id), ("pick", &pick), ("open", &key)],
        )
    } else if app.drill.is_some() {
        tf(lang, "ui.detail.title", &[("key", &key)])
    } else {
        tf(
            lang,
            app.pane.spec().detail_key(),
            &[("key", &key), ("step", &row.id)],
        )
    };
    let block = Block::default().borders(Borders::ALL).title(title);
    frame.render_widget(
        Paragraph::new(lines)
            .block(block)
            .wrap(Wrap { trim: false }),
        area,
    );
}
