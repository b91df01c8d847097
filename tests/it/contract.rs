//! One set of assertions run against BOTH the sandbox and moto server, for every
//! operation moto implements: the sandbox may not drift from AWS semantics.

use jiff::SignedDuration;
use ssmdeck::cloud::sandbox::{Clock, SandboxCloud, Scenario};
use ssmdeck::cloud::{
    Cloud, CreateEndpointRequest, SendCommandRequest, VpcDnsAttribute, WriteMode, Written,
};
use ssmdeck::domain::model::*;
use ssmdeck::domain::readiness::service_name;

use crate::fixtures::t0;
use crate::moto_server::{MotoServer, WorkshopStack};

const REGION: &str = "ap-northeast-2";

/// The ids of the workshop stack in one account.
struct Stack {
    vpc_id: String,
    public_subnet_ids: Vec<String>,
    private_subnet_ids: Vec<String>,
    instance_sg_id: String,
    instance_ids: Vec<String>,
}

impl Stack {
    fn sandbox_lab() -> Self {
        Stack {
            vpc_id: "vpc-0a3c9e1b7d5f24680".into(),
            public_subnet_ids: vec![
                "subnet-0pub1a2b3c4d5e6f7".into(),
                "subnet-0pub2a2b3c4d5e6f7".into(),
            ],
            private_subnet_ids: vec![
                "subnet-0prv1a2b3c4d5e6f7".into(),
                "subnet-0prv2a2b3c4d5e6f7".into(),
            ],
            instance_sg_id: "sg-0instance00000000".into(),
            instance_ids: vec!["i-0a1b2c3d4e5f60001".into(), "i-0a1b2c3d4e5f60002".into()],
        }
    }

    fn moto(w: &WorkshopStack) -> Self {
        Stack {
            vpc_id: w.vpc_id.clone(),
            public_subnet_ids: w.public_subnet_ids.clone(),
            private_subnet_ids: w.private_subnet_ids.clone(),
            instance_sg_id: w.security_group_id.clone(),
            instance_ids: w.instance_ids.clone(),
        }
    }
}

/// Lets time pass in the account (the sandbox's virtual clock; moto is instant).
type Settle<'a> = &'a dyn Fn();

