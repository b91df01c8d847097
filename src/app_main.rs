//! From parsed arguments to a running TUI or a CLI command.

use std::time::Duration;

use color_eyre::eyre::{Result, WrapErr, bail, eyre};

use crate::cli::{Cli, Command};
use crate::cloud::Cloud;
use crate::cloud::aws::config::preflight;
use crate::cloud::aws::{AwsCloud, AwsSettings, config_loader};
use crate::cloud::sandbox::{Clock, SandboxCloud, Scenario};
use crate::domain::readiness;
use crate::engine::fetch;
use crate::fix::{self, FixOptions};
use crate::tui::run::{RunOptions, run};
use crate::{logging, report};

/// Runs the program and returns its exit code.
pub fn main(mut cli: Cli) -> Result<u8> {
    validate(&cli)?;
    if let Some(code) = print_only(&cli)? {
        return Ok(code);
    }
    let loaded = crate::config::load(cli.global.config.as_deref())?;
    for w in &loaded.warnings {
        eprintln!("ssmdeck: warning: {w}");
    }
    let config = loaded.config;
    if cli.global.profile.is_none() && cli.global.sandbox.is_none() {
        cli.global.profile = config.profile.clone();
    }
    if cli.global.region.is_none() && cli.global.sandbox.is_none() {
        cli.global.region = config.region.clone();
    }
    if cli.global.lang.is_none() {
        cli.global.lang = match config.language.as_deref() {
            Some("ko") => Some(crate::cli::Lang::Ko),
            Some("en") => Some(crate::cli::Lang::En),
            _ => None,
        };
    }
    if let Some(theme) = config
        .theme
        .as_deref()
        .and_then(crate::tui::theme::Theme::parse)
    {
        crate::tui::theme::set(theme);
    }
    if !refresh_given()
        && let Some(secs) = config.refresh.default.filter(|s| (1..=3600).contains(s))
    {
        cli.global.refresh = secs;
    }
    SETTINGS.with(|s| *s.borrow_mut() = Some(config));
    let log_path = cli
        .global
        .log_file
        .clone()
        .unwrap_or_else(logging::default_path);
    let _guard = logging::init(&log_path)?;
    color_eyre::config::HookBuilder::default()
        .display_env_section(false)
        .install()
        .map_err(|e| eyre!("cannot install the error handler: {e}"))?;
    tracing::info!(version = env!("CARGO_PKG_VERSION"), "ssmdeck starting");
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .wrap_err("cannot start the async runtime")?;
    runtime.block_on(dispatch(cli, log_path.display().to_string()))
}

thread_local! {
    /// The region `:region R` asked for; the console restarts there.
    static NEXT_REGION: std::cell::RefCell<Option<String>> = const { std::cell::RefCell::new(None) };
    /// The loaded configuration, for the TUI options built later on this thread.
    static SETTINGS: std::cell::RefCell<Option<crate::config::Config>> = const { std::cell::RefCell::new(None) };
}

/// Whether `--refresh` was on the command line (the config file gives the default otherwise).
fn refresh_given() -> bool {
    std::env::args().any(|a| a == "--refresh" || a.starts_with("--refresh="))
}

/// `config --default`, `completions`, `man`: print and exit, nothing else to set up.
fn print_only(cli: &Cli) -> Result<Option<u8>> {
    use clap::CommandFactory;
    match &cli.command {
        Some(Command::Config { default: true }) => {
            print!("{}", crate::config::DEFAULT_FILE);
            Ok(Some(0))
        }
        Some(Command::Config { default: false }) => {
            let path = crate::config::default_path()
                .map(|p| p.display().to_string())
                .unwrap_or_else(|| "(no config folder)".into());
            println!("{path}");
            Ok(Some(0))
        }
        Some(Command::Completions { shell }) => {
            let mut cmd = Cli::command();
            clap_complete::aot::generate(*shell, &mut cmd, "ssmdeck", &mut std::io::stdout());
            Ok(Some(0))
        }
        Some(Command::Man) => {
            let man = clap_mangen::Man::new(Cli::command());
            man.render(&mut std::io::stdout())
                .wrap_err("cannot write the manual page")?;
            Ok(Some(0))
        }
        _ => Ok(None),
    }
}

/// Combinations the parser cannot reject on its own.
fn validate(cli: &Cli) -> Result<()> {
    if cli.global.faults.is_some() && cli.global.sandbox.is_none() {
        bail!(
            "--faults works only with --sandbox: faults are injected into the embedded account, never into AWS"
        );
    }
    Ok(())
}

