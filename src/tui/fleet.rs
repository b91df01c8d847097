//! Keys and state of the fleet panes: Run Command and patch proposals, `:group` (the
//! detail views are in `drill`).

use super::app::{App, Effect, Mode, Pane};
use super::bindings::{Action, Context};

pub use super::drill::{
    Drill, DrillKind, after_refresh, on_detail, open_detail, opens_detail, reload_detail,
    runs_commands,
};
use super::fleet_targets::{nodes_unknown, online_only, split_platforms, target_ids};
use crate::cloud::SendCommandRequest;
use crate::i18n::{Lang, t, tf};

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ProposalKind {
    Shell(String),
    Scan,
    Install {
        reboot: bool,
    },
    /// AWS-UpdateSSMAgent: the agent updated to the latest in place.
    UpdateAgent,
    /// Any Command document with its parameters (`X`).
    Document {
        name: String,
        parameters: Vec<(String, Vec<String>)>,
    },
    Cancel(String),
}

/// A Run Command action waiting for confirmation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CommandProposal {
    pub kind: ProposalKind,
    pub linux: Vec<String>,
    pub windows: Vec<String>,
    /// Tag target (`:group`) instead of ids.
    pub tag: Option<(String, String)>,
    pub max_concurrency: String,
    pub max_errors: String,
    /// Chosen instances left out: not online in Systems Manager (SendCommand would
    /// refuse the whole call for one of them).
    pub skipped: Vec<String>,
    /// Where the whole output also goes (`[output]` in the config).
    pub output: crate::domain::model::OutputConfig,
    /// The targets' Name tags, by id, for the dialog.
    pub names: std::collections::BTreeMap<String, String>,
}

const CONCURRENCY: [&str; 5] = ["50", "10", "25%", "100%", "1"];
const ERRORS: [&str; 4] = ["0", "1", "10%", "100%"];

fn next_of(options: &[&str], current: &str) -> String {
    let i = options
        .iter()
        .position(|o| *o == current)
        .map_or(0, |i| (i + 1) % options.len());
    options[i].to_string()
}

impl CommandProposal {
    pub fn target_count(&self) -> usize {
        self.linux.len() + self.windows.len()
    }

    /// The SendCommand requests it makes (each is sent in calls of at most 50 ids).
    pub fn requests(&self) -> Vec<SendCommandRequest> {
        let base = |document: &str, ids: Vec<String>, parameters: Vec<(String, Vec<String>)>| {
            SendCommandRequest {
                document: document.to_string(),
                instance_ids: ids,
                targets: Vec::new(),
                parameters,
                comment: Some(self.comment()),
                max_concurrency: Some(self.max_concurrency.clone()),
                max_errors: Some(self.max_errors.clone()),
                timeout_seconds: Some(600),
                output: self.output.clone(),
            }
        };
        let mut out = Vec::new();
        match &self.kind {
            ProposalKind::Shell(cmd) => {
                let params = vec![("commands".to_string(), vec![cmd.clone()])];
                if !self.linux.is_empty() || self.tag.is_some() {
                    out.push(base(
                        "AWS-RunShellScript",
                        self.linux.clone(),
                        params.clone(),
                    ));
                }
                if !self.windows.is_empty() {
                    out.push(base(
                        "AWS-RunPowerShellScript",
                        self.windows.clone(),
                        params,
                    ));
                }
            }
            ProposalKind::Scan | ProposalKind::Install { .. } => {
                let mut params = vec![(
                    "Operation".to_string(),
                    vec![
                        if self.kind == ProposalKind::Scan {
                            "Scan"
                        } else {
                            "Install"
                        }
                        .to_string(),
                    ],
                )];
                if let ProposalKind::Install { reboot } = self.kind {
                    params.push((
                        "RebootOption".to_string(),
                        vec![if reboot { "RebootIfNeeded" } else { "NoReboot" }.to_string()],
                    ));
                }
                let ids: Vec<String> = self.linux.iter().chain(&self.windows).cloned().collect();
                out.push(base("AWS-RunPatchBaseline", ids, params));
            }
            ProposalKind::UpdateAgent => {
                let ids: Vec<String> = self.linux.iter().chain(&self.windows).cloned().collect();
                out.push(base("AWS-UpdateSSMAgent", ids, Vec::new()));
            }
            ProposalKind::Document { name, parameters } => {
                let ids: Vec<String> = self.linux.iter().chain(&self.windows).cloned().collect();
                out.push(base(name, ids, parameters.clone()));
            }
            ProposalKind::Cancel(_) => {}
        }
        if let Some((k, v)) = &self.tag {
            for r in &mut out {
                r.instance_ids.clear();
                r.targets = vec![(format!("tag:{k}"), vec![v.clone()])];
            }
        }
        out
    }

