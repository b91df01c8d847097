//! Frames and keystrokes at fleet scale (TestBackend 200×50):
//! - `frame/{instances,endpoints,patches}/{1k,10k,100k}`: one frame of the pane;
//! - `filter_keystroke/100k`: one key typed into `/` on the Instances pane, then its frame;
//! - `move_keystroke/100k`: `j` and its frame;
//! - `fetched/{instances,nodes,patches}/{10k,100k}`: what one poller result costs the UI
//!   thread (`update` with `EngineEvent::Fetched`: readiness and the tables rebuilt).
//!
//! Sample sizes and times are small so `cargo bench` stays within minutes on 2 cores.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    unreachable_pub
)]

#[path = "common/mod.rs"]
mod common;

use std::hint::black_box;
use std::time::Duration;

use criterion::{BatchSize, BenchmarkId, Criterion, criterion_group, criterion_main};
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ssmdeck::domain::snapshot::Source;
use ssmdeck::tui::app::{App, Mode, Msg, Pane, update};

const SIZES: [(usize, &str); 3] = [(1_000, "1k"), (10_000, "10k"), (100_000, "100k")];

fn key(c: KeyCode) -> Msg {
    Msg::Key(KeyEvent::new(c, KeyModifiers::NONE))
}

fn frames(c: &mut Criterion) {
    let mut g = c.benchmark_group("frame");
    g.sample_size(20)
        .warm_up_time(Duration::from_millis(300))
        .measurement_time(Duration::from_secs(1));
    for (pane, name) in [
        (Pane::Instances, "instances"),
        (Pane::Endpoints, "endpoints"),
        (Pane::Patches, "patches"),
    ] {
        for (n, label) in SIZES {
            let app = common::app_with_rows(pane, n);
            eprintln!("frame/{name}/{label}: {} rows", common::rows_of(&app));
            let mut term = common::terminal();
            // Somewhere in the middle, as after scrolling.
            let mut app = app;
            update(&mut app, key(KeyCode::End));
            for _ in 0..(common::rows_of(&app) / 2).min(200) {
                update(&mut app, key(KeyCode::PageUp));
            }
            g.bench_with_input(BenchmarkId::new(name, label), &app, |b, app| {
                b.iter(|| common::frame(&mut term, black_box(app)))
            });
        }
    }
    g.finish();
}

fn keystrokes(c: &mut Criterion) {
    let mut g = c.benchmark_group("keystroke");
    g.sample_size(20)
        .warm_up_time(Duration::from_millis(300))
        .measurement_time(Duration::from_secs(2));
    let mut app = common::app_with_rows(Pane::Instances, 100_000);
    let mut term = common::terminal();
    // `/` opens the filter with `app-0` typed; each sample types `1` (app-01…: a tenth
    // of the fleet still matches) and draws, then Backspace restores the state untimed.
    update(&mut app, key(KeyCode::Char('/')));
    for ch in "app-0".chars() {
        update(&mut app, key(KeyCode::Char(ch)));
    }
    g.bench_function("filter/100k", |b| {
        b.iter_custom(|iters| {
            let mut spent = Duration::ZERO;
            for _ in 0..iters {
                let start = std::time::Instant::now();
                update(&mut app, key(KeyCode::Char('1')));
                common::frame(&mut term, &app);
                spent += start.elapsed();
                black_box(app.table().map_or(0, |t| t.visible.len()));
                update(&mut app, key(KeyCode::Backspace));
            }
            spent
        })
    });
    update(&mut app, key(KeyCode::Esc));
    app.mode = Mode::Normal;
    g.bench_function("move/100k", |b| {
        b.iter(|| {
            update(&mut app, key(KeyCode::Char('j')));
            common::frame(&mut term, &app);
        })
    });
    g.finish();
}

