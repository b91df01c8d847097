//! EC2 writes, each with `DryRun` where the API has it, and the `DryRun` probe.

use aws_sdk_ec2::Client;
use aws_sdk_ec2::error::ProvideErrorMetadata;
use aws_sdk_ec2::types::{
    AttributeBooleanValue, IamInstanceProfileSpecification, InstanceMetadataEndpointState,
    IpPermission, IpRange, PortRange, ResourceType, RuleAction, Tag, TagSpecification,
    VpcEndpointType,
};

use super::instances::association;
use super::network::endpoint;
use super::{logged_write, missing};
use crate::cloud::aws::errors::{dry_run_or_err, map_err};
use crate::cloud::aws::logged;
use crate::cloud::{
    AclEntryRequest, CloudError, CloudResult, CreateEndpointRequest, ModifyEndpointRequest,
    VpcDnsAttribute, WriteMode, Written,
};
use crate::domain::model::{EndpointType, ProfileAssociation, VpcEndpoint};

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

/// The IP protocol number of TCP, as network ACL entries name it.
const TCP: &str = "6";

fn https_permission(cidr: &str, description: &str) -> IpPermission {
    IpPermission::builder()
        .ip_protocol("tcp")
        .from_port(443)
        .to_port(443)
        .ip_ranges(
            IpRange::builder()
                .cidr_ip(cidr)
                .description(description)
                .build(),
        )
        .build()
}

pub(crate) async fn authorize_https_ingress(
    ec2: &Client,
    group_id: &str,
    cidr: &str,
    mode: WriteMode,
) -> CloudResult<Written<()>> {
    const ACTION: &str = "ec2:AuthorizeSecurityGroupIngress";
    logged_write(ACTION, mode);
    let result = ec2
        .authorize_security_group_ingress()
        .group_id(group_id)
        .ip_permissions(https_permission(
            cidr,
            "HTTPS to the Systems Manager VPC endpoints (ssmdeck)",
        ))
        .dry_run(mode == WriteMode::DryRun)
        .send()
        .await;
    match result {
        Ok(_) => Ok(Written::Done(())),
        Err(e) => dry_run_or_err(ACTION, e),
    }
}

pub(crate) async fn authorize_https_egress(
    ec2: &Client,
    group_id: &str,
    cidr: &str,
    mode: WriteMode,
) -> CloudResult<Written<()>> {
    const ACTION: &str = "ec2:AuthorizeSecurityGroupEgress";
    logged_write(ACTION, mode);
    let result = ec2
        .authorize_security_group_egress()
        .group_id(group_id)
        .ip_permissions(https_permission(cidr, "HTTPS to Systems Manager (ssmdeck)"))
        .dry_run(mode == WriteMode::DryRun)
        .send()
        .await;
    match result {
        Ok(_) => Ok(Written::Done(())),
        Err(e) => dry_run_or_err(ACTION, e),
    }
}

pub(crate) async fn modify_vpc_endpoint(
    ec2: &Client,
    request: &ModifyEndpointRequest,
    mode: WriteMode,
) -> CloudResult<Written<()>> {
    const ACTION: &str = "ec2:ModifyVpcEndpoint";
    logged_write(ACTION, mode);
    let mut call = ec2
        .modify_vpc_endpoint()
        .vpc_endpoint_id(&request.endpoint_id)
        .set_private_dns_enabled(request.private_dns)
        .dry_run(mode == WriteMode::DryRun);
    if !request.add_subnet_ids.is_empty() {
        call = call.set_add_subnet_ids(Some(request.add_subnet_ids.clone()));
    }
    match call.send().await {
        Ok(_) => Ok(Written::Done(())),
        Err(e) => dry_run_or_err(ACTION, e),
    }
}

pub(crate) async fn enable_instance_metadata(
    ec2: &Client,
    instance_id: &str,
    mode: WriteMode,
) -> CloudResult<Written<()>> {
    const ACTION: &str = "ec2:ModifyInstanceMetadataOptions";
    logged_write(ACTION, mode);
    let result = ec2
        .modify_instance_metadata_options()
        .instance_id(instance_id)
        .http_endpoint(InstanceMetadataEndpointState::Enabled)
        .dry_run(mode == WriteMode::DryRun)
        .send()
        .await;
    match result {
        Ok(_) => Ok(Written::Done(())),
        Err(e) => dry_run_or_err(ACTION, e),
    }
}

pub(crate) async fn create_network_acl_entry(
    ec2: &Client,
    request: &AclEntryRequest,
    mode: WriteMode,
) -> CloudResult<Written<()>> {
    const ACTION: &str = "ec2:CreateNetworkAclEntry";
    logged_write(ACTION, mode);
    let result = ec2
        .create_network_acl_entry()
        .network_acl_id(&request.acl_id)
        .rule_number(request.rule_number)
        .egress(request.egress)
        .protocol(TCP)
        .rule_action(RuleAction::Allow)
        .cidr_block(&request.cidr)
        .port_range(
            PortRange::builder()
                .from(request.from_port)
                .to(request.to_port)
                .build(),
        )
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
