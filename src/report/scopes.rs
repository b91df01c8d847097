//! `check` over several scopes: one report per scope (a JSON array with `--json`, one
//! table under one header with `--csv`), written as each scope is read, so that memory
//! holds the scopes being read, not the whole organization.

use std::io::Write;

use futures::StreamExt;

use super::{CheckFormat, csv_rows, outcome, write_json};
use crate::cloud::Cloud;
use crate::domain::patches::PatchPolicy;
use crate::domain::readiness;
use crate::domain::snapshot::Snapshot;
use crate::engine::fetch;
use crate::i18n::Lang;
use crate::scope::Scope;

/// Scopes read at the same time.
pub const CONCURRENT_SCOPES: usize = 8;

/// Reads every scope (the sandbox hands its accounts over instead) and writes its
/// report; returns the worst exit code.
pub async fn check_scopes<C: Cloud>(
    clouds: Vec<(Scope, C)>,
    format: CheckFormat,
    policy: PatchPolicy,
    lang: Lang,
) -> std::io::Result<u8> {
    let judged = |snapshot: &Snapshot| {
        let mut readiness = readiness::evaluate(snapshot);
        crate::domain::patches::judge(&mut readiness, snapshot, policy);
        readiness
    };
    let mut reads = futures::stream::iter(clouds)
        .map(|(scope, cloud)| async move {
            let mut snapshot = match cloud.hand_over() {
                Ok(snapshot) => snapshot,
                Err(cloud) => fetch::check_snapshot(&cloud).await,
            };
            name_account(&mut snapshot, &scope);
            snapshot
        })
        .buffered(CONCURRENT_SCOPES);
    let stdout = std::io::BufWriter::new(std::io::stdout());
    let mut code = 0;
    if format == CheckFormat::Csv {
        let mut csv = csv_rows::CheckCsv::new(stdout)?.with_patch_policy(policy);
        while let Some(snapshot) = reads.next().await {
            let readiness = judged(&snapshot);
            code = code.max(outcome(&snapshot, &readiness).exit_code());
            csv.scope(&snapshot, &readiness)?;
        }
        csv.finish()?;
        return Ok(code);
    }
    let json = format == CheckFormat::Json;
    let mut out = stdout;
    if json {
        out.write_all(b"[\n")?;
    }
    let mut first = true;
    while let Some(snapshot) = reads.next().await {
        let readiness = judged(&snapshot);
        code = code.max(outcome(&snapshot, &readiness).exit_code());
        if !first {
            out.write_all(if json { b",\n" } else { b"\n" })?;
        }
        first = false;
        if json {
            let mut doc = Vec::new();
            write_json(&mut doc, &snapshot, &readiness, policy)?;
            while doc.last() == Some(&b'\n') {
                doc.pop();
            }
            out.write_all(&doc)?;
        } else {
            let text = crate::present::check_text(&snapshot, &readiness, policy, lang);
            out.write_all(text.as_bytes())?;
        }
    }
    if json {
        out.write_all(b"\n]\n")?;
    }
    out.flush()?;
    Ok(code)
}

/// An organization's account is named in its report even when nothing could be read
/// there (its role refused): its id, and its name as the label.
pub fn name_account(snapshot: &mut Snapshot, scope: &Scope) {
    let Some(org) = &scope.org else {
        return;
    };
    let identity = &mut snapshot.identity;
    if identity.account.is_none() {
        identity.account = Some(org.id.clone());
    }
    identity.label = org.label();
    if identity.region.is_empty()
        && let Some(region) = &scope.region
    {
        identity.region = region.clone();
    }
}
