//! `--org` and the sandbox's `org:A:N`: every account of an organization in one view,
//! an account whose role cannot be assumed one scope that says why.

use aws_sdk_ec2::config::Credentials;
use ssmdeck::cloud::Cloud;
use ssmdeck::cloud::aws::config_loader;
use ssmdeck::cloud::sandbox::faults::{Faults, Faulty};
use ssmdeck::cloud::sandbox::scenario::account_id;
use ssmdeck::cloud::sandbox::{Clock, SandboxCloud, Scenario};
use ssmdeck::domain::snapshot::Source;
use ssmdeck::engine::{EngineEvent, fetch};
use ssmdeck::scope::{Scope, Selection, reads_iam};
use ssmdeck::tui::app::{App, Msg, update};

use crate::cli::ssmdeck;
use crate::fixtures::t0;
use crate::moto_server::{MotoServer, create_workshop_stack};
use crate::ui::screen;

fn parse_reports(stdout: &[u8]) -> Vec<serde_json::Value> {
    let v: serde_json::Value = serde_json::from_slice(stdout).expect("a JSON array");
    v.as_array().expect("array").clone()
}

/// The EC2 instances of a report (its hybrid nodes left out).
/// The EC2 instances of a report (each sandbox account also has its hybrid servers).
fn instance_ids(report: &serde_json::Value) -> Vec<String> {
    report["instances"]
        .as_array()
        .expect("instances")
        .iter()
        .filter(|i| i["kind"] == "ec2")
        .filter_map(|i| i["instance_id"].as_str().map(String::from))
        .collect()
}

#[test]
fn check_on_a_sandbox_organization_reports_each_account_and_the_refused_one_as_one_row() {
    let out = ssmdeck(&["--sandbox=org:5:20", "check", "--json"]);
    let err = String::from_utf8_lossy(&out.stderr);
    // An account that could not be read makes the check an error, as an unreachable
    // region does; the other accounts are reported all the same.
    assert_eq!(out.status.code(), Some(2), "stderr: {err}");
    let reports = parse_reports(&out.stdout);
    assert_eq!(reports.len(), 5, "one scope per account");
    let accounts: Vec<&str> = reports
        .iter()
        .filter_map(|r| r["account"].as_str())
        .collect();
    let expected: Vec<String> = (0..5).map(account_id).collect();
    assert_eq!(accounts, expected);
    assert_eq!(reports[0]["target"], "management (123456789012)");
    for r in &reports[..4] {
        assert_eq!(instance_ids(r).len(), 20, "{}", r["target"]);
    }
    // Member 1 is ready, 2 has no endpoints, 3 no instance roles.
    assert_eq!(reports[1]["outcome"], "ready", "{}", reports[1]["summary"]);
    assert_eq!(reports[2]["outcome"], "not_ready");
    assert_eq!(reports[3]["outcome"], "not_ready");
    let refused = &reports[4];
    assert_eq!(refused["outcome"], "error");
    assert!(instance_ids(refused).is_empty());
    let error = &refused["sources"][0]["error"];
    assert_eq!(error["kind"], "role_not_assumed", "{refused}");
    assert!(
        error["message"].as_str().is_some_and(
            |m| m.contains("OrganizationAccountAccessRole") && m.contains(&account_id(4))
        ),
        "{error}"
    );
    // Every id is the account's own.
    let mut all: Vec<String> = reports.iter().flat_map(instance_ids).collect();
    let n = all.len();
    all.sort();
    all.dedup();
    assert_eq!(all.len(), n, "no instance id in two accounts");
}

#[test]
fn the_organization_config_picks_the_accounts_and_names_the_role() {
    let home = tempfile::tempdir().expect("tempdir");
    let config = home.path().join("config.toml");
    std::fs::write(
        &config,
        format!(
            "[organization]\nrole = \"OpsAudit\"\nexclude = [\"{}\"]\n",
            account_id(1)
        ),
    )
    .expect("config");
    let config = config.display().to_string();
    let out = ssmdeck(&["--config", &config, "--sandbox=org:4:3", "check", "--json"]);
    let reports = parse_reports(&out.stdout);
    let accounts: Vec<&str> = reports
        .iter()
        .filter_map(|r| r["account"].as_str())
        .collect();
    assert_eq!(accounts, [account_id(0), account_id(2), account_id(3)]);
    let message = reports[2]["sources"][0]["error"]["message"]
        .as_str()
        .unwrap_or_default();
    assert!(message.contains("role/OpsAudit"), "{message}");

    std::fs::write(&config, "[organization]\naccounts = [\"12345\"]\n").expect("config");
    let out = ssmdeck(&["--config", &config, "--sandbox=org:4:3", "check"]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        err.contains("'12345' is not a 12-digit account id"),
        "{err}"
    );
}

