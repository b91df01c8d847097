//! `ssmdeck forward` against a loopback SSM that answers StartSession and
//! TerminateSession, with a fake session-manager-plugin on PATH recording its arguments:
//! the plugin gets the session, the region and the document; a dropped session is started
//! again; Ctrl-c terminates the live one. And the one-line refusals.

use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

/// Requests the loopback SSM received: (X-Amz-Target, body).
type Seen = Arc<Mutex<Vec<(String, String)>>>;

/// An SSM endpoint on 127.0.0.1 that answers StartSession (sessions s-1, s-2…) and
/// TerminateSession, and records every request.
async fn loopback_ssm() -> (String, Seen) {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let url = format!("http://{}", listener.local_addr().expect("addr"));
    let seen: Seen = Arc::default();
    let record = seen.clone();
    tokio::spawn(async move {
        loop {
            let Ok((mut sock, _)) = listener.accept().await else {
                return;
            };
            let record = record.clone();
            tokio::spawn(async move {
                let mut buf = Vec::new();
                loop {
                    // One request: headers, then Content-Length bytes of body.
                    let head_end = loop {
                        if let Some(i) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
                            break i + 4;
                        }
                        let mut chunk = [0u8; 4096];
                        match sock.read(&mut chunk).await {
                            Ok(0) | Err(_) => return,
                            Ok(n) => buf.extend_from_slice(&chunk[..n]),
                        }
                    };
                    let head = String::from_utf8_lossy(&buf[..head_end]).to_lowercase();
                    let header = |name: &str| {
                        head.lines()
                            .find_map(|l| l.strip_prefix(&format!("{name}:")))
                            .map(|v| v.trim().to_string())
                            .unwrap_or_default()
                    };
                    let len: usize = header("content-length").parse().unwrap_or(0);
                    while buf.len() < head_end + len {
                        let mut chunk = [0u8; 4096];
                        match sock.read(&mut chunk).await {
                            Ok(0) | Err(_) => return,
                            Ok(n) => buf.extend_from_slice(&chunk[..n]),
                        }
                    }
                    let body = String::from_utf8_lossy(&buf[head_end..head_end + len]).into_owned();
                    buf.drain(..head_end + len);
                    let target = header("x-amz-target");
                    let answer = {
                        let mut seen = record.lock().expect("lock");
                        seen.push((target.clone(), body));
                        let n = seen
                            .iter()
                            .filter(|(t, _)| t.ends_with("startsession"))
                            .count();
                        if target.ends_with("startsession") {
                            format!(
                                r#"{{"SessionId":"s-{n}","TokenValue":"token-{n}","StreamUrl":"wss://ssmmessages.example/s-{n}"}}"#
                            )
                        } else {
                            r#"{"SessionId":"s-x"}"#.to_string()
                        }
                    };
                    let reply = format!(
                        "HTTP/1.1 200 OK\r\ncontent-type: application/x-amz-json-1.1\r\ncontent-length: {}\r\n\r\n{answer}",
                        answer.len()
                    );
                    if sock.write_all(reply.as_bytes()).await.is_err() {
                        return;
                    }
                }
            });
        }
    });
    (url, seen)
}

/// A fake plugin: records its arguments (one per line) in `dir/call-N`; the first run
/// drops after a moment, later runs stay until killed.
fn fake_plugin(dir: &Path) {
    let script = format!(
        "#!/bin/sh\nn=$(ls {d}/call-* 2>/dev/null | wc -l)\nfor a in \"$@\"; do printf '%s\\n' \"$a\"; done > {d}/call-$n\nif [ \"$n\" = 0 ]; then echo 'websocket closed by the service' >&2; sleep 1; exit 1; fi\nexec sleep 60\n",
        d = dir.display()
    );
    let path = dir.join("session-manager-plugin");
    std::fs::write(&path, script).expect("write plugin");
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).expect("chmod");
}

fn ssmdeck(dir: &Path, path: &str, args: &[&str]) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_ssmdeck"));
    cmd.args(args)
        .arg("--log-file")
        .arg(dir.join("ssmdeck.log"))
        .env_clear()
        .env("PATH", path)
        .env("HOME", dir)
        .env("XDG_STATE_HOME", dir.join("state"))
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .env("AWS_ACCESS_KEY_ID", "AKIDTEST")
        .env("AWS_SECRET_ACCESS_KEY", "secret")
        .env("AWS_REGION", "eu-west-1")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    cmd
}

