//! The AWS adapter's Run Command calls, the SDK's retries on throttling and the trust
//! policy reader, against aws-smithy-mocks (the helpers are `aws_mocks`').

use std::sync::{Arc, Mutex};

use aws_sdk_ssm::Client;
use aws_sdk_ssm::error::ErrorMetadata;
use aws_sdk_ssm::operation::cancel_command::{CancelCommandError, CancelCommandOutput};
use aws_sdk_ssm::operation::get_command_invocation::GetCommandInvocationOutput;
use aws_sdk_ssm::operation::list_command_invocations::ListCommandInvocationsOutput;
use aws_sdk_ssm::operation::list_commands::{ListCommandsError, ListCommandsOutput};
use aws_sdk_ssm::operation::send_command::SendCommandOutput;
use aws_sdk_ssm::primitives::DateTime;
use aws_sdk_ssm::types::{
    Command as SdkCommand, CommandInvocation, CommandInvocationStatus, CommandPlugin, CommandStatus,
};
use aws_smithy_mocks::{RuleMode, mock};
use ssmdeck::cloud::{Cloud, CloudError, SendCommandRequest};

/// A mocked SSM client whose retries back off for 1 ms (3 attempts).
use crate::aws_mocks::{cloud, ids, ssm_client};

fn invocation(instance: &str, code: i32, output: &str) -> CommandInvocation {
    CommandInvocation::builder()
        .command_id("c-1")
        .instance_id(instance)
        .status(if code == 0 {
            CommandInvocationStatus::Success
        } else {
            CommandInvocationStatus::Failed
        })
        .status_details(if code == 0 { "Success" } else { "Failed" })
        .command_plugins(
            CommandPlugin::builder()
                .name("aws:runShellScript")
                .response_code(code)
                .output(output)
                .build(),
        )
        .build()
}

#[tokio::test]
async fn command_invocations_over_pages() {
    let p1 = mock!(Client::list_command_invocations)
        .match_requests(|r| {
            r.next_token().is_none()
                && r.details() == Some(true)
                && r.max_results() == Some(50)
                && r.command_id() == Some("c-1")
        })
        .then_output(|| {
            ListCommandInvocationsOutput::builder()
                .command_invocations(invocation("i-1", 0, "up 3 days"))
                .next_token("n")
                .build()
        });
    let p2 = mock!(Client::list_command_invocations)
        .match_requests(|r| r.next_token() == Some("n"))
        .then_output(|| {
            ListCommandInvocationsOutput::builder()
                .command_invocations(invocation("i-2", 127, "uptim: not found"))
                .build()
        });
    let cloud = cloud(ssm_client(RuleMode::MatchAny, &[&p1, &p2]));

    let invocations = cloud
        .list_command_invocations("c-1")
        .await
        .expect("invocations");
    assert_eq!(invocations.len(), 2);
    assert_eq!(invocations[0].instance_id, "i-1");
    assert_eq!(invocations[0].status, "Success");
    assert_eq!(invocations[0].response_code, Some(0));
    assert_eq!(invocations[0].stdout, "up 3 days");
    assert_eq!(invocations[1].status, "Failed");
    assert_eq!(invocations[1].response_code, Some(127));
    assert_eq!(invocations[1].command_id, "c-1");
}

fn command(id: &str) -> SdkCommand {
    SdkCommand::builder()
        .command_id(id)
        .document_name("AWS-RunPatchBaseline")
        .instance_ids("i-1")
        .status(CommandStatus::InProgress)
        .target_count(1)
        .requested_date_time(DateTime::from_secs(1_700_000_000))
        .build()
}

