//! What sets a few percent of `fleet:N` apart, one runbook cause each: the special
//! subnets and group, the roles, and where each special instance goes.

use super::fleet::{Ids, POLICY_VPC};
use super::{acl_entry, network_acl, route_table, security_group};
use crate::cloud::sandbox::world::World;
use crate::domain::model::{
    CORE_POLICY_ARN, DEPRECATED_POLICY_ARN, EC2_SERVICE_PRINCIPAL, Instance, InstanceProfile,
    NatGateway, NatState, NetworkInterface, PolicyText, Role, RolePolicies, RouteTarget, Subnet,
};

/// The role Default Host Management names; it trusts EC2 instead of Systems Manager.
const DHMC_ROLE: &str = "AWSSystemsManagerDefaultEC2InstanceManagementRole";

/// What sets an instance apart, by `i % 50`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Special {
    /// In a subnet whose default route goes to a NAT gateway (a working path).
    Nat,
    /// In a subnet whose network ACL denies TCP 443 out.
    AclLocked,
    /// In a security group with no egress at all.
    NoEgress,
    ImdsDisabled,
    /// The role grants the agent's actions by an inline policy (works).
    CustomPolicy,
    /// The role trusts lambda.amazonaws.com (Core attached).
    LambdaRole,
    /// IMDSv2 required with a hop limit of 1 (noted only).
    HopLimit,
    /// The role denies ssmmessages:* beside Core.
    DeniedRole,
    /// The role grants the agent's actions only under a condition (not verifiable here).
    ConditionalPolicy,
    /// In a subnet whose default route goes to a transit gateway.
    Hub,
    /// In a subnet whose default route goes to a deleted NAT gateway.
    NatGone,
    /// In the VPC whose endpoint policies shut the agent out; groups on its interface only.
    EndpointPolicy,
    /// In the public subnet without a public IP.
    NoPublicIp,
}

pub(super) fn special(i: usize) -> Option<Special> {
    Some(match i % 50 {
        3 => Special::Nat,
        9 => Special::ConditionalPolicy,
        13 => Special::AclLocked,
        17 => Special::NoEgress,
        21 => Special::ImdsDisabled,
        25 => Special::CustomPolicy,
        29 => Special::LambdaRole,
        31 => Special::HopLimit,
        33 => Special::DeniedRole,
        37 => Special::Hub,
        41 => Special::NatGone,
        45 => Special::EndpointPolicy,
        47 => Special::NoPublicIp,
        _ => return None,
    })
}

/// The special subnets (an ACL that denies 443 out, a NAT path, a deleted NAT, a transit
/// gateway) and the group without egress.
pub(super) fn add_special_network(w: &mut World, ids: &Ids, azs: &[String]) {
    let tag = &ids.tag;
    let add = |w: &mut World, v: usize, n: usize, name: &str, out: Option<RouteTarget>| {
        let id = ids.special_subnet(v, n);
        let vpc = ids.vpcs[v].clone();
        w.subnets.push(Subnet {
            id: id.clone(),
            vpc_id: vpc.clone(),
            name: Some(format!("fleet-{name}")),
            az: azs[0].clone(),
            cidr: format!("10.{v}.{n}.0/24"),
            map_public_ip_on_launch: false,
        });
        let mut rt = route_table(
            &format!("rtb-{tag}{v:08x}{n:07x}"),
            &vpc,
            false,
            &[&id],
            out,
        );
        rt.routes[0].destination = format!("10.{v}.0.0/16");
        w.route_tables.push(rt);
        for acl in w.network_acls.iter_mut().filter(|a| a.vpc_id == vpc) {
            acl.subnet_ids.push(id.clone());
        }
        id
    };
    let locked = add(w, 0, 10, "acl-locked", None);
    for acl in &mut w.network_acls {
        acl.subnet_ids.retain(|s| s != &locked);
    }
    w.network_acls.push(network_acl(
        &format!("acl-{tag}0000000a0000000"),
        &ids.vpcs[0],
        false,
        &[locked],
        vec![acl_entry(90, true, false, Some((443, 443)))],
    ));
    let nat = format!("nat-{tag}{:015x}", 1);
    let gone = format!("nat-{tag}{:015x}", 2);
    let nat_subnet = add(w, 1, 10, "nat", Some(RouteTarget::NatGateway(nat.clone())));
    let gone_subnet = add(
        w,
        1,
        11,
        "nat-gone",
        Some(RouteTarget::NatGateway(gone.clone())),
    );
    add(
        w,
        1,
        12,
        "hub",
        Some(RouteTarget::TransitGateway(format!("tgw-{tag}{:015x}", 1))),
    );
    for (id, subnet, state) in [
        (nat, nat_subnet, NatState::Available),
        (gone, gone_subnet, NatState::Deleted),
    ] {
        w.nat_gateways.push(NatGateway {
            id,
            vpc_id: ids.vpcs[1].clone(),
            subnet_id: subnet,
            state,
            public: true,
        });
    }
    let mut locked_group = security_group(
        &ids.special_group(0),
        &ids.vpcs[0],
        "fleet-ready-no-egress",
        Vec::new(),
    );
    locked_group.egress.clear();
    w.security_groups.push(locked_group);
}

