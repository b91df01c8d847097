//! Hybrid nodes (`mi-…`, ResourceType ManagedInstance): read from the node list, judged
//! by their own rules (ping, agent, activation role; no VPC or profile), listed in the
//! Instances pane beside the EC2 instances and in `check --json` / `--csv`.

use aws_sdk_ssm::Client;
use aws_sdk_ssm::operation::describe_instance_information::DescribeInstanceInformationOutput;
use aws_sdk_ssm::operation::describe_instance_properties::DescribeInstancePropertiesOutput;
use aws_sdk_ssm::primitives::DateTime;
use aws_sdk_ssm::types::{InstanceProperty, PingStatus as SdkPing, PlatformType};
use aws_smithy_mocks::{RuleMode, mock};
use crossterm::event::KeyCode;
use ssmdeck::cloud::Cloud;
use ssmdeck::cloud::sandbox::{Clock, SandboxCloud, Scenario};
use ssmdeck::domain::findings::{FindingKind, Rule, Severity};
use ssmdeck::domain::model::{
    CORE_POLICY_ARN, NodeKind, PingStatus, Role, RolePolicies, SSM_SERVICE_PRINCIPAL,
};
use ssmdeck::domain::plan::{Call, plan_fix};
use ssmdeck::domain::readiness::{self, NetworkPath, Verdict};
use ssmdeck::domain::snapshot::Source;

use crate::aws_mocks::{cloud, ssm_client};
use crate::fixtures::{self, t0};
use crate::ui::{app_on, feed, key, screen};

const ONLINE: &str = "mi-0123456789abcdef0";
const LOST: &str = "mi-0fedcba9876543210";
const ACTIVATION: &str = "e488f2f6-e686-4afb-8a04-ef6dfEXAMPLE";

fn hybrid(id: &str, ping: SdkPing, agent: &str, role: &str) -> InstanceProperty {
    InstanceProperty::builder()
        .instance_id(id)
        .resource_type("ManagedInstance")
        .name(format!("server-{}", &id[id.len() - 2..]))
        .activation_id(ACTIVATION)
        .registration_date(DateTime::from_secs(1_790_000_000))
        .iam_role(role)
        .ping_status(ping)
        .last_ping_date_time(DateTime::from_secs(1_800_000_000))
        .agent_version(agent)
        .platform_type(PlatformType::Linux)
        .platform_name("Ubuntu")
        .platform_version("22.04")
        .ip_address("192.168.1.20")
        .computer_name("server.corp.example")
        .build()
}

fn activation_role(name: &str, policies: &[&str]) -> Role {
    Role {
        name: name.into(),
        arn: format!("arn:aws:iam::111122223333:role/{name}"),
        trusted_services: vec![SSM_SERVICE_PRINCIPAL.into()],
        attached_policy_arns: policies.iter().map(|p| p.to_string()).collect(),
        policies: RolePolicies::Read { documents: vec![] },
        simulated: vec![],
    }
}

