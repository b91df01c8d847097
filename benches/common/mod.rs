//! Shared set-up of the benchmarks: a `fleet:N` sandbox on a manual clock, and an
//! App fed the way the pollers feed it (`EngineEvent::Fetched` from `fetch::fetch`).
#![allow(dead_code)]

use jiff::{SignedDuration, Timestamp};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ssmdeck::cloud::Cloud;
use ssmdeck::cloud::sandbox::world::SimEndpoint;
use ssmdeck::cloud::sandbox::{Clock, SandboxCloud, Scenario};
use ssmdeck::domain::model::{PingStatus, Subnet, Vpc, VpcEndpoint};
use ssmdeck::domain::snapshot::Source;
use ssmdeck::engine::{EngineEvent, fetch};
use ssmdeck::tui::app::{App, Msg, Pane, update};
use ssmdeck::tui::render;

pub const WIDTH: u16 = 200;
pub const HEIGHT: u16 = 50;

/// The fixed start of the virtual clock (the tests use the same instant).
pub fn t0() -> Timestamp {
    Timestamp::from_second(1_800_000_000).unwrap_or(Timestamp::UNIX_EPOCH)
}

pub fn fleet(n: usize) -> SandboxCloud {
    SandboxCloud::new(Scenario::Fleet(n), Clock::manual(t0()))
}

/// Every instance of the fleet registered and online, so the Patches pane has one row
/// per instance (fleet:N alone registers only the ready part of the fleet).
pub fn all_registered(cloud: &SandboxCloud) {
    let at = t0() - SignedDuration::from_hours(30);
    let _ = cloud.edit(|w| {
        for i in &mut w.instances {
            i.instance.state = ssmdeck::domain::model::InstanceState::Running;
            if i.agent_version.is_none() {
                i.agent_version = Some("3.3.1957.0".into());
            }
            i.registered_at = Some(at);
            i.connection_lost = false;
        }
        let region = w.region.clone();
        let states: Vec<_> = w
            .instances
            .iter()
            .enumerate()
            .map(|(n, i)| {
                ssmdeck::cloud::sandbox::patching::patch_state(i, &region, n % 3 == 0, at)
            })
            .collect();
        for state in states {
            w.patch_states.insert(state.instance_id.clone(), state);
        }
    });
}

/// Adds VPCs (each with the three required endpoints) until the Endpoints pane has
/// about `rows` rows (seven services per VPC).
pub fn endpoint_vpcs(cloud: &SandboxCloud, rows: usize) {
    let vpcs = rows.div_ceil(7);
    let _ = cloud.edit(|w| {
        let region = w.region.clone();
        let created = t0() - SignedDuration::from_hours(24);
        for v in w.vpcs.len()..vpcs {
            let vpc = format!("vpc-0e{v:015x}");
            let subnet = format!("subnet-0e{v:015x}");
            w.vpcs.push(Vpc {
                id: vpc.clone(),
                name: Some(format!("bench-{v:06}")),
                cidr: "10.200.0.0/16".into(),
                is_default: false,
                dns_support: Some(true),
                dns_hostnames: Some(true),
            });
            w.subnets.push(Subnet {
                id: subnet.clone(),
                vpc_id: vpc.clone(),
                name: Some(format!("bench-{v:06}-a")),
                az: "us-east-1a".into(),
                cidr: "10.200.0.0/24".into(),
                map_public_ip_on_launch: false,
            });
            for (s, short) in ["ssm", "ssmmessages", "ec2messages"].iter().enumerate() {
                w.endpoints.push(SimEndpoint {
                    endpoint: VpcEndpoint {
                        id: format!("vpce-0e{v:010x}{s:05x}"),
                        vpc_id: vpc.clone(),
                        service_name: ssmdeck::domain::readiness::service_name(&region, short),
                        kind: ssmdeck::domain::model::EndpointType::Interface,
                        state: ssmdeck::domain::model::EndpointState::Available,
                        private_dns: true,
                        subnet_ids: vec![subnet.clone()],
                        security_group_ids: vec![],
                        route_table_ids: vec![],
                        policy_document: None,
                    },
                    created,
                    client_token: format!("bench-{v}-{short}"),
                });
            }
        }
    });
}

/// Online managed nodes: what the nodes poller hands the patches poller.
pub fn managed(app: &App) -> Vec<String> {
    app.snapshot
        .nodes
        .nodes
        .iter()
        .filter(|n| n.ping == PingStatus::Online)
        .map(|n| n.instance_id.clone())
        .collect()
}

/// An App at `width`×`height` that has received one refresh of every source.
pub fn app_on(cloud: &SandboxCloud, width: u16, height: u16) -> App {
    let mut app = App::new(cloud.now());
    update(&mut app, Msg::Resize { width, height });
    let identity = futures::executor::block_on(cloud.identity());
    update(&mut app, Msg::Engine(EngineEvent::Identity(identity)));
    for source in Source::ALL {
        let result = futures::executor::block_on(fetch::fetch(cloud, source, &managed(&app)));
        update(
            &mut app,
            Msg::Engine(EngineEvent::Fetched {
                at: cloud.now(),
                result,
            }),
        );
    }
    app
}

/// One fetch result of `source`, ready to be sent again and again.
pub fn fetched(cloud: &SandboxCloud, app: &App, source: Source) -> Msg {
    let result = futures::executor::block_on(fetch::fetch(cloud, source, &managed(app)));
    Msg::Engine(EngineEvent::Fetched {
        at: cloud.now(),
        result,
    })
}

/// The App on `pane` with `rows` rows in that pane's table.
pub fn app_with_rows(pane: Pane, rows: usize) -> App {
    let cloud = match pane {
        Pane::Endpoints => {
            let c = fleet(8);
            endpoint_vpcs(&c, rows);
            c
        }
        Pane::Patches => {
            let c = fleet(rows);
            all_registered(&c);
            c
        }
        _ => fleet(rows),
    };
    let mut app = app_on(&cloud, WIDTH, HEIGHT);
    app.pane = pane;
    app
}

pub fn terminal() -> Terminal<TestBackend> {
    match Terminal::new(TestBackend::new(WIDTH, HEIGHT)) {
        Ok(t) => t,
        Err(e) => match e {},
    }
}

/// Draws one frame of the App, as the event loop does.
pub fn frame(terminal: &mut Terminal<TestBackend>, app: &App) {
    match terminal.draw(|f| render::draw(f, app)) {
        Ok(_) => {}
        Err(e) => match e {},
    }
}

/// Rows in the table the current pane shows.
pub fn rows_of(app: &App) -> usize {
    app.table().map_or(0, |t| t.rows.len())
}
