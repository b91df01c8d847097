//! Command-line definitions (clap). Parsing only; no behaviour.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::error::ErrorKind;
use clap::{Args, Parser, Subcommand, ValueEnum};

use crate::cloud::sandbox::faults::Faults;

/// The version with the git revision it was built from.
pub const VERSION: &str = concat!(
    env!("CARGO_PKG_VERSION"),
    " (",
    env!("SSMDECK_GIT_REV"),
    ")"
);

#[derive(Debug, Clone, Parser)]
#[command(
    name = "ssmdeck",
    version = VERSION,
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
    /// AWS profile (as in the AWS CLI; SSO profiles work). Several (`--profile a,b` or
    /// repeated) show their accounts together with an Account column
    #[arg(long, global = true, value_name = "P", value_delimiter = ',', action = clap::ArgAction::Append)]
    pub profile: Vec<String>,
    /// AWS region. Several (`--region us-east-1,eu-west-1`) or `all` (every enabled
    /// region) show their fleets together with a Region column
    #[arg(long, global = true, value_name = "R", value_delimiter = ',', action = clap::ArgAction::Append, value_parser = region_or_all)]
    pub region: Vec<String>,
    /// Send every EC2, IAM and SSM call to this endpoint (e.g. a local emulator)
    #[arg(long, global = true, value_name = "URL", value_parser = endpoint_url)]
    pub endpoint_url: Option<String>,
    /// Refuse every write
    #[arg(long, global = true)]
    pub read_only: bool,
    /// Configuration file (default: $XDG_CONFIG_HOME/ssmdeck/config.toml)
    #[arg(long, global = true, value_name = "PATH")]
    pub config: Option<PathBuf>,
    /// The whole AWS Organization: every active account (listed from the management
    /// account), reached by assuming ROLE in each (default `[organization] role`, else
    /// OrganizationAccountAccessRole), one scope per account and region
    #[arg(long, global = true, value_name = "ROLE", num_args = 0..=1, require_equals = true, default_missing_value = "", value_parser = org_role)]
    pub org: Option<String>,
    /// Use the embedded sandbox instead of AWS: lab (default), fleet:N or org:A:N (A
    /// accounts of N instances)
    #[arg(long, global = true, value_name = "SCENARIO", num_args = 0..=1, require_equals = true, default_missing_value = "lab")]
    pub sandbox: Option<String>,
    /// Language of the interface (default from LANG)
    #[arg(long, global = true, value_enum)]
    pub lang: Option<Lang>,
    /// Write the log here (default: $XDG_STATE_HOME/ssmdeck/ssmdeck.log)
    #[arg(long, global = true, value_name = "PATH")]
    pub log_file: Option<PathBuf>,
    /// Seconds between refreshes of each source
    #[arg(long, global = true, value_name = "SECS", default_value_t = 10, value_parser = clap::value_parser!(u64).range(1..=3600))]
    pub refresh: u64,
    /// Sandbox only: inject faults, e.g. throttle:0.3,error:0.1,latency:300ms,deny:ssm:ListCommands
    #[arg(long, global = true, value_name = "SPEC", value_parser = clap::value_parser!(Faults))]
    pub faults: Option<Faults>,
}

/// Parses the command line. Help and version are printed as clap prints them; any other
/// error becomes one line on stderr and exit code 2.
pub fn parse() -> Result<Cli, ExitCode> {
    parse_from(std::env::args_os())
}

pub fn parse_from<I, T>(args: I) -> Result<Cli, ExitCode>
where
    I: IntoIterator<Item = T>,
    T: Into<std::ffi::OsString> + Clone,
{
    Cli::try_parse_from(args).map_err(|e| match e.kind() {
        ErrorKind::DisplayHelp
        | ErrorKind::DisplayVersion
        | ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand => {
            let _ = e.print();
            ExitCode::from(u8::try_from(e.exit_code()).unwrap_or(2))
        }
        _ => {
            eprintln!("ssmdeck: {} (see --help)", one_line(&e));
            ExitCode::from(2)
        }
    })
}

