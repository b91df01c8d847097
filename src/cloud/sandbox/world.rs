//! The simulated account: resources, their timed transitions and the agent's registration.

use std::collections::{BTreeMap, HashMap};

use jiff::{SignedDuration, Timestamp};

use crate::domain::fast_map::FastMap;
use crate::domain::model::{
    AssociationState, EndpointState, Identity, Instance, InstanceProfile, InstanceState,
    MaintenanceWindow, ManagedNode, NatGateway, NetworkAcl, NodeKind, PatchState, PingStatus,
    ProfileAssociation, Role, RouteTable, SecurityGroup, Subnet, Vpc, VpcEndpoint, WindowExecution,
};
use crate::domain::readiness::{self, Verdict};
use crate::domain::snapshot::{Snapshot, Source, SourceStatus};

/// How long the simulated account takes for each transition.
#[derive(Debug, Clone, Copy)]
pub struct Timing {
    pub endpoint_available: SignedDuration,
    pub association_associated: SignedDuration,
    pub agent_registration: SignedDuration,
    pub inventory_after_registration: SignedDuration,
    pub command_in_progress: SignedDuration,
    pub command_done: SignedDuration,
    /// From a hybrid activation's creation to the simulated server registering with it.
    pub hybrid_registration: SignedDuration,
}

impl Default for Timing {
    fn default() -> Self {
        Self {
            endpoint_available: SignedDuration::from_secs(6),
            association_associated: SignedDuration::from_secs(3),
            agent_registration: SignedDuration::from_secs(8),
            inventory_after_registration: SignedDuration::from_secs(4),
            command_in_progress: SignedDuration::from_secs(1),
            command_done: SignedDuration::from_secs(3),
            hybrid_registration: SignedDuration::from_secs(45),
        }
    }
}

#[derive(Debug, Clone)]
pub struct SimEndpoint {
    pub endpoint: VpcEndpoint,
    pub created: Timestamp,
    pub client_token: String,
}

#[derive(Debug, Clone)]
pub struct SimInstance {
    pub instance: Instance,
    pub agent_version: Option<String>,
    pub platform_name: String,
    pub platform_version: String,
    /// When the agent registered (the node shows in Systems Manager from then on).
    pub registered_at: Option<Timestamp>,
    /// Since when rules 1–6 hold without interruption.
    pub ready_since: Option<Timestamp>,
    /// The agent registered once but no longer answers.
    pub connection_lost: bool,
    /// Every command sent to this node fails (a broken host, for the demo).
    pub fails_commands: bool,
}

impl SimInstance {
    /// What its agent reports in DescribeInstanceProperties at `now`, as an EC2 node with
    /// no role and no computer name; `lost_ping` is its last ping when the connection is
    /// lost.
    pub fn agent_report(
        &self,
        registered: Timestamp,
        lost_ping: Timestamp,
        now: Timestamp,
    ) -> ManagedNode {
        ManagedNode {
            instance_id: self.instance.id.clone(),
            kind: NodeKind::Ec2,
            name: self.instance.name.clone(),
            activation_id: None,
            registered: Some(registered),
            source_id: None,
            source_type: None,
            ping: if self.connection_lost {
                PingStatus::ConnectionLost
            } else {
                PingStatus::Online
            },
            last_ping: Some(if self.connection_lost {
                lost_ping
            } else {
                last_heartbeat(registered, now)
            }),
            agent_version: self.agent_version.clone(),
            is_latest_version: self
                .agent_version
                .as_deref()
                .map(|v| v == super::scenario::LATEST_AGENT),
            platform_type: Some(
                if self.instance.is_windows() {
                    "Windows"
                } else {
                    "Linux"
                }
                .into(),
            ),
            platform_name: Some(self.platform_name.clone()),
            platform_version: Some(self.platform_version.clone()),
            ip_address: self.instance.private_ip.clone(),
            computer_name: None,
            iam_role: None,
        }
    }
}

