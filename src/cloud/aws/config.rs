//! aws-config loading: profile, region, endpoint override, timeouts and retries.

use std::path::PathBuf;
use std::time::Duration;

use aws_config::default_provider::region::DefaultRegionChain;
use aws_config::meta::region::RegionProviderChain;
use aws_config::retry::RetryConfig;
use aws_config::timeout::TimeoutConfig;
use aws_config::{BehaviorVersion, ConfigLoader, Region, SdkConfig};

use crate::cloud::CloudError;

/// What the command line asks for; `None` leaves the choice to aws-config (environment,
/// shared config files, SSO, IMDS), as the AWS CLI does.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AwsSettings {
    pub profile: Option<String>,
    pub region: Option<String>,
    pub endpoint_url: Option<String>,
}

impl AwsSettings {
    /// The header label: `profile NAME` or `default credentials` (plus the endpoint override).
    pub fn label(&self) -> String {
        let who = match self
            .profile
            .clone()
            .or_else(|| std::env::var("AWS_PROFILE").ok().filter(|p| !p.is_empty()))
        {
            Some(profile) => format!("profile {profile}"),
            None => "default credentials".to_string(),
        };
        match &self.endpoint_url {
            Some(url) => format!("{who} @ {url}"),
            None => who,
        }
    }
}

/// Used only when neither the flags, the environment nor the profile name a region.
pub const FALLBACK_REGION: &str = "us-east-1";
/// Reaching an endpoint: an unreachable one fails fast.
pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(3);
/// One attempt of an operation.
pub const ATTEMPT_TIMEOUT: Duration = Duration::from_secs(10);
/// An operation with all its retries.
pub const OPERATION_TIMEOUT: Duration = Duration::from_secs(30);
/// Attempts per operation: the SDK's standard retry (exponential back-off with jitter and
/// a retry quota). The poller's back-off between refreshes is the only other layer.
pub const MAX_ATTEMPTS: u32 = 5;

pub fn timeout_config() -> TimeoutConfig {
    TimeoutConfig::builder()
        .connect_timeout(CONNECT_TIMEOUT)
        .operation_attempt_timeout(ATTEMPT_TIMEOUT)
        .operation_timeout(OPERATION_TIMEOUT)
        .build()
}

pub fn retry_config() -> RetryConfig {
    RetryConfig::standard().with_max_attempts(MAX_ATTEMPTS)
}

/// The loader with every setting applied. Tests add their own credentials provider.
pub fn config_loader(settings: &AwsSettings) -> ConfigLoader {
    let mut profile_region = DefaultRegionChain::builder();
    if let Some(profile) = &settings.profile {
        profile_region = profile_region.profile_name(profile);
    }
    let region = RegionProviderChain::first_try(settings.region.clone().map(Region::new))
        .or_else(profile_region.build())
        .or_else(Region::from_static(FALLBACK_REGION));
    let mut loader = aws_config::defaults(BehaviorVersion::latest())
        .region(region)
        .timeout_config(timeout_config())
        .retry_config(retry_config());
    if let Some(profile) = &settings.profile {
        loader = loader.profile_name(profile);
    }
    if let Some(url) = &settings.endpoint_url {
        loader = loader.endpoint_url(url);
    }
    loader
}

// ---------------------------------------------------------------- preflight

/// Longest wait for the credential chain (IMDS and SSO answer over the network).
pub const CREDENTIALS_TIMEOUT: Duration = Duration::from_secs(20);

/// The profile the AWS CLI would use: `--profile`, else `AWS_PROFILE`; `None` is `default`.
pub fn selected_profile(settings: &AwsSettings) -> Option<String> {
    settings
        .profile
        .clone()
        .or_else(|| std::env::var("AWS_PROFILE").ok())
        .filter(|p| !p.trim().is_empty())
}

/// The shared config and credentials files, where aws-config looks for them.
pub fn shared_files() -> (PathBuf, PathBuf) {
    let home = || {
        std::env::var_os("HOME")
            .or_else(|| std::env::var_os("USERPROFILE"))
            .map(PathBuf::from)
            .unwrap_or_default()
            .join(".aws")
    };
    let file = |var: &str, name: &str| {
        std::env::var_os(var)
            .filter(|v| !v.is_empty())
            .map(PathBuf::from)
            .unwrap_or_else(|| home().join(name))
    };
    (
        file("AWS_CONFIG_FILE", "config"),
        file("AWS_SHARED_CREDENTIALS_FILE", "credentials"),
    )
}

