//! Findings, their fixes and an instance's verdict in the interface's language.

use crate::domain::findings::{Direction, Finding, FindingKind, Fix, Rule, Severity};
use crate::domain::policy::UnverifiedReason;
use crate::domain::readiness::{InstanceReport, Verdict};
use crate::i18n::{Lang, t, tf};

/// A few words for a table cell: "no instance profile".
pub fn finding_short(f: &Finding, lang: Lang) -> String {
    match &f.kind {
        FindingKind::EndpointsMissing { services } if services.len() >= 3 => {
            t(lang, "finding.endpoints_missing.short_all")
        }
        _ => text(f, lang, "short"),
    }
}

/// What is wrong, in one sentence.
pub fn finding_what(f: &Finding, lang: Lang) -> String {
    match &f.kind {
        FindingKind::NoInstanceProfile {
            dhmc_without_imdsv2: true,
        } => t(lang, "finding.no_instance_profile.what_dhmc"),
        FindingKind::NetworkAclDenies { rule: None, .. } => text(f, lang, "what_implicit"),
        FindingKind::AgentOutdated {
            latest: Some(_), ..
        } => text(f, lang, "what_newer"),
        FindingKind::PatchScanStale { age_days: None, .. } => text(f, lang, "what_untimed"),
        _ => text(f, lang, "what"),
    }
}

/// Why it matters.
pub fn finding_why(f: &Finding, lang: Lang) -> String {
    // A denied endpoint address beside open ones fails some connections, not all.
    let part = match (&f.kind, f.severity) {
        (FindingKind::NetworkAclDenies { .. }, Severity::Warning) => "why_some",
        _ => "why",
    };
    t(lang, &format!("finding.{}.{part}", f.kind.name()))
}

/// The change to make by hand for a finding whose fix has no API call.
pub fn manual_change(f: &Finding, lang: Lang) -> String {
    text(f, lang, "manual")
}

/// How to fix a finding from the command line: the change, and the `ssmdeck fix` that
/// makes it (the console names its own keys instead, from its keymap).
pub fn finding_fix(f: &Finding, lang: Lang) -> String {
    let action = fix_action(f, lang);
    let route = fix_route(&f.fix);
    if route.places.is_empty() || !route.cli {
        return action;
    }
    let via = if route.offered {
        "fix.via.cli_offered"
    } else {
        "fix.via.cli"
    };
    format!("{action} {}", t(lang, via))
}

/// The change a finding needs, without where to make it: "manual: …" for a change by hand.
pub fn fix_action(f: &Finding, lang: Lang) -> String {
    match &f.fix {
        Fix::Manual => tf(lang, "fix.manual", &[("change", &manual_change(f, lang))]),
        fix => fix_text(fix, lang),
    }
}

/// Where the console makes a fix: `(pane command, action name)` pairs in the order the
/// console offers them, whether the step is offered unselected, and whether `ssmdeck fix`
/// takes it too.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FixRoute {
    pub places: &'static [(&'static str, &'static str)],
    pub offered: bool,
    pub cli: bool,
}

pub fn fix_route(fix: &Fix) -> FixRoute {
    const ENDPOINTS: &[(&str, &str)] = &[("endpoints", "create_endpoints"), ("instances", "fix")];
    const INSTANCES: &[(&str, &str)] = &[("instances", "fix")];
    let (places, offered): (&'static [(&'static str, &'static str)], bool) = match fix {
        Fix::CreateEndpoints { .. }
        | Fix::EnableVpcDns { .. }
        | Fix::EnablePrivateDns { .. }
        | Fix::AllowHttps { .. } => (ENDPOINTS, false),
        Fix::AddEndpointZone { .. } => (&[("endpoints", "create_endpoints")], true),
        Fix::AllowEgress { .. } | Fix::EnableImds { .. } => (INSTANCES, false),
        Fix::AllowNetworkAcl {
            rule_number: Some(_),
            ..
        } => (INSTANCES, true),
        Fix::CreateRole => (&[("roles", "create_role")], false),
        Fix::AttachCorePolicy { .. } => (&[("roles", "create_role"), ("instances", "fix")], false),
        Fix::AttachProfile { .. } => (&[("instances", "attach"), ("instances", "fix")], false),
        Fix::SetupInventory { .. } => (&[("inventory", "setup_inventory")], false),
        Fix::AllowNetworkAcl {
            rule_number: None, ..
        }
        | Fix::CheckAgent { .. }
        | Fix::Manual
        | Fix::Wait => (&[], false),
        // A Run Command from the console only.
        Fix::UpdateAgent { .. } => {
            return FixRoute {
                places: &[("instances", "update_agent")],
                offered: false,
                cli: false,
            };
        }
    };
    FixRoute {
        places,
        offered,
        cli: true,
    }
}

