//! EC2 over the simulated world: network and instance reads, and the writes with the
//! checks AWS makes (moto does not: one subnet per AZ, private DNS needs the VPC's DNS).

use jiff::Timestamp;

use super::world::{SimAssociation, SimEndpoint, SimInstance, World};
use crate::cloud::{
    AclEntryRequest, CloudError, CloudResult, CreateEndpointRequest, ModifyEndpointRequest,
    VpcDnsAttribute, WriteMode, Written,
};
use crate::domain::model::{
    AclEntry, AssociationState, EndpointState, EndpointType, GroupRule, InstanceState,
    ProfileAssociation, SecurityGroup, Vpc, VpcEndpoint,
};

/// A write that `mode` may only check.
pub(super) fn dry<T>(
    mode: WriteMode,
    f: impl FnOnce() -> CloudResult<T>,
) -> CloudResult<Written<T>> {
    match mode {
        WriteMode::DryRun => Ok(Written::DryRunAllowed),
        WriteMode::Apply => f().map(Written::Done),
    }
}

pub(super) fn running_instance<'a>(w: &'a World, id: &str) -> CloudResult<&'a SimInstance> {
    w.instances
        .iter()
        .find(|i| i.instance.id == id && i.instance.state != InstanceState::Terminated)
        .ok_or_else(|| CloudError::NotFound(format!("instance {id} does not exist")))
}

/// DescribeVpcs leaves the DNS attributes out (DescribeVpcAttribute reads them).
pub(super) fn vpcs(w: &World) -> Vec<Vpc> {
    w.vpcs
        .iter()
        .map(|v| Vpc {
            dns_support: None,
            dns_hostnames: None,
            ..v.clone()
        })
        .collect()
}

fn vpc<'a>(w: &'a World, vpc_id: &str) -> CloudResult<&'a Vpc> {
    w.vpcs
        .iter()
        .find(|v| v.id == vpc_id)
        .ok_or_else(|| CloudError::NotFound(format!("VPC {vpc_id} does not exist")))
}

pub(super) fn vpc_attribute(
    w: &World,
    vpc_id: &str,
    attribute: VpcDnsAttribute,
) -> CloudResult<bool> {
    let vpc = vpc(w, vpc_id)?;
    Ok(match attribute {
        VpcDnsAttribute::EnableDnsSupport => vpc.dns_support,
        VpcDnsAttribute::EnableDnsHostnames => vpc.dns_hostnames,
    }
    .unwrap_or(false))
}

pub(super) fn endpoints(w: &World, now: Timestamp) -> Vec<VpcEndpoint> {
    w.endpoints
        .iter()
        .map(|e| w.endpoint_view(e, now))
        .collect()
}

pub(super) fn endpoint_services(w: &World) -> Vec<String> {
    [
        "ssm",
        "ssmmessages",
        "ec2messages",
        "ec2",
        "kms",
        "logs",
        "s3",
    ]
    .iter()
    .map(|s| crate::domain::readiness::service_name(&w.region, s))
    .collect()
}

pub(super) fn associations(w: &World, now: Timestamp) -> Vec<ProfileAssociation> {
    w.associations
        .iter()
        .map(|a| w.association_view(a, now))
        .collect()
}

