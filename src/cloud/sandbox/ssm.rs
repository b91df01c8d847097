//! Systems Manager over the simulated world: nodes, patches, inventory, commands,
//! maintenance windows.

use std::collections::HashSet;

use jiff::Timestamp;

use super::scenario;
use super::simulate;
use super::world::{SimCommand, SimInvocation, World};
use crate::cloud::{
    CloudError, CloudResult, FullOutput, PATCH_STATES_MAX_IDS, SEND_COMMAND_MAX_TARGETS,
    SendCommandRequest,
};
use crate::domain::model::{
    Command, InventoryEntry, InventorySummary, Invocation, OutputConfig, PatchEntry, PatchFilter,
    PatchState, PingStatus, STDERR_LIMIT, STDOUT_LIMIT,
};

/// The running instance or registered hybrid server behind `id`.
pub(super) fn host<'a>(
    w: &'a World,
    now: Timestamp,
    id: &str,
) -> CloudResult<&'a super::world::SimInstance> {
    w.host(id, now)
        .ok_or_else(|| CloudError::NotFound(format!("instance {id} does not exist")))
}

pub(super) fn patch_states(w: &World, instance_ids: &[String]) -> CloudResult<Vec<PatchState>> {
    if instance_ids.len() > PATCH_STATES_MAX_IDS {
        return Err(CloudError::Invalid(format!(
            "DescribeInstancePatchStates takes at most {PATCH_STATES_MAX_IDS} instance ids, got {}",
            instance_ids.len()
        )));
    }
    Ok(instance_ids
        .iter()
        .filter_map(|id| w.patch_states.get(id).cloned())
        .collect())
}

pub(super) fn patches(w: &World, instance_id: &str, filter: PatchFilter) -> Vec<PatchEntry> {
    let agent = w
        .host(instance_id, w.last_tick)
        .and_then(|i| i.agent_version.as_deref());
    let mut out = w
        .patch_states
        .get(instance_id)
        .map(|state| super::patching::patches(state, agent))
        .unwrap_or_default();
    out.retain(|p| filter.admits(p));
    out
}

pub(super) fn inventory_entries(
    w: &World,
    now: Timestamp,
    instance_id: &str,
    type_name: &str,
) -> CloudResult<Vec<InventoryEntry>> {
    let inst = host(w, now, instance_id)?;
    let collected = super::associations::inventory_at(w, inst, now).is_some();
    Ok(if collected {
        simulate::inventory(inst, type_name, &w.region)
    } else {
        Vec::new()
    })
}

pub(super) fn inventory(w: &World, now: Timestamp) -> Vec<InventorySummary> {
    if !w
        .state_associations
        .iter()
        .any(|a| a.association.collects_inventory())
    {
        return Vec::new();
    }
    w.hosts()
        .filter_map(|i| {
            let at = super::associations::inventory_at(w, i, now)?;
            Some(InventorySummary {
                instance_id: i.instance.id.clone(),
                application_count: simulate::apps_of(i).len(),
                capture_time: Some(at),
            })
        })
        .collect()
}

pub(super) fn invocation_view(
    w: &World,
    c: &SimCommand,
    inv: &SimInvocation,
    now: Timestamp,
) -> Invocation {
    let t = w.timing;
    let cancelled = c
        .cancelled_at
        .is_some_and(|at| at < c.sent + t.command_done);
    let (status, details) = if cancelled {
        ("Cancelled", "Cancelled")
    } else if now < c.sent + t.command_in_progress {
        ("Pending", "Pending")
    } else if now < c.sent + t.command_done {
        ("InProgress", "InProgress")
    } else if inv.exit_code == 0 {
        ("Success", "Success")
    } else {
        ("Failed", "Failed")
    };
    let finished = status == "Success" || status == "Failed";
    Invocation {
        command_id: c.id.clone(),
        instance_id: inv.instance_id.clone(),
        status: status.into(),
        status_details: details.into(),
        response_code: if finished { Some(inv.exit_code) } else { None },
        // The API keeps the first 24,000 / 8,000 characters, as AWS does.
        stdout: if finished {
            inv.stdout.chars().take(STDOUT_LIMIT).collect()
        } else {
            String::new()
        },
        stderr: if finished {
            inv.stderr.chars().take(STDERR_LIMIT).collect()
        } else {
            String::new()
        },
        read_from: None,
    }
}

