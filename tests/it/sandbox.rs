//! The sandbox on a virtual clock: transitions and the agent registration rule.

use jiff::SignedDuration;
use ssmdeck::cloud::sandbox::{Clock, SandboxCloud, Scenario};
use ssmdeck::cloud::{
    Cloud, CloudError, CreateEndpointRequest, SendCommandRequest, WriteMode, Written,
};
use ssmdeck::domain::model::*;
use ssmdeck::domain::readiness::{Verdict, evaluate, service_name};
use ssmdeck::engine::fetch;

use crate::fixtures::t0;

pub fn lab() -> SandboxCloud {
    SandboxCloud::new(Scenario::Lab, Clock::manual(t0()))
}

fn secs(n: i64) -> SignedDuration {
    SignedDuration::from_secs(n)
}

/// The endpoints with a security group that lets the VPC in on 443.
pub async fn create_lab_endpoints(cloud: &SandboxCloud) {
    let vpc = "vpc-0a3c9e1b7d5f24680";
    let sg = match cloud
        .create_security_group(vpc, "ssmdeck-endpoints", "SSM endpoints", WriteMode::Apply)
        .await
    {
        Ok(Written::Done(id)) => id,
        other => panic!("create security group: {other:?}"),
    };
    cloud
        .authorize_https_ingress(&sg, "10.0.0.0/16", WriteMode::Apply)
        .await
        .expect("authorize 443");
    for short in ["ssm", "ssmmessages", "ec2messages"] {
        let req = CreateEndpointRequest {
            vpc_id: vpc.into(),
            service_name: service_name("ap-northeast-2", short),
            kind: EndpointType::Interface,
            subnet_ids: vec![
                "subnet-0prv1a2b3c4d5e6f7".into(),
                "subnet-0prv2a2b3c4d5e6f7".into(),
            ],
            security_group_ids: vec![sg.clone()],
            route_table_ids: vec![],
            private_dns: true,
            client_token: format!("test-{short}"),
            tags: vec![],
        };
        let out = cloud.create_vpc_endpoint(&req, WriteMode::Apply).await;
        assert!(out.is_ok(), "{out:?}");
    }
}

pub async fn create_lab_role(cloud: &SandboxCloud) {
    cloud
        .create_role(DEFAULT_ROLE_NAME, EC2_SERVICE_PRINCIPAL)
        .await
        .expect("create role");
    cloud
        .attach_role_policy(DEFAULT_ROLE_NAME, CORE_POLICY_ARN)
        .await
        .expect("attach");
    cloud
        .create_instance_profile(DEFAULT_ROLE_NAME)
        .await
        .expect("profile");
    cloud
        .add_role_to_instance_profile(DEFAULT_ROLE_NAME, DEFAULT_ROLE_NAME)
        .await
        .expect("add role");
}

async fn online(cloud: &SandboxCloud) -> Vec<String> {
    cloud
        .describe_managed_nodes()
        .await
        .expect("nodes")
        .into_iter()
        .filter(|n| n.ping == PingStatus::Online)
        .map(|n| n.instance_id)
        .collect()
}

#[tokio::test]
async fn lab_starts_as_the_workshop_stack() {
    let cloud = lab();
    let snap = fetch::snapshot(&cloud).await;
    assert_eq!(snap.identity.region, "ap-northeast-2");
    let vpc = &snap.network.vpcs[0];
    assert_eq!(vpc.name.as_deref(), Some("WellArchitectedLabsStack/VPC"));
    assert_eq!(snap.network.subnets.len(), 4);
    let azs: std::collections::BTreeSet<&str> =
        snap.network.subnets.iter().map(|s| s.az.as_str()).collect();
    assert_eq!(azs.len(), 2);
    assert!(snap.network.endpoints.is_empty());
    assert!(snap.iam.roles.is_empty());
    assert!(
        snap.network
            .security_groups
            .iter()
            .any(|g| g.name == "WellArchitectedLabsStack/ASG/InstanceSecurityGroup")
    );
    assert_eq!(snap.instances.instances.len(), 2);
    let r = evaluate(&snap);
    for i in &r.instances {
        assert_eq!(
            summary(i),
            "not managed: no instance profile, no SSM endpoints"
        );
    }
    assert!(online(&cloud).await.is_empty());
}