    /// The first few targets by name (and id), then `+N`.
    fn target_names(&self, lang: Lang) -> String {
        const SHOWN: usize = 3;
        let ids: Vec<&String> = self.linux.iter().chain(&self.windows).collect();
        let names: Vec<String> = ids
            .iter()
            .take(SHOWN)
            .map(|id| match self.names.get(*id) {
                Some(name) => format!("{name} ({id})"),
                None => (*id).clone(),
            })
            .collect();
        let names = names.join(", ");
        match ids.len().checked_sub(SHOWN).filter(|n| *n > 0) {
            Some(more) => format!(
                "{names} {}",
                tf(lang, "proposal.more", &[("n", &more.to_string())])
            ),
            None => names,
        }
    }

    fn comment(&self) -> String {
        let text = match &self.kind {
            ProposalKind::Shell(c) => format!("ssmdeck: {c}"),
            ProposalKind::Scan => "ssmdeck: patch scan".into(),
            ProposalKind::Install { .. } => "ssmdeck: patch install".into(),
            ProposalKind::UpdateAgent => "ssmdeck: SSM Agent update".into(),
            ProposalKind::Document { name, .. } => format!("ssmdeck: {name}"),
            ProposalKind::Cancel(_) => "ssmdeck".into(),
        };
        // SendCommand comments are at most 100 characters.
        text.chars().take(100).collect()
    }

    /// The dialog's lines, with the keys that change its options.
    pub fn describe(&self, ui: super::app::Ui) -> Vec<String> {
        let lang = ui.lang;
        let key = |a: Action| ui.key(Context::Dialog, a);
        let mut lines = Vec::new();
        match &self.kind {
            ProposalKind::Cancel(id) => {
                lines.push(tf(lang, "proposal.cancel", &[("id", id)]));
                lines.push(t(lang, "proposal.cancel_note"));
                return lines;
            }
            ProposalKind::Shell(c) => lines.push(tf(lang, "proposal.shell", &[("command", c)])),
            ProposalKind::Scan => lines.push(t(lang, "proposal.scan")),
            ProposalKind::UpdateAgent => lines.push(t(lang, "proposal.update_agent")),
            ProposalKind::Document { name, parameters } => {
                lines.push(tf(lang, "proposal.document", &[("name", name)]));
                for (k, v) in parameters {
                    lines.push(format!("    {k} = {}", v.join(", ")));
                }
            }
            ProposalKind::Install { reboot } => {
                lines.push(t(lang, "proposal.install"));
                lines.push(tf(
                    lang,
                    if *reboot {
                        "proposal.reboot_if_needed"
                    } else {
                        "proposal.no_reboot"
                    },
                    &[("key", &key(Action::Reboot))],
                ));
            }
        }
        match &self.tag {
            Some((k, v)) => lines.push(tf(
                lang,
                "proposal.tag_target",
                &[("tag", &format!("{k}={v}"))],
            )),
            None => lines.push(tf(
                lang,
                "proposal.targets",
                &[
                    ("n", &self.target_count().to_string()),
                    ("linux", &self.linux.len().to_string()),
                    ("windows", &self.windows.len().to_string()),
                ],
            )),
        }
        if self.tag.is_none() {
            lines.push(tf(
                lang,
                "proposal.on",
                &[("names", &self.target_names(lang))],
            ));
        }
        let places = self.output.places();
        if !places.is_empty() {
            lines.push(tf(
                lang,
                "proposal.output_to",
                &[("places", &places.join(", "))],
            ));
        }
        if !self.skipped.is_empty() {
            lines.push(tf(
                lang,
                "proposal.skipped",
                &[
                    ("n", &self.skipped.len().to_string()),
                    ("ids", &shortlist(&self.skipped)),
                ],
            ));
        }
        for r in self.requests() {
            let calls = r
                .instance_ids
                .len()
                .div_ceil(crate::cloud::SEND_COMMAND_MAX_TARGETS)
                .max(1);
            let n = r.instance_ids.len().to_string();
            let args = [
                ("document", r.document.as_str()),
                ("calls", &calls.to_string()),
                ("n", n.as_str()),
            ];
            lines.push(if r.instance_ids.is_empty() {
                tf(lang, "proposal.calls", &args)
            } else {
                tf(lang, "proposal.calls_ids", &args)
            });
        }
        lines.push(tf(
            lang,
            "proposal.concurrency",
            &[
                ("value", &self.max_concurrency),
                ("key", &key(Action::Concurrency)),
            ],
        ));
        lines.push(tf(
            lang,
            "proposal.errors",
            &[
                ("value", &self.max_errors),
                ("key", &key(Action::MaxErrors)),
            ],
        ));
        lines
    }
}

