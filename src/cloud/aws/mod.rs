//! The aws-sdk adapter: SDK types stop here.
//!
//! `config` loads aws-config, `ec2` / `iam` / `ssm` / `sts` call one service each,
//! `errors` maps SDK errors to [`CloudError`](crate::cloud::CloudError), `convert` holds
//! the shared conversions.

pub mod config;
mod convert;
mod ec2;
mod errors;
mod iam;
mod ssm;
mod sts;

use std::collections::BTreeMap;
use std::sync::atomic::AtomicBool;
use std::sync::{Arc, Mutex};

use aws_config::SdkConfig;
use jiff::Timestamp;

pub use iam::{trust_policy, trusted_services};

pub use config::{
    ATTEMPT_TIMEOUT, AwsSettings, CONNECT_TIMEOUT, FALLBACK_REGION, MAX_ATTEMPTS,
    OPERATION_TIMEOUT, config_loader, retry_config, timeout_config,
};

use crate::cloud::{
    Cloud, CloudResult, CreateEndpointRequest, SendCommandRequest, VpcDnsAttribute, WriteMode,
    Written,
};
use crate::domain::model::{
    Command, Identity, Instance, InstanceProfile, InventoryEntry, InventorySummary, Invocation,
    MaintenanceWindow, ManagedNode, PatchEntry, PatchState, ProfileAssociation, Role, RouteTable,
    SecurityGroup, Subnet, Vpc, VpcEndpoint, WindowExecution, WindowTarget, WindowTask,
};

/// Requests made per API operation by this process (each page of a paginated read is
/// one request).
static CALLS: Mutex<BTreeMap<&'static str, u64>> = Mutex::new(BTreeMap::new());

/// Counts `pages` requests of `op` and writes them to the debug log with the running
/// total of that operation: `op=ec2:DescribeInstances pages=1 items=1000 total=7`.
pub(crate) fn logged(op: &'static str, pages: usize, items: usize) {
    let total = {
        let mut calls = match CALLS.lock() {
            Ok(c) => c,
            Err(poisoned) => poisoned.into_inner(),
        };
        let n = calls.entry(op).or_default();
        *n += pages as u64;
        *n
    };
    tracing::debug!(op, pages, items, total, "aws call");
}

/// Requests per API operation made so far by this process, by operation name.
pub fn call_counts() -> BTreeMap<&'static str, u64> {
    match CALLS.lock() {
        Ok(c) => c.clone(),
        Err(poisoned) => poisoned.into_inner().clone(),
    }
}

/// Writes the calls of the session to the debug log when the last clone of the
/// [`AwsCloud`] goes.
#[derive(Debug)]
struct CallSummary;

impl Drop for CallSummary {
    fn drop(&mut self) {
        let calls = call_counts();
        let total: u64 = calls.values().sum();
        tracing::debug!(total, ?calls, "aws calls per operation");
    }
}

/// The AWS account behind aws-config. Cheap to clone: the clients are `Arc`s.
#[derive(Clone, Debug)]
pub struct AwsCloud {
    ec2: aws_sdk_ec2::Client,
    iam: aws_sdk_iam::Client,
    ssm: aws_sdk_ssm::Client,
    sts: aws_sdk_sts::Client,
    region: String,
    label: String,
    /// Set once DescribeInstanceProperties proved unavailable and the fallback worked.
    use_instance_information: Arc<AtomicBool>,
    /// The region's endpoint services: their answer does not change within a session.
    endpoint_services: Arc<tokio::sync::OnceCell<Vec<String>>>,
    _summary: Arc<CallSummary>,
}

impl AwsCloud {
    /// Loads the configuration (credentials are resolved lazily, on the first call).
    pub async fn connect(settings: &AwsSettings) -> color_eyre::Result<Self> {
        let conf = config_loader(settings).load().await;
        if conf.region().is_none() {
            color_eyre::eyre::bail!("no AWS region configured (use --region or AWS_REGION)");
        }
        let cloud = Self::from_conf(&conf).with_label(settings.label());
        tracing::debug!(region = %cloud.region, label = %cloud.label, "aws config loaded");
        Ok(cloud)
    }

    /// Clients for every service from one configuration (tests: moto or a dummy config).
    pub fn from_conf(conf: &SdkConfig) -> Self {
        Self::from_clients(
            aws_sdk_ec2::Client::new(conf),
            aws_sdk_iam::Client::new(conf),
            aws_sdk_ssm::Client::new(conf),
            aws_sdk_sts::Client::new(conf),
            conf.region().map(ToString::to_string).unwrap_or_default(),
        )
    }

