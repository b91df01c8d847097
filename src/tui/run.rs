//! The terminal and the event loop: input, engine messages and ticks in; frames out.

use std::time::Duration;

use color_eyre::eyre::{Result, WrapErr};
use crossterm::event::{Event, EventStream};
use futures::StreamExt;
use ratatui::DefaultTerminal;
use tokio::sync::mpsc;

use super::app::{App, Effect, Msg, update};
use super::render;
use crate::cloud::Cloud;
use crate::engine::audit::Audit;
use crate::engine::{Engine, EngineEvent};

pub struct RunOptions {
    pub refresh: Duration,
    pub read_only: bool,
    pub log_path: Option<String>,
    pub audit_path: std::path::PathBuf,
    pub lang: crate::i18n::Lang,
}

/// Runs the TUI until the user quits. The terminal is restored on every way out.
pub async fn run<C: Cloud>(cloud: C, opts: RunOptions) -> Result<()> {
    let mut terminal = ratatui::try_init().wrap_err("cannot open the terminal (ssmdeck needs an interactive terminal; use `ssmdeck check` in scripts)")?;
    install_log_hint(opts.log_path.clone());
    let result = event_loop(&mut terminal, cloud, opts).await;
    ratatui::restore();
    result
}

/// After a panic, the terminal is restored (ratatui's hook) and the log named.
fn install_log_hint(log_path: Option<String>) {
    let previous = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
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
) -> Result<()> {
    let (tx, mut rx) = mpsc::unbounded_channel::<EngineEvent>();
    let engine = Engine::start(cloud.clone(), opts.refresh, tx);
    let mut app = App::new(cloud.now());
    app.read_only = opts.read_only;
    app.lang = opts.lang;
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
                Some(Ok(_)) => continue,
                Some(Err(e)) => return Err(e).wrap_err("cannot read from the terminal"),
                None => return Ok(()),
            },
            Some(event) = rx.recv() => Msg::Engine(event),
            _ = ticks.tick() => Msg::Tick(cloud.now()),
        };
        let mut effects = update(&mut app, msg);
        // Coalesce a burst of engine results into one frame.
        while let Ok(event) = rx.try_recv() {
            effects.extend(update(&mut app, Msg::Engine(event)));
        }
        for effect in effects {
            match effect {
                Effect::Quit => return Ok(()),
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
            }
        }
    }
}
