//! EC2: network and instance reads, endpoint / security group / profile writes.

use aws_sdk_ec2::Client;
use aws_sdk_ec2::error::ProvideErrorMetadata;
use aws_sdk_ec2::types::{
    self as sdk, AttributeBooleanValue, HttpTokensState, IamInstanceProfileSpecification,
    IpPermission, IpRange, ResourceType, RouteState, Tag, TagSpecification, VpcAttributeName,
    VpcEndpointType,
};

use super::convert::{ec2_tag, opt_owned, opt_timestamp, owned};
use super::errors::{dry_run_or_err, map_err};
use super::logged;
use crate::cloud::{
    CloudError, CloudResult, CreateEndpointRequest, VpcDnsAttribute, WriteMode, Written,
};
use crate::domain::model::{
    AssociationState, EndpointState, EndpointType, IngressRule, Instance, InstanceState,
    ProfileAssociation, Route, RouteTable, RouteTarget, SecurityGroup, Subnet, Vpc, VpcEndpoint,
};

/// Page sizes: the largest each API accepts.
const PAGE_1000: i32 = 1000;
const ROUTE_TABLES_PAGE: i32 = 100;

fn logged_write(action: &'static str, mode: WriteMode) {
    if mode == WriteMode::DryRun {
        tracing::debug!(op = action, "dry run");
    }
    logged(action, 1, 1);
}

fn missing(action: &str, what: &str) -> CloudError {
    CloudError::Other(format!("{action}: response has no {what}"))
}

// ---------------------------------------------------------------- reads

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
            g => RouteTarget::Other(g.to_string()),
        }
    } else if let Some(nat) = r.nat_gateway_id() {
        RouteTarget::NatGateway(nat.to_string())
    } else {
        let other = [
            r.egress_only_internet_gateway_id(),
            r.transit_gateway_id(),
            r.network_interface_id(),
            r.instance_id(),
            r.vpc_peering_connection_id(),
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
        (Some(RouteState::Blackhole), t) => {
            RouteTarget::Other(format!("blackhole {}", target_id(&t)))
        }
        (_, t) => t,
    };
    Some(Route {
        destination,
        target,
    })
}

fn target_id(t: &RouteTarget) -> &str {
    match t {
        RouteTarget::Local => "local",
        RouteTarget::InternetGateway(id)
        | RouteTarget::NatGateway(id)
        | RouteTarget::VpcEndpoint(id)
        | RouteTarget::Other(id) => id,
    }
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
                ingress: g.ip_permissions().iter().map(ingress_rule).collect(),
            })
        }));
    }
    logged(ACTION, n, out.len());
    Ok(out)
}

