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
        .with_writer(writer)
        .with_ansi(false)
        .with_env_filter(filter)
        .try_init()
        .map_err(|e| color_eyre::eyre::eyre!("cannot start logging: {e}"))?;
    Ok(guard)
}
