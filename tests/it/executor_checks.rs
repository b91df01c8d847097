//! The executor on the new writes: EC2 DryRun where it is honoured (the sandbox honours it),
//! the simulator's refusal named, nothing written by a dry run, and each write re-checked
//! and read back so that a second run writes nothing.

use ssmdeck::cloud::Cloud;
use ssmdeck::cloud::sandbox::faults::Faults;
use ssmdeck::cloud::sandbox::{Clock, SandboxCloud, Scenario};
use ssmdeck::domain::model::*;
use ssmdeck::domain::plan::{Call, Plan, StepKind, plan_fix};
use ssmdeck::domain::readiness::evaluate;
use ssmdeck::engine::executor::{self, Outcome, PlanEvent, Verdict};
use ssmdeck::engine::fetch;

use crate::fixtures::t0;

/// The lab with the endpoints, the role and the attachments in place, then broken four
/// ways the new writes fix: private DNS, egress, instance metadata, a network ACL.
async fn broken_lab() -> SandboxCloud {
    let cloud = SandboxCloud::new(Scenario::Lab, Clock::manual(t0()));
    let s = fetch::snapshot(&cloud).await;
    let plan = plan_fix(&s, &evaluate(&s), &[], &[], DEFAULT_ROLE_NAME, "20261130");
    assert!(executor::apply(&cloud, &plan, None, &mut |_| {}).await);
    cloud
        .edit(|w| {
            w.endpoints[0].endpoint.private_dns = false;
            w.security_groups[1].egress.clear();
            w.instances[0].instance.metadata.endpoint_enabled = false;
            // Endpoints in 2c only, and 2a's ACL denies 443 out.
            for e in &mut w.endpoints {
                e.endpoint.subnet_ids = vec!["subnet-0prv2a2b3c4d5e6f7".into()];
            }
            w.network_acls[0]
                .subnet_ids
                .retain(|s| s != "subnet-0prv1a2b3c4d5e6f7");
            w.network_acls.push(NetworkAcl {
                id: "acl-0locked".into(),
                vpc_id: w.vpcs[0].id.clone(),
                is_default: false,
                subnet_ids: vec!["subnet-0prv1a2b3c4d5e6f7".into()],
                entries: vec![
                    AclEntry {
                        rule_number: 100,
                        egress: true,
                        protocol: "6".into(),
                        allow: false,
                        cidr: "0.0.0.0/0".into(),
                        ports: Some((443, 443)),
                    },
                    AclEntry {
                        rule_number: 200,
                        egress: true,
                        protocol: "-1".into(),
                        allow: true,
                        cidr: "0.0.0.0/0".into(),
                        ports: None,
                    },
                    AclEntry {
                        rule_number: 100,
                        egress: false,
                        protocol: "-1".into(),
                        allow: true,
                        cidr: "0.0.0.0/0".into(),
                        ports: None,
                    },
                ],
            });
        })
        .expect("edit");
    cloud
}

async fn the_plan(cloud: &SandboxCloud) -> Plan {
    let s = fetch::snapshot(cloud).await;
    let mut plan = plan_fix(&s, &evaluate(&s), &[], &[], DEFAULT_ROLE_NAME, "20261130");
    for step in &mut plan.steps {
        if step.kind == StepKind::NetworkAcl {
            step.selected = true;
        }
    }
    plan
}

fn new_writes(plan: &Plan) -> Vec<&'static str> {
    let mut actions: Vec<&str> = plan.selected_calls().map(Call::action).collect();
    actions.sort();
    actions.dedup();
    actions
}

#[tokio::test]
async fn the_new_writes_are_dry_run_at_ec2_and_written_once() {
    let cloud = broken_lab().await;
    let plan = the_plan(&cloud).await;
    assert_eq!(
        new_writes(&plan),
        vec![
            "ec2:AuthorizeSecurityGroupEgress",
            "ec2:CreateNetworkAclEntry",
            "ec2:ModifyInstanceMetadataOptions",
            "ec2:ModifyVpcEndpoint",
        ],
        "{plan:?}"
    );
    let before = fetch::snapshot(&cloud).await;
    let mut verdicts = Vec::new();
    executor::dry_run(&cloud, &plan, None, &mut |e| {
        if let PlanEvent::Verdict { verdict, .. } = e {
            verdicts.push(verdict);
        }
    })
    .await;
    assert_eq!(verdicts.len(), 4);
    assert!(
        verdicts.iter().all(|v| *v == Verdict::Allowed),
        "{verdicts:?}"
    );
    let after = fetch::snapshot(&cloud).await;
    assert_eq!(after.network, before.network, "a dry run writes nothing");
    assert_eq!(after.instances, before.instances);

    let mut outcomes = Vec::new();
    assert!(
        executor::apply(&cloud, &plan, None, &mut |e| {
            if let PlanEvent::Finished { outcome, .. } = e {
                outcomes.push(outcome);
            }
        })
        .await
    );
    assert!(
        outcomes.iter().all(|o| matches!(o, Outcome::Done { .. })),
        "{outcomes:?}"
    );
    let s = fetch::snapshot(&cloud).await;
    let r = evaluate(&s);
    assert!(
        r.instances.iter().all(|i| i
            .findings
            .iter()
            .all(|f| f.severity != ssmdeck::domain::findings::Severity::Blocker)),
        "{:?}",
        r.instances
    );
    // The same plan again: every call finds its change there and skips.
    let mut again = Vec::new();
    executor::apply(&cloud, &plan, None, &mut |e| {
        if let PlanEvent::Finished { outcome, .. } = e {
            again.push(outcome);
        }
    })
    .await;
    assert!(
        again.iter().all(|o| matches!(o, Outcome::Skipped { .. })),
        "{again:?}"
    );
}

#[tokio::test]
async fn a_denied_write_is_named_by_its_dry_run() {
    let cloud = broken_lab().await;
    let plan = the_plan(&cloud).await;
    let faulty = cloud.clone().with_faults(
        "deny:ec2:ModifyInstanceMetadataOptions"
            .parse::<Faults>()
            .expect("faults"),
    );
    let mut verdicts = Vec::new();
    executor::dry_run(&faulty, &plan, None, &mut |e| {
        if let PlanEvent::Verdict { verdict, .. } = e {
            verdicts.push(verdict);
        }
    })
    .await;
    assert!(
        verdicts.contains(&Verdict::Denied {
            action: "ec2:ModifyInstanceMetadataOptions".into()
        }),
        "{verdicts:?}"
    );
    assert!(cloud.now() >= t0());
}
