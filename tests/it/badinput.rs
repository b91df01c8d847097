//! Bad input gets one clear line and exit code 2, never a panic or a backtrace: flags,
//! scenarios, fault specs, regions, endpoints (malformed and unreachable), profiles that do
//! not exist, malformed AWS files, missing credentials and an expired SSO session.

use std::net::TcpListener;
use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use ssmdeck::cloud::aws::config::{
    ProfileInfo, credentials_message, parse_shared_file, profile_info,
};
use ssmdeck::cloud::aws::{AwsCloud, AwsSettings, config_loader};
use ssmdeck::cloud::{Cloud, CloudError};

/// The binary with a private HOME and state folder, no AWS variables from the caller and
/// IMDS off (so "no credentials" is decided at once).
fn ssmdeck_in(home: &Path, args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_ssmdeck"));
    cmd.args(args)
        .arg("--log-file")
        .arg(home.join("ssmdeck.log"))
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("HOME", home)
        .env("XDG_STATE_HOME", home.join("state"))
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .envs(env.iter().copied())
        .stdin(Stdio::null());
    cmd.output().expect("run ssmdeck")
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// Exit 2, one line on stderr that contains `says`, no panic, no backtrace; on stdout
/// nothing, or for `check --json` (`what` names the arguments) the error document.
fn assert_one_line(out: &Output, says: &str, what: &str) {
    let err = stderr(out);
    assert_eq!(out.status.code(), Some(2), "{what}: {err}");
    assert_eq!(err.trim_end().lines().count(), 1, "{what}: one line: {err}");
    assert!(err.starts_with("ssmdeck: "), "{what}: {err}");
    assert!(err.contains(says), "{what}: expected {says:?} in {err}");
    for never in ["panicked", "backtrace", "RUST_BACKTRACE", "Location:"] {
        assert!(!err.contains(never), "{what}: {err}");
    }
    let stdout = String::from_utf8_lossy(&out.stdout);
    if what.contains("\"--json\"") {
        let doc: serde_json::Value = serde_json::from_str(&stdout)
            .unwrap_or_else(|e| panic!("{what}: a JSON error document: {e}: {stdout}"));
        assert_eq!(doc["schema"], 2, "{what}: {doc}");
        assert_eq!(doc["outcome"], "error", "{what}: {doc}");
        let message = doc["error"]["message"].as_str().unwrap_or_default();
        assert!(message.contains(says), "{what}: {doc}");
        assert!(doc["error"]["kind"].is_string(), "{what}: {doc}");
    } else {
        assert!(stdout.trim().is_empty(), "{what}: nothing on stdout");
    }
}

const CREDS: [(&str, &str); 2] = [
    ("AWS_ACCESS_KEY_ID", "AKIAIOSFODNN7EXAMPLE"),
    (
        "AWS_SECRET_ACCESS_KEY",
        "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
    ),
];

#[test]
fn flags_scenarios_and_fault_specs() {
    let home = tempfile::tempdir().expect("tempdir");
    let cases: &[(&[&str], &str)] = &[
        (&["--sandbox=moon", "check"], "unknown sandbox scenario"),
        (&["--sandbox=fleet:0", "check"], "unknown sandbox scenario"),
        (
            &["--sandbox=fleet:many", "check"],
            "unknown sandbox scenario",
        ),
        (
            &["--sandbox", "--faults", "explode:0.5", "check"],
            "unknown fault kind 'explode'",
        ),
        (
            &["--sandbox", "--faults", "throttle:2", "check"],
            "between 0 and 1",
        ),
        (
            &["--sandbox", "--faults", "latency:300", "check"],
            "give a unit",
        ),
        (
            &["--sandbox", "--faults", "deny:Describe", "check"],
            "not an IAM action",
        ),
        (
            &["--faults", "throttle:0.3", "check"],
            "--faults works only with --sandbox",
        ),
        (&["--sandbox", "--refresh", "0", "check"], "--refresh"),
        (&["--sandbox", "--refresh", "soon", "check"], "--refresh"),
        (&["--sandbox", "--refresh", "-5", "check"], "-5"),
        (&["--region", "moon-base", "check"], "not a region name"),
        (&["--region", "US-EAST-1", "check"], "not a region name"),
        (
            &["--endpoint-url", "localhost:5000", "check"],
            "http:// or https://",
        ),
        (
            &["--endpoint-url", "http://:99999", "check"],
            "--endpoint-url",
        ),
        (&["--sandbox", "--lang", "tlh", "check"], "--lang"),
        (&["--sandbox", "--bogus"], "--bogus"),
        (&["--sandbox", "chekc"], "chekc"),
        (&["--sandbox", "fix", "--vpc"], "--vpc"),
    ];
    for (args, says) in cases {
        let out = ssmdeck_in(home.path(), args, &[]);
        assert_one_line(&out, says, &format!("{args:?}"));
    }
}

#[test]
fn help_and_version_are_not_errors() {
    let home = tempfile::tempdir().expect("tempdir");
    let help = ssmdeck_in(home.path(), &["--help"], &[]);
    assert_eq!(help.status.code(), Some(0));
    let text = String::from_utf8_lossy(&help.stdout);
    assert!(text.contains("--faults"), "{text}");
    let version = ssmdeck_in(home.path(), &["--version"], &[]);
    assert_eq!(version.status.code(), Some(0));
    assert!(String::from_utf8_lossy(&version.stdout).contains(env!("CARGO_PKG_VERSION")));
}

#[test]
fn an_unreachable_endpoint_fails_check_and_fix_within_seconds() {
    // A port nobody listens on: bind, note it, close it.
    let port = TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("free port");
    let url = format!("http://127.0.0.1:{port}");
    let home = tempfile::tempdir().expect("tempdir");
    for command in [&["check"][..], &["check", "--json"], &["fix", "--dry-run"]] {
        let mut args = vec!["--endpoint-url", &url, "--region", "us-east-1"];
        args.extend_from_slice(command);
        let started = Instant::now();
        let out = ssmdeck_in(home.path(), &args, &CREDS);
        let took = started.elapsed();
        assert_one_line(&out, "is unreachable", &format!("{command:?}"));
        assert!(stderr(&out).contains(&url), "{}", stderr(&out));
        assert!(took < Duration::from_secs(10), "{command:?} took {took:?}");
    }
    // `default` need not be written down anywhere: the check goes on to the endpoint.
    let out = ssmdeck_in(
        home.path(),
        &["--endpoint-url", &url, "--region", "us-east-1", "check"],
        &[CREDS[0], CREDS[1], ("AWS_PROFILE", "default")],
    );
    assert_one_line(&out, "is unreachable", "AWS_PROFILE=default");
}

#[test]
fn profiles_that_do_not_exist() {
    let home = tempfile::tempdir().expect("tempdir");
    // No AWS files at all.
    let out = ssmdeck_in(home.path(), &["--profile", "nope", "check"], &[]);
    assert_one_line(&out, "unknown AWS profile 'nope'", "no files");
    assert!(stderr(&out).contains("aws configure --profile nope"));

    std::fs::create_dir_all(home.path().join(".aws")).expect("mkdir");
    std::fs::write(
        home.path().join(".aws/config"),
        "[default]\nregion = us-east-1\n\n[profile dev]\nregion = ap-northeast-2\n",
    )
    .expect("config");
    std::fs::write(
        home.path().join(".aws/credentials"),
        "[ci]\naws_access_key_id = AKIAIOSFODNN7EXAMPLE\naws_secret_access_key = x\n",
    )
    .expect("credentials");
    for (args, env) in [
        (vec!["--profile", "nope", "check"], vec![]),
        // The console refuses too, before it takes the terminal.
        (vec!["--profile", "nope"], vec![]),
        (vec!["check"], vec![("AWS_PROFILE", "nope")]),
        // Credentials in the environment do not make an unknown profile right (as in the AWS CLI).
        (vec!["--profile", "nope", "check"], CREDS.to_vec()),
    ] {
        let out = ssmdeck_in(home.path(), &args, &env);
        assert_one_line(&out, "unknown AWS profile 'nope'", &format!("{args:?}"));
        assert!(stderr(&out).contains("aws configure list-profiles"));
    }
}

#[test]
fn a_malformed_aws_config_file_names_its_path_and_line() {
    let home = tempfile::tempdir().expect("tempdir");
    std::fs::create_dir_all(home.path().join(".aws")).expect("mkdir");
    let config = home.path().join(".aws/config");
    std::fs::write(
        &config,
        "[default]\nregion = us-east-1\n# fine\nthis line is not ini\n",
    )
    .expect("config");
    let out = ssmdeck_in(home.path(), &["--region", "us-east-1", "check"], &CREDS);
    assert_one_line(&out, "malformed AWS file", "malformed");
    let err = stderr(&out);
    assert!(err.contains(&config.display().to_string()), "{err}");
    assert!(err.contains("line 4"), "{err}");

    // AWS_CONFIG_FILE is honoured.
    let elsewhere = home.path().join("other-config");
    std::fs::write(&elsewhere, "[profile x\n").expect("config");
    let out = ssmdeck_in(
        home.path(),
        &["--region", "us-east-1", "check"],
        &[
            ("AWS_CONFIG_FILE", &elsewhere.display().to_string()),
            CREDS[0],
            CREDS[1],
        ],
    );
    assert_one_line(&out, "line 1", "AWS_CONFIG_FILE");
    assert!(stderr(&out).contains(&elsewhere.display().to_string()));
}

#[test]
fn no_credentials_names_the_places_looked_at() {
    let home = tempfile::tempdir().expect("tempdir");
    let out = ssmdeck_in(home.path(), &["--region", "us-east-1", "check"], &[]);
    assert_one_line(&out, "no AWS credentials found", "no credentials");
    let err = stderr(&out);
    for place in [
        "AWS_ACCESS_KEY_ID",
        ".aws/config",
        ".aws/credentials",
        "SSO",
        "AWS_WEB_IDENTITY_TOKEN_FILE",
        "ECS",
        "IMDS",
        "aws configure",
    ] {
        assert!(err.contains(place), "{place}: {err}");
    }
    // The console says the same before it starts.
    let out = ssmdeck_in(home.path(), &["--region", "us-east-1"], &[]);
    assert_one_line(&out, "no AWS credentials found", "tui");
}

/// sha1("ssmdeck-test"): the SSO token cache file of that sso-session.
const SESSION_CACHE: &str = "e73482a8297f71939dbcc5a78024390fe3a1d756";

#[test]
fn an_expired_sso_session_says_aws_sso_login() {
    let home = tempfile::tempdir().expect("tempdir");
    let aws = home.path().join(".aws");
    std::fs::create_dir_all(aws.join("sso/cache")).expect("mkdir");
    std::fs::write(
        aws.join("config"),
        "[profile sso-dev]\n\
         sso_session = ssmdeck-test\n\
         sso_account_id = 123456789012\n\
         sso_role_name = Operator\n\
         region = ap-northeast-2\n\
         \n\
         [sso-session ssmdeck-test]\n\
         sso_start_url = https://example.awsapps.com/start\n\
         sso_region = ap-northeast-2\n\
         \n\
         [profile legacy-sso]\n\
         sso_start_url = https://example.awsapps.com/start\n\
         sso_region = ap-northeast-2\n\
         sso_account_id = 123456789012\n\
         sso_role_name = Operator\n\
         region = ap-northeast-2\n",
    )
    .expect("config");
    // A token that expired yesterday and cannot be refreshed.
    std::fs::write(
        aws.join(format!("sso/cache/{SESSION_CACHE}.json")),
        r#"{"accessToken": "expired", "expiresAt": "2020-01-01T00:00:00Z", "region": "ap-northeast-2", "startUrl": "https://example.awsapps.com/start"}"#,
    )
    .expect("token");
    for (profile, args) in [
        ("sso-dev", vec!["--profile", "sso-dev", "check"]),
        ("sso-dev", vec!["--profile", "sso-dev"]),
        // Never logged in: no cached token at all.
        (
            "legacy-sso",
            vec!["--profile", "legacy-sso", "check", "--json"],
        ),
    ] {
        let out = ssmdeck_in(home.path(), &args, &[]);
        assert_one_line(
            &out,
            &format!("run `aws sso login --profile {profile}`"),
            &format!("{args:?}"),
        );
    }
    // AWS_PROFILE names it too.
    let out = ssmdeck_in(home.path(), &["check"], &[("AWS_PROFILE", "sso-dev")]);
    assert_one_line(&out, "aws sso login --profile sso-dev", "AWS_PROFILE");
}

#[tokio::test]
#[allow(deprecated)] // ProfileFiles: the replacement lives in aws-runtime, not a dependency here
async fn credentials_failing_mid_session_say_what_to_do() {
    // An SSO profile whose token cache does not exist, read from files of our own: every
    // call fails before it is sent, and the pane says to log in again.
    let dir = tempfile::tempdir().expect("tempdir");
    let config = dir.path().join("config");
    std::fs::write(
        &config,
        "[profile ssmdeck-mid]\nsso_start_url = https://example.awsapps.com/ssmdeck-never\n\
         sso_region = us-east-1\nsso_account_id = 123456789012\nsso_role_name = R\n",
    )
    .expect("config");
    let files = aws_config::profile::profile_file::ProfileFiles::builder()
        .with_file(
            aws_config::profile::profile_file::ProfileFileKind::Config,
            &config,
        )
        .build();
    let settings = AwsSettings {
        profile: Some("ssmdeck-mid".into()),
        region: Some("us-east-1".into()),
        endpoint_url: Some("http://127.0.0.1:9".into()),
    };
    let conf = config_loader(&settings).profile_files(files).load().await;
    let cloud = AwsCloud::from_conf(&conf).with_profile(Some("ssmdeck-mid".into()));
    let err = cloud.describe_vpcs().await.expect_err("no credentials");
    // Told apart by its type, and naming the cloud's own profile.
    assert!(
        matches!(&err, CloudError::Credentials { profile, .. } if profile == "ssmdeck-mid"),
        "{err:?}"
    );
    let err = err.to_string();
    assert!(err.contains("aws sso login --profile ssmdeck-mid"), "{err}");
    assert_eq!(err.lines().count(), 1, "{err}");
}

#[test]
fn credentials_messages_name_the_fix() {
    let sso = credentials_message(
        Some("p"),
        "the SSO token has expired and cannot be refreshed",
    );
    assert!(sso.contains("aws sso login --profile p"), "{sso}");
    let none = credentials_message(None, "no credentials found in chain. Attempted: …");
    assert!(none.contains("profile 'default'"), "{none}");
    assert!(none.contains("IMDS"), "{none}");
    let other = credentials_message(Some("p"), "credential_process exited with 1");
    assert!(
        other.contains("credential_process exited with 1"),
        "{other}"
    );
    assert_eq!(other.lines().count(), 1);
}

#[test]
fn shared_files_parse_like_aws_config() {
    let config = parse_shared_file(
        "# comment\n[default]\nregion=us-east-1\n[profile  dev ]\nsso_session = corp\n\
         s3 =\n  max_concurrent_requests = 20\n; other comment\n[sso-session corp]\nsso_start_url = u\n",
    )
    .expect("parses");
    let credentials = parse_shared_file("[ci]\naws_access_key_id = A\naws_secret_access_key = B\n")
        .expect("parses");
    assert_eq!(
        profile_info("dev", &config, &credentials),
        ProfileInfo {
            defined: true,
            sso: true
        }
    );
    assert_eq!(
        profile_info("default", &config, &credentials),
        ProfileInfo {
            defined: true,
            sso: false
        }
    );
    assert!(profile_info("ci", &config, &credentials).defined);
    assert!(!profile_info("corp", &config, &credentials).defined);
    assert!(!profile_info("nope", &config, &credentials).defined);

    let bad = parse_shared_file("[default]\nregion = x\nnot ini at all\n").expect_err("bad");
    assert_eq!(bad.line, 3);
    assert!(parse_shared_file("key = before any section\n").is_err());
    assert!(parse_shared_file("[unclosed\n").is_err());
}

#[tokio::test]
async fn the_sandbox_needs_no_credentials() {
    // --sandbox never reads AWS configuration: a broken one does not matter.
    let home = tempfile::tempdir().expect("tempdir");
    std::fs::create_dir_all(home.path().join(".aws")).expect("mkdir");
    std::fs::write(home.path().join(".aws/config"), "garbage\n").expect("config");
    let out = ssmdeck_in(
        home.path(),
        &["--sandbox", "check"],
        &[("AWS_PROFILE", "nope")],
    );
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let cloud = ssmdeck::cloud::sandbox::SandboxCloud::new(
        ssmdeck::cloud::sandbox::Scenario::Lab,
        ssmdeck::cloud::sandbox::Clock::Real,
    );
    assert_eq!(cloud.region(), "ap-northeast-2");
}
