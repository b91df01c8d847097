//! The `--faults` spec: what to inject, parsed from and printed back to one line.
//!
//! `throttle:P,error:P,latency:DUR,deny:ACTION[,deny:ACTION…][,dryrun:ignore][,seed:N]`,
//! P a probability 0–1 (per attempt: the sandbox retries like the SDK), DUR like `300ms`
//! or `2s`, ACTION an IAM action such as `ssm:DescribeInstancePatchStates` (a trailing `*`
//! matches a prefix: `ssm:Describe*`); `dryrun:ignore` performs writes sent with `DryRun`.

use std::fmt;
use std::str::FromStr;
use std::time::Duration;

/// Seed of the draws when the spec names none: runs are reproducible by default.
pub const DEFAULT_SEED: u64 = 0x5eed_55d3_c4a1_0001;
/// Longest latency a spec may ask for.
pub const MAX_LATENCY: Duration = Duration::from_secs(60);
/// The fault kinds a spec may name.
pub const KINDS: [&str; 6] = ["throttle", "error", "latency", "deny", "dryrun", "seed"];

/// What to inject. The default injects nothing.
#[derive(Debug, Clone, PartialEq)]
pub struct Faults {
    /// Probability (0–1) that a call fails with [`CloudError::Throttled`](crate::cloud::CloudError::Throttled).
    pub throttle: f64,
    /// Probability (0–1) that a call fails with [`CloudError::Unavailable`](crate::cloud::CloudError::Unavailable) (a 5xx).
    pub error: f64,
    /// Waited before every call.
    pub latency: Duration,
    /// IAM actions answered with [`CloudError::AccessDenied`](crate::cloud::CloudError::AccessDenied); a trailing `*` is a prefix.
    pub deny: Vec<String>,
    /// Perform writes sent with `DryRun` (an endpoint that ignores it), while claiming
    /// to honour it.
    pub ignore_dry_run: bool,
    pub seed: u64,
    /// Every call refused with this error (`org:A:N`'s account whose role cannot be
    /// assumed); set by the scenario, not by the spec.
    pub refuse: Option<crate::cloud::CloudError>,
}

impl Default for Faults {
    fn default() -> Self {
        Self {
            throttle: 0.0,
            error: 0.0,
            latency: Duration::ZERO,
            deny: Vec::new(),
            ignore_dry_run: false,
            seed: DEFAULT_SEED,
            refuse: None,
        }
    }
}

impl Faults {
    /// True when no fault would ever be injected.
    pub fn is_none(&self) -> bool {
        self.throttle <= 0.0
            && self.error <= 0.0
            && self.latency.is_zero()
            && self.deny.is_empty()
            && !self.ignore_dry_run
            && self.refuse.is_none()
    }

    /// The first of `actions` that is denied.
    pub fn denied<'a>(&self, actions: &[&'a str]) -> Option<&'a str> {
        actions
            .iter()
            .copied()
            .find(|a| self.deny.iter().any(|d| action_matches(d, a)))
    }
}

fn action_matches(pattern: &str, action: &str) -> bool {
    match pattern.strip_suffix('*') {
        Some(prefix) => action.starts_with(prefix),
        None => pattern == action,
    }
}

/// A spec that does not parse; the message is one line.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct FaultSpecError(String);

fn bad(message: impl Into<String>) -> FaultSpecError {
    FaultSpecError(message.into())
}

impl FromStr for Faults {
    type Err = FaultSpecError;

