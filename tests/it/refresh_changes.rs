//! A refresh that reads back what was there rebuilds nothing; one that brings a change does.

use jiff::SignedDuration;
use ssmdeck::cloud::sandbox::{Clock, SandboxCloud, Scenario};
use ssmdeck::cloud::{Cloud, CloudError};
use ssmdeck::domain::snapshot::{Snapshot, Source};
use ssmdeck::engine::fetch::{Fetched, apply_noting_change, fetch, fingerprint};

use crate::fixtures::t0;

/// The pollers compare a core source's read with the last by its fingerprint (on their
/// own task): the same account gives the same number, a write another.
#[tokio::test]
async fn an_unchanged_core_read_has_the_same_fingerprint_and_a_changed_one_does_not() {
    let cloud = SandboxCloud::new(Scenario::Fleet(200), Clock::manual(t0()));
    cloud.clock().advance(SignedDuration::from_secs(3600));
    const CORE: [Source; 4] = [
        Source::Instances,
        Source::Nodes,
        Source::Network,
        Source::Iam,
    ];
    let mut prints = Vec::new();
    for source in CORE {
        let read = fetch(&cloud, source, &[]).await;
        prints.push(fingerprint(&read).expect("a good core read has one"));
    }
    // Ten seconds later nothing happened in the account: the same numbers.
    cloud.clock().advance(SignedDuration::from_secs(10));
    for (source, before) in CORE.into_iter().zip(&prints) {
        let again = fetch(&cloud, source, &[]).await;
        assert_eq!(fingerprint(&again), Some(*before), "{source:?}");
    }
    // Failures and fleet sources have none: they always reach the console.
    let failed = Fetched::Nodes(Err(CloudError::Unavailable("down".into())));
    assert_eq!(fingerprint(&failed), None);
    let inventory = fetch(&cloud, Source::Inventory, &[]).await;
    assert_eq!(fingerprint(&inventory), None);
    // A write in the account: the next read of what it touched is news.
    let instances = fetch(&cloud, Source::Instances, &[]).await;
    let Fetched::Instances(Ok(data)) = &instances else {
        panic!("instances");
    };
    let bare = data
        .instances
        .iter()
        .find(|i| i.profile_arn.is_none())
        .map(|i| i.id.clone())
        .expect("an instance without a profile");
    cloud
        .associate_iam_instance_profile(&bare, "fleet-ssm-role")
        .await
        .expect("attach");
    cloud.clock().advance(SignedDuration::from_secs(10));
    let after = fetch(&cloud, Source::Instances, &[]).await;
    assert_ne!(fingerprint(&after), Some(prints[0]), "a write went unseen");
}

/// An unchanged read reaches the console as its age only: nothing is rebuilt, a failure
/// shown before is cleared.
#[tokio::test]
async fn an_unchanged_event_moves_the_age_and_rebuilds_nothing() {
    use ssmdeck::engine::EngineEvent;
    use ssmdeck::tui::app::{Msg, update};
    let cloud = SandboxCloud::new(Scenario::Fleet(30), Clock::manual(t0()));
    let mut app = crate::ui::app_on(&cloud, 120, 40).await;
    let rows_before = app.table().map(|t| t.rows.clone());
    let failed = Fetched::Instances(Err(CloudError::Unavailable("down".into())));
    update(
        &mut app,
        Msg::Engine(EngineEvent::Fetched {
            at: cloud.now(),
            result: failed,
        }),
    );
    assert!(app.snapshot.status(Source::Instances).error.is_some());
    cloud.clock().advance(SignedDuration::from_secs(10));
    let effects = update(
        &mut app,
        Msg::Engine(EngineEvent::Unchanged {
            source: Source::Instances,
            at: cloud.now(),
        }),
    );
    assert!(effects.is_empty());
    let status = app.snapshot.status(Source::Instances);
    assert_eq!(status.fetched_at, Some(cloud.now()));
    assert!(status.error.is_none());
    assert_eq!(app.table().map(|t| t.rows.clone()), rows_before);
}

