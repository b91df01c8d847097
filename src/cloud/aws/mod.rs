mod budgeted;
mod client;
mod command_output;
pub mod config;
mod convert;
mod ec2;
mod errors;
mod iam;
mod iam_policies;
pub mod intercept;
pub mod org;
mod simulate;
mod ssm;
mod ssm_activations;
mod ssm_associations;
mod ssm_commands;
mod ssm_documents;
mod ssm_patches;
mod ssm_sessions;
mod sts;

use std::sync::atomic::AtomicBool;
use std::sync::{Arc, Mutex};

use jiff::Timestamp;

pub use iam::{trust_policy, trusted_services};
pub use simulate::{Principal, principal_of};

pub use config::{
    ATTEMPT_TIMEOUT, AwsSettings, CONNECT_TIMEOUT, FALLBACK_REGION, MAX_ATTEMPTS,
    OPERATION_TIMEOUT, config_loader, retry_config, timeout_config,
};
use intercept::{Recorder, is_aws_endpoint};

use crate::cloud::{
    AclEntryRequest, Cloud, CloudError, CloudResult, CreateEndpointRequest, DocumentDetail,
    DocumentInfo, DryRunTrust, FullOutput, ModifyEndpointRequest, RolePolicySet,
    SendCommandRequest, SessionRequest, Simulated, StartedSession, VpcDnsAttribute, WriteMode,
    Written,
};
use crate::domain::model::{
    Activation, ActivationRequest, Command, CreatedActivation, Identity, Instance, InstanceProfile,
    InventoryEntry, InventorySummary, Invocation, MaintenanceWindow, ManagedNode, NatGateway,
    NetworkAcl, PatchBaseline, PatchEntry, PatchFilter, PatchState, ProfileAssociation, Role,
    RouteTable, SecurityGroup, Subnet, Vpc, VpcEndpoint, WindowExecution, WindowTarget, WindowTask,
};
use crate::domain::model::{CreateAssociationRequest, NodeAssociation, StateAssociation};

/// Writes one read or write to the debug log: `op=ec2:DescribeInstances pages=1 items=1000`
/// (requests are counted by the clients' [`Recorder`]).
pub(crate) fn logged(op: &'static str, pages: usize, items: usize) {
    tracing::debug!(op, pages, items, "aws call");
}

/// Writes the session's requests to the debug log when the last clone of the
/// [`AwsCloud`] goes.
#[derive(Debug)]
struct CallSummary(Recorder);

impl Drop for CallSummary {
    fn drop(&mut self) {
        let calls = self.0.calls();
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
    /// Commands' whole output (S3 and CloudWatch Logs).
    s3: aws_sdk_s3::Client,
    logs: aws_sdk_cloudwatchlogs::Client,
    region: String,
    label: String,
    /// The profile named for these clients, for messages about their credentials.
    profile: Option<String>,
    /// `--endpoint-url` (or `AWS_ENDPOINT_URL[_EC2]`) when one is configured.
    endpoint_url: Option<String>,
    recorder: Recorder,
    /// Whether a `DryRun` write may go to this endpoint; `None` until first asked.
    dry_run: Arc<Mutex<Option<DryRunTrust>>>,
    /// Set once DescribeInstanceProperties proved unavailable and the fallback worked.
    use_instance_information: Arc<AtomicBool>,
    /// The region's endpoint services: their answer does not change within a session.
    endpoint_services: Arc<tokio::sync::OnceCell<Vec<String>>>,
    /// Managed policy documents read so far.
    policies: iam_policies::PolicyCache,
    _summary: Arc<CallSummary>,
}

impl Cloud for AwsCloud {
    fn now(&self) -> Timestamp {
        Timestamp::now()
    }

    fn region(&self) -> String {
        self.region.clone()
    }

    async fn identity(&self) -> CloudResult<Identity> {
        let (account, arn) = self.own(sts::caller_identity(&self.sts).await)?;
        Ok(Identity {
            account,
            arn,
            region: self.region.clone(),
            label: self.label.clone(),
        })
    }

