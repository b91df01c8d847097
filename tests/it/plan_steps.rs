//! The new steps of the plan, and the promise behind them: every blocker gets a step or a
//! precise change by hand, and the plan acts on the role the instance actually uses.

use ssmdeck::cloud::Cloud;
use ssmdeck::cloud::sandbox::{Clock, SandboxCloud, Scenario};
use ssmdeck::domain::findings::{Finding, FindingKind, Fix, Severity};
use ssmdeck::domain::model::*;
use ssmdeck::domain::plan::*;
use ssmdeck::domain::readiness::evaluate;
use ssmdeck::domain::snapshot::Snapshot;
use ssmdeck::engine::fetch;

use crate::fixtures::*;

const DAY: &str = "20261130";

fn fix_plan(s: &Snapshot) -> Plan {
    plan_fix(s, &evaluate(s), &[], &[], DEFAULT_ROLE_NAME, DAY)
}

fn step(plan: &Plan, kind: StepKind) -> Option<&Step> {
    plan.steps.iter().find(|s| s.kind == kind)
}

#[test]
fn private_dns_off_is_turned_on_with_modify_vpc_endpoint() {
    let mut s = ready();
    s.network.endpoints[1].private_dns = false;
    let plan = plan_endpoints(&s, &evaluate(&s), VPC, DAY);
    let private_dns = step(&plan, StepKind::PrivateDns).expect("a private DNS step");
    assert!(private_dns.selected);
    assert_eq!(
        private_dns.calls,
        vec![Call::ModifyVpcEndpoint {
            endpoint_id: "vpce-ssmmessages".into(),
            service_name: s.network.endpoints[1].service_name.clone(),
            private_dns: Some(true),
            add_subnet_ids: vec![],
        }]
    );
    assert!(!plan.is_empty());
    // `fix` plans it too.
    assert!(
        fix_plan(&s)
            .selected_calls()
            .any(|c| matches!(c, Call::ModifyVpcEndpoint { .. }))
    );
}

#[test]
fn vpc_dns_off_with_endpoints_in_place_is_a_step_of_its_own() {
    let mut s = ready();
    s.network.vpcs[0].dns_hostnames = Some(false);
    let plan = fix_plan(&s);
    let calls: Vec<&Call> = plan.selected_calls().collect();
    assert_eq!(
        calls,
        vec![&Call::ModifyVpcAttribute {
            vpc_id: VPC.into(),
            attribute: VpcDnsAttribute::EnableDnsHostnames
        }],
        "{plan:?}"
    );
}

#[test]
fn missing_azs_are_offered_unselected() {
    let mut s = ready();
    for e in &mut s.network.endpoints {
        e.subnet_ids = vec![SUBNET_C.into()];
    }
    let plan = plan_endpoints(&s, &evaluate(&s), VPC, DAY);
    let zones = step(&plan, StepKind::EndpointZones).expect("a zone step");
    assert!(!zones.selected);
    assert_eq!(zones.calls.len(), 3);
    assert!(zones.calls.iter().all(|c| matches!(c,
        Call::ModifyVpcEndpoint { private_dns: None, add_subnet_ids, .. } if add_subnet_ids == &vec![SUBNET_A.to_string()])));
    assert!(plan.is_empty(), "nothing blocks: nothing is selected");
}

#[test]
fn core_goes_on_the_role_the_instance_uses() {
    let mut s = ready();
    s.iam.roles.push(role("web-app-role", ""));
    s.iam.profiles.push(InstanceProfile {
        name: "web-app-role".into(),
        arn: profile_arn("web-app-role"),
        role_names: vec!["web-app-role".into()],
    });
    s.instances.instances[0].profile_arn = Some(profile_arn("web-app-role"));
    let plan = fix_plan(&s);
    let calls: Vec<&Call> = plan.selected_calls().collect();
    assert_eq!(
        calls,
        vec![&Call::AttachRolePolicy {
            role: "web-app-role".into(),
            policy_arn: CORE_POLICY_ARN.into()
        }],
        "not a new ManagedInstancesRole: {plan:?}"
    );
    assert_eq!(
        plan_role_policy(&s, "web-app-role")
            .selected_calls()
            .collect::<Vec<_>>(),
        calls
    );
}

