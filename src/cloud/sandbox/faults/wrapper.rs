//! [`Faulty`]: any [`Cloud`] behind the configured [`Faults`].
//!
//! Before each call it waits the injected latency, refuses the call when one of its IAM
//! actions is denied, then throttles or fails the attempt with the configured
//! probabilities — and retries a throttled or failed attempt as the AWS adapter's SDK
//! does (at most [`MAX_ATTEMPTS`] attempts), so a fault costs what it costs against AWS.
//! The draws come from a seeded counter (splitmix64), so a run with the same calls in the
//! same order meets the same faults. Faults can be changed while running
//! ([`Faulty::set_faults`]), which is how tests make a fault stop.

use jiff::Timestamp;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use super::actions::actions_of;
use super::spec::Faults;
use crate::cloud::aws::MAX_ATTEMPTS;
use crate::cloud::sandbox::SandboxCloud;
use crate::cloud::{
    AclEntryRequest, Cloud, CloudError, CloudResult, CreateEndpointRequest, DryRunTrust,
    FullOutput, ModifyEndpointRequest, RolePolicySet, SendCommandRequest, SessionRequest,
    Simulated, StartedSession, VpcDnsAttribute, WriteMode, Written,
};
use crate::cloud::{DocumentDetail, DocumentInfo};
use crate::domain::model::{
    Activation, ActivationRequest, Command, CreateAssociationRequest, CreatedActivation, Identity,
    Instance, InstanceProfile, InventoryEntry, InventorySummary, Invocation, MaintenanceWindow,
    ManagedNode, NatGateway, NetworkAcl, NodeAssociation, OutputConfig, PatchBaseline, PatchEntry,
    PatchFilter, PatchState, ProfileAssociation, Role, RouteTable, SecurityGroup, StateAssociation,
    Subnet, Vpc, VpcEndpoint, WindowExecution, WindowTarget, WindowTask,
};

/// How many faults were injected so far (attempts, not calls).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Injected {
    pub calls: u64,
    pub throttled: u64,
    pub errors: u64,
    pub denied: u64,
}

struct State {
    faults: Mutex<Arc<Faults>>,
    draws: AtomicU64,
    calls: AtomicU64,
    throttled: AtomicU64,
    errors: AtomicU64,
    denied: AtomicU64,
    /// Every attempt waits for a token here, as each request to AWS does.
    budget: crate::cloud::budget::Budget,
}

/// A [`Cloud`] whose calls suffer the configured [`Faults`]. Clones share the faults.
#[derive(Clone)]
pub struct Faulty<C> {
    inner: C,
    state: Arc<State>,
}

impl<C: Cloud> Faulty<C> {
    pub fn new(inner: C, faults: Faults) -> Self {
        Self {
            inner,
            state: Arc::new(State {
                faults: Mutex::new(Arc::new(faults)),
                draws: AtomicU64::new(0),
                calls: AtomicU64::new(0),
                throttled: AtomicU64::new(0),
                errors: AtomicU64::new(0),
                denied: AtomicU64::new(0),
                budget: crate::cloud::budget::Budget::default(),
            }),
        }
    }

    pub fn inner(&self) -> &C {
        &self.inner
    }

    /// Replaces the faults for every later call (every clone sees it).
    pub fn set_faults(&self, faults: Faults) {
        match self.state.faults.lock() {
            Ok(mut f) => *f = Arc::new(faults),
            Err(poisoned) => *poisoned.into_inner() = Arc::new(faults),
        }
    }

    pub fn faults(&self) -> Arc<Faults> {
        match self.state.faults.lock() {
            Ok(f) => f.clone(),
            Err(poisoned) => poisoned.into_inner().clone(),
        }
    }

    pub fn injected(&self) -> Injected {
        Injected {
            calls: self.state.calls.load(Ordering::Relaxed),
            throttled: self.state.throttled.load(Ordering::Relaxed),
            errors: self.state.errors.load(Ordering::Relaxed),
            denied: self.state.denied.load(Ordering::Relaxed),
        }
    }

    /// A uniform draw in [0, 1) from the seed and the next counter value.
    fn draw(&self, seed: u64) -> f64 {
        let n = self.state.draws.fetch_add(1, Ordering::Relaxed);
        let bits = splitmix64(seed ^ splitmix64(n)) >> 11;
        bits as f64 / (1u64 << 53) as f64
    }

    /// The faults of one call of `method`, in the order a real call meets them.
    async fn gate(&self, method: &str, actions: &[&str]) -> CloudResult<()> {
        self.state.calls.fetch_add(1, Ordering::Relaxed);
        let faults = self.faults();
        let primary = actions.first().copied().unwrap_or(method);
        self.state.budget.acquire(primary).await;
        if faults.is_none() {
            return Ok(());
        }
        let mut attempt = 1;
        loop {
            if attempt > 1 {
                self.state.budget.acquire(primary).await;
            }
            match self.attempt(&faults, primary, actions).await {
                Err(e) if e.is_retryable() && attempt < MAX_ATTEMPTS => {
                    // The SDK would back off here; the simulated account needs no pause
                    // (`latency:` is what makes attempts slow).
                    tokio::task::yield_now().await;
                    attempt += 1;
                }
                other => return other,
            }
        }
    }

