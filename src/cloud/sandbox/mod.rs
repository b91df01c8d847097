//! The embedded sandbox: an in-memory account that behaves like AWS.

mod activations;
mod associations;
pub mod clock;
mod command_effects;
mod documents;
mod ec2;
pub mod faults;
pub mod hybrid;
mod iam;
mod org;
pub mod patching;
pub mod scenario;
mod scopes;
mod sessions;
pub mod shell;
pub mod simulate;
mod ssm;
pub mod world;

use std::sync::{Arc, Mutex, MutexGuard};

use jiff::Timestamp;

pub use clock::Clock;
pub use org::OrgScope;
pub use scenario::{SANDBOX_REGIONS, SandboxScope, Scenario};
use world::World;

use super::{
    AclEntryRequest, Cloud, CloudError, CloudResult, CreateEndpointRequest, DryRunTrust,
    FullOutput, ModifyEndpointRequest, RolePolicySet, SendCommandRequest, SessionRequest,
    Simulated, StartedSession, VpcDnsAttribute, WriteMode, Written,
};
use super::{DocumentDetail, DocumentInfo};
use crate::domain::model::{
    Activation, ActivationRequest, Command, CreatedActivation, Identity, Instance, InstanceProfile,
    InventoryEntry, InventorySummary, Invocation, MaintenanceWindow, ManagedNode, NatGateway,
    NetworkAcl, PatchBaseline, PatchEntry, PatchFilter, PatchState, ProfileAssociation, Role,
    RouteTable, SecurityGroup, Subnet, Vpc, VpcEndpoint, WindowExecution, WindowTarget, WindowTask,
};
use crate::domain::model::{CreateAssociationRequest, NodeAssociation, StateAssociation};

#[derive(Clone)]
pub struct SandboxCloud {
    world: Arc<Mutex<World>>,
    clock: Clock,
    /// The other regions of this account: IAM is global, so role and instance-profile
    /// writes reach them too.
    peers: Arc<Vec<Arc<Mutex<World>>>>,
}

fn locked(world: &Mutex<World>) -> MutexGuard<'_, World> {
    world
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

impl SandboxCloud {
    pub fn new(scenario: Scenario, clock: Clock) -> Self {
        let world = scenario.build(clock.now());
        Self {
            world: Arc::new(Mutex::new(world)),
            clock,
            peers: Arc::default(),
        }
    }

    /// An IAM write, then the account's roles and profiles copied to its other regions.
    fn iam_write<T>(
        &self,
        f: impl FnOnce(&mut World, Timestamp) -> CloudResult<T>,
    ) -> CloudResult<T> {
        let out = self.write(f)?;
        if !self.peers.is_empty() {
            let (roles, profiles) = {
                let w = self.lock()?;
                (w.roles.clone(), w.profiles.clone())
            };
            for peer in self.peers.iter() {
                let mut w = locked(peer);
                w.roles = roles.clone();
                w.profiles = profiles.clone();
                w.mark_dirty();
            }
        }
        Ok(out)
    }

    pub fn clock(&self) -> &Clock {
        &self.clock
    }

    /// Runs `f` on the world brought up to the current time.
    fn with<T>(&self, f: impl FnOnce(&mut World, Timestamp) -> CloudResult<T>) -> CloudResult<T> {
        let now = self.clock.now();
        let mut world = self.lock()?;
        world.tick(now);
        f(&mut world, now)
    }

    /// Like [`Self::with`], for calls that change the world.
    fn write<T>(&self, f: impl FnOnce(&mut World, Timestamp) -> CloudResult<T>) -> CloudResult<T> {
        self.with(|w, now| {
            let out = f(w, now);
            w.mark_dirty();
            out
        })
    }

    fn lock(&self) -> CloudResult<MutexGuard<'_, World>> {
        self.world
            .lock()
            .map_err(|_| CloudError::Other("sandbox state is unusable after a crash".into()))
    }

    /// Test hook: change the world directly (e.g. to set up a rule case).
    pub fn edit<T>(&self, f: impl FnOnce(&mut World) -> T) -> CloudResult<T> {
        let mut world = self.lock()?;
        let out = f(&mut world);
        world.mark_dirty();
        Ok(out)
    }
}

/// A window's details, or NotFound for a window that does not exist.
fn window_detail<T: Clone>(
    details: &std::collections::HashMap<String, Vec<T>>,
    window_id: &str,
) -> CloudResult<Vec<T>> {
    details.get(window_id).cloned().ok_or_else(|| {
        CloudError::NotFound(format!("maintenance window {window_id} does not exist"))
    })
}

