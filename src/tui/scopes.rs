//! Several accounts and regions in one view: each scope's data kept apart, merged for
//! the panes, every row labelled with its Region and Account.

use std::collections::HashMap;
use std::sync::Arc;

use crate::domain::model::Identity;
use crate::domain::readiness::{FleetSummary, Readiness};
use crate::domain::snapshot::{Snapshot, Source, SourceStatus};
use crate::engine::fetch::{Fetched, apply_noting_change};
use crate::scope::Scope;

use super::rows::{Cell, Row, Tone};
use crate::i18n::Lang;

/// One account and region with what its pollers found.
#[derive(Debug, Clone, Default)]
pub struct ScopeView {
    pub scope: Scope,
    /// Shared with a build running off the UI thread.
    pub snapshot: Arc<Snapshot>,
    pub readiness: Arc<Readiness>,
    /// Whether this scope polls IAM (the first of its profile); the others share its roles.
    pub reads_iam: bool,
    /// New data came since `readiness` was evaluated (the next build evaluates it).
    pub stale: bool,
}

impl ScopeView {
    pub fn new(scope: Scope, reads_iam: bool) -> Self {
        Self {
            scope,
            reads_iam,
            ..Self::default()
        }
    }

    /// The region the scope's calls go to, once known.
    pub fn region(&self) -> String {
        let known = &self.snapshot.identity.region;
        if known.is_empty() {
            self.scope.region.clone().unwrap_or_default()
        } else {
            known.clone()
        }
    }

    /// The organization's account (name and id), else the profile that reaches it (as
    /// the operator named it), else its id.
    pub fn account(&self) -> String {
        if let Some(org) = &self.scope.org {
            return org.label();
        }
        match (&self.scope.profile, &self.snapshot.identity.account) {
            (Some(p), _) => p.clone(),
            (None, Some(a)) => a.clone(),
            (None, None) => "…".into(),
        }
    }
}

/// For a scope whose instances could not be read at all: one row of `width` cells, its
/// last saying why (the Instances pane shows it in place of the scope's instances).
pub fn unread_row(view: &ScopeView, width: usize, lang: Lang) -> Option<Row> {
    let status = view.snapshot.status(Source::Instances);
    let error = status.error.as_ref()?;
    if view.snapshot.has_data(Source::Instances) {
        return None;
    }
    let why = crate::present::error_text(error, lang);
    let mut cells: Vec<Cell> = (1..width.max(2))
        .map(|_| Cell {
            text: "–".into(),
            tone: Tone::Dim,
        })
        .collect();
    cells.push(Cell {
        text: why.clone(),
        tone: Tone::Bad,
    });
    let again = crate::i18n::t(lang, "hint.again.restart");
    let hint = crate::present::failure_hint(error, &again, lang);
    Some(Row::new(
        format!("scope:{}:{}", view.account(), view.region()),
        cells,
        Vec::new(),
        vec![why, hint],
    ))
}

/// Which scope columns a multi-scope view shows: Region when it spans regions, Account
/// when it spans profiles.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ScopeColumns {
    pub region: bool,
    pub account: bool,
}

impl ScopeColumns {
    pub fn of(views: &[ScopeView]) -> Self {
        if views.len() < 2 {
            return Self::default();
        }
        let differ =
            |f: &dyn Fn(&ScopeView) -> Option<String>| views.iter().any(|v| f(v) != f(&views[0]));
        Self {
            region: differ(&|v| v.scope.region.clone()),
            account: differ(&|v| {
                v.scope
                    .org
                    .as_ref()
                    .map(|o| o.id.clone())
                    .or_else(|| v.scope.profile.clone())
            }),
        }
    }
    pub fn count(self) -> usize {
        usize::from(self.region) + usize::from(self.account)
    }
}

/// Tags each row with its scope and puts the Region and Account cells in front (the
/// filter matches them too).
pub fn label(rows: &mut [Row], views: &[ScopeView], ix: usize) {
    if let Some(view) = views.get(ix) {
        label_as(
            rows,
            ScopeColumns::of(views),
            ix,
            view.region(),
            view.account(),
        );
    }
}

/// IAM is not regional: its rows say `global`, and their ids carry the account so that
/// two accounts' roles of the same name stay apart.
pub fn label_global(rows: &mut [Row], views: &[ScopeView], ix: usize) {
    let Some(view) = views.get(ix) else {
        return;
    };
    let columns = ScopeColumns::of(views);
    if columns.account {
        for row in rows.iter_mut() {
            row.id = format!("{}@{}", row.id, view.account());
        }
    }
    label_as(rows, columns, ix, "global".into(), view.account());
}

