//! One call of a plan, applied: re-checked first (a second or racing run writes
//! nothing), then written, with what to do when it fails.

use std::time::Duration;

use crate::cloud::{Cloud, CloudError, CreateEndpointRequest, WriteMode, Written};
use crate::domain::model::{AssociationState, EndpointState};
use crate::domain::plan::{Call, GroupRef};

/// A new instance profile takes a few seconds to be usable by EC2.
const PROFILE_PROPAGATION_RETRIES: u32 = 6;
/// Creates made again with a fresh token when the token's endpoint is gone.
const TOKEN_RENEWALS: u32 = 2;

/// The request for a `CreateVpcEndpoint` call; a group created by this plan is
/// `created_group` (left out when unknown, e.g. during a dry run).
pub(super) fn endpoint_request(
    call: &Call,
    created_group: Option<&str>,
) -> Option<CreateEndpointRequest> {
    let Call::CreateVpcEndpoint {
        vpc_id,
        service_name,
        kind,
        subnet_ids,
        group,
        route_table_ids,
        private_dns,
        client_token,
    } = call
    else {
        return None;
    };
    let group_id = match group {
        Some(GroupRef::Existing(id)) => Some(id.clone()),
        Some(GroupRef::Created { .. }) => created_group.map(str::to_string),
        None => None,
    };
    Some(CreateEndpointRequest {
        vpc_id: vpc_id.clone(),
        service_name: service_name.clone(),
        kind: *kind,
        subnet_ids: subnet_ids.clone(),
        security_group_ids: group_id.into_iter().collect(),
        route_table_ids: route_table_ids.clone(),
        private_dns: *private_dns,
        client_token: client_token.clone(),
        tags: vec![
            (
                "Name".into(),
                format!(
                    "ssmdeck-{}",
                    crate::domain::readiness::short_service(service_name)
                ),
            ),
            ("created-by".into(), "ssmdeck".into()),
        ],
    })
}

pub(super) enum Applied {
    Done(String),
    /// Found done when re-checked: no write was sent.
    Skipped(String),
    /// Sent, and answered "already there".
    Raced(String),
    /// The write was accepted but reading the account back does not show its effect.
    Unconfirmed(String),
}

