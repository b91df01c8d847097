//! Least privilege and secrets.
//!
//! The AWS actions the adapter can call (every `"service:Operation"` literal it hands to its
//! error mapping, read from `src/cloud/aws/*.rs` at test time, so a new call is seen at
//! once) are exactly the actions of `assets/iam/operator-full.json`, plus the permissions
//! AWS checks without a call of their own; `operator-readonly.json` holds exactly the reads.
//! The sandbox's per-call actions (`--faults deny:…`) agree with both.
//!
//! Secrets: with the log at debug, neither the secret key, the session token nor the access
//! key id reaches the log file or the audit file.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use serde_json::Value;
use ssmdeck::cloud::sandbox::faults::METHOD_ACTIONS;
use ssmdeck::domain::model::{CORE_POLICY_ARN, DEFAULT_ROLE_NAME, EC2_SERVICE_PRINCIPAL};

use crate::moto_server::MotoServer;

const ROOT: &str = env!("CARGO_MANIFEST_DIR");

/// Permissions AWS evaluates inside another call, with the call that needs them.
const IMPLIED: &[(&str, &str)] = &[
    (
        "iam:PassRole",
        "AssociateIamInstanceProfile / ReplaceIamInstanceProfileAssociation pass the role to EC2",
    ),
    (
        "ec2:CreateTags",
        "CreateVpcEndpoint / CreateSecurityGroup tag what they create (TagSpecifications)",
    ),
];

/// `"service:Operation"` literals that are not calls.
const NOT_CALLS: &[(&str, &str)] = &[(
    "sts:AssumeRole",
    "the trust policy of the instance role that ssmdeck writes and reads",
)];

/// The adapter's sources, its folders (`ec2/`) included.
fn adapter_sources() -> Vec<(PathBuf, String)> {
    let mut files = Vec::new();
    let mut dirs = vec![Path::new(ROOT).join("src/cloud/aws")];
    while let Some(dir) = dirs.pop() {
        for path in std::fs::read_dir(&dir)
            .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
            .filter_map(Result::ok)
            .map(|e| e.path())
        {
            if path.is_dir() {
                dirs.push(path);
            } else if path.extension().is_some_and(|x| x == "rs") {
                let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{e}"));
                files.push((path, text));
            }
        }
    }
    files.sort();
    files
}

