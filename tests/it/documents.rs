//! `X`: any Command document — the picker filtered as you type, the parameter form with
//! defaults, required fields and allowed values, the dialog, the send (batched past 50
//! ids); and the documents read from moto.

use crossterm::event::KeyCode;
use ssmdeck::cloud::Cloud;
use ssmdeck::cloud::sandbox::{Clock, SandboxCloud, Scenario};
use ssmdeck::domain::model::PingStatus;
use ssmdeck::tui::app::{Effect, Mode};

use crate::fixtures::t0;
use crate::fleet::{healthy_linux, press, select};
use crate::ui::{app_on, chars, key, screen};

const W: u16 = 160;
const H: u16 = 45;

#[tokio::test]
async fn x_picks_a_document_fills_its_form_and_sends_it() {
    let cloud = crate::fleet::fleet();
    let mut app = app_on(&cloud, W, H).await;
    let node = healthy_linux(&cloud, 1).await.remove(0);
    press(&mut app, &cloud, KeyCode::Char('3')).await;
    select(&mut app, &node);
    let effects = key(&mut app, KeyCode::Char('X'));
    assert_eq!(effects, vec![Effect::LoadDocuments]);
    crate::ui::run_effects(&mut app, &cloud, None, effects).await;
    let Mode::Picker(picker) = &app.mode else {
        panic!("the picker: {:?}", app.mode)
    };
    assert!(picker.visible().len() >= 5, "{:?}", picker.docs);
    assert_eq!(
        picker.visible()[0].name,
        "Ops-RestartWebServer",
        "the account's own first"
    );
    chars(&mut app, "patch");
    let text = screen(&app, W, H);
    assert!(
        text.contains("AWS-RunPatchBaseline") && !text.contains("AWS-RunShellScript"),
        "{text}"
    );
    press(&mut app, &cloud, KeyCode::Enter).await;
    let Mode::Form(form) = &app.mode else {
        panic!("the form: {:?}", app.mode)
    };
    assert_eq!(form.doc.name, "AWS-RunPatchBaseline");
    assert_eq!(
        form.values,
        ["", "RebootIfNeeded", "", "", "", ""],
        "defaults filled in, then the output fields ([output] is empty here)"
    );
    // The required Operation is empty: named, nothing sent.
    press(&mut app, &cloud, KeyCode::Enter).await;
    assert!(matches!(app.mode, Mode::Form(_)));
    assert!(screen(&app, W, H).contains("fill the required parameter(s): Operation"));
    // → cycles the allowed values; ↓ moves to the next field.
    press(&mut app, &cloud, KeyCode::Right).await;
    press(&mut app, &cloud, KeyCode::Right).await;
    press(&mut app, &cloud, KeyCode::Left).await;
    press(&mut app, &cloud, KeyCode::Down).await;
    press(&mut app, &cloud, KeyCode::Right).await;
    let Mode::Form(form) = &app.mode else {
        panic!("still the form")
    };
    assert_eq!(form.values[..3], ["Scan", "NoReboot", ""]);
    let text = screen(&app, W, H);
    assert!(text.contains("allowed: Scan | Install (← / →)"), "{text}");
    // This send's output to S3: the field after the parameters.
    press(&mut app, &cloud, KeyCode::Down).await;
    press(&mut app, &cloud, KeyCode::Down).await;
    chars(&mut app, "ops-out");
    assert!(screen(&app, W, H).contains("S3 bucket: ops-out"));
    press(&mut app, &cloud, KeyCode::Enter).await;
    let Mode::Propose(p) = &app.mode else {
        panic!("the dialog: {:?}", app.mode)
    };
    let requests = p.requests();
    assert_eq!(requests.len(), 1);
    assert_eq!(requests[0].document, "AWS-RunPatchBaseline");
    assert_eq!(
        requests[0].parameters,
        vec![
            ("Operation".to_string(), vec!["Scan".to_string()]),
            ("RebootOption".to_string(), vec!["NoReboot".to_string()]),
        ],
        "defaults left as they are are not sent"
    );
    let text = screen(&app, W, H);
    assert!(
        text.contains("Run the document AWS-RunPatchBaseline") && text.contains("Operation = Scan"),
        "{text}"
    );
    press(&mut app, &cloud, KeyCode::Char('y')).await;
    let commands = cloud.list_commands().await.expect("commands");
    assert!(
        commands
            .iter()
            .any(|c| c.document == "AWS-RunPatchBaseline" && c.instance_ids == [node.clone()]),
        "{commands:?}"
    );
}

