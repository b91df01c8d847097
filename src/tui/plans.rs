//! The keys that change the account (`c`, `n`, `a`, `f`, Enter on the Lab): the plan for
//! the selected row, its confirmation dialog, and the progress of a plan being applied.
//! A key never answers "nothing to do" while a blocker it cannot fix stands: it says what
//! blocks and what fixes it.

use super::app::{App, Effect, Mode, Pane};
use super::bindings::{Action, Context};
use super::dialog::Confirm;
use super::fleet::{self, ProposalKind};
use super::lab::LabAction;
use super::status_truth;
use crate::domain::findings::{Finding, Fix, Rule, Severity};
use crate::domain::plan::{self, Plan, PlanScope, StepKind, blockers_in_scope};
use crate::domain::readiness::Readiness;
use crate::domain::snapshot::Snapshot;
use crate::engine::executor::{Outcome, PlanEvent};
use crate::i18n::{t, tf};
use crate::present::{call_text, finding_short, note_text, plan_title};

#[derive(Debug, Clone, Copy)]
pub(super) enum PlanAction {
    Endpoints,
    Role,
    Attach,
    /// Everything the selected (or marked) instances need.
    Fix,
}

/// Today (UTC) for endpoint idempotency tokens.
fn day(app: &App) -> String {
    app.now.strftime("%Y%m%d").to_string()
}

/// The blockers of the instances in one VPC.
fn vpc_blockers(s: &Snapshot, r: &Readiness, vpc_id: &str) -> Vec<Finding> {
    let vpcs = [vpc_id.to_string()];
    let scope = PlanScope {
        vpcs: &vpcs,
        instances: &[],
    };
    blockers_in_scope(s, r, scope)
        .into_iter()
        .cloned()
        .collect()
}

/// The blockers of some instances.
fn instance_blockers(s: &Snapshot, r: &Readiness, ids: &[String]) -> Vec<Finding> {
    let scope = PlanScope {
        vpcs: &[],
        instances: ids,
    };
    blockers_in_scope(s, r, scope)
        .into_iter()
        .cloned()
        .collect()
}

/// What stands when the role plan has nothing to do: the selected role's own blockers,
/// then the instances' blockers about roles and profiles, then any other.
fn role_blockers(s: &Snapshot, r: &Readiness, selected: Option<&str>) -> Vec<Finding> {
    let own = r
        .roles
        .iter()
        .filter(|x| Some(x.name.as_str()) == selected)
        .flat_map(|x| x.findings.iter())
        .filter(|f| f.severity == Severity::Blocker);
    let all: Vec<&Finding> = blockers_in_scope(
        s,
        r,
        PlanScope {
            vpcs: &[],
            instances: &[],
        },
    );
    let iam = |f: &&Finding| matches!(f.rule, Rule::InstanceProfile | Rule::Policy);
    own.chain(all.iter().copied().filter(iam))
        .chain(all.iter().copied().filter(|f| !iam(f)))
        .cloned()
        .collect()
}

/// The role a selected Roles row stands for, when a finding of it is fixed by the Core
/// policy on that very role.
fn role_needing_core(r: &Readiness, selected: Option<&str>) -> Option<String> {
    let name = selected?;
    let report = r.roles.iter().find(|x| x.name == name)?;
    report
        .findings
        .iter()
        .any(|f| matches!(&f.fix, Fix::AttachCorePolicy { role } if role == name))
        .then(|| name.to_string())
}

/// The selected row, or the marked ones.
fn targets(app: &App) -> Vec<String> {
    let marks: Vec<String> = app
        .table()
        .map(|t| t.marks.iter().cloned().collect())
        .unwrap_or_default();
    if marks.is_empty() {
        app.selected_id().into_iter().collect()
    } else {
        marks
    }
}

