//! When each source is read again: the visible pane's sources at their interval, the
//! others slowly, IAM slower still; and the reads inside a source that change only with
//! a write (VPC DNS attributes, instance-profile associations, the Default Host
//! Management setting) on the long interval, when what they belong to changes, after
//! ssmdeck's own writes and on `Ctrl-r`.

use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use tokio::time::Instant;

use crate::domain::model::ProfileAssociation;
use crate::domain::snapshot::Source;

/// Sources no visible pane shows are read this often (or at their own interval when
/// that is longer).
pub const HIDDEN_INTERVAL: Duration = Duration::from_secs(60);
/// IAM while no visible pane shows it, and the reads that change only with a write.
pub const LONG_INTERVAL: Duration = Duration::from_secs(300);
/// Commands in flight are followed this closely while their pane is visible.
pub const IN_FLIGHT_INTERVAL: Duration = Duration::from_millis(1500);

/// One source's intervals: its own, and those of hidden sources and of IAM.
#[derive(Debug, Clone, Copy)]
pub struct Pace {
    pub interval: Duration,
    pub hidden: Duration,
    pub long: Duration,
}

impl Pace {
    /// The wait after a good read of `source`. Commands in flight are followed closely
    /// on their pane, at the interval elsewhere (a command sent from another pane
    /// reports its progress there).
    pub fn every(&self, source: Source, visible: bool, in_flight: bool) -> Duration {
        let interval = self.interval;
        match (visible, source) {
            (true, Source::Commands) if in_flight => IN_FLIGHT_INTERVAL.min(interval),
            (false, Source::Commands) if in_flight => interval,
            (true, _) => interval,
            (false, Source::Iam) => interval.max(self.long),
            (false, _) => interval.max(self.hidden),
        }
    }
}

/// A read kept until it is older than the long interval, what it was read for changes,
/// or [`SlowReads::expire`].
#[derive(Debug, Clone)]
struct Kept<K, V> {
    at: Instant,
    key: K,
    value: V,
}

impl<K: PartialEq, V: Clone> Kept<K, V> {
    fn fresh(slot: &Option<Self>, key: &K, long: Duration) -> Option<V> {
        slot.as_ref()
            .filter(|k| k.key == *key && k.at.elapsed() < long)
            .map(|k| k.value.clone())
    }
}

/// DNS support and hostnames of each VPC, in the order of its ids.
pub type VpcAttributes = Vec<(Option<bool>, Option<bool>)>;

/// Each instance with the profile it held when the associations were read.
type HeldProfiles = Vec<(String, Option<String>)>;

#[derive(Debug)]
struct Slow {
    long: Duration,
    vpc_attributes: Option<Kept<Vec<String>, VpcAttributes>>,
    associations: Option<Kept<HeldProfiles, Vec<ProfileAssociation>>>,
    dhmc: Option<Kept<(), Option<String>>>,
}

/// The slow reads of one scope, shared by its pollers.
#[derive(Debug, Clone)]
pub struct SlowReads(Arc<Mutex<Slow>>);

impl SlowReads {
    /// Reads kept at most `long`.
    pub fn new(long: Duration) -> Self {
        Self(Arc::new(Mutex::new(Slow {
            long,
            vpc_attributes: None,
            associations: None,
            dhmc: None,
        })))
    }

    fn lock(&self) -> MutexGuard<'_, Slow> {
        self.0
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Everything is read again at the next refresh (after a write, on `Ctrl-r`).
    pub fn expire(&self) {
        let mut slow = self.lock();
        slow.vpc_attributes = None;
        slow.associations = None;
        slow.dhmc = None;
    }

    /// The attributes of these VPCs, when read recently for the same VPCs.
    pub fn vpc_attributes(&self, vpc_ids: &[String]) -> Option<VpcAttributes> {
        let slow = self.lock();
        Kept::fresh(&slow.vpc_attributes, &vpc_ids.to_vec(), slow.long)
    }

    pub fn keep_vpc_attributes(&self, vpc_ids: Vec<String>, value: VpcAttributes) {
        self.lock().vpc_attributes = Some(Kept {
            at: Instant::now(),
            key: vpc_ids,
            value,
        });
    }

    /// The associations, when read recently for instances holding the same profiles
    /// (`key`: each instance and its profile, as DescribeInstances says).
    pub fn associations(
        &self,
        key: &[(String, Option<String>)],
    ) -> Option<Vec<ProfileAssociation>> {
        let slow = self.lock();
        Kept::fresh(&slow.associations, &key.to_vec(), slow.long)
    }

    pub fn keep_associations(
        &self,
        key: Vec<(String, Option<String>)>,
        value: Vec<ProfileAssociation>,
    ) {
        self.lock().associations = Some(Kept {
            at: Instant::now(),
            key,
            value,
        });
    }

    /// The Default Host Management role setting, when read recently.
    pub fn dhmc(&self) -> Option<Option<String>> {
        let slow = self.lock();
        Kept::fresh(&slow.dhmc, &(), slow.long)
    }

    pub fn keep_dhmc(&self, value: Option<String>) {
        self.lock().dhmc = Some(Kept {
            at: Instant::now(),
            key: (),
            value,
        });
    }
}
