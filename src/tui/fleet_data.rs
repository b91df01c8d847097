//! The fleet's long lists (instances, managed nodes) as the console reads them: with
//! several scopes each scope's own — the whole view keeps no copy of them, so memory
//! grows with the fleet once, not once per layer — else the one snapshot.

use super::app::App;
use crate::domain::model::{Instance, ManagedNode};
use crate::domain::snapshot::Snapshot;

impl App {
    /// Each scope's data (the one snapshot with a single scope).
    pub fn snapshots(&self) -> impl Iterator<Item = &Snapshot> + '_ {
        let multi = self.multi();
        std::iter::once(&*self.snapshot)
            .filter(move |_| !multi)
            .chain(
                self.scopes
                    .iter()
                    .filter(move |_| multi)
                    .map(|v| &*v.snapshot),
            )
    }

    /// Every EC2 instance of the view.
    pub fn instances(&self) -> impl Iterator<Item = &Instance> + '_ {
        self.snapshots().flat_map(|s| s.instances.instances.iter())
    }

    /// Every managed node of the view (EC2 and hybrid).
    pub fn nodes(&self) -> impl Iterator<Item = &ManagedNode> + '_ {
        self.snapshots().flat_map(|s| s.nodes.nodes.iter())
    }

    pub fn node_count(&self) -> usize {
        self.snapshots().map(|s| s.nodes.nodes.len()).sum()
    }

    /// The data of the scope that holds `id` (an instance, VPC, command, window or
    /// association), or the whole view's.
    pub fn data_of(&self, id: &str) -> &Snapshot {
        self.scope_data(self.owner_of(id)).0
    }

    pub fn instance(&self, id: &str) -> Option<&Instance> {
        self.data_of(id)
            .instances
            .instances
            .iter()
            .find(|i| i.id == id)
            .or_else(|| self.instances().find(|i| i.id == id))
    }

    pub fn node(&self, id: &str) -> Option<&ManagedNode> {
        self.data_of(id)
            .nodes
            .nodes
            .iter()
            .find(|n| n.instance_id == id)
            .or_else(|| self.nodes().find(|n| n.instance_id == id))
    }

    /// How many instances `:group` holds.
    pub fn group_size(&self) -> usize {
        self.snapshots()
            .filter_map(|s| super::drill_rows::group_members(s, self.group.as_ref()))
            .map(|m| m.len())
            .sum()
    }
}
