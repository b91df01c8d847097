//! The configuration file: `$XDG_CONFIG_HOME/ssmdeck/config.toml`, every key optional.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use color_eyre::eyre::{Result, eyre};
use serde::Deserialize;

/// The documented default file (`ssmdeck config --default`).
pub const DEFAULT_FILE: &str = include_str!("../assets/config.default.toml");

#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(default)]
pub struct Refresh {
    pub default: Option<u64>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(default)]
pub struct Config {
    pub profile: Option<String>,
    pub region: Option<String>,
    pub language: Option<String>,
    pub theme: Option<String>,
    pub role_name: Option<String>,
    pub mouse: Option<bool>,
    pub refresh: Refresh,
    /// Action name → key.
    pub keys: BTreeMap<String, String>,
}

const KNOWN_TOP: [&str; 8] = [
    "profile",
    "region",
    "language",
    "theme",
    "role_name",
    "mouse",
    "refresh",
    "keys",
];
const KNOWN_REFRESH: [&str; 1] = ["default"];

/// `$XDG_CONFIG_HOME/ssmdeck/config.toml` (`~/.config/ssmdeck/config.toml`).
pub fn default_path() -> Option<PathBuf> {
    use etcetera::BaseStrategy;
    etcetera::choose_base_strategy()
        .ok()
        .map(|s| s.config_dir().join("ssmdeck").join("config.toml"))
}

/// A parsed file and the warnings it raised (unknown keys).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Loaded {
    pub config: Config,
    pub warnings: Vec<String>,
}

/// Parses `text` (from `path`, for messages). A malformed file is an error naming
/// the path and line; an unknown key is a warning.
pub fn parse(text: &str, path: &Path) -> Result<Loaded> {
    let value: toml::Value = toml::from_str(text).map_err(|e| malformed(path, text, &e))?;
    let mut warnings = Vec::new();
    if let Some(table) = value.as_table() {
        for key in table.keys() {
            if !KNOWN_TOP.contains(&key.as_str()) {
                warnings.push(format!("{}: unknown key `{key}` (ignored)", path.display()));
            }
        }
        if let Some(refresh) = table.get("refresh").and_then(|r| r.as_table()) {
            for key in refresh.keys() {
                if !KNOWN_REFRESH.contains(&key.as_str()) {
                    warnings.push(format!(
                        "{}: unknown key `refresh.{key}` (ignored)",
                        path.display()
                    ));
                }
            }
        }
        if let Some(keys) = table.get("keys").and_then(|r| r.as_table()) {
            for action in keys.keys() {
                if !crate::tui::keymap::ACTIONS.contains(&action.as_str()) {
                    warnings.push(format!(
                        "{}: unknown action `keys.{action}` (ignored)",
                        path.display()
                    ));
                }
            }
        }
    }
    let config: Config = toml::from_str(text).map_err(|e| malformed(path, text, &e))?;
    if let Some(theme) = &config.theme
        && !matches!(theme.as_str(), "dark" | "light")
    {
        return Err(eyre!(
            "{}: theme must be \"dark\" or \"light\", not \"{theme}\"",
            path.display()
        ));
    }
    if let Some(lang) = &config.language
        && !matches!(lang.as_str(), "en" | "ko")
    {
        return Err(eyre!(
            "{}: language must be \"en\" or \"ko\", not \"{lang}\"",
            path.display()
        ));
    }
    for (action, key) in &config.keys {
        if crate::tui::keymap::parse_key(key).is_none() {
            return Err(eyre!(
                "{}: keys.{action}: cannot read the key \"{key}\"",
                path.display()
            ));
        }
    }
    Ok(Loaded { config, warnings })
}

fn malformed(path: &Path, text: &str, e: &toml::de::Error) -> color_eyre::Report {
    let line = e
        .span()
        .map(|s| text[..s.start.min(text.len())].matches('\n').count() + 1);
    let first = e
        .message()
        .lines()
        .next()
        .unwrap_or("malformed")
        .to_string();
    match line {
        Some(l) => eyre!("{}:{l}: {first}", path.display()),
        None => eyre!("{}: {first}", path.display()),
    }
}

/// Reads the file at `path` (or the default path); a missing file is an empty config.
pub fn load(path: Option<&Path>) -> Result<Loaded> {
    let path = match path {
        Some(p) => p.to_path_buf(),
        None => match default_path() {
            Some(p) => p,
            None => return Ok(Loaded::default()),
        },
    };
    match std::fs::read_to_string(&path) {
        Ok(text) => parse(&text, &path),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Loaded::default()),
        Err(e) => Err(eyre!("cannot read {}: {e}", path.display())),
    }
}
