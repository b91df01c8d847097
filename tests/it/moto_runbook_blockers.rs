//! The runbook's causes against moto, one stack each: `check` names the blocker, `fix --yes`
//! removes it and `check` no longer shows it — or `fix` prints the change to make by hand
//! and exits 1. Writes are proven by reading the account back, not by counting calls.

use ssmdeck::cloud::aws::AwsCloud;
use ssmdeck::domain::model::{CORE_POLICY_ARN, DEFAULT_ROLE_NAME, EC2_SERVICE_PRINCIPAL};
use ssmdeck::domain::plan::{StepKind, plan_fix};
use ssmdeck::domain::readiness::evaluate;
use ssmdeck::engine::{executor, fetch};

use crate::moto_stacks::{
    Endpoints, Lab, RouteTo, https_from_group, instance as report_instance, kinds, text, verdict,
};

fn blockers(report: &serde_json::Value, id: &str) -> Vec<String> {
    kinds(report, id, "blocker")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_network_acl_denying_443_out_is_found_and_its_entry_offered_not_applied() {
    let lab = Lab::workshop().await;
    // Endpoints in 2c only: the instance in 2a crosses its subnet's ACL to reach them.
    let in_2c = vec![lab.stack.private_subnet_ids[1].clone()];
    lab.endpoints(Endpoints {
        subnets: &in_2c,
        private_dns: true,
        policy: None,
    })
    .await;
    lab.role(DEFAULT_ROLE_NAME, EC2_SERVICE_PRINCIPAL, &[CORE_POLICY_ARN])
        .await;
    lab.profile_on_instances(DEFAULT_ROLE_NAME).await;
    let subnet_2a = lab.stack.private_subnet_ids[0].clone();
    let acl = lab
        .acl(
            &subnet_2a,
            &[
                (90, true, false, Some((443, 443))),
                (100, true, true, None),
                (100, false, true, None),
            ],
        )
        .await;
    let id = lab.stack.instance_ids[0].clone();
    let report = lab.check();
    assert_eq!(verdict(&report, &id), "not_managed");
    assert_eq!(
        blockers(&report, &id),
        vec!["network_acl_denies"],
        "{report:#}"
    );
    let finding = &report_instance(&report, &id)["findings"][0];
    assert_eq!(finding["direction"], "outbound");
    assert_eq!(finding["rule"], "network_acl");
    assert_eq!(finding["acl_rule"], 90);
    assert_eq!(finding["fix"]["rule_number"], 89);
    assert_eq!(
        verdict(&report, &lab.stack.instance_ids[1]),
        "unknown",
        "2c: same subnet"
    );

    let entries_before = lab.acl_entries(&acl).await;
    let out = lab.ssmdeck(&["fix", "--yes"]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    let t = text(&out);
    assert!(
        t.contains(&format!(
            "CreateNetworkAclEntry {acl} rule 89 egress allow tcp 443-443 10.0.0.0/16"
        )),
        "{t}"
    );
    assert!(t.contains("[ ] Network ACL allow entries"), "{t}");
    assert!(t.contains("Manual steps remain"), "{t}");
    assert!(!t.contains("Nothing to do"), "{t}");
    assert_eq!(
        lab.acl_entries(&acl).await,
        entries_before,
        "an ACL entry is only offered"
    );

    // Selected (o in the console), the entry is made, and the blocker is gone.
    let cloud: AwsCloud = lab.moto.cloud().await;
    let s = fetch::snapshot(&cloud).await;
    let mut plan = plan_fix(&s, &evaluate(&s), &[], &[], DEFAULT_ROLE_NAME, "20261130");
    for step in &mut plan.steps {
        step.selected = step.kind == StepKind::NetworkAcl;
    }
    assert!(executor::apply(&cloud, &plan, None, &mut |_| {}).await);
    assert!(
        lab.acl_entries(&acl).await.contains(&(89, true, true)),
        "read back"
    );
    assert_eq!(blockers(&lab.check(), &id), Vec::<String>::new());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_network_acl_without_the_return_traffic_is_found() {
    let lab = Lab::workshop().await;
    let in_2c = vec![lab.stack.private_subnet_ids[1].clone()];
    lab.endpoints(Endpoints {
        subnets: &in_2c,
        private_dns: true,
        policy: None,
    })
    .await;
    lab.role(DEFAULT_ROLE_NAME, EC2_SERVICE_PRINCIPAL, &[CORE_POLICY_ARN])
        .await;
    lab.profile_on_instances(DEFAULT_ROLE_NAME).await;
    let subnet_2a = lab.stack.private_subnet_ids[0].clone();
    lab.acl(
        &subnet_2a,
        &[
            (100, true, true, None),
            (100, false, true, Some((443, 443))),
        ],
    )
    .await;
    let id = lab.stack.instance_ids[0].clone();
    let report = lab.check();
    assert_eq!(
        blockers(&report, &id),
        vec!["network_acl_denies"],
        "{report:#}"
    );
    let finding = &report_instance(&report, &id)["findings"][0];
    assert_eq!(finding["direction"], "inbound");
    assert_eq!(
        (finding["from_port"].clone(), finding["to_port"].clone()),
        (1024.into(), 65535.into())
    );
    assert!(finding["acl_rule"].is_null(), "the implicit deny");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn security_group_egress_is_opened_to_the_vpc_on_443() {
    let lab = Lab::ready().await;
    lab.revoke_all_egress(&lab.stack.security_group_id).await;
    let report = lab.check();
    for id in &lab.stack.instance_ids {
        assert_eq!(blockers(&report, id), vec!["egress_blocked"], "{report:#}");
    }
    let out = lab.ssmdeck(&["fix", "--yes"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let egress = lab.egress_of(&lab.stack.security_group_id).await;
    assert_eq!(
        egress,
        vec![(
            "tcp".to_string(),
            Some(443),
            vec!["10.0.0.0/16".to_string()]
        )],
        "read back"
    );
    let report = lab.check();
    for id in &lab.stack.instance_ids {
        assert_eq!(blockers(&report, id), Vec::<String>::new());
    }
    // A second run writes nothing.
    let before = lab.moto.account_state().await;
    let again = lab.ssmdeck(&["fix", "--yes"]);
    assert_eq!(again.status.code(), Some(0), "{}", text(&again));
    assert_eq!(lab.moto.account_state().await, before);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn instance_metadata_off_is_turned_on() {
    let lab = Lab::ready().await;
    let id = lab.stack.instance_ids[0].clone();
    lab.disable_metadata(&id).await;
    let report = lab.check();
    assert_eq!(blockers(&report, &id), vec!["imds_disabled"], "{report:#}");
    let out = lab.ssmdeck(&["fix", "--yes"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert!(text(&out).contains(&format!(
        "ModifyInstanceMetadataOptions {id} HttpEndpoint=enabled"
    )));
    assert_eq!(
        lab.metadata_endpoint(&id).await.as_deref(),
        Some("enabled"),
        "read back"
    );
    assert_eq!(blockers(&lab.check(), &id), Vec::<String>::new());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_endpoint_policy_that_shuts_the_agent_out_is_a_manual_change() {
    let lab = Lab::workshop().await;
    let subnets = lab.stack.private_subnet_ids.clone();
    // AWS's example: Run Command results may be read, nothing else.
    let policy = serde_json::json!({"Statement": [{
        "Effect": "Allow", "Principal": "*",
        "Action": ["ssm:ListCommands", "ssm:ListCommandInvocations", "ssm:GetCommandInvocation"],
        "Resource": "*"
    }]})
    .to_string();
    lab.endpoints(Endpoints {
        subnets: &subnets,
        private_dns: true,
        policy: Some(&policy),
    })
    .await;
    lab.role(DEFAULT_ROLE_NAME, EC2_SERVICE_PRINCIPAL, &[CORE_POLICY_ARN])
        .await;
    lab.profile_on_instances(DEFAULT_ROLE_NAME).await;
    let id = lab.stack.instance_ids[0].clone();
    let report = lab.check();
    assert_eq!(verdict(&report, &id), "not_managed");
    assert!(
        blockers(&report, &id)
            .iter()
            .all(|k| k == "endpoint_policy_denies"),
        "{report:#}"
    );
    let before = lab.moto.account_state().await;
    let out = lab.ssmdeck(&["fix", "--yes"]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    let t = text(&out);
    assert!(
        t.contains("manual: allow ssm:UpdateInstanceInformation"),
        "{t}"
    );
    assert!(!t.contains("Nothing to do"), "{t}");
    assert_eq!(
        lab.moto.account_state().await,
        before,
        "policies are left to their owner"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn private_dns_off_is_asked_on_and_moto_ignoring_it_is_reported() {
    let lab = Lab::workshop().await;
    let subnets = lab.stack.private_subnet_ids.clone();
    let endpoints = lab
        .endpoints(Endpoints {
            subnets: &subnets,
            private_dns: false,
            policy: None,
        })
        .await;
    lab.role(DEFAULT_ROLE_NAME, EC2_SERVICE_PRINCIPAL, &[CORE_POLICY_ARN])
        .await;
    lab.profile_on_instances(DEFAULT_ROLE_NAME).await;
    let id = lab.stack.instance_ids[0].clone();
    assert_eq!(blockers(&lab.check(), &id), vec!["private_dns_off"]);
    let out = lab.ssmdeck(&["fix", "--yes"]);
    let t = text(&out);
    assert!(
        t.contains(&format!(
            "ModifyVpcEndpoint {} (com.amazonaws.ap-northeast-2.ssm) PrivateDnsEnabled=true",
            endpoints[0]
        )),
        "{t}"
    );
    // moto 5.2.5 takes PrivateDnsEnabled and ignores it: not reported as done.
    assert!(t.contains("accepted, but private DNS is still off"), "{t}");
    assert!(t.contains("Still blocking after the plan"), "{t}");
    assert_eq!(out.status.code(), Some(1), "{t}");
    let described = lab
        .ec2
        .describe_vpc_endpoints()
        .vpc_endpoint_ids(&endpoints[0])
        .send()
        .await
        .expect("DescribeVpcEndpoints");
    assert_eq!(
        described
            .vpc_endpoints()
            .first()
            .and_then(|e| e.private_dns_enabled()),
        Some(false),
        "read back: moto left it off"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn vpc_dns_hostnames_off_is_turned_on_on_its_own() {
    let lab = Lab::ready().await;
    lab.vpc_dns_hostnames(false).await;
    let id = lab.stack.instance_ids[0].clone();
    assert_eq!(blockers(&lab.check(), &id), vec!["vpc_dns_off"]);
    let out = lab.ssmdeck(&["fix", "--yes"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let t = text(&out);
    assert!(
        t.contains("ModifyVpcAttribute") && t.contains("enableDnsHostnames=true"),
        "{t}"
    );
    assert!(!t.contains("CreateVpcEndpoint"), "{t}");
    let attr = lab
        .ec2
        .describe_vpc_attribute()
        .vpc_id(&lab.stack.vpc_id)
        .attribute(aws_sdk_ec2::types::VpcAttributeName::EnableDnsHostnames)
        .send()
        .await
        .expect("DescribeVpcAttribute");
    assert_eq!(
        attr.enable_dns_hostnames().and_then(|v| v.value()),
        Some(true),
        "read back"
    );
    assert_eq!(blockers(&lab.check(), &id), Vec::<String>::new());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_role_instances_use_gets_core_not_a_new_role() {
    let lab = Lab::workshop().await;
    let subnets = lab.stack.private_subnet_ids.clone();
    lab.endpoints(Endpoints {
        subnets: &subnets,
        private_dns: true,
        policy: None,
    })
    .await;
    lab.role("web-app-role", EC2_SERVICE_PRINCIPAL, &[]).await;
    lab.profile_on_instances("web-app-role").await;
    let id = lab.stack.instance_ids[0].clone();
    assert_eq!(blockers(&lab.check(), &id), vec!["role_without_ssm_policy"]);
    let out = lab.ssmdeck(&["fix", "--yes"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let attached = lab
        .iam
        .list_attached_role_policies()
        .role_name("web-app-role")
        .send()
        .await
        .expect("ListAttachedRolePolicies");
    assert!(
        attached
            .attached_policies()
            .iter()
            .any(|p| p.policy_arn() == Some(CORE_POLICY_ARN)),
        "read back"
    );
    assert!(
        lab.iam
            .get_role()
            .role_name(DEFAULT_ROLE_NAME)
            .send()
            .await
            .is_err(),
        "no ManagedInstancesRole"
    );
    assert_eq!(blockers(&lab.check(), &id), Vec::<String>::new());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_role_trusting_lambda_with_core_is_one_finding_and_replaced() {
    let lab = Lab::workshop().await;
    let subnets = lab.stack.private_subnet_ids.clone();
    lab.endpoints(Endpoints {
        subnets: &subnets,
        private_dns: true,
        policy: None,
    })
    .await;
    lab.role("lambda-role", "lambda.amazonaws.com", &[CORE_POLICY_ARN])
        .await;
    lab.profile_on_instances("lambda-role").await;
    let id = lab.stack.instance_ids[0].clone();
    let report = lab.check();
    assert_eq!(
        blockers(&report, &id),
        vec!["role_not_trusting_ec2"],
        "no false 'lacks SSM policy'"
    );
    let out = lab.ssmdeck(&["fix", "--yes"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert!(
        text(&out).contains("ReplaceIamInstanceProfileAssociation"),
        "{}",
        text(&out)
    );
    assert_eq!(blockers(&lab.check(), &id), Vec::<String>::new());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_transit_gateway_route_is_a_warning_naming_it() {
    let lab = Lab::workshop().await;
    let tgw = lab
        .ec2
        .create_transit_gateway()
        .send()
        .await
        .expect("CreateTransitGateway")
        .transit_gateway()
        .and_then(|t| t.transit_gateway_id())
        .unwrap_or_default()
        .to_string();
    lab.default_route(RouteTo::TransitGateway(&tgw)).await;
    lab.role(DEFAULT_ROLE_NAME, EC2_SERVICE_PRINCIPAL, &[CORE_POLICY_ARN])
        .await;
    lab.profile_on_instances(DEFAULT_ROLE_NAME).await;
    let id = lab.stack.instance_ids[0].clone();
    let report = lab.check();
    assert_eq!(verdict(&report, &id), "unknown", "{report:#}");
    assert_eq!(blockers(&report, &id), Vec::<String>::new());
    assert_eq!(kinds(&report, &id, "warning"), vec!["route_not_verifiable"]);
    assert_eq!(
        report_instance(&report, &id)["findings"][0]["target"],
        tgw.as_str()
    );
    let out = lab.ssmdeck(&["check"]);
    assert!(!text(&out).contains("no SSM endpoints"), "{}", text(&out));
    // Nothing blocks: fix makes no endpoint for a hub-and-spoke VPC, scoped to the
    // instance or its VPC either.
    let before = lab.moto.account_state().await;
    let out = lab.ssmdeck(&["fix", "--yes"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert_eq!(lab.moto.account_state().await, before);
    let out = lab.ssmdeck(&["fix", "--yes", "--instance", &id]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert!(!text(&out).contains("CreateVpcEndpoint"), "{}", text(&out));
    assert_eq!(lab.moto.account_state().await, before);
    let out = lab.ssmdeck(&["fix", "--yes", "--vpc", &lab.stack.vpc_id]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert_eq!(lab.moto.account_state().await, before);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_deleted_nat_gateway_blocks_and_is_a_manual_change() {
    let lab = Lab::workshop().await;
    let nat = lab.nat_gateway().await;
    lab.default_route(RouteTo::Nat(&nat)).await;
    lab.ec2
        .delete_nat_gateway()
        .nat_gateway_id(&nat)
        .send()
        .await
        .expect("DeleteNatGateway");
    lab.role(DEFAULT_ROLE_NAME, EC2_SERVICE_PRINCIPAL, &[CORE_POLICY_ARN])
        .await;
    lab.profile_on_instances(DEFAULT_ROLE_NAME).await;
    let id = lab.stack.instance_ids[0].clone();
    let report = lab.check();
    assert_eq!(
        blockers(&report, &id),
        vec!["nat_not_available"],
        "{report:#}"
    );
    let out = lab.ssmdeck(&["fix", "--yes"]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    let t = text(&out);
    assert!(
        t.contains(&format!(
            "manual: point the subnet's 0.0.0.0/0 route, now to {nat} (deleted)"
        )),
        "{t}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_endpoint_group_naming_the_instance_group_lets_an_interface_launched_instance_in() {
    let lab = Lab::ready().await;
    // The endpoints allow 443 from the instances' group by reference (no CIDR rule).
    lab.ec2
        .revoke_security_group_ingress()
        .group_id(&lab.endpoint_group)
        .ip_permissions(crate::moto_stacks::https_from_cidr("10.0.0.0/16"))
        .send()
        .await
        .expect("RevokeSecurityGroupIngress");
    lab.ec2
        .authorize_security_group_ingress()
        .group_id(&lab.endpoint_group)
        .ip_permissions(https_from_group(&lab.stack.security_group_id))
        .send()
        .await
        .expect("AuthorizeSecurityGroupIngress");
    let id = lab
        .instance_with_interface(
            &lab.stack.private_subnet_ids[0],
            std::slice::from_ref(&lab.stack.security_group_id),
        )
        .await;
    let report = lab.check();
    assert!(
        !blockers(&report, &id).contains(&"https_not_allowed".to_string()),
        "{report:#}"
    );
    assert_eq!(
        blockers(&report, &id),
        vec!["no_instance_profile"],
        "only its missing profile"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_public_subnet_without_a_public_ip_says_so() {
    let lab = Lab::workshop().await;
    let id = lab
        .instance_with_interface(
            &lab.stack.public_subnet_ids[0],
            std::slice::from_ref(&lab.stack.security_group_id),
        )
        .await;
    let report = lab.check();
    let found = blockers(&report, &id);
    assert!(found.contains(&"no_public_ip".to_string()), "{report:#}");
    let out = lab.ssmdeck(&["check"]);
    assert!(
        text(&out).contains("public subnet without a public IP"),
        "{}",
        text(&out)
    );
    // The endpoints are one way out of it: fix makes them (and attaches a profile).
    let out = lab.ssmdeck(&["fix", "--yes"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let described = lab
        .ec2
        .describe_vpc_endpoints()
        .send()
        .await
        .expect("DescribeVpcEndpoints");
    let live = described
        .vpc_endpoints()
        .iter()
        .filter(|e| e.vpc_id() == Some(lab.stack.vpc_id.as_str()))
        .count();
    assert_eq!(live, 3, "read back");
    assert_eq!(blockers(&lab.check(), &id), Vec::<String>::new());
}
