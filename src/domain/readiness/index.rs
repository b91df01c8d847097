//! Lookups built once per evaluation so the rules stay linear in fleet size.

use ipnet::Ipv4Net;

use std::cell::RefCell;

use super::iam::{RoleAccess, role_access};
use super::{REQUIRED_SERVICES, service_name};
use crate::domain::fast_map::FastMap;
use crate::domain::model::{
    AssociationState, EndpointState, EndpointType, InstanceProfile, ManagedNode,
    ProfileAssociation, Role, Subnet, VpcEndpoint,
};
use crate::domain::policy::{Decision, PolicyDocument};
use crate::domain::snapshot::Snapshot;
use crate::domain::topology::Topology;

/// An endpoint's id and the ARN of a role calling through it.
pub(super) type EndpointRole<'a> = (&'a str, &'a str);

pub(super) struct Index<'a> {
    pub topo: Topology<'a>,
    pub endpoints_by_vpc: FastMap<&'a str, Vec<&'a VpcEndpoint>>,
    pub profiles_by_arn: FastMap<&'a str, &'a InstanceProfile>,
    pub profiles_by_name: FastMap<&'a str, &'a InstanceProfile>,
    pub roles: FastMap<&'a str, &'a Role>,
    pub associations: FastMap<&'a str, &'a ProfileAssociation>,
    pub nodes: FastMap<&'a str, &'a ManagedNode>,
    /// The newest agent version (parsed, as written) the nodes run, by platform type.
    pub newest_agents: FastMap<&'a str, ([u32; 4], &'a str)>,
    /// Each security group's inbound rules that allow TCP 443, CIDRs parsed once.
    pub https_rules: FastMap<&'a str, Vec<HttpsRule<'a>>>,
    /// Each security group's outbound rules that allow TCP 443.
    pub egress_rules: FastMap<&'a str, Vec<EgressRule<'a>>>,
    /// `com.amazonaws.R.X` of the required services, built once.
    pub required_names: [String; 3],
    /// Each VPC's endpoints for the required services.
    pub required_by_vpc: FastMap<&'a str, RequiredEndpoints<'a>>,
    /// What each role's policies let the agent do.
    pub role_access: FastMap<&'a str, RoleAccess>,
    /// Endpoint policies other than the default, parsed once.
    pub endpoint_policies: FastMap<&'a str, Result<PolicyDocument, String>>,
    /// (endpoint, role ARN) → the worst decision over the agent's actions and its action.
    pub endpoint_decisions: RefCell<FastMap<EndpointRole<'a>, (String, Decision)>>,
}

/// A required service's interface endpoint and the subnets it is in.
pub(super) struct Present<'a> {
    pub endpoint: &'a VpcEndpoint,
    pub subnets: Vec<&'a Subnet>,
}

/// What every instance of a VPC asks of its endpoints, worked out once per VPC.
#[derive(Default)]
pub(super) struct RequiredEndpoints<'a> {
    /// In `REQUIRED_SERVICES` order: `None` where the service has no interface endpoint.
    pub services: [Option<Present<'a>>; 3],
    /// Where instances must be able to send 443 (rule 9): the endpoints' subnets, and the
    /// VPC's CIDR while an endpoint is missing (where it would be made).
    pub destinations: Vec<Ipv4Net>,
    /// The endpoints' security groups: egress to one of them reaches the endpoints.
    pub peer_groups: Vec<&'a str>,
}

impl<'a> RequiredEndpoints<'a> {
    fn new(
        endpoints: &[&'a VpcEndpoint],
        names: &[String; 3],
        vpc_net: Option<Ipv4Net>,
        topo: &Topology<'a>,
    ) -> Self {
        let services = names.each_ref().map(|name| {
            let endpoint = *endpoints
                .iter()
                .find(|e| &e.service_name == name && e.kind == EndpointType::Interface)?;
            let subnets = endpoint
                .subnet_ids
                .iter()
                .filter_map(|id| topo.subnet(id))
                .collect();
            Some(Present { endpoint, subnets })
        });
        let present = || services.iter().flatten();
        let mut destinations: Vec<Ipv4Net> = present()
            .flat_map(|p| p.endpoint.subnet_ids.iter())
            .filter_map(|id| topo.subnet_net(id))
            .collect();
        if present().count() < services.len() || destinations.is_empty() {
            destinations.extend(vpc_net);
        }
        let peer_groups = present()
            .flat_map(|p| p.endpoint.security_group_ids.iter().map(String::as_str))
            .collect();
        RequiredEndpoints {
            services,
            destinations,
            peer_groups,
        }
    }
}

/// An inbound rule that covers TCP 443: where it lets traffic in from.
pub(super) struct HttpsRule<'a> {
    pub source_group_ids: &'a [String],
    pub nets: Vec<Ipv4Net>,
}

/// An outbound rule that covers TCP 443: where it lets traffic go.
pub(super) struct EgressRule<'a> {
    pub group_ids: &'a [String],
    pub prefix_lists: &'a [String],
    pub nets: Vec<Ipv4Net>,
}

impl<'a> Index<'a> {
    pub(super) fn new(s: &'a Snapshot) -> Self {
        let n = &s.network;
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
        let topo = Topology::new(n);
        let required_names = REQUIRED_SERVICES.map(|short| service_name(&s.identity.region, short));
        let required_by_vpc = n
            .vpcs
            .iter()
            .map(|v| v.id.as_str())
            .chain(endpoints_by_vpc.keys().copied())
            .map(|vpc| {
                let endpoints = endpoints_by_vpc.get(vpc).map_or(&[][..], Vec::as_slice);
                let required =
                    RequiredEndpoints::new(endpoints, &required_names, topo.vpc_net(vpc), &topo);
                (vpc, required)
            })
            .collect();
        Index {
            topo,
            endpoints_by_vpc,
            required_names,
            required_by_vpc,
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
            newest_agents: super::agent::newest_agents(&s.nodes.nodes),
            https_rules: n
                .security_groups
                .iter()
                .map(|g| {
                    let rules = g
                        .ingress
                        .iter()
                        .filter(|r| r.covers_tcp_port(443))
                        .map(|r| HttpsRule {
                            source_group_ids: &r.group_ids,
                            nets: r.cidrs.iter().filter_map(|c| c.parse().ok()).collect(),
                        })
                        .collect();
                    (g.id.as_str(), rules)
                })
                .collect(),
            egress_rules: n
                .security_groups
                .iter()
                .map(|g| {
                    let rules = g
                        .egress
                        .iter()
                        .filter(|r| r.covers_tcp_port(443))
                        .map(|r| EgressRule {
                            group_ids: &r.group_ids,
                            prefix_lists: &r.prefix_list_ids,
                            nets: r.cidrs.iter().filter_map(|c| c.parse().ok()).collect(),
                        })
                        .collect();
                    (g.id.as_str(), rules)
                })
                .collect(),
            role_access: s
                .iam
                .roles
                .iter()
                .map(|r| (r.name.as_str(), role_access(r)))
                .collect(),
            endpoint_policies: n
                .endpoints
                .iter()
                .filter_map(|e| {
                    let text = e.policy_document.as_deref()?;
                    Some((e.id.as_str(), PolicyDocument::parse(text)))
                })
                .collect(),
            endpoint_decisions: RefCell::new(FastMap::default()),
        }
    }

    /// The endpoints of a VPC that are not being deleted.
    pub(super) fn endpoints(&self, vpc_id: &str) -> &[&'a VpcEndpoint] {
        self.endpoints_by_vpc
            .get(vpc_id)
            .map(Vec::as_slice)
            .unwrap_or(&[])
    }
}
