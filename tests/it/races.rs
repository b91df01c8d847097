//! Two `ssmdeck fix --yes` started at the same moment on the workshop stack (moto): each
//! resource exists exactly once afterwards — endpoints, the endpoint security group and its
//! 443 rule, the role, its policy attachment, the instance profile and its role, one profile
//! association per instance — and a third run has nothing to do.
//!
//! Left alone, the two runs drift apart by seconds (the SDK's retry jitter on the reads
//! moto lacks) and the second one only skips. So they talk to moto through [`Gate`], a
//! proxy that holds each write until the other run sends the same one: both have re-checked
//! and found nothing, and both create at once. The gate also gives `CreateVpcEndpoint` the
//! `ClientToken` idempotency of EC2 (a repeated token gets the first answer), which moto
//! 5.2 lacks; every other guard is moto's own (unique names, one association per instance).

use std::collections::{BTreeMap, HashMap};
use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::Path;
use std::process::{Child, Command, Output, Stdio};
use std::sync::{Arc, Condvar, Mutex};
use std::time::{Duration, Instant};

use aws_sdk_ec2::types::Filter;
use ssmdeck::domain::model::{CORE_POLICY_ARN, DEFAULT_ROLE_NAME};

use crate::moto_server::{MotoServer, REGION, WorkshopStack};

/// Writes whose twins are held until both runs sent them (or one run ended).
const RACED: &[&str] = &[
    "CreateSecurityGroup",
    "AuthorizeSecurityGroupIngress",
    "CreateVpcEndpoint",
    "CreateRole",
    "AttachRolePolicy",
    "CreateInstanceProfile",
    "AddRoleToInstanceProfile",
    "AssociateIamInstanceProfile",
    "ReplaceIamInstanceProfileAssociation",
];

#[derive(Default)]
struct GateState {
    /// Arrivals per identical write request (its body).
    arrivals: HashMap<String, usize>,
    /// Writes that both runs sent, met at the gate: `Action` → count.
    raced: BTreeMap<String, usize>,
    /// A run ended: nothing is held any more.
    open: bool,
    /// CreateVpcEndpoint answers by ClientToken (`None` while the first is in flight).
    tokens: HashMap<String, Option<Vec<u8>>>,
}

/// An HTTP proxy in front of moto (one request per connection, as moto closes each).
struct Gate {
    upstream: u16,
    port: u16,
    state: Mutex<GateState>,
    changed: Condvar,
}

impl Gate {
    /// Longest hold: the runs' reads drift apart by seconds (retry jitter).
    const WAIT: Duration = Duration::from_secs(60);

    fn start(upstream: u16) -> Arc<Gate> {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind the gate");
        let port = listener.local_addr().expect("gate address").port();
        let gate = Arc::new(Gate {
            upstream,
            port,
            state: Mutex::new(GateState::default()),
            changed: Condvar::new(),
        });
        let g = gate.clone();
        std::thread::spawn(move || {
            for conn in listener.incoming().flatten() {
                let g = g.clone();
                std::thread::spawn(move || g.serve(conn));
            }
        });
        gate
    }

