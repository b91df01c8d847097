//! What drawing needs besides the data.

use crate::i18n::Lang;

/// What drawing needs besides the data: the language, the colours and the keys.
#[derive(Clone, Copy)]
pub struct Ui<'a> {
    pub lang: Lang,
    pub theme: super::theme::Theme,
    pub keymap: &'a super::bindings::Keymap,
}

impl Ui<'_> {
    /// `<y>`: the first key of `action` in `context`, as hints show it.
    pub fn key(
        &self,
        context: super::bindings::Context,
        action: super::bindings::Action,
    ) -> String {
        self.keymap
            .key_of(context, action)
            .map(|k| k.to_string())
            .unwrap_or_default()
    }
}
