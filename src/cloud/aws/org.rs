//! `--org`: the organization's active accounts (organizations:ListAccounts, from the
//! management account) and credentials in each member from a role it trusts
//! (sts:AssumeRole through aws-config's provider: the clients' identity cache keeps the
//! credentials and renews them before they expire).

use aws_config::identity::IdentityCache;
use aws_config::sts::AssumeRoleProvider;
use aws_config::{Region, SdkConfig};
use aws_credential_types::provider::error::CredentialsError;
use aws_credential_types::provider::{ProvideCredentials, SharedCredentialsProvider, future};
use futures::StreamExt;

use super::AwsCloud;
use super::config::CREDENTIALS_TIMEOUT;
use super::errors::{chain, map_err, short};
use crate::cloud::{CloudError, CloudResult};
use crate::scope::{OrgAccount, Scope};

/// Accounts whose role is assumed at the same time.
pub const CONCURRENT_ACCOUNTS: usize = 8;

/// What `--org` needs besides the management account's configuration.
pub struct OrgRequest<'a> {
    /// The role to assume in each member account (a name, or a path and name).
    pub role: &'a str,
    /// The regions of every account (`None`: the configuration's own).
    pub regions: &'a [Option<String>],
    /// The profile of the management account, for messages about its credentials.
    pub profile: Option<String>,
    /// Whether `[organization] accounts`/`exclude` let an account id through.
    pub includes: &'a (dyn Fn(&str) -> bool + Sync),
}

/// The organization's active accounts, every page.
pub async fn active_accounts(conf: &SdkConfig) -> CloudResult<Vec<OrgAccount>> {
    const ACTION: &str = "organizations:ListAccounts";
    let client = aws_sdk_organizations::Client::new(conf);
    let mut pages = client.list_accounts().into_paginator().send();
    let mut out = Vec::new();
    let mut n = 0;
    while let Some(page) = pages.next().await {
        let page = page.map_err(|e| map_err(ACTION, e))?;
        n += 1;
        out.extend(
            page.accounts()
                .iter()
                .filter(|a| is_active(a))
                .map(|a| OrgAccount {
                    id: a.id().unwrap_or_default().to_string(),
                    name: a.name().unwrap_or_default().to_string(),
                }),
        );
    }
    super::logged(ACTION, n, out.len());
    Ok(out)
}

/// `State` where the service gives it, else the older `Status`.
#[allow(deprecated)]
fn is_active(a: &aws_sdk_organizations::types::Account) -> bool {
    use aws_sdk_organizations::types::{AccountState, AccountStatus};
    match a.state() {
        Some(state) => *state == AccountState::Active,
        None => a.status() == Some(&AccountStatus::Active),
    }
}

/// Why the role could not be assumed: carried inside the credentials error every call
/// of that account's clients meets, and read back by [`map_err`].
#[derive(Debug, Clone, thiserror::Error)]
#[error("cannot assume role {role} in account {account}: {detail}")]
pub(crate) struct RoleRefused {
    pub account: String,
    pub role: String,
    pub detail: String,
}

impl From<&RoleRefused> for CloudError {
    fn from(r: &RoleRefused) -> Self {
        CloudError::RoleNotAssumed {
            account: r.account.clone(),
            role: r.role.clone(),
            detail: r.detail.clone(),
        }
    }
}

/// Credentials that are never given: the account whose role was refused.
#[derive(Debug)]
struct Refused(RoleRefused);

impl ProvideCredentials for Refused {
    fn provide_credentials<'a>(&'a self) -> future::ProvideCredentials<'a>
    where
        Self: 'a,
    {
        future::ProvideCredentials::ready(Err(CredentialsError::provider_error(self.0.clone())))
    }
}

/// The partition of an ARN (`aws`, `aws-cn`, `aws-us-gov`).
fn partition(arn: Option<&str>) -> &str {
    arn.and_then(|a| a.split(':').nth(1))
        .filter(|p| !p.is_empty())
        .unwrap_or("aws")
}

