//! Building an [`AwsCloud`]: its clients from one configuration, instrumented with the
//! recorder and the retry rules, and what only it knows about its errors.

use std::collections::BTreeMap;
use std::sync::atomic::AtomicBool;
use std::sync::{Arc, Mutex};

use aws_config::SdkConfig;
use aws_smithy_runtime::client::retries::RetryPartition;

use super::intercept::{Classifier, Recorder, is_aws_endpoint};
use super::{AwsCloud, AwsSettings, CallSummary, config, config_loader, iam_policies};
use crate::cloud::{CloudError, CloudResult};

/// The EC2 endpoint configured outside the code: `AWS_ENDPOINT_URL_EC2`, then the
/// configuration's own (`--endpoint-url`, `AWS_ENDPOINT_URL`, the profile's).
fn configured_endpoint(conf: &SdkConfig) -> Option<String> {
    let ignored = std::env::var("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS")
        .is_ok_and(|v| v.eq_ignore_ascii_case("true"));
    let from_env = (!ignored)
        .then(|| std::env::var("AWS_ENDPOINT_URL_EC2").ok())
        .flatten()
        .filter(|v| !v.is_empty());
    from_env.or_else(|| conf.endpoint_url().map(str::to_string))
}

/// One client per service.
struct Clients {
    ec2: aws_sdk_ec2::Client,
    iam: aws_sdk_iam::Client,
    ssm: aws_sdk_ssm::Client,
    sts: aws_sdk_sts::Client,
    s3: aws_sdk_s3::Client,
    logs: aws_sdk_cloudwatchlogs::Client,
}

impl AwsCloud {
    /// Loads the configuration (credentials are resolved lazily, on the first call).
    pub async fn connect(settings: &AwsSettings) -> color_eyre::Result<Self> {
        let conf = config_loader(settings).load().await;
        if conf.region().is_none() {
            color_eyre::eyre::bail!("no AWS region configured (use --region or AWS_REGION)");
        }
        let cloud = Self::from_conf(&conf)
            .with_label(settings.label())
            .with_profile(config::selected_profile(settings));
        tracing::debug!(region = %cloud.region, label = %cloud.label, "aws config loaded");
        Ok(cloud)
    }

    /// Clients for every service from one configuration (tests: moto or a dummy config).
    pub fn from_conf(conf: &SdkConfig) -> Self {
        let endpoint = configured_endpoint(conf);
        // An S3 look-alike (moto) takes the bucket in the path, not in the host name.
        let path_style = endpoint.as_deref().is_some_and(|e| !is_aws_endpoint(e));
        let s3 = aws_sdk_s3::Client::from_conf(
            aws_sdk_s3::config::Builder::from(conf)
                .force_path_style(path_style)
                .build(),
        );
        Self::build(
            Clients {
                ec2: aws_sdk_ec2::Client::new(conf),
                iam: aws_sdk_iam::Client::new(conf),
                ssm: aws_sdk_ssm::Client::new(conf),
                sts: aws_sdk_sts::Client::new(conf),
                s3,
                logs: aws_sdk_cloudwatchlogs::Client::new(conf),
            },
            conf.region().map(ToString::to_string).unwrap_or_default(),
            endpoint,
        )
    }

    /// From ready clients (tests: a mocked SSM client next to unused others). Each client
    /// gets the recorder and the retry rules of [`intercept`].
    pub fn from_clients(
        ec2: aws_sdk_ec2::Client,
        iam: aws_sdk_iam::Client,
        ssm: aws_sdk_ssm::Client,
        sts: aws_sdk_sts::Client,
        region: impl Into<String>,
    ) -> Self {
        let region = region.into();
        let conf = aws_config::SdkConfig::builder()
            .behavior_version(aws_config::BehaviorVersion::latest())
            .region(aws_config::Region::new(region.clone()))
            .build();
        let clients = Clients {
            ec2,
            iam,
            ssm,
            sts,
            s3: aws_sdk_s3::Client::new(&conf),
            logs: aws_sdk_cloudwatchlogs::Client::new(&conf),
        };
        Self::build(clients, region, None)
    }

