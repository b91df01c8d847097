//! The panes: one module each, implementing [`PaneSpec`] — its columns (with the priority
//! at which each gives way on a narrow terminal), its rows, its own key actions and
//! their hints, what it draws above its table. Adding a pane is one new module and one
//! line in [`panes!`] below.

mod activations;
mod associations;
mod audit;
mod commands;
mod endpoints;
mod instances;
mod inventory;
mod lab;
mod patches;
mod roles;
mod sessions;
mod windows;

use std::any::Any;
use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use jiff::Timestamp;
use ratatui::Frame;
use ratatui::layout::Rect;

use super::app::{App, Effect};
use super::bindings::Action;
use super::rows::Row;
use super::scopes::ScopeView;
use crate::domain::model::Instance;
use crate::domain::readiness::Readiness;
use crate::domain::snapshot::{Snapshot, Source};
use crate::i18n::Lang;

pub use audit::{audit_loaded, audit_rows};
pub use commands::on_cancelled;
pub use patches::Compliance;

/// One column of a pane's table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Column {
    /// Catalog key of its title.
    pub key: &'static str,
    /// 0: always shown (the id, the verdict); the highest number is dropped first when
    /// the terminal is narrow.
    pub priority: u8,
    /// A resource id: cut in the middle (keeping its tail) rather than at the end, so that
    /// two rows never read the same.
    pub id: bool,
    /// Drawn only when the table's rows differ in it (the node kind: EC2 and hybrid).
    pub varying: bool,
    /// Not drawn: a varying column whose rows all read the same.
    pub hidden: bool,
}

impl Column {
    pub const fn new(key: &'static str, priority: u8) -> Self {
        Self {
            key,
            priority,
            id: false,
            varying: false,
            hidden: false,
        }
    }

    pub const fn id(key: &'static str) -> Self {
        Self {
            id: true,
            ..Self::new(key, 0)
        }
    }

    /// A column drawn only when its rows differ in it.
    pub const fn varying(key: &'static str, priority: u8) -> Self {
        Self {
            varying: true,
            ..Self::new(key, priority)
        }
    }
}

/// The node kind column of the node panes: shown where EC2 and hybrid nodes are both listed.
pub const KIND: Column = Column::varying("ui.col.kind", 4);

/// What a pane's rows are built from: one scope's data (or the whole view).
pub struct PaneData<'a> {
    pub snapshot: &'a Snapshot,
    pub readiness: &'a Readiness,
    /// `:group KEY=VALUE`: the instances it lets through (`None`: all).
    pub members: Option<&'a HashSet<String>>,
    pub now: Timestamp,
    pub lang: Lang,
    pub lab_vpc: Option<&'a str>,
    pub role_name: &'a str,
    pub keymap: &'a super::bindings::Keymap,
    /// How old a patch scan may be (`[patches]` of the config).
    pub patch_policy: crate::domain::patches::PatchPolicy,
    /// With several scopes: every scope's view, and the position of this one.
    pub scopes: &'a [ScopeView],
    pub scope: Option<usize>,
}

impl PaneData<'_> {
    /// Whether `:group` lets this instance through.
    pub fn allowed(&self, id: &str) -> bool {
        self.members.is_none_or(|m| m.contains(id))
    }

    /// Instances by id.
    pub fn instances(&self) -> HashMap<&str, &Instance> {
        self.snapshot
            .instances
            .instances
            .iter()
            .map(|i| (i.id.as_str(), i))
            .collect()
    }
}

/// A pane's rows, and anything else its drawing or keys need from the same build (the
/// patch compliance of the fleet, the lab's steps).
pub struct PaneRows {
    pub rows: Vec<Row>,
    pub extra: Option<Arc<dyn Any + Send + Sync>>,
}

impl PaneRows {
    pub fn plain(rows: Vec<Row>) -> Self {
        Self { rows, extra: None }
    }
}