    async fn describe_regions(&self) -> CloudResult<Vec<String>> {
        self.own(ec2::describe_regions(&self.ec2).await)
    }

    async fn describe_vpcs(&self) -> CloudResult<Vec<Vpc>> {
        self.own(ec2::describe_vpcs(&self.ec2).await)
    }

    async fn describe_vpc_attribute(
        &self,
        vpc_id: &str,
        attribute: VpcDnsAttribute,
    ) -> CloudResult<bool> {
        self.own(ec2::describe_vpc_attribute(&self.ec2, vpc_id, attribute).await)
    }

    async fn describe_subnets(&self) -> CloudResult<Vec<Subnet>> {
        self.own(ec2::describe_subnets(&self.ec2).await)
    }

    async fn describe_route_tables(&self) -> CloudResult<Vec<RouteTable>> {
        self.own(ec2::describe_route_tables(&self.ec2).await)
    }

    async fn describe_security_groups(&self) -> CloudResult<Vec<SecurityGroup>> {
        self.own(ec2::describe_security_groups(&self.ec2).await)
    }

    async fn describe_vpc_endpoints(&self) -> CloudResult<Vec<VpcEndpoint>> {
        self.own(ec2::describe_vpc_endpoints(&self.ec2).await)
    }

    async fn describe_network_acls(&self) -> CloudResult<Vec<NetworkAcl>> {
        self.own(ec2::describe_network_acls(&self.ec2).await)
    }

    async fn describe_nat_gateways(&self) -> CloudResult<Vec<NatGateway>> {
        self.own(ec2::describe_nat_gateways(&self.ec2).await)
    }

    /// Read once per session (the services of a region do not come and go).
    async fn describe_vpc_endpoint_services(&self) -> CloudResult<Vec<String>> {
        self.own(
            self.endpoint_services
                .get_or_try_init(|| ec2::describe_vpc_endpoint_services(&self.ec2))
                .await
                .cloned(),
        )
    }

    async fn describe_instances(&self) -> CloudResult<Vec<Instance>> {
        self.own(ec2::describe_instances(&self.ec2).await)
    }

    async fn describe_iam_instance_profile_associations(
        &self,
    ) -> CloudResult<Vec<ProfileAssociation>> {
        self.own(ec2::describe_iam_instance_profile_associations(&self.ec2).await)
    }

    async fn list_roles(&self) -> CloudResult<Vec<Role>> {
        self.own(iam::list_roles(&self.iam).await)
    }

    async fn list_instance_profiles(&self) -> CloudResult<Vec<InstanceProfile>> {
        self.own(iam::list_instance_profiles(&self.iam).await)
    }

    async fn role_policies(
        &self,
        role_name: &str,
        attached: Option<&[String]>,
    ) -> CloudResult<RolePolicySet> {
        self.own(iam_policies::role_policies(&self.iam, role_name, attached, &self.policies).await)
    }

    async fn describe_managed_nodes(&self) -> CloudResult<Vec<ManagedNode>> {
        self.own(ssm::describe_managed_nodes(&self.ssm, &self.use_instance_information).await)
    }

    async fn default_host_management(&self) -> CloudResult<Option<String>> {
        self.own(ssm::default_host_management(&self.ssm).await)
    }

    async fn describe_instance_patch_states(
        &self,
        instance_ids: &[String],
    ) -> CloudResult<Vec<PatchState>> {
        self.own(ssm_patches::describe_instance_patch_states(&self.ssm, instance_ids).await)
    }

    async fn describe_instance_patches(
        &self,
        instance_id: &str,
        filter: PatchFilter,
    ) -> CloudResult<Vec<PatchEntry>> {
        self.own(ssm_patches::describe_instance_patches(&self.ssm, instance_id, filter).await)
    }

    async fn describe_patch_baselines(&self) -> CloudResult<Vec<PatchBaseline>> {
        self.own(ssm_patches::describe_patch_baselines(&self.ssm).await)
    }

    async fn get_patch_baseline(&self, baseline_id: &str) -> CloudResult<PatchBaseline> {
        self.own(ssm_patches::get_patch_baseline(&self.ssm, baseline_id).await)
    }

