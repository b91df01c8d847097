//! The HTTP client under every SDK client of one cloud: each request (each page, each
//! retry) waits for a token of its operation's family before it is sent, so no call of
//! the scope escapes its [`Budget`].

use aws_smithy_runtime_api::box_error::BoxError;
use aws_smithy_runtime_api::client::behavior_version::BehaviorVersion;
use aws_smithy_runtime_api::client::http::{
    HttpClient, HttpConnector, HttpConnectorFuture, HttpConnectorSettings, SharedHttpClient,
    SharedHttpConnector,
};
use aws_smithy_runtime_api::client::orchestrator::HttpRequest;
use aws_smithy_runtime_api::client::runtime_components::{
    RuntimeComponents, RuntimeComponentsBuilder,
};
use aws_smithy_runtime_api::client::runtime_plugin::RuntimePlugin;
use aws_smithy_types::config_bag::ConfigBag;

use super::intercept::OperationName;
use crate::cloud::budget::Budget;

/// `inner` (the SDK's default HTTPS client when `None`) behind `budget`; `None` when
/// there is no client to wrap (the SDK then chooses its own, unbudgeted).
pub(super) fn budgeted(
    inner: Option<SharedHttpClient>,
    budget: &Budget,
) -> Option<SharedHttpClient> {
    let inner = inner.or_else(default_client)?;
    Some(SharedHttpClient::new(BudgetedClient {
        inner,
        budget: budget.clone(),
    }))
}

/// The client the SDK would have chosen itself.
fn default_client() -> Option<SharedHttpClient> {
    let plugin = aws_smithy_runtime::client::defaults::default_http_client_plugin_v2(
        BehaviorVersion::latest(),
    )?;
    plugin
        .runtime_components(&RuntimeComponentsBuilder::new("ssmdeck"))
        .http_client()
}

#[derive(Debug)]
struct BudgetedClient {
    inner: SharedHttpClient,
    budget: Budget,
}

impl HttpClient for BudgetedClient {
    fn http_connector(
        &self,
        settings: &HttpConnectorSettings,
        components: &RuntimeComponents,
    ) -> SharedHttpConnector {
        SharedHttpConnector::new(BudgetedConnector {
            inner: self.inner.http_connector(settings, components),
            budget: self.budget.clone(),
        })
    }

    fn validate_base_client_config(
        &self,
        runtime_components: &RuntimeComponentsBuilder,
        cfg: &ConfigBag,
    ) -> Result<(), BoxError> {
        self.inner
            .validate_base_client_config(runtime_components, cfg)
    }

    fn validate_final_config(
        &self,
        runtime_components: &RuntimeComponents,
        cfg: &ConfigBag,
    ) -> Result<(), BoxError> {
        self.inner.validate_final_config(runtime_components, cfg)
    }
}

#[derive(Debug)]
struct BudgetedConnector {
    inner: SharedHttpConnector,
    budget: Budget,
}

impl HttpConnector for BudgetedConnector {
    fn call(&self, request: HttpRequest) -> HttpConnectorFuture {
        let operation = request
            .extension::<OperationName>()
            .map_or_else(|| "unknown".to_string(), |o| o.0.clone());
        let inner = self.inner.clone();
        let budget = self.budget.clone();
        HttpConnectorFuture::new(async move {
            budget.acquire(&operation).await;
            inner.call(request).await
        })
    }
}
