//! Hybrid activations: create (the code is returned, never logged), list every page, delete.

use aws_sdk_ssm::Client;
use aws_sdk_ssm::types as sdk;

use super::convert::opt_timestamp;
use super::errors::map_err;
use super::logged;
use crate::cloud::{CloudError, CloudResult};
use crate::domain::model::{Activation, ActivationRequest, CreatedActivation};

/// DescribeActivations returns at most 50 a page.
const PAGE: i32 = 50;

pub(crate) async fn create_activation(
    ssm: &Client,
    request: &ActivationRequest,
) -> CloudResult<CreatedActivation> {
    const ACTION: &str = "ssm:CreateActivation";
    logged(ACTION, 1, 1);
    let out = ssm
        .create_activation()
        .iam_role(&request.iam_role)
        .registration_limit(request.registration_limit)
        .expiration_date(aws_smithy_types::DateTime::from_secs(
            request.expiration_date.as_second(),
        ))
        .set_default_instance_name(request.default_instance_name.clone())
        .set_description(request.description.clone())
        .send()
        .await
        .map_err(|e| map_err(ACTION, e))?;
    let field = |v: Option<&str>, name: &str| {
        v.map(str::to_string)
            .ok_or_else(|| CloudError::Other(format!("{ACTION}: response has no {name}")))
    };
    Ok(CreatedActivation {
        id: field(out.activation_id(), "ActivationId")?,
        code: field(out.activation_code(), "ActivationCode")?,
    })
}

pub(crate) async fn describe_activations(ssm: &Client) -> CloudResult<Vec<Activation>> {
    const ACTION: &str = "ssm:DescribeActivations";
    let mut pages = ssm
        .describe_activations()
        .max_results(PAGE)
        .into_paginator()
        .send();
    let (mut out, mut n) = (Vec::new(), 0);
    while let Some(page) = pages.next().await {
        let page = page.map_err(|e| map_err(ACTION, e))?;
        n += 1;
        out.extend(page.activation_list().iter().map(activation));
    }
    logged(ACTION, n, out.len());
    Ok(out)
}

fn activation(a: &sdk::Activation) -> Activation {
    Activation {
        id: a.activation_id().unwrap_or_default().to_string(),
        description: a
            .description()
            .filter(|d| !d.is_empty())
            .map(str::to_string),
        default_instance_name: a
            .default_instance_name()
            .filter(|d| !d.is_empty())
            .map(str::to_string),
        iam_role: a.iam_role().unwrap_or_default().to_string(),
        registration_limit: a.registration_limit().unwrap_or(1),
        registrations_count: a.registrations_count().unwrap_or(0),
        expiration_date: opt_timestamp(a.expiration_date()),
        expired: a.expired(),
        created: opt_timestamp(a.created_date()),
    }
}

pub(crate) async fn delete_activation(ssm: &Client, id: &str) -> CloudResult<()> {
    const ACTION: &str = "ssm:DeleteActivation";
    logged(ACTION, 1, 1);
    ssm.delete_activation()
        .activation_id(id)
        .send()
        .await
        .map_err(|e| map_err(ACTION, e))?;
    Ok(())
}