impl Cloud for SandboxCloud {
    /// When this is the last handle on the world (and no other region shares its IAM).
    fn hand_over(self) -> Result<crate::domain::snapshot::Snapshot, Self> {
        if !self.peers.is_empty() {
            return Err(self);
        }
        let Self {
            world,
            clock,
            peers,
        } = self;
        match Arc::try_unwrap(world) {
            Ok(mutex) => {
                let world = mutex
                    .into_inner()
                    .unwrap_or_else(std::sync::PoisonError::into_inner);
                Ok(world.into_snapshot(clock.now()))
            }
            Err(world) => Err(Self {
                world,
                clock,
                peers,
            }),
        }
    }

    fn now(&self) -> Timestamp {
        self.clock.now()
    }

    fn region(&self) -> String {
        self.lock().map(|w| w.region.clone()).unwrap_or_default()
    }

    async fn identity(&self) -> CloudResult<Identity> {
        self.with(|w, _| Ok(w.identity()))
    }

    async fn describe_regions(&self) -> CloudResult<Vec<String>> {
        self.with(|_, _| Ok(SANDBOX_REGIONS.iter().map(ToString::to_string).collect()))
    }

    async fn describe_vpcs(&self) -> CloudResult<Vec<Vpc>> {
        self.with(|w, _| Ok(ec2::vpcs(w)))
    }

    async fn describe_vpc_attribute(
        &self,
        vpc_id: &str,
        attribute: VpcDnsAttribute,
    ) -> CloudResult<bool> {
        self.with(|w, _| ec2::vpc_attribute(w, vpc_id, attribute))
    }

    async fn describe_subnets(&self) -> CloudResult<Vec<Subnet>> {
        self.with(|w, _| Ok(w.subnets.clone()))
    }

    async fn describe_route_tables(&self) -> CloudResult<Vec<RouteTable>> {
        self.with(|w, _| Ok(w.route_tables.clone()))
    }

    async fn describe_security_groups(&self) -> CloudResult<Vec<SecurityGroup>> {
        self.with(|w, _| Ok(w.security_groups.clone()))
    }

    async fn describe_vpc_endpoints(&self) -> CloudResult<Vec<VpcEndpoint>> {
        self.with(|w, now| Ok(ec2::endpoints(w, now)))
    }

    async fn describe_network_acls(&self) -> CloudResult<Vec<NetworkAcl>> {
        self.with(|w, _| Ok(w.network_acls.clone()))
    }

    async fn describe_nat_gateways(&self) -> CloudResult<Vec<NatGateway>> {
        self.with(|w, _| Ok(w.nat_gateways.clone()))
    }

    async fn describe_vpc_endpoint_services(&self) -> CloudResult<Vec<String>> {
        self.with(|w, _| Ok(ec2::endpoint_services(w)))
    }

    async fn describe_instances(&self) -> CloudResult<Vec<Instance>> {
        self.with(|w, now| Ok(w.instance_views(now)))
    }

    async fn describe_iam_instance_profile_associations(
        &self,
    ) -> CloudResult<Vec<ProfileAssociation>> {
        self.with(|w, now| Ok(ec2::associations(w, now)))
    }

    async fn list_roles(&self) -> CloudResult<Vec<Role>> {
        self.with(|w, _| Ok(iam::list_roles(w)))
    }

    async fn list_instance_profiles(&self) -> CloudResult<Vec<InstanceProfile>> {
        self.with(|w, _| Ok(w.profiles.clone()))
    }

    async fn role_policies(
        &self,
        role_name: &str,
        _attached: Option<&[String]>,
    ) -> CloudResult<RolePolicySet> {
        self.with(|w, _| iam::role_policies(w, role_name))
    }

    async fn describe_managed_nodes(&self) -> CloudResult<Vec<ManagedNode>> {
        self.with(|w, now| Ok(w.node_views(now)))
    }

    async fn default_host_management(&self) -> CloudResult<Option<String>> {
        self.with(|w, _| Ok(w.dhmc_role.clone()))
    }

    async fn describe_instance_patch_states(
        &self,
        instance_ids: &[String],
    ) -> CloudResult<Vec<PatchState>> {
        self.with(|w, _| ssm::patch_states(w, instance_ids))
    }

    async fn describe_instance_patches(
        &self,
        instance_id: &str,
        filter: PatchFilter,
    ) -> CloudResult<Vec<PatchEntry>> {
        self.with(|w, _| Ok(ssm::patches(w, instance_id, filter)))
    }

    async fn describe_patch_baselines(&self) -> CloudResult<Vec<PatchBaseline>> {
        self.with(|w, _| Ok(patching::baselines(&w.region)))
    }

    async fn get_patch_baseline(&self, baseline_id: &str) -> CloudResult<PatchBaseline> {
        self.with(|w, _| {
            patching::baseline(&w.region, baseline_id)
                .ok_or_else(|| CloudError::NotFound(format!("patch baseline {baseline_id}")))
        })
    }