    fn build(clients: Clients, region: String, endpoint_url: Option<String>) -> Self {
        let Clients {
            ec2,
            iam,
            ssm,
            sts,
            s3,
            logs,
        } = clients;
        let recorder = Recorder::default();
        let custom = endpoint_url.as_deref().is_some_and(|e| !is_aws_endpoint(e));
        Self {
            ec2,
            iam,
            ssm,
            sts,
            s3,
            logs,
            region,
            label: "default credentials".to_string(),
            profile: None,
            endpoint_url,
            recorder: recorder.clone(),
            dry_run: Arc::new(Mutex::new(None)),
            use_instance_information: Arc::new(AtomicBool::new(false)),
            endpoint_services: Arc::new(tokio::sync::OnceCell::new()),
            policies: iam_policies::PolicyCache::default(),
            _summary: Arc::new(CallSummary(recorder)),
        }
        .instrumented(custom)
    }

    /// Rebuilds the clients with the recorder and the retry rules (once: the builders keep
    /// what the clients had). Each cloud retries within a partition of its own: one
    /// account's throttling never spends another's retry quota.
    fn instrumented(mut self, custom_endpoint: bool) -> Self {
        static PARTITIONS: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
        let n = PARTITIONS.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let partition = RetryPartition::new(format!("ssmdeck-{n}"));
        let classifier = Classifier { custom_endpoint };
        let r = self.recorder.clone();
        // Requests are sent through a client behind this cloud's budget: the client a
        // test gave (a mock), else the SDK's own, one for every service.
        let shared = super::budgeted::budgeted(None, r.budget());
        // Every client the same way: the recorder, the classifier, this cloud's partition.
        macro_rules! instrument {
            ($($field:ident: $sdk:ident),* $(,)?) => {$(
                let config = self.$field.config();
                let http = match config.http_client() {
                    Some(own) => super::budgeted::budgeted(Some(own), r.budget()),
                    None => shared.clone(),
                };
                let mut builder = config
                    .to_builder()
                    .interceptor(r.clone())
                    .retry_classifier(classifier)
                    .retry_partition(partition.clone());
                if http.is_some() {
                    builder.set_http_client(http);
                }
                self.$field = $sdk::Client::from_conf(builder.build());
            )*};
        }
        instrument!(
            ec2: aws_sdk_ec2,
            iam: aws_sdk_iam,
            ssm: aws_sdk_ssm,
            sts: aws_sdk_sts,
            s3: aws_sdk_s3,
            logs: aws_sdk_cloudwatchlogs,
        );
        self
    }

    /// Replaces the header label (`profile NAME`, …).
    pub fn with_label(mut self, label: impl Into<String>) -> Self {
        self.label = label.into();
        self
    }

    /// The profile these clients use, named in credential messages.
    pub fn with_profile(mut self, profile: Option<String>) -> Self {
        self.profile = profile;
        self
    }

    pub fn label(&self) -> &str {
        &self.label
    }

    /// Requests per operation (`ec2:DescribeVpcs`) made through this cloud so far.
    pub fn call_counts(&self) -> BTreeMap<String, u64> {
        self.recorder.calls()
    }

    /// The endpoint of the last request, else the configured one.
    pub(super) fn endpoint(&self) -> String {
        self.recorder
            .endpoint()
            .or_else(|| self.endpoint_url.clone())
            .unwrap_or_else(|| format!("https://ec2.{}.amazonaws.com", self.region))
    }

    /// Completes an error with what only this cloud knows: its endpoint and profile.
    pub(super) fn own<T>(&self, result: CloudResult<T>) -> CloudResult<T> {
        result.map_err(|e| self.own_error(e))
    }

    /// [`Self::own`] of one error.
    pub(super) fn own_error(&self, e: CloudError) -> CloudError {
        match e {
            CloudError::NotImplemented { action, endpoint } if endpoint.is_empty() => {
                CloudError::NotImplemented {
                    action,
                    endpoint: self.endpoint(),
                }
            }
            CloudError::Unreachable { endpoint, detail } if endpoint.is_empty() => {
                CloudError::Unreachable {
                    endpoint: self.endpoint(),
                    detail,
                }
            }
            CloudError::Credentials { profile, detail } if profile.is_empty() => {
                let profile = self.profile.clone().unwrap_or_else(|| "default".into());
                CloudError::Credentials {
                    detail: config::credentials_message(Some(&profile), &detail),
                    profile,
                }
            }
            other => other,
        }
    }
}
