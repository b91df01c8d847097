//! The embedded sandbox: an in-memory account that behaves like AWS.

pub mod clock;
pub mod faults;
pub mod scenario;
pub mod simulate;
pub mod world;

use std::sync::{Arc, Mutex, MutexGuard};

use jiff::Timestamp;

pub use clock::Clock;
pub use scenario::{SANDBOX_REGIONS, SandboxScope, Scenario};
use world::{SimAssociation, SimCommand, SimEndpoint, SimInvocation, World};

use super::{
    Cloud, CloudError, CloudResult, CreateEndpointRequest, DryRunTrust, SEND_COMMAND_MAX_TARGETS,
    SendCommandRequest, Simulated, VpcDnsAttribute, WriteMode, Written,
};
use crate::domain::model::{
    AssociationState, Command, EndpointState, EndpointType, Identity, IngressRule, Instance,
    InstanceProfile, InstanceState, InventoryEntry, InventorySummary, Invocation,
    MaintenanceWindow, ManagedNode, PatchEntry, PatchState, PingStatus, ProfileAssociation, Role,
    RouteTable, SecurityGroup, Subnet, Vpc, VpcEndpoint, WindowExecution, WindowTarget, WindowTask,
};

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

    /// The sandbox seen through the scopes of `--region`/`--profile` lists, one cloud per
    /// scope: the scenario where it lives (its home region of the first account), a
    /// synthetic fleet elsewhere. The regions of one account share its roles and
    /// instance profiles, as in AWS.
    pub fn scoped(
        scenario: Scenario,
        clock: &Clock,
        scopes: &[scenario::SandboxScope],
    ) -> Vec<Self> {
        let worlds: Vec<Arc<Mutex<World>>> = scopes
            .iter()
            .map(|s| Arc::new(Mutex::new(scenario.build_in(clock.now(), s))))
            .collect();
        let same_account = |i: usize| -> Vec<usize> {
            (0..scopes.len())
                .filter(|&j| scopes[j].account == scopes[i].account)
                .collect()
        };
        for (i, _) in scopes.iter().enumerate() {
            let members = same_account(i);
            if members.first() != Some(&i) || members.len() < 2 {
                continue;
            }
            let (mut roles, mut profiles) = (Vec::<Role>::new(), Vec::<InstanceProfile>::new());
            for &m in &members {
                let w = locked(&worlds[m]);
                for r in &w.roles {
                    if !roles.iter().any(|x| x.name == r.name) {
                        roles.push(r.clone());
                    }
                }
                for p in &w.profiles {
                    if !profiles.iter().any(|x| x.name == p.name) {
                        profiles.push(p.clone());
                    }
                }
            }
            for &m in &members {
                let mut w = locked(&worlds[m]);
                if w.roles.len() != roles.len() || w.profiles.len() != profiles.len() {
                    w.roles = roles.clone();
                    w.profiles = profiles.clone();
                    w.mark_dirty();
                }
            }
        }
        (0..scopes.len())
            .map(|i| Self {
                world: worlds[i].clone(),
                clock: clock.clone(),
                peers: Arc::new(
                    same_account(i)
                        .into_iter()
                        .filter(|&j| j != i)
                        .map(|j| worlds[j].clone())
                        .collect(),
                ),
            })
            .collect()
    }

    /// One cloud per scope of `--profile`/`--region` lists (`all`: [`SANDBOX_REGIONS`]);
    /// each profile is an account of its own.
    pub fn for_selection(
        scenario: Scenario,
        clock: &Clock,
        selection: &crate::scope::Selection,
    ) -> Vec<(crate::scope::Scope, Self)> {
        let profiles = selection.profile_list();
        let scopes =
            selection.scopes(|_| SANDBOX_REGIONS.iter().map(ToString::to_string).collect());
        let at: Vec<SandboxScope> = scopes
            .iter()
            .map(|s| SandboxScope {
                region: s.region.clone(),
                account: profiles.iter().position(|p| *p == s.profile).unwrap_or(0),
            })
            .collect();
        scopes
            .into_iter()
            .zip(Self::scoped(scenario, clock, &at))
            .collect()
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

fn running_instance<'a>(w: &'a World, id: &str) -> CloudResult<&'a world::SimInstance> {
    w.instances
        .iter()
        .find(|i| i.instance.id == id && i.instance.state != InstanceState::Terminated)
        .ok_or_else(|| CloudError::NotFound(format!("instance {id} does not exist")))
}

