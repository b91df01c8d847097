//! Where the console's memory goes on `org:A:N` (default `org:100:1000`): the bytes
//! live on the heap after each layer is built — the simulated accounts, every scope's
//! reads, the tables — and what each layer gives back when it is dropped. Counted by a
//! global allocator that adds up what is allocated and freed (exact, unlike the
//! resident set, which also holds what the allocator keeps after a free).
//!
//! Environment: `ORG_SCENARIO` (`org:100:1000`; any scenario, e.g. `fleet:100000` for
//! one scope). One run is one measurement.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    unreachable_pub
)]

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use ssmdeck::cloud::Cloud;
use ssmdeck::cloud::sandbox::{Clock, SandboxCloud, Scenario};
use ssmdeck::domain::snapshot::Source;
use ssmdeck::engine::{EngineEvent, fetch};
use ssmdeck::scope::Selection;
use ssmdeck::tui::app::{App, Msg, update, update_batch};
use ssmdeck::tui::rows::Row;

struct Counting;

static LIVE: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);

// SAFETY: every call is passed to the system allocator unchanged; only counted.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let now = LIVE.fetch_add(layout.size(), Ordering::Relaxed) + layout.size();
        PEAK.fetch_max(now, Ordering::Relaxed);
        // SAFETY: the caller's layout, as GlobalAlloc requires.
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        LIVE.fetch_sub(layout.size(), Ordering::Relaxed);
        // SAFETY: allocated by `alloc` above with this layout.
        unsafe { System.dealloc(ptr, layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        let now = if new_size >= layout.size() {
            LIVE.fetch_add(new_size - layout.size(), Ordering::Relaxed) + new_size - layout.size()
        } else {
            LIVE.fetch_sub(layout.size() - new_size, Ordering::Relaxed) - (layout.size() - new_size)
        };
        PEAK.fetch_max(now, Ordering::Relaxed);
        // SAFETY: as GlobalAlloc::realloc requires, passed on.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static ALLOC: Counting = Counting;

fn mib(bytes: usize) -> f64 {
    bytes as f64 / (1024.0 * 1024.0)
}

fn live() -> usize {
    LIVE.load(Ordering::Relaxed)
}

fn main() {
    let name = std::env::var("ORG_SCENARIO").unwrap_or_else(|_| "org:100:1000".into());
    let scenario: Scenario = name.parse().expect("a scenario");
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("tokio");
    let start = live();
    let clock = Clock::Real;
    let scopes = if matches!(scenario, Scenario::Org { .. }) {
        SandboxCloud::for_org(
            scenario,
            &clock,
            &Selection::default(),
            |_| true,
            "OrganizationAccountAccessRole",
        )
    } else {
        SandboxCloud::for_selection(scenario, &clock, &Selection::default())
            .into_iter()
            .map(|(scope, cloud)| (scope, cloud, None))
            .collect()
    };
    let worlds = live();
    let mut app = App::new(clock.now());
    if scopes.len() > 1 {
        app.set_scopes(scopes.iter().map(|(s, _, _)| s.clone()).collect());
    }
    let mut events = Vec::new();
    runtime.block_on(async {
        for (ix, (_, cloud, refused)) in scopes.iter().enumerate() {
            if refused.is_some() {
                continue;
            }
            let nodes = fetch::fetch(cloud, Source::Nodes, &[]).await;
            let managed: Vec<String> = match &nodes {
                fetch::Fetched::Nodes(Ok(n)) => {
                    n.nodes.iter().map(|m| m.instance_id.clone()).collect()
                }
                _ => Vec::new(),
            };
            events.push((
                ix,
                EngineEvent::Fetched {
                    at: cloud.now(),
                    result: nodes,
                },
            ));
            for source in Source::ALL.into_iter().filter(|s| *s != Source::Nodes) {
                let result = fetch::fetch(cloud, source, &managed).await;
                events.push((
                    ix,
                    EngineEvent::Fetched {
                        at: cloud.now(),
                        result,
                    },
                ));
            }
        }
    });
    let reads = live();
    update(
        &mut app,
        Msg::Resize {
            width: 160,
            height: 45,
        },
    );
    let _ = update_batch(&mut app, events);
    let shown = live();
    let rows: usize = app.tables.iter().map(|t| t.rows.len()).sum();
    println!(
        "org_memory: {name}, {} scopes, {rows} rows in all tables",
        app.scopes.len()
    );
    println!(
        "org_memory: simulated accounts {:8.1} MiB",
        mib(worlds - start)
    );
    println!(
        "org_memory: reads in flight    {:8.1} MiB (the pollers' results before the console takes them)",
        mib(reads - worlds)
    );
    println!(
        "org_memory: console, all shown {:8.1} MiB (live after the build; peak so far {:.1} MiB)",
        mib(shown - worlds),
        mib(PEAK.load(Ordering::Relaxed) - start)
    );
    // What each layer holds: dropped one at a time.
    let step = |label: &str, app: &mut App, drop_it: &dyn Fn(&mut App)| {
        let before = live();
        drop_it(app);
        println!(
            "org_memory:   {label:<28} {:8.1} MiB",
            mib(before.saturating_sub(live()))
        );
    };
    // Each table's rows copied (to size) with one part of them left out.
    let rows_without = |a: &mut App, leave_out: &dyn Fn(&mut Row)| {
        for t in &mut a.tables {
            let rows: Vec<Row> = t
                .rows
                .iter()
                .cloned()
                .map(|mut r| {
                    leave_out(&mut r);
                    r
                })
                .collect();
            drop(t.set_rows(rows, 10));
        }
    };
    step("rows' spare capacity", &mut app, &|a| {
        rows_without(a, &|_| {})
    });
    step("rows' findings", &mut app, &|a| {
        rows_without(a, &|r| r.findings = Default::default())
    });
    step("rows' detail lines", &mut app, &|a| {
        rows_without(a, &|r| r.detail = Vec::new())
    });
    step("rows' haystacks", &mut app, &|a| {
        rows_without(a, &|r| r.haystack = String::new())
    });
    step("tables (rows)", &mut app, &|a| {
        for t in &mut a.tables {
            drop(t.set_rows(Vec::new(), 10));
        }
    });
    step("whole-view snapshot", &mut app, &|a| {
        a.snapshot = Arc::default();
    });
    step("whole-view readiness", &mut app, &|a| {
        a.readiness = Arc::default();
    });
    step("scopes' readiness", &mut app, &|a| {
        for v in &mut a.scopes {
            v.readiness = Arc::default();
        }
    });
    step("scopes' snapshots", &mut app, &|a| {
        for v in &mut a.scopes {
            v.snapshot = Arc::default();
        }
    });
    step("the rest of the App", &mut app, &|a| {
        a.owner.clear();
        a.owner.shrink_to_fit();
    });
    drop(app);
    println!(
        "org_memory: left after the App  {:8.1} MiB",
        mib(live() - worlds)
    );
    drop(scopes);
}
