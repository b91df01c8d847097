//! A port forward kept open: StartSession, then the session-manager-plugin as a child
//! process; when the plugin exits (the service closes port-forwarding streams about
//! hourly) a new session after a back-off; TerminateSession whenever a session ends.

use std::process::Stdio;
use std::time::{Duration, Instant};

use tokio::io::AsyncReadExt;
use tokio::sync::watch;

use crate::cloud::{Cloud, CloudError, SessionRequest, StartedSession};
use crate::domain::forward::ForwardSpec;
use crate::domain::model::{InstanceState, PingStatus};

/// The program that carries a session's stream.
pub const PLUGIN: &str = "session-manager-plugin";
const FIRST_BACKOFF: Duration = Duration::from_secs(1);
const MAX_BACKOFF: Duration = Duration::from_secs(30);
/// A session that lasted this long dropped for the service's reasons: retry at once.
const STABLE: Duration = Duration::from_secs(60);

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ForwardEvent {
    Started {
        session_id: String,
    },
    /// The plugin exited after `after` (with `detail`, its last line on stderr); the next
    /// session starts in `retry_in`.
    Dropped {
        after: Duration,
        retry_in: Duration,
        detail: String,
    },
    /// StartSession failed; tried again in `retry_in`.
    StartFailed {
        error: CloudError,
        retry_in: Duration,
    },
    /// The plugin could not be run: the forward ends.
    PluginFailed {
        detail: String,
    },
    Stopped,
}

/// Whether `program` is a file in one of the PATH's folders.
pub fn on_path(program: &str) -> bool {
    std::env::var_os("PATH")
        .is_some_and(|paths| std::env::split_paths(&paths).any(|dir| dir.join(program).is_file()))
}

/// Whether nothing listens on `port` of the loopback address yet.
pub fn local_port_free(port: u16) -> bool {
    std::net::TcpListener::bind(("127.0.0.1", port)).is_ok()
}

/// The plugin's arguments: StartSession's answer, the region, the operation, the profile,
/// the request and the SSM endpoint.
pub fn plugin_args(
    started: &StartedSession,
    region: &str,
    profile: &str,
    request: &SessionRequest,
    endpoint: &str,
) -> Vec<String> {
    let response = serde_json::json!({
        "SessionId": started.session_id,
        "TokenValue": started.token_value,
        "StreamUrl": started.stream_url,
    });
    let parameters: serde_json::Map<String, serde_json::Value> = request
        .parameters
        .iter()
        .map(|(k, v)| (k.clone(), serde_json::json!(v)))
        .collect();
    let request = serde_json::json!({
        "Target": request.target,
        "DocumentName": request.document,
        "Parameters": parameters,
    });
    vec![
        response.to_string(),
        region.to_string(),
        "StartSession".to_string(),
        profile.to_string(),
        request.to_string(),
        endpoint.to_string(),
    ]
}

/// The node a target names: an instance id as it is; for `tag:KEY=VALUE` the first running
/// instance carrying the tag, an online node first.
pub async fn resolve_target<C: Cloud>(
    cloud: &C,
    target: &str,
) -> Result<Option<String>, CloudError> {
    let Some(tag) = target.strip_prefix("tag:") else {
        return Ok(Some(target.to_string()));
    };
    let (key, value) = tag.split_once('=').unwrap_or((tag, ""));
    let instances = cloud.describe_instances().await?;
    let online: Vec<String> = cloud
        .describe_managed_nodes()
        .await
        .map(|nodes| {
            nodes
                .into_iter()
                .filter(|n| n.ping == PingStatus::Online)
                .map(|n| n.instance_id)
                .collect()
        })
        .unwrap_or_default();
    let mut tagged: Vec<&str> = instances
        .iter()
        .filter(|i| i.state == InstanceState::Running)
        .filter(|i| i.tags.iter().any(|(k, v)| k == key && v == value))
        .map(|i| i.id.as_str())
        .collect();
    tagged.sort_by_key(|id| !online.iter().any(|o| o == id));
    Ok(tagged.first().map(|id| id.to_string()))
}

