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
        let t = Tmux {
            socket: format!("ssmdeck-it-{}", std::process::id()),
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
