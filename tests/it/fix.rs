//! `ssmdeck fix` end to end against moto with the workshop stack, read back through the SDK.

use std::path::Path;
use std::process::Output;

use crate::moto_server::{MotoServer, Recorded, WorkshopStack, recorded_calls};

const SECRET: &str = "s3cr3t-Key-never-in-the-audit-log";

fn fix(moto: &MotoServer, state: &Path, args: &[&str]) -> Output {
    moto.ssmdeck(&state.join("ssmdeck.log"))
        .args(["--region", "ap-northeast-2"])
        .args(args)
        .env("AWS_SECRET_ACCESS_KEY", SECRET)
        .env("XDG_STATE_HOME", state)
        .stdin(std::process::Stdio::null())
        .output()
        .expect("run ssmdeck fix")
}

fn audit_lines(state: &Path) -> Vec<String> {
    std::fs::read_to_string(state.join("ssmdeck/audit.jsonl"))
        .map(|t| t.lines().map(str::to_string).collect())
        .unwrap_or_default()
}

fn text(o: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

async fn endpoint_count(moto: &MotoServer, stack: &WorkshopStack) -> usize {
    let ec2 = moto.ec2().await;
    let out = ec2
        .describe_vpc_endpoints()
        .filters(
            aws_sdk_ec2::types::Filter::builder()
                .name("vpc-id")
                .values(&stack.vpc_id)
                .build(),
        )
        .send()
        .await
        .expect("DescribeVpcEndpoints");
    out.vpc_endpoints()
        .iter()
        .filter(|e| {
            !matches!(
                e.state().map(|s| s.as_str().to_lowercase()).as_deref(),
                Some("deleted" | "deleting")
            )
        })
        .count()
}

#[tokio::test]
async fn fix_yes_makes_the_workshop_stack_ready_and_a_second_run_writes_nothing() {
    let state = tempfile::tempdir().expect("tempdir");
    let recording = state.path().join("moto-recording.jsonl");
    let moto = MotoServer::start_recording(&recording);
    let stack = moto.create_workshop_stack().await;
    let writes_so_far = || {
        recorded_calls(&recording)
            .into_iter()
            .filter(Recorded::is_write)
            .count()
    };
    let setup_writes = writes_so_far();
    assert!(setup_writes > 0, "the recorder sees the stack being built");

    // --dry-run and --read-only make no write: the account reads back the same.
    let untouched = moto.account_state().await;
    let dry = fix(&moto, state.path(), &["fix", "--dry-run"]);
    assert_eq!(dry.status.code(), Some(0), "{}", text(&dry));
    assert!(
        text(&dry).contains("CreateVpcEndpoint com.amazonaws.ap-northeast-2.ssmmessages"),
        "{}",
        text(&dry)
    );
    // moto is not AWS: no DryRun request goes there (moto would perform CreateVpcEndpoint).
    assert!(
        text(&dry).contains(&format!("{} is not an AWS endpoint", moto.endpoint())),
        "{}",
        text(&dry)
    );
    let ro = fix(&moto, state.path(), &["--read-only", "fix", "--yes"]);
    assert_eq!(ro.status.code(), Some(2), "{}", text(&ro));
    assert!(text(&ro).contains("read-only"));
    // Without --yes and without a terminal it refuses.
    let ask = fix(&moto, state.path(), &["fix"]);
    assert_eq!(ask.status.code(), Some(2), "{}", text(&ask));
    assert!(text(&ask).contains("--yes"));
    assert_eq!(moto.account_state().await, untouched, "nothing was written");
    let calls = recorded_calls(&recording);
    assert!(
        !calls.iter().any(|c| c.dry_run),
        "no DryRun request at all: {calls:?}"
    );
    assert_eq!(writes_so_far(), setup_writes);
    assert!(
        audit_lines(state.path()).is_empty(),
        "no write was attempted"
    );
    assert_eq!(endpoint_count(&moto, &stack).await, 0);
    let before_apply = writes_so_far();
    let iam = aws_sdk_iam::Client::new(&moto.sdk_config().await);
    assert!(
        iam.get_role()
            .role_name("ManagedInstancesRole")
            .send()
            .await
            .is_err(),
        "no role yet"
    );

    // --yes applies the plan.
    let out = fix(&moto, state.path(), &["fix", "--yes"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert!(text(&out).contains("Plan completed"), "{}", text(&out));

    let ec2 = moto.ec2().await;
    let eps = ec2
        .describe_vpc_endpoints()
        .filters(
            aws_sdk_ec2::types::Filter::builder()
                .name("vpc-id")
                .values(&stack.vpc_id)
                .build(),
        )
        .send()
        .await
        .expect("DescribeVpcEndpoints");
    let live: Vec<&aws_sdk_ec2::types::VpcEndpoint> = eps
        .vpc_endpoints()
        .iter()
        .filter(|e| {
            !matches!(
                e.state().map(|s| s.as_str().to_lowercase()).as_deref(),
                Some("deleted" | "deleting")
            )
        })
        .collect();
    let mut services: Vec<String> = live
        .iter()
        .filter_map(|e| e.service_name().map(str::to_string))
        .collect();
    services.sort();
    assert_eq!(
        services,
        vec![
            "com.amazonaws.ap-northeast-2.ec2messages",
            "com.amazonaws.ap-northeast-2.ssm",
            "com.amazonaws.ap-northeast-2.ssmmessages"
        ],
        "exactly one endpoint per required service"
    );
    let subnets = ec2.describe_subnets().send().await.expect("subnets");
    let az_of = |id: &str| {
        subnets
            .subnets()
            .iter()
            .find(|s| s.subnet_id() == Some(id))
            .and_then(|s| s.availability_zone())
            .map(str::to_string)
    };
    for e in live {
        assert_eq!(e.vpc_endpoint_type().map(|t| t.as_str()), Some("Interface"));
        assert_eq!(e.private_dns_enabled(), Some(true));
        let mut ids: Vec<String> = e.subnet_ids().to_vec();
        ids.sort();
        let mut want = stack.private_subnet_ids.clone();
        want.sort();
        assert_eq!(ids, want, "the private subnets");
        let azs: std::collections::BTreeSet<Option<String>> =
            ids.iter().map(|i| az_of(i)).collect();
        assert_eq!(azs.len(), ids.len(), "one per AZ");
    }
    let role = iam
        .get_role()
        .role_name("ManagedInstancesRole")
        .send()
        .await
        .expect("role");
    let trust = role
        .role()
        .map(|r| {
            r.assume_role_policy_document()
                .unwrap_or_default()
                .to_string()
        })
        .unwrap_or_default();
    assert!(trust.contains("ec2.amazonaws.com"), "{trust}");
    let attached = iam
        .list_attached_role_policies()
        .role_name("ManagedInstancesRole")
        .send()
        .await
        .expect("attached");
    assert!(
        attached
            .attached_policies()
            .iter()
            .any(|p| p.policy_name() == Some("AmazonSSMManagedInstanceCore"))
    );
    let profile = iam
        .get_instance_profile()
        .instance_profile_name("ManagedInstancesRole")
        .send()
        .await
        .expect("profile");
    let roles: Vec<&str> = profile
        .instance_profile()
        .map(|p| p.roles().iter().map(|r| r.role_name()).collect())
        .unwrap_or_default();
    assert_eq!(roles, vec!["ManagedInstancesRole"]);
    let assoc = ec2
        .describe_iam_instance_profile_associations()
        .send()
        .await
        .expect("assoc");
    for id in &stack.instance_ids {
        let a = assoc
            .iam_instance_profile_associations()
            .iter()
            .find(|a| a.instance_id() == Some(id.as_str()))
            .unwrap_or_else(|| panic!("{id} associated"));
        let arn = a
            .iam_instance_profile()
            .and_then(|p| p.arn())
            .unwrap_or_default();
        assert!(arn.ends_with("/ManagedInstancesRole"), "{arn}");
    }

    // Audit: a line per write, none with the secret key.
    let lines = audit_lines(state.path());
    assert_eq!(
        lines.len(),
        11,
        "sg, 443 rule, 3 endpoints, 4 role calls, 2 associations:\n{}",
        lines.join("\n")
    );
    // In the order they were made.
    let actions: Vec<String> = lines
        .iter()
        .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
        .filter_map(|v| v["action"].as_str().map(str::to_string))
        .collect();
    assert_eq!(
        actions,
        [
            "ec2:CreateSecurityGroup",
            "ec2:AuthorizeSecurityGroupIngress",
            "ec2:CreateVpcEndpoint",
            "ec2:CreateVpcEndpoint",
            "ec2:CreateVpcEndpoint",
            "iam:CreateRole",
            "iam:AttachRolePolicy",
            "iam:CreateInstanceProfile",
            "iam:AddRoleToInstanceProfile",
            "ec2:AssociateIamInstanceProfile",
            "ec2:AssociateIamInstanceProfile",
        ]
    );
    for l in &lines {
        assert!(!l.contains(SECRET), "{l}");
        let v: serde_json::Value = serde_json::from_str(l).expect("JSON line");
        for field in [
            "time",
            "account",
            "region",
            "profile",
            "action",
            "parameters",
            "outcome",
        ] {
            assert!(v.get(field).is_some(), "{field} in {l}");
        }
    }
    let log = std::fs::read_to_string(state.path().join("ssmdeck.log")).unwrap_or_default();
    assert!(
        !log.contains(SECRET),
        "the log never carries the secret key"
    );

    // A second run: nothing to do, no write.
    let again = fix(&moto, state.path(), &["fix", "--yes"]);
    assert_eq!(again.status.code(), Some(0), "{}", text(&again));
    assert!(text(&again).contains("Nothing to do"), "{}", text(&again));
    assert_eq!(audit_lines(state.path()).len(), 11);
    assert_eq!(endpoint_count(&moto, &stack).await, 3);
    let applied: Vec<Recorded> = recorded_calls(&recording)
        .into_iter()
        .filter(Recorded::is_write)
        .collect();
    assert_eq!(
        applied.len() - before_apply,
        11,
        "the 11 writes of the plan, none from the second run"
    );
}