    async fn attempt(&self, faults: &Faults, primary: &str, actions: &[&str]) -> CloudResult<()> {
        if !faults.latency.is_zero() {
            tokio::time::sleep(faults.latency).await;
        }
        if let Some(refused) = &faults.refuse {
            self.state.denied.fetch_add(1, Ordering::Relaxed);
            return Err(refused.clone());
        }
        if let Some(action) = faults.denied(actions) {
            self.state.denied.fetch_add(1, Ordering::Relaxed);
            return Err(CloudError::AccessDenied {
                action: action.to_string(),
            });
        }
        if faults.throttle > 0.0 && self.draw(faults.seed) < faults.throttle {
            self.state.throttled.fetch_add(1, Ordering::Relaxed);
            self.state.budget.throttled(primary);
            return Err(CloudError::Throttled(primary.to_string()));
        }
        if faults.error > 0.0 && self.draw(faults.seed.rotate_left(17)) < faults.error {
            self.state.errors.fetch_add(1, Ordering::Relaxed);
            return Err(CloudError::Unavailable(format!(
                "{primary}: ServiceUnavailable: injected fault (HTTP 503)"
            )));
        }
        Ok(())
    }

    async fn call(&self, method: &str) -> CloudResult<()> {
        self.gate(method, actions_of(method)).await
    }

    /// The mode a write reaches the account with: `dryrun:ignore` performs dry runs.
    fn mode(&self, mode: WriteMode) -> WriteMode {
        if self.faults().ignore_dry_run {
            WriteMode::Apply
        } else {
            mode
        }
    }
}