#[tokio::test]
async fn a_document_on_more_than_50_marked_nodes_goes_in_batches() {
    let cloud = SandboxCloud::new(Scenario::Fleet(400), Clock::manual(t0()));
    let mut app = app_on(&cloud, W, H).await;
    press(&mut app, &cloud, KeyCode::Char('3')).await;
    let online: Vec<String> = app
        .snapshot
        .nodes
        .nodes
        .iter()
        .filter(|n| n.ping == PingStatus::Online)
        .map(|n| n.instance_id.clone())
        .collect();
    assert!(online.len() > 50, "{}", online.len());
    // Every row marked (Space marks and moves down); the dialog keeps the online ones.
    key(&mut app, KeyCode::Char('g'));
    let hybrid = app
        .snapshot
        .nodes
        .nodes
        .iter()
        .filter(|n| n.instance_id.starts_with("mi-"))
        .count();
    for _ in 0..app.snapshot.instances.instances.len() + hybrid {
        key(&mut app, KeyCode::Char(' '));
    }
    let before = cloud.list_commands().await.expect("commands").len();
    press(&mut app, &cloud, KeyCode::Char('X')).await;
    chars(&mut app, "UpdateSSM");
    press(&mut app, &cloud, KeyCode::Enter).await;
    press(&mut app, &cloud, KeyCode::Enter).await;
    let Mode::Propose(p) = &app.mode else {
        panic!("the dialog: {:?}", app.mode)
    };
    let n = online.len();
    let calls = n.div_ceil(50);
    assert_eq!(p.target_count(), n);
    let line = format!("→ {calls} call(s) for {n} id(s)");
    assert!(screen(&app, W, H).contains(&line), "{line}");
    press(&mut app, &cloud, KeyCode::Char('y')).await;
    let commands = cloud.list_commands().await.expect("commands");
    let sent: Vec<_> = commands
        .iter()
        .filter(|c| c.document == "AWS-UpdateSSMAgent")
        .collect();
    assert_eq!(commands.len() - before, calls, "one command per call");
    assert_eq!(sent.iter().map(|c| c.instance_ids.len()).sum::<usize>(), n);
    assert!(sent.iter().all(|c| c.instance_ids.len() <= 50));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn documents_and_their_parameters_are_read_from_moto() {
    let moto = crate::moto_server::MotoServer::start();
    let ssm = moto.ssm().await;
    let content = serde_json::json!({
        "schemaVersion": "2.2",
        "description": "Restart a service",
        "parameters": {
            "service": {"type": "String", "description": "Which one", "default": "nginx",
                        "allowedValues": ["nginx", "httpd"]},
            "reason": {"type": "String", "description": "Why"}
        },
        "mainSteps": [{"action": "aws:runShellScript", "name": "restart",
                       "inputs": {"runCommand": ["systemctl restart {{ service }}"]}}]
    });
    ssm.create_document()
        .name("Ops-Restart")
        .document_type(aws_sdk_ssm::types::DocumentType::Command)
        .document_format(aws_sdk_ssm::types::DocumentFormat::Json)
        .content(content.to_string())
        .send()
        .await
        .expect("CreateDocument");
    let cloud = moto.fast_cloud().await;
    let docs = cloud.list_documents().await.expect("ListDocuments");
    let ours = docs
        .iter()
        .find(|d| d.name == "Ops-Restart")
        .expect("listed");
    assert_ne!(ours.owner, "Amazon");
    let detail = cloud
        .describe_document("Ops-Restart")
        .await
        .expect("DescribeDocument");
    assert_eq!(detail.description, "Restart a service");
    let service = detail
        .parameters
        .iter()
        .find(|p| p.name == "service")
        .expect("service");
    assert_eq!(service.default.as_deref(), Some("nginx"));
    assert_eq!(service.allowed, ["nginx", "httpd"]);
    let reason = detail
        .parameters
        .iter()
        .find(|p| p.name == "reason")
        .expect("reason");
    assert_eq!(reason.default, None, "required");
}