    /// From ready clients (tests: a mocked SSM client next to unused others).
    pub fn from_clients(
        ec2: aws_sdk_ec2::Client,
        iam: aws_sdk_iam::Client,
        ssm: aws_sdk_ssm::Client,
        sts: aws_sdk_sts::Client,
        region: impl Into<String>,
    ) -> Self {
        Self {
            ec2,
            iam,
            ssm,
            sts,
            region: region.into(),
            label: "default credentials".to_string(),
            use_instance_information: Arc::new(AtomicBool::new(false)),
            endpoint_services: Arc::new(tokio::sync::OnceCell::new()),
            _summary: Arc::new(CallSummary),
        }
    }

    /// Replaces the header label (`profile NAME`, …).
    pub fn with_label(mut self, label: impl Into<String>) -> Self {
        self.label = label.into();
        self
    }

    pub fn label(&self) -> &str {
        &self.label
    }
}

impl Cloud for AwsCloud {
    fn now(&self) -> Timestamp {
        Timestamp::now()
    }

    fn region(&self) -> String {
        self.region.clone()
    }

    async fn identity(&self) -> CloudResult<Identity> {
        let (account, arn) = sts::caller_identity(&self.sts).await?;
        Ok(Identity {
            account,
            arn,
            region: self.region.clone(),
            label: self.label.clone(),
        })
    }

    async fn describe_regions(&self) -> CloudResult<Vec<String>> {
        ec2::describe_regions(&self.ec2).await
    }

    async fn describe_vpcs(&self) -> CloudResult<Vec<Vpc>> {
        ec2::describe_vpcs(&self.ec2).await
    }

    async fn describe_vpc_attribute(
        &self,
        vpc_id: &str,
        attribute: VpcDnsAttribute,
    ) -> CloudResult<bool> {
        ec2::describe_vpc_attribute(&self.ec2, vpc_id, attribute).await
    }

    async fn describe_subnets(&self) -> CloudResult<Vec<Subnet>> {
        ec2::describe_subnets(&self.ec2).await
    }

    async fn describe_route_tables(&self) -> CloudResult<Vec<RouteTable>> {
        ec2::describe_route_tables(&self.ec2).await
    }

    async fn describe_security_groups(&self) -> CloudResult<Vec<SecurityGroup>> {
        ec2::describe_security_groups(&self.ec2).await
    }

    async fn describe_vpc_endpoints(&self) -> CloudResult<Vec<VpcEndpoint>> {
        ec2::describe_vpc_endpoints(&self.ec2).await
    }

    /// Read once per session (the services of a region do not come and go).
    async fn describe_vpc_endpoint_services(&self) -> CloudResult<Vec<String>> {
        self.endpoint_services
            .get_or_try_init(|| ec2::describe_vpc_endpoint_services(&self.ec2))
            .await
            .cloned()
    }

    async fn describe_instances(&self) -> CloudResult<Vec<Instance>> {
        ec2::describe_instances(&self.ec2).await
    }

    async fn describe_iam_instance_profile_associations(
        &self,
    ) -> CloudResult<Vec<ProfileAssociation>> {
        ec2::describe_iam_instance_profile_associations(&self.ec2).await
    }

    async fn list_roles(&self) -> CloudResult<Vec<Role>> {
        iam::list_roles(&self.iam).await
    }

    async fn list_instance_profiles(&self) -> CloudResult<Vec<InstanceProfile>> {
        iam::list_instance_profiles(&self.iam).await
    }

    async fn describe_managed_nodes(&self) -> CloudResult<Vec<ManagedNode>> {
        ssm::describe_managed_nodes(&self.ssm, &self.use_instance_information).await
    }

    async fn default_host_management(&self) -> CloudResult<bool> {
        ssm::default_host_management(&self.ssm).await
    }

    async fn describe_instance_patch_states(
        &self,
        instance_ids: &[String],
    ) -> CloudResult<Vec<PatchState>> {
        ssm::describe_instance_patch_states(&self.ssm, instance_ids).await
    }

    async fn describe_instance_patches(&self, instance_id: &str) -> CloudResult<Vec<PatchEntry>> {
        ssm::describe_instance_patches(&self.ssm, instance_id).await
    }

    async fn list_inventory_entries(
        &self,
        instance_id: &str,
        type_name: &str,
    ) -> CloudResult<Vec<InventoryEntry>> {
        ssm::list_inventory_entries(&self.ssm, instance_id, type_name).await
    }

