//! SSM: managed nodes, inventory, maintenance windows (Run Command is in `ssm_commands`,
//! patching in `ssm_patches`).

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};

use aws_sdk_ssm::Client;
use aws_sdk_ssm::types as sdk;

use super::convert::{opt_owned, opt_timestamp, owned};
use super::errors::{SdkError, is_transport, map_err};
use super::logged;
use crate::cloud::{CloudError, CloudResult};
use crate::domain::model::{
    InventoryEntry, InventorySummary, MaintenanceWindow, ManagedNode, NodeKind, PingStatus,
    WindowExecution, WindowTarget, WindowTask,
};

const PROPERTIES_PAGE: i32 = 1000;
const INFORMATION_PAGE: i32 = 50;
const INVENTORY_PAGE: i32 = 50;
const WINDOWS_PAGE: i32 = 100;
/// A runaway NextToken loop stops here (50 × 10 000 entries is far beyond any instance).
const MAX_INVENTORY_PAGES: usize = 10_000;

pub(crate) const DHMC_SETTING: &str = "/ssm/managed-instance/default-ec2-instance-management-role";

// ---------------------------------------------------------------- managed nodes

/// DescribeInstanceProperties (1000 a page) unless this session already learnt that it
/// is unavailable; then DescribeInstanceInformation (50 a page).
pub(crate) async fn describe_managed_nodes(
    ssm: &Client,
    use_information: &AtomicBool,
) -> CloudResult<Vec<ManagedNode>> {
    const ACTION: &str = "ssm:DescribeInstanceProperties";
    if use_information.load(Ordering::Relaxed) {
        return describe_instance_information(ssm).await;
    }
    match describe_instance_properties(ssm).await {
        Ok(nodes) => Ok(nodes),
        Err(Fallback::No(err)) => Err(err),
        Err(Fallback::Yes(err)) => {
            tracing::debug!(%err, "{ACTION} unavailable; falling back to DescribeInstanceInformation");
            let nodes = describe_instance_information(ssm).await?;
            // Only a working fallback is remembered: a broken network is not a missing API.
            use_information.store(true, Ordering::Relaxed);
            Ok(nodes)
        }
    }
}

/// Whether a DescribeInstanceProperties failure should try DescribeInstanceInformation.
enum Fallback {
    Yes(CloudError),
    No(CloudError),
}

fn fallback_for<E>(action: &str, err: SdkError<E>) -> Fallback
where
    E: aws_sdk_ssm::error::ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
{
    let transport = is_transport(&err);
    let mapped = map_err(action, err);
    match mapped {
        CloudError::Throttled(_) | CloudError::AccessDenied { .. } => Fallback::No(mapped),
        _ if transport => Fallback::No(mapped),
        _ => Fallback::Yes(mapped),
    }
}

async fn describe_instance_properties(ssm: &Client) -> Result<Vec<ManagedNode>, Fallback> {
    const ACTION: &str = "ssm:DescribeInstanceProperties";
    let mut pages = ssm
        .describe_instance_properties()
        .max_results(PROPERTIES_PAGE)
        .into_paginator()
        .send();
    let (mut out, mut n) = (Vec::new(), 0);
    while let Some(page) = pages.next().await {
        let page = page.map_err(|e| fallback_for(ACTION, e))?;
        n += 1;
        out.extend(page.instance_properties().iter().filter_map(|p| {
            let instance_id = p.instance_id()?.to_string();
            Some(ManagedNode {
                kind: NodeKind::parse(p.resource_type(), &instance_id),
                instance_id,
                name: opt_owned(p.name()),
                activation_id: opt_owned(p.activation_id()),
                registered: opt_timestamp(p.registration_date()),
                source_id: opt_owned(p.source_id()),
                source_type: p.source_type().map(|t| t.as_str().to_string()),
                ping: ping(p.ping_status()),
                last_ping: opt_timestamp(p.last_ping_date_time()),
                agent_version: opt_owned(p.agent_version()),
                is_latest_version: None,
                platform_type: p.platform_type().map(|t| t.as_str().to_string()),
                platform_name: opt_owned(p.platform_name()),
                platform_version: opt_owned(p.platform_version()),
                ip_address: opt_owned(p.ip_address()),
                computer_name: opt_owned(p.computer_name()),
                iam_role: opt_owned(p.iam_role()),
            })
        }));
    }
    logged(ACTION, n, out.len());
    Ok(out)
}

