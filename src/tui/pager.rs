//! The whole output of one invocation, full screen: scrolled with the moving keys, `/`
//! searches (a regex, case-insensitive, or the plain text), `n` / `N` go to the next and
//! previous match, `Esc` closes.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph};

use super::app::{App, Effect, Mode};
use super::bindings::{Action, Context};
use super::rows::Tone;
use crate::i18n::tf;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pager {
    pub title: String,
    pub lines: Vec<String>,
    /// First line shown.
    pub top: usize,
    /// The search being typed after `/`.
    pub typing: Option<String>,
    /// The last search, and the lines it matches.
    pub search: String,
    pub matches: Vec<usize>,
}

impl Pager {
    pub fn new(title: String, lines: Vec<String>) -> Self {
        Self {
            title,
            lines,
            top: 0,
            typing: None,
            search: String::new(),
            matches: Vec::new(),
        }
    }

    fn find(&mut self, pattern: &str) {
        self.search = pattern.to_string();
        let re = regex::RegexBuilder::new(pattern)
            .case_insensitive(true)
            .build()
            .ok();
        let lower = pattern.to_lowercase();
        self.matches = self
            .lines
            .iter()
            .enumerate()
            .filter(|(_, l)| match &re {
                Some(re) => re.is_match(l),
                None => l.to_lowercase().contains(&lower),
            })
            .map(|(i, _)| i)
            .collect();
    }

    /// The next match after the top line (`forward`), or the one before it; wraps.
    fn jump(&mut self, forward: bool) {
        let next = if forward {
            self.matches
                .iter()
                .find(|&&m| m > self.top)
                .or(self.matches.first())
        } else {
            self.matches
                .iter()
                .rev()
                .find(|&&m| m < self.top)
                .or(self.matches.last())
        };
        if let Some(&m) = next {
            self.top = m;
        }
    }
}

/// Enter on an invocation in the output view: its lines in the pager.
pub(super) fn open(app: &mut App) -> Vec<Effect> {
    let Some(row) = app.table().and_then(|t| t.selected_row()) else {
        return Vec::new();
    };
    let title = tf(app.lang, "ui.pager.title", &[("id", &row.id)]);
    app.mode = Mode::Pager(Box::new(Pager::new(title, row.detail.clone())));
    Vec::new()
}

/// Where the pager is drawn: between the tabs and the footer (the header and the keys
/// stay in view).
pub(super) fn area(s: &super::layout::Screen) -> Rect {
    let top = s.tabs.y + s.tabs.height;
    Rect {
        x: s.tabs.x,
        y: top,
        width: s.tabs.width,
        height: s.footer.y.saturating_sub(top),
    }
}

/// Lines of text the pager shows at once on the App's terminal.
fn page(app: &App) -> usize {
    usize::from(area(&app.screen).height.saturating_sub(2)).max(1)
}

pub(super) fn on_key(app: &mut App, key: KeyEvent, mut pager: Pager) -> Vec<Effect> {
    let page = page(app);
    let last = pager.lines.len().saturating_sub(page);
    if let Some(mut text) = pager.typing.take() {
        match app.keymap.action(&[Context::Prompt], &key) {
            Some(Action::Submit) => {
                pager.find(&text);
                pager.jump(true);
            }
            Some(Action::Cancel) => {}
            Some(Action::DeleteChar) => {
                text.pop();
                pager.typing = Some(text);
            }
            Some(Action::ClearLine) => pager.typing = Some(String::new()),
            _ => {
                if let KeyCode::Char(c) = key.code
                    && !key.modifiers.contains(KeyModifiers::CONTROL)
                {
                    text.push(c);
                }
                pager.typing = Some(text);
            }
        }
        app.mode = Mode::Pager(Box::new(pager));
        return Vec::new();
    }
    let action = app.keymap.action(&[Context::Pager, Context::Global], &key);
    match action {
        Some(Action::Back | Action::Quit | Action::Details) => {
            app.mode = Mode::Normal;
            return Vec::new();
        }
        Some(Action::Down) => pager.top = (pager.top + 1).min(last),
        Some(Action::Up) => pager.top = pager.top.saturating_sub(1),
        Some(Action::PageDown) => pager.top = (pager.top + page).min(last),
        Some(Action::PageUp) => pager.top = pager.top.saturating_sub(page),
        Some(Action::Top) => pager.top = 0,
        Some(Action::Bottom) => pager.top = last,
        Some(Action::Filter) => pager.typing = Some(String::new()),
        Some(Action::NextMatch) => pager.jump(true),
        Some(Action::PrevMatch) => pager.jump(false),
        _ => {}
    }
    app.mode = Mode::Pager(Box::new(pager));
    Vec::new()
}

pub(super) fn draw(frame: &mut Frame, area: Rect, app: &App, pager: &Pager) {
    let theme = app.theme;
    let lang = app.lang;
    frame.render_widget(Clear, area);
    let inner_h = usize::from(area.height.saturating_sub(2));
    let position = tf(
        lang,
        "ui.pager.position",
        &[
            ("from", &(pager.top + 1).min(pager.lines.len()).to_string()),
            (
                "to",
                &(pager.top + inner_h).min(pager.lines.len()).to_string(),
            ),
            ("of", &pager.lines.len().to_string()),
        ],
    );
    let matches = if pager.search.is_empty() {
        String::new()
    } else {
        tf(
            lang,
            "ui.pager.matches",
            &[
                ("n", &pager.matches.len().to_string()),
                ("search", &pager.search),
            ],
        )
    };
    let block = Block::default()
        .borders(Borders::ALL)
        .title(format!(" {} ", pager.title))
        .title_bottom(format!(" {position}{matches} "));
    let lines: Vec<Line> = pager
        .lines
        .iter()
        .enumerate()
        .skip(pager.top)
        .take(inner_h)
        .map(|(i, l)| {
            if pager.matches.binary_search(&i).is_ok() {
                Line::from(Span::styled(l.clone(), theme.tone(Tone::Warn)))
            } else {
                Line::raw(l.clone())
            }
        })
        .collect();
    frame.render_widget(Paragraph::new(lines).block(block), area);
}

/// The status line while a search is typed.
pub(super) fn typing_line(pager: &Pager) -> Option<String> {
    pager.typing.as_ref().map(|t| format!("/{t}▏"))
}
