//! The readiness rules (DESIGN.md 1–12) as pure functions over a [`Snapshot`]: the
//! network family (`network`, `acl`, `vpc`), the IAM family (`iam`) and the agent's
//! (`agent`), over lookups built once (`index`).

pub mod acl;
pub mod agent;
mod hybrid;
mod iam;
mod index;
mod network;
mod vpc;

use serde::Serialize;

use super::fast_map::FastMap;
use super::findings::{Finding, FindingKind, Severity};
use super::model::{DEFAULT_ROLE_NAME, EndpointType, Instance, InstanceState, NodeKind, SsmPolicy};
use super::snapshot::{Snapshot, Source};
use index::Index;

pub use iam::{Access, RoleAccess, role_access};

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
    /// Default route to a transit gateway, peering connection or VPN gateway: the path
    /// leaves the VPC and cannot be followed from this account.
    Remote,
    /// Subnet or route table unknown.
    Unknown,
    /// A hybrid node: its network is outside AWS, not seen from this account.
    OutsideAws,
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
    /// An EC2 instance, or a hybrid node judged by its own rules.
    pub kind: NodeKind,
    pub verdict: Verdict,
    pub path: NetworkPath,
    pub public_subnet: Option<bool>,
    pub profile_name: Option<String>,
    pub findings: crate::domain::findings::Findings,
}

impl InstanceReport {
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

impl FleetSummary {
    fn count(&mut self, verdict: &Verdict) {
        match verdict {
            Verdict::Managed => self.online += 1,
            Verdict::ConnectionLost => self.connection_lost += 1,
            Verdict::Waiting => self.waiting += 1,
            Verdict::NotManaged => self.not_managed += 1,
            Verdict::NotRunning { .. } => self.not_running += 1,
            Verdict::Unknown => self.unknown += 1,
        }
    }
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

/// The rules of one instance over a snapshot's network, IAM and nodes, indexed once: the
/// sandbox asks them of instances that are not in the snapshot.
pub struct InstanceRules<'a> {
    ix: Index<'a>,
    s: &'a Snapshot,
    iam_known: bool,
    nodes_known: bool,
}

impl<'a> InstanceRules<'a> {
    pub fn new(s: &'a Snapshot) -> Self {
        InstanceRules {
            ix: Index::new(s),
            s,
            iam_known: s.has_data(Source::Iam),
            nodes_known: s.has_data(Source::Nodes),
        }
    }

    pub fn report(&self, inst: &Instance) -> InstanceReport {
        evaluate_instance(inst, &self.ix, self.s, self.iam_known, self.nodes_known)
    }
}

/// Evaluate every rule over the snapshot.
pub fn evaluate(s: &Snapshot) -> Readiness {
    let rules = InstanceRules::new(s);
    let ix = &rules.ix;
    let region = s.identity.region.as_str();

    let mut instances = Vec::with_capacity(s.instances.instances.len());
    let mut per_vpc_instances: FastMap<&str, Vec<&Instance>> = FastMap::default();
    let mut per_vpc_dependent: FastMap<&str, usize> = FastMap::default();
    // What the VPC's endpoint policies refuse its instances: the endpoints' own findings.
    let mut per_vpc_policy: FastMap<&str, Vec<Finding>> = FastMap::default();
    let mut summary = FleetSummary::default();

    for inst in &s.instances.instances {
        if inst.state == InstanceState::Terminated {
            continue;
        }
        let report = rules.report(inst);
        if let Some(vpc) = inst.vpc_id.as_deref() {
            per_vpc_instances.entry(vpc).or_default().push(inst);
            if report.path == NetworkPath::Endpoints && inst.state == InstanceState::Running {
                *per_vpc_dependent.entry(vpc).or_default() += 1;
            }
            let policy = report.findings.iter().filter(|f| {
                matches!(
                    f.kind,
                    FindingKind::EndpointPolicyDenies { .. }
                        | FindingKind::EndpointPolicyUnverified { .. }
                )
            });
            for f in policy {
                let known = per_vpc_policy.entry(vpc).or_default();
                if !known.iter().any(|k| k.kind == f.kind) {
                    known.push(Finding {
                        subject: vpc.to_string(),
                        ..f.clone()
                    });
                }
            }
        }
        summary.count(&report.verdict);
        instances.push(report);
    }
    // Hybrid nodes are in the node list only: judged by their own rules, after the EC2
    // instances.
    let inventory_known = s.has_data(Source::Inventory);
    for node in s.nodes.nodes.iter().filter(|n| n.is_hybrid()) {
        let mut report = hybrid::hybrid_report(node, ix, rules.iam_known);
        if s.has_data(Source::Associations) {
            let collected = inventory_known.then(|| {
                s.inventory
                    .iter()
                    .any(|x| x.instance_id == node.instance_id)
            });
            let mut findings = report.findings.to_vec();
            findings.extend(crate::domain::associations::hybrid_inventory_finding(
                &s.state_associations,
                &node.instance_id,
                collected,
            ));
            findings.sort_by_key(|f| (f.severity, f.rule));
            report.findings = findings.into();
        }
        summary.count(&report.verdict);
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
            let mut report = vpc::vpc_report(vpc, members, dependent, ix, region);
            if let Some(policy) = per_vpc_policy.remove(vpc.id.as_str()) {
                report.findings.extend(policy);
            }
            report
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
    let roles = iam::role_reports(s, ix, &profile_use);
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
    let subnet = inst.path_subnet_id().and_then(|id| ix.topo.subnet(id));
    let public_subnet = subnet.map(|sub| ix.topo.is_public(sub));
    let (profile_name, role) = iam::profile_rules(inst, ix, s, iam_known, &mut findings);
    let path = match subnet {
        Some(sub) => network::path_rules(inst, sub, role, ix, s, &mut findings),
        None => NetworkPath::Unknown,
    };
    agent::imds_rules(inst, &mut findings);
    let node = ix.nodes.get(inst.id.as_str()).copied();
    agent::update_rules(&inst.id, node, &ix.newest_agents, &mut findings);
    let verdict = agent::verdict(inst, node, nodes_known, &mut findings);
    // Inventory: known only once the associations were read, for a node that is managed.
    if node.is_some() && s.has_data(Source::Associations) {
        findings.extend(crate::domain::associations::inventory_finding(
            &s.state_associations,
            &inst.id,
            &inst.tags,
        ));
    }
    findings.sort_by_key(|f| (f.severity, f.rule));

    InstanceReport {
        instance_id: inst.id.clone(),
        kind: NodeKind::Ec2,
        verdict,
        path,
        public_subnet,
        profile_name,
        findings: findings.into(),
    }
}
