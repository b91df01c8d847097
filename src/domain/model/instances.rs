//! Instances, their network interfaces and metadata options, profile associations.

use jiff::Timestamp;
use serde::Serialize;

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

#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
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
    /// The instance's top-level security groups (empty in moto for an instance launched
    /// with `--network-interfaces`): [`Instance::group_ids`] is what filters its traffic.
    pub security_group_ids: Vec<String>,
    /// The network interfaces, each with its own subnet and security groups.
    pub network_interfaces: Vec<NetworkInterface>,
    /// ARN of the attached instance profile, as DescribeInstances reports it.
    pub profile_arn: Option<String>,
    pub metadata: MetadataOptions,
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

    /// The interface the instance's own traffic leaves by: device index 0, else the first.
    pub fn primary_interface(&self) -> Option<&NetworkInterface> {
        self.network_interfaces
            .iter()
            .find(|n| n.device_index == Some(0))
            .or_else(|| self.network_interfaces.first())
    }

    /// The security groups that filter the instance's traffic: its primary interface's,
    /// else the top-level list.
    pub fn group_ids(&self) -> &[String] {
        match self.primary_interface() {
            Some(n) if !n.group_ids.is_empty() => &n.group_ids,
            _ => &self.security_group_ids,
        }
    }

    /// The subnet the instance's traffic starts in: its primary interface's, else its own.
    pub fn path_subnet_id(&self) -> Option<&str> {
        self.primary_interface()
            .and_then(|n| n.subnet_id.as_deref())
            .or(self.subnet_id.as_deref())
    }

    /// The private address of the primary interface, else the instance's.
    pub fn path_private_ip(&self) -> Option<&str> {
        self.primary_interface()
            .and_then(|n| n.private_ip.as_deref())
            .or(self.private_ip.as_deref())
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
pub struct NetworkInterface {
    pub id: String,
    pub subnet_id: Option<String>,
    pub device_index: Option<i32>,
    pub private_ip: Option<String>,
    pub group_ids: Vec<String>,
}

/// `MetadataOptions` of DescribeInstances: how the instance metadata service answers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
pub struct MetadataOptions {
    /// `HttpEndpoint = enabled`: without it the agent gets no region, identity or credentials.
    pub endpoint_enabled: bool,
    /// `HttpTokens = required` (IMDSv2 only).
    pub tokens_required: bool,
    /// `HttpPutResponseHopLimit`, where reported.
    pub hop_limit: Option<i32>,
}

impl Default for MetadataOptions {
    fn default() -> Self {
        Self {
            endpoint_enabled: true,
            tokens_required: false,
            hop_limit: None,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
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

#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
pub struct ProfileAssociation {
    pub id: String,
    pub instance_id: String,
    pub profile_arn: String,
    pub state: AssociationState,
}
