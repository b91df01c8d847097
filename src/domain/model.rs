//! Plain data the whole program shares. Shaped after the AWS APIs, free of SDK types.

use jiff::Timestamp;
use serde::Serialize;

pub const CORE_POLICY_ARN: &str = "arn:aws:iam::aws:policy/AmazonSSMManagedInstanceCore";
pub const DEPRECATED_POLICY_ARN: &str = "arn:aws:iam::aws:policy/service-role/AmazonEC2RoleforSSM";
pub const DEFAULT_ROLE_NAME: &str = "ManagedInstancesRole";
pub const EC2_SERVICE_PRINCIPAL: &str = "ec2.amazonaws.com";

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Vpc {
    pub id: String,
    pub name: Option<String>,
    pub cidr: String,
    pub is_default: bool,
    /// `enableDnsSupport`; `None` when it could not be read.
    pub dns_support: Option<bool>,
    /// `enableDnsHostnames`; `None` when it could not be read.
    pub dns_hostnames: Option<bool>,
}

impl Vpc {
    pub fn label(&self) -> &str {
        self.name.as_deref().unwrap_or(&self.id)
    }
}

/// The two VPC attributes endpoint private DNS needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum VpcDnsAttribute {
    EnableDnsSupport,
    EnableDnsHostnames,
}