#[derive(Debug, Clone)]
pub struct SimAssociation {
    pub association: ProfileAssociation,
    pub created: Timestamp,
}

/// A State Manager association and when it was created (its runs follow from that).
#[derive(Debug, Clone)]
pub struct SimStateAssociation {
    pub association: crate::domain::model::StateAssociation,
    pub created: Timestamp,
}

#[derive(Debug, Clone)]
pub struct SimInvocation {
    pub instance_id: String,
    pub stdout: String,
    pub stderr: String,
    pub exit_code: i32,
}

#[derive(Debug, Clone)]
pub struct SimCommand {
    pub id: String,
    pub document: String,
    pub comment: Option<String>,
    pub parameters: Vec<(String, Vec<String>)>,
    pub sent: Timestamp,
    pub cancelled_at: Option<Timestamp>,
    pub invocations: Vec<SimInvocation>,
    /// Effects on the world (patch state) are applied once.
    pub applied: bool,
    /// Where the whole output was also written.
    pub output: crate::domain::model::OutputConfig,
}

#[derive(Debug, Clone)]
pub struct World {
    pub region: String,
    pub account: String,
    pub scenario: String,
    pub timing: Timing,
    pub vpcs: Vec<Vpc>,
    pub subnets: Vec<Subnet>,
    pub route_tables: Vec<RouteTable>,
    pub security_groups: Vec<SecurityGroup>,
    pub network_acls: Vec<NetworkAcl>,
    pub nat_gateways: Vec<NatGateway>,
    pub endpoints: Vec<SimEndpoint>,
    pub instances: Vec<SimInstance>,
    /// Servers outside AWS registered with a hybrid activation.
    pub hybrid_nodes: Vec<super::hybrid::SimHybrid>,
    pub associations: Vec<SimAssociation>,
    /// State Manager associations.
    pub state_associations: Vec<SimStateAssociation>,
    /// Roles with every policy document (the reads hand out what AWS would).
    pub roles: Vec<Role>,
    pub profiles: Vec<InstanceProfile>,
    pub commands: Vec<SimCommand>,
    pub windows: Vec<MaintenanceWindow>,
    pub window_executions: HashMap<String, Vec<WindowExecution>>,
    pub window_targets: HashMap<String, Vec<crate::domain::model::WindowTarget>>,
    pub window_tasks: HashMap<String, Vec<crate::domain::model::WindowTask>>,
    pub patch_states: HashMap<String, PatchState>,
    pub activations: Vec<super::activations::SimActivation>,
    /// Servers registered with an activation created in this sandbox (`mi-…`).
    pub registered_servers: Vec<ManagedNode>,
    /// The role Default Host Management Configuration names; `None` when it is off.
    pub dhmc_role: Option<String>,
    /// The sandbox honours `DryRun` until a fault makes it perform one.
    pub dry_run: crate::cloud::DryRunTrust,
    pub next_id: u64,
    /// Mixed into new ids so worlds side by side (regions, accounts) never share one.
    pub id_salt: u64,
    /// Registration must be re-evaluated (a write happened).
    pub dirty: bool,
    pub last_tick: Timestamp,
}

impl World {
    pub fn new(region: &str, scenario: &str, now: Timestamp) -> Self {
        Self {
            region: region.to_string(),
            account: "123456789012".into(),
            scenario: scenario.to_string(),
            timing: Timing::default(),
            vpcs: Vec::new(),
            subnets: Vec::new(),
            route_tables: Vec::new(),
            security_groups: Vec::new(),
            network_acls: Vec::new(),
            nat_gateways: Vec::new(),
            endpoints: Vec::new(),
            instances: Vec::new(),
            hybrid_nodes: Vec::new(),
            associations: Vec::new(),
            state_associations: Vec::new(),
            roles: Vec::new(),
            profiles: Vec::new(),
            commands: Vec::new(),
            windows: Vec::new(),
            window_executions: HashMap::new(),
            window_targets: HashMap::new(),
            window_tasks: HashMap::new(),
            patch_states: HashMap::new(),
            activations: Vec::new(),
            registered_servers: Vec::new(),
            dhmc_role: None,
            dry_run: crate::cloud::DryRunTrust::Honoured,
            next_id: 1,
            id_salt: 0,
            dirty: true,
            last_tick: now,
        }
    }

