//! The AWS adapter's SSM reads moto lacks, against aws-smithy-mocks: pages, batches,
//! the DescribeInstanceProperties → DescribeInstanceInformation fallback, throttling and
//! AccessDenied.

use std::sync::{Arc, Mutex};

use aws_config::{BehaviorVersion, Region, SdkConfig};
use aws_sdk_ssm::Client;
use aws_sdk_ssm::error::ErrorMetadata;
use aws_sdk_ssm::operation::describe_instance_information::DescribeInstanceInformationOutput;
use aws_sdk_ssm::operation::describe_instance_patch_states::{
    DescribeInstancePatchStatesError, DescribeInstancePatchStatesOutput,
};
use aws_sdk_ssm::operation::describe_instance_patches::DescribeInstancePatchesOutput;
use aws_sdk_ssm::operation::describe_instance_properties::{
    DescribeInstancePropertiesError, DescribeInstancePropertiesOutput,
};
use aws_sdk_ssm::operation::get_service_setting::{
    GetServiceSettingError, GetServiceSettingOutput,
};
use aws_sdk_ssm::operation::list_commands::ListCommandsError;
use aws_sdk_ssm::operation::list_inventory_entries::ListInventoryEntriesOutput;
use aws_sdk_ssm::primitives::DateTime;
use aws_sdk_ssm::types::{
    InstanceInformation, InstancePatchState, InstanceProperty, PatchComplianceData,
    PatchComplianceDataState, PatchOperationType, PingStatus as SdkPing, PlatformType,
    ServiceSetting,
};
use aws_smithy_mocks::{Rule, RuleMode, mock, mock_client};
use ssmdeck::cloud::aws::AwsCloud;
use ssmdeck::cloud::{Cloud, CloudError};
use ssmdeck::domain::model::{PatchOperation, PingStatus};

/// A mocked SSM client with the program's retry configuration (without the waits).
pub(crate) fn ssm_client(mode: RuleMode, rules: &[&Rule]) -> Client {
    mock_client!(aws_sdk_ssm, mode, rules, |b| b
        .retry_config(ssmdeck::cloud::aws::retry_config())
        .sleep_impl(crate::fixtures::NoWait))
}

/// An [`AwsCloud`] around the mocked SSM client; the other clients are never called.
pub(crate) fn cloud(ssm: Client) -> AwsCloud {
    let unused = SdkConfig::builder()
        .behavior_version(BehaviorVersion::latest())
        .region(Region::new("us-east-1"))
        .build();
    AwsCloud::from_clients(
        aws_sdk_ec2::Client::new(&unused),
        aws_sdk_iam::Client::new(&unused),
        ssm,
        aws_sdk_sts::Client::new(&unused),
        "us-east-1",
    )
}

pub(crate) fn ids(range: std::ops::Range<usize>) -> Vec<String> {
    range.map(|n| format!("i-{n:017x}")).collect()
}

fn property(id: &str) -> InstanceProperty {
    InstanceProperty::builder()
        .instance_id(id)
        .ping_status(SdkPing::Online)
        .last_ping_date_time(DateTime::from_secs(1_700_000_000))
        .agent_version("3.3.987.0")
        .platform_type(PlatformType::Linux)
        .platform_name("Amazon Linux")
        .platform_version("2023")
        .ip_address("10.0.128.10")
        .computer_name("ip-10-0-128-10")
        .iam_role("ManagedInstancesRole")
        .build()
}

fn information(id: &str, ping: SdkPing) -> InstanceInformation {
    InstanceInformation::builder()
        .instance_id(id)
        .ping_status(ping)
        .agent_version("3.2.0.0")
        .is_latest_version(false)
        .platform_type(PlatformType::Linux)
        .build()
}

const MOTO_HTML: &str = "<!doctype html>\n<html lang=en>\n<title>500 Internal Server Error</title>\n<h1>Internal Server Error</h1>";

