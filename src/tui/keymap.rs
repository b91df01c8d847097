//! Key bindings by action name: the k9s-like defaults, remapped from the config file.

use std::collections::HashMap;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

/// Every action a key can be bound to, with its default key.
pub const DEFAULTS: [(&str, &str); 24] = [
    ("quit", "q"),
    ("help", "?"),
    ("command", ":"),
    ("filter", "/"),
    ("refresh", "ctrl-r"),
    ("mark", "space"),
    ("up", "k"),
    ("down", "j"),
    ("top", "g"),
    ("bottom", "G"),
    ("next_pane", "tab"),
    ("prev_pane", "backtab"),
    ("details", "enter"),
    ("copy", "y"),
    ("session", "S"),
    ("create_endpoints", "c"),
    ("create_role", "n"),
    ("attach", "a"),
    ("fix", "f"),
    ("run_command", "x"),
    ("scan", "s"),
    ("install", "I"),
    ("cancel_command", "C"),
    ("lab_vpc", "L"),
];

pub const ACTIONS: [&str; 24] = {
    let mut out = [""; 24];
    let mut i = 0;
    while i < DEFAULTS.len() {
        out[i] = DEFAULTS[i].0;
        i += 1;
    }
    out
};

type Chord = (KeyCode, KeyModifiers);

/// `"q"`, `"ctrl-r"`, `"tab"`, `"f5"` → a key.
pub fn parse_key(text: &str) -> Option<Chord> {
    let lower = text.to_ascii_lowercase();
    if let Some(rest) = lower.strip_prefix("ctrl-") {
        let mut chars = rest.chars();
        let c = chars.next()?;
        return chars
            .next()
            .is_none()
            .then_some((KeyCode::Char(c), KeyModifiers::CONTROL));
    }
    let named = match lower.as_str() {
        "tab" => Some(KeyCode::Tab),
        "backtab" | "shift-tab" => Some(KeyCode::BackTab),
        "enter" => Some(KeyCode::Enter),
        "esc" | "escape" => Some(KeyCode::Esc),
        "up" => Some(KeyCode::Up),
        "down" => Some(KeyCode::Down),
        "left" => Some(KeyCode::Left),
        "right" => Some(KeyCode::Right),
        "home" => Some(KeyCode::Home),
        "end" => Some(KeyCode::End),
        "pageup" => Some(KeyCode::PageUp),
        "pagedown" => Some(KeyCode::PageDown),
        "space" => Some(KeyCode::Char(' ')),
        "backspace" => Some(KeyCode::Backspace),
        f if f.len() >= 2 && f.starts_with('f') => f[1..]
            .parse::<u8>()
            .ok()
            .filter(|n| (1..=12).contains(n))
            .map(KeyCode::F),
        _ => None,
    };
    if let Some(code) = named {
        return Some((code, KeyModifiers::NONE));
    }
    let mut chars = text.chars();
    let c = chars.next()?;
    chars
        .next()
        .is_none()
        .then_some((KeyCode::Char(c), KeyModifiers::NONE))
}

/// Turns the keys the user pressed into the default keys of their actions.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Keymap {
    /// User key → default key; a default key given away to another action maps to `None`.
    translate: HashMap<Chord, Option<Chord>>,
}

fn chord(k: &KeyEvent) -> Chord {
    // Shifted letters arrive as uppercase with SHIFT: compare without it.
    let mods = k.modifiers & !KeyModifiers::SHIFT;
    (k.code, mods)
}

impl Keymap {
    /// From `action = "key"` pairs; unknown actions and unreadable keys are ignored
    /// (the config loader reports them).
    pub fn new(bindings: &std::collections::BTreeMap<String, String>) -> Self {
        let mut translate = HashMap::new();
        for (action, key) in bindings {
            let Some(default) = DEFAULTS
                .iter()
                .find(|(a, _)| a == action)
                .and_then(|(_, k)| parse_key(k))
            else {
                continue;
            };
            let Some(user) = parse_key(key) else {
                continue;
            };
            if user != default {
                translate.entry(default).or_insert(None);
                translate.insert(user, Some(default));
            }
        }
        Self { translate }
    }

    /// The key as the default map understands it; `None` when it no longer does anything.
    pub fn apply(&self, key: KeyEvent) -> Option<KeyEvent> {
        match self.translate.get(&chord(&key)) {
            None => Some(key),
            Some(None) => None,
            Some(Some((code, mods))) => Some(KeyEvent::new_with_kind(*code, *mods, key.kind)),
        }
    }
}
