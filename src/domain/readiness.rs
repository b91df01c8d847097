//! The readiness rules (DESIGN.md 1–7) as pure functions over a [`Snapshot`].

use std::collections::{HashMap, HashSet};
use std::hash::{BuildHasherDefault, Hasher};
use std::net::Ipv4Addr;

use ipnet::Ipv4Net;
use serde::Serialize;

use super::findings::{Finding, FindingKind, Fix, Rule, Severity};
use super::model::{
    AssociationState, DEFAULT_ROLE_NAME, EndpointState, EndpointType, Instance, InstanceProfile,
    InstanceState, ManagedNode, PingStatus, ProfileAssociation, Role, RouteTable, RouteTarget,
    SsmPolicy, Subnet, Vpc, VpcEndpoint,
};
use super::snapshot::{Snapshot, Source};
use crate::i18n::{Lang, t, tf};

pub const REQUIRED_SERVICES: [&str; 3] = ["ssm", "ssmmessages", "ec2messages"];
pub const OPTIONAL_SERVICES: [(&str, EndpointType); 4] = [
    ("s3", EndpointType::Gateway),
    ("ec2", EndpointType::Interface),
    ("kms", EndpointType::Interface),
    ("logs", EndpointType::Interface),
];

pub fn service_name(region: &str, short: &str) -> String {
    format!("com.amazonaws.{region}.{short}")
}

/// `com.amazonaws.ap-northeast-2.ssm` → `ssm`.
pub fn short_service(name: &str) -> &str {
    name.rsplit('.').next().unwrap_or(name)
}

/// A map keyed by resource ids, hashed with [`FastHasher`].
pub type FastMap<K, V> = HashMap<K, V, BuildHasherDefault<FastHasher>>;

/// The multiply-rotate hash of rustc (FxHash) for the lookups by resource id that the
/// rules make per instance: several times faster than SipHash on short keys. The keys
/// are the account's own resource ids, so the flooding SipHash guards against is moot.
#[derive(Debug, Default, Clone, Copy)]
pub struct FastHasher(u64);

const FAST_SEED: u64 = 0xf135_7aea_2e62_a9c5;

impl FastHasher {
    fn add(&mut self, word: u64) {
        self.0 = (self.0.rotate_left(5) ^ word).wrapping_mul(FAST_SEED);
    }
}

impl Hasher for FastHasher {
    fn write(&mut self, bytes: &[u8]) {
        let mut chunks = bytes.chunks_exact(8);
        for c in &mut chunks {
            let mut word = [0u8; 8];
            word.copy_from_slice(c);
            self.add(u64::from_le_bytes(word));
        }
        let rest = chunks.remainder();
        if !rest.is_empty() {
            let mut word = [0u8; 8];
            word[..rest.len()].copy_from_slice(rest);
            self.add(u64::from_le_bytes(word) ^ ((rest.len() as u64) << 59));
        }
    }
    fn write_u8(&mut self, i: u8) {
        self.add(u64::from(i));
    }
    fn write_usize(&mut self, i: usize) {
        self.add(i as u64);
    }
    fn write_u64(&mut self, i: u64) {
        self.add(i);
    }
    fn finish(&self) -> u64 {
        self.0.rotate_left(26)
    }
}