    /// A fresh AWS-looking id: `vpce-0000000000000001a`.
    pub fn new_id(&mut self, prefix: &str) -> String {
        self.next_id += 1;
        let n = (self.next_id ^ (self.id_salt << 40)).wrapping_mul(0x9E37_79B9_7F4A_7C15) >> 4;
        format!("{prefix}-{n:017x}")
    }

    pub fn identity(&self) -> Identity {
        Identity {
            account: Some(self.account.clone()),
            arn: Some(format!("arn:aws:iam::{}:user/sandbox", self.account)),
            region: self.region.clone(),
            label: format!("sandbox: {}", self.scenario),
        }
    }

    pub fn endpoint_view(&self, e: &SimEndpoint, now: Timestamp) -> VpcEndpoint {
        let mut ep = e.endpoint.clone();
        if ep.state == EndpointState::Pending && now >= e.created + self.timing.endpoint_available {
            ep.state = EndpointState::Available;
        }
        ep
    }

    pub fn association_view(&self, a: &SimAssociation, now: Timestamp) -> ProfileAssociation {
        let mut assoc = a.association.clone();
        if assoc.state == AssociationState::Associating
            && now >= a.created + self.timing.association_associated
        {
            assoc.state = AssociationState::Associated;
        }
        assoc
    }

    /// Instance id → profile ARN of its associated (not merely associating) association.
    fn associated_profiles(&self, now: Timestamp) -> FastMap<&str, &str> {
        self.associations
            .iter()
            .filter(|a| self.association_view(a, now).state == AssociationState::Associated)
            .map(|a| {
                (
                    a.association.instance_id.as_str(),
                    a.association.profile_arn.as_str(),
                )
            })
            .collect()
    }

    fn instance_view(i: &SimInstance, associated: &FastMap<&str, &str>) -> Instance {
        let mut inst = i.instance.clone();
        if let Some(arn) = associated.get(inst.id.as_str()) {
            inst.profile_arn = Some((*arn).to_string());
        }
        inst
    }

    /// DescribeInstances as of `now`: a profile shows once its association is associated.
    pub fn instance_views(&self, now: Timestamp) -> Vec<Instance> {
        let associated = self.associated_profiles(now);
        self.instances
            .iter()
            .map(|i| Self::instance_view(i, &associated))
            .collect()
    }

    /// DescribeInstanceProperties as of `now`: registered, running instances.
    pub fn node_views(&self, now: Timestamp) -> Vec<ManagedNode> {
        let role_of_profile: FastMap<&str, &str> = self
            .profiles
            .iter()
            .filter_map(|p| Some((p.arn.as_str(), p.role_names.first()?.as_str())))
            .collect();
        let role_of_instance: FastMap<&str, &str> = self
            .associations
            .iter()
            .filter_map(|a| {
                let role = role_of_profile.get(a.association.profile_arn.as_str())?;
                Some((a.association.instance_id.as_str(), *role))
            })
            .collect();
        self.instances
            .iter()
            .filter_map(|i| {
                let role = role_of_instance
                    .get(i.instance.id.as_str())
                    .copied()
                    .or_else(|| {
                        i.instance
                            .profile_arn
                            .as_deref()
                            .and_then(|arn| role_of_profile.get(arn).copied())
                    });
                self.node_view(i, role, now)
            })
            .chain(self.hybrid_nodes.iter().filter_map(|h| h.node_view(now)))
            .chain(super::activations::hybrid_node_views(self, now))
            .collect()
    }

