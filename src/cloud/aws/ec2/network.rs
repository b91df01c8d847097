//! EC2 network reads: VPCs and their attributes, subnets, routes, security groups,
//! network ACLs, NAT gateways, endpoints.

use aws_sdk_ec2::Client;
use aws_sdk_ec2::types::{
    self as sdk, AttributeBooleanValue, ConnectivityType, IpPermission, RouteState, RuleAction,
    VpcAttributeName, VpcEndpointType,
};

use super::{PAGE_1000, ROUTE_TABLES_PAGE, missing};
use crate::cloud::aws::convert::{ec2_tag, opt_owned, owned};
use crate::cloud::aws::errors::map_err;
use crate::cloud::aws::logged;
use crate::cloud::{CloudResult, VpcDnsAttribute};
use crate::domain::model::{
    AclEntry, EndpointState, EndpointType, GroupRule, NatGateway, NatState, NetworkAcl, Route,
    RouteTable, RouteTarget, SecurityGroup, Subnet, Vpc, VpcEndpoint,
};

/// Regions enabled for the account (opted-out ones are left out), sorted.
pub(crate) async fn describe_regions(ec2: &Client) -> CloudResult<Vec<String>> {
    const ACTION: &str = "ec2:DescribeRegions";
    let out = ec2
        .describe_regions()
        .all_regions(false)
        .send()
        .await
        .map_err(|e| map_err(ACTION, e))?;
    let mut regions: Vec<String> = out
        .regions()
        .iter()
        .filter_map(|r| r.region_name().map(ToString::to_string))
        .collect();
    regions.sort();
    logged(ACTION, 1, regions.len());
    Ok(regions)
}

pub(crate) async fn describe_vpcs(ec2: &Client) -> CloudResult<Vec<Vpc>> {
    const ACTION: &str = "ec2:DescribeVpcs";
    let mut pages = ec2
        .describe_vpcs()
        .max_results(PAGE_1000)
        .into_paginator()
        .send();
    let (mut out, mut n) = (Vec::new(), 0);
    while let Some(page) = pages.next().await {
        let page = page.map_err(|e| map_err(ACTION, e))?;
        n += 1;
        out.extend(page.vpcs().iter().filter_map(vpc));
    }
    logged(ACTION, n, out.len());
    Ok(out)
}

fn vpc(v: &sdk::Vpc) -> Option<Vpc> {
    Some(Vpc {
        id: v.vpc_id()?.to_string(),
        name: ec2_tag(v.tags(), "Name"),
        cidr: owned(v.cidr_block()),
        is_default: v.is_default().unwrap_or(false),
        // One DescribeVpcAttribute call per attribute: see `describe_vpc_attribute`.
        dns_support: None,
        dns_hostnames: None,
    })
}

fn attribute_name(attribute: VpcDnsAttribute) -> VpcAttributeName {
    match attribute {
        VpcDnsAttribute::EnableDnsSupport => VpcAttributeName::EnableDnsSupport,
        VpcDnsAttribute::EnableDnsHostnames => VpcAttributeName::EnableDnsHostnames,
    }
}

pub(crate) async fn describe_vpc_attribute(
    ec2: &Client,
    vpc_id: &str,
    attribute: VpcDnsAttribute,
) -> CloudResult<bool> {
    const ACTION: &str = "ec2:DescribeVpcAttribute";
    let out = ec2
        .describe_vpc_attribute()
        .vpc_id(vpc_id)
        .attribute(attribute_name(attribute))
        .send()
        .await
        .map_err(|e| map_err(ACTION, e))?;
    logged(ACTION, 1, 1);
    let value = match attribute {
        VpcDnsAttribute::EnableDnsSupport => out.enable_dns_support(),
        VpcDnsAttribute::EnableDnsHostnames => out.enable_dns_hostnames(),
    };
    value
        .and_then(AttributeBooleanValue::value)
        .ok_or_else(|| missing(ACTION, "attribute value"))
}

pub(crate) async fn describe_subnets(ec2: &Client) -> CloudResult<Vec<Subnet>> {
    const ACTION: &str = "ec2:DescribeSubnets";
    let mut pages = ec2
        .describe_subnets()
        .max_results(PAGE_1000)
        .into_paginator()
        .send();
    let (mut out, mut n) = (Vec::new(), 0);
    while let Some(page) = pages.next().await {
        let page = page.map_err(|e| map_err(ACTION, e))?;
        n += 1;
        out.extend(page.subnets().iter().filter_map(|s| {
            Some(Subnet {
                id: s.subnet_id()?.to_string(),
                vpc_id: owned(s.vpc_id()),
                name: ec2_tag(s.tags(), "Name"),
                az: owned(s.availability_zone()),
                cidr: owned(s.cidr_block()),
                map_public_ip_on_launch: s.map_public_ip_on_launch().unwrap_or(false),
            })
        }));
    }
    logged(ACTION, n, out.len());
    Ok(out)
}