async fn workshop_reads<C: Cloud>(c: &C, s: &Stack) {
    let vpcs = c.describe_vpcs().await.expect("DescribeVpcs");
    let vpc = vpcs.iter().find(|v| v.id == s.vpc_id).expect("the lab VPC");
    assert_eq!(vpc.name.as_deref(), Some("WellArchitectedLabsStack/VPC"));
    assert_eq!(vpc.cidr, "10.0.0.0/16");
    assert_eq!(
        vpc.dns_support, None,
        "DescribeVpcs does not carry DNS attributes"
    );

    let subnets = c.describe_subnets().await.expect("DescribeSubnets");
    let lab: Vec<&Subnet> = subnets.iter().filter(|x| x.vpc_id == s.vpc_id).collect();
    assert_eq!(lab.len(), 4);
    let az_of = |id: &str| {
        lab.iter()
            .find(|x| x.id == id)
            .map(|x| x.az.clone())
            .expect("subnet")
    };
    assert_ne!(
        az_of(&s.private_subnet_ids[0]),
        az_of(&s.private_subnet_ids[1]),
        "private subnets in two AZs"
    );
    assert_ne!(
        az_of(&s.public_subnet_ids[0]),
        az_of(&s.public_subnet_ids[1]),
        "public subnets in two AZs"
    );

    let tables = c
        .describe_route_tables()
        .await
        .expect("DescribeRouteTables");
    let default_route = |subnet: &str| {
        tables
            .iter()
            .find(|t| t.subnet_ids.iter().any(|x| x == subnet))
            .or_else(|| tables.iter().find(|t| t.vpc_id == s.vpc_id && t.is_main))
            .and_then(|t| t.routes.iter().find(|r| r.destination == "0.0.0.0/0"))
            .map(|r| r.target.clone())
    };
    for p in &s.public_subnet_ids {
        assert!(
            matches!(default_route(p), Some(RouteTarget::InternetGateway(_))),
            "{p} routes to the IGW"
        );
    }
    for p in &s.private_subnet_ids {
        assert_eq!(default_route(p), None, "{p} has no way out");
    }

    let groups = c
        .describe_security_groups()
        .await
        .expect("DescribeSecurityGroups");
    let sg = groups
        .iter()
        .find(|g| g.id == s.instance_sg_id)
        .expect("instance SG");
    assert_eq!(
        sg.name,
        "WellArchitectedLabsStack/ASG/InstanceSecurityGroup"
    );
    assert_eq!(sg.vpc_id, s.vpc_id);

    let endpoints = c
        .describe_vpc_endpoints()
        .await
        .expect("DescribeVpcEndpoints");
    assert!(
        endpoints.iter().all(|e| e.vpc_id != s.vpc_id),
        "no endpoints yet"
    );
    let services = c
        .describe_vpc_endpoint_services()
        .await
        .expect("DescribeVpcEndpointServices");
    for short in ["ssm", "ssmmessages", "ec2messages"] {
        assert!(
            services.contains(&service_name(REGION, short)),
            "{short} offered"
        );
    }

    let instances = c.describe_instances().await.expect("DescribeInstances");
    for id in &s.instance_ids {
        let i = instances
            .iter()
            .find(|i| &i.id == id)
            .expect("lab instance");
        assert_eq!(i.state, InstanceState::Running);
        assert_eq!(i.vpc_id.as_deref(), Some(s.vpc_id.as_str()));
        assert!(
            s.private_subnet_ids
                .contains(i.subnet_id.as_ref().expect("subnet"))
        );
        assert_eq!(i.profile_arn, None, "no role yet");
        assert!(i.security_group_ids.contains(&s.instance_sg_id));
    }
    let assoc = c
        .describe_iam_instance_profile_associations()
        .await
        .expect("associations");
    assert!(assoc.is_empty());
    let roles = c.list_roles().await.expect("ListRoles");
    assert!(!roles.iter().any(|r| r.name == DEFAULT_ROLE_NAME));
}

async fn dns_attributes<C: Cloud>(c: &C, s: &Stack) {
    use VpcDnsAttribute::*;
    assert!(
        c.describe_vpc_attribute(&s.vpc_id, EnableDnsSupport)
            .await
            .expect("read")
    );
    c.modify_vpc_attribute(&s.vpc_id, EnableDnsHostnames, false)
        .await
        .expect("off");
    assert!(
        !c.describe_vpc_attribute(&s.vpc_id, EnableDnsHostnames)
            .await
            .expect("read")
    );
    c.modify_vpc_attribute(&s.vpc_id, EnableDnsHostnames, true)
        .await
        .expect("on");
    assert!(
        c.describe_vpc_attribute(&s.vpc_id, EnableDnsHostnames)
            .await
            .expect("read")
    );
}

