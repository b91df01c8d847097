//! Several regions and accounts in one view: merge, labels, routing of actions.

use crossterm::event::KeyCode;
use ssmdeck::cloud::Cloud;
use ssmdeck::cloud::sandbox::{Clock, SANDBOX_REGIONS, SandboxCloud, Scenario};
use ssmdeck::domain::snapshot::Source;
use ssmdeck::engine::{EngineEvent, fetch};
use ssmdeck::scope::{Regions, Scope, Selection, reads_iam};
use ssmdeck::tui::app::{App, Effect, Mode, Msg, Pane, update};

use crate::cli::ssmdeck;
use crate::fixtures::t0;
use crate::ui::{chars, key, screen};

/// The scopes `--sandbox --profile … --region …` would start, with their clouds.
fn sandbox_scopes(profiles: &[&str], regions: &[&str]) -> Vec<(Scope, SandboxCloud)> {
    let selection = Selection::new(
        profiles.iter().map(ToString::to_string).collect(),
        regions.iter().map(ToString::to_string).collect(),
    )
    .expect("selection");
    SandboxCloud::for_selection(Scenario::Lab, &Clock::manual(t0()), &selection)
}

/// Every scope's identity and sources, as the tagged pollers would deliver them.
async fn multi_app(scopes: &[(Scope, SandboxCloud)], width: u16, height: u16) -> App {
    let mut app = App::new(t0());
    update(&mut app, Msg::Resize { width, height });
    app.set_scopes(scopes.iter().map(|(s, _)| s.clone()).collect());
    let reads = reads_iam(&scopes.iter().map(|(s, _)| s.clone()).collect::<Vec<_>>());
    for (ix, (_, cloud)) in scopes.iter().enumerate() {
        let id = cloud.identity().await;
        update(&mut app, Msg::Scoped(ix, EngineEvent::Identity(id)));
        for source in Source::ALL {
            if source == Source::Iam && !reads[ix] {
                continue;
            }
            let result = fetch::fetch(cloud, source, &[]).await;
            let at = cloud.now();
            update(
                &mut app,
                Msg::Scoped(ix, EngineEvent::Fetched { at, result }),
            );
        }
    }
    app
}

fn rows_of(app: &App) -> Vec<Vec<String>> {
    app.table()
        .map(|t| {
            t.visible
                .iter()
                .map(|&i| t.rows[i].cells.iter().map(|c| c.text.clone()).collect())
                .collect()
        })
        .unwrap_or_default()
}

/// Moves the selection down to the first visible row whose cells match.
fn go_to(app: &mut App, matches: impl Fn(&[&str]) -> bool) {
    let target = app
        .table()
        .and_then(|t| {
            t.visible.iter().position(|&i| {
                let cells: Vec<&str> = t.rows[i].cells.iter().map(|c| c.text.as_str()).collect();
                matches(&cells)
            })
        })
        .expect("a matching row");
    for _ in 0..target {
        key(app, KeyCode::Char('j'));
    }
}

/// The plan a key proposed (its dry run starts at once).
fn dry_run_of(effects: &[Effect]) -> ssmdeck::domain::plan::Plan {
    effects
        .iter()
        .find_map(|e| match e {
            Effect::DryRun(p) => Some(p.clone()),
            _ => None,
        })
        .expect("a dry run of the plan")
}

#[test]
fn selections_expand_profiles_outer_regions_inner() {
    let s = Selection::new(
        vec!["dev".into(), "prod".into(), "dev".into()],
        vec!["us-east-1".into(), "eu-west-1".into()],
    )
    .expect("valid");
    assert!(s.is_multi());
    let scopes = s.scopes(|_| Vec::new());
    let named: Vec<(String, String)> = scopes
        .iter()
        .map(|x| {
            (
                x.profile.clone().unwrap_or_default(),
                x.region.clone().unwrap_or_default(),
            )
        })
        .collect();
    assert_eq!(
        named,
        [
            ("dev", "us-east-1"),
            ("dev", "eu-west-1"),
            ("prod", "us-east-1"),
            ("prod", "eu-west-1")
        ]
        .map(|(a, b)| (a.to_string(), b.to_string()))
    );
    // IAM is global: one read per account.
    assert_eq!(reads_iam(&scopes), [true, false, true, false]);

    let all = Selection::new(Vec::new(), vec!["all".into()]).expect("all");
    assert_eq!(all.regions, Regions::All);
    let expanded = all.scopes(|p| {
        assert_eq!(p, None);
        vec!["a-1".into(), "b-2".into()]
    });
    assert_eq!(expanded.len(), 2);
    assert!(Selection::new(Vec::new(), vec!["all".into(), "us-east-1".into()]).is_err());
    let one = Selection::new(vec!["dev".into()], vec!["us-east-1".into()]).expect("one");
    assert!(!one.is_multi());
}