/// Build the plan for a key action and open the confirmation dialog.
pub(super) fn propose(app: &mut App, action: PlanAction) -> Vec<Effect> {
    if app.read_only {
        app.error(t(app.lang, "status.read_only"));
        return Vec::new();
    }
    if app.running.is_some() {
        app.info(t(app.lang, "status.plan_running"));
        return Vec::new();
    }
    let selected = app.selected_id();
    // With several accounts or regions, a plan is made from and applied to one of them.
    app.plan_scope = app.selected_scope();
    if matches!(action, PlanAction::Attach | PlanAction::Fix) {
        let targets = targets(app);
        if targets.is_empty() {
            app.info(t(app.lang, "status.select_instances"));
            return Vec::new();
        }
        if app.multi() {
            let scopes: std::collections::BTreeSet<usize> =
                targets.iter().map(|id| app.owner_of(id)).collect();
            if scopes.len() > 1 {
                app.error(t(app.lang, "status.attach_one_scope"));
                return Vec::new();
            }
            app.plan_scope = scopes.first().copied().unwrap_or(0);
        }
        let (snapshot, readiness) = app.scope_data(app.plan_scope);
        let blockers = instance_blockers(snapshot, readiness, &targets);
        let plan = if let PlanAction::Fix = action {
            plan::plan_fix(
                snapshot,
                readiness,
                &[],
                &targets,
                &app.role_name,
                &day(app),
            )
        } else {
            if !snapshot
                .iam
                .profiles
                .iter()
                .any(|p| p.name == app.role_name)
            {
                app.error(tf(
                    app.lang,
                    "status.profile_missing",
                    &[
                        ("profile", &app.role_name),
                        (
                            "key",
                            &app.ui().key(Context::Pane(Pane::Roles), Action::CreateRole),
                        ),
                    ],
                ));
                return Vec::new();
            }
            plan::plan_attach(snapshot, &targets, &app.role_name)
        };
        return open_plan(app, plan, &blockers);
    }
    let (snapshot, readiness) = app.scope_data(app.plan_scope);
    let (plan, blockers) = match action {
        PlanAction::Endpoints => {
            let Some(vpc) = selected.as_deref().and_then(|id| id.split('/').next()) else {
                app.info(t(app.lang, "status.select_vpc"));
                return Vec::new();
            };
            (
                plan::plan_endpoints(snapshot, readiness, vpc, &day(app)),
                vpc_blockers(snapshot, readiness, vpc),
            )
        }
        _ => match role_needing_core(readiness, selected.as_deref()) {
            Some(role) => {
                let blockers = readiness
                    .roles
                    .iter()
                    .filter(|x| x.name == role)
                    .flat_map(|x| x.findings.iter())
                    .filter(|f| f.severity == Severity::Blocker)
                    .cloned()
                    .collect();
                (plan::plan_role_policy(snapshot, &role), blockers)
            }
            None => (
                plan::plan_role(snapshot, &app.role_name),
                role_blockers(snapshot, readiness, selected.as_deref()),
            ),
        },
    };
    open_plan(app, plan, &blockers)
}

/// Open the confirmation dialog for `plan` (also when a blocker's fix is only offered: `o`
/// selects it). A plan without a call to make says why: the manual changes it holds, else
/// the first of `blockers` (what stands and what fixes it), else that there is nothing to do.
pub(super) fn open_plan(app: &mut App, mut plan: Plan, blockers: &[Finding]) -> Vec<Effect> {
    if let Some(view) = app.scopes.get(app.plan_scope).filter(|_| app.multi()) {
        // IAM is global: a role plan names the account only.
        let iam_only = plan
            .steps
            .iter()
            .all(|s| matches!(s.kind, StepKind::Role | StepKind::RolePolicy));
        plan.place = if iam_only {
            view.account()
        } else {
            format!("{} {}", view.region(), view.account())
        };
    }
    // Offered steps open the dialog when a finding names them (an ACL entry, an AZ for the
    // endpoints); the optional endpoints alone are not worth one.
    let offered_fix = plan.steps.iter().any(|s| {
        matches!(s.kind, StepKind::NetworkAcl | StepKind::EndpointZones) && !s.calls.is_empty()
    });
    if plan.is_empty() && !offered_fix {
        let lang = app.lang;
        let notes: Vec<String> = plan
            .steps
            .iter()
            .flat_map(|s| s.notes.iter())
            .map(|n| note_text(n, lang))
            .collect();
        if !notes.is_empty() {
            app.error(notes.join("; "));
        } else if let Some(f) = blockers.first() {
            app.error(tf(
                lang,
                "status.blocked_elsewhere",
                &[
                    ("what", &finding_short(f, lang)),
                    ("subject", &f.subject),
                    ("fix", &super::fix_hint::finding_fix(f, app.ui())),
                ],
            ));
        } else {
            app.info(t(lang, "status.nothing_to_do"));
        }
        return Vec::new();
    }
    app.mode = Mode::Confirm(Box::new(Confirm::new(plan.clone())));
    vec![Effect::DryRun(plan)]
}

pub(super) fn on_confirm_key(app: &mut App, action: Action, mut confirm: Confirm) -> Vec<Effect> {
    match action {
        Action::Yes if confirm.plan.is_empty() => {
            let key = app.ui().key(Context::Dialog, Action::ToggleOptional);
            app.info(tf(app.lang, "status.nothing_selected", &[("key", &key)]));
            app.mode = Mode::Confirm(Box::new(confirm));
            Vec::new()
        }
        Action::Yes => {
            app.mode = Mode::Normal;
            let plan = confirm.plan;
            app.running = Some((plan.clone(), t(app.lang, "status.starting")));
            let title = plan_title(&plan, app.lang);
            app.info(tf(app.lang, "status.applying", &[("title", &title)]));
            vec![Effect::Apply(plan)]
        }
        Action::ToggleOptional => {
            let toggled = confirm.toggle_optional();
            let plan = confirm.plan.clone();
            app.mode = Mode::Confirm(Box::new(confirm));
            if toggled {
                vec![Effect::DryRun(plan)]
            } else {
                Vec::new()
            }
        }
        Action::No => {
            app.mode = Mode::Normal;
            app.info(t(app.lang, "status.cancelled"));
            Vec::new()
        }
        _ => {
            app.mode = Mode::Confirm(Box::new(confirm));
            Vec::new()
        }
    }
}

