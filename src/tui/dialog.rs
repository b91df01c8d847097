//! The confirmation dialog: every call of a plan with its dry-run verdict. Defaults to No.

use std::collections::BTreeMap;

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph, Wrap};

use super::app::{App, Mode, Ui};
use super::bindings::{Action, Context};
use super::rows::Tone;
use crate::cloud::Simulated;
use crate::domain::plan::Plan;
use crate::engine::executor::Verdict;
use crate::i18n::{t, tf};
use crate::present::{call_text, note_text, plan_title, step_title, verdict_text};

#[derive(Debug, Clone, PartialEq)]
pub struct Confirm {
    pub plan: Plan,
    /// Dry-run verdicts by flat call index, as they arrive.
    pub verdicts: BTreeMap<usize, Verdict>,
}

impl Confirm {
    pub fn new(plan: Plan) -> Self {
        Self {
            plan,
            verdicts: BTreeMap::new(),
        }
    }

    /// `o` selects or unselects the steps offered unselected.
    pub fn toggle_optional(&mut self) -> bool {
        let mut any = false;
        for s in &mut self.plan.steps {
            if s.kind.offered() {
                s.selected = !s.selected;
                any = true;
            }
        }
        any
    }

    pub fn lines(&self, ui: Ui) -> Vec<Line<'static>> {
        let (lang, theme) = (ui.lang, ui.theme);
        let mut lines = vec![Line::styled(plan_title(&self.plan, lang), theme.title())];
        let mut index = 0;
        for step in &self.plan.steps {
            let mark = if step.selected { "[x]" } else { "[ ]" };
            let optional = if step.kind.offered() {
                tf(
                    lang,
                    "ui.dialog.optional",
                    &[("key", &ui.key(Context::Dialog, Action::ToggleOptional))],
                )
            } else {
                String::new()
            };
            lines.push(Line::from(vec![
                Span::styled(format!("{mark} "), theme.accent()),
                Span::raw(step_title(step, lang)),
                Span::styled(optional, theme.tone(Tone::Dim)),
            ]));
            for call in &step.calls {
                let verdict = match self.verdicts.get(&index) {
                    _ if !step.selected => {
                        Span::styled(t(lang, "ui.dialog.not_selected"), theme.tone(Tone::Dim))
                    }
                    Some(
                        v @ (Verdict::Allowed
                        | Verdict::Simulated {
                            decision: Simulated::Allowed,
                            ..
                        }),
                    ) => Span::styled(
                        format!("  ✓ {}", verdict_text(v, lang)),
                        theme.tone(Tone::Good),
                    ),
                    Some(
                        v @ (Verdict::Denied { .. }
                        | Verdict::Failed { .. }
                        | Verdict::Simulated { .. }
                        | Verdict::DryRunIgnored { .. }),
                    ) => Span::styled(
                        format!("  ✗ {}", verdict_text(v, lang)),
                        theme.tone(Tone::Bad),
                    ),
                    Some(v @ Verdict::NotChecked { .. }) => Span::styled(
                        format!("  – {}", verdict_text(v, lang)),
                        theme.tone(Tone::Dim),
                    ),
                    None => Span::styled(t(lang, "ui.dialog.checking"), theme.tone(Tone::Warn)),
                };
                lines.push(Line::from(vec![
                    Span::raw(format!("      {}", call_text(call))),
                    verdict,
                ]));
                index += 1;
            }
            for note in &step.notes {
                lines.push(Line::styled(
                    format!("      ! {}", note_text(note, lang)),
                    theme.tone(Tone::Warn),
                ));
            }
        }
        lines
    }
}

