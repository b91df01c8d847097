//! `ssmdeck run`: Run Command without the console — send, follow every invocation to a
//! terminal state, print each node's status, exit code and output.

use std::collections::BTreeSet;
use std::time::Duration;

use color_eyre::eyre::{Result, bail};
use futures::{StreamExt, stream};
use serde::Serialize;

use crate::cloud::{Cloud, CloudError, SendCommandRequest};
use crate::domain::model::{Invocation, OutputConfig, PingStatus, STDOUT_LIMIT};
use crate::engine::audit::Audit;
use crate::engine::fleet::send_batched;
use crate::i18n::{Lang, t, tf};
use crate::present::error_text;

/// Between two looks at the invocations.
const POLL: Duration = Duration::from_millis(1500);
/// GetCommandInvocation may not know an invocation for a moment after the send.
const GRACE: Duration = Duration::from_secs(10);
/// Invocations asked about at once.
const CONCURRENCY: usize = 8;
/// Statuses an invocation does not leave.
const TERMINAL: [&str; 10] = [
    "Success",
    "Failed",
    "Cancelled",
    "TimedOut",
    "DeliveryTimedOut",
    "ExecutionTimedOut",
    "Undeliverable",
    "Terminated",
    "InvalidPlatform",
    "AccessDenied",
];

/// Where a command goes: an instance (or hybrid node), or every node with a tag.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    Node(String),
    Tag { key: String, values: Vec<String> },
}

impl std::str::FromStr for Target {
    type Err = String;

    /// `i-…` / `mi-…`, or `tag:KEY=VALUE[,VALUE…]`.
    fn from_str(text: &str) -> Result<Self, String> {
        if let Some(rest) = text.strip_prefix("tag:") {
            let (key, values) = rest
                .split_once('=')
                .filter(|(k, v)| !k.is_empty() && !v.is_empty())
                .ok_or_else(|| format!("--target {text}: give tag:KEY=VALUE"))?;
            return Ok(Target::Tag {
                key: key.to_string(),
                values: values.split(',').map(str::to_string).collect(),
            });
        }
        let id_like = (text.starts_with("i-") || text.starts_with("mi-"))
            && text.len() > 3
            && text
                .chars()
                .skip(2)
                .all(|c| c.is_ascii_alphanumeric() || c == '-');
        if id_like {
            Ok(Target::Node(text.to_string()))
        } else {
            Err(format!(
                "--target {text}: an instance id (i-…), a hybrid node id (mi-…) or tag:KEY=VALUE"
            ))
        }
    }
}

pub struct RunOptions {
    pub targets: Vec<Target>,
    pub document: String,
    pub params: Vec<(String, String)>,
    pub command: Vec<String>,
    pub timeout: Duration,
    pub json: bool,
    pub read_only: bool,
    pub audit: crate::engine::audit::AuditLog,
    pub lang: Lang,
    /// The whole output also to S3 and/or CloudWatch Logs, and read back from there.
    pub output: OutputConfig,
}

/// One node's result.
#[derive(Debug, Clone, Serialize)]
struct NodeResult {
    instance_id: String,
    command_id: String,
    status: String,
    status_details: String,
    response_code: Option<i32>,
    stdout: String,
    stderr: String,
    /// Where the whole output was read from (S3, CloudWatch Logs), when not from the API.
    #[serde(skip_serializing_if = "Option::is_none")]
    read_from: Option<String>,
    /// Still running when the wait ended.
    timed_out: bool,
}

impl NodeResult {
    fn succeeded(&self) -> bool {
        self.status == "Success" && !self.timed_out
    }
}

#[derive(Debug, Serialize)]
struct RunJson<'a> {
    schema: u32,
    outcome: &'a str,
    document: &'a str,
    commands: &'a [String],
    warnings: &'a [String],
    nodes: &'a [NodeResult],
}

/// The request: parameters from `--param` and the command after `--`.
fn request(opts: &RunOptions) -> Result<SendCommandRequest> {
    let mut parameters: Vec<(String, Vec<String>)> = Vec::new();
    for (k, v) in &opts.params {
        match parameters.iter_mut().find(|(name, _)| name == k) {
            Some((_, values)) => values.push(v.clone()),
            None => parameters.push((k.clone(), vec![v.clone()])),
        }
    }
    let shell = matches!(
        opts.document.as_str(),
        "AWS-RunShellScript" | "AWS-RunPowerShellScript"
    );
    if !opts.command.is_empty() {
        parameters.push(("commands".into(), vec![opts.command.join(" ")]));
    }
    if shell && !parameters.iter().any(|(k, _)| k == "commands") {
        bail!(
            "{}",
            tf(
                opts.lang,
                "cli.err.run_needs_command",
                &[("document", &opts.document)]
            )
        );
    }
    let mut instance_ids = Vec::new();
    let mut targets = Vec::new();
    for t in &opts.targets {
        match t {
            Target::Node(id) if !instance_ids.contains(id) => instance_ids.push(id.clone()),
            Target::Node(_) => {}
            Target::Tag { key, values } => targets.push((format!("tag:{key}"), values.clone())),
        }
    }
    if !instance_ids.is_empty() && !targets.is_empty() {
        bail!("{}", t(opts.lang, "cli.err.target_mixed"));
    }
    if targets.len() > 1 {
        bail!("{}", t(opts.lang, "cli.err.target_tags"));
    }
    Ok(SendCommandRequest {
        document: opts.document.clone(),
        instance_ids,
        targets,
        parameters,
        comment: Some("ssmdeck run".into()),
        max_concurrency: None,
        max_errors: None,
        timeout_seconds: i32::try_from(opts.timeout.as_secs())
            .ok()
            .filter(|s| *s >= 30),
        output: opts.output.clone(),
    })
}

