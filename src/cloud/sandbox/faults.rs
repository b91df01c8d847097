//! Fault injection for the sandbox: throttling, 5xx, latency and AccessDenied per IAM action.
//!
//! [`Faulty`] wraps any [`Cloud`] and, before each call, waits the injected latency, then
//! refuses the call when one of its IAM actions is denied, then throttles or fails it with
//! the configured probabilities. The draws come from a seeded counter (splitmix64), so a
//! run with the same calls in the same order fails the same calls. Faults can be changed
//! while running ([`Faulty::set_faults`]), which is how tests make a fault stop.
//!
//! Spec (`--faults`): `throttle:P,error:P,latency:DUR,deny:ACTION[,deny:ACTION…][,seed:N]`,
//! P a probability 0–1, DUR like `300ms` or `2s`, ACTION an IAM action such as
//! `ssm:DescribeInstancePatchStates` (a trailing `*` matches a prefix: `ssm:Describe*`).

use std::fmt;
use std::str::FromStr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use jiff::Timestamp;

use super::SandboxCloud;
use crate::cloud::{
    Cloud, CloudError, CloudResult, CreateEndpointRequest, SendCommandRequest, VpcDnsAttribute,
    WriteMode, Written,
};
use crate::domain::model::{
    Command, Identity, Instance, InstanceProfile, InventoryEntry, InventorySummary, Invocation,
    MaintenanceWindow, ManagedNode, PatchEntry, PatchState, ProfileAssociation, Role, RouteTable,
    SecurityGroup, Subnet, Vpc, VpcEndpoint, WindowExecution, WindowTarget, WindowTask,
};

/// Seed of the draws when the spec names none: runs are reproducible by default.
pub const DEFAULT_SEED: u64 = 0x5eed_55d3_c4a1_0001;
/// Longest latency a spec may ask for.
pub const MAX_LATENCY: Duration = Duration::from_secs(60);
/// The fault kinds a spec may name.
pub const KINDS: [&str; 5] = ["throttle", "error", "latency", "deny", "seed"];

/// The IAM actions behind each [`Cloud`] method, as the AWS adapter calls them (the first
/// is the one a throttle or 5xx is reported against). A denied action fails the method.
pub const METHOD_ACTIONS: &[(&str, &[&str])] = &[
    ("identity", &["sts:GetCallerIdentity"]),
    ("describe_regions", &["ec2:DescribeRegions"]),
    ("describe_vpcs", &["ec2:DescribeVpcs"]),
    ("describe_vpc_attribute", &["ec2:DescribeVpcAttribute"]),
    ("describe_subnets", &["ec2:DescribeSubnets"]),
    ("describe_route_tables", &["ec2:DescribeRouteTables"]),
    ("describe_security_groups", &["ec2:DescribeSecurityGroups"]),
    ("describe_vpc_endpoints", &["ec2:DescribeVpcEndpoints"]),
    (
        "describe_vpc_endpoint_services",
        &["ec2:DescribeVpcEndpointServices"],
    ),
    ("describe_instances", &["ec2:DescribeInstances"]),
    (
        "describe_iam_instance_profile_associations",
        &["ec2:DescribeIamInstanceProfileAssociations"],
    ),
    (
        "list_roles",
        &["iam:ListRoles", "iam:ListAttachedRolePolicies"],
    ),
    ("list_instance_profiles", &["iam:ListInstanceProfiles"]),
    // The adapter reads DescribeInstanceProperties and falls back to
    // DescribeInstanceInformation only where the former does not exist.
    (
        "describe_managed_nodes",
        &["ssm:DescribeInstanceProperties"],
    ),
    ("default_host_management", &["ssm:GetServiceSetting"]),
    (
        "describe_instance_patch_states",
        &["ssm:DescribeInstancePatchStates"],
    ),
    (
        "describe_instance_patches",
        &["ssm:DescribeInstancePatches"],
    ),
    ("get_inventory", &["ssm:GetInventory"]),
    ("list_inventory_entries", &["ssm:ListInventoryEntries"]),
    ("list_commands", &["ssm:ListCommands"]),
    ("list_command_invocations", &["ssm:ListCommandInvocations"]),
    ("get_command_invocation", &["ssm:GetCommandInvocation"]),
    (
        "describe_maintenance_windows",
        &["ssm:DescribeMaintenanceWindows"],
    ),
    (
        "describe_maintenance_window_targets",
        &["ssm:DescribeMaintenanceWindowTargets"],
    ),
    (
        "describe_maintenance_window_tasks",
        &["ssm:DescribeMaintenanceWindowTasks"],
    ),
    (
        "describe_maintenance_window_executions",
        &["ssm:DescribeMaintenanceWindowExecutions"],
    ),
    // Tag-on-create needs ec2:CreateTags.
    (
        "create_vpc_endpoint",
        &["ec2:CreateVpcEndpoint", "ec2:CreateTags"],
    ),
    ("modify_vpc_attribute", &["ec2:ModifyVpcAttribute"]),
    (
        "create_security_group",
        &["ec2:CreateSecurityGroup", "ec2:CreateTags"],
    ),
    (
        "authorize_https_ingress",
        &["ec2:AuthorizeSecurityGroupIngress"],
    ),
    // Attaching a profile passes its role to EC2.
    (
        "associate_iam_instance_profile",
        &["ec2:AssociateIamInstanceProfile", "iam:PassRole"],
    ),
    (
        "replace_iam_instance_profile_association",
        &["ec2:ReplaceIamInstanceProfileAssociation", "iam:PassRole"],
    ),
    ("create_role", &["iam:CreateRole"]),
    ("attach_role_policy", &["iam:AttachRolePolicy"]),
    ("create_instance_profile", &["iam:CreateInstanceProfile"]),
    (
        "add_role_to_instance_profile",
        &["iam:AddRoleToInstanceProfile"],
    ),
    ("send_command", &["ssm:SendCommand"]),
    ("cancel_command", &["ssm:CancelCommand"]),
];