/// Waits `d` unless told to stop first; true when stopped.
async fn pause(stop: &mut watch::Receiver<bool>, d: Duration) -> bool {
    tokio::select! {
        () = tokio::time::sleep(d) => *stop.borrow(),
        changed = stop.changed() => changed.is_err() || *stop.borrow(),
    }
}

/// Runs the plugin until it exits (false) or `stop` (true), with its last line on stderr;
/// `Err` when it cannot be started.
async fn run_plugin(
    args: &[String],
    stop: &mut watch::Receiver<bool>,
) -> Result<(bool, String), String> {
    let mut child = tokio::process::Command::new(PLUGIN)
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .map_err(|e| e.to_string())?;
    let mut stderr = child.stderr.take();
    let stopped = tokio::select! {
        _ = child.wait() => false,
        _ = stop.changed() => true,
    };
    if stopped {
        let _ = child.kill().await;
    }
    let mut buf = Vec::new();
    if let Some(err) = stderr.as_mut() {
        let _ = tokio::time::timeout(Duration::from_millis(200), err.read_to_end(&mut buf)).await;
    }
    let detail = String::from_utf8_lossy(&buf)
        .lines()
        .rfind(|l| !l.trim().is_empty())
        .unwrap_or_default()
        .trim()
        .to_string();
    Ok((stopped, detail))
}

/// The sandbox's forward: the local port listens (and closes what connects) until `stop`.
async fn listen_simulated(
    port: u16,
    stop: &mut watch::Receiver<bool>,
) -> Result<(bool, String), String> {
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", port))
        .await
        .map_err(|e| e.to_string())?;
    loop {
        tokio::select! {
            accepted = listener.accept() => drop(accepted),
            _ = stop.changed() => return Ok((true, String::new())),
        }
    }
}

/// Keeps the forward open on `node` until `stop` turns true (or its sender goes).
pub async fn keep_open<C: Cloud>(
    cloud: &C,
    spec: &ForwardSpec,
    node: &str,
    mut stop: watch::Receiver<bool>,
    emit: &mut (dyn FnMut(ForwardEvent) + Send),
) {
    let request = SessionRequest {
        target: node.to_string(),
        document: spec.document().to_string(),
        parameters: spec.parameters(),
    };
    let mut backoff = FIRST_BACKOFF;
    if !cloud.simulates_sessions() && !on_path(PLUGIN) {
        emit(ForwardEvent::PluginFailed {
            detail: format!("{PLUGIN}: not found on PATH"),
        });
        return;
    }
    while !*stop.borrow() {
        let started = match cloud.start_session(&request).await {
            Ok(s) => s,
            Err(error) => {
                emit(ForwardEvent::StartFailed {
                    error,
                    retry_in: backoff,
                });
                if pause(&mut stop, backoff).await {
                    break;
                }
                backoff = (backoff * 2).min(MAX_BACKOFF);
                continue;
            }
        };
        emit(ForwardEvent::Started {
            session_id: started.session_id.clone(),
        });
        let began = Instant::now();
        let carried = if cloud.simulates_sessions() {
            listen_simulated(spec.local, &mut stop).await
        } else {
            let args = plugin_args(
                &started,
                &cloud.region(),
                &cloud.profile_name(),
                &request,
                &cloud.ssm_endpoint(),
            );
            run_plugin(&args, &mut stop).await
        };
        let (stopped, detail) = match carried {
            Ok(c) => c,
            Err(detail) => {
                let _ = cloud.terminate_session(&started.session_id).await;
                emit(ForwardEvent::PluginFailed { detail });
                return;
            }
        };
        tracing::info!(session = %started.session_id, node, ports = %spec.ports_text(), "forward ended");
        if let Err(e) = cloud.terminate_session(&started.session_id).await {
            tracing::warn!(session = %started.session_id, error = %e, "TerminateSession failed");
        }
        if stopped {
            break;
        }
        let after = began.elapsed();
        if after >= STABLE {
            backoff = FIRST_BACKOFF;
        }
        tracing::warn!(session = %started.session_id, ?after, %detail, "forward dropped");
        emit(ForwardEvent::Dropped {
            after,
            retry_in: backoff,
            detail,
        });
        if pause(&mut stop, backoff).await {
            break;
        }
        backoff = (backoff * 2).min(MAX_BACKOFF);
    }
    emit(ForwardEvent::Stopped);
}