fn ingress_rule(p: &IpPermission) -> IngressRule {
    let v4 = p.ip_ranges().iter().filter_map(|r| r.cidr_ip());
    let v6 = p.ipv6_ranges().iter().filter_map(|r| r.cidr_ipv6());
    IngressRule {
        protocol: p.ip_protocol().unwrap_or("-1").to_string(),
        from_port: p.from_port(),
        to_port: p.to_port(),
        cidrs: v4.chain(v6).map(str::to_string).collect(),
        source_group_ids: p
            .user_id_group_pairs()
            .iter()
            .filter_map(|g| g.group_id())
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

fn endpoint(e: &sdk::VpcEndpoint) -> Option<VpcEndpoint> {
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

pub(crate) async fn describe_instances(ec2: &Client) -> CloudResult<Vec<Instance>> {
    const ACTION: &str = "ec2:DescribeInstances";
    let mut pages = ec2
        .describe_instances()
        .max_results(PAGE_1000)
        .into_paginator()
        .send();
    let (mut out, mut n) = (Vec::new(), 0);
    while let Some(page) = pages.next().await {
        let page = page.map_err(|e| map_err(ACTION, e))?;
        n += 1;
        for reservation in page.reservations() {
            out.extend(reservation.instances().iter().filter_map(instance));
        }
    }
    logged(ACTION, n, out.len());
    Ok(out)
}

fn instance(i: &sdk::Instance) -> Option<Instance> {
    Some(Instance {
        id: i.instance_id()?.to_string(),
        name: ec2_tag(i.tags(), "Name"),
        state: InstanceState::parse(
            i.state()
                .and_then(|s| s.name())
                .map(|n| n.as_str())
                .unwrap_or("pending"),
        ),
        vpc_id: opt_owned(i.vpc_id()),
        subnet_id: opt_owned(i.subnet_id()),
        az: opt_owned(i.placement().and_then(|p| p.availability_zone())),
        private_ip: opt_owned(i.private_ip_address()),
        public_ip: opt_owned(i.public_ip_address()),
        platform: i.platform().map(|p| p.as_str().to_ascii_lowercase()),
        security_group_ids: i
            .security_groups()
            .iter()
            .filter_map(|g| g.group_id())
            .map(str::to_string)
            .collect(),
        profile_arn: opt_owned(i.iam_instance_profile().and_then(|p| p.arn())),
        imds_v2_required: i.metadata_options().and_then(|m| m.http_tokens())
            == Some(&HttpTokensState::Required),
        launch_time: opt_timestamp(i.launch_time()),
        tags: i
            .tags()
            .iter()
            .filter_map(|t| {
                Some((
                    t.key()?.to_string(),
                    t.value().unwrap_or_default().to_string(),
                ))
            })
            .filter(|(k, _)| k != "Name")
            .collect(),
    })
}

pub(crate) async fn describe_iam_instance_profile_associations(
    ec2: &Client,
) -> CloudResult<Vec<ProfileAssociation>> {
    const ACTION: &str = "ec2:DescribeIamInstanceProfileAssociations";
    let mut pages = ec2
        .describe_iam_instance_profile_associations()
        .max_results(PAGE_1000)
        .into_paginator()
        .send();
    let (mut out, mut n) = (Vec::new(), 0);
    while let Some(page) = pages.next().await {
        let page = page.map_err(|e| map_err(ACTION, e))?;
        n += 1;
        out.extend(
            page.iam_instance_profile_associations()
                .iter()
                .filter_map(association),
        );
    }
    logged(ACTION, n, out.len());
    Ok(out)
}

fn association(a: &sdk::IamInstanceProfileAssociation) -> Option<ProfileAssociation> {
    Some(ProfileAssociation {
        id: a.association_id()?.to_string(),
        instance_id: owned(a.instance_id()),
        profile_arn: owned(a.iam_instance_profile().and_then(|p| p.arn())),
        state: a
            .state()
            .map(|s| AssociationState::parse(s.as_str()))
            .unwrap_or(AssociationState::Associating),
    })
}

// ---------------------------------------------------------------- writes

fn tags(pairs: &[(String, String)]) -> Vec<Tag> {
    pairs
        .iter()
        .map(|(k, v)| Tag::builder().key(k).value(v).build())
        .collect()
}

fn tag_spec(resource: ResourceType, pairs: &[(String, String)]) -> Option<TagSpecification> {
    (!pairs.is_empty()).then(|| {
        TagSpecification::builder()
            .resource_type(resource)
            .set_tags(Some(tags(pairs)))
            .build()
    })
}

pub(crate) async fn create_vpc_endpoint(
    ec2: &Client,
    request: &CreateEndpointRequest,
    mode: WriteMode,
) -> CloudResult<Written<VpcEndpoint>> {
    const ACTION: &str = "ec2:CreateVpcEndpoint";
    let mut call = ec2
        .create_vpc_endpoint()
        .vpc_id(&request.vpc_id)
        .service_name(&request.service_name)
        .dry_run(mode == WriteMode::DryRun)
        .set_tag_specifications(
            tag_spec(ResourceType::VpcEndpoint, &request.tags).map(|t| vec![t]),
        );
    if !request.client_token.is_empty() {
        call = call.client_token(&request.client_token);
    }
    call = match request.kind {
        EndpointType::Interface => {
            let mut call = call
                .vpc_endpoint_type(VpcEndpointType::Interface)
                .set_subnet_ids(Some(request.subnet_ids.clone()))
                .private_dns_enabled(request.private_dns);
            if !request.security_group_ids.is_empty() {
                call = call.set_security_group_ids(Some(request.security_group_ids.clone()));
            }
            call
        }
        EndpointType::Gateway => call
            .vpc_endpoint_type(VpcEndpointType::Gateway)
            .set_route_table_ids(Some(request.route_table_ids.clone())),
        EndpointType::Other => {
            return Err(CloudError::Invalid(format!(
                "{ACTION}: only Interface and Gateway endpoints can be created"
            )));
        }
    };
    logged_write(ACTION, mode);
    match call.send().await {
        Ok(out) => out
            .vpc_endpoint()
            .and_then(endpoint)
            .map(Written::Done)
            .ok_or_else(|| missing(ACTION, "endpoint")),
        Err(e) => dry_run_or_err(ACTION, e),
    }
}

pub(crate) async fn modify_vpc_attribute(
    ec2: &Client,
    vpc_id: &str,
    attribute: VpcDnsAttribute,
    value: bool,
) -> CloudResult<()> {
    const ACTION: &str = "ec2:ModifyVpcAttribute";
    let flag = AttributeBooleanValue::builder().value(value).build();
    let call = ec2.modify_vpc_attribute().vpc_id(vpc_id);
    let call = match attribute {
        VpcDnsAttribute::EnableDnsSupport => call.enable_dns_support(flag),
        VpcDnsAttribute::EnableDnsHostnames => call.enable_dns_hostnames(flag),
    };
    logged_write(ACTION, WriteMode::Apply);
    call.send().await.map_err(|e| map_err(ACTION, e))?;
    Ok(())
}

pub(crate) async fn create_security_group(
    ec2: &Client,
    vpc_id: &str,
    name: &str,
    description: &str,
    mode: WriteMode,
) -> CloudResult<Written<String>> {
    const ACTION: &str = "ec2:CreateSecurityGroup";
    let name_tag = [("Name".to_string(), name.to_string())];
    logged_write(ACTION, mode);
    let result = ec2
        .create_security_group()
        .vpc_id(vpc_id)
        .group_name(name)
        .description(description)
        .set_tag_specifications(tag_spec(ResourceType::SecurityGroup, &name_tag).map(|t| vec![t]))
        .dry_run(mode == WriteMode::DryRun)
        .send()
        .await;
    match result {
        Ok(out) => out
            .group_id()
            .map(|id| Written::Done(id.to_string()))
            .ok_or_else(|| missing(ACTION, "group id")),
        Err(e) => dry_run_or_err(ACTION, e),
    }
}

pub(crate) async fn authorize_https_ingress(
    ec2: &Client,
    group_id: &str,
    cidr: &str,
    mode: WriteMode,
) -> CloudResult<Written<()>> {
    const ACTION: &str = "ec2:AuthorizeSecurityGroupIngress";
    let permission = IpPermission::builder()
        .ip_protocol("tcp")
        .from_port(443)
        .to_port(443)
        .ip_ranges(
            IpRange::builder()
                .cidr_ip(cidr)
                .description("HTTPS to the Systems Manager VPC endpoints (ssmdeck)")
                .build(),
        )
        .build();
    logged_write(ACTION, mode);
    let result = ec2
        .authorize_security_group_ingress()
        .group_id(group_id)
        .ip_permissions(permission)
        .dry_run(mode == WriteMode::DryRun)
        .send()
        .await;
    match result {
        Ok(_) => Ok(Written::Done(())),
        Err(e) => dry_run_or_err(ACTION, e),
    }
}

pub(crate) async fn associate_iam_instance_profile(
    ec2: &Client,
    instance_id: &str,
    profile_name: &str,
) -> CloudResult<ProfileAssociation> {
    const ACTION: &str = "ec2:AssociateIamInstanceProfile";
    logged_write(ACTION, WriteMode::Apply);
    let out = ec2
        .associate_iam_instance_profile()
        .instance_id(instance_id)
        .iam_instance_profile(
            IamInstanceProfileSpecification::builder()
                .name(profile_name)
                .build(),
        )
        .send()
        .await
        .map_err(|e| map_err(ACTION, e))?;
    out.iam_instance_profile_association()
        .and_then(association)
        .ok_or_else(|| missing(ACTION, "association"))
}

pub(crate) async fn replace_iam_instance_profile_association(
    ec2: &Client,
    association_id: &str,
    profile_name: &str,
) -> CloudResult<ProfileAssociation> {
    const ACTION: &str = "ec2:ReplaceIamInstanceProfileAssociation";
    logged_write(ACTION, WriteMode::Apply);
    let out = ec2
        .replace_iam_instance_profile_association()
        .association_id(association_id)
        .iam_instance_profile(
            IamInstanceProfileSpecification::builder()
                .name(profile_name)
                .build(),
        )
        .send()
        .await
        .map_err(|e| map_err(ACTION, e))?;
    out.iam_instance_profile_association()
        .and_then(association)
        .ok_or_else(|| missing(ACTION, "association"))
}

/// The request that tells whether an endpoint honours `DryRun` without any risk: a read.
pub(crate) const DRY_RUN_PROBE: &str = "ec2:DescribeVpcs";

/// DescribeVpcs with `DryRun`: AWS answers `DryRunOperation` (or `UnauthorizedOperation`,
/// which also proves the flag was heeded); a list of VPCs means it was ignored.
pub(crate) async fn probe_dry_run(ec2: &Client) -> CloudResult<bool> {
    logged(DRY_RUN_PROBE, 1, 0);
    match ec2
        .describe_vpcs()
        .dry_run(true)
        .max_results(5)
        .send()
        .await
    {
        Ok(_) => Ok(false),
        Err(e) => match e.code() {
            Some("DryRunOperation") | Some("UnauthorizedOperation") => Ok(true),
            _ => Err(map_err(DRY_RUN_PROBE, e)),
        },
    }
}