pub(crate) async fn describe_route_tables(ec2: &Client) -> CloudResult<Vec<RouteTable>> {
    const ACTION: &str = "ec2:DescribeRouteTables";
    let mut pages = ec2
        .describe_route_tables()
        .max_results(ROUTE_TABLES_PAGE)
        .into_paginator()
        .send();
    let (mut out, mut n) = (Vec::new(), 0);
    while let Some(page) = pages.next().await {
        let page = page.map_err(|e| map_err(ACTION, e))?;
        n += 1;
        out.extend(page.route_tables().iter().filter_map(route_table));
    }
    logged(ACTION, n, out.len());
    Ok(out)
}

fn route_table(t: &sdk::RouteTable) -> Option<RouteTable> {
    Some(RouteTable {
        id: t.route_table_id()?.to_string(),
        vpc_id: owned(t.vpc_id()),
        is_main: t.associations().iter().any(|a| a.main() == Some(true)),
        subnet_ids: t
            .associations()
            .iter()
            .filter_map(|a| a.subnet_id())
            .map(str::to_string)
            .collect(),
        routes: t.routes().iter().filter_map(route).collect(),
    })
}

fn route(r: &sdk::Route) -> Option<Route> {
    let destination = r
        .destination_cidr_block()
        .or(r.destination_ipv6_cidr_block())
        .or(r.destination_prefix_list_id())?
        .to_string();
    let target = if let Some(gw) = r.gateway_id() {
        match gw {
            "local" => RouteTarget::Local,
            g if g.starts_with("igw-") => RouteTarget::InternetGateway(g.to_string()),
            g if g.starts_with("vpce-") => RouteTarget::VpcEndpoint(g.to_string()),
            g if g.starts_with("vgw-") => RouteTarget::VpnGateway(g.to_string()),
            g => RouteTarget::Other(g.to_string()),
        }
    } else if let Some(nat) = r.nat_gateway_id() {
        RouteTarget::NatGateway(nat.to_string())
    } else if let Some(tgw) = r.transit_gateway_id() {
        RouteTarget::TransitGateway(tgw.to_string())
    } else if let Some(pcx) = r.vpc_peering_connection_id() {
        RouteTarget::PeeringConnection(pcx.to_string())
    } else {
        let other = [
            r.egress_only_internet_gateway_id(),
            r.network_interface_id(),
            r.instance_id(),
            r.local_gateway_id(),
            r.carrier_gateway_id(),
            r.core_network_arn(),
        ]
        .into_iter()
        .flatten()
        .next()
        .unwrap_or("unknown");
        RouteTarget::Other(other.to_string())
    };
    // A blackhole route leads nowhere: never count it as a path.
    let target = match (r.state(), target) {
        (Some(RouteState::Blackhole), RouteTarget::Local) => RouteTarget::Local,
        (Some(RouteState::Blackhole), t) => RouteTarget::Other(format!("blackhole {}", t.id())),
        (_, t) => t,
    };
    Some(Route {
        destination,
        target,
    })
}

pub(crate) async fn describe_security_groups(ec2: &Client) -> CloudResult<Vec<SecurityGroup>> {
    const ACTION: &str = "ec2:DescribeSecurityGroups";
    let mut pages = ec2
        .describe_security_groups()
        .max_results(PAGE_1000)
        .into_paginator()
        .send();
    let (mut out, mut n) = (Vec::new(), 0);
    while let Some(page) = pages.next().await {
        let page = page.map_err(|e| map_err(ACTION, e))?;
        n += 1;
        out.extend(page.security_groups().iter().filter_map(|g| {
            Some(SecurityGroup {
                id: g.group_id()?.to_string(),
                vpc_id: owned(g.vpc_id()),
                name: owned(g.group_name()),
                ingress: g.ip_permissions().iter().map(group_rule).collect(),
                egress: g.ip_permissions_egress().iter().map(group_rule).collect(),
            })
        }));
    }
    logged(ACTION, n, out.len());
    Ok(out)
}

fn group_rule(p: &IpPermission) -> GroupRule {
    let v4 = p.ip_ranges().iter().filter_map(|r| r.cidr_ip());
    let v6 = p.ipv6_ranges().iter().filter_map(|r| r.cidr_ipv6());
    GroupRule {
        protocol: p.ip_protocol().unwrap_or("-1").to_string(),
        from_port: p.from_port(),
        to_port: p.to_port(),
        cidrs: v4.chain(v6).map(str::to_string).collect(),
        group_ids: p
            .user_id_group_pairs()
            .iter()
            .filter_map(|g| g.group_id())
            .map(str::to_string)
            .collect(),
        prefix_list_ids: p
            .prefix_list_ids()
            .iter()
            .filter_map(|l| l.prefix_list_id())
            .map(str::to_string)
            .collect(),
    }
}

pub(crate) async fn describe_vpc_endpoints(ec2: &Client) -> CloudResult<Vec<VpcEndpoint>> {
    const ACTION: &str = "ec2:DescribeVpcEndpoints";
    let mut pages = ec2
        .describe_vpc_endpoints()
        .max_results(PAGE_1000)
        .into_paginator()
        .send();
    let (mut out, mut n) = (Vec::new(), 0);
    while let Some(page) = pages.next().await {
        let page = page.map_err(|e| map_err(ACTION, e))?;
        n += 1;
        out.extend(page.vpc_endpoints().iter().filter_map(endpoint));
    }
    logged(ACTION, n, out.len());
    Ok(out)
}

