//! The configuration file: `$XDG_CONFIG_HOME/ssmdeck/config.toml`, every key optional.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use color_eyre::eyre::{Result, eyre};
use serde::Deserialize;

use crate::domain::snapshot::Source;
use crate::engine::Intervals;
use crate::i18n::{Lang, tf};
use std::time::Duration;

/// The documented default file (`ssmdeck config --default`).
pub const DEFAULT_FILE: &str = include_str!("../assets/config.default.toml");

#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(default)]
pub struct Refresh {
    pub default: Option<u64>,
    pub endpoints: Option<u64>,
    pub roles: Option<u64>,
    pub instances: Option<u64>,
    pub nodes: Option<u64>,
    pub inventory: Option<u64>,
    pub patches: Option<u64>,
    pub commands: Option<u64>,
    pub windows: Option<u64>,
    pub associations: Option<u64>,
}

impl Refresh {
    /// The pane settings, by the source each pane shows.
    pub fn panes(&self) -> Vec<(Source, u64)> {
        [
            (Source::Network, self.endpoints),
            (Source::Iam, self.roles),
            (Source::Instances, self.instances),
            (Source::Nodes, self.nodes),
            (Source::Inventory, self.inventory),
            (Source::Patches, self.patches),
            (Source::Commands, self.commands),
            (Source::Windows, self.windows),
            (Source::Associations, self.associations),
        ]
        .into_iter()
        .filter_map(|(s, v)| v.map(|v| (s, v)))
        .collect()
    }

    /// Refresh intervals from this section over the base (`default`, or `--refresh`
    /// given on the command line, which then overrides the whole section).
    pub fn intervals(&self, base_secs: u64, command_line: bool) -> Intervals {
        let base = if command_line {
            base_secs
        } else {
            self.default.unwrap_or(base_secs)
        };
        let mut out = Intervals::from_base(Duration::from_secs(base));
        if !command_line {
            for (source, secs) in self.panes() {
                out.set(source, Duration::from_secs(secs));
            }
        }
        out
    }
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(default)]
pub struct Config {
    pub profile: Option<String>,
    /// Several accounts shown together (like `--profile a,b`).
    pub profiles: Vec<String>,
    pub region: Option<String>,
    /// Several regions shown together (like `--region a,b`); `["all"]` for every one.
    pub regions: Vec<String>,
    pub language: Option<String>,
    pub theme: Option<String>,
    pub role_name: Option<String>,
    pub mouse: Option<bool>,
    pub refresh: Refresh,
    /// `[budget]`: the API rates per family, per account and region.
    pub budget: crate::cloud::budget::BudgetConfig,
    /// Action name → key.
    pub keys: BTreeMap<String, String>,
    /// Where Run Command also writes the whole output (the console's sends and `run`).
    pub output: OutputDefaults,
    /// Named port forwards (`[[forward]]`), started with `:forward NAME`.
    #[serde(rename = "forward")]
    pub forwards: Vec<NamedForward>,
    pub patches: PatchSettings,
    /// `--org`: the role assumed in each account, and which accounts.
    pub organization: Organization,
}

/// `[patches] stale_after_days = 7`: a node whose last scan is older is a warning.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct PatchSettings {
    pub stale_after_days: Option<u64>,
}

impl PatchSettings {
    /// Days a scan may be old at most.
    pub const MAX_DAYS: u64 = 365;

    pub fn policy(&self) -> crate::domain::patches::PatchPolicy {
        self.stale_after_days
            .map(|d| crate::domain::patches::PatchPolicy {
                stale_after_days: d,
            })
            .unwrap_or_default()
    }
}

/// The role `--org` assumes when none is named on the command line.
pub const DEFAULT_ORG_ROLE: &str = "OrganizationAccountAccessRole";

/// `[organization] role = "OrganizationAccountAccessRole", accounts = ["111122223333"],
/// exclude = ["444455556666"]`: without `accounts`, every active account.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Organization {
    pub role: Option<String>,
    pub accounts: Vec<String>,
    pub exclude: Vec<String>,
}