pub(super) async fn run_call<C: Cloud>(
    cloud: &C,
    call: &Call,
    created_group: &mut Option<String>,
) -> Result<Applied, CloudError> {
    let skip = |r: &str| Ok(Applied::Skipped(r.to_string()));
    // The write was sent and refused because it was done meanwhile (a racing run).
    let raced = |r: &str| Ok(Applied::Raced(r.to_string()));
    match call {
        Call::ModifyVpcAttribute { vpc_id, attribute } => {
            if cloud.describe_vpc_attribute(vpc_id, *attribute).await? {
                return skip("already on");
            }
            cloud.modify_vpc_attribute(vpc_id, *attribute, true).await?;
            if cloud.describe_vpc_attribute(vpc_id, *attribute).await? {
                Ok(Applied::Done(format!("{} on", attribute.name())))
            } else {
                Ok(Applied::Unconfirmed(format!(
                    "accepted, but {} is still off",
                    attribute.name()
                )))
            }
        }
        Call::ModifyVpcEndpoint { .. }
        | Call::AuthorizeSecurityGroupEgress { .. }
        | Call::ModifyInstanceMetadataOptions { .. }
        | Call::CreateNetworkAclEntry { .. } => super::checked::run_checked(cloud, call).await,
        Call::CreateAssociation { .. } => super::association::create(cloud, call).await,
        Call::CreateSecurityGroup {
            vpc_id,
            name,
            description,
        } => {
            let groups = cloud.describe_security_groups().await?;
            if let Some(g) = groups
                .iter()
                .find(|g| &g.vpc_id == vpc_id && &g.name == name)
            {
                *created_group = Some(g.id.clone());
                return skip(&format!("{name} exists as {}", g.id));
            }
            match cloud
                .create_security_group(vpc_id, name, description, WriteMode::Apply)
                .await
            {
                Ok(Written::Done(id)) => {
                    *created_group = Some(id.clone());
                    Ok(Applied::Done(id))
                }
                Ok(Written::DryRunAllowed) => {
                    Err(CloudError::Other("the group was not created".into()))
                }
                Err(CloudError::AlreadyExists(_)) => {
                    let groups = cloud.describe_security_groups().await?;
                    let g = groups
                        .iter()
                        .find(|g| &g.vpc_id == vpc_id && &g.name == name)
                        .ok_or_else(|| CloudError::NotFound(format!("security group {name}")))?;
                    *created_group = Some(g.id.clone());
                    raced(&format!("{name} exists as {}", g.id))
                }
                Err(e) => Err(e),
            }
        }
        Call::AuthorizeSecurityGroupIngress { group, cidr } => {
            let id = match group {
                GroupRef::Existing(id) => id.clone(),
                GroupRef::Created { .. } => created_group.clone().ok_or_else(|| {
                    CloudError::Other("the endpoint security group was not created".into())
                })?,
            };
            match cloud
                .authorize_https_ingress(&id, cidr, WriteMode::Apply)
                .await
            {
                Ok(_) => Ok(Applied::Done(format!("{id}: tcp/443 from {cidr}"))),
                Err(CloudError::AlreadyExists(_)) => raced("the rule is already there"),
                Err(e) => Err(e),
            }
        }
        Call::CreateVpcEndpoint {
            vpc_id,
            service_name,
            ..
        } => {
            let existing = cloud.describe_vpc_endpoints().await?;
            if let Some(e) = existing.iter().find(|e| {
                &e.vpc_id == vpc_id
                    && &e.service_name == service_name
                    && e.state != EndpointState::Deleting
            }) {
                return skip(&format!("{} exists ({})", e.id, e.state.as_str()));
            }
            let req = endpoint_request(call, created_group.as_deref())
                .ok_or_else(|| CloudError::Other("not an endpoint call".into()))?;
            match create_endpoint(cloud, req).await {
                Ok(Written::Done(e)) => Ok(Applied::Done(format!("{} {}", e.id, e.state.as_str()))),
                Ok(Written::DryRunAllowed) => {
                    Err(CloudError::Other("the endpoint was not created".into()))
                }
                // A racing run created it first: skip when it is there now.
                Err(CloudError::AlreadyExists(detail)) => {
                    let now = cloud.describe_vpc_endpoints().await?;
                    match now.iter().find(|e| {
                        &e.vpc_id == vpc_id
                            && &e.service_name == service_name
                            && e.state != EndpointState::Deleting
                    }) {
                        Some(e) => raced(&format!("{} exists ({})", e.id, e.state.as_str())),
                        None => Err(CloudError::AlreadyExists(detail)),
                    }
                }
                Err(e) => Err(e),
            }
        }
        Call::CreateRole {
            name,
            trusted_service,
        } => match cloud.create_role(name, trusted_service).await {
            Ok(r) => Ok(Applied::Done(r.arn)),
            Err(CloudError::AlreadyExists(_)) => raced("the role exists"),
            Err(e) => Err(e),
        },
        Call::AttachRolePolicy { role, policy_arn } => {
            if attached(cloud, role, policy_arn).await? {
                return skip(&format!("{policy_arn} is already on {role}"));
            }
            cloud.attach_role_policy(role, policy_arn).await?;
            if attached(cloud, role, policy_arn).await? {
                Ok(Applied::Done(format!("{policy_arn} on {role}")))
            } else {
                Ok(Applied::Unconfirmed(format!(
                    "accepted, but {role} does not list {policy_arn}"
                )))
            }
        }
        Call::CreateInstanceProfile { name } => match cloud.create_instance_profile(name).await {
            Ok(p) => Ok(Applied::Done(p.arn)),
            Err(CloudError::AlreadyExists(_)) => raced("the instance profile exists"),
            Err(e) => Err(e),
        },
        Call::AddRoleToInstanceProfile { profile, role } => {
            let profiles = cloud.list_instance_profiles().await?;
            if profiles
                .iter()
                .any(|p| &p.name == profile && p.role_names.contains(role))
            {
                return skip("the role is already in the profile");
            }
            if let Err(e) = cloud.add_role_to_instance_profile(profile, role).await {
                // A racing run may have added it between the check and the call.
                let profiles = cloud.list_instance_profiles().await?;
                if profiles
                    .iter()
                    .any(|p| &p.name == profile && p.role_names.contains(role))
                {
                    return raced("the role is already in the profile");
                }
                return Err(e);
            }
            Ok(Applied::Done(format!("{role} in {profile}")))
        }
        Call::AssociateIamInstanceProfile {
            instance_id,
            profile,
        } => {
            let current = cloud.describe_iam_instance_profile_associations().await?;
            if let Some(a) = current.iter().find(|a| {
                &a.instance_id == instance_id
                    && matches!(
                        a.state,
                        AssociationState::Associated | AssociationState::Associating
                    )
            }) {
                if a.profile_arn.rsplit('/').next() == Some(profile.as_str()) {
                    return skip(&format!("{instance_id} already has {profile}"));
                }
                return Err(CloudError::Invalid(format!(
                    "{instance_id} now has profile {}: plan again to replace it",
                    a.profile_arn
                )));
            }
            let mut attempt = 0;
            loop {
                match cloud
                    .associate_iam_instance_profile(instance_id, profile)
                    .await
                {
                    Ok(a) => {
                        return Ok(Applied::Done(format!("{} {}", a.id, a.state.as_str())));
                    }
                    Err(CloudError::Invalid(m))
                        if attempt < PROFILE_PROPAGATION_RETRIES
                            && m.to_lowercase().contains("instance profile") =>
                    {
                        attempt += 1;
                        tracing::info!(attempt, "instance profile not usable yet; waiting");
                        tokio::time::sleep(Duration::from_secs(3)).await;
                    }
                    Err(e) => {
                        // A racing run may have associated it between the check and the call.
                        let now = cloud.describe_iam_instance_profile_associations().await?;
                        let ours = now.iter().any(|a| {
                            &a.instance_id == instance_id
                                && a.profile_arn.rsplit('/').next() == Some(profile.as_str())
                                && matches!(
                                    a.state,
                                    AssociationState::Associated | AssociationState::Associating
                                )
                        });
                        if ours {
                            return raced(&format!("{instance_id} already has {profile}"));
                        }
                        return Err(e);
                    }
                }
            }
        }
        Call::ReplaceIamInstanceProfileAssociation {
            association_id,
            profile,
            ..
        } => {
            let a = cloud
                .replace_iam_instance_profile_association(association_id, profile)
                .await?;
            Ok(Applied::Done(format!("{} {}", a.id, a.state.as_str())))
        }
    }
}

