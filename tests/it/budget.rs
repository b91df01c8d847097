//! The API budget: a token bucket per API family that every call waits on, and the
//! console's refreshes driven by what is visible — measured on the lab with a virtual
//! clock (tokio's paused time drives the pollers and the buckets alike).

use std::collections::BTreeMap;
use std::time::Duration;

use tokio::sync::mpsc;
use tokio::time::Instant;

use ssmdeck::cloud::Cloud;
use ssmdeck::cloud::budget::{Budget, BudgetConfig, Family, Rate, Rates, TokenBucket};
use ssmdeck::cloud::sandbox::faults::{Faults, Faulty};
use ssmdeck::cloud::sandbox::{Clock, SandboxCloud, Scenario};
use ssmdeck::domain::plan::plan_fix;
use ssmdeck::domain::readiness;
use ssmdeck::domain::snapshot::Source;
use ssmdeck::engine::audit::{Audit, AuditLog};
use ssmdeck::engine::{Engine, EngineEvent, Fetched, Intervals, fetch, ops};
use ssmdeck::tui::panes::Pane;

use crate::fixtures::t0;

#[test]
fn a_bucket_gives_its_burst_then_its_refill() {
    let start = Instant::now();
    let mut bucket = TokenBucket::new(Rate::new(100, 20), start);
    for _ in 0..100 {
        assert!(bucket.take(start).is_ok(), "the burst is there at once");
    }
    let wait = bucket.take(start).expect_err("the burst is spent");
    assert!(
        (Duration::from_millis(49)..=Duration::from_millis(51)).contains(&wait),
        "one token comes after 1/20 s: {wait:?}"
    );
    let second = start + Duration::from_secs(1);
    let mut taken = 0;
    while bucket.take(second).is_ok() {
        taken += 1;
    }
    assert_eq!(taken, 20, "a second refills 20");
    let idle = second + Duration::from_secs(3600);
    let mut taken = 0;
    while bucket.take(idle).is_ok() {
        taken += 1;
    }
    assert_eq!(taken, 100, "never more than the bucket");
}

#[test]
fn rates_are_parsed_and_checked() {
    assert_eq!(Rate::parse("100/20"), Some(Rate::new(100, 20)));
    for bad in ["100", "0/0", "10/20", "x/1", "100/0", "20000/5"] {
        assert_eq!(Rate::parse(bad), None, "{bad}");
    }
    let config = BudgetConfig {
        iam: Some("5/1".into()),
        ..BudgetConfig::default()
    };
    let rates = config.rates().expect("valid");
    assert_eq!(rates.iam, Rate::new(5, 1));
    assert_eq!(rates.ec2, Rate::new(100, 20), "EC2's documented default");
    let bad = BudgetConfig {
        ssm: Some("fast".into()),
        ..BudgetConfig::default()
    };
    assert_eq!(bad.rates(), Err(("ssm", "fast".to_string())));
    assert_eq!(Family::of("ec2:DescribeVpcs"), Family::Ec2Describe);
    assert_eq!(Family::of("ec2:CreateVpcEndpoint"), Family::Ec2Mutate);
    assert_eq!(Family::of("iam:ListRoles"), Family::Iam);
    assert_eq!(Family::of("sts:GetCallerIdentity"), Family::Other);
}

#[tokio::test(start_paused = true)]
async fn calls_over_the_bucket_wait_for_its_refill_and_other_families_do_not() {
    let budget = Budget::new(&Rates {
        iam: Rate::new(10, 2),
        ..Rates::default()
    });
    let start = Instant::now();
    for _ in 0..10 {
        budget.acquire("iam:ListRoles").await;
    }
    assert_eq!(Instant::now(), start, "the burst goes at once");
    budget.acquire("iam:ListRoles").await;
    let waited = Instant::now() - start;
    assert!(
        waited >= Duration::from_millis(500),
        "the 11th waits for a token (2 a second): {waited:?}"
    );
    let before = Instant::now();
    budget.acquire("ec2:DescribeVpcs").await;
    assert_eq!(Instant::now(), before, "EC2 has its own bucket");
    let stats = budget.stats();
    let iam = stats
        .families
        .iter()
        .find(|f| f.family == Family::Iam)
        .expect("iam");
    assert_eq!(iam.waits, 1);
    assert_eq!(stats.total(), 12);
    let roles = stats
        .operations
        .iter()
        .find(|o| o.operation == "iam:ListRoles")
        .expect("counted");
    assert_eq!((roles.total, roles.last_minute), (11, 11));
}