pub(super) fn add_roles(w: &mut World, account: &str) {
    let role = |name: &str, trusts: &str, policies: &[&str], documents: Vec<PolicyText>| Role {
        name: name.into(),
        arn: format!("arn:aws:iam::{account}:role/{name}"),
        trusted_services: vec![trusts.into()],
        attached_policy_arns: policies.iter().map(|p| p.to_string()).collect(),
        policies: RolePolicies::Read { documents },
        simulated: Vec::new(),
    };
    let inline = |name: &str, statement: serde_json::Value| PolicyText {
        name: name.into(),
        arn: None,
        document: serde_json::json!({ "Version": "2012-10-17", "Statement": [statement] })
            .to_string(),
    };
    let agent = inline(
        "ssm-agent",
        serde_json::json!({
            "Effect": "Allow",
            "Action": ["ssm:UpdateInstanceInformation", "ssmmessages:*", "ec2messages:*"],
            "Resource": "*"
        }),
    );
    let deny = inline(
        "no-sessions",
        serde_json::json!({ "Effect": "Deny", "Action": "ssmmessages:*", "Resource": "*" }),
    );
    let conditional = inline(
        "from-the-vpc",
        serde_json::json!({
            "Effect": "Allow",
            "Action": ["ssm:*", "ssmmessages:*", "ec2messages:*"],
            "Resource": "*",
            "Condition": { "StringEquals": { "aws:SourceVpc": "vpc-00000000" } }
        }),
    );
    w.roles = vec![
        role(
            "fleet-ssm-role",
            EC2_SERVICE_PRINCIPAL,
            &[CORE_POLICY_ARN],
            vec![],
        ),
        role(
            "legacy-ssm-role",
            EC2_SERVICE_PRINCIPAL,
            &[DEPRECATED_POLICY_ARN],
            vec![],
        ),
        role("web-app-role", EC2_SERVICE_PRINCIPAL, &[], vec![]),
        role("custom-agent-role", EC2_SERVICE_PRINCIPAL, &[], vec![agent]),
        role(
            "lambda-role",
            "lambda.amazonaws.com",
            &[CORE_POLICY_ARN],
            vec![],
        ),
        role(
            "denied-role",
            EC2_SERVICE_PRINCIPAL,
            &[CORE_POLICY_ARN],
            vec![deny],
        ),
        role(DHMC_ROLE, EC2_SERVICE_PRINCIPAL, &[], vec![]),
        role(
            "conditional-role",
            EC2_SERVICE_PRINCIPAL,
            &[],
            vec![conditional],
        ),
    ];
    for r in [
        "fleet-ssm-role",
        "legacy-ssm-role",
        "web-app-role",
        "custom-agent-role",
        "lambda-role",
        "denied-role",
        "conditional-role",
    ] {
        w.profiles.push(InstanceProfile {
            name: r.into(),
            arn: format!("arn:aws:iam::{account}:instance-profile/{r}"),
            role_names: vec![r.into()],
        });
    }
    w.dhmc_role = Some(format!("service-role/{DHMC_ROLE}"));
}

/// Moves an instance where `s` puts it (its address follows its subnet).
pub(super) fn apply_special(
    inst: &mut Instance,
    s: Special,
    ids: &Ids,
    azs: &[String],
    arns: &[String],
) {
    let host = inst
        .private_ip
        .as_deref()
        .and_then(|ip| ip.rsplit('.').next())
        .unwrap_or("4")
        .to_string();
    let mut place = |v: usize, subnet: String, net: String| {
        inst.vpc_id = Some(ids.vpcs[v].clone());
        inst.subnet_id = Some(subnet);
        inst.az = Some(azs[0].clone());
        inst.private_ip = Some(format!("{net}.{host}"));
        inst.public_ip = None;
        inst.security_group_ids = vec![ids.groups[v].clone()];
    };
    match s {
        Special::Nat => place(1, ids.special_subnet(1, 10), "10.1.10".into()),
        Special::NatGone => place(1, ids.special_subnet(1, 11), "10.1.11".into()),
        Special::Hub => place(1, ids.special_subnet(1, 12), "10.1.12".into()),
        Special::AclLocked => place(0, ids.special_subnet(0, 10), "10.0.10".into()),
        Special::NoEgress => {
            place(0, ids.subnets[0][0].clone(), "10.0.0".into());
            inst.security_group_ids = vec![ids.special_group(0)];
        }
        Special::EndpointPolicy => {
            let subnet = ids.subnets[POLICY_VPC][0].clone();
            place(POLICY_VPC, subnet.clone(), "10.4.0".into());
            // Launched with `--network-interfaces … Groups=`: the top-level list is empty.
            inst.network_interfaces = vec![NetworkInterface {
                id: format!("eni-{}", &inst.id[2..]),
                subnet_id: Some(subnet),
                device_index: Some(0),
                private_ip: inst.private_ip.clone(),
                group_ids: std::mem::take(&mut inst.security_group_ids),
            }];
        }
        Special::NoPublicIp => place(3, ids.subnets[3][0].clone(), "10.3.0".into()),
        Special::ImdsDisabled => inst.metadata.endpoint_enabled = false,
        Special::HopLimit => {
            inst.metadata.tokens_required = true;
            inst.metadata.hop_limit = Some(1);
        }
        Special::CustomPolicy => inst.profile_arn = Some(arns[3].clone()),
        Special::LambdaRole => inst.profile_arn = Some(arns[4].clone()),
        Special::DeniedRole => inst.profile_arn = Some(arns[5].clone()),
        Special::ConditionalPolicy => inst.profile_arn = Some(arns[6].clone()),
    }
}