/// Every `"svc:Operation"` string literal outside comments.
fn action_literals(text: &str) -> BTreeSet<String> {
    let re =
        regex::Regex::new(r#""((?:ec2|iam|ssm|sts|s3|logs):[A-Z][A-Za-z0-9]*)""#).expect("regex");
    text.lines()
        .filter(|l| !l.trim_start().starts_with("//"))
        .flat_map(|l| {
            re.captures_iter(l)
                .map(|c| c[1].to_string())
                .collect::<Vec<_>>()
        })
        .collect()
}

fn adapter_actions() -> BTreeSet<String> {
    let mut all = BTreeSet::new();
    for (_, text) in adapter_sources() {
        all.extend(action_literals(&text));
    }
    for (not_call, _) in NOT_CALLS {
        all.remove(*not_call);
    }
    all
}

fn is_read(action: &str) -> bool {
    let op = action.split_once(':').map_or("", |(_, op)| op);
    ["Describe", "List", "Get"]
        .iter()
        .any(|verb| op.starts_with(verb))
}

fn policy(name: &str) -> Value {
    let path = Path::new(ROOT).join("assets/iam").join(name);
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn one_or_many(v: &Value) -> Vec<String> {
    match v {
        Value::String(s) => vec![s.clone()],
        Value::Array(a) => a
            .iter()
            .filter_map(|x| x.as_str().map(String::from))
            .collect(),
        _ => vec![],
    }
}

fn statements(p: &Value) -> Vec<Value> {
    p["Statement"].as_array().cloned().unwrap_or_default()
}

fn actions_of(p: &Value) -> BTreeSet<String> {
    statements(p)
        .iter()
        .flat_map(|s| one_or_many(&s["Action"]))
        .collect()
}

fn statement_with(p: &Value, action: &str) -> Value {
    statements(p)
        .into_iter()
        .find(|s| one_or_many(&s["Action"]).iter().any(|a| a == action))
        .unwrap_or_else(|| panic!("no statement allows {action}"))
}

#[test]
fn the_policies_are_well_formed_and_allow_only() {
    for name in ["operator-readonly.json", "operator-full.json"] {
        let p = policy(name);
        assert_eq!(p["Version"], "2012-10-17", "{name}");
        let mut sids = BTreeSet::new();
        for s in statements(&p) {
            assert_eq!(s["Effect"], "Allow", "{name}: {s}");
            assert!(s.get("NotAction").is_none() && s.get("NotResource").is_none());
            let sid = s["Sid"].as_str().unwrap_or_default().to_string();
            assert!(
                !sid.is_empty() && sid.chars().all(|c| c.is_ascii_alphanumeric()),
                "{name}: Sid {sid:?}"
            );
            assert!(sids.insert(sid), "{name}: Sids are unique");
            assert!(!one_or_many(&s["Resource"]).is_empty(), "{name}: {s}");
            for a in one_or_many(&s["Action"]) {
                assert!(!a.contains('*'), "{name}: no wildcard actions: {a}");
            }
        }
        // IAM does not count white space; this is far below the 6 144 of a managed policy.
        let compact = serde_json::to_string(&p).unwrap_or_default();
        assert!(compact.len() < 6144, "{name}: {}", compact.len());
    }
}

#[test]
fn the_full_policy_allows_exactly_what_the_adapter_calls() {
    let calls = adapter_actions();
    for must in [
        "ec2:CreateVpcEndpoint",
        "ssm:SendCommand",
        "ssm:GetInventory",
        "sts:GetCallerIdentity",
    ] {
        assert!(calls.contains(must), "the scan finds {must}: {calls:?}");
    }
    let mut expected = calls.clone();
    expected.extend(IMPLIED.iter().map(|(a, _)| a.to_string()));
    let full = actions_of(&policy("operator-full.json"));
    let missing: Vec<&String> = expected.difference(&full).collect();
    let extra: Vec<&String> = full.difference(&expected).collect();
    assert!(
        missing.is_empty() && extra.is_empty(),
        "operator-full.json vs the adapter: missing {missing:?}, not called {extra:?}"
    );
    // Nothing the adapter calls is an implied permission too (the list stays honest).
    for (a, why) in IMPLIED {
        assert!(
            !calls.contains(*a),
            "{a} is called directly now, not only {why}"
        );
    }
}

#[test]
fn the_read_only_policy_allows_exactly_the_reads() {
    let calls = adapter_actions();
    let reads: BTreeSet<String> = calls.iter().filter(|a| is_read(a)).cloned().collect();
    let readonly = actions_of(&policy("operator-readonly.json"));
    assert_eq!(readonly, reads, "operator-readonly.json is the reads");
    let full = actions_of(&policy("operator-full.json"));
    assert!(readonly.is_subset(&full));
    let writes: Vec<&String> = full.difference(&readonly).collect();
    assert!(!writes.is_empty());
    assert!(writes.iter().all(|a| !is_read(a)), "{writes:?}");
}

#[test]
fn writes_are_scoped_to_the_instance_role_and_the_core_policy() {
    let full = policy("operator-full.json");
    let role = format!("arn:aws:iam::*:role/{DEFAULT_ROLE_NAME}");
    let profile = format!("arn:aws:iam::*:instance-profile/{DEFAULT_ROLE_NAME}");
    // `activate` creates the hybrid activation's service role.
    let activation_role = format!(
        "arn:aws:iam::*:role/{}",
        ssmdeck::domain::model::DEFAULT_ACTIVATION_ROLE
    );
    for action in [
        "iam:CreateRole",
        "iam:CreateInstanceProfile",
        "iam:AddRoleToInstanceProfile",
    ] {
        let resources = one_or_many(&statement_with(&full, action)["Resource"]);
        assert!(
            resources
                .iter()
                .all(|r| r == &role || r == &profile || r == &activation_role),
            "{action}: {resources:?}"
        );
    }
    // Core goes on the role an instance uses too (n on Roles, f on Instances): any role,
    // that one policy only.
    let attach = statement_with(&full, "iam:AttachRolePolicy");
    assert_eq!(
        one_or_many(&attach["Resource"]),
        vec!["arn:aws:iam::*:role/*".to_string()]
    );
    assert_eq!(
        attach["Condition"]["ArnEquals"]["iam:PolicyARN"],
        CORE_POLICY_ARN
    );
    let pass = statement_with(&full, "iam:PassRole");
    assert_eq!(one_or_many(&pass["Resource"]), vec![role]);
    assert_eq!(
        pass["Condition"]["StringEquals"]["iam:PassedToService"],
        EC2_SERVICE_PRINCIPAL
    );
    let tags = statement_with(&full, "ec2:CreateTags");
    assert!(
        !one_or_many(&tags["Condition"]["StringEquals"]["ec2:CreateAction"]).is_empty(),
        "tags only on create"
    );
    let send = statement_with(&full, "ssm:SendCommand");
    let resources = one_or_many(&send["Resource"]);
    let documents: Vec<&String> = resources
        .iter()
        .filter(|r| r.contains(":document/"))
        .collect();
    assert!(!documents.is_empty() && resources.iter().all(|r| !r.ends_with(":document/*")));
    // Every document the program sends is one the policy names.
    let mut sent = BTreeSet::new();
    let re = regex::Regex::new(r#""(AWS-(?:Run|Update)[A-Za-z]+)""#).expect("regex");
    for dir in ["src/tui", "src/engine", "src/domain"] {
        for entry in std::fs::read_dir(Path::new(ROOT).join(dir))
            .into_iter()
            .flatten()
            .flatten()
        {
            let text = std::fs::read_to_string(entry.path()).unwrap_or_default();
            sent.extend(re.captures_iter(&text).map(|c| c[1].to_string()));
        }
    }
    for doc in &sent {
        assert!(
            documents.iter().any(|d| d.ends_with(&format!("/{doc}"))),
            "SendCommand {doc} is not allowed by {documents:?}"
        );
    }
}

#[test]
fn the_sandbox_checks_the_same_actions() {
    let full = actions_of(&policy("operator-full.json"));
    let readonly = actions_of(&policy("operator-readonly.json"));
    for (method, actions) in METHOD_ACTIONS {
        for a in *actions {
            assert!(
                full.contains(*a),
                "{method}: {a} is not in operator-full.json"
            );
            if is_read(a) {
                assert!(readonly.contains(*a), "{method}: {a} is a read");
            }
        }
    }
}

// ---------------------------------------------------------------- secrets

const ACCESS_KEY: &str = "AKIASSMDECKLEAKTEST7";
const SECRET_KEY: &str = "sEcReT/ssmdeck+never-in-a-log/0123456789ab";
const SESSION_TOKEN: &str = "FwoGZXIvYXdzEssmdeckSessionTokenNeverLogged//////////wEaDE0123456789";

fn run(moto: &MotoServer, state: &Path, args: &[&str]) -> std::process::Output {
    moto.ssmdeck(&state.join("ssmdeck.log"))
        .args(["--region", "ap-northeast-2"])
        .args(args)
        .env("AWS_ACCESS_KEY_ID", ACCESS_KEY)
        .env("AWS_SECRET_ACCESS_KEY", SECRET_KEY)
        .env("AWS_SESSION_TOKEN", SESSION_TOKEN)
        .env("SSMDECK_LOG", "trace")
        .env("XDG_STATE_HOME", state)
        .stdin(std::process::Stdio::null())
        .output()
        .expect("run ssmdeck")
}

/// The secret, and the pieces of it a log line might carry on its own.
fn leaks(text: &str) -> Vec<&'static str> {
    [
        ACCESS_KEY,
        SECRET_KEY,
        SESSION_TOKEN,
        "ssmdeck+never-in-a-log",
        "ssmdeckSessionToken",
    ]
    .into_iter()
    .filter(|s| text.contains(s))
    .collect()
}

#[tokio::test]
async fn no_credential_reaches_the_log_or_the_audit_file() {
    let moto = MotoServer::start();
    moto.create_workshop_stack().await;
    let state = tempfile::tempdir().expect("tempdir");
    let check = run(&moto, state.path(), &["check", "--json"]);
    assert!(
        matches!(check.status.code(), Some(1 | 2)),
        "check ran: {}",
        String::from_utf8_lossy(&check.stderr)
    );
    let fix = run(&moto, state.path(), &["fix", "--yes"]);
    let log = std::fs::read_to_string(state.path().join("ssmdeck.log")).unwrap_or_default();
    let audit =
        std::fs::read_to_string(state.path().join("ssmdeck/audit.jsonl")).unwrap_or_default();
    assert!(
        log.lines().count() > 20,
        "the log is written at trace level: {} lines",
        log.lines().count()
    );
    assert!(
        log.contains("aws call") || log.contains("ec2:"),
        "calls are logged"
    );
    assert!(
        !audit.is_empty(),
        "fix wrote audit lines: {}{}",
        String::from_utf8_lossy(&fix.stdout),
        String::from_utf8_lossy(&fix.stderr)
    );
    assert_eq!(leaks(&log), Vec::<&str>::new(), "in the log");
    assert_eq!(leaks(&audit), Vec::<&str>::new(), "in the audit file");
    for out in [&check, &fix] {
        let text = format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        assert_eq!(leaks(&text), Vec::<&str>::new(), "on the terminal");
    }
}

#[test]
fn access_key_ids_are_masked_in_log_lines() {
    let line = r#"identity=Credentials { access_key_id: "AKIAIOSFODNN7EXAMPLE", session: ASIAY34FZKBOKMUTVV7A }"#;
    let masked = ssmdeck::logging::redact(line);
    assert!(!masked.contains("IOSFODNN7EXAMPLE"), "{masked}");
    assert!(!masked.contains("Y34FZKBOKMUTVV7A"), "{masked}");
    assert!(masked.contains("AKIA****************"), "{masked}");
    // Not every word that starts alike is a key.
    assert_eq!(
        ssmdeck::logging::redact("ASIAN markets, AKIA-1"),
        "ASIAN markets, AKIA-1"
    );
}

/// A writer for a scoped subscriber: everything logged lands in the buffer.
#[derive(Clone, Default)]
struct Captured(std::sync::Arc<std::sync::Mutex<Vec<u8>>>);

impl std::io::Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        if let Ok(mut b) = self.0.lock() {
            b.extend_from_slice(buf);
        }
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl Captured {
    fn text(&self) -> String {
        self.0
            .lock()
            .map(|b| String::from_utf8_lossy(&b).into_owned())
            .unwrap_or_default()
    }
}

#[tokio::test]
async fn command_output_stays_out_of_the_log_by_default() {
    use ssmdeck::cloud::Cloud;
    use ssmdeck::cloud::sandbox::{Clock, SandboxCloud, Scenario};
    use ssmdeck::domain::model::PingStatus;

    const OUTPUT: &str = "ssmdeck-command-output-never-logged-42";
    let log = Captured::default();
    let writer = log.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_writer(move || writer.clone())
        .with_ansi(false)
        .with_env_filter(tracing_subscriber::EnvFilter::new("info"))
        .finish();
    let _guard = tracing::subscriber::set_default(subscriber);
    tracing::info!("capture works");

    let cloud = SandboxCloud::new(Scenario::Fleet(20), Clock::manual(crate::fixtures::t0()));
    cloud.clock().advance(jiff::SignedDuration::from_secs(3600));
    let online: Vec<String> = cloud
        .describe_managed_nodes()
        .await
        .expect("nodes")
        .into_iter()
        .filter(|n| n.ping == PingStatus::Online)
        .map(|n| n.instance_id)
        .take(3)
        .collect();
    assert!(!online.is_empty());
    let request = ssmdeck::cloud::SendCommandRequest {
        document: "AWS-RunShellScript".into(),
        instance_ids: online,
        targets: vec![],
        parameters: vec![("commands".into(), vec![format!("echo {OUTPUT}")])],
        comment: None,
        max_concurrency: None,
        max_errors: None,
        timeout_seconds: None,
        output: Default::default(),
    };
    let sent = ssmdeck::engine::fleet::send_batched(&cloud, &request)
        .await
        .unwrap_or_else(|(_, e)| panic!("send: {e}"));
    cloud.clock().advance(jiff::SignedDuration::from_secs(600));
    let mut seen = false;
    for command in &sent {
        let invocations = ssmdeck::engine::fleet::invocations(&cloud, &command.id, &command.output)
            .await
            .expect("invocations");
        seen |= invocations.iter().any(|i| i.stdout.contains(OUTPUT));
    }
    assert!(seen, "the command ran and printed");
    let text = log.text();
    assert!(text.contains("capture works"), "{text}");
    assert!(!text.contains(OUTPUT), "command output in the log:\n{text}");
}
