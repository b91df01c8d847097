//! SSM documents: the Command documents Amazon and the account own, and one document's
//! parameters (DescribeDocument for names, types and defaults; its content for the
//! allowed values).

use aws_sdk_ssm::Client;
use aws_sdk_ssm::types as sdk;

use super::errors::map_err;
use super::logged;
use crate::cloud::{CloudResult, DocumentDetail, DocumentInfo, DocumentParameter};

pub(crate) async fn list_documents(ssm: &Client) -> CloudResult<Vec<DocumentInfo>> {
    const ACTION: &str = "ssm:ListDocuments";
    let mut out: Vec<DocumentInfo> = Vec::new();
    for owner in ["Self", "Amazon"] {
        let filter = |k: &str, v: &str| {
            sdk::DocumentKeyValuesFilter::builder()
                .key(k)
                .values(v)
                .build()
        };
        let mut pages = ssm
            .list_documents()
            .filters(filter("DocumentType", "Command"))
            .filters(filter("Owner", owner))
            .max_results(50)
            .into_paginator()
            .send();
        let mut n = 0;
        while let Some(page) = pages.next().await {
            let page = page.map_err(|e| map_err(ACTION, e))?;
            n += 1;
            for d in page.document_identifiers() {
                let Some(name) = d.name() else { continue };
                if out.iter().any(|x| x.name == name) {
                    continue;
                }
                out.push(DocumentInfo {
                    name: name.to_string(),
                    owner: d.owner().unwrap_or(owner).to_string(),
                    platforms: d
                        .platform_types()
                        .iter()
                        .map(|p| p.as_str().to_string())
                        .collect(),
                });
            }
        }
        logged(ACTION, n, out.len());
    }
    Ok(out)
}

pub(crate) async fn describe_document(ssm: &Client, name: &str) -> CloudResult<DocumentDetail> {
    const DESCRIBE: &str = "ssm:DescribeDocument";
    const GET: &str = "ssm:GetDocument";
    let out = ssm
        .describe_document()
        .name(name)
        .send()
        .await
        .map_err(|e| map_err(DESCRIBE, e))?;
    logged(DESCRIBE, 1, 1);
    let doc = out.document();
    // The allowed values are in the content only (JSON for Amazon's documents).
    let content = ssm
        .get_document()
        .name(name)
        .send()
        .await
        .map_err(|e| map_err(GET, e))?;
    logged(GET, 1, 1);
    let json: Option<serde_json::Value> =
        content.content().and_then(|c| serde_json::from_str(c).ok());
    let allowed = |param: &str| -> Vec<String> {
        json.as_ref()
            .and_then(|j| j["parameters"][param]["allowedValues"].as_array())
            .map(|a| {
                a.iter()
                    .map(|v| v.as_str().map_or_else(|| v.to_string(), str::to_string))
                    .collect()
            })
            .unwrap_or_default()
    };
    let parameters = doc
        .map(|d| d.parameters())
        .unwrap_or_default()
        .iter()
        .filter_map(|p| {
            let name = p.name()?.to_string();
            Some(DocumentParameter {
                allowed: allowed(&name),
                kind: p
                    .r#type()
                    .map_or_else(|| "String".to_string(), |t| t.as_str().to_string()),
                description: p.description().unwrap_or_default().to_string(),
                default: p.default_value().map(str::to_string),
                name,
            })
        })
        .collect();
    Ok(DocumentDetail {
        name: name.to_string(),
        description: doc
            .and_then(|d| d.description())
            .unwrap_or_default()
            .to_string(),
        parameters,
    })
}