    async fn list_inventory_entries(
        &self,
        instance_id: &str,
        type_name: &str,
    ) -> CloudResult<Vec<InventoryEntry>> {
        self.own(ssm::list_inventory_entries(&self.ssm, instance_id, type_name).await)
    }

    async fn get_inventory(&self) -> CloudResult<Vec<InventorySummary>> {
        self.own(ssm::get_inventory(&self.ssm).await)
    }

    async fn list_commands(&self) -> CloudResult<Vec<Command>> {
        self.own(ssm_commands::list_commands(&self.ssm).await)
    }

    async fn list_command_invocations(&self, command_id: &str) -> CloudResult<Vec<Invocation>> {
        self.own(ssm_commands::list_command_invocations(&self.ssm, command_id).await)
    }

    async fn get_command_invocation(
        &self,
        command_id: &str,
        instance_id: &str,
    ) -> CloudResult<Invocation> {
        self.own(ssm_commands::get_command_invocation(&self.ssm, command_id, instance_id).await)
    }

    async fn describe_maintenance_windows(&self) -> CloudResult<Vec<MaintenanceWindow>> {
        self.own(ssm::describe_maintenance_windows(&self.ssm).await)
    }

    async fn describe_maintenance_window_targets(
        &self,
        window_id: &str,
    ) -> CloudResult<Vec<WindowTarget>> {
        self.own(ssm::describe_maintenance_window_targets(&self.ssm, window_id).await)
    }

    async fn describe_maintenance_window_tasks(
        &self,
        window_id: &str,
    ) -> CloudResult<Vec<WindowTask>> {
        self.own(ssm::describe_maintenance_window_tasks(&self.ssm, window_id).await)
    }

    async fn describe_maintenance_window_executions(
        &self,
        window_id: &str,
    ) -> CloudResult<Vec<WindowExecution>> {
        self.own(ssm::describe_maintenance_window_executions(&self.ssm, window_id).await)
    }

    async fn list_associations(&self) -> CloudResult<Vec<StateAssociation>> {
        self.own(ssm_associations::list_associations(&self.ssm).await)
    }

    async fn describe_association(&self, association_id: &str) -> CloudResult<StateAssociation> {
        self.own(ssm_associations::describe_association(&self.ssm, association_id).await)
    }

    async fn describe_instance_associations_status(
        &self,
        instance_id: &str,
    ) -> CloudResult<Vec<NodeAssociation>> {
        self.own(
            ssm_associations::describe_instance_associations_status(&self.ssm, instance_id).await,
        )
    }

    async fn dry_run_trust(&self) -> CloudResult<DryRunTrust> {
        let known = match self.dry_run.lock() {
            Ok(t) => t.clone(),
            Err(poisoned) => poisoned.into_inner().clone(),
        };
        if let Some(trust) = known {
            return Ok(trust);
        }
        let trust = match self.endpoint_url.as_deref().filter(|e| !is_aws_endpoint(e)) {
            Some(endpoint) => DryRunTrust::CustomEndpoint {
                endpoint: endpoint.to_string(),
            },
            None => {
                let honoured = self.own(ec2::probe_dry_run(&self.ec2).await)?;
                // Wherever the configuration sent it, the request went here.
                match self.recorder.endpoint().filter(|e| !is_aws_endpoint(e)) {
                    Some(endpoint) => DryRunTrust::CustomEndpoint { endpoint },
                    None if honoured => DryRunTrust::Honoured,
                    None => DryRunTrust::Ignored {
                        action: ec2::DRY_RUN_PROBE.to_string(),
                    },
                }
            }
        };
        tracing::info!(?trust, "EC2 DryRun");
        let mut state = match self.dry_run.lock() {
            Ok(t) => t,
            Err(poisoned) => poisoned.into_inner(),
        };
        Ok(state.get_or_insert(trust).clone())
    }

