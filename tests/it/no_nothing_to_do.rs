//! Never "nothing to do" while a blocker stands: the console's keys (c, n, f) on every row
//! with a blocker, the Lab's Enter, and `fix` — each either opens a plan for the blocker
//! or says what blocks and the change to make by hand.

use crossterm::event::KeyCode;
use jiff::SignedDuration;
use ssmdeck::cloud::Cloud;
use ssmdeck::cloud::sandbox::{Clock, SandboxCloud, Scenario};
use ssmdeck::domain::findings::{Finding, Severity};
use ssmdeck::domain::model::*;
use ssmdeck::domain::plan::{Call, Plan, plan_fix};
use ssmdeck::domain::readiness::{Verdict, evaluate};
use ssmdeck::engine::audit::AuditLog;
use ssmdeck::engine::{executor, fetch};
use ssmdeck::fix::{FixOptions, run as fix_run};
use ssmdeck::i18n::Lang;
use ssmdeck::tui::app::{App, Effect, Mode, Msg, Pane, update};
use ssmdeck::tui::lab::StepState;

use crate::fixtures::t0;
use crate::ui::{app_on, feed, key, run_effects};

async fn press(app: &mut App, cloud: &SandboxCloud, code: KeyCode) -> Vec<Effect> {
    let effects = key(app, code);
    run_effects(app, cloud, None, effects.clone()).await;
    effects
}

fn status(app: &App) -> String {
    app.status
        .as_ref()
        .map(|(_, s)| s.clone())
        .unwrap_or_default()
}

/// The plan in the dialog a key opened.
fn dialog_plan(app: &App) -> Option<Plan> {
    match &app.mode {
        Mode::Confirm(c) => Some(c.plan.clone()),
        _ => None,
    }
}

/// A key on the selected row: a dialog, or a status naming a blocker, never "nothing to do"
/// when `blocked`.
fn assert_answers(app: &mut App, code: KeyCode, blocked: bool, what: &str) {
    key(app, code);
    let opened = matches!(app.mode, Mode::Confirm(_));
    let text = status(app);
    if blocked {
        assert!(
            opened || !text.contains("nothing to do"),
            "{what}: '{code:?}' said {text:?} while a blocker stands"
        );
        assert!(
            opened || !text.is_empty(),
            "{what}: '{code:?}' said nothing"
        );
    }
    app.mode = Mode::Normal;
    app.status = None;
}

fn blockers(app: &App, subject: &str) -> bool {
    let r = &app.readiness;
    let of = |fs: &[Finding]| fs.iter().any(|f| f.severity == Severity::Blocker);
    r.instances.iter().any(|i| {
        i.verdict
            != Verdict::NotRunning {
                instance_state: "stopped".into(),
            }
            && (i.instance_id == subject)
            && of(&i.findings)
    }) || r.roles.iter().any(|x| x.name == subject && of(&x.findings))
}

#[tokio::test]
async fn every_key_on_every_blocked_row_answers_with_a_plan_or_the_blocker() {
    let cloud = SandboxCloud::new(Scenario::Fleet(120), Clock::manual(t0()));
    let mut app = app_on(&cloud, 200, 60).await;
    // Instances: f on each row.
    key(&mut app, KeyCode::Char('3'));
    let ids: Vec<String> = app
        .table()
        .map(|t| t.visible.iter().map(|&i| t.rows[i].id.clone()).collect())
        .unwrap_or_default();
    let mut opened = 0;
    for (n, id) in ids.iter().enumerate() {
        key(&mut app, KeyCode::Char('g'));
        for _ in 0..n {
            key(&mut app, KeyCode::Char('j'));
        }
        assert_eq!(app.selected_id().as_deref(), Some(id.as_str()));
        let blocked = blockers(&app, id);
        key(&mut app, KeyCode::Char('f'));
        if matches!(app.mode, Mode::Confirm(_)) {
            opened += 1;
        }
        let text = status(&app);
        if blocked {
            assert!(
                matches!(app.mode, Mode::Confirm(_))
                    || (!text.contains("nothing to do") && !text.is_empty()),
                "f on {id}: {text:?} while {:?}",
                app.readiness
                    .instances
                    .iter()
                    .find(|i| &i.instance_id == id)
                    .map(|i| &i.findings)
            );
        }
        app.mode = Mode::Normal;
        app.status = None;
    }
    assert!(opened > 20, "f opened {opened} plans");
    // Roles: n on each row.
    key(&mut app, KeyCode::Char('2'));
    let roles: Vec<String> = app
        .table()
        .map(|t| t.visible.iter().map(|&i| t.rows[i].id.clone()).collect())
        .unwrap_or_default();
    for (n, name) in roles.iter().enumerate() {
        key(&mut app, KeyCode::Char('g'));
        for _ in 0..n {
            key(&mut app, KeyCode::Char('j'));
        }
        let blocked = blockers(&app, name);
        assert_answers(&mut app, KeyCode::Char('n'), blocked, name);
    }
    // Endpoints: c on each VPC with a blocker.
    key(&mut app, KeyCode::Char('1'));
    let rows = app.table().map(|t| t.visible.len()).unwrap_or(0);
    for n in 0..rows {
        key(&mut app, KeyCode::Char('g'));
        for _ in 0..n {
            key(&mut app, KeyCode::Char('j'));
        }
        let vpc = app
            .selected_id()
            .and_then(|id| id.split('/').next().map(str::to_string))
            .unwrap_or_default();
        let blocked =
            app.readiness.vpcs.iter().any(|v| {
                v.vpc_id == vpc && v.findings.iter().any(|f| f.severity == Severity::Blocker)
            });
        assert_answers(&mut app, KeyCode::Char('c'), blocked, &vpc);
    }
}