    fn node_view(
        &self,
        i: &SimInstance,
        role: Option<&str>,
        now: Timestamp,
    ) -> Option<ManagedNode> {
        let registered = i.registered_at?;
        if i.instance.state != InstanceState::Running || registered > now {
            return None;
        }
        let computer_name = i.instance.private_ip.as_deref().map(|ip| {
            format!(
                "ip-{}.{}.compute.internal",
                ip.replace('.', "-"),
                self.region
            )
        });
        Some(ManagedNode {
            computer_name,
            iam_role: role.map(str::to_string),
            ..i.agent_report(registered, registered, now)
        })
    }

    /// The account as the pollers would see it at `t` (all sources fresh).
    pub fn snapshot_at(&self, t: Timestamp) -> Snapshot {
        let mut snap = self.snapshot_without_instances(t);
        snap.instances.instances = self.instance_views(t);
        self.add_state_associations(&mut snap, t);
        snap
    }

    /// [`Self::snapshot_at`], the world consumed: its instances move into the snapshot.
    pub fn into_snapshot(mut self, t: Timestamp) -> Snapshot {
        self.tick(t);
        let mut snap = self.snapshot_without_instances(t);
        snap.nodes.nodes = self.node_views(t);
        self.read_patches_into(&mut snap, t);
        self.add_state_associations(&mut snap, t);
        let associated: FastMap<String, String> = self
            .associated_profiles(t)
            .into_iter()
            .map(|(i, p)| (i.to_string(), p.to_string()))
            .collect();
        // Taken from the end and the old list shrunk as it goes, so the two lists are
        // never both whole in memory.
        let mut sims = std::mem::take(&mut self.instances);
        let mut out = Vec::with_capacity(sims.len());
        while let Some(sim) = sims.pop() {
            let mut inst = sim.instance;
            if let Some(arn) = associated.get(&inst.id) {
                inst.profile_arn = Some(arn.clone());
            }
            out.push(inst);
            if sims.len().is_multiple_of(8192) {
                sims.shrink_to_fit();
            }
        }
        out.reverse();
        snap.instances.instances = out;
        snap
    }

    /// [`Self::snapshot_at`] without the instances (and without managed nodes).
    fn snapshot_without_instances(&self, t: Timestamp) -> Snapshot {
        let mut snap = Snapshot {
            identity: self.identity(),
            ..Snapshot::default()
        };
        snap.network.vpcs = self.vpcs.clone();
        snap.network.subnets = self.subnets.clone();
        snap.network.route_tables = self.route_tables.clone();
        snap.network.security_groups = self.security_groups.clone();
        snap.network.endpoints = self
            .endpoints
            .iter()
            .map(|e| self.endpoint_view(e, t))
            .collect();
        snap.network.network_acls = self.network_acls.clone();
        snap.network.nat_gateways = self.nat_gateways.clone();
        snap.network.nat_gateways_known = true;
        snap.instances.associations = self
            .associations
            .iter()
            .map(|a| self.association_view(a, t))
            .collect();
        snap.iam.roles = super::iam::roles_as_read(self);
        snap.iam.profiles = self.profiles.clone();
        snap.nodes.dhmc = Some(self.dhmc_role.is_some());
        snap.nodes.dhmc_role = self.dhmc_role.clone();
        let fresh = SourceStatus {
            fetched_at: Some(t),
            ..SourceStatus::default()
        };
        snap.status = Source::CORE
            .iter()
            .map(|s| (*s, fresh.clone()))
            .collect::<BTreeMap<_, _>>();
        snap
    }

