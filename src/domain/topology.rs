//! The shape of the network the rules and the plan both read: which route table and
//! network ACL a subnet uses, where its default route goes, whether it is public, CIDRs.

use ipnet::Ipv4Net;

use super::fast_map::FastMap;
use super::model::{NatGateway, NetworkAcl, RouteTable, RouteTarget, Subnet, Vpc};
use super::snapshot::NetworkData;

/// The destination of a default route.
pub const DEFAULT_ROUTE: &str = "0.0.0.0/0";

/// Lookups over one snapshot's network, built once.
pub struct Topology<'a> {
    vpcs: FastMap<&'a str, &'a Vpc>,
    subnets: FastMap<&'a str, &'a Subnet>,
    route_by_subnet: FastMap<&'a str, &'a RouteTable>,
    main_route_by_vpc: FastMap<&'a str, &'a RouteTable>,
    subnet_nets: FastMap<&'a str, Ipv4Net>,
    vpc_nets: FastMap<&'a str, Ipv4Net>,
    acl_by_subnet: FastMap<&'a str, &'a NetworkAcl>,
    default_acl_by_vpc: FastMap<&'a str, &'a NetworkAcl>,
    nats: FastMap<&'a str, &'a NatGateway>,
    nats_known: bool,
}

impl<'a> Topology<'a> {
    pub fn new(n: &'a NetworkData) -> Self {
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
        let mut acl_by_subnet = FastMap::default();
        let mut default_acl_by_vpc = FastMap::default();
        for acl in &n.network_acls {
            for sub in &acl.subnet_ids {
                acl_by_subnet.insert(sub.as_str(), acl);
            }
            if acl.is_default {
                default_acl_by_vpc.insert(acl.vpc_id.as_str(), acl);
            }
        }
        Topology {
            acl_by_subnet,
            default_acl_by_vpc,
            nats: n.nat_gateways.iter().map(|g| (g.id.as_str(), g)).collect(),
            nats_known: n.nat_gateways_known,
            vpcs: n.vpcs.iter().map(|v| (v.id.as_str(), v)).collect(),
            subnets: n.subnets.iter().map(|x| (x.id.as_str(), x)).collect(),
            route_by_subnet,
            main_route_by_vpc,
            subnet_nets: n
                .subnets
                .iter()
                .filter_map(|x| Some((x.id.as_str(), x.cidr.parse().ok()?)))
                .collect(),
            vpc_nets: n
                .vpcs
                .iter()
                .filter_map(|v| Some((v.id.as_str(), v.cidr.parse().ok()?)))
                .collect(),
        }
    }

    pub fn vpc(&self, id: &str) -> Option<&'a Vpc> {
        self.vpcs.get(id).copied()
    }

    pub fn subnet(&self, id: &str) -> Option<&'a Subnet> {
        self.subnets.get(id).copied()
    }

    /// The subnet's own route table, else its VPC's main one.
    pub fn route_table(&self, subnet: &Subnet) -> Option<&'a RouteTable> {
        self.route_by_subnet
            .get(subnet.id.as_str())
            .or_else(|| self.main_route_by_vpc.get(subnet.vpc_id.as_str()))
            .copied()
    }

    pub fn default_route(&self, subnet: &Subnet) -> Option<&'a RouteTarget> {
        default_target(self.route_table(subnet)?)
    }

    /// A subnet whose default route goes to an internet gateway.
    pub fn is_public(&self, subnet: &Subnet) -> bool {
        matches!(
            self.default_route(subnet),
            Some(RouteTarget::InternetGateway(_))
        )
    }

    pub fn subnet_net(&self, id: &str) -> Option<Ipv4Net> {
        self.subnet_nets.get(id).copied()
    }

    pub fn vpc_net(&self, id: &str) -> Option<Ipv4Net> {
        self.vpc_nets.get(id).copied()
    }

    /// The network ACL guarding a subnet: its own, else its VPC's default. `None` when
    /// the ACLs were not read.
    pub fn network_acl(&self, subnet: &Subnet) -> Option<&'a NetworkAcl> {
        self.acl_by_subnet
            .get(subnet.id.as_str())
            .or_else(|| self.default_acl_by_vpc.get(subnet.vpc_id.as_str()))
            .copied()
    }

    /// A NAT gateway: `Some(None)` when the NAT gateways were read and it is not among
    /// them, `None` when they were not read.
    pub fn nat(&self, id: &str) -> Option<Option<&'a NatGateway>> {
        self.nats_known.then(|| self.nats.get(id).copied())
    }
}

/// Where a route table sends 0.0.0.0/0.
pub fn default_target(table: &RouteTable) -> Option<&RouteTarget> {
    table
        .routes
        .iter()
        .find(|r| r.destination == DEFAULT_ROUTE)
        .map(|r| &r.target)
}

/// A route table whose default route goes to an internet gateway.
pub fn is_public_table(table: &RouteTable) -> bool {
    matches!(default_target(table), Some(RouteTarget::InternetGateway(_)))
}
