//! Runs a plan: dry-run verdicts, then the writes one at a time, each re-checked
//! first so that a second run (or a racing one) writes nothing.

use std::time::Duration;

use serde::Serialize;

use super::audit::Audit;
use crate::cloud::{Cloud, CloudError, CreateEndpointRequest, WriteMode, Written};
use crate::domain::model::{AssociationState, EndpointState};
use crate::domain::plan::{Call, GroupRef, Plan};

/// Throttled creates are retried this many times (CreateVpcEndpoint refills ~0.3/s).
const THROTTLE_RETRIES: u32 = 4;
/// A new instance profile takes a few seconds to be usable by EC2.
const PROFILE_PROPAGATION_RETRIES: u32 = 6;

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "verdict", rename_all = "snake_case")]
pub enum Verdict {
    Allowed,
    Denied { action: String },
    NotChecked { reason: String },
    Failed { message: String },
}

impl Verdict {
    pub fn describe(&self) -> String {
        match self {
            Verdict::Allowed => "dry run: allowed".into(),
            Verdict::Denied { action } => format!("dry run: UnauthorizedOperation ({action})"),
            Verdict::NotChecked { reason } => format!("not checked: {reason}"),
            Verdict::Failed { message } => format!("dry run failed: {message}"),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "outcome", rename_all = "snake_case")]
pub enum Outcome {
    Done { detail: String },
    Skipped { reason: String },
    Failed { message: String, hint: String },
}

/// Progress of a plan, by index into all the plan's calls (steps flattened).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PlanEvent {
    Verdict {
        index: usize,
        verdict: Verdict,
    },
    Started {
        index: usize,
        total: usize,
    },
    Finished {
        index: usize,
        outcome: Outcome,
    },
    Completed {
        done: usize,
        skipped: usize,
    },
    Aborted {
        index: usize,
        message: String,
        hint: String,
    },
}

/// Every call of the plan with its flat index, selected steps only.
pub fn indexed_calls(plan: &Plan) -> Vec<(usize, &Call)> {
    let mut out = Vec::new();
    let mut index = 0;
    for step in &plan.steps {
        for call in &step.calls {
            if step.selected {
                out.push((index, call));
            }
            index += 1;
        }
    }
    out
}

/// Asks EC2 (DryRun) whether each write would be allowed; writes nothing.
pub async fn dry_run<C: Cloud>(cloud: &C, plan: &Plan, emit: &mut (dyn FnMut(PlanEvent) + Send)) {
    let calls = indexed_calls(plan);
    let creates_profile = calls
        .iter()
        .any(|(_, c)| matches!(c, Call::CreateInstanceProfile { .. }));
    for (index, call) in calls {
        let verdict = verdict_of(cloud, call, creates_profile).await;
        emit(PlanEvent::Verdict { index, verdict });
    }
}

