//! State Manager over the simulated world: an association runs on each registered node it
//! targets a little after it exists (or after the node registers), once; inventory is
//! collected only where an `AWS-GatherSoftwareInventory` association has run.

use jiff::{SignedDuration, Timestamp};

use super::world::{SimInstance, SimStateAssociation, World};
use crate::cloud::{CloudError, CloudResult};
use crate::domain::model::{
    CreateAssociationRequest, InstanceState, NodeAssociation, StateAssociation,
};
use crate::domain::snapshot::{Snapshot, Source, SourceStatus};

/// The documents an association may run here.
const DOCUMENTS: [&str; 4] = [
    crate::domain::model::INVENTORY_DOCUMENT,
    "AWS-RunPatchBaseline",
    "AWS-UpdateSSMAgent",
    "AWS-RunShellScript",
];

const SUCCESS_SUMMARY: &str =
    "1 out of 1 plugin processed, 1 success, 0 failed, 0 timed out, 0 skipped. ";

/// When the association first ran on the node: the later of its creation and the node's
/// registration, plus the run delay; `None` for a node it does not target or that never
/// registered.
pub(super) fn run_at(w: &World, a: &SimStateAssociation, i: &SimInstance) -> Option<Timestamp> {
    if i.instance.state == InstanceState::Terminated {
        return None;
    }
    let registered = i.registered_at?;
    if !a.association.targets_node(&i.instance.id, &i.instance.tags) {
        return None;
    }
    Some(registered.max(a.created) + w.timing.inventory_after_registration)
}

/// The last time by `now` the association ran on the node: its first run, then every
/// interval of a `rate(…)` schedule; `None` before the first run.
pub(super) fn last_run(
    w: &World,
    a: &SimStateAssociation,
    i: &SimInstance,
    now: Timestamp,
) -> Option<Timestamp> {
    let first = run_at(w, a, i).filter(|t| *t <= now)?;
    let Some(every) = a.association.schedule.as_deref().and_then(rate) else {
        return Some(first);
    };
    let since = (now - first).as_secs();
    let step = every.as_secs().max(1);
    Some(first + SignedDuration::from_secs(since - since % step))
}

/// The interval of a `rate(N minutes|hours|days)` schedule.
fn rate(schedule: &str) -> Option<SignedDuration> {
    let inner = schedule.strip_prefix("rate(")?.strip_suffix(')')?;
    let (n, unit) = inner.split_once(' ')?;
    let n: i64 = n.parse().ok().filter(|n| *n > 0)?;
    match unit.trim_end_matches('s') {
        "minute" => Some(SignedDuration::from_mins(n)),
        "hour" => Some(SignedDuration::from_hours(n)),
        "day" => Some(SignedDuration::from_hours(24 * n)),
        _ => None,
    }
}

/// When the node's inventory was last collected, if it has been by `now`.
pub(super) fn inventory_at(w: &World, i: &SimInstance, now: Timestamp) -> Option<Timestamp> {
    w.state_associations
        .iter()
        .filter(|a| a.association.collects_inventory())
        .filter_map(|a| last_run(w, a, i, now))
        .max()
}

/// The association as ListAssociations shows it at `now`: its overview over the nodes it
/// targets.
pub(super) fn view(w: &World, a: &SimStateAssociation, now: Timestamp) -> StateAssociation {
    let (mut success, mut pending) = (0, 0);
    let mut last: Option<Timestamp> = None;
    for i in w.hosts() {
        match (run_at(w, a, i), last_run(w, a, i, now)) {
            (_, Some(t)) => {
                success += 1;
                last = last.max(Some(t));
            }
            (Some(_), None) => pending += 1,
            (None, None) => {}
        }
    }
    let mut counts = Vec::new();
    if pending > 0 {
        counts.push(("Pending".to_string(), pending));
    }
    if success > 0 {
        counts.push(("Success".to_string(), success));
    }
    let status = if pending > 0 || success == 0 {
        "Pending"
    } else {
        "Success"
    };
    StateAssociation {
        last_execution: last,
        status: Some(status.to_string()),
        detailed_status: Some(status.to_string()),
        status_counts: counts,
        ..a.association.clone()
    }
}

