//! The confirmation dialog: every call of a plan with its dry-run verdict. Defaults to No.

use std::collections::BTreeMap;

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph, Wrap};

use super::app::Ui;
use super::bindings::{Action, Context};
use super::rows::Tone;
use crate::cloud::Simulated;
use crate::domain::plan::{Plan, StepKind};
use crate::engine::executor::Verdict;
use crate::i18n::{t, tf};
use crate::present::{call_text, note_text, plan_title, step_title, verdict_text};

/// Steps offered unselected: `o` selects them.
pub fn offered(kind: StepKind) -> bool {
    matches!(
        kind,
        StepKind::OptionalEndpoints | StepKind::EndpointZones | StepKind::NetworkAcl
    )
}

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
            if offered(s.kind) {
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
            let optional = if offered(step.kind) {
                t(lang, "ui.dialog.optional")
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

/// Rows `lines` take once wrapped at `width` columns.
fn wrapped_height(lines: &[Line], width: u16) -> u16 {
    let w = usize::from(width.max(1));
    lines
        .iter()
        .map(|l| l.width().max(1).div_ceil(w) as u16)
        .sum()
}

pub fn draw(frame: &mut Frame, area: Rect, confirm: &Confirm, ui: Ui) {
    popup(
        frame,
        area,
        &t(ui.lang, "ui.dialog.plan"),
        confirm.lines(ui),
        150,
        ui,
    );
}

/// A confirmation dialog for plain lines (Run Command, cancel).
pub fn draw_lines(frame: &mut Frame, area: Rect, title: &str, text: &[String], ui: Ui) {
    let lines: Vec<Line> = text.iter().map(|l| Line::raw(l.clone())).collect();
    popup(frame, area, title, lines, 110, ui);
}

/// A centred box with `lines`, and the y / n prompt on its last line.
fn popup(frame: &mut Frame, area: Rect, title: &str, lines: Vec<Line>, max_width: u16, ui: Ui) {
    let w = area.width.saturating_sub(4).min(max_width);
    let h = (wrapped_height(&lines, w.saturating_sub(2)) + 4).min(area.height.saturating_sub(2));
    let popup = Rect {
        x: area.x + area.width.saturating_sub(w) / 2,
        y: area.y + area.height.saturating_sub(h) / 2,
        width: w,
        height: h,
    };
    frame.render_widget(Clear, popup);
    let block = Block::default()
        .borders(Borders::ALL)
        .title(title.to_string());
    let inner = block.inner(popup);
    frame.render_widget(block, popup);
    let [body, _, footer] = Layout::vertical([
        Constraint::Min(1),
        Constraint::Length(1),
        Constraint::Length(1),
    ])
    .areas(inner);
    frame.render_widget(Paragraph::new(lines).wrap(Wrap { trim: false }), body);
    frame.render_widget(Paragraph::new(prompt(ui)), footer);
}