fn invocation_view(w: &World, c: &SimCommand, inv: &SimInvocation, now: Timestamp) -> Invocation {
    let t = w.timing;
    let cancelled = c
        .cancelled_at
        .is_some_and(|at| at < c.sent + t.command_done);
    let (status, details) = if cancelled {
        ("Cancelled", "Cancelled")
    } else if now < c.sent + t.command_in_progress {
        ("Pending", "Pending")
    } else if now < c.sent + t.command_done {
        ("InProgress", "InProgress")
    } else if inv.exit_code == 0 {
        ("Success", "Success")
    } else {
        ("Failed", "Failed")
    };
    let finished = status == "Success" || status == "Failed";
    Invocation {
        command_id: c.id.clone(),
        instance_id: inv.instance_id.clone(),
        status: status.into(),
        status_details: details.into(),
        response_code: if finished { Some(inv.exit_code) } else { None },
        stdout: if finished {
            inv.stdout.clone()
        } else {
            String::new()
        },
        stderr: if finished {
            inv.stderr.clone()
        } else {
            String::new()
        },
    }
}

fn command_view(w: &World, c: &SimCommand, now: Timestamp) -> Command {
    let invs: Vec<Invocation> = c
        .invocations
        .iter()
        .map(|i| invocation_view(w, c, i, now))
        .collect();
    let done = |s: &str| matches!(s, "Success" | "Failed" | "Cancelled");
    let completed = invs.iter().filter(|i| done(&i.status)).count() as i32;
    let errors = invs.iter().filter(|i| i.status == "Failed").count() as i32;
    let status = if invs.iter().any(|i| i.status == "Cancelled") {
        "Cancelled"
    } else if invs.iter().all(|i| i.status == "Pending") {
        "Pending"
    } else if completed < invs.len() as i32 {
        "InProgress"
    } else if errors > 0 {
        "Failed"
    } else {
        "Success"
    };
    Command {
        id: c.id.clone(),
        document: c.document.clone(),
        comment: c.comment.clone(),
        instance_ids: c
            .invocations
            .iter()
            .map(|i| i.instance_id.clone())
            .collect(),
        requested: Some(c.sent),
        status: status.into(),
        target_count: invs.len() as i32,
        completed_count: completed,
        error_count: errors,
    }
}

