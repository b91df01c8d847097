//! Keys by context: `(Context, KeyChord) → Action`, from the defaults and the config's
//! `[keys]`. The footer and `?` are generated from the same map, so a remapped key shows
//! wherever it is used; a remap that gives one key two actions is refused at load.

use std::collections::{BTreeMap, HashMap};
use std::fmt;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use super::app::Pane;

/// Where a key is read: everywhere, in one pane, in a dialog, or while typing a line.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Context {
    Global,
    Pane(Pane),
    Dialog,
    Prompt,
    /// The whole output of an invocation, full screen.
    Pager,
}

/// Everything a key can do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Action {
    Quit,
    Help,
    CommandLine,
    Filter,
    Refresh,
    Mark,
    Up,
    Down,
    Top,
    Bottom,
    PageUp,
    PageDown,
    NextPane,
    PrevPane,
    Details,
    Back,
    Copy,
    Session,
    CreateEndpoints,
    CreateRole,
    Attach,
    /// Everything the selected (or marked) instances need.
    FixInstances,
    RunCommand,
    /// AWS-UpdateSSMAgent on the marked (or selected) nodes.
    UpdateAgent,
    Scan,
    Install,
    /// In a node's patches: all, missing or failed, critical.
    PatchFilter,
    CancelCommand,
    /// `P`: a port forward through the selected instance.
    Forward,
    /// Ends the selected forward.
    EndForward,
    /// `X`: any Command document on the marked nodes.
    RunDocument,
    /// An inventory association for the nodes whose inventory is not collected.
    SetupInventory,
    Activations,
    NewActivation,
    DeleteActivation,
    /// In a form: the next and previous allowed value.
    NextValue,
    PrevValue,
    /// In the output pager: the next and previous line matching the search.
    NextMatch,
    PrevMatch,
    LabVpc,
    LabNext,
    Yes,
    No,
    ToggleOptional,
    Concurrency,
    MaxErrors,
    Reboot,
    Submit,
    Cancel,
    DeleteChar,
    DeleteWord,
    ClearLine,
}

/// A key with its modifiers (shift folded into the character).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct KeyChord {
    pub code: KeyCode,
    pub ctrl: bool,
}

impl KeyChord {
    pub fn of(key: &KeyEvent) -> Self {
        Self {
            code: key.code,
            ctrl: key.modifiers.contains(KeyModifiers::CONTROL),
        }
    }

    /// `"q"`, `"ctrl-r"`, `"tab"`, `"f5"`, `"space"`.
    pub fn parse(text: &str) -> Option<Self> {
        let lower = text.to_ascii_lowercase();
        if let Some(rest) = lower.strip_prefix("ctrl-") {
            let mut chars = rest.chars();
            let c = chars.next()?;
            return chars.next().is_none().then_some(Self {
                code: KeyCode::Char(c),
                ctrl: true,
            });
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
            "delete" | "del" => Some(KeyCode::Delete),
            f if f.len() >= 2 && f.starts_with('f') => f[1..]
                .parse::<u8>()
                .ok()
                .filter(|n| (1..=12).contains(n))
                .map(KeyCode::F),
            _ => None,
        };
        if let Some(code) = named {
            return Some(Self { code, ctrl: false });
        }
        let mut chars = text.chars();
        let c = chars.next()?;
        chars.next().is_none().then_some(Self {
            code: KeyCode::Char(c),
            ctrl: false,
        })
    }
}

impl fmt::Display for KeyChord {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.ctrl {
            f.write_str("Ctrl-")?;
        }
        match self.code {
            KeyCode::Char(' ') => f.write_str("Space"),
            KeyCode::Char(c) => write!(f, "{c}"),
            KeyCode::Tab => f.write_str("Tab"),
            KeyCode::BackTab => f.write_str("Shift-Tab"),
            KeyCode::Delete => f.write_str("Delete"),
            KeyCode::Enter => f.write_str("Enter"),
            KeyCode::Esc => f.write_str("Esc"),
            KeyCode::Up => f.write_str("↑"),
            KeyCode::Down => f.write_str("↓"),
            KeyCode::Left => f.write_str("←"),
            KeyCode::Right => f.write_str("→"),
            KeyCode::Home => f.write_str("Home"),
            KeyCode::End => f.write_str("End"),
            KeyCode::PageUp => f.write_str("PgUp"),
            KeyCode::PageDown => f.write_str("PgDn"),
            KeyCode::Backspace => f.write_str("Backspace"),
            KeyCode::F(n) => write!(f, "F{n}"),
            other => write!(f, "{other:?}"),
        }
    }
}

