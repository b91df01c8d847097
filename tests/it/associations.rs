//! State Manager associations: which nodes an association targets, the inventory finding,
//! and the sandbox's lab where inventory appears only once the association step ran.

use crossterm::event::KeyCode;
use jiff::SignedDuration;
use ssmdeck::cloud::Cloud;
use ssmdeck::cloud::sandbox::{Clock, SandboxCloud, Scenario};
use ssmdeck::domain::associations::{
    hybrid_inventory_finding, inventory_association, inventory_finding,
};
use ssmdeck::domain::findings::{FindingKind, Fix};
use ssmdeck::domain::model::{AssociationTarget, INVENTORY_DOCUMENT, StateAssociation};
use ssmdeck::i18n::Lang;
use ssmdeck::tui::app::{App, Mode, Msg, update};
use ssmdeck::tui::lab::StepState;

use crate::fixtures::t0;
use crate::ui::{app_on, feed, key, run_effects, screen};

fn assoc(document: &str, targets: Vec<AssociationTarget>) -> StateAssociation {
    StateAssociation {
        id: "a-1".into(),
        document: document.into(),
        targets,
        ..StateAssociation::default()
    }
}

fn tags(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

/// A hybrid node's tags are not in the node list: a tag-targeted association may reach it,
/// so only its missing inventory tells; named by id or `*`, it is reached.
#[test]
fn a_hybrid_node_is_judged_by_id_targets_and_its_inventory() {
    let by_tag = [assoc(
        INVENTORY_DOCUMENT,
        vec![AssociationTarget::new("tag:Env", &["prod"])],
    )];
    let every = [assoc(
        INVENTORY_DOCUMENT,
        vec![AssociationTarget::new("InstanceIds", &["*"])],
    )];
    let node = "mi-0123456789abcdef0";
    assert!(hybrid_inventory_finding(&[], node, None).is_some());
    assert!(hybrid_inventory_finding(&every, node, Some(false)).is_none());
    assert!(hybrid_inventory_finding(&by_tag, node, None).is_none());
    assert!(hybrid_inventory_finding(&by_tag, node, Some(true)).is_none());
    let f = hybrid_inventory_finding(&by_tag, node, Some(false)).expect("no inventory");
    assert_eq!(f.kind, FindingKind::InventoryNotCollected);
    assert_eq!(f.subject, node);
}

#[test]
fn an_inventory_association_naming_the_node_collects_its_inventory() {
    let by_id = [assoc(
        INVENTORY_DOCUMENT,
        vec![AssociationTarget::new("InstanceIds", &["i-1", "i-2"])],
    )];
    assert!(inventory_association(&by_id, "i-2", &[]).is_some());
    assert!(inventory_finding(&by_id, "i-1", &[]).is_none());
    // Another node is not covered.
    let f = inventory_finding(&by_id, "i-3", &[]).expect("a finding on i-3");
    assert_eq!(f.kind, FindingKind::InventoryNotCollected);
    assert_eq!(f.subject, "i-3");
    assert_eq!(
        f.fix,
        Fix::SetupInventory {
            instance_id: "i-3".into()
        }
    );
}

#[test]
fn a_tag_target_covers_the_nodes_with_one_of_its_values() {
    let by_tag = [assoc(
        INVENTORY_DOCUMENT,
        vec![AssociationTarget::new("tag:Env", &["prod", "staging"])],
    )];
    assert!(inventory_finding(&by_tag, "i-1", &tags(&[("Env", "staging")])).is_none());
    assert!(inventory_finding(&by_tag, "i-1", &tags(&[("Env", "dev")])).is_some());
    assert!(inventory_finding(&by_tag, "i-1", &tags(&[("Team", "prod")])).is_some());
    assert!(inventory_finding(&by_tag, "i-1", &[]).is_some());
}

#[test]
fn instance_ids_star_covers_every_node() {
    let all = [assoc(
        INVENTORY_DOCUMENT,
        vec![AssociationTarget::every_node()],
    )];
    for id in ["i-1", "i-0abc", "mi-0123456789abcdef0"] {
        assert!(inventory_finding(&all, id, &[]).is_none(), "{id}");
    }
}

#[test]
fn no_association_or_another_document_is_a_finding() {
    assert!(inventory_finding(&[], "i-1", &[]).is_some());
    let patching = [assoc(
        "AWS-RunPatchBaseline",
        vec![AssociationTarget::every_node()],
    )];
    let f = inventory_finding(&patching, "i-1", &[]).expect("patching collects nothing");
    assert_eq!(f.kind, FindingKind::InventoryNotCollected);
}

const W: u16 = 160;
const H: u16 = 45;

async fn press(app: &mut App, cloud: &SandboxCloud, code: KeyCode) {
    let effects = key(app, code);
    run_effects(app, cloud, None, effects).await;
}

/// Enter on the Lab, then y when a dialog opened.
async fn lab_step(app: &mut App, cloud: &SandboxCloud) {
    press(app, cloud, KeyCode::Enter).await;
    if matches!(app.mode, Mode::Confirm(_) | Mode::Propose(_)) {
        press(app, cloud, KeyCode::Char('y')).await;
    }
    feed(app, cloud).await;
}

async fn wait(app: &mut App, cloud: &SandboxCloud, secs: i64) {
    cloud.clock().advance(SignedDuration::from_secs(secs));
    feed(app, cloud).await;
    update(app, Msg::Tick(cloud.clock().now()));
}

fn step_state(app: &App, number: u8) -> StepState {
    app.lab()
        .expect("the lab is built")
        .steps
        .iter()
        .find(|s| s.number == number)
        .map(|s| s.state.clone())
        .expect("the step exists")
}

#[tokio::test]
async fn lab_inventory_appears_only_after_the_association_step() {
    let cloud = SandboxCloud::new(Scenario::Lab, Clock::manual(t0()));
    let mut app = app_on(&cloud, W, H).await;
    app.lang = Lang::En;
    update(&mut app, Msg::Tick(t0()));
    key(&mut app, KeyCode::Char('8'));
    feed(&mut app, &cloud).await;
    // Endpoints, role, attach; the agents register.
    for _ in 0..3 {
        lab_step(&mut app, &cloud).await;
    }
    wait(&mut app, &cloud, 20).await;
    assert_eq!(step_state(&app, 5), StepState::Done);
    // A Run Command and a patch scan.
    for _ in 0..2 {
        lab_step(&mut app, &cloud).await;
        wait(&mut app, &cloud, 5).await;
    }
    // Agents online, yet no inventory: no association collects it, however long one waits.
    wait(&mut app, &cloud, 3600).await;
    assert!(cloud.get_inventory().await.expect("inventory").is_empty());
    assert!(cloud.list_associations().await.expect("list").is_empty());
    assert_eq!(step_state(&app, 7), StepState::Next);
    let lab_ids = app.lab().expect("lab").instance_ids.clone();
    assert!(app.readiness.instances.iter().all(|r| {
        r.findings
            .iter()
            .any(|f| f.kind == FindingKind::InventoryNotCollected)
    }));

    // Step 7: the association, confirmed; read back from the sandbox.
    lab_step(&mut app, &cloud).await;
    let associations = cloud.list_associations().await.expect("list");
    assert_eq!(associations.len(), 1, "{associations:?}");
    let a = &associations[0];
    assert_eq!(a.document, INVENTORY_DOCUMENT);
    assert_eq!(a.schedule.as_deref(), Some("rate(30 minutes)"));
    for id in &lab_ids {
        assert!(
            a.targets_node(id, &[]),
            "{id} not targeted: {:?}",
            a.targets
        );
    }
    // The association runs a little after it exists: then inventory is there.
    wait(&mut app, &cloud, 10).await;
    let inventory = cloud.get_inventory().await.expect("inventory");
    for id in &lab_ids {
        assert!(
            inventory
                .iter()
                .any(|x| &x.instance_id == id && x.application_count > 0),
            "no inventory for {id}: {inventory:?}"
        );
        let runs = cloud
            .describe_instance_associations_status(id)
            .await
            .expect("statuses");
        assert!(
            runs.iter()
                .any(|r| r.document == INVENTORY_DOCUMENT && r.status == "Success"),
            "{runs:?}"
        );
    }
    wait(&mut app, &cloud, 60).await;
    assert_eq!(step_state(&app, 7), StepState::Done);
    assert!(app.lab().expect("lab").complete());
    // The Inventory pane says it is collected everywhere.
    key(&mut app, KeyCode::Char('4'));
    let text = screen(&app, W, H);
    assert!(text.contains("collects inventory on all"), "{text}");
}

#[tokio::test]
async fn the_fleet_has_nodes_no_inventory_association_targets() {
    let cloud = SandboxCloud::new(Scenario::Fleet(12), Clock::manual(t0()));
    let mut app = app_on(&cloud, W, H).await;
    update(&mut app, Msg::Tick(t0()));
    feed(&mut app, &cloud).await;
    let uncollected: Vec<&str> = app
        .readiness
        .instances
        .iter()
        .filter(|r| {
            r.findings
                .iter()
                .any(|f| f.kind == FindingKind::InventoryNotCollected)
        })
        .map(|r| r.instance_id.as_str())
        .collect();
    assert!(!uncollected.is_empty());
    assert!(uncollected.len() < app.snapshot.nodes.nodes.len());
    key(&mut app, KeyCode::Char('4'));
    let text = screen(&app, W, H);
    assert!(text.contains("inventory not collected on"), "{text}");
    assert!(text.contains("no association"), "{text}");
}

/// `c` on Inventory: one association for the nodes without one, confirmed, audited, and
/// read back from the account; `c` again has nothing to add.
#[tokio::test]
async fn the_inventory_key_sets_up_collection_confirmed_and_audited() {
    use ssmdeck::engine::audit::{Audit, AuditLog};
    let cloud = SandboxCloud::new(Scenario::Fleet(12), Clock::manual(t0()));
    let audit = Audit {
        log: AuditLog::in_memory(),
        account: Some("123456789012".into()),
        region: "us-east-1".into(),
        profile: "sandbox".into(),
    };
    let mut app = app_on(&cloud, W, H).await;
    app.set_lang(Lang::En);
    update(&mut app, Msg::Tick(t0()));
    feed(&mut app, &cloud).await;
    let listed = cloud.list_associations().await.expect("list");
    let before = listed.len();
    let uncollected = ssmdeck::domain::plan::uncollected(&app.readiness, &[]);
    assert!(!uncollected.is_empty());
    key(&mut app, KeyCode::Char('4'));
    let effects = key(&mut app, KeyCode::Char('c'));
    run_effects(&mut app, &cloud, Some(&audit), effects).await;
    assert!(matches!(app.mode, Mode::Confirm(_)), "{:?}", app.mode);
    assert!(screen(&app, W, H).contains("AWS-GatherSoftwareInventory"));
    assert_eq!(cloud.list_associations().await.expect("list").len(), before);
    let effects = key(&mut app, KeyCode::Char('y'));
    run_effects(&mut app, &cloud, Some(&audit), effects).await;
    let after = cloud.list_associations().await.expect("list");
    assert_eq!(after.len(), before + 1, "{after:?}");
    let made = after
        .iter()
        .find(|a| !listed.iter().any(|b| b.id == a.id))
        .expect("the new association");
    assert!(made.collects_inventory());
    assert_eq!(made.schedule.as_deref(), Some("rate(30 minutes)"));
    for id in &uncollected {
        assert!(made.targets_node(id, &[]), "{id}: {:?}", made.targets);
    }
    let logged = audit.log.tail(20).expect("audit");
    assert!(
        logged
            .iter()
            .any(|e| e.action == "ssm:CreateAssociation" && e.outcome.starts_with("ok")),
        "{logged:?}"
    );
    // Read again: every node is reached, the key finds nothing to add.
    cloud.clock().advance(SignedDuration::from_secs(120));
    feed(&mut app, &cloud).await;
    assert!(ssmdeck::domain::plan::uncollected(&app.readiness, &[]).is_empty());
}
