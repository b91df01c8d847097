//! The application state and `update`: messages in, state changed, effects out.
//! Nothing here waits on IO; the event loop runs the effects.

use crossterm::event::{KeyEvent, KeyEventKind};
use jiff::Timestamp;

use super::build::{self, BuildInput, Built, Rebuild};
use super::dialog::Confirm;
use super::events::{after_fetch, on_scoped};
use super::fleet::{self, CommandProposal, Drill};
use super::fleet_rows;
use super::keys::{on_key, on_mouse};
use super::lab::Lab;
use super::plans::on_plan_event;
use super::rows;
use super::scopes;
use super::table::TableState;
use crate::cloud::SendCommandRequest;
use crate::domain::model::DEFAULT_ROLE_NAME;
use crate::domain::plan::Plan;
use crate::domain::readiness::Readiness;
use crate::domain::snapshot::{Snapshot, Source};
use crate::engine::DetailRequest;
use crate::engine::EngineEvent;
use crate::engine::fetch::apply;
use crate::i18n::{Lang, t, tf};
use std::sync::Arc;

pub use super::events::update_batch;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Pane {
    Endpoints,
    Roles,
    Instances,
    Inventory,
    Patches,
    Commands,
    Windows,
    Lab,
    /// The audit log (`:audit`); not one of the numbered panes.
    Audit,
}

impl Pane {
    pub const ALL: [Pane; 8] = [
        Pane::Endpoints,
        Pane::Roles,
        Pane::Instances,
        Pane::Inventory,
        Pane::Patches,
        Pane::Commands,
        Pane::Windows,
        Pane::Lab,
    ];

    /// The catalog key of the pane's name.
    pub fn key(self) -> &'static str {
        match self {
            Pane::Endpoints => "pane.endpoints",
            Pane::Roles => "pane.roles",
            Pane::Instances => "pane.instances",
            Pane::Inventory => "pane.inventory",
            Pane::Patches => "pane.patches",
            Pane::Commands => "pane.commands",
            Pane::Windows => "pane.windows",
            Pane::Lab => "pane.lab",
            Pane::Audit => "pane.audit",
        }
    }

    pub fn title(self) -> &'static str {
        match self {
            Pane::Endpoints => "Endpoints",
            Pane::Roles => "Roles",
            Pane::Instances => "Instances",
            Pane::Inventory => "Inventory",
            Pane::Patches => "Patches",
            Pane::Commands => "Commands",
            Pane::Windows => "Windows",
            Pane::Lab => "Lab",
            Pane::Audit => "Audit",
        }
    }

    pub fn available(self) -> bool {
        true
    }

    /// Index into the per-pane tables, for panes that have one.
    pub fn table(self) -> Option<usize> {
        match self {
            Pane::Endpoints => Some(0),
            Pane::Roles => Some(1),
            Pane::Instances => Some(2),
            Pane::Audit => Some(3),
            Pane::Inventory => Some(4),
            Pane::Patches => Some(5),
            Pane::Commands => Some(6),
            Pane::Windows => Some(7),
            Pane::Lab => Some(8),
        }
    }

    /// The sources whose data the pane shows.
    pub fn sources(self) -> &'static [Source] {
        match self {
            Pane::Endpoints => &[Source::Network],
            Pane::Roles => &[Source::Iam],
            Pane::Instances => &[Source::Instances, Source::Nodes],
            Pane::Inventory => &[Source::Nodes, Source::Inventory],
            Pane::Patches => &[Source::Nodes, Source::Patches],
            Pane::Commands => &[Source::Commands],
            Pane::Windows => &[Source::Windows],
            Pane::Lab => &[Source::Network, Source::Iam, Source::Nodes],
            _ => &[],
        }
    }

    pub(super) fn from_command(name: &str) -> Option<Pane> {
        let name = name.trim_start_matches(':');
        Pane::ALL.into_iter().chain([Pane::Audit]).find(|p| {
            let t = p.title().to_lowercase();
            t == name || (name.len() >= 2 && t.starts_with(name)) || t.trim_end_matches('s') == name
        })
    }
}

#[derive(Debug, Clone, PartialEq)]
pub enum Mode {
    Normal,
    Filter(String),
    Command(String),
    Help,
    Confirm(Box<Confirm>),
    /// Typing the shell command for `x`.
    Input(String),
    /// A Run Command proposal waiting for y / n.
    Propose(Box<CommandProposal>),
}