    async fn get_inventory(&self) -> CloudResult<Vec<InventorySummary>> {
        ssm::get_inventory(&self.ssm).await
    }

    async fn list_commands(&self) -> CloudResult<Vec<Command>> {
        ssm::list_commands(&self.ssm).await
    }

    async fn list_command_invocations(&self, command_id: &str) -> CloudResult<Vec<Invocation>> {
        ssm::list_command_invocations(&self.ssm, command_id).await
    }

    async fn get_command_invocation(
        &self,
        command_id: &str,
        instance_id: &str,
    ) -> CloudResult<Invocation> {
        ssm::get_command_invocation(&self.ssm, command_id, instance_id).await
    }

    async fn describe_maintenance_windows(&self) -> CloudResult<Vec<MaintenanceWindow>> {
        ssm::describe_maintenance_windows(&self.ssm).await
    }

    async fn describe_maintenance_window_targets(
        &self,
        window_id: &str,
    ) -> CloudResult<Vec<WindowTarget>> {
        ssm::describe_maintenance_window_targets(&self.ssm, window_id).await
    }

    async fn describe_maintenance_window_tasks(
        &self,
        window_id: &str,
    ) -> CloudResult<Vec<WindowTask>> {
        ssm::describe_maintenance_window_tasks(&self.ssm, window_id).await
    }

    async fn describe_maintenance_window_executions(
        &self,
        window_id: &str,
    ) -> CloudResult<Vec<WindowExecution>> {
        ssm::describe_maintenance_window_executions(&self.ssm, window_id).await
    }

    async fn create_vpc_endpoint(
        &self,
        request: &CreateEndpointRequest,
        mode: WriteMode,
    ) -> CloudResult<Written<VpcEndpoint>> {
        ec2::create_vpc_endpoint(&self.ec2, request, mode).await
    }

    async fn modify_vpc_attribute(
        &self,
        vpc_id: &str,
        attribute: VpcDnsAttribute,
        value: bool,
        mode: WriteMode,
    ) -> CloudResult<Written<()>> {
        ec2::modify_vpc_attribute(&self.ec2, vpc_id, attribute, value, mode).await
    }

    async fn create_security_group(
        &self,
        vpc_id: &str,
        name: &str,
        description: &str,
        mode: WriteMode,
    ) -> CloudResult<Written<String>> {
        ec2::create_security_group(&self.ec2, vpc_id, name, description, mode).await
    }

    async fn authorize_https_ingress(
        &self,
        group_id: &str,
        cidr: &str,
        mode: WriteMode,
    ) -> CloudResult<Written<()>> {
        ec2::authorize_https_ingress(&self.ec2, group_id, cidr, mode).await
    }

    async fn associate_iam_instance_profile(
        &self,
        instance_id: &str,
        profile_name: &str,
        mode: WriteMode,
    ) -> CloudResult<Written<ProfileAssociation>> {
        ec2::associate_iam_instance_profile(&self.ec2, instance_id, profile_name, mode).await
    }

    async fn replace_iam_instance_profile_association(
        &self,
        association_id: &str,
        profile_name: &str,
        mode: WriteMode,
    ) -> CloudResult<Written<ProfileAssociation>> {
        ec2::replace_iam_instance_profile_association(&self.ec2, association_id, profile_name, mode)
            .await
    }

    async fn create_role(&self, name: &str, trusted_service: &str) -> CloudResult<Role> {
        iam::create_role(&self.iam, name, trusted_service).await
    }

    async fn attach_role_policy(&self, role_name: &str, policy_arn: &str) -> CloudResult<()> {
        iam::attach_role_policy(&self.iam, role_name, policy_arn).await
    }

    async fn create_instance_profile(&self, name: &str) -> CloudResult<InstanceProfile> {
        iam::create_instance_profile(&self.iam, name).await
    }

    async fn add_role_to_instance_profile(
        &self,
        profile_name: &str,
        role_name: &str,
    ) -> CloudResult<()> {
        iam::add_role_to_instance_profile(&self.iam, profile_name, role_name).await
    }

    async fn send_command(&self, request: &SendCommandRequest) -> CloudResult<Command> {
        ssm::send_command(&self.ssm, request).await
    }

    async fn cancel_command(&self, command_id: &str) -> CloudResult<()> {
        ssm::cancel_command(&self.ssm, command_id).await
    }
}
