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
    let places: Vec<String> = route
        .places
        .iter()
        .filter_map(|(pane, name)| {
            let pane = Pane::from_command(pane)?;
            let key = ui
                .keymap
                .key_of(Context::Pane(pane), Action::by_name(name)?)?;
            Some(tf(
                lang,
                "fix.via.place",
                &[("key", &key.to_string()), ("pane", &t(lang, pane.key()))],
            ))
        })
        .collect();
    if places.is_empty() {
        return action;
    }
    let places = places.join(&t(lang, "fix.via.or"));
    let via = if route.offered {
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