/// The first five ids, then `…`.
fn shortlist(ids: &[String]) -> String {
    let shown: Vec<&str> = ids.iter().take(5).map(String::as_str).collect();
    let more = if ids.len() > 5 { " …" } else { "" };
    format!("{}{more}", shown.join(", "))
}

/// A proposal for `ids` (their online ones), or for the tag.
fn build(
    app: &App,
    kind: ProposalKind,
    ids: &[String],
    tag: Option<(String, String)>,
) -> CommandProposal {
    let (ids, skipped) = online_only(app, ids);
    let (linux, windows) = split_platforms(app, &ids);
    let chosen: std::collections::HashSet<&str> = ids.iter().map(String::as_str).collect();
    let names = app
        .instances()
        .filter(|i| chosen.contains(i.id.as_str()))
        .filter_map(|i| Some((i.id.clone(), i.name.clone()?)))
        .chain(
            app.nodes()
                .filter(|n| n.is_hybrid() && chosen.contains(n.instance_id.as_str()))
                .filter_map(|n| Some((n.instance_id.clone(), n.name.clone()?))),
        )
        .collect();
    CommandProposal {
        kind,
        linux,
        windows,
        tag,
        max_concurrency: CONCURRENCY[0].into(),
        max_errors: ERRORS[0].into(),
        skipped,
        names,
        output: app.output_defaults.clone(),
    }
}

fn proposal(app: &App, kind: ProposalKind) -> Option<CommandProposal> {
    let ids = target_ids(app);
    let tag = if ids.is_empty() {
        app.group.clone()
    } else {
        None
    };
    if ids.is_empty() && tag.is_none() {
        return None;
    }
    Some(build(app, kind, &ids, tag))
}

/// Opens the dialog, or refuses when none of the chosen nodes can take the command.
fn open(app: &mut App, p: CommandProposal) {
    if p.target_count() == 0 && p.tag.is_none() {
        app.error(tf(
            app.lang,
            "status.none_online_refused",
            &[
                ("n", &p.skipped.len().to_string()),
                ("ids", &shortlist(&p.skipped)),
            ],
        ));
        return;
    }
    if nodes_unknown(app) {
        app.info(t(app.lang, "status.nodes_unknown_sending"));
    }
    app.mode = Mode::Propose(Box::new(p));
}

pub fn start_shell(app: &mut App) -> Vec<Effect> {
    if app.read_only {
        app.error(t(app.lang, "status.read_only_run"));
        return Vec::new();
    }
    if target_ids(app).is_empty() && app.group.is_none() {
        let key = app.ui().key(Context::Global, Action::Mark);
        app.info(tf(app.lang, "status.mark_first", &[("key", &key)]));
        return Vec::new();
    }
    app.mode = Mode::Input(String::new());
    Vec::new()
}

/// A proposal for explicit nodes (the Lab's first operations).
pub fn propose_for(app: &mut App, kind: ProposalKind, ids: &[String]) -> Vec<Effect> {
    let p = build(app, kind, ids, None);
    open(app, p);
    Vec::new()
}

pub fn propose(app: &mut App, kind: ProposalKind) -> Vec<Effect> {
    if app.read_only {
        app.error(t(app.lang, "status.read_only_run"));
        return Vec::new();
    }
    match proposal(app, kind) {
        Some(p) => open(app, p),
        None => app.info(t(app.lang, "status.select_nodes")),
    }
    Vec::new()
}

