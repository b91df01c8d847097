//! What Systems Manager knows about the fleet: nodes, patches, commands, inventory.

use jiff::Timestamp;
use serde::Serialize;

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

/// What a managed node runs on: the node list's `ResourceType`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum NodeKind {
    /// `EC2Instance`: an `i-…` instance of this account.
    Ec2,
    /// `ManagedInstance`: an `mi-…` server or VM registered with a hybrid activation.
    Hybrid,
}

impl NodeKind {
    /// The `ResourceType` when the API gave one; else what the id says (`mi-…` is hybrid).
    pub fn parse(resource_type: Option<&str>, instance_id: &str) -> Self {
        match resource_type {
            Some("ManagedInstance") => Self::Hybrid,
            Some("EC2Instance") => Self::Ec2,
            _ if instance_id.starts_with("mi-") => Self::Hybrid,
            _ => Self::Ec2,
        }
    }
    /// The API's word: `EC2Instance` / `ManagedInstance`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Ec2 => "EC2Instance",
            Self::Hybrid => "ManagedInstance",
        }
    }
}

/// One entry of DescribeInstanceProperties / DescribeInstanceInformation.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
pub struct ManagedNode {
    pub instance_id: String,
    pub kind: NodeKind,
    /// The name given at registration (hybrid) or the `Name` tag (EC2), when any.
    pub name: Option<String>,
    /// The hybrid activation the node registered with.
    pub activation_id: Option<String>,
    /// When the node registered with Systems Manager.
    pub registered: Option<Timestamp>,
    /// Where the node comes from beyond EC2, e.g. `AWS::IoT::Thing` and its id.
    pub source_id: Option<String>,
    pub source_type: Option<String>,
    pub ping: PingStatus,
    pub last_ping: Option<Timestamp>,
    pub agent_version: Option<String>,
    pub is_latest_version: Option<bool>,
    pub platform_type: Option<String>,
    pub platform_name: Option<String>,
    pub platform_version: Option<String>,
    pub ip_address: Option<String>,
    pub computer_name: Option<String>,
    /// The instance profile's role (EC2) or the activation's service role (hybrid).
    pub iam_role: Option<String>,
}

