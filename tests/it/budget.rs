//! The API budget: a token bucket per API family that every call waits on, and the
//! console's refreshes driven by what is visible, measured on the lab. The buckets are
//! tested on a virtual clock (they are told the time); the pollers on a clock scaled
//! 100× (a minute is 600 ms) — tokio's paused time would need its `test-util` feature,
//! which would rebuild every SDK crate.

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

#[tokio::test]
async fn calls_over_the_bucket_wait_for_its_refill_and_other_families_do_not() {
    let budget = Budget::new(&Rates {
        iam: Rate::new(10, 2),
        ..Rates::default()
    });
    for _ in 0..11 {
        budget.acquire("iam:ListRoles").await;
    }
    budget.acquire("ec2:DescribeVpcs").await;
    let stats = budget.stats();
    let waits = |family| {
        stats
            .families
            .iter()
            .find(|f| f.family == family)
            .map(|f| f.waits)
    };
    assert_eq!(waits(Family::Iam), Some(1), "the 11th waited for a token");
    assert_eq!(
        waits(Family::Ec2Describe),
        Some(0),
        "EC2 has its own bucket"
    );
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

/// The console's pace, 100× faster: `--refresh 10` is 100 ms, a minute 600 ms.
const SCALE: u32 = 100;

fn scaled(hidden: Duration, long: Duration) -> Intervals {
    let mut intervals = Intervals::from_base(Duration::from_secs(10) / SCALE);
    intervals.hidden = hidden;
    intervals.long = long;
    intervals
}

async fn wait_for(
    rx: &mut mpsc::UnboundedReceiver<EngineEvent>,
    what: impl Fn(&EngineEvent) -> bool,
) -> EngineEvent {
    loop {
        let event = tokio::time::timeout(Duration::from_secs(60), rx.recv())
            .await
            .expect("within a minute")
            .expect("engine running");
        if what(&event) {
            return event;
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_idle_console_on_instances_costs_under_30_calls_a_minute() {
    let cloud = lab();
    let budget = cloud.budget().expect("the sandbox has a budget");
    let (tx, mut rx) = mpsc::unbounded_channel();
    let minute = Duration::from_secs(60) / SCALE;
    let intervals = scaled(minute, minute * 5);
    let engine = Engine::start_with(cloud.clone(), &intervals, &Source::ALL, tx);
    engine.show(&Pane::Instances.visible_sources());
    // The first reads of everything, then ten idle minutes.
    tokio::time::sleep(minute * 2).await;
    drain(&mut rx);
    let before = calls(&budget);
    let minutes = 10;
    tokio::time::sleep(minute * minutes).await;
    let events = drain(&mut rx);
    let spent = since(&calls(&budget), &before);
    let mut by_source: BTreeMap<&str, u64> = BTreeMap::new();
    for (op, n) in &spent {
        *by_source.entry(source_of(op)).or_default() += n;
    }
    let total: u64 = spent.values().sum();
    let per_minute = total as f64 / f64::from(minutes);
    eprintln!("idle on Instances, lab, --refresh 10, {minutes} min (clock scaled {SCALE}x):");
    for (source, n) in &by_source {
        eprintln!("  {source:<10} {:>6.1}/min", *n as f64 / f64::from(minutes));
    }
    for (op, n) in &spent {
        eprintln!("    {op:<46} {:>6.1}/min", *n as f64 / f64::from(minutes));
    }
    eprintln!("  total      {per_minute:>6.1}/min");
    assert!(per_minute <= 30.0, "{per_minute} calls a minute: {spent:?}");
    // What the pane shows is read at its interval, the rest slowly.
    let instances = started(&events, Source::Instances);
    let network = started(&events, Source::Network);
    assert!(
        network <= 11,
        "the hidden network read {network} times in 10 minutes"
    );
    assert!(
        instances >= 3 * network.max(1),
        "the visible instances read {instances} times, the hidden network {network}"
    );
    let attributes = spent.get("ec2:DescribeVpcAttribute").copied().unwrap_or(0);
    let vpcs = fetch::network(&cloud).await.expect("network").vpcs.len() as u64;
    assert!(
        attributes <= 3 * vpcs * 2,
        "DescribeVpcAttribute {attributes} times for {vpcs} VPCs in 10 minutes"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn showing_a_pane_reads_its_sources_at_once() {
    let cloud = lab();
    let (tx, mut rx) = mpsc::unbounded_channel();
    // Hidden sources hourly: only the pane shown can make the network read again.
    let hour = Duration::from_secs(3600);
    let engine = Engine::start_with(cloud.clone(), &scaled(hour, hour), &Source::ALL, tx);
    engine.show(&Pane::Instances.visible_sources());
    wait_for(&mut rx, |e| {
        matches!(
            e,
            EngineEvent::Fetched {
                result: Fetched::Network(_),
                ..
            }
        )
    })
    .await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    drain(&mut rx);
    engine.show(&Pane::Endpoints.visible_sources());
    wait_for(&mut rx, |e| {
        matches!(e, EngineEvent::Started(Source::Network))
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ctrl_r_reads_everything_at_once_even_what_is_kept_long() {
    let cloud = lab();
    let budget = cloud.budget().expect("budget");
    let (tx, mut rx) = mpsc::unbounded_channel();
    let hour = Duration::from_secs(3600);
    let engine = Engine::start_with(cloud.clone(), &scaled(hour, hour), &Source::ALL, tx);
    engine.show(&Pane::Instances.visible_sources());
    // The first reads, in whatever order they come.
    let mut first = std::collections::BTreeSet::new();
    while first.len() < 3 {
        if let EngineEvent::Fetched { result, .. } = wait_for(&mut rx, |e| {
            matches!(e, EngineEvent::Fetched { result, .. }
                if matches!(result.source(), Source::Network | Source::Iam | Source::Nodes))
        })
        .await
        {
            first.insert(result.source());
        }
    }
    let before = calls(&budget);
    engine.refresh_all();
    // Read again (the same account, so the console hears it was unchanged), in any order.
    let mut read = std::collections::BTreeSet::new();
    while !(read.contains(&Source::Network) && read.contains(&Source::Iam)) {
        match wait_for(&mut rx, |e| {
            matches!(
                e,
                EngineEvent::Fetched { .. } | EngineEvent::Unchanged { .. }
            )
        })
        .await
        {
            EngineEvent::Fetched { result, .. } => read.insert(result.source()),
            EngineEvent::Unchanged { source, .. } => read.insert(source),
            _ => false,
        };
    }
    let spent = since(&calls(&budget), &before);
    for op in ["ec2:DescribeVpcAttribute", "iam:ListRoles"] {
        assert!(spent.contains_key(op), "{op} read again: {spent:?}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_write_refreshes_what_it_changed_at_once() {
    let cloud = lab();
    let (tx, mut rx) = mpsc::unbounded_channel();
    // The network hidden and hourly: only the write can make it read again.
    let hour = Duration::from_secs(3600);
    let engine = Engine::start_with(cloud.clone(), &scaled(hour, hour), &Source::ALL, tx);
    engine.show(&Pane::Instances.visible_sources());
    let first = wait_for(&mut rx, |e| {
        matches!(
            e,
            EngineEvent::Fetched {
                result: Fetched::Network(Ok(_)),
                ..
            }
        )
    })
    .await;
    let EngineEvent::Fetched {
        result: Fetched::Network(Ok(before)),
        ..
    } = first
    else {
        unreachable!("matched above");
    };
    let snapshot = fetch::snapshot(&cloud).await;
    let r = readiness::evaluate(&snapshot);
    let plan = plan_fix(&snapshot, &r, &[], &[], "ManagedInstancesRole", "20261130");
    let audit = Audit {
        log: AuditLog::in_memory(),
        account: Some("123456789012".into()),
        region: "ap-northeast-2".into(),
        profile: "sandbox: lab".into(),
    };
    engine.perform(ops::Op::Apply(plan), audit);
    let next = wait_for(&mut rx, |e| {
        matches!(
            e,
            EngineEvent::Fetched {
                result: Fetched::Network(Ok(_)),
                ..
            }
        )
    })
    .await;
    let EngineEvent::Fetched {
        result: Fetched::Network(Ok(after)),
        ..
    } = next
    else {
        unreachable!("matched above");
    };
    assert!(
        after.endpoints.len() > before.endpoints.len(),
        "the endpoints created are shown: {} → {}",
        before.endpoints.len(),
        after.endpoints.len()
    );
}