/// Whether `role` lists `policy_arn` among its attached policies.
async fn attached<C: Cloud>(cloud: &C, role: &str, policy_arn: &str) -> Result<bool, CloudError> {
    let set = cloud.role_policies(role, None).await?;
    Ok(set.attached_policy_arns.iter().any(|a| a == policy_arn))
}

/// CreateVpcEndpoint with its ClientToken. A token AWS has seen within its idempotency
/// window returns the endpoint it created then, even one deleted since: a returned
/// endpoint that is gone means "create again", with a fresh token.
async fn create_endpoint<C: Cloud>(
    cloud: &C,
    mut request: CreateEndpointRequest,
) -> Result<Written<crate::domain::model::VpcEndpoint>, CloudError> {
    let base = request.client_token.clone();
    let mut renewal = 0;
    loop {
        let written = cloud
            .create_vpc_endpoint(&request, WriteMode::Apply)
            .await?;
        match &written {
            Written::Done(e) if token_endpoint_gone(&e.state) && renewal < TOKEN_RENEWALS => {
                renewal += 1;
                tracing::info!(endpoint = %e.id, "the token's endpoint is gone: creating again");
                request.client_token = fresh_token(&base, renewal);
            }
            _ => return Ok(written),
        }
    }
}

/// An endpoint in this state is not the one a create should return.
fn token_endpoint_gone(state: &EndpointState) -> bool {
    matches!(state, EndpointState::Deleting | EndpointState::Failed)
        || matches!(state, EndpointState::Other(s) if s == "deleted" || s == "expired")
}

/// The token of the `renewal`-th create after the token's endpoint was found gone:
/// racing runs that renew the same token renew it alike (and stay idempotent).
pub fn fresh_token(token: &str, renewal: u32) -> String {
    // ClientToken: at most 64 ASCII characters.
    let suffix = format!("-r{renewal}");
    let keep = 64usize.saturating_sub(suffix.len());
    let head: String = token.chars().take(keep).collect();
    format!("{head}{suffix}")
}