pub(super) fn create_vpc_endpoint(
    w: &mut World,
    now: Timestamp,
    req: &CreateEndpointRequest,
    mode: WriteMode,
) -> CloudResult<Written<VpcEndpoint>> {
    vpc(w, &req.vpc_id)?;
    if let Some(existing) = w
        .endpoints
        .iter()
        .find(|e| e.client_token == req.client_token)
    {
        // Same token: AWS returns the endpoint it already created.
        if existing.endpoint.service_name != req.service_name
            || existing.endpoint.vpc_id != req.vpc_id
        {
            // As the AWS adapter maps it: a racing run used the token first.
            return Err(CloudError::AlreadyExists(
                "ec2:CreateVpcEndpoint: IdempotentParameterMismatch: client token reused with other parameters".into(),
            ));
        }
        let view = w.endpoint_view(existing, now);
        return dry(mode, || Ok(view));
    }
    subnets_one_per_zone(w, &req.vpc_id, &req.subnet_ids, &[])?;
    if req.kind == EndpointType::Interface && req.private_dns {
        private_dns_allowed(w, &req.vpc_id, &req.service_name, None)?;
    }
    for g in &req.security_group_ids {
        if !w.security_groups.iter().any(|s| &s.id == g) {
            return Err(CloudError::Invalid(format!("InvalidGroup.NotFound: {g}")));
        }
    }
    if mode == WriteMode::DryRun {
        return Ok(Written::DryRunAllowed);
    }
    let interface = req.kind == EndpointType::Interface;
    let endpoint = VpcEndpoint {
        id: w.new_id("vpce"),
        vpc_id: req.vpc_id.clone(),
        service_name: req.service_name.clone(),
        kind: req.kind,
        state: if interface {
            EndpointState::Pending
        } else {
            EndpointState::Available
        },
        private_dns: interface && req.private_dns,
        subnet_ids: req.subnet_ids.clone(),
        security_group_ids: if req.security_group_ids.is_empty() && interface {
            w.security_groups
                .iter()
                .filter(|g| g.vpc_id == req.vpc_id && g.name == "default")
                .map(|g| g.id.clone())
                .collect()
        } else {
            req.security_group_ids.clone()
        },
        route_table_ids: req.route_table_ids.clone(),
        policy_document: None,
    };
    w.endpoints.push(SimEndpoint {
        endpoint: endpoint.clone(),
        created: now,
        client_token: req.client_token.clone(),
    });
    Ok(Written::Done(endpoint))
}

/// `DuplicateSubnetsInSameZone`: `added` may not share an AZ with each other or `kept`.
fn subnets_one_per_zone(
    w: &World,
    vpc_id: &str,
    added: &[String],
    kept: &[String],
) -> CloudResult<()> {
    let mut azs: Vec<&str> = kept
        .iter()
        .filter_map(|id| w.subnets.iter().find(|s| &s.id == id))
        .map(|s| s.az.as_str())
        .collect();
    for id in added {
        let s = w
            .subnets
            .iter()
            .find(|s| &s.id == id && s.vpc_id == vpc_id)
            .ok_or_else(|| CloudError::Invalid(format!("InvalidSubnetID.NotFound: {id}")))?;
        if azs.contains(&s.az.as_str()) {
            return Err(CloudError::Invalid(format!(
                "DuplicateSubnetsInSameZone: found another VPC endpoint subnet in the availability zone of {id}"
            )));
        }
        azs.push(&s.az);
    }
    Ok(())
}

/// Private DNS needs both VPC DNS attributes, and one endpoint per service with it.
fn private_dns_allowed(
    w: &World,
    vpc_id: &str,
    service_name: &str,
    except: Option<&str>,
) -> CloudResult<()> {
    let vpc = vpc(w, vpc_id)?;
    if vpc.dns_support != Some(true) || vpc.dns_hostnames != Some(true) {
        return Err(CloudError::Invalid(
            "InvalidParameter: enableDnsSupport and enableDnsHostnames must be true on the VPC to enable private DNS".into(),
        ));
    }
    let duplicate = w.endpoints.iter().any(|e| {
        e.endpoint.vpc_id == vpc_id
            && e.endpoint.service_name == service_name
            && e.endpoint.private_dns
            && e.endpoint.state != EndpointState::Deleting
            && Some(e.endpoint.id.as_str()) != except
    });
    if duplicate {
        return Err(CloudError::Invalid(format!(
            "InvalidParameter: private DNS can't be enabled because the existing field {service_name} already has an endpoint with private DNS in this VPC"
        )));
    }
    Ok(())
}

