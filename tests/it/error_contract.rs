//! The error paths, on both adapters, with one set of assertions: the sandbox's own
//! answers, and the AWS adapter's mapping of what AWS answers (mocked where moto lacks the
//! error), with the program's own retry configuration.

use aws_sdk_ec2::operation::create_vpc_endpoint::CreateVpcEndpointError;
use aws_sdk_ec2::operation::describe_instances::{DescribeInstancesError, DescribeInstancesOutput};
use aws_sdk_ec2::types::{Instance as SdkInstance, InstanceState, InstanceStateName, Reservation};
use aws_sdk_ssm::operation::get_command_invocation::GetCommandInvocationError;
use aws_smithy_mocks::{MockResponseInterceptor, Rule, RuleMode, create_mock_http_client, mock};
use aws_smithy_types::error::ErrorMetadata;
use ssmdeck::cloud::aws::AwsCloud;
use ssmdeck::cloud::sandbox::faults::{Faults, Faulty};
use ssmdeck::cloud::sandbox::{Clock, SandboxCloud, Scenario};
use ssmdeck::cloud::{Cloud, CloudError, CreateEndpointRequest, WriteMode};
use ssmdeck::domain::model::EndpointType;
use ssmdeck::domain::readiness::service_name;

use crate::fixtures::{NoWait, t0};

/// A client of `$sdk` answered by the rules, with the program's retry configuration.
macro_rules! mocked {
    ($sdk:ident, [$($rule:expr),*]) => {{
        let interceptor = MockResponseInterceptor::new().rule_mode(RuleMode::Sequential)
            $(.with_rule($rule))*;
        $sdk::Client::from_conf(
            $sdk::Config::builder()
                .behavior_version_latest()
                .region($sdk::config::Region::new("ap-northeast-2"))
                .credentials_provider($sdk::config::Credentials::new(
                    "test", "test", None, None, "test",
                ))
                .retry_config(ssmdeck::cloud::aws::retry_config())
                .sleep_impl(NoWait)
                .http_client(create_mock_http_client())
                .interceptor(interceptor)
                .build(),
        )
    }};
}

fn aws(ec2: &[&Rule], ssm: &[&Rule]) -> AwsCloud {
    let mut ec2_mock = MockResponseInterceptor::new().rule_mode(RuleMode::Sequential);
    for r in ec2 {
        ec2_mock = ec2_mock.with_rule(r);
    }
    let mut ssm_mock = MockResponseInterceptor::new().rule_mode(RuleMode::Sequential);
    for r in ssm {
        ssm_mock = ssm_mock.with_rule(r);
    }
    AwsCloud::from_clients(
        aws_sdk_ec2::Client::from_conf(
            aws_sdk_ec2::Config::builder()
                .behavior_version_latest()
                .region(aws_sdk_ec2::config::Region::new("ap-northeast-2"))
                .credentials_provider(aws_sdk_ec2::config::Credentials::new(
                    "test", "test", None, None, "test",
                ))
                .retry_config(ssmdeck::cloud::aws::retry_config())
                .sleep_impl(NoWait)
                .http_client(create_mock_http_client())
                .interceptor(ec2_mock)
                .build(),
        ),
        mocked!(aws_sdk_iam, []),
        aws_sdk_ssm::Client::from_conf(
            aws_sdk_ssm::Config::builder()
                .behavior_version_latest()
                .region(aws_sdk_ssm::config::Region::new("ap-northeast-2"))
                .credentials_provider(aws_sdk_ssm::config::Credentials::new(
                    "test", "test", None, None, "test",
                ))
                .retry_config(ssmdeck::cloud::aws::retry_config())
                .sleep_impl(NoWait)
                .http_client(create_mock_http_client())
                .interceptor(ssm_mock)
                .build(),
        ),
        mocked!(aws_sdk_sts, []),
        "ap-northeast-2",
    )
}

fn lab() -> SandboxCloud {
    SandboxCloud::new(Scenario::Lab, Clock::manual(t0()))
}

const LAB_VPC: &str = "vpc-0a3c9e1b7d5f24680";

fn request(subnets: &[&str], token: &str) -> CreateEndpointRequest {
    CreateEndpointRequest {
        vpc_id: LAB_VPC.into(),
        service_name: service_name("ap-northeast-2", "ssm"),
        kind: EndpointType::Interface,
        subnet_ids: subnets.iter().map(|s| s.to_string()).collect(),
        security_group_ids: vec![],
        route_table_ids: vec![],
        private_dns: true,
        client_token: token.into(),
        tags: vec![],
    }
}

/// What both adapters must say for one case.
fn duplicate_subnets(e: &CloudError) {
    assert!(
        matches!(e, CloudError::Invalid(m) if m.contains("DuplicateSubnetsInSameZone")),
        "{e:?}"
    );
}

fn token_mismatch(e: &CloudError) {
    assert!(
        matches!(e, CloudError::AlreadyExists(m) if m.contains("IdempotentParameterMismatch")),
        "{e:?}"
    );
}

fn denied_with_action(e: &CloudError, action: &str) {
    assert_eq!(
        *e,
        CloudError::AccessDenied {
            action: action.into()
        }
    );
}

fn throttled(e: &CloudError) {
    assert_eq!(*e, CloudError::Throttled("ec2:DescribeInstances".into()));
    assert!(e.is_retryable(), "the poller tries again later");
}

