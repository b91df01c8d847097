//! What a readiness rule found: what is wrong, which step fixes it. Data only: the words
//! are chosen where findings are shown (`present::findings`).

use serde::Serialize;

use super::policy::UnverifiedReason;

/// The readiness rules of DESIGN.md, numbered as there.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Rule {
    Endpoints = 1,
    VpcDns = 2,
    Https = 3,
    EndpointSubnets = 4,
    NetworkPath = 5,
    InstanceProfile = 6,
    Agent = 7,
    NetworkAcl = 8,
    Egress = 9,
    Imds = 10,
    Policy = 11,
    RemoteRoute = 12,
    /// A hybrid node's activation role: exists, trusts Systems Manager, grants the agent.
    ActivationRole = 13,
    /// Patch compliance: scans too old, critical patches missing (not a readiness step).
    Patching = 14,
    /// An `AWS-GatherSoftwareInventory` association targets the node.
    Inventory = 15,
}

impl Rule {
    pub fn number(self) -> u8 {
        self as u8
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    /// Stops the instance from becoming managed.
    Blocker,
    /// Will resolve by itself (a resource is still being created).
    Waiting,
    /// Works, or cannot be verified from here, but should be looked at.
    Warning,
    /// Worth knowing; nothing to change for Systems Manager.
    Info,
}

/// The remediation that fixes a finding: a plan step, or a change made by hand.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "step", rename_all = "snake_case")]
pub enum Fix {
    CreateEndpoints {
        vpc_id: String,
    },
    EnableVpcDns {
        vpc_id: String,
    },
    /// ModifyVpcEndpoint `PrivateDnsEnabled` on the VPC's required endpoints.
    EnablePrivateDns {
        vpc_id: String,
    },
    /// ModifyVpcEndpoint `AddSubnetIds`: a subnet in `az` for the endpoints.
    AddEndpointZone {
        vpc_id: String,
        az: String,
    },
    AllowHttps {
        vpc_id: String,
    },
    /// AuthorizeSecurityGroupEgress TCP 443 to `cidr`.
    AllowEgress {
        group_id: String,
        cidr: String,
    },
    /// CreateNetworkAclEntry: an allow entry numbered `rule_number` (`None`: no free
    /// number comes before the denying entry, so it is a change by hand).
    AllowNetworkAcl {
        acl_id: String,
        egress: bool,
        from_port: i32,
        to_port: i32,
        cidr: String,
        rule_number: Option<i32>,
    },
    /// ModifyInstanceMetadataOptions `HttpEndpoint=enabled`.
    EnableImds {
        instance_id: String,
    },
    CreateRole,
    AttachCorePolicy {
        role: String,
    },
    AttachProfile {
        instance_id: String,
    },
    CheckAgent {
        instance_id: String,
    },
    /// Run Command `AWS-UpdateSSMAgent` on the instance (from the console; `ssmdeck fix`
    /// does not send commands).
    UpdateAgent {
        instance_id: String,
    },
    /// CreateAssociation `AWS-GatherSoftwareInventory` for the node.
    SetupInventory {
        instance_id: String,
    },
    /// No safe API call: the change is described with the finding.
    Manual,
    Wait,
}

/// Which way traffic crosses a network ACL.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Direction {
    Outbound,
    Inbound,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum FindingKind {
    EndpointsMissing {
        services: Vec<String>,
    },
    EndpointsPending {
        services: Vec<String>,
    },
    EndpointsFailed {
        services: Vec<String>,
    },
    PrivateDnsOff {
        services: Vec<String>,
    },
    VpcDnsOff {
        dns_support: bool,
        dns_hostnames: bool,
    },
    HttpsNotAllowed {
        services: Vec<String>,
    },
    DuplicateSubnetsInZone {
        service: String,
        az: String,
    },
    EndpointNotInZone {
        services: Vec<String>,
        az: String,
    },
    /// The endpoint policy of `service` denies (or does not allow) `action`.
    EndpointPolicyDenies {
        service: String,
        endpoint_id: String,
        action: String,
    },
    EndpointPolicyUnverified {
        service: String,
        endpoint_id: String,
        action: String,
        reason: UnverifiedReason,
    },
    /// A public subnet (default route to an internet gateway), but no public IP.
    NoPublicIp {
        subnet_id: String,
    },
    /// The default route goes to a NAT gateway that is not `available` (or gone).
    NatNotAvailable {
        nat_id: String,
        state: String,
    },
    /// The default route leaves the VPC (transit gateway, peering, VPN gateway): whether
    /// Systems Manager is reachable that way cannot be seen from this account.
    RouteNotVerifiable {
        target: String,
    },
    /// A network ACL entry (or its implicit deny when `rule` is `None`) drops the traffic.
    NetworkAclDenies {
        acl_id: String,
        subnet_id: String,
        direction: Direction,
        from_port: i32,
        to_port: i32,
        peer: String,
        /// Named apart from the finding's readiness `rule` in the JSON report.
        #[serde(rename = "acl_rule")]
        rule: Option<i32>,
    },
    /// The first matching entry covers only part of the addresses or ports.
    NetworkAclPartly {
        acl_id: String,
        subnet_id: String,
        direction: Direction,
        from_port: i32,
        to_port: i32,
        peer: String,
        #[serde(rename = "acl_rule")]
        rule: i32,
    },
    /// No egress rule of the instance's security groups allows TCP 443 to `destination`.
    EgressBlocked {
        groups: Vec<String>,
        destination: String,
    },
    /// Egress is allowed only to prefix lists or some addresses: it may not reach
    /// `destination`.
    EgressUnverified {
        groups: Vec<String>,
        destination: String,
    },
    ImdsDisabled,
    /// IMDSv2 required with a hop limit of 1: containers on the instance get no token.
    ImdsHopLimit {
        hop_limit: i32,
    },
    NoInstanceProfile {
        dhmc_without_imdsv2: bool,
    },
    AssociationPending,
    ProfileNotFound {
        profile_arn: String,
    },
    ProfileWithoutRole {
        profile: String,
    },
    RoleNotFound {
        role: String,
    },
    RoleNotTrustingEc2 {
        role: String,
    },
    /// No policy of the role allows `action` (implicit deny).
    RoleWithoutSsmPolicy {
        role: String,
    },
    RolePolicyDenies {
        role: String,
        action: String,
        statement: Option<String>,
    },
    RolePolicyUnverified {
        role: String,
        action: String,
        reason: UnverifiedReason,
    },
    RolePoliciesUnreadable {
        role: String,
    },
    DeprecatedPolicy {
        role: String,
    },
    /// Default Host Management names a role that does not exist.
    DhmcRoleMissing {
        role: String,
    },
    DhmcRoleNotTrustingSsm {
        role: String,
    },
    /// Default Host Management needs agent 3.2.582 or later.
    DhmcAgentTooOld {
        version: String,
    },
    /// The agent is older than the latest: the region says so (`IsLatestVersion`), or a
    /// node of the same platform in this account runs `latest`.
    AgentOutdated {
        version: String,
        latest: Option<String>,
    },
    AgentNotRegistered,
    ConnectionLost,
    /// A hybrid node's activation names a service role that does not exist.
    ActivationRoleMissing {
        role: String,
    },
    ActivationRoleNotTrustingSsm {
        role: String,
    },
    /// The node's last patch scan or install is older than `stale_after_days` (its age
    /// in days; `None`: it has no time at all).
    PatchScanStale {
        age_days: Option<i64>,
        stale_after_days: u64,
    },
    /// The last scan found `count` critical patches missing under `baseline`.
    CriticalPatchesMissing {
        count: i32,
        baseline: String,
    },
    /// No `AWS-GatherSoftwareInventory` association targets the managed node.
    InventoryNotCollected,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Finding {
    pub rule: Rule,
    pub severity: Severity,
    /// The resource the finding is about (instance, VPC or role id).
    pub subject: String,
    #[serde(flatten)]
    pub kind: FindingKind,
    pub fix: Fix,
}

impl Finding {
    pub fn new(rule: Rule, severity: Severity, subject: &str, kind: FindingKind, fix: Fix) -> Self {
        Self {
            rule,
            severity,
            subject: subject.to_string(),
            kind,
            fix,
        }
    }
}

impl FindingKind {
    /// The kind's name as `check --json` writes it (`endpoints_missing`).
    pub fn name(&self) -> &'static str {
        match self {
            FindingKind::EndpointsMissing { .. } => "endpoints_missing",
            FindingKind::EndpointsPending { .. } => "endpoints_pending",
            FindingKind::EndpointsFailed { .. } => "endpoints_failed",
            FindingKind::PrivateDnsOff { .. } => "private_dns_off",
            FindingKind::VpcDnsOff { .. } => "vpc_dns_off",
            FindingKind::HttpsNotAllowed { .. } => "https_not_allowed",
            FindingKind::DuplicateSubnetsInZone { .. } => "duplicate_subnets_in_zone",
            FindingKind::EndpointNotInZone { .. } => "endpoint_not_in_zone",
            FindingKind::EndpointPolicyDenies { .. } => "endpoint_policy_denies",
            FindingKind::EndpointPolicyUnverified { .. } => "endpoint_policy_unverified",
            FindingKind::NoPublicIp { .. } => "no_public_ip",
            FindingKind::NatNotAvailable { .. } => "nat_not_available",
            FindingKind::RouteNotVerifiable { .. } => "route_not_verifiable",
            FindingKind::NetworkAclDenies { .. } => "network_acl_denies",
            FindingKind::NetworkAclPartly { .. } => "network_acl_partly",
            FindingKind::EgressBlocked { .. } => "egress_blocked",
            FindingKind::EgressUnverified { .. } => "egress_unverified",
            FindingKind::ImdsDisabled => "imds_disabled",
            FindingKind::ImdsHopLimit { .. } => "imds_hop_limit",
            FindingKind::NoInstanceProfile { .. } => "no_instance_profile",
            FindingKind::AssociationPending => "association_pending",
            FindingKind::ProfileNotFound { .. } => "profile_not_found",
            FindingKind::ProfileWithoutRole { .. } => "profile_without_role",
            FindingKind::RoleNotFound { .. } => "role_not_found",
            FindingKind::RoleNotTrustingEc2 { .. } => "role_not_trusting_ec2",
            FindingKind::RoleWithoutSsmPolicy { .. } => "role_without_ssm_policy",
            FindingKind::RolePolicyDenies { .. } => "role_policy_denies",
            FindingKind::RolePolicyUnverified { .. } => "role_policy_unverified",
            FindingKind::RolePoliciesUnreadable { .. } => "role_policies_unreadable",
            FindingKind::DeprecatedPolicy { .. } => "deprecated_policy",
            FindingKind::DhmcRoleMissing { .. } => "dhmc_role_missing",
            FindingKind::DhmcRoleNotTrustingSsm { .. } => "dhmc_role_not_trusting_ssm",
            FindingKind::DhmcAgentTooOld { .. } => "dhmc_agent_too_old",
            FindingKind::AgentOutdated { .. } => "agent_outdated",
            FindingKind::AgentNotRegistered => "agent_not_registered",
            FindingKind::ConnectionLost => "connection_lost",
            FindingKind::ActivationRoleMissing { .. } => "activation_role_missing",
            FindingKind::ActivationRoleNotTrustingSsm { .. } => "activation_role_not_trusting_ssm",
            FindingKind::PatchScanStale { .. } => "patch_scan_stale",
            FindingKind::CriticalPatchesMissing { .. } => "critical_patches_missing",
            FindingKind::InventoryNotCollected => "inventory_not_collected",
        }
    }
}

/// A node's findings, shared: the readiness report, the whole view's copy of it and the
/// row that shows it hold one list (at 100k instances each copy cost ~60–190 MiB).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Findings(std::sync::Arc<[Finding]>);

impl Findings {
    /// Adds `more` (a new list: the old one may be shared).
    pub fn extend(&mut self, more: impl IntoIterator<Item = Finding>) {
        let mut more = more.into_iter().peekable();
        if more.peek().is_some() {
            let mut all = self.0.to_vec();
            all.extend(more);
            self.0 = all.into();
        }
    }
}

impl std::ops::Deref for Findings {
    type Target = [Finding];
    fn deref(&self) -> &[Finding] {
        &self.0
    }
}

impl From<Vec<Finding>> for Findings {
    fn from(findings: Vec<Finding>) -> Self {
        Self(findings.into())
    }
}

impl<'a> IntoIterator for &'a Findings {
    type Item = &'a Finding;
    type IntoIter = std::slice::Iter<'a, Finding>;
    fn into_iter(self) -> Self::IntoIter {
        self.0.iter()
    }
}

impl Serialize for Findings {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_seq(self.0.iter())
    }
}
