//! Input-to-frame gaps while the pollers refresh a 10k-node fleet whose every call
//! takes 300 ms (the sandbox's fault injection, `--faults latency:300ms`).
//!
//! The real engine (`Engine::start`, one poller per source) runs on a multi-thread
//! runtime, as in the binary; the event loop of `tui::run` is reproduced here on a
//! 200×50 TestBackend. A task types `j`/`k` every 20 ms; each key's gap is the time
//! from the key being sent to the end of the frame that shows it. Reported: the first
//! frame, the first frame with rows, the largest and the 99th-percentile gap, and the
//! slowest `update` per message kind (what blocks the loop).
//!
//! Environment: `GAP_NODES` (10000), `GAP_LATENCY_MS` (300), `GAP_SECS` (25).
//! Not a criterion timing loop: one run is one long measurement.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    unreachable_pub
)]

#[path = "common/mod.rs"]
mod common;

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ssmdeck::cloud::Cloud;
use ssmdeck::cloud::sandbox::SandboxCloud;
use ssmdeck::cloud::sandbox::faults::{Faults, Faulty};
use ssmdeck::engine::{Engine, EngineEvent};
use ssmdeck::tui::app::{App, Effect, Msg, Pane, update};
use ssmdeck::tui::offload::Offload;
use tokio::sync::mpsc;

fn env_or(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

#[derive(Default)]
struct Stats {
    first_frame: Option<Duration>,
    first_rows_frame: Option<Duration>,
    gaps: Vec<Duration>,
    frames: usize,
    slowest_frame: Duration,
    /// Slowest `update` (with the coalesced engine events after it) per message kind.
    slowest_update: BTreeMap<String, Duration>,
}

/// The name an engine event is counted under (named, never cloned: a result can hold
/// 100k instances).
fn kind(event: &EngineEvent) -> String {
    match event {
        EngineEvent::Fetched { result, .. } => format!("fetched {}", result.source().name()),
        EngineEvent::Unchanged { source, .. } => format!("unchanged {}", source.name()),
        EngineEvent::Started(_) => "started".into(),
        _ => "engine other".into(),
    }
}

/// `tui::run::event_loop` with a TestBackend and keys from a channel.
async fn event_loop(
    cloud: Faulty<SandboxCloud>,
    mut keys: mpsc::UnboundedReceiver<(Instant, KeyEvent)>,
    start: Instant,
    deadline: Instant,
) -> Stats {
    let mut stats = Stats::default();
    let (tx, mut rx) = mpsc::unbounded_channel::<EngineEvent>();
    let engine = Engine::start(cloud.clone(), Duration::from_secs(5), tx);
    let mut app = App::new(cloud.now());
    app.pane = Pane::Instances;
    update(
        &mut app,
        Msg::Resize {
            width: common::WIDTH,
            height: common::HEIGHT,
        },
    );
    let mut terminal = common::terminal();
    let mut ticks = tokio::time::interval(Duration::from_secs(1));
    ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
    let mut pending: Vec<Instant> = Vec::new();
    // As in `tui::run`: rebuilds run off the loop, results wait while one runs.
    let mut offload = Offload::attach(&mut app);
    loop {
        let before = Instant::now();
        common::frame(&mut terminal, &app);
        let drawn = Instant::now();
        stats.frames += 1;
        stats.slowest_frame = stats.slowest_frame.max(drawn - before);
        stats.first_frame.get_or_insert(drawn - start);
        if common::rows_of(&app) > 0 {
            stats.first_rows_frame.get_or_insert(drawn - start);
        }
        stats
            .gaps
            .extend(pending.drain(..).map(|sent| drawn - sent));
        offload.start(&mut app);
        let t;
        let (name, effects) = tokio::select! {
            Some((sent, key)) = keys.recv() => {
                pending.push(sent);
                t = Instant::now();
                ("key".to_string(), update(&mut app, Msg::Key(key)))
            }
            built = offload.finished() => {
                t = Instant::now();
                let built = match built {
                    Ok(b) => b,
                    Err(e) => panic!("build failed: {e}"),
                };
                ("install build".to_string(), offload.install(&mut app, built))
            }
            Some(event) = rx.recv() => {
                t = Instant::now();
                let mut burst = vec![(0, event)];
                while let Ok(event) = rx.try_recv() {
                    burst.push((0, event));
                }
                let name = kind(&burst[0].1);
                (name, offload.events(&mut app, burst))
            }
            _ = ticks.tick() => {
                t = Instant::now();
                ("tick".to_string(), update(&mut app, Msg::Tick(cloud.now())))
            }
            _ = tokio::time::sleep_until(deadline.into()) => break,
        };
        let spent = t.elapsed();
        let slot = stats.slowest_update.entry(name).or_default();
        *slot = (*slot).max(spent);
        for effect in effects {
            if effect == Effect::RefreshAll {
                engine.refresh_all();
            }
        }
    }
    stats
}

fn main() {
    let nodes = env_or("GAP_NODES", 10_000) as usize;
    let latency = Duration::from_millis(env_or("GAP_LATENCY_MS", 300));
    let secs = env_or("GAP_SECS", 25);
    let inner = common::fleet(nodes);
    common::all_registered(&inner);
    // The sandbox's own fault injection: every call waits `latency` first.
    let cloud = inner.with_faults(Faults {
        latency,
        ..Faults::default()
    });
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(r) => r,
        Err(e) => panic!("cannot start tokio: {e}"),
    };
    let stats = runtime.block_on(async move {
        let (key_tx, key_rx) = mpsc::unbounded_channel();
        let start = Instant::now();
        let deadline = start + Duration::from_secs(secs);
        tokio::spawn(async move {
            let mut every = tokio::time::interval(Duration::from_millis(20));
            let mut down = true;
            while Instant::now() < deadline {
                every.tick().await;
                let code = if down {
                    KeyCode::Char('j')
                } else {
                    KeyCode::Char('k')
                };
                down = !down;
                if key_tx
                    .send((Instant::now(), KeyEvent::new(code, KeyModifiers::NONE)))
                    .is_err()
                {
                    break;
                }
            }
        });
        event_loop(cloud, key_rx, start, deadline).await
    });
    let mut gaps = stats.gaps.clone();
    gaps.sort();
    let pct = |p: f64| {
        gaps.get(((gaps.len() as f64 * p) as usize).min(gaps.len().saturating_sub(1)))
            .copied()
            .unwrap_or_default()
    };
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    println!(
        "frame_gap: {nodes} nodes, {} ms per request, {secs} s, {} keys, {} frames",
        latency.as_millis(),
        gaps.len(),
        stats.frames
    );
    println!(
        "frame_gap: first frame {:.1} ms; first frame with rows {:.1} ms",
        stats.first_frame.map_or(f64::NAN, ms),
        stats.first_rows_frame.map_or(f64::NAN, ms)
    );
    println!(
        "frame_gap: input-to-frame gap max {:.1} ms, p99 {:.1} ms, p50 {:.1} ms; slowest frame {:.2} ms",
        ms(pct(1.0)),
        ms(pct(0.99)),
        ms(pct(0.5)),
        ms(stats.slowest_frame)
    );
    for (kind, d) in &stats.slowest_update {
        println!("frame_gap: slowest update: {kind:<20} {:.1} ms", ms(*d));
    }
}