/// New cells and haystack are made to size: inserting in front doubled the room of each
/// (156 MiB of slack at 100k rows).
fn label_as(rows: &mut [Row], columns: ScopeColumns, ix: usize, region: String, account: String) {
    let prefix = format!("{region} {account} ").to_lowercase();
    for row in rows {
        row.scope = Some(ix);
        let mut cells = Vec::with_capacity(row.cells.len() + columns.count());
        if columns.region {
            cells.push(Cell {
                text: region.clone(),
                tone: Tone::Normal,
            });
        }
        if columns.account {
            cells.push(Cell {
                text: account.clone(),
                tone: Tone::Dim,
            });
        }
        cells.append(&mut row.cells);
        row.cells = cells;
        let mut haystack = String::with_capacity(prefix.len() + row.haystack.len());
        haystack.push_str(&prefix);
        haystack.push_str(&row.haystack);
        row.haystack = haystack;
    }
}

/// New data of scope `ix`: kept in its view; IAM goes to every scope of the account.
/// The views it touched are marked for the next build to evaluate their readiness (off
/// the UI thread). Returns whether data changed, and whether readiness is judged again.
pub fn absorb(
    views: &mut [ScopeView],
    ix: usize,
    fetched: Fetched,
    at: jiff::Timestamp,
) -> (bool, bool) {
    let source = fetched.source();
    let Some(view) = views.get_mut(ix) else {
        return (false, false);
    };
    // Freed here: with several scopes each one's share is smaller.
    let absorbed = apply_noting_change(Arc::make_mut(&mut view.snapshot), fetched, at);
    drop(absorbed.old);
    let mut touched = vec![ix];
    if source == Source::Iam {
        let scope = view.scope.clone();
        let iam = view.snapshot.iam.clone();
        let status = view.snapshot.status(Source::Iam);
        for (j, other) in views.iter_mut().enumerate() {
            if j != ix && other.scope.same_account(&scope) {
                let snapshot = Arc::make_mut(&mut other.snapshot);
                snapshot.iam = iam.clone();
                snapshot.status.insert(Source::Iam, status.clone());
                touched.push(j);
            }
        }
    }
    if absorbed.rejudge {
        for j in touched {
            if let Some(v) = views.get_mut(j) {
                v.stale = true;
            }
        }
    }
    (absorbed.changed, absorbed.rejudge)
}

/// `merged`'s data of `source` rebuilt from the views, its status summed up, and the
/// owner of each id recorded (actions go to the scope that holds the resource). The long
/// lists — instances, managed nodes, inventory, patch states — stay in the views only
/// (read through [`App::instances`](super::app::App::instances) and its kin): a copy
/// here was 106 MiB at 100k instances.
pub fn merge(
    merged: &mut Snapshot,
    owner: &mut HashMap<String, usize>,
    views: &[ScopeView],
    source: Source,
) {
    let each = || views.iter().enumerate();
    match source {
        Source::Network => {
            let n = &mut merged.network;
            *n = Default::default();
            for (i, v) in each() {
                let d = &v.snapshot.network;
                n.vpcs.extend(d.vpcs.iter().cloned());
                n.subnets.extend(d.subnets.iter().cloned());
                n.route_tables.extend(d.route_tables.iter().cloned());
                n.security_groups.extend(d.security_groups.iter().cloned());
                n.endpoints.extend(d.endpoints.iter().cloned());
                for vpc in &d.vpcs {
                    owner.insert(vpc.id.clone(), i);
                }
            }
        }
        Source::Instances => {
            for (i, v) in each() {
                for inst in &v.snapshot.instances.instances {
                    owner.insert(inst.id.clone(), i);
                }
            }
        }
        Source::Iam => {
            merged.iam = Default::default();
            for (_, v) in each().filter(|(_, v)| v.reads_iam) {
                merged
                    .iam
                    .roles
                    .extend(v.snapshot.iam.roles.iter().cloned());
                merged
                    .iam
                    .profiles
                    .extend(v.snapshot.iam.profiles.iter().cloned());
            }
        }
        Source::Nodes => {
            for (i, v) in each() {
                // Hybrid nodes are in no instance list.
                for node in v.snapshot.nodes.nodes.iter().filter(|n| n.is_hybrid()) {
                    owner.insert(node.instance_id.clone(), i);
                }
            }
            merged.nodes.dhmc = views.first().and_then(|v| v.snapshot.nodes.dhmc);
        }
        Source::Inventory | Source::Patches => {}
        Source::Commands => {
            merged.commands.clear();
            for (i, v) in each() {
                for c in &v.snapshot.commands {
                    owner.insert(c.id.clone(), i);
                    merged.commands.push(c.clone());
                }
            }
            merged
                .commands
                .sort_by_key(|c| std::cmp::Reverse(c.requested));
        }
        Source::Windows => {
            merged.windows.clear();
            for (i, v) in each() {
                for w in &v.snapshot.windows {
                    owner.insert(w.id.clone(), i);
                    merged.windows.push(w.clone());
                }
            }
        }
        Source::Associations => {
            merged.state_associations.clear();
            for (i, v) in each() {
                for a in &v.snapshot.state_associations {
                    owner.insert(a.id.clone(), i);
                    merged.state_associations.push(a.clone());
                }
            }
        }
    }
    merged.status.insert(source, merged_status(views, source));
}

