//! Colours and emphasis. Meaning is always carried by a symbol too (✓ ✗ … !).

use ratatui::style::{Color, Modifier, Style};

use super::rows::Tone;

pub fn tone(t: Tone) -> Style {
    match t {
        Tone::Normal => Style::default(),
        Tone::Good => Style::default().fg(Color::Green),
        Tone::Warn => Style::default().fg(Color::Yellow),
        Tone::Bad => Style::default().fg(Color::Red),
        Tone::Dim => Style::default().fg(Color::DarkGray),
    }
}

pub fn title() -> Style {
    Style::default()
        .fg(Color::Cyan)
        .add_modifier(Modifier::BOLD)
}

pub fn accent() -> Style {
    Style::default().fg(Color::Cyan)
}

pub fn header() -> Style {
    Style::default().add_modifier(Modifier::BOLD)
}

pub fn selected_tab() -> Style {
    Style::default()
        .fg(Color::Black)
        .bg(Color::Cyan)
        .add_modifier(Modifier::BOLD)
}

pub fn selected_row() -> Style {
    Style::default().add_modifier(Modifier::REVERSED)
}

pub fn marked() -> Style {
    Style::default().fg(Color::Magenta)
}
