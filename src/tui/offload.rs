//! Rebuilds off the UI thread: readiness and rows are computed on a blocking task while
//! the loop keeps drawing and answering keys. Engine results that arrive meanwhile wait
//! until the build is shown, so the data a build reads never changes under it.

use tokio::task::JoinHandle;

use super::app::{App, Effect, update_batch};
use super::build::{self, Built};
use crate::engine::EngineEvent;

#[derive(Default)]
pub struct Offload {
    job: Option<JoinHandle<Built>>,
    held: Vec<(usize, EngineEvent)>,
}

impl Offload {
    /// Builds of `app` are left to this (call once, before the loop).
    pub fn attach(app: &mut App) -> Self {
        app.defer_builds = true;
        Self::default()
    }

    /// Starts the pending rebuild when none is running.
    pub fn start(&mut self, app: &mut App) {
        if self.job.is_none()
            && let Some(input) = app.take_build()
        {
            self.job = Some(tokio::task::spawn_blocking(move || build::build(&input)));
        }
        app.building = self.job.is_some();
    }

    /// Engine results: applied now, or held while a build runs.
    pub fn events(&mut self, app: &mut App, events: Vec<(usize, EngineEvent)>) -> Vec<Effect> {
        self.held.extend(events);
        if self.job.is_some() {
            return Vec::new();
        }
        let effects = update_batch(app, std::mem::take(&mut self.held));
        free(app);
        effects
    }

    /// The running build's result; never resolves while none runs.
    pub async fn finished(&mut self) -> Result<Built, tokio::task::JoinError> {
        match self.job.as_mut() {
            Some(job) => job.await,
            None => std::future::pending().await,
        }
    }

    /// Shows a finished build, then applies the results held meanwhile; what they replace
    /// is freed on a blocking task.
    pub fn install(&mut self, app: &mut App, built: Built) -> Vec<Effect> {
        self.job = None;
        app.building = false;
        app.install(built);
        let effects = update_batch(app, std::mem::take(&mut self.held));
        free(app);
        effects
    }
}

/// Frees replaced data away from the UI thread, and gives what the allocator keeps of it
/// back to the system.
fn free(app: &mut App) {
    let garbage = app.take_garbage();
    if !garbage.is_empty() {
        tokio::task::spawn_blocking(move || {
            drop(garbage);
            give_back();
        });
    }
}

/// glibc keeps freed memory for the next allocation, in as many heaps as threads
/// allocated from: at 100k instances the replaced tables and reads left the console's
/// resident set ~600 MB above what it holds. Returning the free pages costs a walk of
/// the heaps, off the UI thread, at most every few seconds (a burst of results frees
/// several times).
#[cfg(all(target_os = "linux", target_env = "gnu"))]
fn give_back() {
    use std::sync::Mutex;
    use std::time::{Duration, Instant};
    static LAST: Mutex<Option<Instant>> = Mutex::new(None);
    const EVERY: Duration = Duration::from_secs(5);
    {
        let Ok(mut last) = LAST.lock() else {
            return;
        };
        if last.is_some_and(|t| t.elapsed() < EVERY) {
            return;
        }
        *last = Some(Instant::now());
    }
    // SAFETY: malloc_trim only releases free pages of glibc's own heaps; it takes no
    // pointer and is safe to call from any thread at any time.
    unsafe {
        libc::malloc_trim(0);
    }
}

#[cfg(not(all(target_os = "linux", target_env = "gnu")))]
fn give_back() {}