async fn endpoints<C: Cloud>(c: &C, s: &Stack, settle: Settle<'_>) {
    let dry = c
        .create_security_group(
            &s.vpc_id,
            "ssmdeck-endpoints",
            "SSM endpoints",
            WriteMode::DryRun,
        )
        .await;
    assert_eq!(dry, Ok(Written::DryRunAllowed));
    let sg = match c
        .create_security_group(
            &s.vpc_id,
            "ssmdeck-endpoints",
            "SSM endpoints",
            WriteMode::Apply,
        )
        .await
    {
        Ok(Written::Done(id)) => id,
        other => panic!("CreateSecurityGroup: {other:?}"),
    };
    c.authorize_https_ingress(&sg, "10.0.0.0/16", WriteMode::Apply)
        .await
        .expect("authorize");
    let groups = c.describe_security_groups().await.expect("groups");
    let g = groups.iter().find(|g| g.id == sg).expect("new group");
    assert!(
        g.ingress
            .iter()
            .any(|r| r.covers_tcp_port(443) && r.cidrs.contains(&"10.0.0.0/16".to_string()))
    );

    for short in ["ssm", "ssmmessages", "ec2messages"] {
        let req = CreateEndpointRequest {
            vpc_id: s.vpc_id.clone(),
            service_name: service_name(REGION, short),
            kind: EndpointType::Interface,
            subnet_ids: s.private_subnet_ids.clone(),
            security_group_ids: vec![sg.clone()],
            route_table_ids: vec![],
            private_dns: true,
            client_token: format!("contract-{short}"),
            tags: vec![("Name".into(), format!("ssmdeck-{short}"))],
        };
        // (No dry run here: moto ignores DryRun on CreateVpcEndpoint and creates the endpoint.)
        match c.create_vpc_endpoint(&req, WriteMode::Apply).await {
            Ok(Written::Done(e)) => {
                assert_eq!(e.service_name, req.service_name);
                assert!(matches!(
                    e.state,
                    EndpointState::Pending | EndpointState::Available
                ));
            }
            other => panic!("CreateVpcEndpoint {short}: {other:?}"),
        }
    }
    settle();
    let eps: Vec<VpcEndpoint> = c
        .describe_vpc_endpoints()
        .await
        .expect("endpoints")
        .into_iter()
        .filter(|e| e.vpc_id == s.vpc_id)
        .collect();
    assert_eq!(eps.len(), 3, "{eps:?}");
    for e in &eps {
        assert_eq!(e.kind, EndpointType::Interface);
        assert_eq!(e.state, EndpointState::Available);
        assert!(e.private_dns);
        let mut subnets = e.subnet_ids.clone();
        subnets.sort();
        let mut want = s.private_subnet_ids.clone();
        want.sort();
        assert_eq!(subnets, want);
        assert_eq!(e.security_group_ids, vec![sg.clone()]);
    }
}

async fn role<C: Cloud>(c: &C) {
    let role = c
        .create_role(DEFAULT_ROLE_NAME, EC2_SERVICE_PRINCIPAL)
        .await
        .expect("CreateRole");
    assert_eq!(role.name, DEFAULT_ROLE_NAME);
    assert!(role.arn.ends_with(":role/ManagedInstancesRole"));
    c.attach_role_policy(DEFAULT_ROLE_NAME, CORE_POLICY_ARN)
        .await
        .expect("AttachRolePolicy");
    let profile = c
        .create_instance_profile(DEFAULT_ROLE_NAME)
        .await
        .expect("CreateInstanceProfile");
    assert!(
        profile
            .arn
            .ends_with(":instance-profile/ManagedInstancesRole")
    );
    c.add_role_to_instance_profile(DEFAULT_ROLE_NAME, DEFAULT_ROLE_NAME)
        .await
        .expect("AddRoleToInstanceProfile");
    assert!(
        c.create_role(DEFAULT_ROLE_NAME, EC2_SERVICE_PRINCIPAL)
            .await
            .is_err(),
        "the name is taken"
    );

    let roles = c.list_roles().await.expect("ListRoles");
    let r = roles
        .iter()
        .find(|r| r.name == DEFAULT_ROLE_NAME)
        .expect("listed");
    assert!(r.trusts_ec2());
    assert_eq!(r.ssm_policy(), SsmPolicy::Core);
    let profiles = c
        .list_instance_profiles()
        .await
        .expect("ListInstanceProfiles");
    let p = profiles
        .iter()
        .find(|p| p.name == DEFAULT_ROLE_NAME)
        .expect("profile");
    assert_eq!(p.role_names, vec![DEFAULT_ROLE_NAME.to_string()]);
}

