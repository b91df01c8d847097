//! The interface's language: English or Korean, from message catalogs (`locales/*.json`)
//! compiled in by rust-i18n. The language is passed explicitly, never set globally.

use std::borrow::Cow;

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Lang {
    #[default]
    En,
    Ko,
}

impl Lang {
    pub const ALL: [Lang; 2] = [Lang::En, Lang::Ko];

    pub fn code(self) -> &'static str {
        match self {
            Lang::En => "en",
            Lang::Ko => "ko",
        }
    }

    /// From the locale variables (`LC_ALL`, `LC_MESSAGES`, `LANG`): `ko_KR.UTF-8` → Korean.
    pub fn from_env() -> Lang {
        for var in ["LC_ALL", "LC_MESSAGES", "LANG"] {
            if let Ok(v) = std::env::var(var)
                && !v.is_empty()
            {
                return if v.to_ascii_lowercase().starts_with("ko") {
                    Lang::Ko
                } else {
                    Lang::En
                };
            }
        }
        Lang::En
    }
}

/// The text of `key` in `lang` (English when the catalog lacks it).
pub fn t(lang: Lang, key: &str) -> String {
    let text: Cow<str> = rust_i18n::t!(key, locale = lang.code());
    text.into_owned()
}

/// The text of `key` with `%{name}` placeholders filled.
pub fn tf(lang: Lang, key: &str, args: &[(&str, &str)]) -> String {
    let patterns: Vec<&str> = args.iter().map(|(k, _)| *k).collect();
    let values: Vec<String> = args.iter().map(|(_, v)| (*v).to_string()).collect();
    rust_i18n::replace_patterns(&t(lang, key), &patterns, &values)
}
