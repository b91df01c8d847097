//! From parsed arguments to a running TUI or a CLI command.

use color_eyre::eyre::{Result, WrapErr, bail, eyre};

use crate::cli::{Cli, Command};
use crate::cloud::Cloud;
use crate::cloud::aws::config::preflight;
use crate::cloud::aws::{AwsCloud, AwsSettings, config_loader};
use crate::cloud::sandbox::faults::Faults;
use crate::cloud::sandbox::{Clock, SandboxCloud, Scenario};
use crate::domain::readiness;
use crate::engine::audit::AuditLog;
use crate::engine::fetch;
use crate::fix::{self, FixOptions};
use crate::i18n::{t, tf};
use crate::scope::{Regions, Scope, Selection};
use crate::tui::run::RunOptions;
use crate::{logging, report};

mod org;

/// Runs the program and returns its exit code. `check --json` answers every failure
/// with an `"outcome": "error"` document on stdout (and the message on stderr).
pub fn main(cli: Cli) -> Result<u8> {
    let json_check = matches!(
        cli.command,
        Some(Command::Check { json: true, .. } | Command::Activate { json: true, .. })
    );
    let mut lang = lang_of(&cli);
    let e = match run_main(cli, &mut lang) {
        Err(e) => e,
        ok => return ok,
    };
    if json_check {
        let report = e
            .chain()
            .find_map(|c| c.downcast_ref::<crate::cloud::CloudError>())
            .map(crate::cloud::ErrorReport::from)
            .unwrap_or_else(|| crate::cloud::ErrorReport {
                kind: crate::cloud::ErrorKind::Other,
                action: None,
                endpoint: None,
                message: e
                    .chain()
                    .map(|c| c.to_string())
                    .collect::<Vec<_>>()
                    .join(": "),
            });
        println!("{}", report::error_json(&report));
    }
    // A cloud error on its own is said in the interface's language.
    match e.downcast_ref::<crate::cloud::CloudError>() {
        Some(cloud) => Err(eyre!("{}", crate::present::error_text(cloud, lang))),
        None => Err(e),
    }
}

fn run_main(mut cli: Cli, lang_out: &mut crate::i18n::Lang) -> Result<u8> {
    validate(&cli)?;
    if let Some(code) = print_only(&cli)? {
        return Ok(code);
    }
    let loaded = crate::config::load_in(cli.global.config.as_deref(), lang_of(&cli))?;
    for w in &loaded.warnings {
        eprintln!("ssmdeck: {w}");
    }
    let config = loaded.config;
    if cli.global.sandbox.is_none() {
        // The command line wins; a list in the file before a single name.
        let pick = |list: &Vec<String>, one: &Option<String>| {
            if list.is_empty() {
                one.iter().cloned().collect()
            } else {
                list.clone()
            }
        };
        if cli.global.profile.is_empty() {
            cli.global.profile = pick(&config.profiles, &config.profile);
        }
        if cli.global.region.is_empty() {
            cli.global.region = pick(&config.regions, &config.region);
        }
    }
    if cli.global.lang.is_none() {
        cli.global.lang = match config.language.as_deref() {
            Some("ko") => Some(crate::cli::Lang::Ko),
            Some("en") => Some(crate::cli::Lang::En),
            _ => None,
        };
    }
    // A remap that gives one key two actions is refused here, naming both.
    *lang_out = lang_of(&cli);
    crate::tui::bindings::Keymap::new(&config.keys)
        .map_err(|e| eyre!("{}", e.text(lang_of(&cli))))?;
    if !refresh_given()
        && let Some(secs) = config.refresh.default.filter(|s| (1..=3600).contains(s))
    {
        cli.global.refresh = secs;
    }
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
    let run = Run {
        cli,
        config,
        log_path: log_path.display().to_string(),
    };
    runtime.block_on(dispatch(run))
}

/// What a run needs beyond the clouds: the command line, the configuration, the log.
#[derive(Clone)]
pub(crate) struct Run {
    cli: Cli,
    config: crate::config::Config,
    log_path: String,
}

