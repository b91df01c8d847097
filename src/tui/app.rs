//! The application state and `update`: messages in, state changed, effects out.
//! Nothing here waits on IO; the event loop runs the effects.

use crossterm::event::{KeyEvent, KeyEventKind};
use jiff::Timestamp;

use super::build::{self, BuildInput, Built, Rebuild};
use super::dialog::Confirm;
use super::events::{after_fetch, on_scoped};
use super::fleet::{self, CommandProposal, Drill};
use super::keys::{on_key, on_mouse};
use super::lab::Lab;
use super::plans::on_plan_event;
use super::scopes;
use super::table::TableState;
use crate::cloud::SendCommandRequest;
use crate::domain::model::DEFAULT_ROLE_NAME;
use crate::domain::plan::Plan;
use crate::domain::readiness::Readiness;
use crate::domain::snapshot::{Snapshot, Source};
use crate::engine::DetailRequest;
use crate::engine::EngineEvent;
use crate::engine::fetch::apply_noting_change;
use crate::i18n::{Lang, tf};
use std::sync::Arc;

pub use super::events::update_batch;
pub use super::panes::Pane;

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
    /// `X`: choosing a document, then filling its parameters.
    Picker(Box<super::documents::Picker>),
    Form(Box<super::documents::Form>),
    /// An invocation's whole output, full screen.
    Pager(Box<super::pager::Pager>),
    /// An activation created or deleted, after y.
    Ask(Box<super::activations::Ask>),
    /// Typing `LOCAL:REMOTE [HOST]` for a port forward through `node` (`P`).
    Forward {
        node: String,
        text: String,
    },
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
    /// An `:export` written, or not.
    Exported(super::export::Exported),
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
    /// Keep a port forward open through `node`; its events come back as
    /// `EngineEvent::Forward`.
    StartForward {
        id: u64,
        spec: crate::domain::forward::ForwardSpec,
        node: String,
    },
    /// End the forward (its session terminated).
    StopForward(u64),
    /// The Command documents for `X`'s picker; one document's parameters for its form.
    LoadDocuments,
    LoadDocument(String),
    /// Hybrid activations listed, planned, created, deleted; then `EngineEvent::Activation`.
    Activation(crate::engine::activation_ops::ActivationOp),
    /// Write these rows to a file, off the UI thread; then `Msg::Exported`.
    Export(Box<super::export::Export>),
    /// `:stats`: each scope's API budget, in the pager.
    ShowStats,
}

pub use super::ui_context::Ui;

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
    /// Each pane's table, by [`Pane::index`].
    pub tables: Vec<TableState>,
    /// What each pane's last build made beside its rows (the lab's steps, the fleet's
    /// patch compliance), by [`Pane::index`].
    extras: Vec<Option<Arc<dyn std::any::Any + Send + Sync>>>,
    pub pane: Pane,
    pub mode: Mode,
    pub status: Option<(StatusKind, String)>,
    /// What keeps the status line true, when it states how things stand.
    pub status_while: Option<super::status_truth::Holds>,
    pub detail: bool,
    /// First line of the help shown.
    pub help_scroll: usize,
    /// First line of the open dialog shown.
    pub dialog_scroll: usize,
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
    /// Keys by context, from the defaults and the config file.
    pub keymap: super::bindings::Keymap,
    /// Colours (dark or light).
    pub theme: super::theme::Theme,
    /// Where everything is on screen, computed from the state and the terminal's size.
    pub screen: super::layout::Screen,
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
    /// Port forwards started from the console.
    pub forwards: super::forwards::Forwards,
    /// `[output]` of the config: where sends also write the whole output.
    pub output_defaults: crate::domain::model::OutputConfig,
    /// `[[forward]]` of the config, started with `:forward NAME`.
    pub named_forwards: Vec<crate::config::NamedForward>,
    /// `[patches]` of the config: how old a scan may be.
    pub patch_policy: crate::domain::patches::PatchPolicy,
}

impl App {
    pub fn new(now: Timestamp) -> Self {
        Self {
            snapshot: Arc::default(),
            connection: None,
            readiness: Arc::default(),
            tables: vec![TableState::default(); Pane::EVERY.len()],
            extras: vec![None; Pane::EVERY.len()],
            pane: Pane::Instances,
            mode: Mode::Normal,
            status: None,
            status_while: None,
            detail: false,
            help_scroll: 0,
            dialog_scroll: 0,
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
            keymap: Default::default(),
            theme: super::theme::Theme::Dark,
            screen: super::layout::Screen::default(),
            pending: Rebuild::default(),
            in_batch: false,
            defer_builds: false,
            garbage: Vec::new(),
            building: false,
            scopes: Vec::new(),
            owner: std::collections::HashMap::new(),
            plan_scope: 0,
            sent_ids: Vec::new(),
            forwards: Default::default(),
            named_forwards: Vec::new(),
            output_defaults: Default::default(),
            patch_policy: Default::default(),
        }
    }

    /// Rows of table body on screen (the drawn table's, see [`super::layout`]).
    pub fn page(&self) -> usize {
        usize::from(self.screen.body_rows.max(1))
    }

    /// Lays the screen out again after anything that moves its parts.
    pub(crate) fn relayout(&mut self) {
        self.screen = super::layout::compute(self);
        let page = self.page();
        for t in &mut self.tables {
            t.sync(page);
        }
        if let Some(d) = &mut self.drill {
            d.table.sync(page);
        }
    }

    /// The table keys act on: the open detail view's, else the pane's.
    pub fn table(&self) -> Option<&TableState> {
        match &self.drill {
            Some(d) => Some(&d.table),
            None => self.tables.get(self.pane.index()),
        }
    }

