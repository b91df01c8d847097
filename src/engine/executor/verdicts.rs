//! The dry run: would each call of a plan be allowed? EC2 answers for the writes that
//! have `DryRun` — only at an endpoint that honours it — and the IAM policy simulator for
//! everything else. A dry run never writes: a `DryRun` request that comes back performed
//! is reported as the write it was, recorded in the audit log, and no other `DryRun`
//! request goes to that endpoint.

use serde::Serialize;

use super::{PlanEvent, calls::endpoint_request, indexed_calls};
use crate::cloud::{
    AclEntryRequest, Cloud, CloudError, DryRunTrust, ErrorReport, ModifyEndpointRequest, Simulated,
    WriteMode, Written,
};
use crate::domain::plan::{Call, GroupRef, Plan};
use crate::engine::audit::Audit;

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "verdict", rename_all = "snake_case")]
pub enum Verdict {
    /// EC2 answered the `DryRun` with `DryRunOperation`.
    Allowed,
    /// EC2 answered the `DryRun` with `UnauthorizedOperation`.
    Denied {
        action: String,
    },
    /// The policy simulator's answer for the caller: `action` is the first action the call
    /// needs that is not allowed (or its main action when all are). `dry_run` says why EC2
    /// was not asked, for a call that has `DryRun`.
    Simulated {
        action: String,
        decision: Simulated,
        dry_run: Option<DryRunTrust>,
    },
    NotChecked {
        reason: NotChecked,
    },
    /// The endpoint performed a write sent with `DryRun`.
    DryRunIgnored {
        action: String,
        created: String,
    },
    Failed {
        message: String,
    },
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "reason", rename_all = "snake_case")]
pub enum NotChecked {
    /// Needs what an earlier step creates (a group, an instance profile).
    DependsOnEarlierStep,
    /// What the call would create is there: the step skips it.
    AlreadyThere,
    /// Neither EC2 (`dry_run` says why, for a call with `DryRun`) nor the simulator.
    Unverifiable {
        dry_run: Option<DryRunTrust>,
        simulator: ErrorReport,
    },
}

/// The calls that have `DryRun` at EC2.
fn has_dry_run(call: &Call) -> bool {
    matches!(
        call,
        Call::CreateSecurityGroup { .. }
            | Call::AuthorizeSecurityGroupIngress { .. }
            | Call::CreateVpcEndpoint { .. }
            | Call::ModifyVpcEndpoint { .. }
            | Call::AuthorizeSecurityGroupEgress { .. }
            | Call::ModifyInstanceMetadataOptions { .. }
            | Call::CreateNetworkAclEntry { .. }
    )
}

/// Every IAM action the call needs (tags on create, passing the role to EC2).
fn actions_needed(call: &Call) -> Vec<&'static str> {
    let mut actions = vec![call.action()];
    match call {
        Call::CreateVpcEndpoint { .. } | Call::CreateSecurityGroup { .. } => {
            actions.push("ec2:CreateTags")
        }
        Call::AssociateIamInstanceProfile { .. }
        | Call::ReplaceIamInstanceProfileAssociation { .. } => actions.push("iam:PassRole"),
        _ => {}
    }
    actions
}

/// Answers for the calls the simulator takes, once the plan is read through.
struct Pending<'a> {
    index: usize,
    call: &'a Call,
    dry_run: Option<DryRunTrust>,
}

/// Asks EC2 (DryRun) or the policy simulator whether each write would be allowed.
pub async fn dry_run<C: Cloud>(
    cloud: &C,
    plan: &Plan,
    audit: Option<&Audit>,
    emit: &mut (dyn FnMut(PlanEvent) + Send),
) {
    let calls = indexed_calls(plan);
    let creates_profile = calls
        .iter()
        .any(|(_, c)| matches!(c, Call::CreateInstanceProfile { .. }));
    let mut trust: Option<DryRunTrust> = None;
    let mut pending: Vec<Pending> = Vec::new();
    for (index, call) in calls {
        let depends = match call {
            Call::AuthorizeSecurityGroupIngress { group, .. } => {
                matches!(group, GroupRef::Created { .. })
            }
            Call::AssociateIamInstanceProfile { .. }
            | Call::ReplaceIamInstanceProfileAssociation { .. } => creates_profile,
            _ => false,
        };
        if depends {
            let reason = NotChecked::DependsOnEarlierStep;
            emit(PlanEvent::Verdict {
                index,
                verdict: Verdict::NotChecked { reason },
            });
            continue;
        }
        if !has_dry_run(call) {
            pending.push(Pending {
                index,
                call,
                dry_run: None,
            });
            continue;
        }
        let current = match &trust {
            Some(t) => t.clone(),
            None => match cloud.dry_run_trust().await {
                Ok(t) => {
                    trust = Some(t.clone());
                    t
                }
                Err(e) => {
                    let verdict = Verdict::Failed {
                        message: e.to_string(),
                    };
                    emit(PlanEvent::Verdict { index, verdict });
                    continue;
                }
            },
        };
        if current != DryRunTrust::Honoured {
            pending.push(Pending {
                index,
                call,
                dry_run: Some(current),
            });
            continue;
        }
        let verdict = ask_ec2(cloud, call).await;
        if let Verdict::DryRunIgnored { action, created } = &verdict {
            cloud.distrust_dry_run(action);
            trust = Some(DryRunTrust::Ignored {
                action: action.clone(),
            });
            if let Some(a) = audit {
                a.record(
                    call,
                    &format!("written although sent with DryRun: {created}"),
                );
            }
        }
        emit(PlanEvent::Verdict { index, verdict });
    }
    simulate(cloud, &pending, emit).await;
}

