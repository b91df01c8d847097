//! EC2 instances (with their interfaces and metadata options) and profile associations.

use aws_sdk_ec2::Client;
use aws_sdk_ec2::types::{self as sdk, HttpTokensState, InstanceMetadataEndpointState};

use super::PAGE_1000;
use crate::cloud::CloudResult;
use crate::cloud::aws::convert::{ec2_tag, opt_owned, opt_timestamp, owned};
use crate::cloud::aws::errors::map_err;
use crate::cloud::aws::logged;
use crate::domain::model::{
    AssociationState, Instance, InstanceState, MetadataOptions, NetworkInterface,
    ProfileAssociation,
};

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
        network_interfaces: i.network_interfaces().iter().map(interface).collect(),
        profile_arn: opt_owned(i.iam_instance_profile().and_then(|p| p.arn())),
        metadata: metadata(i.metadata_options()),
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

fn interface(n: &sdk::InstanceNetworkInterface) -> NetworkInterface {
    NetworkInterface {
        id: owned(n.network_interface_id()),
        subnet_id: opt_owned(n.subnet_id()),
        device_index: n.attachment().and_then(|a| a.device_index()),
        private_ip: opt_owned(n.private_ip_address()),
        group_ids: n
            .groups()
            .iter()
            .filter_map(|g| g.group_id())
            .map(str::to_string)
            .collect(),
    }
}

/// Absent options are AWS's defaults: endpoint enabled, tokens optional.
fn metadata(m: Option<&sdk::InstanceMetadataOptionsResponse>) -> MetadataOptions {
    let Some(m) = m else {
        return MetadataOptions::default();
    };
    MetadataOptions {
        endpoint_enabled: m.http_endpoint() != Some(&InstanceMetadataEndpointState::Disabled),
        tokens_required: m.http_tokens() == Some(&HttpTokensState::Required),
        hop_limit: m.http_put_response_hop_limit(),
    }
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

pub(super) fn association(a: &sdk::IamInstanceProfileAssociation) -> Option<ProfileAssociation> {
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
