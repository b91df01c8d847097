//! aws-config loading: profile, region, endpoint override, timeouts and retries.

use std::time::Duration;

use aws_config::default_provider::region::DefaultRegionChain;
use aws_config::meta::region::RegionProviderChain;
use aws_config::retry::RetryConfig;
use aws_config::timeout::TimeoutConfig;
use aws_config::{BehaviorVersion, ConfigLoader, Region};

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
/// Attempts per operation (adaptive retry: client-side rate limiting on throttling).
pub const MAX_ATTEMPTS: u32 = 5;

pub fn timeout_config() -> TimeoutConfig {
    TimeoutConfig::builder()
        .connect_timeout(CONNECT_TIMEOUT)
        .operation_attempt_timeout(ATTEMPT_TIMEOUT)
        .operation_timeout(OPERATION_TIMEOUT)
        .build()
}

pub fn retry_config() -> RetryConfig {
    RetryConfig::adaptive().with_max_attempts(MAX_ATTEMPTS)
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