async fn verdict_of<C: Cloud>(cloud: &C, call: &Call, creates_profile: bool) -> Verdict {
    let depends = || Verdict::NotChecked {
        reason: "depends on an earlier step".into(),
    };
    let result = match call {
        Call::ModifyVpcAttribute { vpc_id, attribute } => cloud
            .modify_vpc_attribute(vpc_id, *attribute, true, WriteMode::DryRun)
            .await
            .map(|_| ()),
        Call::CreateSecurityGroup {
            vpc_id,
            name,
            description,
        } => cloud
            .create_security_group(vpc_id, name, description, WriteMode::DryRun)
            .await
            .map(|_| ()),
        Call::AuthorizeSecurityGroupIngress { group, cidr } => match group {
            GroupRef::Existing(id) => cloud
                .authorize_https_ingress(id, cidr, WriteMode::DryRun)
                .await
                .map(|_| ()),
            GroupRef::Created { .. } => return depends(),
        },
        Call::CreateVpcEndpoint { .. } => {
            let req = endpoint_request(call, None).unwrap_or_else(empty_request);
            cloud
                .create_vpc_endpoint(&req, WriteMode::DryRun)
                .await
                .map(|_| ())
        }
        Call::AssociateIamInstanceProfile {
            instance_id,
            profile,
        } => {
            if creates_profile {
                return depends();
            }
            cloud
                .associate_iam_instance_profile(instance_id, profile, WriteMode::DryRun)
                .await
                .map(|_| ())
        }
        Call::ReplaceIamInstanceProfileAssociation {
            association_id,
            profile,
            ..
        } => {
            if creates_profile {
                return depends();
            }
            cloud
                .replace_iam_instance_profile_association(
                    association_id,
                    profile,
                    WriteMode::DryRun,
                )
                .await
                .map(|_| ())
        }
        Call::CreateRole { .. }
        | Call::AttachRolePolicy { .. }
        | Call::CreateInstanceProfile { .. }
        | Call::AddRoleToInstanceProfile { .. } => {
            return Verdict::NotChecked {
                reason: "IAM has no dry run".into(),
            };
        }
    };
    match result {
        Ok(()) => Verdict::Allowed,
        Err(CloudError::AccessDenied { action }) => Verdict::Denied { action },
        Err(CloudError::AlreadyExists(_)) => Verdict::NotChecked {
            reason: "already there: the step will skip it".into(),
        },
        Err(e) => Verdict::Failed {
            message: e.to_string(),
        },
    }
}

fn empty_request() -> CreateEndpointRequest {
    CreateEndpointRequest {
        vpc_id: String::new(),
        service_name: String::new(),
        kind: crate::domain::model::EndpointType::Interface,
        subnet_ids: vec![],
        security_group_ids: vec![],
        route_table_ids: vec![],
        private_dns: false,
        client_token: String::new(),
        tags: vec![],
    }
}