/// What the shared files say about one profile.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ProfileInfo {
    /// A `[profile NAME]` (or `[default]`) section in the config file, or `[NAME]` in the
    /// credentials file.
    pub defined: bool,
    /// The profile signs in through IAM Identity Center (`sso_session` or `sso_start_url`).
    pub sso: bool,
}

/// A line of a shared file that is neither a section, a `key = value`, a continuation, a
/// comment nor blank.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Malformed {
    pub line: usize,
    pub text: String,
}

/// Sections of an INI-like AWS shared file: `(section title, keys)`, keys lower-cased.
type Sections = Vec<(String, Vec<String>)>;

/// Parses a shared file as aws-config does (enough to name the profiles and their keys).
pub fn parse_shared_file(text: &str) -> Result<Sections, Malformed> {
    let mut sections: Sections = Vec::new();
    for (i, raw) in text.lines().enumerate() {
        let line = raw.trim_end();
        let trimmed = line.trim();
        if trimmed.is_empty() || trimmed.starts_with('#') || trimmed.starts_with(';') {
            continue;
        }
        let malformed = || Malformed {
            line: i + 1,
            text: trimmed.chars().take(60).collect(),
        };
        if trimmed.starts_with('[') {
            let title = trimmed
                .split(['#', ';'])
                .next()
                .map(str::trim)
                .and_then(|t| t.strip_prefix('['))
                .and_then(|t| t.strip_suffix(']'))
                .ok_or_else(malformed)?;
            sections.push((
                title.split_whitespace().collect::<Vec<_>>().join(" "),
                vec![],
            ));
        } else if line.starts_with([' ', '\t']) {
            // A continuation line (nested keys of `s3 =` and the like).
            if sections.is_empty() {
                return Err(malformed());
            }
        } else {
            let (key, _) = trimmed.split_once('=').ok_or_else(malformed)?;
            let section = sections.last_mut().ok_or_else(malformed)?;
            section.1.push(key.trim().to_lowercase());
        }
    }
    Ok(sections)
}

/// Looks `profile` up in the parsed config and credentials files.
pub fn profile_info(profile: &str, config: &Sections, credentials: &Sections) -> ProfileInfo {
    let in_config = config.iter().filter(|(title, _)| {
        title == &format!("profile {profile}") || (profile == "default" && title == "default")
    });
    let mut info = ProfileInfo::default();
    for (_, keys) in in_config {
        info.defined = true;
        info.sso |= keys
            .iter()
            .any(|k| k == "sso_session" || k == "sso_start_url");
    }
    info.defined |= credentials.iter().any(|(title, _)| title == profile);
    info
}