#[tokio::test]
async fn mi_nodes_from_describe_instance_properties_are_listed_and_judged_by_their_own_rules() {
    let properties = mock!(Client::describe_instance_properties).then_output(|| {
        DescribeInstancePropertiesOutput::builder()
            .instance_properties(
                InstanceProperty::builder()
                    .instance_id(fixtures::INSTANCE)
                    .resource_type("EC2Instance")
                    .ping_status(SdkPing::Online)
                    .agent_version("3.3.1957.0")
                    .platform_type(PlatformType::Linux)
                    .build(),
            )
            .instance_properties(hybrid(
                ONLINE,
                SdkPing::Online,
                "3.3.1957.0",
                "service-role/SSMServiceRole",
            ))
            .instance_properties(hybrid(
                LOST,
                SdkPing::ConnectionLost,
                "3.2.1542.0",
                "bare-role",
            ))
            .build()
    });
    let info = mock!(Client::describe_instance_information)
        .then_output(|| DescribeInstanceInformationOutput::builder().build());
    let cloud = cloud(ssm_client(RuleMode::MatchAny, &[&properties, &info]));
    let nodes = cloud.describe_managed_nodes().await.expect("nodes");

    let kinds: Vec<(&str, NodeKind)> = nodes
        .iter()
        .map(|n| (n.instance_id.as_str(), n.kind))
        .collect();
    assert_eq!(
        kinds,
        [
            (fixtures::INSTANCE, NodeKind::Ec2),
            (ONLINE, NodeKind::Hybrid),
            (LOST, NodeKind::Hybrid)
        ]
    );
    let online = &nodes[1];
    assert_eq!(online.name.as_deref(), Some("server-f0"));
    assert_eq!(online.activation_id.as_deref(), Some(ACTIVATION));
    assert_eq!(
        online.registered.map(|t| t.as_second()),
        Some(1_790_000_000)
    );
    assert_eq!(
        online.iam_role.as_deref(),
        Some("service-role/SSMServiceRole")
    );

    // The lab snapshot (one EC2 instance in a VPC without endpoints) with these nodes.
    let mut s = fixtures::ready();
    s.network.endpoints.clear();
    s.nodes.nodes = nodes;
    s.iam
        .roles
        .push(activation_role("SSMServiceRole", &[CORE_POLICY_ARN]));
    s.iam.roles.push(activation_role("bare-role", &[]));
    let r = readiness::evaluate(&s);
    let report = |id: &str| {
        r.instances
            .iter()
            .find(|x| x.instance_id == id)
            .unwrap_or_else(|| panic!("{id} has no report"))
    };
    let ok = report(ONLINE);
    assert_eq!(ok.kind, NodeKind::Hybrid);
    assert_eq!(ok.verdict, Verdict::Managed);
    assert_eq!(ok.path, NetworkPath::OutsideAws);
    assert!(ok.findings.is_empty(), "{:?}", ok.findings);

    let lost = report(LOST);
    assert_eq!(lost.verdict, Verdict::ConnectionLost);
    let kinds: Vec<&str> = lost.findings.iter().map(|f| f.kind.name()).collect();
    assert!(kinds.contains(&"connection_lost"), "{kinds:?}");
    assert!(kinds.contains(&"agent_outdated"), "{kinds:?}");
    assert!(
        lost.findings.iter().any(|f| f.rule == Rule::ActivationRole
            && f.severity == Severity::Blocker
            && matches!(&f.kind, FindingKind::RoleWithoutSsmPolicy { role } if role == "bare-role")),
        "{:?}",
        lost.findings
    );
    // No network, endpoint or instance-profile rule is asked of a hybrid node.
    for f in ok.findings.iter().chain(&lost.findings) {
        assert!(
            matches!(f.rule, Rule::Agent | Rule::ActivationRole),
            "{f:?}"
        );
    }
    // The EC2 instance is still judged by the EC2 rules (its path through the VPC).
    let ec2 = report(fixtures::INSTANCE);
    assert_eq!(ec2.kind, NodeKind::Ec2);
    assert_eq!(ec2.path, NetworkPath::Endpoints);

    // A fix for the hybrid node attaches the Core policy to its activation role only.
    let plan = plan_fix(
        &s,
        &r,
        &[],
        &[LOST.to_string()],
        "ManagedInstancesRole",
        "d",
    );
    let calls: Vec<&Call> = plan.steps.iter().flat_map(|st| &st.calls).collect();
    assert!(!calls.is_empty(), "{plan:?}");
    for c in calls {
        assert!(
            matches!(c, Call::AttachRolePolicy { role, .. } if role == "bare-role"),
            "{c:?}"
        );
    }

    // check --json: both nodes, with their kind and hybrid fields.
    let doc: serde_json::Value =
        serde_json::from_str(&ssmdeck::report::json(&s, &r, Default::default())).expect("JSON");
    assert_eq!(doc["schema"], 2);
    let instances = doc["instances"].as_array().expect("instances");
    let hybrid_json = instances
        .iter()
        .find(|i| i["instance_id"] == ONLINE)
        .expect("the online hybrid node in check --json");
    assert_eq!(hybrid_json["kind"], "hybrid");
    assert_eq!(hybrid_json["name"], "server-f0");
    assert_eq!(hybrid_json["verdict"]["state"], "managed");
    assert_eq!(hybrid_json["hybrid"]["activation_id"], ACTIVATION);
    assert_eq!(
        hybrid_json["hybrid"]["iam_role"],
        "service-role/SSMServiceRole"
    );
    let lost_json = instances
        .iter()
        .find(|i| i["instance_id"] == LOST)
        .expect("the lost hybrid node in check --json");
    assert_eq!(lost_json["verdict"]["state"], "connection_lost");
    let ec2 = instances
        .iter()
        .find(|i| i["instance_id"] == fixtures::INSTANCE)
        .expect("the instance");
    assert_eq!(ec2["kind"], "ec2");
    assert!(ec2["hybrid"].is_null());
    assert_eq!(doc["summary"]["connection_lost"], 1);
    assert!(s.has_data(Source::Nodes));
}

fn fleet12() -> SandboxCloud {
    SandboxCloud::new(Scenario::Fleet(12), Clock::manual(t0()))
}