fn on(lang: Lang, v: bool) -> String {
    t(lang, if v { "word.on" } else { "word.off" })
}

fn reason(lang: Lang, r: UnverifiedReason) -> String {
    let key = match r {
        UnverifiedReason::Condition => "condition",
        UnverifiedReason::Principal => "principal",
        UnverifiedReason::Resource => "resource",
        UnverifiedReason::NotPrincipal => "not_principal",
        UnverifiedReason::PolicyVariable => "policy_variable",
        UnverifiedReason::Unreadable => "unreadable",
    };
    t(lang, &format!("policy.reason.{key}"))
}

fn direction(lang: Lang, d: Direction) -> String {
    t(
        lang,
        match d {
            Direction::Outbound => "word.outbound",
            Direction::Inbound => "word.inbound",
        },
    )
}

fn ports(from: i32, to: i32) -> String {
    if from == to {
        from.to_string()
    } else {
        format!("{from}-{to}")
    }
}

/// The finding's data as `%{…}` arguments.
fn params(f: &Finding, lang: Lang) -> Vec<(&'static str, String)> {
    match &f.kind {
        FindingKind::EndpointsMissing { services }
        | FindingKind::EndpointsPending { services }
        | FindingKind::EndpointsFailed { services }
        | FindingKind::PrivateDnsOff { services }
        | FindingKind::HttpsNotAllowed { services } => vec![("services", services.join(", "))],
        FindingKind::VpcDnsOff {
            dns_support,
            dns_hostnames,
        } => vec![
            ("support", on(lang, *dns_support)),
            ("hostnames", on(lang, *dns_hostnames)),
        ],
        FindingKind::DuplicateSubnetsInZone { service, az } => {
            vec![("service", service.clone()), ("az", az.clone())]
        }
        FindingKind::EndpointNotInZone { services, az } => {
            vec![("services", services.join(", ")), ("az", az.clone())]
        }
        FindingKind::EndpointPolicyDenies {
            service,
            endpoint_id,
            action,
        } => vec![
            ("service", service.clone()),
            ("endpoint", endpoint_id.clone()),
            ("action", action.clone()),
        ],
        FindingKind::EndpointPolicyUnverified {
            service,
            endpoint_id,
            action,
            reason: r,
        } => vec![
            ("service", service.clone()),
            ("endpoint", endpoint_id.clone()),
            ("action", action.clone()),
            ("reason", reason(lang, *r)),
        ],
        FindingKind::NoPublicIp { subnet_id } => vec![("subnet", subnet_id.clone())],
        FindingKind::NatNotAvailable { nat_id, state } => {
            vec![("nat", nat_id.clone()), ("state", state.clone())]
        }
        FindingKind::RouteNotVerifiable { target } => vec![("target", target.clone())],
        FindingKind::NetworkAclDenies {
            acl_id,
            subnet_id,
            direction: d,
            from_port,
            to_port,
            peer,
            rule,
        } => vec![
            ("acl", acl_id.clone()),
            ("subnet", subnet_id.clone()),
            ("direction", direction(lang, *d)),
            ("ports", ports(*from_port, *to_port)),
            ("peer", peer.clone()),
            ("rule", rule.map(|r| r.to_string()).unwrap_or_default()),
            ("entry", acl_entry(f)),
        ],
        FindingKind::NetworkAclPartly {
            acl_id,
            subnet_id,
            direction: d,
            from_port,
            to_port,
            peer,
            rule,
        } => vec![
            ("acl", acl_id.clone()),
            ("subnet", subnet_id.clone()),
            ("direction", direction(lang, *d)),
            ("ports", ports(*from_port, *to_port)),
            ("peer", peer.clone()),
            ("rule", rule.to_string()),
        ],
        FindingKind::EgressBlocked {
            groups,
            destination,
        }
        | FindingKind::EgressUnverified {
            groups,
            destination,
        } => vec![
            ("groups", groups.join(", ")),
            ("destination", destination.clone()),
        ],
        FindingKind::ImdsHopLimit { hop_limit } => vec![("hops", hop_limit.to_string())],
        FindingKind::ProfileNotFound { profile_arn } => vec![("profile", profile_arn.clone())],
        FindingKind::ProfileWithoutRole { profile } => vec![("profile", profile.clone())],
        FindingKind::RoleNotFound { role }
        | FindingKind::RoleNotTrustingEc2 { role }
        | FindingKind::RoleWithoutSsmPolicy { role }
        | FindingKind::RolePoliciesUnreadable { role }
        | FindingKind::DeprecatedPolicy { role }
        | FindingKind::DhmcRoleMissing { role }
        | FindingKind::DhmcRoleNotTrustingSsm { role }
        | FindingKind::ActivationRoleMissing { role }
        | FindingKind::ActivationRoleNotTrustingSsm { role } => vec![("role", role.clone())],
        FindingKind::RolePolicyDenies {
            role,
            action,
            statement,
        } => vec![
            ("role", role.clone()),
            ("action", action.clone()),
            ("statement", statement.clone().unwrap_or_default()),
        ],
        FindingKind::RolePolicyUnverified {
            role,
            action,
            reason: r,
        } => vec![
            ("role", role.clone()),
            ("action", action.clone()),
            ("reason", reason(lang, *r)),
        ],
        FindingKind::DhmcAgentTooOld { version } => vec![("version", version.clone())],
        FindingKind::AgentOutdated { version, latest } => vec![
            ("version", version.clone()),
            ("latest", latest.clone().unwrap_or_default()),
        ],
        FindingKind::ImdsDisabled
        | FindingKind::NoInstanceProfile { .. }
        | FindingKind::AssociationPending
        | FindingKind::AgentNotRegistered
        | FindingKind::ConnectionLost
        | FindingKind::InventoryNotCollected => Vec::new(),
        FindingKind::PatchScanStale {
            age_days,
            stale_after_days,
        } => vec![
            ("days", age_days.map(|d| d.to_string()).unwrap_or_default()),
            ("limit", stale_after_days.to_string()),
        ],
        FindingKind::CriticalPatchesMissing { count, baseline } => {
            vec![("count", count.to_string()), ("baseline", baseline.clone())]
        }
    }
}

