//! Agent updates: an agent older than the latest is a warning on its instance, and `U` on
//! Instances sends AWS-UpdateSSMAgent through the Run Command dialog (the sandbox then
//! reports the node on the latest agent).

use crossterm::event::KeyCode;
use jiff::SignedDuration;
use ssmdeck::cloud::sandbox::SandboxCloud;
use ssmdeck::domain::findings::{Finding, FindingKind, Fix, Rule, Severity};
use ssmdeck::domain::model::PingStatus;
use ssmdeck::domain::readiness::{Verdict, evaluate};
use ssmdeck::engine::audit::{Audit, AuditLog, read_tail};
use ssmdeck::i18n::Lang;
use ssmdeck::tui::app::{App, Mode, Pane};
use ssmdeck::tui::fleet::ProposalKind;

use crate::fixtures::{INSTANCE, node, ready};
use crate::fleet::{fleet, press, select, selected};
use crate::ui::{app_on, feed, key, run_effects, screen};

const W: u16 = 160;
const H: u16 = 45;
const LATEST: &str = "3.3.1957.0";

fn outdated(findings: &[Finding]) -> Option<&Finding> {
    findings
        .iter()
        .find(|f| matches!(f.kind, FindingKind::AgentOutdated { .. }))
}

#[test]
fn rule_7_an_agent_older_than_the_latest_is_a_warning_and_a_current_one_is_not() {
    // Current, as the region says.
    let mut s = ready();
    s.nodes.nodes.push(node(INSTANCE, PingStatus::Online));
    let report = &evaluate(&s).instances[0];
    assert_eq!(report.verdict, Verdict::Managed);
    assert_eq!(outdated(&report.findings), None, "{:?}", report.findings);

    // The region says it is not the latest: a warning, the node still managed.
    s.nodes.nodes[0].agent_version = Some("3.3.1802.0".into());
    s.nodes.nodes[0].is_latest_version = Some(false);
    let report = &evaluate(&s).instances[0];
    assert_eq!(report.verdict, Verdict::Managed);
    let f = outdated(&report.findings).expect("an outdated agent is a finding");
    assert_eq!(
        (f.rule, f.severity, &f.subject),
        (Rule::Agent, Severity::Warning, &INSTANCE.to_string())
    );
    assert_eq!(
        f.kind,
        FindingKind::AgentOutdated {
            version: "3.3.1802.0".into(),
            latest: None
        }
    );
    assert_eq!(
        f.fix,
        Fix::UpdateAgent {
            instance_id: INSTANCE.into()
        }
    );
    let words = ssmdeck::present::instance_summary(report, Lang::En);
    assert!(words.contains("agent update available"), "{words}");
    let what = ssmdeck::present::finding_what(f, Lang::Ko);
    assert!(
        what.contains("3.3.1802.0") && what.contains("에이전트"),
        "{what}"
    );
    // `ssmdeck fix` does not send commands: the CLI does not point at it.
    let cli = ssmdeck::present::finding_fix(f, Lang::En);
    assert!(
        cli.contains("AWS-UpdateSSMAgent") && !cli.contains("ssmdeck fix"),
        "{cli}"
    );

    // Without the region's word (DescribeInstanceProperties), a newer agent on another
    // Linux node of the account decides; a newer Windows agent does not.
    let mut other = node("i-0other000000000001", PingStatus::Online);
    other.agent_version = Some(LATEST.into());
    other.is_latest_version = None;
    s.nodes.nodes[0].is_latest_version = None;
    s.nodes.nodes.push(other.clone());
    let report = &evaluate(&s).instances[0];
    assert_eq!(
        outdated(&report.findings).map(|f| &f.kind),
        Some(&FindingKind::AgentOutdated {
            version: "3.3.1802.0".into(),
            latest: Some(LATEST.into())
        })
    );
    let what = ssmdeck::present::finding_what(outdated(&report.findings).expect("f"), Lang::En);
    assert!(what.contains(LATEST), "{what}");
    s.nodes.nodes[1].platform_type = Some("Windows".into());
    let report = &evaluate(&s).instances[0];
    assert_eq!(outdated(&report.findings), None, "{:?}", report.findings);
    // The newest itself is not outdated.
    s.nodes.nodes[1].platform_type = Some("Linux".into());
    s.nodes.nodes[0].agent_version = Some(LATEST.into());
    let report = &evaluate(&s).instances[0];
    assert_eq!(outdated(&report.findings), None, "{:?}", report.findings);
}

