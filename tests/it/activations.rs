//! Hybrid activations (`ssmdeck activate`): the service role against moto (which lacks
//! the activation calls), CreateActivation / DescribeActivations / DeleteActivation
//! against aws-smithy-mocks, and the sandbox, where a server registers a while after.

use std::path::Path;
use std::process::Output;

use aws_sdk_ssm::Client;
use aws_sdk_ssm::operation::create_activation::CreateActivationOutput;
use aws_sdk_ssm::operation::delete_activation::DeleteActivationOutput;
use aws_sdk_ssm::operation::describe_activations::DescribeActivationsOutput;
use aws_sdk_ssm::primitives::DateTime;
use aws_sdk_ssm::types::Activation as SdkActivation;
use aws_smithy_mocks::{RuleMode, mock};
use jiff::Timestamp;
use ssmdeck::cloud::Cloud;
use ssmdeck::domain::model::{ActivationRequest, CORE_POLICY_ARN};
use ssmdeck::engine::activation::{self, ActivationPlan, RoleState};
use ssmdeck::engine::audit::{Audit, AuditLog};
use ssmdeck::i18n::Lang;

use crate::aws_mocks::{cloud, ssm_client};
use crate::moto_server::MotoServer;

const CODE: &str = "Xa9kQ2mZp7RtV4wYb3Nc";
const ID: &str = "e488f2f6-e686-4afb-8a04-ef6dfEXAMPLE";

fn activate(moto: &MotoServer, state: &Path, args: &[&str]) -> Output {
    moto.ssmdeck(&state.join("ssmdeck.log"))
        .args(["--region", "ap-northeast-2", "--lang", "en", "activate"])
        .args(args)
        .env("XDG_STATE_HOME", state)
        .stdin(std::process::Stdio::null())
        .output()
        .expect("run ssmdeck activate")
}