#[tokio::test]
async fn instance_properties_over_several_pages() {
    let page1 = mock!(Client::describe_instance_properties)
        .match_requests(|r| r.next_token().is_none() && r.max_results() == Some(1000))
        .then_output(|| {
            DescribeInstancePropertiesOutput::builder()
                .instance_properties(property("i-1"))
                .instance_properties(property("i-2"))
                .next_token("p2")
                .build()
        });
    let page2 = mock!(Client::describe_instance_properties)
        .match_requests(|r| r.next_token() == Some("p2"))
        .then_output(|| {
            DescribeInstancePropertiesOutput::builder()
                .instance_properties(property("i-3"))
                .next_token("p3")
                .build()
        });
    let page3 = mock!(Client::describe_instance_properties)
        .match_requests(|r| r.next_token() == Some("p3"))
        .then_output(|| {
            DescribeInstancePropertiesOutput::builder()
                .instance_properties(property("i-4"))
                .build()
        });
    let info = mock!(Client::describe_instance_information)
        .then_output(|| DescribeInstanceInformationOutput::builder().build());
    let cloud = cloud(ssm_client(
        RuleMode::MatchAny,
        &[&page1, &page2, &page3, &info],
    ));

    let nodes = cloud.describe_managed_nodes().await.expect("nodes");
    let got: Vec<_> = nodes.iter().map(|n| n.instance_id.as_str()).collect();
    assert_eq!(got, ["i-1", "i-2", "i-3", "i-4"]);
    let n = &nodes[0];
    assert_eq!(n.ping, PingStatus::Online);
    assert_eq!(n.last_ping.map(|t| t.as_second()), Some(1_700_000_000));
    assert_eq!(n.agent_version.as_deref(), Some("3.3.987.0"));
    assert_eq!(n.platform_type.as_deref(), Some("Linux"));
    assert_eq!(n.platform_name.as_deref(), Some("Amazon Linux"));
    assert_eq!(n.ip_address.as_deref(), Some("10.0.128.10"));
    assert_eq!(n.iam_role.as_deref(), Some("ManagedInstancesRole"));
    assert_eq!(n.is_latest_version, None);
    assert_eq!(
        (page1.num_calls(), page2.num_calls(), page3.num_calls()),
        (1, 1, 1)
    );
    assert_eq!(info.num_calls(), 0);
}

#[tokio::test]
async fn falls_back_to_instance_information_and_remembers() {
    // moto's answer to an operation it lacks: HTTP 500 with an HTML body.
    let properties = mock!(Client::describe_instance_properties)
        .sequence()
        .http_status(500, Some(MOTO_HTML.to_string()))
        .repeatedly()
        .build();
    let page1 = mock!(Client::describe_instance_information)
        .match_requests(|r| r.next_token().is_none() && r.max_results() == Some(50))
        .then_output(|| {
            DescribeInstanceInformationOutput::builder()
                .instance_information_list(information("i-a", SdkPing::Online))
                .instance_information_list(information("i-b", SdkPing::ConnectionLost))
                .next_token("n2")
                .build()
        });
    let page2 = mock!(Client::describe_instance_information)
        .match_requests(|r| r.next_token() == Some("n2"))
        .then_output(|| {
            DescribeInstanceInformationOutput::builder()
                .instance_information_list(information("i-c", SdkPing::Inactive))
                .build()
        });
    let cloud = cloud(ssm_client(
        RuleMode::MatchAny,
        &[&properties, &page1, &page2],
    ));

    let nodes = cloud.describe_managed_nodes().await.expect("fallback");
    let got: Vec<_> = nodes
        .iter()
        .map(|n| (n.instance_id.as_str(), n.ping))
        .collect();
    assert_eq!(
        got,
        [
            ("i-a", PingStatus::Online),
            ("i-b", PingStatus::ConnectionLost),
            ("i-c", PingStatus::Inactive)
        ]
    );
    assert_eq!(nodes[0].is_latest_version, Some(false));
    let tried = properties.num_calls();
    // A 500 without a web page's content type is a server error like any: retried. (A
    // web page, as moto sends, is tried once: see moto::fleet_reads_moto_lacks….)
    assert_eq!(tried, ssmdeck::cloud::aws::MAX_ATTEMPTS as usize);

    // The decision holds for the session: straight to DescribeInstanceInformation.
    let again = cloud
        .describe_managed_nodes()
        .await
        .expect("second refresh");
    assert_eq!(again.len(), 3);
    assert_eq!(properties.num_calls(), tried);
    assert_eq!((page1.num_calls(), page2.num_calls()), (2, 2));
}

