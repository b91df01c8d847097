//! A command's whole output beyond the API's 24,000 characters: written to S3 or
//! CloudWatch Logs and read back from there (against moto), and `run` on the sandbox
//! printing all of it.

use ssmdeck::cloud::{Cloud, SendCommandRequest};
use ssmdeck::domain::model::OutputConfig;

use crate::moto_server::MotoServer;

fn request(ids: &[String], output: OutputConfig) -> SendCommandRequest {
    SendCommandRequest {
        document: "AWS-RunShellScript".to_string(),
        instance_ids: ids.to_vec(),
        targets: vec![],
        parameters: vec![("commands".to_string(), vec!["seq 10000".to_string()])],
        comment: None,
        max_concurrency: None,
        max_errors: None,
        timeout_seconds: None,
        output,
    }
}

/// 30,000 characters of stdout, as the agent writes it.
fn long_stdout() -> String {
    (0..3000).map(|i| format!("line {i:04}\n")).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_whole_output_is_read_from_s3_and_from_cloudwatch_logs() {
    let moto = MotoServer::start();
    let stack = moto.create_workshop_stack().await;
    let cloud = moto.fast_cloud().await;
    let conf = moto.sdk_config().await;
    let s3 = aws_sdk_s3::Client::from_conf(
        aws_sdk_s3::config::Builder::from(&conf)
            .force_path_style(true)
            .build(),
    );
    let logs = aws_sdk_cloudwatchlogs::Client::new(&conf);
    let node = stack.instance_ids[0].clone();
    let stdout = long_stdout();
    assert!(stdout.len() > 24_000);

    // S3: the command names the bucket and prefix; the agent's objects are there.
    s3.create_bucket()
        .bucket("run-output")
        .create_bucket_configuration(
            aws_sdk_s3::types::CreateBucketConfiguration::builder()
                .location_constraint(aws_sdk_s3::types::BucketLocationConstraint::from(
                    crate::moto_server::REGION,
                ))
                .build(),
        )
        .send()
        .await
        .expect("CreateBucket");
    let to_s3 = OutputConfig {
        s3_bucket: Some("run-output".into()),
        s3_prefix: Some("ssmdeck/".into()),
        log_group: None,
    };
    let command = cloud
        .send_command(&request(std::slice::from_ref(&node), to_s3.clone()))
        .await
        .expect("send");
    let listed = cloud.list_commands().await.expect("list");
    let found = listed.iter().find(|c| c.id == command.id).expect("listed");
    assert_eq!(found.output.s3_bucket.as_deref(), Some("run-output"));
    assert_eq!(found.output.s3_prefix.as_deref(), Some("ssmdeck/"));
    let key = |stream: &str| {
        format!(
            "ssmdeck/{}/{node}/awsrunShellScript/0.awsrunShellScript/{stream}",
            command.id
        )
    };
    for (stream, body) in [
        ("stdout", stdout.clone()),
        ("stderr", "warning: x\n".to_string()),
    ] {
        s3.put_object()
            .bucket("run-output")
            .key(key(stream))
            .body(body.into_bytes().into())
            .send()
            .await
            .expect("PutObject");
    }
    // moto lacks ListCommandInvocations: the node's invocation, then its whole output.
    let whole = |command_id: String, output: OutputConfig| {
        let (cloud, node) = (cloud.clone(), node.clone());
        async move {
            let api = cloud
                .get_command_invocation(&command_id, &node)
                .await
                .expect("GetCommandInvocation");
            ssmdeck::engine::fleet::whole(&cloud, &output, api).await
        }
    };
    // The output view's way: moto lacks ListCommandInvocations, so each of the command's
    // instances is asked, then its whole output read.
    let listed = ssmdeck::engine::fleet::invocations_of(
        &cloud,
        &command.id,
        &found.output,
        std::slice::from_ref(&node),
    )
    .await
    .expect("invocations one by one");
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0].status, "Success");
    assert_eq!(listed[0].stdout, stdout);
    let inv = whole(command.id.clone(), found.output.clone()).await;
    assert_eq!(inv.stdout, stdout, "all 30,000 characters");
    assert_eq!(inv.stderr, "warning: x\n");
    assert_eq!(
        inv.read_from.as_deref(),
        Some(format!("s3://run-output/ssmdeck/{}/{node}/", command.id).as_str())
    );

    // CloudWatch Logs: one stream per plugin and output.
    logs.create_log_group()
        .log_group_name("/ssmdeck/run")
        .send()
        .await
        .expect("CreateLogGroup");
    let to_logs = OutputConfig {
        s3_bucket: None,
        s3_prefix: None,
        log_group: Some("/ssmdeck/run".into()),
    };
    let command = cloud
        .send_command(&request(std::slice::from_ref(&node), to_logs.clone()))
        .await
        .expect("send");
    let stream = format!("{}/{node}/aws-runShellScript/stdout", command.id);
    logs.create_log_stream()
        .log_group_name("/ssmdeck/run")
        .log_stream_name(&stream)
        .send()
        .await
        .expect("CreateLogStream");
    let now = jiff::Timestamp::now().as_millisecond();
    let events: Vec<aws_sdk_cloudwatchlogs::types::InputLogEvent> = (0..3000)
        .map(|i| {
            aws_sdk_cloudwatchlogs::types::InputLogEvent::builder()
                .timestamp(now)
                .message(format!("line {i:04}"))
                .build()
                .expect("event")
        })
        .collect();
    logs.put_log_events()
        .log_group_name("/ssmdeck/run")
        .log_stream_name(&stream)
        .set_log_events(Some(events))
        .send()
        .await
        .expect("PutLogEvents");
    let inv = whole(command.id.clone(), to_logs.clone()).await;
    assert_eq!(inv.stdout, stdout, "every event, in order");
    assert!(
        inv.read_from
            .as_deref()
            .is_some_and(|p| p.starts_with("logs:/ssmdeck/run/"))
    );

    // Nothing written there (yet): the API's output stands.
    let command = cloud
        .send_command(&request(std::slice::from_ref(&node), to_s3))
        .await
        .expect("send");
    let inv = whole(command.id.clone(), found.output.clone()).await;
    assert_eq!(inv.read_from, None);
}