/// Only the status line of `source` (a refresh started, or failed and kept its data).
pub fn merge_status_only(merged: &mut Snapshot, views: &[ScopeView], source: Source) {
    merged.status.insert(source, merged_status(views, source));
}

/// One line per source: the stalest data, the first failure (named by its scope), busy
/// while any scope is.
fn merged_status(views: &[ScopeView], source: Source) -> SourceStatus {
    let relevant = views
        .iter()
        .filter(|v| source != Source::Iam || v.reads_iam);
    let mut out = SourceStatus::default();
    let mut all_fetched = true;
    for v in relevant {
        let s = v.snapshot.status(source);
        out.in_flight |= s.in_flight;
        match (s.fetched_at, out.fetched_at) {
            (Some(t), Some(o)) if t < o => out.fetched_at = Some(t),
            (Some(t), None) => out.fetched_at = Some(t),
            (None, _) => all_fetched = false,
            _ => {}
        }
        if out.error.is_none()
            && let Some(e) = s.error
        {
            out.error = Some(e);
            out.error_scope = Some(match &v.scope.org {
                Some(org) => format!("{} {}", org.label(), v.region()),
                None => v.region(),
            });
            out.error_at = s.error_at;
            out.retry_at = s.retry_at;
        }
    }
    if !all_fetched && out.error.is_none() {
        out.in_flight = true;
    }
    out
}

/// Readiness of the whole view: each scope's report, side by side.
pub fn merged_readiness(views: &[ScopeView]) -> Readiness {
    let mut out = Readiness {
        default_role_ready: views.iter().all(|v| v.readiness.default_role_ready),
        ..Readiness::default()
    };
    let mut s = FleetSummary::default();
    for v in views {
        let r = &v.readiness;
        out.vpcs.extend(r.vpcs.iter().cloned());
        if v.reads_iam {
            out.roles.extend(r.roles.iter().cloned());
        }
        out.instances.extend(r.instances.iter().cloned());
        let t = &r.summary;
        s.online += t.online;
        s.connection_lost += t.connection_lost;
        s.waiting += t.waiting;
        s.not_managed += t.not_managed;
        s.not_running += t.not_running;
        s.unknown += t.unknown;
    }
    out.summary = s;
    out
}

/// Who the header names: the one account, or how many; the regions.
pub fn merged_identity(views: &[ScopeView]) -> Identity {
    let mut accounts: Vec<String> = views
        .iter()
        .filter_map(|v| {
            v.scope
                .org
                .as_ref()
                .map(|o| o.id.clone())
                .or_else(|| v.snapshot.identity.account.clone())
        })
        .collect();
    accounts.sort();
    accounts.dedup();
    let mut regions: Vec<String> = Vec::new();
    // A scope nothing could be read in (a refused account) may not know its region.
    for r in views.iter().map(ScopeView::region) {
        if !r.is_empty() && !regions.contains(&r) {
            regions.push(r);
        }
    }
    let mut profiles: Vec<String> = views
        .iter()
        .filter_map(|v| v.scope.profile.clone())
        .collect();
    profiles.dedup();
    let mut labels: Vec<String> = Vec::new();
    for v in views {
        let l = &v.snapshot.identity.label;
        if !l.is_empty() && !labels.contains(l) {
            labels.push(l.clone());
        }
    }
    let n_accounts = accounts.len();
    let mut label = if views.iter().any(|v| v.scope.org.is_some()) {
        "organization".to_string()
    } else if profiles.len() > 1 {
        format!("profiles {}", profiles.join(", "))
    } else {
        labels.join(" · ")
    };
    if n_accounts > 1 {
        label = format!("{label} ({n_accounts} accounts)");
    }
    Identity {
        account: if n_accounts == 1 {
            accounts.pop()
        } else {
            None
        },
        arn: None,
        region: if regions.len() > 3 {
            format!("{} regions", regions.len())
        } else {
            regions.join(", ")
        },
        label,
    }
}