pub(super) fn endpoint(e: &sdk::VpcEndpoint) -> Option<VpcEndpoint> {
    let kind = match e.vpc_endpoint_type() {
        Some(VpcEndpointType::Interface) => EndpointType::Interface,
        Some(VpcEndpointType::Gateway) => EndpointType::Gateway,
        _ => EndpointType::Other,
    };
    Some(VpcEndpoint {
        id: e.vpc_endpoint_id()?.to_string(),
        vpc_id: owned(e.vpc_id()),
        service_name: owned(e.service_name()),
        kind,
        state: e
            .state()
            .map(|s| EndpointState::parse(s.as_str()))
            .unwrap_or(EndpointState::Pending),
        // Only interface endpoints have private DNS (moto reports it on gateways too).
        private_dns: kind == EndpointType::Interface && e.private_dns_enabled().unwrap_or(false),
        subnet_ids: e.subnet_ids().to_vec(),
        security_group_ids: e
            .groups()
            .iter()
            .filter_map(|g| g.group_id())
            .map(str::to_string)
            .collect(),
        route_table_ids: e.route_table_ids().to_vec(),
        policy_document: opt_owned(e.policy_document()),
    })
}

/// DescribeVpcEndpointServices has no paginator in the model: loop on NextToken.
pub(crate) async fn describe_vpc_endpoint_services(ec2: &Client) -> CloudResult<Vec<String>> {
    const ACTION: &str = "ec2:DescribeVpcEndpointServices";
    let (mut out, mut n) = (Vec::new(), 0);
    let mut token: Option<String> = None;
    loop {
        let page = ec2
            .describe_vpc_endpoint_services()
            .max_results(PAGE_1000)
            .set_next_token(token.clone())
            .send()
            .await
            .map_err(|e| map_err(ACTION, e))?;
        n += 1;
        out.extend(page.service_names().iter().cloned());
        match page.next_token().filter(|t| !t.is_empty()) {
            Some(next) if token.as_deref() != Some(next) => token = Some(next.to_string()),
            _ => break,
        }
    }
    out.sort();
    out.dedup();
    logged(ACTION, n, out.len());
    Ok(out)
}

pub(crate) async fn describe_network_acls(ec2: &Client) -> CloudResult<Vec<NetworkAcl>> {
    const ACTION: &str = "ec2:DescribeNetworkAcls";
    let mut pages = ec2
        .describe_network_acls()
        .max_results(PAGE_1000)
        .into_paginator()
        .send();
    let (mut out, mut n) = (Vec::new(), 0);
    while let Some(page) = pages.next().await {
        let page = page.map_err(|e| map_err(ACTION, e))?;
        n += 1;
        out.extend(page.network_acls().iter().filter_map(network_acl));
    }
    logged(ACTION, n, out.len());
    Ok(out)
}

fn network_acl(a: &sdk::NetworkAcl) -> Option<NetworkAcl> {
    Some(NetworkAcl {
        id: a.network_acl_id()?.to_string(),
        vpc_id: owned(a.vpc_id()),
        is_default: a.is_default().unwrap_or(false),
        subnet_ids: a
            .associations()
            .iter()
            .filter_map(|x| x.subnet_id())
            .map(str::to_string)
            .collect(),
        entries: a.entries().iter().filter_map(acl_entry).collect(),
    })
}

/// IPv4 entries only: the agent's traffic here is IPv4.
fn acl_entry(e: &sdk::NetworkAclEntry) -> Option<AclEntry> {
    Some(AclEntry {
        rule_number: e.rule_number()?,
        egress: e.egress().unwrap_or(false),
        protocol: e.protocol().unwrap_or("-1").to_string(),
        allow: e.rule_action() == Some(&RuleAction::Allow),
        cidr: e.cidr_block()?.to_string(),
        ports: e.port_range().and_then(|p| Some((p.from()?, p.to()?))),
    })
}

pub(crate) async fn describe_nat_gateways(ec2: &Client) -> CloudResult<Vec<NatGateway>> {
    const ACTION: &str = "ec2:DescribeNatGateways";
    let mut pages = ec2
        .describe_nat_gateways()
        .max_results(PAGE_1000)
        .into_paginator()
        .send();
    let (mut out, mut n) = (Vec::new(), 0);
    while let Some(page) = pages.next().await {
        let page = page.map_err(|e| map_err(ACTION, e))?;
        n += 1;
        out.extend(page.nat_gateways().iter().filter_map(|g| {
            Some(NatGateway {
                id: g.nat_gateway_id()?.to_string(),
                vpc_id: owned(g.vpc_id()),
                subnet_id: owned(g.subnet_id()),
                state: g
                    .state()
                    .map(|s| NatState::parse(s.as_str()))
                    .unwrap_or(NatState::Pending),
                public: g.connectivity_type() != Some(&ConnectivityType::Private),
            })
        }));
    }
    logged(ACTION, n, out.len());
    Ok(out)
}