pub(super) fn modify_vpc_endpoint(
    w: &mut World,
    req: &ModifyEndpointRequest,
    mode: WriteMode,
) -> CloudResult<Written<()>> {
    let index = w
        .endpoints
        .iter()
        .position(|e| e.endpoint.id == req.endpoint_id)
        .ok_or_else(|| {
            CloudError::NotFound(format!(
                "InvalidVpcEndpointId.NotFound: {}",
                req.endpoint_id
            ))
        })?;
    let current = w.endpoints[index].endpoint.clone();
    subnets_one_per_zone(w, &current.vpc_id, &req.add_subnet_ids, &current.subnet_ids)?;
    if req.private_dns == Some(true) {
        private_dns_allowed(w, &current.vpc_id, &current.service_name, Some(&current.id))?;
    }
    dry(mode, || {
        let e = &mut w.endpoints[index].endpoint;
        if let Some(on) = req.private_dns {
            e.private_dns = on && e.kind == EndpointType::Interface;
        }
        e.subnet_ids.extend(req.add_subnet_ids.iter().cloned());
        Ok(())
    })
}

pub(super) fn modify_vpc_attribute(
    w: &mut World,
    vpc_id: &str,
    attribute: VpcDnsAttribute,
    value: bool,
) -> CloudResult<()> {
    let vpc = w
        .vpcs
        .iter_mut()
        .find(|v| v.id == vpc_id)
        .ok_or_else(|| CloudError::NotFound(format!("VPC {vpc_id} does not exist")))?;
    match attribute {
        VpcDnsAttribute::EnableDnsSupport => vpc.dns_support = Some(value),
        VpcDnsAttribute::EnableDnsHostnames => vpc.dns_hostnames = Some(value),
    }
    Ok(())
}

pub(super) fn create_security_group(
    w: &mut World,
    vpc_id: &str,
    name: &str,
    mode: WriteMode,
) -> CloudResult<Written<String>> {
    vpc(w, vpc_id)?;
    if w.security_groups
        .iter()
        .any(|g| g.vpc_id == vpc_id && g.name == name)
    {
        return Err(CloudError::AlreadyExists(format!(
            "InvalidGroup.Duplicate: the security group '{name}' already exists for VPC '{vpc_id}'"
        )));
    }
    if mode == WriteMode::DryRun {
        return Ok(Written::DryRunAllowed);
    }
    let id = w.new_id("sg");
    w.security_groups.push(SecurityGroup {
        id: id.clone(),
        vpc_id: vpc_id.into(),
        name: name.into(),
        ingress: Vec::new(),
        // AWS gives a new group an egress rule allowing everything.
        egress: vec![GroupRule {
            protocol: "-1".into(),
            from_port: None,
            to_port: None,
            cidrs: vec!["0.0.0.0/0".into()],
            group_ids: Vec::new(),
            prefix_list_ids: Vec::new(),
        }],
    });
    Ok(Written::Done(id))
}

/// AuthorizeSecurityGroupIngress / Egress of TCP 443 for `cidr`.
pub(super) fn authorize_https(
    w: &mut World,
    group_id: &str,
    cidr: &str,
    egress: bool,
    mode: WriteMode,
) -> CloudResult<Written<()>> {
    let g = w
        .security_groups
        .iter_mut()
        .find(|g| g.id == group_id)
        .ok_or_else(|| CloudError::NotFound(format!("security group {group_id} does not exist")))?;
    let rules = if egress {
        &mut g.egress
    } else {
        &mut g.ingress
    };
    let exists = rules.iter().any(|r| {
        r.protocol == "tcp"
            && r.from_port == Some(443)
            && r.to_port == Some(443)
            && r.cidrs.iter().any(|c| c == cidr)
    });
    if exists {
        return Err(CloudError::AlreadyExists(format!(
            "InvalidPermission.Duplicate: 443 for {cidr} already exists on {group_id}"
        )));
    }
    dry(mode, || {
        rules.push(GroupRule {
            protocol: "tcp".into(),
            from_port: Some(443),
            to_port: Some(443),
            cidrs: vec![cidr.into()],
            group_ids: Vec::new(),
            prefix_list_ids: Vec::new(),
        });
        Ok(())
    })
}