/// The console's scopes of `org:A:N`, each with what its pollers would deliver.
async fn org_app(accounts: usize, width: u16, height: u16) -> App {
    let scopes = SandboxCloud::for_org(
        Scenario::Org {
            accounts,
            instances: 10,
        },
        &Clock::manual(t0()),
        &Selection::default(),
        |_| true,
        "OrganizationAccountAccessRole",
    );
    let clouds: Vec<(Scope, Faulty<SandboxCloud>)> = scopes
        .into_iter()
        .map(|(scope, cloud, refuse)| {
            let faults = Faults {
                refuse,
                ..Faults::default()
            };
            (scope, cloud.with_faults(faults))
        })
        .collect();
    let mut app = App::new(t0());
    update(&mut app, Msg::Resize { width, height });
    let list: Vec<Scope> = clouds.iter().map(|(s, _)| s.clone()).collect();
    app.set_scopes(list.clone());
    let reads = reads_iam(&list);
    for (ix, (_, cloud)) in clouds.iter().enumerate() {
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

#[tokio::test]
async fn the_console_shows_every_account_and_why_one_cannot_be_read() {
    let mut app = org_app(3, 160, 45).await;
    crate::ui::key(&mut app, crossterm::event::KeyCode::Char('3'));
    let text = screen(&app, 160, 45);
    assert!(text.contains("management (123456789012)"), "{text}");
    assert!(
        text.contains(&format!("search-prod-01 ({})", account_id(1))),
        "{text}"
    );
    assert!(
        text.contains(&format!(
            "cannot assume role OrganizationAccountAccessRole in account {}",
            account_id(2)
        )),
        "{text}"
    );
    assert!(text.contains("organization (3 accounts)"), "{text}");

    let mut app = org_app(3, 160, 45).await;
    app.lang = ssmdeck::i18n::Lang::Ko;
    crate::ui::key(&mut app, crossterm::event::KeyCode::Char('3'));
    let text = screen(&app, 160, 45);
    assert!(
        text.contains(&format!(
            "계정 {}에서 역할 OrganizationAccountAccessRole을(를) 수임할 수 없음",
            account_id(2)
        )),
        "{text}"
    );
}

/// Credentials in `account` from the role moto lets anyone assume (before it checks).
async fn member_conf(moto: &MotoServer, account: &str) -> aws_config::SdkConfig {
    let sts = aws_sdk_sts::Client::new(&moto.sdk_config().await);
    let out = sts
        .assume_role()
        .role_arn(format!(
            "arn:aws:iam::{account}:role/OrganizationAccountAccessRole"
        ))
        .role_session_name("setup")
        .send()
        .await
        .expect("AssumeRole");
    let c = out.credentials().expect("credentials");
    config_loader(&moto.settings())
        .credentials_provider(Credentials::new(
            c.access_key_id(),
            c.secret_access_key(),
            Some(c.session_token().to_string()),
            None,
            "moto-member",
        ))
        .load()
        .await
}

const ALLOW_ALL: &str =
    r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}"#;

/// From here on moto checks every request against IAM, as AWS does.
fn enforce_iam(moto: &MotoServer) {
    use std::io::{Read, Write};
    let mut s = std::net::TcpStream::connect(("127.0.0.1", moto.port())).expect("connect");
    s.write_all(
        b"POST /moto-api/reset-auth HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 1\r\nConnection: close\r\n\r\n0",
    )
    .expect("write");
    let mut answer = String::new();
    s.read_to_string(&mut answer).expect("read");
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn check_org_against_moto_reports_every_member_account_and_the_refused_one() {
    let moto = MotoServer::start();
    let orgs = aws_sdk_organizations::Client::new(&moto.sdk_config().await);
    orgs.create_organization()
        .feature_set(aws_sdk_organizations::types::OrganizationFeatureSet::All)
        .send()
        .await
        .expect("CreateOrganization");
    let mut members = Vec::new();
    for name in ["payments-prod", "search-prod", "sandbox-dev"] {
        let out = orgs
            .create_account()
            .account_name(name)
            .email(format!("{name}@example.com"))
            .send()
            .await
            .expect("CreateAccount");
        let id = out
            .create_account_status()
            .and_then(|s| s.account_id())
            .expect("account id")
            .to_string();
        members.push((name, id));
    }
    // Two members have the role (allowed everything) and the workshop stack. CreateAccount
    // makes the role in the new account, as AWS does; made here when the server did not.
    let mut stacks = Vec::new();
    for (_, id) in &members[..2] {
        let conf = member_conf(&moto, id).await;
        let iam = aws_sdk_iam::Client::new(&conf);
        let made = iam
            .get_role()
            .role_name("OrganizationAccountAccessRole")
            .send()
            .await
            .is_ok();
        if !made {
            iam.create_role()
                .role_name("OrganizationAccountAccessRole")
                .assume_role_policy_document(r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::123456789012:root"},"Action":"sts:AssumeRole"}]}"#.to_string())
                .send()
                .await
                .expect("CreateRole");
        }
        iam.put_role_policy()
            .role_name("OrganizationAccountAccessRole")
            .policy_name("admin")
            .policy_document(ALLOW_ALL)
            .send()
            .await
            .expect("PutRolePolicy");
        stacks.push(create_workshop_stack(&aws_sdk_ec2::Client::new(&conf)).await);
    }
    // The third has no role: moto would hand out credentials for any role, so the
    // operator's own policy denies assuming it, as AWS refuses a role that is not there.
    let iam = aws_sdk_iam::Client::new(&moto.sdk_config().await);
    iam.create_user()
        .user_name("ops")
        .send()
        .await
        .expect("CreateUser");
    iam.put_user_policy()
        .user_name("ops")
        .policy_name("admin")
        .policy_document(ALLOW_ALL)
        .send()
        .await
        .expect("PutUserPolicy");
    let refused = &members[2].1;
    iam.put_user_policy()
        .user_name("ops")
        .policy_name("not-that-account")
        .policy_document(format!(
            r#"{{"Version":"2012-10-17","Statement":[{{"Effect":"Deny","Action":"sts:AssumeRole","Resource":"arn:aws:iam::{refused}:role/OrganizationAccountAccessRole"}}]}}"#
        ))
        .send()
        .await
        .expect("PutUserPolicy");
    let key = iam
        .create_access_key()
        .user_name("ops")
        .send()
        .await
        .expect("CreateAccessKey");
    let key = key.access_key().expect("access key");
    let (key_id, secret) = (
        key.access_key_id().to_string(),
        key.secret_access_key().to_string(),
    );
    enforce_iam(&moto);

    let home = tempfile::tempdir().expect("tempdir");
    let log = home.path().join("ssmdeck.log");
    let run = |extra: &[&str]| {
        moto.ssmdeck(&log)
            .args(extra)
            .args(["--org", "check", "--json"])
            .env("AWS_ACCESS_KEY_ID", &key_id)
            .env("AWS_SECRET_ACCESS_KEY", &secret)
            .output()
            .expect("run ssmdeck")
    };
    let out = run(&[]);
    let err = String::from_utf8_lossy(&out.stderr).into_owned();
    let reports = parse_reports(&out.stdout);
    let by_account = |id: &str| {
        reports
            .iter()
            .find(|r| r["account"] == id)
            .unwrap_or_else(|| panic!("no report of {id}: {reports:?}; stderr: {err}"))
            .clone()
    };
    assert_eq!(
        reports.len(),
        4,
        "the management account and three members; {err}"
    );
    assert_eq!(out.status.code(), Some(2), "one account could not be read");
    by_account("123456789012");
    for ((name, id), stack) in members.iter().zip(&stacks) {
        let r = by_account(id);
        assert_eq!(r["target"], format!("{name} ({id})"));
        let ids = instance_ids(&r);
        for instance in &stack.instance_ids {
            assert!(ids.contains(instance), "{name}: {ids:?}");
        }
    }
    assert!(!instance_ids(&by_account("123456789012")).contains(&stacks[0].instance_ids[0]));
    let r = by_account(refused);
    assert_eq!(r["target"], format!("sandbox-dev ({refused})"));
    assert_eq!(r["outcome"], "error");
    assert_eq!(r["sources"][0]["error"]["kind"], "role_not_assumed", "{r}");

    // `[organization] exclude` leaves that account out: the rest is a clean report.
    let config = home.path().join("config.toml");
    std::fs::write(
        &config,
        format!("[organization]\nexclude = [\"{refused}\"]\n"),
    )
    .expect("config");
    let config = config.display().to_string();
    let out = run(&["--config", &config]);
    let reports = parse_reports(&out.stdout);
    assert_eq!(reports.len(), 3);
    assert!(reports.iter().all(|r| r["account"] != refused.as_str()));
    assert_ne!(
        out.status.code(),
        Some(2),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}
