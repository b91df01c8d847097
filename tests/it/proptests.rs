//! Property tests: random sequences of keys, resizes and engine messages (data, errors,
//! plan progress, details) on `update`, rendered at every size from 1×1 to 250×80, never
//! panic; the selection stays inside the visible rows and marks stay on live rows.
//!
//! Every case starts a fresh `App` from engine events fetched once from the sandbox (lab
//! and fleet:50, before and after changes), so a case costs no cloud call.

use std::cell::RefCell;
use std::sync::OnceLock;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use jiff::{SignedDuration, Timestamp};
use proptest::prelude::*;
use proptest::sample::Index;
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ssmdeck::cloud::sandbox::{Clock, SandboxCloud, Scenario};
use ssmdeck::cloud::{Cloud, CloudError, SendCommandRequest};
use ssmdeck::domain::model::{DEFAULT_ROLE_NAME, PingStatus};
use ssmdeck::domain::snapshot::{IamData, InstanceData, NetworkData, NodeData, Source};
use ssmdeck::engine::EngineEvent;
use ssmdeck::engine::audit::AuditEntry;
use ssmdeck::engine::executor::{Outcome, PlanEvent, Verdict};
use ssmdeck::engine::fetch::{self, Fetched};
use ssmdeck::engine::fleet::{self, Detail};
use ssmdeck::tui::app::{App, Msg, update};
use ssmdeck::tui::render;

use crate::fixtures::t0;

/// Cases in CI, per starting point (lab, fleet): 10 000 in all. Each case is a fresh App
/// and up to 24 messages; the two properties run side by side.
const CASES_PER_BASE: u32 = 5_000;

struct Pool {
    /// Identity and the first refresh of every source: lab, fleet:12.
    bases: Vec<Vec<EngineEvent>>,
    /// Any engine message a running console may receive.
    events: Vec<EngineEvent>,
}

async fn refresh<C: Cloud>(cloud: &C) -> Vec<EngineEvent> {
    let mut out = vec![EngineEvent::Identity(cloud.identity().await)];
    let managed: Vec<String> = cloud
        .describe_managed_nodes()
        .await
        .unwrap_or_default()
        .into_iter()
        .filter(|n| n.ping == PingStatus::Online)
        .map(|n| n.instance_id)
        .collect();
    for source in Source::ALL {
        out.push(EngineEvent::Fetched {
            at: cloud.now(),
            result: fetch::fetch(cloud, source, &managed).await,
        });
    }
    out
}

fn errors_of(source: Source) -> Vec<Fetched> {
    let errors = [
        CloudError::Throttled("ec2:DescribeInstances".into()),
        CloudError::AccessDenied {
            action: "ssm:DescribeInstancePatchStates".into(),
        },
        CloudError::Unavailable("ssm:ListCommands: dispatch failure: connection refused".into()),
        CloudError::NotFound("vpc-0 does not exist".into()),
        CloudError::Invalid("ValidationException: ".repeat(20)),
        CloudError::AlreadyExists("EntityAlreadyExists".into()),
        CloudError::Other("인증 실패 — 🙈\ttab\nnewline".into()),
    ];
    errors
        .into_iter()
        .map(|e| match source {
            Source::Network => Fetched::Network(Err(e)),
            Source::Instances => Fetched::Instances(Err(e)),
            Source::Iam => Fetched::Iam(Err(e)),
            Source::Nodes => Fetched::Nodes(Err(e)),
            Source::Inventory => Fetched::Inventory(Err(e)),
            Source::Patches => Fetched::Patches(Err(e)),
            Source::Commands => Fetched::Commands(Err(e)),
            Source::Windows => Fetched::Windows(Err(e)),
            Source::Associations => Fetched::Associations(Err(e)),
        })
        .collect()
}

/// Every source answering "nothing there": rows vanish under the selection and marks.
fn empties() -> Vec<Fetched> {
    vec![
        Fetched::Network(Ok(NetworkData::default())),
        Fetched::Instances(Ok(InstanceData::default())),
        Fetched::Iam(Ok(IamData::default())),
        Fetched::Nodes(Ok(NodeData::default())),
        Fetched::Inventory(Ok(vec![])),
        Fetched::Patches(Ok(vec![])),
        Fetched::Commands(Ok(vec![])),
        Fetched::Windows(Ok(vec![])),
        Fetched::Associations(Ok(vec![])),
    ]
}

