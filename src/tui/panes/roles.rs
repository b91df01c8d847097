//! Roles: the roles instances can use, whether they trust EC2 and carry the SSM policy;
//! `n` makes the selected role (or ManagedInstancesRole) usable.

use super::{Column, PaneData, PaneRows, PaneSpec};
use crate::domain::model::{DEFAULT_ROLE_NAME, SsmPolicy};
use crate::domain::readiness::Readiness;
use crate::domain::snapshot::Source;
use crate::i18n::{Lang, t};
use crate::tui::app::{App, Effect};
use crate::tui::bindings::Action;
use crate::tui::plans::{PlanAction, propose};
use crate::tui::rows::{Row, Tone, cell, tick};
use crate::tui::scopes::ScopeView;

pub(super) struct Spec;

const COLUMNS: &[Column] = &[
    Column::id("ui.col.role"),
    Column::new("ui.col.trusts_ec2", 2),
    Column::new("ui.col.ssm_policy", 1),
    Column::new("ui.col.profiles", 4),
    Column::new("ui.col.instance_count", 3),
    Column::new("ui.col.note", 0),
];

impl PaneSpec for Spec {
    fn key(&self) -> &'static str {
        "pane.roles"
    }
    fn command(&self) -> &'static str {
        "roles"
    }
    fn sources(&self) -> &'static [Source] {
        &[Source::Iam]
    }
    fn reads_readiness(&self) -> bool {
        true
    }
    fn global(&self) -> bool {
        true
    }
    fn columns(&self) -> &'static [Column] {
        COLUMNS
    }
    fn has_findings(&self) -> bool {
        true
    }
    fn rows(&self, d: &PaneData) -> Option<PaneRows> {
        // Several scopes: IAM is read once per account, and a role counts the instances
        // of every region of its account.
        let rows = match d.scope {
            Some(ix) if !d.scopes.get(ix).is_some_and(|v| v.reads_iam) => Vec::new(),
            Some(ix) if d.members.is_none() => role_rows(&account_roles(d.scopes, ix), d.lang),
            _ => role_rows(d.readiness, d.lang),
        };
        let Some(m) = d.members else {
            return Some(PaneRows::plain(rows));
        };
        // With `:group`, the roles of the group's instance profiles.
        let profiles: std::collections::HashSet<&str> = d
            .readiness
            .instances
            .iter()
            .filter(|r| m.contains(&r.instance_id))
            .filter_map(|r| r.profile_name.as_deref())
            .collect();
        let rows = rows
            .into_iter()
            .filter(|r| {
                d.readiness.roles.iter().any(|x| {
                    x.name == r.id && x.profiles.iter().any(|p| profiles.contains(p.as_str()))
                })
            })
            .collect();
        Some(PaneRows::plain(rows))
    }
    fn hints(&self) -> &'static [Action] {
        &[Action::CreateRole, Action::Details, Action::Copy]
    }
    fn handle(&self, app: &mut App, action: Action) -> Option<Vec<Effect>> {
        match action {
            Action::CreateRole => Some(propose(app, PlanAction::Role)),
            _ => None,
        }
    }
}

/// The roles of scope `ix`'s account, each counting the instances that use it in every
/// region of the account.
fn account_roles(scopes: &[ScopeView], ix: usize) -> Readiness {
    let Some(first) = scopes.get(ix) else {
        return Readiness::default();
    };
    let mut roles = first.readiness.roles.clone();
    for (j, other) in scopes.iter().enumerate() {
        if j == ix || !other.scope.same_account(&first.scope) {
            continue;
        }
        for role in &mut roles {
            role.instance_count += other
                .readiness
                .roles
                .iter()
                .find(|r| r.name == role.name)
                .map_or(0, |r| r.instance_count);
        }
    }
    Readiness {
        roles,
        default_role_ready: first.readiness.default_role_ready,
        ..Readiness::default()
    }
}

pub(crate) fn role_rows(r: &Readiness, lang: Lang) -> Vec<Row> {
    let mut rows = Vec::new();
    if !r.roles.iter().any(|x| x.name == DEFAULT_ROLE_NAME) {
        rows.push(Row::new(
            DEFAULT_ROLE_NAME.to_string(),
            vec![
                cell(DEFAULT_ROLE_NAME, Tone::Bad),
                cell("–", Tone::Dim),
                cell("–", Tone::Dim),
                cell("–", Tone::Dim),
                cell("0", Tone::Dim),
                cell(t(lang, "cell.role_missing"), Tone::Bad),
            ],
            Vec::new(),
            vec![
                t(lang, "ui.detail.role_missing"),
                t(lang, "ui.detail.role_missing_what"),
            ],
        ));
    }
    for role in &r.roles {
        let policy = match role.policy {
            SsmPolicy::Core => cell(t(lang, "cell.core"), Tone::Good),
            SsmPolicy::Deprecated => cell(t(lang, "cell.deprecated"), Tone::Warn),
            SsmPolicy::Custom => cell(t(lang, "cell.policy_custom"), Tone::Good),
            SsmPolicy::None => cell(t(lang, "cell.policy_none"), Tone::Bad),
            SsmPolicy::Denied => cell(t(lang, "cell.policy_denied"), Tone::Bad),
            SsmPolicy::Unknown => cell(t(lang, "cell.policy_unknown"), Tone::Warn),
        };
        let note = if let Some(f) = role.findings.first() {
            cell(crate::present::finding_short(f, lang), Tone::Warn)
        } else if role.profiles.is_empty() {
            cell(t(lang, "cell.no_profile"), Tone::Warn)
        } else {
            cell(t(lang, "cell.usable"), Tone::Good)
        };
        rows.push(Row::new(
            role.name.clone(),
            vec![
                cell(role.name.clone(), Tone::Normal),
                cell(
                    tick(role.trusts_ec2),
                    if role.trusts_ec2 {
                        Tone::Good
                    } else {
                        Tone::Bad
                    },
                ),
                policy,
                cell(
                    if role.profiles.is_empty() {
                        "–".to_string()
                    } else {
                        role.profiles.join(", ")
                    },
                    Tone::Normal,
                ),
                cell(role.instance_count.to_string(), Tone::Normal),
                note,
            ],
            role.findings.clone(),
            vec![role.arn.clone()],
        ));
    }
    rows
}
