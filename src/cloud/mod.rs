//! The port every adapter (AWS, sandbox) implements. Shaped after the AWS APIs;
//! only domain types cross it.

pub mod aws;
pub mod budget;
pub mod sandbox;

use std::future::Future;

use jiff::Timestamp;

use crate::domain::model::{
    Activation, ActivationRequest, Command, CreateAssociationRequest, CreatedActivation, Identity,
    Instance, InstanceProfile, InventoryEntry, InventorySummary, Invocation, MaintenanceWindow,
    ManagedNode, NatGateway, NetworkAcl, NodeAssociation, PatchBaseline, PatchEntry, PatchFilter,
    PatchState, PolicyText, ProfileAssociation, Role, RouteTable, SecurityGroup, StateAssociation,
    Subnet, Vpc, VpcEndpoint, WindowExecution, WindowTarget, WindowTask,
};

pub use crate::domain::error::{CloudError, CloudResult, ErrorKind, ErrorReport};

/// EC2 writes can be checked without effect (EC2 `DryRun`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WriteMode {
    DryRun,
    Apply,
}

/// Outcome of an EC2 write: what it created, or that a dry run would have been allowed.
/// `Done` for a `DryRun` request means the endpoint ignored `DryRun` and wrote.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Written<T> {
    DryRunAllowed,
    Done(T),
}

impl<T> Written<T> {
    pub fn map<U>(self, f: impl FnOnce(T) -> U) -> Written<U> {
        match self {
            Self::DryRunAllowed => Written::DryRunAllowed,
            Self::Done(t) => Written::Done(f(t)),
        }
    }
}

/// Whether EC2 `DryRun` can be trusted not to write at an endpoint.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[serde(tag = "dry_run", rename_all = "snake_case")]
pub enum DryRunTrust {
    /// AWS's own endpoint, which answered a `DryRun` probe with `DryRunOperation`.
    Honoured,
    /// Not an AWS endpoint (moto, LocalStack, …): a server may ignore `DryRun` on one
    /// operation and honour it on another, so no `DryRun` write is sent there.
    CustomEndpoint { endpoint: String },
    /// The endpoint performed a request sent with `DryRun` (the probe, or a write).
    Ignored { action: String },
}

pub use crate::domain::model::Simulated;

pub use crate::domain::model::VpcDnsAttribute;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CreateEndpointRequest {
    pub vpc_id: String,
    pub service_name: String,
    pub kind: crate::domain::model::EndpointType,
    pub subnet_ids: Vec<String>,
    pub security_group_ids: Vec<String>,
    pub route_table_ids: Vec<String>,
    pub private_dns: bool,
    /// Idempotency token: the same token never creates a second endpoint.
    pub client_token: String,
    pub tags: Vec<(String, String)>,
}

/// ModifyVpcEndpoint: what to change on one interface endpoint.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ModifyEndpointRequest {
    pub endpoint_id: String,
    /// `PrivateDnsEnabled`, when it is to change.
    pub private_dns: Option<bool>,
    /// `AddSubnetIds`: subnets in Availability Zones the endpoint does not cover yet.
    pub add_subnet_ids: Vec<String>,
}

/// CreateNetworkAclEntry: one allow entry for TCP.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AclEntryRequest {
    pub acl_id: String,
    pub rule_number: i32,
    pub egress: bool,
    pub cidr: String,
    pub from_port: i32,
    pub to_port: i32,
}

/// The policies of one role: what is attached, and the documents that were read (every
/// inline policy and every attached one but the two SSM managed policies, whose grants are
/// known).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RolePolicySet {
    pub attached_policy_arns: Vec<String>,
    pub documents: Vec<PolicyText>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SendCommandRequest {
    pub document: String,
    pub instance_ids: Vec<String>,
    /// Tag targets (`tag:KEY` → values) instead of ids; used when `instance_ids` is empty.
    pub targets: Vec<(String, Vec<String>)>,
    pub parameters: Vec<(String, Vec<String>)>,
    pub comment: Option<String>,
    pub max_concurrency: Option<String>,
    pub max_errors: Option<String>,
    pub timeout_seconds: Option<i32>,
    /// The whole output to S3 and/or CloudWatch Logs too.
    pub output: crate::domain::model::OutputConfig,
}

/// A command's whole output on one node, read from where it was written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FullOutput {
    pub stdout: String,
    pub stderr: String,
    /// `s3://bucket/prefix/command/instance/…` or `logs:GROUP`.
    pub place: String,
}

/// A Command document the account can run (ListDocuments).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DocumentInfo {
    pub name: String,
    /// `Amazon`, or the account id for one's own.
    pub owner: String,
    pub platforms: Vec<String>,
}