impl ManagedNode {
    pub fn is_hybrid(&self) -> bool {
        self.kind == NodeKind::Hybrid
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
pub enum PatchOperation {
    Scan,
    Install,
}

/// One entry of DescribeInstancePatchStates, with its baseline's name (DescribePatchBaselines
/// / GetPatchBaseline) when it could be read.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
pub struct PatchState {
    pub instance_id: String,
    pub baseline_id: String,
    pub baseline_name: Option<String>,
    pub patch_group: Option<String>,
    pub operation: PatchOperation,
    pub operation_start: Option<Timestamp>,
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
    /// `RebootIfNeeded` or `NoReboot`.
    pub reboot_option: Option<String>,
}

impl PatchState {
    /// Nothing missing, failed, waiting for a reboot or installed though rejected; patches
    /// that do not apply to the node (`not_applicable`) never count against it.
    pub fn compliant(&self) -> bool {
        self.missing == 0
            && self.failed == 0
            && self.installed_pending_reboot == 0
            && self.installed_rejected == 0
    }

    /// When the last operation ran: its end, else its start.
    pub fn last_run(&self) -> Option<Timestamp> {
        self.operation_end.or(self.operation_start)
    }
}

/// One patch baseline of DescribePatchBaselines or GetPatchBaseline.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
pub struct PatchBaseline {
    pub id: String,
    pub name: String,
    pub operating_system: Option<String>,
    /// AWS's default baseline for its operating system (or the account's own default).
    pub default: bool,
    /// The patch groups registered for it (GetPatchBaseline only).
    pub patch_groups: Vec<String>,
}

/// Which patches of a node DescribeInstancePatches returns (its `Filters`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize)]
pub enum PatchFilter {
    #[default]
    All,
    /// `State` = `Missing`, `Failed`.
    MissingOrFailed,
    /// `Severity` = `Critical`.
    Critical,
}

impl PatchFilter {
    /// The filter after this one, for a key that cycles through them.
    pub fn next(self) -> Self {
        match self {
            Self::All => Self::MissingOrFailed,
            Self::MissingOrFailed => Self::Critical,
            Self::Critical => Self::All,
        }
    }

    /// The `Filters` sent: `(Key, Values)` pairs.
    pub fn api_filters(self) -> Vec<(&'static str, Vec<&'static str>)> {
        match self {
            Self::All => Vec::new(),
            Self::MissingOrFailed => vec![("State", vec!["Missing", "Failed"])],
            Self::Critical => vec![("Severity", vec!["Critical"])],
        }
    }

    /// Whether `entry` passes, as the API filters.
    pub fn admits(self, entry: &PatchEntry) -> bool {
        self.api_filters().iter().all(|(key, values)| match *key {
            "State" => values.contains(&entry.state.as_str()),
            "Severity" => values.contains(&entry.severity.as_str()),
            _ => true,
        })
    }
}

/// One patch of DescribeInstancePatches.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
pub struct PatchEntry {
    pub title: String,
    pub kb_id: String,
    pub classification: String,
    pub severity: String,
    pub state: String,
    pub installed_time: Option<Timestamp>,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
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
    /// Where the whole output goes besides the API's first 24,000 / 8,000 characters.
    pub output: OutputConfig,
}

/// A command's output also written to S3 and/or CloudWatch Logs (SendCommand's
/// `OutputS3BucketName`, `OutputS3KeyPrefix`, `CloudWatchOutputConfig`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash, Serialize)]
pub struct OutputConfig {
    pub s3_bucket: Option<String>,
    pub s3_prefix: Option<String>,
    pub log_group: Option<String>,
}

impl OutputConfig {
    pub fn is_set(&self) -> bool {
        self.s3_bucket.is_some() || self.log_group.is_some()
    }

    /// `s3://bucket/prefix`, `CloudWatch Logs group` — where the output was written.
    pub fn places(&self) -> Vec<String> {
        let mut out = Vec::new();
        if let Some(b) = &self.s3_bucket {
            out.push(match self.s3_prefix.as_deref().filter(|p| !p.is_empty()) {
                Some(p) => format!("s3://{b}/{}", p.trim_end_matches('/')),
                None => format!("s3://{b}"),
            });
        }
        if let Some(g) = &self.log_group {
            out.push(format!("logs:{g}"));
        }
        out
    }
}

/// GetCommandInvocation keeps this many characters of standard output…
pub const STDOUT_LIMIT: usize = 24_000;
/// …and of standard error.
pub const STDERR_LIMIT: usize = 8_000;

#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
pub struct Invocation {
    pub command_id: String,
    pub instance_id: String,
    pub status: String,
    pub status_details: String,
    pub response_code: Option<i32>,
    pub stdout: String,
    pub stderr: String,
    /// Where `stdout` and `stderr` were read whole from (S3, CloudWatch Logs), when the
    /// API's were cut or empty.
    pub read_from: Option<String>,
}

impl Invocation {
    /// The API cut the output it returned.
    pub fn cut(&self) -> bool {
        self.stdout.chars().count() >= STDOUT_LIMIT || self.stderr.chars().count() >= STDERR_LIMIT
    }
}

/// Row of ListInventoryEntries for one type (e.g. `AWS:Application`): field → value.
pub type InventoryEntry = std::collections::BTreeMap<String, String>;

#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
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
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
pub struct InventorySummary {
    pub instance_id: String,
    pub application_count: usize,
    pub capture_time: Option<Timestamp>,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
pub struct WindowTarget {
    pub id: String,
    pub name: Option<String>,
    /// `Key=Values` pairs, e.g. `tag:Patch=weekly` or `InstanceIds=i-1,i-2`.
    pub targets: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
pub struct WindowTask {
    pub id: String,
    /// The document or task ARN, e.g. `AWS-RunPatchBaseline`.
    pub task: String,
    pub task_type: String,
    pub priority: i32,
    pub max_concurrency: Option<String>,
    pub max_errors: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
pub struct WindowExecution {
    pub id: String,
    pub status: String,
    pub start: Option<Timestamp>,
    pub end: Option<Timestamp>,
}

/// Who we are talking to: shown in the header.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Default)]
pub struct Identity {
    pub account: Option<String>,
    pub arn: Option<String>,
    pub region: String,
    /// `sandbox: lab`, `profile default`, …
    pub label: String,
}
