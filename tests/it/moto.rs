//! The AWS adapter against moto server: the network, endpoint, group, IAM and profile
//! operations, through the port (Run Command and the rest: `moto_fleet`).

use ssmdeck::cloud::aws::AwsCloud;

use ssmdeck::cloud::{
    Cloud, CloudError, CreateEndpointRequest, DryRunTrust, VpcDnsAttribute, WriteMode, Written,
};

use ssmdeck::domain::model::{
    AssociationState, CORE_POLICY_ARN, DEFAULT_ROLE_NAME, EC2_SERVICE_PRINCIPAL, EndpointState,
    EndpointType, InstanceState, RouteTarget, SsmPolicy,
};

use crate::moto_server::{INSTANCE_SG_NAME, MotoServer, REGION, VPC_NAME, WorkshopStack};

fn endpoint_request(stack: &WorkshopStack, service: &str, token: &str) -> CreateEndpointRequest {
    CreateEndpointRequest {
        vpc_id: stack.vpc_id.clone(),
        service_name: format!("com.amazonaws.{REGION}.{service}"),
        kind: EndpointType::Interface,
        subnet_ids: stack.private_subnet_ids.clone(),
        security_group_ids: vec![stack.security_group_id.clone()],
        route_table_ids: Vec::new(),
        private_dns: true,
        client_token: token.to_string(),
        tags: vec![("Name".to_string(), format!("ssmdeck-{service}"))],
    }
}

