//! The terminal and the event loop: input, engine messages and ticks in; frames out.

use std::time::Duration;

use color_eyre::eyre::{Result, WrapErr, eyre};
use crossterm::event::{Event, EventStream};
use futures::StreamExt;
use ratatui::DefaultTerminal;
use tokio::sync::mpsc;

use std::io::Write;

use super::app::{App, Effect, Msg, update};
use super::clipboard::osc52;
use super::offload::Offload;
use super::render;
use super::session::{SessionTarget, missing_prerequisite, session_command};
use crate::cloud::Cloud;
use crate::domain::snapshot::Source;
use crate::engine::audit::AuditLog;
use crate::engine::{Engine, EngineEvent};
use crate::i18n::tf;
use crate::scope::{Scope, reads_iam};

pub struct RunOptions {
    /// Seconds between refreshes of each source.
    pub intervals: crate::engine::Intervals,
    pub read_only: bool,
    pub log_path: Option<String>,
    /// Where writes are recorded (a file for AWS, memory for the sandbox).
    pub audit: AuditLog,
    pub lang: crate::i18n::Lang,
    /// For Session Manager shells: the profile and region the user gave, and
    /// whether this is the sandbox (which has no real instances).
    pub profile: Option<String>,
    pub region: Option<String>,
    pub sandbox: bool,
    /// The configuration file's settings (role name, key bindings, mouse).
    pub config: crate::config::Config,
}

/// Runs the TUI until the user quits (`None`) or asks for another region (`Some`).
/// The terminal is restored on every way out.
/// Each cloud is one scope (account and region); several are shown together.
pub async fn run<C: Cloud>(clouds: Vec<(Scope, C)>, opts: RunOptions) -> Result<Option<String>> {
    let mut terminal = ratatui::try_init().wrap_err("cannot open the terminal (ssmdeck needs an interactive terminal; use `ssmdeck check` in scripts)")?;
    install_log_hint(opts.log_path.clone());
    let result = event_loop(&mut terminal, clouds, opts).await;
    restore_terminal();
    result
}

/// The terminal as the shell had it: no mouse reports, cooked mode, the main screen, a
/// visible cursor.
fn restore_terminal() {
    let _ = crossterm::execute!(std::io::stdout(), crossterm::event::DisableMouseCapture);
    ratatui::restore();
    let _ = crossterm::execute!(std::io::stdout(), crossterm::cursor::Show);
}

/// After a panic, the terminal is restored (ratatui's hook) and the log named.
fn install_log_hint(log_path: Option<String>) {
    let previous = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        let _ = crossterm::execute!(
            std::io::stdout(),
            crossterm::event::DisableMouseCapture,
            crossterm::cursor::Show
        );
        previous(info);
        if let Some(p) = &log_path {
            eprintln!("ssmdeck crashed; the log is at {p}");
        }
    }));
}

/// One engine per scope, their events tagged with the scope's position. A scope that
/// shares its account with an earlier one does not poll IAM again.
fn start_engines<C: Cloud>(
    clouds: &[(Scope, C)],
    intervals: &crate::engine::Intervals,
    tx: &mpsc::UnboundedSender<(usize, EngineEvent)>,
) -> Vec<Engine<C>> {
    let scopes: Vec<Scope> = clouds.iter().map(|(s, _)| s.clone()).collect();
    let reads = reads_iam(&scopes);
    let mut engines = Vec::with_capacity(clouds.len());
    for (ix, ((_, cloud), reads_iam)) in clouds.iter().zip(reads).enumerate() {
        let sources: Vec<Source> = Source::ALL
            .into_iter()
            .filter(|&s| s != Source::Iam || reads_iam)
            .collect();
        let (etx, mut erx) = mpsc::unbounded_channel::<EngineEvent>();
        engines.push(Engine::start_with(cloud.clone(), intervals, &sources, etx));
        let tx = tx.clone();
        tokio::spawn(async move {
            while let Some(event) = erx.recv().await {
                if tx.send((ix, event)).is_err() {
                    break;
                }
            }
        });
    }
    engines
}