#[tokio::test]
async fn throttling_then_success_is_retried_by_the_sdk() {
    let rule = mock!(Client::list_commands)
        .sequence()
        .error(|| {
            ListCommandsError::generic(
                ErrorMetadata::builder()
                    .code("ThrottlingException")
                    .message("Rate exceeded")
                    .build(),
            )
        })
        .output(|| {
            ListCommandsOutput::builder()
                .commands(command("c-9"))
                .build()
        })
        .build();
    let cloud = cloud(ssm_client(RuleMode::Sequential, &[&rule]));

    let commands = cloud.list_commands().await.expect("after one retry");
    assert_eq!(rule.num_calls(), 2);
    assert_eq!(commands.len(), 1);
    assert_eq!(commands[0].id, "c-9");
    assert_eq!(commands[0].document, "AWS-RunPatchBaseline");
    assert_eq!(commands[0].status, "InProgress");
    assert_eq!(
        commands[0].requested.map(|t| t.as_second()),
        Some(1_700_000_000)
    );
}

#[tokio::test]
async fn throttling_that_persists_is_reported_as_throttled() {
    let rule = mock!(Client::list_commands)
        .sequence()
        .error(|| {
            ListCommandsError::generic(ErrorMetadata::builder().code("ThrottlingException").build())
        })
        .repeatedly()
        .build();
    let cloud = cloud(ssm_client(RuleMode::Sequential, &[&rule]));
    let err = cloud.list_commands().await.expect_err("throttled");
    assert_eq!(err, CloudError::Throttled("ssm:ListCommands".to_string()));
    assert!(err.is_retryable());
    assert_eq!(rule.num_calls(), ssmdeck::cloud::aws::MAX_ATTEMPTS as usize);
}

#[tokio::test]
async fn send_command_passes_the_request_and_refuses_more_than_50() {
    let rule = mock!(Client::send_command)
        .match_requests(|r| {
            r.document_name() == Some("AWS-RunPatchBaseline")
                && r.instance_ids().len() == 2
                && r.parameters()
                    .and_then(|p| p.get("Operation"))
                    .is_some_and(|v| v == &["Scan".to_string()])
                && r.max_errors() == Some("0")
        })
        .then_output(|| SendCommandOutput::builder().command(command("c-5")).build());
    let cloud = cloud(ssm_client(RuleMode::MatchAny, &[&rule]));
    let request = SendCommandRequest {
        document: "AWS-RunPatchBaseline".to_string(),
        instance_ids: ids(0..2),
        targets: vec![],
        parameters: vec![("Operation".to_string(), vec!["Scan".to_string()])],
        comment: None,
        max_concurrency: None,
        max_errors: Some("0".to_string()),
        timeout_seconds: None,
        output: Default::default(),
    };
    let sent = cloud.send_command(&request).await.expect("sent");
    assert_eq!(sent.id, "c-5");

    let too_many = SendCommandRequest {
        instance_ids: ids(0..51),
        targets: vec![],
        ..request
    };
    let err = cloud.send_command(&too_many).await.expect_err("51");
    assert!(matches!(err, CloudError::Invalid(_)), "{err:?}");
    assert_eq!(rule.num_calls(), 1, "nothing sent for 51 ids");
}

#[tokio::test]
async fn command_invocation_that_never_started_has_no_code() {
    let rule = mock!(Client::get_command_invocation).then_output(|| {
        GetCommandInvocationOutput::builder()
            .command_id("c-1")
            .instance_id("i-1")
            .status(CommandInvocationStatus::Pending)
            .response_code(-1)
            .build()
    });
    let cloud = cloud(ssm_client(RuleMode::MatchAny, &[&rule]));
    let invocation = cloud
        .get_command_invocation("c-1", "i-1")
        .await
        .expect("ok");
    assert_eq!(invocation.status, "Pending");
    assert_eq!(invocation.response_code, None);
    assert_eq!(invocation.stdout, "");
}