#[tokio::test]
async fn n_on_a_role_with_a_finding_acts_on_that_role() {
    let cloud = SandboxCloud::new(Scenario::Fleet(60), Clock::manual(t0()));
    let mut app = app_on(&cloud, 200, 60).await;
    key(&mut app, KeyCode::Char('2'));
    let pos = app
        .table()
        .and_then(|t| {
            t.visible
                .iter()
                .position(|&i| t.rows[i].id == "web-app-role")
        })
        .expect("web-app-role listed");
    key(&mut app, KeyCode::Char('g'));
    for _ in 0..pos {
        key(&mut app, KeyCode::Char('j'));
    }
    press(&mut app, &cloud, KeyCode::Char('n')).await;
    let plan = dialog_plan(&app).expect("a dialog");
    let calls: Vec<&Call> = plan.selected_calls().collect();
    assert_eq!(
        calls,
        vec![&Call::AttachRolePolicy {
            role: "web-app-role".into(),
            policy_arn: CORE_POLICY_ARN.into()
        }],
        "not ManagedInstancesRole"
    );
    press(&mut app, &cloud, KeyCode::Char('y')).await;
    let roles = cloud
        .role_policies("web-app-role", None)
        .await
        .expect("read");
    assert!(
        roles
            .attached_policy_arns
            .iter()
            .any(|a| a == CORE_POLICY_ARN)
    );
    assert!(
        cloud
            .list_roles()
            .await
            .expect("roles")
            .iter()
            .all(|r| r.name != DEFAULT_ROLE_NAME),
        "no other role was created"
    );
}

/// The lab with `fix`'s plan applied, broken by `break_it` before its agents register.
async fn lab_broken(
    break_it: impl FnOnce(&mut ssmdeck::cloud::sandbox::world::World),
) -> (SandboxCloud, App) {
    let cloud = SandboxCloud::new(Scenario::Lab, Clock::manual(t0()));
    let s = fetch::snapshot(&cloud).await;
    let r = evaluate(&s);
    let plan = plan_fix(&s, &r, &[], &[], DEFAULT_ROLE_NAME, "20261130");
    assert!(executor::apply(&cloud, &plan, None, &mut |_| {}).await);
    cloud.edit(break_it).expect("edit");
    cloud.clock().advance(SignedDuration::from_secs(30));
    let mut app = app_on(&cloud, 160, 45).await;
    update(&mut app, Msg::Tick(cloud.now()));
    key(&mut app, KeyCode::Char('8'));
    (cloud, app)
}