#[tokio::test]
async fn access_denied_on_properties_does_not_fall_back() {
    let properties = mock!(Client::describe_instance_properties).then_error(|| {
        DescribeInstancePropertiesError::generic(
            ErrorMetadata::builder()
                .code("AccessDeniedException")
                .message("User: arn:aws:iam::1:user/x is not authorized to perform: ssm:DescribeInstanceProperties")
                .build(),
        )
    });
    let info = mock!(Client::describe_instance_information)
        .then_output(|| DescribeInstanceInformationOutput::builder().build());
    let cloud = cloud(ssm_client(RuleMode::MatchAny, &[&properties, &info]));

    let err = cloud.describe_managed_nodes().await.expect_err("denied");
    assert_eq!(
        err,
        CloudError::AccessDenied {
            action: "ssm:DescribeInstanceProperties".to_string()
        }
    );
    assert_eq!(info.num_calls(), 0);
}

fn patch_state(id: &str) -> InstancePatchState {
    InstancePatchState::builder()
        .instance_id(id)
        .patch_group("")
        .baseline_id("pb-0123456789abcdef0")
        .operation_start_time(DateTime::from_secs(1_700_000_000))
        .operation_end_time(DateTime::from_secs(1_700_000_600))
        .operation(PatchOperationType::Scan)
        .installed_count(10)
        .missing_count(2)
        .failed_count(0)
        .critical_non_compliant_count(1)
        .build()
        .expect("patch state")
}

#[tokio::test]
async fn patch_states_in_batches_of_50_with_pages() {
    let batches: Arc<Mutex<Vec<usize>>> = Arc::default();
    let seen = batches.clone();
    // Every batch answers in two pages: the first half of its ids, then the rest.
    let first = mock!(Client::describe_instance_patch_states)
        .match_requests(|r| r.next_token().is_none() && r.max_results() == Some(100))
        .then_compute_output(move |r| {
            let ids = r.instance_ids();
            if let Ok(mut b) = seen.lock() {
                b.push(ids.len());
            }
            let half = ids.len() / 2;
            DescribeInstancePatchStatesOutput::builder()
                .set_instance_patch_states(Some(
                    ids[..half].iter().map(|i| patch_state(i)).collect(),
                ))
                .next_token(format!("half:{}", ids[0]))
                .build()
        });
    let second = mock!(Client::describe_instance_patch_states)
        .match_requests(|r| r.next_token().is_some_and(|t| t.starts_with("half:")))
        .then_compute_output(|r| {
            let ids = r.instance_ids();
            let half = ids.len() / 2;
            DescribeInstancePatchStatesOutput::builder()
                .set_instance_patch_states(Some(
                    ids[half..].iter().map(|i| patch_state(i)).collect(),
                ))
                .build()
        });
    let cloud = cloud(ssm_client(RuleMode::MatchAny, &[&first, &second]));

    let wanted = ids(0..120);
    let states = cloud
        .describe_instance_patch_states(&wanted)
        .await
        .expect("patch states");
    assert_eq!(
        states
            .iter()
            .map(|s| s.instance_id.clone())
            .collect::<Vec<_>>(),
        wanted
    );
    assert_eq!(*batches.lock().expect("lock"), vec![50, 50, 20]);
    assert_eq!((first.num_calls(), second.num_calls()), (3, 3));
    let s = &states[0];
    assert_eq!(s.operation, PatchOperation::Scan);
    assert_eq!(
        (s.installed, s.missing, s.critical_non_compliant),
        (10, 2, 1)
    );
    assert_eq!(s.operation_end.map(|t| t.as_second()), Some(1_700_000_600));
    assert!(!s.compliant());

    // No ids: no call at all.
    assert!(
        cloud
            .describe_instance_patch_states(&[])
            .await
            .expect("empty")
            .is_empty()
    );
    assert_eq!(first.num_calls(), 3);
}

#[tokio::test]
async fn access_denied_names_the_action() {
    let denied = mock!(Client::describe_instance_patch_states).then_error(|| {
        DescribeInstancePatchStatesError::generic(
            ErrorMetadata::builder()
                .code("AccessDeniedException")
                .message("not authorized")
                .build(),
        )
    });
    let cloud = cloud(ssm_client(RuleMode::MatchAny, &[&denied]));
    let err = cloud
        .describe_instance_patch_states(&ids(0..3))
        .await
        .expect_err("denied");
    assert_eq!(
        err,
        CloudError::AccessDenied {
            action: "ssm:DescribeInstancePatchStates".to_string()
        }
    );
    assert_eq!(
        err.to_string(),
        "AccessDenied: ssm:DescribeInstancePatchStates"
    );
    assert_eq!(denied.num_calls(), 1, "AccessDenied is not retried");
}