#[derive(Debug, Clone)]
pub enum Msg {
    Key(KeyEvent),
    Resize {
        width: u16,
        height: u16,
    },
    /// The clock moved: ages and spinners change.
    Tick(Timestamp),
    /// Wheel scrolls, a left click selects the row under the pointer.
    Mouse {
        kind: crossterm::event::MouseEventKind,
        row: u16,
    },
    Engine(EngineEvent),
    /// An engine event from scope `0` of [`App::scopes`] (same as `Engine` with one scope).
    Scoped(usize, EngineEvent),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Effect {
    Quit,
    RefreshAll,
    /// Ask EC2 whether each call would be allowed; results come back as `PlanEvent::Verdict`.
    DryRun(Plan),
    /// Run the plan; progress comes back as `PlanEvent`s.
    Apply(Plan),
    LoadAudit,
    LoadDetail(DetailRequest),
    SendCommand(SendCommandRequest),
    CancelCommand(String),
    /// Put this text on the clipboard (OSC 52).
    Copy(String),
    /// Suspend the TUI and open a Session Manager shell on this instance.
    Session(String),
    /// Start again in this region (`:region R`).
    SwitchRegion(String),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StatusKind {
    Info,
    Error,
}

pub struct App {
    /// Shared with a build running off the UI thread (changed only when none runs).
    pub snapshot: Arc<Snapshot>,
    /// Why the caller's identity is not known yet (an unreachable endpoint): the header.
    pub connection: Option<crate::cloud::CloudError>,
    pub readiness: Arc<Readiness>,
    pub tables: [TableState; 9],
    pub pane: Pane,
    pub mode: Mode,
    pub status: Option<(StatusKind, String)>,
    pub detail: bool,
    pub now: Timestamp,
    pub width: u16,
    pub height: u16,
    pub read_only: bool,
    pub log_path: Option<String>,
    /// Name of the role (and instance profile) ssmdeck creates and attaches.
    pub role_name: String,
    /// The plan being applied and a line on its progress.
    pub running: Option<(Plan, String)>,
    /// An opened row of a fleet pane (a node's applications, a command's invocations…).
    pub drill: Option<Drill>,
    /// `:group KEY=VALUE`: only instances with this tag.
    pub group: Option<(String, String)>,
    pub lang: Lang,
    /// The VPC the Lab pane walks (picked with L on Endpoints when not found by name).
    pub lab_vpc: Option<String>,
    pub lab: Lab,
    /// Key remapping from the config file (normal mode).
    pub keymap: super::keymap::Keymap,
    /// Patch compliance of the Patches pane, counted when its rows are built (not per frame).
    pub compliance: fleet_rows::Compliance,
    /// What waits to be rebuilt.
    pending: Rebuild,
    /// Inside [`update_batch`]: rebuild once at its end.
    pub(super) in_batch: bool,
    /// Rebuilds are left to the caller ([`App::take_build`], [`App::install`]): the event
    /// loop runs them off the UI thread. Off in tests: every update rebuilds at once.
    pub defer_builds: bool,
    /// A rebuild runs off the UI thread: the rows may not show the newest data yet.
    pub building: bool,
    /// Replaced data waiting to be freed off the UI thread ([`App::discard`]).
    garbage: Vec<Box<dyn std::any::Any + Send>>,
    /// Several accounts or regions (`--region all`, `--profile a,b`): each one's data; empty
    /// with a single scope, whose data is `snapshot` itself.
    pub scopes: Vec<scopes::ScopeView>,
    /// Which scope holds each VPC, instance, command and window.
    pub owner: std::collections::HashMap<String, usize>,
    /// The scope the open plan was made for (its dry run and apply go there).
    pub plan_scope: usize,
    /// Commands sent for the last Run Command proposal (its calls report one by one).
    pub sent_ids: Vec<String>,
}

/// Lines taken by everything but the table body (header, tabs, footer, borders, column titles).
const CHROME_LINES: u16 = 8;
const DETAIL_LINES: u16 = 8;

impl App {
    pub fn new(now: Timestamp) -> Self {
        Self {
            snapshot: Arc::default(),
            connection: None,
            readiness: Arc::default(),
            tables: Default::default(),
            pane: Pane::Instances,
            mode: Mode::Normal,
            status: None,
            detail: false,
            now,
            width: 120,
            height: 40,
            read_only: false,
            log_path: None,
            role_name: DEFAULT_ROLE_NAME.to_string(),
            running: None,
            drill: None,
            group: None,
            lang: Lang::En,
            lab_vpc: None,
            lab: Lab {
                vpc_id: None,
                instance_ids: Vec::new(),
                steps: Vec::new(),
            },
            keymap: Default::default(),
            compliance: fleet_rows::Compliance::default(),
            pending: Rebuild::default(),
            in_batch: false,
            defer_builds: false,
            garbage: Vec::new(),
            building: false,
            scopes: Vec::new(),
            owner: std::collections::HashMap::new(),
            plan_scope: 0,
            sent_ids: Vec::new(),
        }
    }

    /// Rows of table body that fit on screen.
    pub fn page(&self) -> usize {
        let mut h = self.height.saturating_sub(CHROME_LINES);
        if self.detail || self.pane == Pane::Lab {
            h = h.saturating_sub(DETAIL_LINES);
        }
        usize::from(h.max(1))
    }

    /// The table keys act on: the open detail view's, else the pane's.
    pub fn table(&self) -> Option<&TableState> {
        match &self.drill {
            Some(d) => Some(&d.table),
            None => self.pane.table().map(|i| &self.tables[i]),
        }
    }

    pub(crate) fn table_mut(&mut self) -> Option<&mut TableState> {
        match &mut self.drill {
            Some(d) => Some(&mut d.table),
            None => self.pane.table().map(|i| &mut self.tables[i]),
        }
    }

    /// The pane's own table, even while a detail view is open.
    pub fn pane_table(&self, pane: Pane) -> Option<&TableState> {
        pane.table().map(|i| &self.tables[i])
    }

    pub(crate) fn info(&mut self, text: impl Into<String>) {
        self.status = Some((StatusKind::Info, text.into()));
    }

    pub(crate) fn error(&mut self, text: impl Into<String>) {
        self.status = Some((StatusKind::Error, text.into()));
    }

    /// Recompute readiness and every table after new data.
    pub(crate) fn rebuild(&mut self) {
        self.request(Rebuild::all());
    }

    /// Rebuild only what depends on `source`, after its new data (at 10k instances a full
    /// rebuild costs ~70 ms, the Patches pane's part ~10 ms).
    pub(crate) fn rebuild_after(&mut self, source: Source) {
        self.request(Rebuild::after(source));
    }

    /// Asks for a rebuild: done now, or at the end of a burst ([`update_batch`]), or by
    /// the event loop off the UI thread when builds are deferred ([`App::defer_builds`]).
    fn request(&mut self, what: Rebuild) {
        self.pending.merge(what);
        if !self.in_batch && !self.defer_builds {
            self.build_now();
        }
    }

    /// Computes what is pending on this thread and shows it.
    pub fn build_now(&mut self) {
        if let Some(input) = self.take_build() {
            let built = build::build(&input);
            drop(input);
            self.install(built);
        }
    }

    /// What the pending rebuild reads, and the pending list cleared; `None` when nothing
    /// is pending. The data is shared with the App, not copied.
    pub fn take_build(&mut self) -> Option<BuildInput> {
        if self.pending.is_empty() {
            return None;
        }
        Some(BuildInput {
            what: std::mem::take(&mut self.pending),
            snapshot: self.snapshot.clone(),
            readiness: self.readiness.clone(),
            scopes: if self.multi() {
                let views = self.scopes.clone();
                // The build evaluates them; new data after this marks them again.
                for v in &mut self.scopes {
                    v.stale = false;
                }
                views
            } else {
                Vec::new()
            },
            group: self.group.clone(),
            lang: self.lang,
            now: self.now,
            lab_vpc: self.lab_vpc.clone(),
            role_name: self.role_name.clone(),
        })
    }

    /// Shows a finished build. What it replaced (rows, readiness) goes to
    /// [`App::discard`].
    pub fn install(&mut self, built: Built) {
        let page = self.page();
        if let Some(r) = built.readiness {
            let old = std::mem::replace(&mut self.readiness, r);
            self.discard(Some(Box::new(old)));
        }
        if let Some(c) = built.compliance {
            self.compliance = c;
        }
        if let Some(lab) = built.lab {
            self.lab = lab;
        }
        for (ix, readiness) in built.scope_readiness {
            if let Some(v) = self.scopes.get_mut(ix) {
                let old = std::mem::replace(&mut v.readiness, readiness);
                self.discard(Some(Box::new(old)));
            }
        }
        for (i, rows) in built.tables {
            if let Some(t) = self.tables.get_mut(i) {
                let old = t.set_rows(rows, page);
                self.discard(Some(Box::new(old)));
            }
        }
    }

    /// Data replaced by new data: freed by the event loop off the UI thread when builds
    /// are deferred, here otherwise.
    pub(crate) fn discard(&mut self, old: Option<Box<dyn std::any::Any + Send>>) {
        if let Some(old) = old
            && self.defer_builds
        {
            self.garbage.push(old);
        }
    }

    /// What [`App::discard`] kept for the event loop to free.
    pub fn take_garbage(&mut self) -> Vec<Box<dyn std::any::Any + Send>> {
        std::mem::take(&mut self.garbage)
    }

    /// Whether a rebuild waits to be done.
    pub fn build_pending(&self) -> bool {
        !self.pending.is_empty()
    }

    /// Several accounts or regions in one view.
    pub fn multi(&self) -> bool {
        self.scopes.len() > 1
    }

    /// Shows these scopes together (one per engine, in the same order).
    pub fn set_scopes(&mut self, scopes: Vec<crate::scope::Scope>) {
        let reads = crate::scope::reads_iam(&scopes);
        self.scopes = scopes
            .into_iter()
            .zip(reads)
            .map(|(s, r)| scopes::ScopeView::new(s, r))
            .collect();
    }

    /// The scope holding this resource (the first one when unknown).
    pub fn owner_of(&self, id: &str) -> usize {
        self.owner.get(id).copied().unwrap_or(0)
    }

    /// The data and readiness of scope `ix` (the whole view when there is one scope).
    pub fn scope_data(&self, ix: usize) -> (&Snapshot, &Readiness) {
        match self.scopes.get(ix).filter(|_| self.multi()) {
            Some(v) => (&v.snapshot, &v.readiness),
            None => (&self.snapshot, &self.readiness),
        }
    }

    /// The resource id of the selected row of the current table.
    pub fn selected_id(&self) -> Option<String> {
        self.table()
            .and_then(|t| t.selected_row())
            .map(|r| r.id.clone())
    }

    /// The scope of the selected row (the first one when nothing is selected).
    pub fn selected_scope(&self) -> usize {
        self.table()
            .and_then(|t| t.selected_row())
            .and_then(|r| r.scope)
            .unwrap_or(0)
    }

    pub(super) fn switch(&mut self, pane: Pane) {
        if pane.available() {
            self.pane = pane;
            self.status = None;
        } else {
            self.info(tf(
                self.lang,
                "status.not_available",
                &[("pane", &t(self.lang, pane.key()))],
            ));
        }
    }

    pub(super) fn cycle(&mut self, forward: bool) {
        let panes: Vec<Pane> = Pane::ALL.into_iter().filter(|p| p.available()).collect();
        let pos = panes.iter().position(|p| *p == self.pane).unwrap_or(0);
        let next = if forward {
            (pos + 1) % panes.len()
        } else {
            (pos + panes.len() - 1) % panes.len()
        };
        self.pane = panes[next];
    }
}

pub fn update(app: &mut App, msg: Msg) -> Vec<Effect> {
    match msg {
        Msg::Key(key) if key.kind != KeyEventKind::Release => on_key(app, key),
        Msg::Key(_) => Vec::new(),
        Msg::Resize { width, height } => {
            app.width = width;
            app.height = height;
            let page = app.page();
            for t in &mut app.tables {
                t.sync(page);
            }
            Vec::new()
        }
        Msg::Tick(now) => {
            app.now = now;
            Vec::new()
        }
        Msg::Mouse { kind, row } => {
            on_mouse(app, kind, row);
            Vec::new()
        }
        Msg::Engine(EngineEvent::Started(source)) => {
            Arc::make_mut(&mut app.snapshot)
                .status
                .entry(source)
                .or_default()
                .in_flight = true;
            Vec::new()
        }
        Msg::Engine(EngineEvent::Fetched { at, result }) => {
            let source = result.source();
            // A failure keeps the last good data: only the source's status line changes.
            let changed = result.error().is_none();
            let old = apply(Arc::make_mut(&mut app.snapshot), result, at);
            app.discard(old);
            after_fetch(app, source, changed, at)
        }
        Msg::Scoped(ix, event) if app.multi() => on_scoped(app, ix, event),
        Msg::Scoped(_, event) => update(app, Msg::Engine(event)),
        Msg::Engine(EngineEvent::Retrying { source, at }) => {
            Arc::make_mut(&mut app.snapshot)
                .status
                .entry(source)
                .or_default()
                .retry_at = Some(at);
            Vec::new()
        }
        Msg::Engine(EngineEvent::Detail(detail)) => {
            fleet::on_detail(app, detail);
            Vec::new()
        }
        Msg::Engine(EngineEvent::Sent { commands, error }) => fleet::on_sent(app, commands, error),
        Msg::Engine(EngineEvent::Cancelled { command_id, error }) => {
            match error {
                None => app.info(format!("cancel requested for {command_id}")),
                Some(e) => app.error(format!("✗ cancel {command_id} failed: {e}")),
            }
            Vec::new()
        }
        Msg::Engine(EngineEvent::Plan(event)) => on_plan_event(app, event),
        Msg::Engine(EngineEvent::Audit(result)) => {
            match result {
                Ok(entries) => {
                    let page = app.page();
                    app.tables[3].set_rows(rows::audit_rows(&entries), page);
                }
                Err(e) => app.error(e),
            }
            Vec::new()
        }
        Msg::Engine(EngineEvent::Identity(result)) => {
            match result {
                Ok(identity) => {
                    app.connection = None;
                    Arc::make_mut(&mut app.snapshot).identity = identity;
                    app.rebuild();
                }
                Err(e) => {
                    let text = crate::present::error_text(&e, app.lang);
                    app.error(tf(app.lang, "status.identity_failed", &[("error", &text)]));
                    app.connection = Some(e);
                }
            }
            Vec::new()
        }
    }
}