pub(super) fn on_plan_event(app: &mut App, event: PlanEvent) -> Vec<Effect> {
    match event {
        PlanEvent::Verdict { index, verdict } => {
            if let Mode::Confirm(c) = &mut app.mode {
                c.verdicts.insert(index, verdict);
            }
            Vec::new()
        }
        PlanEvent::Started { index, total } => {
            if let Some((plan, line)) = &mut app.running {
                let call = plan.steps.iter().flat_map(|s| s.calls.iter()).nth(index);
                let position = crate::engine::executor::indexed_calls(plan)
                    .iter()
                    .position(|(i, _)| *i == index)
                    .map_or(0, |p| p + 1);
                *line = format!(
                    "{position}/{total} {}",
                    call.map(call_text).unwrap_or_default()
                );
            }
            Vec::new()
        }
        PlanEvent::Finished { outcome, .. } => {
            match outcome {
                Outcome::Failed { .. } => app.running = None,
                Outcome::Unconfirmed { detail } => app.error(detail),
                Outcome::Done { .. } | Outcome::Skipped { .. } => {}
            }
            Vec::new()
        }
        PlanEvent::Aborted { action, error, .. } => {
            app.running = None;
            let lang = app.lang;
            let again = tf(
                lang,
                "hint.again.console",
                &[("key", &app.ui().key(Context::Global, Action::Refresh))],
            );
            app.error(tf(
                lang,
                "status.failed",
                &[
                    (
                        "message",
                        &crate::present::failure_text(&action, &error, lang),
                    ),
                    ("hint", &crate::present::failure_hint(&error, &again, lang)),
                ],
            ));
            vec![Effect::RefreshAll]
        }
        PlanEvent::Completed {
            done,
            skipped,
            unconfirmed,
        } => {
            app.running = None;
            let (d, s, u) = (
                done.to_string(),
                skipped.to_string(),
                unconfirmed.to_string(),
            );
            if unconfirmed > 0 {
                app.error(tf(
                    app.lang,
                    "status.applied_unconfirmed",
                    &[("done", &d), ("skipped", &s), ("unconfirmed", &u)],
                ));
            } else if done == 0 {
                app.info(tf(app.lang, "status.unchanged", &[("skipped", &s)]));
            } else {
                app.info(tf(
                    app.lang,
                    "status.applied",
                    &[("done", &d), ("skipped", &s)],
                ));
            }
            vec![Effect::RefreshAll]
        }
    }
}

/// Enter on the Lab pane: do the next undone step through the same dialogs.
pub(super) fn lab_enter(app: &mut App) -> Vec<Effect> {
    let lang = app.lang;
    let Some(lab) = app.lab().cloned() else {
        return Vec::new();
    };
    if lab.complete() {
        let text = t(lang, "lab.status.complete");
        status_truth::info_while(app, text, status_truth::Holds::LabComplete);
        return Vec::new();
    }
    let Some(action) = lab.next_action().cloned() else {
        let why = lab.holdup().unwrap_or_default();
        let text = tf(lang, "lab.status.waiting", &[("why", &why)]);
        status_truth::info_while(app, text, status_truth::Holds::LabWaiting(why));
        return Vec::new();
    };
    if app.read_only {
        app.error(t(lang, "status.read_only"));
        return Vec::new();
    }
    if app.running.is_some() {
        app.info(t(lang, "status.plan_running"));
        return Vec::new();
    }
    // The lab lives in one scope: where its VPC is.
    app.plan_scope = lab.vpc_id.as_deref().map_or(0, |v| app.owner_of(v));
    let (snapshot, readiness) = app.scope_data(app.plan_scope);
    let lab_ids = lab.instance_ids.clone();
    let blockers = instance_blockers(snapshot, readiness, &lab_ids);
    match action {
        LabAction::CreateEndpoints { vpc_id } => {
            let plan = plan::plan_endpoints(snapshot, readiness, &vpc_id, &day(app));
            open_plan(app, plan, &blockers)
        }
        LabAction::CreateRole => {
            let plan = plan::plan_role(snapshot, &app.role_name);
            open_plan(app, plan, &blockers)
        }
        LabAction::Attach { instance_ids } => {
            let plan = plan::plan_attach(snapshot, &instance_ids, &app.role_name);
            open_plan(app, plan, &blockers)
        }
        LabAction::Fix { instance_ids } => {
            let plan = plan::plan_fix(
                snapshot,
                readiness,
                &[],
                &instance_ids,
                &app.role_name,
                &day(app),
            );
            open_plan(app, plan, &blockers)
        }
        LabAction::RunCommand { instance_ids } => fleet::propose_for(
            app,
            ProposalKind::Shell("uname -a && uptime".into()),
            &instance_ids,
        ),
        LabAction::Scan { instance_ids } => {
            fleet::propose_for(app, ProposalKind::Scan, &instance_ids)
        }
        LabAction::SetupInventory { instance_ids } => {
            let plan = plan::plan_inventory(snapshot, readiness, &instance_ids);
            open_plan(app, plan, &[])
        }
    }
}