/// How an instance reaches the Systems Manager service.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum NetworkPath {
    /// Public subnet, public IP, default route to an internet gateway.
    InternetGateway,
    /// Default route to a NAT gateway.
    Nat,
    /// No route out: needs the VPC interface endpoints.
    Endpoints,
    /// Subnet or route table unknown.
    Unknown,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum Verdict {
    /// Agent online.
    Managed,
    /// Agent online once registered; nothing is blocking.
    Waiting,
    NotManaged,
    ConnectionLost,
    /// Not running: absent from Systems Manager by design.
    NotRunning {
        instance_state: String,
    },
    /// Rules hold but ping status could not be read.
    Unknown,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct InstanceReport {
    pub instance_id: String,
    pub verdict: Verdict,
    pub path: NetworkPath,
    pub public_subnet: Option<bool>,
    pub profile_name: Option<String>,
    pub findings: Vec<Finding>,
}

impl InstanceReport {
    /// "not managed: no instance profile, no SSM endpoints".
    pub fn summary(&self) -> String {
        self.summary_in(Lang::En)
    }

    pub fn summary_in(&self, lang: Lang) -> String {
        let blockers = self.first_shorts(Severity::Blocker, lang);
        match &self.verdict {
            Verdict::Managed => match self.findings.first() {
                Some(f) => tf(lang, "verdict.managed_with", &[("note", &f.short_in(lang))]),
                None => t(lang, "verdict.managed"),
            },
            Verdict::NotManaged => tf(
                lang,
                "verdict.not_managed",
                &[("reasons", &blockers.join(", "))],
            ),
            Verdict::Waiting => {
                let waits = self.first_shorts(Severity::Waiting, lang);
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
            Verdict::NotRunning { instance_state } => {
                tf(lang, "verdict.not_running", &[("state", instance_state)])
            }
            Verdict::Unknown => t(lang, "verdict.unknown"),
        }
    }

    /// Short labels of one severity: the instance's own problems first, then its VPC's.
    fn first_shorts(&self, severity: Severity, lang: Lang) -> Vec<String> {
        let mut found: Vec<&Finding> = self
            .findings
            .iter()
            .filter(|f| f.severity == severity)
            .collect();
        found.sort_by_key(|f| (f.rule < Rule::InstanceProfile, f.rule));
        let mut out: Vec<String> = Vec::new();
        for f in found {
            let s = f.short_in(lang);
            if !out.contains(&s) {
                out.push(s);
            }
        }
        out
    }

    pub fn first_blocker(&self) -> Option<&Finding> {
        self.findings
            .iter()
            .find(|f| f.severity == Severity::Blocker)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ServiceStatus {
    pub short: String,
    pub service_name: String,
    pub required: bool,
    pub kind: EndpointType,
    pub endpoint_id: Option<String>,
    pub state: Option<String>,
    pub private_dns: Option<bool>,
    pub azs: Vec<String>,
    /// Whether the endpoint's security groups allow 443 from every instance of the VPC.
    pub https_from_instances: Option<bool>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct VpcReport {
    pub vpc_id: String,
    pub name: Option<String>,
    pub cidr: String,
    pub dns_support: Option<bool>,
    pub dns_hostnames: Option<bool>,
    pub services: Vec<ServiceStatus>,
    pub instance_count: usize,
    /// Running instances that depend on the endpoints (no other network path).
    pub endpoint_dependent_instances: usize,
    pub findings: Vec<Finding>,
}

impl VpcReport {
    pub fn missing_required(&self) -> Vec<&str> {
        self.services
            .iter()
            .filter(|s| s.required && s.endpoint_id.is_none())
            .map(|s| s.short.as_str())
            .collect()
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RoleReport {
    pub name: String,
    pub arn: String,
    pub trusts_ec2: bool,
    pub policy: SsmPolicy,
    pub profiles: Vec<String>,
    pub instance_count: usize,
    pub findings: Vec<Finding>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct FleetSummary {
    pub online: usize,
    pub connection_lost: usize,
    pub waiting: usize,
    pub not_managed: usize,
    pub not_running: usize,
    pub unknown: usize,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Readiness {
    pub vpcs: Vec<VpcReport>,
    pub roles: Vec<RoleReport>,
    /// Whether `ManagedInstancesRole` exists with its profile and the Core policy.
    pub default_role_ready: bool,
    pub instances: Vec<InstanceReport>,
    pub summary: FleetSummary,
}

/// Lookups built once per evaluation so the rules stay linear in fleet size.
struct Index<'a> {
    vpcs: FastMap<&'a str, &'a Vpc>,
    subnets: FastMap<&'a str, &'a Subnet>,
    route_by_subnet: FastMap<&'a str, &'a RouteTable>,
    main_route_by_vpc: FastMap<&'a str, &'a RouteTable>,
    endpoints_by_vpc: FastMap<&'a str, Vec<&'a VpcEndpoint>>,
    profiles_by_arn: FastMap<&'a str, &'a InstanceProfile>,
    profiles_by_name: FastMap<&'a str, &'a InstanceProfile>,
    roles: FastMap<&'a str, &'a Role>,
    associations: FastMap<&'a str, &'a ProfileAssociation>,
    nodes: FastMap<&'a str, &'a ManagedNode>,
    /// Each security group's inbound rules that allow TCP 443, CIDRs parsed once.
    https_rules: FastMap<&'a str, Vec<HttpsRule<'a>>>,
    /// Subnet CIDRs, parsed once.
    subnet_nets: FastMap<&'a str, Ipv4Net>,
    /// `com.amazonaws.R.X` of the required services, built once.
    required_names: [String; 3],
}

/// An inbound rule that covers TCP 443: where it lets traffic in from.
struct HttpsRule<'a> {
    source_group_ids: &'a [String],
    nets: Vec<Ipv4Net>,
}

impl<'a> Index<'a> {
    fn new(s: &'a Snapshot) -> Self {
        let n = &s.network;
        let mut route_by_subnet = FastMap::default();
        let mut main_route_by_vpc = FastMap::default();
        for rt in &n.route_tables {
            for sub in &rt.subnet_ids {
                route_by_subnet.insert(sub.as_str(), rt);
            }
            if rt.is_main {
                main_route_by_vpc.insert(rt.vpc_id.as_str(), rt);
            }
        }
        let mut endpoints_by_vpc: FastMap<&str, Vec<&VpcEndpoint>> = FastMap::default();
        for e in &n.endpoints {
            if !matches!(e.state, EndpointState::Deleting) {
                endpoints_by_vpc
                    .entry(e.vpc_id.as_str())
                    .or_default()
                    .push(e);
            }
        }
        let mut associations: FastMap<&str, &ProfileAssociation> = FastMap::default();
        for a in &s.instances.associations {
            if matches!(
                a.state,
                AssociationState::Associated | AssociationState::Associating
            ) {
                associations.insert(a.instance_id.as_str(), a);
            }
        }
        Index {
            vpcs: n.vpcs.iter().map(|v| (v.id.as_str(), v)).collect(),
            subnets: n.subnets.iter().map(|x| (x.id.as_str(), x)).collect(),
            route_by_subnet,
            main_route_by_vpc,
            endpoints_by_vpc,
            profiles_by_arn: s.iam.profiles.iter().map(|p| (p.arn.as_str(), p)).collect(),
            profiles_by_name: s
                .iam
                .profiles
                .iter()
                .map(|p| (p.name.as_str(), p))
                .collect(),
            roles: s.iam.roles.iter().map(|r| (r.name.as_str(), r)).collect(),
            associations,
            nodes: s
                .nodes
                .nodes
                .iter()
                .map(|m| (m.instance_id.as_str(), m))
                .collect(),
            https_rules: n
                .security_groups
                .iter()
                .map(|g| {
                    let rules = g
                        .ingress
                        .iter()
                        .filter(|r| r.covers_tcp_port(443))
                        .map(|r| HttpsRule {
                            source_group_ids: &r.source_group_ids,
                            nets: r.cidrs.iter().filter_map(|c| c.parse().ok()).collect(),
                        })
                        .collect();
                    (g.id.as_str(), rules)
                })
                .collect(),
            subnet_nets: n
                .subnets
                .iter()
                .filter_map(|x| Some((x.id.as_str(), x.cidr.parse().ok()?)))
                .collect(),
            required_names: REQUIRED_SERVICES.map(|short| service_name(&s.identity.region, short)),
        }
    }

    fn route_table(&self, subnet: &Subnet) -> Option<&'a RouteTable> {
        self.route_by_subnet
            .get(subnet.id.as_str())
            .or_else(|| self.main_route_by_vpc.get(subnet.vpc_id.as_str()))
            .copied()
    }

    fn default_route(&self, subnet: &Subnet) -> Option<&'a RouteTarget> {
        self.route_table(subnet)?
            .routes
            .iter()
            .find(|r| r.destination == "0.0.0.0/0")
            .map(|r| &r.target)
    }

    fn subnet_is_public(&self, subnet: &Subnet) -> bool {
        matches!(
            self.default_route(subnet),
            Some(RouteTarget::InternetGateway(_))
        )
    }
}

/// Evaluate every rule over the snapshot.
pub fn evaluate(s: &Snapshot) -> Readiness {
    let ix = Index::new(s);
    let region = s.identity.region.as_str();
    let iam_known = s.has_data(Source::Iam);
    let nodes_known = s.has_data(Source::Nodes);

    let mut instances = Vec::with_capacity(s.instances.instances.len());
    let mut per_vpc_instances: FastMap<&str, Vec<&Instance>> = FastMap::default();
    let mut per_vpc_dependent: FastMap<&str, usize> = FastMap::default();
    let mut summary = FleetSummary::default();

    for inst in &s.instances.instances {
        if inst.state == InstanceState::Terminated {
            continue;
        }
        let report = evaluate_instance(inst, &ix, s, iam_known, nodes_known);
        if let Some(vpc) = inst.vpc_id.as_deref() {
            per_vpc_instances.entry(vpc).or_default().push(inst);
            if report.path == NetworkPath::Endpoints && inst.state == InstanceState::Running {
                *per_vpc_dependent.entry(vpc).or_default() += 1;
            }
        }
        match report.verdict {
            Verdict::Managed => summary.online += 1,
            Verdict::ConnectionLost => summary.connection_lost += 1,
            Verdict::Waiting => summary.waiting += 1,
            Verdict::NotManaged => summary.not_managed += 1,
            Verdict::NotRunning { .. } => summary.not_running += 1,
            Verdict::Unknown => summary.unknown += 1,
        }
        instances.push(report);
    }

    let mut vpcs: Vec<VpcReport> = s
        .network
        .vpcs
        .iter()
        .map(|vpc| {
            let members = per_vpc_instances
                .get(vpc.id.as_str())
                .map(Vec::as_slice)
                .unwrap_or(&[]);
            let dependent = per_vpc_dependent.get(vpc.id.as_str()).copied().unwrap_or(0);
            vpc_report(vpc, members, dependent, &ix, region)
        })
        .collect();
    // VPCs that hold instances first, then by name.
    vpcs.sort_by(|a, b| {
        (b.instance_count > 0)
            .cmp(&(a.instance_count > 0))
            .then_with(|| a.name.cmp(&b.name))
            .then_with(|| a.vpc_id.cmp(&b.vpc_id))
    });

    let mut profile_use: FastMap<&str, usize> = FastMap::default();
    for p in instances.iter().filter_map(|r| r.profile_name.as_deref()) {
        *profile_use.entry(p).or_default() += 1;
    }
    let roles = role_reports(s, &profile_use);
    let default_role_ready = roles.iter().any(|r| {
        r.name == DEFAULT_ROLE_NAME
            && r.trusts_ec2
            && r.policy == SsmPolicy::Core
            && !r.profiles.is_empty()
    });

    Readiness {
        vpcs,
        roles,
        default_role_ready,
        instances,
        summary,
    }
}

fn evaluate_instance(
    inst: &Instance,
    ix: &Index,
    s: &Snapshot,
    iam_known: bool,
    nodes_known: bool,
) -> InstanceReport {
    let mut findings = Vec::new();
    let subnet = inst
        .subnet_id
        .as_deref()
        .and_then(|id| ix.subnets.get(id).copied());
    let public_subnet = subnet.map(|sub| ix.subnet_is_public(sub));
    let path = match subnet {
        None => NetworkPath::Unknown,
        Some(sub) => match ix.default_route(sub) {
            Some(RouteTarget::InternetGateway(_)) if inst.public_ip.is_some() => {
                NetworkPath::InternetGateway
            }
            Some(RouteTarget::NatGateway(_)) => NetworkPath::Nat,
            _ => NetworkPath::Endpoints,
        },
    };

    if path == NetworkPath::Endpoints
        && let (Some(sub), Some(vpc_id)) = (subnet, inst.vpc_id.as_deref())
    {
        endpoint_rules(inst, sub, vpc_id, ix, &mut findings);
    }

    let profile_name = profile_rules(inst, ix, s, iam_known, &mut findings);

    let node = ix.nodes.get(inst.id.as_str());
    let has = |sev: Severity| findings.iter().any(|f: &Finding| f.severity == sev);
    let verdict = if inst.state != InstanceState::Running {
        Verdict::NotRunning {
            instance_state: inst.state.as_str().to_string(),
        }
    } else if node.is_some_and(|n| n.ping == PingStatus::Online) {
        // The agent answers, so its path and credentials work; keep only advice.
        findings.retain(|f| f.severity == Severity::Warning);
        Verdict::Managed
    } else if node.is_some_and(|n| n.ping == PingStatus::ConnectionLost) {
        findings.push(Finding {
            rule: Rule::Agent,
            severity: Severity::Blocker,
            subject: inst.id.clone(),
            kind: FindingKind::ConnectionLost,
            fix: Fix::CheckAgent {
                instance_id: inst.id.clone(),
            },
        });
        Verdict::ConnectionLost
    } else if has(Severity::Blocker) {
        Verdict::NotManaged
    } else if !nodes_known {
        Verdict::Unknown
    } else {
        if !has(Severity::Waiting) {
            findings.push(Finding {
                rule: Rule::Agent,
                severity: Severity::Waiting,
                subject: inst.id.clone(),
                kind: FindingKind::AgentNotRegistered,
                fix: Fix::CheckAgent {
                    instance_id: inst.id.clone(),
                },
            });
        }
        Verdict::Waiting
    };
    findings.sort_by_key(|f| (f.severity, f.rule));

    InstanceReport {
        instance_id: inst.id.clone(),
        verdict,
        path,
        public_subnet,
        profile_name,
        findings,
    }
}

/// Rules 1–4 for one instance that depends on the endpoints.
fn endpoint_rules(
    inst: &Instance,
    subnet: &Subnet,
    vpc_id: &str,
    ix: &Index,
    findings: &mut Vec<Finding>,
) {
    let endpoints = ix
        .endpoints_by_vpc
        .get(vpc_id)
        .map(Vec::as_slice)
        .unwrap_or(&[]);
    let mut missing = Vec::new();
    let mut pending = Vec::new();
    let mut failed = Vec::new();
    let mut dns_off = Vec::new();
    let mut blocked = Vec::new();
    let mut other_az = Vec::new();
    let mut present_interface = false;
    for (short, name) in REQUIRED_SERVICES.iter().zip(&ix.required_names) {
        let Some(ep) = endpoints
            .iter()
            .find(|e| &e.service_name == name && e.kind == EndpointType::Interface)
        else {
            missing.push(short.to_string());
            continue;
        };
        present_interface = true;
        match ep.state {
            EndpointState::Available => {}
            EndpointState::Pending => pending.push(short.to_string()),
            _ => failed.push(short.to_string()),
        }
        if !ep.private_dns {
            dns_off.push(short.to_string());
        }
        if https_allowed(ep, inst, subnet, ix) == Some(false) {
            blocked.push(short.to_string());
        }
        if let Some(az) = &inst.az {
            let covered = ep
                .subnet_ids
                .iter()
                .filter_map(|id| ix.subnets.get(id.as_str()))
                .any(|s| &s.az == az);
            if !covered && !ep.subnet_ids.is_empty() {
                other_az.push(short.to_string());
            }
        }
    }
    let subject = inst.id.clone();
    let mut push = |rule, severity, kind, fix| {
        findings.push(Finding {
            rule,
            severity,
            subject: subject.clone(),
            kind,
            fix,
        })
    };
    let create = Fix::CreateEndpoints {
        vpc_id: vpc_id.to_string(),
    };
    if !missing.is_empty() {
        push(
            Rule::Endpoints,
            Severity::Blocker,
            FindingKind::EndpointsMissing { services: missing },
            create.clone(),
        );
    }
    if !failed.is_empty() {
        push(
            Rule::Endpoints,
            Severity::Blocker,
            FindingKind::EndpointsFailed { services: failed },
            create.clone(),
        );
    }
    if !pending.is_empty() {
        push(
            Rule::Endpoints,
            Severity::Waiting,
            FindingKind::EndpointsPending { services: pending },
            Fix::Wait,
        );
    }
    if !dns_off.is_empty() {
        push(
            Rule::Endpoints,
            Severity::Blocker,
            FindingKind::PrivateDnsOff { services: dns_off },
            create.clone(),
        );
    }
    if present_interface && let Some(vpc) = ix.vpcs.get(vpc_id) {
        let support = vpc.dns_support.unwrap_or(true);
        let hostnames = vpc.dns_hostnames.unwrap_or(true);
        if !support || !hostnames {
            push(
                Rule::VpcDns,
                Severity::Blocker,
                FindingKind::VpcDnsOff {
                    dns_support: support,
                    dns_hostnames: hostnames,
                },
                Fix::EnableVpcDns {
                    vpc_id: vpc_id.to_string(),
                },
            );
        }
    }
    if !blocked.is_empty() {
        push(
            Rule::Https,
            Severity::Blocker,
            FindingKind::HttpsNotAllowed { services: blocked },
            Fix::AllowHttps {
                vpc_id: vpc_id.to_string(),
            },
        );
    }
    if !other_az.is_empty()
        && let Some(az) = &inst.az
    {
        push(
            Rule::EndpointSubnets,
            Severity::Warning,
            FindingKind::EndpointNotInZone {
                services: other_az,
                az: az.clone(),
            },
            create,
        );
    }
}

/// Rule 3: does any security group of the endpoint let the instance in on 443?
/// `None` when the groups are unknown.
fn https_allowed(ep: &VpcEndpoint, inst: &Instance, subnet: &Subnet, ix: &Index) -> Option<bool> {
    let mut groups = ep
        .security_group_ids
        .iter()
        .filter_map(|id| ix.https_rules.get(id.as_str()))
        .peekable();
    groups.peek()?;
    let source_net = ix.subnet_nets.get(subnet.id.as_str());
    let mut source_ip: Option<Option<Ipv4Addr>> = None;
    let mut ip = || *source_ip.get_or_insert_with(|| inst.private_ip.as_deref()?.parse().ok());
    let allowed = groups.flatten().any(|rule| {
        rule.source_group_ids
            .iter()
            .any(|g| inst.security_group_ids.contains(g))
            || rule.nets.iter().any(|net| {
                source_net.is_some_and(|s| net.contains(s))
                    || ip().is_some_and(|ip| net.contains(&ip))
            })
    });
    Some(allowed)
}

/// Rule 6. Returns the profile name in use, if any.
fn profile_rules(
    inst: &Instance,
    ix: &Index,
    s: &Snapshot,
    iam_known: bool,
    findings: &mut Vec<Finding>,
) -> Option<String> {
    let mut push = |rule, severity, kind, fix| {
        findings.push(Finding {
            rule,
            severity,
            subject: inst.id.clone(),
            kind,
            fix,
        })
    };
    let association = ix.associations.get(inst.id.as_str());
    let arn = association
        .map(|a| a.profile_arn.as_str())
        .or(inst.profile_arn.as_deref());
    let Some(arn) = arn else {
        let dhmc = s.nodes.dhmc == Some(true);
        if dhmc && inst.imds_v2_required {
            return None;
        }
        push(
            Rule::InstanceProfile,
            Severity::Blocker,
            FindingKind::NoInstanceProfile {
                dhmc_without_imdsv2: dhmc,
            },
            Fix::AttachProfile {
                instance_id: inst.id.clone(),
            },
        );
        return None;
    };
    let name_from_arn = arn.rsplit('/').next().unwrap_or(arn).to_string();
    if association.is_some_and(|a| a.state == AssociationState::Associating) {
        push(
            Rule::InstanceProfile,
            Severity::Waiting,
            FindingKind::AssociationPending,
            Fix::Wait,
        );
    }
    if !iam_known {
        return Some(name_from_arn);
    }
    let profile = ix
        .profiles_by_arn
        .get(arn)
        .or_else(|| ix.profiles_by_name.get(name_from_arn.as_str()));
    let Some(profile) = profile else {
        push(
            Rule::InstanceProfile,
            Severity::Blocker,
            FindingKind::ProfileNotFound {
                profile_arn: arn.to_string(),
            },
            Fix::AttachProfile {
                instance_id: inst.id.clone(),
            },
        );
        return Some(name_from_arn);
    };
    let Some(role_name) = profile.role_names.first() else {
        push(
            Rule::InstanceProfile,
            Severity::Blocker,
            FindingKind::ProfileWithoutRole {
                profile: profile.name.clone(),
            },
            Fix::AttachProfile {
                instance_id: inst.id.clone(),
            },
        );
        return Some(profile.name.clone());
    };
    let Some(role) = ix.roles.get(role_name.as_str()) else {
        push(
            Rule::InstanceProfile,
            Severity::Blocker,
            FindingKind::RoleNotFound {
                role: role_name.clone(),
            },
            Fix::AttachProfile {
                instance_id: inst.id.clone(),
            },
        );
        return Some(profile.name.clone());
    };
    if !role.trusts_ec2() {
        push(
            Rule::InstanceProfile,
            Severity::Blocker,
            FindingKind::RoleNotTrustingEc2 {
                role: role.name.clone(),
            },
            Fix::AttachProfile {
                instance_id: inst.id.clone(),
            },
        );
    }
    match role.ssm_policy() {
        SsmPolicy::Core => {}
        SsmPolicy::Deprecated => push(
            Rule::InstanceProfile,
            Severity::Warning,
            FindingKind::DeprecatedPolicy {
                role: role.name.clone(),
            },
            Fix::AttachCorePolicy {
                role: role.name.clone(),
            },
        ),
        SsmPolicy::None => push(
            Rule::InstanceProfile,
            Severity::Blocker,
            FindingKind::RoleWithoutSsmPolicy {
                role: role.name.clone(),
            },
            Fix::AttachCorePolicy {
                role: role.name.clone(),
            },
        ),
    }
    Some(profile.name.clone())
}

fn vpc_report(
    vpc: &Vpc,
    members: &[&Instance],
    dependent: usize,
    ix: &Index,
    region: &str,
) -> VpcReport {
    let endpoints = ix
        .endpoints_by_vpc
        .get(vpc.id.as_str())
        .map(Vec::as_slice)
        .unwrap_or(&[]);
    let running: Vec<&Instance> = members
        .iter()
        .copied()
        .filter(|i| i.state == InstanceState::Running)
        .collect();
    let mut findings = Vec::new();
    let mut services = Vec::new();
    let all = REQUIRED_SERVICES
        .iter()
        .map(|s| (*s, EndpointType::Interface, true))
        .chain(OPTIONAL_SERVICES.iter().map(|(s, k)| (*s, *k, false)));
    for (short, kind, required) in all {
        let name = service_name(region, short);
        let ep = endpoints.iter().find(|e| e.service_name == name);
        let azs: Vec<String> = ep
            .map(|e| {
                let mut azs: Vec<String> = e
                    .subnet_ids
                    .iter()
                    .filter_map(|id| ix.subnets.get(id.as_str()).map(|s| s.az.clone()))
                    .collect();
                azs.sort();
                azs
            })
            .unwrap_or_default();
        if let Some(ep) = ep {
            let mut seen = HashSet::new();
            for az in &azs {
                if !seen.insert(az) {
                    findings.push(Finding {
                        rule: Rule::EndpointSubnets,
                        severity: Severity::Warning,
                        subject: vpc.id.clone(),
                        kind: FindingKind::DuplicateSubnetsInZone {
                            service: short.to_string(),
                            az: az.clone(),
                        },
                        fix: Fix::CreateEndpoints {
                            vpc_id: ep.vpc_id.clone(),
                        },
                    });
                }
            }
        }
        let https = ep
            .filter(|e| e.kind == EndpointType::Interface)
            .and_then(|e| {
                let mut verdicts = running.iter().filter_map(|inst| {
                    let subnet = inst
                        .subnet_id
                        .as_deref()
                        .and_then(|id| ix.subnets.get(id))?;
                    https_allowed(e, inst, subnet, ix)
                });
                let first = verdicts.next()?;
                Some(verdicts.fold(first, |acc, v| acc && v))
            });
        services.push(ServiceStatus {
            short: short.to_string(),
            service_name: name,
            required,
            kind,
            endpoint_id: ep.map(|e| e.id.clone()),
            state: ep.map(|e| e.state.as_str().to_string()),
            private_dns: ep
                .filter(|e| e.kind == EndpointType::Interface)
                .map(|e| e.private_dns),
            azs,
            https_from_instances: https,
        });
    }
    if dependent > 0 {
        let missing: Vec<String> = services
            .iter()
            .filter(|s| s.required && s.endpoint_id.is_none())
            .map(|s| s.short.clone())
            .collect();
        if !missing.is_empty() {
            findings.push(Finding {
                rule: Rule::Endpoints,
                severity: Severity::Blocker,
                subject: vpc.id.clone(),
                kind: FindingKind::EndpointsMissing { services: missing },
                fix: Fix::CreateEndpoints {
                    vpc_id: vpc.id.clone(),
                },
            });
        }
        let support = vpc.dns_support.unwrap_or(true);
        let hostnames = vpc.dns_hostnames.unwrap_or(true);
        if !support || !hostnames {
            findings.push(Finding {
                rule: Rule::VpcDns,
                severity: Severity::Blocker,
                subject: vpc.id.clone(),
                kind: FindingKind::VpcDnsOff {
                    dns_support: support,
                    dns_hostnames: hostnames,
                },
                fix: Fix::EnableVpcDns {
                    vpc_id: vpc.id.clone(),
                },
            });
        }
    }
    VpcReport {
        vpc_id: vpc.id.clone(),
        name: vpc.name.clone(),
        cidr: vpc.cidr.clone(),
        dns_support: vpc.dns_support,
        dns_hostnames: vpc.dns_hostnames,
        services,
        instance_count: members.len(),
        endpoint_dependent_instances: dependent,
        findings,
    }
}

fn role_reports(s: &Snapshot, profile_use: &FastMap<&str, usize>) -> Vec<RoleReport> {
    let mut out: Vec<RoleReport> = s
        .iam
        .roles
        .iter()
        .filter(|r| r.trusts_ec2() || r.name == DEFAULT_ROLE_NAME)
        .map(|role| {
            let profiles: Vec<String> = s
                .iam
                .profiles
                .iter()
                .filter(|p| p.role_names.contains(&role.name))
                .map(|p| p.name.clone())
                .collect();
            let instance_count = profiles
                .iter()
                .map(|p| profile_use.get(p.as_str()).copied().unwrap_or(0))
                .sum();
            let mut findings = Vec::new();
            let mut push = |severity, kind, fix| {
                findings.push(Finding {
                    rule: Rule::InstanceProfile,
                    severity,
                    subject: role.name.clone(),
                    kind,
                    fix,
                })
            };
            match role.ssm_policy() {
                SsmPolicy::Core => {}
                SsmPolicy::Deprecated => push(
                    Severity::Warning,
                    FindingKind::DeprecatedPolicy {
                        role: role.name.clone(),
                    },
                    Fix::AttachCorePolicy {
                        role: role.name.clone(),
                    },
                ),
                SsmPolicy::None => push(
                    Severity::Blocker,
                    FindingKind::RoleWithoutSsmPolicy {
                        role: role.name.clone(),
                    },
                    Fix::AttachCorePolicy {
                        role: role.name.clone(),
                    },
                ),
            }
            if !role.trusts_ec2() {
                push(
                    Severity::Blocker,
                    FindingKind::RoleNotTrustingEc2 {
                        role: role.name.clone(),
                    },
                    Fix::CreateRole,
                );
            }
            RoleReport {
                name: role.name.clone(),
                arn: role.arn.clone(),
                trusts_ec2: role.trusts_ec2(),
                policy: role.ssm_policy(),
                profiles,
                instance_count,
                findings,
            }
        })
        .collect();
    out.sort_by(|a, b| {
        (b.name == DEFAULT_ROLE_NAME)
            .cmp(&(a.name == DEFAULT_ROLE_NAME))
            .then_with(|| a.name.cmp(&b.name))
    });
    out
}
