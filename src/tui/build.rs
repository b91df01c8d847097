//! What the panes show, computed from the data: readiness, every table's rows, the lab.
//! Pure and `Send`, so the event loop runs it off the UI thread; tests run it inline.

use std::collections::BTreeSet;
use std::sync::Arc;

use jiff::Timestamp;

use super::fleet_rows::{self, Compliance};
use super::lab::{self, Lab};
use super::rows::{self, Row};
use super::scopes::{self, ScopeView};
use crate::domain::readiness::{self, Readiness};
use crate::domain::snapshot::{Snapshot, Source};
use crate::i18n::Lang;

/// What has to be computed again.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Rebuild {
    /// Readiness and the Endpoints, Roles and Instances tables.
    pub readiness: bool,
    /// Fleet tables (Inventory, Patches, Commands, Windows) by their source.
    pub fleet: BTreeSet<Source>,
}

impl Rebuild {
    pub fn all() -> Self {
        Self {
            readiness: true,
            fleet: FLEET.into_iter().collect(),
        }
    }

    /// What new data of `source` changes. Instance names and tags (`:group`) and managed
    /// nodes feed every table.
    pub fn after(source: Source) -> Self {
        match source {
            Source::Instances | Source::Nodes => Self::all(),
            Source::Network | Source::Iam => Self {
                readiness: true,
                fleet: BTreeSet::new(),
            },
            fleet => Self {
                readiness: false,
                fleet: [fleet].into_iter().collect(),
            },
        }
    }

    pub fn merge(&mut self, other: Self) {
        self.readiness |= other.readiness;
        self.fleet.extend(other.fleet);
    }

    pub fn is_empty(&self) -> bool {
        !self.readiness && self.fleet.is_empty()
    }
}

const FLEET: [Source; 4] = [
    Source::Inventory,
    Source::Patches,
    Source::Commands,
    Source::Windows,
];

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
}

/// The result: new readiness (when asked), the rows of each table rebuilt, the lab.
#[derive(Debug, Default)]
pub struct Built {
    pub readiness: Option<Arc<Readiness>>,
    /// (table index, rows).
    pub tables: Vec<(usize, Vec<Row>)>,
    pub compliance: Option<Compliance>,
    pub lab: Option<Lab>,
    /// With several scopes: the readiness evaluated again for scopes whose data changed.
    pub scope_readiness: Vec<(usize, Arc<Readiness>)>,
}

/// The table a fleet source fills.
pub fn fleet_table(source: Source) -> Option<usize> {
    match source {
        Source::Inventory => Some(4),
        Source::Patches => Some(5),
        Source::Commands => Some(6),
        Source::Windows => Some(7),
        _ => None,
    }
}

pub const LAB_TABLE: usize = 8;

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
    if input.what.readiness {
        let tables = if multi {
            let mut all: [Vec<Row>; 3] = Default::default();
            for (ix, v) in input.scopes.iter().enumerate() {
                let mut parts =
                    readiness_tables(&v.snapshot, &v.readiness, input.group.as_ref(), input.lang);
                if !v.reads_iam {
                    parts[1].clear();
                } else if input.group.is_none() {
                    parts[1] = rows::role_rows(&account_roles(&input.scopes, ix), input.lang);
                }
                for (t, (all, mut rows)) in all.iter_mut().zip(parts).enumerate() {
                    if t == 1 {
                        scopes::label_global(&mut rows, &input.scopes, ix);
                    } else {
                        scopes::label(&mut rows, &input.scopes, ix);
                    }
                    all.extend(rows);
                }
            }
            all
        } else {
            readiness_tables(
                &input.snapshot,
                &readiness,
                input.group.as_ref(),
                input.lang,
            )
        };
        out.tables.extend(tables.into_iter().enumerate());
    }
    for &source in &input.what.fleet {
        let Some(table) = fleet_table(source) else {
            continue;
        };
        let (rows, compliance) = if multi {
            let mut rows = Vec::new();
            let mut c = Compliance::default();
            for (ix, v) in input.scopes.iter().enumerate() {
                let (mut part, pc) = fleet_rows_of(source, &v.snapshot, input);
                scopes::label(&mut part, &input.scopes, ix);
                rows.extend(part);
                c.compliant += pc.compliant;
                c.non_compliant += pc.non_compliant;
                c.no_data += pc.no_data;
            }
            (rows, c)
        } else {
            fleet_rows_of(source, &input.snapshot, input)
        };
        if source == Source::Patches {
            out.compliance = Some(compliance);
        }
        out.tables.push((table, rows));
    }
    // The lab's steps read readiness and the fleet sources (inventory, commands, patches).
    let lab = lab::evaluate(
        &input.snapshot,
        &readiness,
        input.lab_vpc.as_deref(),
        &input.role_name,
        input.lang,
    );
    out.tables.push((LAB_TABLE, lab::rows(&lab, input.lang)));
    out.lab = Some(lab);
    out
}

/// The roles of scope `ix`'s account, each counting the instances that use it in every
/// region of the account.
fn account_roles(scopes: &[ScopeView], ix: usize) -> Readiness {
    let Some(first) = scopes.get(ix) else {
        return Readiness::default();
    };
    let mut roles = first.readiness.roles.clone();
    for (j, other) in scopes.iter().enumerate() {
        if j == ix || other.scope.profile != first.scope.profile {
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

/// Endpoints, Roles and Instances rows of one account's data, narrowed to `:group`.
fn readiness_tables(
    snapshot: &Snapshot,
    readiness: &Readiness,
    group: Option<&(String, String)>,
    lang: Lang,
) -> [Vec<Row>; 3] {
    let members = fleet_rows::group_members(snapshot, group);
    let mut endpoints = rows::endpoint_rows(readiness, lang);
    let mut roles = rows::role_rows(readiness, lang);
    let mut instances = rows::instance_rows(snapshot, readiness, lang);
    if let Some(m) = &members {
        let vpcs: std::collections::HashSet<&str> = snapshot
            .instances
            .instances
            .iter()
            .filter(|i| m.contains(&i.id))
            .filter_map(|i| i.vpc_id.as_deref())
            .collect();
        let profiles: std::collections::HashSet<&str> = readiness
            .instances
            .iter()
            .filter(|r| m.contains(&r.instance_id))
            .filter_map(|r| r.profile_name.as_deref())
            .collect();
        endpoints.retain(|r| r.id.split('/').next().is_some_and(|v| vpcs.contains(v)));
        roles.retain(|r| {
            readiness
                .roles
                .iter()
                .any(|x| x.name == r.id && x.profiles.iter().any(|p| profiles.contains(p.as_str())))
        });
        instances.retain(|r| m.contains(&r.id));
    }
    [endpoints, roles, instances]
}

/// A fleet pane's rows from one account's data (and, for Patches, its compliance).
fn fleet_rows_of(
    source: Source,
    snapshot: &Snapshot,
    input: &BuildInput,
) -> (Vec<Row>, Compliance) {
    let members = fleet_rows::group_members(snapshot, input.group.as_ref());
    let (now, lang) = (input.now, input.lang);
    let none = Compliance::default();
    match source {
        Source::Inventory => (
            fleet_rows::inventory_rows(snapshot, now, &members, lang),
            none,
        ),
        Source::Patches => (
            fleet_rows::patch_rows(snapshot, now, &members, lang),
            fleet_rows::compliance(snapshot, &members),
        ),
        Source::Commands => (fleet_rows::command_rows(snapshot, now, &members), none),
        Source::Windows => (fleet_rows::window_rows(snapshot), none),
        _ => (Vec::new(), none),
    }
}
