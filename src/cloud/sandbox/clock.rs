//! The sandbox's time: the wall clock, or a virtual one that tests advance by hand.

use std::sync::{Arc, Mutex};

use jiff::{SignedDuration, Timestamp};

#[derive(Debug, Clone)]
pub enum Clock {
    Real,
    Manual(Arc<Mutex<Timestamp>>),
}

impl Clock {
    pub fn manual(start: Timestamp) -> Self {
        Self::Manual(Arc::new(Mutex::new(start)))
    }

    pub fn now(&self) -> Timestamp {
        match self {
            Self::Real => Timestamp::now(),
            Self::Manual(t) => match t.lock() {
                Ok(t) => *t,
                Err(poisoned) => *poisoned.into_inner(),
            },
        }
    }

    /// Moves a manual clock forward; the real clock ignores it.
    pub fn advance(&self, by: SignedDuration) {
        if let Self::Manual(t) = self {
            let mut guard = match t.lock() {
                Ok(g) => g,
                Err(poisoned) => poisoned.into_inner(),
            };
            *guard = guard.saturating_add(by).unwrap_or(*guard);
        }
    }
}
