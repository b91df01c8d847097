//! `ssmdeck check --json --sandbox=fleet:N` as a whole process (the binary of this
//! build's profile: release under `cargo bench`), stdout to a file:
//! - `check_json/binary/{1k,100k}`: the `ssmdeck` binary as shipped;
//! - `check_json/streamed/{1k,100k}`: the same check path in-process (the sandbox
//!   handing its account over, the JSON streamed to stdout, nothing freed at exit)
//!   without clap, logging or a tokio runtime, run by this bench binary re-executing
//!   itself.
//!
//! After each, one more run is watched for its peak resident set (VmHWM of
//! /proc/PID/status, read every millisecond until it exits; getrusage of children
//! would count this bench's own pages, copied at the spawn).

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    unreachable_pub
)]

use std::fs::File;
use std::io::Write;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use criterion::{Criterion, criterion_group};

const BIN: &str = env!("CARGO_BIN_EXE_ssmdeck");
/// Set to a scenario: this binary runs the streamed check path on it and exits.
pub const CHILD: &str = "SSMDECK_BENCH_CHECK_CHILD";

#[derive(Clone, Copy)]
pub enum Variant {
    Binary,
    Streamed,
}

fn command(
    variant: Variant,
    scenario: &str,
    out: &std::path::Path,
    log: &std::path::Path,
) -> Command {
    let file = match File::create(out) {
        Ok(f) => f,
        Err(e) => panic!("cannot create {}: {e}", out.display()),
    };
    let mut cmd = match variant {
        Variant::Binary => {
            let mut c = Command::new(BIN);
            c.arg(format!("--sandbox={scenario}"))
                .arg("--log-file")
                .arg(log)
                .args(["check", "--json"]);
            c
        }
        Variant::Streamed => {
            let me = match std::env::current_exe() {
                Ok(p) => p,
                Err(e) => panic!("cannot find this bench binary: {e}"),
            };
            let mut c = Command::new(me);
            c.env(CHILD, scenario);
            c
        }
    };
    cmd.stdout(Stdio::from(file)).stderr(Stdio::null());
    cmd
}

fn check_status(status: std::io::Result<std::process::ExitStatus>) {
    match status {
        // 1: not ready, which fleet:N is by design.
        Ok(s) if matches!(s.code(), Some(0 | 1)) => {}
        other => panic!("ssmdeck check failed: {other:?}"),
    }
}

fn timed(
    variant: Variant,
    scenario: &str,
    out: &std::path::Path,
    log: &std::path::Path,
) -> Duration {
    let mut cmd = command(variant, scenario, out, log);
    let start = Instant::now();
    let status = cmd.status();
    let spent = start.elapsed();
    check_status(status);
    spent
}

fn vm_hwm_kib(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

/// Peak resident set of one run, in MiB.
fn peak_rss_mib(
    variant: Variant,
    scenario: &str,
    out: &std::path::Path,
    log: &std::path::Path,
) -> f64 {
    let mut child = match command(variant, scenario, out, log).spawn() {
        Ok(c) => c,
        Err(e) => panic!("cannot start ssmdeck: {e}"),
    };
    let pid = child.id();
    let mut peak = 0;
    loop {
        if let Some(kib) = vm_hwm_kib(pid) {
            peak = peak.max(kib);
        }
        match child.try_wait() {
            Ok(Some(status)) => {
                check_status(Ok(status));
                break;
            }
            Ok(None) => std::thread::sleep(Duration::from_millis(1)),
            Err(e) => panic!("waiting for ssmdeck: {e}"),
        }
    }
    peak as f64 / 1024.0
}

fn check(c: &mut Criterion) {
    run_group(
        c,
        "check_json",
        &[(Variant::Binary, "binary"), (Variant::Streamed, "streamed")],
    );
}

/// Times each variant on fleet:1000 and fleet:100000, then reports one run's peak RSS.
pub fn run_group(c: &mut Criterion, name: &str, variants: &[(Variant, &str)]) {
    let dir = std::env::temp_dir().join(format!("ssmdeck-bench-check-{}", std::process::id()));
    let _ = std::fs::create_dir_all(&dir);
    let out = dir.join("check.json");
    let log = dir.join("ssmdeck.log");
    let mut g = c.benchmark_group(name);
    g.sample_size(10)
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(10));
    for &(variant, vname) in variants {
        for (scenario, label) in [("fleet:1000", "1k"), ("fleet:100000", "100k")] {
            g.bench_function(format!("{vname}/{label}"), |b| {
                b.iter_custom(|iters| {
                    (0..iters)
                        .map(|_| timed(variant, scenario, &out, &log))
                        .sum()
                })
            });
            let rss = peak_rss_mib(variant, scenario, &out, &log);
            let size = std::fs::metadata(&out).map(|m| m.len()).unwrap_or(0);
            eprintln!(
                "{name}/{vname}/{label}: peak RSS {rss:.1} MiB; output {:.1} MiB",
                size as f64 / (1024.0 * 1024.0)
            );
        }
    }
    g.finish();
    let _ = std::fs::remove_dir_all(&dir);
}

/// The check path of `app_main` without clap, logging or a tokio runtime: the sandbox
/// hands its account over, readiness, the JSON streamed, exit without freeing. Returns
/// the exit code.
pub fn streamed_check(scenario: &str) -> i32 {
    use ssmdeck::cloud::Cloud;
    use ssmdeck::cloud::sandbox::{Clock, SandboxCloud, Scenario};
    let scenario: Scenario = match scenario.parse() {
        Ok(s) => s,
        Err(e) => panic!("{e}"),
    };
    let cloud = SandboxCloud::new(scenario, Clock::Real);
    let snapshot = match cloud.hand_over() {
        Ok(s) => s,
        Err(cloud) => futures::executor::block_on(ssmdeck::engine::fetch::snapshot(&cloud)),
    };
    let readiness = ssmdeck::domain::readiness::evaluate(&snapshot);
    let stdout = std::io::stdout().lock();
    let written = ssmdeck::report::write_json(
        std::io::BufWriter::with_capacity(1 << 16, stdout),
        &snapshot,
        &readiness,
        Default::default(),
    );
    if let Err(e) = written {
        let _ = writeln!(std::io::stderr(), "cannot write the report: {e}");
        return 2;
    }
    let code = i32::from(ssmdeck::report::outcome(&snapshot, &readiness).exit_code());
    std::mem::forget(readiness);
    std::mem::forget(snapshot);
    code
}

criterion_group!(benches, check);

fn main() {
    if let Ok(scenario) = std::env::var(CHILD) {
        std::process::exit(streamed_check(&scenario));
    }
    benches();
    Criterion::default().configure_from_args().final_summary();
}