pub(super) fn command_view(w: &World, c: &SimCommand, now: Timestamp) -> Command {
    let invs: Vec<Invocation> = c
        .invocations
        .iter()
        .map(|i| invocation_view(w, c, i, now))
        .collect();
    let done = |s: &str| matches!(s, "Success" | "Failed" | "Cancelled");
    let completed = invs.iter().filter(|i| done(&i.status)).count() as i32;
    let errors = invs.iter().filter(|i| i.status == "Failed").count() as i32;
    let status = if invs.iter().any(|i| i.status == "Cancelled") {
        "Cancelled"
    } else if invs.iter().all(|i| i.status == "Pending") {
        "Pending"
    } else if completed < invs.len() as i32 {
        "InProgress"
    } else if errors > 0 {
        "Failed"
    } else {
        "Success"
    };
    Command {
        id: c.id.clone(),
        document: c.document.clone(),
        comment: c.comment.clone(),
        instance_ids: c
            .invocations
            .iter()
            .map(|i| i.instance_id.clone())
            .collect(),
        requested: Some(c.sent),
        status: status.into(),
        target_count: invs.len() as i32,
        completed_count: completed,
        error_count: errors,
        output: c.output.clone(),
    }
}

pub(super) fn commands(w: &World, now: Timestamp) -> Vec<Command> {
    let mut out: Vec<Command> = w.commands.iter().map(|c| command_view(w, c, now)).collect();
    out.reverse();
    out
}

fn command<'a>(w: &'a World, command_id: &str) -> CloudResult<&'a SimCommand> {
    w.commands
        .iter()
        .find(|c| c.id == command_id)
        .ok_or_else(|| CloudError::NotFound(format!("command {command_id} does not exist")))
}

pub(super) fn invocations(
    w: &World,
    now: Timestamp,
    command_id: &str,
) -> CloudResult<Vec<Invocation>> {
    let c = command(w, command_id)?;
    Ok(c.invocations
        .iter()
        .map(|i| invocation_view(w, c, i, now))
        .collect())
}

pub(super) fn invocation(
    w: &World,
    now: Timestamp,
    command_id: &str,
    instance_id: &str,
) -> CloudResult<Invocation> {
    // As the AWS adapter reports it: the action, then AWS's code.
    let missing = |what: String| {
        CloudError::NotFound(format!(
            "ssm:GetCommandInvocation: InvocationDoesNotExist: {what}"
        ))
    };
    let c = command(w, command_id)
        .map_err(|_| missing(format!("command {command_id} does not exist")))?;
    let inv = c
        .invocations
        .iter()
        .find(|i| i.instance_id == instance_id)
        .ok_or_else(|| missing(format!("no invocation of {command_id} on {instance_id}")))?;
    let mut view = invocation_view(w, c, inv, now);
    // GetCommandInvocation returns at most 24,000 / 8,000 characters.
    view.stdout = view.stdout.chars().take(24_000).collect();
    view.stderr = view.stderr.chars().take(8_000).collect();
    Ok(view)
}

/// The online nodes that carry every tag of `targets` (`tag:KEY` → values).
pub(super) fn resolve_targets(
    w: &World,
    now: Timestamp,
    targets: &[(String, Vec<String>)],
) -> CloudResult<Vec<String>> {
    let online: HashSet<String> = w
        .node_views(now)
        .into_iter()
        .filter(|n| n.ping == PingStatus::Online)
        .map(|n| n.instance_id)
        .collect();
    let ids: Vec<String> = w
        .hosts()
        .filter(|i| online.contains(&i.instance.id))
        .filter(|i| {
            targets.iter().all(|(k, values)| {
                let key = k.strip_prefix("tag:").unwrap_or(k);
                i.instance
                    .tags
                    .iter()
                    .any(|(tk, tv)| tk == key && values.contains(tv))
            })
        })
        .map(|i| i.instance.id.clone())
        .take(SEND_COMMAND_MAX_TARGETS)
        .collect();
    if ids.is_empty() {
        return Err(CloudError::Invalid(
            "InvalidTarget: no managed instance matches the targets".into(),
        ));
    }
    Ok(ids)
}