impl Organization {
    /// Whether `--org` shows the account `id`.
    pub fn includes(&self, id: &str) -> bool {
        (self.accounts.is_empty() || self.accounts.iter().any(|a| a == id))
            && !self.exclude.iter().any(|a| a == id)
    }
}

/// `[output] s3_bucket = "…", s3_prefix = "ssmdeck", log_group = "…"`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct OutputDefaults {
    pub s3_bucket: Option<String>,
    pub s3_prefix: Option<String>,
    pub log_group: Option<String>,
}

impl OutputDefaults {
    pub fn config(&self) -> crate::domain::model::OutputConfig {
        crate::domain::model::OutputConfig {
            s3_bucket: self.s3_bucket.clone(),
            s3_prefix: self.s3_prefix.clone(),
            log_group: self.log_group.clone(),
        }
    }
}

/// `[[forward]] name = "db", target = "tag:Role=bastion", local = 15432, remote = 5432,
/// host = "db.internal"`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NamedForward {
    pub name: String,
    /// An instance id, or `tag:KEY=VALUE`.
    pub target: String,
    pub local: u16,
    pub remote: u16,
    pub host: Option<String>,
}

impl NamedForward {
    pub fn spec(&self) -> crate::domain::forward::ForwardSpec {
        crate::domain::forward::ForwardSpec {
            name: Some(self.name.clone()),
            target: self.target.clone(),
            local: self.local,
            remote: self.remote,
            host: self.host.clone(),
        }
    }
}

const KNOWN_TOP: [&str; 15] = [
    "budget",
    "profile",
    "profiles",
    "region",
    "regions",
    "language",
    "theme",
    "role_name",
    "mouse",
    "refresh",
    "keys",
    "forward",
    "output",
    "patches",
    "organization",
];
const KNOWN_REFRESH: [&str; 10] = [
    "default",
    "endpoints",
    "roles",
    "instances",
    "nodes",
    "inventory",
    "patches",
    "commands",
    "windows",
    "associations",
];

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

/// Parses `text` (from `path`, for messages), messages in English.
pub fn parse(text: &str, path: &Path) -> Result<Loaded> {
    parse_in(text, path, Lang::En)
}