#[tokio::test]
async fn run_on_the_sandbox_prints_all_of_a_long_output_only_when_it_went_to_s3() {
    use ssmdeck::cloud::sandbox::{Clock, SandboxCloud, Scenario};
    use ssmdeck::domain::model::PingStatus;
    // A healthy online Linux node of the fleet `--sandbox=fleet:60` builds.
    let cloud = SandboxCloud::new(Scenario::Fleet(60), Clock::Real);
    let broken: Vec<String> = cloud
        .edit(|w| {
            w.instances
                .iter()
                .filter(|i| i.fails_commands)
                .map(|i| i.instance.id.clone())
                .collect()
        })
        .expect("world");
    let nodes = cloud.describe_managed_nodes().await.expect("nodes");
    let node = nodes
        .iter()
        .find(|n| {
            n.ping == PingStatus::Online
                && n.platform_type.as_deref() == Some("Linux")
                && !broken.contains(&n.instance_id)
        })
        .map(|n| n.instance_id.clone())
        .expect("a healthy node");
    let node = node.as_str();
    let run = |extra: &[&str]| {
        let mut args = vec!["--sandbox=fleet:60", "run", "--target", node];
        args.extend_from_slice(extra);
        args.extend_from_slice(&["--", "seq", "10000"]);
        crate::cli::ssmdeck(&args)
    };
    let out = run(&["--s3-bucket", "ops-output", "--s3-prefix", "runs"]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{text}");
    assert!(text.contains("    10000\n"), "the last line");
    assert!(
        text.contains("(the whole output, read from s3://ops-output/runs/"),
        "{}",
        &text[..300.min(text.len())]
    );
    let out = run(&[]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(!text.contains("    10000\n"), "cut by the API");
    assert!(
        text.contains("AWS truncated stdout at 24,000 characters"),
        "the cut said"
    );
}
