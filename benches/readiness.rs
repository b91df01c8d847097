//! The domain side of `check` at fleet scale:
//! - `readiness/evaluate/{10k,100k}`: every rule over a snapshot of `fleet:N`;
//! - `report/json/100k`: the `check --json` document;
//! - `sandbox/build/100k`: building the simulated `fleet:100000` account;
//! - `sandbox/snapshot/100k`: one read of every core source from it (`fetch::snapshot`).

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

use criterion::{BenchmarkId, Criterion, criterion_group, criterion_main};
use ssmdeck::cloud::sandbox::Scenario;
use ssmdeck::domain::readiness;
use ssmdeck::engine::fetch;

fn evaluate(c: &mut Criterion) {
    let mut g = c.benchmark_group("readiness");
    g.sample_size(10)
        .warm_up_time(Duration::from_millis(300))
        .measurement_time(Duration::from_secs(3));
    for (n, label) in [(10_000, "10k"), (100_000, "100k")] {
        let cloud = common::fleet(n);
        let snap = futures::executor::block_on(fetch::snapshot(&cloud));
        g.bench_with_input(BenchmarkId::new("evaluate", label), &snap, |b, s| {
            b.iter(|| black_box(readiness::evaluate(s)))
        });
    }
    g.finish();
}

fn report(c: &mut Criterion) {
    let mut g = c.benchmark_group("report");
    g.sample_size(10)
        .warm_up_time(Duration::from_millis(300))
        .measurement_time(Duration::from_secs(3));
    let cloud = common::fleet(100_000);
    let snap = futures::executor::block_on(fetch::snapshot(&cloud));
    let r = readiness::evaluate(&snap);
    g.bench_function("json/100k", |b| {
        b.iter(|| black_box(ssmdeck::report::json(&snap, &r, Default::default()).len()))
    });
    g.finish();
}

fn sandbox(c: &mut Criterion) {
    let mut g = c.benchmark_group("sandbox");
    g.sample_size(10)
        .warm_up_time(Duration::from_millis(300))
        .measurement_time(Duration::from_secs(3));
    g.bench_function("build/100k", |b| {
        b.iter(|| black_box(Scenario::Fleet(100_000).build(common::t0())))
    });
    let cloud = common::fleet(100_000);
    g.bench_function("snapshot/100k", |b| {
        b.iter(|| black_box(futures::executor::block_on(fetch::snapshot(&cloud))))
    });
    g.finish();
}

criterion_group!(benches, evaluate, report, sandbox);
criterion_main!(benches);
