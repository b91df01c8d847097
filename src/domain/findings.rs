//! What a readiness rule found: what is wrong, why it matters, which step fixes it.

use serde::Serialize;

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
    /// Works, but should be changed.
    Warning,
}

/// The remediation step that fixes a finding.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "step", rename_all = "snake_case")]
pub enum Fix {
    CreateEndpoints { vpc_id: String },
    EnableVpcDns { vpc_id: String },
    AllowHttps { vpc_id: String },
    CreateRole,
    AttachCorePolicy { role: String },
    AttachProfile { instance_id: String },
    StartInstance { instance_id: String },
    CheckAgent { instance_id: String },
    Wait,
}

impl Fix {
    pub fn describe(&self) -> String {
        match self {
            Fix::CreateEndpoints { vpc_id } => {
                format!(
                    "create the missing endpoints in {vpc_id} (c on Endpoints, or `ssmdeck fix`)"
                )
            }
            Fix::EnableVpcDns { vpc_id } => {
                format!(
                    "enable DNS support and DNS hostnames on {vpc_id} (part of creating endpoints)"
                )
            }
            Fix::AllowHttps { vpc_id } => {
                format!("allow inbound TCP 443 from {vpc_id} on the endpoint security group")
            }
            Fix::CreateRole => "create ManagedInstancesRole (n on Roles, or `ssmdeck fix`)".into(),
            Fix::AttachCorePolicy { role } => {
                format!("attach AmazonSSMManagedInstanceCore to {role} (n on Roles)")
            }
            Fix::AttachProfile { instance_id } => {
                format!("attach the instance profile to {instance_id} (a on Instances)")
            }
            Fix::StartInstance { instance_id } => format!("start {instance_id}"),
            Fix::CheckAgent { instance_id } => format!(
                "check the SSM agent on {instance_id} (installed, running, can reach IMDS; a reboot resets its back-off)"
            ),
            Fix::Wait => "nothing to do: wait a moment".into(),
        }
    }
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
    RoleWithoutSsmPolicy {
        role: String,
    },
    DeprecatedPolicy {
        role: String,
    },
    AgentNotRegistered,
    ConnectionLost,
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
    /// A few words for a table cell: "no instance profile".
    pub fn short(&self) -> String {
        match &self.kind {
            FindingKind::EndpointsMissing { services } if services.len() >= 3 => {
                "no SSM endpoints".into()
            }
            FindingKind::EndpointsMissing { services } => {
                format!("missing endpoint {}", services.join(", "))
            }
            FindingKind::EndpointsPending { services } => {
                format!("endpoint {} pending", services.join(", "))
            }
            FindingKind::EndpointsFailed { services } => {
                format!("endpoint {} failed", services.join(", "))
            }
            FindingKind::PrivateDnsOff { .. } => "endpoint private DNS off".into(),
            FindingKind::VpcDnsOff { .. } => "VPC DNS attributes off".into(),
            FindingKind::HttpsNotAllowed { .. } => "443 to endpoints blocked".into(),
            FindingKind::DuplicateSubnetsInZone { .. } => "two endpoint subnets in one AZ".into(),
            FindingKind::EndpointNotInZone { az, .. } => format!("no endpoint subnet in {az}"),
            FindingKind::NoInstanceProfile { .. } => "no instance profile".into(),
            FindingKind::AssociationPending => "profile associating".into(),
            FindingKind::ProfileNotFound { .. } => "instance profile not found".into(),
            FindingKind::ProfileWithoutRole { .. } => "instance profile has no role".into(),
            FindingKind::RoleNotFound { .. } => "role not found".into(),
            FindingKind::RoleNotTrustingEc2 { .. } => "role does not trust EC2".into(),
            FindingKind::RoleWithoutSsmPolicy { .. } => "role lacks SSM policy".into(),
            FindingKind::DeprecatedPolicy { .. } => "deprecated AmazonEC2RoleforSSM".into(),
            FindingKind::AgentNotRegistered => "waiting for agent".into(),
            FindingKind::ConnectionLost => "connection lost".into(),
        }
    }

