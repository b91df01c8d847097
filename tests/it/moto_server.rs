//! Test harness: a moto server on a free loopback port, one per test, stopped on Drop;
//! an [`AwsCloud`] pointed at it; the workshop stack built through the raw SDK clients.

use std::net::{TcpListener, TcpStream};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use aws_config::SdkConfig;
use aws_config::retry::RetryConfig;
use aws_sdk_ec2::config::Credentials;
use aws_sdk_ec2::types::{
    AttributeBooleanValue, InstanceType, ResourceType, Tag, TagSpecification,
};
use ssmdeck::cloud::aws::{AwsCloud, AwsSettings, config_loader};

/// The workshop's region.
pub const REGION: &str = "ap-northeast-2";
pub const VPC_NAME: &str = "WellArchitectedLabsStack/VPC";
pub const INSTANCE_SG_NAME: &str = "WellArchitectedLabsStack/ASG/InstanceSecurityGroup";
/// The Name tag of the workshop's instances.
#[allow(dead_code)] // for the run tests
pub const INSTANCE_NAME: &str = "WellArchitectedLabsStack/ASG";
/// Any id works: moto validates AMIs only with MOTO_ENABLE_AMI_VALIDATION.
pub const AMI: &str = "ami-0c9c942bd7bf113a2";
const STARTUP_LIMIT: Duration = Duration::from_secs(20);
const MISSING: &str = "moto server not found: run `pip install 'moto[server]'`";

/// A running `moto_server`; killed when dropped.
pub struct MotoServer {
    child: Child,
    port: u16,
    log: PathBuf,
}

impl MotoServer {
    /// Starts `moto_server -H 127.0.0.1 -p PORT` with AWS managed policies loaded and waits
    /// (at most 20 s) until it accepts connections. Panics when moto is not installed.
    pub fn start() -> Self {
        Self::start_with(&[])
    }

    /// Like [`Self::start`], recording every request moto receives (its request recorder).
    pub fn start_recording(recording: &std::path::Path) -> Self {
        Self::start_with(&[
            ("MOTO_ENABLE_RECORDING", "True".to_string()),
            ("MOTO_RECORDER_FILEPATH", recording.display().to_string()),
        ])
    }

    /// On a port chosen by the caller (a test that starts the console first).
    #[allow(dead_code)] // for the terminal tests
    pub fn start_on(port: u16) -> Self {
        Self::start_at(port, &[])
    }

    fn start_with(env: &[(&str, String)]) -> Self {
        Self::start_at(free_port(), env)
    }

    fn start_at(port: u16, env: &[(&str, String)]) -> Self {
        let log = std::env::temp_dir().join(format!("ssmdeck-moto-{port}.log"));
        let log_file = std::fs::File::create(&log)
            .unwrap_or_else(|e| panic!("creating {}: {e}", log.display()));
        let stderr = log_file
            .try_clone()
            .unwrap_or_else(|e| panic!("cloning the log handle: {e}"));
        let spawned = Command::new("moto_server")
            .args(["-H", "127.0.0.1", "-p", &port.to_string()])
            .env("MOTO_IAM_LOAD_MANAGED_POLICIES", "true")
            .envs(env.iter().map(|(k, v)| (*k, v.as_str())))
            .stdin(Stdio::null())
            .stdout(log_file)
            .stderr(stderr)
            .spawn();
        let child = match spawned {
            Ok(child) => child,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => panic!("{MISSING}"),
            Err(e) => panic!("starting moto_server: {e}"),
        };
        let mut server = Self { child, port, log };
        server.wait_ready();
        server
    }

