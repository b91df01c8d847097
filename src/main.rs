use std::process::ExitCode;

fn main() -> ExitCode {
    let cli = match ssmdeck::cli::parse() {
        Ok(cli) => cli,
        Err(code) => return code,
    };
    if cli.command.is_some() {
        quiet_broken_pipe();
    }
    match ssmdeck::app_main::main(cli) {
        Ok(code) => ExitCode::from(code),
        Err(e) => {
            let chain: Vec<String> = e.chain().map(|c| c.to_string()).collect();
            eprintln!("ssmdeck: {}", chain.join(": "));
            ExitCode::from(2)
        }
    }
}

/// A report piped into `head` ends the process quietly when the reader goes, as `cat`
/// does (Rust ignores SIGPIPE, and `println!` would panic). The console never gets here.
#[cfg(unix)]
fn quiet_broken_pipe() {
    // SAFETY: restoring the default disposition of one signal at start-up, before any
    // thread is spawned; no handler is installed.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
    }
}

#[cfg(not(unix))]
fn quiet_broken_pipe() {}
