//! `ssmdeck forward TARGET [--host HOST] LOCAL:REMOTE...`: the forwards kept open until
//! Ctrl-c, one line per event.

use color_eyre::eyre::{Result, bail};
use tokio::sync::watch;

use crate::cloud::Cloud;
use crate::domain::forward::{ForwardSpec, parse_ports};
use crate::engine::forward::{self, ForwardEvent, PLUGIN};
use crate::i18n::{Lang, t, tf};
use crate::present::{error_text, forward_event_text};

pub struct ForwardOptions {
    pub target: String,
    pub host: Option<String>,
    pub ports: Vec<String>,
    pub lang: Lang,
}

/// Runs until Ctrl-c (exit 0) or until every forward ended on its own (exit 1); exit 2 on
/// bad input, a missing plugin or a local port in use.
pub async fn run<C: Cloud>(cloud: &C, opts: ForwardOptions) -> Result<u8> {
    let lang = opts.lang;
    let mut specs = Vec::new();
    for text in &opts.ports {
        let Ok((local, remote)) = parse_ports(text) else {
            bail!("{}", tf(lang, "cli.forward.bad_ports", &[("ports", text)]));
        };
        specs.push(ForwardSpec {
            name: None,
            target: opts.target.clone(),
            local,
            remote,
            host: opts.host.clone(),
        });
    }
    if !cloud.simulates_sessions() && !forward::on_path(PLUGIN) {
        bail!("{}", t(lang, "cli.forward.no_plugin"));
    }
    for s in &specs {
        if !forward::local_port_free(s.local) {
            bail!(
                "{}",
                tf(
                    lang,
                    "cli.forward.port_in_use",
                    &[("port", &s.local.to_string())]
                )
            );
        }
    }
    let node = match forward::resolve_target(cloud, &opts.target).await {
        Ok(Some(node)) => node,
        Ok(None) => bail!(
            "{}",
            tf(lang, "cli.forward.no_node", &[("target", &opts.target)])
        ),
        Err(e) => bail!("{}", error_text(&e, lang)),
    };
    let (stop, stopped) = watch::channel(false);
    let mut tasks = tokio::task::JoinSet::new();
    for spec in specs {
        let cloud = cloud.clone();
        let node = node.clone();
        let stopped = stopped.clone();
        tasks.spawn(async move {
            let ports = spec.ports_text();
            let mut emit = |e: ForwardEvent| {
                eprintln!("ssmdeck: {}", forward_event_text(&node, &ports, &e, lang));
            };
            forward::keep_open(&cloud, &spec, &node, stopped, &mut emit).await;
        });
    }
    let interrupted = tokio::select! {
        _ = tokio::signal::ctrl_c() => true,
        () = async { while tasks.join_next().await.is_some() {} } => false,
    };
    let _ = stop.send(true);
    while tasks.join_next().await.is_some() {}
    Ok(if interrupted { 0 } else { 1 })
}