    fn wait_ready(&mut self) {
        let started = Instant::now();
        loop {
            if let Ok(Some(status)) = self.child.try_wait() {
                let log = std::fs::read_to_string(&self.log).unwrap_or_default();
                panic!("moto_server exited early ({status}):\n{log}");
            }
            if TcpStream::connect_timeout(
                &([127, 0, 0, 1], self.port).into(),
                Duration::from_millis(200),
            )
            .is_ok()
            {
                return;
            }
            assert!(
                started.elapsed() < STARTUP_LIMIT,
                "moto_server did not answer on port {} within {STARTUP_LIMIT:?}",
                self.port
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    #[allow(dead_code)] // for the CLI tests
    pub fn port(&self) -> u16 {
        self.port
    }

    pub fn endpoint(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// What `--endpoint-url … --region ap-northeast-2` gives the program.
    pub fn settings(&self) -> AwsSettings {
        AwsSettings {
            profile: None,
            region: Some(REGION.to_string()),
            endpoint_url: Some(self.endpoint()),
        }
    }

    /// Environment for running the `ssmdeck` binary against this server.
    #[allow(dead_code)] // for the CLI tests
    pub fn env(&self) -> Vec<(&'static str, String)> {
        vec![
            ("AWS_ACCESS_KEY_ID", "testing".to_string()),
            ("AWS_SECRET_ACCESS_KEY", "testing".to_string()),
            ("AWS_REGION", REGION.to_string()),
            ("AWS_ENDPOINT_URL", self.endpoint()),
            ("AWS_EC2_METADATA_DISABLED", "true".to_string()),
        ]
    }

    /// The `ssmdeck` binary aimed at this server (`--endpoint-url`, test credentials, no
    /// `AWS_PROFILE`), logging to a file of its own; add the arguments.
    #[allow(dead_code)] // for the CLI tests
    pub fn ssmdeck(&self, log: &std::path::Path) -> std::process::Command {
        let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_ssmdeck"));
        cmd.arg("--endpoint-url")
            .arg(self.endpoint())
            .arg("--log-file")
            .arg(log)
            .envs(self.env())
            .env_remove("AWS_PROFILE");
        cmd
    }

    /// The program's own configuration (timeouts, adaptive retries) with static test
    /// credentials.
    pub async fn sdk_config(&self) -> SdkConfig {
        config_loader(&self.settings())
            .credentials_provider(Credentials::new("testing", "testing", None, None, "moto"))
            .load()
            .await
    }

    /// The same, but retries back off for 1 ms (moto answers HTTP 500 for operations it
    /// lacks, which the SDK retries).
    pub async fn fast_sdk_config(&self) -> SdkConfig {
        config_loader(&self.settings())
            .credentials_provider(Credentials::new("testing", "testing", None, None, "moto"))
            .retry_config(
                RetryConfig::standard()
                    .with_max_attempts(2)
                    .with_initial_backoff(Duration::from_millis(1)),
            )
            .load()
            .await
    }

    pub async fn cloud(&self) -> AwsCloud {
        AwsCloud::from_conf(&self.sdk_config().await).with_label(self.settings().label())
    }

    pub async fn fast_cloud(&self) -> AwsCloud {
        AwsCloud::from_conf(&self.fast_sdk_config().await).with_label(self.settings().label())
    }

    pub async fn ec2(&self) -> aws_sdk_ec2::Client {
        aws_sdk_ec2::Client::new(&self.sdk_config().await)
    }

    pub async fn ssm(&self) -> aws_sdk_ssm::Client {
        aws_sdk_ssm::Client::new(&self.sdk_config().await)
    }

    /// Builds the workshop stack (see [`WorkshopStack`]).
    pub async fn create_workshop_stack(&self) -> WorkshopStack {
        create_workshop_stack(&self.ec2().await).await
    }
}

impl Drop for MotoServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_file(&self.log);
    }
}

pub fn free_port() -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap_or_else(|e| panic!("binding: {e}"));
    listener
        .local_addr()
        .unwrap_or_else(|e| panic!("local addr: {e}"))
        .port()
}

/// The lab's CloudFormation stack as the workshop leaves it before the exercise:
/// VPC `10.0.0.0/16` (DNS support and hostnames on, as the CDK VPC construct sets them),
/// public subnets in 2a/2c routed to an internet gateway, private subnets in 2a/2c with
/// only the local route, the instance security group, two running instances in the
/// private subnets. No VPC endpoints, no instance profile, no role.
#[derive(Debug, Clone)]
pub struct WorkshopStack {
    pub vpc_id: String,
    pub igw_id: String,
    /// 2a, 2c
    pub public_subnet_ids: Vec<String>,
    /// 2a, 2c
    pub private_subnet_ids: Vec<String>,
    pub public_route_table_id: String,
    /// one per private subnet, 2a, 2c
    pub private_route_table_ids: Vec<String>,
    pub security_group_id: String,
    /// one per private subnet, 2a, 2c
    pub instance_ids: Vec<String>,
}

fn name_tag(resource: ResourceType, name: &str) -> TagSpecification {
    TagSpecification::builder()
        .resource_type(resource)
        .tags(Tag::builder().key("Name").value(name).build())
        .build()
}

fn must<T, E: std::error::Error>(what: &str, result: Result<T, E>) -> T {
    result.unwrap_or_else(|e| panic!("{what}: {}", aws_sdk_ec2::error::DisplayErrorContext(e)))
}

fn some<T>(what: &str, value: Option<T>) -> T {
    value.unwrap_or_else(|| panic!("{what}: missing in the response"))
}

pub async fn create_workshop_stack(ec2: &aws_sdk_ec2::Client) -> WorkshopStack {
    let vpc = must(
        "CreateVpc",
        ec2.create_vpc()
            .cidr_block("10.0.0.0/16")
            .tag_specifications(name_tag(ResourceType::Vpc, VPC_NAME))
            .send()
            .await,
    );
    let vpc_id = some("VpcId", vpc.vpc().and_then(|v| v.vpc_id())).to_string();
    for hostnames in [false, true] {
        let on = AttributeBooleanValue::builder().value(true).build();
        let call = ec2.modify_vpc_attribute().vpc_id(&vpc_id);
        let call = if hostnames {
            call.enable_dns_hostnames(on)
        } else {
            call.enable_dns_support(on)
        };
        must("ModifyVpcAttribute", call.send().await);
    }

    let igw = must(
        "CreateInternetGateway",
        ec2.create_internet_gateway().send().await,
    );
    let igw_id = some(
        "InternetGatewayId",
        igw.internet_gateway().and_then(|g| g.internet_gateway_id()),
    )
    .to_string();
    must(
        "AttachInternetGateway",
        ec2.attach_internet_gateway()
            .vpc_id(&vpc_id)
            .internet_gateway_id(&igw_id)
            .send()
            .await,
    );

    let mut public_subnet_ids = Vec::new();
    let mut private_subnet_ids = Vec::new();
    let layout = [
        ("10.0.0.0/18", "a", true, 1),
        ("10.0.64.0/18", "c", true, 2),
        ("10.0.128.0/18", "a", false, 1),
        ("10.0.192.0/18", "c", false, 2),
    ];
    for (cidr, zone, public, n) in layout {
        let kind = if public { "Public" } else { "Private" };
        let name = format!("{VPC_NAME}/{kind}Subnet{n}");
        let subnet = must(
            "CreateSubnet",
            ec2.create_subnet()
                .vpc_id(&vpc_id)
                .cidr_block(cidr)
                .availability_zone(format!("{REGION}{zone}"))
                .tag_specifications(name_tag(ResourceType::Subnet, &name))
                .send()
                .await,
        );
        let id = some("SubnetId", subnet.subnet().and_then(|s| s.subnet_id())).to_string();
        if public {
            must(
                "ModifySubnetAttribute",
                ec2.modify_subnet_attribute()
                    .subnet_id(&id)
                    .map_public_ip_on_launch(AttributeBooleanValue::builder().value(true).build())
                    .send()
                    .await,
            );
            public_subnet_ids.push(id);
        } else {
            private_subnet_ids.push(id);
        }
    }

    let public_route_table_id =
        route_table(ec2, &vpc_id, &format!("{VPC_NAME}/PublicRouteTable")).await;
    must(
        "CreateRoute",
        ec2.create_route()
            .route_table_id(&public_route_table_id)
            .destination_cidr_block("0.0.0.0/0")
            .gateway_id(&igw_id)
            .send()
            .await,
    );
    for subnet in &public_subnet_ids {
        associate(ec2, &public_route_table_id, subnet).await;
    }
    let mut private_route_table_ids = Vec::new();
    for (n, subnet) in private_subnet_ids.iter().enumerate() {
        let name = format!("{VPC_NAME}/PrivateSubnet{}/RouteTable", n + 1);
        let table = route_table(ec2, &vpc_id, &name).await;
        associate(ec2, &table, subnet).await;
        private_route_table_ids.push(table);
    }

    let sg = must(
        "CreateSecurityGroup",
        ec2.create_security_group()
            .vpc_id(&vpc_id)
            .group_name(INSTANCE_SG_NAME)
            .description("Security group for the lab instances")
            .tag_specifications(name_tag(ResourceType::SecurityGroup, INSTANCE_SG_NAME))
            .send()
            .await,
    );
    let security_group_id = some("GroupId", sg.group_id()).to_string();

    let mut instance_ids = Vec::new();
    for subnet in &private_subnet_ids {
        let run = must(
            "RunInstances",
            ec2.run_instances()
                .image_id(AMI)
                .instance_type(InstanceType::T3Micro)
                .min_count(1)
                .max_count(1)
                .subnet_id(subnet)
                .security_group_ids(&security_group_id)
                .tag_specifications(name_tag(ResourceType::Instance, INSTANCE_NAME))
                .send()
                .await,
        );
        let instance = some("Instances", run.instances().first());
        instance_ids.push(some("InstanceId", instance.instance_id()).to_string());
    }

    WorkshopStack {
        vpc_id,
        igw_id,
        public_subnet_ids,
        private_subnet_ids,
        public_route_table_id,
        private_route_table_ids,
        security_group_id,
        instance_ids,
    }
}

async fn route_table(ec2: &aws_sdk_ec2::Client, vpc_id: &str, name: &str) -> String {
    let table = must(
        "CreateRouteTable",
        ec2.create_route_table()
            .vpc_id(vpc_id)
            .tag_specifications(name_tag(ResourceType::RouteTable, name))
            .send()
            .await,
    );
    some(
        "RouteTableId",
        table.route_table().and_then(|t| t.route_table_id()),
    )
    .to_string()
}

async fn associate(ec2: &aws_sdk_ec2::Client, table: &str, subnet: &str) {
    must(
        "AssociateRouteTable",
        ec2.associate_route_table()
            .route_table_id(table)
            .subnet_id(subnet)
            .send()
            .await,
    );
}

/// One request moto recorded: its API action and whether it was an EC2 dry run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Recorded {
    pub action: String,
    pub dry_run: bool,
}