/// The request for a `CreateVpcEndpoint` call; a group created by this plan is
/// `created_group` (left out when unknown, e.g. during a dry run).
fn endpoint_request(call: &Call, created_group: Option<&str>) -> Option<CreateEndpointRequest> {
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

/// What to do about a failed call, in a few words.
pub fn hint(error: &CloudError) -> String {
    match error {
        CloudError::AccessDenied { action } => format!(
            "your identity lacks {action}: grant it (assets/iam/operator-full.json) or ask an administrator"
        ),
        CloudError::Throttled(_) => {
            "AWS is throttling these calls: wait a minute and run the plan again".into()
        }
        CloudError::Unavailable(_) => {
            "the service did not answer: check the network and run the plan again".into()
        }
        CloudError::NotFound(_) => {
            "something the step needs is gone: refresh (Ctrl-r) and plan again".into()
        }
        CloudError::AlreadyExists(_) => "it exists already: refresh (Ctrl-r) and plan again".into(),
        CloudError::Invalid(_) | CloudError::Other(_) => {
            "fix the cause above, then run the plan again; steps already done are skipped".into()
        }
    }
}

/// Applies the selected steps in order. Stops at the first failure: the calls after it do not run.
pub async fn apply<C: Cloud>(
    cloud: &C,
    plan: &Plan,
    audit: Option<&Audit>,
    emit: &mut (dyn FnMut(PlanEvent) + Send),
) -> bool {
    let calls = indexed_calls(plan);
    let total = calls.len();
    let mut created_group: Option<String> = None;
    let (mut done, mut skipped) = (0, 0);
    for (index, call) in calls {
        emit(PlanEvent::Started { index, total });
        let outcome = match run_call(cloud, call, &mut created_group).await {
            Ok(Applied::Done(detail)) => {
                if let Some(a) = audit {
                    a.record(call, &format!("ok: {detail}"));
                }
                done += 1;
                Outcome::Done { detail }
            }
            Ok(Applied::Skipped(reason)) => {
                skipped += 1;
                Outcome::Skipped { reason }
            }
            Err(e) => {
                if let Some(a) = audit {
                    a.record(call, &format!("failed: {e}"));
                }
                let message = format!("{} failed: {e}", call.action());
                let hint = hint(&e);
                emit(PlanEvent::Finished {
                    index,
                    outcome: Outcome::Failed {
                        message: message.clone(),
                        hint: hint.clone(),
                    },
                });
                emit(PlanEvent::Aborted {
                    index,
                    message,
                    hint,
                });
                return false;
            }
        };
        emit(PlanEvent::Finished { index, outcome });
    }
    emit(PlanEvent::Completed { done, skipped });
    true
}

enum Applied {
    Done(String),
    Skipped(String),
}

async fn retry_throttled<T, F, Fut>(mut f: F) -> Result<T, CloudError>
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Result<T, CloudError>>,
{
    let mut attempt = 0;
    loop {
        match f().await {
            Err(CloudError::Throttled(op)) if attempt < THROTTLE_RETRIES => {
                attempt += 1;
                tracing::warn!(op, attempt, "throttled; backing off");
                tokio::time::sleep(Duration::from_millis(3500 * u64::from(attempt))).await;
            }
            other => return other,
        }
    }
}

async fn run_call<C: Cloud>(
    cloud: &C,
    call: &Call,
    created_group: &mut Option<String>,
) -> Result<Applied, CloudError> {
    let skip = |r: &str| Ok(Applied::Skipped(r.to_string()));
    match call {
        Call::ModifyVpcAttribute { vpc_id, attribute } => {
            if cloud.describe_vpc_attribute(vpc_id, *attribute).await? {
                return skip("already on");
            }
            cloud
                .modify_vpc_attribute(vpc_id, *attribute, true, WriteMode::Apply)
                .await?;
            Ok(Applied::Done(format!("{} on", attribute.name())))
        }
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
                    skip(&format!("{name} exists as {}", g.id))
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
                Err(CloudError::AlreadyExists(_)) => skip("the rule is already there"),
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
            match retry_throttled(|| cloud.create_vpc_endpoint(&req, WriteMode::Apply)).await {
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
                        Some(e) => skip(&format!("{} exists ({})", e.id, e.state.as_str())),
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
            Err(CloudError::AlreadyExists(_)) => skip("the role exists"),
            Err(e) => Err(e),
        },
        Call::AttachRolePolicy { role, policy_arn } => {
            cloud.attach_role_policy(role, policy_arn).await?;
            Ok(Applied::Done(format!("{policy_arn} on {role}")))
        }
        Call::CreateInstanceProfile { name } => match cloud.create_instance_profile(name).await {
            Ok(p) => Ok(Applied::Done(p.arn)),
            Err(CloudError::AlreadyExists(_)) => skip("the instance profile exists"),
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
                    return skip("the role is already in the profile");
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
                    .associate_iam_instance_profile(instance_id, profile, WriteMode::Apply)
                    .await
                {
                    Ok(w) => {
                        let detail = match w {
                            Written::Done(a) => format!("{} {}", a.id, a.state.as_str()),
                            Written::DryRunAllowed => "dry run".into(),
                        };
                        return Ok(Applied::Done(detail));
                    }
                    Err(CloudError::Invalid(m))
                        if attempt < PROFILE_PROPAGATION_RETRIES
                            && m.to_lowercase().contains("instance profile") =>
                    {
                        attempt += 1;
                        tracing::info!(attempt, "instance profile not usable yet; waiting");
                        tokio::time::sleep(Duration::from_secs(3)).await;
                    }
                    Err(CloudError::Throttled(_)) if attempt < THROTTLE_RETRIES => {
                        attempt += 1;
                        tokio::time::sleep(Duration::from_secs(2)).await;
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
                            return skip(&format!("{instance_id} already has {profile}"));
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
            match cloud
                .replace_iam_instance_profile_association(association_id, profile, WriteMode::Apply)
                .await?
            {
                Written::Done(a) => Ok(Applied::Done(format!("{} {}", a.id, a.state.as_str()))),
                Written::DryRunAllowed => Ok(Applied::Done("dry run".into())),
            }
        }
    }
}
