//! The terminal and the event loop: input, engine messages and ticks in; frames out.

use std::time::Duration;

use color_eyre::eyre::{Result, WrapErr};
use crossterm::event::{Event, EventStream};
use futures::StreamExt;
use ratatui::DefaultTerminal;
use tokio::sync::mpsc;

use std::io::Write;

use super::app::{App, Effect, Msg, update, update_batch};
use super::clipboard::osc52;
use super::render;
use super::session::{SessionTarget, missing_prerequisite, session_command};
use crate::cloud::Cloud;
use crate::engine::audit::Audit;
use crate::engine::{Engine, EngineEvent};
use crate::i18n::{t, tf};

pub struct RunOptions {
    pub refresh: Duration,
    pub read_only: bool,
    pub log_path: Option<String>,
    pub audit_path: std::path::PathBuf,
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
pub async fn run<C: Cloud>(cloud: C, opts: RunOptions) -> Result<Option<String>> {
    let mut terminal = ratatui::try_init().wrap_err("cannot open the terminal (ssmdeck needs an interactive terminal; use `ssmdeck check` in scripts)")?;
    install_log_hint(opts.log_path.clone());
    let result = event_loop(&mut terminal, cloud, opts).await;
    let _ = crossterm::execute!(std::io::stdout(), crossterm::event::DisableMouseCapture);
    ratatui::restore();
    result
}

/// After a panic, the terminal is restored (ratatui's hook) and the log named.
fn install_log_hint(log_path: Option<String>) {
    let previous = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        let _ = crossterm::execute!(std::io::stdout(), crossterm::event::DisableMouseCapture);
        previous(info);
        if let Some(p) = &log_path {
            eprintln!("ssmdeck crashed; the log is at {p}");
        }
    }));
}

async fn event_loop<C: Cloud>(
    terminal: &mut DefaultTerminal,
    cloud: C,
    opts: RunOptions,
) -> Result<Option<String>> {
    let (tx, mut rx) = mpsc::unbounded_channel::<EngineEvent>();
    let engine = Engine::start(cloud.clone(), opts.refresh, tx);
    let mut app = App::new(cloud.now());
    app.read_only = opts.read_only;
    app.lang = opts.lang;
    app.keymap = super::keymap::Keymap::new(&opts.config.keys);
    if let Some(role) = &opts.config.role_name {
        app.role_name = role.clone();
    }
    let mouse = opts.config.mouse.unwrap_or(true);
    if mouse {
        let _ = crossterm::execute!(std::io::stdout(), crossterm::event::EnableMouseCapture);
    }
    app.log_path = opts.log_path.clone();
    let size = terminal.size().wrap_err("cannot read the terminal size")?;
    update(
        &mut app,
        Msg::Resize {
            width: size.width,
            height: size.height,
        },
    );

    let mut events = EventStream::new();
    let mut ticks = tokio::time::interval(Duration::from_secs(1));
    ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
    loop {
        terminal
            .draw(|frame| render::draw(frame, &app))
            .wrap_err("cannot draw on the terminal")?;
        let msg = tokio::select! {
            event = events.next() => match event {
                Some(Ok(Event::Key(key))) => Msg::Key(key),
                Some(Ok(Event::Resize(width, height))) => Msg::Resize { width, height },
                Some(Ok(Event::Mouse(m))) if mouse => Msg::Mouse { kind: m.kind, row: m.row },
                Some(Ok(_)) => continue,
                Some(Err(e)) => return Err(e).wrap_err("cannot read from the terminal"),
                None => return Ok(None),
            },
            Some(event) = rx.recv() => Msg::Engine(event),
            _ = ticks.tick() => Msg::Tick(cloud.now()),
        };
        // Coalesce a burst of engine results into one frame and one rebuild.
        let mut burst: Vec<EngineEvent> = Vec::new();
        let mut effects = match msg {
            Msg::Engine(event) => {
                burst.push(event);
                Vec::new()
            }
            other => update(&mut app, other),
        };
        while let Ok(event) = rx.try_recv() {
            burst.push(event);
        }
        if !burst.is_empty() {
            effects.extend(update_batch(&mut app, burst));
        }
        for effect in effects {
            match effect {
                Effect::Quit => return Ok(None),
                Effect::SwitchRegion(region) => return Ok(Some(region)),
                Effect::RefreshAll => engine.refresh_all(),
                Effect::DryRun(plan) => engine.dry_run(plan),
                Effect::Apply(plan) => {
                    let id = &app.snapshot.identity;
                    let audit = Audit {
                        path: opts.audit_path.clone(),
                        account: id.account.clone(),
                        region: id.region.clone(),
                        profile: id.label.clone(),
                    };
                    engine.apply(plan, audit);
                }
                Effect::LoadAudit => engine.load_audit(opts.audit_path.clone()),
                Effect::LoadDetail(request) => engine.load_detail(request),
                Effect::SendCommand(request) => engine.send_command(request),
                Effect::CancelCommand(id) => engine.cancel_command(id),
                Effect::Copy(text) => {
                    let seq = osc52(&text, std::env::var_os("TMUX").is_some());
                    let mut out = std::io::stdout();
                    let _ = out.write_all(seq.as_bytes()).and_then(|()| out.flush());
                }
                Effect::Session(id) => {
                    if opts.sandbox {
                        app.info(t(app.lang, "status.session_sandbox"));
                    } else if let Some(missing) = missing_prerequisite() {
                        app.error(missing);
                    } else {
                        // The shell owns the terminal: stop reading keys, leave the TUI, come back.
                        drop(events);
                        ratatui::restore();
                        let target = SessionTarget {
                            instance_id: id.clone(),
                            profile: opts.profile.clone(),
                            region: opts.region.clone().or_else(|| {
                                Some(app.snapshot.identity.region.clone()).filter(|r| !r.is_empty())
                            }),
                        };
                        let status = run_session(&target);
                        *terminal = ratatui::try_init()
                            .wrap_err("cannot reopen the terminal after the session")?;
                        terminal.clear().wrap_err("cannot clear the terminal")?;
                        events = EventStream::new();
                        match status {
                            Ok(()) => {
                                app.info(tf(app.lang, "status.session_ended", &[("id", &id)]))
                            }
                            Err(e) => app.error(e),
                        }
                    }
                }
            }
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
