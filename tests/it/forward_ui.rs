//! Port forwards in the console: `P`'s form on an online instance, `:forward NAME`, the
//! Sessions pane following the engine's events, `x` ending one; and the engine keeping a
//! sandbox forward open until stopped.

use std::time::Duration;

use crossterm::event::KeyCode;
use ssmdeck::cloud::sandbox::{Clock, SandboxCloud, Scenario};
use ssmdeck::config::NamedForward;
use ssmdeck::domain::model::PingStatus;
use ssmdeck::engine::forward::ForwardEvent;
use ssmdeck::engine::{Engine, EngineEvent, Intervals};
use ssmdeck::tui::app::{App, Effect, Mode, Msg, Pane, update};

use crate::fixtures::t0;
use crate::ui::{app_on, chars, key, screen};

fn fleet() -> SandboxCloud {
    SandboxCloud::new(Scenario::Fleet(12), Clock::manual(t0()))
}

fn node_with(app: &App, ping: PingStatus) -> String {
    app.snapshot
        .nodes
        .nodes
        .iter()
        .find(|n| n.ping == ping)
        .map(|n| n.instance_id.clone())
        .expect("such a node")
}

fn select(app: &mut App, id: &str) {
    key(app, KeyCode::Char('g'));
    for _ in 0..50 {
        if app.selected_id().as_deref() == Some(id) {
            return;
        }
        key(app, KeyCode::Char('j'));
    }
    panic!("{id} not in the pane");
}

fn forward_event(app: &mut App, id: u64, event: ForwardEvent) {
    update(app, Msg::Engine(EngineEvent::Forward { id, event }));
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}

#[tokio::test]
async fn p_starts_a_forward_the_sessions_pane_follows_it_and_x_ends_it() {
    let cloud = fleet();
    let mut app = app_on(&cloud, 160, 40).await;
    let online = node_with(&app, PingStatus::Online);
    select(&mut app, &online);
    key(&mut app, KeyCode::Char('P'));
    assert!(matches!(&app.mode, Mode::Forward { node, .. } if *node == online));
    let local = free_port();
    chars(&mut app, &format!("{local}:5432 db.internal"));
    assert!(screen(&app, 160, 40).contains("LOCAL:REMOTE [HOST] (Enter starts"));
    let effects = key(&mut app, KeyCode::Enter);
    let [Effect::StartForward { id, spec, node }] = effects.as_slice() else {
        panic!("{effects:?}")
    };
    assert_eq!((spec.local, spec.remote), (local, 5432));
    assert_eq!(spec.host.as_deref(), Some("db.internal"));
    assert_eq!(
        spec.document(),
        "AWS-StartPortForwardingSessionToRemoteHost"
    );
    assert_eq!(node, &online);
    let id = *id;

    forward_event(
        &mut app,
        id,
        ForwardEvent::Started {
            session_id: "s-1".into(),
        },
    );
    chars(&mut app, ":sessions");
    key(&mut app, KeyCode::Enter);
    assert_eq!(app.pane, Pane::Sessions);
    let text = screen(&app, 160, 40);
    assert!(
        text.contains(&online) && text.contains("db.internal:5432"),
        "{text}"
    );
    assert!(text.contains("✓ open") && text.contains("s-1"), "{text}");

    forward_event(
        &mut app,
        id,
        ForwardEvent::Dropped {
            after: Duration::from_secs(3600),
            retry_in: Duration::from_secs(2),
            detail: "websocket closed".into(),
        },
    );
    let text = screen(&app, 160, 40);
    assert!(text.contains("… again in 2s"), "{text}");
    assert!(
        text.contains("dropped after 3600s (websocket closed)"),
        "{text}"
    );
    forward_event(
        &mut app,
        id,
        ForwardEvent::Started {
            session_id: "s-2".into(),
        },
    );
    assert!(screen(&app, 160, 40).contains("s-2"));

    assert_eq!(
        key(&mut app, KeyCode::Char('x')),
        vec![Effect::StopForward(id)]
    );
    assert!(screen(&app, 160, 40).contains("… ending"));
    forward_event(&mut app, id, ForwardEvent::Stopped);
    assert!(app.forwards.rows.is_empty());
    assert!(!screen(&app, 160, 40).contains("s-2"));
}