/// splitmix64 (Steele, Lea, Flood 2014): a good 64-bit mix of a counter.
fn splitmix64(x: u64) -> u64 {
    let mut z = x.wrapping_add(0x9e37_79b9_7f4a_7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

impl SandboxCloud {
    /// This sandbox behind the given faults (see [`Faulty`]).
    pub fn with_faults(self, faults: Faults) -> Faulty<SandboxCloud> {
        Faulty::new(self, faults)
    }
}

impl Faulty<SandboxCloud> {
    /// The sandbox's clock (tests advance it).
    pub fn clock(&self) -> &crate::cloud::sandbox::Clock {
        self.inner.clock()
    }
}

/// Methods that meet the faults of their IAM actions, then do what the inner cloud does.
macro_rules! gated {
    ($( fn $name:ident(&self $(, $arg:ident : $ty:ty)*) -> $ret:ty; )*) => {
        $(
            async fn $name(&self $(, $arg: $ty)*) -> CloudResult<$ret> {
                self.call(stringify!($name)).await?;
                self.inner.$name($($arg),*).await
            }
        )*
    };
}

/// Writes with a `DryRun` mode: gated, and performed when `dryrun:ignore` says so.
macro_rules! gated_writes {
    ($( fn $name:ident(&self $(, $arg:ident : $ty:ty)*) -> $ret:ty; )*) => {
        $(
            async fn $name(&self $(, $arg: $ty)*, mode: WriteMode) -> CloudResult<Written<$ret>> {
                self.call(stringify!($name)).await?;
                self.inner.$name($($arg,)* self.mode(mode)).await
            }
        )*
    };
}

impl<C: Cloud> Cloud for Faulty<C> {
    fn simulates_sessions(&self) -> bool {
        self.inner.simulates_sessions()
    }

    fn budget(&self) -> Option<crate::cloud::budget::Budget> {
        Some(self.state.budget.clone())
    }

    fn now(&self) -> Timestamp {
        self.inner.now()
    }

    /// Only without faults: with them, `check` must meet them call by call.
    fn hand_over(self) -> Result<crate::domain::snapshot::Snapshot, Self> {
        if !self.faults().is_none() {
            return Err(self);
        }
        let state = self.state;
        self.inner
            .hand_over()
            .map_err(|inner| Self { inner, state })
    }

    fn region(&self) -> String {
        self.inner.region()
    }

    fn distrust_dry_run(&self, action: &str) {
        self.inner.distrust_dry_run(action);
    }

    /// The simulator's own answer, with denied actions denied.
    async fn simulate_caller(&self, actions: &[String]) -> CloudResult<Vec<(String, Simulated)>> {
        self.call("simulate_caller").await?;
        let faults = self.faults();
        let mut out = self.inner.simulate_caller(actions).await?;
        for (action, decision) in &mut out {
            if faults.denied(&[action.as_str()]).is_some() {
                *decision = Simulated::ExplicitDeny;
            }
        }
        Ok(out)
    }

    async fn create_vpc_endpoint(
        &self,
        request: &CreateEndpointRequest,
        mode: WriteMode,
    ) -> CloudResult<Written<VpcEndpoint>> {
        let actions = actions_of("create_vpc_endpoint");
        let actions = if request.tags.is_empty() {
            &actions[..1]
        } else {
            actions
        };
        self.gate("create_vpc_endpoint", actions).await?;
        self.inner
            .create_vpc_endpoint(request, self.mode(mode))
            .await
    }

    gated! {
        fn identity(&self) -> Identity;
        fn dry_run_trust(&self) -> DryRunTrust;
        fn describe_regions(&self) -> Vec<String>;
        fn describe_vpcs(&self) -> Vec<Vpc>;
        fn describe_vpc_attribute(&self, vpc_id: &str, attribute: VpcDnsAttribute) -> bool;
        fn describe_subnets(&self) -> Vec<Subnet>;
        fn describe_route_tables(&self) -> Vec<RouteTable>;
        fn describe_security_groups(&self) -> Vec<SecurityGroup>;
        fn describe_vpc_endpoints(&self) -> Vec<VpcEndpoint>;
        fn describe_network_acls(&self) -> Vec<NetworkAcl>;
        fn describe_nat_gateways(&self) -> Vec<NatGateway>;
        fn describe_vpc_endpoint_services(&self) -> Vec<String>;
        fn describe_instances(&self) -> Vec<Instance>;
        fn describe_iam_instance_profile_associations(&self) -> Vec<ProfileAssociation>;
        fn list_roles(&self) -> Vec<Role>;
        fn list_instance_profiles(&self) -> Vec<InstanceProfile>;
        fn role_policies(&self, role_name: &str, attached: Option<&[String]>) -> RolePolicySet;
        fn simulate_role(&self, role_arn: &str, actions: &[String]) -> Vec<(String, Option<Simulated>)>;
        fn describe_managed_nodes(&self) -> Vec<ManagedNode>;
        fn default_host_management(&self) -> Option<String>;
        fn describe_instance_patch_states(&self, instance_ids: &[String]) -> Vec<PatchState>;
        fn describe_instance_patches(&self, instance_id: &str, filter: PatchFilter) -> Vec<PatchEntry>;
        fn describe_patch_baselines(&self) -> Vec<PatchBaseline>;
        fn get_patch_baseline(&self, baseline_id: &str) -> PatchBaseline;
        fn get_inventory(&self) -> Vec<InventorySummary>;
        fn list_inventory_entries(&self, instance_id: &str, type_name: &str) -> Vec<InventoryEntry>;
        fn list_commands(&self) -> Vec<Command>;
        fn list_command_invocations(&self, command_id: &str) -> Vec<Invocation>;
        fn get_command_invocation(&self, command_id: &str, instance_id: &str) -> Invocation;
        fn describe_maintenance_windows(&self) -> Vec<MaintenanceWindow>;
        fn describe_maintenance_window_targets(&self, window_id: &str) -> Vec<WindowTarget>;
        fn describe_maintenance_window_tasks(&self, window_id: &str) -> Vec<WindowTask>;
        fn describe_maintenance_window_executions(&self, window_id: &str) -> Vec<WindowExecution>;
        fn list_associations(&self) -> Vec<StateAssociation>;
        fn describe_association(&self, association_id: &str) -> StateAssociation;
        fn describe_instance_associations_status(&self, instance_id: &str) -> Vec<NodeAssociation>;
        fn create_association(&self, request: &CreateAssociationRequest) -> StateAssociation;
        fn modify_vpc_attribute(&self, vpc_id: &str, attribute: VpcDnsAttribute, value: bool) -> ();
        fn associate_iam_instance_profile(&self, instance_id: &str, profile_name: &str) -> ProfileAssociation;
        fn replace_iam_instance_profile_association(&self, association_id: &str, profile_name: &str) -> ProfileAssociation;
        fn create_role(&self, name: &str, trusted_service: &str) -> Role;
        fn attach_role_policy(&self, role_name: &str, policy_arn: &str) -> ();
        fn create_instance_profile(&self, name: &str) -> InstanceProfile;
        fn add_role_to_instance_profile(&self, profile_name: &str, role_name: &str) -> ();
        fn send_command(&self, request: &SendCommandRequest) -> Command;
        fn cancel_command(&self, command_id: &str) -> ();
        fn start_session(&self, request: &SessionRequest) -> StartedSession;
        fn list_documents(&self) -> Vec<DocumentInfo>;
        fn describe_document(&self, name: &str) -> DocumentDetail;
        fn read_full_output(&self, output: &OutputConfig, command_id: &str, instance_id: &str) -> Option<FullOutput>;
        fn terminate_session(&self, session_id: &str) -> ();
        fn create_activation(&self, request: &ActivationRequest) -> CreatedActivation;
        fn describe_activations(&self) -> Vec<Activation>;
        fn delete_activation(&self, activation_id: &str) -> ();
    }

    gated_writes! {
        fn create_security_group(&self, vpc_id: &str, name: &str, description: &str) -> String;
        fn authorize_https_ingress(&self, group_id: &str, cidr: &str) -> ();
        fn authorize_https_egress(&self, group_id: &str, cidr: &str) -> ();
        fn modify_vpc_endpoint(&self, request: &ModifyEndpointRequest) -> ();
        fn enable_instance_metadata(&self, instance_id: &str) -> ();
        fn create_network_acl_entry(&self, request: &AclEntryRequest) -> ();
    }
}
