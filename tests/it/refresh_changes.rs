//! A refresh that reads back what was there rebuilds nothing; one that brings a change does.

use jiff::SignedDuration;
use ssmdeck::cloud::sandbox::{Clock, SandboxCloud, Scenario};
use ssmdeck::cloud::{Cloud, CloudError};
use ssmdeck::domain::snapshot::{Snapshot, Source};
use ssmdeck::engine::fetch::{Fetched, apply_noting_change, fetch};

use crate::fixtures::t0;

#[tokio::test]
async fn an_unchanged_core_read_changes_nothing_and_a_changed_one_does() {
    let cloud = SandboxCloud::new(Scenario::Fleet(200), Clock::manual(t0()));
    cloud.clock().advance(SignedDuration::from_secs(3600));
    let mut snap = Snapshot::default();
    for source in [
        Source::Instances,
        Source::Nodes,
        Source::Network,
        Source::Iam,
    ] {
        let first = fetch(&cloud, source, &[]).await;
        let changed = apply_noting_change(&mut snap, first, cloud.now()).changed;
        assert!(changed, "{source:?}: the first read is news");
    }
    // Ten seconds later nothing happened in the account: the same data, nothing to rebuild.
    cloud.clock().advance(SignedDuration::from_secs(10));
    for source in [
        Source::Instances,
        Source::Nodes,
        Source::Network,
        Source::Iam,
    ] {
        let again = fetch(&cloud, source, &[]).await;
        let changed = apply_noting_change(&mut snap, again, cloud.now()).changed;
        assert!(!changed, "{source:?}: a read of the same data rebuilt");
        assert_eq!(
            snap.status(source).fetched_at,
            Some(cloud.now()),
            "{source:?} age"
        );
    }
    // A failed read keeps the data; the good read after it counts as news again.
    let failed = Fetched::Nodes(Err(CloudError::Unavailable("down".into())));
    let changed = apply_noting_change(&mut snap, failed, cloud.now()).changed;
    assert!(!changed);
    let back = fetch(&cloud, Source::Nodes, &[]).await;
    assert!(
        apply_noting_change(&mut snap, back, cloud.now()).changed,
        "recovered"
    );
    // A write in the account: the next read of what it touched is news.
    let bare = snap
        .instances
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
    assert!(
        apply_noting_change(&mut snap, after, cloud.now()).changed,
        "a write went unseen"
    );
    // Fleet sources always rebuild: their rows show ages.
    let inventory = fetch(&cloud, Source::Inventory, &[]).await;
    apply_noting_change(&mut snap, inventory, cloud.now());
    let inventory = fetch(&cloud, Source::Inventory, &[]).await;
    assert!(apply_noting_change(&mut snap, inventory, cloud.now()).changed);
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