#[test]
fn trust_policies_are_read_url_encoded_or_plain() {
    use ssmdeck::cloud::aws::{trust_policy, trusted_services};
    // IAM returns AssumeRolePolicyDocument URL-encoded.
    let encoded = "%7B%22Version%22%3A%222012-10-17%22%2C%22Statement%22%3A%5B%7B%22Effect%22%3A%22Allow%22%2C%22Principal%22%3A%7B%22Service%22%3A%22ec2.amazonaws.com%22%7D%2C%22Action%22%3A%22sts%3AAssumeRole%22%7D%5D%7D";
    assert_eq!(trusted_services(Some(encoded)), ["ec2.amazonaws.com"]);
    // A single statement object, a list of services, several actions.
    let doc = r#"{"Statement":{"Effect":"Allow","Principal":{"Service":["ssm.amazonaws.com","ec2.amazonaws.com"]},"Action":["sts:AssumeRole","sts:TagSession"]}}"#;
    assert_eq!(
        trusted_services(Some(doc)),
        ["ec2.amazonaws.com", "ssm.amazonaws.com"]
    );
    // Deny statements, account principals and other actions grant nothing here.
    let none = r#"{"Statement":[
        {"Effect":"Deny","Principal":{"Service":"ec2.amazonaws.com"},"Action":"sts:AssumeRole"},
        {"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::1:root"},"Action":"sts:AssumeRole"},
        {"Effect":"Allow","Principal":{"Service":"ec2.amazonaws.com"},"Action":"sts:AssumeRoleWithWebIdentity"}]}"#;
    assert!(trusted_services(Some(none)).is_empty());
    assert!(trusted_services(Some("not json")).is_empty());
    assert!(trusted_services(None).is_empty());
    // What CreateRole sends reads back as the service it trusts.
    assert_eq!(
        trusted_services(Some(&trust_policy("ec2.amazonaws.com"))),
        ["ec2.amazonaws.com"]
    );
}

#[tokio::test]
async fn cancel_command_and_its_errors() {
    let ok = mock!(Client::cancel_command)
        .match_requests(|r| r.command_id() == Some("c-1"))
        .then_output(|| CancelCommandOutput::builder().build());
    let unknown = mock!(Client::cancel_command)
        .match_requests(|r| r.command_id() == Some("c-404"))
        .then_error(|| {
            CancelCommandError::generic(
                ErrorMetadata::builder()
                    .code("InvalidCommandId")
                    .message("the command does not exist")
                    .build(),
            )
        });
    let cloud = cloud(ssm_client(RuleMode::MatchAny, &[&ok, &unknown]));
    assert_eq!(cloud.cancel_command("c-1").await, Ok(()));
    let err = cloud.cancel_command("c-404").await.expect_err("unknown");
    assert_eq!(
        err,
        CloudError::NotFound(
            "ssm:CancelCommand: InvalidCommandId: the command does not exist".to_string()
        )
    );
}

#[tokio::test]
async fn send_command_with_120_targets_is_three_calls_of_at_most_50() {
    let sizes: Arc<Mutex<Vec<usize>>> = Arc::new(Mutex::new(Vec::new()));
    let seen = sizes.clone();
    let rule = mock!(Client::send_command)
        .match_requests(move |r| {
            if let Ok(mut s) = seen.lock() {
                s.push(r.instance_ids().len());
            }
            true
        })
        .then_output(|| {
            SendCommandOutput::builder()
                .command(command("c-batch"))
                .build()
        });
    let cloud = cloud(ssm_client(RuleMode::MatchAny, &[&rule]));
    let request = SendCommandRequest {
        document: "AWS-RunShellScript".to_string(),
        instance_ids: ids(0..120),
        targets: vec![],
        parameters: vec![("commands".to_string(), vec!["uptime".to_string()])],
        comment: None,
        max_concurrency: Some("50".to_string()),
        max_errors: Some("0".to_string()),
        timeout_seconds: None,
        output: Default::default(),
    };
    let sent = ssmdeck::engine::fleet::send_batched(&cloud, &request)
        .await
        .expect("sent");
    assert_eq!(sent.len(), 3);
    assert_eq!(rule.num_calls(), 3);
    let sizes = sizes.lock().map(|s| s.clone()).unwrap_or_default();
    assert_eq!(sizes, vec![50, 50, 20]);
}