#[tokio::test]
async fn agent_registers_only_after_rules_hold_and_within_the_delay() {
    let cloud = lab();
    let clock = cloud.clock().clone();
    create_lab_endpoints(&cloud).await;
    create_lab_role(&cloud).await;
    // Endpoints pending, no profile: nothing registers however long we wait.
    clock.advance(secs(60));
    assert!(online(&cloud).await.is_empty(), "no instance profile yet");

    // t=60: attach. Association takes 3 s; registration 8 s after that.
    for id in ["i-0a1b2c3d4e5f60001", "i-0a1b2c3d4e5f60002"] {
        let out = cloud
            .associate_iam_instance_profile(id, DEFAULT_ROLE_NAME)
            .await;
        assert!(out.is_ok(), "{out:?}");
    }
    let assoc = cloud
        .describe_iam_instance_profile_associations()
        .await
        .expect("assoc");
    assert!(
        assoc
            .iter()
            .all(|a| a.state == AssociationState::Associating)
    );
    clock.advance(secs(3));
    let assoc = cloud
        .describe_iam_instance_profile_associations()
        .await
        .expect("assoc");
    assert!(
        assoc
            .iter()
            .all(|a| a.state == AssociationState::Associated)
    );
    clock.advance(secs(7));
    assert!(
        online(&cloud).await.is_empty(),
        "registers 8 s after the rules hold, not before"
    );
    clock.advance(secs(1));
    assert_eq!(online(&cloud).await.len(), 2);
    let snap = fetch::snapshot(&cloud).await;
    let r = evaluate(&snap);
    assert!(r.instances.iter().all(|i| i.verdict == Verdict::Managed));
}

#[tokio::test]
async fn endpoints_with_the_default_security_group_block_registration() {
    let cloud = lab();
    let clock = cloud.clock().clone();
    create_lab_role(&cloud).await;
    for id in ["i-0a1b2c3d4e5f60001", "i-0a1b2c3d4e5f60002"] {
        cloud
            .associate_iam_instance_profile(id, DEFAULT_ROLE_NAME)
            .await
            .expect("assoc");
    }
    for short in ["ssm", "ssmmessages", "ec2messages"] {
        let req = CreateEndpointRequest {
            vpc_id: "vpc-0a3c9e1b7d5f24680".into(),
            service_name: service_name("ap-northeast-2", short),
            kind: EndpointType::Interface,
            subnet_ids: vec!["subnet-0prv1a2b3c4d5e6f7".into()],
            security_group_ids: vec![],
            route_table_ids: vec![],
            private_dns: true,
            client_token: format!("default-sg-{short}"),
            tags: vec![],
        };
        cloud
            .create_vpc_endpoint(&req, WriteMode::Apply)
            .await
            .expect("create");
    }
    clock.advance(secs(120));
    assert!(
        online(&cloud).await.is_empty(),
        "443 is closed to the instances"
    );
    let r = evaluate(&fetch::snapshot(&cloud).await);
    assert!(
        r.instances.iter().all(|i| summary(i).contains("443")),
        "{:?}",
        summary(&r.instances[0])
    );
}