async fn dispatch(cli: Cli, log_path: String) -> Result<u8> {
    if let Some(name) = &cli.global.sandbox {
        let scenario: Scenario = name.parse().map_err(|e: String| eyre!(e))?;
        let faults = cli.global.faults.clone().unwrap_or_default();
        if !faults.is_none() {
            tracing::info!(faults = %faults, "sandbox faults injected");
        }
        let cloud = SandboxCloud::new(scenario, Clock::Real).with_faults(faults);
        return run_command(cloud, cli, log_path).await;
    }
    let mut settings = AwsSettings {
        profile: cli.global.profile.clone(),
        region: cli.global.region.clone(),
        endpoint_url: cli.global.endpoint_url.clone(),
    };
    loop {
        let code = run_aws(&settings, cli.clone(), log_path.clone()).await?;
        // `:region R` in the console: start again in that region.
        match NEXT_REGION.with(|n| n.borrow_mut().take()) {
            Some(region) => settings.region = Some(region),
            None => return Ok(code),
        }
    }
}

async fn run_aws(settings: &AwsSettings, cli: Cli, log_path: String) -> Result<u8> {
    let settings = settings.clone();
    let conf = config_loader(&settings).load().await;
    if conf.region().is_none() {
        bail!("no AWS region configured (use --region or AWS_REGION)");
    }
    // `check` and `fix` answer a script: a dead endpoint is an error now, not after the
    // retries. The console starts anyway and shows the endpoint's state in each pane.
    let reach_endpoint = cli.command.is_some();
    preflight(&conf, &settings, reach_endpoint)
        .await
        .map_err(|e| eyre!(e))?;
    let cloud = AwsCloud::from_conf(&conf).with_label(settings.label());
    tracing::debug!(label = %cloud.label(), "aws config loaded");
    run_command(cloud, cli, log_path).await
}

async fn run_command<C: Cloud>(cloud: C, cli: Cli, log_path: String) -> Result<u8> {
    match cli.command {
        None => {
            let next = run(
                cloud,
                RunOptions {
                    refresh: Duration::from_secs(cli.global.refresh),
                    read_only: cli.global.read_only,
                    log_path: Some(log_path),
                    audit_path: crate::engine::audit::default_path(),
                    lang: match cli.global.lang {
                        Some(crate::cli::Lang::Ko) => crate::i18n::Lang::Ko,
                        Some(crate::cli::Lang::En) => crate::i18n::Lang::En,
                        None => crate::i18n::Lang::from_env(),
                    },
                    profile: cli.global.profile.clone(),
                    region: cli.global.region.clone(),
                    sandbox: cli.global.sandbox.is_some(),
                    config: SETTINGS.with(|s| s.borrow().clone()).unwrap_or_default(),
                },
            )
            .await?;
            if let Some(region) = next {
                NEXT_REGION.with(|n| *n.borrow_mut() = Some(region));
            }
            Ok(0)
        }
        Some(Command::Check { json }) => {
            let snapshot = fetch::snapshot(&cloud).await;
            // The sandbox's simulated account (fleet:100000: ~110 MB) is not needed any more.
            drop(cloud);
            let readiness = readiness::evaluate(&snapshot);
            if json {
                use std::io::Write;
                let mut stdout = std::io::BufWriter::new(std::io::stdout().lock());
                report::write_json(&mut stdout, &snapshot, &readiness)
                    .and_then(|()| stdout.flush())
                    .wrap_err("cannot write the report to stdout")?;
            } else {
                print!("{}", report::text(&snapshot, &readiness));
            }
            let code = report::outcome(&snapshot, &readiness).exit_code();
            // 100k instances are millions of small allocations: the process ends now.
            std::mem::forget(readiness);
            std::mem::forget(snapshot);
            Ok(code)
        }
        Some(Command::Fix {
            dry_run,
            yes,
            vpc,
            instance,
        }) => {
            fix::run(
                &cloud,
                FixOptions {
                    dry_run,
                    yes,
                    vpcs: vpc,
                    instances: instance,
                    read_only: cli.global.read_only,
                    audit_path: crate::engine::audit::default_path(),
                    role_name: SETTINGS
                        .with(|s| s.borrow().as_ref().and_then(|c| c.role_name.clone()))
                        .unwrap_or_else(|| crate::domain::model::DEFAULT_ROLE_NAME.to_string()),
                },
            )
            .await
        }
        Some(Command::Config { .. } | Command::Completions { .. } | Command::Man) => Ok(0),
    }
}