async fn event_loop<C: Cloud>(
    terminal: &mut DefaultTerminal,
    clouds: Vec<(Scope, C)>,
    opts: RunOptions,
) -> Result<Option<String>> {
    let Some((_, cloud)) = clouds.first().cloned() else {
        return Ok(None);
    };
    let (tx, mut rx) = mpsc::unbounded_channel::<(usize, EngineEvent)>();
    let engines = start_engines(&clouds, &opts.intervals, &tx);
    let engine = |ix: usize| engines.get(ix).or(engines.first());
    let mut app = App::new(cloud.now());
    if clouds.len() > 1 {
        app.set_scopes(clouds.iter().map(|(s, _)| s.clone()).collect());
    }
    app.read_only = opts.read_only;
    app.lang = opts.lang;
    app.keymap = super::bindings::Keymap::new(&opts.config.keys)
        .map_err(|e| eyre!("{}", e.text(opts.lang)))?;
    app.theme = opts
        .config
        .theme
        .as_deref()
        .and_then(super::theme::Theme::parse)
        .unwrap_or_default();
    if let Some(role) = &opts.config.role_name {
        app.role_name = role.clone();
    }
    let mouse = opts.config.mouse.unwrap_or(true);
    if mouse {
        let _ = crossterm::execute!(std::io::stdout(), crossterm::event::EnableMouseCapture);
    }
    app.log_path = opts.log_path.clone();
    app.named_forwards = opts.config.forwards.clone();
    app.output_defaults = opts.config.output.config();
    app.patch_policy = opts.config.patches.policy();
    let size = terminal.size().wrap_err("cannot read the terminal size")?;
    update(
        &mut app,
        Msg::Resize {
            width: size.width,
            height: size.height,
        },
    );

    let mut signals = Signals::new()?;
    let mut events = EventStream::new();
    let mut ticks = tokio::time::interval(Duration::from_secs(1));
    ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
    let mut offload = Offload::attach(&mut app);
    // What blocking work done off the UI thread (an `:export`) says when it ends.
    let (done_tx, mut done) = mpsc::unbounded_channel::<Msg>();
    // Drawn only when something on screen changed: input, data, a build, or the time a
    // source line shows. Each frame is one synchronized update, so it never tears.
    let mut dirty = true;
    let mut shown: Vec<Source> = Vec::new();
    loop {
        // The engines read the visible pane's sources at their interval, others slowly.
        let visible = app.pane.visible_sources();
        if visible != shown {
            engines.iter().for_each(|e| e.show(&visible));
            shown = visible;
        }
        offload.start(&mut app);
        if dirty {
            draw(terminal, &app)?;
        }
        dirty = true;
        let effects = tokio::select! {
            event = events.next() => match event {
                Some(Ok(Event::Key(key))) => update(&mut app, Msg::Key(key)),
                Some(Ok(Event::Resize(width, height))) => {
                    update(&mut app, Msg::Resize { width, height })
                }
                Some(Ok(Event::Mouse(m))) if mouse => {
                    update(&mut app, Msg::Mouse { kind: m.kind, row: m.row })
                }
                Some(Ok(_)) => continue,
                Some(Err(e)) => return Err(e).wrap_err("cannot read from the terminal"),
                None => return Ok(None),
            },
            Some(msg) = done.recv() => update(&mut app, msg),
            built = offload.finished() => {
                let built = built.map_err(|e| eyre!("building the tables failed: {e}"))?;
                offload.install(&mut app, built)
            }
            Some(first) = rx.recv() => {
                // A burst of engine results is one update and one rebuild.
                let mut burst = vec![first];
                while let Ok(event) = rx.try_recv() {
                    burst.push(event);
                }
                offload.events(&mut app, burst)
            }
            _ = ticks.tick() => {
                let shown = render::clock_text(&app);
                let effects = update(&mut app, Msg::Tick(cloud.now()));
                dirty = render::clock_text(&app) != shown || app.building;
                effects
            }
            // SIGTERM, SIGHUP, SIGINT: leave as `q` does, the terminal restored.
            () = signals.recv() => {
                end_forwards(&engines).await;
                return Ok(None);
            }
        };
        for effect in effects {
            match effect {
                Effect::Quit => {
                    end_forwards(&engines).await;
                    return Ok(None);
                }
                Effect::SwitchRegion(region) => {
                    end_forwards(&engines).await;
                    return Ok(Some(region));
                }
                Effect::StartForward { id, spec, node } => {
                    if let Some(e) = engine(app.owner_of(&node)) {
                        e.start_forward(id, spec, node);
                    }
                }
                Effect::StopForward(id) => engines.iter().for_each(|e| e.stop_forward(id)),
                Effect::RefreshAll => engines.iter().for_each(Engine::refresh_all),
                Effect::ShowStats => show_stats(&mut app, &clouds),
                Effect::LoadAudit => {
                    if let Some(e) = engine(0) {
                        e.load_audit(opts.audit.clone());
                    }
                }
                effect @ (Effect::DryRun(_)
                | Effect::Apply(_)
                | Effect::LoadDetail(_)
                | Effect::SendCommand(_)
                | Effect::CancelCommand(_)
                | Effect::LoadDocuments
                | Effect::LoadDocument(_)
                | Effect::Activation(_)) => {
                    for (ix, op) in super::effects::ops_of(&app, effect) {
                        if let Some(e) = engine(ix) {
                            e.perform(op, super::effects::audit_for(&app, ix, &opts.audit));
                        }
                    }
                }
                Effect::Export(export) => {
                    let tx = done_tx.clone();
                    tokio::task::spawn_blocking(move || {
                        let _ = tx.send(super::export::perform(export));
                    });
                }
                Effect::Copy(text) => {
                    let seq = osc52(&text, std::env::var_os("TMUX").is_some());
                    let mut out = std::io::stdout();
                    let _ = out.write_all(seq.as_bytes()).and_then(|()| out.flush());
                }
                Effect::Session(id) => {
                    let shell = if opts.sandbox {
                        let inst = app.instance(&id);
                        // A hybrid server answers by its own name.
                        let hybrid = app
                            .node(&id)
                            .filter(|n| n.is_hybrid())
                            .and_then(|n| n.computer_name.clone());
                        Shell::Simulated {
                            host: hybrid.unwrap_or_else(|| {
                                super::sandbox_session::host_name(
                                    inst.and_then(|i| i.private_ip.as_deref()),
                                    &app.data_of(&id).identity.region,
                                )
                            }),
                        }
                    } else if let Some(missing) = missing_prerequisite() {
                        app.error(missing);
                        continue;
                    } else {
                        Shell::Aws(session_target(&app, &opts, &id))
                    };
                    // The shell owns the terminal: stop reading keys, leave the TUI, come back.
                    drop(events);
                    restore_terminal();
                    let status = match &shell {
                        Shell::Aws(target) => run_session(target),
                        Shell::Simulated { host } => {
                            super::sandbox_session::run(&id, host, app.lang)
                        }
                    };
                    *terminal = ratatui::try_init()
                        .wrap_err("cannot reopen the terminal after the session")?;
                    // Cleared by hand: ratatui's clear asks the terminal for the cursor,
                    // which does not answer in time right after the session.
                    crossterm::execute!(
                        std::io::stdout(),
                        crossterm::terminal::Clear(crossterm::terminal::ClearType::All)
                    )
                    .wrap_err("cannot clear the terminal")?;
                    if mouse {
                        let _ = crossterm::execute!(
                            std::io::stdout(),
                            crossterm::event::EnableMouseCapture
                        );
                    }
                    events = EventStream::new();
                    match status {
                        Ok(()) => app.info(tf(app.lang, "status.session_ended", &[("id", &id)])),
                        Err(e) => app.error(e),
                    }
                }
            }
        }
    }
}

