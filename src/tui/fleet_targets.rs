//! Which nodes a fleet action is for: the marked or selected ones, those online in
//! Systems Manager, and Linux apart from Windows (EC2 instances and hybrid nodes alike).

use super::app::{App, Pane};

/// Marked nodes of the node panes, else the selected node of this pane.
pub(super) fn target_ids(app: &App) -> Vec<String> {
    let mut ids: Vec<String> = [Pane::Instances, Pane::Inventory, Pane::Patches]
        .iter()
        .filter_map(|p| app.pane_table(*p))
        .flat_map(|t| t.marks.iter().cloned())
        .collect();
    ids.sort();
    ids.dedup();
    let by_group = app.group.is_some();
    if ids.is_empty()
        && !by_group
        && matches!(app.pane, Pane::Instances | Pane::Inventory | Pane::Patches)
        && app.drill.is_none()
    {
        ids.extend(app.selected_id());
    }
    ids
}

/// Whether the node list was never read (an endpoint without it, as moto): no node can
/// be said offline, SendCommand decides.
pub(super) fn nodes_unknown(app: &App) -> bool {
    let st = app.snapshot.status(crate::domain::snapshot::Source::Nodes);
    st.fetched_at.is_none() && st.error.is_some()
}

/// The chosen nodes that are online in Systems Manager, and the others.
pub(super) fn online_only(app: &App, ids: &[String]) -> (Vec<String>, Vec<String>) {
    if nodes_unknown(app) {
        return (ids.to_vec(), Vec::new());
    }
    let online: std::collections::HashSet<&str> = app
        .nodes()
        .filter(|n| n.ping == crate::domain::model::PingStatus::Online)
        .map(|n| n.instance_id.as_str())
        .collect();
    ids.iter()
        .cloned()
        .partition(|id| online.contains(id.as_str()))
}

pub(super) fn split_platforms(app: &App, ids: &[String]) -> (Vec<String>, Vec<String>) {
    // A hybrid node is in the node list only: its platform type says.
    let hybrid_windows: std::collections::HashMap<&str, bool> = app
        .nodes()
        .filter(|n| n.is_hybrid())
        .map(|n| {
            let windows = n.platform_type.as_deref() == Some("Windows");
            (n.instance_id.as_str(), windows)
        })
        .collect();
    let ec2_windows: std::collections::HashSet<&str> = app
        .instances()
        .filter(|i| i.is_windows())
        .map(|i| i.id.as_str())
        .collect();
    let windows = |id: &String| {
        hybrid_windows
            .get(id.as_str())
            .copied()
            .unwrap_or_else(|| ec2_windows.contains(id.as_str()))
    };
    ids.iter().cloned().partition(|id| !windows(id))
}
