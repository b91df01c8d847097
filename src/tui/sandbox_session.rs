//! `S` on the sandbox: a simulated Session Manager shell. The console steps aside as for
//! a real session; the simulated instance answers the commands it knows (the same as
//! its Run Command output) and nothing is run on this machine.

use std::io::{BufRead, Write};

use crate::cloud::sandbox::shell::{SESSION_USER, run_list};
use crate::i18n::{Lang, tf};

/// Reads lines until `exit` or end of input.
pub fn run(instance_id: &str, host: &str, lang: Lang) -> Result<(), String> {
    let stdin = std::io::stdin();
    let mut out = std::io::stdout();
    let io = |e: std::io::Error| e.to_string();
    let session = format!("sandbox-{instance_id}");
    writeln!(
        out,
        "\n{}\n{}\n",
        tf(lang, "session.sandbox.start", &[("session", &session)]),
        tf(
            lang,
            "session.sandbox.simulated",
            &[("instance", instance_id)]
        )
    )
    .map_err(io)?;
    let mut line = String::new();
    loop {
        write!(out, "sh-5.2$ ")
            .and_then(|()| out.flush())
            .map_err(io)?;
        line.clear();
        if stdin.lock().read_line(&mut line).map_err(io)? == 0 {
            break;
        }
        let ran = run_list(host, SESSION_USER, &line);
        write!(out, "{}", ran.stdout).map_err(io)?;
        eprint!("{}", ran.stderr);
        if ran.exit {
            break;
        }
    }
    writeln!(
        out,
        "\n{}\n",
        tf(lang, "session.sandbox.exit", &[("session", &session)])
    )
    .map_err(io)
}

/// The simulated instance's host name, as its Run Command output gives it.
pub fn host_name(private_ip: Option<&str>, region: &str) -> String {
    format!(
        "ip-{}.{region}.compute.internal",
        private_ip.unwrap_or_default().replace('.', "-")
    )
}