/// Runs the command and returns the exit code: 0 every node succeeded, 1 any failed or
/// did not finish in time, 2 refused.
pub async fn run<C: Cloud>(cloud: &C, opts: RunOptions) -> Result<u8> {
    let lang = opts.lang;
    if opts.targets.is_empty() {
        bail!("{}", t(lang, "cli.err.no_target"));
    }
    let request = request(&opts)?;
    if opts.read_only {
        eprintln!("ssmdeck: {}", t(lang, "cli.run.read_only"));
        return Ok(2);
    }
    let warnings = offline_warnings(cloud, &request.instance_ids, lang).await;
    for w in &warnings {
        eprintln!("ssmdeck: {w}");
    }
    let identity = cloud.identity().await.unwrap_or_default();
    let audit = Audit {
        log: opts.audit.clone(),
        account: identity.account.clone(),
        region: cloud.region(),
        profile: identity.label.clone(),
    };
    let sent = send_batched(cloud, &request).await;
    let ids: Vec<String> = match &sent {
        Ok(c) | Err((c, _)) => c.iter().map(|c| c.id.clone()).collect(),
    };
    let outcome = match &sent {
        Ok(_) => format!("sent: {}", ids.join(", ")),
        Err((_, e)) => format!("failed after sending [{}]: {e}", ids.join(", ")),
    };
    audit.record_send(&request, &outcome);
    audit.log.flush().await;
    let commands = match sent {
        Ok(c) => c,
        Err((c, e)) if c.is_empty() => {
            bail!(
                "{}",
                tf(lang, "cli.run.refused", &[("error", &error_text(&e, lang))])
            )
        }
        Err((c, e)) => {
            eprintln!("ssmdeck: {}", error_text(&e, lang));
            c
        }
    };
    if !opts.json {
        println!(
            "{}",
            tf(
                lang,
                "cli.run.sent",
                &[
                    ("document", &request.document),
                    ("commands", &ids.join(", "))
                ]
            )
        );
    }
    let mut pairs: Vec<(String, String)> = Vec::new();
    for c in &commands {
        let nodes = if c.instance_ids.is_empty() {
            resolve_tag_targets(cloud, &c.id, &request).await
        } else {
            c.instance_ids.clone()
        };
        pairs.extend(nodes.into_iter().map(|n| (c.id.clone(), n)));
    }
    let results = follow(cloud, pairs, opts.timeout, &opts.output).await;
    let ok = !results.is_empty() && results.iter().all(NodeResult::succeeded);
    if opts.json {
        let doc = RunJson {
            schema: 1,
            outcome: if ok { "success" } else { "failed" },
            document: &request.document,
            commands: &ids,
            warnings: &warnings,
            nodes: &results,
        };
        println!("{}", serde_json::to_string_pretty(&doc)?);
    } else {
        print_text(&results, lang);
    }
    Ok(if ok { 0 } else { 1 })
}

/// Nodes the node list says are not online (nothing when the list cannot be read).
async fn offline_warnings<C: Cloud>(cloud: &C, ids: &[String], lang: Lang) -> Vec<String> {
    let nodes = match cloud.describe_managed_nodes().await {
        Ok(n) => n,
        Err(e) => {
            tracing::debug!(error = %e, "the node list is not readable: no warnings");
            return Vec::new();
        }
    };
    ids.iter()
        .filter_map(|id| {
            let state = match nodes.iter().find(|n| &n.instance_id == id) {
                Some(n) if n.ping == PingStatus::Online => return None,
                Some(n) => n.ping.as_str().to_string(),
                None => t(lang, "cli.run.not_registered"),
            };
            Some(tf(
                lang,
                "cli.run.offline",
                &[("id", id), ("state", &state)],
            ))
        })
        .collect()
}