    pub(crate) fn table_mut(&mut self) -> Option<&mut TableState> {
        let ix = self.pane.index();
        match &mut self.drill {
            Some(d) => Some(&mut d.table),
            None => self.tables.get_mut(ix),
        }
    }

    /// The pane's own table, even while a detail view is open.
    pub fn pane_table(&self, pane: Pane) -> Option<&TableState> {
        self.tables.get(pane.index())
    }

    pub fn ui(&self) -> Ui<'_> {
        Ui {
            lang: self.lang,
            theme: self.theme,
            keymap: &self.keymap,
        }
    }

    /// What the pane's last build made beside its rows.
    pub fn extra<T: std::any::Any>(&self, pane: Pane) -> Option<&T> {
        self.extras
            .get(pane.index())
            .and_then(|e| e.as_deref())
            .and_then(|e| e.downcast_ref::<T>())
    }

    /// The lab's steps as last built.
    pub fn lab(&self) -> Option<&Lab> {
        self.extra::<Lab>(Pane::Lab)
    }

    pub(crate) fn info(&mut self, text: impl Into<String>) {
        self.status = Some((StatusKind::Info, text.into()));
        self.status_while = None;
    }

    pub(crate) fn error(&mut self, text: impl Into<String>) {
        self.status = Some((StatusKind::Error, text.into()));
        self.status_while = None;
    }

    /// Every word on screen in `lang` from the next frame on.
    pub fn set_lang(&mut self, lang: Lang) {
        self.lang = lang;
        self.rebuild();
    }

    /// Recompute readiness and every table after new data.
    pub(crate) fn rebuild(&mut self) {
        self.request(Rebuild::all());
    }

    /// Judge readiness again (and the panes that read it): data it is judged from changed.
    pub(crate) fn rejudge(&mut self) {
        self.request(Rebuild {
            readiness: true,
            sources: Default::default(),
        });
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
            keymap: self.keymap.clone(),
            patch_policy: self.patch_policy,
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
        for (pane, extra) in built.extras {
            if let Some(slot) = self.extras.get_mut(pane.index()) {
                *slot = Some(extra);
            }
        }
        for (ix, readiness) in built.scope_readiness {
            if let Some(v) = self.scopes.get_mut(ix) {
                let old = std::mem::replace(&mut v.readiness, readiness);
                self.discard(Some(Box::new(old)));
            }
        }
        for (pane, rows) in built.tables {
            if let Some(t) = self.tables.get_mut(pane.index()) {
                let old = t.set_rows(rows, page);
                self.discard(Some(Box::new(old)));
            }
        }
        super::status_truth::expire(self);
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

    /// Another pane: an open detail view belongs to the pane it was opened on, and closes.
    pub(super) fn switch(&mut self, pane: Pane) {
        if pane != self.pane {
            self.drill = None;
        }
        self.pane = pane;
        self.status = None;
    }

    pub(super) fn cycle(&mut self, forward: bool) {
        let panes: Vec<Pane> = Pane::numbered().collect();
        let pos = panes.iter().position(|p| *p == self.pane).unwrap_or(0);
        let next = if forward {
            (pos + 1) % panes.len()
        } else {
            (pos + panes.len() - 1) % panes.len()
        };
        self.switch(panes[next]);
    }
}

/// A message in, the state changed, the effects out; the screen laid out again.
pub fn update(app: &mut App, msg: Msg) -> Vec<Effect> {
    let effects = handle(app, msg);
    // A dialog or the help opens at its top.
    if !matches!(app.mode, Mode::Confirm(_) | Mode::Propose(_) | Mode::Ask(_)) {
        app.dialog_scroll = 0;
    }
    if app.mode != Mode::Help {
        app.help_scroll = 0;
    }
    app.relayout();
    effects
}

fn handle(app: &mut App, msg: Msg) -> Vec<Effect> {
    match msg {
        Msg::Key(key) if key.kind != KeyEventKind::Release => on_key(app, key),
        Msg::Key(_) => Vec::new(),
        Msg::Resize { width, height } => {
            app.width = width;
            app.height = height;
            Vec::new()
        }
        Msg::Tick(now) => {
            app.now = now;
            if app.pane == Pane::Sessions {
                super::forwards::show_rows(app);
            }
            Vec::new()
        }
        Msg::Mouse { kind, row } => {
            on_mouse(app, kind, row);
            Vec::new()
        }
        Msg::Exported(done) => {
            super::export::on_exported(app, done);
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
            let absorbed = apply_noting_change(Arc::make_mut(&mut app.snapshot), result, at);
            app.discard(absorbed.old);
            after_fetch(app, source, absorbed.changed, absorbed.rejudge, at)
        }
        Msg::Engine(EngineEvent::Unchanged { source, at }) => {
            super::events::unchanged(app, source, at)
        }
        Msg::Engine(EngineEvent::Refreshed { at, result }) => super::events::kept(app, result, at),
        Msg::Scoped(ix, event) if app.multi() => on_scoped(app, ix, event),
        Msg::Scoped(_, event) => handle(app, Msg::Engine(event)),
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
            super::panes::on_cancelled(app, &command_id, error);
            Vec::new()
        }
        Msg::Engine(EngineEvent::Plan(event)) => on_plan_event(app, event),
        Msg::Engine(e @ (EngineEvent::Documents(_) | EngineEvent::Document(_))) => {
            super::documents::on_event(app, e)
        }
        Msg::Engine(EngineEvent::Activation(event)) => super::activations::on_event(app, event),
        Msg::Engine(EngineEvent::Forward { id, event }) => {
            super::forwards::on_event(app, id, event);
            Vec::new()
        }
        Msg::Engine(EngineEvent::Audit(result)) => {
            super::panes::audit_loaded(app, result);
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