#[tokio::test]
async fn p_refuses_an_offline_node_and_bad_ports_and_forward_name_resolves_a_tag() {
    let cloud = fleet();
    let mut app = app_on(&cloud, 160, 40).await;
    let lost = node_with(&app, PingStatus::ConnectionLost);
    select(&mut app, &lost);
    assert!(key(&mut app, KeyCode::Char('P')).is_empty());
    assert_eq!(app.mode, Mode::Normal);
    assert!(screen(&app, 160, 40).contains("is not online"));

    let online = node_with(&app, PingStatus::Online);
    select(&mut app, &online);
    key(&mut app, KeyCode::Char('P'));
    chars(&mut app, "80:http");
    assert!(key(&mut app, KeyCode::Enter).is_empty());
    assert!(screen(&app, 160, 40).contains("80:http: give LOCAL:REMOTE"));

    // A configured forward by tag: a running instance carrying it, an online one first.
    let tagged = app
        .snapshot
        .instances
        .instances
        .iter()
        .find(|i| i.id == online)
        .and_then(|i| i.tags.first().cloned())
        .expect("the online instance has a tag");
    let local = free_port();
    app.named_forwards = vec![NamedForward {
        name: "db".into(),
        target: format!("tag:{}={}", tagged.0, tagged.1),
        local,
        remote: 5432,
        host: None,
    }];
    chars(&mut app, ":forward nope");
    assert!(key(&mut app, KeyCode::Enter).is_empty());
    assert!(screen(&app, 160, 40).contains("no forward named \"nope\": db"));
    chars(&mut app, ":forward db");
    let effects = key(&mut app, KeyCode::Enter);
    let [Effect::StartForward { spec, node, .. }] = effects.as_slice() else {
        panic!("{effects:?}")
    };
    assert_eq!(spec.name.as_deref(), Some("db"));
    assert_eq!(spec.local, local);
    let nodes = &app.snapshot.nodes.nodes;
    assert!(
        nodes
            .iter()
            .any(|n| &n.instance_id == node && n.ping == PingStatus::Online),
        "{node} is online"
    );
    // The same local port again is refused.
    chars(&mut app, ":forward db");
    assert!(key(&mut app, KeyCode::Enter).is_empty());
    assert!(screen(&app, 160, 40).contains(&format!("local port {local} is already in use")));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_engine_keeps_a_sandbox_forward_listening_until_stopped() {
    let cloud = SandboxCloud::new(Scenario::Fleet(12), Clock::Real);
    let nodes = ssmdeck::cloud::Cloud::describe_managed_nodes(&cloud)
        .await
        .expect("nodes");
    let online = nodes
        .iter()
        .find(|n| n.ping == PingStatus::Online)
        .map(|n| n.instance_id.clone())
        .expect("an online node");
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    let engine = Engine::start_with(
        cloud,
        &Intervals::from_base(Duration::from_secs(60)),
        &[],
        tx,
    );
    let local = free_port();
    let spec = ssmdeck::domain::forward::parse_line(&online, &format!("{local}:22")).expect("spec");
    engine.start_forward(7, spec, online.clone());
    let started = loop {
        match tokio::time::timeout(Duration::from_secs(10), rx.recv()).await {
            Ok(Some(EngineEvent::Forward { id: 7, event })) => break event,
            Ok(Some(_)) => continue,
            other => panic!("no forward event: {other:?}"),
        }
    };
    assert!(
        matches!(started, ForwardEvent::Started { .. }),
        "{started:?}"
    );
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert!(
        tokio::net::TcpStream::connect(("127.0.0.1", local))
            .await
            .is_ok(),
        "the local port listens"
    );
    engine.stop_forwards(Duration::from_secs(3)).await;
    let mut stopped = false;
    while let Ok(event) = rx.try_recv() {
        stopped |= matches!(
            event,
            EngineEvent::Forward {
                id: 7,
                event: ForwardEvent::Stopped
            }
        );
    }
    assert!(stopped, "Stopped came back");
    assert!(
        tokio::net::TcpStream::connect(("127.0.0.1", local))
            .await
            .is_err(),
        "the port is free again"
    );
}

#[test]
fn forwards_in_the_config_are_read_and_checked() {
    use ssmdeck::config::parse;
    let path = std::path::Path::new("config.toml");
    let text = "[[forward]]\nname = \"db\"\ntarget = \"tag:Role=bastion\"\nlocal = 15432\nremote = 5432\nhost = \"db.internal\"\n\n[[forward]]\nname = \"web\"\ntarget = \"i-0123456789abcdef0\"\nlocal = 8080\nremote = 80\n";
    let loaded = parse(text, path).expect("parses");
    assert!(loaded.warnings.is_empty(), "{:?}", loaded.warnings);
    let names: Vec<&str> = loaded
        .config
        .forwards
        .iter()
        .map(|f| f.name.as_str())
        .collect();
    assert_eq!(names, ["db", "web"]);
    let db = loaded.config.forwards[0].spec();
    assert_eq!(db.document(), "AWS-StartPortForwardingSessionToRemoteHost");
    assert_eq!(
        loaded.config.forwards[1].spec().document(),
        "AWS-StartPortForwardingSession"
    );
    let twice = "[[forward]]\nname = \"a\"\ntarget = \"i-1\"\nlocal = 1\nremote = 2\n[[forward]]\nname = \"a\"\ntarget = \"i-2\"\nlocal = 3\nremote = 4\n";
    let e = parse(twice, path).expect_err("a name twice");
    assert!(
        e.to_string().contains("forward \"a\" is named twice"),
        "{e}"
    );
    let zero = "[[forward]]\nname = \"z\"\ntarget = \"i-1\"\nlocal = 0\nremote = 2\n";
    assert!(parse(zero, path).is_err());
}
