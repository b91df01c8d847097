//! The audit log: one JSON line per write attempt, in the order they were made. Never
//! credentials, never a script.
//!
//! One writer per process: [`AuditLog::to_file`] starts a thread that owns the file and
//! appends what every engine, `fix` and Run Command send it, so no async task blocks on
//! file IO and no entry overtakes another. The sandbox keeps its log in memory: its
//! account is simulated and starts afresh in each process, so it never writes into the
//! file that records real accounts.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::mpsc;
use std::sync::{Arc, Mutex};

use jiff::Timestamp;
use serde::{Deserialize, Serialize};

use crate::cloud::SendCommandRequest;
use crate::domain::plan::Call;

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct AuditEntry {
    pub time: String,
    pub account: Option<String>,
    pub region: String,
    pub profile: String,
    pub action: String,
    pub parameters: serde_json::Value,
    pub outcome: String,
}

/// `$XDG_STATE_HOME/ssmdeck/audit.jsonl`, else `~/.local/state/ssmdeck/audit.jsonl`.
pub fn default_path() -> PathBuf {
    crate::logging::state_dir().join("audit.jsonl")
}

enum Message {
    Entry(Box<AuditEntry>),
    /// Answered once every entry sent before it is written.
    Flush(mpsc::Sender<()>),
}

#[derive(Debug, Clone)]
enum Sink {
    File {
        path: PathBuf,
        tx: mpsc::Sender<Message>,
    },
    Memory(Arc<Mutex<Vec<AuditEntry>>>),
}

impl std::fmt::Debug for Message {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("audit message")
    }
}

/// Where the process's audit entries go. Cheap to clone; every clone feeds one writer.
#[derive(Debug, Clone)]
pub struct AuditLog(Sink);

impl AuditLog {
    /// Appends to `path` from a thread of its own (started here, ended with the last clone).
    pub fn to_file(path: PathBuf) -> Self {
        let (tx, rx) = mpsc::channel::<Message>();
        let target = path.clone();
        let spawned = std::thread::Builder::new()
            .name("ssmdeck-audit".into())
            .spawn(move || write_all(&target, &rx));
        if let Err(e) = spawned {
            tracing::error!(error = %e, "cannot start the audit writer");
        }
        Self(Sink::File { path, tx })
    }

    /// Kept in this process only (the sandbox).
    pub fn in_memory() -> Self {
        Self(Sink::Memory(Arc::default()))
    }

    /// The file written, if any.
    pub fn path(&self) -> Option<&Path> {
        match &self.0 {
            Sink::File { path, .. } => Some(path),
            Sink::Memory(_) => None,
        }
    }

    fn push(&self, entry: AuditEntry) {
        match &self.0 {
            Sink::File { tx, .. } => {
                if tx.send(Message::Entry(Box::new(entry))).is_err() {
                    tracing::error!("the audit writer has stopped; an entry is lost");
                }
            }
            Sink::Memory(entries) => match entries.lock() {
                Ok(mut e) => e.push(entry),
                Err(poisoned) => poisoned.into_inner().push(entry),
            },
        }
    }

    /// Returns once everything recorded before is on disk (blocking: call it off the
    /// async runtime, or at the end of a command).
    pub fn flush_blocking(&self) {
        if let Sink::File { tx, .. } = &self.0 {
            let (done_tx, done_rx) = mpsc::channel();
            if tx.send(Message::Flush(done_tx)).is_ok() {
                let _ = done_rx.recv();
            }
        }
    }

    /// [`Self::flush_blocking`] without blocking the runtime.
    pub async fn flush(&self) {
        let log = self.clone();
        let _ = tokio::task::spawn_blocking(move || log.flush_blocking()).await;
    }

    /// The last `n` entries (blocking for a file: read it off the runtime).
    pub fn tail(&self, n: usize) -> std::io::Result<Vec<AuditEntry>> {
        match &self.0 {
            Sink::File { path, .. } => {
                self.flush_blocking();
                read_tail(path, n)
            }
            Sink::Memory(entries) => {
                let entries = match entries.lock() {
                    Ok(e) => e.clone(),
                    Err(poisoned) => poisoned.into_inner().clone(),
                };
                let skip = entries.len().saturating_sub(n);
                Ok(entries.into_iter().skip(skip).collect())
            }
        }
    }
}

fn write_all(path: &Path, rx: &mpsc::Receiver<Message>) {
    let mut file: Option<std::fs::File> = None;
    for message in rx {
        match message {
            Message::Entry(entry) => {
                if let Err(e) = append(path, &mut file, &entry) {
                    tracing::error!(path = %path.display(), error = %e, "cannot write the audit log");
                    file = None;
                }
            }
            Message::Flush(done) => {
                if let Some(f) = &mut file {
                    let _ = f.flush();
                }
                let _ = done.send(());
            }
        }
    }
}

fn append(
    path: &Path,
    file: &mut Option<std::fs::File>,
    entry: &AuditEntry,
) -> std::io::Result<()> {
    if file.is_none() {
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir)?;
        }
        *file = Some(
            std::fs::OpenOptions::new()
                .create(true)
                .append(true)
                .open(path)?,
        );
    }
    let line = serde_json::to_string(entry).map_err(std::io::Error::other)?;
    match file {
        Some(f) => writeln!(f, "{line}"),
        None => Ok(()),
    }
}

/// The log with who writes: the account, region and profile of one scope.
#[derive(Debug, Clone)]
pub struct Audit {
    pub log: AuditLog,
    pub account: Option<String>,
    pub region: String,
    /// `profile NAME`, `default credentials`, `sandbox: lab`.
    pub profile: String,
}

impl Audit {
    /// One plan call and how it went.
    pub fn record(&self, call: &Call, outcome: &str) {
        let mut parameters = serde_json::to_value(call).unwrap_or(serde_json::Value::Null);
        // What the call sets that its variant does not carry.
        if let (Call::ModifyInstanceMetadataOptions { .. }, serde_json::Value::Object(map)) =
            (call, &mut parameters)
        {
            map.insert("http_endpoint".into(), "enabled".into());
        }
        self.record_action(call.action(), parameters, outcome);
    }

    /// Run Command: the document, where it went and the names of its parameters — not
    /// their values (a shell script may carry a secret).
    pub fn record_send(&self, request: &SendCommandRequest, outcome: &str) {
        let parameters = serde_json::json!({
            "document": request.document,
            "instance_ids": request.instance_ids,
            "targets": request.targets,
            "parameter_names": request.parameters.iter().map(|(k, _)| k).collect::<Vec<_>>(),
            "comment": request.comment,
        });
        self.record_action("ssm:SendCommand", parameters, outcome);
    }

    pub fn record_action(&self, action: &str, parameters: serde_json::Value, outcome: &str) {
        self.log.push(AuditEntry {
            time: Timestamp::now().to_string(),
            account: self.account.clone(),
            region: self.region.clone(),
            profile: self.profile.clone(),
            action: action.to_string(),
            parameters,
            outcome: outcome.to_string(),
        });
    }
}

/// The last `n` entries of the audit file (an absent file is an empty log).
pub fn read_tail(path: &Path, n: usize) -> std::io::Result<Vec<AuditEntry>> {
    let text = match std::fs::read_to_string(path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(e),
    };
    let mut entries: Vec<AuditEntry> = text
        .lines()
        .filter_map(|l| serde_json::from_str(l).ok())
        .collect();
    let skip = entries.len().saturating_sub(n);
    Ok(entries.split_off(skip))
}
