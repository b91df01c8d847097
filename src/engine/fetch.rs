//! One refresh of each source: the reads it makes, run concurrently.

use futures::{StreamExt, TryFutureExt, stream};

use crate::cloud::{Cloud, CloudError, CloudResult, PATCH_STATES_MAX_IDS, VpcDnsAttribute};
use crate::domain::model::{
    Command, InventorySummary, MaintenanceWindow, PatchState, Role, RolePolicies,
    SSM_SERVICE_PRINCIPAL, StateAssociation,
};
use crate::domain::policy::AGENT_ACTIONS;
use crate::domain::readiness::{Access, role_access};
use crate::domain::snapshot::{IamData, InstanceData, NetworkData, NodeData, Snapshot, Source};
use crate::engine::schedule::SlowReads;

/// Concurrent DescribeVpcAttribute calls at most.
const VPC_ATTRIBUTE_CONCURRENCY: usize = 8;
/// Roles whose policies are read at once.
const ROLE_POLICY_CONCURRENCY: usize = 8;

#[derive(Debug, Clone)]
pub enum Fetched {
    Network(CloudResult<NetworkData>),
    Instances(CloudResult<InstanceData>),
    Iam(CloudResult<IamData>),
    Nodes(CloudResult<NodeData>),
    Inventory(CloudResult<Vec<InventorySummary>>),
    Patches(CloudResult<Vec<PatchState>>),
    Commands(CloudResult<Vec<Command>>),
    Windows(CloudResult<Vec<MaintenanceWindow>>),
    Associations(CloudResult<Vec<StateAssociation>>),
}

/// Concurrent DescribeInstancePatchStates batches at most.
const PATCH_BATCH_CONCURRENCY: usize = 4;
/// GetPatchBaseline calls at most, per refresh, for baselines the list did not name.
const MAX_BASELINE_LOOKUPS: usize = 20;

impl Fetched {
    pub fn source(&self) -> Source {
        match self {
            Self::Network(_) => Source::Network,
            Self::Instances(_) => Source::Instances,
            Self::Iam(_) => Source::Iam,
            Self::Nodes(_) => Source::Nodes,
            Self::Inventory(_) => Source::Inventory,
            Self::Patches(_) => Source::Patches,
            Self::Commands(_) => Source::Commands,
            Self::Windows(_) => Source::Windows,
            Self::Associations(_) => Source::Associations,
        }
    }

    pub fn error(&self) -> Option<CloudError> {
        match self {
            Self::Network(Err(e))
            | Self::Instances(Err(e))
            | Self::Iam(Err(e))
            | Self::Nodes(Err(e))
            | Self::Inventory(Err(e))
            | Self::Patches(Err(e))
            | Self::Commands(Err(e))
            | Self::Windows(Err(e))
            | Self::Associations(Err(e)) => Some(e.clone()),
            _ => None,
        }
    }
}

/// One refresh of `source`. Patch states are read for `managed` nodes only.
pub async fn fetch<C: Cloud>(cloud: &C, source: Source, managed: &[String]) -> Fetched {
    fetch_kept(cloud, source, managed, None).await
}

/// [`fetch`], the reads that change only with a write taken from `slow` while they
/// are fresh there (a poller's refresh).
pub async fn fetch_kept<C: Cloud>(
    cloud: &C,
    source: Source,
    managed: &[String],
    slow: Option<&SlowReads>,
) -> Fetched {
    match source {
        Source::Network => Fetched::Network(network_kept(cloud, slow).await),
        Source::Instances => Fetched::Instances(instances_kept(cloud, slow).await),
        Source::Iam => Fetched::Iam(iam(cloud).await),
        Source::Nodes => Fetched::Nodes(nodes_kept(cloud, slow).await),
        Source::Inventory => Fetched::Inventory(cloud.get_inventory().await),
        Source::Patches => Fetched::Patches(patch_states(cloud, managed).await),
        Source::Commands => Fetched::Commands(cloud.list_commands().await),
        Source::Windows => Fetched::Windows(cloud.describe_maintenance_windows().await),
        Source::Associations => Fetched::Associations(cloud.list_associations().await),
    }
}