fn lines(path: &Path) -> Vec<String> {
    std::fs::read_to_string(path)
        .unwrap_or_default()
        .lines()
        .map(str::to_string)
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn forward_passes_the_session_to_the_plugin_restarts_a_drop_and_terminates_on_ctrl_c() {
    let dir = tempfile::tempdir().expect("dir");
    fake_plugin(dir.path());
    let (url, seen) = loopback_ssm().await;
    let path = format!(
        "{}:{}",
        dir.path().display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let local = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port")
        .port();
    let ports = format!("{local}:5432");
    let child = ssmdeck(
        dir.path(),
        &path,
        &[
            "--endpoint-url",
            &url,
            "forward",
            "i-0123456789abcdef0",
            "--host",
            "db.internal",
            &ports,
        ],
    )
    .spawn()
    .expect("start ssmdeck");
    // The first session drops after a second; the second one stays.
    let deadline = Instant::now() + Duration::from_secs(30);
    while !dir.path().join("call-1").exists() {
        assert!(Instant::now() < deadline, "no second plugin run");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let first = lines(&dir.path().join("call-0"));
    assert_eq!(first.len(), 6, "{first:?}");
    let response: serde_json::Value = serde_json::from_str(&first[0]).expect("response json");
    assert_eq!(response["SessionId"], "s-1");
    assert_eq!(response["TokenValue"], "token-1");
    assert_eq!(response["StreamUrl"], "wss://ssmmessages.example/s-1");
    assert_eq!(first[1], "eu-west-1");
    assert_eq!(first[2], "StartSession");
    let request: serde_json::Value = serde_json::from_str(&first[4]).expect("request json");
    assert_eq!(request["Target"], "i-0123456789abcdef0");
    assert_eq!(
        request["DocumentName"],
        "AWS-StartPortForwardingSessionToRemoteHost"
    );
    assert_eq!(request["Parameters"]["portNumber"][0], "5432");
    assert_eq!(
        request["Parameters"]["localPortNumber"][0],
        local.to_string()
    );
    assert_eq!(request["Parameters"]["host"][0], "db.internal");
    assert_eq!(first[5], url);
    let second: serde_json::Value =
        serde_json::from_str(&lines(&dir.path().join("call-1"))[0]).expect("json");
    assert_eq!(second["SessionId"], "s-2", "a new session after the drop");

    // Ctrl-c: the live session is terminated and the program ends with 0.
    let pid = i32::try_from(child.id()).expect("pid");
    unsafe {
        libc::kill(pid, libc::SIGINT);
    }
    let out: Output = tokio::task::spawn_blocking(move || child.wait_with_output())
        .await
        .expect("join")
        .expect("wait");
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{err}");
    assert!(err.contains("websocket closed by the service"), "{err}");
    assert!(err.contains("a new session in 1s"), "{err}");
    let seen = seen.lock().expect("lock").clone();
    let started: Vec<&String> = seen
        .iter()
        .filter(|(t, _)| t == "amazonssm.startsession")
        .map(|(_, b)| b)
        .collect();
    assert_eq!(started.len(), 2, "{seen:?}");
    let start: serde_json::Value = serde_json::from_str(started[0]).expect("json");
    assert_eq!(start["Target"], "i-0123456789abcdef0");
    assert_eq!(
        start["DocumentName"],
        "AWS-StartPortForwardingSessionToRemoteHost"
    );
    let terminated: Vec<String> = seen
        .iter()
        .filter(|(t, _)| t == "amazonssm.terminatesession")
        .filter_map(|(_, b)| serde_json::from_str::<serde_json::Value>(b).ok())
        .filter_map(|v| v["SessionId"].as_str().map(str::to_string))
        .collect();
    assert_eq!(terminated, ["s-1", "s-2"], "both sessions terminated");
}

#[test]
fn a_missing_plugin_and_a_busy_port_are_one_line_each() {
    let dir = tempfile::tempdir().expect("dir");
    // An endpoint that accepts connections (nothing is asked of it).
    let endpoint = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let url = format!("http://{}", endpoint.local_addr().expect("addr"));
    // No plugin on this PATH.
    let out = ssmdeck(
        dir.path(),
        "/usr/bin:/bin",
        &[
            "--endpoint-url",
            &url,
            "forward",
            "i-0123456789abcdef0",
            "8080:80",
        ],
    )
    .output()
    .expect("run");
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(
        err.contains("session-manager-plugin") && err.contains("install"),
        "{err}"
    );
    assert_eq!(err.trim().lines().count(), 1, "{err}");
    // The local port already taken.
    fake_plugin(dir.path());
    let busy = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = busy.local_addr().expect("addr").port();
    let path = format!("{}:/usr/bin:/bin", dir.path().display());
    let ports = format!("{port}:80");
    let out = ssmdeck(
        dir.path(),
        &path,
        &[
            "--endpoint-url",
            &url,
            "forward",
            "i-0123456789abcdef0",
            &ports,
        ],
    )
    .output()
    .expect("run");
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(
        err.contains(&format!("local port {port} is already in use")),
        "{err}"
    );
    assert_eq!(err.trim().lines().count(), 1, "{err}");
    // Ports that are not ports.
    let out = ssmdeck(
        dir.path(),
        &path,
        &["--sandbox", "forward", "i-1", "80:http"],
    )
    .output()
    .expect("run");
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("80:http: give LOCAL:REMOTE"));
}
