//! A real terminal: the built binary in tmux, read from the screen.

use std::process::{Command, Output};
use std::time::{Duration, Instant};

struct Tmux {
    socket: String,
    session: String,
}

impl Tmux {
    fn start(command: &str) -> Self {
        if Command::new("tmux").arg("-V").output().is_err() {
            panic!(
                "tmux not found: install it (apt-get install -y tmux); the README's test command does"
            );
        }
        static NEXT: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
        let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let t = Tmux {
            socket: format!("ssmdeck-it-{}-{n}", std::process::id()),
            session: "t".into(),
        };
        let out = t.run(&[
            "new-session",
            "-d",
            "-s",
            &t.session,
            "-x",
            "160",
            "-y",
            "45",
            command,
        ]);
        assert!(
            out.status.success(),
            "tmux new-session: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        t.run(&["set-option", "-t", &t.session, "remain-on-exit", "on"]);
        t
    }

    fn run(&self, args: &[&str]) -> Output {
        Command::new("tmux")
            .arg("-L")
            .arg(&self.socket)
            .args(args)
            .output()
            .expect("run tmux")
    }

    fn screen(&self) -> String {
        String::from_utf8_lossy(
            &self
                .run(&["capture-pane", "-p", "-t", &self.session])
                .stdout,
        )
        .into_owned()
    }

    fn keys(&self, keys: &str) {
        self.run(&["send-keys", "-t", &self.session, keys]);
    }

    fn format(&self, f: &str) -> String {
        String::from_utf8_lossy(
            &self
                .run(&["display-message", "-p", "-t", &self.session, f])
                .stdout,
        )
        .trim()
        .to_string()
    }

    fn wait_for(&self, what: impl Fn(&str) -> bool, label: &str) -> String {
        let start = Instant::now();
        loop {
            let s = self.screen();
            if what(&s) {
                return s;
            }
            if start.elapsed() > Duration::from_secs(20) {
                panic!("timed out waiting for {label}; screen:\n{s}");
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    }
}

impl Drop for Tmux {
    fn drop(&mut self) {
        self.run(&["kill-server"]);
    }
}

#[test]
fn the_binary_in_a_real_terminal() {
    let log = std::env::temp_dir().join(format!("ssmdeck-tmux-{}.log", std::process::id()));
    let status_file =
        std::env::temp_dir().join(format!("ssmdeck-tmux-{}.status", std::process::id()));
    let _ = std::fs::remove_file(&status_file);
    // The shell records ssmdeck's exit code (tmux's own record of it is not always there).
    let cmd = format!(
        "{} --sandbox --log-file {}; echo $? > {}",
        env!("CARGO_BIN_EXE_ssmdeck"),
        log.display(),
        status_file.display()
    );
    let t = Tmux::start(&cmd);
    t.wait_for(
        |s| s.contains("Instances (2)") && s.contains("not managed: no instance profile"),
        "the Instances pane",
    );
    assert_eq!(
        t.format("#{alternate_on}"),
        "1",
        "the TUI uses the alternate screen"
    );
    t.keys("1");
    let s = t.wait_for(|s| s.contains("Endpoints (7)"), "the Endpoints pane");
    assert!(s.contains("WellArchitectedLabsStack/VPC"), "{s}");
    assert!(
        s.contains("ssmmessages") && s.contains("ec2messages") && s.contains("✗ missing"),
        "{s}"
    );
    t.keys("2");
    t.wait_for(
        |s| s.contains("ManagedInstancesRole") && s.contains("missing"),
        "the Roles pane",
    );
    t.keys("3");
    t.wait_for(|s| s.contains("Instances (2)"), "back to Instances");
    t.keys("?");
    t.wait_for(|s| s.contains("Help"), "help");
    t.keys("Escape");
    t.wait_for(|s| !s.contains("Help (Esc closes)"), "help closed");
    t.keys("q");
    let start = Instant::now();
    while t.format("#{pane_dead}") != "1" {
        assert!(
            start.elapsed() < Duration::from_secs(10),
            "ssmdeck did not quit on q"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    let mut status = String::new();
    while status.trim().is_empty() && start.elapsed() < Duration::from_secs(15) {
        status = std::fs::read_to_string(&status_file).unwrap_or_default();
        std::thread::sleep(Duration::from_millis(100));
    }
    assert_eq!(status.trim(), "0", "ssmdeck's exit code");
    assert_eq!(
        t.format("#{alternate_on}"),
        "0",
        "the alternate screen was left"
    );
    let s = t.screen();
    assert!(
        !s.contains("1 Endpoints"),
        "the TUI is gone from the screen:\n{s}"
    );
}

/// The console under tmux with its exit code recorded, and its own log file (which also
/// names the process for `pgrep`).
fn console(extra: &str) -> (Tmux, std::path::PathBuf, std::path::PathBuf) {
    let tag = format!(
        "{}-{}",
        std::process::id(),
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos())
    );
    let log = std::env::temp_dir().join(format!("ssmdeck-tmux-{tag}.log"));
    let status = std::env::temp_dir().join(format!("ssmdeck-tmux-{tag}.status"));
    // The shell stays after the console ends: the pane shows what the console left.
    let cmd = format!(
        "{} {extra} --log-file {}; echo $? > {}; sleep 60",
        env!("CARGO_BIN_EXE_ssmdeck"),
        log.display(),
        status.display()
    );
    (Tmux::start(&cmd), log, status)
}

fn exit_code(status: &std::path::Path) -> String {
    let start = Instant::now();
    loop {
        let s = std::fs::read_to_string(status).unwrap_or_default();
        if !s.trim().is_empty() || start.elapsed() > Duration::from_secs(10) {
            return s.trim().to_string();
        }
        std::thread::sleep(Duration::from_millis(100));
    }
}

#[test]
fn sigterm_and_sighup_leave_the_terminal_as_it_was() {
    for signal in ["TERM", "HUP", "INT"] {
        let (t, log, status) = console("--sandbox");
        t.wait_for(|s| s.contains("Instances (2)"), "the console");
        assert_eq!(t.format("#{alternate_on}"), "1");
        assert_eq!(t.format("#{mouse_any_flag}"), "1", "mouse reporting is on");
        // The console itself, not the shell that started it.
        let pid = Command::new("pgrep")
            .arg("-f")
            .arg(format!(
                "^{} .*{}",
                env!("CARGO_BIN_EXE_ssmdeck"),
                log.display()
            ))
            .output()
            .expect("pgrep");
        let pid = String::from_utf8_lossy(&pid.stdout)
            .lines()
            .next()
            .unwrap_or_default()
            .trim()
            .to_string();
        assert!(!pid.is_empty(), "the console's pid");
        let sent = Command::new("kill")
            .arg(format!("-{signal}"))
            .arg(&pid)
            .status()
            .expect("kill");
        assert!(sent.success());
        assert_eq!(exit_code(&status), "0", "SIG{signal}: a clean exit");
        assert_eq!(t.format("#{alternate_on}"), "0", "SIG{signal}: main screen");
        assert_eq!(t.format("#{cursor_flag}"), "1", "SIG{signal}: cursor shown");
        assert_eq!(t.format("#{mouse_any_flag}"), "0", "SIG{signal}: mouse off");
        assert_eq!(t.format("#{keypad_flag}"), "0", "SIG{signal}");
    }
}

#[test]
fn the_sandbox_session_steps_aside_and_the_mouse_works_after_it() {
    let (t, _log, status) = console("--sandbox=fleet:30");
    t.wait_for(|s| s.contains("Instances (35)"), "the fleet");
    // The first online instance.
    t.keys("/");
    t.keys("Online");
    t.keys("Enter");
    t.wait_for(
        |s| s.contains("filter: Online") || s.contains("/Online"),
        "filtered",
    );
    t.keys("S");
    let s = t.wait_for(|s| s.contains("sh-5.2$"), "the simulated shell");
    assert!(s.contains("simulated shell"), "{s}");
    assert_eq!(
        t.format("#{alternate_on}"),
        "0",
        "the shell has the main screen"
    );
    assert_eq!(
        t.format("#{mouse_any_flag}"),
        "0",
        "no mouse reports leak into the session"
    );
    t.keys("hostname");
    t.keys("Enter");
    t.wait_for(|s| s.contains("compute.internal"), "hostname");
    t.keys("exit");
    t.keys("Enter");
    t.wait_for(|s| s.contains("session") && s.contains("Instances"), "back");
    assert_eq!(t.format("#{alternate_on}"), "1", "the console is back");
    assert_eq!(t.format("#{mouse_any_flag}"), "1", "and the mouse with it");
    t.keys("q");
    assert_eq!(exit_code(&status), "0");
}

#[test]
fn a_dead_endpoint_reads_unreachable_and_the_console_recovers_when_it_is_back() {
    let port = crate::moto_server::free_port();
    let url = format!("http://127.0.0.1:{port}");
    let home = tempfile::tempdir().expect("tempdir");
    let extra = format!("--endpoint-url {url} --region ap-northeast-2 --refresh 2");
    let cmd_env = format!(
        "env HOME={} AWS_ACCESS_KEY_ID=testing AWS_SECRET_ACCESS_KEY=testing AWS_EC2_METADATA_DISABLED=true AWS_CONFIG_FILE=/dev/null AWS_SHARED_CREDENTIALS_FILE=/dev/null",
        home.path().display()
    );
    let log = home.path().join("ssmdeck.log");
    let status = home.path().join("status");
    let cmd = format!(
        "{cmd_env} {} {extra} --log-file {}; echo $? > {}; sleep 60",
        env!("CARGO_BIN_EXE_ssmdeck"),
        log.display(),
        status.display()
    );
    let t = Tmux::start(&cmd);
    let s = t.wait_for(|s| s.contains("unreachable:"), "unreachable in the header");
    let header = s.lines().next().unwrap_or_default();
    assert!(header.contains(&url), "{header}");
    // The endpoint comes back: the console fills in without a key press.
    let _moto = crate::moto_server::MotoServer::start_on(port);
    let s = t.wait_for(
        |s| {
            let header = s.lines().next().unwrap_or_default();
            header.contains("account 123456789012") && !header.contains("unreachable")
        },
        "the account in the header",
    );
    assert!(s.contains("Instances (0)"), "{s}");
    t.keys("q");
    assert_eq!(exit_code(&status), "0");
}

#[test]
fn export_in_the_console_writes_the_file_off_the_ui_thread_and_says_where() {
    let (t, _log, status) = console("--sandbox=fleet:10000");
    t.wait_for(|s| s.contains("Instances (10504)"), "the fleet");
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("fleet.csv");
    t.keys(":");
    t.keys(&format!("export {}", path.display()));
    t.keys("Enter");
    let s = t.wait_for(|s| s.contains("exported 10504 row(s)"), "the export");
    assert!(s.contains("fleet.csv"), "{s}");
    let text = std::fs::read_to_string(&path).expect("the file");
    assert_eq!(text.lines().count(), 10_505, "a header and every row");
    assert!(text.starts_with("row_id,instance,name,"), "{}", &text[..80]);
    t.keys("q");
    assert_eq!(exit_code(&status), "0");
}