#[tokio::test]
async fn endpoints_go_pending_then_available_and_gate_registration() {
    let cloud = lab();
    let clock = cloud.clock().clone();
    create_lab_role(&cloud).await;
    for id in ["i-0a1b2c3d4e5f60001", "i-0a1b2c3d4e5f60002"] {
        cloud
            .associate_iam_instance_profile(id, DEFAULT_ROLE_NAME)
            .await
            .expect("assoc");
    }
    clock.advance(secs(30));
    assert!(
        online(&cloud).await.is_empty(),
        "no endpoints: no registration"
    );
    create_lab_endpoints(&cloud).await;
    let eps = cloud.describe_vpc_endpoints().await.expect("endpoints");
    assert!(eps.iter().all(|e| e.state == EndpointState::Pending));
    clock.advance(secs(6));
    let eps = cloud.describe_vpc_endpoints().await.expect("endpoints");
    assert!(eps.iter().all(|e| e.state == EndpointState::Available));
    clock.advance(secs(7));
    assert!(online(&cloud).await.is_empty());
    clock.advance(secs(1));
    assert_eq!(online(&cloud).await.len(), 2);
}

#[tokio::test]
async fn sandbox_enforces_what_aws_enforces() {
    let cloud = lab();
    let vpc = "vpc-0a3c9e1b7d5f24680";
    let mut req = CreateEndpointRequest {
        vpc_id: vpc.into(),
        service_name: service_name("ap-northeast-2", "ssm"),
        kind: EndpointType::Interface,
        subnet_ids: vec![
            "subnet-0prv1a2b3c4d5e6f7".into(),
            "subnet-0pub1a2b3c4d5e6f7".into(),
        ],
        security_group_ids: vec![],
        route_table_ids: vec![],
        private_dns: true,
        client_token: "dup-az".into(),
        tags: vec![],
    };
    let err = cloud.create_vpc_endpoint(&req, WriteMode::Apply).await;
    assert!(
        matches!(&err, Err(CloudError::Invalid(m)) if m.contains("DuplicateSubnetsInSameZone")),
        "{err:?}"
    );

    // Same client token twice: one endpoint.
    req.subnet_ids = vec!["subnet-0prv1a2b3c4d5e6f7".into()];
    req.client_token = "once".into();
    cloud
        .create_vpc_endpoint(&req, WriteMode::Apply)
        .await
        .expect("first");
    cloud
        .create_vpc_endpoint(&req, WriteMode::Apply)
        .await
        .expect("same token again");
    assert_eq!(cloud.describe_vpc_endpoints().await.expect("list").len(), 1);

    // Dry run writes nothing.
    req.service_name = service_name("ap-northeast-2", "ssmmessages");
    req.client_token = "dry".into();
    let dry = cloud.create_vpc_endpoint(&req, WriteMode::DryRun).await;
    assert_eq!(dry, Ok(Written::DryRunAllowed));
    assert_eq!(cloud.describe_vpc_endpoints().await.expect("list").len(), 1);

    // Private DNS needs both VPC DNS attributes.
    cloud
        .modify_vpc_attribute(
            vpc,
            ssmdeck::cloud::VpcDnsAttribute::EnableDnsHostnames,
            false,
        )
        .await
        .expect("modify");
    req.client_token = "dns".into();
    let err = cloud.create_vpc_endpoint(&req, WriteMode::Apply).await;
    assert!(
        matches!(&err, Err(CloudError::Invalid(m)) if m.contains("enableDnsHostnames")),
        "{err:?}"
    );

    // More than 50 targets is refused; so is an unmanaged instance.
    let many = SendCommandRequest {
        document: "AWS-RunShellScript".into(),
        instance_ids: (0..51).map(|i| format!("i-{i}")).collect(),
        targets: vec![],
        parameters: vec![],
        comment: None,
        max_concurrency: None,
        max_errors: None,
        timeout_seconds: None,
        output: Default::default(),
    };
    assert!(matches!(
        cloud.send_command(&many).await,
        Err(CloudError::Invalid(_))
    ));
    let one = SendCommandRequest {
        instance_ids: vec!["i-0a1b2c3d4e5f60001".into()],
        targets: vec![],
        ..many
    };
    assert!(
        matches!(cloud.send_command(&one).await, Err(CloudError::Invalid(m)) if m.contains("InvalidInstanceId"))
    );
}