    fn from_str(spec: &str) -> Result<Self, Self::Err> {
        let mut faults = Faults::default();
        let mut seen: Vec<&str> = Vec::new();
        if spec.trim().is_empty() {
            return Err(bad(
                "no fault given (e.g. throttle:0.3,error:0.1,latency:300ms,deny:ssm:ListCommands)",
            ));
        }
        for item in spec.split(',').map(str::trim) {
            if item.is_empty() {
                return Err(bad(format!("empty item in '{spec}'")));
            }
            let (kind, value) = item.split_once(':').unwrap_or((item, ""));
            let kind = kind.trim();
            let value = value.trim();
            if !KINDS.contains(&kind) {
                return Err(bad(format!(
                    "unknown fault kind '{kind}' (known: {})",
                    KINDS.join(", ")
                )));
            }
            if value.is_empty() {
                return Err(bad(format!("{kind} needs a value, e.g. {}", example(kind))));
            }
            if kind != "deny" {
                if seen.contains(&kind) {
                    return Err(bad(format!("{kind} is given twice")));
                }
                seen.push(kind);
            }
            match kind {
                "throttle" => faults.throttle = probability(kind, value)?,
                "error" => faults.error = probability(kind, value)?,
                "latency" => faults.latency = duration(value)?,
                "deny" => faults.deny.push(action(value)?),
                "dryrun" => {
                    faults.ignore_dry_run = match value {
                        "ignore" => true,
                        "honour" => false,
                        _ => return Err(bad(format!("dryrun:{value}: ignore or honour"))),
                    }
                }
                _ => {
                    faults.seed = value
                        .parse()
                        .map_err(|_| bad(format!("seed:{value}: not a whole number")))?;
                }
            }
        }
        Ok(faults)
    }
}

fn example(kind: &str) -> &'static str {
    match kind {
        "throttle" => "throttle:0.3",
        "error" => "error:0.1",
        "latency" => "latency:300ms",
        "deny" => "deny:ssm:DescribeInstancePatchStates",
        "dryrun" => "dryrun:ignore",
        _ => "seed:42",
    }
}

fn probability(kind: &str, value: &str) -> Result<f64, FaultSpecError> {
    match value.parse::<f64>() {
        Ok(p) if p.is_finite() && (0.0..=1.0).contains(&p) => Ok(p),
        Ok(_) => Err(bad(format!(
            "{kind}:{value}: a probability is between 0 and 1"
        ))),
        Err(_) => Err(bad(format!(
            "{kind}:{value}: not a probability (e.g. {})",
            example(kind)
        ))),
    }
}

/// `300ms`, `2s`, `1.5s`, `1m`.
pub fn duration(value: &str) -> Result<Duration, FaultSpecError> {
    let split = value
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(value.len());
    let (number, unit) = value.split_at(split);
    let n: f64 = number
        .parse()
        .ok()
        .filter(|n: &f64| n.is_finite() && *n >= 0.0)
        .ok_or_else(|| bad(format!("latency:{value}: not a duration (e.g. 300ms, 2s)")))?;
    let secs = match unit.trim() {
        "ms" => n / 1000.0,
        "s" => n,
        "m" => n * 60.0,
        "" => {
            return Err(bad(format!(
                "latency:{value}: give a unit: ms, s or m (e.g. 300ms)"
            )));
        }
        other => {
            return Err(bad(format!(
                "latency:{value}: unknown unit '{other}' (ms, s or m)"
            )));
        }
    };
    let d = Duration::from_secs_f64(secs);
    if d > MAX_LATENCY {
        return Err(bad(format!(
            "latency:{value}: at most {}s",
            MAX_LATENCY.as_secs()
        )));
    }
    Ok(d)
}

/// `service:Operation`, a trailing `*` allowed.
fn action(value: &str) -> Result<String, FaultSpecError> {
    let well_formed = value.split_once(':').is_some_and(|(service, op)| {
        !service.is_empty()
            && service
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
            && !op.is_empty()
            && op
                .trim_end_matches('*')
                .chars()
                .all(|c| c.is_ascii_alphanumeric())
            && op.matches('*').count() <= 1
    });
    if well_formed {
        Ok(value.to_string())
    } else {
        Err(bad(format!(
            "deny:{value}: not an IAM action (e.g. deny:ssm:DescribeInstancePatchStates)"
        )))
    }
}

impl fmt::Display for Faults {
    /// The canonical spec: parses back to the same faults.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut parts: Vec<String> = Vec::new();
        if self.throttle > 0.0 {
            parts.push(format!("throttle:{}", self.throttle));
        }
        if self.error > 0.0 {
            parts.push(format!("error:{}", self.error));
        }
        if !self.latency.is_zero() {
            parts.push(format!("latency:{}ms", self.latency.as_millis()));
        }
        parts.extend(self.deny.iter().map(|d| format!("deny:{d}")));
        if self.ignore_dry_run {
            parts.push("dryrun:ignore".into());
        }
        if self.seed != DEFAULT_SEED {
            parts.push(format!("seed:{}", self.seed));
        }
        if parts.is_empty() {
            f.write_str("none")
        } else {
            f.write_str(&parts.join(","))
        }
    }
}