pub(super) fn send_to_ids(
    w: &mut World,
    now: Timestamp,
    req: &SendCommandRequest,
) -> CloudResult<Command> {
    if req.instance_ids.is_empty() || req.instance_ids.len() > SEND_COMMAND_MAX_TARGETS {
        return Err(CloudError::Invalid(format!(
            "SendCommand takes 1 to {SEND_COMMAND_MAX_TARGETS} instance ids, got {}",
            req.instance_ids.len()
        )));
    }
    let nodes = w.node_views(now);
    let mut invocations = Vec::new();
    for id in &req.instance_ids {
        let online = nodes
            .iter()
            .any(|n| &n.instance_id == id && n.ping == PingStatus::Online);
        if !online {
            return Err(CloudError::Invalid(format!(
                "InvalidInstanceId: instance {id} is not in a valid state for account {}",
                w.account
            )));
        }
        let inst = host(w, now, id)?;
        let (stdout, stderr, exit_code) = match req.document.as_str() {
            "AWS-RunShellScript" | "AWS-RunPowerShellScript" => {
                let commands = req
                    .parameters
                    .iter()
                    .find(|(k, _)| k == "commands")
                    .map(|(_, v)| v.clone())
                    .unwrap_or_default();
                simulate::shell_output(inst, &commands, &w.region)
            }
            "AWS-RunPatchBaseline" => (
                "Patch operation completed.\nSee the patch compliance of this node for details.\n"
                    .to_string(),
                String::new(),
                0,
            ),
            "AWS-UpdateSSMAgent" => (
                simulate::agent_update_output(inst.agent_version.as_deref()),
                String::new(),
                0,
            ),
            other => {
                return Err(CloudError::Invalid(format!(
                    "InvalidDocument: document {other} does not exist"
                )));
            }
        };
        invocations.push(SimInvocation {
            instance_id: id.clone(),
            stdout,
            stderr,
            exit_code,
        });
    }
    let id = format!(
        "{:08x}-sand-4box-8000-{:012x}",
        w.commands.len() + 1,
        scenario::mix(w.commands.len() as u64 ^ (w.id_salt << 40)) >> 16
    );
    let cmd = SimCommand {
        id,
        document: req.document.clone(),
        comment: req.comment.clone(),
        parameters: req.parameters.clone(),
        sent: now,
        cancelled_at: None,
        invocations,
        applied: false,
        output: req.output.clone(),
    };
    let view = command_view(w, &cmd, now);
    w.commands.push(cmd);
    Ok(view)
}

pub(super) fn cancel(w: &mut World, now: Timestamp, command_id: &str) -> CloudResult<()> {
    let c = w
        .commands
        .iter_mut()
        .find(|c| c.id == command_id)
        .ok_or_else(|| CloudError::NotFound(format!("command {command_id} does not exist")))?;
    if c.cancelled_at.is_none() {
        c.cancelled_at = Some(now);
    }
    Ok(())
}

/// The whole output of a finished invocation, where the command wrote it.
pub(super) fn full_output(
    w: &World,
    now: Timestamp,
    output: &OutputConfig,
    command_id: &str,
    instance_id: &str,
) -> Option<FullOutput> {
    let c = w.commands.iter().find(|c| c.id == command_id)?;
    if !c.output.is_set() || c.output != *output {
        return None;
    }
    let inv = c
        .invocations
        .iter()
        .find(|i| i.instance_id == instance_id)?;
    let view = invocation_view(w, c, inv, now);
    if !matches!(view.status.as_str(), "Success" | "Failed") {
        return None;
    }
    let place = output.places().into_iter().next()?;
    Some(FullOutput {
        stdout: inv.stdout.clone(),
        stderr: inv.stderr.clone(),
        place: format!("{place}/{command_id}/{instance_id}/"),
    })
}