fn lab() -> Faulty<SandboxCloud> {
    SandboxCloud::new(Scenario::Lab, Clock::manual(t0())).with_faults(Faults::default())
}

/// The source each sandbox operation is read for.
fn source_of(operation: &str) -> &'static str {
    match operation {
        "ec2:DescribeInstances" | "ec2:DescribeIamInstanceProfileAssociations" => "instances",
        "ssm:DescribeInstanceProperties" | "ssm:GetServiceSetting" => "nodes",
        "ssm:ListCommands" => "commands",
        "ssm:GetInventory" => "inventory",
        "ssm:DescribeInstancePatchStates" => "patches",
        "ssm:DescribeMaintenanceWindows" => "windows",
        "sts:GetCallerIdentity" => "identity",
        op if op.starts_with("iam:") => "iam",
        _ => "network",
    }
}

fn calls(budget: &Budget) -> BTreeMap<String, u64> {
    budget
        .stats()
        .operations
        .into_iter()
        .map(|o| (o.operation, o.total))
        .collect()
}

fn since(now: &BTreeMap<String, u64>, before: &BTreeMap<String, u64>) -> BTreeMap<String, u64> {
    now.iter()
        .map(|(op, n)| (op.clone(), n - before.get(op).copied().unwrap_or(0)))
        .filter(|(_, n)| *n > 0)
        .collect()
}

/// The sources read (started) among the events so far.
fn drain(rx: &mut mpsc::UnboundedReceiver<EngineEvent>) -> Vec<EngineEvent> {
    let mut out = Vec::new();
    while let Ok(e) = rx.try_recv() {
        out.push(e);
    }
    out
}

fn started(events: &[EngineEvent], source: Source) -> usize {
    events
        .iter()
        .filter(|e| matches!(e, EngineEvent::Started(s) if *s == source))
        .count()
}

#[tokio::test(start_paused = true)]
async fn the_idle_console_on_instances_costs_under_30_calls_a_minute() {
    let cloud = lab();
    let budget = cloud.budget().expect("the sandbox has a budget");
    let (tx, mut rx) = mpsc::unbounded_channel();
    let engine = Engine::start(cloud.clone(), Duration::from_secs(10), tx);
    engine.show(&Pane::Instances.visible_sources());
    // The first reads of everything, then ten idle minutes; the times are off the
    // pollers' beats (every 10 s, every 60 s) so that no read and no look coincide.
    tokio::time::sleep(Duration::from_secs(145)).await;
    drain(&mut rx);
    let before = calls(&budget);
    let minutes = 10;
    tokio::time::sleep(Duration::from_secs(60 * minutes)).await;
    let events = drain(&mut rx);
    let spent = since(&calls(&budget), &before);
    let mut by_source: BTreeMap<&str, u64> = BTreeMap::new();
    for (op, n) in &spent {
        *by_source.entry(source_of(op)).or_default() += n;
    }
    let total: u64 = spent.values().sum();
    let per_minute = total as f64 / minutes as f64;
    eprintln!("idle on Instances, lab, --refresh 10, {minutes} min (virtual clock):");
    for (source, n) in &by_source {
        eprintln!("  {source:<10} {:>6.1}/min", *n as f64 / minutes as f64);
    }
    for (op, n) in &spent {
        eprintln!("    {op:<46} {:>6.1}/min", *n as f64 / minutes as f64);
    }
    eprintln!("  total      {per_minute:>6.1}/min");
    assert!(per_minute <= 30.0, "{per_minute} calls a minute: {spent:?}");
    // What the pane shows is never older than the interval: read every 10 s.
    for source in [Source::Instances, Source::Nodes] {
        let reads = started(&events, source);
        assert!(reads >= 59, "{source:?} read {reads} times in 10 minutes");
    }
    // The rest slowly: the network once a minute, its DNS attributes on the long interval.
    let network = started(&events, Source::Network);
    assert!((9..=11).contains(&network), "network read {network} times");
    let attributes = spent.get("ec2:DescribeVpcAttribute").copied().unwrap_or(0);
    let vpcs = fetch::network(&cloud).await.expect("network").vpcs.len() as u64;
    assert!(
        attributes <= 2 * vpcs * 2,
        "DescribeVpcAttribute {attributes} times for {vpcs} VPCs in 10 minutes"
    );

    // Showing the Endpoints pane reads the network at once: its data, read 25 s ago, is
    // older than the interval.
    engine.show(&Pane::Endpoints.visible_sources());
    tokio::time::sleep(Duration::from_secs(1)).await;
    assert!(started(&drain(&mut rx), Source::Network) >= 1);
}