/// The IAM actions of a [`Cloud`] method (empty for a name not in [`METHOD_ACTIONS`]).
pub fn actions_of(method: &str) -> &'static [&'static str] {
    METHOD_ACTIONS
        .iter()
        .find(|(m, _)| *m == method)
        .map_or(&[], |(_, a)| a)
}

/// What to inject. The default injects nothing.
#[derive(Debug, Clone, PartialEq)]
pub struct Faults {
    /// Probability (0–1) that a call fails with [`CloudError::Throttled`].
    pub throttle: f64,
    /// Probability (0–1) that a call fails with [`CloudError::Unavailable`] (a 5xx).
    pub error: f64,
    /// Waited before every call.
    pub latency: Duration,
    /// IAM actions answered with [`CloudError::AccessDenied`]; a trailing `*` is a prefix.
    pub deny: Vec<String>,
    pub seed: u64,
}

impl Default for Faults {
    fn default() -> Self {
        Self {
            throttle: 0.0,
            error: 0.0,
            latency: Duration::ZERO,
            deny: Vec::new(),
            seed: DEFAULT_SEED,
        }
    }
}

impl Faults {
    /// True when no fault would ever be injected.
    pub fn is_none(&self) -> bool {
        self.throttle <= 0.0 && self.error <= 0.0 && self.latency.is_zero() && self.deny.is_empty()
    }

    /// The first of `actions` that is denied.
    pub fn denied<'a>(&self, actions: &[&'a str]) -> Option<&'a str> {
        actions
            .iter()
            .copied()
            .find(|a| self.deny.iter().any(|d| action_matches(d, a)))
    }
}

fn action_matches(pattern: &str, action: &str) -> bool {
    match pattern.strip_suffix('*') {
        Some(prefix) => action.starts_with(prefix),
        None => pattern == action,
    }
}

/// A spec that does not parse; the message is one line.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct FaultSpecError(String);

fn bad(message: impl Into<String>) -> FaultSpecError {
    FaultSpecError(message.into())
}

impl FromStr for Faults {
    type Err = FaultSpecError;

    fn from_str(spec: &str) -> Result<Self, Self::Err> {
        let mut faults = Faults::default();
        let mut seen: Vec<&str> = Vec::new();
        if spec.trim().is_empty() {
            return Err(bad(
                "no fault given (e.g. throttle:0.3,error:0.1,latency:300ms,deny:ssm:ListCommands)",
            ));
        }
        for item in spec.split(',').map(str::trim) {
            if item.is_empty() {
                return Err(bad(format!("empty item in '{spec}'")));
            }
            let (kind, value) = item.split_once(':').unwrap_or((item, ""));
            let kind = kind.trim();
            let value = value.trim();
            if !KINDS.contains(&kind) {
                return Err(bad(format!(
                    "unknown fault kind '{kind}' (known: {})",
                    KINDS.join(", ")
                )));
            }
            if value.is_empty() {
                return Err(bad(format!("{kind} needs a value, e.g. {}", example(kind))));
            }
            if kind != "deny" {
                if seen.contains(&kind) {
                    return Err(bad(format!("{kind} is given twice")));
                }
                seen.push(kind);
            }
            match kind {
                "throttle" => faults.throttle = probability(kind, value)?,
                "error" => faults.error = probability(kind, value)?,
                "latency" => faults.latency = duration(value)?,
                "deny" => faults.deny.push(action(value)?),
                _ => {
                    faults.seed = value
                        .parse()
                        .map_err(|_| bad(format!("seed:{value}: not a whole number")))?;
                }
            }
        }
        Ok(faults)
    }
}

