//! `ssmdeck check --json --sandbox=fleet:100000` as a whole process (the binary of
//! this build's profile: release under `cargo bench`), stdout to a file. Prints the
//! peak resident set size of the runs (getrusage of the children) and the output size.

use std::fs::File;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use criterion::{Criterion, criterion_group, criterion_main};

const BIN: &str = env!("CARGO_BIN_EXE_ssmdeck");

fn run(scenario: &str, out: &std::path::Path, log: &std::path::Path) -> Duration {
    let file = match File::create(out) {
        Ok(f) => f,
        Err(e) => panic!("cannot create {}: {e}", out.display()),
    };
    let start = Instant::now();
    let status = Command::new(BIN)
        .arg(format!("--sandbox={scenario}"))
        .arg("--log-file")
        .arg(log)
        .args(["check", "--json"])
        .stdout(Stdio::from(file))
        .stderr(Stdio::null())
        .status();
    let spent = start.elapsed();
    match status {
        // 1: not ready, which fleet:N is by design.
        Ok(s) if matches!(s.code(), Some(0 | 1)) => spent,
        other => panic!("ssmdeck check failed: {other:?}"),
    }
}

/// Largest resident set of any child waited for so far, in MiB.
fn children_peak_rss_mib() -> f64 {
    // SAFETY: getrusage writes into the struct we pass and reads nothing else.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    let rc = unsafe { libc::getrusage(libc::RUSAGE_CHILDREN, &mut usage) };
    if rc != 0 {
        return f64::NAN;
    }
    usage.ru_maxrss as f64 / 1024.0 // kilobytes on Linux
}

fn check(c: &mut Criterion) {
    let dir = std::env::temp_dir().join(format!("ssmdeck-bench-check-{}", std::process::id()));
    let _ = std::fs::create_dir_all(&dir);
    let out = dir.join("check.json");
    let log = dir.join("ssmdeck.log");
    let mut g = c.benchmark_group("check_json");
    g.sample_size(10)
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(10));
    for (scenario, label) in [("fleet:1000", "1k"), ("fleet:100000", "100k")] {
        g.bench_function(label, |b| {
            b.iter_custom(|iters| (0..iters).map(|_| run(scenario, &out, &log)).sum())
        });
        let size = std::fs::metadata(&out).map(|m| m.len()).unwrap_or(0);
        eprintln!(
            "check_json/{label}: output {:.1} MiB; peak RSS of the runs so far {:.1} MiB",
            size as f64 / (1024.0 * 1024.0),
            children_peak_rss_mib()
        );
    }
    g.finish();
    let _ = std::fs::remove_dir_all(&dir);
}

criterion_group!(benches, check);
criterion_main!(benches);
