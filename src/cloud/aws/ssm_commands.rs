//! SSM Run Command: commands, their invocations and output, sending and cancelling.

use std::collections::HashMap;

use aws_sdk_ssm::Client;
use aws_sdk_ssm::types as sdk;

use super::convert::{opt_owned, opt_timestamp, owned};
use super::errors::map_err;
use super::logged;
use crate::cloud::{CloudError, CloudResult, SEND_COMMAND_MAX_TARGETS, SendCommandRequest};
use crate::domain::model::{Command, Invocation, OutputConfig};

const COMMANDS_PAGE: i32 = 50;

/// The most recent commands, newest first (history is kept 30 days; more is not shown).
pub(crate) const RECENT_COMMANDS: usize = 200;

pub(crate) async fn list_commands(ssm: &Client) -> CloudResult<Vec<Command>> {
    const ACTION: &str = "ssm:ListCommands";
    let mut pages = ssm
        .list_commands()
        .max_results(COMMANDS_PAGE)
        .into_paginator()
        .send();
    let (mut out, mut n) = (Vec::new(), 0);
    while let Some(page) = pages.next().await {
        let page = page.map_err(|e| map_err(ACTION, e))?;
        n += 1;
        out.extend(page.commands().iter().filter_map(command));
        if out.len() >= RECENT_COMMANDS {
            out.truncate(RECENT_COMMANDS);
            break;
        }
    }
    logged(ACTION, n, out.len());
    Ok(out)
}

fn command(c: &sdk::Command) -> Option<Command> {
    Some(Command {
        id: c.command_id()?.to_string(),
        document: owned(c.document_name()),
        comment: opt_owned(c.comment()),
        instance_ids: c.instance_ids().to_vec(),
        requested: opt_timestamp(c.requested_date_time()),
        status: c
            .status()
            .map(|s| s.as_str().to_string())
            .unwrap_or_else(|| "Pending".to_string()),
        target_count: c.target_count(),
        completed_count: c.completed_count(),
        error_count: c.error_count(),
        output: OutputConfig {
            s3_bucket: opt_owned(c.output_s3_bucket_name()).filter(|b| !b.is_empty()),
            s3_prefix: opt_owned(c.output_s3_key_prefix()).filter(|p| !p.is_empty()),
            log_group: c
                .cloud_watch_output_config()
                .filter(|w| w.cloud_watch_output_enabled())
                .and_then(|w| w.cloud_watch_log_group_name())
                .filter(|g| !g.is_empty())
                .map(str::to_string),
        },
    })
}

pub(crate) async fn list_command_invocations(
    ssm: &Client,
    command_id: &str,
) -> CloudResult<Vec<Invocation>> {
    const ACTION: &str = "ssm:ListCommandInvocations";
    let mut pages = ssm
        .list_command_invocations()
        .command_id(command_id)
        .details(true)
        .max_results(COMMANDS_PAGE)
        .into_paginator()
        .send();
    let (mut out, mut n) = (Vec::new(), 0);
    while let Some(page) = pages.next().await {
        let page = page.map_err(|e| map_err(ACTION, e))?;
        n += 1;
        out.extend(page.command_invocations().iter().map(invocation));
    }
    logged(ACTION, n, out.len());
    Ok(out)
}

/// One invocation of ListCommandInvocations(Details=true): the plugins' outputs
/// (each truncated by SSM to 2 500 characters) joined, the first failing response code.
fn invocation(i: &sdk::CommandInvocation) -> Invocation {
    let plugins = i.command_plugins();
    let response_code = plugins
        .iter()
        .map(sdk::CommandPlugin::response_code)
        .find(|code| *code != 0)
        .or_else(|| plugins.first().map(sdk::CommandPlugin::response_code));
    let stdout = plugins
        .iter()
        .filter_map(|p| p.output())
        .filter(|o| !o.is_empty())
        .collect::<Vec<_>>()
        .join("\n");
    Invocation {
        command_id: owned(i.command_id()),
        instance_id: owned(i.instance_id()),
        status: i
            .status()
            .map(|s| s.as_str().to_string())
            .unwrap_or_else(|| "Pending".to_string()),
        status_details: owned(i.status_details()),
        response_code,
        stdout,
        stderr: String::new(),
        read_from: None,
    }
}