#[tokio::test]
async fn regions_merge_into_one_view_with_region_and_account_columns() {
    let scopes = sandbox_scopes(&[], &["ap-northeast-2", "eu-west-1"]);
    let mut app = multi_app(&scopes, 200, 50).await;
    key(&mut app, KeyCode::Char('3'));
    assert_eq!(app.pane, Pane::Instances);
    let rows = rows_of(&app);
    // The lab's 2 instances in Seoul and the 24 of the fleet in Ireland with its 5 hybrid
    // servers, each labelled with its region (one account: no Account column).
    assert_eq!(rows.len(), 31, "{rows:?}");
    assert_eq!(rows.iter().filter(|r| r[0] == "ap-northeast-2").count(), 2);
    assert_eq!(rows.iter().filter(|r| r[0] == "eu-west-1").count(), 29);
    let ids: std::collections::HashSet<&String> = rows.iter().map(|r| &r[1]).collect();
    assert_eq!(ids.len(), 31, "instance ids are unique across regions");
    let text = screen(&app, 200, 50);
    assert!(
        text.contains("Region") && !text.contains("Account"),
        "{text}"
    );
    assert!(
        text.contains("ap-northeast-2, eu-west-1"),
        "header names both regions: {text}"
    );

    // The filter matches the region.
    key(&mut app, KeyCode::Char('/'));
    chars(&mut app, "eu-west");
    key(&mut app, KeyCode::Enter);
    assert_eq!(rows_of(&app).len(), 29);

    assert_eq!(
        app.readiness.instances.len(),
        31,
        "readiness covers every scope, hybrid servers too"
    );
}

#[tokio::test]
async fn accounts_read_iam_once_and_roles_are_labelled_global() {
    let scopes = sandbox_scopes(&["dev", "prod"], &["ap-northeast-2", "us-east-1"]);
    assert_eq!(scopes.len(), 4);
    let mut app = multi_app(&scopes, 200, 50).await;
    key(&mut app, KeyCode::Char('2'));
    let rows = rows_of(&app);
    assert!(rows.iter().all(|r| r[0] == "global"), "{rows:?}");
    let prod: Vec<&Vec<String>> = rows.iter().filter(|r| r[1] == "prod").collect();
    let dev: Vec<&Vec<String>> = rows.iter().filter(|r| r[1] == "dev").collect();
    // Each account shows its roles once although two regions see them: the eight of the
    // fleet (one for each way a role goes wrong, Default Host Management's among them), and
    // the role ssmdeck would create (missing in both).
    assert_eq!(dev.len(), 9, "{rows:?}");
    // prod's fleets also have hybrid servers: their activation roles are listed too.
    assert_eq!(prod.len(), 11, "{rows:?}");
    // A role's instances are counted over every region of its account: prod's
    // fleet-ssm-role serves 15 instances in each of its two fleets.
    let count = |rows: &[&Vec<String>], name: &str| {
        rows.iter()
            .find(|r| r[2] == name)
            .map(|r| r[6].clone())
            .unwrap_or_default()
    };
    assert_eq!(count(&prod, "fleet-ssm-role"), "30", "{rows:?}");
    assert_eq!(count(&dev, "fleet-ssm-role"), "15", "{rows:?}");
    let accounts: std::collections::BTreeSet<Option<String>> = app
        .scopes
        .iter()
        .map(|v| v.snapshot.identity.account.clone())
        .collect();
    assert_eq!(accounts.len(), 2, "two account ids: {accounts:?}");
    // The same role name in two accounts: two rows with ids of their own, each in its scope.
    let ids: std::collections::BTreeSet<String> = app
        .table()
        .map(|t| t.rows.iter().map(|r| r.id.clone()).collect())
        .unwrap_or_default();
    assert_eq!(ids.len(), 20, "{ids:?} (prod adds two activation roles)");
    // The second region of prod evaluates readiness with the roles it shares.
    let prod_us = &app.scopes[3];
    assert!(!prod_us.reads_iam);
    assert_eq!(prod_us.snapshot.iam.roles.len(), 10);
    assert!(
        prod_us
            .readiness
            .instances
            .iter()
            .any(|r| r.verdict == ssmdeck::domain::readiness::Verdict::Managed),
        "instances with the shared role can be managed"
    );
}