    async fn list_inventory_entries(
        &self,
        instance_id: &str,
        type_name: &str,
    ) -> CloudResult<Vec<InventoryEntry>> {
        self.with(|w, now| ssm::inventory_entries(w, now, instance_id, type_name))
    }

    async fn get_inventory(&self) -> CloudResult<Vec<InventorySummary>> {
        self.with(|w, now| Ok(ssm::inventory(w, now)))
    }

    async fn list_commands(&self) -> CloudResult<Vec<Command>> {
        self.with(|w, now| Ok(ssm::commands(w, now)))
    }

    async fn list_command_invocations(&self, command_id: &str) -> CloudResult<Vec<Invocation>> {
        self.with(|w, now| ssm::invocations(w, now, command_id))
    }

    async fn get_command_invocation(
        &self,
        command_id: &str,
        instance_id: &str,
    ) -> CloudResult<Invocation> {
        self.with(|w, now| ssm::invocation(w, now, command_id, instance_id))
    }

    async fn list_associations(&self) -> CloudResult<Vec<StateAssociation>> {
        self.with(|w, now| Ok(associations::list(w, now)))
    }

    async fn describe_association(&self, association_id: &str) -> CloudResult<StateAssociation> {
        self.with(|w, now| associations::describe(w, now, association_id))
    }

    async fn describe_instance_associations_status(
        &self,
        id: &str,
    ) -> CloudResult<Vec<NodeAssociation>> {
        self.with(|w, now| associations::node_status(w, now, id))
    }

    async fn describe_maintenance_windows(&self) -> CloudResult<Vec<MaintenanceWindow>> {
        self.with(|w, _| Ok(w.windows.clone()))
    }

    async fn describe_maintenance_window_targets(
        &self,
        window_id: &str,
    ) -> CloudResult<Vec<WindowTarget>> {
        self.with(|w, _| window_detail(&w.window_targets, window_id))
    }

    async fn describe_maintenance_window_tasks(
        &self,
        window_id: &str,
    ) -> CloudResult<Vec<WindowTask>> {
        self.with(|w, _| window_detail(&w.window_tasks, window_id))
    }

    async fn describe_maintenance_window_executions(
        &self,
        window_id: &str,
    ) -> CloudResult<Vec<WindowExecution>> {
        self.with(|w, _| window_detail(&w.window_executions, window_id))
    }

    async fn dry_run_trust(&self) -> CloudResult<DryRunTrust> {
        Ok(self.lock()?.dry_run.clone())
    }

    fn distrust_dry_run(&self, action: &str) {
        locked(&self.world).dry_run = DryRunTrust::Ignored {
            action: action.to_string(),
        };
    }

    /// Everything is allowed: the sandbox's caller is its account's administrator
    /// (`--faults deny:ACTION` refuses actions, and the simulator says so).
    async fn simulate_caller(&self, actions: &[String]) -> CloudResult<Vec<(String, Simulated)>> {
        Ok(actions
            .iter()
            .map(|a| (a.clone(), Simulated::Allowed))
            .collect())
    }

    /// The sandbox has no simulator for its roles: their documents decide alone, as
    /// against moto.
    async fn simulate_role(
        &self,
        _role_arn: &str,
        _actions: &[String],
    ) -> CloudResult<Vec<(String, Option<Simulated>)>> {
        Err(CloudError::NotImplemented {
            action: "iam:SimulatePrincipalPolicy".into(),
            endpoint: "sandbox".into(),
        })
    }

    async fn create_vpc_endpoint(
        &self,
        request: &CreateEndpointRequest,
        mode: WriteMode,
    ) -> CloudResult<Written<VpcEndpoint>> {
        self.write(|w, now| ec2::create_vpc_endpoint(w, now, request, mode))
    }

    async fn modify_vpc_endpoint(
        &self,
        request: &ModifyEndpointRequest,
        mode: WriteMode,
    ) -> CloudResult<Written<()>> {
        self.write(|w, _| ec2::modify_vpc_endpoint(w, request, mode))
    }

    async fn modify_vpc_attribute(
        &self,
        vpc_id: &str,
        attribute: VpcDnsAttribute,
        value: bool,
    ) -> CloudResult<()> {
        self.write(|w, _| ec2::modify_vpc_attribute(w, vpc_id, attribute, value))
    }

    async fn create_security_group(
        &self,
        vpc_id: &str,
        name: &str,
        _description: &str,
        mode: WriteMode,
    ) -> CloudResult<Written<String>> {
        self.write(|w, _| ec2::create_security_group(w, vpc_id, name, mode))
    }

