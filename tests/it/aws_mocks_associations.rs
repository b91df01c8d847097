//! The AWS adapter's State Manager calls, against aws-smithy-mocks (moto's SSM has no
//! associations: its `ssm/responses.py` defines no ListAssociations, DescribeAssociation,
//! DescribeInstanceAssociationsStatus or CreateAssociation).

use std::collections::HashMap;

use aws_sdk_ssm::Client;
use aws_sdk_ssm::operation::create_association::CreateAssociationOutput;
use aws_sdk_ssm::operation::describe_association::DescribeAssociationOutput;
use aws_sdk_ssm::operation::describe_instance_associations_status::DescribeInstanceAssociationsStatusOutput;
use aws_sdk_ssm::operation::list_associations::ListAssociationsOutput;
use aws_sdk_ssm::primitives::DateTime;
use aws_sdk_ssm::types::{
    Association, AssociationDescription, AssociationOverview, InstanceAssociationStatusInfo, Target,
};
use aws_smithy_mocks::{RuleMode, mock};
use ssmdeck::cloud::Cloud;
use ssmdeck::domain::model::{
    AssociationTarget, CreateAssociationRequest, INVENTORY_DOCUMENT, INVENTORY_SCHEDULE,
    inventory_parameters,
};

use crate::aws_mocks::{cloud, ssm_client};

fn target(key: &str, values: &[&str]) -> Target {
    Target::builder()
        .key(key)
        .set_values(Some(values.iter().map(|v| v.to_string()).collect()))
        .build()
}

fn overview(status: &str, counts: &[(&str, i32)]) -> AssociationOverview {
    AssociationOverview::builder()
        .status(status)
        .detailed_status(status)
        .set_association_status_aggregated_count(Some(
            counts
                .iter()
                .map(|(k, v)| (k.to_string(), *v))
                .collect::<HashMap<_, _>>(),
        ))
        .build()
}

fn association(id: &str, document: &str, targets: Target) -> Association {
    Association::builder()
        .association_id(id)
        .association_name(format!("{id}-name"))
        .name(document)
        .targets(targets)
        .schedule_expression("rate(30 minutes)")
        .last_execution_date(DateTime::from_secs(1_700_000_000))
        .overview(overview("Success", &[("Success", 10), ("Failed", 1)]))
        .build()
}

#[tokio::test]
async fn associations_are_read_over_every_page() {
    let p1 = mock!(Client::list_associations)
        .match_requests(|r| r.next_token().is_none() && r.max_results() == Some(50))
        .then_output(|| {
            ListAssociationsOutput::builder()
                .associations(association(
                    "a-1",
                    INVENTORY_DOCUMENT,
                    target("tag:Env", &["prod", "staging"]),
                ))
                .next_token("n")
                .build()
        });
    let p2 = mock!(Client::list_associations)
        .match_requests(|r| r.next_token() == Some("n"))
        .then_output(|| {
            ListAssociationsOutput::builder()
                .associations(association(
                    "a-2",
                    "AWS-RunPatchBaseline",
                    target("InstanceIds", &["*"]),
                ))
                .build()
        });
    let cloud = cloud(ssm_client(RuleMode::MatchAny, &[&p1, &p2]));

    let list = cloud.list_associations().await.expect("associations");
    assert_eq!(list.len(), 2);
    assert_eq!(list[0].id, "a-1");
    assert_eq!(list[0].name.as_deref(), Some("a-1-name"));
    assert_eq!(list[0].document, INVENTORY_DOCUMENT);
    assert_eq!(
        list[0].targets,
        vec![AssociationTarget::new("tag:Env", &["prod", "staging"])]
    );
    assert_eq!(list[0].schedule.as_deref(), Some("rate(30 minutes)"));
    assert_eq!(
        list[0].last_execution.map(|t| t.as_second()),
        Some(1_700_000_000)
    );
    assert_eq!(list[0].status.as_deref(), Some("Success"));
    assert_eq!(
        list[0].status_counts,
        vec![("Failed".to_string(), 1), ("Success".to_string(), 10)]
    );
    assert_eq!(list[1].targets, vec![AssociationTarget::every_node()]);
}

#[tokio::test]
async fn one_association_is_described_with_its_parameters() {
    let rule = mock!(Client::describe_association)
        .match_requests(|r| r.association_id() == Some("a-1"))
        .then_output(|| {
            DescribeAssociationOutput::builder()
                .association_description(
                    AssociationDescription::builder()
                        .association_id("a-1")
                        .name(INVENTORY_DOCUMENT)
                        .targets(target("InstanceIds", &["i-1", "i-2"]))
                        .schedule_expression("rate(30 minutes)")
                        .parameters("applications", vec!["Enabled".into()])
                        .overview(overview("Pending", &[("Pending", 2)]))
                        .build(),
                )
                .build()
        });
    let cloud = cloud(ssm_client(RuleMode::MatchAny, &[&rule]));

    let a = cloud
        .describe_association("a-1")
        .await
        .expect("association");
    assert_eq!(a.document, INVENTORY_DOCUMENT);
    assert_eq!(
        a.targets,
        vec![AssociationTarget::new("InstanceIds", &["i-1", "i-2"])]
    );
    assert_eq!(a.status.as_deref(), Some("Pending"));
    assert_eq!(a.status_counts, vec![("Pending".to_string(), 2)]);
    assert_eq!(
        a.parameters,
        vec![("applications".to_string(), vec!["Enabled".to_string()])]
    );
}