#[tokio::test]
async fn a_plan_is_made_for_and_sent_to_the_scope_holding_the_vpc() {
    let scopes = sandbox_scopes(&[], &["ap-northeast-2", "eu-west-1"]);
    let mut app = multi_app(&scopes, 200, 50).await;
    key(&mut app, KeyCode::Char('1'));
    // Go to the first Ireland VPC that misses endpoints.
    go_to(&mut app, |cells| {
        cells[0] == "eu-west-1" && cells.iter().any(|c| c.contains("missing"))
    });
    let effects = key(&mut app, KeyCode::Char('c'));
    assert_eq!(app.plan_scope, 1, "the plan belongs to eu-west-1");
    let plan = dry_run_of(&effects);
    assert!(plan.place.contains("eu-west-1"), "{}", plan.place);
    assert!(matches!(app.mode, Mode::Confirm(_)));
    let (snapshot, _) = app.scope_data(1);
    assert!(
        plan.steps.iter().flat_map(|s| &s.calls).all(|c| {
            let text = format!("{c:?}");
            !text.contains("vpc-0a3c9e1b7d5f24680")
        }),
        "nothing of the Seoul lab VPC in an Ireland plan"
    );
    assert_eq!(snapshot.identity.region, "eu-west-1");
}

#[tokio::test]
async fn attaching_across_scopes_is_refused() {
    let scopes = sandbox_scopes(&[], &["ap-northeast-2", "eu-west-1"]);
    let mut app = multi_app(&scopes, 200, 50).await;
    key(&mut app, KeyCode::Char('3'));
    // Mark the first row of each region.
    let rows = rows_of(&app);
    let first_eu = rows
        .iter()
        .position(|r| r[0] == "eu-west-1")
        .expect("eu rows");
    key(&mut app, KeyCode::Char(' '));
    for _ in 0..first_eu.saturating_sub(1) {
        key(&mut app, KeyCode::Char('j'));
    }
    key(&mut app, KeyCode::Char(' '));
    assert_eq!(app.table().map(|t| t.marks.len()), Some(2));
    let effects = key(&mut app, KeyCode::Char('a'));
    assert!(effects.is_empty(), "{effects:?}");
    let status = app.status.clone().map(|s| s.1).unwrap_or_default();
    assert!(status.contains("several accounts or regions"), "{status}");
}