/// Reads and checks both shared files; `Ok(None)` for a profile when neither file exists.
fn read_shared(profile: &str) -> Result<(ProfileInfo, bool), String> {
    let (config_path, credentials_path) = shared_files();
    let mut parsed = Vec::new();
    let mut any = false;
    for path in [&config_path, &credentials_path] {
        let text = match std::fs::read_to_string(path) {
            Ok(t) => {
                any = true;
                t
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => String::new(),
            Err(e) => return Err(format!("cannot read {}: {e}", path.display())),
        };
        let sections = parse_shared_file(&text).map_err(|m| {
            format!(
                "malformed AWS file {}, line {}: `{}` is neither [section] nor key = value",
                path.display(),
                m.line,
                m.text
            )
        })?;
        parsed.push(sections);
    }
    let credentials = parsed.pop().unwrap_or_default();
    let config = parsed.pop().unwrap_or_default();
    Ok((profile_info(profile, &config, &credentials), any))
}

/// One line for a credential chain that gave nothing: what was looked at and what to do.
pub fn credentials_message(profile: Option<&str>, detail: &str) -> String {
    let name = profile.unwrap_or("default");
    let sso = read_shared(name).map(|(i, _)| i.sso).unwrap_or(false)
        || detail.contains("SSO")
        || detail.contains("sso/cache");
    if sso {
        return format!(
            "the AWS SSO session of profile '{name}' has expired or was never started: run `aws sso login --profile {name}`"
        );
    }
    if detail.contains("no credentials found in chain")
        || detail.contains("no providers in chain")
        || detail.contains("the credential provider was not enabled")
    {
        let (config, credentials) = shared_files();
        return format!(
            "no AWS credentials found; looked at: environment variables (AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY), \
             profile '{name}' in the shared files ({}, {}), SSO and credential_process of that profile, \
             web identity (AWS_WEB_IDENTITY_TOKEN_FILE), the ECS container endpoint and EC2 instance metadata (IMDS); \
             run `aws configure` or `aws sso login`, or pass --profile",
            config.display(),
            credentials.display()
        );
    }
    format!("cannot load AWS credentials for profile '{name}': {detail}")
}

/// Checks, before any call, what would otherwise fail every call with a long error: an
/// unknown profile, a malformed shared file, missing or expired credentials and, when
/// `reach_endpoint`, an `--endpoint-url` that does not accept connections. The error is
/// one line that says what to do.
pub async fn preflight(
    conf: &SdkConfig,
    settings: &AwsSettings,
    reach_endpoint: bool,
) -> Result<(), CloudError> {
    let profile = selected_profile(settings);
    let name = profile.clone().unwrap_or_else(|| "default".into());
    let failed = |detail: String| CloudError::Credentials {
        profile: name.clone(),
        detail,
    };
    if let Some(name) = &profile {
        let (info, any_file) = read_shared(name).map_err(&failed)?;
        // `default` needs no section: the environment or IMDS may supply it (as in the AWS CLI).
        if !info.defined && name != "default" {
            let (config, credentials) = shared_files();
            return Err(failed(if any_file {
                format!(
                    "unknown AWS profile '{name}': it is in neither {} nor {} (see `aws configure list-profiles`)",
                    config.display(),
                    credentials.display()
                )
            } else {
                format!(
                    "unknown AWS profile '{name}': there is no {} or {} (run `aws configure --profile {name}`)",
                    config.display(),
                    credentials.display()
                )
            }));
        }
    } else {
        // Only a parse check: the default profile may well come from elsewhere.
        read_shared("default").map_err(&failed)?;
    }
    if let (true, Some(url)) = (reach_endpoint, settings.endpoint_url.as_deref()) {
        reachable(url)
            .await
            .map_err(|detail| CloudError::Unreachable {
                endpoint: url.to_string(),
                detail,
            })?;
    }
    let Some(provider) = conf.credentials_provider() else {
        return Err(failed(credentials_message(
            profile.as_deref(),
            "no credentials found in chain",
        )));
    };
    use aws_sdk_sts::config::ProvideCredentials;
    match tokio::time::timeout(CREDENTIALS_TIMEOUT, provider.provide_credentials()).await {
        Ok(Ok(_)) => Ok(()),
        Ok(Err(e)) => Err(failed(credentials_message(
            profile.as_deref(),
            &super::errors::short(&super::errors::chain(&e)),
        ))),
        Err(_) => Err(failed(format!(
            "no AWS credentials after {}s (the instance metadata service or SSO did not answer); pass --profile or set AWS_ACCESS_KEY_ID",
            CREDENTIALS_TIMEOUT.as_secs()
        ))),
    }
}

/// A TCP connection to the endpoint's host and port within [`CONNECT_TIMEOUT`].
async fn reachable(url: &str) -> Result<(), String> {
    let (https, rest) = match url.strip_prefix("https://") {
        Some(rest) => (true, rest),
        None => (false, url.strip_prefix("http://").unwrap_or(url)),
    };
    let authority = rest
        .split(['/', '?', '#'])
        .next()
        .unwrap_or_default()
        .to_string();
    let (host, port) = crate::cli::split_host_port(&authority);
    let port: u16 = match port {
        Some(p) => p
            .parse()
            .map_err(|_| format!("--endpoint-url {url}: bad port"))?,
        None if https => 443,
        None => 80,
    };
    let host = host.to_string();
    let target = format!("{host}:{port}");
    let attempt = tokio::task::spawn_blocking(move || {
        use std::net::ToSocketAddrs;
        let addrs: Vec<std::net::SocketAddr> = (host.as_str(), port)
            .to_socket_addrs()
            .map_err(|e| format!("cannot resolve {host}: {e}"))?
            .collect();
        let mut last = format!("{host} has no address");
        for addr in addrs {
            match std::net::TcpStream::connect_timeout(&addr, CONNECT_TIMEOUT) {
                Ok(_) => return Ok(()),
                Err(e) => last = e.to_string(),
            }
        }
        Err(last)
    })
    .await
    .map_err(|e| format!("checking {target}: {e}"))?;
    attempt.map_err(|e| format!("--endpoint-url {url} is unreachable: {e}"))
}