async fn build_pool() -> Pool {
    let lab = SandboxCloud::new(Scenario::Lab, Clock::manual(t0()));
    let fleet = SandboxCloud::new(Scenario::Fleet(50), Clock::manual(t0()));
    let small = SandboxCloud::new(Scenario::Fleet(12), Clock::manual(t0()));
    // Cases start small (a rebuild costs per row) and grow or shrink with the events.
    let bases = vec![refresh(&lab).await, refresh(&small).await];
    let mut events: Vec<EngineEvent> = bases.iter().flatten().cloned().collect();
    events.extend(refresh(&fleet).await);

    // The lab walked through: endpoints, role, profiles attached, agents registered.
    crate::sandbox::create_lab_endpoints(&lab).await;
    crate::sandbox::create_lab_role(&lab).await;
    for id in ["i-0a1b2c3d4e5f60001", "i-0a1b2c3d4e5f60002"] {
        let _ = lab
            .associate_iam_instance_profile(id, DEFAULT_ROLE_NAME)
            .await;
    }
    lab.clock().advance(SignedDuration::from_secs(900));
    events.extend(refresh(&lab).await);

    // The fleet an hour later with a command in flight and one done.
    fleet.clock().advance(SignedDuration::from_secs(3600));
    let online: Vec<String> = fleet
        .describe_managed_nodes()
        .await
        .unwrap_or_default()
        .into_iter()
        .filter(|n| n.ping == PingStatus::Online)
        .map(|n| n.instance_id)
        .take(10)
        .collect();
    let request = SendCommandRequest {
        document: "AWS-RunShellScript".into(),
        instance_ids: online.clone(),
        targets: vec![],
        parameters: vec![("commands".into(), vec!["uptime".into()])],
        comment: Some("proptest".into()),
        max_concurrency: None,
        max_errors: None,
        timeout_seconds: None,
        output: Default::default(),
    };
    let mut commands = Vec::new();
    if let Ok(c) = fleet.send_command(&request).await {
        commands.push(c);
    }
    fleet.clock().advance(SignedDuration::from_secs(120));
    if let Ok(c) = fleet.send_command(&request).await {
        commands.push(c);
    }
    events.extend(refresh(&fleet).await);

    // Details, as the detail views receive them.
    for id in online.iter().take(2) {
        events.push(EngineEvent::Detail(Detail::Inventory {
            instance_id: id.clone(),
            result: fleet::inventory(&fleet, id)
                .await
                .map_err(|e| e.to_string()),
        }));
        events.push(EngineEvent::Detail(Detail::Patches {
            instance_id: id.clone(),
            filter: ssmdeck::domain::model::PatchFilter::All,
            result: fleet
                .describe_instance_patches(id, ssmdeck::domain::model::PatchFilter::All)
                .await
                .map_err(|e| e.to_string()),
        }));
    }
    for c in &commands {
        events.push(EngineEvent::Detail(Detail::Invocations {
            command_id: c.id.clone(),
            result: fleet::invocations(&fleet, &c.id, &c.output)
                .await
                .map_err(|e| e.to_string()),
        }));
    }
    for w in fleet
        .describe_maintenance_windows()
        .await
        .unwrap_or_default()
    {
        events.push(EngineEvent::Detail(Detail::Window {
            result: fleet::window(&fleet, &w.id)
                .await
                .map_err(|e| e.to_string()),
            window_id: w.id,
        }));
    }
    events.extend([
        EngineEvent::Detail(Detail::Inventory {
            instance_id: "i-gone".into(),
            result: Err("AccessDenied: ssm:ListInventoryEntries".into()),
        }),
        EngineEvent::Detail(Detail::Patches {
            instance_id: "i-gone".into(),
            filter: ssmdeck::domain::model::PatchFilter::All,
            result: Err("throttled: ssm:DescribeInstancePatches".into()),
        }),
        EngineEvent::Detail(Detail::Invocations {
            command_id: "gone".into(),
            result: Ok(vec![]),
        }),
        EngineEvent::Detail(Detail::Window {
            window_id: "mw-gone".into(),
            result: Err("not found".into()),
        }),
        EngineEvent::Sent {
            commands: commands.clone(),
            error: None,
        },
        EngineEvent::Sent {
            commands: vec![],
            error: Some("throttled: ssm:SendCommand".into()),
        },
        EngineEvent::Cancelled {
            command_id: commands.first().map(|c| c.id.clone()).unwrap_or_default(),
            error: None,
        },
        EngineEvent::Cancelled {
            command_id: "gone".into(),
            error: Some("not found".into()),
        },
    ]);

    // Failures and empties of every source, refreshes starting, who-am-I failing.
    let at = t0() + SignedDuration::from_secs(7200);
    for source in Source::ALL {
        events.push(EngineEvent::Started(source));
        for result in errors_of(source) {
            events.push(EngineEvent::Fetched { at, result });
        }
    }
    for result in empties() {
        events.push(EngineEvent::Fetched { at, result });
    }
    events.push(EngineEvent::Identity(Err(CloudError::Credentials {
        profile: "sso".into(),
        detail: "the AWS SSO session of profile 'sso' has expired".into(),
    })));

    // Plan progress, including for plans the console is not running.
    for index in [0, 1, 3, 17, usize::MAX] {
        events.extend([
            EngineEvent::Plan(PlanEvent::Verdict {
                index,
                verdict: Verdict::Allowed,
            }),
            EngineEvent::Plan(PlanEvent::Verdict {
                index,
                verdict: Verdict::Denied {
                    action: "ec2:CreateVpcEndpoint".into(),
                },
            }),
            EngineEvent::Plan(PlanEvent::Started { index, total: 3 }),
            EngineEvent::Plan(PlanEvent::Finished {
                index,
                outcome: Outcome::Done {
                    detail: "vpce-1 pending".into(),
                },
            }),
            EngineEvent::Plan(PlanEvent::Finished {
                index,
                outcome: Outcome::Failed {
                    action: "CreateVpcEndpoint".into(),
                    error: ssmdeck::cloud::CloudError::Other("boom".into()),
                },
            }),
            EngineEvent::Plan(PlanEvent::Aborted {
                index,
                action: "CreateRole".into(),
                error: ssmdeck::cloud::CloudError::AccessDenied {
                    action: "iam:CreateRole".into(),
                },
            }),
        ]);
    }
    events.push(EngineEvent::Plan(PlanEvent::Completed {
        unconfirmed: 0,
        done: 2,
        skipped: 1,
    }));
    let entry = AuditEntry {
        time: "2027-01-15T08:00:00Z".into(),
        account: Some("123456789012".into()),
        region: "ap-northeast-2".into(),
        profile: "sandbox: lab".into(),
        action: "ec2:CreateVpcEndpoint".into(),
        parameters: serde_json::json!({"vpc_id": "vpc-1"}),
        outcome: "ok: vpce-1".into(),
    };
    events.push(EngineEvent::Audit(Ok(vec![entry; 30])));
    events.push(EngineEvent::Audit(Err("cannot read audit.jsonl".into())));
    Pool { bases, events }
}