fn not_found(e: &CloudError) {
    assert!(matches!(e, CloudError::NotFound(_)), "{e:?}");
    assert_eq!(e.action(), Some("ssm:GetCommandInvocation"), "{e:?}");
}

fn ec2_error(code: &'static str, message: &'static str) -> CreateVpcEndpointError {
    CreateVpcEndpointError::generic(ErrorMetadata::builder().code(code).message(message).build())
}

#[tokio::test]
async fn both_adapters_report_the_same_errors() {
    // DuplicateSubnetsInSameZone: two subnets of one AZ.
    let sandbox = lab();
    let subnets = sandbox.describe_subnets().await.expect("subnets");
    let az = &subnets[0].az;
    let same_az: Vec<&str> = subnets
        .iter()
        .filter(|s| &s.az == az)
        .map(|s| s.id.as_str())
        .collect();
    assert!(same_az.len() >= 2, "the lab has two subnets in {az}");
    let err = sandbox
        .create_vpc_endpoint(&request(&same_az[..2], "dup"), WriteMode::Apply)
        .await
        .expect_err("duplicate subnets");
    duplicate_subnets(&err);
    let rule = mock!(aws_sdk_ec2::Client::create_vpc_endpoint).then_error(|| {
        ec2_error(
            "DuplicateSubnetsInSameZone",
            "Found another VPC endpoint subnet in the availability zone of subnet-1",
        )
    });
    let err = aws(&[&rule], &[])
        .create_vpc_endpoint(&request(&same_az[..2], "dup"), WriteMode::Apply)
        .await
        .expect_err("duplicate subnets");
    duplicate_subnets(&err);

    // IdempotentParameterMismatch: a token reused with other parameters.
    let one = [same_az[0]];
    sandbox
        .create_vpc_endpoint(&request(&one, "token-1"), WriteMode::Apply)
        .await
        .expect("created");
    let mut other = request(&one, "token-1");
    other.service_name = service_name("ap-northeast-2", "ssmmessages");
    let err = sandbox
        .create_vpc_endpoint(&other, WriteMode::Apply)
        .await
        .expect_err("mismatch");
    token_mismatch(&err);
    let rule = mock!(aws_sdk_ec2::Client::create_vpc_endpoint)
        .then_error(|| ec2_error("IdempotentParameterMismatch", "token reused"));
    let err = aws(&[&rule], &[])
        .create_vpc_endpoint(&other, WriteMode::Apply)
        .await
        .expect_err("mismatch");
    token_mismatch(&err);

    // AccessDenied names the IAM action.
    let denied: Faults = "deny:ec2:DescribeInstances".parse().expect("spec");
    let err = Faulty::new(lab(), denied)
        .describe_instances()
        .await
        .expect_err("denied");
    denied_with_action(&err, "ec2:DescribeInstances");
    let rule = mock!(aws_sdk_ec2::Client::describe_instances).then_error(|| {
        DescribeInstancesError::generic(
            ErrorMetadata::builder()
                .code("UnauthorizedOperation")
                .message("You are not authorized to perform this operation.")
                .build(),
        )
    });
    let err = aws(&[&rule], &[])
        .describe_instances()
        .await
        .expect_err("denied");
    denied_with_action(&err, "ec2:DescribeInstances");

    // Throttling that outlasts the retries, in the middle of a paginated read.
    let always: Faults = "throttle:1".parse().expect("spec");
    let err = Faulty::new(lab(), always)
        .describe_instances()
        .await
        .expect_err("throttled");
    throttled(&err);
    let first_page = mock!(aws_sdk_ec2::Client::describe_instances)
        .match_requests(|r| r.next_token().is_none())
        .then_output(|| {
            DescribeInstancesOutput::builder()
                .reservations(
                    Reservation::builder()
                        .instances(
                            SdkInstance::builder()
                                .instance_id("i-0page1")
                                .state(
                                    InstanceState::builder()
                                        .name(InstanceStateName::Running)
                                        .build(),
                                )
                                .build(),
                        )
                        .build(),
                )
                .next_token("page-2")
                .build()
        });
    let second_page = mock!(aws_sdk_ec2::Client::describe_instances)
        .match_requests(|r| r.next_token() == Some("page-2"))
        .sequence()
        .error(|| {
            DescribeInstancesError::generic(
                ErrorMetadata::builder()
                    .code("RequestLimitExceeded")
                    .build(),
            )
        })
        .times(5)
        .build();
    let err = aws(&[&first_page, &second_page], &[])
        .describe_instances()
        .await
        .expect_err("throttled on page 2");
    throttled(&err);
    assert_eq!(first_page.num_calls(), 1);
    assert_eq!(
        second_page.num_calls(),
        ssmdeck::cloud::aws::MAX_ATTEMPTS as usize,
        "the SDK's attempts and no more"
    );

    // NotFound: an invocation that does not exist.
    let err = lab()
        .get_command_invocation("no-such-command", "i-0a1b2c3d4e5f60001")
        .await
        .expect_err("unknown");
    not_found(&err);
    let rule = mock!(aws_sdk_ssm::Client::get_command_invocation).then_error(|| {
        GetCommandInvocationError::generic(
            ErrorMetadata::builder()
                .code("InvocationDoesNotExist")
                .message("no such invocation")
                .build(),
        )
    });
    let err = aws(&[], &[&rule])
        .get_command_invocation("no-such-command", "i-0a1b2c3d4e5f60001")
        .await
        .expect_err("unknown");
    not_found(&err);
}