/// DescribeInstancePatchStates in batches of 50 ids, a few batches at a time.
pub async fn patch_states<C: Cloud>(cloud: &C, ids: &[String]) -> CloudResult<Vec<PatchState>> {
    let batches: Vec<Vec<String>> = ids
        .chunks(PATCH_STATES_MAX_IDS)
        .map(<[String]>::to_vec)
        .collect();
    let results: Vec<CloudResult<Vec<PatchState>>> = stream::iter(batches)
        .map(|batch| async move { cloud.describe_instance_patch_states(&batch).await })
        .buffered(PATCH_BATCH_CONCURRENCY)
        .collect()
        .await;
    let mut out = Vec::with_capacity(ids.len());
    for r in results {
        out.extend(r?);
    }
    if !out.is_empty() {
        name_baselines(cloud, &mut out).await;
    }
    Ok(out)
}

/// The baselines' names, read once per refresh: DescribePatchBaselines (a short list),
/// then GetPatchBaseline for a baseline it did not list. A name that cannot be read is
/// left out (the id is shown instead).
async fn name_baselines<C: Cloud>(cloud: &C, states: &mut [PatchState]) {
    let mut known = cloud
        .describe_patch_baselines()
        .await
        .inspect_err(|e| tracing::warn!(error = %e, "patch baselines unknown"))
        .unwrap_or_default();
    crate::domain::patches::name_baselines(states, &known);
    let unnamed: std::collections::BTreeSet<String> = states
        .iter()
        .filter(|s| s.baseline_name.is_none() && !s.baseline_id.is_empty())
        .map(|s| s.baseline_id.clone())
        .collect();
    for id in unnamed.into_iter().take(MAX_BASELINE_LOOKUPS) {
        match cloud.get_patch_baseline(&id).await {
            Ok(b) => known.push(b),
            Err(e) => tracing::warn!(baseline = %id, error = %e, "patch baseline unknown"),
        }
    }
    crate::domain::patches::name_baselines(states, &known);
}

/// The network. Network ACLs and NAT gateways are read beside it: when they cannot be,
/// the rules that need them are left out instead of the whole source failing.
pub async fn network<C: Cloud>(cloud: &C) -> CloudResult<NetworkData> {
    network_kept(cloud, None).await
}

/// [`network`]; the DNS attributes from `slow` while the VPCs are the same and fresh.
pub async fn network_kept<C: Cloud>(
    cloud: &C,
    slow: Option<&SlowReads>,
) -> CloudResult<NetworkData> {
    let (core, acls, nats) = futures::join!(
        async {
            futures::try_join!(
                cloud.describe_vpcs(),
                cloud.describe_subnets(),
                cloud.describe_route_tables(),
                cloud.describe_security_groups(),
                cloud.describe_vpc_endpoints(),
            )
        },
        cloud.describe_network_acls(),
        cloud.describe_nat_gateways(),
    );
    let (mut vpcs, subnets, route_tables, security_groups, endpoints) = core?;
    let network_acls = acls
        .inspect_err(|e| tracing::warn!(error = %e, "network ACLs unknown"))
        .unwrap_or_default();
    let nat_gateways = nats
        .inspect_err(|e| tracing::warn!(error = %e, "NAT gateways unknown"))
        .ok();
    let vpc_ids: Vec<String> = vpcs.iter().map(|v| v.id.clone()).collect();
    if let Some(kept) = slow.and_then(|s| s.vpc_attributes(&vpc_ids)) {
        for (vpc, (support, hostnames)) in vpcs.iter_mut().zip(kept) {
            vpc.dns_support = support;
            vpc.dns_hostnames = hostnames;
        }
        return Ok(NetworkData {
            vpcs,
            subnets,
            route_tables,
            security_groups,
            endpoints,
            network_acls,
            nat_gateways_known: nat_gateways.is_some(),
            nat_gateways: nat_gateways.unwrap_or_default(),
        });
    }
    let ids: Vec<(usize, String)> = vpc_ids.iter().cloned().enumerate().collect();
    let attributes: Vec<(usize, Option<bool>, Option<bool>)> = stream::iter(ids)
        .map(|(i, vpc_id)| async move {
            let (support, hostnames) = futures::join!(
                cloud.describe_vpc_attribute(&vpc_id, VpcDnsAttribute::EnableDnsSupport),
                cloud.describe_vpc_attribute(&vpc_id, VpcDnsAttribute::EnableDnsHostnames),
            );
            if let Err(e) = support.as_ref().and(hostnames.as_ref()) {
                tracing::warn!(vpc = %vpc_id, error = %e, "DNS attributes unknown");
            }
            (i, support.ok(), hostnames.ok())
        })
        .buffer_unordered(VPC_ATTRIBUTE_CONCURRENCY)
        .collect()
        .await;
    for (i, support, hostnames) in attributes {
        if let Some(vpc) = vpcs.get_mut(i) {
            vpc.dns_support = support;
            vpc.dns_hostnames = hostnames;
        }
    }
    // Kept only when every attribute was read: an unknown one is asked again next time.
    if let Some(slow) = slow
        && vpcs
            .iter()
            .all(|v| v.dns_support.is_some() && v.dns_hostnames.is_some())
    {
        let values = vpcs
            .iter()
            .map(|v| (v.dns_support, v.dns_hostnames))
            .collect();
        slow.keep_vpc_attributes(vpc_ids, values);
    }
    Ok(NetworkData {
        vpcs,
        subnets,
        route_tables,
        security_groups,
        endpoints,
        network_acls,
        nat_gateways_known: nat_gateways.is_some(),
        nat_gateways: nat_gateways.unwrap_or_default(),
    })
}

