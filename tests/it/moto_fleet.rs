//! The AWS adapter against moto server: Run Command, maintenance windows, the fleet reads
//! moto lacks, and the connection itself.

use std::time::{Duration, Instant};

use ssmdeck::cloud::aws::{AwsCloud, AwsSettings};
use ssmdeck::cloud::{Cloud, CloudError, SendCommandRequest};

use crate::moto_server::{MotoServer, REGION};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn run_command_round_trip() {
    let moto = MotoServer::start();
    let stack = moto.create_workshop_stack().await;
    let cloud = moto.fast_cloud().await;

    let request = SendCommandRequest {
        document: "AWS-RunShellScript".to_string(),
        instance_ids: stack.instance_ids.clone(),
        targets: vec![],
        parameters: vec![("commands".to_string(), vec!["uptime".to_string()])],
        comment: Some("ssmdeck test".to_string()),
        max_concurrency: Some("50".to_string()),
        max_errors: Some("0".to_string()),
        timeout_seconds: Some(600),
        output: Default::default(),
    };
    let command = cloud.send_command(&request).await.expect("send");
    assert!(!command.id.is_empty());
    assert_eq!(command.document, "AWS-RunShellScript");
    let mut targets = command.instance_ids.clone();
    targets.sort();
    let mut expected = stack.instance_ids.clone();
    expected.sort();
    assert_eq!(targets, expected, "moto keeps the ids in a set: any order");
    assert_eq!(command.comment.as_deref(), Some("ssmdeck test"));
    assert!(command.requested.is_some());

    let listed = cloud.list_commands().await.expect("list");
    let found = listed.iter().find(|c| c.id == command.id).expect("listed");
    // moto 5.2 adds every instance of the region when Targets is empty (an empty EC2
    // filter) and counts the ids before removing duplicates: 4 here, AWS says 2.
    assert!(found.target_count >= 2, "{}", found.target_count);

    for instance in &stack.instance_ids {
        let invocation = cloud
            .get_command_invocation(&command.id, instance)
            .await
            .expect("invocation");
        assert_eq!(&invocation.instance_id, instance);
        assert_eq!(invocation.command_id, command.id);
        // moto finishes every invocation at once with empty output.
        assert_eq!(invocation.status, "Success");
        assert_eq!(invocation.response_code, Some(0));
    }

    let too_many = SendCommandRequest {
        instance_ids: (0..51).map(|n| format!("i-{n:017x}")).collect(),
        targets: vec![],
        ..request
    };
    let err = cloud.send_command(&too_many).await.expect_err("51 ids");
    assert!(matches!(err, CloudError::Invalid(_)), "{err:?}");
    assert_eq!(cloud.list_commands().await.expect("list").len(), 1);

    // moto lacks these: they are errors of their own source, never panics.
    let err = cloud
        .list_command_invocations(&command.id)
        .await
        .expect_err("moto lacks ListCommandInvocations");
    assert!(
        matches!(&err, CloudError::NotImplemented { action, .. } if action == "ssm:ListCommandInvocations"),
        "{err:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn maintenance_windows() {
    let moto = MotoServer::start();
    let cloud = moto.fast_cloud().await;
    let ssm = moto.ssm().await;
    ssm.create_maintenance_window()
        .name("patch-sundays")
        .schedule("cron(0 2 ? * SUN *)")
        .duration(3)
        .cutoff(1)
        .allow_unassociated_targets(true)
        .send()
        .await
        .expect("create window");

    let windows = cloud.describe_maintenance_windows().await.expect("windows");
    assert_eq!(windows.len(), 1);
    let w = &windows[0];
    assert!(w.id.starts_with("mw-"));
    assert_eq!(w.name, "patch-sundays");
    assert_eq!(w.schedule, "cron(0 2 ? * SUN *)");
    assert_eq!((w.duration_hours, w.cutoff_hours), (3, 1));
    assert!(w.enabled);

    let err = cloud
        .describe_maintenance_window_executions(&w.id)
        .await
        .expect_err("moto lacks DescribeMaintenanceWindowExecutions");
    assert!(matches!(err, CloudError::NotImplemented { .. }), "{err:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fleet_reads_moto_lacks_are_errors_not_panics() {
    let moto = MotoServer::start();
    let stack = moto.create_workshop_stack().await;
    // The program's own retry configuration: a web page for an answer is not retried.
    let cloud = moto.cloud().await;

    let started = Instant::now();
    let err = cloud
        .describe_managed_nodes()
        .await
        .expect_err("moto lacks both");
    assert!(
        matches!(&err, CloudError::NotImplemented { endpoint, .. } if *endpoint == moto.endpoint()),
        "{err:?}"
    );
    // The fallback ran too: the error names the API it tried last.
    assert!(
        err.to_string().contains("ssm:DescribeInstanceInformation"),
        "{err}"
    );
    assert!(!err.to_string().contains('\n'));

    for result in [
        cloud
            .describe_instance_patch_states(&stack.instance_ids)
            .await
            .map(|_| ()),
        cloud
            .list_inventory_entries(&stack.instance_ids[0], "AWS:Application")
            .await
            .map(|_| ()),
        cloud.default_host_management().await.map(|_| ()),
    ] {
        let err = result.expect_err("moto lacks it");
        assert!(matches!(err, CloudError::NotImplemented { .. }), "{err:?}");
    }
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "one attempt each: {:?}",
        started.elapsed()
    );
    // One request per operation moto lacks; asked again, none.
    let counts = cloud.call_counts();
    for op in [
        "ssm:DescribeInstanceProperties",
        "ssm:DescribeInstanceInformation",
        "ssm:DescribeInstancePatchStates",
        "ssm:ListInventoryEntries",
        "ssm:GetServiceSetting",
    ] {
        assert_eq!(counts.get(op), Some(&1), "{op}: {counts:?}");
    }
    cloud
        .describe_managed_nodes()
        .await
        .expect_err("still lacking");
    cloud
        .default_host_management()
        .await
        .expect_err("still lacking");
    assert_eq!(cloud.call_counts(), counts, "not asked again");
}

/// An endpoint nobody listens on fails within the operation timeout, never hangs.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unreachable_endpoint_fails_in_seconds() {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("free port")
        .port();
    let settings = AwsSettings {
        profile: None,
        region: Some(REGION.to_string()),
        endpoint_url: Some(format!("http://127.0.0.1:{port}")),
    };
    let conf = ssmdeck::cloud::aws::config_loader(&settings)
        .credentials_provider(aws_sdk_ec2::config::Credentials::new(
            "testing", "testing", None, None, "test",
        ))
        .load()
        .await;
    let cloud = AwsCloud::from_conf(&conf);
    let started = Instant::now();
    let err = cloud.describe_vpcs().await.expect_err("nobody listens");
    let url = format!("http://127.0.0.1:{port}");
    assert!(
        matches!(&err, CloudError::Unreachable { endpoint, .. } if *endpoint == url),
        "{err:?}"
    );
    assert!(err.to_string().starts_with("unreachable: "), "{err}");
    // One attempt: a refused connection to a custom endpoint is not retried.
    assert!(
        started.elapsed() < Duration::from_secs(2),
        "{:?}",
        started.elapsed()
    );
    assert_eq!(cloud.call_counts().get("ec2:DescribeVpcs"), Some(&1));
}

/// `connect` applies the command line's region and endpoint; credentials stay lazy.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn connect_applies_region_and_endpoint() {
    let settings = AwsSettings {
        profile: None,
        region: Some(REGION.to_string()),
        endpoint_url: Some("http://127.0.0.1:9".to_string()),
    };
    let cloud = AwsCloud::connect(&settings).await.expect("connect");
    assert_eq!(cloud.region(), REGION);
    assert!(
        cloud.label().ends_with("@ http://127.0.0.1:9"),
        "{}",
        cloud.label()
    );
}