/// `Apply? y yes · n / Esc / Enter no (default)`, with the keys of the live keymap.
fn prompt(ui: Ui) -> Line<'static> {
    let keys = |action| {
        ui.keymap
            .keys_of(Context::Dialog, action)
            .iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>()
            .join(" / ")
    };
    Line::from(vec![
        Span::styled(t(ui.lang, "ui.prompt.apply"), ui.theme.title()),
        Span::raw(tf(
            ui.lang,
            "ui.prompt.yes",
            &[("keys", &keys(Action::Yes))],
        )),
        Span::styled(
            tf(ui.lang, "ui.prompt.no", &[("keys", &keys(Action::No))]),
            ui.theme.accent(),
        ),
    ])
}

/// A dialog on screen: its box, the lines it shows, the prompt line, and how far its
/// lines scroll (0 when they all fit).
struct Geometry {
    popup: Rect,
    body: Rect,
    footer: Rect,
    max_scroll: usize,
}

fn geometry(area: Rect, lines: &[Line], max_width: u16) -> Geometry {
    let w = area.width.saturating_sub(4).min(max_width);
    let text_w = w.saturating_sub(2);
    let total = Paragraph::new(lines.to_vec())
        .wrap(Wrap { trim: false })
        .line_count(text_w);
    let h = u16::try_from(total + 4)
        .unwrap_or(u16::MAX)
        .min(area.height.saturating_sub(2));
    let popup = Rect {
        x: area.x + area.width.saturating_sub(w) / 2,
        y: area.y + area.height.saturating_sub(h) / 2,
        width: w,
        height: h,
    };
    let inner = Block::default().borders(Borders::ALL).inner(popup);
    let [body, _, footer] = Layout::vertical([
        Constraint::Min(1),
        Constraint::Length(1),
        Constraint::Length(1),
    ])
    .areas(inner);
    Geometry {
        popup,
        body,
        footer,
        max_scroll: total.saturating_sub(usize::from(body.height)),
    }
}

/// The open dialog's title, lines and widest box.
fn content(app: &App) -> Option<(String, Vec<Line<'static>>, u16)> {
    let ui = app.ui();
    match &app.mode {
        Mode::Confirm(c) => Some((t(ui.lang, "ui.dialog.plan"), c.lines(ui), 150)),
        Mode::Propose(p) => Some((
            t(ui.lang, "ui.dialog.confirm"),
            p.describe(ui).into_iter().map(Line::raw).collect(),
            110,
        )),
        Mode::Ask(a) => Some((
            a.title(ui.lang),
            a.lines(ui.lang).into_iter().map(Line::raw).collect(),
            110,
        )),
        _ => None,
    }
}

/// How far the open dialog's lines scroll on the App's terminal (0: all are shown).
pub fn max_scroll(app: &App) -> usize {
    content(app).map_or(0, |(_, lines, max_width)| {
        geometry(Rect::new(0, 0, app.width, app.height), &lines, max_width).max_scroll
    })
}

/// Draws the open dialog, scrolled to `app.dialog_scroll`; while lines are hidden below,
/// the prompt says how many instead of asking.
pub fn draw(frame: &mut Frame, area: Rect, app: &App) {
    let Some((title, lines, max_width)) = content(app) else {
        return;
    };
    let ui = app.ui();
    let g = geometry(area, &lines, max_width);
    let scroll = app.dialog_scroll.min(g.max_scroll);
    frame.render_widget(Clear, g.popup);
    frame.render_widget(Block::default().borders(Borders::ALL).title(title), g.popup);
    frame.render_widget(
        Paragraph::new(lines)
            .wrap(Wrap { trim: false })
            .scroll((u16::try_from(scroll).unwrap_or(u16::MAX), 0)),
        g.body,
    );
    let below = g.max_scroll - scroll;
    let footer = if below > 0 {
        Line::styled(
            tf(
                ui.lang,
                "ui.dialog.more_below",
                &[
                    ("n", &below.to_string()),
                    ("keys", &ui.key(Context::Global, Action::PageDown)),
                    ("down", &ui.key(Context::Global, Action::Down)),
                ],
            ),
            ui.theme.tone(Tone::Warn),
        )
    } else {
        prompt(ui)
    };
    frame.render_widget(Paragraph::new(footer), g.footer);
}