async fn describe_instance_information(ssm: &Client) -> CloudResult<Vec<ManagedNode>> {
    const ACTION: &str = "ssm:DescribeInstanceInformation";
    let mut pages = ssm
        .describe_instance_information()
        .max_results(INFORMATION_PAGE)
        .into_paginator()
        .send();
    let (mut out, mut n) = (Vec::new(), 0);
    while let Some(page) = pages.next().await {
        let page = page.map_err(|e| map_err(ACTION, e))?;
        n += 1;
        out.extend(page.instance_information_list().iter().filter_map(|i| {
            let instance_id = i.instance_id()?.to_string();
            Some(ManagedNode {
                kind: NodeKind::parse(i.resource_type().map(|t| t.as_str()), &instance_id),
                instance_id,
                name: opt_owned(i.name()),
                activation_id: opt_owned(i.activation_id()),
                registered: opt_timestamp(i.registration_date()),
                source_id: opt_owned(i.source_id()),
                source_type: i.source_type().map(|t| t.as_str().to_string()),
                ping: ping(i.ping_status()),
                last_ping: opt_timestamp(i.last_ping_date_time()),
                agent_version: opt_owned(i.agent_version()),
                is_latest_version: i.is_latest_version(),
                platform_type: i.platform_type().map(|t| t.as_str().to_string()),
                platform_name: opt_owned(i.platform_name()),
                platform_version: opt_owned(i.platform_version()),
                ip_address: opt_owned(i.ip_address()),
                computer_name: opt_owned(i.computer_name()),
                iam_role: opt_owned(i.iam_role()),
            })
        }));
    }
    logged(ACTION, n, out.len());
    Ok(out)
}

fn ping(status: Option<&sdk::PingStatus>) -> PingStatus {
    PingStatus::parse(status.map(|s| s.as_str()).unwrap_or("Inactive"))
}

/// Default Host Management Configuration is on when its service setting names a role.
pub(crate) async fn default_host_management(ssm: &Client) -> CloudResult<Option<String>> {
    const ACTION: &str = "ssm:GetServiceSetting";
    let result = ssm
        .get_service_setting()
        .setting_id(DHMC_SETTING)
        .send()
        .await;
    logged(ACTION, 1, 1);
    let out = match result {
        Ok(out) => out,
        Err(e) => {
            return match map_err(ACTION, e) {
                // Never set in this region.
                CloudError::NotFound(_) => Ok(None),
                other => Err(other),
            };
        }
    };
    let value = out
        .service_setting()
        .and_then(|s| s.setting_value())
        .map(str::trim)
        .unwrap_or_default();
    Ok((!value.is_empty() && !value.eq_ignore_ascii_case("$none")).then(|| value.to_string()))
}

// ---------------------------------------------------------------- inventory

/// GetInventory over `AWS:Application`: the application count and capture time per node.
pub(crate) async fn get_inventory(ssm: &Client) -> CloudResult<Vec<InventorySummary>> {
    const ACTION: &str = "ssm:GetInventory";
    const TYPE: &str = "AWS:Application";
    let attribute = sdk::ResultAttribute::builder()
        .type_name(TYPE)
        .build()
        .map_err(|e| CloudError::Invalid(format!("{ACTION}: {e}")))?;
    let mut pages = ssm
        .get_inventory()
        .result_attributes(attribute)
        .max_results(INVENTORY_PAGE)
        .into_paginator()
        .send();
    let (mut out, mut n) = (Vec::new(), 0);
    while let Some(page) = pages.next().await {
        let page = page.map_err(|e| map_err(ACTION, e))?;
        n += 1;
        out.extend(page.entities().iter().filter_map(|e| {
            let item = e.data().and_then(|d| d.get(TYPE));
            Some(InventorySummary {
                instance_id: e.id()?.to_string(),
                application_count: item.map_or(0, |i| i.content().len()),
                capture_time: item
                    .and_then(|i| i.capture_time())
                    .and_then(|t| t.parse::<jiff::Timestamp>().ok()),
            })
        }));
    }
    logged(ACTION, n, out.len());
    Ok(out)
}

/// ListInventoryEntries has no paginator in the model: loop on NextToken by hand.
pub(crate) async fn list_inventory_entries(
    ssm: &Client,
    instance_id: &str,
    type_name: &str,
) -> CloudResult<Vec<InventoryEntry>> {
    const ACTION: &str = "ssm:ListInventoryEntries";
    let (mut out, mut n) = (Vec::new(), 0);
    let mut token: Option<String> = None;
    loop {
        let page = ssm
            .list_inventory_entries()
            .instance_id(instance_id)
            .type_name(type_name)
            .max_results(INVENTORY_PAGE)
            .set_next_token(token.clone())
            .send()
            .await
            .map_err(|e| map_err(ACTION, e))?;
        n += 1;
        out.extend(page.entries().iter().map(entry));
        match page.next_token().filter(|t| !t.is_empty()) {
            Some(next) if token.as_deref() != Some(next) && n < MAX_INVENTORY_PAGES => {
                token = Some(next.to_string());
            }
            _ => break,
        }
    }
    logged(ACTION, n, out.len());
    Ok(out)
}

