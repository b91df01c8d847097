//! What the panes show, computed from the data: readiness and every pane's rows (each
//! pane builds its own, see [`super::panes`]). Pure and `Send`, so the event loop runs it
//! off the UI thread; tests run it inline.

use std::any::Any;
use std::collections::{BTreeSet, HashSet};
use std::sync::Arc;

use jiff::Timestamp;

use super::drill_rows::group_members;
use super::panes::{Pane, PaneData};
use super::rows::Row;
use super::scopes::{self, ScopeView};
use crate::domain::readiness::{self, Readiness};
use crate::domain::snapshot::{Snapshot, Source};
use crate::i18n::Lang;

/// What has to be computed again.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Rebuild {
    /// The readiness report, and the panes that read it.
    pub readiness: bool,
    /// The panes built from these sources.
    pub sources: BTreeSet<Source>,
}

impl Rebuild {
    pub fn all() -> Self {
        Self {
            readiness: true,
            sources: Source::ALL.into_iter().collect(),
        }
    }

    /// What new data of `source` changes. Instance names and tags (`:group`) and managed
    /// nodes feed every table.
    pub fn after(source: Source) -> Self {
        match source {
            Source::Instances | Source::Nodes => Self::all(),
            Source::Network | Source::Iam => Self {
                readiness: true,
                sources: [source].into_iter().collect(),
            },
            fleet => Self {
                readiness: false,
                sources: [fleet].into_iter().collect(),
            },
        }
    }

    pub fn merge(&mut self, other: Self) {
        self.readiness |= other.readiness;
        self.sources.extend(other.sources);
    }

    pub fn is_empty(&self) -> bool {
        !self.readiness && self.sources.is_empty()
    }

    /// Whether `pane` is built again.
    fn touches(&self, pane: Pane) -> bool {
        let spec = pane.spec();
        (self.readiness && spec.reads_readiness())
            || spec.rebuilt_by().iter().any(|s| self.sources.contains(s))
    }
}

/// Everything a build reads; cheap to make (the data is shared, not copied).
#[derive(Debug, Clone)]
pub struct BuildInput {
    pub what: Rebuild,
    pub snapshot: Arc<Snapshot>,
    /// The current readiness, used as it is when `what.readiness` is false.
    pub readiness: Arc<Readiness>,
    /// Several scopes: each one's data (empty with one scope).
    pub scopes: Vec<ScopeView>,
    pub group: Option<(String, String)>,
    pub lang: Lang,
    pub now: Timestamp,
    pub lab_vpc: Option<String>,
    pub role_name: String,
    /// Keys some rows name (the Lab's next step).
    pub keymap: super::bindings::Keymap,
    pub patch_policy: crate::domain::patches::PatchPolicy,
}

type Extra = Arc<dyn Any + Send + Sync>;

/// The result: new readiness (when asked), the rows of each pane rebuilt and what its
/// build made beside them.
#[derive(Default)]
pub struct Built {
    pub readiness: Option<Arc<Readiness>>,
    pub tables: Vec<(Pane, Vec<Row>)>,
    pub extras: Vec<(Pane, Extra)>,
    /// With several scopes: the readiness evaluated again for scopes whose data changed.
    pub scope_readiness: Vec<(usize, Arc<Readiness>)>,
}

pub fn build(input: &BuildInput) -> Built {
    let mut out = Built::default();
    let multi = input.scopes.len() > 1;
    // Scopes whose data changed: their readiness first (each in proportion to its size).
    let mut fresh;
    let input = if input.scopes.iter().any(|v| v.stale) {
        fresh = input.clone();
        for (ix, v) in fresh.scopes.iter_mut().enumerate() {
            if v.stale {
                v.readiness = Arc::new(readiness::evaluate(&v.snapshot));
                v.stale = false;
                out.scope_readiness.push((ix, v.readiness.clone()));
            }
        }
        &fresh
    } else {
        input
    };
    let readiness = if input.what.readiness {
        let r = Arc::new(if multi {
            scopes::merged_readiness(&input.scopes)
        } else {
            readiness::evaluate(&input.snapshot)
        });
        out.readiness = Some(r.clone());
        r
    } else {
        input.readiness.clone()
    };
    for &pane in Pane::EVERY {
        if !input.what.touches(pane) {
            continue;
        }
        let spec = pane.spec();
        if multi && !spec.whole_view() {
            let mut rows = Vec::new();
            let mut extras = Vec::new();
            for (ix, v) in input.scopes.iter().enumerate() {
                let members = group_members(&v.snapshot, input.group.as_ref());
                let Some(mut part) = spec.rows(&data(
                    input,
                    &v.snapshot,
                    &v.readiness,
                    members.as_ref(),
                    Some(ix),
                )) else {
                    continue;
                };
                if spec.global() {
                    scopes::label_global(&mut part.rows, &input.scopes, ix);
                } else {
                    scopes::label(&mut part.rows, &input.scopes, ix);
                }
                rows.extend(part.rows);
                extras.extend(part.extra);
            }
            // Kept while shown: no room for rows that did not come.
            rows.shrink_to_fit();
            out.tables.push((pane, rows));
            if let Some(e) = spec.merge_extras(extras) {
                out.extras.push((pane, e));
            }
        } else {
            let (snapshot, readiness) = whole_view(input, &readiness, pane);
            let members = group_members(snapshot, input.group.as_ref());
            if let Some(built) =
                spec.rows(&data(input, snapshot, readiness, members.as_ref(), None))
            {
                let mut rows = built.rows;
                rows.shrink_to_fit();
                out.tables.push((pane, rows));
                if let Some(e) = built.extra {
                    out.extras.push((pane, e));
                }
            }
        }
    }
    out
}

/// What a whole-view pane reads. With several scopes the whole view keeps no instances
/// of its own: the Lab reads the scope that holds its VPC (the first one when none does).
fn whole_view<'a>(
    input: &'a BuildInput,
    readiness: &'a Arc<Readiness>,
    pane: Pane,
) -> (&'a Snapshot, &'a Readiness) {
    if input.scopes.len() > 1 && pane == Pane::Lab {
        let holds_lab =
            |v: &&ScopeView| super::lab::lab_vpc(&v.snapshot, input.lab_vpc.as_deref()).is_some();
        if let Some(v) = input
            .scopes
            .iter()
            .find(holds_lab)
            .or_else(|| input.scopes.first())
        {
            return (&v.snapshot, &v.readiness);
        }
    }
    (&input.snapshot, readiness)
}

/// What a pane's rows are built from, for one scope (or the whole view).
fn data<'a>(
    input: &'a BuildInput,
    snapshot: &'a Snapshot,
    readiness: &'a Readiness,
    members: Option<&'a HashSet<String>>,
    scope: Option<usize>,
) -> PaneData<'a> {
    PaneData {
        snapshot,
        readiness,
        members,
        now: input.now,
        lang: input.lang,
        lab_vpc: input.lab_vpc.as_deref(),
        role_name: &input.role_name,
        keymap: &input.keymap,
        patch_policy: input.patch_policy,
        scopes: &input.scopes,
        scope,
    }
}