/// The first line of a clap error, without its `error: ` prefix and styling; a line
/// that ends in `:` takes the lines that complete it ("required: --target <ID>"), an
/// invalid value the values it could have been.
pub fn one_line(e: &clap::Error) -> String {
    let text = e.render().to_string();
    let mut lines = text.lines().map(str::trim).skip_while(|l| l.is_empty());
    let first = lines.next().unwrap_or("invalid arguments");
    let mut out = first.strip_prefix("error: ").unwrap_or(first).to_string();
    let rest: Vec<&str> = lines.take_while(|l| !l.is_empty()).collect();
    if out.ends_with(':') && !rest.is_empty() {
        out = format!("{out} {}", rest.join(", "));
    } else if let Some(values) = rest.iter().find(|l| l.starts_with("[possible values")) {
        // `--lang fr`: say which values are.
        out = format!("{out} {values}");
    }
    out
}

/// A region name, or `all`.
pub fn region_or_all(value: &str) -> Result<String, String> {
    if value == "all" {
        Ok(value.to_string())
    } else {
        region(value).map_err(|e| format!("{e}, or all"))
    }
}

/// A region name as AWS spells them: `us-east-1`, `ap-northeast-2`, `us-gov-west-1`.
pub fn region(value: &str) -> Result<String, String> {
    let parts: Vec<&str> = value.split('-').collect();
    let ok = parts.len() >= 3
        && parts.iter().all(|p| !p.is_empty())
        && parts[..parts.len() - 1]
            .iter()
            .all(|p| p.chars().all(|c| c.is_ascii_lowercase()))
        && parts[0].len() == 2
        && parts[parts.len() - 1].chars().all(|c| c.is_ascii_digit());
    if ok {
        Ok(value.to_string())
    } else {
        Err("not a region name (like us-east-1 or ap-northeast-2)".to_string())
    }
}

/// An IAM role name, optionally with its path (`ops/Admin`).
pub fn is_role_name(value: &str) -> bool {
    let name = value.rsplit('/').next().unwrap_or_default();
    (1..=64).contains(&name.len())
        && value.len() <= 512
        && value
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "+=,.@_-/".contains(c))
}

/// `--org` alone (the configured role) or `--org=ROLE`.
fn org_role(value: &str) -> Result<String, String> {
    if value.is_empty() || is_role_name(value) {
        Ok(value.to_string())
    } else {
        Err("not an IAM role name (letters, digits and +=,.@_- up to 64)".to_string())
    }
}

/// `http(s)://host[:port][/path]`.
pub fn endpoint_url(value: &str) -> Result<String, String> {
    let rest = value
        .strip_prefix("https://")
        .or_else(|| value.strip_prefix("http://"))
        .ok_or_else(|| "not a URL: it starts with http:// or https://".to_string())?;
    let authority = rest.split(['/', '?', '#']).next().unwrap_or_default();
    let (host, port) = split_host_port(authority);
    if host.is_empty() || host.contains(char::is_whitespace) {
        return Err("not a URL: no host after the scheme".to_string());
    }
    if let Some(port) = port
        && port.parse::<u16>().map_or(true, |p| p == 0)
    {
        return Err(format!("not a URL: bad port '{port}'"));
    }
    Ok(value.to_string())
}

fn parse_target(text: &str) -> Result<crate::run_cmd::Target, String> {
    text.parse()
}

fn parse_param(text: &str) -> Result<(String, String), String> {
    match text.split_once('=') {
        Some((k, v)) if !k.is_empty() => Ok((k.to_string(), v.to_string())),
        _ => Err(format!("{text}: give NAME=VALUE")),
    }
}