/// The nodes a tag command went to: its invocations, else the running instances with
/// the tag (an endpoint without ListCommandInvocations).
async fn resolve_tag_targets<C: Cloud>(
    cloud: &C,
    command_id: &str,
    request: &SendCommandRequest,
) -> Vec<String> {
    let deadline = tokio::time::Instant::now() + GRACE;
    loop {
        match cloud.list_command_invocations(command_id).await {
            Ok(list) if !list.is_empty() => {
                return list.into_iter().map(|i| i.instance_id).collect();
            }
            Ok(_) if tokio::time::Instant::now() < deadline => tokio::time::sleep(POLL).await,
            Ok(_) => return Vec::new(),
            Err(e) => {
                tracing::debug!(error = %e, "resolving the tag from the instances instead");
                break;
            }
        }
    }
    let Ok(instances) = cloud.describe_instances().await else {
        return Vec::new();
    };
    let wanted: BTreeSet<(String, String)> = request
        .targets
        .iter()
        .flat_map(|(k, vs)| {
            let key = k.trim_start_matches("tag:").to_string();
            vs.iter().map(move |v| (key.clone(), v.clone()))
        })
        .collect();
    instances
        .into_iter()
        .filter(|i| i.state == crate::domain::model::InstanceState::Running)
        .filter(|i| {
            let name = i.name.clone().map(|n| ("Name".to_string(), n));
            i.tags
                .iter()
                .cloned()
                .chain(name)
                .any(|kv| wanted.contains(&kv))
        })
        .map(|i| i.id)
        .collect()
}

/// Asks about every invocation until each is in a terminal state or the time is up.
async fn follow<C: Cloud>(
    cloud: &C,
    pairs: Vec<(String, String)>,
    timeout: Duration,
    output: &OutputConfig,
) -> Vec<NodeResult> {
    let started = tokio::time::Instant::now();
    let deadline = started + timeout;
    let mut results: Vec<NodeResult> = pairs
        .into_iter()
        .map(|(command_id, instance_id)| NodeResult {
            instance_id,
            command_id,
            status: "Pending".into(),
            status_details: String::new(),
            response_code: None,
            stdout: String::new(),
            stderr: String::new(),
            read_from: None,
            timed_out: false,
        })
        .collect();
    loop {
        let pending: Vec<usize> = (0..results.len())
            .filter(|&i| !TERMINAL.contains(&results[i].status.as_str()))
            .collect();
        if pending.is_empty() {
            break;
        }
        if tokio::time::Instant::now() >= deadline {
            for i in pending {
                results[i].timed_out = true;
            }
            break;
        }
        let asked: Vec<(usize, Result<Invocation, CloudError>)> = stream::iter(pending)
            .map(|i| {
                let (command, node) = (
                    results[i].command_id.clone(),
                    results[i].instance_id.clone(),
                );
                async move { (i, cloud.get_command_invocation(&command, &node).await) }
            })
            .buffer_unordered(CONCURRENCY)
            .collect()
            .await;
        for (i, answer) in asked {
            let r = &mut results[i];
            match answer {
                Ok(inv) => {
                    let inv = if TERMINAL.contains(&inv.status.as_str()) {
                        crate::engine::fleet::whole(cloud, output, inv).await
                    } else {
                        inv
                    };
                    r.read_from = inv.read_from;
                    r.status = inv.status;
                    r.status_details = inv.status_details;
                    r.response_code = inv.response_code;
                    r.stdout = inv.stdout;
                    r.stderr = inv.stderr;
                }
                // Not known yet right after the send; after that, never delivered.
                Err(CloudError::NotFound(detail)) if started.elapsed() >= GRACE => {
                    r.status = "Undeliverable".into();
                    r.status_details = detail;
                }
                Err(e) if !e.is_retryable() && !matches!(e, CloudError::NotFound(_)) => {
                    r.status = "Failed".into();
                    r.status_details = e.to_string();
                }
                Err(_) => {}
            }
        }
        tokio::time::sleep(POLL).await;
    }
    results
}

fn print_text(results: &[NodeResult], lang: Lang) {
    if results.is_empty() {
        println!("{}", t(lang, "cli.run.no_node"));
        return;
    }
    for r in results {
        let mark = if r.succeeded() { "✓" } else { "✗" };
        let code = r
            .response_code
            .map(|c| tf(lang, "cli.run.exit", &[("code", &c.to_string())]))
            .unwrap_or_default();
        let status = if r.timed_out {
            tf(lang, "cli.run.still", &[("status", &r.status)])
        } else {
            r.status.clone()
        };
        println!("{mark} {} {status}{code}", r.instance_id);
        if !r.status_details.is_empty() && r.status_details != r.status {
            println!("    {}", r.status_details);
        }
        if let Some(place) = &r.read_from {
            println!(
                "    {}",
                tf(lang, "ui.detail.read_from", &[("place", place)])
            );
        }
        for line in r.stdout.lines() {
            println!("    {line}");
        }
        for line in r.stderr.lines() {
            println!("    ! {line}");
        }
        if r.read_from.is_none() && r.stdout.chars().count() >= STDOUT_LIMIT {
            println!("    {}", t(lang, "ui.detail.stdout_cut"));
        }
    }
    let ok = results.iter().filter(|r| r.succeeded()).count();
    println!(
        "{}",
        tf(
            lang,
            "cli.run.summary",
            &[
                ("nodes", &results.len().to_string()),
                ("ok", &ok.to_string()),
                ("failed", &(results.len() - ok).to_string())
            ]
        )
    );
}