pub(super) fn enable_instance_metadata(
    w: &mut World,
    instance_id: &str,
    mode: WriteMode,
) -> CloudResult<Written<()>> {
    running_instance(w, instance_id)?;
    dry(mode, || {
        for i in w
            .instances
            .iter_mut()
            .filter(|i| i.instance.id == instance_id)
        {
            i.instance.metadata.endpoint_enabled = true;
        }
        Ok(())
    })
}

pub(super) fn create_network_acl_entry(
    w: &mut World,
    req: &AclEntryRequest,
    mode: WriteMode,
) -> CloudResult<Written<()>> {
    let acl = w
        .network_acls
        .iter_mut()
        .find(|a| a.id == req.acl_id)
        .ok_or_else(|| {
            CloudError::NotFound(format!("InvalidNetworkAclID.NotFound: {}", req.acl_id))
        })?;
    let taken = acl
        .entries
        .iter()
        .any(|e| e.rule_number == req.rule_number && e.egress == req.egress);
    if taken {
        return Err(CloudError::AlreadyExists(format!(
            "NetworkAclEntryAlreadyExists: the network acl entry identified by {} already exists",
            req.rule_number
        )));
    }
    dry(mode, || {
        acl.entries.push(AclEntry {
            rule_number: req.rule_number,
            egress: req.egress,
            protocol: "6".into(),
            allow: true,
            cidr: req.cidr.clone(),
            ports: Some((req.from_port, req.to_port)),
        });
        Ok(())
    })
}

fn profile_arn(w: &World, profile_name: &str) -> CloudResult<String> {
    w.profiles
        .iter()
        .find(|p| p.name == profile_name)
        .map(|p| p.arn.clone())
        .ok_or_else(|| {
            CloudError::Invalid(format!("Invalid IAM Instance Profile name {profile_name}"))
        })
}

pub(super) fn associate_iam_instance_profile(
    w: &mut World,
    now: Timestamp,
    instance_id: &str,
    profile_name: &str,
) -> CloudResult<ProfileAssociation> {
    running_instance(w, instance_id)?;
    let profile = profile_arn(w, profile_name)?;
    let taken = w.associations.iter().any(|a| {
        a.association.instance_id == instance_id
            && matches!(
                a.association.state,
                AssociationState::Associating | AssociationState::Associated
            )
    }) || w
        .instances
        .iter()
        .any(|i| i.instance.id == instance_id && i.instance.profile_arn.is_some());
    if taken {
        return Err(CloudError::Invalid(format!(
            "IncorrectState: there is an existing association for instance {instance_id}"
        )));
    }
    let association = ProfileAssociation {
        id: w.new_id("iip-assoc"),
        instance_id: instance_id.into(),
        profile_arn: profile,
        state: AssociationState::Associating,
    };
    w.associations.push(SimAssociation {
        association: association.clone(),
        created: now,
    });
    Ok(association)
}

pub(super) fn replace_iam_instance_profile_association(
    w: &mut World,
    now: Timestamp,
    association_id: &str,
    profile_name: &str,
) -> CloudResult<ProfileAssociation> {
    let profile = profile_arn(w, profile_name)?;
    let idx = w
        .associations
        .iter()
        .position(|a| a.association.id == association_id)
        .ok_or_else(|| {
            CloudError::NotFound(format!("association {association_id} does not exist"))
        })?;
    let instance_id = w.associations[idx].association.instance_id.clone();
    w.associations[idx].association.state = AssociationState::Disassociated;
    for i in &mut w.instances {
        if i.instance.id == instance_id {
            i.instance.profile_arn = None;
        }
    }
    let association = ProfileAssociation {
        id: w.new_id("iip-assoc"),
        instance_id,
        profile_arn: profile,
        state: AssociationState::Associating,
    };
    w.associations.push(SimAssociation {
        association: association.clone(),
        created: now,
    });
    Ok(association)
}