fn pool() -> &'static Pool {
    static POOL: OnceLock<Pool> = OnceLock::new();
    POOL.get_or_init(|| {
        // A runtime of its own: proptest calls the case body from a plain test thread.
        std::thread::spawn(|| {
            tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .expect("runtime")
                .block_on(build_pool())
        })
        .join()
        .expect("pool")
    })
}

#[derive(Debug, Clone)]
enum Op {
    Key(KeyCode, KeyModifiers),
    Resize(u16, u16),
    Event(Index),
    Tick(i64),
    Render,
}

fn key_code() -> impl Strategy<Value = KeyCode> {
    prop_oneof![
        6 => prop::sample::select(
            "jkgG 123456789:/?qcnaxsIC-_.*(|[\\^$yYoNrRe"
                .chars()
                .collect::<Vec<_>>()
        )
        .prop_map(KeyCode::Char),
        2 => any::<char>().prop_map(KeyCode::Char),
        1 => prop::sample::select(vec!['한', 'é', '🙈', '\u{0}', '\u{200b}']).prop_map(KeyCode::Char),
        5 => prop::sample::select(vec![
            KeyCode::Enter,
            KeyCode::Esc,
            KeyCode::Tab,
            KeyCode::BackTab,
            KeyCode::Backspace,
            KeyCode::Up,
            KeyCode::Down,
            KeyCode::Left,
            KeyCode::Right,
            KeyCode::PageUp,
            KeyCode::PageDown,
            KeyCode::Home,
            KeyCode::End,
            KeyCode::Delete,
            KeyCode::Insert,
            KeyCode::F(1),
            KeyCode::F(12),
            KeyCode::Null,
        ]),
    ]
}

