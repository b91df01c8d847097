//! Servers outside AWS registered with a hybrid activation (`mi-…`): in the node list,
//! inventory and patch data like any managed node, never in DescribeInstances.

use jiff::{SignedDuration, Timestamp};

use super::world::{SimInstance, World};
use crate::domain::model::{InstanceState, ManagedNode, NodeKind};

/// One hybrid node. `host` is the server as its agent reports it: `host.instance.id` is
/// the `mi-…` id, `host.instance.name` the name given at registration, no VPC, subnet
/// or profile; `host.registered_at` is when it registered (`None`: not yet).
#[derive(Debug, Clone)]
pub struct SimHybrid {
    pub host: SimInstance,
    pub activation_id: String,
    /// The activation's service role (its name), which the node's credentials come from.
    pub role: String,
}

impl SimHybrid {
    /// A Linux or Windows server named `name` at `ip`, registered at `registered`.
    pub fn new(
        id: String,
        name: &str,
        ip: &str,
        windows: bool,
        activation_id: &str,
        role: &str,
        registered: Option<Timestamp>,
    ) -> Self {
        let (platform_name, platform_version) = if windows {
            ("Microsoft Windows Server 2019 Standard", "10.0.17763")
        } else {
            ("Ubuntu", "22.04")
        };
        SimHybrid {
            host: SimInstance {
                instance: crate::domain::model::Instance {
                    id,
                    name: Some(name.to_string()),
                    state: InstanceState::Running,
                    vpc_id: None,
                    subnet_id: None,
                    az: None,
                    private_ip: Some(ip.to_string()),
                    public_ip: None,
                    platform: windows.then(|| "windows".to_string()),
                    security_group_ids: Vec::new(),
                    network_interfaces: Vec::new(),
                    profile_arn: None,
                    metadata: crate::domain::model::MetadataOptions {
                        endpoint_enabled: false,
                        tokens_required: false,
                        hop_limit: None,
                    },
                    launch_time: None,
                    tags: Vec::new(),
                },
                agent_version: Some(super::scenario::LATEST_AGENT.to_string()),
                platform_name: platform_name.to_string(),
                platform_version: platform_version.to_string(),
                registered_at: registered,
                ready_since: None,
                connection_lost: false,
                fails_commands: false,
            },
            activation_id: activation_id.to_string(),
            role: role.to_string(),
        }
    }

    pub fn id(&self) -> &str {
        &self.host.instance.id
    }

    /// Its entry of DescribeInstanceProperties as of `now`; `None` before it registered.
    pub fn node_view(&self, now: Timestamp) -> Option<ManagedNode> {
        let h = &self.host;
        let registered = h.registered_at.filter(|at| *at <= now)?;
        let lost_ping = registered + SignedDuration::from_hours(2);
        Some(ManagedNode {
            kind: NodeKind::Hybrid,
            activation_id: Some(self.activation_id.clone()),
            computer_name: h
                .instance
                .name
                .as_ref()
                .map(|n| format!("{n}.corp.example")),
            iam_role: Some(self.role.clone()),
            ..h.agent_report(registered, lost_ping, now)
        })
    }
}

impl World {
    /// The host behind a managed node id the agent answers for: a running (not
    /// terminated) EC2 instance, or a registered hybrid server.
    pub fn host(&self, id: &str, now: Timestamp) -> Option<&SimInstance> {
        if id.starts_with("mi-") {
            return self
                .hybrid_nodes
                .iter()
                .map(|h| &h.host)
                .find(|h| h.instance.id == id && h.registered_at.is_some_and(|at| at <= now));
        }
        self.instances
            .iter()
            .find(|i| i.instance.id == id && i.instance.state != InstanceState::Terminated)
    }

    /// Every host an agent may run on: the instances, then the hybrid servers.
    pub fn hosts(&self) -> impl Iterator<Item = &SimInstance> {
        self.instances
            .iter()
            .chain(self.hybrid_nodes.iter().map(|h| &h.host))
    }

    pub fn hosts_mut(&mut self) -> impl Iterator<Item = &mut SimInstance> {
        self.instances
            .iter_mut()
            .chain(self.hybrid_nodes.iter_mut().map(|h| &mut h.host))
    }
}
