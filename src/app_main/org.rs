//! `--org`: the management account's configuration, then one cloud per active account and
//! region of the organization, each a scope of the console or of a command.

use color_eyre::eyre::{Result, bail, eyre};

use super::{Ended, Run, lang_of, run_command};
use crate::cli::Cli;
use crate::cloud::Cloud;
use crate::cloud::aws::config::preflight;
use crate::cloud::aws::{AwsCloud, AwsSettings, config_loader};
use crate::i18n::{t, tf};
use crate::scope::{Regions, Selection};

/// The role `--org` assumes: the command line's, else the file's, else AWS's default.
pub(super) fn org_role(cli: &Cli, org: &crate::config::Organization) -> String {
    cli.global
        .org
        .clone()
        .filter(|r| !r.is_empty())
        .or_else(|| org.role.clone())
        .unwrap_or_else(|| crate::config::DEFAULT_ORG_ROLE.to_string())
}

/// `--org`: the management account's configuration, then one cloud per active account
/// and region of the organization.
pub(super) async fn run_org(selection: &Selection, run: Run) -> Result<Ended> {
    let cli = &run.cli;
    let lang = lang_of(cli);
    if selection.profiles.len() > 1 {
        bail!("{}", t(lang, "cli.err.org_one_profile"));
    }
    let settings = AwsSettings {
        profile: selection.profiles.first().cloned(),
        region: match &selection.regions {
            Regions::List(l) => l.first().cloned(),
            _ => None,
        },
        endpoint_url: cli.global.endpoint_url.clone(),
    };
    let conf = config_loader(&settings).load().await;
    if conf.region().is_none() {
        bail!("{}", t(lang, "cli.err.no_region"));
    }
    preflight(&conf, &settings, cli.command.is_some())
        .await
        .map_err(color_eyre::Report::new)?;
    let regions: Vec<Option<String>> = match &selection.regions {
        Regions::Default => vec![None],
        Regions::List(l) => l.iter().cloned().map(Some).collect(),
        Regions::All => AwsCloud::from_conf(&conf)
            .describe_regions()
            .await
            .map_err(color_eyre::Report::new)?
            .into_iter()
            .map(Some)
            .collect(),
    };
    let org = &run.config.organization;
    let role = org_role(cli, org);
    let includes = |id: &str| org.includes(id);
    let request = crate::cloud::aws::org::OrgRequest {
        role: &role,
        regions: &regions,
        profile: crate::cloud::aws::config::selected_profile(&settings),
        includes: &includes,
    };
    let clouds = crate::cloud::aws::org::org_clouds(&conf, &request)
        .await
        .map_err(|e| {
            eyre!(
                "{}",
                tf(
                    lang,
                    "cli.err.org_list",
                    &[("error", &crate::present::error_text(&e, lang))]
                )
            )
        })?;
    if clouds.is_empty() {
        bail!("{}", t(lang, "cli.err.org_no_account"));
    }
    run_command(clouds, run).await
}