fn entry(fields: &HashMap<String, String>) -> InventoryEntry {
    fields.iter().map(|(k, v)| (k.clone(), v.clone())).collect()
}

// ---------------------------------------------------------------- maintenance windows

pub(crate) async fn describe_maintenance_windows(
    ssm: &Client,
) -> CloudResult<Vec<MaintenanceWindow>> {
    const ACTION: &str = "ssm:DescribeMaintenanceWindows";
    let mut pages = ssm
        .describe_maintenance_windows()
        .max_results(WINDOWS_PAGE)
        .into_paginator()
        .send();
    let (mut out, mut n) = (Vec::new(), 0);
    while let Some(page) = pages.next().await {
        let page = page.map_err(|e| map_err(ACTION, e))?;
        n += 1;
        out.extend(page.window_identities().iter().filter_map(|w| {
            Some(MaintenanceWindow {
                id: w.window_id()?.to_string(),
                name: owned(w.name()),
                schedule: owned(w.schedule()),
                enabled: w.enabled(),
                next_execution: opt_owned(w.next_execution_time()),
                duration_hours: w.duration().unwrap_or(0),
                cutoff_hours: w.cutoff(),
            })
        }));
    }
    logged(ACTION, n, out.len());
    Ok(out)
}

pub(crate) async fn describe_maintenance_window_executions(
    ssm: &Client,
    window_id: &str,
) -> CloudResult<Vec<WindowExecution>> {
    const ACTION: &str = "ssm:DescribeMaintenanceWindowExecutions";
    let mut pages = ssm
        .describe_maintenance_window_executions()
        .window_id(window_id)
        .max_results(WINDOWS_PAGE)
        .into_paginator()
        .send();
    let (mut out, mut n) = (Vec::new(), 0);
    while let Some(page) = pages.next().await {
        let page = page.map_err(|e| map_err(ACTION, e))?;
        n += 1;
        out.extend(page.window_executions().iter().filter_map(|e| {
            Some(WindowExecution {
                id: e.window_execution_id()?.to_string(),
                status: e
                    .status()
                    .map(|s| s.as_str().to_string())
                    .unwrap_or_default(),
                start: opt_timestamp(e.start_time()),
                end: opt_timestamp(e.end_time()),
            })
        }));
    }
    logged(ACTION, n, out.len());
    Ok(out)
}

pub(crate) async fn describe_maintenance_window_targets(
    ssm: &Client,
    window_id: &str,
) -> CloudResult<Vec<WindowTarget>> {
    const ACTION: &str = "ssm:DescribeMaintenanceWindowTargets";
    let mut pages = ssm
        .describe_maintenance_window_targets()
        .window_id(window_id)
        .max_results(WINDOWS_PAGE)
        .into_paginator()
        .send();
    let (mut out, mut n) = (Vec::new(), 0);
    while let Some(page) = pages.next().await {
        let page = page.map_err(|e| map_err(ACTION, e))?;
        n += 1;
        out.extend(page.targets().iter().filter_map(|t| {
            Some(WindowTarget {
                id: t.window_target_id()?.to_string(),
                name: opt_owned(t.name()),
                targets: t
                    .targets()
                    .iter()
                    .map(|x| format!("{}={}", x.key().unwrap_or_default(), x.values().join(",")))
                    .collect(),
            })
        }));
    }
    logged(ACTION, n, out.len());
    Ok(out)
}

pub(crate) async fn describe_maintenance_window_tasks(
    ssm: &Client,
    window_id: &str,
) -> CloudResult<Vec<WindowTask>> {
    const ACTION: &str = "ssm:DescribeMaintenanceWindowTasks";
    let mut pages = ssm
        .describe_maintenance_window_tasks()
        .window_id(window_id)
        .max_results(WINDOWS_PAGE)
        .into_paginator()
        .send();
    let (mut out, mut n) = (Vec::new(), 0);
    while let Some(page) = pages.next().await {
        let page = page.map_err(|e| map_err(ACTION, e))?;
        n += 1;
        out.extend(page.tasks().iter().filter_map(|t| {
            Some(WindowTask {
                id: t.window_task_id()?.to_string(),
                task: owned(t.task_arn()),
                task_type: t
                    .r#type()
                    .map(|x| x.as_str().to_string())
                    .unwrap_or_default(),
                priority: t.priority(),
                max_concurrency: opt_owned(t.max_concurrency()),
                max_errors: opt_owned(t.max_errors()),
            })
        }));
    }
    logged(ACTION, n, out.len());
    Ok(out)
}