#[tokio::test]
async fn the_sandbox_fleet_has_hybrid_nodes_in_every_node_list() {
    let cloud = fleet12();
    let nodes = cloud.describe_managed_nodes().await.expect("nodes");
    let hybrid: Vec<_> = nodes.iter().filter(|n| n.is_hybrid()).collect();
    assert_eq!(hybrid.len(), 4, "fleet:12 has four hybrid nodes");
    assert!(hybrid.iter().all(|n| n.instance_id.starts_with("mi-")
        && n.activation_id.is_some()
        && n.registered.is_some()));
    let online = hybrid
        .iter()
        .filter(|n| n.ping == PingStatus::Online)
        .count();
    let lost = hybrid
        .iter()
        .filter(|n| n.ping == PingStatus::ConnectionLost)
        .count();
    assert_eq!((online, lost), (2, 2));
    assert!(hybrid.iter().any(|n| n.is_latest_version == Some(false)));
    // The same nodes, and one agent version each, in inventory and patch data.
    let inventory = cloud.get_inventory().await.expect("inventory");
    let ids: Vec<String> = hybrid.iter().map(|n| n.instance_id.clone()).collect();
    let patches = cloud
        .describe_instance_patch_states(&ids)
        .await
        .expect("patch states");
    for n in &hybrid {
        assert!(
            inventory.iter().any(|x| x.instance_id == n.instance_id),
            "{} has inventory",
            n.instance_id
        );
        assert!(
            patches.iter().any(|p| p.instance_id == n.instance_id),
            "{} has a patch state",
            n.instance_id
        );
        let entries = cloud
            .list_inventory_entries(&n.instance_id, "AWS:InstanceInformation")
            .await
            .expect("instance information");
        let agent = entries.first().and_then(|e| e.get("AgentVersion")).cloned();
        assert_eq!(agent, n.agent_version, "{}", n.instance_id);
    }
}

#[tokio::test]
async fn hybrid_nodes_show_in_the_instances_pane_with_their_kind_and_verdict() {
    let cloud = fleet12();
    for (w, h) in [(160, 45), (80, 24)] {
        let mut app = app_on(&cloud, w, h).await;
        key(&mut app, KeyCode::Char('3'));
        let rows = &app.table().expect("the instances table").rows;
        let hybrid: Vec<_> = rows.iter().filter(|r| r.id.starts_with("mi-")).collect();
        assert_eq!(hybrid.len(), 4);
        let text = |r: &ssmdeck::tui::rows::Row| {
            r.cells
                .iter()
                .map(|c| c.text.as_str())
                .collect::<Vec<_>>()
                .join(" | ")
        };
        for r in &hybrid {
            assert!(text(r).contains("hybrid"), "{}", text(r));
        }
        assert!(hybrid.iter().any(|r| text(r).ends_with("| managed")));
        assert!(hybrid.iter().any(|r| text(r).contains("connection lost")));
        // The role that grants the agent nothing is named in the row's findings.
        assert!(hybrid.iter().any(|r| {
            r.findings
                .iter()
                .any(|f| f.kind.name() == "role_without_ssm_policy")
        }));
        if w == 160 {
            let shown = screen(&app, w, h);
            assert!(shown.contains("KIND"), "{shown}");
            insta::assert_snapshot!("fleet12_instances_with_hybrid", shown);
        }
    }
    // In Korean too.
    let mut app = app_on(&cloud, 160, 45).await;
    app.set_lang(ssmdeck::i18n::Lang::Ko);
    key(&mut app, KeyCode::Char('3'));
    feed(&mut app, &cloud).await;
    let shown = screen(&app, 160, 45);
    assert!(shown.contains("하이브리드"), "{shown}");
}

#[test]
fn check_json_and_csv_of_the_fleet_list_its_hybrid_nodes() {
    let json = crate::cli::ssmdeck(&["--sandbox=fleet:12", "check", "--json"]);
    let doc: serde_json::Value = serde_json::from_slice(&json.stdout).expect("JSON");
    let instances = doc["instances"].as_array().expect("instances");
    let hybrid: Vec<&serde_json::Value> =
        instances.iter().filter(|i| i["kind"] == "hybrid").collect();
    assert_eq!(hybrid.len(), 4);
    for h in &hybrid {
        assert!(
            h["instance_id"]
                .as_str()
                .is_some_and(|id| id.starts_with("mi-"))
        );
        assert!(h["hybrid"]["activation_id"].is_string(), "{h}");
        assert!(h["vpc_id"].is_null());
    }
    let states: Vec<&str> = hybrid
        .iter()
        .filter_map(|h| h["verdict"]["state"].as_str())
        .collect();
    assert!(states.contains(&"managed") && states.contains(&"connection_lost"));

    let csv = crate::cli::ssmdeck(&["--sandbox=fleet:12", "check", "--csv"]);
    let mut reader = csv::Reader::from_reader(csv.stdout.as_slice());
    let headers = reader.headers().expect("headers").clone();
    let col = |name: &str| headers.iter().position(|h| h == name).expect(name);
    let rows: Vec<csv::StringRecord> = reader.records().map(|r| r.expect("row")).collect();
    assert_eq!(rows.len(), instances.len());
    let hybrid_rows = rows.iter().filter(|r| &r[col("kind")] == "hybrid").count();
    assert_eq!(hybrid_rows, 4);

    let text = crate::cli::ssmdeck(&["--sandbox=fleet:12", "check"]);
    let text = String::from_utf8_lossy(&text.stdout);
    assert!(text.contains("(hybrid onprem-db-01)"), "{text}");
}