/// One `DryRun` write.
async fn ask_ec2<C: Cloud>(cloud: &C, call: &Call) -> Verdict {
    let action = call.action().to_string();
    let result: Result<Option<String>, CloudError> = match call {
        Call::CreateSecurityGroup {
            vpc_id,
            name,
            description,
        } => cloud
            .create_security_group(vpc_id, name, description, WriteMode::DryRun)
            .await
            .map(created),
        Call::AuthorizeSecurityGroupIngress {
            group: GroupRef::Existing(id),
            cidr,
        } => cloud
            .authorize_https_ingress(id, cidr, WriteMode::DryRun)
            .await
            .map(|w| created(w.map(|()| format!("tcp/443 from {cidr} on {id}")))),
        Call::CreateVpcEndpoint { .. } => match endpoint_request(call, None) {
            Some(request) => cloud
                .create_vpc_endpoint(&request, WriteMode::DryRun)
                .await
                .map(|w| created(w.map(|e| e.id))),
            None => Ok(None),
        },
        Call::ModifyVpcEndpoint {
            endpoint_id,
            private_dns,
            add_subnet_ids,
            ..
        } => {
            let request = ModifyEndpointRequest {
                endpoint_id: endpoint_id.clone(),
                private_dns: *private_dns,
                add_subnet_ids: add_subnet_ids.clone(),
            };
            cloud
                .modify_vpc_endpoint(&request, WriteMode::DryRun)
                .await
                .map(|w| created(w.map(|()| format!("{endpoint_id} modified"))))
        }
        Call::AuthorizeSecurityGroupEgress { group_id, cidr } => cloud
            .authorize_https_egress(group_id, cidr, WriteMode::DryRun)
            .await
            .map(|w| created(w.map(|()| format!("tcp/443 to {cidr} on {group_id}")))),
        Call::ModifyInstanceMetadataOptions { instance_id } => cloud
            .enable_instance_metadata(instance_id, WriteMode::DryRun)
            .await
            .map(|w| created(w.map(|()| format!("metadata endpoint of {instance_id} on")))),
        Call::CreateNetworkAclEntry {
            acl_id,
            rule_number,
            egress,
            cidr,
            from_port,
            to_port,
        } => {
            let request = AclEntryRequest {
                acl_id: acl_id.clone(),
                rule_number: *rule_number,
                egress: *egress,
                cidr: cidr.clone(),
                from_port: *from_port,
                to_port: *to_port,
            };
            cloud
                .create_network_acl_entry(&request, WriteMode::DryRun)
                .await
                .map(|w| created(w.map(|()| format!("{acl_id} rule {rule_number}"))))
        }
        _ => Ok(None),
    };
    match result {
        Ok(None) => Verdict::Allowed,
        Ok(Some(created)) => Verdict::DryRunIgnored { action, created },
        Err(CloudError::AccessDenied { action }) => Verdict::Denied { action },
        Err(CloudError::AlreadyExists(_)) => Verdict::NotChecked {
            reason: NotChecked::AlreadyThere,
        },
        Err(e) => Verdict::Failed {
            message: e.to_string(),
        },
    }
}

/// What a `DryRun` write made, when the endpoint made it.
fn created<T: ToString>(w: Written<T>) -> Option<String> {
    match w {
        Written::DryRunAllowed => None,
        Written::Done(what) => Some(what.to_string()),
    }
}

/// One simulator request for every call left, then a verdict each.
async fn simulate<C: Cloud>(
    cloud: &C,
    pending: &[Pending<'_>],
    emit: &mut (dyn FnMut(PlanEvent) + Send),
) {
    if pending.is_empty() {
        return;
    }
    let mut actions: Vec<String> = pending
        .iter()
        .flat_map(|p| actions_needed(p.call))
        .map(str::to_string)
        .collect();
    actions.sort();
    actions.dedup();
    let answers = cloud.simulate_caller(&actions).await;
    for p in pending {
        let verdict = match &answers {
            Ok(decisions) => {
                let needed = actions_needed(p.call);
                let refused = needed.iter().find_map(|a| {
                    decisions
                        .iter()
                        .find(|(d, v)| d.eq_ignore_ascii_case(a) && *v != Simulated::Allowed)
                        .map(|(d, v)| (d.clone(), *v))
                });
                let (action, decision) =
                    refused.unwrap_or_else(|| (p.call.action().to_string(), Simulated::Allowed));
                Verdict::Simulated {
                    action,
                    decision,
                    dry_run: p.dry_run.clone(),
                }
            }
            Err(e) => Verdict::NotChecked {
                reason: NotChecked::Unverifiable {
                    dry_run: p.dry_run.clone(),
                    simulator: ErrorReport::from(e),
                },
            },
        };
        emit(PlanEvent::Verdict {
            index: p.index,
            verdict,
        });
    }
}