    async fn authorize_https_ingress(
        &self,
        group_id: &str,
        cidr: &str,
        mode: WriteMode,
    ) -> CloudResult<Written<()>> {
        self.write(|w, _| ec2::authorize_https(w, group_id, cidr, false, mode))
    }

    async fn authorize_https_egress(
        &self,
        group_id: &str,
        cidr: &str,
        mode: WriteMode,
    ) -> CloudResult<Written<()>> {
        self.write(|w, _| ec2::authorize_https(w, group_id, cidr, true, mode))
    }

    async fn enable_instance_metadata(
        &self,
        instance_id: &str,
        mode: WriteMode,
    ) -> CloudResult<Written<()>> {
        self.write(|w, _| ec2::enable_instance_metadata(w, instance_id, mode))
    }

    async fn create_network_acl_entry(
        &self,
        request: &AclEntryRequest,
        mode: WriteMode,
    ) -> CloudResult<Written<()>> {
        self.write(|w, _| ec2::create_network_acl_entry(w, request, mode))
    }

    async fn associate_iam_instance_profile(
        &self,
        instance_id: &str,
        profile_name: &str,
    ) -> CloudResult<ProfileAssociation> {
        self.write(|w, now| ec2::associate_iam_instance_profile(w, now, instance_id, profile_name))
    }

    async fn replace_iam_instance_profile_association(
        &self,
        association_id: &str,
        profile_name: &str,
    ) -> CloudResult<ProfileAssociation> {
        self.write(|w, now| {
            ec2::replace_iam_instance_profile_association(w, now, association_id, profile_name)
        })
    }

    async fn create_role(&self, name: &str, trusted_service: &str) -> CloudResult<Role> {
        self.iam_write(|w, _| iam::create_role(w, name, trusted_service))
    }

    async fn attach_role_policy(&self, role_name: &str, policy_arn: &str) -> CloudResult<()> {
        self.iam_write(|w, _| iam::attach_role_policy(w, role_name, policy_arn))
    }

    async fn create_instance_profile(&self, name: &str) -> CloudResult<InstanceProfile> {
        self.iam_write(|w, _| iam::create_instance_profile(w, name))
    }

    async fn add_role_to_instance_profile(
        &self,
        profile_name: &str,
        role_name: &str,
    ) -> CloudResult<()> {
        self.iam_write(|w, _| iam::add_role_to_instance_profile(w, profile_name, role_name))
    }

    async fn send_command(&self, request: &SendCommandRequest) -> CloudResult<Command> {
        if !request.targets.is_empty() && request.instance_ids.is_empty() {
            // Tag targets resolve to the managed instances carrying the tag.
            let ids = self.with(|w, now| ssm::resolve_targets(w, now, &request.targets))?;
            let resolved = SendCommandRequest {
                instance_ids: ids,
                targets: Vec::new(),
                ..request.clone()
            };
            return self.write(|w, now| ssm::send_to_ids(w, now, &resolved));
        }
        self.write(|w, now| ssm::send_to_ids(w, now, request))
    }

    async fn create_association(
        &self,
        request: &CreateAssociationRequest,
    ) -> CloudResult<StateAssociation> {
        self.write(|w, now| associations::create(w, now, request))
    }

    async fn cancel_command(&self, command_id: &str) -> CloudResult<()> {
        self.write(|w, now| ssm::cancel(w, now, command_id))
    }

    async fn read_full_output(
        &self,
        output: &crate::domain::model::OutputConfig,
        command_id: &str,
        instance_id: &str,
    ) -> CloudResult<Option<FullOutput>> {
        self.with(|w, now| Ok(ssm::full_output(w, now, output, command_id, instance_id)))
    }

    async fn list_documents(&self) -> CloudResult<Vec<DocumentInfo>> {
        self.with(|_, _| Ok(documents::list()))
    }

    async fn describe_document(&self, name: &str) -> CloudResult<DocumentDetail> {
        self.with(|_, _| documents::describe(name))
    }

    async fn start_session(&self, request: &SessionRequest) -> CloudResult<StartedSession> {
        self.write(|w, now| sessions::start(w, now, request))
    }

    async fn terminate_session(&self, _session_id: &str) -> CloudResult<()> {
        Ok(())
    }

    async fn create_activation(
        &self,
        request: &ActivationRequest,
    ) -> CloudResult<CreatedActivation> {
        self.write(|w, now| activations::create(w, now, request))
    }

    async fn describe_activations(&self) -> CloudResult<Vec<Activation>> {
        self.with(|w, now| Ok(activations::describe(w, now)))
    }

    async fn delete_activation(&self, activation_id: &str) -> CloudResult<()> {
        self.write(|w, _| activations::delete(w, activation_id))
    }

    fn simulates_sessions(&self) -> bool {
        true
    }
}
