//! VPCs, subnets, routes, security groups, network ACLs, NAT gateways and endpoints.

use serde::Serialize;

#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
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
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
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

#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
pub struct Subnet {
    pub id: String,
    pub vpc_id: String,
    pub name: Option<String>,
    pub az: String,
    pub cidr: String,
    pub map_public_ip_on_launch: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
pub enum RouteTarget {
    Local,
    InternetGateway(String),
    NatGateway(String),
    VpcEndpoint(String),
    TransitGateway(String),
    PeeringConnection(String),
    VpnGateway(String),
    /// Anything else, and routes that lead nowhere (`blackhole …`).
    Other(String),
}

impl RouteTarget {
    /// The target's id (`local` for the VPC's own route).
    pub fn id(&self) -> &str {
        match self {
            RouteTarget::Local => "local",
            RouteTarget::InternetGateway(id)
            | RouteTarget::NatGateway(id)
            | RouteTarget::VpcEndpoint(id)
            | RouteTarget::TransitGateway(id)
            | RouteTarget::PeeringConnection(id)
            | RouteTarget::VpnGateway(id)
            | RouteTarget::Other(id) => id,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
pub struct Route {
    pub destination: String,
    pub target: RouteTarget,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
pub struct RouteTable {
    pub id: String,
    pub vpc_id: String,
    pub is_main: bool,
    pub subnet_ids: Vec<String>,
    pub routes: Vec<Route>,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
pub struct GroupRule {
    /// `tcp`, `udp`, `icmp` or `-1` for all traffic.
    pub protocol: String,
    pub from_port: Option<i32>,
    pub to_port: Option<i32>,
    /// Where traffic comes from (inbound) or goes to (outbound).
    pub cidrs: Vec<String>,
    /// Security groups the rule names as its peer.
    pub group_ids: Vec<String>,
    /// Managed prefix lists the rule names as its peer.
    pub prefix_list_ids: Vec<String>,
}

impl GroupRule {
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

#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
pub struct SecurityGroup {
    pub id: String,
    pub vpc_id: String,
    pub name: String,
    pub ingress: Vec<GroupRule>,
    pub egress: Vec<GroupRule>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
pub enum EndpointType {
    Interface,
    Gateway,
    Other,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
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

#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
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
    /// The endpoint policy; `None` is AWS's default, which allows everything.
    pub policy_document: Option<String>,
}

/// A network ACL and the subnets it guards (a subnet without its own uses its VPC's default).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
pub struct NetworkAcl {
    pub id: String,
    pub vpc_id: String,
    pub is_default: bool,
    pub subnet_ids: Vec<String>,
    pub entries: Vec<AclEntry>,
}

/// One numbered entry of a network ACL (IPv4; IPv6 entries are left out).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
pub struct AclEntry {
    pub rule_number: i32,
    pub egress: bool,
    /// `-1` for all traffic, else the IP protocol number (`6` is TCP).
    pub protocol: String,
    pub allow: bool,
    pub cidr: String,
    /// The port range for TCP and UDP; `None` covers every port.
    pub ports: Option<(i32, i32)>,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
pub enum NatState {
    Pending,
    Available,
    Failed,
    Deleting,
    Deleted,
    Other(String),
}

impl NatState {
    pub fn parse(s: &str) -> Self {
        match s.to_ascii_lowercase().as_str() {
            "pending" => Self::Pending,
            "available" => Self::Available,
            "failed" => Self::Failed,
            "deleting" => Self::Deleting,
            "deleted" => Self::Deleted,
            other => Self::Other(other.to_string()),
        }
    }
    pub fn as_str(&self) -> &str {
        match self {
            Self::Pending => "pending",
            Self::Available => "available",
            Self::Failed => "failed",
            Self::Deleting => "deleting",
            Self::Deleted => "deleted",
            Self::Other(s) => s,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
pub struct NatGateway {
    pub id: String,
    pub vpc_id: String,
    pub subnet_id: String,
    pub state: NatState,
    /// A public NAT gateway reaches the internet; a private one only other networks.
    pub public: bool,
}