pub async fn instances<C: Cloud>(cloud: &C) -> CloudResult<InstanceData> {
    let (instances, associations) = futures::try_join!(
        cloud.describe_instances(),
        cloud.describe_iam_instance_profile_associations(),
    )?;
    Ok(InstanceData {
        instances,
        associations,
    })
}

/// [`instances`]; the profile associations from `slow` while every instance holds the
/// profile it held when they were read (and they are fresh).
pub async fn instances_kept<C: Cloud>(
    cloud: &C,
    slow: Option<&SlowReads>,
) -> CloudResult<InstanceData> {
    let Some(slow) = slow else {
        return instances(cloud).await;
    };
    let instances = cloud.describe_instances().await?;
    let key: Vec<(String, Option<String>)> = instances
        .iter()
        .map(|i| (i.id.clone(), i.profile_arn.clone()))
        .collect();
    let associations = match slow.associations(&key) {
        Some(kept) => kept,
        None => {
            let read = cloud.describe_iam_instance_profile_associations().await?;
            slow.keep_associations(key, read.clone());
            read
        }
    };
    Ok(InstanceData {
        instances,
        associations,
    })
}

/// Roles and instance profiles, and the policies of every role EC2 or Systems Manager
/// (hybrid activations, Default Host Management) can assume or an instance profile holds
/// (the others cannot give a node credentials). A role whose
/// policies cannot be read keeps what ListRoles said, marked unreadable.
pub async fn iam<C: Cloud>(cloud: &C) -> CloudResult<IamData> {
    let (roles, profiles) = futures::try_join!(cloud.list_roles(), cloud.list_instance_profiles())?;
    let held: std::collections::HashSet<&str> = profiles
        .iter()
        .flat_map(|p| p.role_names.iter().map(String::as_str))
        .collect();
    let roles: Vec<Role> = stream::iter(roles)
        .map(|role| {
            let read = role.trusts_ec2()
                || role.trusts(SSM_SERVICE_PRINCIPAL)
                || held.contains(role.name.as_str());
            async move {
                if read {
                    with_policies(cloud, role).await
                } else {
                    role
                }
            }
        })
        .buffered(ROLE_POLICY_CONCURRENCY)
        .collect()
        .await;
    Ok(IamData { roles, profiles })
}

async fn with_policies<C: Cloud>(cloud: &C, mut role: Role) -> Role {
    let listed = role
        .trusts_ec2()
        .then_some(role.attached_policy_arns.as_slice());
    match cloud.role_policies(&role.name, listed).await {
        Ok(set) => {
            role.attached_policy_arns = set.attached_policy_arns;
            role.policies = RolePolicies::Read {
                documents: set.documents,
            };
        }
        Err(e) => {
            tracing::warn!(role = %role.name, error = %e, "role policies unknown");
            role.policies = RolePolicies::Unreadable {
                error: e.to_string(),
            };
        }
    }
    // What the documents cannot decide, the policy simulator may (where it is allowed).
    if let Access::Unverified { .. } = role_access(&role).access {
        let actions: Vec<String> = AGENT_ACTIONS.iter().map(ToString::to_string).collect();
        match cloud.simulate_role(&role.arn, &actions).await {
            Ok(decisions) => role.simulated = decisions,
            Err(e) => tracing::debug!(role = %role.name, error = %e, "no simulator for the role"),
        }
    }
    role
}