#[test]
fn egress_metadata_and_acl_steps() {
    let mut s = ready();
    s.network.security_groups[1].egress.clear();
    s.instances.instances[0].metadata.endpoint_enabled = false;
    for e in &mut s.network.endpoints {
        e.subnet_ids = vec![SUBNET_C.into()];
    }
    // One ACL on both subnets denying everything: four crossings, two per direction.
    s.network.network_acls.push(NetworkAcl {
        id: "acl-1".into(),
        vpc_id: VPC.into(),
        is_default: true,
        subnet_ids: vec![SUBNET_A.into(), SUBNET_C.into()],
        entries: vec![AclEntry {
            rule_number: 100,
            egress: true,
            protocol: "-1".into(),
            allow: false,
            cidr: "0.0.0.0/0".into(),
            ports: None,
        }],
    });
    let plan = fix_plan(&s);
    assert_eq!(
        step(&plan, StepKind::Egress).map(|s| s.calls.clone()),
        Some(vec![Call::AuthorizeSecurityGroupEgress {
            group_id: INSTANCE_SG.into(),
            cidr: "10.0.0.0/16".into()
        }])
    );
    assert_eq!(
        step(&plan, StepKind::Metadata).map(|s| s.calls.clone()),
        Some(vec![Call::ModifyInstanceMetadataOptions {
            instance_id: INSTANCE.into()
        }])
    );
    let acl = step(&plan, StepKind::NetworkAcl).expect("an ACL step");
    assert!(!acl.selected, "offered, not selected");
    let numbers: Vec<(bool, i32, i32)> = acl
        .calls
        .iter()
        .filter_map(|c| match c {
            Call::CreateNetworkAclEntry {
                egress,
                rule_number,
                from_port,
                ..
            } => Some((*egress, *rule_number, *from_port)),
            _ => None,
        })
        .collect();
    // Outbound 443 and outbound replies on one ACL: two numbers below the deny at 100.
    let outbound: Vec<i32> = numbers.iter().filter(|n| n.0).map(|n| n.1).collect();
    assert_eq!(outbound.len(), 2, "{numbers:?}");
    assert!(
        outbound.iter().all(|n| *n < 100) && outbound[0] != outbound[1],
        "{numbers:?}"
    );
    assert!(
        plan.manual_steps_remain(),
        "an ACL step not selected leaves a blocker"
    );
}

#[test]
fn what_no_call_fixes_is_a_manual_step_naming_every_instance() {
    let mut s = ready();
    s.network.endpoints.clear();
    s.network.route_tables[0].routes.push(Route {
        destination: "0.0.0.0/0".into(),
        target: RouteTarget::NatGateway("nat-1".into()),
    });
    s.network.nat_gateways_known = true;
    let mut second = s.instances.instances[0].clone();
    second.id = "i-2".into();
    s.instances.instances.push(second);
    let plan = fix_plan(&s);
    assert!(plan.is_empty());
    let manual = step(&plan, StepKind::Manual).expect("a manual step");
    assert_eq!(manual.notes.len(), 1, "one note for one cause");
    assert!(
        matches!(&manual.notes[0], Note::Manual { finding, subjects }
            if matches!(finding.kind, FindingKind::NatNotAvailable { .. }) && subjects == &vec![INSTANCE.to_string(), "i-2".to_string()]),
        "{manual:?}"
    );
    assert!(plan.manual_steps_remain());
    let text = ssmdeck::present::note_text(&manual.notes[0], ssmdeck::i18n::Lang::En);
    assert!(
        text.starts_with("manual: ") && text.contains("nat-1"),
        "{text}"
    );
}