#[test]
fn check_reports_every_region_and_fix_refuses_several() {
    let out = ssmdeck(&["--sandbox", "--region", "all", "check", "--json"]);
    assert_eq!(out.status.code(), Some(1), "the lab is not ready");
    let reports: serde_json::Value =
        serde_json::from_slice(&out.stdout).expect("a JSON array of reports");
    let regions: Vec<&str> = reports
        .as_array()
        .expect("array")
        .iter()
        .filter_map(|r| r["region"].as_str())
        .collect();
    assert_eq!(regions, SANDBOX_REGIONS);

    let out = ssmdeck(&[
        "--sandbox",
        "--region",
        "eu-west-1,us-east-1",
        "fix",
        "--dry-run",
    ]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("one account and region at a time"), "{err}");
    assert_eq!(err.trim().lines().count(), 1, "{err}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn several_regions_against_moto_each_read_in_its_own_region() {
    let moto = crate::moto_server::MotoServer::start();
    let stack = moto.create_workshop_stack().await;
    let cloud = moto.cloud().await;
    let enabled = cloud.describe_regions().await.expect("DescribeRegions");
    assert!(
        enabled.iter().any(|r| r == "ap-northeast-2") && enabled.iter().any(|r| r == "eu-west-1"),
        "{enabled:?}"
    );
    assert!(
        enabled.windows(2).all(|w| w[0] <= w[1]),
        "sorted: {enabled:?}"
    );

    let log = std::env::temp_dir().join(format!("ssmdeck-it-scopes-{}.log", std::process::id()));
    let out = moto
        .ssmdeck(&log)
        .args(["--region", "ap-northeast-2,eu-west-1", "check", "--json"])
        .output()
        .expect("run ssmdeck");
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "not ready; stderr: {err}");
    let reports: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON array");
    let reports = reports.as_array().expect("array");
    assert_eq!(reports.len(), 2);
    assert_eq!(reports[0]["region"], "ap-northeast-2");
    assert_eq!(reports[1]["region"], "eu-west-1");
    let has_lab = |r: &serde_json::Value| {
        r["vpcs"]
            .as_array()
            .is_some_and(|vs| vs.iter().any(|v| v["vpc_id"] == stack.vpc_id.as_str()))
    };
    assert!(has_lab(&reports[0]), "the stack is in Seoul");
    assert!(!has_lab(&reports[1]), "and not in Ireland");
}

#[tokio::test]
async fn a_role_is_created_in_the_account_of_the_selected_row_and_seen_in_its_regions() {
    let scopes = sandbox_scopes(&["dev", "prod"], &["ap-northeast-2", "us-east-1"]);
    let mut app = multi_app(&scopes, 200, 50).await;
    key(&mut app, KeyCode::Char('2'));
    go_to(&mut app, |cells| {
        cells[1] == "prod" && cells[2] == "ManagedInstancesRole"
    });
    let effects = key(&mut app, KeyCode::Char('n'));
    assert_eq!(app.plan_scope, 2, "prod's first region reads its IAM");
    let plan = dry_run_of(&effects);
    assert_eq!(plan.place, "prod", "IAM is global: the account only");
    let text = screen(&app, 200, 50);
    assert!(
        text.contains("Create the instance role ManagedInstancesRole · prod"),
        "{text}"
    );

    let prod = &scopes[2].1;
    ssmdeck::engine::executor::apply(prod, &plan, None, &mut |_| {}).await;
    let has_role = |roles: Vec<ssmdeck::domain::model::Role>| {
        roles.iter().any(|r| r.name == "ManagedInstancesRole")
    };
    // Both regions of prod see the new role; dev's do not.
    assert!(has_role(scopes[3].1.list_roles().await.expect("roles")));
    assert!(!has_role(scopes[0].1.list_roles().await.expect("roles")));
    assert!(!has_role(scopes[1].1.list_roles().await.expect("roles")));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn several_profiles_against_moto_each_give_a_report() {
    let moto = crate::moto_server::MotoServer::start();
    let stack = moto.create_workshop_stack().await;
    let home = tempfile::tempdir().expect("tempdir");
    let config = home.path().join("config");
    let credentials = home.path().join("credentials");
    std::fs::write(
        &config,
        "[profile dev]\nregion = ap-northeast-2\n[profile prod]\nregion = ap-northeast-2\n",
    )
    .expect("config");
    std::fs::write(
        &credentials,
        "[dev]\naws_access_key_id = testing\naws_secret_access_key = testing\n\
         [prod]\naws_access_key_id = testing\naws_secret_access_key = testing\n",
    )
    .expect("credentials");
    let log = home.path().join("ssmdeck.log");
    let out = moto
        .ssmdeck(&log)
        .args(["--profile", "dev", "--profile", "prod", "check", "--json"])
        .env_remove("AWS_ACCESS_KEY_ID")
        .env_remove("AWS_SECRET_ACCESS_KEY")
        .env_remove("AWS_REGION")
        .env("AWS_CONFIG_FILE", &config)
        .env("AWS_SHARED_CREDENTIALS_FILE", &credentials)
        .output()
        .expect("run ssmdeck");
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "not ready; stderr: {err}");
    let reports: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON array");
    let reports = reports.as_array().expect("array");
    let targets: Vec<&str> = reports
        .iter()
        .filter_map(|r| r["target"].as_str())
        .collect();
    assert_eq!(targets.len(), 2, "{targets:?}");
    assert!(targets[0].starts_with("profile dev"), "{targets:?}");
    assert!(targets[1].starts_with("profile prod"), "{targets:?}");
    for r in reports {
        assert_eq!(r["region"], "ap-northeast-2", "the profile's own region");
        assert!(
            r["vpcs"]
                .as_array()
                .is_some_and(|vs| vs.iter().any(|v| v["vpc_id"] == stack.vpc_id.as_str())),
            "each profile reads the account"
        );
    }

    // A profile that is not in the shared files is named before anything is read.
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_ssmdeck"))
        .args([
            "--endpoint-url",
            &moto.endpoint(),
            "--profile",
            "dev,nosuch",
            "check",
        ])
        .args(["--log-file"])
        .arg(&log)
        .env_remove("AWS_PROFILE")
        .env("AWS_CONFIG_FILE", &config)
        .env("AWS_SHARED_CREDENTIALS_FILE", &credentials)
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .output()
        .expect("run ssmdeck");
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(err.contains("nosuch"), "{err}");
    assert_eq!(err.trim().lines().count(), 1, "{err}");
}