pub async fn nodes<C: Cloud>(cloud: &C) -> CloudResult<NodeData> {
    nodes_kept(cloud, None).await
}

/// [`nodes`]; the Default Host Management setting from `slow` while it is fresh.
pub async fn nodes_kept<C: Cloud>(cloud: &C, slow: Option<&SlowReads>) -> CloudResult<NodeData> {
    let kept = slow.and_then(SlowReads::dhmc);
    let (nodes, dhmc) = futures::join!(cloud.describe_managed_nodes(), async {
        match kept {
            Some(kept) => Ok(kept),
            None => {
                let read = cloud
                    .default_host_management()
                    .inspect_err(|e| tracing::debug!(error = %e, "DHMC setting unknown"))
                    .await;
                if let (Some(slow), Ok(value)) = (slow, &read) {
                    slow.keep_dhmc(value.clone());
                }
                read
            }
        }
    });
    let dhmc = dhmc.ok();
    Ok(NodeData {
        nodes: nodes?,
        dhmc: dhmc.as_ref().map(Option::is_some),
        dhmc_role: dhmc.flatten(),
    })
}

/// Store a fetch result: data replaces the old on success; on failure the
/// last good data stays and the error is kept beside it. Returns the data replaced, for
/// the caller to free where it costs nothing (100k instances: a million small frees).
pub fn apply(
    snapshot: &mut Snapshot,
    fetched: Fetched,
    at: jiff::Timestamp,
) -> Option<Box<dyn std::any::Any + Send>> {
    use std::mem::replace;
    let source = fetched.source();
    let error = fetched.error();
    let old: Option<Box<dyn std::any::Any + Send>> = match fetched {
        Fetched::Network(Ok(d)) => Some(Box::new(replace(&mut snapshot.network, d))),
        Fetched::Instances(Ok(d)) => Some(Box::new(replace(&mut snapshot.instances, d))),
        Fetched::Iam(Ok(d)) => Some(Box::new(replace(&mut snapshot.iam, d))),
        Fetched::Nodes(Ok(d)) => Some(Box::new(replace(&mut snapshot.nodes, d))),
        Fetched::Inventory(Ok(d)) => Some(Box::new(replace(&mut snapshot.inventory, d))),
        Fetched::Patches(Ok(d)) => Some(Box::new(replace(&mut snapshot.patches, d))),
        Fetched::Commands(Ok(d)) => Some(Box::new(replace(&mut snapshot.commands, d))),
        Fetched::Windows(Ok(d)) => Some(Box::new(replace(&mut snapshot.windows, d))),
        Fetched::Associations(Ok(d)) => {
            Some(Box::new(replace(&mut snapshot.state_associations, d)))
        }
        _ => None,
    };
    let status = snapshot.status.entry(source).or_default();
    status.in_flight = false;
    status.retry_at = None;
    match error {
        None => {
            status.fetched_at = Some(at);
            status.error = None;
            status.error_at = None;
        }
        Some(e) => {
            status.error = Some(e);
            status.error_at = Some(at);
        }
    }
    old
}

/// What a read did to the snapshot: the data it replaced (to drop off the UI thread),
/// whether what the panes are built from changed, and whether readiness must be judged
/// again.
pub struct Absorbed {
    pub old: Option<Box<dyn std::any::Any + Send>>,
    pub changed: bool,
    pub rejudge: bool,
}

/// A core source's good read in one number: the poller compares it with its last read's
/// and reports [`crate::engine::EngineEvent::Unchanged`] instead of the data when they
/// are equal (hashed on the poller's task, so the console's loop never compares 100k
/// instances, and nothing is rebuilt for a read that brought nothing new).
pub fn fingerprint(fetched: &Fetched) -> Option<u64> {
    use std::hash::{Hash, Hasher};
    let mut h = std::hash::DefaultHasher::new();
    match fetched {
        Fetched::Network(Ok(d)) => d.hash(&mut h),
        Fetched::Instances(Ok(d)) => d.hash(&mut h),
        Fetched::Iam(Ok(d)) => d.hash(&mut h),
        Fetched::Nodes(Ok(d)) => d.hash(&mut h),
        _ => return None,
    }
    Some(h.finish())
}

