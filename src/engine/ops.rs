//! What the console asks of the cloud besides polling: a plan dry-run or applied, a detail
//! view loaded, a command sent or cancelled. One function does each, reporting through
//! events; the event loop runs it on a task, the tests await it — the same code.

use crate::cloud::{Cloud, SendCommandRequest};
use crate::domain::plan::Plan;

use super::audit::Audit;
use super::{DetailRequest, EngineEvent, executor, fleet};

/// One operation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Op {
    DryRun(Plan),
    Apply(Plan),
    Detail(DetailRequest),
    Send(SendCommandRequest),
    Cancel(String),
    /// The Command documents (`X`'s picker), and one document's parameters.
    Documents,
    Document(String),
    /// Hybrid activations: listed, planned, created, deleted.
    Activation(super::activation_ops::ActivationOp),
}

/// Performs `op`, its progress and result emitted as events; writes are audited.
pub async fn perform<C: Cloud>(
    cloud: &C,
    op: Op,
    audit: Option<&Audit>,
    emit: &mut (dyn FnMut(EngineEvent) + Send),
) {
    match op {
        Op::DryRun(plan) => {
            let mut plan_emit = |e| emit(EngineEvent::Plan(e));
            executor::dry_run(cloud, &plan, audit, &mut plan_emit).await;
        }
        Op::Apply(plan) => {
            let mut plan_emit = |e| emit(EngineEvent::Plan(e));
            executor::apply(cloud, &plan, audit, &mut plan_emit).await;
        }
        Op::Detail(request) => emit(EngineEvent::Detail(detail(cloud, request).await)),
        Op::Send(request) => {
            let (commands, error) = match fleet::send_batched(cloud, &request).await {
                Ok(c) => (c, None),
                Err((c, e)) => (c, Some(e.to_string())),
            };
            if let Some(audit) = audit {
                let ids: Vec<&str> = commands.iter().map(|c| c.id.as_str()).collect();
                let outcome = match &error {
                    None => format!("sent: {}", ids.join(", ")),
                    Some(e) => format!("failed after sending [{}]: {e}", ids.join(", ")),
                };
                audit.record_send(&request, &outcome);
            }
            emit(EngineEvent::Sent { commands, error });
        }
        Op::Documents => emit(EngineEvent::Documents(cloud.list_documents().await)),
        Op::Activation(op) => emit(EngineEvent::Activation(
            super::activation_ops::perform(cloud, op, audit).await,
        )),
        Op::Document(name) => emit(EngineEvent::Document(cloud.describe_document(&name).await)),
        Op::Cancel(command_id) => {
            let error = cloud
                .cancel_command(&command_id)
                .await
                .err()
                .map(|e| e.to_string());
            if let Some(audit) = audit {
                let outcome = match &error {
                    None => "done".to_string(),
                    Some(e) => format!("failed: {e}"),
                };
                let parameters = serde_json::json!({ "command_id": command_id });
                audit.record_action("ssm:CancelCommand", parameters, &outcome);
            }
            emit(EngineEvent::Cancelled { command_id, error });
        }
    }
}

/// A detail view's data.
async fn detail<C: Cloud>(cloud: &C, request: DetailRequest) -> fleet::Detail {
    match request {
        DetailRequest::Inventory(id) => fleet::Detail::Inventory {
            result: fleet::inventory(cloud, &id)
                .await
                .map_err(|e| e.to_string()),
            instance_id: id,
        },
        DetailRequest::Patches(id, filter) => fleet::Detail::Patches {
            result: fleet::patches(cloud, &id, filter)
                .await
                .map_err(|e| e.to_string()),
            instance_id: id,
            filter,
        },
        DetailRequest::Invocations(id, output, targets) => fleet::Detail::Invocations {
            result: fleet::invocations_of(cloud, &id, &output, &targets)
                .await
                .map_err(|e| e.to_string()),
            command_id: id,
        },
        DetailRequest::Window(id) => fleet::Detail::Window {
            result: fleet::window(cloud, &id).await.map_err(|e| e.to_string()),
            window_id: id,
        },
        DetailRequest::Association(id, nodes) => fleet::Detail::Association {
            result: fleet::association(cloud, &id, &nodes)
                .await
                .map_err(|e| e.to_string()),
            association_id: id,
        },
    }
}