#[tokio::test]
async fn a_nodes_associations_say_how_each_went() {
    let p1 = mock!(Client::describe_instance_associations_status)
        .match_requests(|r| r.instance_id() == Some("i-1") && r.next_token().is_none())
        .then_output(|| {
            DescribeInstanceAssociationsStatusOutput::builder()
                .instance_association_status_infos(
                    InstanceAssociationStatusInfo::builder()
                        .association_id("a-1")
                        .association_name("inventory")
                        .name(INVENTORY_DOCUMENT)
                        .instance_id("i-1")
                        .status("Success")
                        .detailed_status("Success")
                        .execution_date(DateTime::from_secs(1_700_000_000))
                        .execution_summary("1 out of 1 plugin processed, 1 success")
                        .build(),
                )
                .next_token("n")
                .build()
        });
    let p2 = mock!(Client::describe_instance_associations_status)
        .match_requests(|r| r.next_token() == Some("n"))
        .then_output(|| {
            DescribeInstanceAssociationsStatusOutput::builder()
                .instance_association_status_infos(
                    InstanceAssociationStatusInfo::builder()
                        .association_id("a-2")
                        .name("AWS-RunPatchBaseline")
                        .instance_id("i-1")
                        .status("Failed")
                        .detailed_status("Failed")
                        .error_code("1")
                        .build(),
                )
                .build()
        });
    let cloud = cloud(ssm_client(RuleMode::MatchAny, &[&p1, &p2]));

    let runs = cloud
        .describe_instance_associations_status("i-1")
        .await
        .expect("statuses");
    assert_eq!(runs.len(), 2);
    assert_eq!(runs[0].association_name.as_deref(), Some("inventory"));
    assert_eq!(runs[0].document, INVENTORY_DOCUMENT);
    assert_eq!(runs[0].status, "Success");
    assert_eq!(
        runs[0].execution_date.map(|t| t.as_second()),
        Some(1_700_000_000)
    );
    assert!(
        runs[0]
            .execution_summary
            .as_deref()
            .is_some_and(|s| s.contains("1 success"))
    );
    assert_eq!(runs[1].status, "Failed");
    assert_eq!(runs[1].error_code.as_deref(), Some("1"));
}

#[tokio::test]
async fn create_association_sends_document_targets_schedule_and_parameters() {
    let rule = mock!(Client::create_association)
        .match_requests(|r| {
            let targets = r.targets();
            let params = r.parameters().cloned().unwrap_or_default();
            r.name() == Some(INVENTORY_DOCUMENT)
                && r.association_name() == Some("ssmdeck-inventory")
                && r.schedule_expression() == Some("rate(30 minutes)")
                && targets.len() == 1
                && targets[0].key() == Some("InstanceIds")
                && targets[0].values() == ["*"]
                && params.len() == 8
                && [
                    "applications",
                    "awsComponents",
                    "networkConfig",
                    "windowsUpdates",
                    "instanceDetailedInformation",
                    "services",
                    "windowsRoles",
                    "customInventory",
                ]
                .iter()
                .all(|k| params.get(*k) == Some(&vec!["Enabled".to_string()]))
        })
        .then_output(|| {
            CreateAssociationOutput::builder()
                .association_description(
                    AssociationDescription::builder()
                        .association_id("a-new")
                        .association_name("ssmdeck-inventory")
                        .name(INVENTORY_DOCUMENT)
                        .targets(target("InstanceIds", &["*"]))
                        .schedule_expression("rate(30 minutes)")
                        .build(),
                )
                .build()
        });
    // Strict: a request that does not match the assertions above finds no rule and fails.
    let cloud = cloud(ssm_client(RuleMode::Sequential, &[&rule]));

    let created = cloud
        .create_association(&CreateAssociationRequest {
            name: "ssmdeck-inventory".into(),
            document: INVENTORY_DOCUMENT.into(),
            targets: vec![AssociationTarget::every_node()],
            schedule: INVENTORY_SCHEDULE.into(),
            parameters: inventory_parameters(),
        })
        .await
        .expect("created");
    assert_eq!(created.id, "a-new");
    assert_eq!(created.targets, vec![AssociationTarget::every_node()]);
    assert_eq!(rule.num_calls(), 1);
}