    fn distrust_dry_run(&self, action: &str) {
        tracing::warn!(action, "the endpoint performed a DryRun request");
        let mut state = match self.dry_run.lock() {
            Ok(t) => t,
            Err(poisoned) => poisoned.into_inner(),
        };
        *state = Some(DryRunTrust::Ignored {
            action: action.to_string(),
        });
    }

    async fn simulate_caller(&self, actions: &[String]) -> CloudResult<Vec<(String, Simulated)>> {
        let (_, arn) = self.own(sts::caller_identity(&self.sts).await)?;
        let arn = arn.ok_or_else(|| CloudError::Other("sts:GetCallerIdentity: no ARN".into()))?;
        let source = match principal_of(&arn) {
            Principal::Root => {
                return Ok(actions
                    .iter()
                    .map(|a| (a.clone(), Simulated::Allowed))
                    .collect());
            }
            Principal::Arn(arn) => arn,
            Principal::Role(name) => self.own(simulate::role_arn(&self.iam, &name).await)?,
            Principal::Unsupported(kind) => {
                return Err(CloudError::Invalid(format!(
                    "iam:SimulatePrincipalPolicy: a {kind} cannot be simulated"
                )));
            }
        };
        self.own(simulate::simulate_principal_policy(&self.iam, &source, actions).await)
    }

    async fn simulate_role(
        &self,
        role_arn: &str,
        actions: &[String],
    ) -> CloudResult<Vec<(String, Option<Simulated>)>> {
        self.own(simulate::simulate_role(&self.iam, role_arn, actions).await)
    }

    async fn create_vpc_endpoint(
        &self,
        request: &CreateEndpointRequest,
        mode: WriteMode,
    ) -> CloudResult<Written<VpcEndpoint>> {
        self.own(ec2::create_vpc_endpoint(&self.ec2, request, mode).await)
    }

    async fn modify_vpc_attribute(
        &self,
        vpc_id: &str,
        attribute: VpcDnsAttribute,
        value: bool,
    ) -> CloudResult<()> {
        self.own(ec2::modify_vpc_attribute(&self.ec2, vpc_id, attribute, value).await)
    }

    async fn create_security_group(
        &self,
        vpc_id: &str,
        name: &str,
        description: &str,
        mode: WriteMode,
    ) -> CloudResult<Written<String>> {
        self.own(ec2::create_security_group(&self.ec2, vpc_id, name, description, mode).await)
    }

    async fn authorize_https_ingress(
        &self,
        group_id: &str,
        cidr: &str,
        mode: WriteMode,
    ) -> CloudResult<Written<()>> {
        self.own(ec2::authorize_https_ingress(&self.ec2, group_id, cidr, mode).await)
    }

    async fn modify_vpc_endpoint(
        &self,
        request: &ModifyEndpointRequest,
        mode: WriteMode,
    ) -> CloudResult<Written<()>> {
        self.own(ec2::modify_vpc_endpoint(&self.ec2, request, mode).await)
    }

    async fn authorize_https_egress(
        &self,
        group_id: &str,
        cidr: &str,
        mode: WriteMode,
    ) -> CloudResult<Written<()>> {
        self.own(ec2::authorize_https_egress(&self.ec2, group_id, cidr, mode).await)
    }

    async fn enable_instance_metadata(
        &self,
        instance_id: &str,
        mode: WriteMode,
    ) -> CloudResult<Written<()>> {
        self.own(ec2::enable_instance_metadata(&self.ec2, instance_id, mode).await)
    }

    async fn create_network_acl_entry(
        &self,
        request: &AclEntryRequest,
        mode: WriteMode,
    ) -> CloudResult<Written<()>> {
        self.own(ec2::create_network_acl_entry(&self.ec2, request, mode).await)
    }

    async fn associate_iam_instance_profile(
        &self,
        instance_id: &str,
        profile_name: &str,
    ) -> CloudResult<ProfileAssociation> {
        self.own(ec2::associate_iam_instance_profile(&self.ec2, instance_id, profile_name).await)
    }