fn patch(title: &str, state: PatchComplianceDataState) -> PatchComplianceData {
    PatchComplianceData::builder()
        .title(title)
        .kb_id(title)
        .classification("Security")
        .severity("Critical")
        .state(state)
        .installed_time(DateTime::from_secs(0))
        .build()
        .expect("patch")
}

#[tokio::test]
async fn instance_patches_over_pages() {
    let rule = mock!(Client::describe_instance_patches)
        .match_requests(|r| r.instance_id() == Some("i-1") && r.max_results() == Some(100))
        .sequence()
        .output(|| {
            DescribeInstancePatchesOutput::builder()
                .patches(patch("openssl", PatchComplianceDataState::Missing))
                .next_token("t")
                .build()
        })
        .output(|| {
            DescribeInstancePatchesOutput::builder()
                .patches(patch(
                    "kernel",
                    PatchComplianceDataState::InstalledPendingReboot,
                ))
                .build()
        })
        .build();
    let cloud = cloud(ssm_client(RuleMode::Sequential, &[&rule]));
    let patches = cloud
        .describe_instance_patches("i-1", ssmdeck::domain::model::PatchFilter::All)
        .await
        .expect("patches");
    let got: Vec<_> = patches
        .iter()
        .map(|p| (p.title.as_str(), p.state.as_str()))
        .collect();
    assert_eq!(
        got,
        [("openssl", "Missing"), ("kernel", "InstalledPendingReboot")]
    );
    assert_eq!(patches[0].severity, "Critical");
    assert_eq!(
        patches[0].installed_time, None,
        "epoch 0 means never installed"
    );
    assert_eq!(rule.num_calls(), 2);
}

fn app(name: &str) -> std::collections::HashMap<String, String> {
    [("Name", name), ("Version", "1.0")]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

#[tokio::test]
async fn inventory_loops_on_next_token() {
    let p1 = mock!(Client::list_inventory_entries)
        .match_requests(|r| {
            r.next_token().is_none()
                && r.max_results() == Some(50)
                && r.instance_id() == Some("i-1")
                && r.type_name() == Some("AWS:Application")
        })
        .then_output(|| {
            ListInventoryEntriesOutput::builder()
                .entries(app("bash"))
                .entries(app("curl"))
                .next_token("t1")
                .build()
        });
    let p2 = mock!(Client::list_inventory_entries)
        .match_requests(|r| r.next_token() == Some("t1"))
        .then_output(|| {
            ListInventoryEntriesOutput::builder()
                .entries(app("git"))
                .next_token("t2")
                .build()
        });
    let p3 = mock!(Client::list_inventory_entries)
        .match_requests(|r| r.next_token() == Some("t2"))
        .then_output(|| {
            ListInventoryEntriesOutput::builder()
                .entries(app("zsh"))
                .build()
        });
    let cloud = cloud(ssm_client(RuleMode::MatchAny, &[&p1, &p2, &p3]));

    let entries = cloud
        .list_inventory_entries("i-1", "AWS:Application")
        .await
        .expect("inventory");
    let names: Vec<_> = entries.iter().filter_map(|e| e.get("Name")).collect();
    assert_eq!(names, ["bash", "curl", "git", "zsh"]);
    assert_eq!(entries[0].get("Version").map(String::as_str), Some("1.0"));
    assert_eq!((p1.num_calls(), p2.num_calls(), p3.num_calls()), (1, 1, 1));
}

#[tokio::test]
async fn malformed_error_body_is_one_readable_line() {
    let rule = mock!(Client::list_commands)
        .sequence()
        .http_status(500, Some(MOTO_HTML.to_string()))
        .repeatedly()
        .build();
    let cloud = cloud(ssm_client(RuleMode::Sequential, &[&rule]));
    let err = cloud.list_commands().await.expect_err("500");
    let CloudError::Unavailable(detail) = &err else {
        panic!("expected Unavailable, got {err:?}");
    };
    assert!(detail.starts_with("ssm:ListCommands: HTTP 500"), "{detail}");
    assert!(
        !detail.contains('\n') && !detail.contains("Error {"),
        "{detail}"
    );
}

#[tokio::test]
async fn default_host_management_reads_the_service_setting() {
    let setting = |value: &'static str| {
        mock!(Client::get_service_setting)
            .match_requests(|r| {
                r.setting_id() == Some("/ssm/managed-instance/default-ec2-instance-management-role")
            })
            .then_output(move || {
                GetServiceSettingOutput::builder()
                    .service_setting(ServiceSetting::builder().setting_value(value).build())
                    .build()
            })
    };
    for (value, on) in [
        (
            "service-role/AWSSystemsManagerDefaultEC2InstanceManagementRole",
            true,
        ),
        ("$None", false),
        ("", false),
    ] {
        let rule = setting(value);
        let cloud = cloud(ssm_client(RuleMode::MatchAny, &[&rule]));
        let role = on.then(|| value.to_string());
        assert_eq!(cloud.default_host_management().await, Ok(role), "{value:?}");
    }
    let not_found = mock!(Client::get_service_setting).then_error(|| {
        GetServiceSettingError::generic(
            ErrorMetadata::builder()
                .code("ServiceSettingNotFound")
                .build(),
        )
    });
    let cloud = cloud(ssm_client(RuleMode::MatchAny, &[&not_found]));
    assert_eq!(cloud.default_host_management().await, Ok(None));
}