/// How a command ended: its exit code, or the console asking for another region.
pub(crate) enum Ended {
    Code(u8),
    SwitchRegion(String),
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

/// The language of what the user reads: `--lang`, else the config's, else the locale's.
pub fn lang_of(cli: &Cli) -> crate::i18n::Lang {
    match cli.global.lang {
        Some(crate::cli::Lang::Ko) => crate::i18n::Lang::Ko,
        Some(crate::cli::Lang::En) => crate::i18n::Lang::En,
        None => crate::i18n::Lang::from_env(),
    }
}

/// Combinations the parser cannot reject on its own.
fn validate(cli: &Cli) -> Result<()> {
    if cli.global.faults.is_some() && cli.global.sandbox.is_none() {
        bail!("{}", t(lang_of(cli), "cli.err.faults_need_sandbox"));
    }
    Ok(())
}

async fn dispatch(run: Run) -> Result<u8> {
    let cli = &run.cli;
    let selection = Selection::new(cli.global.profile.clone(), cli.global.region.clone())
        .map_err(|e| eyre!(e))?;
    if let Some(name) = &cli.global.sandbox {
        let scenario: Scenario = name.parse().map_err(|e: String| eyre!(e))?;
        let faults = cli.global.faults.clone().unwrap_or_default();
        if !faults.is_none() {
            tracing::info!(faults = %faults, "sandbox faults injected");
        }
        let clouds = if matches!(scenario, Scenario::Org { .. }) {
            let org = &run.config.organization;
            let role = org::org_role(cli, org);
            SandboxCloud::for_org(
                scenario,
                &Clock::Real,
                &selection,
                |a| org.includes(a),
                &role,
            )
            .into_iter()
            .map(|(scope, cloud, refuse)| {
                let faults = Faults {
                    refuse,
                    ..faults.clone()
                };
                (scope, cloud.with_faults(faults))
            })
            .collect()
        } else {
            SandboxCloud::for_selection(scenario, &Clock::Real, &selection)
                .into_iter()
                .map(|(scope, cloud)| (scope, cloud.with_faults(faults.clone())))
                .collect()
        };
        return match run_command(clouds, run.clone()).await? {
            Ended::Code(code) => Ok(code),
            Ended::SwitchRegion(_) => Ok(0),
        };
    }
    let mut selection = selection;
    loop {
        match run_aws(&selection, run.clone()).await? {
            Ended::Code(code) => return Ok(code),
            // `:region R` in the console: start again in that region.
            Ended::SwitchRegion(region) => {
                selection = Selection::new(selection.profiles.clone(), vec![region])
                    .map_err(|e| eyre!(e))?;
            }
        }
    }
}

/// One configured cloud per scope; `--region all` asks each account which regions it has.
async fn run_aws(selection: &Selection, run: Run) -> Result<Ended> {
    if run.cli.global.org.is_some() {
        return org::run_org(selection, run).await;
    }
    let cli = &run.cli;
    // `check` and `fix` answer a script: a dead endpoint is an error now, not after the
    // retries. The console starts anyway and shows the endpoint's state in each pane.
    let reach_endpoint = cli.command.is_some();
    let endpoint_url = cli.global.endpoint_url.clone();
    let mut enabled: Vec<(Option<String>, Vec<String>)> = Vec::new();
    let mut checked: Vec<Option<String>> = Vec::new();
    for profile in selection.profile_list() {
        if selection.regions != Regions::All {
            break;
        }
        let settings = AwsSettings {
            profile: profile.clone(),
            region: None,
            endpoint_url: endpoint_url.clone(),
        };
        let conf = config_loader(&settings).load().await;
        preflight(&conf, &settings, reach_endpoint)
            .await
            .map_err(color_eyre::Report::new)?;
        checked.push(profile.clone());
        {
            let cloud = AwsCloud::from_conf(&conf);
            let regions = cloud.describe_regions().await.map_err(|e| {
                eyre!(
                    "{}",
                    tf(
                        lang_of(cli),
                        "cli.err.list_regions",
                        &[
                            ("who", &settings.label()),
                            ("error", &crate::present::error_text(&e, lang_of(cli)))
                        ]
                    )
                )
            })?;
            enabled.push((profile, regions));
        }
    }
    let scopes = selection.scopes(|p| {
        enabled
            .iter()
            .find(|(q, _)| q.as_deref() == p)
            .map(|(_, r)| r.clone())
            .unwrap_or_default()
    });
    if scopes.is_empty() {
        bail!("{}", t(lang_of(cli), "cli.err.no_enabled_region"));
    }
    let mut clouds = Vec::with_capacity(scopes.len());
    for scope in scopes {
        let settings = AwsSettings {
            profile: scope.profile.clone(),
            region: scope.region.clone(),
            endpoint_url: endpoint_url.clone(),
        };
        let conf = config_loader(&settings).load().await;
        if conf.region().is_none() {
            bail!("{}", t(lang_of(cli), "cli.err.no_region"));
        }
        if !checked.contains(&scope.profile) {
            preflight(&conf, &settings, reach_endpoint)
                .await
                .map_err(color_eyre::Report::new)?;
            checked.push(scope.profile.clone());
        }
        let cloud = AwsCloud::from_conf(&conf)
            .with_label(settings.label())
            .with_profile(crate::cloud::aws::config::selected_profile(&settings));
        tracing::debug!(label = %cloud.label(), region = %cloud.region(), "aws config loaded");
        clouds.push((scope, cloud));
    }
    run_command(clouds, run).await
}

pub(crate) async fn run_command<C: Cloud>(clouds: Vec<(Scope, C)>, run: Run) -> Result<Ended> {
    let Run {
        cli,
        config,
        log_path,
    } = run;
    let sandbox = cli.global.sandbox.is_some();
    let lang = lang_of(&cli);
    // Validated when the file was read: a bad `[budget]` never gets here.
    let rates = config.budget.rates().unwrap_or_default();
    for budget in clouds.iter().filter_map(|(_, c)| c.budget()) {
        budget.set_rates(&rates);
    }
    // The sandbox's writes are simulated: they never go into the file of real accounts.
    let audit = if sandbox {
        AuditLog::in_memory()
    } else {
        AuditLog::to_file(crate::engine::audit::default_path())
    };
    let afresh = || {
        if sandbox {
            eprintln!("ssmdeck: {}", crate::i18n::t(lang, "cli.sandbox_afresh"));
        }
    };
    let role_name = config
        .role_name
        .clone()
        .unwrap_or_else(|| crate::domain::model::DEFAULT_ROLE_NAME.to_string());
    let policy = config.patches.policy();
    match cli.command {
        None => {
            let next = crate::tui::run::run(
                clouds,
                RunOptions {
                    intervals: config
                        .refresh
                        .intervals(cli.global.refresh, refresh_given()),
                    read_only: cli.global.read_only,
                    log_path: Some(log_path),
                    audit: audit.clone(),
                    lang,
                    profile: cli.global.profile.first().cloned(),
                    region: cli.global.region.first().cloned().filter(|r| r != "all"),
                    sandbox: cli.global.sandbox.is_some(),
                    config,
                },
            )
            .await;
            audit.flush().await;
            Ok(match next? {
                Some(region) => Ended::SwitchRegion(region),
                None => Ended::Code(0),
            })
        }
        Some(Command::Check { json, csv }) if clouds.len() > 1 => {
            afresh();
            let format = report::CheckFormat::of(json, csv);
            report::scopes::check_scopes(clouds, format, policy, lang)
                .await
                .wrap_err(t(lang, "cli.err.stdout"))
                .map(Ended::Code)
        }
        Some(Command::Check { json, csv }) => {
            afresh();
            let Some((scope, cloud)) = clouds.into_iter().next() else {
                bail!("{}", t(lang, "cli.err.no_scope"));
            };
            // The sandbox hands its account over (fleet:100000 would otherwise be in
            // memory twice); AWS is read.
            let mut snapshot = match cloud.hand_over() {
                Ok(snapshot) => snapshot,
                Err(cloud) => fetch::check_snapshot(&cloud).await,
            };
            report::scopes::name_account(&mut snapshot, &scope);
            let mut readiness = readiness::evaluate(&snapshot);
            crate::domain::patches::judge(&mut readiness, &snapshot, policy);
            use std::io::Write;
            match report::CheckFormat::of(json, csv) {
                report::CheckFormat::Json => {
                    let mut stdout = std::io::BufWriter::new(std::io::stdout().lock());
                    report::write_json(&mut stdout, &snapshot, &readiness, policy)
                        .and_then(|()| stdout.flush())
                        .wrap_err(t(lang, "cli.err.stdout"))?;
                }
                report::CheckFormat::Csv => {
                    report::csv_rows::CheckCsv::new(std::io::stdout().lock())
                        .map(|out| out.with_patch_policy(policy))
                        .and_then(|mut out| out.scope(&snapshot, &readiness).and(out.finish()))
                        .wrap_err(t(lang, "cli.err.stdout"))?;
                }
                report::CheckFormat::Text => print!(
                    "{}",
                    crate::present::check_text(&snapshot, &readiness, policy, lang)
                ),
            }
            let code = report::outcome(&snapshot, &readiness).exit_code();
            // 100k instances are millions of small allocations: the process ends now.
            std::mem::forget(readiness);
            std::mem::forget(snapshot);
            Ok(Ended::Code(code))
        }
        Some(Command::Fix { .. }) if clouds.len() > 1 => {
            bail!("{}", tf(lang, "cli.err.one_scope", &[("command", "fix")]))
        }
        Some(Command::Fix {
            dry_run,
            yes,
            vpc,
            instance,
            offered,
        }) => {
            let Some((_, cloud)) = clouds.into_iter().next() else {
                bail!("{}", t(lang, "cli.err.no_scope"));
            };
            afresh();
            fix::run(
                &cloud,
                FixOptions {
                    dry_run,
                    yes,
                    vpcs: vpc,
                    instances: instance,
                    offered,
                    read_only: cli.global.read_only,
                    audit,
                    lang,
                    role_name,
                },
            )
            .await
            .map(Ended::Code)
        }
        Some(Command::Forward { .. }) if clouds.len() > 1 => {
            bail!(
                "{}",
                tf(lang, "cli.err.one_scope", &[("command", "forward")])
            )
        }
        Some(Command::Forward {
            target,
            host,
            ports,
        }) => {
            let Some((_, cloud)) = clouds.into_iter().next() else {
                bail!("{}", t(lang, "cli.err.no_scope"));
            };
            afresh();
            crate::forward_cmd::run(
                &cloud,
                crate::forward_cmd::ForwardOptions {
                    target,
                    host,
                    ports,
                    lang,
                },
            )
            .await
            .map(Ended::Code)
        }
        Some(Command::Run { .. }) if clouds.len() > 1 => {
            bail!("{}", tf(lang, "cli.err.one_scope", &[("command", "run")]))
        }
        Some(Command::Run {
            target,
            document,
            param,
            timeout,
            json,
            command,
            s3_bucket,
            s3_prefix,
            log_group,
        }) => {
            let defaults = config.output.config();
            let output = crate::domain::model::OutputConfig {
                s3_prefix: if s3_bucket.is_some() {
                    s3_prefix
                } else {
                    defaults.s3_prefix
                },
                s3_bucket: s3_bucket.or(defaults.s3_bucket),
                log_group: log_group.or(defaults.log_group),
            };
            let Some((_, cloud)) = clouds.into_iter().next() else {
                bail!("{}", t(lang, "cli.err.no_scope"));
            };
            afresh();
            crate::run_cmd::run(
                &cloud,
                crate::run_cmd::RunOptions {
                    targets: target,
                    document,
                    params: param,
                    command,
                    timeout: std::time::Duration::from_secs(timeout),
                    json,
                    read_only: cli.global.read_only,
                    audit,
                    lang,
                    output,
                },
            )
            .await
            .map(Ended::Code)
        }
        Some(Command::Activate { .. }) if clouds.len() > 1 => {
            bail!(
                "{}",
                tf(lang, "cli.err.one_scope", &[("command", "activate")])
            )
        }
        Some(command @ Command::Activate { .. }) => {
            let Some((_, cloud)) = clouds.into_iter().next() else {
                bail!("{}", t(lang, "cli.err.no_scope"));
            };
            afresh();
            let read_only = cli.global.read_only;
            let opts = crate::activate_cmd::ActivateOptions::of(command, read_only, audit, lang);
            crate::activate_cmd::run(&cloud, opts)
                .await
                .map(Ended::Code)
        }
        Some(Command::Config { .. } | Command::Completions { .. } | Command::Man) => {
            Ok(Ended::Code(0))
        }
    }
}
