//! What a readiness rule found: what is wrong, why it matters, which step fixes it.

use serde::Serialize;

use crate::i18n::{Lang, t, tf};

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
        self.describe_in(Lang::En)
    }

    pub fn describe_in(&self, lang: Lang) -> String {
        match self {
            Fix::CreateEndpoints { vpc_id } => tf(lang, "fix.create_endpoints", &[("vpc", vpc_id)]),
            Fix::EnableVpcDns { vpc_id } => tf(lang, "fix.enable_vpc_dns", &[("vpc", vpc_id)]),
            Fix::AllowHttps { vpc_id } => tf(lang, "fix.allow_https", &[("vpc", vpc_id)]),
            Fix::CreateRole => t(lang, "fix.create_role"),
            Fix::AttachCorePolicy { role } => tf(lang, "fix.attach_core_policy", &[("role", role)]),
            Fix::AttachProfile { instance_id } => {
                tf(lang, "fix.attach_profile", &[("instance", instance_id)])
            }
            Fix::StartInstance { instance_id } => {
                tf(lang, "fix.start_instance", &[("instance", instance_id)])
            }
            Fix::CheckAgent { instance_id } => {
                tf(lang, "fix.check_agent", &[("instance", instance_id)])
            }
            Fix::Wait => t(lang, "fix.wait"),
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
        self.short_in(Lang::En)
    }

    /// What is wrong, in one sentence.
    pub fn what(&self) -> String {
        self.what_in(Lang::En)
    }

    /// Why it matters.
    pub fn why(&self) -> String {
        self.why_in(Lang::En)
    }

    pub fn short_in(&self, lang: Lang) -> String {
        match &self.kind {
            FindingKind::EndpointsMissing { services } if services.len() >= 3 => {
                t(lang, "finding.endpoints_missing.short_all")
            }
            _ => self.text(lang, "short"),
        }
    }

    pub fn what_in(&self, lang: Lang) -> String {
        match &self.kind {
            FindingKind::NoInstanceProfile {
                dhmc_without_imdsv2: true,
            } => t(lang, "finding.no_instance_profile.what_dhmc"),
            _ => self.text(lang, "what"),
        }
    }

    pub fn why_in(&self, lang: Lang) -> String {
        t(lang, &format!("finding.{}.why", self.kind_name()))
    }

    fn kind_name(&self) -> &'static str {
        match &self.kind {
            FindingKind::EndpointsMissing { .. } => "endpoints_missing",
            FindingKind::EndpointsPending { .. } => "endpoints_pending",
            FindingKind::EndpointsFailed { .. } => "endpoints_failed",
            FindingKind::PrivateDnsOff { .. } => "private_dns_off",
            FindingKind::VpcDnsOff { .. } => "vpc_dns_off",
            FindingKind::HttpsNotAllowed { .. } => "https_not_allowed",
            FindingKind::DuplicateSubnetsInZone { .. } => "duplicate_subnets_in_zone",
            FindingKind::EndpointNotInZone { .. } => "endpoint_not_in_zone",
            FindingKind::NoInstanceProfile { .. } => "no_instance_profile",
            FindingKind::AssociationPending => "association_pending",
            FindingKind::ProfileNotFound { .. } => "profile_not_found",
            FindingKind::ProfileWithoutRole { .. } => "profile_without_role",
            FindingKind::RoleNotFound { .. } => "role_not_found",
            FindingKind::RoleNotTrustingEc2 { .. } => "role_not_trusting_ec2",
            FindingKind::RoleWithoutSsmPolicy { .. } => "role_without_ssm_policy",
            FindingKind::DeprecatedPolicy { .. } => "deprecated_policy",
            FindingKind::AgentNotRegistered => "agent_not_registered",
            FindingKind::ConnectionLost => "connection_lost",
        }
    }

    /// `finding.KIND.PART` with the finding's data as `%{…}` arguments.
    fn text(&self, lang: Lang, part: &str) -> String {
        let key = format!("finding.{}.{part}", self.kind_name());
        let on = |v: bool| t(lang, if v { "word.on" } else { "word.off" });
        match &self.kind {
            FindingKind::EndpointsMissing { services }
            | FindingKind::EndpointsPending { services }
            | FindingKind::EndpointsFailed { services }
            | FindingKind::PrivateDnsOff { services }
            | FindingKind::HttpsNotAllowed { services } => {
                tf(lang, &key, &[("services", &services.join(", "))])
            }
            FindingKind::VpcDnsOff {
                dns_support,
                dns_hostnames,
            } => tf(
                lang,
                &key,
                &[
                    ("support", &on(*dns_support)),
                    ("hostnames", &on(*dns_hostnames)),
                ],
            ),
            FindingKind::DuplicateSubnetsInZone { service, az } => {
                tf(lang, &key, &[("service", service), ("az", az)])
            }
            FindingKind::EndpointNotInZone { services, az } => tf(
                lang,
                &key,
                &[("services", &services.join(", ")), ("az", az)],
            ),
            FindingKind::ProfileNotFound { profile_arn } => {
                tf(lang, &key, &[("profile", profile_arn)])
            }
            FindingKind::ProfileWithoutRole { profile } => tf(lang, &key, &[("profile", profile)]),
            FindingKind::RoleNotFound { role }
            | FindingKind::RoleNotTrustingEc2 { role }
            | FindingKind::RoleWithoutSsmPolicy { role }
            | FindingKind::DeprecatedPolicy { role } => tf(lang, &key, &[("role", role)]),
            FindingKind::NoInstanceProfile { .. }
            | FindingKind::AssociationPending
            | FindingKind::AgentNotRegistered
            | FindingKind::ConnectionLost => t(lang, &key),
        }
    }
}
