//! SSM patching: each node's patch state, its patches, and the patch baselines they name.

use aws_sdk_ssm::Client;
use aws_sdk_ssm::types::{self as sdk, PatchOperationType};

use super::convert::timestamp;
use super::errors::map_err;
use super::logged;
use crate::cloud::{CloudError, CloudResult, PATCH_STATES_MAX_IDS};
use crate::domain::model::{PatchBaseline, PatchEntry, PatchFilter, PatchOperation, PatchState};

const PATCH_PAGE: i32 = 100;
/// DescribePatchBaselines' largest page.
const BASELINE_PAGE: i32 = 100;

/// DescribeInstancePatchStates; more than [`PATCH_STATES_MAX_IDS`] ids are sent in batches.
pub(crate) async fn describe_instance_patch_states(
    ssm: &Client,
    instance_ids: &[String],
) -> CloudResult<Vec<PatchState>> {
    let mut out = Vec::new();
    for batch in instance_ids.chunks(PATCH_STATES_MAX_IDS) {
        out.extend(patch_states_batch(ssm, batch).await?);
    }
    Ok(out)
}

async fn patch_states_batch(ssm: &Client, ids: &[String]) -> CloudResult<Vec<PatchState>> {
    const ACTION: &str = "ssm:DescribeInstancePatchStates";
    let mut pages = ssm
        .describe_instance_patch_states()
        .set_instance_ids(Some(ids.to_vec()))
        .max_results(PATCH_PAGE)
        .into_paginator()
        .send();
    let (mut out, mut n) = (Vec::new(), 0);
    while let Some(page) = pages.next().await {
        let page = page.map_err(|e| map_err(ACTION, e))?;
        n += 1;
        out.extend(page.instance_patch_states().iter().map(patch_state));
    }
    logged(ACTION, n, out.len());
    Ok(out)
}

fn patch_state(p: &sdk::InstancePatchState) -> PatchState {
    let text = |s: &str| (!s.is_empty()).then(|| s.to_string());
    PatchState {
        instance_id: p.instance_id().to_string(),
        baseline_id: p.baseline_id().to_string(),
        baseline_name: None,
        patch_group: text(p.patch_group()),
        operation: match p.operation() {
            PatchOperationType::Install => PatchOperation::Install,
            _ => PatchOperation::Scan,
        },
        operation_start: timestamp(p.operation_start_time()).filter(|t| t.as_second() > 0),
        operation_end: timestamp(p.operation_end_time()).filter(|t| t.as_second() > 0),
        installed: p.installed_count(),
        installed_other: p.installed_other_count(),
        installed_pending_reboot: p.installed_pending_reboot_count().unwrap_or(0),
        installed_rejected: p.installed_rejected_count().unwrap_or(0),
        missing: p.missing_count(),
        failed: p.failed_count(),
        not_applicable: p.not_applicable_count(),
        critical_non_compliant: p.critical_non_compliant_count().unwrap_or(0),
        security_non_compliant: p.security_non_compliant_count().unwrap_or(0),
        other_non_compliant: p.other_non_compliant_count().unwrap_or(0),
        reboot_option: p.reboot_option().map(|r| r.as_str().to_string()),
    }
}

/// DescribeInstancePatches of one node, `filter` sent as its `Filters`; every page.
pub(crate) async fn describe_instance_patches(
    ssm: &Client,
    instance_id: &str,
    filter: PatchFilter,
) -> CloudResult<Vec<PatchEntry>> {
    const ACTION: &str = "ssm:DescribeInstancePatches";
    let mut filters = Vec::new();
    for (key, values) in filter.api_filters() {
        let f = sdk::PatchOrchestratorFilter::builder()
            .key(key)
            .set_values(Some(values.iter().map(ToString::to_string).collect()))
            .build();
        filters.push(f);
    }
    let mut pages = ssm
        .describe_instance_patches()
        .instance_id(instance_id)
        .set_filters((!filters.is_empty()).then_some(filters))
        .max_results(PATCH_PAGE)
        .into_paginator()
        .send();
    let (mut out, mut n) = (Vec::new(), 0);
    while let Some(page) = pages.next().await {
        let page = page.map_err(|e| map_err(ACTION, e))?;
        n += 1;
        out.extend(page.patches().iter().map(|p| PatchEntry {
            title: p.title().to_string(),
            kb_id: p.kb_id().to_string(),
            classification: p.classification().to_string(),
            severity: p.severity().to_string(),
            state: state_name(p.state().as_str()),
            installed_time: timestamp(p.installed_time()).filter(|t| t.as_second() > 0),
        }));
    }
    logged(ACTION, n, out.len());
    Ok(out)
}

/// A patch's state as the filters and the console name it (`Installed`, `NotApplicable`):
/// the response spells it `INSTALLED`, `NOT_APPLICABLE`.
fn state_name(wire: &str) -> String {
    wire.split('_')
        .map(|w| {
            let lower = w.to_ascii_lowercase();
            let mut c = lower.chars();
            c.next()
                .map(|f| f.to_ascii_uppercase().to_string() + c.as_str())
                .unwrap_or_default()
        })
        .collect()
}

/// DescribePatchBaselines: AWS's baselines and the account's, every page.
pub(crate) async fn describe_patch_baselines(ssm: &Client) -> CloudResult<Vec<PatchBaseline>> {
    const ACTION: &str = "ssm:DescribePatchBaselines";
    let mut pages = ssm
        .describe_patch_baselines()
        .max_results(BASELINE_PAGE)
        .into_paginator()
        .send();
    let (mut out, mut n) = (Vec::new(), 0);
    while let Some(page) = pages.next().await {
        let page = page.map_err(|e| map_err(ACTION, e))?;
        n += 1;
        out.extend(page.baseline_identities().iter().filter_map(|b| {
            Some(PatchBaseline {
                id: b.baseline_id()?.to_string(),
                name: b.baseline_name().unwrap_or_default().to_string(),
                operating_system: b.operating_system().map(|o| o.as_str().to_string()),
                default: b.default_baseline(),
                patch_groups: Vec::new(),
            })
        }));
    }
    logged(ACTION, n, out.len());
    Ok(out)
}

/// GetPatchBaseline: one baseline, with the patch groups registered for it.
pub(crate) async fn get_patch_baseline(
    ssm: &Client,
    baseline_id: &str,
) -> CloudResult<PatchBaseline> {
    const ACTION: &str = "ssm:GetPatchBaseline";
    let out = ssm
        .get_patch_baseline()
        .baseline_id(baseline_id)
        .send()
        .await
        .map_err(|e| map_err(ACTION, e))?;
    logged(ACTION, 1, 1);
    let Some(id) = out.baseline_id() else {
        return Err(CloudError::Invalid(format!(
            "{ACTION}: no baseline id in the answer for {baseline_id}"
        )));
    };
    Ok(PatchBaseline {
        id: id.to_string(),
        name: out.name().unwrap_or_default().to_string(),
        operating_system: out.operating_system().map(|o| o.as_str().to_string()),
        default: false,
        patch_groups: out.patch_groups().to_vec(),
    })
}
