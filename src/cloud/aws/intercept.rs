//! What every SDK client of one [`AwsCloud`](super::AwsCloud) shares: a recorder of the
//! requests it sends (per operation, and where they went) and the retry rules that keep
//! an AWS-compatible server from costing five attempts per call it does not implement.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::sync::{Arc, Mutex, MutexGuard};

use aws_smithy_runtime_api::box_error::BoxError;
use aws_smithy_runtime_api::client::interceptors::Intercept;
use aws_smithy_runtime_api::client::interceptors::context::{
    BeforeSerializationInterceptorContextRef, BeforeTransmitInterceptorContextMut,
    BeforeTransmitInterceptorContextRef, FinalizerInterceptorContextRef, InterceptorContext,
};
use aws_smithy_runtime_api::client::orchestrator::{HttpResponse, Metadata};
use aws_smithy_runtime_api::client::retries::classifiers::{
    ClassifyRetry, RetryAction, RetryClassifierPriority,
};
use aws_smithy_runtime_api::client::runtime_components::RuntimeComponents;
use aws_smithy_types::config_bag::ConfigBag;

use crate::cloud::budget::Budget;

#[derive(Debug, Default)]
struct Record {
    /// Requests sent per `service:Operation` (each page and each retry is one).
    calls: BTreeMap<String, u64>,
    /// Operations the endpoint answered with a web page instead of an API error.
    unimplemented: BTreeSet<String>,
    /// `scheme://host[:port]` of the last request.
    endpoint: Option<String>,
}

/// Counts the requests of one cloud's clients and remembers the operations its endpoint
/// does not implement, so they fail at once instead of being asked again. Each request
/// carries its operation to the connector, which waits on the cloud's [`Budget`] for it.
#[derive(Debug, Clone, Default)]
pub struct Recorder {
    record: Arc<Mutex<Record>>,
    budget: Budget,
}

/// The operation of a request (`ec2:DescribeVpcs`), for the budgeted connector.
#[derive(Debug, Clone)]
pub struct OperationName(pub String);

impl Recorder {
    pub fn budget(&self) -> &Budget {
        &self.budget
    }

    fn lock(&self) -> MutexGuard<'_, Record> {
        match self.record.lock() {
            Ok(r) => r,
            Err(poisoned) => poisoned.into_inner(),
        }
    }

    /// Requests per operation so far.
    pub fn calls(&self) -> BTreeMap<String, u64> {
        self.lock().calls.clone()
    }

    /// Where the last request went.
    pub fn endpoint(&self) -> Option<String> {
        self.lock().endpoint.clone()
    }

    pub fn is_unimplemented(&self, operation: &str) -> bool {
        self.lock().unimplemented.contains(operation)
    }
}

/// `ssm:DescribeInstanceInformation`, from the operation's metadata.
fn operation(cfg: &ConfigBag) -> Option<String> {
    let m = cfg.load::<Metadata>()?;
    Some(format!(
        "{}:{}",
        iam_prefix(m.service()),
        m.name().trim_end_matches("Request")
    ))
}

fn iam_prefix(service: &str) -> String {
    match service.to_ascii_lowercase().as_str() {
        "amazonssm" | "ssm" => "ssm".into(),
        "amazonec2" | "ec2" => "ec2".into(),
        "awsidentitymanagementv20100508" | "iam" => "iam".into(),
        "awssecuritytokenservicev20110615" | "sts" => "sts".into(),
        other => other.into(),
    }
}

/// A 5xx whose body is a web page: not an API error of any protocol, but a server that
/// has no handler for the request (moto answers operations it lacks so).
pub fn is_web_page_error(response: &HttpResponse) -> bool {
    response.status().as_u16() >= 500
        && response.headers().get("content-type").is_some_and(|ct| {
            ct.trim_start()
                .to_ascii_lowercase()
                .starts_with("text/html")
        })
}

/// AWS's answer to a request over its rate: HTTP 429, or an error whose code says so
/// (EC2's `RequestLimitExceeded`, `Throttling`, `ThrottlingException`…).
pub fn is_throttling(response: &HttpResponse) -> bool {
    let status = response.status().as_u16();
    if status == 429 {
        return true;
    }
    if status < 400 {
        return false;
    }
    let header = response
        .headers()
        .get("x-amzn-errortype")
        .unwrap_or_default()
        .to_string();
    let body = response
        .body()
        .bytes()
        .map(String::from_utf8_lossy)
        .unwrap_or_default();
    [
        "RequestLimitExceeded",
        "Throttling",
        "TooManyRequests",
        "RateExceeded",
    ]
    .iter()
    .any(|code| header.contains(code) || body.contains(code))
}