/// Each action's config name, the contexts it is bound in, and its default keys.
const DEFAULTS: &[(Action, &str, &[Context], &[&str])] = {
    use Action::*;
    use Context::*;
    const FLEET: &[Context] = &[
        Pane(crate::tui::app::Pane::Instances),
        Pane(crate::tui::app::Pane::Inventory),
        Pane(crate::tui::app::Pane::Patches),
    ];
    const RUN: &[Context] = &[
        Pane(crate::tui::app::Pane::Instances),
        Pane(crate::tui::app::Pane::Inventory),
        Pane(crate::tui::app::Pane::Patches),
        Pane(crate::tui::app::Pane::Commands),
    ];
    &[
        (Quit, "quit", &[Global], &["q", "ctrl-c"]),
        (Help, "help", &[Global], &["?"]),
        (CommandLine, "command", &[Global], &[":"]),
        (Filter, "filter", &[Global], &["/"]),
        (Refresh, "refresh", &[Global], &["ctrl-r"]),
        (Mark, "mark", &[Global], &["space"]),
        (Up, "up", &[Global], &["k", "up"]),
        (Down, "down", &[Global], &["j", "down"]),
        (Top, "top", &[Global], &["g", "home"]),
        (Bottom, "bottom", &[Global], &["G", "end"]),
        (PageUp, "page_up", &[Global], &["pageup"]),
        (PageDown, "page_down", &[Global], &["pagedown"]),
        (NextPane, "next_pane", &[Global], &["tab"]),
        (PrevPane, "prev_pane", &[Global], &["backtab"]),
        (Details, "details", &[Global], &["enter"]),
        (Back, "back", &[Global], &["esc"]),
        (Copy, "copy", &[Global], &["y"]),
        (Session, "session", FLEET, &["S"]),
        (
            CreateEndpoints,
            "create_endpoints",
            &[Pane(crate::tui::app::Pane::Endpoints)],
            &["c"],
        ),
        (
            CreateRole,
            "create_role",
            &[Pane(crate::tui::app::Pane::Roles)],
            &["n"],
        ),
        (
            Attach,
            "attach",
            &[Pane(crate::tui::app::Pane::Instances)],
            &["a"],
        ),
        (
            FixInstances,
            "fix",
            &[Pane(crate::tui::app::Pane::Instances)],
            &["f"],
        ),
        (
            SetupInventory,
            "setup_inventory",
            &[
                Pane(crate::tui::app::Pane::Inventory),
                Pane(crate::tui::app::Pane::Associations),
            ],
            &["c"],
        ),
        (
            Activations,
            "activations",
            &[Pane(crate::tui::app::Pane::Instances)],
            &["A"],
        ),
        (
            NewActivation,
            "new_activation",
            &[Pane(crate::tui::app::Pane::Activations)],
            &["n"],
        ),
        (
            DeleteActivation,
            "delete_activation",
            &[Pane(crate::tui::app::Pane::Activations)],
            &["d", "delete"],
        ),
        (RunCommand, "run_command", RUN, &["x"]),
        (RunDocument, "run_document", RUN, &["X"]),
        (
            UpdateAgent,
            "update_agent",
            &[Pane(crate::tui::app::Pane::Instances)],
            &["U"],
        ),
        (
            Scan,
            "scan",
            &[Pane(crate::tui::app::Pane::Patches)],
            &["s"],
        ),
        (
            Install,
            "install",
            &[Pane(crate::tui::app::Pane::Patches)],
            &["I"],
        ),
        (
            PatchFilter,
            "patch_filter",
            &[Pane(crate::tui::app::Pane::Patches)],
            &["f"],
        ),
        (
            CancelCommand,
            "cancel_command",
            &[Pane(crate::tui::app::Pane::Commands)],
            &["C"],
        ),
        (
            Forward,
            "forward",
            &[Pane(crate::tui::app::Pane::Instances)],
            &["P"],
        ),
        (
            EndForward,
            "end_forward",
            &[Pane(crate::tui::app::Pane::Sessions)],
            &["x", "delete"],
        ),
        (
            LabVpc,
            "lab_vpc",
            &[Pane(crate::tui::app::Pane::Endpoints)],
            &["L"],
        ),
        (
            LabNext,
            "lab_next",
            &[Pane(crate::tui::app::Pane::Lab)],
            &["enter"],
        ),
        (Yes, "yes", &[Dialog], &["y", "Y"]),
        (No, "no", &[Dialog], &["n", "N", "esc", "enter", "q"]),
        (ToggleOptional, "toggle_optional", &[Dialog], &["o"]),
        (Concurrency, "concurrency", &[Dialog], &["c"]),
        (MaxErrors, "max_errors", &[Dialog], &["e"]),
        (Reboot, "reboot", &[Dialog], &["r"]),
        (NextMatch, "next_match", &[Pager], &["n"]),
        (PrevMatch, "prev_match", &[Pager], &["N"]),
        (Submit, "submit", &[Prompt], &["enter"]),
        (NextValue, "next_value", &[Prompt], &["right"]),
        (PrevValue, "prev_value", &[Prompt], &["left"]),
        (Cancel, "cancel", &[Prompt], &["esc"]),
        (
            DeleteChar,
            "delete_char",
            &[Prompt],
            &["backspace", "ctrl-h"],
        ),
        (DeleteWord, "delete_word", &[Prompt], &["ctrl-w"]),
        (ClearLine, "clear_line", &[Prompt], &["ctrl-u"]),
    ]
};

