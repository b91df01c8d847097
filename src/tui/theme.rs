//! Colours and emphasis, dark (default) or light. Meaning is always carried by a
//! symbol too (✓ ✗ … !), never by colour alone.

use std::sync::atomic::{AtomicBool, Ordering};

use ratatui::style::{Color, Modifier, Style};

use super::rows::Tone;

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Theme {
    #[default]
    Dark,
    Light,
}

impl Theme {
    pub fn parse(name: &str) -> Option<Theme> {
        match name {
            "dark" => Some(Theme::Dark),
            "light" => Some(Theme::Light),
            _ => None,
        }
    }
}

/// The process-wide theme: chosen once at start-up from the config file.
static LIGHT: AtomicBool = AtomicBool::new(false);

pub fn set(theme: Theme) {
    LIGHT.store(theme == Theme::Light, Ordering::Relaxed);
}

pub fn current() -> Theme {
    if LIGHT.load(Ordering::Relaxed) {
        Theme::Light
    } else {
        Theme::Dark
    }
}

/// The palette of a theme: (good, warn, bad, dim, accent, selected tab background).
fn palette(theme: Theme) -> [Color; 6] {
    match theme {
        Theme::Dark => [
            Color::Green,
            Color::Yellow,
            Color::Red,
            Color::DarkGray,
            Color::Cyan,
            Color::Cyan,
        ],
        // Darker hues that stay readable on a white background.
        Theme::Light => [
            Color::Rgb(0, 110, 0),
            Color::Rgb(150, 90, 0),
            Color::Rgb(180, 0, 0),
            Color::Rgb(100, 100, 100),
            Color::Rgb(0, 70, 160),
            Color::Rgb(0, 70, 160),
        ],
    }
}

pub fn tone_in(theme: Theme, t: Tone) -> Style {
    let [good, warn, bad, dim, _, _] = palette(theme);
    match t {
        Tone::Normal => Style::default(),
        Tone::Good => Style::default().fg(good),
        Tone::Warn => Style::default().fg(warn),
        Tone::Bad => Style::default().fg(bad),
        Tone::Dim => Style::default().fg(dim),
    }
}

pub fn tone(t: Tone) -> Style {
    tone_in(current(), t)
}

pub fn title() -> Style {
    accent().add_modifier(Modifier::BOLD)
}

pub fn accent() -> Style {
    Style::default().fg(palette(current())[4])
}

pub fn header() -> Style {
    Style::default().add_modifier(Modifier::BOLD)
}

pub fn selected_tab() -> Style {
    let fg = if current() == Theme::Light {
        Color::White
    } else {
        Color::Black
    };
    Style::default()
        .fg(fg)
        .bg(palette(current())[5])
        .add_modifier(Modifier::BOLD)
}

pub fn selected_row() -> Style {
    Style::default().add_modifier(Modifier::REVERSED)
}

pub fn marked() -> Style {
    Style::default().fg(if current() == Theme::Light {
        Color::Rgb(130, 0, 130)
    } else {
        Color::Magenta
    })
}
