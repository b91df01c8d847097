//! Where everything is on screen: computed from the state and the terminal's size when
//! either changes, kept in the App, and used both to draw and to read the page size and
//! the row under the mouse — so the selection never scrolls past what is drawn.

use ratatui::layout::{Constraint, Layout, Rect};

use super::app::App;
use super::drill::DrillKind;

/// Smallest terminal the console draws on.
pub const MIN_WIDTH: u16 = 40;
pub const MIN_HEIGHT: u16 = 10;

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Screen {
    pub header: Rect,
    pub tabs: Rect,
    /// Lines above the table (a detail view's header, the compliance bar).
    pub above: Rect,
    /// The table with its border and column titles.
    pub table: Rect,
    /// The detail panel (zero height when closed).
    pub detail: Rect,
    pub footer: Rect,
    pub status: Rect,
    /// Rows of table body, and the screen line of the first.
    pub body_rows: u16,
    pub body_top: u16,
    /// Too small to draw anything but a notice.
    pub too_small: bool,
}

/// The detail panel's height: half the screen for a command's output, what a row's
/// details or the Lab's explanation need, none when closed.
fn detail_height(app: &App, width: u16, height: u16) -> u16 {
    let output = app
        .drill
        .as_ref()
        .is_some_and(|d| d.kind == DrillKind::Command);
    let always = app.drill.is_none() && app.pane.spec().detail_always();
    if output {
        height.saturating_sub(6) / 2
    } else if app.detail || always {
        // As tall as its text, between 5 lines and half the screen.
        let lines = super::table_view::detail_lines(app);
        let wrapped = ratatui::widgets::Paragraph::new(lines)
            .wrap(ratatui::widgets::Wrap { trim: false })
            .line_count(width.saturating_sub(2));
        u16::try_from(wrapped + 2)
            .unwrap_or(u16::MAX)
            .clamp(5, (height / 2).max(5))
    } else {
        0
    }
}

/// Lines above the table.
fn above_height(app: &App, body: u16) -> u16 {
    match &app.drill {
        Some(d) => {
            let lines = d.header.len() + usize::from(d.loading) + usize::from(d.error.is_some());
            u16::try_from(lines).unwrap_or(u16::MAX).min(body / 3)
        }
        None => app.pane.spec().above_height(app),
    }
}

pub fn compute(app: &App) -> Screen {
    compute_for(app, app.width, app.height)
}

/// The layout of `app` on a terminal of `width` × `height`.
pub fn compute_for(app: &App, width: u16, height: u16) -> Screen {
    let area = Rect::new(0, 0, width, height);
    if width < MIN_WIDTH || height < MIN_HEIGHT {
        return Screen {
            too_small: true,
            ..Screen::default()
        };
    }
    let [header, tabs, body, detail, footer, status] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Length(1),
        Constraint::Min(3),
        Constraint::Length(detail_height(app, area.width, area.height)),
        Constraint::Length(1),
        Constraint::Length(1),
    ])
    .areas(area);
    let [above, table] = Layout::vertical([
        Constraint::Length(above_height(app, body.height)),
        Constraint::Min(3),
    ])
    .areas(body);
    Screen {
        header,
        tabs,
        above,
        table,
        detail,
        footer,
        status,
        // Inside the border, under the column titles.
        body_rows: table.height.saturating_sub(3),
        body_top: table.y + 2,
        too_small: false,
    }
}
