use std::process::ExitCode;

fn main() -> ExitCode {
    let cli = match ssmdeck::cli::parse() {
        Ok(cli) => cli,
        Err(code) => return code,
    };
    match ssmdeck::app_main::main(cli) {
        Ok(code) => ExitCode::from(code),
        Err(e) => {
            let chain: Vec<String> = e.chain().map(|c| c.to_string()).collect();
            eprintln!("ssmdeck: {}", chain.join(": "));
            ExitCode::from(2)
        }
    }
}
