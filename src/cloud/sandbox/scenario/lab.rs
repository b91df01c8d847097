//! The workshop stack: region ap-northeast-2, the lab VPC with public and private
//! subnets in two AZs, two Amazon Linux instances in the private subnets with the agent
//! installed, no endpoints, no role.

use jiff::{SignedDuration, Timestamp};

use super::{
    LAB_INSTANCE_SG_NAME, LAB_REGION, LAB_VPC_NAME, add_window_details, lab_window, network_acl,
    route_table, security_group, subnet,
};
use crate::cloud::sandbox::world::{SimInstance, World};
use crate::domain::model::{
    GroupRule, Instance, InstanceState, MetadataOptions, NetworkInterface, RouteTarget, Vpc,
};

/// The workshop stack: region ap-northeast-2, the lab VPC with public and private
/// subnets in two AZs, two Amazon Linux instances in the private subnets with the
/// agent installed, no endpoints, no role.
pub(super) fn lab(now: Timestamp) -> World {
    let mut w = World::new(LAB_REGION, "lab", now);
    let vpc = "vpc-0a3c9e1b7d5f24680";
    w.vpcs.push(Vpc {
        id: vpc.into(),
        name: Some(LAB_VPC_NAME.into()),
        cidr: "10.0.0.0/16".into(),
        is_default: false,
        dns_support: Some(true),
        dns_hostnames: Some(true),
    });
    let p = "WellArchitectedLabsStack/VPC/";
    w.subnets = vec![
        subnet(
            "subnet-0pub1a2b3c4d5e6f7",
            vpc,
            &format!("{p}PublicSubnet1"),
            "ap-northeast-2a",
            "10.0.0.0/24",
            true,
        ),
        subnet(
            "subnet-0pub2a2b3c4d5e6f7",
            vpc,
            &format!("{p}PublicSubnet2"),
            "ap-northeast-2c",
            "10.0.1.0/24",
            true,
        ),
        subnet(
            "subnet-0prv1a2b3c4d5e6f7",
            vpc,
            &format!("{p}PrivateSubnet1"),
            "ap-northeast-2a",
            "10.0.2.0/24",
            false,
        ),
        subnet(
            "subnet-0prv2a2b3c4d5e6f7",
            vpc,
            &format!("{p}PrivateSubnet2"),
            "ap-northeast-2c",
            "10.0.3.0/24",
            false,
        ),
    ];
    w.route_tables = vec![
        route_table("rtb-0main00000000000", vpc, true, &[], None),
        route_table(
            "rtb-0public000000000",
            vpc,
            false,
            &["subnet-0pub1a2b3c4d5e6f7", "subnet-0pub2a2b3c4d5e6f7"],
            Some(RouteTarget::InternetGateway("igw-0lab0000000000000".into())),
        ),
        route_table(
            "rtb-0private1000000",
            vpc,
            false,
            &["subnet-0prv1a2b3c4d5e6f7"],
            None,
        ),
        route_table(
            "rtb-0private2000000",
            vpc,
            false,
            &["subnet-0prv2a2b3c4d5e6f7"],
            None,
        ),
    ];
    w.security_groups = vec![
        security_group(
            "sg-0default000000000",
            vpc,
            "default",
            vec![GroupRule {
                protocol: "-1".into(),
                from_port: None,
                to_port: None,
                cidrs: vec![],
                group_ids: vec!["sg-0default000000000".into()],
                prefix_list_ids: vec![],
            }],
        ),
        security_group(
            "sg-0instance00000000",
            vpc,
            LAB_INSTANCE_SG_NAME,
            vec![GroupRule {
                protocol: "tcp".into(),
                from_port: Some(80),
                to_port: Some(80),
                cidrs: vec!["10.0.0.0/16".into()],
                group_ids: vec![],
                prefix_list_ids: vec![],
            }],
        ),
    ];
    let subnet_ids: Vec<String> = w.subnets.iter().map(|s| s.id.clone()).collect();
    w.network_acls = vec![network_acl(
        "acl-0lab0000000000000",
        vpc,
        true,
        &subnet_ids,
        vec![],
    )];
    for (id, subnet, az, ip) in [
        (
            "i-0a1b2c3d4e5f60001",
            "subnet-0prv1a2b3c4d5e6f7",
            "ap-northeast-2a",
            "10.0.2.15",
        ),
        (
            "i-0a1b2c3d4e5f60002",
            "subnet-0prv2a2b3c4d5e6f7",
            "ap-northeast-2c",
            "10.0.3.27",
        ),
    ] {
        w.instances.push(SimInstance {
            instance: Instance {
                id: id.into(),
                name: Some("WellArchitectedLabsStack/ASG".into()),
                state: InstanceState::Running,
                vpc_id: Some(vpc.into()),
                subnet_id: Some(subnet.into()),
                az: Some(az.into()),
                private_ip: Some(ip.into()),
                public_ip: None,
                platform: None,
                security_group_ids: vec!["sg-0instance00000000".into()],
                network_interfaces: vec![NetworkInterface {
                    id: format!("eni-{}", &id[2..]),
                    subnet_id: Some(subnet.into()),
                    device_index: Some(0),
                    private_ip: Some(ip.into()),
                    group_ids: vec!["sg-0instance00000000".into()],
                }],
                profile_arn: None,
                metadata: MetadataOptions {
                    endpoint_enabled: true,
                    tokens_required: false,
                    hop_limit: Some(2),
                },
                launch_time: Some(now - SignedDuration::from_mins(42)),
                tags: vec![
                    (
                        "aws:cloudformation:stack-name".into(),
                        "WellArchitectedLabsStack".into(),
                    ),
                    ("Patch".into(), "weekly".into()),
                ],
            },
            agent_version: Some("3.3.1802.0".into()),
            platform_name: "Amazon Linux".into(),
            platform_version: "2023".into(),
            registered_at: None,
            ready_since: None,
            connection_lost: false,
            fails_commands: false,
        });
    }
    let (window, executions) = lab_window(now);
    add_window_details(&mut w, &window.id);
    w.window_executions.insert(window.id.clone(), executions);
    w.windows.push(window);
    w
}