/// Parses `text` (from `path`, for messages). A malformed file is an error naming
/// the path and line; an unknown key is a warning; both in `lang`.
pub fn parse_in(text: &str, path: &Path, lang: Lang) -> Result<Loaded> {
    let at = path.display().to_string();
    let value: toml::Value = toml::from_str(text).map_err(|e| malformed(path, text, &e))?;
    let mut warnings = Vec::new();
    if let Some(table) = value.as_table() {
        for key in table.keys() {
            if !KNOWN_TOP.contains(&key.as_str()) {
                warnings.push(tf(
                    lang,
                    "config.warn.unknown_key",
                    &[("path", &at), ("key", key)],
                ));
            }
        }
        if let Some(refresh) = table.get("refresh").and_then(|r| r.as_table()) {
            for key in refresh.keys() {
                if !KNOWN_REFRESH.contains(&key.as_str()) {
                    warnings.push(tf(
                        lang,
                        "config.warn.unknown_key",
                        &[("path", &at), ("key", &format!("refresh.{key}"))],
                    ));
                }
            }
        }
        if let Some(keys) = table.get("keys").and_then(|r| r.as_table()) {
            for action in keys.keys() {
                if crate::tui::bindings::Action::by_name(action).is_none() {
                    warnings.push(tf(
                        lang,
                        "config.warn.unknown_action",
                        &[("path", &at), ("action", action)],
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
            "{}",
            tf(lang, "config.err.theme", &[("path", &at), ("value", theme)])
        ));
    }
    if let Some(value) = &config.language
        && !matches!(value.as_str(), "en" | "ko")
    {
        return Err(eyre!(
            "{}",
            tf(
                lang,
                "config.err.language",
                &[("path", &at), ("value", value)]
            )
        ));
    }
    if let Err((key, value)) = config.budget.rates() {
        return Err(eyre!(
            "{}",
            tf(
                lang,
                "config.err.budget",
                &[("path", &at), ("key", key), ("value", &value)]
            )
        ));
    }
    let r = &config.refresh;
    let seconds = r
        .default
        .map(|v| ("default", v))
        .into_iter()
        .chain(r.panes().into_iter().map(|(s, v)| (pane_of(s), v)));
    for (name, secs) in seconds {
        if !(1..=3600).contains(&secs) {
            return Err(eyre!(
                "{}",
                tf(
                    lang,
                    "config.err.refresh",
                    &[("path", &at), ("name", name), ("value", &secs.to_string())]
                )
            ));
        }
    }
    if let Some(days) = config.patches.stale_after_days
        && !(1..=PatchSettings::MAX_DAYS).contains(&days)
    {
        return Err(eyre!(
            "{}",
            tf(
                lang,
                "config.err.stale_after_days",
                &[
                    ("path", &at),
                    ("value", &days.to_string()),
                    ("max", &PatchSettings::MAX_DAYS.to_string())
                ]
            )
        ));
    }
    for region in config.region.iter().chain(&config.regions) {
        if let Err(e) = crate::cli::region_or_all(region) {
            return Err(eyre!(
                "{}",
                tf(
                    lang,
                    "config.err.region",
                    &[("path", &at), ("region", region), ("error", &e)]
                )
            ));
        }
    }
    for (action, key) in &config.keys {
        if crate::tui::bindings::KeyChord::parse(key).is_none() {
            return Err(eyre!(
                "{}",
                tf(
                    lang,
                    "config.err.key",
                    &[("path", &at), ("action", action), ("key", key)]
                )
            ));
        }
    }
    let org = &config.organization;
    for id in org.accounts.iter().chain(&org.exclude) {
        if id.len() != 12 || !id.bytes().all(|b| b.is_ascii_digit()) {
            return Err(eyre!(
                "{}",
                tf(
                    lang,
                    "config.err.org_account",
                    &[("path", &at), ("value", id)]
                )
            ));
        }
    }
    if let Some(role) = &org.role
        && !crate::cli::is_role_name(role)
    {
        return Err(eyre!(
            "{}",
            tf(
                lang,
                "config.err.org_role",
                &[("path", &at), ("value", role)]
            )
        ));
    }
    let mut names = std::collections::BTreeSet::new();
    for f in &config.forwards {
        if f.local == 0 || f.remote == 0 {
            return Err(eyre!(
                "{}",
                tf(
                    lang,
                    "config.err.forward_ports",
                    &[("path", &at), ("name", &f.name)]
                )
            ));
        }
        if !names.insert(f.name.as_str()) {
            return Err(eyre!(
                "{}",
                tf(
                    lang,
                    "config.err.forward_twice",
                    &[("path", &at), ("name", &f.name)]
                )
            ));
        }
    }
    Ok(Loaded { config, warnings })
}

/// The config name of the pane showing `source`.
fn pane_of(source: Source) -> &'static str {
    match source {
        Source::Network => "endpoints",
        Source::Iam => "roles",
        other => other.name(),
    }
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
    load_in(path, Lang::En)
}

/// [`load`], its messages in `lang`.
pub fn load_in(path: Option<&Path>, lang: Lang) -> Result<Loaded> {
    let path = match path {
        Some(p) => p.to_path_buf(),
        None => match default_path() {
            Some(p) => p,
            None => return Ok(Loaded::default()),
        },
    };
    match std::fs::read_to_string(&path) {
        Ok(text) => parse_in(&text, &path, lang),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Loaded::default()),
        Err(e) => Err(eyre!(
            "{}",
            tf(
                lang,
                "config.err.read",
                &[
                    ("path", &path.display().to_string()),
                    ("error", &e.to_string())
                ]
            )
        )),
    }
}