pub(crate) async fn get_command_invocation(
    ssm: &Client,
    command_id: &str,
    instance_id: &str,
) -> CloudResult<Invocation> {
    const ACTION: &str = "ssm:GetCommandInvocation";
    let out = ssm
        .get_command_invocation()
        .command_id(command_id)
        .instance_id(instance_id)
        .send()
        .await
        .map_err(|e| map_err(ACTION, e))?;
    logged(ACTION, 1, 1);
    let status = out
        .status()
        .map(|s| s.as_str().to_string())
        .unwrap_or_else(|| "Pending".to_string());
    // -1: the command never started on the instance (no code yet).
    let response_code = Some(out.response_code()).filter(|c| *c >= 0);
    Ok(Invocation {
        command_id: out.command_id().unwrap_or(command_id).to_string(),
        instance_id: out.instance_id().unwrap_or(instance_id).to_string(),
        status,
        status_details: owned(out.status_details()),
        response_code,
        stdout: owned(out.standard_output_content()),
        stderr: owned(out.standard_error_content()),
        read_from: None,
    })
}

pub(crate) async fn send_command(
    ssm: &Client,
    request: &SendCommandRequest,
) -> CloudResult<Command> {
    const ACTION: &str = "ssm:SendCommand";
    if request.instance_ids.len() > SEND_COMMAND_MAX_TARGETS {
        return Err(CloudError::Invalid(format!(
            "{ACTION}: {} instances in one call; at most {SEND_COMMAND_MAX_TARGETS} (batch them)",
            request.instance_ids.len()
        )));
    }
    if request.instance_ids.is_empty() && request.targets.is_empty() {
        return Err(CloudError::Invalid(format!("{ACTION}: no instances")));
    }
    let targets: Vec<sdk::Target> = request
        .targets
        .iter()
        .map(|(k, v)| {
            sdk::Target::builder()
                .key(k)
                .set_values(Some(v.clone()))
                .build()
        })
        .collect();
    let parameters: HashMap<String, Vec<String>> = request.parameters.iter().cloned().collect();
    logged(ACTION, 1, request.instance_ids.len());
    let out = ssm
        .send_command()
        .document_name(&request.document)
        .set_instance_ids((!request.instance_ids.is_empty()).then(|| request.instance_ids.clone()))
        .set_targets((!targets.is_empty()).then_some(targets))
        .set_parameters((!parameters.is_empty()).then_some(parameters))
        .set_comment(request.comment.clone())
        .set_max_concurrency(request.max_concurrency.clone())
        .set_max_errors(request.max_errors.clone())
        .set_timeout_seconds(request.timeout_seconds)
        .set_output_s3_bucket_name(request.output.s3_bucket.clone())
        .set_output_s3_key_prefix(request.output.s3_prefix.clone())
        .set_cloud_watch_output_config(request.output.log_group.as_ref().map(|g| {
            sdk::CloudWatchOutputConfig::builder()
                .cloud_watch_log_group_name(g)
                .cloud_watch_output_enabled(true)
                .build()
        }))
        .send()
        .await
        .map_err(|e| map_err(ACTION, e))?;
    out.command()
        .and_then(command)
        .ok_or_else(|| CloudError::Other(format!("{ACTION}: response has no command")))
}

pub(crate) async fn cancel_command(ssm: &Client, command_id: &str) -> CloudResult<()> {
    const ACTION: &str = "ssm:CancelCommand";
    logged(ACTION, 1, 1);
    ssm.cancel_command()
        .command_id(command_id)
        .send()
        .await
        .map_err(|e| map_err(ACTION, e))?;
    Ok(())
}