/// Whether `plan` has a call or a manual note for a blocker.
fn covered(plan: &Plan, f: &Finding) -> bool {
    let all: Vec<&Call> = plan.steps.iter().flat_map(|s| s.calls.iter()).collect();
    let has = |pred: &dyn Fn(&Call) -> bool| all.iter().any(|c| pred(c));
    let noted = plan.steps.iter().flat_map(|s| s.notes.iter()).any(|n| {
        matches!(n, Note::Manual { finding, subjects } if finding.kind == f.kind && subjects.contains(&f.subject))
    });
    noted
        || match &f.fix {
            Fix::CreateEndpoints { vpc_id } => {
                has(&|c| matches!(c, Call::CreateVpcEndpoint { vpc_id: v, .. } if v == vpc_id))
            }
            Fix::EnableVpcDns { vpc_id } => {
                has(&|c| matches!(c, Call::ModifyVpcAttribute { vpc_id: v, .. } if v == vpc_id))
            }
            Fix::EnablePrivateDns { .. } => has(&|c| {
                matches!(
                    c,
                    Call::ModifyVpcEndpoint {
                        private_dns: Some(true),
                        ..
                    }
                )
            }),
            Fix::AllowHttps { .. } => {
                has(&|c| matches!(c, Call::AuthorizeSecurityGroupIngress { .. }))
            }
            Fix::AllowEgress { group_id, .. } => has(
                &|c| matches!(c, Call::AuthorizeSecurityGroupEgress { group_id: g, .. } if g == group_id),
            ),
            Fix::AllowNetworkAcl { acl_id, .. } => {
                has(&|c| matches!(c, Call::CreateNetworkAclEntry { acl_id: a, .. } if a == acl_id))
            }
            Fix::EnableImds { instance_id } => has(
                &|c| matches!(c, Call::ModifyInstanceMetadataOptions { instance_id: i } if i == instance_id),
            ),
            Fix::AttachCorePolicy { role } => {
                has(&|c| matches!(c, Call::AttachRolePolicy { role: r, .. } if r == role))
            }
            Fix::AttachProfile { instance_id } => has(&|c| {
                matches!(c, Call::AssociateIamInstanceProfile { instance_id: i, .. }
                    | Call::ReplaceIamInstanceProfileAssociation { instance_id: i, .. } if i == instance_id)
            }),
            Fix::CreateRole => has(&|c| matches!(c, Call::CreateRole { .. })),
            _ => false,
        }
}

#[tokio::test]
async fn every_blocker_of_the_fleet_gets_a_step_or_a_manual_change() {
    let cloud = SandboxCloud::new(Scenario::Fleet(400), Clock::manual(t0()));
    let s = fetch::snapshot(&cloud).await;
    let r = evaluate(&s);
    let blockers: Vec<&Finding> = r
        .instances
        .iter()
        .filter(|i| {
            i.verdict
                != ssmdeck::domain::readiness::Verdict::NotRunning {
                    instance_state: "stopped".into(),
                }
        })
        .flat_map(|i| i.findings.iter())
        .filter(|f| f.severity == Severity::Blocker)
        .collect();
    let kinds: std::collections::BTreeSet<&str> = blockers.iter().map(|f| f.kind.name()).collect();
    // The fleet shows every blocker the rules know that the sandbox can hold.
    for kind in [
        "endpoints_missing",
        "vpc_dns_off",
        "no_public_ip",
        "nat_not_available",
        "network_acl_denies",
        "egress_blocked",
        "imds_disabled",
        "endpoint_policy_denies",
        "no_instance_profile",
        "role_not_trusting_ec2",
        "role_without_ssm_policy",
        "role_policy_denies",
        "dhmc_role_not_trusting_ssm",
        "connection_lost",
    ] {
        assert!(kinds.contains(kind), "fleet:400 shows {kind}: {kinds:?}");
    }
    let plan = plan_fix(&s, &r, &[], &[], DEFAULT_ROLE_NAME, DAY);
    let uncovered: Vec<String> = blockers
        .iter()
        .filter(|f| !covered(&plan, f))
        .map(|f| format!("{} {:?}", f.subject, f.kind))
        .collect();
    assert!(
        uncovered.is_empty(),
        "no step and no manual change for:\n{}",
        uncovered.join("\n")
    );
    // The warnings of the new rules are there too.
    let warnings: std::collections::BTreeSet<&str> = r
        .instances
        .iter()
        .flat_map(|i| i.findings.iter())
        .filter(|f| matches!(f.severity, Severity::Warning | Severity::Info))
        .map(|f| f.kind.name())
        .collect();
    for kind in [
        "route_not_verifiable",
        "imds_hop_limit",
        "deprecated_policy",
        "role_policy_unverified",
    ] {
        assert!(
            warnings.contains(kind),
            "fleet:400 shows {kind}: {warnings:?}"
        );
    }
    assert!(cloud.now() >= t0());
}