/// `:stats`: each scope's API budget in the pager.
fn show_stats<C: Cloud>(app: &mut App, clouds: &[(Scope, C)]) {
    let scopes: Vec<(String, Option<crate::cloud::budget::BudgetStats>)> = clouds
        .iter()
        .map(|(scope, cloud)| {
            let who = match &scope.org {
                Some(account) => account.label(),
                None => scope.profile.clone().unwrap_or_else(|| "default".into()),
            };
            let label = format!("{who} · {}", cloud.region());
            (label, cloud.budget().map(|b| b.stats()))
        })
        .collect();
    let lines = crate::present::stats_lines(app.lang, &scopes);
    let title = crate::i18n::t(app.lang, "stats.title");
    app.mode = super::app::Mode::Pager(Box::new(super::pager::Pager::new(title, lines)));
}

/// One frame, as one synchronized update of the terminal.
fn draw(terminal: &mut DefaultTerminal, app: &App) -> Result<()> {
    let mut out = std::io::stdout();
    let _ = crossterm::execute!(out, crossterm::terminal::BeginSynchronizedUpdate);
    let drawn = terminal
        .draw(|frame| render::draw(frame, app))
        .map(drop)
        .wrap_err("cannot draw on the terminal");
    let _ = crossterm::execute!(out, crossterm::terminal::EndSynchronizedUpdate);
    drawn
}

