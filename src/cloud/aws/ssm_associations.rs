//! SSM State Manager: associations, how each went on a node, and creating one.

use aws_sdk_ssm::Client;
use aws_sdk_ssm::types as sdk;

use super::convert::{opt_owned, opt_timestamp, owned};
use super::errors::map_err;
use super::logged;
use crate::cloud::{CloudError, CloudResult};
use crate::domain::model::{
    AssociationTarget, CreateAssociationRequest, NodeAssociation, StateAssociation,
};

const ASSOCIATIONS_PAGE: i32 = 50;
const NODE_ASSOCIATIONS_PAGE: i32 = 50;

fn targets(list: &[sdk::Target]) -> Vec<AssociationTarget> {
    list.iter()
        .map(|t| AssociationTarget {
            key: owned(t.key()),
            values: t.values().to_vec(),
        })
        .collect()
}

/// Nodes per status, sorted by status.
fn counts(overview: Option<&sdk::AssociationOverview>) -> Vec<(String, i32)> {
    let mut out: Vec<(String, i32)> = overview
        .and_then(|o| o.association_status_aggregated_count())
        .map(|m| m.iter().map(|(k, v)| (k.clone(), *v)).collect())
        .unwrap_or_default();
    out.sort();
    out
}

pub(crate) async fn list_associations(ssm: &Client) -> CloudResult<Vec<StateAssociation>> {
    const ACTION: &str = "ssm:ListAssociations";
    let mut pages = ssm
        .list_associations()
        .max_results(ASSOCIATIONS_PAGE)
        .into_paginator()
        .send();
    let (mut out, mut n) = (Vec::new(), 0);
    while let Some(page) = pages.next().await {
        let page = page.map_err(|e| map_err(ACTION, e))?;
        n += 1;
        out.extend(page.associations().iter().filter_map(|a| {
            let overview = a.overview();
            Some(StateAssociation {
                id: a.association_id()?.to_string(),
                name: opt_owned(a.association_name()),
                document: owned(a.name()),
                targets: targets(a.targets()),
                schedule: opt_owned(a.schedule_expression()),
                last_execution: opt_timestamp(a.last_execution_date()),
                status: opt_owned(overview.and_then(|o| o.status())),
                detailed_status: opt_owned(overview.and_then(|o| o.detailed_status())),
                status_counts: counts(overview),
                parameters: Vec::new(),
            })
        }));
    }
    logged(ACTION, n, out.len());
    Ok(out)
}

fn description(d: &sdk::AssociationDescription) -> Option<StateAssociation> {
    let overview = d.overview();
    let mut parameters: Vec<(String, Vec<String>)> = d
        .parameters()
        .map(|m| m.iter().map(|(k, v)| (k.clone(), v.clone())).collect())
        .unwrap_or_default();
    parameters.sort();
    Some(StateAssociation {
        id: d.association_id()?.to_string(),
        name: opt_owned(d.association_name()),
        document: owned(d.name()),
        targets: targets(d.targets()),
        schedule: opt_owned(d.schedule_expression()),
        last_execution: opt_timestamp(d.last_execution_date()),
        status: opt_owned(overview.and_then(|o| o.status())),
        detailed_status: opt_owned(overview.and_then(|o| o.detailed_status())),
        status_counts: counts(overview),
        parameters,
    })
}

pub(crate) async fn describe_association(
    ssm: &Client,
    association_id: &str,
) -> CloudResult<StateAssociation> {
    const ACTION: &str = "ssm:DescribeAssociation";
    let out = ssm
        .describe_association()
        .association_id(association_id)
        .send()
        .await
        .map_err(|e| map_err(ACTION, e))?;
    logged(ACTION, 1, 1);
    out.association_description()
        .and_then(description)
        .ok_or_else(|| CloudError::NotFound(format!("association {association_id}")))
}

pub(crate) async fn describe_instance_associations_status(
    ssm: &Client,
    instance_id: &str,
) -> CloudResult<Vec<NodeAssociation>> {
    const ACTION: &str = "ssm:DescribeInstanceAssociationsStatus";
    let mut pages = ssm
        .describe_instance_associations_status()
        .instance_id(instance_id)
        .max_results(NODE_ASSOCIATIONS_PAGE)
        .into_paginator()
        .send();
    let (mut out, mut n) = (Vec::new(), 0);
    while let Some(page) = pages.next().await {
        let page = page.map_err(|e| map_err(ACTION, e))?;
        n += 1;
        out.extend(
            page.instance_association_status_infos()
                .iter()
                .map(|s| NodeAssociation {
                    association_id: owned(s.association_id()),
                    association_name: opt_owned(s.association_name()),
                    document: owned(s.name()),
                    instance_id: s.instance_id().unwrap_or(instance_id).to_string(),
                    status: owned(s.status()),
                    detailed_status: opt_owned(s.detailed_status()),
                    execution_date: opt_timestamp(s.execution_date()),
                    execution_summary: opt_owned(s.execution_summary()),
                    error_code: opt_owned(s.error_code()),
                }),
        );
    }
    logged(ACTION, n, out.len());
    Ok(out)
}

pub(crate) async fn create_association(
    ssm: &Client,
    request: &CreateAssociationRequest,
) -> CloudResult<StateAssociation> {
    const ACTION: &str = "ssm:CreateAssociation";
    let mut call = ssm
        .create_association()
        .name(&request.document)
        .association_name(&request.name)
        .schedule_expression(&request.schedule);
    for t in &request.targets {
        call = call.targets(
            sdk::Target::builder()
                .key(&t.key)
                .set_values(Some(t.values.clone()))
                .build(),
        );
    }
    for (k, v) in &request.parameters {
        call = call.parameters(k, v.clone());
    }
    let out = call.send().await.map_err(|e| map_err(ACTION, e))?;
    logged(ACTION, 1, 1);
    out.association_description()
        .and_then(description)
        .ok_or_else(|| CloudError::Other(format!("{ACTION} returned no association")))
}