/// The filter alone (no frame), typed and erased: the table's share of a keystroke.
fn filter_only(c: &mut Criterion) {
    let mut g = c.benchmark_group("filter");
    g.sample_size(20)
        .warm_up_time(Duration::from_millis(300))
        .measurement_time(Duration::from_secs(2));
    let app = common::app_with_rows(Pane::Instances, 100_000);
    let mut table = app.tables[2].clone();
    g.bench_function("type_char/100k", |b| {
        b.iter(|| {
            table.set_filter("app-01", 42);
            let n = table.visible.len();
            table.set_filter("app-0", 42);
            black_box(n)
        })
    });
    g.bench_function("regex/100k", |b| {
        b.iter(|| {
            table.set_filter("win-.*9$", 42);
            let n = table.visible.len();
            table.set_filter("", 42);
            black_box(n)
        })
    });
    g.finish();
}

/// `fetched`: a poller result with the rebuild inline (what `update` alone costs).
/// `fetched_on_loop`: the UI thread's share in the console, where rebuilds run off the
/// loop (`App::defer_builds`) and replaced data is freed elsewhere.
fn poller_results(c: &mut Criterion, group: &str, deferred: bool) {
    let mut g = c.benchmark_group(group);
    g.sample_size(10)
        .warm_up_time(Duration::from_millis(200))
        .measurement_time(Duration::from_secs(3));
    for (n, label) in [(10_000, "10k"), (100_000, "100k")] {
        let cloud = common::fleet(n);
        let mut app: App = common::app_on(&cloud, common::WIDTH, common::HEIGHT);
        app.defer_builds = deferred;
        for (source, name) in [
            (Source::Instances, "instances"),
            (Source::Nodes, "nodes"),
            (Source::Patches, "patches"),
        ] {
            let msg = common::fetched(&cloud, &app, source);
            g.bench_function(BenchmarkId::new(name, label), |b| {
                b.iter_batched(
                    || msg.clone(),
                    |m| black_box((update(&mut app, m), app.take_garbage())),
                    BatchSize::LargeInput,
                )
            });
        }
    }
    g.finish();
}

fn fetched(c: &mut Criterion) {
    poller_results(c, "fetched", false);
}

fn fetched_on_the_loop(c: &mut Criterion) {
    poller_results(c, "fetched_on_loop", true);
}

/// The parts of `App::rebuild` alone, to see what each poller result would cost if
/// only the tables that depend on its source were rebuilt.
fn rebuild_parts(c: &mut Criterion) {
    use ssmdeck::tui::panes::{Pane, PaneData};
    let mut g = c.benchmark_group("rebuild_part");
    g.sample_size(10)
        .warm_up_time(Duration::from_millis(200))
        .measurement_time(Duration::from_secs(2));
    for (n, label) in [(10_000, "10k"), (100_000, "100k")] {
        let cloud = common::fleet(n);
        let app = common::app_on(&cloud, common::WIDTH, common::HEIGHT);
        let data = PaneData {
            snapshot: &app.snapshot,
            readiness: &app.readiness,
            members: None,
            now: app.now,
            lang: app.lang,
            lab_vpc: None,
            role_name: &app.role_name,
            keymap: &app.keymap,
            scopes: &[],
            scope: None,
            patch_policy: Default::default(),
        };
        g.bench_function(BenchmarkId::new("readiness", label), |b| {
            b.iter(|| black_box(ssmdeck::domain::readiness::evaluate(&app.snapshot)))
        });
        for &pane in Pane::EVERY {
            let name = format!("{pane:?}").to_lowercase() + "_rows";
            g.bench_function(BenchmarkId::new(name, label), |b| {
                b.iter(|| black_box(pane.spec().rows(&data).map(|r| r.rows.len())))
            });
        }
        let rows = Pane::Instances
            .spec()
            .rows(&data)
            .map(|r| r.rows)
            .unwrap_or_default();
        let mut table = app.tables[Pane::Instances.index()].clone();
        g.bench_function(BenchmarkId::new("set_rows", label), |b| {
            b.iter_batched(
                || rows.clone(),
                |rows| table.set_rows(rows, 42),
                BatchSize::LargeInput,
            )
        });
    }
    g.finish();
}

criterion_group!(
    benches,
    frames,
    keystrokes,
    filter_only,
    fetched,
    fetched_on_the_loop,
    rebuild_parts
);
criterion_main!(benches);