/// Online nodes on the latest agent with nothing to say about them.
fn clean_online(app: &App) -> Vec<String> {
    app.snapshot
        .nodes
        .nodes
        .iter()
        .filter(|n| n.ping == PingStatus::Online && n.is_latest_version == Some(true))
        .map(|n| n.instance_id.clone())
        .filter(|id| instance_row(app, id).findings.is_empty())
        .collect()
}

/// The simulated node runs an older agent from now on.
async fn outdate(app: &mut App, cloud: &SandboxCloud, id: &str) {
    cloud
        .edit(|w| {
            for i in w.instances.iter_mut().filter(|i| i.instance.id == id) {
                i.agent_version = Some("3.3.1802.0".into());
            }
        })
        .expect("world");
    feed(app, cloud).await;
}

/// Running instances that are not online in Systems Manager.
fn offline(app: &App) -> Vec<String> {
    app.snapshot
        .instances
        .instances
        .iter()
        .filter(|i| i.state.as_str() == "running")
        .filter(|i| {
            !app.snapshot
                .nodes
                .nodes
                .iter()
                .any(|n| n.instance_id == i.id && n.ping == PingStatus::Online)
        })
        .map(|i| i.id.clone())
        .collect()
}

fn instance_row<'a>(app: &'a App, id: &str) -> &'a ssmdeck::tui::rows::Row {
    app.pane_table(Pane::Instances)
        .and_then(|t| t.rows.iter().find(|r| r.id == id))
        .expect("the instance's row")
}