async fn attach<C: Cloud>(c: &C, s: &Stack, settle: Settle<'_>) {
    for id in &s.instance_ids {
        match c
            .associate_iam_instance_profile(id, DEFAULT_ROLE_NAME)
            .await
        {
            Ok(a) => {
                assert_eq!(&a.instance_id, id);
                assert!(a.profile_arn.ends_with("/ManagedInstancesRole"));
            }
            other => panic!("AssociateIamInstanceProfile: {other:?}"),
        }
    }
    settle();
    let assoc = c
        .describe_iam_instance_profile_associations()
        .await
        .expect("list");
    assert_eq!(assoc.len(), 2);
    assert!(
        assoc
            .iter()
            .all(|a| a.state == AssociationState::Associated)
    );
    let instances = c.describe_instances().await.expect("instances");
    for id in &s.instance_ids {
        let i = instances.iter().find(|i| &i.id == id).expect("instance");
        assert!(
            i.profile_arn
                .as_deref()
                .is_some_and(|a| a.ends_with("/ManagedInstancesRole")),
            "{i:?}"
        );
    }
}

async fn run_command<C: Cloud>(c: &C, s: &Stack, settle: Settle<'_>) {
    let req = SendCommandRequest {
        document: "AWS-RunShellScript".into(),
        instance_ids: s.instance_ids.clone(),
        targets: vec![],
        parameters: vec![("commands".into(), vec!["hostname".into()])],
        comment: Some("contract".into()),
        max_concurrency: Some("50".into()),
        max_errors: Some("0".into()),
        timeout_seconds: Some(600),
        output: Default::default(),
    };
    let cmd = c.send_command(&req).await.expect("SendCommand");
    assert_eq!(cmd.document, "AWS-RunShellScript");
    // moto counts every instance of the region as a target; AWS counts the ids sent.
    assert!(cmd.target_count >= 2);
    for id in &s.instance_ids {
        assert!(cmd.instance_ids.contains(id));
    }
    settle();
    let listed = c.list_commands().await.expect("ListCommands");
    let found = listed.iter().find(|x| x.id == cmd.id).expect("listed");
    assert_eq!(found.status, "Success");
    assert_eq!(found.comment.as_deref(), Some("contract"));
    let inv = c
        .get_command_invocation(&cmd.id, &s.instance_ids[0])
        .await
        .expect("GetCommandInvocation");
    assert_eq!(inv.status, "Success");
    assert_eq!(inv.response_code, Some(0));
}

async fn windows<C: Cloud>(c: &C) {
    let windows = c
        .describe_maintenance_windows()
        .await
        .expect("DescribeMaintenanceWindows");
    let w = windows
        .iter()
        .find(|w| w.name == "lab-weekly-patching")
        .expect("the lab window");
    assert_eq!(w.schedule, "cron(0 2 ? * SUN *)");
    assert_eq!(w.duration_hours, 3);
    assert_eq!(w.cutoff_hours, 1);
    assert!(w.enabled);
    assert!(w.id.starts_with("mw-"));
}

#[tokio::test]
async fn contract_on_the_sandbox() {
    let cloud = SandboxCloud::new(Scenario::Lab, Clock::manual(t0()));
    let clock = cloud.clock().clone();
    let settle = move || clock.advance(SignedDuration::from_secs(30));
    let s = Stack::sandbox_lab();
    workshop_reads(&cloud, &s).await;
    dns_attributes(&cloud, &s).await;
    endpoints(&cloud, &s, &settle).await;
    role(&cloud).await;
    attach(&cloud, &s, &settle).await;
    run_command(&cloud, &s, &settle).await;
    windows(&cloud).await;
}

#[tokio::test]
async fn contract_on_moto() {
    let moto = MotoServer::start();
    let stack = moto.create_workshop_stack().await;
    let ssm = moto.ssm().await;
    ssm.create_maintenance_window()
        .name("lab-weekly-patching")
        .schedule("cron(0 2 ? * SUN *)")
        .duration(3)
        .cutoff(1)
        .allow_unassociated_targets(false)
        .send()
        .await
        .expect("CreateMaintenanceWindow");
    let cloud = moto.cloud().await;
    let settle = || {};
    let s = Stack::moto(&stack);
    workshop_reads(&cloud, &s).await;
    dns_attributes(&cloud, &s).await;
    endpoints(&cloud, &s, &settle).await;
    role(&cloud).await;
    attach(&cloud, &s, &settle).await;
    run_command(&cloud, &s, &settle).await;
    windows(&cloud).await;
}
