//! Rebuilds off the UI thread: the loop keeps answering while readiness and rows are
//! computed, and the data a build reads does not change under it.

use ssmdeck::cloud::sandbox::{Clock, SandboxCloud, Scenario};
use ssmdeck::domain::model::PingStatus;
use ssmdeck::domain::snapshot::Source;
use ssmdeck::engine::{EngineEvent, fetch};
use ssmdeck::tui::app::{App, Msg, update};
use ssmdeck::tui::offload::Offload;

use crate::fixtures::t0;

async fn fetched(cloud: &SandboxCloud, source: Source) -> (usize, EngineEvent) {
    let result = fetch::fetch(cloud, source, &[]).await;
    (0, EngineEvent::Fetched { at: t0(), result })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rebuilds_run_off_the_loop_and_results_wait_for_them() {
    let cloud = SandboxCloud::new(Scenario::Fleet(2000), Clock::manual(t0()));
    let mut app = App::new(t0());
    update(
        &mut app,
        Msg::Resize {
            width: 200,
            height: 50,
        },
    );
    let mut offload = Offload::attach(&mut app);

    // Data is applied at once; the rows wait for the build.
    let first = vec![
        fetched(&cloud, Source::Network).await,
        fetched(&cloud, Source::Instances).await,
    ];
    offload.events(&mut app, first);
    assert_eq!(app.snapshot.instances.instances.len(), 2000);
    assert!(app.tables[2].rows.is_empty(), "no build on the loop");
    assert!(app.build_pending());

    offload.start(&mut app);
    assert!(
        app.building,
        "the pane titles say the rows are being updated"
    );
    // Results that arrive while the build runs are held: the build's data stays as it was.
    offload.events(&mut app, vec![fetched(&cloud, Source::Nodes).await]);
    assert!(app.snapshot.nodes.nodes.is_empty(), "held during the build");

    let built = offload.finished().await.expect("the build finishes");
    offload.install(&mut app, built);
    assert_eq!(app.tables[2].rows.len(), 2000, "the rows of the build");
    assert!(!app.building);
    assert!(
        app.snapshot
            .nodes
            .nodes
            .iter()
            .any(|n| n.ping == PingStatus::Online),
        "the held results are applied after it"
    );
    assert_eq!(app.readiness.summary.online, 0, "not yet in the rows");
    assert!(app.build_pending(), "and their rebuild comes next");

    offload.start(&mut app);
    let built = offload.finished().await.expect("the second build");
    offload.install(&mut app, built);
    assert!(!app.build_pending());
    assert!(
        app.readiness.summary.online > 0,
        "managed nodes counted now"
    );
}