/// The configuration of `account`: the management account's own, else the role's
/// credentials, tried once now so that a refusal is known before any scope is opened.
async fn account_conf(
    base: &SdkConfig,
    account: &OrgAccount,
    me: &str,
    partition: &str,
    role: &str,
) -> Result<SdkConfig, RoleRefused> {
    if account.id == me {
        return Ok(base.clone());
    }
    let arn = format!("arn:{partition}:iam::{}:role/{role}", account.id);
    let provider = AssumeRoleProvider::builder(arn)
        .session_name("ssmdeck")
        .configure(base)
        .build()
        .await;
    let refused = |detail: String| RoleRefused {
        account: account.id.clone(),
        role: role.to_string(),
        detail,
    };
    match tokio::time::timeout(CREDENTIALS_TIMEOUT, provider.provide_credentials()).await {
        Ok(Ok(_)) => Ok(base
            .to_builder()
            .credentials_provider(SharedCredentialsProvider::new(provider))
            .identity_cache(IdentityCache::lazy().build())
            .build()),
        Ok(Err(e)) => Err(refused(short(&chain(&e)))),
        Err(_) => Err(refused(format!(
            "sts:AssumeRole did not answer within {}s",
            CREDENTIALS_TIMEOUT.as_secs()
        ))),
    }
}

/// One cloud per active account × region, `CONCURRENT_ACCOUNTS` accounts at a time;
/// an account whose role cannot be assumed is one scope whose every call says why.
pub async fn org_clouds(
    base: &SdkConfig,
    req: &OrgRequest<'_>,
) -> CloudResult<Vec<(Scope, AwsCloud)>> {
    let management = AwsCloud::from_conf(base).with_profile(req.profile.clone());
    let (me, arn) = management.own(super::sts::caller_identity(&management.sts).await)?;
    let me = me.unwrap_or_default();
    let partition = partition(arn.as_deref()).to_string();
    let accounts: Vec<OrgAccount> = active_accounts(base)
        .await
        .map_err(|e| management.own_error(e))?
        .into_iter()
        .filter(|a| (req.includes)(&a.id))
        .collect();
    let confs: Vec<(OrgAccount, Result<SdkConfig, RoleRefused>)> = futures::stream::iter(accounts)
        .map(|account| {
            let (me, partition) = (&me, &partition);
            async move {
                let conf = account_conf(base, &account, me, partition, req.role).await;
                (account, conf)
            }
        })
        .buffered(CONCURRENT_ACCOUNTS)
        .collect()
        .await;
    let first_region = req.regions.first().cloned().flatten();
    let mut out = Vec::new();
    for (account, conf) in confs {
        let label = account.label();
        match conf {
            Ok(conf) => {
                for region in req.regions {
                    let conf = match region {
                        Some(r) => conf.to_builder().region(Region::new(r.clone())).build(),
                        None => conf.clone(),
                    };
                    out.push((
                        Scope {
                            profile: req.profile.clone(),
                            region: region.clone(),
                            org: Some(account.clone()),
                        },
                        AwsCloud::from_conf(&conf)
                            .with_label(label.clone())
                            .with_profile(req.profile.clone()),
                    ));
                }
            }
            Err(refused) => {
                tracing::warn!(account = %account.id, error = %refused, "role not assumed");
                let mut conf = base
                    .to_builder()
                    .credentials_provider(SharedCredentialsProvider::new(Refused(refused)));
                if let Some(r) = &first_region {
                    conf = conf.region(Region::new(r.clone()));
                }
                out.push((
                    Scope {
                        profile: req.profile.clone(),
                        region: first_region.clone(),
                        org: Some(account.clone()),
                    },
                    AwsCloud::from_conf(&conf.build()).with_label(label),
                ));
            }
        }
    }
    Ok(out)
}