/// The allow entry a NACL finding's fix would make, as the manual change names it.
fn acl_entry(f: &Finding) -> String {
    match &f.fix {
        Fix::AllowNetworkAcl {
            egress,
            from_port,
            to_port,
            cidr,
            rule_number,
            ..
        } => format!(
            "{} {} allow tcp {} {cidr}",
            rule_number
                .map(|n| n.to_string())
                .unwrap_or_else(|| "?".into()),
            if *egress { "egress" } else { "ingress" },
            ports(*from_port, *to_port)
        ),
        _ => String::new(),
    }
}

/// `finding.KIND.PART` with the finding's data filled in.
fn text(f: &Finding, lang: Lang, part: &str) -> String {
    let key = format!("finding.{}.{part}", f.kind.name());
    let owned = params(f, lang);
    let args: Vec<(&str, &str)> = owned.iter().map(|(k, v)| (*k, v.as_str())).collect();
    tf(lang, &key, &args)
}

/// The step that fixes a finding, and the key or command that takes it.
pub fn fix_text(fix: &Fix, lang: Lang) -> String {
    match fix {
        Fix::CreateEndpoints { vpc_id } => tf(lang, "fix.create_endpoints", &[("vpc", vpc_id)]),
        Fix::EnableVpcDns { vpc_id } => tf(lang, "fix.enable_vpc_dns", &[("vpc", vpc_id)]),
        Fix::EnablePrivateDns { vpc_id } => tf(lang, "fix.enable_private_dns", &[("vpc", vpc_id)]),
        Fix::AddEndpointZone { vpc_id, az } => tf(
            lang,
            "fix.add_endpoint_zone",
            &[("vpc", vpc_id), ("az", az)],
        ),
        Fix::AllowHttps { vpc_id } => tf(lang, "fix.allow_https", &[("vpc", vpc_id)]),
        Fix::AllowEgress { group_id, cidr } => tf(
            lang,
            "fix.allow_egress",
            &[("group", group_id), ("cidr", cidr)],
        ),
        Fix::AllowNetworkAcl {
            acl_id,
            rule_number: Some(number),
            ..
        } => tf(
            lang,
            "fix.allow_network_acl",
            &[("acl", acl_id), ("rule", &number.to_string())],
        ),
        Fix::AllowNetworkAcl {
            acl_id,
            rule_number: None,
            ..
        } => tf(lang, "fix.allow_network_acl_manual", &[("acl", acl_id)]),
        Fix::EnableImds { instance_id } => {
            tf(lang, "fix.enable_imds", &[("instance", instance_id)])
        }
        Fix::CreateRole => t(lang, "fix.create_role"),
        Fix::AttachCorePolicy { role } => tf(lang, "fix.attach_core_policy", &[("role", role)]),
        Fix::AttachProfile { instance_id } => {
            tf(lang, "fix.attach_profile", &[("instance", instance_id)])
        }
        Fix::CheckAgent { instance_id } => {
            tf(lang, "fix.check_agent", &[("instance", instance_id)])
        }
        Fix::UpdateAgent { instance_id } => {
            tf(lang, "fix.update_agent", &[("instance", instance_id)])
        }
        Fix::SetupInventory { instance_id } => {
            tf(lang, "fix.setup_inventory", &[("instance", instance_id)])
        }
        Fix::Manual => t(lang, "fix.manual_see_finding"),
        Fix::Wait => t(lang, "fix.wait"),
    }
}