/// `host:port` (IPv6 in brackets) → host and the port text, if any.
pub fn split_host_port(authority: &str) -> (&str, Option<&str>) {
    let authority = authority.rsplit('@').next().unwrap_or(authority);
    if let Some(rest) = authority.strip_prefix('[') {
        return match rest.split_once(']') {
            Some((host, tail)) => (host, tail.strip_prefix(':')),
            None => ("", None),
        };
    }
    match authority.rsplit_once(':') {
        Some((host, port)) => (host, Some(port)),
        None => (authority, None),
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Lang {
    En,
    Ko,
}

#[derive(Debug, Clone, Subcommand)]
pub enum Command {
    /// Read-only readiness and fleet report; exit 0 ready, 1 not ready, 2 error
    Check {
        /// JSON output (schema 2)
        #[arg(long)]
        json: bool,
        /// CSV output: a header, then one row per instance
        #[arg(long, conflicts_with = "json")]
        csv: bool,
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
        /// Also take the steps offered unselected: network ACL entries, endpoint subnets in
        /// more AZs, the optional endpoints
        #[arg(long)]
        offered: bool,
    },
    /// Run Command without the console: send, wait for every node, print each result;
    /// exit 0 all succeeded, 1 any failed or timed out, 2 bad input
    Run {
        /// An instance id, a hybrid node id (mi-…) or tag:KEY=VALUE (repeatable)
        #[arg(long, required = true, value_name = "ID|tag:K=V", value_parser = parse_target)]
        target: Vec<crate::run_cmd::Target>,
        /// The SSM document
        #[arg(long, value_name = "NAME", default_value = "AWS-RunShellScript")]
        document: String,
        /// A document parameter (repeatable; a name given twice gets both values)
        #[arg(long, value_name = "K=V", value_parser = parse_param)]
        param: Vec<(String, String)>,
        /// Seconds to wait for every node
        #[arg(long, value_name = "SECS", default_value_t = 600, value_parser = clap::value_parser!(u64).range(1..=172_800))]
        timeout: u64,
        /// JSON output
        #[arg(long)]
        json: bool,
        /// Write the whole output to this S3 bucket too, and read it back from there (the
        /// API keeps only the first 24,000 characters); default `[output] s3_bucket`
        #[arg(long, value_name = "BUCKET")]
        s3_bucket: Option<String>,
        /// Key prefix in that bucket; default `[output] s3_prefix`
        #[arg(long, value_name = "PREFIX", requires = "s3_bucket")]
        s3_prefix: Option<String>,
        /// Write the whole output to this CloudWatch Logs group too; default `[output] log_group`
        #[arg(long, value_name = "GROUP")]
        log_group: Option<String>,
        /// The shell command (for AWS-RunShellScript / AWS-RunPowerShellScript)
        #[arg(last = true, value_name = "COMMAND")]
        command: Vec<String>,
    },
    /// Port forwarding through Session Manager until Ctrl-c, a dropped session started
    /// again: to a port of the node, or with --host through it to another host
    Forward {
        /// An instance id, a hybrid node id (mi-…) or tag:KEY=VALUE (the first online node)
        #[arg(value_name = "ID|tag:K=V")]
        target: String,
        /// A host the node reaches (a database endpoint, an internal name or address)
        #[arg(long, value_name = "HOST")]
        host: Option<String>,
        /// LOCAL:REMOTE port pairs (or one port for both sides)
        #[arg(required = true, value_name = "LOCAL:REMOTE")]
        ports: Vec<String>,
    },
    /// Onboard servers outside EC2: create a hybrid activation (and its service role when
    /// missing), show its id and code once with the install commands for Linux and
    /// Windows; --list and --delete manage the activations
    Activate {
        /// The service role the activation names; created when missing, trusting
        /// ssm.amazonaws.com with AmazonSSMManagedInstanceCore attached
        #[arg(long, value_name = "R", default_value = crate::domain::model::DEFAULT_ACTIVATION_ROLE)]
        role: String,
        /// How many servers may register with it
        #[arg(long, value_name = "N", default_value_t = crate::domain::model::DEFAULT_REGISTRATION_LIMIT, value_parser = clap::value_parser!(i32).range(1..=1000))]
        limit: i32,
        /// Days until it expires (at most 30)
        #[arg(long, value_name = "DAYS", default_value_t = crate::domain::model::DEFAULT_ACTIVATION_DAYS, value_parser = clap::value_parser!(i64).range(1..=30))]
        expires: i64,
        /// The name the registered servers are given
        #[arg(long, value_name = "NAME")]
        name: Option<String>,
        /// List the activations with their registrations and expiry
        #[arg(long, conflicts_with_all = ["delete", "name", "dry_run", "yes"])]
        list: bool,
        /// Delete this activation (servers registered with it stay registered)
        #[arg(long, value_name = "ID", conflicts_with = "name")]
        delete: Option<String>,
        /// Show what would be written; write nothing
        #[arg(long)]
        dry_run: bool,
        /// Apply without asking
        #[arg(long)]
        yes: bool,
        /// JSON output
        #[arg(long)]
        json: bool,
    },
    /// Configuration file helpers
    Config {
        /// Print the documented default configuration
        #[arg(long)]
        default: bool,
    },
    /// Print a shell completion script (bash, zsh, fish, elvish, powershell)
    Completions {
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
    /// Print the manual page (roff)
    Man,
}
