//! Colours and emphasis, dark (default) or light, chosen by the config file and kept in
//! the App. Meaning is always carried by a symbol too (✓ ✗ … !), never by colour alone.

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

impl Theme {
    pub fn tone(self, t: Tone) -> Style {
        let [good, warn, bad, dim, _, _] = palette(self);
        match t {
            Tone::Normal => Style::default(),
            Tone::Good => Style::default().fg(good),
            Tone::Warn => Style::default().fg(warn),
            Tone::Bad => Style::default().fg(bad),
            Tone::Dim => Style::default().fg(dim),
        }
    }

    pub fn title(self) -> Style {
        self.accent().add_modifier(Modifier::BOLD)
    }

    pub fn accent(self) -> Style {
        Style::default().fg(palette(self)[4])
    }

    pub fn header(self) -> Style {
        Style::default().add_modifier(Modifier::BOLD)
    }

    pub fn selected_tab(self) -> Style {
        let fg = if self == Theme::Light {
            Color::White
        } else {
            Color::Black
        };
        Style::default()
            .fg(fg)
            .bg(palette(self)[5])
            .add_modifier(Modifier::BOLD)
    }

    pub fn selected_row(self) -> Style {
        Style::default().add_modifier(Modifier::REVERSED)
    }

    pub fn marked(self) -> Style {
        Style::default().fg(if self == Theme::Light {
            Color::Rgb(130, 0, 130)
        } else {
            Color::Magenta
        })
    }
}
