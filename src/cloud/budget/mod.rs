//! The API budget of one account and region: a token bucket per API family that every
//! request of that scope waits on (pollers, detail reads and writes alike), and what was
//! spent — calls per operation, waits per family, throttling AWS answered with.
//! Both adapters take their tokens here, per request sent (each page and each retry).

pub mod bucket;
pub mod rates;

use std::collections::{BTreeMap, VecDeque};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use tokio::time::Instant;

pub use bucket::{Rate, TokenBucket};
pub use rates::{BudgetConfig, Rates};

/// The window of "calls in the last minute".
const MINUTE: Duration = Duration::from_secs(60);

/// The APIs that share one bucket.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Family {
    /// EC2's non-mutating actions (Describe*, Get*).
    Ec2Describe,
    /// EC2's mutating actions.
    Ec2Mutate,
    Iam,
    Ssm,
    /// STS, S3, CloudWatch Logs.
    Other,
}

impl Family {
    pub const ALL: [Family; 5] = [
        Self::Ec2Describe,
        Self::Ec2Mutate,
        Self::Iam,
        Self::Ssm,
        Self::Other,
    ];

    /// The family of `ec2:DescribeVpcs`, `iam:ListRoles`…
    pub fn of(operation: &str) -> Self {
        let (service, action) = operation.split_once(':').unwrap_or(("", operation));
        match service {
            "ec2"
                if ["Describe", "Get", "List", "Search"]
                    .iter()
                    .any(|p| action.starts_with(p)) =>
            {
                Self::Ec2Describe
            }
            "ec2" => Self::Ec2Mutate,
            "iam" => Self::Iam,
            "ssm" => Self::Ssm,
            _ => Self::Other,
        }
    }

    /// Its key in `[budget]`.
    pub fn key(self) -> &'static str {
        match self {
            Self::Ec2Describe => "ec2",
            Self::Ec2Mutate => "ec2_mutate",
            Self::Iam => "iam",
            Self::Ssm => "ssm",
            Self::Other => "other",
        }
    }

    fn index(self) -> usize {
        self as usize
    }
}

#[derive(Debug, Default, Clone, Copy)]
struct Spent {
    calls: u64,
    throttled: u64,
}

#[derive(Debug, Default, Clone, Copy)]
struct Waits {
    /// Calls that had to wait for a token.
    count: u64,
    total: Duration,
}

#[derive(Debug)]
struct State {
    started: Instant,
    buckets: Vec<TokenBucket>,
    waits: [Waits; 5],
    operations: BTreeMap<String, Spent>,
    /// When each call of the last minute was sent, and its operation.
    recent: VecDeque<(Instant, String)>,
}

impl State {
    fn forget_before(&mut self, now: Instant) {
        while let Some((at, _)) = self.recent.front() {
            if now.saturating_duration_since(*at) < MINUTE {
                break;
            }
            self.recent.pop_front();
        }
    }
}

/// Shared by every clone: one per account and region.
#[derive(Debug, Clone)]
pub struct Budget(Arc<Mutex<State>>);

impl Default for Budget {
    fn default() -> Self {
        Self::new(&Rates::default())
    }
}

/// One operation's calls.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OperationStats {
    pub operation: String,
    pub last_minute: u64,
    pub total: u64,
    /// Attempts AWS answered with a throttling error.
    pub throttled: u64,
}

/// One family's bucket and what waited on it.
#[derive(Debug, Clone, PartialEq)]
pub struct FamilyStats {
    pub family: Family,
    pub rate: Rate,
    pub tokens: f64,
    pub waits: u64,
    pub waited: Duration,
    pub throttled: u64,
}

/// What a budget has spent, for `:stats`.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct BudgetStats {
    /// Since the budget began.
    pub elapsed: Duration,
    pub operations: Vec<OperationStats>,
    pub families: Vec<FamilyStats>,
}

