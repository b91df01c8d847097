//! Command-line definitions (clap). Parsing only; no behaviour.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

#[derive(Debug, Parser)]
#[command(
    name = "ssmdeck",
    version,
    about = "A terminal console for AWS Systems Manager: make private-subnet instances managed, then watch the fleet",
    long_about = None
)]
pub struct Cli {
    #[command(flatten)]
    pub global: Global,
    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Debug, Args, Clone)]
pub struct Global {
    /// AWS profile (as in the AWS CLI; SSO profiles work)
    #[arg(long, global = true, value_name = "P")]
    pub profile: Option<String>,
    /// AWS region
    #[arg(long, global = true, value_name = "R")]
    pub region: Option<String>,
    /// Send every EC2, IAM and SSM call to this endpoint (e.g. a local emulator)
    #[arg(long, global = true, value_name = "URL")]
    pub endpoint_url: Option<String>,
    /// Refuse every write
    #[arg(long, global = true)]
    pub read_only: bool,
    /// Use the embedded sandbox instead of AWS: lab (default) or fleet:N
    #[arg(long, global = true, value_name = "SCENARIO", num_args = 0..=1, require_equals = true, default_missing_value = "lab")]
    pub sandbox: Option<String>,
    /// Language of the interface (default from LANG)
    #[arg(long, global = true, value_enum)]
    pub lang: Option<Lang>,
    /// Write the log here (default: $XDG_STATE_HOME/ssmdeck/ssmdeck.log)
    #[arg(long, global = true, value_name = "PATH")]
    pub log_file: Option<PathBuf>,
    /// Seconds between refreshes of each source
    #[arg(long, global = true, value_name = "SECS", default_value_t = 5, value_parser = clap::value_parser!(u64).range(1..=3600))]
    pub refresh: u64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Lang {
    En,
    Ko,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Read-only readiness and fleet report; exit 0 ready, 1 not ready, 2 error
    Check {
        /// JSON output (schema 1)
        #[arg(long)]
        json: bool,
    },
    /// Apply the remediation plan the TUI would offer
    Fix {
        /// Show the plan and check permissions; write nothing
        #[arg(long)]
        dry_run: bool,
        /// Apply without asking
        #[arg(long)]
        yes: bool,
        /// Only these VPCs
        #[arg(long, value_name = "ID")]
        vpc: Vec<String>,
        /// Only these instances
        #[arg(long, value_name = "ID")]
        instance: Vec<String>,
    },
}