/// What every pane offers the console.
pub trait PaneSpec: Sync {
    /// Catalog key of its name (`pane.endpoints`).
    fn key(&self) -> &'static str;
    /// The word of its `:` command (`endpoints`).
    fn command(&self) -> &'static str;
    /// Reached by a digit and Tab (the audit log only by `:audit`).
    fn numbered(&self) -> bool {
        true
    }
    /// The sources whose data it shows (named, with their age, in its title).
    fn sources(&self) -> &'static [Source];
    /// The sources whose new data builds its rows again.
    fn rebuilt_by(&self) -> &'static [Source] {
        self.sources()
    }
    /// Whether its rows read the readiness report (built again when it is).
    fn reads_readiness(&self) -> bool {
        false
    }
    fn columns(&self) -> &'static [Column];
    /// Its rows from one scope's data; `None` when they arrive another way.
    fn rows(&self, data: &PaneData) -> Option<PaneRows>;
    /// With several scopes, its rows say `global` instead of a region (IAM).
    fn global(&self) -> bool {
        false
    }
    /// With several scopes, built once from the merged view instead of per scope.
    fn whole_view(&self) -> bool {
        false
    }
    /// With several scopes, what the scopes' builds made beside their rows, as one.
    fn merge_extras(
        &self,
        extras: Vec<Arc<dyn Any + Send + Sync>>,
    ) -> Option<Arc<dyn Any + Send + Sync>> {
        extras.into_iter().next()
    }
    /// Its own key actions, in the order the footer lists them.
    fn hints(&self) -> &'static [Action] {
        &[]
    }
    /// Performs one of its actions; `None` when the action is not its own.
    fn handle(&self, _app: &mut App, _action: Action) -> Option<Vec<Effect>> {
        None
    }
    /// Lines it draws above its table.
    fn above_height(&self, _app: &App) -> u16 {
        0
    }
    /// Draws those lines.
    fn draw_above(&self, _frame: &mut Frame, _area: Rect, _app: &App) {}
    /// Catalog key of the detail panel's title.
    fn detail_key(&self) -> &'static str {
        "ui.detail.title"
    }
    /// The detail panel is always open.
    fn detail_always(&self) -> bool {
        false
    }
    /// Its rows have findings (the detail says so when there are none).
    fn has_findings(&self) -> bool {
        false
    }
}

/// The registry: each pane once, in tab order.
macro_rules! panes {
    ($($variant:ident => $module:ident),* $(,)?) => {
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum Pane {
            $($variant),*
        }

        impl Pane {
            /// Every pane, in tab order.
            pub const EVERY: &'static [Pane] = &[$(Pane::$variant),*];

            pub fn spec(self) -> &'static dyn PaneSpec {
                match self {
                    $(Pane::$variant => &$module::Spec),*
                }
            }
        }
    };
}

panes! {
    Endpoints => endpoints,
    Roles => roles,
    Instances => instances,
    Inventory => inventory,
    Patches => patches,
    Commands => commands,
    Windows => windows,
    Lab => lab,
    Sessions => sessions,
    Associations => associations,
    Activations => activations,
    Audit => audit,
}

impl Pane {
    /// The panes a digit and Tab reach, in order.
    pub fn numbered() -> impl Iterator<Item = Pane> {
        Pane::EVERY.iter().copied().filter(|p| p.spec().numbered())
    }

    /// Position among [`Pane::EVERY`]: the index of its table.
    pub fn index(self) -> usize {
        Pane::EVERY.iter().position(|p| *p == self).unwrap_or(0)
    }

    pub fn key(self) -> &'static str {
        self.spec().key()
    }

    pub fn sources(self) -> &'static [Source] {
        self.spec().sources()
    }

    /// The sources whose data it shows or is built from: read at their interval while it
    /// is visible.
    pub fn visible_sources(self) -> Vec<Source> {
        let mut out: Vec<Source> = self.sources().to_vec();
        for s in self.spec().rebuilt_by() {
            if !out.contains(s) {
                out.push(*s);
            }
        }
        out
    }

    /// `:endpoints`, `:end`, `:instance`…: the pane a command names.
    pub fn from_command(name: &str) -> Option<Pane> {
        let name = name.trim_start_matches(':');
        Pane::EVERY.iter().copied().find(|p| {
            let c = p.spec().command();
            c == name || (name.len() >= 2 && c.starts_with(name)) || c.trim_end_matches('s') == name
        })
    }
}
