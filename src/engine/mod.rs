//! The tokio side: one poller per source, results sent to the UI as messages.

pub mod activation;
pub mod activation_ops;
pub mod audit;
pub mod executor;
pub mod fetch;
pub mod fleet;
pub mod forward;
pub mod ops;
pub mod schedule;

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use jiff::Timestamp;
use tokio::sync::{Notify, mpsc, watch};
use tokio::task::JoinHandle;

use crate::cloud::Cloud;
use crate::domain::model::Identity;
use crate::domain::snapshot::Source;
use audit::{Audit, AuditEntry};
use executor::PlanEvent;
pub use fetch::Fetched;

/// Longest wait between attempts of a failing source.
const MAX_BACKOFF: Duration = Duration::from_secs(60);

#[derive(Debug, Clone)]
pub enum EngineEvent {
    /// A refresh of this source started.
    Started(Source),
    /// A refresh finished at this time (the cloud's clock).
    Fetched { at: Timestamp, result: Fetched },
    /// A core source read again gave what its last good read gave: only its age moves.
    Unchanged { source: Source, at: Timestamp },
    /// A core source read again differs from its last good read only in what is neither
    /// shown nor judged (nodes' last pings): kept, nothing rebuilt.
    Refreshed { at: Timestamp, result: Fetched },
    /// Who the credentials belong to, or why that is unknown (an unreachable endpoint).
    Identity(Result<Identity, crate::cloud::CloudError>),
    /// A source failed; its poller tries again at this time (the cloud's clock).
    Retrying { source: Source, at: Timestamp },
    /// Dry-run verdicts and progress of a plan.
    Plan(PlanEvent),
    /// The tail of the audit log.
    Audit(Result<Vec<AuditEntry>, String>),
    /// A detail view's data.
    Detail(fleet::Detail),
    /// Run Command: the commands sent, and the error that stopped the batches if any.
    Sent {
        commands: Vec<crate::domain::model::Command>,
        error: Option<String>,
    },
    /// CancelCommand finished.
    Cancelled {
        command_id: String,
        error: Option<String>,
    },
    /// The Command documents, for `X`'s picker.
    Documents(Result<Vec<crate::cloud::DocumentInfo>, crate::cloud::CloudError>),
    /// One document's parameters, for `X`'s form.
    Document(Result<crate::cloud::DocumentDetail, crate::cloud::CloudError>),
    /// An activations operation's result.
    Activation(activation_ops::ActivationEvent),
    /// A port forward's session started, dropped or ended.
    Forward {
        id: u64,
        event: forward::ForwardEvent,
    },
}

/// How often each source refreshes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Intervals {
    every: BTreeMap<Source, Duration>,
    /// Sources no visible pane shows ([`schedule::HIDDEN_INTERVAL`]).
    pub hidden: Duration,
    /// IAM while hidden, and the reads that change only with a write
    /// ([`schedule::LONG_INTERVAL`]).
    pub long: Duration,
}

impl Intervals {
    /// Every source at its multiple of `base` ([`interval_of`]).
    pub fn from_base(base: Duration) -> Self {
        Self {
            every: Source::ALL
                .iter()
                .map(|&s| (s, interval_of(s, base)))
                .collect(),
            hidden: schedule::HIDDEN_INTERVAL,
            long: schedule::LONG_INTERVAL,
        }
    }
    pub fn set(&mut self, source: Source, every: Duration) {
        self.every.insert(source, every);
    }
    pub fn of(&self, source: Source) -> Duration {
        self.every
            .get(&source)
            .copied()
            .unwrap_or(Duration::from_secs(5))
    }
}