#[tokio::test(start_paused = true)]
async fn ctrl_r_reads_everything_at_once_even_what_is_kept_long() {
    let cloud = lab();
    let budget = cloud.budget().expect("budget");
    let (tx, mut rx) = mpsc::unbounded_channel();
    let engine = Engine::start(cloud.clone(), Duration::from_secs(10), tx);
    engine.show(&Pane::Instances.visible_sources());
    tokio::time::sleep(Duration::from_secs(95)).await;
    drain(&mut rx);
    let before = calls(&budget);
    engine.refresh_all();
    tokio::time::sleep(Duration::from_secs(1)).await;
    let events = drain(&mut rx);
    let spent = since(&calls(&budget), &before);
    for source in [
        Source::Network,
        Source::Iam,
        Source::Instances,
        Source::Nodes,
    ] {
        assert!(started(&events, source) >= 1, "{source:?} read at once");
    }
    for op in [
        "ec2:DescribeVpcAttribute",
        "ec2:DescribeIamInstanceProfileAssociations",
        "ssm:GetServiceSetting",
        "iam:ListRoles",
    ] {
        assert!(spent.contains_key(op), "{op} read again: {spent:?}");
    }
}

#[tokio::test(start_paused = true)]
async fn a_write_refreshes_what_it_changed_at_once() {
    let cloud = lab();
    let (tx, mut rx) = mpsc::unbounded_channel();
    // The network hidden and hourly: only the write can make it read again soon.
    let mut intervals = Intervals::from_base(Duration::from_secs(10));
    intervals.set(Source::Network, Duration::from_secs(3600));
    let engine = Engine::start_with(cloud.clone(), &intervals, &Source::ALL, tx);
    engine.show(&Pane::Instances.visible_sources());
    tokio::time::sleep(Duration::from_secs(90)).await;
    let endpoints_before = drain(&mut rx)
        .iter()
        .rev()
        .find_map(|e| match e {
            EngineEvent::Fetched {
                result: Fetched::Network(Ok(n)),
                ..
            } => Some(n.endpoints.len()),
            _ => None,
        })
        .expect("the network was read");
    let snapshot = fetch::snapshot(&cloud).await;
    let r = readiness::evaluate(&snapshot);
    let plan = plan_fix(&snapshot, &r, &[], &[], "ManagedInstancesRole", "20261130");
    let audit = Audit {
        log: AuditLog::in_memory(),
        account: Some("123456789012".into()),
        region: "ap-northeast-2".into(),
        profile: "sandbox: lab".into(),
    };
    let sent = Instant::now();
    engine.perform(ops::Op::Apply(plan), audit);
    let mut endpoints_after = None;
    while endpoints_after.is_none() && sent.elapsed() < Duration::from_secs(120) {
        tokio::time::sleep(Duration::from_millis(500)).await;
        endpoints_after = drain(&mut rx).iter().find_map(|e| match e {
            EngineEvent::Fetched {
                result: Fetched::Network(Ok(n)),
                ..
            } => Some(n.endpoints.len()),
            _ => None,
        });
    }
    let after = endpoints_after.expect("the network was read again after the write");
    assert!(
        after > endpoints_before,
        "the endpoints created are shown: {endpoints_before} → {after}"
    );
}