    /// What is wrong, in one sentence.
    pub fn what(&self) -> String {
        match &self.kind {
            FindingKind::EndpointsMissing { services } => {
                format!("VPC interface endpoint(s) missing: {}", services.join(", "))
            }
            FindingKind::EndpointsPending { services } => {
                format!("endpoint(s) still pending: {}", services.join(", "))
            }
            FindingKind::EndpointsFailed { services } => {
                format!("endpoint(s) failed: {}", services.join(", "))
            }
            FindingKind::PrivateDnsOff { services } => {
                format!("private DNS is off on endpoint(s): {}", services.join(", "))
            }
            FindingKind::VpcDnsOff {
                dns_support,
                dns_hostnames,
            } => format!(
                "VPC DNS attributes: enableDnsSupport {}, enableDnsHostnames {}",
                on_off(*dns_support),
                on_off(*dns_hostnames)
            ),
            FindingKind::HttpsNotAllowed { services } => format!(
                "the security groups of endpoint(s) {} do not allow inbound TCP 443 from this instance",
                services.join(", ")
            ),
            FindingKind::DuplicateSubnetsInZone { service, az } => {
                format!("endpoint {service} has two subnets in {az}")
            }
            FindingKind::EndpointNotInZone { services, az } => {
                format!("endpoint(s) {} have no subnet in {az}", services.join(", "))
            }
            FindingKind::NoInstanceProfile {
                dhmc_without_imdsv2,
            } => {
                if *dhmc_without_imdsv2 {
                    "no instance profile, and Default Host Management needs IMDSv2 which this instance does not require".into()
                } else {
                    "no instance profile attached".into()
                }
            }
            FindingKind::AssociationPending => "instance profile association in progress".into(),
            FindingKind::ProfileNotFound { profile_arn } => {
                format!("attached instance profile {profile_arn} was not found in IAM")
            }
            FindingKind::ProfileWithoutRole { profile } => {
                format!("instance profile {profile} contains no role")
            }
            FindingKind::RoleNotFound { role } => format!("role {role} was not found in IAM"),
            FindingKind::RoleNotTrustingEc2 { role } => {
                format!("role {role} does not trust ec2.amazonaws.com")
            }
            FindingKind::RoleWithoutSsmPolicy { role } => format!(
                "role {role} has neither AmazonSSMManagedInstanceCore nor AmazonEC2RoleforSSM"
            ),
            FindingKind::DeprecatedPolicy { role } => {
                format!("role {role} uses the deprecated AmazonEC2RoleforSSM policy")
            }
            FindingKind::AgentNotRegistered => {
                "the SSM agent has not registered this instance yet".into()
            }
            FindingKind::ConnectionLost => {
                "the SSM agent stopped answering (ConnectionLost)".into()
            }
        }
    }

    /// Why it matters.
    pub fn why(&self) -> &'static str {
        match &self.kind {
            FindingKind::EndpointsMissing { .. } => {
                "without a route to the internet the agent reaches Systems Manager only through these endpoints"
            }
            FindingKind::EndpointsPending { .. } => {
                "the agent can use an endpoint only once it is available"
            }
            FindingKind::EndpointsFailed { .. } => "a failed endpoint carries no traffic",
            FindingKind::PrivateDnsOff { .. } => {
                "without private DNS the agent resolves the public service names, which it cannot reach"
            }
            FindingKind::VpcDnsOff { .. } => {
                "endpoint private DNS works only when both VPC DNS attributes are on"
            }
            FindingKind::HttpsNotAllowed { .. } => {
                "the agent talks to the endpoints over HTTPS (TCP 443)"
            }
            FindingKind::DuplicateSubnetsInZone { .. } => {
                "AWS allows one endpoint subnet per AZ (DuplicateSubnetsInSameZone)"
            }
            FindingKind::EndpointNotInZone { .. } => {
                "traffic crosses AZs and stops if the other AZ fails"
            }
            FindingKind::NoInstanceProfile { .. } => {
                "the agent needs AWS credentials from an instance role to register"
            }
            FindingKind::AssociationPending => "credentials reach the instance once associated",
            FindingKind::ProfileNotFound { .. } | FindingKind::ProfileWithoutRole { .. } => {
                "the instance gets no credentials from this profile"
            }
            FindingKind::RoleNotFound { .. } => "the instance gets no credentials from this role",
            FindingKind::RoleNotTrustingEc2 { .. } => "EC2 cannot hand this role to the instance",
            FindingKind::RoleWithoutSsmPolicy { .. } => {
                "the agent is denied ssm:UpdateInstanceInformation and cannot register"
            }
            FindingKind::DeprecatedPolicy { .. } => {
                "it still works but is deprecated and grants far more than needed; use AmazonSSMManagedInstanceCore"
            }
            FindingKind::AgentNotRegistered => {
                "the agent checks in a few minutes after network and role are right; a hibernating agent backs off up to an hour"
            }
            FindingKind::ConnectionLost => {
                "the instance is running but failed the last health check (every 5 minutes)"
            }
        }
    }
}

fn on_off(v: bool) -> &'static str {
    if v { "on" } else { "off" }
}