fn example(kind: &str) -> &'static str {
    match kind {
        "throttle" => "throttle:0.3",
        "error" => "error:0.1",
        "latency" => "latency:300ms",
        "deny" => "deny:ssm:DescribeInstancePatchStates",
        _ => "seed:42",
    }
}

fn probability(kind: &str, value: &str) -> Result<f64, FaultSpecError> {
    match value.parse::<f64>() {
        Ok(p) if p.is_finite() && (0.0..=1.0).contains(&p) => Ok(p),
        Ok(_) => Err(bad(format!(
            "{kind}:{value}: a probability is between 0 and 1"
        ))),
        Err(_) => Err(bad(format!(
            "{kind}:{value}: not a probability (e.g. {})",
            example(kind)
        ))),
    }
}

/// `300ms`, `2s`, `1.5s`, `1m`.
pub fn duration(value: &str) -> Result<Duration, FaultSpecError> {
    let split = value
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(value.len());
    let (number, unit) = value.split_at(split);
    let n: f64 = number
        .parse()
        .ok()
        .filter(|n: &f64| n.is_finite() && *n >= 0.0)
        .ok_or_else(|| bad(format!("latency:{value}: not a duration (e.g. 300ms, 2s)")))?;
    let secs = match unit.trim() {
        "ms" => n / 1000.0,
        "s" => n,
        "m" => n * 60.0,
        "" => {
            return Err(bad(format!(
                "latency:{value}: give a unit: ms, s or m (e.g. 300ms)"
            )));
        }
        other => {
            return Err(bad(format!(
                "latency:{value}: unknown unit '{other}' (ms, s or m)"
            )));
        }
    };
    let d = Duration::from_secs_f64(secs);
    if d > MAX_LATENCY {
        return Err(bad(format!(
            "latency:{value}: at most {}s",
            MAX_LATENCY.as_secs()
        )));
    }
    Ok(d)
}

/// `service:Operation`, a trailing `*` allowed.
fn action(value: &str) -> Result<String, FaultSpecError> {
    let well_formed = value.split_once(':').is_some_and(|(service, op)| {
        !service.is_empty()
            && service
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
            && !op.is_empty()
            && op
                .trim_end_matches('*')
                .chars()
                .all(|c| c.is_ascii_alphanumeric())
            && op.matches('*').count() <= 1
    });
    if well_formed {
        Ok(value.to_string())
    } else {
        Err(bad(format!(
            "deny:{value}: not an IAM action (e.g. deny:ssm:DescribeInstancePatchStates)"
        )))
    }
}

impl fmt::Display for Faults {
    /// The canonical spec: parses back to the same faults.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut parts: Vec<String> = Vec::new();
        if self.throttle > 0.0 {
            parts.push(format!("throttle:{}", self.throttle));
        }
        if self.error > 0.0 {
            parts.push(format!("error:{}", self.error));
        }
        if !self.latency.is_zero() {
            parts.push(format!("latency:{}ms", self.latency.as_millis()));
        }
        parts.extend(self.deny.iter().map(|d| format!("deny:{d}")));
        if self.seed != DEFAULT_SEED {
            parts.push(format!("seed:{}", self.seed));
        }
        if parts.is_empty() {
            f.write_str("none")
        } else {
            f.write_str(&parts.join(","))
        }
    }
}

