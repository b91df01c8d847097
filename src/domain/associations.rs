//! Which State Manager associations reach a node, and whether one collects its inventory.
//! Pure: targets matched against a node's id and tags as State Manager matches them.

use super::findings::{Finding, FindingKind, Fix, Rule, Severity};
use super::model::{AssociationTarget, INVENTORY_DOCUMENT, StateAssociation};

impl AssociationTarget {
    /// Whether this target takes the node: `InstanceIds` naming it (or `*`), `tag:KEY`
    /// with one of the values on the node's tag. Other keys (resource groups) cannot be
    /// decided here and take nothing.
    pub fn covers(&self, node_id: &str, tags: &[(String, String)]) -> bool {
        if self.key == "InstanceIds" {
            return self.values.iter().any(|v| v == "*" || v == node_id);
        }
        match self.key.strip_prefix("tag:") {
            Some(key) => tags
                .iter()
                .any(|(k, v)| k == key && self.values.iter().any(|want| want == v)),
            None => false,
        }
    }
}

impl StateAssociation {
    /// Whether the association runs on the node: every one of its targets takes it (an
    /// association without targets names no node).
    pub fn targets_node(&self, node_id: &str, tags: &[(String, String)]) -> bool {
        !self.targets.is_empty() && self.targets.iter().all(|t| t.covers(node_id, tags))
    }

    pub fn collects_inventory(&self) -> bool {
        self.document == INVENTORY_DOCUMENT
    }
}

/// The associations that run on the node.
pub fn node_associations<'a>(
    associations: &'a [StateAssociation],
    node_id: &str,
    tags: &[(String, String)],
) -> Vec<&'a StateAssociation> {
    associations
        .iter()
        .filter(|a| a.targets_node(node_id, tags))
        .collect()
}

/// The association that collects the node's inventory, if any does.
pub fn inventory_association<'a>(
    associations: &'a [StateAssociation],
    node_id: &str,
    tags: &[(String, String)],
) -> Option<&'a StateAssociation> {
    associations
        .iter()
        .find(|a| a.collects_inventory() && a.targets_node(node_id, tags))
}

/// [`inventory_finding`] for a hybrid node, whose tags the node list does not carry: no
/// association names it (by id or `*`), and either none targets tags or its inventory is
/// known to be absent (`collected`: `None` when the inventory was not read).
pub fn hybrid_inventory_finding(
    associations: &[StateAssociation],
    node_id: &str,
    collected: Option<bool>,
) -> Option<Finding> {
    let inventory = || associations.iter().filter(|a| a.collects_inventory());
    if collected == Some(true) || inventory().any(|a| a.targets_node(node_id, &[])) {
        return None;
    }
    let by_tag = inventory().any(|a| a.targets.iter().any(|t| t.key.starts_with("tag:")));
    if by_tag && collected.is_none() {
        return None;
    }
    inventory_finding(&[], node_id, &[])
}

/// A finding on a managed node no `AWS-GatherSoftwareInventory` association targets.
pub fn inventory_finding(
    associations: &[StateAssociation],
    node_id: &str,
    tags: &[(String, String)],
) -> Option<Finding> {
    inventory_association(associations, node_id, tags)
        .is_none()
        .then(|| {
            Finding::new(
                Rule::Inventory,
                Severity::Warning,
                node_id,
                FindingKind::InventoryNotCollected,
                Fix::SetupInventory {
                    instance_id: node_id.to_string(),
                },
            )
        })
}
