//! The runbook's controls against moto: stacks that work (or only warn), where `check`
//! names no blocker and `fix --yes` leaves nothing blocking (exit 0). Moto lacks
//! DescribeInstanceProperties, so a working instance is "unknown" (ready, ping unknown),
//! and iam:SimulatePrincipalPolicy, so conditions stay unverified.

use ssmdeck::domain::model::{DEFAULT_ROLE_NAME, DEPRECATED_POLICY_ARN, EC2_SERVICE_PRINCIPAL};

use crate::moto_stacks::{Endpoints, Lab, RouteTo, kinds, text, verdict};

fn no_blockers(report: &serde_json::Value, ids: &[String]) {
    for id in ids {
        assert_eq!(
            kinds(report, id, "blocker"),
            Vec::<String>::new(),
            "{id}: {report:#}"
        );
        assert_eq!(verdict(report, id), "unknown", "{id}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn everything_in_place_is_nothing_to_do() {
    let lab = Lab::ready().await;
    let report = lab.check();
    no_blockers(&report, &lab.stack.instance_ids);
    let before = lab.moto.account_state().await;
    let out = lab.ssmdeck(&["fix", "--yes"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert!(text(&out).contains("Nothing to do"), "{}", text(&out));
    assert_eq!(lab.moto.account_state().await, before, "nothing written");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_deprecated_policy_only_warns_and_fix_adds_core() {
    let lab = Lab::workshop().await;
    let subnets = lab.stack.private_subnet_ids.clone();
    lab.endpoints(Endpoints {
        subnets: &subnets,
        private_dns: true,
        policy: None,
    })
    .await;
    lab.role(
        DEFAULT_ROLE_NAME,
        EC2_SERVICE_PRINCIPAL,
        &[DEPRECATED_POLICY_ARN],
    )
    .await;
    lab.profile_on_instances(DEFAULT_ROLE_NAME).await;
    let report = lab.check();
    no_blockers(&report, &lab.stack.instance_ids);
    let id = &lab.stack.instance_ids[0];
    assert!(kinds(&report, id, "warning").contains(&"deprecated_policy".to_string()));
    assert_eq!(report["roles"][0]["ssm_policy"], "deprecated", "{report:#}");
    let out = lab.ssmdeck(&["fix", "--yes"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let attached = lab
        .iam
        .list_attached_role_policies()
        .role_name(DEFAULT_ROLE_NAME)
        .send()
        .await
        .expect("ListAttachedRolePolicies");
    let arns: Vec<&str> = attached
        .attached_policies()
        .iter()
        .filter_map(|p| p.policy_arn())
        .collect();
    assert!(
        arns.iter()
            .any(|a| a.ends_with("AmazonSSMManagedInstanceCore")),
        "{arns:?}"
    );
    assert!(!kinds(&lab.check(), id, "warning").contains(&"deprecated_policy".to_string()));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_inline_policy_with_the_agents_actions_is_enough() {
    let lab = Lab::workshop().await;
    let subnets = lab.stack.private_subnet_ids.clone();
    lab.endpoints(Endpoints {
        subnets: &subnets,
        private_dns: true,
        policy: None,
    })
    .await;
    lab.role("web-app-role", EC2_SERVICE_PRINCIPAL, &[]).await;
    lab.inline_policy(
        "web-app-role",
        "ssm-agent",
        &serde_json::json!({"Version": "2012-10-17", "Statement": [{
            "Effect": "Allow",
            "Action": ["ssm:UpdateInstanceInformation", "ssmmessages:CreateControlChannel",
                       "ssmmessages:CreateDataChannel", "ssmmessages:OpenControlChannel",
                       "ssmmessages:OpenDataChannel", "ec2messages:*"],
            "Resource": "*"
        }]}),
    )
    .await;
    lab.profile_on_instances("web-app-role").await;
    let report = lab.check();
    no_blockers(&report, &lab.stack.instance_ids);
    let role = report["roles"]
        .as_array()
        .and_then(|r| r.iter().find(|x| x["name"] == "web-app-role"))
        .cloned()
        .unwrap_or_default();
    assert_eq!(role["ssm_policy"], "custom", "{report:#}");
    let out = lab.ssmdeck(&["fix", "--yes"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert!(text(&out).contains("Nothing to do"), "{}", text(&out));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_nat_path_needs_no_endpoints() {
    let lab = Lab::workshop().await;
    let nat = lab.nat_gateway().await;
    lab.default_route(RouteTo::Nat(&nat)).await;
    lab.role(
        DEFAULT_ROLE_NAME,
        EC2_SERVICE_PRINCIPAL,
        &[ssmdeck::domain::model::CORE_POLICY_ARN],
    )
    .await;
    lab.profile_on_instances(DEFAULT_ROLE_NAME).await;
    let report = lab.check();
    no_blockers(&report, &lab.stack.instance_ids);
    assert_eq!(
        report["instances"][0]["findings"].as_array().map(Vec::len),
        Some(0),
        "{report:#}"
    );
    let before = lab.moto.account_state().await;
    let out = lab.ssmdeck(&["fix", "--yes"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert_eq!(
        lab.moto.account_state().await,
        before,
        "no endpoint is made for a NAT path"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn endpoints_in_one_az_warn_and_the_missing_az_is_only_offered() {
    let lab = Lab::workshop().await;
    let one = vec![lab.stack.private_subnet_ids[0].clone()];
    lab.endpoints(Endpoints {
        subnets: &one,
        private_dns: true,
        policy: None,
    })
    .await;
    lab.role(
        DEFAULT_ROLE_NAME,
        EC2_SERVICE_PRINCIPAL,
        &[ssmdeck::domain::model::CORE_POLICY_ARN],
    )
    .await;
    lab.profile_on_instances(DEFAULT_ROLE_NAME).await;
    let report = lab.check();
    no_blockers(&report, &lab.stack.instance_ids);
    let in_2c = &lab.stack.instance_ids[1];
    assert!(
        kinds(&report, in_2c, "warning").contains(&"endpoint_not_in_zone".to_string()),
        "{report:#}"
    );
    let before = lab.moto.account_state().await;
    let out = lab.ssmdeck(&["fix", "--yes"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert!(
        text(&out).contains("[ ] Add endpoint subnets in ap-northeast-2c"),
        "{}",
        text(&out)
    );
    assert!(text(&out).contains("AddSubnetIds="), "{}", text(&out));
    assert_eq!(
        lab.moto.account_state().await,
        before,
        "offered, not applied"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stopped_instance_is_not_running_not_lost() {
    let lab = Lab::ready().await;
    let stopped = lab.stack.instance_ids[0].clone();
    lab.ec2
        .stop_instances()
        .instance_ids(&stopped)
        .send()
        .await
        .expect("StopInstances");
    let report = lab.check();
    assert_eq!(verdict(&report, &stopped), "not_running");
    assert_eq!(report["summary"]["not_running"], 1);
    let out = lab.ssmdeck(&["fix", "--yes"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let text_report = lab.ssmdeck(&["check"]);
    let t = text(&text_report);
    assert!(t.contains("1 not running · 1 unknown"), "{t}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_conditional_policy_is_unverified_not_blocking_without_the_simulator() {
    let lab = Lab::workshop().await;
    let subnets = lab.stack.private_subnet_ids.clone();
    lab.endpoints(Endpoints {
        subnets: &subnets,
        private_dns: true,
        policy: None,
    })
    .await;
    lab.role("web-app-role", EC2_SERVICE_PRINCIPAL, &[]).await;
    lab.inline_policy(
        "web-app-role",
        "in-vpc",
        &serde_json::json!({"Version": "2012-10-17", "Statement": [{
            "Effect": "Allow", "Action": ["ssm:*", "ssmmessages:*", "ec2messages:*"],
            "Resource": "*", "Condition": {"StringEquals": {"aws:SourceVpc": "vpc-12345678"}}
        }]}),
    )
    .await;
    lab.profile_on_instances("web-app-role").await;
    // moto has no iam:SimulatePrincipalPolicy: the documents decide alone.
    let report = lab.check();
    no_blockers(&report, &lab.stack.instance_ids);
    let id = &lab.stack.instance_ids[0];
    assert!(
        kinds(&report, id, "warning").contains(&"role_policy_unverified".to_string()),
        "{report:#}"
    );
    let out = lab.ssmdeck(&["fix", "--yes"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
}
