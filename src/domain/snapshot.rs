//! Everything known about the account, with per-source freshness and last error.

use std::collections::BTreeMap;

use jiff::Timestamp;
use serde::Serialize;

use super::model::{
    Command, Identity, Instance, InstanceProfile, InventorySummary, MaintenanceWindow, ManagedNode,
    NatGateway, NetworkAcl, PatchState, ProfileAssociation, Role, RouteTable, SecurityGroup,
    StateAssociation, Subnet, Vpc, VpcEndpoint,
};

/// One independently polled group of reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Source {
    Network,
    Instances,
    Iam,
    Nodes,
    Inventory,
    Patches,
    Commands,
    Windows,
    /// State Manager associations.
    Associations,
}

impl Source {
    /// What readiness needs (and `check` reads).
    pub const CORE: [Source; 4] = [Self::Network, Self::Instances, Self::Iam, Self::Nodes];
    pub const ALL: [Source; 9] = [
        Self::Network,
        Self::Instances,
        Self::Iam,
        Self::Nodes,
        Self::Inventory,
        Self::Patches,
        Self::Commands,
        Self::Windows,
        Self::Associations,
    ];
    pub fn name(self) -> &'static str {
        match self {
            Self::Network => "network",
            Self::Instances => "instances",
            Self::Iam => "iam",
            Self::Nodes => "nodes",
            Self::Inventory => "inventory",
            Self::Patches => "patches",
            Self::Commands => "commands",
            Self::Windows => "windows",
            Self::Associations => "associations",
        }
    }
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct SourceStatus {
    /// When the last good data arrived.
    pub fetched_at: Option<Timestamp>,
    /// The last failure, kept beside the last good data until a success clears it.
    #[serde(skip)]
    pub error: Option<super::error::CloudError>,
    /// With several scopes: the region whose read failed.
    #[serde(skip)]
    pub error_scope: Option<String>,
    pub error_at: Option<Timestamp>,
    pub in_flight: bool,
    /// After a failure: when the poller tries again (its back-off).
    #[serde(skip)]
    pub retry_at: Option<Timestamp>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Hash, Serialize)]
pub struct NetworkData {
    pub vpcs: Vec<Vpc>,
    pub subnets: Vec<Subnet>,
    pub route_tables: Vec<RouteTable>,
    pub security_groups: Vec<SecurityGroup>,
    pub endpoints: Vec<VpcEndpoint>,
    /// Empty when they could not be read: the rules that need them are then skipped.
    pub network_acls: Vec<NetworkAcl>,
    pub nat_gateways: Vec<NatGateway>,
    /// Whether the NAT gateways were read (an empty list is then a fact).
    pub nat_gateways_known: bool,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Hash, Serialize)]
pub struct InstanceData {
    pub instances: Vec<Instance>,
    pub associations: Vec<ProfileAssociation>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Hash, Serialize)]
pub struct IamData {
    pub roles: Vec<Role>,
    pub profiles: Vec<InstanceProfile>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Hash, Serialize)]
pub struct NodeData {
    pub nodes: Vec<ManagedNode>,
    /// Default Host Management Configuration; `None` when unknown.
    pub dhmc: Option<bool>,
    /// The role the DHMC service setting names (`service-role/…`), when it is on.
    pub dhmc_role: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Snapshot {
    pub identity: Identity,
    pub network: NetworkData,
    pub instances: InstanceData,
    pub iam: IamData,
    pub nodes: NodeData,
    pub inventory: Vec<InventorySummary>,
    pub patches: Vec<PatchState>,
    pub commands: Vec<Command>,
    pub windows: Vec<MaintenanceWindow>,
    /// State Manager associations (ListAssociations).
    pub state_associations: Vec<StateAssociation>,
    pub status: BTreeMap<Source, SourceStatus>,
}

impl Snapshot {
    pub fn status(&self, source: Source) -> SourceStatus {
        self.status.get(&source).cloned().unwrap_or_default()
    }
    pub fn has_data(&self, source: Source) -> bool {
        self.status
            .get(&source)
            .is_some_and(|s| s.fetched_at.is_some())
    }
}