/// The whole view keeps no copy of the scopes' instances and nodes: the console reads
/// them through each scope, and a scope's nodes read that moves only last pings is kept
/// in that scope without judging anything again.
#[tokio::test]
async fn the_whole_view_reads_instances_and_nodes_through_each_scope() {
    use jiff::SignedDuration;
    let selection = Selection::new(
        Vec::new(),
        vec!["us-east-1".to_string(), "eu-west-1".to_string()],
    )
    .expect("selection");
    let clock = Clock::manual(t0());
    let scopes = SandboxCloud::for_selection(Scenario::Fleet(40), &clock, &selection);
    let mut app = multi_app(&scopes, 160, 40).await;
    assert!(
        app.snapshot.instances.instances.is_empty(),
        "no copy in the whole view"
    );
    let per_scope: usize = app
        .scopes
        .iter()
        .map(|v| v.snapshot.instances.instances.len())
        .sum();
    assert!(per_scope >= 80);
    assert_eq!(app.instances().count(), per_scope);
    let last = app.scopes[1].snapshot.instances.instances[0].id.clone();
    assert_eq!(
        app.instance(&last).map(|i| i.id.clone()),
        Some(last.clone())
    );
    assert_eq!(app.owner_of(&last), 1);
    key(&mut app, KeyCode::Char('3'));
    assert_eq!(
        app.table().map(|t| t.rows.len()),
        Some(app.instances().count() + app.nodes().filter(|n| n.is_hybrid()).count()),
        "every scope's instances and hybrid nodes are rows"
    );
    // Five minutes on: scope 1's nodes differ only in their last pings.
    clock.advance(SignedDuration::from_secs(301));
    let nodes = fetch::fetch(&scopes[1].1, Source::Nodes, &[]).await;
    let newest = match &nodes {
        fetch::Fetched::Nodes(Ok(d)) => d.nodes.iter().filter_map(|n| n.last_ping).max(),
        _ => panic!("nodes"),
    };
    assert!(newest.is_some(), "scope 1 has managed nodes");
    let readiness = app.scopes[1].readiness.clone();
    let rows = app.table().map(|t| t.rows.clone());
    update(
        &mut app,
        Msg::Scoped(
            1,
            EngineEvent::Refreshed {
                at: clock.now(),
                result: nodes,
            },
        ),
    );
    assert!(std::sync::Arc::ptr_eq(&app.scopes[1].readiness, &readiness));
    assert!(!app.scopes[1].stale, "nothing to judge again");
    assert_eq!(app.table().map(|t| t.rows.clone()), rows);
    assert_eq!(
        app.scopes[1]
            .snapshot
            .nodes
            .nodes
            .iter()
            .filter_map(|n| n.last_ping)
            .max(),
        newest
    );
}