#[tokio::test]
async fn error_codes_map_to_cloud_errors() {
    type Expect = fn(&CloudError) -> bool;
    let cases: [(&str, Expect); 9] = [
        ("RequestLimitExceeded", |e| {
            *e == CloudError::Throttled("ssm:ListCommands".into())
        }),
        ("UnauthorizedOperation", |e| {
            *e == CloudError::AccessDenied {
                action: "ssm:ListCommands".into(),
            }
        }),
        ("InvalidCommandId", |e| matches!(e, CloudError::NotFound(_))),
        ("InvalidInstanceId", |e| {
            matches!(e, CloudError::NotFound(_))
        }),
        ("InvalidVpcID.NotFound", |e| {
            matches!(e, CloudError::NotFound(_))
        }),
        ("ValidationException", |e| {
            matches!(e, CloudError::Invalid(_))
        }),
        ("InvalidFilterKey", |e| matches!(e, CloudError::Invalid(_))),
        ("InternalServerError", |e| {
            matches!(e, CloudError::Unavailable(_))
        }),
        ("SomethingNew", |e| {
            *e == CloudError::Other("ssm:ListCommands: SomethingNew: it broke".into())
        }),
    ];
    for (code, expected) in cases {
        let rule = mock!(Client::list_commands)
            .sequence()
            .error(move || {
                ListCommandsError::generic(
                    ErrorMetadata::builder()
                        .code(code)
                        .message("it broke")
                        .build(),
                )
            })
            .repeatedly()
            .build();
        let cloud = cloud(ssm_client(RuleMode::Sequential, &[&rule]));
        let err = cloud.list_commands().await.expect_err(code);
        assert!(expected(&err), "{code} → {err:?}");
        assert!(!err.to_string().contains('\n'), "{err}");
    }
}

#[tokio::test]
async fn get_inventory_counts_applications_per_node_over_pages() {
    use aws_sdk_ssm::operation::get_inventory::GetInventoryOutput;
    use aws_sdk_ssm::types::{InventoryResultEntity, InventoryResultItem};
    let entity = |id: &str, apps: usize| {
        let mut item = InventoryResultItem::builder()
            .type_name("AWS:Application")
            .schema_version("1.1")
            .capture_time("2026-11-28T10:00:00Z");
        for n in 0..apps {
            item = item.content(std::collections::HashMap::from([(
                "Name".to_string(),
                format!("app{n}"),
            )]));
        }
        InventoryResultEntity::builder()
            .id(id)
            .data("AWS:Application", item.build().expect("item"))
            .build()
    };
    let rule = mock!(Client::get_inventory)
        .sequence()
        .output(move || {
            GetInventoryOutput::builder()
                .entities(entity("i-1", 3))
                .next_token("t1")
                .build()
        })
        .output(move || {
            GetInventoryOutput::builder()
                .entities(entity("i-2", 5))
                .build()
        })
        .build();
    let cloud = cloud(ssm_client(RuleMode::Sequential, &[&rule]));
    let inv = cloud.get_inventory().await.expect("inventory");
    assert_eq!(inv.len(), 2);
    assert_eq!(inv[0].instance_id, "i-1");
    assert_eq!(inv[0].application_count, 3);
    assert_eq!(inv[1].application_count, 5);
    assert!(inv[0].capture_time.is_some());
    assert_eq!(rule.num_calls(), 2);
}