/// "not managed: no instance profile, no SSM endpoints".
pub fn instance_summary(report: &InstanceReport, lang: Lang) -> String {
    let blockers = first_shorts(report, Severity::Blocker, lang);
    match &report.verdict {
        Verdict::Managed => match report.findings.first() {
            Some(f) => tf(
                lang,
                "verdict.managed_with",
                &[("note", &finding_short(f, lang))],
            ),
            None => t(lang, "verdict.managed"),
        },
        Verdict::NotManaged => tf(
            lang,
            "verdict.not_managed",
            &[("reasons", &blockers.join(", "))],
        ),
        Verdict::Waiting => {
            let waits = first_shorts(report, Severity::Waiting, lang);
            if waits.is_empty() {
                t(lang, "verdict.waiting")
            } else {
                tf(
                    lang,
                    "verdict.waiting_for",
                    &[("reasons", &waits.join(", "))],
                )
            }
        }
        Verdict::ConnectionLost => t(lang, "verdict.lost"),
        Verdict::NotRunning { instance_state } => tf(
            lang,
            "verdict.not_running",
            &[("state", &super::instance_state(instance_state, lang))],
        ),
        Verdict::Unknown => {
            let warnings = first_shorts(report, Severity::Warning, lang);
            if warnings.is_empty() {
                t(lang, "verdict.unknown")
            } else {
                tf(
                    lang,
                    "verdict.unknown_with",
                    &[("notes", &warnings.join(", "))],
                )
            }
        }
    }
}

/// Short labels of one severity: the instance's own problems first, then its VPC's.
fn first_shorts(report: &InstanceReport, severity: Severity, lang: Lang) -> Vec<String> {
    let mut found: Vec<&Finding> = report
        .findings
        .iter()
        .filter(|f| f.severity == severity)
        .collect();
    found.sort_by_key(|f| (f.rule < Rule::InstanceProfile, f.rule));
    let mut out: Vec<String> = Vec::new();
    for f in found {
        let s = finding_short(f, lang);
        if !out.contains(&s) {
            out.push(s);
        }
    }
    out
}
