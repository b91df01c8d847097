//! On-demand fleet reads (a node's inventory or patches, a command's invocations,
//! a window's details) and Run Command sends, batched by 50.

use futures::{StreamExt, stream};

use crate::cloud::{Cloud, CloudError, CloudResult, SEND_COMMAND_MAX_TARGETS, SendCommandRequest};
use crate::domain::model::{
    Command, InventoryEntry, Invocation, NodeAssociation, OutputConfig, PatchEntry, PatchFilter,
    StateAssociation, WindowExecution, WindowTarget, WindowTask,
};

/// Invocations whose full output is fetched (GetCommandInvocation) when a command is opened.
const OUTPUT_FETCH_LIMIT: usize = 50;
const OUTPUT_FETCH_CONCURRENCY: usize = 4;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InventoryDetail {
    pub applications: Vec<InventoryEntry>,
    pub network: Vec<InventoryEntry>,
    pub information: Vec<InventoryEntry>,
    /// Which associations ran on the node and how (empty when they could not be read).
    pub associations: Vec<NodeAssociation>,
}

/// An association (DescribeAssociation) and how it went on the nodes it targets.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AssociationDetail {
    pub association: StateAssociation,
    pub nodes: Vec<NodeAssociation>,
}

/// Nodes whose status is read when an association is opened.
const ASSOCIATION_NODES_LIMIT: usize = 50;
const ASSOCIATION_NODES_CONCURRENCY: usize = 4;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WindowDetail {
    pub targets: Vec<WindowTarget>,
    pub tasks: Vec<WindowTask>,
    pub executions: Vec<WindowExecution>,
}

/// What a detail view asked for, and its answer.
#[derive(Debug, Clone)]
pub enum Detail {
    Inventory {
        instance_id: String,
        result: Result<InventoryDetail, String>,
    },
    Patches {
        instance_id: String,
        filter: PatchFilter,
        result: Result<Vec<PatchEntry>, String>,
    },
    Invocations {
        command_id: String,
        result: Result<Vec<Invocation>, String>,
    },
    Window {
        window_id: String,
        result: Result<WindowDetail, String>,
    },
    Association {
        association_id: String,
        result: Result<AssociationDetail, String>,
    },
}

/// A node's patches that pass `filter` (DescribeInstancePatches' `Filters`), most severe
/// first, then by state.
pub async fn patches<C: Cloud>(
    cloud: &C,
    instance_id: &str,
    filter: PatchFilter,
) -> CloudResult<Vec<PatchEntry>> {
    let mut out = cloud.describe_instance_patches(instance_id, filter).await?;
    crate::domain::patches::sort_entries(&mut out);
    Ok(out)
}

pub async fn inventory<C: Cloud>(cloud: &C, instance_id: &str) -> CloudResult<InventoryDetail> {
    let (entries, associations) = futures::join!(
        async {
            futures::try_join!(
                cloud.list_inventory_entries(instance_id, "AWS:Application"),
                cloud.list_inventory_entries(instance_id, "AWS:Network"),
                cloud.list_inventory_entries(instance_id, "AWS:InstanceInformation"),
            )
        },
        cloud.describe_instance_associations_status(instance_id),
    );
    let (applications, network, information) = entries?;
    let associations = associations
        .inspect_err(|e| tracing::warn!(error = %e, "node associations unknown"))
        .unwrap_or_default();
    Ok(InventoryDetail {
        applications,
        network,
        information,
        associations,
    })
}

/// DescribeAssociation, and DescribeInstanceAssociationsStatus on the first 50 of `nodes`
/// (this association's entry of each).
pub async fn association<C: Cloud>(
    cloud: &C,
    association_id: &str,
    nodes: &[String],
) -> CloudResult<AssociationDetail> {
    let association = cloud.describe_association(association_id).await?;
    let ids: Vec<String> = nodes
        .iter()
        .take(ASSOCIATION_NODES_LIMIT)
        .cloned()
        .collect();
    let per_node: Vec<CloudResult<Vec<NodeAssociation>>> = stream::iter(ids)
        .map(|id| async move { cloud.describe_instance_associations_status(&id).await })
        .buffered(ASSOCIATION_NODES_CONCURRENCY)
        .collect()
        .await;
    let mut out = Vec::new();
    for r in per_node {
        out.extend(
            r?.into_iter()
                .filter(|a| a.association_id == association_id),
        );
    }
    Ok(AssociationDetail {
        association,
        nodes: out,
    })
}