    fn endpoint(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// Stops holding writes (a run ended, its twin will not come).
    fn open(&self) {
        self.lock().open = true;
        self.changed.notify_all();
    }

    fn raced(&self) -> BTreeMap<String, usize> {
        self.lock().raced.clone()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, GateState> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn serve(&self, mut client: TcpStream) {
        let Some(request) = read_request(&mut client) else {
            return;
        };
        let body = String::from_utf8_lossy(&request.body).into_owned();
        let params = form(&body);
        let action = params.get("Action").cloned().unwrap_or_default();
        if RACED.contains(&action.as_str())
            && params.get("DryRun").map(String::as_str) != Some("true")
        {
            self.hold(&action, &body);
        }
        let token = (action == "CreateVpcEndpoint")
            .then(|| params.get("ClientToken").cloned())
            .flatten();
        let response = match token {
            Some(token) => self.once_per_token(&token, &request.raw),
            None => forward(self.upstream, &request.raw),
        };
        let _ = client.write_all(&response);
    }

    /// Waits until the twin of this write arrives (or a run ended, or [`Self::WAIT`]).
    fn hold(&self, action: &str, body: &str) {
        let mut st = self.lock();
        let n = {
            let n = st.arrivals.entry(body.to_string()).or_insert(0);
            *n += 1;
            *n
        };
        if n == 2 {
            *st.raced.entry(action.to_string()).or_insert(0) += 1;
        }
        self.changed.notify_all();
        let deadline = Instant::now() + Self::WAIT;
        while !st.open && st.arrivals.get(body).copied().unwrap_or(0) < 2 {
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                break;
            }
            st = self
                .changed
                .wait_timeout(st, left)
                .unwrap_or_else(|p| p.into_inner())
                .0;
        }
    }

    /// EC2's ClientToken: the first request creates, a repeat gets the first answer.
    fn once_per_token(&self, token: &str, raw: &[u8]) -> Vec<u8> {
        let mut st = self.lock();
        if !st.tokens.contains_key(token) {
            st.tokens.insert(token.to_string(), None);
            drop(st);
            let response = forward(self.upstream, raw);
            self.lock()
                .tokens
                .insert(token.to_string(), Some(response.clone()));
            self.changed.notify_all();
            return response;
        }
        loop {
            if let Some(Some(response)) = st.tokens.get(token) {
                return response.clone();
            }
            st = self
                .changed
                .wait_timeout(st, Self::WAIT)
                .unwrap_or_else(|p| p.into_inner())
                .0;
        }
    }
}

struct Request {
    raw: Vec<u8>,
    body: Vec<u8>,
}

fn read_request(conn: &mut TcpStream) -> Option<Request> {
    let mut raw = Vec::new();
    let mut buf = [0u8; 8192];
    let head_end = loop {
        let n = conn.read(&mut buf).ok()?;
        if n == 0 {
            return None;
        }
        raw.extend_from_slice(&buf[..n]);
        if let Some(i) = raw.windows(4).position(|w| w == b"\r\n\r\n") {
            break i + 4;
        }
    };
    let head = String::from_utf8_lossy(&raw[..head_end]).to_lowercase();
    let length: usize = head
        .lines()
        .find_map(|l| l.strip_prefix("content-length:"))
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or(0);
    while raw.len() < head_end + length {
        let n = conn.read(&mut buf).ok()?;
        if n == 0 {
            break;
        }
        raw.extend_from_slice(&buf[..n]);
    }
    let body = raw[head_end..].to_vec();
    Some(Request { raw, body })
}

/// The request to moto on a connection of its own; moto's whole answer (it closes).
fn forward(port: u16, raw: &[u8]) -> Vec<u8> {
    let mut response = Vec::new();
    if let Ok(mut upstream) = TcpStream::connect(("127.0.0.1", port)) {
        let _ = upstream.write_all(raw);
        let _ = upstream.read_to_end(&mut response);
    }
    response
}

/// `application/x-www-form-urlencoded` → map (EC2 and IAM speak the query protocol).
fn form(body: &str) -> HashMap<String, String> {
    body.split('&')
        .filter_map(|pair| pair.split_once('='))
        .map(|(k, v)| (decode(k), decode(v)))
        .collect()
}

fn decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => out.push(b' '),
            b'%' if i + 2 < bytes.len() => match u8::from_str_radix(&s[i + 1..i + 3], 16) {
                Ok(b) => {
                    out.push(b);
                    i += 2;
                }
                Err(_) => out.push(b'%'),
            },
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn start_fix(endpoint: &str, moto: &MotoServer, state: &Path, args: &[&str]) -> Child {
    Command::new(env!("CARGO_BIN_EXE_ssmdeck"))
        .args(["--endpoint-url", endpoint, "--region", REGION])
        .args(args)
        .arg("--log-file")
        .arg(state.join("ssmdeck.log"))
        .envs(moto.env())
        .env("XDG_STATE_HOME", state)
        .env("XDG_CONFIG_HOME", state)
        .env_remove("AWS_PROFILE")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start ssmdeck fix")
}

/// Waits for both runs; once either ends, the gate holds nothing more.
fn finish_both(gate: &Gate, mut a: Child, mut b: Child) -> (Output, Output) {
    let deadline = Instant::now() + Duration::from_secs(600);
    loop {
        let done_a = matches!(a.try_wait(), Ok(Some(_)));
        let done_b = matches!(b.try_wait(), Ok(Some(_)));
        if done_a || done_b || Instant::now() > deadline {
            gate.open();
            break;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    (
        a.wait_with_output().expect("first fix"),
        b.wait_with_output().expect("second fix"),
    )
}

/// Two `fix --yes` runs through the gate, their writes held until both have sent them:
/// both outputs, the operations that raced, and a report of it all for assertions.
fn race_two_fixes(moto: &MotoServer) -> (Output, Output, BTreeMap<String, usize>, String) {
    let (a, b) = (
        tempfile::tempdir().expect("tempdir"),
        tempfile::tempdir().expect("tempdir"),
    );
    let gate = Gate::start(moto.port());
    let first = start_fix(&gate.endpoint(), moto, a.path(), &["fix", "--yes"]);
    let second = start_fix(&gate.endpoint(), moto, b.path(), &["fix", "--yes"]);
    let (first, second) = finish_both(&gate, first, second);
    let raced = gate.raced();
    let report = format!(
        "raced: {raced:?}\n--- first\n{}\n--- second\n{}",
        text(&first),
        text(&second)
    );
    (first, second, raced, report)
}

fn text(o: &Output) -> String {
    format!(
        "exit {:?}\n{}{}",
        o.status.code(),
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

fn vpc_filter(stack: &WorkshopStack) -> Filter {
    Filter::builder()
        .name("vpc-id")
        .values(&stack.vpc_id)
        .build()
}

/// Live endpoints of the VPC, counted per service name.
async fn endpoints(moto: &MotoServer, stack: &WorkshopStack) -> BTreeMap<String, usize> {
    let out = moto
        .ec2()
        .await
        .describe_vpc_endpoints()
        .filters(vpc_filter(stack))
        .send()
        .await
        .expect("DescribeVpcEndpoints");
    let mut count = BTreeMap::new();
    for e in out.vpc_endpoints() {
        let state = e.state().map(|s| s.as_str().to_lowercase());
        if matches!(state.as_deref(), Some("deleted" | "deleting")) {
            continue;
        }
        *count
            .entry(e.service_name().unwrap_or_default().to_string())
            .or_insert(0) += 1;
    }
    count
}

#[tokio::test]
async fn two_fixes_racing_create_each_resource_once() {
    let moto = MotoServer::start();
    let stack = moto.create_workshop_stack().await;
    // Both read the same state, plan the same steps and write at the same time.
    let (first, second, raced, report) = race_two_fixes(&moto);
    // The race happened: both runs sent the first writes of the plan at the same time.
    for action in ["CreateSecurityGroup", "CreateVpcEndpoint", "CreateRole"] {
        assert!(raced.contains_key(action), "{action} raced:\n{report}");
    }
    for out in [&first, &second] {
        assert!(
            matches!(out.status.code(), Some(0 | 1)),
            "no crash, no refusal:\n{report}"
        );
        assert!(!text(out).contains("panicked"), "{report}");
    }
    assert!(
        first.status.code() == Some(0) || second.status.code() == Some(0),
        "at least one run completes the plan:\n{report}"
    );

    // Endpoints: one per service.
    let counts = endpoints(&moto, &stack).await;
    for short in ["ssm", "ssmmessages", "ec2messages"] {
        let service = format!("com.amazonaws.{REGION}.{short}");
        assert_eq!(
            counts.get(&service),
            Some(&1),
            "{service}: {counts:?}\n{report}"
        );
    }
    assert!(counts.values().all(|n| *n == 1), "{counts:?}\n{report}");

    // The endpoint security group and its one 443 rule (when the plan made a group).
    let ec2 = moto.ec2().await;
    let groups = ec2
        .describe_security_groups()
        .filters(vpc_filter(&stack))
        .send()
        .await
        .expect("DescribeSecurityGroups");
    let ours: Vec<_> = groups
        .security_groups()
        .iter()
        .filter(|g| g.group_name() == Some("ssmdeck-endpoints"))
        .collect();
    assert!(ours.len() <= 1, "{ours:?}\n{report}");
    for g in ours {
        let https: Vec<_> = g
            .ip_permissions()
            .iter()
            .filter(|p| p.from_port() == Some(443))
            .flat_map(|p| p.ip_ranges())
            .collect();
        assert_eq!(https.len(), 1, "one 443 rule: {https:?}\n{report}");
    }

    // The role, its policy, the profile and the role in it: once each.
    let iam = aws_sdk_iam::Client::new(&moto.sdk_config().await);
    let roles = iam.list_roles().send().await.expect("ListRoles");
    let named = roles
        .roles()
        .iter()
        .filter(|r| r.role_name() == DEFAULT_ROLE_NAME)
        .count();
    assert_eq!(named, 1, "{report}");
    let attached = iam
        .list_attached_role_policies()
        .role_name(DEFAULT_ROLE_NAME)
        .send()
        .await
        .expect("ListAttachedRolePolicies");
    let arns: Vec<&str> = attached
        .attached_policies()
        .iter()
        .filter_map(|p| p.policy_arn())
        .collect();
    assert_eq!(arns, vec![CORE_POLICY_ARN], "{report}");
    let profiles = iam
        .list_instance_profiles()
        .send()
        .await
        .expect("ListInstanceProfiles");
    let profile: Vec<_> = profiles
        .instance_profiles()
        .iter()
        .filter(|p| p.instance_profile_name() == DEFAULT_ROLE_NAME)
        .collect();
    assert_eq!(profile.len(), 1, "{report}");
    let role_names: Vec<&str> = profile[0].roles().iter().map(|r| r.role_name()).collect();
    assert_eq!(role_names, vec![DEFAULT_ROLE_NAME], "{report}");

    // One association per instance, with our profile.
    let associations = ec2
        .describe_iam_instance_profile_associations()
        .send()
        .await
        .expect("DescribeIamInstanceProfileAssociations");
    for id in &stack.instance_ids {
        let live: Vec<_> = associations
            .iam_instance_profile_associations()
            .iter()
            .filter(|a| a.instance_id() == Some(id.as_str()))
            .filter(|a| {
                !matches!(
                    a.state().map(|s| s.as_str()),
                    Some("disassociated" | "disassociating")
                )
            })
            .collect();
        assert_eq!(live.len(), 1, "{id}: {live:?}\n{report}");
        let arn = live[0]
            .iam_instance_profile()
            .and_then(|p| p.arn())
            .unwrap_or_default();
        assert!(arn.ends_with(&format!("/{DEFAULT_ROLE_NAME}")), "{arn}");
    }

    // And a third run finds everything in place.
    let c = tempfile::tempdir().expect("tempdir");
    let third = start_fix(&moto.endpoint(), &moto, c.path(), &["fix", "--yes"])
        .wait_with_output()
        .expect("third fix");
    assert_eq!(third.status.code(), Some(0), "{}", text(&third));
    assert!(
        text(&third).contains("Nothing to do") || text(&third).contains("0 change(s)"),
        "{}",
        text(&third)
    );
    assert_eq!(endpoints(&moto, &stack).await, counts, "no new endpoint");
}

/// The role and profile exist (made through IAM directly); both runs attach them to the
/// same two instances at once: one association per instance.
#[tokio::test]
async fn two_fixes_racing_to_attach_make_one_association_per_instance() {
    let moto = MotoServer::start();
    let stack = moto.create_workshop_stack().await;
    let iam = aws_sdk_iam::Client::new(&moto.sdk_config().await);
    let trust = ssmdeck::cloud::aws::trust_policy(ssmdeck::domain::model::EC2_SERVICE_PRINCIPAL);
    iam.create_role()
        .role_name(DEFAULT_ROLE_NAME)
        .assume_role_policy_document(trust)
        .send()
        .await
        .expect("CreateRole");
    iam.attach_role_policy()
        .role_name(DEFAULT_ROLE_NAME)
        .policy_arn(CORE_POLICY_ARN)
        .send()
        .await
        .expect("AttachRolePolicy");
    iam.create_instance_profile()
        .instance_profile_name(DEFAULT_ROLE_NAME)
        .send()
        .await
        .expect("CreateInstanceProfile");
    iam.add_role_to_instance_profile()
        .instance_profile_name(DEFAULT_ROLE_NAME)
        .role_name(DEFAULT_ROLE_NAME)
        .send()
        .await
        .expect("AddRoleToInstanceProfile");

    let (first, second, raced, report) = race_two_fixes(&moto);
    assert!(
        raced.contains_key("AssociateIamInstanceProfile"),
        "the attachments raced:\n{report}"
    );
    for out in [&first, &second] {
        assert!(matches!(out.status.code(), Some(0 | 1)), "{report}");
    }
    assert!(
        first.status.code() == Some(0) || second.status.code() == Some(0),
        "{report}"
    );
    let associations = moto
        .ec2()
        .await
        .describe_iam_instance_profile_associations()
        .send()
        .await
        .expect("DescribeIamInstanceProfileAssociations");
    for id in &stack.instance_ids {
        let live = associations
            .iam_instance_profile_associations()
            .iter()
            .filter(|a| a.instance_id() == Some(id.as_str()))
            .count();
        assert_eq!(live, 1, "{id}\n{report}");
    }
    let counts = endpoints(&moto, &stack).await;
    assert!(
        counts.len() == 3 && counts.values().all(|n| *n == 1),
        "{counts:?}\n{report}"
    );
}