fn modifiers() -> impl Strategy<Value = KeyModifiers> {
    prop_oneof![
        8 => Just(KeyModifiers::NONE),
        2 => Just(KeyModifiers::SHIFT),
        1 => Just(KeyModifiers::CONTROL),
        1 => Just(KeyModifiers::ALT),
        1 => Just(KeyModifiers::CONTROL | KeyModifiers::SHIFT),
    ]
}

/// 1–250 columns, as often narrow (where layouts underflow) as medium or wide.
fn width() -> impl Strategy<Value = u16> {
    prop_oneof![1u16..=12, 13u16..=100, 101u16..=250]
}

/// 1–80 rows, likewise.
fn height() -> impl Strategy<Value = u16> {
    prop_oneof![1u16..=6, 7u16..=30, 31u16..=80]
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        10 => (key_code(), modifiers()).prop_map(|(c, m)| Op::Key(c, m)),
        2 => (width(), height()).prop_map(|(w, h)| Op::Resize(w, h)),
        5 => any::<Index>().prop_map(Op::Event),
        1 => (-600i64..=86_400).prop_map(Op::Tick),
        1 => Just(Op::Render),
    ]
}

thread_local! {
    /// One test terminal per thread, resized for each draw: building one costs more than
    /// drawing on it.
    static TERMINAL: RefCell<Option<Terminal<TestBackend>>> = const { RefCell::new(None) };
}

fn draw(app: &App, width: u16, height: u16) -> Result<(), TestCaseError> {
    let (width, height) = (width.max(1), height.max(1));
    TERMINAL.with(|cell| {
        let mut slot = cell.borrow_mut();
        let terminal = match slot.as_mut() {
            Some(t) => t,
            None => slot.insert(
                Terminal::new(TestBackend::new(width, height))
                    .map_err(|e| TestCaseError::fail(format!("terminal: {e}")))?,
            ),
        };
        terminal.backend_mut().resize(width, height);
        terminal
            .draw(|f| render::draw(f, app))
            .map_err(|e| TestCaseError::fail(format!("draw: {e}")))?;
        Ok(())
    })
}

/// Selection within the visible rows, visible rows within the rows, marks on live rows.
fn check(app: &App, after: &Op) -> Result<(), TestCaseError> {
    for (i, t) in app.tables.iter().enumerate() {
        prop_assert!(
            t.visible.iter().all(|&r| r < t.rows.len()),
            "table {i}: a visible index past the rows after {after:?}"
        );
        if t.visible.is_empty() {
            prop_assert_eq!(t.selected, 0, "table {} after {:?}", i, after);
        } else {
            prop_assert!(
                t.selected < t.visible.len(),
                "table {i}: selected {} of {} visible after {after:?}",
                t.selected,
                t.visible.len()
            );
            prop_assert!(
                t.offset <= t.selected,
                "table {i}: offset past the selection"
            );
        }
        for mark in &t.marks {
            prop_assert!(
                t.rows.iter().any(|r| &r.id == mark),
                "table {i}: mark {mark} is on no live row after {after:?}"
            );
        }
    }
    Ok(())
}