#[tokio::test]
async fn run_command_progresses_with_output() {
    let cloud = lab();
    let clock = cloud.clock().clone();
    create_lab_endpoints(&cloud).await;
    create_lab_role(&cloud).await;
    for id in ["i-0a1b2c3d4e5f60001", "i-0a1b2c3d4e5f60002"] {
        cloud
            .associate_iam_instance_profile(id, DEFAULT_ROLE_NAME)
            .await
            .expect("assoc");
    }
    clock.advance(secs(30));
    let req = SendCommandRequest {
        document: "AWS-RunShellScript".into(),
        instance_ids: vec!["i-0a1b2c3d4e5f60001".into()],
        targets: vec![],
        parameters: vec![("commands".into(), vec!["hostname".into()])],
        comment: Some("who are you".into()),
        max_concurrency: None,
        max_errors: None,
        timeout_seconds: None,
        output: Default::default(),
    };
    let cmd = cloud.send_command(&req).await.expect("send");
    assert_eq!(cmd.status, "Pending");
    clock.advance(secs(1));
    let inv = cloud
        .get_command_invocation(&cmd.id, "i-0a1b2c3d4e5f60001")
        .await
        .expect("inv");
    assert_eq!(inv.status, "InProgress");
    clock.advance(secs(3));
    let inv = cloud
        .get_command_invocation(&cmd.id, "i-0a1b2c3d4e5f60001")
        .await
        .expect("inv");
    assert_eq!(inv.status, "Success");
    assert!(
        inv.stdout.contains("ap-northeast-2.compute.internal"),
        "{}",
        inv.stdout
    );
    let listed = cloud.list_commands().await.expect("list");
    assert_eq!(listed[0].status, "Success");
    assert_eq!(listed[0].completed_count, 1);

    // Inventory appears once an AWS-GatherSoftwareInventory association has run; a patch
    // scan creates patch state.
    let node = "i-0a1b2c3d4e5f60001";
    let before = cloud
        .list_inventory_entries(node, "AWS:Application")
        .await
        .expect("inv");
    assert!(before.is_empty(), "{before:?}");
    cloud
        .create_association(&CreateAssociationRequest {
            name: "inventory".into(),
            document: INVENTORY_DOCUMENT.into(),
            targets: vec![AssociationTarget::new("InstanceIds", &[node])],
            schedule: INVENTORY_SCHEDULE.into(),
            parameters: inventory_parameters(),
        })
        .await
        .expect("association");
    clock.advance(SignedDuration::from_secs(120));
    let apps = cloud
        .list_inventory_entries(node, "AWS:Application")
        .await
        .expect("inv");
    assert!(
        apps.iter()
            .any(|a| a.get("Name").map(String::as_str) == Some("amazon-ssm-agent"))
    );
    let scan = SendCommandRequest {
        document: "AWS-RunPatchBaseline".into(),
        parameters: vec![("Operation".into(), vec!["Scan".into()])],
        ..req
    };
    cloud.send_command(&scan).await.expect("scan");
    assert!(
        cloud
            .describe_instance_patch_states(&["i-0a1b2c3d4e5f60001".into()])
            .await
            .expect("ps")
            .is_empty()
    );
    clock.advance(secs(4));
    let states = cloud
        .describe_instance_patch_states(&["i-0a1b2c3d4e5f60001".into()])
        .await
        .expect("ps");
    assert_eq!(states.len(), 1);
    assert_eq!(states[0].operation, PatchOperation::Scan);
    let windows = cloud.describe_maintenance_windows().await.expect("mw");
    assert_eq!(windows.len(), 1);
    assert!(windows[0].next_execution.is_some());
    let execs = cloud
        .describe_maintenance_window_executions(&windows[0].id)
        .await
        .expect("exec");
    assert_eq!(execs.len(), 3);
}