impl VpcDnsAttribute {
    pub fn name(self) -> &'static str {
        match self {
            Self::EnableDnsSupport => "enableDnsSupport",
            Self::EnableDnsHostnames => "enableDnsHostnames",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Subnet {
    pub id: String,
    pub vpc_id: String,
    pub name: Option<String>,
    pub az: String,
    pub cidr: String,
    pub map_public_ip_on_launch: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub enum RouteTarget {
    Local,
    InternetGateway(String),
    NatGateway(String),
    VpcEndpoint(String),
    Other(String),
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Route {
    pub destination: String,
    pub target: RouteTarget,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RouteTable {
    pub id: String,
    pub vpc_id: String,
    pub is_main: bool,
    pub subnet_ids: Vec<String>,
    pub routes: Vec<Route>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct IngressRule {
    /// `tcp`, `udp`, `icmp` or `-1` for all traffic.
    pub protocol: String,
    pub from_port: Option<i32>,
    pub to_port: Option<i32>,
    pub cidrs: Vec<String>,
    pub source_group_ids: Vec<String>,
}

impl IngressRule {
    pub fn covers_tcp_port(&self, port: i32) -> bool {
        match self.protocol.as_str() {
            "-1" | "all" => true,
            "tcp" | "6" => match (self.from_port, self.to_port) {
                (Some(from), Some(to)) => from <= port && port <= to,
                (None, None) => true,
                (Some(p), None) | (None, Some(p)) => p == port,
            },
            _ => false,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SecurityGroup {
    pub id: String,
    pub vpc_id: String,
    pub name: String,
    pub ingress: Vec<IngressRule>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum EndpointType {
    Interface,
    Gateway,
    Other,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub enum EndpointState {
    Pending,
    Available,
    Failed,
    Deleting,
    Other(String),
}

impl EndpointState {
    pub fn parse(s: &str) -> Self {
        match s.to_ascii_lowercase().as_str() {
            "pending" | "pendingacceptance" => Self::Pending,
            "available" => Self::Available,
            "failed" | "rejected" => Self::Failed,
            "deleting" | "deleted" => Self::Deleting,
            other => Self::Other(other.to_string()),
        }
    }
    pub fn as_str(&self) -> &str {
        match self {
            Self::Pending => "pending",
            Self::Available => "available",
            Self::Failed => "failed",
            Self::Deleting => "deleting",
            Self::Other(s) => s,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct VpcEndpoint {
    pub id: String,
    pub vpc_id: String,
    pub service_name: String,
    pub kind: EndpointType,
    pub state: EndpointState,
    pub private_dns: bool,
    pub subnet_ids: Vec<String>,
    pub security_group_ids: Vec<String>,
    pub route_table_ids: Vec<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
pub enum InstanceState {
    Pending,
    Running,
    Stopping,
    Stopped,
    ShuttingDown,
    Terminated,
}

impl InstanceState {
    pub fn parse(s: &str) -> Self {
        match s {
            "pending" => Self::Pending,
            "running" => Self::Running,
            "stopping" => Self::Stopping,
            "stopped" => Self::Stopped,
            "shutting-down" => Self::ShuttingDown,
            _ => Self::Terminated,
        }
    }
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Pending => "pending",
            Self::Running => "running",
            Self::Stopping => "stopping",
            Self::Stopped => "stopped",
            Self::ShuttingDown => "shutting-down",
            Self::Terminated => "terminated",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Instance {
    pub id: String,
    pub name: Option<String>,
    pub state: InstanceState,
    pub vpc_id: Option<String>,
    pub subnet_id: Option<String>,
    pub az: Option<String>,
    pub private_ip: Option<String>,
    pub public_ip: Option<String>,
    /// `windows` for Windows, `None` for Linux/UNIX (as DescribeInstances reports it).
    pub platform: Option<String>,
    pub security_group_ids: Vec<String>,
    /// ARN of the attached instance profile, as DescribeInstances reports it.
    pub profile_arn: Option<String>,
    pub imds_v2_required: bool,
    pub launch_time: Option<Timestamp>,
    /// Tags other than Name, as (key, value).
    pub tags: Vec<(String, String)>,
}

impl Instance {
    pub fn is_windows(&self) -> bool {
        self.platform
            .as_deref()
            .is_some_and(|p| p.eq_ignore_ascii_case("windows"))
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum AssociationState {
    Associating,
    Associated,
    Disassociating,
    Disassociated,
}

impl AssociationState {
    pub fn parse(s: &str) -> Self {
        match s {
            "associating" => Self::Associating,
            "associated" => Self::Associated,
            "disassociating" => Self::Disassociating,
            _ => Self::Disassociated,
        }
    }
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Associating => "associating",
            Self::Associated => "associated",
            Self::Disassociating => "disassociating",
            Self::Disassociated => "disassociated",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ProfileAssociation {
    pub id: String,
    pub instance_id: String,
    pub profile_arn: String,
    pub state: AssociationState,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Role {
    pub name: String,
    pub arn: String,
    /// Service principals allowed to assume the role (from its trust policy).
    pub trusted_services: Vec<String>,
    pub attached_policy_arns: Vec<String>,
}

impl Role {
    pub fn trusts_ec2(&self) -> bool {
        self.trusted_services
            .iter()
            .any(|s| s == EC2_SERVICE_PRINCIPAL)
    }
    pub fn ssm_policy(&self) -> SsmPolicy {
        if self
            .attached_policy_arns
            .iter()
            .any(|a| a == CORE_POLICY_ARN)
        {
            SsmPolicy::Core
        } else if self
            .attached_policy_arns
            .iter()
            .any(|a| a == DEPRECATED_POLICY_ARN)
        {
            SsmPolicy::Deprecated
        } else {
            SsmPolicy::None
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum SsmPolicy {
    Core,
    Deprecated,
    None,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct InstanceProfile {
    pub name: String,
    pub arn: String,
    pub role_names: Vec<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
pub enum PingStatus {
    Online,
    ConnectionLost,
    Inactive,
}

impl PingStatus {
    pub fn parse(s: &str) -> Self {
        match s {
            "Online" => Self::Online,
            "ConnectionLost" => Self::ConnectionLost,
            _ => Self::Inactive,
        }
    }
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Online => "Online",
            Self::ConnectionLost => "ConnectionLost",
            Self::Inactive => "Inactive",
        }
    }
}

/// One entry of DescribeInstanceProperties / DescribeInstanceInformation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ManagedNode {
    pub instance_id: String,
    pub ping: PingStatus,
    pub last_ping: Option<Timestamp>,
    pub agent_version: Option<String>,
    pub is_latest_version: Option<bool>,
    pub platform_type: Option<String>,
    pub platform_name: Option<String>,
    pub platform_version: Option<String>,
    pub ip_address: Option<String>,
    pub computer_name: Option<String>,
    pub iam_role: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum PatchOperation {
    Scan,
    Install,
}

/// One entry of DescribeInstancePatchStates.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PatchState {
    pub instance_id: String,
    pub baseline_id: String,
    pub operation: PatchOperation,
    pub operation_end: Option<Timestamp>,
    pub installed: i32,
    pub installed_other: i32,
    pub installed_pending_reboot: i32,
    pub installed_rejected: i32,
    pub missing: i32,
    pub failed: i32,
    pub not_applicable: i32,
    pub critical_non_compliant: i32,
    pub security_non_compliant: i32,
    pub other_non_compliant: i32,
}

impl PatchState {
    pub fn compliant(&self) -> bool {
        self.missing == 0 && self.failed == 0 && self.installed_pending_reboot == 0
    }
}

/// One patch of DescribeInstancePatches.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PatchEntry {
    pub title: String,
    pub kb_id: String,
    pub classification: String,
    pub severity: String,
    pub state: String,
    pub installed_time: Option<Timestamp>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Command {
    pub id: String,
    pub document: String,
    pub comment: Option<String>,
    pub instance_ids: Vec<String>,
    pub requested: Option<Timestamp>,
    /// Pending, InProgress, Success, Cancelled, Failed, TimedOut, Cancelling.
    pub status: String,
    pub target_count: i32,
    pub completed_count: i32,
    pub error_count: i32,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Invocation {
    pub command_id: String,
    pub instance_id: String,
    pub status: String,
    pub status_details: String,
    pub response_code: Option<i32>,
    pub stdout: String,
    pub stderr: String,
}

/// Row of ListInventoryEntries for one type (e.g. `AWS:Application`): field → value.
pub type InventoryEntry = std::collections::BTreeMap<String, String>;

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct MaintenanceWindow {
    pub id: String,
    pub name: String,
    pub schedule: String,
    pub enabled: bool,
    pub next_execution: Option<String>,
    pub duration_hours: i32,
    pub cutoff_hours: i32,
}

/// What GetInventory says about one node: its application count and when it was collected.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct InventorySummary {
    pub instance_id: String,
    pub application_count: usize,
    pub capture_time: Option<Timestamp>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct WindowTarget {
    pub id: String,
    pub name: Option<String>,
    /// `Key=Values` pairs, e.g. `tag:Patch=weekly` or `InstanceIds=i-1,i-2`.
    pub targets: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct WindowTask {
    pub id: String,
    /// The document or task ARN, e.g. `AWS-RunPatchBaseline`.
    pub task: String,
    pub task_type: String,
    pub priority: i32,
    pub max_concurrency: Option<String>,
    pub max_errors: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct WindowExecution {
    pub id: String,
    pub status: String,
    pub start: Option<Timestamp>,
    pub end: Option<Timestamp>,
}

/// Who we are talking to: shown in the header.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Default)]
pub struct Identity {
    pub account: Option<String>,
    pub arn: Option<String>,
    pub region: String,
    /// `sandbox: lab`, `profile default`, …
    pub label: String,
}
