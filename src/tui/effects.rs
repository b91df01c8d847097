//! Effects that ask the cloud for something, as operations for the engine of the scope
//! that holds their subject. The event loop and the tests route them with the same code.

use super::app::{App, Effect};
use crate::cloud::SendCommandRequest;
use crate::engine::audit::{Audit, AuditLog};
use crate::engine::ops::Op;

/// The operations an effect stands for, each with the position of its scope; nothing
/// for the effects the event loop does itself (quit, copy, a session…).
pub fn ops_of(app: &App, effect: Effect) -> Vec<(usize, Op)> {
    match effect {
        Effect::DryRun(plan) => vec![(app.plan_scope, Op::DryRun(plan))],
        Effect::Apply(plan) => vec![(app.plan_scope, Op::Apply(plan))],
        Effect::LoadDetail(request) => vec![(app.owner_of(request.id()), Op::Detail(request))],
        Effect::SendCommand(request) => split_by_scope(app, request)
            .into_iter()
            .map(|(ix, part)| (ix, Op::Send(part)))
            .collect(),
        Effect::CancelCommand(id) => vec![(app.owner_of(&id), Op::Cancel(id))],
        Effect::LoadDocuments => vec![(app.selected_scope(), Op::Documents)],
        Effect::LoadDocument(name) => vec![(app.selected_scope(), Op::Document(name))],
        // The first scope's account and region: activations are not merged across scopes.
        Effect::Activation(op) => vec![(0, Op::Activation(op))],
        Effect::Quit
        | Effect::RefreshAll
        | Effect::LoadAudit
        | Effect::Copy(_)
        | Effect::Session(_)
        | Effect::StartForward { .. }
        | Effect::StopForward(_)
        | Effect::SwitchRegion(_)
        | Effect::Export(_)
        | Effect::ShowStats => Vec::new(),
    }
}

/// The audit log's context for writes in scope `ix`: its account, region and profile.
pub fn audit_for(app: &App, ix: usize, log: &AuditLog) -> Audit {
    let id = &app.scope_data(ix).0.identity;
    Audit {
        log: log.clone(),
        account: id.account.clone(),
        region: id.region.clone(),
        profile: id.label.clone(),
    }
}

/// A command for several scopes: the instances each one holds; tag targets go to all.
fn split_by_scope(app: &App, request: SendCommandRequest) -> Vec<(usize, SendCommandRequest)> {
    if !app.multi() {
        return vec![(0, request)];
    }
    if request.instance_ids.is_empty() {
        return (0..app.scopes.len())
            .map(|ix| (ix, request.clone()))
            .collect();
    }
    let mut parts: std::collections::BTreeMap<usize, Vec<String>> = Default::default();
    for id in &request.instance_ids {
        parts.entry(app.owner_of(id)).or_default().push(id.clone());
    }
    parts
        .into_iter()
        .map(|(ix, instance_ids)| {
            (
                ix,
                SendCommandRequest {
                    instance_ids,
                    ..request.clone()
                },
            )
        })
        .collect()
}