/// Inventory collection is judged from the associations: readiness is judged again when
/// they first arrive and when they change, not on every read of the same list.
#[tokio::test]
async fn readiness_follows_the_associations_when_they_change() {
    use ssmdeck::domain::model::{
        AssociationTarget, CreateAssociationRequest, INVENTORY_DOCUMENT, INVENTORY_SCHEDULE,
        inventory_parameters,
    };
    let cloud = SandboxCloud::new(Scenario::Lab, Clock::manual(t0()));
    let mut snap = Snapshot::default();
    let first = fetch(&cloud, Source::Associations, &[]).await;
    let absorbed = apply_noting_change(&mut snap, first, cloud.now());
    assert!(absorbed.rejudge, "the first read of the associations");
    let again = fetch(&cloud, Source::Associations, &[]).await;
    let absorbed = apply_noting_change(&mut snap, again, cloud.now());
    assert!(absorbed.changed, "the pane's ages still move");
    assert!(!absorbed.rejudge, "the same associations judged again");
    cloud
        .create_association(&CreateAssociationRequest {
            name: "inventory".into(),
            document: INVENTORY_DOCUMENT.into(),
            targets: vec![AssociationTarget::new(
                "InstanceIds",
                &["i-0a1b2c3d4e5f60001"],
            )],
            schedule: INVENTORY_SCHEDULE.into(),
            parameters: inventory_parameters(),
        })
        .await
        .expect("association");
    let after = fetch(&cloud, Source::Associations, &[]).await;
    assert!(apply_noting_change(&mut snap, after, cloud.now()).rejudge);
}

/// Every node's last ping moves every five minutes; nothing shown or judged reads it.
/// A read that differs only there is kept without judging or rebuilding anything; a
/// node whose connection is lost is news.
#[tokio::test]
async fn a_nodes_read_that_moves_only_last_pings_is_kept_without_a_rebuild() {
    use ssmdeck::engine::EngineEvent;
    use ssmdeck::engine::fetch::shown_fingerprint;
    use ssmdeck::tui::app::{Msg, update};
    let cloud = SandboxCloud::new(Scenario::Fleet(200), Clock::manual(t0()));
    cloud.clock().advance(SignedDuration::from_secs(3600));
    let mut app = crate::ui::app_on(&cloud, 120, 40).await;
    let first = fetch(&cloud, Source::Nodes, &[]).await;
    cloud.clock().advance(SignedDuration::from_secs(301));
    let later = fetch(&cloud, Source::Nodes, &[]).await;
    assert_ne!(fingerprint(&later), fingerprint(&first), "the pings moved");
    assert_eq!(shown_fingerprint(&later), shown_fingerprint(&first));
    let Fetched::Nodes(Ok(data)) = &later else {
        panic!("nodes");
    };
    let newest = data.nodes.iter().filter_map(|n| n.last_ping).max();
    let readiness = app.readiness.clone();
    let rows = app.table().map(|t| t.rows.clone());
    update(
        &mut app,
        Msg::Engine(EngineEvent::Refreshed {
            at: cloud.now(),
            result: later,
        }),
    );
    assert!(
        std::sync::Arc::ptr_eq(&app.readiness, &readiness),
        "nothing judged again"
    );
    assert_eq!(app.table().map(|t| t.rows.clone()), rows);
    assert_eq!(
        app.snapshot
            .nodes
            .nodes
            .iter()
            .filter_map(|n| n.last_ping)
            .max(),
        newest,
        "the new pings are kept (an export writes them)"
    );
    assert_eq!(
        app.snapshot.status(Source::Nodes).fetched_at,
        Some(cloud.now())
    );
    // A node that stops answering changes what is shown.
    cloud
        .edit(|w| {
            if let Some(i) = w.instances.iter_mut().find(|i| i.registered_at.is_some()) {
                i.connection_lost = true;
            }
        })
        .expect("edit");
    let lost = fetch(&cloud, Source::Nodes, &[]).await;
    assert_ne!(shown_fingerprint(&lost), shown_fingerprint(&first));
}