fn dry<T>(mode: WriteMode, f: impl FnOnce() -> CloudResult<T>) -> CloudResult<Written<T>> {
    match mode {
        WriteMode::DryRun => Ok(Written::DryRunAllowed),
        WriteMode::Apply => f().map(Written::Done),
    }
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
        self.with(|w, _| {
            Ok(w.vpcs
                .iter()
                .map(|v| Vpc {
                    dns_support: None,
                    dns_hostnames: None,
                    ..v.clone()
                })
                .collect())
        })
    }

    async fn describe_vpc_attribute(
        &self,
        vpc_id: &str,
        attribute: VpcDnsAttribute,
    ) -> CloudResult<bool> {
        self.with(|w, _| {
            let vpc = w
                .vpcs
                .iter()
                .find(|v| v.id == vpc_id)
                .ok_or_else(|| CloudError::NotFound(format!("VPC {vpc_id} does not exist")))?;
            Ok(match attribute {
                VpcDnsAttribute::EnableDnsSupport => vpc.dns_support,
                VpcDnsAttribute::EnableDnsHostnames => vpc.dns_hostnames,
            }
            .unwrap_or(false))
        })
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
        self.with(|w, now| {
            Ok(w.endpoints
                .iter()
                .map(|e| w.endpoint_view(e, now))
                .collect())
        })
    }

    async fn describe_vpc_endpoint_services(&self) -> CloudResult<Vec<String>> {
        self.with(|w, _| {
            Ok([
                "ssm",
                "ssmmessages",
                "ec2messages",
                "ec2",
                "kms",
                "logs",
                "s3",
            ]
            .iter()
            .map(|s| crate::domain::readiness::service_name(&w.region, s))
            .collect())
        })
    }

    async fn describe_instances(&self) -> CloudResult<Vec<Instance>> {
        self.with(|w, now| Ok(w.instance_views(now)))
    }

    async fn describe_iam_instance_profile_associations(
        &self,
    ) -> CloudResult<Vec<ProfileAssociation>> {
        self.with(|w, now| {
            Ok(w.associations
                .iter()
                .map(|a| w.association_view(a, now))
                .collect())
        })
    }

    async fn list_roles(&self) -> CloudResult<Vec<Role>> {
        self.with(|w, _| Ok(w.roles.clone()))
    }

    async fn list_instance_profiles(&self) -> CloudResult<Vec<InstanceProfile>> {
        self.with(|w, _| Ok(w.profiles.clone()))
    }

    async fn describe_managed_nodes(&self) -> CloudResult<Vec<ManagedNode>> {
        self.with(|w, now| Ok(w.node_views(now)))
    }

    async fn default_host_management(&self) -> CloudResult<bool> {
        self.with(|w, _| Ok(w.dhmc))
    }

    async fn describe_instance_patch_states(
        &self,
        instance_ids: &[String],
    ) -> CloudResult<Vec<PatchState>> {
        if instance_ids.len() > super::PATCH_STATES_MAX_IDS {
            return Err(CloudError::Invalid(format!(
                "DescribeInstancePatchStates takes at most {} instance ids, got {}",
                super::PATCH_STATES_MAX_IDS,
                instance_ids.len()
            )));
        }
        self.with(|w, _| {
            Ok(instance_ids
                .iter()
                .filter_map(|id| w.patch_states.get(id).cloned())
                .collect())
        })
    }

    async fn describe_instance_patches(&self, instance_id: &str) -> CloudResult<Vec<PatchEntry>> {
        self.with(|w, _| {
            Ok(w.patch_states
                .get(instance_id)
                .map(simulate::patches)
                .unwrap_or_default())
        })
    }

    async fn list_inventory_entries(
        &self,
        instance_id: &str,
        type_name: &str,
    ) -> CloudResult<Vec<InventoryEntry>> {
        self.with(|w, now| {
            let inst = running_instance(w, instance_id)?;
            let collected = inst
                .registered_at
                .is_some_and(|at| at + w.timing.inventory_after_registration <= now);
            Ok(if collected {
                simulate::inventory(inst, type_name, &w.region)
            } else {
                Vec::new()
            })
        })
    }

    async fn get_inventory(&self) -> CloudResult<Vec<InventorySummary>> {
        self.with(|w, now| {
            let after = w.timing.inventory_after_registration;
            Ok(w.instances
                .iter()
                .filter_map(|i| {
                    let at = i.registered_at? + after;
                    (at <= now).then(|| InventorySummary {
                        instance_id: i.instance.id.clone(),
                        application_count: simulate::apps_of(i).len(),
                        capture_time: Some(at),
                    })
                })
                .collect())
        })
    }

    async fn list_commands(&self) -> CloudResult<Vec<Command>> {
        self.with(|w, now| {
            let mut out: Vec<Command> =
                w.commands.iter().map(|c| command_view(w, c, now)).collect();
            out.reverse();
            Ok(out)
        })
    }

    async fn list_command_invocations(&self, command_id: &str) -> CloudResult<Vec<Invocation>> {
        self.with(|w, now| {
            let c = w
                .commands
                .iter()
                .find(|c| c.id == command_id)
                .ok_or_else(|| {
                    CloudError::NotFound(format!(
                        "ssm:GetCommandInvocation: InvocationDoesNotExist: command {command_id} does not exist"
                    ))
                })?;
            Ok(c.invocations
                .iter()
                .map(|i| invocation_view(w, c, i, now))
                .collect())
        })
    }

    async fn get_command_invocation(
        &self,
        command_id: &str,
        instance_id: &str,
    ) -> CloudResult<Invocation> {
        self.with(|w, now| {
            let c = w
                .commands
                .iter()
                .find(|c| c.id == command_id)
                .ok_or_else(|| {
                    CloudError::NotFound(format!(
                        "ssm:GetCommandInvocation: InvocationDoesNotExist: command {command_id} does not exist"
                    ))
                })?;
            let inv = c
                .invocations
                .iter()
                .find(|i| i.instance_id == instance_id)
                .ok_or_else(|| {
                    CloudError::NotFound(format!(
                        "ssm:GetCommandInvocation: InvocationDoesNotExist: no invocation of {command_id} on {instance_id}"
                    ))
                })?;
            let mut view = invocation_view(w, c, inv, now);
            // GetCommandInvocation returns at most 24,000 / 8,000 characters.
            view.stdout = view.stdout.chars().take(24_000).collect();
            view.stderr = view.stderr.chars().take(8_000).collect();
            Ok(view)
        })
    }

    async fn describe_maintenance_windows(&self) -> CloudResult<Vec<MaintenanceWindow>> {
        self.with(|w, _| Ok(w.windows.clone()))
    }

    async fn describe_maintenance_window_targets(
        &self,
        window_id: &str,
    ) -> CloudResult<Vec<WindowTarget>> {
        self.with(|w, _| {
            w.window_targets.get(window_id).cloned().ok_or_else(|| {
                CloudError::NotFound(format!("maintenance window {window_id} does not exist"))
            })
        })
    }

    async fn describe_maintenance_window_tasks(
        &self,
        window_id: &str,
    ) -> CloudResult<Vec<WindowTask>> {
        self.with(|w, _| {
            w.window_tasks.get(window_id).cloned().ok_or_else(|| {
                CloudError::NotFound(format!("maintenance window {window_id} does not exist"))
            })
        })
    }

    async fn describe_maintenance_window_executions(
        &self,
        window_id: &str,
    ) -> CloudResult<Vec<WindowExecution>> {
        self.with(|w, _| {
            w.window_executions.get(window_id).cloned().ok_or_else(|| {
                CloudError::NotFound(format!("maintenance window {window_id} does not exist"))
            })
        })
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

    async fn create_vpc_endpoint(
        &self,
        req: &CreateEndpointRequest,
        mode: WriteMode,
    ) -> CloudResult<Written<VpcEndpoint>> {
        self.write(|w, now| {
            if !w.vpcs.iter().any(|v| v.id == req.vpc_id) {
                return Err(CloudError::NotFound(format!("VPC {} does not exist", req.vpc_id)));
            }
            if let Some(existing) = w.endpoints.iter().find(|e| e.client_token == req.client_token) {
                // Same token: AWS returns the endpoint it already created.
                if existing.endpoint.service_name != req.service_name || existing.endpoint.vpc_id != req.vpc_id {
                    // As the AWS adapter maps it: a racing run used the token first.
                    return Err(CloudError::AlreadyExists(
                        "ec2:CreateVpcEndpoint: IdempotentParameterMismatch: client token reused with other parameters".into(),
                    ));
                }
                let view = w.endpoint_view(existing, now);
                return dry(mode, || Ok(view));
            }
            let mut azs = Vec::new();
            for id in &req.subnet_ids {
                let s = w
                    .subnets
                    .iter()
                    .find(|s| &s.id == id && s.vpc_id == req.vpc_id)
                    .ok_or_else(|| CloudError::Invalid(format!("InvalidSubnetID.NotFound: {id}")))?;
                if azs.contains(&s.az) {
                    return Err(CloudError::Invalid(format!(
                        "DuplicateSubnetsInSameZone: found another VPC endpoint subnet in the availability zone of {id}"
                    )));
                }
                azs.push(s.az.clone());
            }
            if req.kind == EndpointType::Interface && req.private_dns {
                let vpc = w.vpcs.iter().find(|v| v.id == req.vpc_id);
                if vpc.is_some_and(|v| v.dns_support != Some(true) || v.dns_hostnames != Some(true)) {
                    return Err(CloudError::Invalid(
                        "InvalidParameter: enableDnsSupport and enableDnsHostnames must be true on the VPC to enable private DNS".into(),
                    ));
                }
                let duplicate = w.endpoints.iter().any(|e| {
                    e.endpoint.vpc_id == req.vpc_id
                        && e.endpoint.service_name == req.service_name
                        && e.endpoint.private_dns
                        && e.endpoint.state != EndpointState::Deleting
                });
                if duplicate {
                    return Err(CloudError::Invalid(format!(
                        "InvalidParameter: private DNS can't be enabled because the existing field {} already has an endpoint with private DNS in this VPC",
                        req.service_name
                    )));
                }
            }
            for g in &req.security_group_ids {
                if !w.security_groups.iter().any(|s| &s.id == g) {
                    return Err(CloudError::Invalid(format!("InvalidGroup.NotFound: {g}")));
                }
            }
            if mode == WriteMode::DryRun {
                return Ok(Written::DryRunAllowed);
            }
            let endpoint = VpcEndpoint {
                id: w.new_id("vpce"),
                vpc_id: req.vpc_id.clone(),
                service_name: req.service_name.clone(),
                kind: req.kind,
                state: if req.kind == EndpointType::Gateway {
                    EndpointState::Available
                } else {
                    EndpointState::Pending
                },
                private_dns: req.kind == EndpointType::Interface && req.private_dns,
                subnet_ids: req.subnet_ids.clone(),
                security_group_ids: if req.security_group_ids.is_empty() && req.kind == EndpointType::Interface {
                    w.security_groups
                        .iter()
                        .filter(|g| g.vpc_id == req.vpc_id && g.name == "default")
                        .map(|g| g.id.clone())
                        .collect()
                } else {
                    req.security_group_ids.clone()
                },
                route_table_ids: req.route_table_ids.clone(),
            };
            w.endpoints.push(SimEndpoint {
                endpoint: endpoint.clone(),
                created: now,
                client_token: req.client_token.clone(),
            });
            Ok(Written::Done(endpoint))
        })
    }

    async fn modify_vpc_attribute(
        &self,
        vpc_id: &str,
        attribute: VpcDnsAttribute,
        value: bool,
    ) -> CloudResult<()> {
        self.write(|w, _| {
            let vpc = w
                .vpcs
                .iter_mut()
                .find(|v| v.id == vpc_id)
                .ok_or_else(|| CloudError::NotFound(format!("VPC {vpc_id} does not exist")))?;
            match attribute {
                VpcDnsAttribute::EnableDnsSupport => vpc.dns_support = Some(value),
                VpcDnsAttribute::EnableDnsHostnames => vpc.dns_hostnames = Some(value),
            }
            Ok(())
        })
    }

    async fn create_security_group(
        &self,
        vpc_id: &str,
        name: &str,
        description: &str,
        mode: WriteMode,
    ) -> CloudResult<Written<String>> {
        let _ = description;
        self.write(|w, _| {
            if !w.vpcs.iter().any(|v| v.id == vpc_id) {
                return Err(CloudError::NotFound(format!("VPC {vpc_id} does not exist")));
            }
            if w.security_groups.iter().any(|g| g.vpc_id == vpc_id && g.name == name) {
                return Err(CloudError::AlreadyExists(format!(
                    "InvalidGroup.Duplicate: the security group '{name}' already exists for VPC '{vpc_id}'"
                )));
            }
            if mode == WriteMode::DryRun {
                return Ok(Written::DryRunAllowed);
            }
            let id = w.new_id("sg");
            w.security_groups.push(SecurityGroup {
                id: id.clone(),
                vpc_id: vpc_id.into(),
                name: name.into(),
                ingress: Vec::new(),
            });
            Ok(Written::Done(id))
        })
    }

    async fn authorize_https_ingress(
        &self,
        group_id: &str,
        cidr: &str,
        mode: WriteMode,
    ) -> CloudResult<Written<()>> {
        self.write(|w, _| {
            let g = w
                .security_groups
                .iter_mut()
                .find(|g| g.id == group_id)
                .ok_or_else(|| {
                    CloudError::NotFound(format!("security group {group_id} does not exist"))
                })?;
            let exists = g.ingress.iter().any(|r| {
                r.protocol == "tcp"
                    && r.from_port == Some(443)
                    && r.to_port == Some(443)
                    && r.cidrs.iter().any(|c| c == cidr)
            });
            if exists {
                return Err(CloudError::AlreadyExists(format!(
                    "InvalidPermission.Duplicate: 443 from {cidr} already exists on {group_id}"
                )));
            }
            dry(mode, || {
                g.ingress.push(IngressRule {
                    protocol: "tcp".into(),
                    from_port: Some(443),
                    to_port: Some(443),
                    cidrs: vec![cidr.into()],
                    source_group_ids: vec![],
                });
                Ok(())
            })
        })
    }

    async fn associate_iam_instance_profile(
        &self,
        instance_id: &str,
        profile_name: &str,
    ) -> CloudResult<ProfileAssociation> {
        self.write(|w, now| {
            running_instance(w, instance_id)?;
            let profile = w
                .profiles
                .iter()
                .find(|p| p.name == profile_name)
                .ok_or_else(|| {
                    CloudError::Invalid(format!("Invalid IAM Instance Profile name {profile_name}"))
                })?
                .arn
                .clone();
            let taken = w.associations.iter().any(|a| {
                a.association.instance_id == instance_id
                    && matches!(
                        a.association.state,
                        AssociationState::Associating | AssociationState::Associated
                    )
            }) || w
                .instances
                .iter()
                .any(|i| i.instance.id == instance_id && i.instance.profile_arn.is_some());
            if taken {
                return Err(CloudError::Invalid(format!(
                    "IncorrectState: there is an existing association for instance {instance_id}"
                )));
            }
            let association = ProfileAssociation {
                id: w.new_id("iip-assoc"),
                instance_id: instance_id.into(),
                profile_arn: profile,
                state: AssociationState::Associating,
            };
            w.associations.push(SimAssociation {
                association: association.clone(),
                created: now,
            });
            Ok(association)
        })
    }

    async fn replace_iam_instance_profile_association(
        &self,
        association_id: &str,
        profile_name: &str,
    ) -> CloudResult<ProfileAssociation> {
        self.write(|w, now| {
            let profile = w
                .profiles
                .iter()
                .find(|p| p.name == profile_name)
                .ok_or_else(|| {
                    CloudError::Invalid(format!("Invalid IAM Instance Profile name {profile_name}"))
                })?
                .arn
                .clone();
            let idx = w
                .associations
                .iter()
                .position(|a| a.association.id == association_id)
                .ok_or_else(|| {
                    CloudError::NotFound(format!("association {association_id} does not exist"))
                })?;
            let instance_id = w.associations[idx].association.instance_id.clone();
            w.associations[idx].association.state = AssociationState::Disassociated;
            for i in &mut w.instances {
                if i.instance.id == instance_id {
                    i.instance.profile_arn = None;
                }
            }
            let association = ProfileAssociation {
                id: w.new_id("iip-assoc"),
                instance_id,
                profile_arn: profile,
                state: AssociationState::Associating,
            };
            w.associations.push(SimAssociation {
                association: association.clone(),
                created: now,
            });
            Ok(association)
        })
    }

    async fn create_role(&self, name: &str, trusted_service: &str) -> CloudResult<Role> {
        self.iam_write(|w, _| {
            if w.roles.iter().any(|r| r.name == name) {
                return Err(CloudError::AlreadyExists(format!(
                    "EntityAlreadyExists: role with name {name} already exists"
                )));
            }
            let role = Role {
                name: name.into(),
                arn: format!("arn:aws:iam::{}:role/{name}", w.account),
                trusted_services: vec![trusted_service.into()],
                attached_policy_arns: vec![],
            };
            w.roles.push(role.clone());
            Ok(role)
        })
    }

    async fn attach_role_policy(&self, role_name: &str, policy_arn: &str) -> CloudResult<()> {
        self.iam_write(|w, _| {
            let known = [
                crate::domain::model::CORE_POLICY_ARN,
                crate::domain::model::DEPRECATED_POLICY_ARN,
            ];
            if !known.contains(&policy_arn) {
                return Err(CloudError::NotFound(format!(
                    "policy {policy_arn} does not exist or is not attachable"
                )));
            }
            let role = w
                .roles
                .iter_mut()
                .find(|r| r.name == role_name)
                .ok_or_else(|| CloudError::NotFound(format!("role {role_name} does not exist")))?;
            if !role.attached_policy_arns.iter().any(|p| p == policy_arn) {
                role.attached_policy_arns.push(policy_arn.into());
            }
            Ok(())
        })
    }

    async fn create_instance_profile(&self, name: &str) -> CloudResult<InstanceProfile> {
        self.iam_write(|w, _| {
            if w.profiles.iter().any(|p| p.name == name) {
                return Err(CloudError::AlreadyExists(format!(
                    "EntityAlreadyExists: instance profile {name} already exists"
                )));
            }
            let profile = InstanceProfile {
                name: name.into(),
                arn: format!("arn:aws:iam::{}:instance-profile/{name}", w.account),
                role_names: vec![],
            };
            w.profiles.push(profile.clone());
            Ok(profile)
        })
    }

    async fn add_role_to_instance_profile(
        &self,
        profile_name: &str,
        role_name: &str,
    ) -> CloudResult<()> {
        self.iam_write(|w, _| {
            if !w.roles.iter().any(|r| r.name == role_name) {
                return Err(CloudError::NotFound(format!(
                    "role {role_name} does not exist"
                )));
            }
            let profile = w
                .profiles
                .iter_mut()
                .find(|p| p.name == profile_name)
                .ok_or_else(|| {
                    CloudError::NotFound(format!("instance profile {profile_name} does not exist"))
                })?;
            if !profile.role_names.is_empty() {
                return Err(CloudError::Invalid(
                    "LimitExceeded: cannot exceed quota for InstanceSessionsPerInstanceProfile: 1"
                        .into(),
                ));
            }
            profile.role_names.push(role_name.into());
            Ok(())
        })
    }

    async fn send_command(&self, req: &SendCommandRequest) -> CloudResult<Command> {
        if !req.targets.is_empty() && req.instance_ids.is_empty() {
            // Tag targets resolve to the managed instances carrying the tag.
            let ids = self.with(|w, now| {
                let online: std::collections::HashSet<String> = w
                    .node_views(now)
                    .into_iter()
                    .filter(|n| n.ping == PingStatus::Online)
                    .map(|n| n.instance_id)
                    .collect();
                Ok(w.instances
                    .iter()
                    .filter(|i| online.contains(&i.instance.id))
                    .filter(|i| {
                        req.targets.iter().all(|(k, values)| {
                            let key = k.strip_prefix("tag:").unwrap_or(k);
                            i.instance
                                .tags
                                .iter()
                                .any(|(tk, tv)| tk == key && values.contains(tv))
                        })
                    })
                    .map(|i| i.instance.id.clone())
                    .collect::<Vec<String>>())
            })?;
            if ids.is_empty() {
                return Err(CloudError::Invalid(
                    "InvalidTarget: no managed instance matches the targets".into(),
                ));
            }
            let resolved = SendCommandRequest {
                instance_ids: ids.into_iter().take(SEND_COMMAND_MAX_TARGETS).collect(),
                targets: Vec::new(),
                ..req.clone()
            };
            return self.send_to_ids(&resolved);
        }
        self.send_to_ids(req)
    }

    async fn cancel_command(&self, command_id: &str) -> CloudResult<()> {
        self.cancel(command_id)
    }
}