/// How often each source refreshes, from the base interval (`--refresh`).
pub fn interval_of(source: Source, base: Duration) -> Duration {
    match source {
        Source::Inventory | Source::Windows | Source::Associations => base.saturating_mul(6),
        Source::Patches => base.saturating_mul(3),
        _ => base,
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DetailRequest {
    Inventory(String),
    /// A node's patches, those the filter lets through.
    Patches(String, crate::domain::model::PatchFilter),
    /// A command's invocations, their whole output read from where it was also written.
    Invocations(String, crate::domain::model::OutputConfig, Vec<String>),
    Window(String),
    /// An association, and the nodes it targets (their status on it, the first 50).
    Association(String, Vec<String>),
}

impl DetailRequest {
    /// The instance, command or window asked about.
    pub fn id(&self) -> &str {
        match self {
            Self::Inventory(id)
            | Self::Patches(id, _)
            | Self::Invocations(id, ..)
            | Self::Window(id)
            | Self::Association(id, _) => id,
        }
    }
}

/// How to stop a forward, and its task.
type RunningForward = (watch::Sender<bool>, JoinHandle<()>);

/// Handle on the running pollers; dropping it stops them.
pub struct Engine<C: Cloud> {
    cloud: C,
    tx: mpsc::UnboundedSender<EngineEvent>,
    wake: BTreeMap<Source, Arc<Notify>>,
    tasks: Vec<JoinHandle<()>>,
    /// Port forwards kept open: how to stop each, and its task.
    forwards: std::sync::Mutex<BTreeMap<u64, RunningForward>>,
    /// The sources the visible pane shows (every source until the console says).
    visible: watch::Sender<Vec<Source>>,
    slow: schedule::SlowReads,
}

impl<C: Cloud> Engine<C> {
    /// Starts one poller per source, each refreshing at its multiple of `interval`.
    pub fn start(cloud: C, interval: Duration, tx: mpsc::UnboundedSender<EngineEvent>) -> Self {
        Self::start_with(cloud, &Intervals::from_base(interval), &Source::ALL, tx)
    }

    /// Starts one poller per source in `sources`, each at its own interval.
    pub fn start_with(
        cloud: C,
        intervals: &Intervals,
        sources: &[Source],
        tx: mpsc::UnboundedSender<EngineEvent>,
    ) -> Self {
        let mut wake = BTreeMap::new();
        let mut tasks = Vec::new();
        let (managed_tx, managed_rx) = watch::channel(Vec::<String>::new());
        let managed_tx = Arc::new(managed_tx);
        let (visible, visible_rx) = watch::channel(Source::ALL.to_vec());
        let slow = schedule::SlowReads::new(intervals.long);
        for &source in sources {
            let notify = Arc::new(Notify::new());
            wake.insert(source, notify.clone());
            let ctx = PollContext {
                interval: intervals.of(source),
                hidden: intervals.hidden,
                long: intervals.long,
                wake: notify,
                tx: tx.clone(),
                managed_tx: managed_tx.clone(),
                managed_rx: managed_rx.clone(),
                visible: visible_rx.clone(),
                slow: slow.clone(),
            };
            tasks.push(tokio::spawn(poll(cloud.clone(), source, ctx)));
        }
        let sources: Vec<Arc<Notify>> = wake.values().cloned().collect();
        tasks.push(tokio::spawn(identity(cloud.clone(), tx.clone(), sources)));
        Self {
            cloud,
            tx,
            wake,
            tasks,
            forwards: Default::default(),
            visible,
            slow,
        }
    }

    /// The sources the visible pane shows: read at their interval, the others slowly.
    /// A source shown again is read at once when its data is older than its interval.
    pub fn show(&self, sources: &[Source]) {
        self.visible.send_if_modified(|v| {
            let changed = v.as_slice() != sources;
            if changed {
                *v = sources.to_vec();
            }
            changed
        });
    }

    /// Performs `op` in the background ([`ops::perform`]); its events come back on the
    /// channel. After a write, the sources it changes are read again.
    pub fn perform(&self, op: ops::Op, audit: Audit) {
        let cloud = self.cloud.clone();
        let tx = self.tx.clone();
        let wake: Vec<Arc<Notify>> = match &op {
            ops::Op::Apply(_) => self.wake.values().cloned().collect(),
            ops::Op::Send(_) | ops::Op::Cancel(_) => self
                .wake
                .get(&Source::Commands)
                .cloned()
                .into_iter()
                .collect(),
            ops::Op::DryRun(_)
            | ops::Op::Detail(_)
            | ops::Op::Documents
            | ops::Op::Document(_)
            | ops::Op::Activation(_) => Vec::new(),
        };
        let slow = matches!(op, ops::Op::Apply(_)).then(|| self.slow.clone());
        tokio::spawn(async move {
            let mut emit = |ev| {
                let _ = tx.send(ev);
            };
            ops::perform(&cloud, op, Some(&audit), &mut emit).await;
            // A write may have changed what is read only now and then: read it again.
            if let Some(slow) = slow {
                slow.expire();
            }
            for w in wake {
                w.notify_one();
            }
        });
    }

    /// Reads the tail of the audit log off the UI thread.
    pub fn load_audit(&self, log: audit::AuditLog) {
        let tx = self.tx.clone();
        tokio::task::spawn_blocking(move || {
            let result = log.tail(500).map_err(|e| match log.path() {
                Some(p) => format!("cannot read {}: {e}", p.display()),
                None => e.to_string(),
            });
            let _ = tx.send(EngineEvent::Audit(result));
        });
    }

    /// Refresh every source now (a refresh already running is followed by one more).
    /// Keeps a port forward open through `node` until [`Engine::stop_forward`]; its
    /// events come back as [`EngineEvent::Forward`].
    pub fn start_forward(&self, id: u64, spec: crate::domain::forward::ForwardSpec, node: String) {
        let (stop, stopped) = watch::channel(false);
        let cloud = self.cloud.clone();
        let tx = self.tx.clone();
        let task = tokio::spawn(async move {
            let mut emit = |event| {
                let _ = tx.send(EngineEvent::Forward { id, event });
            };
            forward::keep_open(&cloud, &spec, &node, stopped, &mut emit).await;
        });
        if let Ok(mut f) = self.forwards.lock() {
            f.insert(id, (stop, task));
        }
    }

    /// Ends a forward (its session is terminated; `Stopped` comes back).
    pub fn stop_forward(&self, id: u64) {
        if let Ok(f) = self.forwards.lock()
            && let Some((stop, _)) = f.get(&id)
        {
            let _ = stop.send(true);
        }
    }

    /// Ends every forward, waiting at most `wait` for their sessions to be terminated.
    pub async fn stop_forwards(&self, wait: Duration) {
        let all: Vec<RunningForward> = match self.forwards.lock() {
            Ok(mut f) => std::mem::take(&mut *f).into_values().collect(),
            Err(_) => return,
        };
        let mut tasks = Vec::new();
        for (stop, task) in all {
            let _ = stop.send(true);
            tasks.push(task);
        }
        let _ = tokio::time::timeout(wait, futures::future::join_all(tasks)).await;
    }

    /// Every source now, the slow reads too (`Ctrl-r`).
    pub fn refresh_all(&self) {
        self.slow.expire();
        for n in self.wake.values() {
            n.notify_one();
        }
    }

    pub fn refresh(&self, source: Source) {
        if let Some(n) = self.wake.get(&source) {
            n.notify_one();
        }
    }
}

impl<C: Cloud> Drop for Engine<C> {
    fn drop(&mut self) {
        for t in &self.tasks {
            t.abort();
        }
        if let Ok(f) = self.forwards.lock() {
            for (_, task) in f.values() {
                task.abort();
            }
        }
    }
}

/// While the endpoint cannot be reached, it is asked again this often (a refused
/// connection costs nothing); other failures back off like a source.
const UNREACHABLE_RETRY: Duration = Duration::from_secs(2);

/// Who we are: asked until it answers. After a failure, the answer wakes every source,
/// so a console that came up while the endpoint was down fills in as soon as it is back.
async fn identity<C: Cloud>(
    cloud: C,
    tx: mpsc::UnboundedSender<EngineEvent>,
    sources: Vec<Arc<Notify>>,
) {
    let mut failures = 0u32;
    loop {
        match cloud.identity().await {
            Ok(id) => {
                let _ = tx.send(EngineEvent::Identity(Ok(id)));
                if failures > 0 {
                    sources.iter().for_each(|n| n.notify_one());
                }
                return;
            }
            Err(e) => {
                failures = failures.saturating_add(1);
                let wait = match &e {
                    crate::cloud::CloudError::Unreachable { .. } => UNREACHABLE_RETRY,
                    _ => backoff(Duration::from_secs(2), failures, Source::Network),
                };
                if tx.send(EngineEvent::Identity(Err(e))).is_err() {
                    return;
                }
                tokio::time::sleep(wait).await;
            }
        }
    }
}

struct PollContext {
    interval: Duration,
    hidden: Duration,
    long: Duration,
    wake: Arc<Notify>,
    tx: mpsc::UnboundedSender<EngineEvent>,
    /// Online managed nodes, published by the nodes poller for the patches poller.
    managed_tx: Arc<watch::Sender<Vec<String>>>,
    managed_rx: watch::Receiver<Vec<String>>,
    visible: watch::Receiver<Vec<Source>>,
    slow: schedule::SlowReads,
}

/// One source: fetch, report, wait for the interval or a wake-up; one request in flight.
async fn poll<C: Cloud>(cloud: C, source: Source, mut ctx: PollContext) {
    let mut failures: u32 = 0;
    let mut last_print: Option<u64> = None;
    let mut last_shown: Option<u64> = None;
    if source == Source::Patches {
        // Patch states are read for the managed nodes only: wait for the first list
        // (or a refresh request, or one interval) instead of a first read of nothing.
        tokio::select! {
            _ = ctx.managed_rx.changed() => {}
            _ = ctx.wake.notified() => {}
            _ = tokio::time::sleep(ctx.interval) => {}
        }
    }
    loop {
        if ctx.tx.send(EngineEvent::Started(source)).is_err() {
            return;
        }
        let managed = ctx.managed_rx.borrow_and_update().clone();
        let result = fetch::fetch_kept(&cloud, source, &managed, Some(&ctx.slow)).await;
        let failed = result.error();
        if let Some(e) = &failed {
            tracing::warn!(source = source.name(), error = %e, "refresh failed");
        }
        let mut in_flight = false;
        match &result {
            Fetched::Nodes(Ok(n)) => {
                let ids: Vec<String> = n
                    .nodes
                    .iter()
                    .filter(|m| m.ping == crate::domain::model::PingStatus::Online)
                    .map(|m| m.instance_id.clone())
                    .collect();
                ctx.managed_tx.send_replace(ids);
            }
            Fetched::Commands(Ok(c))
                if c.iter().any(|x| {
                    matches!(x.status.as_str(), "Pending" | "InProgress" | "Cancelling")
                }) =>
            {
                in_flight = true;
            }
            _ => {}
        }
        let at = cloud.now();
        let print = fetch::fingerprint(&result);
        let shown = fetch::shown_fingerprint(&result);
        let event = if print.is_some() && print == last_print {
            EngineEvent::Unchanged { source, at }
        } else if shown.is_some() && shown == last_shown {
            EngineEvent::Refreshed { at, result }
        } else {
            EngineEvent::Fetched { at, result }
        };
        last_print = print;
        last_shown = shown;
        if ctx.tx.send(event).is_err() {
            return;
        }
        failures = if failed.is_some() {
            failures.saturating_add(1)
        } else {
            0
        };
        let read_at = tokio::time::Instant::now();
        let mut announced = false;
        // Until the next read: the wait is taken again whenever the visible pane changes.
        loop {
            let visible = ctx.visible.borrow_and_update().contains(&source);
            let pace = schedule::Pace {
                interval: ctx.interval,
                hidden: ctx.hidden,
                long: ctx.long,
            };
            let every = pace.every(source, visible, in_flight);
            let wait = backoff(every, failures, source);
            if failures > 0 && !announced {
                announced = true;
                let next = jiff::SignedDuration::try_from(wait)
                    .ok()
                    .and_then(|d| at.checked_add(d).ok());
                if let Some(next) = next {
                    let _ = ctx.tx.send(EngineEvent::Retrying { source, at: next });
                }
            }
            tokio::select! {
                _ = tokio::time::sleep_until(read_at + wait) => break,
                _ = ctx.wake.notified() => break,
                changed = ctx.visible.changed() => {
                    if changed.is_err() {
                        tokio::time::sleep_until(read_at + wait).await;
                        break;
                    }
                }
            }
        }
    }
}

/// The interval, doubled per consecutive failure up to a minute, with a little
/// jitter so sources that fail together do not retry together.
pub fn backoff(interval: Duration, failures: u32, source: Source) -> Duration {
    if failures == 0 {
        return interval;
    }
    let factor = 2u32.saturating_pow(failures.min(6));
    let base = interval
        .saturating_mul(factor)
        .min(MAX_BACKOFF)
        .max(interval);
    let jitter_ms = (u64::from(failures) * 7919 + source as u64 * 104_729) % 1000;
    base + Duration::from_millis(jitter_ms)
}