fn text(o: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

/// The role read back from moto IAM: its trust policy and attached policies, if it exists.
async fn role_in_moto(moto: &MotoServer, name: &str) -> Option<(Vec<String>, Vec<String>)> {
    let iam = aws_sdk_iam::Client::new(&moto.sdk_config().await);
    let role = iam.get_role().role_name(name).send().await.ok()?;
    let trust = ssmdeck::cloud::aws::trusted_services(
        role.role().and_then(|r| r.assume_role_policy_document()),
    );
    let attached = iam
        .list_attached_role_policies()
        .role_name(name)
        .send()
        .await
        .expect("ListAttachedRolePolicies")
        .attached_policies()
        .iter()
        .filter_map(|p| p.policy_arn().map(str::to_string))
        .collect();
    Some((trust, attached))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn activate_creates_the_service_role_in_moto_only_when_confirmed() {
    let moto = MotoServer::start();
    let state = tempfile::tempdir().expect("tempdir");

    // A dry run shows the writes and makes none.
    let out = activate(&moto, state.path(), &["--role", "HybridRole", "--dry-run"]);
    assert!(out.status.success(), "{}", text(&out));
    let said = text(&out);
    assert!(said.contains("iam:CreateRole HybridRole"), "{said}");
    assert!(
        said.contains("iam:AttachRolePolicy HybridRole AmazonSSMManagedInstanceCore"),
        "{said}"
    );
    assert!(said.contains("ssm:CreateActivation"), "{said}");
    assert!(said.contains("Dry run: nothing was written."), "{said}");
    assert_eq!(role_in_moto(&moto, "HybridRole").await, None);

    // Without --yes and without a terminal to ask on: nothing is written.
    let out = activate(&moto, state.path(), &["--role", "HybridRole"]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    assert!(text(&out).contains("pass --yes"), "{}", text(&out));
    assert_eq!(role_in_moto(&moto, "HybridRole").await, None);

    // Read-only refuses.
    let out = moto
        .ssmdeck(&state.path().join("ssmdeck.log"))
        .args(["--region", "ap-northeast-2", "--lang", "en", "--read-only"])
        .args(["activate", "--role", "HybridRole", "--yes"])
        .env("XDG_STATE_HOME", state.path())
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    assert_eq!(role_in_moto(&moto, "HybridRole").await, None);

    // --yes: the role is created trusting Systems Manager with the core policy; moto has
    // no CreateActivation, which is said in one line naming the call.
    let out = activate(
        &moto,
        state.path(),
        &["--role", "HybridRole", "--limit", "5", "--yes"],
    );
    assert!(!out.status.success(), "{}", text(&out));
    let said = String::from_utf8_lossy(&out.stderr).to_string();
    assert!(said.contains("ssm:CreateActivation"), "{said}");
    let (trust, attached) = role_in_moto(&moto, "HybridRole")
        .await
        .expect("role created");
    assert_eq!(trust, ["ssm.amazonaws.com"]);
    assert_eq!(attached, [CORE_POLICY_ARN]);

    // Every write is in the audit log, in order.
    let audit =
        std::fs::read_to_string(state.path().join("ssmdeck/audit.jsonl")).unwrap_or_default();
    let actions: Vec<String> = audit
        .lines()
        .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
        .map(|v| {
            format!(
                "{} {}",
                v["action"].as_str().unwrap_or(""),
                v["outcome"]
                    .as_str()
                    .unwrap_or("")
                    .split(':')
                    .next()
                    .unwrap_or("")
            )
        })
        .collect();
    assert_eq!(
        actions,
        [
            "iam:CreateRole ok",
            "iam:AttachRolePolicy ok",
            "ssm:CreateActivation failed"
        ]
    );

    // A second run finds the role ready and writes no IAM change.
    let out = activate(&moto, state.path(), &["--role", "HybridRole", "--dry-run"]);
    let said = text(&out);
    assert!(said.contains("Service role HybridRole: ready"), "{said}");
    assert!(!said.contains("iam:CreateRole"), "{said}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_role_systems_manager_cannot_assume_is_left_alone() {
    let moto = MotoServer::start();
    let state = tempfile::tempdir().expect("tempdir");
    let iam = aws_sdk_iam::Client::new(&moto.sdk_config().await);
    iam.create_role()
        .role_name("Ec2Only")
        .assume_role_policy_document(ssmdeck::cloud::aws::trust_policy("ec2.amazonaws.com"))
        .send()
        .await
        .expect("CreateRole");
    let out = activate(&moto, state.path(), &["--role", "Ec2Only", "--yes"]);
    assert!(!out.status.success());
    assert!(
        text(&out).contains("does not trust ssm.amazonaws.com"),
        "{}",
        text(&out)
    );
    let (trust, attached) = role_in_moto(&moto, "Ec2Only").await.expect("role");
    assert_eq!(trust, ["ec2.amazonaws.com"]);
    assert!(attached.is_empty(), "{attached:?}");
}

fn ready_plan(expires: Timestamp) -> ActivationPlan {
    ActivationPlan {
        role: "SSMServiceRole".into(),
        role_state: RoleState::Ready,
        request: ActivationRequest {
            iam_role: "SSMServiceRole".into(),
            registration_limit: 10,
            expiration_date: expires,
            default_instance_name: Some("onprem-web".into()),
            description: Some("Created by ssmdeck".into()),
        },
    }
}

#[tokio::test]
async fn create_activation_sends_role_limit_and_expiry_and_the_code_is_never_audited() {
    let expires: Timestamp = "2026-12-05T06:00:00Z".parse().expect("time");
    let create = mock!(Client::create_activation)
        .match_requests(move |r| {
            r.iam_role() == Some("SSMServiceRole")
                && r.registration_limit() == Some(10)
                && r.expiration_date().map(|d| d.secs()) == Some(expires.as_second())
                && r.default_instance_name() == Some("onprem-web")
        })
        .then_output(|| {
            CreateActivationOutput::builder()
                .activation_id(ID)
                .activation_code(CODE)
                .build()
        });
    let cloud = cloud(ssm_client(RuleMode::MatchAny, &[&create]));
    let log = AuditLog::in_memory();
    let audit = Audit {
        log: log.clone(),
        account: Some("123456789012".into()),
        region: "us-east-1".into(),
        profile: "test".into(),
    };
    let created = activation::apply(&cloud, &ready_plan(expires), Some(&audit))
        .await
        .expect("created");
    assert_eq!(create.num_calls(), 1);
    assert_eq!((created.id.as_str(), created.code.as_str()), (ID, CODE));
    assert!(
        !format!("{created:?}").contains(CODE),
        "Debug hides the code"
    );

    let entries = log.tail(10).expect("audit");
    assert_eq!(entries.len(), 1);
    assert_eq!(entries[0].action, "ssm:CreateActivation");
    assert_eq!(entries[0].outcome, format!("ok: {ID}"));
    assert_eq!(entries[0].parameters["registration_limit"], 10);
    let audited = serde_json::to_string(&entries).expect("json");
    assert!(!audited.contains(CODE), "{audited}");

    // What the user reads: the id and code, then the install commands that use them.
    for lang in [Lang::En, Lang::Ko] {
        let shown = ssmdeck::present::created_text(ID, CODE, "us-east-1", lang);
        assert!(shown.contains(&format!(": {ID}\n")), "{shown}");
        assert!(shown.contains(&format!(": {CODE}\n")), "{shown}");
        assert!(shown.contains(&format!(
            "ssm-setup-cli -register -activation-code \"{CODE}\" -activation-id \"{ID}\" -region \"us-east-1\""
        )), "{shown}");
        assert!(
            shown.contains(&format!(
                "amazon-ssm-agent -register -code \"{CODE}\" -id \"{ID}\" -region \"us-east-1\""
            )),
            "{shown}"
        );
        assert!(shown.contains(&format!("$code = \"{CODE}\"")), "{shown}");
        assert!(shown.contains("AmazonSSMAgentSetup.exe"), "{shown}");
    }
}

fn sdk_activation(id: &str, count: i32, expired: bool) -> SdkActivation {
    SdkActivation::builder()
        .activation_id(id)
        .iam_role("SSMServiceRole")
        .registration_limit(5)
        .registrations_count(count)
        .expiration_date(DateTime::from_secs(1_800_000_000))
        .expired(expired)
        .created_date(DateTime::from_secs(1_700_000_000))
        .default_instance_name("onprem")
        .build()
}

#[tokio::test]
async fn describe_activations_reads_every_page_and_delete_names_the_id() {
    let page1 = mock!(Client::describe_activations)
        .match_requests(|r| r.next_token().is_none())
        .then_output(|| {
            DescribeActivationsOutput::builder()
                .activation_list(sdk_activation("a-1", 2, false))
                .next_token("p2")
                .build()
        });
    let page2 = mock!(Client::describe_activations)
        .match_requests(|r| r.next_token() == Some("p2"))
        .then_output(|| {
            DescribeActivationsOutput::builder()
                .activation_list(sdk_activation("a-2", 5, true))
                .build()
        });
    let delete = mock!(Client::delete_activation)
        .match_requests(|r| r.activation_id() == Some("a-2"))
        .then_output(|| DeleteActivationOutput::builder().build());
    let cloud = cloud(ssm_client(RuleMode::MatchAny, &[&page1, &page2, &delete]));

    let listed = cloud.describe_activations().await.expect("listed");
    assert_eq!(listed.len(), 2);
    assert_eq!((page1.num_calls(), page2.num_calls()), (1, 1));
    assert_eq!(listed[0].registrations_count, 2);
    assert_eq!(listed[0].registration_limit, 5);
    assert_eq!(listed[0].default_instance_name.as_deref(), Some("onprem"));
    assert!(listed[1].expired);
    let now: Timestamp = "2026-01-01T00:00:00Z".parse().expect("time");
    let table = ssmdeck::activate_cmd::list_text(&listed, now, Lang::En);
    assert!(table.contains("2/5"), "{table}");
    assert!(table.contains("5/5"), "{table}");
    assert!(table.contains("expired"), "{table}");

    let log = AuditLog::in_memory();
    let audit = Audit {
        log: log.clone(),
        account: None,
        region: "us-east-1".into(),
        profile: String::new(),
    };
    activation::delete(&cloud, "a-2", Some(&audit))
        .await
        .expect("deleted");
    assert_eq!(delete.num_calls(), 1);
    let entries = log.tail(10).expect("audit");
    assert_eq!(entries[0].action, "ssm:DeleteActivation");
    assert_eq!(entries[0].parameters["activation_id"], "a-2");
}

#[tokio::test]
async fn in_the_sandbox_a_server_registers_a_while_after_the_activation() {
    use jiff::SignedDuration;
    use ssmdeck::cloud::sandbox::{Clock, SandboxCloud, Scenario};
    use ssmdeck::domain::model::{NodeKind, PingStatus};

    // The fleet's own hybrid servers use SSMServiceRole: this activation gets a role of its own.
    let clock = Clock::manual(crate::fixtures::t0());
    let cloud = SandboxCloud::new(Scenario::Fleet(4), clock.clone());
    let nodes_before = cloud.describe_managed_nodes().await.expect("nodes").len();
    let options = activation::ActivationOptions {
        role: "onprem-activation-role".into(),
        limit: 2,
        days: 3,
        name: Some("onprem-db".into()),
    };
    let plan = activation::plan(&cloud, &options).await.expect("plan");
    assert_eq!(plan.role_state, RoleState::Missing);
    let log = AuditLog::in_memory();
    let audit = Audit {
        log: log.clone(),
        account: None,
        region: cloud.region(),
        profile: String::new(),
    };
    let created = activation::apply(&cloud, &plan, Some(&audit))
        .await
        .expect("created");
    let actions: Vec<String> = log
        .tail(10)
        .expect("audit")
        .into_iter()
        .map(|e| e.action)
        .collect();
    assert_eq!(
        actions,
        [
            "iam:CreateRole",
            "iam:AttachRolePolicy",
            "ssm:CreateActivation"
        ]
    );
    // The role is there now, read back: trusting Systems Manager, with the core policy.
    let again = activation::plan(&cloud, &options).await.expect("plan");
    assert_eq!(again.role_state, RoleState::Ready);

    // The fleet's own two activations, and this one.
    let listed = cloud.describe_activations().await.expect("listed");
    assert_eq!(listed.len(), 3);
    let ours = |listed: &[ssmdeck::domain::model::Activation]| {
        listed
            .iter()
            .find(|a| a.id == created.id)
            .map(|a| (a.registrations_count, a.registration_limit))
    };
    assert_eq!(ours(&listed), Some((0, 2)));
    assert_eq!(
        cloud.describe_managed_nodes().await.expect("nodes").len(),
        nodes_before
    );

    clock.advance(SignedDuration::from_secs(60));
    let nodes = cloud.describe_managed_nodes().await.expect("nodes");
    assert_eq!(nodes.len(), nodes_before + 1);
    let hybrid = nodes
        .iter()
        .find(|n| n.activation_id.as_deref() == Some(created.id.as_str()))
        .expect("the server this activation registered");
    assert!(
        hybrid.instance_id.starts_with("mi-"),
        "{}",
        hybrid.instance_id
    );
    assert_eq!(hybrid.kind, NodeKind::Hybrid);
    assert_eq!(hybrid.ping, PingStatus::Online);
    assert_eq!(hybrid.activation_id.as_deref(), Some(created.id.as_str()));
    assert_eq!(hybrid.iam_role.as_deref(), Some("onprem-activation-role"));
    assert_eq!(hybrid.name.as_deref(), Some("onprem-db"));
    assert!(hybrid.agent_version.is_some());
    let listed = cloud.describe_activations().await.expect("listed");
    assert_eq!(ours(&listed), Some((1, 2)));

    activation::delete(&cloud, &created.id, Some(&audit))
        .await
        .expect("deleted");
    let listed = cloud.describe_activations().await.expect("listed");
    assert_eq!((listed.len(), ours(&listed)), (2, None));
    // The server stays registered.
    assert_eq!(
        cloud.describe_managed_nodes().await.expect("nodes").len(),
        nodes_before + 1
    );
}

/// `fleet:N`'s hybrid servers came from two activations, listed with what registered.
#[tokio::test]
async fn the_sandbox_fleet_lists_the_activations_its_servers_used() {
    use ssmdeck::cloud::sandbox::{Clock, SandboxCloud, Scenario};
    let cloud = SandboxCloud::new(Scenario::Fleet(40), Clock::manual(crate::fixtures::t0()));
    let nodes = cloud.describe_managed_nodes().await.expect("nodes");
    let listed = cloud.describe_activations().await.expect("listed");
    assert_eq!(listed.len(), 2, "{listed:?}");
    let now = cloud.now();
    for a in &listed {
        let servers = nodes
            .iter()
            .filter(|n| n.activation_id.as_deref() == Some(a.id.as_str()))
            .count();
        assert!(servers > 0, "{}", a.id);
        assert_eq!(
            usize::try_from(a.registrations_count),
            Ok(servers),
            "{}",
            a.id
        );
        assert!(a.registrations_count <= a.registration_limit);
    }
    assert_eq!(listed.iter().filter(|a| a.is_expired(now)).count(), 1);
}