impl SandboxCloud {
    fn send_to_ids(&self, req: &SendCommandRequest) -> CloudResult<Command> {
        if req.instance_ids.is_empty() || req.instance_ids.len() > SEND_COMMAND_MAX_TARGETS {
            return Err(CloudError::Invalid(format!(
                "SendCommand takes 1 to {SEND_COMMAND_MAX_TARGETS} instance ids, got {}",
                req.instance_ids.len()
            )));
        }
        self.write(|w, now| {
            let nodes = w.node_views(now);
            let mut invocations = Vec::new();
            for id in &req.instance_ids {
                let online = nodes.iter().any(|n| &n.instance_id == id && n.ping == PingStatus::Online);
                if !online {
                    return Err(CloudError::Invalid(format!(
                        "InvalidInstanceId: instance {id} is not in a valid state for account {}",
                        w.account
                    )));
                }
                let inst = running_instance(w, id)?;
                let (stdout, stderr, exit_code) = match req.document.as_str() {
                    "AWS-RunShellScript" | "AWS-RunPowerShellScript" => {
                        let commands = req
                            .parameters
                            .iter()
                            .find(|(k, _)| k == "commands")
                            .map(|(_, v)| v.clone())
                            .unwrap_or_default();
                        simulate::shell_output(inst, &commands, &w.region)
                    }
                    "AWS-RunPatchBaseline" => (
                        "Patch operation completed.\nSee the patch compliance of this node for details.\n".to_string(),
                        String::new(),
                        0,
                    ),
                    other => {
                        return Err(CloudError::Invalid(format!("InvalidDocument: document {other} does not exist")));
                    }
                };
                invocations.push(SimInvocation {
                    instance_id: id.clone(),
                    stdout,
                    stderr,
                    exit_code,
                });
            }
            let id = format!("{:08x}-sand-4box-8000-{:012x}", w.commands.len() + 1, scenario::mix(w.commands.len() as u64 ^ (w.id_salt << 40)) >> 16);
            let cmd = SimCommand {
                id,
                document: req.document.clone(),
                comment: req.comment.clone(),
                parameters: req.parameters.clone(),
                sent: now,
                cancelled_at: None,
                invocations,
                applied: false,
            };
            let view = command_view(w, &cmd, now);
            w.commands.push(cmd);
            Ok(view)
        })
    }

    fn cancel(&self, command_id: &str) -> CloudResult<()> {
        self.write(|w, now| {
            let c = w
                .commands
                .iter_mut()
                .find(|c| c.id == command_id)
                .ok_or_else(|| {
                    CloudError::NotFound(format!(
                        "ssm:GetCommandInvocation: InvocationDoesNotExist: command {command_id} does not exist"
                    ))
                })?;
            if c.cancelled_at.is_none() {
                c.cancelled_at = Some(now);
            }
            Ok(())
        })
    }
}