/// The invocations of a command, each with its output: GetCommandInvocation's first
/// 24,000 / 8,000 characters, or all of it from S3 or CloudWatch Logs when the command wrote
/// it there and the API's was cut (or is empty).
pub async fn invocations<C: Cloud>(
    cloud: &C,
    command_id: &str,
    output: &OutputConfig,
) -> CloudResult<Vec<Invocation>> {
    invocations_of(cloud, command_id, output, &[]).await
}

/// [`invocations`]; an endpoint without ListCommandInvocations (moto) is asked for the
/// invocation on each of `targets`, the command's instances, instead.
pub async fn invocations_of<C: Cloud>(
    cloud: &C,
    command_id: &str,
    output: &OutputConfig,
    targets: &[String],
) -> CloudResult<Vec<Invocation>> {
    // Asked one by one: each answer's status is the one to show.
    let (listed, asked_each) = match cloud.list_command_invocations(command_id).await {
        Err(CloudError::NotImplemented { .. }) if !targets.is_empty() => (
            targets
                .iter()
                .map(|id| Invocation {
                    command_id: command_id.to_string(),
                    instance_id: id.clone(),
                    status: "Pending".to_string(),
                    status_details: String::new(),
                    response_code: None,
                    stdout: String::new(),
                    stderr: String::new(),
                    read_from: None,
                })
                .collect(),
            true,
        ),
        other => (other?, false),
    };
    let full: Vec<Invocation> = stream::iter(listed.into_iter().enumerate())
        .map(|(i, inv)| async move {
            let finished = matches!(
                inv.status.as_str(),
                "Success" | "Failed" | "TimedOut" | "Cancelled"
            );
            if i >= OUTPUT_FETCH_LIMIT || !(finished || asked_each) {
                return inv;
            }
            let inv = match cloud
                .get_command_invocation(command_id, &inv.instance_id)
                .await
            {
                Ok(detail) if asked_each => detail,
                Ok(detail) => Invocation {
                    status: inv.status,
                    status_details: inv.status_details,
                    ..detail
                },
                Err(e) => {
                    tracing::debug!(error = %e, "full output unavailable");
                    inv
                }
            };
            whole(cloud, output, inv).await
        })
        .buffered(OUTPUT_FETCH_CONCURRENCY)
        .collect()
        .await;
    Ok(full)
}

pub async fn window<C: Cloud>(cloud: &C, window_id: &str) -> CloudResult<WindowDetail> {
    let (targets, tasks, executions) = futures::try_join!(
        cloud.describe_maintenance_window_targets(window_id),
        cloud.describe_maintenance_window_tasks(window_id),
        cloud.describe_maintenance_window_executions(window_id),
    )?;
    Ok(WindowDetail {
        targets,
        tasks,
        executions,
    })
}

/// Sends `request` to its instances in calls of at most 50 ids (SendCommand's limit);
/// tag targets go in one call. Stops at the first failed call.
pub async fn send_batched<C: Cloud>(
    cloud: &C,
    request: &SendCommandRequest,
) -> Result<Vec<Command>, (Vec<Command>, CloudError)> {
    let mut sent = Vec::new();
    if request.instance_ids.is_empty() {
        return match cloud.send_command(request).await {
            Ok(c) => Ok(vec![c]),
            Err(e) => Err((sent, e)),
        };
    }
    for chunk in request.instance_ids.chunks(SEND_COMMAND_MAX_TARGETS) {
        let part = SendCommandRequest {
            instance_ids: chunk.to_vec(),
            ..request.clone()
        };
        match cloud.send_command(&part).await {
            Ok(c) => sent.push(c),
            Err(e) => return Err((sent, e)),
        }
    }
    Ok(sent)
}

/// `inv` with its whole output from S3 or CloudWatch Logs, when the command wrote it there
/// and the API's was cut or is empty; as it was otherwise (a failed read is logged).
pub async fn whole<C: Cloud>(cloud: &C, output: &OutputConfig, inv: Invocation) -> Invocation {
    let empty = inv.stdout.is_empty() && inv.stderr.is_empty();
    if !output.is_set() || !(inv.cut() || empty) {
        return inv;
    }
    match cloud
        .read_full_output(output, &inv.command_id, &inv.instance_id)
        .await
    {
        Ok(Some(full)) => Invocation {
            stdout: full.stdout,
            stderr: full.stderr,
            read_from: Some(full.place),
            ..inv
        },
        Ok(None) => inv,
        Err(e) => {
            tracing::warn!(error = %e, command = %inv.command_id, "whole output not read");
            inv
        }
    }
}
