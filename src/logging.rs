//! Tracing to a log file only: the terminal belongs to the TUI.

use std::path::{Path, PathBuf};

use color_eyre::eyre::{Result, WrapErr};
use tracing_appender::non_blocking::WorkerGuard;
use tracing_subscriber::EnvFilter;

/// `$XDG_STATE_HOME/ssmdeck`, else `~/.local/state/ssmdeck`.
pub fn state_dir() -> PathBuf {
    std::env::var_os("XDG_STATE_HOME")
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".local/state")))
        .unwrap_or_else(std::env::temp_dir)
        .join("ssmdeck")
}

/// `$XDG_STATE_HOME/ssmdeck/ssmdeck.log`, else `~/.local/state/ssmdeck/ssmdeck.log`.
pub fn default_path() -> PathBuf {
    state_dir().join("ssmdeck.log")
}

/// Starts logging to `path`; keep the guard alive until exit so lines are flushed.
pub fn init(path: &Path) -> Result<WorkerGuard> {
    let dir = path
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir)
        .wrap_err_with(|| format!("cannot create the log folder {}", dir.display()))?;
    let file = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)
        .wrap_err_with(|| format!("cannot open the log file {}", path.display()))?;
    let (writer, guard) = tracing_appender::non_blocking(file);
    let filter = EnvFilter::try_from_env("SSMDECK_LOG").unwrap_or_else(|_| {
        EnvFilter::new("info,aws_smithy_runtime=warn,aws_config=warn,hyper=warn")
    });
    tracing_subscriber::fmt()
        .with_writer(Redacting(writer))
        .with_ansi(false)
        .with_env_filter(filter)
        .try_init()
        .map_err(|e| color_eyre::eyre::eyre!("cannot start logging: {e}"))?;
    Ok(guard)
}

/// Writes log lines with AWS access key ids masked. The SDK already redacts secret keys and
/// session tokens, but at debug level it logs the resolved identity with its access key id.
struct Redacting<M>(M);

impl<'a, M: tracing_subscriber::fmt::MakeWriter<'a>> tracing_subscriber::fmt::MakeWriter<'a>
    for Redacting<M>
{
    type Writer = RedactingWriter<M::Writer>;

    fn make_writer(&'a self) -> Self::Writer {
        RedactingWriter(self.0.make_writer())
    }
}

struct RedactingWriter<W>(W);

impl<W: std::io::Write> std::io::Write for RedactingWriter<W> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        match std::str::from_utf8(buf) {
            Ok(text) if might_hold_a_key(text) => {
                self.0.write_all(redact(text).as_bytes())?;
                Ok(buf.len())
            }
            _ => self.0.write(buf),
        }
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.0.flush()
    }
}

fn might_hold_a_key(text: &str) -> bool {
    text.contains("AKIA") || text.contains("ASIA")
}

/// `AKIA…`/`ASIA…` access key ids (20 characters) become `AKIA****************`.
pub fn redact(text: &str) -> String {
    static KEY: std::sync::OnceLock<Option<regex::Regex>> = std::sync::OnceLock::new();
    match KEY.get_or_init(|| regex::Regex::new(r"\b(AKIA|ASIA)[A-Z0-9]{16}\b").ok()) {
        Some(re) => re.replace_all(text, "${1}****************").into_owned(),
        None => text.to_string(),
    }
}