/// [`fingerprint`] of what the console shows or judges: a node's last ping, which moves
/// every five minutes on every node (at 100k nodes, on ~3,000 between two reads), is
/// left out. A read that differs from the last only there is kept without rebuilding
/// anything ([`crate::engine::EngineEvent::Refreshed`]).
pub fn shown_fingerprint(fetched: &Fetched) -> Option<u64> {
    use std::hash::{Hash, Hasher};
    let Fetched::Nodes(Ok(d)) = fetched else {
        return fingerprint(fetched);
    };
    let mut h = std::hash::DefaultHasher::new();
    for n in &d.nodes {
        let crate::domain::model::ManagedNode {
            instance_id,
            kind,
            name,
            activation_id,
            registered,
            source_id,
            source_type,
            ping,
            last_ping: _,
            agent_version,
            is_latest_version,
            platform_type,
            platform_name,
            platform_version,
            ip_address,
            computer_name,
            iam_role,
        } = n;
        (
            instance_id,
            kind,
            name,
            activation_id,
            registered,
            source_id,
        )
            .hash(&mut h);
        (source_type, ping, agent_version, is_latest_version).hash(&mut h);
        (platform_type, platform_name, platform_version).hash(&mut h);
        (ip_address, computer_name, iam_role).hash(&mut h);
    }
    (d.nodes.len(), &d.dhmc, &d.dhmc_role).hash(&mut h);
    Some(h.finish())
}

/// [`apply`], noting what changed: every good read (a core source's unchanged read never
/// gets here, see [`fingerprint`]); the associations only when they differ from those
/// shown. Readiness is judged again after a core source, after the associations
/// (inventory collection is judged from them) read other than they were, and after an
/// inventory read that names other nodes than before.
pub fn apply_noting_change(
    snapshot: &mut Snapshot,
    fetched: Fetched,
    at: jiff::Timestamp,
) -> Absorbed {
    let source = fetched.source();
    let was_good = snapshot
        .status
        .get(&source)
        .is_some_and(|s| s.fetched_at.is_some() && s.error.is_none());
    let same = was_good
        && matches!(&fetched, Fetched::Associations(Ok(d)) if snapshot.state_associations == *d);
    let ok = fetched.error().is_none();
    let fresh = ok && !same;
    // A hybrid node's inventory finding looks at which nodes have inventory.
    let collected_anew = match &fetched {
        Fetched::Inventory(Ok(d)) => {
            !was_good || {
                let before: std::collections::HashSet<&str> = snapshot
                    .inventory
                    .iter()
                    .map(|x| x.instance_id.as_str())
                    .collect();
                d.len() != before.len()
                    || d.iter().any(|x| !before.contains(x.instance_id.as_str()))
            }
        }
        _ => false,
    };
    let judged_from = Source::CORE.contains(&source) || source == Source::Associations;
    Absorbed {
        old: apply(snapshot, fetched, at),
        changed: fresh || (ok && source == Source::Associations),
        rejudge: (fresh && judged_from) || collected_anew,
    }
}

/// The core sources and the associations once, concurrently: what `ssmdeck check` reports on.
pub async fn snapshot<C: Cloud>(cloud: &C) -> Snapshot {
    let mut snap = Snapshot::default();
    let (identity, n, i, r, m, a) = futures::join!(
        cloud.identity(),
        fetch(cloud, Source::Network, &[]),
        fetch(cloud, Source::Instances, &[]),
        fetch(cloud, Source::Iam, &[]),
        fetch(cloud, Source::Nodes, &[]),
        fetch(cloud, Source::Associations, &[]),
    );
    match identity {
        Ok(id) => snap.identity = id,
        Err(e) => {
            tracing::warn!(error = %e, "caller identity unknown");
            snap.identity.region = cloud.region();
        }
    }
    let at = cloud.now();
    for f in [n, i, r, m, a] {
        apply(&mut snap, f, at);
    }
    snap
}

/// `check`'s look: [`snapshot`] and the patch states of the managed nodes (their
/// baselines named).
pub async fn check_snapshot<C: Cloud>(cloud: &C) -> Snapshot {
    let mut snap = snapshot(cloud).await;
    let ids: Vec<String> = snap
        .nodes
        .nodes
        .iter()
        .map(|n| n.instance_id.clone())
        .collect();
    if !ids.is_empty() {
        let patches = fetch(cloud, Source::Patches, &ids).await;
        let _replaced = apply(&mut snap, patches, cloud.now());
    }
    snap
}