impl BudgetStats {
    /// Calls in the last minute, all operations.
    pub fn last_minute(&self) -> u64 {
        self.operations.iter().map(|o| o.last_minute).sum()
    }

    pub fn total(&self) -> u64 {
        self.operations.iter().map(|o| o.total).sum()
    }

    pub fn throttled(&self) -> u64 {
        self.operations.iter().map(|o| o.throttled).sum()
    }

    /// Calls a minute since the start (a first minute counts as a whole one).
    pub fn per_minute(&self, calls: u64) -> f64 {
        calls as f64 * 60.0 / self.elapsed.max(MINUTE).as_secs_f64()
    }
}

impl Budget {
    pub fn new(rates: &Rates) -> Self {
        let now = Instant::now();
        Self(Arc::new(Mutex::new(State {
            started: now,
            buckets: Family::ALL
                .iter()
                .map(|&f| TokenBucket::new(rates.of(f), now))
                .collect(),
            waits: Default::default(),
            operations: BTreeMap::new(),
            recent: VecDeque::new(),
        })))
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        self.0
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// New rates from now on (full buckets).
    pub fn set_rates(&self, rates: &Rates) {
        let now = Instant::now();
        let mut s = self.lock();
        for (bucket, &family) in s.buckets.iter_mut().zip(Family::ALL.iter()) {
            if bucket.rate() != rates.of(family) {
                *bucket = TokenBucket::new(rates.of(family), now);
            }
        }
    }

    /// Waits for a token of `operation`'s family, then counts the call.
    pub async fn acquire(&self, operation: &str) {
        let family = Family::of(operation);
        let mut first_wait: Option<Instant> = None;
        loop {
            let wait = {
                let now = Instant::now();
                let mut s = self.lock();
                match s.buckets[family.index()].take(now) {
                    Ok(()) => {
                        if let Some(since) = first_wait {
                            let w = &mut s.waits[family.index()];
                            w.count += 1;
                            w.total += now.saturating_duration_since(since);
                        }
                        s.forget_before(now);
                        s.recent.push_back((now, operation.to_string()));
                        s.operations.entry(operation.to_string()).or_default().calls += 1;
                        return;
                    }
                    Err(wait) => wait,
                }
            };
            if first_wait.is_none() {
                first_wait = Some(Instant::now());
                tracing::debug!(operation, ?wait, "waiting for the API budget");
            }
            tokio::time::sleep(wait).await;
        }
    }

    /// AWS answered an attempt of `operation` with a throttling error.
    pub fn throttled(&self, operation: &str) {
        tracing::info!(operation, "throttled by AWS");
        self.lock()
            .operations
            .entry(operation.to_string())
            .or_default()
            .throttled += 1;
    }

    pub fn stats(&self) -> BudgetStats {
        let now = Instant::now();
        let mut s = self.lock();
        s.forget_before(now);
        let mut last: BTreeMap<&str, u64> = BTreeMap::new();
        for (_, op) in &s.recent {
            *last.entry(op.as_str()).or_default() += 1;
        }
        let operations: Vec<OperationStats> = s
            .operations
            .iter()
            .map(|(op, spent)| OperationStats {
                operation: op.clone(),
                last_minute: last.get(op.as_str()).copied().unwrap_or(0),
                total: spent.calls,
                throttled: spent.throttled,
            })
            .collect();
        let elapsed = now.saturating_duration_since(s.started);
        let mut families = Vec::new();
        for family in Family::ALL {
            let throttled = operations
                .iter()
                .filter(|o| Family::of(&o.operation) == family)
                .map(|o| o.throttled)
                .sum();
            let waits = s.waits[family.index()];
            let bucket = &mut s.buckets[family.index()];
            families.push(FamilyStats {
                family,
                rate: bucket.rate(),
                tokens: bucket.tokens(now),
                waits: waits.count,
                waited: waits.total,
                throttled,
            });
        }
        BudgetStats {
            elapsed,
            operations,
            families,
        }
    }
}