    /// The readiness of the (not terminated) instances that `pick` selects, as of `t`
    /// with no agent registered yet: `f(index into self.instances, report)` for each.
    /// An instance's rules do not depend on the other instances: each is evaluated where
    /// it stands, against the account without its instances (the fleet is never copied).
    pub fn evaluate_instances(
        &mut self,
        t: Timestamp,
        pick: impl Fn(&SimInstance) -> bool,
        mut f: impl FnMut(usize, &readiness::InstanceReport),
    ) {
        let picked: Vec<usize> = self
            .instances
            .iter()
            .enumerate()
            .filter(|(_, i)| i.instance.state != InstanceState::Terminated && pick(i))
            .map(|(k, _)| k)
            .collect();
        if picked.is_empty() {
            return;
        }
        // Instance index → the profile its association has attached by `t`.
        let attached: FastMap<usize, String> = {
            let associated = self.associated_profiles(t);
            self.instances
                .iter()
                .enumerate()
                .filter_map(|(k, i)| Some((k, associated.get(i.instance.id.as_str())?.to_string())))
                .collect()
        };
        let snap = self.snapshot_without_instances(t);
        let rules = readiness::InstanceRules::new(&snap);
        for k in picked {
            let inst = &mut self.instances[k].instance;
            let saved = attached
                .get(&k)
                .map(|arn| inst.profile_arn.replace(arn.clone()));
            let report = rules.report(inst);
            if let Some(arn) = saved {
                inst.profile_arn = arn;
            }
            f(k, &report);
        }
    }

    /// Bring the world to `now`: apply every transition in time order and let
    /// agents whose rules 1–6 hold register after the registration delay.
    pub fn tick(&mut self, now: Timestamp) {
        if now < self.last_tick {
            return;
        }
        let candidates = self.instances.iter().any(|i| {
            i.registered_at.is_none()
                && i.agent_version.is_some()
                && i.instance.state == InstanceState::Running
        });
        if candidates {
            let mut times: Vec<Timestamp> = self
                .endpoints
                .iter()
                .map(|e| e.created + self.timing.endpoint_available)
                .chain(
                    self.associations
                        .iter()
                        .map(|a| a.created + self.timing.association_associated),
                )
                .filter(|t| *t > self.last_tick && *t <= now)
                .collect();
            times.sort();
            times.dedup();
            if self.dirty {
                times.insert(0, self.last_tick);
            }
            for t in times {
                self.evaluate_registration(t);
            }
            self.dirty = false;
        }
        let delay = self.timing.agent_registration;
        for i in &mut self.instances {
            if i.registered_at.is_none()
                && let Some(since) = i.ready_since
                && since + delay <= now
            {
                i.registered_at = Some(since + delay);
            }
        }
        self.apply_command_effects(now);
        super::activations::register_due(self, now);
        self.last_tick = now;
    }

    /// Record, at `t`, which unregistered agents have everything they need.
    fn evaluate_registration(&mut self, t: Timestamp) {
        let candidate = |i: &SimInstance| i.registered_at.is_none() && i.agent_version.is_some();
        let mut ready = vec![false; self.instances.len()];
        self.evaluate_instances(t, candidate, |k, r| {
            ready[k] = r.verdict == Verdict::Waiting && only_agent_waiting(r);
        });
        for (i, ready) in self.instances.iter_mut().zip(ready) {
            if !candidate(i) {
                continue;
            }
            if ready {
                if i.ready_since.is_none() {
                    i.ready_since = Some(t);
                }
            } else {
                i.ready_since = None;
            }
        }
    }

    pub fn mark_dirty(&mut self) {
        self.dirty = true;
    }
}

/// The agent reports its health every five minutes from registration, so a node's last
/// ping moves in those steps (and two reads between them answer the same).
pub(super) fn last_heartbeat(registered: Timestamp, now: Timestamp) -> Timestamp {
    const EVERY: i64 = 300;
    let since = now.duration_since(registered).as_secs().max(0);
    registered + SignedDuration::from_secs(since - since % EVERY)
}

fn only_agent_waiting(r: &readiness::InstanceReport) -> bool {
    use crate::domain::findings::{FindingKind, Severity};
    r.findings.iter().all(|f| {
        f.severity == Severity::Warning || matches!(f.kind, FindingKind::AgentNotRegistered)
    })
}