#[tokio::test]
async fn the_lab_offers_the_fix_for_what_still_blocks() {
    // VPC DNS hostnames off with the endpoints in place: step 2 again, Enter fixes it.
    let (cloud, mut app) = lab_broken(|w| w.vpcs[0].dns_hostnames = Some(false)).await;
    assert_eq!(app.pane, Pane::Lab);
    assert_eq!(
        app.lab().expect("the lab is built").steps[1].state,
        StepState::Next,
        "{:?}",
        app.lab().expect("the lab is built").steps
    );
    press(&mut app, &cloud, KeyCode::Enter).await;
    let plan = dialog_plan(&app).unwrap_or_else(|| panic!("a dialog, not {:?}", app.status));
    assert!(
        plan.selected_calls()
            .any(|c| matches!(c, Call::ModifyVpcAttribute { .. }))
    );

    // Instance metadata off on one instance: step 5 offers the fix.
    let (cloud, mut app) =
        lab_broken(|w| w.instances[0].instance.metadata.endpoint_enabled = false).await;
    assert_eq!(
        app.lab().expect("the lab is built").steps[4].state,
        StepState::Next,
        "{:?}",
        app.lab().expect("the lab is built").steps
    );
    press(&mut app, &cloud, KeyCode::Enter).await;
    let plan = dialog_plan(&app).unwrap_or_else(|| panic!("a dialog, not {:?}", app.status));
    assert!(
        plan.selected_calls()
            .any(|c| matches!(c, Call::ModifyInstanceMetadataOptions { .. }))
    );
    press(&mut app, &cloud, KeyCode::Char('y')).await;
    let instances = cloud.describe_instances().await.expect("instances");
    assert!(
        instances.iter().all(|i| i.metadata.endpoint_enabled),
        "read back"
    );

    // A Deny in the role's policy: nothing a call here changes, and the Lab says what.
    let (cloud, mut app) = lab_broken(|w| {
        if let Some(role) = w.roles.iter_mut().find(|r| r.name == DEFAULT_ROLE_NAME) {
            role.policies = RolePolicies::Read {
                documents: vec![PolicyText {
                    name: "no-agent".into(),
                    arn: None,
                    document: r#"{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Action":"ssm:*","Resource":"*"}]}"#.into(),
                }],
            };
        }
    })
    .await;
    assert!(
        app.readiness
            .instances
            .iter()
            .all(|i| i.verdict == Verdict::NotManaged),
        "{:?}",
        app.readiness.instances
    );
    press(&mut app, &cloud, KeyCode::Enter).await;
    let text = status(&app);
    assert!(dialog_plan(&app).is_none());
    assert!(
        !text.contains("nothing to do") && text.contains("manual:"),
        "{text}"
    );
    feed(&mut app, &cloud).await;
}

fn options(instances: Vec<String>) -> FixOptions {
    FixOptions {
        dry_run: false,
        yes: true,
        vpcs: vec![],
        instances,
        offered: false,
        read_only: false,
        audit: AuditLog::in_memory(),
        role_name: DEFAULT_ROLE_NAME.into(),
        lang: Lang::En,
    }
}

#[tokio::test]
async fn fix_exits_1_while_a_blocker_stands_and_0_once_none_does() {
    // Fixable: instance metadata off. `fix` turns it on, reads the account again: 0.
    let cloud = SandboxCloud::new(Scenario::Lab, Clock::manual(t0()));
    cloud
        .edit(|w| w.instances[1].instance.metadata.endpoint_enabled = false)
        .expect("edit");
    assert_eq!(fix_run(&cloud, options(vec![])).await.expect("fix"), 0);
    let s = fetch::snapshot(&cloud).await;
    assert!(
        s.instances
            .instances
            .iter()
            .all(|i| i.metadata.endpoint_enabled)
    );
    // Again: nothing to do, and nothing blocks.
    assert_eq!(fix_run(&cloud, options(vec![])).await.expect("fix"), 0);

    // Manual only: a NAT gateway that is gone. Exit 1, the account unchanged.
    let cloud = SandboxCloud::new(Scenario::Fleet(60), Clock::manual(t0()));
    let gone = fetch::snapshot(&cloud)
        .await
        .instances
        .instances
        .iter()
        .find(|i| i.subnet_id.as_deref() == Some("subnet-0f00000001000000b"))
        .map(|i| i.id.clone())
        .expect("the instance behind the deleted NAT");
    assert_eq!(
        fix_run(&cloud, options(vec![gone.clone()]))
            .await
            .expect("fix"),
        1
    );
    let s = fetch::snapshot(&cloud).await;
    let r = evaluate(&s);
    assert_eq!(
        r.instances
            .iter()
            .find(|i| i.instance_id == gone)
            .map(|i| i.verdict.clone()),
        Some(Verdict::NotManaged)
    );
}