fn name_of(app: &App, id: &str) -> String {
    app.snapshot
        .instances
        .instances
        .iter()
        .find(|i| i.id == id)
        .and_then(|i| i.name.clone())
        .expect("a Name tag")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn u_updates_the_agent_of_the_marked_online_node_and_leaves_the_offline_one_out() {
    let cloud = fleet();
    let mut app = app_on(&cloud, W, H).await;
    assert_eq!(app.pane, Pane::Instances);
    let clean = clean_online(&app);
    let (old, current) = (clean[0].clone(), clean[1].clone());
    let down = offline(&app)[0].clone();
    outdate(&mut app, &cloud, &old).await;

    // The outdated agent reads so on its row, with the warning and its fix; not the current.
    let row = instance_row(&app, &old);
    assert!(outdated(&row.findings).is_some(), "{:?}", row.findings);
    let cells: Vec<&str> = row.cells.iter().map(|c| c.text.as_str()).collect();
    assert!(cells.contains(&"3.3.1802.0 (old)"), "{cells:?}");
    assert!(
        cells.contains(&"managed (agent update available)"),
        "{cells:?}"
    );
    let row = instance_row(&app, &current);
    assert_eq!(outdated(&row.findings), None, "{:?}", row.findings);
    select(&mut app, &old);
    press(&mut app, &cloud, KeyCode::Enter).await;
    let text = screen(&app, W, H);
    assert!(
        text.contains("AWS-UpdateSSMAgent (U on Instances)"),
        "the fix names the live key: {text}"
    );
    press(&mut app, &cloud, KeyCode::Esc).await;

    // U on the outdated node and an offline one: the dialog names the online target.
    select(&mut app, &old);
    press(&mut app, &cloud, KeyCode::Char(' ')).await;
    select(&mut app, &down);
    press(&mut app, &cloud, KeyCode::Char(' ')).await;
    press(&mut app, &cloud, KeyCode::Char('U')).await;
    let Mode::Propose(p) = &app.mode else {
        panic!("a confirmation: {:?} {:?}", app.mode, app.status)
    };
    assert_eq!(p.kind, ProposalKind::UpdateAgent);
    assert_eq!(p.target_count(), 1);
    assert_eq!(p.skipped, vec![down.clone()]);
    let text = screen(&app, W, H);
    assert!(
        text.contains(&format!("On: {} ({old})", name_of(&app, &old))),
        "{text}"
    );
    assert!(
        text.contains("Left out: 1 not online") && text.contains(&down),
        "{text}"
    );
    assert!(
        text.contains("SendCommand AWS-UpdateSSMAgent → 1 call(s) for 1 id(s)"),
        "{text}"
    );

    // y sends it, audited; the Commands pane lists it selected.
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("audit.jsonl");
    let audit = Audit {
        log: AuditLog::to_file(path.clone()),
        account: Some("123456789012".into()),
        region: "ap-northeast-2".into(),
        profile: "sandbox: fleet:60".into(),
    };
    let effects = key(&mut app, KeyCode::Char('y'));
    run_effects(&mut app, &cloud, Some(&audit), effects).await;
    let sent = app.snapshot.commands.first().cloned().expect("listed");
    assert_eq!(sent.document, "AWS-UpdateSSMAgent");
    assert_eq!(sent.instance_ids, vec![old.clone()]);
    audit.log.flush().await;
    let entries = read_tail(&path, 10).expect("audit log");
    assert_eq!(entries.len(), 1, "{entries:?}");
    assert_eq!(entries[0].action, "ssm:SendCommand");
    assert_eq!(entries[0].parameters["document"], "AWS-UpdateSSMAgent");
    assert!(entries[0].outcome.contains(&sent.id), "{:?}", entries[0]);
    press(&mut app, &cloud, KeyCode::Char('6')).await;
    assert_eq!(app.pane, Pane::Commands);
    assert_eq!(selected(&app).as_deref(), Some(sent.id.as_str()));
    assert!(screen(&app, W, H).contains("AWS-UpdateSSMAgent"));

    // Once the simulated run is done, the agent reads as the latest.
    cloud.clock().advance(SignedDuration::from_secs(5));
    feed(&mut app, &cloud).await;
    let done = app
        .snapshot
        .commands
        .iter()
        .find(|c| c.id == sent.id)
        .expect("command");
    assert_eq!(done.status, "Success");
    assert_eq!(selected(&app).as_deref(), Some(sent.id.as_str()));
    let n = app
        .snapshot
        .nodes
        .nodes
        .iter()
        .find(|n| n.instance_id == old)
        .expect("node");
    assert_eq!(
        (n.agent_version.as_deref(), n.is_latest_version),
        (Some(LATEST), Some(true))
    );
    let row = instance_row(&app, &old);
    assert_eq!(outdated(&row.findings), None, "{:?}", row.findings);
    assert!(
        row.cells.iter().any(|c| c.text == LATEST),
        "{:?}",
        row.cells
    );
}

#[tokio::test]
async fn u_on_nodes_none_of_which_is_online_is_refused_without_a_dialog() {
    let cloud = fleet();
    let mut app = app_on(&cloud, W, H).await;
    let down = offline(&app)[0].clone();
    select(&mut app, &down);
    press(&mut app, &cloud, KeyCode::Char('U')).await;
    assert_eq!(app.mode, Mode::Normal);
    let text = screen(&app, W, H);
    assert!(
        text.contains("nothing to send: none of the 1 chosen node(s) is online")
            && text.contains(&down),
        "{text}"
    );
    assert!(!text.contains("Apply?"), "{text}");
}

#[tokio::test]
async fn u_is_remappable_and_its_hint_follows() {
    let mut remaps = std::collections::BTreeMap::new();
    remaps.insert("update_agent".to_string(), "ctrl-u".to_string());
    let keymap = ssmdeck::tui::bindings::Keymap::new(&remaps).expect("no conflict");
    let cloud = fleet();
    let mut app = app_on(&cloud, W, H).await;
    app.keymap = keymap;
    let old = clean_online(&app)[0].clone();
    outdate(&mut app, &cloud, &old).await;
    select(&mut app, &old);
    press(&mut app, &cloud, KeyCode::Char('U')).await;
    assert_eq!(app.mode, Mode::Normal, "U is no longer bound");
    press(&mut app, &cloud, KeyCode::Enter).await;
    assert!(
        screen(&app, W, H).contains("AWS-UpdateSSMAgent (Ctrl-u on Instances)"),
        "{}",
        screen(&app, W, H)
    );
    press(&mut app, &cloud, KeyCode::Esc).await;
    let effects = ssmdeck::tui::app::update(
        &mut app,
        ssmdeck::tui::app::Msg::Key(crossterm::event::KeyEvent::new(
            KeyCode::Char('u'),
            crossterm::event::KeyModifiers::CONTROL,
        )),
    );
    assert!(effects.is_empty());
    assert!(
        matches!(&app.mode, Mode::Propose(p) if p.kind == ProposalKind::UpdateAgent),
        "{:?}",
        app.mode
    );
}

#[tokio::test]
async fn u_sends_aws_update_ssm_agent_with_the_ids_through_the_aws_adapter() {
    use aws_sdk_ssm::Client;
    use aws_sdk_ssm::operation::send_command::SendCommandOutput;
    use aws_sdk_ssm::types::{Command as SdkCommand, CommandStatus};
    use aws_smithy_mocks::{RuleMode, mock};

    let cloud = fleet();
    let mut app = app_on(&cloud, W, H).await;
    for id in clean_online(&app).iter().take(2) {
        select(&mut app, id);
        press(&mut app, &cloud, KeyCode::Char(' ')).await;
    }
    press(&mut app, &cloud, KeyCode::Char('U')).await;
    let Mode::Propose(p) = &app.mode else {
        panic!("a confirmation: {:?}", app.mode)
    };
    let ids: Vec<String> = p.linux.iter().chain(&p.windows).cloned().collect();
    assert_eq!(ids.len(), 2);
    let (want, listed) = (ids.clone(), ids.clone());
    let rule = mock!(Client::send_command)
        .match_requests(move |r| {
            r.document_name() == Some("AWS-UpdateSSMAgent")
                && r.instance_ids() == want.as_slice()
                && r.targets().is_empty()
                && r.parameters().is_none()
        })
        .then_output(move || {
            SendCommandOutput::builder()
                .command(
                    SdkCommand::builder()
                        .command_id("c-agent")
                        .document_name("AWS-UpdateSSMAgent")
                        .set_instance_ids(Some(listed.clone()))
                        .status(CommandStatus::Pending)
                        .target_count(2)
                        .build(),
                )
                .build()
        });
    let aws = crate::aws_mocks::cloud(crate::aws_mocks::ssm_client(RuleMode::MatchAny, &[&rule]));
    let effects = key(&mut app, KeyCode::Char('y'));
    run_effects(&mut app, &aws, None, effects).await;
    assert_eq!(rule.num_calls(), 1);
    let sent = app.snapshot.commands.first().expect("listed");
    assert_eq!(
        (sent.id.as_str(), sent.document.as_str(), &sent.instance_ids),
        ("c-agent", "AWS-UpdateSSMAgent", &ids)
    );
    let selected = app
        .pane_table(Pane::Commands)
        .and_then(|t| t.selected_row())
        .map(|r| r.id.clone());
    assert_eq!(selected.as_deref(), Some("c-agent"));
}