/// The error an operation fails with, without a request, once its endpoint proved not to
/// implement it.
#[derive(Debug)]
pub struct KnownUnimplemented(pub String);

impl fmt::Display for KnownUnimplemented {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} is not implemented by this endpoint", self.0)
    }
}

impl std::error::Error for KnownUnimplemented {}

impl Intercept for Recorder {
    fn name(&self) -> &'static str {
        "ssmdeck-recorder"
    }

    /// The operation's metadata is in the bag from here on (not yet before execution).
    fn read_before_serialization(
        &self,
        _context: &BeforeSerializationInterceptorContextRef<'_>,
        _runtime_components: &RuntimeComponents,
        cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        match operation(cfg) {
            Some(op) if self.is_unimplemented(&op) => Err(Box::new(KnownUnimplemented(op))),
            _ => Ok(()),
        }
    }

    fn modify_before_transmit(
        &self,
        context: &mut BeforeTransmitInterceptorContextMut<'_>,
        _runtime_components: &RuntimeComponents,
        cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        let op = operation(cfg).unwrap_or_else(|| "unknown".into());
        context.request_mut().add_extension(OperationName(op));
        Ok(())
    }

    fn read_before_transmit(
        &self,
        context: &BeforeTransmitInterceptorContextRef<'_>,
        _runtime_components: &RuntimeComponents,
        cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        let op = operation(cfg).unwrap_or_else(|| "unknown".into());
        let uri = context.request().uri().to_string();
        let endpoint = uri
            .split_once("://")
            .map(|(scheme, rest)| {
                let host = rest.split(['/', '?']).next().unwrap_or_default();
                format!("{scheme}://{host}")
            })
            .unwrap_or(uri);
        let mut record = self.lock();
        *record.calls.entry(op).or_default() += 1;
        record.endpoint = Some(endpoint);
        Ok(())
    }

    fn read_after_attempt(
        &self,
        context: &FinalizerInterceptorContextRef<'_>,
        _runtime_components: &RuntimeComponents,
        cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        if context.response().is_some_and(is_web_page_error)
            && let Some(op) = operation(cfg)
        {
            tracing::info!(op, "the endpoint does not implement this operation");
            self.lock().unimplemented.insert(op);
        }
        if context.response().is_some_and(is_throttling)
            && let Some(op) = operation(cfg)
        {
            self.budget.throttled(&op);
        }
        Ok(())
    }
}

/// Retry rules on top of the SDK's standard ones: a web-page 5xx is never retried, and,
/// at a custom endpoint, neither is a connection that could not be made (the poller's
/// back-off tries again later; five attempts would only delay the message).
#[derive(Debug, Clone, Copy)]
pub struct Classifier {
    pub custom_endpoint: bool,
}

impl ClassifyRetry for Classifier {
    fn classify_retry(&self, ctx: &InterceptorContext) -> RetryAction {
        if ctx.response().is_some_and(is_web_page_error) {
            return RetryAction::RetryForbidden;
        }
        let unreachable = matches!(ctx.output_or_error(), Some(Err(e))
            if e.as_connector_error().is_some_and(|c| c.is_io() || c.is_timeout()));
        if self.custom_endpoint && unreachable {
            return RetryAction::RetryForbidden;
        }
        RetryAction::NoActionIndicated
    }

    fn name(&self) -> &'static str {
        "ssmdeck-endpoint"
    }

    fn priority(&self) -> RetryClassifierPriority {
        RetryClassifierPriority::run_after(RetryClassifierPriority::transient_error_classifier())
    }
}

/// An AWS endpoint: `*.amazonaws.com`, `*.amazonaws.com.cn`, `*.api.aws` and the isolated
/// partitions. Anything else is an AWS-compatible server.
pub fn is_aws_endpoint(url: &str) -> bool {
    let rest = url.split_once("://").map_or(url, |(_, r)| r);
    let authority = rest.split(['/', '?', '#']).next().unwrap_or_default();
    let host = authority
        .rsplit_once('@')
        .map_or(authority, |(_, h)| h)
        .split(':')
        .next()
        .unwrap_or_default()
        .to_ascii_lowercase();
    [
        ".amazonaws.com",
        ".amazonaws.com.cn",
        ".api.aws",
        ".c2s.ic.gov",
        ".sc2s.sgov.gov",
    ]
    .iter()
    .any(|suffix| host.ends_with(suffix))
}
