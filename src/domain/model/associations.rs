//! State Manager associations: what ListAssociations / DescribeAssociation say about one,
//! and what DescribeInstanceAssociationsStatus says about one on a node.

use jiff::Timestamp;
use serde::Serialize;

/// The document that collects inventory.
pub const INVENTORY_DOCUMENT: &str = "AWS-GatherSoftwareInventory";
/// How often the console's "Setup Inventory" collects.
pub const INVENTORY_SCHEDULE: &str = "rate(30 minutes)";
/// The name ssmdeck gives the inventory association it creates.
pub const INVENTORY_ASSOCIATION_NAME: &str = "ssmdeck-inventory";

/// One target of an association: `InstanceIds` (the value `*`: every managed node) or
/// `tag:KEY` with the values a node's tag may have.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
pub struct AssociationTarget {
    pub key: String,
    pub values: Vec<String>,
}

impl AssociationTarget {
    pub fn new(key: &str, values: &[&str]) -> Self {
        Self {
            key: key.to_string(),
            values: values.iter().map(ToString::to_string).collect(),
        }
    }

    /// `InstanceIds=*`: every managed node of the region.
    pub fn every_node() -> Self {
        Self::new("InstanceIds", &["*"])
    }

    /// `tag:Env=prod,staging`.
    pub fn text(&self) -> String {
        format!("{}={}", self.key, self.values.join(","))
    }
}

/// One State Manager association (ListAssociations, DescribeAssociation).
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash, Serialize)]
pub struct StateAssociation {
    pub id: String,
    /// Its own name (`AssociationName`), when it has one.
    pub name: Option<String>,
    /// The SSM document it runs.
    pub document: String,
    pub targets: Vec<AssociationTarget>,
    /// `rate(30 minutes)`, `cron(…)`; `None`: it ran once, when created.
    pub schedule: Option<String>,
    pub last_execution: Option<Timestamp>,
    /// The overview: `Success`, `Failed`, `Pending`.
    pub status: Option<String>,
    pub detailed_status: Option<String>,
    /// Nodes per status (`Success` → 10).
    pub status_counts: Vec<(String, i32)>,
    /// Its parameters, as DescribeAssociation gives them (ListAssociations does not).
    pub parameters: Vec<(String, Vec<String>)>,
}

impl StateAssociation {
    /// Its name, or its id when it has none.
    pub fn label(&self) -> &str {
        self.name.as_deref().unwrap_or(&self.id)
    }
}

/// How one association went on one node (DescribeInstanceAssociationsStatus).
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash, Serialize)]
pub struct NodeAssociation {
    pub association_id: String,
    pub association_name: Option<String>,
    pub document: String,
    pub instance_id: String,
    /// `Success`, `Failed`, `Pending`.
    pub status: String,
    pub detailed_status: Option<String>,
    pub execution_date: Option<Timestamp>,
    pub execution_summary: Option<String>,
    pub error_code: Option<String>,
}

/// CreateAssociation: a document on targets, on a schedule, with its parameters.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
pub struct CreateAssociationRequest {
    pub name: String,
    pub document: String,
    pub targets: Vec<AssociationTarget>,
    pub schedule: String,
    pub parameters: Vec<(String, Vec<String>)>,
}

/// The parameters the console's "Setup Inventory" gives `AWS-GatherSoftwareInventory`:
/// everything collected.
pub fn inventory_parameters() -> Vec<(String, Vec<String>)> {
    [
        "applications",
        "awsComponents",
        "networkConfig",
        "windowsUpdates",
        "instanceDetailedInformation",
        "services",
        "windowsRoles",
        "customInventory",
    ]
    .iter()
    .map(|k| (k.to_string(), vec!["Enabled".to_string()]))
    .collect()
}