/// The shell `S` opens.
enum Shell {
    Aws(SessionTarget),
    /// The sandbox's simulated instance.
    Simulated {
        host: String,
    },
}

/// Where a session on `id` goes: the owning scope's profile and region.
fn session_target(app: &App, opts: &RunOptions, id: &str) -> SessionTarget {
    if app.multi() {
        let view = &app.scopes[app.owner_of(id).min(app.scopes.len() - 1)];
        SessionTarget {
            instance_id: id.to_string(),
            profile: view.scope.profile.clone(),
            region: Some(view.region()).filter(|r| !r.is_empty()),
        }
    } else {
        SessionTarget {
            instance_id: id.to_string(),
            profile: opts.profile.clone(),
            region: opts
                .region
                .clone()
                .or_else(|| Some(app.snapshot.identity.region.clone()).filter(|r| !r.is_empty())),
        }
    }
}

/// Runs `aws ssm start-session` in the foreground until the user leaves the shell.
fn run_session(target: &SessionTarget) -> Result<(), String> {
    let cmd = session_command(target);
    let (program, args) = cmd
        .split_first()
        .ok_or_else(|| "empty session command".to_string())?;
    tracing::info!(instance = %target.instance_id, "starting a Session Manager session");
    let status = std::process::Command::new(program)
        .args(args)
        .status()
        .map_err(|e| format!("cannot start {program}: {e}"))?;
    if status.success() {
        Ok(())
    } else {
        Err(format!("the session ended with {status}"))
    }
}

/// The signals that end the console: it leaves as on `q`, restoring the terminal.
struct Signals {
    #[cfg(unix)]
    streams: [tokio::signal::unix::Signal; 3],
}

impl Signals {
    #[cfg(unix)]
    fn new() -> Result<Self> {
        use tokio::signal::unix::{SignalKind, signal};
        let listen = |kind| signal(kind).wrap_err("cannot listen for signals");
        Ok(Self {
            streams: [
                listen(SignalKind::terminate())?,
                listen(SignalKind::hangup())?,
                listen(SignalKind::interrupt())?,
            ],
        })
    }

    #[cfg(not(unix))]
    fn new() -> Result<Self> {
        Ok(Self {})
    }

    #[cfg(unix)]
    async fn recv(&mut self) {
        let [term, hup, int] = &mut self.streams;
        tokio::select! {
            _ = term.recv() => {}
            _ = hup.recv() => {}
            _ = int.recv() => {}
        }
    }

    #[cfg(not(unix))]
    async fn recv(&mut self) {
        let _ = tokio::signal::ctrl_c().await;
    }
}

/// The forwards' sessions terminated before the console goes (at most a few seconds).
async fn end_forwards<C: Cloud>(engines: &[Engine<C>]) {
    for e in engines {
        e.stop_forwards(Duration::from_secs(3)).await;
    }
}