pub(super) fn list(w: &World, now: Timestamp) -> Vec<StateAssociation> {
    w.state_associations
        .iter()
        .map(|a| StateAssociation {
            parameters: Vec::new(),
            ..view(w, a, now)
        })
        .collect()
}

pub(super) fn describe(w: &World, now: Timestamp, id: &str) -> CloudResult<StateAssociation> {
    w.state_associations
        .iter()
        .find(|a| a.association.id == id)
        .map(|a| view(w, a, now))
        .ok_or_else(|| CloudError::NotFound(format!("AssociationDoesNotExist: {id}")))
}

pub(super) fn node_status(
    w: &World,
    now: Timestamp,
    instance_id: &str,
) -> CloudResult<Vec<NodeAssociation>> {
    let i = super::ssm::host(w, now, instance_id)?;
    Ok(w.state_associations
        .iter()
        .filter_map(|a| {
            let first = run_at(w, a, i)?;
            let last = last_run(w, a, i, now);
            let (ran, at) = (last.is_some(), last.unwrap_or(first));
            let status = if ran { "Success" } else { "Pending" };
            Some(NodeAssociation {
                association_id: a.association.id.clone(),
                association_name: a.association.name.clone(),
                document: a.association.document.clone(),
                instance_id: instance_id.to_string(),
                status: status.to_string(),
                detailed_status: Some(if ran { "Success" } else { "Associated" }.to_string()),
                execution_date: ran.then_some(at),
                execution_summary: ran.then(|| SUCCESS_SUMMARY.to_string()),
                error_code: None,
            })
        })
        .collect())
}

pub(super) fn create(
    w: &mut World,
    now: Timestamp,
    request: &CreateAssociationRequest,
) -> CloudResult<StateAssociation> {
    if !DOCUMENTS.contains(&request.document.as_str()) {
        return Err(CloudError::NotFound(format!(
            "InvalidDocument: {}",
            request.document
        )));
    }
    if request.targets.is_empty()
        || request
            .targets
            .iter()
            .any(|t| t.values.is_empty() || !(t.key == "InstanceIds" || t.key.starts_with("tag:")))
    {
        return Err(CloudError::Invalid(
            "InvalidTarget: targets must be InstanceIds or tag:KEY with values".into(),
        ));
    }
    if w.state_associations.iter().any(|a| {
        a.association.document == request.document && a.association.targets == request.targets
    }) {
        return Err(CloudError::AlreadyExists(format!(
            "AssociationAlreadyExists: {} on these targets",
            request.document
        )));
    }
    let id = uuid_like(&w.new_id("assoc"));
    let sim = SimStateAssociation {
        association: StateAssociation {
            id,
            name: Some(request.name.clone()),
            document: request.document.clone(),
            targets: request.targets.clone(),
            schedule: Some(request.schedule.clone()),
            parameters: request.parameters.clone(),
            ..StateAssociation::default()
        },
        created: now,
    };
    let out = view(w, &sim, now);
    w.state_associations.push(sim);
    Ok(out)
}

/// `assoc-0123…` → a UUID-shaped id, as association ids are.
fn uuid_like(id: &str) -> String {
    let hex: String = id
        .trim_start_matches("assoc-")
        .chars()
        .chain(std::iter::repeat('0'))
        .take(32)
        .collect();
    format!(
        "{}-{}-{}-{}-{}",
        &hex[0..8],
        &hex[8..12],
        &hex[12..16],
        &hex[16..20],
        &hex[20..32]
    )
}

impl World {
    /// The State Manager associations, read with the rest.
    pub(super) fn add_state_associations(&self, snap: &mut Snapshot, t: Timestamp) {
        snap.state_associations = super::associations::list(self, t);
        snap.status.insert(
            Source::Associations,
            SourceStatus {
                fetched_at: Some(t),
                ..SourceStatus::default()
            },
        );
    }
}
