use std::process::ExitCode;

use clap::Parser;
use ssmdeck::cli::Cli;

fn main() -> ExitCode {
    let cli = Cli::parse();
    match ssmdeck::app_main::main(cli) {
        Ok(code) => ExitCode::from(code),
        Err(e) => {
            let chain: Vec<String> = e.chain().map(|c| c.to_string()).collect();
            eprintln!("ssmdeck: {}", chain.join(": "));
            ExitCode::from(2)
        }
    }
}