impl Action {
    /// The name in the config's `[keys]` table.
    pub fn name(self) -> &'static str {
        DEFAULTS
            .iter()
            .find(|(a, ..)| *a == self)
            .map_or("", |(_, n, ..)| n)
    }

    /// The catalog key of the action's words (`key.quit`).
    pub fn label_key(self) -> String {
        format!("key.{}", self.name())
    }

    pub fn by_name(name: &str) -> Option<Action> {
        DEFAULTS
            .iter()
            .find(|(_, n, ..)| *n == name)
            .map(|(a, ..)| *a)
    }

    /// Every action's config name.
    pub fn names() -> impl Iterator<Item = &'static str> {
        DEFAULTS.iter().map(|(_, n, ..)| *n)
    }
}

/// A remap that gives one key two actions where both are read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Conflict {
    pub key: String,
    pub first: &'static str,
    pub second: &'static str,
}

impl Conflict {
    /// The refusal, naming the key and both actions.
    pub fn text(&self, lang: crate::i18n::Lang) -> String {
        crate::i18n::tf(
            lang,
            "cli.err.key_conflict",
            &[
                ("key", &self.key),
                ("first", self.first),
                ("second", self.second),
            ],
        )
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Keymap {
    /// Every binding in declared order (the first key of an action is the one shown).
    entries: Vec<(Context, KeyChord, Action)>,
    index: HashMap<(Context, KeyChord), Action>,
}

impl Default for Keymap {
    fn default() -> Self {
        match Self::new(&BTreeMap::new()) {
            Ok(k) => k,
            // The defaults are tested to have no conflict.
            Err(_) => Self {
                entries: Vec::new(),
                index: HashMap::new(),
            },
        }
    }
}

/// Pane bindings that replace a global one on purpose (Enter on the Lab does the step).
fn designed_shadow(pane_action: Action, global: Action) -> bool {
    matches!((pane_action, global), (Action::LabNext, Action::Details))
}

impl Keymap {
    /// The defaults with the config's `action = "key"` remaps: a remapped action keeps only
    /// its new key. Unknown names and unreadable keys are the config loader's to report.
    pub fn new(remaps: &BTreeMap<String, String>) -> Result<Self, Conflict> {
        let mut entries = Vec::new();
        let mut index: HashMap<(Context, KeyChord), Action> = HashMap::new();
        for (action, name, contexts, keys) in DEFAULTS {
            let remapped = remaps.get(*name).and_then(|k| KeyChord::parse(k));
            let chords: Vec<KeyChord> = match remapped {
                Some(c) => vec![c],
                None => keys.iter().filter_map(|k| KeyChord::parse(k)).collect(),
            };
            for context in *contexts {
                for chord in &chords {
                    if let Some(other) = index.insert((*context, *chord), *action) {
                        return Err(Conflict {
                            key: chord.to_string(),
                            first: other.name(),
                            second: name,
                        });
                    }
                    entries.push((*context, *chord, *action));
                }
            }
        }
        let keymap = Self { entries, index };
        keymap.check_shadows()?;
        Ok(keymap)
    }

    /// A pane key that is also a global key hides the global one in that pane: only the
    /// designed cases may.
    fn check_shadows(&self) -> Result<(), Conflict> {
        for (context, chord, action) in &self.entries {
            if let Context::Pane(_) = context
                && let Some(global) = self.index.get(&(Context::Global, *chord))
                && !designed_shadow(*action, *global)
            {
                return Err(Conflict {
                    key: chord.to_string(),
                    first: global.name(),
                    second: action.name(),
                });
            }
        }
        Ok(())
    }

    /// The action of `key` in the first of `contexts` that binds it.
    pub fn action(&self, contexts: &[Context], key: &KeyEvent) -> Option<Action> {
        let chord = KeyChord::of(key);
        contexts
            .iter()
            .find_map(|c| self.index.get(&(*c, chord)).copied())
    }

    /// The first key of `action` in `context` (else globally), as the footer shows it.
    pub fn key_of(&self, context: Context, action: Action) -> Option<KeyChord> {
        let find = |ctx: Context| {
            self.entries
                .iter()
                .find(|(c, _, a)| *c == ctx && *a == action)
                .map(|(_, k, _)| *k)
        };
        find(context).or_else(|| find(Context::Global))
    }

    /// Every key of `action` in `context`, for the help.
    pub fn keys_of(&self, context: Context, action: Action) -> Vec<KeyChord> {
        self.entries
            .iter()
            .filter(|(c, _, a)| *c == context && *a == action)
            .map(|(_, k, _)| *k)
            .collect()
    }

    /// The actions bound in `context`, in their declared order.
    pub fn actions_in(&self, context: Context) -> Vec<Action> {
        let mut out: Vec<Action> = Vec::new();
        for (c, _, a) in &self.entries {
            if *c == context && !out.contains(a) {
                out.push(*a);
            }
        }
        out
    }
}