#[tokio::test]
async fn fleet_is_deterministic_with_mixed_readiness() {
    let a = fetch::snapshot(&SandboxCloud::new(
        Scenario::Fleet(200),
        Clock::manual(t0()),
    ))
    .await;
    let b = fetch::snapshot(&SandboxCloud::new(
        Scenario::Fleet(200),
        Clock::manual(t0()),
    ))
    .await;
    assert_eq!(a, b);
    assert_eq!(a.instances.instances.len(), 200);
    assert!(a.network.vpcs.len() >= 3);
    let r = evaluate(&a);
    let s = &r.summary;
    assert!(
        s.online > 0 && s.not_managed > 0 && s.not_running > 0 && s.connection_lost > 0,
        "{s:?}"
    );
    let cloud = SandboxCloud::new(Scenario::Fleet(200), Clock::manual(t0()));
    let nodes = cloud.describe_managed_nodes().await.expect("nodes");
    let ids: Vec<String> = nodes
        .iter()
        .take(50)
        .map(|n| n.instance_id.clone())
        .collect();
    let patches = cloud
        .describe_instance_patch_states(&ids)
        .await
        .expect("patches");
    assert_eq!(patches.len(), ids.len());
    let apps = cloud
        .list_inventory_entries(&ids[0], "AWS:Application")
        .await
        .expect("apps");
    assert!(!apps.is_empty());
}

#[test]
fn unknown_scenarios_are_refused() {
    assert!("lab".parse::<Scenario>().is_ok());
    assert_eq!("fleet:12".parse::<Scenario>(), Ok(Scenario::Fleet(12)));
    for bad in ["labs", "fleet:", "fleet:0", "fleet:x", ""] {
        assert!(bad.parse::<Scenario>().is_err(), "{bad}");
    }
}

/// `check` on the sandbox takes the account over instead of reading a copy of it: the
/// same snapshot the reads give, after time has passed and writes were made.
#[tokio::test]
async fn the_sandbox_hands_over_what_the_reads_would_give() {
    use ssmdeck::cloud::sandbox::faults::Faults;
    for scenario in [Scenario::Lab, Scenario::Fleet(300)] {
        let read = SandboxCloud::new(scenario, Clock::manual(t0()));
        let handed = SandboxCloud::new(scenario, Clock::manual(t0()));
        for cloud in [&read, &handed] {
            let first = cloud.describe_instances().await.expect("instances")[0]
                .id
                .clone();
            create_lab_endpoints_if_lab(cloud, scenario).await;
            let _ = cloud
                .associate_iam_instance_profile(&first, "fleet-ssm-role")
                .await;
            cloud.clock().advance(secs(600));
        }
        let expected = fetch::check_snapshot(&read).await;
        // Another handle on the world: it cannot be taken, it is read.
        let other = handed.clone();
        let handed = match handed.hand_over() {
            Err(cloud) => cloud,
            Ok(_) => panic!("a shared world was handed over"),
        };
        drop(other);
        // Faults are met call by call: no hand-over.
        let faulty = handed.with_faults("throttle:0.5".parse::<Faults>().expect("spec"));
        let handed = match faulty.hand_over() {
            Err(f) => f.inner().clone(),
            Ok(_) => panic!("faults skipped"),
        };
        let got = handed
            .hand_over()
            .unwrap_or_else(|_| panic!("the last handle"));
        assert_eq!(got, expected, "{scenario:?}");
        assert!(!got.instances.instances.is_empty());
    }
}

async fn create_lab_endpoints_if_lab(cloud: &SandboxCloud, scenario: Scenario) {
    if scenario == Scenario::Lab {
        create_lab_endpoints(cloud).await;
    }
}

fn summary(r: &ssmdeck::domain::readiness::InstanceReport) -> String {
    ssmdeck::present::instance_summary(r, ssmdeck::i18n::Lang::En)
}