/// A document's parameters (DescribeDocument), with the allowed values its content lists.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DocumentDetail {
    pub name: String,
    pub description: String,
    pub parameters: Vec<DocumentParameter>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DocumentParameter {
    pub name: String,
    /// `String`, `StringList`, `Boolean`, `Integer`, `MapList`, `StringMap`.
    pub kind: String,
    pub description: String,
    /// `None`: required.
    pub default: Option<String>,
    pub allowed: Vec<String>,
}

/// StartSession: a document (port forwarding) with its parameters, on one node.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionRequest {
    pub target: String,
    pub document: String,
    pub parameters: Vec<(String, Vec<String>)>,
}

/// What StartSession returns: what the session-manager-plugin needs to open the stream.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StartedSession {
    pub session_id: String,
    pub token_value: String,
    pub stream_url: String,
}

/// SendCommand accepts at most this many instance ids per call.
pub const SEND_COMMAND_MAX_TARGETS: usize = 50;
/// DescribeInstancePatchStates accepts at most this many instance ids per call.
pub const PATCH_STATES_MAX_IDS: usize = 50;

/// The operations ssmdeck performs against an account. Reads return every page.
pub trait Cloud: Clone + Send + Sync + 'static {
    /// The time of this account's world (the sandbox has a virtual clock).
    fn now(&self) -> Timestamp;

    /// The region every call goes to.
    fn region(&self) -> String;

    fn identity(&self) -> impl Future<Output = CloudResult<Identity>> + Send;

    /// `check`'s one look at everything, for an adapter that keeps the account in this
    /// process (the sandbox): its state handed over as the snapshot the reads would give,
    /// instead of read and copied (`fleet:100000` would be in memory twice). `Err(self)`:
    /// read it through the other methods (`engine::fetch::snapshot`).
    fn hand_over(self) -> Result<crate::domain::snapshot::Snapshot, Self>
    where
        Self: Sized,
    {
        Err(self)
    }

    /// The regions enabled for this account (`--region all`).
    fn describe_regions(&self) -> impl Future<Output = CloudResult<Vec<String>>> + Send;

    // EC2 network
    fn describe_vpcs(&self) -> impl Future<Output = CloudResult<Vec<Vpc>>> + Send;
    /// DescribeVpcAttribute, one attribute per call as the API does.
    fn describe_vpc_attribute(
        &self,
        vpc_id: &str,
        attribute: VpcDnsAttribute,
    ) -> impl Future<Output = CloudResult<bool>> + Send;
    fn describe_subnets(&self) -> impl Future<Output = CloudResult<Vec<Subnet>>> + Send;
    fn describe_route_tables(&self) -> impl Future<Output = CloudResult<Vec<RouteTable>>> + Send;
    fn describe_security_groups(
        &self,
    ) -> impl Future<Output = CloudResult<Vec<SecurityGroup>>> + Send;
    fn describe_vpc_endpoints(&self) -> impl Future<Output = CloudResult<Vec<VpcEndpoint>>> + Send;
    fn describe_network_acls(&self) -> impl Future<Output = CloudResult<Vec<NetworkAcl>>> + Send;
    fn describe_nat_gateways(&self) -> impl Future<Output = CloudResult<Vec<NatGateway>>> + Send;
    /// Service names offered in this region (e.g. `com.amazonaws.R.ssm`).
    fn describe_vpc_endpoint_services(
        &self,
    ) -> impl Future<Output = CloudResult<Vec<String>>> + Send;

    // EC2 instances
    fn describe_instances(&self) -> impl Future<Output = CloudResult<Vec<Instance>>> + Send;
    fn describe_iam_instance_profile_associations(
        &self,
    ) -> impl Future<Output = CloudResult<Vec<ProfileAssociation>>> + Send;

    // IAM
    /// Roles with their trust principals; the attached managed policies of those EC2 can
    /// assume (their documents are read by [`Cloud::role_policies`]).
    fn list_roles(&self) -> impl Future<Output = CloudResult<Vec<Role>>> + Send;
    fn list_instance_profiles(
        &self,
    ) -> impl Future<Output = CloudResult<Vec<InstanceProfile>>> + Send;
    /// Every policy of one role: ListRolePolicies / GetRolePolicy, and GetPolicy /
    /// GetPolicyVersion (the default version) for attached policies. `attached`: the
    /// attached policies when [`Cloud::list_roles`] listed them already (not asked again).
    fn role_policies(
        &self,
        role_name: &str,
        attached: Option<&[String]>,
    ) -> impl Future<Output = CloudResult<RolePolicySet>> + Send;

    // SSM fleet
    fn describe_managed_nodes(&self) -> impl Future<Output = CloudResult<Vec<ManagedNode>>> + Send;
    /// Default Host Management Configuration: the role the service setting names, `None`
    /// when it is off.
    fn default_host_management(&self) -> impl Future<Output = CloudResult<Option<String>>> + Send;
    /// At most [`PATCH_STATES_MAX_IDS`] ids; callers batch.
    fn describe_instance_patch_states(
        &self,
        instance_ids: &[String],
    ) -> impl Future<Output = CloudResult<Vec<PatchState>>> + Send;
    /// DescribeInstancePatches with the `Filters` of `filter`.
    fn describe_instance_patches(
        &self,
        instance_id: &str,
        filter: PatchFilter,
    ) -> impl Future<Output = CloudResult<Vec<PatchEntry>>> + Send;
    /// DescribePatchBaselines: every baseline, AWS's and the account's.
    fn describe_patch_baselines(
        &self,
    ) -> impl Future<Output = CloudResult<Vec<PatchBaseline>>> + Send;
    /// GetPatchBaseline: one baseline by id (or ARN).
    fn get_patch_baseline(
        &self,
        baseline_id: &str,
    ) -> impl Future<Output = CloudResult<PatchBaseline>> + Send;
    /// GetInventory: application count and capture time per node.
    fn get_inventory(&self) -> impl Future<Output = CloudResult<Vec<InventorySummary>>> + Send;
    fn list_inventory_entries(
        &self,
        instance_id: &str,
        type_name: &str,
    ) -> impl Future<Output = CloudResult<Vec<InventoryEntry>>> + Send;
    fn list_commands(&self) -> impl Future<Output = CloudResult<Vec<Command>>> + Send;
    fn list_command_invocations(
        &self,
        command_id: &str,
    ) -> impl Future<Output = CloudResult<Vec<Invocation>>> + Send;
    fn get_command_invocation(
        &self,
        command_id: &str,
        instance_id: &str,
    ) -> impl Future<Output = CloudResult<Invocation>> + Send;
    fn describe_maintenance_windows(
        &self,
    ) -> impl Future<Output = CloudResult<Vec<MaintenanceWindow>>> + Send;
    fn describe_maintenance_window_targets(
        &self,
        window_id: &str,
    ) -> impl Future<Output = CloudResult<Vec<WindowTarget>>> + Send;
    fn describe_maintenance_window_tasks(
        &self,
        window_id: &str,
    ) -> impl Future<Output = CloudResult<Vec<WindowTask>>> + Send;
    fn describe_maintenance_window_executions(
        &self,
        window_id: &str,
    ) -> impl Future<Output = CloudResult<Vec<WindowExecution>>> + Send;

    /// ListAssociations, every page: State Manager associations with their overview.
    fn list_associations(&self) -> impl Future<Output = CloudResult<Vec<StateAssociation>>> + Send;
    /// DescribeAssociation: one association with its parameters.
    fn describe_association(
        &self,
        association_id: &str,
    ) -> impl Future<Output = CloudResult<StateAssociation>> + Send;
    /// DescribeInstanceAssociationsStatus, every page: how each association went on a node.
    fn describe_instance_associations_status(
        &self,
        instance_id: &str,
    ) -> impl Future<Output = CloudResult<Vec<NodeAssociation>>> + Send;

    // Dry runs
    /// Whether a `DryRun` write may be sent here; asked before the first one of a run.
    fn dry_run_trust(&self) -> impl Future<Output = CloudResult<DryRunTrust>> + Send;
    /// A request sent with `DryRun` was performed: no `DryRun` write goes here again.
    fn distrust_dry_run(&self, action: &str);
    /// `iam:SimulatePrincipalPolicy` for the caller's own identity (its role for an
    /// assumed-role session), one decision per action.
    fn simulate_caller(
        &self,
        actions: &[String],
    ) -> impl Future<Output = CloudResult<Vec<(String, Simulated)>>> + Send;
    /// `iam:SimulatePrincipalPolicy` for a role (boundaries included), one decision per
    /// action; `None` where the simulator lacked a condition's context and could not decide.
    fn simulate_role(
        &self,
        role_arn: &str,
        actions: &[String],
    ) -> impl Future<Output = CloudResult<Vec<(String, Option<Simulated>)>>> + Send;

    // Writes: EC2
    fn create_vpc_endpoint(
        &self,
        request: &CreateEndpointRequest,
        mode: WriteMode,
    ) -> impl Future<Output = CloudResult<Written<VpcEndpoint>>> + Send;
    /// ModifyVpcAttribute has no `DryRun` parameter.
    fn modify_vpc_attribute(
        &self,
        vpc_id: &str,
        attribute: VpcDnsAttribute,
        value: bool,
    ) -> impl Future<Output = CloudResult<()>> + Send;
    /// Returns the new group id.
    fn create_security_group(
        &self,
        vpc_id: &str,
        name: &str,
        description: &str,
        mode: WriteMode,
    ) -> impl Future<Output = CloudResult<Written<String>>> + Send;
    fn authorize_https_ingress(
        &self,
        group_id: &str,
        cidr: &str,
        mode: WriteMode,
    ) -> impl Future<Output = CloudResult<Written<()>>> + Send;
    fn modify_vpc_endpoint(
        &self,
        request: &ModifyEndpointRequest,
        mode: WriteMode,
    ) -> impl Future<Output = CloudResult<Written<()>>> + Send;
    /// AuthorizeSecurityGroupEgress: TCP 443 to `cidr`.
    fn authorize_https_egress(
        &self,
        group_id: &str,
        cidr: &str,
        mode: WriteMode,
    ) -> impl Future<Output = CloudResult<Written<()>>> + Send;
    /// ModifyInstanceMetadataOptions `HttpEndpoint=enabled`.
    fn enable_instance_metadata(
        &self,
        instance_id: &str,
        mode: WriteMode,
    ) -> impl Future<Output = CloudResult<Written<()>>> + Send;
    fn create_network_acl_entry(
        &self,
        request: &AclEntryRequest,
        mode: WriteMode,
    ) -> impl Future<Output = CloudResult<Written<()>>> + Send;
    /// AssociateIamInstanceProfile has no `DryRun` parameter.
    fn associate_iam_instance_profile(
        &self,
        instance_id: &str,
        profile_name: &str,
    ) -> impl Future<Output = CloudResult<ProfileAssociation>> + Send;
    /// ReplaceIamInstanceProfileAssociation has no `DryRun` parameter.
    fn replace_iam_instance_profile_association(
        &self,
        association_id: &str,
        profile_name: &str,
    ) -> impl Future<Output = CloudResult<ProfileAssociation>> + Send;

    // Writes: IAM
    fn create_role(
        &self,
        name: &str,
        trusted_service: &str,
    ) -> impl Future<Output = CloudResult<Role>> + Send;
    fn attach_role_policy(
        &self,
        role_name: &str,
        policy_arn: &str,
    ) -> impl Future<Output = CloudResult<()>> + Send;
    fn create_instance_profile(
        &self,
        name: &str,
    ) -> impl Future<Output = CloudResult<InstanceProfile>> + Send;
    fn add_role_to_instance_profile(
        &self,
        profile_name: &str,
        role_name: &str,
    ) -> impl Future<Output = CloudResult<()>> + Send;

    // Writes: SSM
    /// At most [`SEND_COMMAND_MAX_TARGETS`] instances; callers batch. Returns the command.
    fn send_command(
        &self,
        request: &SendCommandRequest,
    ) -> impl Future<Output = CloudResult<Command>> + Send;
    fn cancel_command(&self, command_id: &str) -> impl Future<Output = CloudResult<()>> + Send;
    /// CreateAssociation (SSM has no `DryRun`). Returns the association as created.
    fn create_association(
        &self,
        request: &CreateAssociationRequest,
    ) -> impl Future<Output = CloudResult<StateAssociation>> + Send;
    /// The whole output of `command_id` on `instance_id` from S3 or CloudWatch Logs (`None`:
    /// nothing written there, or not yet).
    fn read_full_output(
        &self,
        output: &crate::domain::model::OutputConfig,
        command_id: &str,
        instance_id: &str,
    ) -> impl Future<Output = CloudResult<Option<FullOutput>>> + Send;
    /// Command documents owned by Amazon or by the account.
    fn list_documents(&self) -> impl Future<Output = CloudResult<Vec<DocumentInfo>>> + Send;
    fn describe_document(
        &self,
        name: &str,
    ) -> impl Future<Output = CloudResult<DocumentDetail>> + Send;
    fn start_session(
        &self,
        request: &SessionRequest,
    ) -> impl Future<Output = CloudResult<StartedSession>> + Send;
    fn terminate_session(&self, session_id: &str) -> impl Future<Output = CloudResult<()>> + Send;

    // Hybrid activations
    /// CreateActivation: the id and the code a server registers with (a secret).
    fn create_activation(
        &self,
        request: &ActivationRequest,
    ) -> impl Future<Output = CloudResult<CreatedActivation>> + Send;
    /// DescribeActivations, every page.
    fn describe_activations(&self) -> impl Future<Output = CloudResult<Vec<Activation>>> + Send;
    fn delete_activation(
        &self,
        activation_id: &str,
    ) -> impl Future<Output = CloudResult<()>> + Send;
    /// The SSM endpoint the session-manager-plugin is told about.
    fn ssm_endpoint(&self) -> String {
        format!("https://ssm.{}.amazonaws.com", self.region())
    }
    /// Sessions are simulated here: no plugin is run, a forward's local port just listens.
    fn simulates_sessions(&self) -> bool {
        false
    }
    /// The profile the session-manager-plugin is told about (empty: the default chain).
    fn profile_name(&self) -> String {
        String::new()
    }
    /// The API budget every request of this scope waits on (`None`: unlimited).
    fn budget(&self) -> Option<budget::Budget> {
        None
    }
}
