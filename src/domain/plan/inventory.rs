//! Inventory set-up: an `AWS-GatherSoftwareInventory` association for the managed nodes
//! no such association targets, every 30 minutes like the console's "Setup Inventory".

use super::{Call, Plan, Step, StepKind, StepTitle, Subject};
use crate::domain::findings::FindingKind;
use crate::domain::model::{
    AssociationTarget, INVENTORY_ASSOCIATION_NAME, INVENTORY_DOCUMENT, INVENTORY_SCHEDULE,
    inventory_parameters,
};
use crate::domain::readiness::Readiness;
use crate::domain::snapshot::Snapshot;

/// CreateAssociation takes at most this many ids in an `InstanceIds` target.
pub const ASSOCIATION_MAX_IDS: usize = 50;

/// The managed nodes whose inventory no association collects, limited to `only` (empty:
/// every node).
pub fn uncollected(r: &Readiness, only: &[String]) -> Vec<String> {
    r.instances
        .iter()
        .filter(|i| only.is_empty() || only.contains(&i.instance_id))
        .filter(|i| {
            i.findings
                .iter()
                .any(|f| f.kind == FindingKind::InventoryNotCollected)
        })
        .map(|i| i.instance_id.clone())
        .collect()
}

/// The step that collects the inventory of `nodes`: one association for every managed
/// node (`InstanceIds=*`) when none is collected yet and no node was picked, else one per
/// 50 of the nodes named.
pub fn inventory_step(s: &Snapshot, nodes: &[String], picked: bool) -> Step {
    let managed = s.nodes.nodes.len();
    let every = !picked && managed > 0 && nodes.len() == managed;
    let targets: Vec<Vec<AssociationTarget>> = if every {
        vec![vec![AssociationTarget::every_node()]]
    } else {
        nodes
            .chunks(ASSOCIATION_MAX_IDS)
            .map(|ids| {
                vec![AssociationTarget {
                    key: "InstanceIds".into(),
                    values: ids.to_vec(),
                }]
            })
            .collect()
    };
    Step {
        kind: StepKind::Inventory,
        title: StepTitle::Inventory {
            nodes: nodes.len(),
            every,
        },
        selected: true,
        calls: targets
            .into_iter()
            .map(|targets| Call::CreateAssociation {
                name: INVENTORY_ASSOCIATION_NAME.into(),
                document: INVENTORY_DOCUMENT.into(),
                targets,
                schedule: INVENTORY_SCHEDULE.into(),
                parameters: inventory_parameters(),
            })
            .collect(),
        notes: Vec::new(),
    }
}

/// Inventory for the managed nodes that lack it: the `marked` ones, or all of them.
pub fn plan_inventory(s: &Snapshot, r: &Readiness, marked: &[String]) -> Plan {
    let nodes = uncollected(r, marked);
    let mut plan = Plan {
        subject: Subject::Inventory,
        place: String::new(),
        steps: Vec::new(),
    };
    plan.push(inventory_step(s, &nodes, !marked.is_empty()));
    plan
}