fn run_case(base: usize, size: (u16, u16), ops: &[Op]) -> Result<(), TestCaseError> {
    let pool = pool();
    let mut app = App::new(t0());
    let (mut width, mut height) = size;
    update(&mut app, Msg::Resize { width, height });
    for event in &pool.bases[base % pool.bases.len()] {
        update(&mut app, Msg::Engine(event.clone()));
    }
    for op in ops {
        match op {
            Op::Key(code, modifiers) => {
                update(&mut app, Msg::Key(KeyEvent::new(*code, *modifiers)));
            }
            Op::Resize(w, h) => {
                (width, height) = (*w, *h);
                update(
                    &mut app,
                    Msg::Resize {
                        width: *w,
                        height: *h,
                    },
                );
            }
            Op::Event(i) => {
                update(&mut app, Msg::Engine(i.get(&pool.events).clone()));
            }
            Op::Tick(secs) => {
                let now = t0()
                    .checked_add(SignedDuration::from_secs(*secs))
                    .unwrap_or(Timestamp::UNIX_EPOCH);
                update(&mut app, Msg::Tick(now));
            }
            Op::Render => draw(&app, width, height)?,
        }
        check(&app, op)?;
    }
    draw(&app, width, height)
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: CASES_PER_BASE,
        failure_persistence: None,
        max_shrink_iters: 2_000,
        ..ProptestConfig::default()
    })]

    #[test]
    fn on_the_lab_update_and_render_never_panic_and_keep_selection_and_marks_sound(
        size in (width(), height()),
        ops in prop::collection::vec(op(), 1..25),
    ) {
        run_case(0, size, &ops)?;
    }

    #[test]
    fn on_a_fleet_update_and_render_never_panic_and_keep_selection_and_marks_sound(
        size in (width(), height()),
        ops in prop::collection::vec(op(), 1..25),
    ) {
        run_case(1, size, &ops)?;
    }
}

/// The corners of the size range, on both bases, with every pane and the help drawn.
#[test]
fn every_size_from_1x1_to_250x80_renders() {
    let pool = pool();
    for base in 0..pool.bases.len() {
        for (w, h) in [
            (1, 1),
            (2, 1),
            (1, 2),
            (10, 3),
            (40, 10),
            (80, 24),
            (250, 80),
            (250, 1),
            (1, 80),
        ] {
            let mut ops: Vec<Op> = Vec::new();
            for c in "12345678".chars() {
                ops.push(Op::Key(KeyCode::Char(c), KeyModifiers::NONE));
                ops.push(Op::Key(KeyCode::Enter, KeyModifiers::NONE));
                ops.push(Op::Render);
                ops.push(Op::Key(KeyCode::Esc, KeyModifiers::NONE));
                ops.push(Op::Render);
            }
            ops.push(Op::Key(KeyCode::Char('?'), KeyModifiers::NONE));
            ops.push(Op::Render);
            if let Err(e) = run_case(base, (w, h), &ops) {
                panic!("{w}×{h} on base {base}: {e}");
            }
        }
    }
}

/// The shrunk case of the marks property, kept as an example: a marked instance that the
/// next DescribeInstances no longer lists must not stay marked (an attach would target it).
#[test]
fn a_mark_leaves_with_its_row() {
    let pool = pool();
    let mut app = App::new(t0());
    update(
        &mut app,
        Msg::Resize {
            width: 160,
            height: 40,
        },
    );
    for event in &pool.bases[0] {
        update(&mut app, Msg::Engine(event.clone()));
    }
    update(
        &mut app,
        Msg::Key(KeyEvent::new(KeyCode::Char('3'), KeyModifiers::NONE)),
    );
    update(
        &mut app,
        Msg::Key(KeyEvent::new(KeyCode::Char(' '), KeyModifiers::NONE)),
    );
    let table = app.table().expect("instances table");
    assert_eq!(table.marks.len(), 1, "marked");
    update(
        &mut app,
        Msg::Engine(EngineEvent::Fetched {
            at: t0() + SignedDuration::from_secs(60),
            result: Fetched::Instances(Ok(InstanceData::default())),
        }),
    );
    let table = app.table().expect("instances table");
    assert!(table.rows.is_empty(), "the instances are gone");
    assert!(
        table.marks.is_empty(),
        "marks on rows that are gone: {:?}",
        table.marks
    );
}