impl Recorded {
    /// A call that changes the account (dry runs change nothing).
    pub fn is_write(&self) -> bool {
        const READS: [&str; 5] = ["Describe", "List", "Get", "Search", "Simulate"];
        !self.dry_run && !READS.iter().any(|p| self.action.starts_with(p))
    }
}

/// The requests in moto's recording file, in order.
pub fn recorded_calls(recording: &std::path::Path) -> Vec<Recorded> {
    use base64::Engine as _;
    let text = std::fs::read_to_string(recording).unwrap_or_default();
    text.lines()
        .filter_map(|line| serde_json::from_str::<serde_json::Value>(line).ok())
        .filter_map(|v| {
            let body = v["body"].as_str().unwrap_or_default();
            let body = if v["body_encoded"].as_bool() == Some(true) {
                base64::engine::general_purpose::STANDARD
                    .decode(body)
                    .map(|b| String::from_utf8_lossy(&b).into_owned())
                    .unwrap_or_default()
            } else {
                body.to_string()
            };
            let target = v["headers"]
                .as_object()
                .and_then(|h| {
                    h.iter()
                        .find(|(k, _)| k.eq_ignore_ascii_case("x-amz-target"))
                })
                .and_then(|(_, t)| t.as_str())
                .and_then(|t| t.rsplit('.').next())
                .map(str::to_string);
            let action = target.or_else(|| {
                body.split('&')
                    .find_map(|kv| kv.strip_prefix("Action="))
                    .map(str::to_string)
            })?;
            let dry_run = body.split('&').any(|kv| kv == "DryRun=true");
            Some(Recorded { action, dry_run })
        })
        .collect()
}