fn done<T: std::fmt::Debug>(written: Result<Written<T>, CloudError>) -> T {
    match written {
        Ok(Written::Done(value)) => value,
        other => panic!("expected Done, got {other:?}"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reads_the_workshop_network_back() {
    let moto = MotoServer::start();
    let stack = moto.create_workshop_stack().await;
    let cloud = moto.cloud().await;

    let identity = cloud.identity().await.expect("identity");
    assert_eq!(identity.account.as_deref(), Some("123456789012"));
    assert_eq!(identity.region, REGION);
    assert_eq!(cloud.region(), REGION);

    let vpcs = cloud.describe_vpcs().await.expect("vpcs");
    let vpc = vpcs
        .iter()
        .find(|v| v.id == stack.vpc_id)
        .expect("stack vpc");
    assert_eq!(vpc.name.as_deref(), Some(VPC_NAME));
    assert_eq!(vpc.cidr, "10.0.0.0/16");
    assert!(!vpc.is_default);
    assert_eq!((vpc.dns_support, vpc.dns_hostnames), (None, None));
    assert!(vpcs.iter().any(|v| v.is_default), "moto's default VPC");
    for attribute in [
        VpcDnsAttribute::EnableDnsSupport,
        VpcDnsAttribute::EnableDnsHostnames,
    ] {
        assert!(
            cloud
                .describe_vpc_attribute(&stack.vpc_id, attribute)
                .await
                .expect("attr")
        );
    }

    let subnets = cloud.describe_subnets().await.expect("subnets");
    let mine: Vec<_> = subnets
        .iter()
        .filter(|s| s.vpc_id == stack.vpc_id)
        .collect();
    assert_eq!(mine.len(), 4);
    let private_a = mine
        .iter()
        .find(|s| s.id == stack.private_subnet_ids[0])
        .expect("private a");
    assert_eq!(private_a.az, format!("{REGION}a"));
    assert_eq!(private_a.cidr, "10.0.128.0/18");
    assert!(!private_a.map_public_ip_on_launch);
    assert_eq!(
        private_a.name.as_deref(),
        Some(format!("{VPC_NAME}/PrivateSubnet1").as_str())
    );
    let public_c = mine
        .iter()
        .find(|s| s.id == stack.public_subnet_ids[1])
        .expect("public c");
    assert_eq!(public_c.az, format!("{REGION}c"));
    assert!(public_c.map_public_ip_on_launch);

    let tables = cloud.describe_route_tables().await.expect("route tables");
    let public = tables
        .iter()
        .find(|t| t.id == stack.public_route_table_id)
        .expect("public table");
    assert_eq!(public.vpc_id, stack.vpc_id);
    let mut associated = public.subnet_ids.clone();
    associated.sort();
    let mut expected = stack.public_subnet_ids.clone();
    expected.sort();
    assert_eq!(associated, expected);
    assert!(public.routes.iter().any(|r| r.destination == "0.0.0.0/0"
        && r.target == RouteTarget::InternetGateway(stack.igw_id.clone())));
    assert!(public.routes.iter().any(|r| r.target == RouteTarget::Local));
    for (table_id, subnet_id) in stack
        .private_route_table_ids
        .iter()
        .zip(&stack.private_subnet_ids)
    {
        let table = tables
            .iter()
            .find(|t| &t.id == table_id)
            .expect("private table");
        assert_eq!(table.subnet_ids, vec![subnet_id.clone()]);
        assert!(!table.is_main);
        assert!(table.routes.iter().all(|r| r.target == RouteTarget::Local));
    }
    assert!(
        tables.iter().any(|t| t.vpc_id == stack.vpc_id && t.is_main),
        "the VPC's main route table"
    );

    let groups = cloud.describe_security_groups().await.expect("groups");
    let sg = groups
        .iter()
        .find(|g| g.id == stack.security_group_id)
        .expect("instance sg");
    assert_eq!(sg.name, INSTANCE_SG_NAME);
    assert_eq!(sg.vpc_id, stack.vpc_id);

    let instances = cloud.describe_instances().await.expect("instances");
    assert_eq!(instances.len(), 2);
    for (instance_id, subnet_id) in stack.instance_ids.iter().zip(&stack.private_subnet_ids) {
        let i = instances
            .iter()
            .find(|i| &i.id == instance_id)
            .expect("instance");
        assert_eq!(i.state, InstanceState::Running);
        assert_eq!(i.subnet_id.as_ref(), Some(subnet_id));
        assert_eq!(i.vpc_id.as_ref(), Some(&stack.vpc_id));
        assert_eq!(i.security_group_ids, vec![stack.security_group_id.clone()]);
        assert_eq!(i.name.as_deref(), Some("WellArchitectedLabsStack/ASG"));
        assert_eq!(i.profile_arn, None);
        assert!(i.private_ip.is_some());
        assert!(i.launch_time.is_some());
        assert!(!i.is_windows());
    }
    assert_eq!(
        instances
            .iter()
            .filter_map(|i| i.az.clone())
            .collect::<Vec<_>>()
            .len(),
        2
    );

    let services = cloud
        .describe_vpc_endpoint_services()
        .await
        .expect("services");
    for required in ["ssm", "ssmmessages", "ec2messages"] {
        let name = format!("com.amazonaws.{REGION}.{required}");
        assert!(services.contains(&name), "{name} offered");
    }
    let endpoints = cloud.describe_vpc_endpoints().await.expect("endpoints");
    assert!(endpoints.iter().all(|e| e.vpc_id != stack.vpc_id));
    assert!(
        cloud
            .describe_iam_instance_profile_associations()
            .await
            .expect("associations")
            .is_empty()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn creates_interface_and_gateway_endpoints() {
    let moto = MotoServer::start();
    let stack = moto.create_workshop_stack().await;
    let cloud = moto.cloud().await;

    let created = done(
        cloud
            .create_vpc_endpoint(
                &endpoint_request(&stack, "ssm", "tok-ssm"),
                WriteMode::Apply,
            )
            .await,
    );
    assert!(created.id.starts_with("vpce-"));
    assert_eq!(created.kind, EndpointType::Interface);
    assert_eq!(created.service_name, format!("com.amazonaws.{REGION}.ssm"));
    assert!(created.private_dns);
    assert_eq!(created.subnet_ids, stack.private_subnet_ids);
    assert_eq!(
        created.security_group_ids,
        vec![stack.security_group_id.clone()]
    );

    let listed = cloud.describe_vpc_endpoints().await.expect("endpoints");
    let ep = listed.iter().find(|e| e.id == created.id).expect("listed");
    assert_eq!(ep.vpc_id, stack.vpc_id);
    assert_eq!(
        ep.state,
        EndpointState::Available,
        "moto makes them available at once"
    );
    assert!(ep.private_dns);
    assert_eq!(ep.kind, EndpointType::Interface);

    let gateway = CreateEndpointRequest {
        kind: EndpointType::Gateway,
        subnet_ids: Vec::new(),
        security_group_ids: Vec::new(),
        route_table_ids: stack.private_route_table_ids.clone(),
        private_dns: false,
        ..endpoint_request(&stack, "s3", "tok-s3")
    };
    let s3 = done(cloud.create_vpc_endpoint(&gateway, WriteMode::Apply).await);
    assert_eq!(s3.kind, EndpointType::Gateway);
    let listed = cloud.describe_vpc_endpoints().await.expect("endpoints");
    let s3 = listed.iter().find(|e| e.id == s3.id).expect("s3 listed");
    assert_eq!(s3.route_table_ids, stack.private_route_table_ids);
    assert!(!s3.private_dns);

    // Same ClientToken again: AWS returns the first endpoint. moto 5.2 stores the token
    // but does not look it up, so it creates a second one. Assert what moto does.
    let again = done(
        cloud
            .create_vpc_endpoint(
                &endpoint_request(&stack, "ssm", "tok-ssm"),
                WriteMode::Apply,
            )
            .await,
    );
    let ssm_endpoints = cloud
        .describe_vpc_endpoints()
        .await
        .expect("endpoints")
        .into_iter()
        .filter(|e| e.service_name.ends_with(".ssm") && e.vpc_id == stack.vpc_id)
        .count();
    if again.id == created.id {
        assert_eq!(ssm_endpoints, 1, "moto honours ClientToken now");
    } else {
        assert_eq!(ssm_endpoints, 2, "moto ignores ClientToken");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn vpc_dns_attributes_round_trip() {
    let moto = MotoServer::start();
    let stack = moto.create_workshop_stack().await;
    let cloud = moto.cloud().await;
    let attr = VpcDnsAttribute::EnableDnsHostnames;

    cloud
        .modify_vpc_attribute(&stack.vpc_id, attr, false)
        .await
        .expect("modify");
    assert!(
        !cloud
            .describe_vpc_attribute(&stack.vpc_id, attr)
            .await
            .expect("read")
    );
    // The other attribute is untouched: one attribute per call.
    assert!(
        cloud
            .describe_vpc_attribute(&stack.vpc_id, VpcDnsAttribute::EnableDnsSupport)
            .await
            .expect("read")
    );
    cloud
        .modify_vpc_attribute(&stack.vpc_id, attr, true)
        .await
        .expect("modify");
    assert!(
        cloud
            .describe_vpc_attribute(&stack.vpc_id, attr)
            .await
            .expect("read")
    );

    let missing = cloud
        .describe_vpc_attribute("vpc-00000000", attr)
        .await
        .expect_err("unknown vpc");
    assert!(matches!(missing, CloudError::NotFound(_)), "{missing:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn security_group_with_https_ingress() {
    let moto = MotoServer::start();
    let stack = moto.create_workshop_stack().await;
    let cloud = moto.cloud().await;

    let group_id = done(
        cloud
            .create_security_group(
                &stack.vpc_id,
                "ssmdeck-endpoints",
                "HTTPS from the VPC to the SSM endpoints",
                WriteMode::Apply,
            )
            .await,
    );
    done(
        cloud
            .authorize_https_ingress(&group_id, "10.0.0.0/16", WriteMode::Apply)
            .await,
    );
    let groups = cloud.describe_security_groups().await.expect("groups");
    let sg = groups.iter().find(|g| g.id == group_id).expect("new group");
    assert_eq!(sg.name, "ssmdeck-endpoints");
    assert_eq!(sg.vpc_id, stack.vpc_id);
    let rule = sg
        .ingress
        .iter()
        .find(|r| r.cidrs.contains(&"10.0.0.0/16".to_string()))
        .expect("443 rule");
    assert_eq!(rule.protocol, "tcp");
    assert_eq!((rule.from_port, rule.to_port), (Some(443), Some(443)));
    assert!(rule.covers_tcp_port(443));

    // The same rule twice is AWS's InvalidPermission.Duplicate.
    let dup = cloud
        .authorize_https_ingress(&group_id, "10.0.0.0/16", WriteMode::Apply)
        .await
        .expect_err("duplicate rule");
    assert!(matches!(dup, CloudError::AlreadyExists(_)), "{dup:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dry_runs_write_nothing() {
    let moto = MotoServer::start();
    let stack = moto.create_workshop_stack().await;
    let cloud = moto.cloud().await;

    let sg = cloud
        .create_security_group(&stack.vpc_id, "dry-group", "dry", WriteMode::DryRun)
        .await
        .expect("dry run");
    assert_eq!(sg, Written::DryRunAllowed);
    let groups = cloud.describe_security_groups().await.expect("groups");
    assert!(groups.iter().all(|g| g.name != "dry-group"));

    let ingress = cloud
        .authorize_https_ingress(&stack.security_group_id, "10.9.0.0/16", WriteMode::DryRun)
        .await
        .expect("dry run");
    assert_eq!(ingress, Written::DryRunAllowed);
    let groups = cloud.describe_security_groups().await.expect("groups");
    let sg = groups
        .iter()
        .find(|g| g.id == stack.security_group_id)
        .expect("sg");
    assert!(
        sg.ingress
            .iter()
            .all(|r| !r.cidrs.contains(&"10.9.0.0/16".to_string()))
    );

    // moto ignores DryRun on CreateVpcEndpoint: it creates the endpoint. That is why no
    // DryRun write is ever sent to an endpoint that is not AWS's own.
    let ignored = cloud
        .create_vpc_endpoint(
            &endpoint_request(&stack, "ssm", "dry-token"),
            WriteMode::DryRun,
        )
        .await
        .expect("moto answers");
    assert!(matches!(ignored, Written::Done(_)), "{ignored:?}");
    assert_eq!(
        cloud.dry_run_trust().await.expect("trust"),
        DryRunTrust::CustomEndpoint {
            endpoint: moto.endpoint()
        }
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn role_policy_and_instance_profile() {
    let moto = MotoServer::start();
    let cloud = moto.cloud().await;

    let role = cloud
        .create_role(DEFAULT_ROLE_NAME, EC2_SERVICE_PRINCIPAL)
        .await
        .expect("create role");
    assert_eq!(role.name, DEFAULT_ROLE_NAME);
    assert!(role.arn.ends_with(&format!(":role/{DEFAULT_ROLE_NAME}")));
    assert!(role.trusts_ec2());
    cloud
        .attach_role_policy(DEFAULT_ROLE_NAME, CORE_POLICY_ARN)
        .await
        .expect("attach Core (needs MOTO_IAM_LOAD_MANAGED_POLICIES)");
    let profile = cloud
        .create_instance_profile(DEFAULT_ROLE_NAME)
        .await
        .expect("create profile");
    assert_eq!(profile.name, DEFAULT_ROLE_NAME);
    assert!(profile.role_names.is_empty());
    cloud
        .add_role_to_instance_profile(DEFAULT_ROLE_NAME, DEFAULT_ROLE_NAME)
        .await
        .expect("add role");

    // A role EC2 cannot assume: listed, its policies not read.
    cloud
        .create_role("LambdaRole", "lambda.amazonaws.com")
        .await
        .expect("lambda role");
    cloud
        .attach_role_policy("LambdaRole", CORE_POLICY_ARN)
        .await
        .expect("attach");

    let roles = cloud.list_roles().await.expect("roles");
    let ours = roles
        .iter()
        .find(|r| r.name == DEFAULT_ROLE_NAME)
        .expect("listed");
    assert_eq!(
        ours.trusted_services,
        vec![EC2_SERVICE_PRINCIPAL.to_string()]
    );
    assert_eq!(ours.attached_policy_arns, vec![CORE_POLICY_ARN.to_string()]);
    assert_eq!(ours.ssm_policy(), SsmPolicy::Core);
    let lambda = roles
        .iter()
        .find(|r| r.name == "LambdaRole")
        .expect("lambda");
    assert_eq!(
        lambda.trusted_services,
        vec!["lambda.amazonaws.com".to_string()]
    );
    assert!(lambda.attached_policy_arns.is_empty());

    let profiles = cloud.list_instance_profiles().await.expect("profiles");
    let listed = profiles
        .iter()
        .find(|p| p.name == DEFAULT_ROLE_NAME)
        .expect("profile listed");
    assert_eq!(listed.role_names, vec![DEFAULT_ROLE_NAME.to_string()]);
    assert_eq!(listed.arn, profile.arn);

    let again = cloud
        .create_role(DEFAULT_ROLE_NAME, EC2_SERVICE_PRINCIPAL)
        .await
        .expect_err("exists");
    assert!(
        matches!(again, CloudError::AlreadyExists(ref d) if d.contains("EntityAlreadyExists")),
        "{again:?}"
    );
    let missing = cloud
        .attach_role_policy("NoSuchRole", CORE_POLICY_ARN)
        .await
        .expect_err("no role");
    assert!(matches!(missing, CloudError::NotFound(_)), "{missing:?}");
}

async fn role_with_profile(cloud: &AwsCloud, name: &str) -> String {
    cloud
        .create_role(name, EC2_SERVICE_PRINCIPAL)
        .await
        .expect("role");
    cloud
        .attach_role_policy(name, CORE_POLICY_ARN)
        .await
        .expect("attach");
    let profile = cloud.create_instance_profile(name).await.expect("profile");
    cloud
        .add_role_to_instance_profile(name, name)
        .await
        .expect("add role");
    profile.arn
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn associate_then_replace_instance_profile() {
    let moto = MotoServer::start();
    let stack = moto.create_workshop_stack().await;
    let cloud = moto.cloud().await;
    let first_arn = role_with_profile(&cloud, DEFAULT_ROLE_NAME).await;
    let second_arn = role_with_profile(&cloud, "OtherRole").await;
    let instance = &stack.instance_ids[0];

    let association = cloud
        .associate_iam_instance_profile(instance, DEFAULT_ROLE_NAME)
        .await
        .expect("associate");
    assert!(association.id.starts_with("iip-assoc-"));
    assert_eq!(&association.instance_id, instance);
    assert_eq!(association.profile_arn, first_arn);

    let listed = cloud
        .describe_iam_instance_profile_associations()
        .await
        .expect("associations");
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0].id, association.id);
    assert_eq!(listed[0].state, AssociationState::Associated);
    let instances = cloud.describe_instances().await.expect("instances");
    let attached = instances
        .iter()
        .find(|i| &i.id == instance)
        .expect("instance");
    assert_eq!(attached.profile_arn.as_deref(), Some(first_arn.as_str()));
    let other = instances
        .iter()
        .find(|i| i.id == stack.instance_ids[1])
        .expect("other");
    assert_eq!(other.profile_arn, None);

    let replaced = cloud
        .replace_iam_instance_profile_association(&association.id, "OtherRole")
        .await
        .expect("replace");
    assert_eq!(&replaced.instance_id, instance);
    assert_eq!(replaced.profile_arn, second_arn);
    let listed = cloud
        .describe_iam_instance_profile_associations()
        .await
        .expect("associations");
    let now = listed
        .iter()
        .find(|a| &a.instance_id == instance && a.state == AssociationState::Associated)
        .expect("association");
    assert_eq!(now.profile_arn, second_arn);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_roles_policies_are_read_once_a_minute_and_again_after_our_write() {
    let moto = MotoServer::start();
    let cloud = moto.cloud().await;
    cloud
        .create_role("app", EC2_SERVICE_PRINCIPAL)
        .await
        .expect("role");
    let first = cloud.role_policies("app", None).await.expect("read");
    assert!(first.attached_policy_arns.is_empty());
    let reads = |c: &AwsCloud| c.call_counts().get("iam:ListRolePolicies").copied();
    let after_first = reads(&cloud);
    let again = cloud.role_policies("app", None).await.expect("read");
    assert_eq!(again, first);
    assert_eq!(
        reads(&cloud),
        after_first,
        "not asked again within the minute"
    );
    cloud
        .attach_role_policy("app", CORE_POLICY_ARN)
        .await
        .expect("attach");
    let written = cloud.role_policies("app", None).await.expect("read");
    assert_eq!(
        written.attached_policy_arns,
        vec![CORE_POLICY_ARN.to_string()]
    );
    assert!(
        reads(&cloud) > after_first,
        "read again after our own write"
    );
}