#[test]
fn a_session_shell_is_ssm_user_and_run_command_is_root() {
    use ssmdeck::cloud::sandbox::shell::{ROOT, SESSION_USER, run_list};
    let session = run_list("ip-10-0-1-5", SESSION_USER, "whoami; echo $HOME; id");
    assert_eq!(
        session.stdout,
        "ssm-user\n/home/ssm-user\nuid=1001(ssm-user) gid=1001(ssm-user) groups=1001(ssm-user)\n"
    );
    let command = run_list("ip-10-0-1-5", ROOT, "whoami && echo ${HOME}");
    assert_eq!(command.stdout, "root\n/root\n");
}

#[test]
fn the_sandbox_shell_runs_its_subset_and_says_what_it_does_not_simulate() {
    use ssmdeck::cloud::sandbox::shell::{ROOT, run_list};
    let host = "ip-10-0-1-5";
    let quoted = run_list(host, ROOT, r#"echo "a  b" 'c' d\ e; echo -n x"#);
    assert_eq!(quoted.stdout, "a  b c d e\nx");
    let ran = run_list(
        host,
        ROOT,
        "false && echo no || echo yes; exit 3; echo never",
    );
    assert_eq!(
        (ran.stdout.as_str(), ran.code, ran.exit),
        ("yes\n", 3, true)
    );
    for (line, piece) in [
        ("echo hi | grep h", "sh: |:"),
        ("echo hi > /tmp/x", "sh: >:"),
        ("echo $(date)", "sh: $(:"),
        ("echo `date`", "sh: `:"),
        ("echo $PATH", "sh: $PATH:"),
        ("ls -la /", "sh: ls -la /:"),
        ("cat /etc/passwd", "sh: cat /etc/passwd:"),
        ("echo 'open", "sh: ':"),
    ] {
        let ran = run_list(host, ROOT, line);
        assert_eq!(ran.stdout, "", "{line} printed as if it ran");
        assert!(
            ran.stderr.starts_with(piece) && ran.stderr.contains("not simulated"),
            "{line}: {}",
            ran.stderr
        );
        assert_eq!(ran.code, 127, "{line}");
    }
}

/// A node reports one agent version: in the node list, in its inventory (the agent's
/// application and AWS:InstanceInformation) and in its installed patches.
#[tokio::test]
async fn a_sandbox_node_has_one_agent_version_everywhere() {
    let cloud = SandboxCloud::new(Scenario::Fleet(60), Clock::manual(t0()));
    cloud.clock().advance(secs(3600));
    let nodes = cloud.describe_managed_nodes().await.expect("nodes");
    let mut checked = 0;
    for node in nodes.iter().filter(|n| n.ping == PingStatus::Online) {
        let Some(version) = node.agent_version.as_deref() else {
            continue;
        };
        let id = &node.instance_id;
        let apps = cloud
            .list_inventory_entries(id, "AWS:Application")
            .await
            .expect("applications");
        let agent_app = apps.iter().find(|a| {
            a.get("Name")
                .is_some_and(|n| n.contains("SSM Agent") || n == "amazon-ssm-agent")
        });
        if let Some(app) = agent_app {
            assert_eq!(
                app.get("Version").map(String::as_str),
                Some(version),
                "{id} inventory"
            );
            let info = cloud
                .list_inventory_entries(id, "AWS:InstanceInformation")
                .await
                .expect("instance information");
            assert_eq!(
                info[0].get("AgentVersion").map(String::as_str),
                Some(version),
                "{id}"
            );
        }
        let patches = cloud
            .describe_instance_patches(id, ssmdeck::domain::model::PatchFilter::All)
            .await
            .expect("patches");
        for p in patches
            .iter()
            .filter(|p| p.title.starts_with("amazon-ssm-agent"))
        {
            assert!(p.title.contains(version), "{id}: {} vs {version}", p.title);
        }
        checked += 1;
    }
    assert!(checked > 10, "only {checked} online nodes checked");
}