pub fn propose_cancel(app: &mut App) -> Vec<Effect> {
    if app.read_only {
        app.error(t(app.lang, "status.read_only_cancel"));
        return Vec::new();
    }
    let id = match &app.drill {
        Some(d) if d.kind == DrillKind::Command => Some(d.id.clone()),
        _ => app
            .pane_table(Pane::Commands)
            .and_then(|t| t.selected_row())
            .map(|r| r.id.clone()),
    };
    let Some(id) = id else {
        return Vec::new();
    };
    let running = app
        .snapshot
        .commands
        .iter()
        .any(|c| c.id == id && matches!(c.status.as_str(), "Pending" | "InProgress"));
    if !running {
        app.info(tf(app.lang, "status.not_running", &[("id", &id)]));
        return Vec::new();
    }
    app.mode = Mode::Propose(Box::new(CommandProposal {
        kind: ProposalKind::Cancel(id),
        linux: Vec::new(),
        windows: Vec::new(),
        tag: None,
        max_concurrency: String::new(),
        max_errors: String::new(),
        skipped: Vec::new(),
        output: Default::default(),
        names: Default::default(),
    }));
    Vec::new()
}

pub fn on_propose_key(app: &mut App, action: Action, mut p: CommandProposal) -> Vec<Effect> {
    match action {
        Action::Yes => {
            app.mode = Mode::Normal;
            if let ProposalKind::Cancel(id) = &p.kind {
                return vec![Effect::CancelCommand(id.clone())];
            }
            if p.target_count() == 0 && p.tag.is_none() {
                app.error(t(app.lang, "status.none_online"));
                return Vec::new();
            }
            app.info(t(app.lang, "status.sending"));
            // One proposal may be several calls (a document per platform, a scope per
            // region): their commands are reported together.
            app.sent_ids.clear();
            return p.requests().into_iter().map(Effect::SendCommand).collect();
        }
        Action::Concurrency if !matches!(p.kind, ProposalKind::Cancel(_)) => {
            p.max_concurrency = next_of(&CONCURRENCY, &p.max_concurrency);
        }
        Action::MaxErrors if !matches!(p.kind, ProposalKind::Cancel(_)) => {
            p.max_errors = next_of(&ERRORS, &p.max_errors);
        }
        Action::Reboot => {
            if let ProposalKind::Install { reboot } = &mut p.kind {
                *reboot = !*reboot;
            }
        }
        Action::No => {
            app.mode = Mode::Normal;
            app.info(t(app.lang, "status.nothing_sent"));
            return Vec::new();
        }
        _ => {}
    }
    app.mode = Mode::Propose(Box::new(p));
    Vec::new()
}

pub fn on_sent(
    app: &mut App,
    commands: Vec<crate::domain::model::Command>,
    error: Option<String>,
) -> Vec<Effect> {
    app.sent_ids.extend(commands.iter().map(|c| c.id.clone()));
    let ids = &app.sent_ids;
    match error {
        None if app
            .status
            .as_ref()
            .is_some_and(|(k, _)| *k == super::app::StatusKind::Error) => {}
        None => app.info(tf(
            app.lang,
            "status.sent",
            &[
                ("n", &ids.len().to_string()),
                ("ids", &ids.join(", ")),
                ("pane", &t(app.lang, Pane::Commands.key())),
            ],
        )),
        Some(e) => app.error(tf(
            app.lang,
            "status.send_failed",
            &[("n", &ids.len().to_string()), ("error", &e)],
        )),
    }
    for c in commands {
        if !app.snapshot.commands.iter().any(|x| x.id == c.id) {
            std::sync::Arc::make_mut(&mut app.snapshot)
                .commands
                .insert(0, c);
        }
    }
    // The Commands pane shows the first command of this send selected.
    let page = app.page();
    if let (Some(first), Some(table)) = (
        app.sent_ids.first().cloned(),
        app.tables.get_mut(Pane::Commands.index()),
    ) {
        table.want(&first, page);
    }
    app.rebuild();
    Vec::new()
}

pub fn set_group(app: &mut App, arg: Option<&str>) {
    match arg.and_then(|a| a.split_once('=')) {
        Some((k, v)) if !k.is_empty() => {
            app.group = Some((k.to_string(), v.to_string()));
            app.rebuild();
            let n = app.group_size();
            app.info(tf(
                app.lang,
                "status.group_set",
                &[("key", k), ("value", v), ("n", &n.to_string())],
            ));
        }
        _ if arg.is_none() => {
            app.group = None;
            app.rebuild();
            app.info(t(app.lang, "status.group_cleared"));
        }
        _ => app.error(t(app.lang, "status.group_usage")),
    }
}