/// How many faults were injected so far.
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
        if faults.is_none() {
            return Ok(());
        }
        if !faults.latency.is_zero() {
            tokio::time::sleep(faults.latency).await;
        }
        let primary = actions.first().copied().unwrap_or(method);
        if let Some(action) = faults.denied(actions) {
            self.state.denied.fetch_add(1, Ordering::Relaxed);
            return Err(CloudError::AccessDenied {
                action: action.to_string(),
            });
        }
        if faults.throttle > 0.0 && self.draw(faults.seed) < faults.throttle {
            self.state.throttled.fetch_add(1, Ordering::Relaxed);
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

    /// Writes: a dry run that the adapter answers with a read is gated on that read.
    async fn write_call(&self, method: &str, mode: WriteMode, dry_read: &str) -> CloudResult<()> {
        match mode {
            WriteMode::DryRun if !dry_read.is_empty() => self.gate(method, &[dry_read]).await,
            _ => self.call(method).await,
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
    pub fn clock(&self) -> &super::Clock {
        self.inner.clock()
    }
}

impl<C: Cloud> Cloud for Faulty<C> {
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

    async fn identity(&self) -> CloudResult<Identity> {
        self.call("identity").await?;
        self.inner.identity().await
    }

    async fn describe_regions(&self) -> CloudResult<Vec<String>> {
        self.call("describe_regions").await?;
        self.inner.describe_regions().await
    }

    async fn describe_vpcs(&self) -> CloudResult<Vec<Vpc>> {
        self.call("describe_vpcs").await?;
        self.inner.describe_vpcs().await
    }

    async fn describe_vpc_attribute(
        &self,
        vpc_id: &str,
        attribute: VpcDnsAttribute,
    ) -> CloudResult<bool> {
        self.call("describe_vpc_attribute").await?;
        self.inner.describe_vpc_attribute(vpc_id, attribute).await
    }

    async fn describe_subnets(&self) -> CloudResult<Vec<Subnet>> {
        self.call("describe_subnets").await?;
        self.inner.describe_subnets().await
    }

    async fn describe_route_tables(&self) -> CloudResult<Vec<RouteTable>> {
        self.call("describe_route_tables").await?;
        self.inner.describe_route_tables().await
    }

    async fn describe_security_groups(&self) -> CloudResult<Vec<SecurityGroup>> {
        self.call("describe_security_groups").await?;
        self.inner.describe_security_groups().await
    }

    async fn describe_vpc_endpoints(&self) -> CloudResult<Vec<VpcEndpoint>> {
        self.call("describe_vpc_endpoints").await?;
        self.inner.describe_vpc_endpoints().await
    }

    async fn describe_vpc_endpoint_services(&self) -> CloudResult<Vec<String>> {
        self.call("describe_vpc_endpoint_services").await?;
        self.inner.describe_vpc_endpoint_services().await
    }

    async fn describe_instances(&self) -> CloudResult<Vec<Instance>> {
        self.call("describe_instances").await?;
        self.inner.describe_instances().await
    }

    async fn describe_iam_instance_profile_associations(
        &self,
    ) -> CloudResult<Vec<ProfileAssociation>> {
        self.call("describe_iam_instance_profile_associations")
            .await?;
        self.inner
            .describe_iam_instance_profile_associations()
            .await
    }

    async fn list_roles(&self) -> CloudResult<Vec<Role>> {
        self.call("list_roles").await?;
        self.inner.list_roles().await
    }

    async fn list_instance_profiles(&self) -> CloudResult<Vec<InstanceProfile>> {
        self.call("list_instance_profiles").await?;
        self.inner.list_instance_profiles().await
    }

    async fn describe_managed_nodes(&self) -> CloudResult<Vec<ManagedNode>> {
        self.call("describe_managed_nodes").await?;
        self.inner.describe_managed_nodes().await
    }

    async fn default_host_management(&self) -> CloudResult<bool> {
        self.call("default_host_management").await?;
        self.inner.default_host_management().await
    }

    async fn describe_instance_patch_states(
        &self,
        instance_ids: &[String],
    ) -> CloudResult<Vec<PatchState>> {
        self.call("describe_instance_patch_states").await?;
        self.inner
            .describe_instance_patch_states(instance_ids)
            .await
    }

    async fn describe_instance_patches(&self, instance_id: &str) -> CloudResult<Vec<PatchEntry>> {
        self.call("describe_instance_patches").await?;
        self.inner.describe_instance_patches(instance_id).await
    }

    async fn get_inventory(&self) -> CloudResult<Vec<InventorySummary>> {
        self.call("get_inventory").await?;
        self.inner.get_inventory().await
    }

    async fn list_inventory_entries(
        &self,
        instance_id: &str,
        type_name: &str,
    ) -> CloudResult<Vec<InventoryEntry>> {
        self.call("list_inventory_entries").await?;
        self.inner
            .list_inventory_entries(instance_id, type_name)
            .await
    }

    async fn list_commands(&self) -> CloudResult<Vec<Command>> {
        self.call("list_commands").await?;
        self.inner.list_commands().await
    }

    async fn list_command_invocations(&self, command_id: &str) -> CloudResult<Vec<Invocation>> {
        self.call("list_command_invocations").await?;
        self.inner.list_command_invocations(command_id).await
    }

    async fn get_command_invocation(
        &self,
        command_id: &str,
        instance_id: &str,
    ) -> CloudResult<Invocation> {
        self.call("get_command_invocation").await?;
        self.inner
            .get_command_invocation(command_id, instance_id)
            .await
    }

    async fn describe_maintenance_windows(&self) -> CloudResult<Vec<MaintenanceWindow>> {
        self.call("describe_maintenance_windows").await?;
        self.inner.describe_maintenance_windows().await
    }

    async fn describe_maintenance_window_targets(
        &self,
        window_id: &str,
    ) -> CloudResult<Vec<WindowTarget>> {
        self.call("describe_maintenance_window_targets").await?;
        self.inner
            .describe_maintenance_window_targets(window_id)
            .await
    }

    async fn describe_maintenance_window_tasks(
        &self,
        window_id: &str,
    ) -> CloudResult<Vec<WindowTask>> {
        self.call("describe_maintenance_window_tasks").await?;
        self.inner
            .describe_maintenance_window_tasks(window_id)
            .await
    }

    async fn describe_maintenance_window_executions(
        &self,
        window_id: &str,
    ) -> CloudResult<Vec<WindowExecution>> {
        self.call("describe_maintenance_window_executions").await?;
        self.inner
            .describe_maintenance_window_executions(window_id)
            .await
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
        self.inner.create_vpc_endpoint(request, mode).await
    }

    async fn modify_vpc_attribute(
        &self,
        vpc_id: &str,
        attribute: VpcDnsAttribute,
        value: bool,
        mode: WriteMode,
    ) -> CloudResult<Written<()>> {
        // ModifyVpcAttribute has no DryRun: the adapter reads the attribute instead.
        self.write_call("modify_vpc_attribute", mode, "ec2:DescribeVpcAttribute")
            .await?;
        self.inner
            .modify_vpc_attribute(vpc_id, attribute, value, mode)
            .await
    }

    async fn create_security_group(
        &self,
        vpc_id: &str,
        name: &str,
        description: &str,
        mode: WriteMode,
    ) -> CloudResult<Written<String>> {
        self.write_call("create_security_group", mode, "").await?;
        self.inner
            .create_security_group(vpc_id, name, description, mode)
            .await
    }

    async fn authorize_https_ingress(
        &self,
        group_id: &str,
        cidr: &str,
        mode: WriteMode,
    ) -> CloudResult<Written<()>> {
        self.write_call("authorize_https_ingress", mode, "").await?;
        self.inner
            .authorize_https_ingress(group_id, cidr, mode)
            .await
    }

    async fn associate_iam_instance_profile(
        &self,
        instance_id: &str,
        profile_name: &str,
        mode: WriteMode,
    ) -> CloudResult<Written<ProfileAssociation>> {
        self.write_call(
            "associate_iam_instance_profile",
            mode,
            "ec2:DescribeInstances",
        )
        .await?;
        self.inner
            .associate_iam_instance_profile(instance_id, profile_name, mode)
            .await
    }

    async fn replace_iam_instance_profile_association(
        &self,
        association_id: &str,
        profile_name: &str,
        mode: WriteMode,
    ) -> CloudResult<Written<ProfileAssociation>> {
        self.write_call(
            "replace_iam_instance_profile_association",
            mode,
            "ec2:DescribeIamInstanceProfileAssociations",
        )
        .await?;
        self.inner
            .replace_iam_instance_profile_association(association_id, profile_name, mode)
            .await
    }

    async fn create_role(&self, name: &str, trusted_service: &str) -> CloudResult<Role> {
        self.call("create_role").await?;
        self.inner.create_role(name, trusted_service).await
    }

    async fn attach_role_policy(&self, role_name: &str, policy_arn: &str) -> CloudResult<()> {
        self.call("attach_role_policy").await?;
        self.inner.attach_role_policy(role_name, policy_arn).await
    }

    async fn create_instance_profile(&self, name: &str) -> CloudResult<InstanceProfile> {
        self.call("create_instance_profile").await?;
        self.inner.create_instance_profile(name).await
    }

    async fn add_role_to_instance_profile(
        &self,
        profile_name: &str,
        role_name: &str,
    ) -> CloudResult<()> {
        self.call("add_role_to_instance_profile").await?;
        self.inner
            .add_role_to_instance_profile(profile_name, role_name)
            .await
    }

    async fn send_command(&self, request: &SendCommandRequest) -> CloudResult<Command> {
        self.call("send_command").await?;
        self.inner.send_command(request).await
    }

    async fn cancel_command(&self, command_id: &str) -> CloudResult<()> {
        self.call("cancel_command").await?;
        self.inner.cancel_command(command_id).await
    }
}
