//! The audit log: one JSON line per write attempt. Never credentials.

use std::io::Write;
use std::path::PathBuf;

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

#[derive(Debug, Clone)]
pub struct Audit {
    pub path: PathBuf,
    pub account: Option<String>,
    pub region: String,
    /// `profile NAME`, `default credentials`, `sandbox: lab`.
    pub profile: String,
}

/// `$XDG_STATE_HOME/ssmdeck/audit.jsonl`, else `~/.local/state/ssmdeck/audit.jsonl`.
pub fn default_path() -> PathBuf {
    crate::logging::state_dir().join("audit.jsonl")
}

impl Audit {
    /// Appends one line; a failure to write is logged, never fatal to the write itself.
    pub fn record(&self, call: &Call, outcome: &str) {
        self.record_action(
            call.action(),
            serde_json::to_value(call).unwrap_or(serde_json::Value::Null),
            outcome,
        );
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
        let entry = AuditEntry {
            time: Timestamp::now().to_string(),
            account: self.account.clone(),
            region: self.region.clone(),
            profile: self.profile.clone(),
            action: action.to_string(),
            parameters,
            outcome: outcome.to_string(),
        };
        if let Err(e) = self.append(&entry) {
            tracing::error!(path = %self.path.display(), error = %e, "cannot write the audit log");
        }
    }

    fn append(&self, entry: &AuditEntry) -> std::io::Result<()> {
        if let Some(dir) = self.path.parent() {
            std::fs::create_dir_all(dir)?;
        }
        let line = serde_json::to_string(entry).map_err(std::io::Error::other)?;
        let mut f = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&self.path)?;
        writeln!(f, "{line}")
    }
}

/// The last `n` entries of the audit file (an absent file is an empty log).
pub fn read_tail(path: &std::path::Path, n: usize) -> std::io::Result<Vec<AuditEntry>> {
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