/// What a write could change, read back from moto through the raw SDK: endpoints,
/// security groups with their rules, roles with their policies, instance profiles and
/// profile associations. Two equal states mean nothing was written in between.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccountState {
    pub endpoints: Vec<String>,
    pub security_groups: Vec<String>,
    pub roles: Vec<String>,
    pub profiles: Vec<String>,
    pub associations: Vec<String>,
}

impl MotoServer {
    pub async fn account_state(&self) -> AccountState {
        let conf = self.sdk_config().await;
        let ec2 = aws_sdk_ec2::Client::new(&conf);
        let iam = aws_sdk_iam::Client::new(&conf);
        let mut endpoints: Vec<String> = must(
            "DescribeVpcEndpoints",
            ec2.describe_vpc_endpoints().send().await,
        )
        .vpc_endpoints()
        .iter()
        .map(|e| format!("{e:?}"))
        .collect();
        endpoints.sort();
        let mut security_groups: Vec<String> = must(
            "DescribeSecurityGroups",
            ec2.describe_security_groups().send().await,
        )
        .security_groups()
        .iter()
        .map(|g| format!("{g:?}"))
        .collect();
        security_groups.sort();
        let mut roles = Vec::new();
        for r in must("ListRoles", iam.list_roles().send().await).roles() {
            let attached = must(
                "ListAttachedRolePolicies",
                iam.list_attached_role_policies()
                    .role_name(r.role_name())
                    .send()
                    .await,
            );
            let inline = must(
                "ListRolePolicies",
                iam.list_role_policies()
                    .role_name(r.role_name())
                    .send()
                    .await,
            );
            roles.push(format!(
                "{} {:?} {:?}",
                r.arn(),
                attached.attached_policies(),
                inline.policy_names()
            ));
        }
        roles.sort();
        let mut profiles: Vec<String> = must(
            "ListInstanceProfiles",
            iam.list_instance_profiles().send().await,
        )
        .instance_profiles()
        .iter()
        .map(|p| {
            let roles: Vec<&str> = p.roles().iter().map(|r| r.role_name()).collect();
            format!("{} {roles:?}", p.arn())
        })
        .collect();
        profiles.sort();
        let mut associations: Vec<String> = must(
            "DescribeIamInstanceProfileAssociations",
            ec2.describe_iam_instance_profile_associations()
                .send()
                .await,
        )
        .iam_instance_profile_associations()
        .iter()
        .map(|a| format!("{a:?}"))
        .collect();
        associations.sort();
        AccountState {
            endpoints,
            security_groups,
            roles,
            profiles,
            associations,
        }
    }
}
