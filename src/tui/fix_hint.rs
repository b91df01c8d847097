//! How the console says a finding is fixed: the change, then the keys that make it on
//! each pane, read from the live keymap (`c on Endpoints or f on Instances`).

use super::app::{Pane, Ui};
use super::bindings::{Action, Context};
use crate::domain::findings::Finding;
use crate::i18n::{t, tf};
use crate::present::{fix_action, fix_route};

pub fn finding_fix(f: &Finding, ui: Ui) -> String {
    let lang = ui.lang;
    let action = fix_action(f, lang);
    let route = fix_route(&f.fix);
    // The keys of each pane together: `a or f on Instances`.
    let mut by_pane: Vec<(Pane, Vec<String>)> = Vec::new();
    for (pane, name) in route.places {
        let Some(pane) = Pane::from_command(pane) else {
            continue;
        };
        let Some(key) =
            Action::by_name(name).and_then(|a| ui.keymap.key_of(Context::Pane(pane), a))
        else {
            continue;
        };
        match by_pane.iter_mut().find(|(p, _)| *p == pane) {
            Some((_, keys)) => keys.push(key.to_string()),
            None => by_pane.push((pane, vec![key.to_string()])),
        }
    }
    let or = t(lang, "fix.via.or");
    let places: Vec<String> = by_pane
        .iter()
        .map(|(pane, keys)| {
            tf(
                lang,
                "fix.via.place",
                &[("key", &keys.join(&or)), ("pane", &t(lang, pane.key()))],
            )
        })
        .collect();
    if places.is_empty() {
        return action;
    }
    let places = places.join(&or);
    let via = if !route.cli {
        tf(lang, "fix.via.console_only", &[("places", &places)])
    } else if route.offered {
        tf(
            lang,
            "fix.via.console_offered",
            &[
                ("places", &places),
                ("select", &ui.key(Context::Dialog, Action::ToggleOptional)),
            ],
        )
    } else {
        tf(lang, "fix.via.console", &[("places", &places)])
    };
    format!("{action} {via}")
}
