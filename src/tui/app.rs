//! The application state and `update`: messages in, state changed, effects out.
//! Nothing here waits on IO; the event loop runs the effects.

use crossterm::event::{KeyCode, KeyEvent, KeyEventKind, KeyModifiers};
use jiff::Timestamp;

use super::build::{self, BuildInput, Built, Rebuild};
use super::dialog::Confirm;
use super::fleet::{self, CommandProposal, Drill, ProposalKind};
use super::fleet_rows;
use super::lab::{Lab, LabAction};
use super::rows;
use super::scopes;
use super::table::TableState;
use crate::cloud::SendCommandRequest;
use crate::domain::model::DEFAULT_ROLE_NAME;
use crate::domain::plan::{self, Plan};
use crate::domain::readiness::Readiness;
use crate::domain::snapshot::{Snapshot, Source};
use crate::engine::DetailRequest;
use crate::engine::EngineEvent;
use crate::engine::executor::{Outcome, PlanEvent};
use crate::engine::fetch::apply;
use crate::i18n::{Lang, t, tf};
use std::sync::Arc;

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

    fn from_command(name: &str) -> Option<Pane> {
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
    in_batch: bool,
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

    fn switch(&mut self, pane: Pane) {
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

    fn cycle(&mut self, forward: bool) {
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

/// Tables rebuilt (now, or once at the end of a burst) after `source` came in.
fn after_fetch(app: &mut App, source: Source, changed: bool, at: Timestamp) -> Vec<Effect> {
    if at > app.now {
        app.now = at;
    }
    if changed {
        app.rebuild_after(source);
    }
    fleet::after_refresh(app, source)
}

/// An event of one scope among several: its data kept in its view, then merged.
fn on_scoped(app: &mut App, ix: usize, event: EngineEvent) -> Vec<Effect> {
    match event {
        EngineEvent::Started(source) => {
            if let Some(v) = app.scopes.get_mut(ix) {
                Arc::make_mut(&mut v.snapshot)
                    .status
                    .entry(source)
                    .or_default()
                    .in_flight = true;
            }
            scopes::merge_status_only(Arc::make_mut(&mut app.snapshot), &app.scopes, source);
            Vec::new()
        }
        EngineEvent::Fetched { at, result } => {
            let source = result.source();
            let changed = scopes::absorb(&mut app.scopes, ix, result, at);
            if changed {
                scopes::merge(
                    Arc::make_mut(&mut app.snapshot),
                    &mut app.owner,
                    &app.scopes,
                    source,
                );
            } else {
                scopes::merge_status_only(Arc::make_mut(&mut app.snapshot), &app.scopes, source);
            }
            after_fetch(app, source, changed, at)
        }
        EngineEvent::Retrying { source, at } => {
            if let Some(v) = app.scopes.get_mut(ix) {
                Arc::make_mut(&mut v.snapshot)
                    .status
                    .entry(source)
                    .or_default()
                    .retry_at = Some(at);
            }
            scopes::merge_status_only(Arc::make_mut(&mut app.snapshot), &app.scopes, source);
            Vec::new()
        }
        EngineEvent::Identity(Ok(identity)) => {
            app.connection = None;
            if let Some(v) = app.scopes.get_mut(ix) {
                Arc::make_mut(&mut v.snapshot).identity = identity;
            }
            Arc::make_mut(&mut app.snapshot).identity = scopes::merged_identity(&app.scopes);
            app.rebuild();
            Vec::new()
        }
        EngineEvent::Identity(Err(e)) => {
            let region = app.scopes.get(ix).map(|v| v.region()).unwrap_or_default();
            let text = crate::present::error_text(&e, app.lang);
            app.error(format!(
                "{region}: {}",
                tf(app.lang, "status.identity_failed", &[("error", &text)])
            ));
            app.connection = Some(e);
            Vec::new()
        }
        EngineEvent::Sent { commands, error } => {
            if let Some(v) = app.scopes.get_mut(ix) {
                for c in &commands {
                    app.owner.insert(c.id.clone(), ix);
                    if !v.snapshot.commands.iter().any(|x| x.id == c.id) {
                        Arc::make_mut(&mut v.snapshot).commands.insert(0, c.clone());
                    }
                }
            }
            fleet::on_sent(app, commands, error)
        }
        other => update(app, Msg::Engine(other)),
    }
}

/// A burst of engine events as one: each is applied, then every table that depends on
/// the sources that changed is rebuilt once (a burst of 5 results at 10k instances
/// rebuilt 5 times: ~400 ms without input).
pub fn update_batch(app: &mut App, events: Vec<(usize, EngineEvent)>) -> Vec<Effect> {
    app.in_batch = true;
    let mut effects = Vec::new();
    for (scope, event) in events {
        effects.extend(update(app, Msg::Scoped(scope, event)));
    }
    app.in_batch = false;
    if !app.defer_builds {
        app.build_now();
    }
    effects
}

fn on_key(app: &mut App, key: KeyEvent) -> Vec<Effect> {
    let ctrl = key.modifiers.contains(KeyModifiers::CONTROL);
    if ctrl && key.code == KeyCode::Char('c') {
        return vec![Effect::Quit];
    }
    match app.mode.clone() {
        Mode::Help => {
            if matches!(
                key.code,
                KeyCode::Esc | KeyCode::Char('?') | KeyCode::Char('q') | KeyCode::Enter
            ) {
                app.mode = Mode::Normal;
            }
            Vec::new()
        }
        Mode::Confirm(confirm) => on_confirm_key(app, key, *confirm),
        Mode::Input(text) => fleet::on_input_key(app, key, text),
        Mode::Propose(p) => fleet::on_propose_key(app, key, *p),
        Mode::Filter(text) => on_filter_key(app, key, text),
        Mode::Command(text) => on_command_key(app, key, text),
        Mode::Normal => match app.keymap.apply(key) {
            Some(key) => {
                let ctrl = key.modifiers.contains(KeyModifiers::CONTROL);
                on_normal_key(app, key, ctrl)
            }
            None => Vec::new(),
        },
    }
}

fn on_normal_key(app: &mut App, key: KeyEvent, ctrl: bool) -> Vec<Effect> {
    let page = app.page();
    match key.code {
        KeyCode::Char('r') if ctrl => {
            app.info(t(app.lang, "status.refreshing"));
            let mut effects = vec![Effect::RefreshAll];
            effects.extend(fleet::reload_detail(app));
            return effects;
        }
        KeyCode::Char('q') => return vec![Effect::Quit],
        KeyCode::Char('?') => app.mode = Mode::Help,
        KeyCode::Char(':') => app.mode = Mode::Command(String::new()),
        KeyCode::Char('/') => {
            let current = app.table().map(|t| t.filter.clone()).unwrap_or_default();
            app.mode = Mode::Filter(current);
        }
        KeyCode::Tab => app.cycle(true),
        KeyCode::BackTab => app.cycle(false),
        KeyCode::Char(c @ '1'..='8') => {
            let idx = usize::from(c as u8 - b'1');
            app.switch(Pane::ALL[idx]);
        }
        KeyCode::Esc => {
            if app.detail {
                app.detail = false;
            } else if let Some(t) = app.table_mut()
                && !t.filter.is_empty()
            {
                t.set_filter("", page);
            } else if app.drill.is_some() {
                app.drill = None;
            } else {
                app.status = None;
            }
        }
        KeyCode::Enter if app.pane == Pane::Lab => return lab_enter(app),
        KeyCode::Char('y') => return copy_selected(app),
        KeyCode::Char('S')
            if matches!(app.pane, Pane::Instances | Pane::Inventory | Pane::Patches) =>
        {
            return open_session(app);
        }
        KeyCode::Char('L') if app.pane == Pane::Endpoints => {
            let vpc = app
                .selected_id()
                .and_then(|id| id.split('/').next().map(str::to_string));
            if let Some(v) = vpc {
                app.info(tf(app.lang, "lab.status.picked", &[("vpc", &v)]));
                app.lab_vpc = Some(v);
                app.rebuild();
            }
        }
        KeyCode::Enter if app.drill.is_none() && fleet::opens_detail(app.pane) => {
            return fleet::open_detail(app);
        }
        KeyCode::Enter => app.detail = !app.detail,
        KeyCode::Char('x') if fleet::runs_commands(app.pane) => return fleet::start_shell(app),
        KeyCode::Char('s') if app.pane == Pane::Patches && app.drill.is_none() => {
            return fleet::propose(app, ProposalKind::Scan);
        }
        KeyCode::Char('I') if app.pane == Pane::Patches && app.drill.is_none() => {
            return fleet::propose(app, ProposalKind::Install { reboot: true });
        }
        KeyCode::Char('C') if app.pane == Pane::Commands => return fleet::propose_cancel(app),
        KeyCode::Char('c') if app.pane == Pane::Endpoints => {
            return propose(app, Action::Endpoints);
        }
        KeyCode::Char('n') if app.pane == Pane::Roles => return propose(app, Action::Role),
        KeyCode::Char('a') if app.pane == Pane::Instances => return propose(app, Action::Attach),
        KeyCode::Char(' ') => {
            if let Some(t) = app.table_mut() {
                t.toggle_mark();
                t.move_by(1, page);
            }
        }
        KeyCode::Char('j') | KeyCode::Down => move_sel(app, |t, p| t.move_by(1, p)),
        KeyCode::Char('k') | KeyCode::Up => move_sel(app, |t, p| t.move_by(-1, p)),
        KeyCode::Char('g') | KeyCode::Home => move_sel(app, |t, p| t.select_first(p)),
        KeyCode::Char('G') | KeyCode::End => move_sel(app, |t, p| t.select_last(p)),
        KeyCode::PageDown => move_sel(app, |t, p| t.move_by(p as isize, p)),
        KeyCode::PageUp => move_sel(app, |t, p| t.move_by(-(p as isize), p)),
        _ => {}
    }
    // The detail panel changes the page height.
    let page = app.page();
    for t in &mut app.tables {
        t.sync(page);
    }
    Vec::new()
}

fn move_sel(app: &mut App, f: impl FnOnce(&mut TableState, usize)) {
    let page = app.page();
    if let Some(t) = app.table_mut() {
        f(t, page);
    }
}

fn on_filter_key(app: &mut App, key: KeyEvent, mut text: String) -> Vec<Effect> {
    let page = app.page();
    match key.code {
        KeyCode::Esc => {
            app.mode = Mode::Normal;
            if let Some(t) = app.table_mut() {
                t.set_filter("", page);
            }
            return Vec::new();
        }
        KeyCode::Enter => {
            app.mode = Mode::Normal;
            let literal = app.table().is_some_and(|t| t.filter_literal);
            if literal {
                app.info("filter is not a valid regex: matched as plain text");
            }
            return Vec::new();
        }
        _ if line_edit(&mut text, key) => {}
        KeyCode::Backspace => {
            text.pop();
        }
        KeyCode::Char(c) => text.push(c),
        _ => return Vec::new(),
    }
    if let Some(t) = app.table_mut() {
        t.set_filter(&text, page);
    }
    app.mode = Mode::Filter(text);
    Vec::new()
}

/// Readline's Ctrl-U (clear), Ctrl-W (last word) and Ctrl-H (one character) in the
/// filter and command lines. Whether the key was one of them.
fn line_edit(text: &mut String, key: KeyEvent) -> bool {
    if !key.modifiers.contains(KeyModifiers::CONTROL) {
        return false;
    }
    match key.code {
        KeyCode::Char('u') => text.clear(),
        KeyCode::Char('w') => {
            let kept = text.trim_end().rfind(' ').map_or(0, |i| i + 1);
            text.truncate(kept);
        }
        KeyCode::Char('h') => {
            text.pop();
        }
        _ => return false,
    }
    true
}

fn on_command_key(app: &mut App, key: KeyEvent, mut text: String) -> Vec<Effect> {
    match key.code {
        _ if line_edit(&mut text, key) => app.mode = Mode::Command(text),
        KeyCode::Esc => app.mode = Mode::Normal,
        KeyCode::Backspace => {
            if text.pop().is_none() {
                app.mode = Mode::Normal;
            } else {
                app.mode = Mode::Command(text);
            }
        }
        KeyCode::Char(c) => {
            text.push(c);
            app.mode = Mode::Command(text);
        }
        KeyCode::Enter => {
            app.mode = Mode::Normal;
            return run_command(app, text.trim());
        }
        _ => {}
    }
    Vec::new()
}

fn run_command(app: &mut App, line: &str) -> Vec<Effect> {
    let mut words = line.split_whitespace();
    let Some(word) = words.next() else {
        return Vec::new();
    };
    match word {
        "q" | "q!" | "quit" | "qa" => return vec![Effect::Quit],
        "help" | "h" => app.mode = Mode::Help,
        "refresh" => return vec![Effect::RefreshAll],
        "region" => return switch_region(app, words.next()),
        "group" => {
            let arg = words.next();
            fleet::set_group(app, arg);
        }
        other => match Pane::from_command(other) {
            Some(Pane::Audit) => {
                app.switch(Pane::Audit);
                return vec![Effect::LoadAudit];
            }
            Some(p) => app.switch(p),
            None => app.error(tf(app.lang, "status.unknown_command", &[("cmd", other)])),
        },
    }
    Vec::new()
}

#[derive(Debug, Clone, Copy)]
enum Action {
    Endpoints,
    Role,
    Attach,
}

/// Today (UTC) for endpoint idempotency tokens.
fn day(app: &App) -> String {
    app.now.strftime("%Y%m%d").to_string()
}

/// Build the plan for a key action and open the confirmation dialog.
fn propose(app: &mut App, action: Action) -> Vec<Effect> {
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
    let (snapshot, readiness) = app.scope_data(app.plan_scope);
    let plan = match action {
        Action::Endpoints => {
            let Some(vpc) = selected.as_deref().and_then(|id| id.split('/').next()) else {
                app.info("select a VPC row first");
                return Vec::new();
            };
            plan::plan_endpoints(snapshot, readiness, vpc, &day(app))
        }
        Action::Role => plan::plan_role(snapshot, &app.role_name),
        Action::Attach => {
            let marks: Vec<String> = app
                .table()
                .map(|t| t.marks.iter().cloned().collect())
                .unwrap_or_default();
            let targets = if marks.is_empty() {
                selected.into_iter().collect()
            } else {
                marks
            };
            if targets.is_empty() {
                app.info("select or mark instances first");
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
            let (snapshot, _) = app.scope_data(app.plan_scope);
            if !snapshot
                .iam
                .profiles
                .iter()
                .any(|p| p.name == app.role_name)
            {
                app.error(tf(
                    app.lang,
                    "status.profile_missing",
                    &[("profile", &app.role_name)],
                ));
                return Vec::new();
            }
            plan::plan_attach(snapshot, &targets, &app.role_name)
        }
    };
    open_plan(app, plan)
}

/// Open the confirmation dialog for `plan` (or say there is nothing to do).
fn open_plan(app: &mut App, mut plan: Plan) -> Vec<Effect> {
    if let Some(view) = app.scopes.get(app.plan_scope).filter(|_| app.multi()) {
        // IAM is global: a role plan names the account only.
        let iam_only = plan
            .steps
            .iter()
            .all(|s| s.kind == crate::domain::plan::StepKind::Role);
        plan.place = if iam_only {
            view.account()
        } else {
            format!("{} {}", view.region(), view.account())
        };
    }
    if plan.is_empty() {
        let notes: Vec<String> = plan.steps.iter().flat_map(|s| s.notes.clone()).collect();
        if notes.is_empty() {
            app.info(t(app.lang, "status.nothing_to_do"));
        } else {
            app.error(notes.join("; "));
        }
        return Vec::new();
    }
    app.mode = Mode::Confirm(Box::new(Confirm::new(plan.clone())));
    vec![Effect::DryRun(plan)]
}

fn on_confirm_key(app: &mut App, key: KeyEvent, mut confirm: Confirm) -> Vec<Effect> {
    match key.code {
        KeyCode::Char('y') | KeyCode::Char('Y') => {
            app.mode = Mode::Normal;
            let plan = confirm.plan;
            app.running = Some((plan.clone(), "starting…".into()));
            let title = super::dialog::plan_title(&plan, app.lang);
            app.info(tf(app.lang, "status.applying", &[("title", &title)]));
            vec![Effect::Apply(plan)]
        }
        KeyCode::Char('o') => {
            let toggled = confirm.toggle_optional();
            let plan = confirm.plan.clone();
            app.mode = Mode::Confirm(Box::new(confirm));
            if toggled {
                vec![Effect::DryRun(plan)]
            } else {
                Vec::new()
            }
        }
        KeyCode::Char('n')
        | KeyCode::Char('N')
        | KeyCode::Char('q')
        | KeyCode::Esc
        | KeyCode::Enter => {
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

fn on_plan_event(app: &mut App, event: PlanEvent) -> Vec<Effect> {
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
                    call.map(|c| c.describe()).unwrap_or_default()
                );
            }
            Vec::new()
        }
        PlanEvent::Finished { outcome, .. } => {
            if let Outcome::Failed { .. } = outcome {
                app.running = None;
            }
            Vec::new()
        }
        PlanEvent::Aborted { message, hint, .. } => {
            app.running = None;
            app.error(tf(
                app.lang,
                "status.failed",
                &[("message", &message), ("hint", &hint)],
            ));
            vec![Effect::RefreshAll]
        }
        PlanEvent::Completed { done, skipped } => {
            app.running = None;
            let (done, skipped) = (done.to_string(), skipped.to_string());
            app.info(if done == "0" {
                tf(app.lang, "status.unchanged", &[("skipped", &skipped)])
            } else {
                tf(
                    app.lang,
                    "status.applied",
                    &[("done", &done), ("skipped", &skipped)],
                )
            });
            vec![Effect::RefreshAll]
        }
    }
}

/// Enter on the Lab pane: do the next undone step through the same dialogs.
fn lab_enter(app: &mut App) -> Vec<Effect> {
    let lang = app.lang;
    if app.lab.complete() {
        app.info(t(lang, "lab.status.complete"));
        return Vec::new();
    }
    let Some(action) = app.lab.next_action().cloned() else {
        let why = app.lab.holdup().unwrap_or_default();
        app.info(tf(lang, "lab.status.waiting", &[("why", &why)]));
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
    app.plan_scope = app.lab.vpc_id.as_deref().map_or(0, |v| app.owner_of(v));
    let (snapshot, readiness) = app.scope_data(app.plan_scope);
    match action {
        LabAction::CreateEndpoints { vpc_id } => {
            let plan = plan::plan_endpoints(snapshot, readiness, &vpc_id, &day(app));
            open_plan(app, plan)
        }
        LabAction::CreateRole => {
            let plan = plan::plan_role(snapshot, &app.role_name);
            open_plan(app, plan)
        }
        LabAction::Attach { instance_ids } => {
            let plan = plan::plan_attach(snapshot, &instance_ids, &app.role_name);
            open_plan(app, plan)
        }
        LabAction::RunCommand { instance_ids } => fleet::propose_for(
            app,
            ProposalKind::Shell("uname -a && uptime".into()),
            &instance_ids,
        ),
        LabAction::Scan { instance_ids } => {
            fleet::propose_for(app, ProposalKind::Scan, &instance_ids)
        }
    }
}

/// `y`: the selected resource's id (a role's ARN) to the clipboard.
fn copy_selected(app: &mut App) -> Vec<Effect> {
    let Some(id) = app.selected_id() else {
        return Vec::new();
    };
    let text = match app.pane {
        Pane::Roles => {
            let scope = app.selected_scope();
            let name = id.split('@').next().unwrap_or(&id);
            app.scope_data(scope)
                .1
                .roles
                .iter()
                .find(|r| r.name == name)
                .map(|r| r.arn.clone())
                .unwrap_or_else(|| name.to_string())
        }
        Pane::Endpoints => id.split('/').next().unwrap_or(&id).to_string(),
        _ => id,
    };
    app.info(tf(app.lang, "status.copied", &[("text", &text)]));
    vec![Effect::Copy(text)]
}

/// `S`: a Session Manager shell on the selected managed instance.
fn open_session(app: &mut App) -> Vec<Effect> {
    let Some(id) = app.selected_id() else {
        return Vec::new();
    };
    let online = app
        .snapshot
        .nodes
        .nodes
        .iter()
        .any(|n| n.instance_id == id && n.ping == crate::domain::model::PingStatus::Online);
    if !online {
        app.error(tf(app.lang, "status.session_not_managed", &[("id", &id)]));
        return Vec::new();
    }
    vec![Effect::Session(id)]
}

/// Screen line of the first table row: header, tabs, the pane's extra lines, border, column titles.
fn first_row_line(app: &App) -> u16 {
    let extras = match (&app.drill, app.pane) {
        (Some(d), _) => d.header.len() as u16 + u16::from(d.loading) + u16::from(d.error.is_some()),
        (None, Pane::Patches | Pane::Lab) => 1,
        _ => 0,
    };
    2 + extras + 2
}

fn on_mouse(app: &mut App, kind: crossterm::event::MouseEventKind, row: u16) {
    use crossterm::event::{MouseButton, MouseEventKind};
    if app.mode != Mode::Normal {
        return;
    }
    let page = app.page();
    let top = first_row_line(app);
    match kind {
        MouseEventKind::ScrollDown => move_sel(app, |t, p| t.move_by(3, p)),
        MouseEventKind::ScrollUp => move_sel(app, |t, p| t.move_by(-3, p)),
        MouseEventKind::Down(MouseButton::Left) if row >= top => {
            let line = usize::from(row - top);
            if let Some(t) = app.table_mut()
                && line < page
            {
                let target = t.offset + line;
                if target < t.visible.len() {
                    let delta = target as isize - t.selected as isize;
                    t.move_by(delta, page);
                }
            }
        }
        _ => {}
    }
}

/// `:region R`: the console starts again in region R (the sandbox has only one).
fn switch_region(app: &mut App, region: Option<&str>) -> Vec<Effect> {
    let lang = app.lang;
    let Some(region) = region else {
        app.info(tf(
            lang,
            "status.region_now",
            &[("region", &app.snapshot.identity.region)],
        ));
        return Vec::new();
    };
    let valid = region == "all"
        || regex::Regex::new(r"^[a-z]{2}(-gov|-iso[a-z]?)?-[a-z]+-[0-9]$")
            .is_ok_and(|re| re.is_match(region));
    if !valid {
        app.error(tf(lang, "status.region_invalid", &[("region", region)]));
        return Vec::new();
    }
    if app.snapshot.identity.label.starts_with("sandbox") {
        app.error(t(lang, "status.region_sandbox"));
        return Vec::new();
    }
    vec![Effect::SwitchRegion(region.to_string())]
}
