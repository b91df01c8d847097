//! A token bucket: `capacity` calls at once, then `per_second` more each second.
//! Written here rather than taken from `governor`: its waits run on its own clock
//! (`quanta`, `futures-timer`), which tokio's paused time and the sandbox's virtual
//! clock cannot drive; this one is told the time by its caller.

use std::time::Duration;

use tokio::time::Instant;

/// Calls at once (`capacity`) and calls per second after that (`per_second`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rate {
    pub capacity: u32,
    pub per_second: u32,
}

impl Rate {
    pub const fn new(capacity: u32, per_second: u32) -> Self {
        Self {
            capacity,
            per_second,
        }
    }

    /// `"100/20"`: a bucket of 100 that refills 20 a second (both at least 1, the refill
    /// at most the bucket).
    pub fn parse(text: &str) -> Option<Self> {
        let (capacity, per_second) = text.split_once('/')?;
        let capacity: u32 = capacity.trim().parse().ok()?;
        let per_second: u32 = per_second.trim().parse().ok()?;
        let valid = (1..=10_000).contains(&capacity) && (1..=capacity).contains(&per_second);
        valid.then_some(Self::new(capacity, per_second))
    }
}

impl std::fmt::Display for Rate {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}/{}", self.capacity, self.per_second)
    }
}

#[derive(Debug, Clone)]
pub struct TokenBucket {
    rate: Rate,
    tokens: f64,
    at: Instant,
}

impl TokenBucket {
    /// A full bucket at `now`.
    pub fn new(rate: Rate, now: Instant) -> Self {
        Self {
            rate,
            tokens: f64::from(rate.capacity),
            at: now,
        }
    }

    pub fn rate(&self) -> Rate {
        self.rate
    }

    fn refill(&mut self, now: Instant) {
        if now > self.at {
            let gained =
                now.duration_since(self.at).as_secs_f64() * f64::from(self.rate.per_second);
            self.tokens = (self.tokens + gained).min(f64::from(self.rate.capacity));
            self.at = now;
        }
    }

    /// Tokens left at `now`.
    pub fn tokens(&mut self, now: Instant) -> f64 {
        self.refill(now);
        self.tokens
    }

    /// Takes one token at `now`, or says how long until one is there.
    pub fn take(&mut self, now: Instant) -> Result<(), Duration> {
        self.refill(now);
        if self.tokens >= 1.0 {
            self.tokens -= 1.0;
            return Ok(());
        }
        let missing = 1.0 - self.tokens;
        let secs = missing / f64::from(self.rate.per_second.max(1));
        // At least a millisecond: a wait of nothing would spin.
        Err(Duration::from_secs_f64(secs).max(Duration::from_millis(1)))
    }
}