    async fn replace_iam_instance_profile_association(
        &self,
        association_id: &str,
        profile_name: &str,
    ) -> CloudResult<ProfileAssociation> {
        self.own(
            ec2::replace_iam_instance_profile_association(&self.ec2, association_id, profile_name)
                .await,
        )
    }

    async fn create_role(&self, name: &str, trusted_service: &str) -> CloudResult<Role> {
        self.own(iam::create_role(&self.iam, name, trusted_service).await)
    }

    async fn attach_role_policy(&self, role_name: &str, policy_arn: &str) -> CloudResult<()> {
        let result = self.own(iam::attach_role_policy(&self.iam, role_name, policy_arn).await);
        self.policies.forget_role(role_name);
        result
    }

    async fn create_instance_profile(&self, name: &str) -> CloudResult<InstanceProfile> {
        self.own(iam::create_instance_profile(&self.iam, name).await)
    }

    async fn add_role_to_instance_profile(
        &self,
        profile_name: &str,
        role_name: &str,
    ) -> CloudResult<()> {
        self.own(iam::add_role_to_instance_profile(&self.iam, profile_name, role_name).await)
    }

    async fn send_command(&self, request: &SendCommandRequest) -> CloudResult<Command> {
        self.own(ssm_commands::send_command(&self.ssm, request).await)
    }

    async fn create_association(
        &self,
        request: &CreateAssociationRequest,
    ) -> CloudResult<StateAssociation> {
        self.own(ssm_associations::create_association(&self.ssm, request).await)
    }

    async fn cancel_command(&self, command_id: &str) -> CloudResult<()> {
        self.own(ssm_commands::cancel_command(&self.ssm, command_id).await)
    }

    async fn read_full_output(
        &self,
        output: &crate::domain::model::OutputConfig,
        command_id: &str,
        instance_id: &str,
    ) -> CloudResult<Option<FullOutput>> {
        if let Some(bucket) = &output.s3_bucket {
            let found = command_output::from_s3(
                &self.s3,
                bucket,
                output.s3_prefix.as_deref(),
                command_id,
                instance_id,
            )
            .await;
            match self.own(found) {
                Ok(Some(full)) => return Ok(Some(full)),
                Ok(None) => {}
                Err(e) if output.log_group.is_none() => return Err(e),
                Err(e) => tracing::debug!(error = %e, "output not read from S3"),
            }
        }
        match &output.log_group {
            Some(group) => self
                .own(command_output::from_logs(&self.logs, group, command_id, instance_id).await),
            None => Ok(None),
        }
    }

    async fn list_documents(&self) -> CloudResult<Vec<DocumentInfo>> {
        self.own(ssm_documents::list_documents(&self.ssm).await)
    }

    async fn describe_document(&self, name: &str) -> CloudResult<DocumentDetail> {
        self.own(ssm_documents::describe_document(&self.ssm, name).await)
    }

    async fn start_session(&self, request: &SessionRequest) -> CloudResult<StartedSession> {
        self.own(ssm_sessions::start_session(&self.ssm, request).await)
    }

    async fn terminate_session(&self, session_id: &str) -> CloudResult<()> {
        self.own(ssm_sessions::terminate_session(&self.ssm, session_id).await)
    }

    async fn create_activation(
        &self,
        request: &ActivationRequest,
    ) -> CloudResult<CreatedActivation> {
        self.own(ssm_activations::create_activation(&self.ssm, request).await)
    }

    async fn describe_activations(&self) -> CloudResult<Vec<Activation>> {
        self.own(ssm_activations::describe_activations(&self.ssm).await)
    }

    async fn delete_activation(&self, activation_id: &str) -> CloudResult<()> {
        self.own(ssm_activations::delete_activation(&self.ssm, activation_id).await)
    }

    fn ssm_endpoint(&self) -> String {
        match &self.endpoint_url {
            Some(url) => url.clone(),
            None => format!("https://ssm.{}.amazonaws.com", self.region()),
        }
    }

    fn budget(&self) -> Option<crate::cloud::budget::Budget> {
        Some(self.recorder.budget().clone())
    }

    fn profile_name(&self) -> String {
        self.profile.clone().unwrap_or_default()
    }
}
