//! `fleet:N`: N instances over five VPCs with different readiness — ready endpoints, no
//! endpoints, VPC DNS hostnames off, a public subnet, endpoints whose policy shuts the
//! agent out — and, a few percent each, every other way an instance fails to be managed:
//! a network ACL, security-group egress, instance metadata off, a NAT gateway that is
//! gone, a transit-gateway route, roles that trust the wrong service or deny the agent,
//! Default Host Management's role trusting the wrong service. Deterministic.

use jiff::{SignedDuration, Timestamp};

use super::specials::{Special, add_roles, add_special_network, apply_special, special};
use super::{
    LATEST_AGENT, add_window_details, lab_window, mix, network_acl, route_table, security_group,
};
use crate::cloud::sandbox::world::{SimAssociation, SimEndpoint, SimInstance, World};
use crate::domain::model::{
    AssociationState, EndpointState, EndpointType, GroupRule, Instance, InstanceState,
    MetadataOptions, ProfileAssociation, RouteTarget, Subnet, Vpc, VpcEndpoint,
};
use crate::domain::readiness::{REQUIRED_SERVICES, Verdict, service_name};

pub(super) const FLEET_REGION: &str = "us-east-1";

const VPC_KINDS: [&str; 5] = ["ready", "no-endpoints", "dns-off", "public", "policy"];
/// Index of the VPC whose endpoints carry AWS's example policy (Run Command reads only).
pub(super) const POLICY_VPC: usize = 4;

/// `fleet:N` itself.
pub(super) fn fleet(n: usize, now: Timestamp) -> World {
    fleet_in(n, now, FLEET_REGION, "123456789012", 0, Shape::Mixed)
}

/// How a fleet's instances are spread over its VPCs and roles.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Shape {
    /// `fleet:N`: every kind of VPC, a few of every failure.
    Mixed,
    /// Every instance in the ready VPC with the ready role: all managed.
    Ready,
    /// Every instance with the ready role in the VPC without endpoints.
    NoEndpoints,
    /// Every instance in the ready VPC without an instance profile (and IMDSv1, so
    /// Default Host Management cannot stand in).
    NoRole,
}

/// Ids of the fleet's resources, built once and cloned per instance.
pub(super) struct Ids {
    pub tag: String,
    pub vpcs: Vec<String>,
    pub groups: Vec<String>,
    pub subnets: Vec<Vec<String>>,
}

impl Ids {
    fn new(tag: &str, azs: usize) -> Self {
        Self {
            tag: tag.to_string(),
            vpcs: (0..VPC_KINDS.len())
                .map(|v| format!("vpc-{tag}{v:015x}"))
                .collect(),
            groups: (0..VPC_KINDS.len())
                .map(|v| format!("sg-{tag}{v:015x}"))
                .collect(),
            subnets: (0..VPC_KINDS.len())
                .map(|v| {
                    (0..azs)
                        .map(|a| format!("subnet-{tag}{v:08x}{a:07x}"))
                        .collect()
                })
                .collect(),
        }
    }

    /// A special subnet of VPC `v` (numbered from 10).
    pub(super) fn special_subnet(&self, v: usize, n: usize) -> String {
        format!("subnet-{}{v:08x}{n:07x}", self.tag)
    }

    pub(super) fn special_group(&self, v: usize) -> String {
        format!("sg-{}{v:08x}0000000e", self.tag)
    }
}

/// The fleet in `region` of `account`; `salt` 0 gives the ids of `fleet:N`, any other
/// value ids of its own.
pub(super) fn fleet_in(
    n: usize,
    now: Timestamp,
    region: &str,
    account: &str,
    salt: u16,
    shape: Shape,
) -> World {
    let mut w = World::new(region, &format!("fleet:{n}"), now);
    w.account = account.to_string();
    w.id_salt = u64::from(salt);
    let tag = match u8::try_from(salt) {
        Ok(small) => format!("{:02x}", 0x0f_u8.wrapping_add(small)),
        Err(_) => format!("{salt:04x}"),
    };
    let azs = [format!("{region}a"), format!("{region}b")];
    let ids = Ids::new(&tag, azs.len());
    for (v, kind) in VPC_KINDS.iter().enumerate() {
        add_vpc(&mut w, &ids, v, kind, &azs, now);
    }
    add_special_network(&mut w, &ids, &azs);
    add_roles(&mut w, account);
    let profile_arn = |p: &str| format!("arn:aws:iam::{account}:instance-profile/{p}");
    let arns: Vec<String> = [
        "fleet-ssm-role",
        "legacy-ssm-role",
        "web-app-role",
        "custom-agent-role",
        "lambda-role",
        "denied-role",
        "conditional-role",
    ]
    .iter()
    .map(|p| profile_arn(p))
    .collect();
    w.instances.reserve_exact(n);
    for i in 0..n {
        let mut sim = base_instance(i, salt, now, &ids, &azs, &arns);
        if shape != Shape::Mixed {
            reshape(&mut sim, shape, &ids, &arns);
        } else if let Some(s) = special(i) {
            apply_special(&mut sim.instance, s, &ids, &azs, &arns);
            if matches!(
                s,
                Special::CustomPolicy
                    | Special::LambdaRole
                    | Special::DeniedRole
                    | Special::ConditionalPolicy
            ) && let Some(profile_arn) = sim.instance.profile_arn.clone()
            {
                // Their profile can be replaced: it has its association, as in AWS.
                w.associations.push(SimAssociation {
                    association: ProfileAssociation {
                        id: format!("iip-assoc-{tag}{i:015x}"),
                        instance_id: sim.instance.id.clone(),
                        profile_arn,
                        state: AssociationState::Associated,
                    },
                    created: now - SignedDuration::from_hours(30),
                });
            }
        }
        w.instances.push(sim);
    }
    register_the_ready(&mut w, now);
    add_hybrid_nodes(&mut w, n, salt, now);
    add_inventory_association(&mut w, salt, now);
    if shape == Shape::Ready {
        for inst in w.hosts_mut() {
            inst.connection_lost = false;
        }
    }
    let (mut window, executions) = lab_window(now);
    if salt != 0 {
        window.id = format!("mw-{:017x}", mix(u64::from(salt)) >> 4);
    }
    add_window_details(&mut w, &window.id);
    w.window_executions.insert(window.id.clone(), executions);
    w.windows.push(window);
    // Registration was just decided at `now` for every agent: nothing to re-evaluate
    // until the world changes (a first tick would find the same).
    w.dirty = false;
    w
}

fn add_vpc(w: &mut World, ids: &Ids, v: usize, kind: &str, azs: &[String], now: Timestamp) {
    let vpc = ids.vpcs[v].clone();
    let cidr = format!("10.{v}.0.0/16");
    w.vpcs.push(Vpc {
        id: vpc.clone(),
        name: Some(format!("fleet-{kind}")),
        cidr: cidr.clone(),
        is_default: false,
        dns_support: Some(true),
        dns_hostnames: Some(kind != "dns-off"),
    });
    let public = kind == "public";
    for (a, az) in azs.iter().enumerate() {
        w.subnets.push(Subnet {
            id: ids.subnets[v][a].clone(),
            vpc_id: vpc.clone(),
            name: Some(format!("fleet-{kind}-{az}")),
            az: az.clone(),
            cidr: format!("10.{v}.{a}.0/24"),
            map_public_ip_on_launch: public,
        });
    }
    let tag = &ids.tag;
    let out = public.then(|| RouteTarget::InternetGateway(format!("igw-{tag}{v:015x}")));
    let subnet_refs: Vec<&str> = ids.subnets[v].iter().map(String::as_str).collect();
    let mut rt = route_table(&format!("rtb-{tag}{v:015x}"), &vpc, true, &subnet_refs, out);
    rt.routes[0].destination = cidr.clone();
    w.route_tables.push(rt);
    w.network_acls.push(network_acl(
        &format!("acl-{tag}{v:015x}"),
        &vpc,
        true,
        &ids.subnets[v],
        Vec::new(),
    ));
    let sg = ids.groups[v].clone();
    // The policy VPC's endpoints let in the instances' group by reference, no CIDR.
    let https_from = if v == POLICY_VPC {
        https_rule(Vec::new(), vec![sg.clone()])
    } else {
        https_rule(vec![cidr], Vec::new())
    };
    w.security_groups.push(security_group(
        &sg,
        &vpc,
        &format!("fleet-{kind}-instances"),
        vec![https_from],
    ));
    if !matches!(kind, "ready" | "dns-off" | "policy") {
        return;
    }
    // The policy VPC's endpoints are in its first AZ only.
    let subnet_ids = if v == POLICY_VPC {
        ids.subnets[v][..1].to_vec()
    } else {
        ids.subnets[v].clone()
    };
    for (s, short) in REQUIRED_SERVICES.iter().enumerate() {
        w.endpoints.push(SimEndpoint {
            endpoint: VpcEndpoint {
                id: format!("vpce-{tag}{v:08x}{s:07x}"),
                vpc_id: vpc.clone(),
                service_name: service_name(&w.region, short),
                kind: EndpointType::Interface,
                state: EndpointState::Available,
                private_dns: true,
                subnet_ids: subnet_ids.clone(),
                security_group_ids: vec![sg.clone()],
                route_table_ids: vec![],
                policy_document: (v == POLICY_VPC).then(read_only_endpoint_policy),
            },
            created: now - SignedDuration::from_hours(24),
            client_token: format!("fleet-{v}-{short}"),
        });
    }
}

fn https_rule(cidrs: Vec<String>, group_ids: Vec<String>) -> GroupRule {
    GroupRule {
        protocol: "tcp".into(),
        from_port: Some(443),
        to_port: Some(443),
        cidrs,
        group_ids,
        prefix_list_ids: Vec::new(),
    }
}

/// AWS's example endpoint policy that allows reading Run Command results and nothing else.
fn read_only_endpoint_policy() -> String {
    serde_json::json!({
        "Statement": [{
            "Effect": "Allow",
            "Principal": "*",
            "Action": ["ssm:ListCommands", "ssm:ListCommandInvocations", "ssm:GetCommandInvocation"],
            "Resource": "*"
        }]
    })
    .to_string()
}

/// An instance of a fleet of one [`Shape`] (not `Mixed`).
fn reshape(sim: &mut SimInstance, shape: Shape, ids: &Ids, arns: &[String]) {
    const READY_VPC: usize = 0;
    const NO_ENDPOINTS_VPC: usize = 1;
    let inst = &mut sim.instance;
    let v = if shape == Shape::NoEndpoints {
        NO_ENDPOINTS_VPC
    } else {
        READY_VPC
    };
    let a = usize::from(inst.az.as_deref().is_some_and(|az| az.ends_with('b')));
    inst.vpc_id = Some(ids.vpcs[v].clone());
    inst.subnet_id = Some(ids.subnets[v][a].clone());
    inst.security_group_ids = vec![ids.groups[v].clone()];
    inst.public_ip = None;
    inst.state = InstanceState::Running;
    inst.profile_arn = (shape != Shape::NoRole).then(|| arns[0].clone());
    inst.metadata.tokens_required = shape != Shape::NoRole;
    inst.metadata.endpoint_enabled = true;
    if let Some(ip) = inst.private_ip.as_mut()
        && let Some(rest) = ip.strip_prefix("10.")
        && let Some((_, tail)) = rest.split_once('.')
    {
        *ip = format!("10.{v}.{tail}");
    }
    if sim.agent_version.is_none() {
        sim.agent_version = Some(LATEST_AGENT.to_string());
    }
}

fn base_instance(
    i: usize,
    salt: u16,
    now: Timestamp,
    ids: &Ids,
    azs: &[String],
    arns: &[String],
) -> SimInstance {
    // The first four kinds take the ordinary instances; the policy VPC only special ones.
    let v = i % (VPC_KINDS.len() - 1);
    let a = (i / (VPC_KINDS.len() - 1)) % azs.len();
    let host = i / ((VPC_KINDS.len() - 1) * azs.len());
    let profile = match i % 10 {
        0 => None,
        3 => Some(&arns[1]),
        7 => Some(&arns[2]),
        _ => Some(&arns[0]),
    };
    let windows = i % 9 == 4;
    let state = if i % 13 == 5 {
        InstanceState::Stopped
    } else {
        InstanceState::Running
    };
    let public = VPC_KINDS[v] == "public";
    SimInstance {
        instance: Instance {
            id: format!("i-{:017x}", mix(i as u64 ^ (u64::from(salt) << 48)) >> 4),
            name: Some(format!("{}-{:05}", if windows { "win" } else { "app" }, i)),
            state,
            vpc_id: Some(ids.vpcs[v].clone()),
            subnet_id: Some(ids.subnets[v][a].clone()),
            az: Some(azs[a].clone()),
            private_ip: Some(format!("10.{v}.{a}.{}", 4 + host % 250)),
            public_ip: public.then(|| format!("54.{}.{}.{}", v, a, 1 + host % 250)),
            platform: windows.then(|| "windows".to_string()),
            security_group_ids: vec![ids.groups[v].clone()],
            network_interfaces: Vec::new(),
            profile_arn: profile.cloned(),
            metadata: MetadataOptions {
                endpoint_enabled: true,
                // Every tenth instance has no profile: half of them rely on Default Host
                // Management (IMDSv2), half cannot (IMDSv1).
                tokens_required: i.is_multiple_of(2) && i % 20 != 10,
                hop_limit: Some(2),
            },
            launch_time: Some(now - SignedDuration::from_hours(1 + (i % 500) as i64)),
            tags: vec![
                ("Env".into(), ["prod", "staging", "dev"][i % 3].into()),
                (
                    "Team".into(),
                    ["payments", "search", "platform", "data"][(i / 3) % 4].into(),
                ),
            ],
        },
        agent_version: (i % 23 != 11).then(|| {
            if i % 4 == 1 {
                "3.2.1542.0".to_string()
            } else {
                LATEST_AGENT.to_string()
            }
        }),
        platform_name: if windows {
            "Microsoft Windows Server 2022 Datacenter".into()
        } else if i % 3 == 1 {
            "Ubuntu".into()
        } else {
            "Amazon Linux".into()
        },
        platform_version: if windows {
            "10.0.20348".into()
        } else if i % 3 == 1 {
            "22.04".into()
        } else {
            "2023".into()
        },
        registered_at: None,
        ready_since: None,
        connection_lost: false,
        fails_commands: false,
    }
}

/// Whoever is ready at the start has long been registered; a few have gone quiet; one
/// online Linux node fails its commands, so failures can be seen.
fn register_the_ready(w: &mut World, now: Timestamp) {
    let mut ready = vec![false; w.instances.len()];
    w.evaluate_instances(
        now,
        |_| true,
        |k, r| ready[k] = r.verdict == Verdict::Waiting,
    );
    // Registered ten days ago: before the oldest patch scan below.
    let registered_at = now - SignedDuration::from_hours(10 * 24);
    for (i, (inst, ready)) in w.instances.iter_mut().zip(ready).enumerate() {
        if inst.agent_version.is_some() && ready {
            inst.registered_at = Some(registered_at);
            inst.connection_lost = i % 17 == 8;
        }
    }
    // Scans of various ages: most from this morning, some from yesterday, every fifth
    // node's from more than a week ago.
    let mut states = Vec::new();
    for (n, i) in w.instances.iter().enumerate() {
        if i.registered_at.is_none() {
            continue;
        }
        let hours = match n % 5 {
            4 => 9 * 24 + 3,
            1 => 30,
            _ => 6,
        };
        let at = now - SignedDuration::from_hours(hours);
        states.push(crate::cloud::sandbox::patching::patch_state(
            i,
            &w.region,
            n % 3 == 0,
            at,
        ));
    }
    for state in states {
        w.patch_states.insert(state.instance_id.clone(), state);
    }
    if let Some(broken) = w
        .instances
        .iter_mut()
        .find(|i| i.registered_at.is_some() && !i.connection_lost && !i.instance.is_windows())
    {
        broken.fails_commands = true;
    }
}

/// Hybrid nodes of `fleet:N`: four, and one more for every twenty instances (at most a
/// thousand), registered weeks ago with one of two activations. In each four: one online,
/// one on an old agent, one whose connection was lost (Windows), and one whose
/// activation role grants the agent nothing (its connection lost too).
fn add_hybrid_nodes(w: &mut World, n: usize, salt: u16, now: Timestamp) {
    use crate::cloud::sandbox::hybrid::SimHybrid;
    use crate::domain::model::{CORE_POLICY_ARN, Role, RolePolicies, SSM_SERVICE_PRINCIPAL};
    let role = |name: &str, policies: &[&str]| Role {
        name: name.into(),
        arn: format!("arn:aws:iam::{}:role/{name}", w.account),
        trusted_services: vec![SSM_SERVICE_PRINCIPAL.into()],
        attached_policy_arns: policies.iter().map(|p| p.to_string()).collect(),
        policies: RolePolicies::Read {
            documents: Vec::new(),
        },
        simulated: Vec::new(),
    };
    let roles = [
        role(HYBRID_ROLE, &[CORE_POLICY_ARN]),
        role(HYBRID_BARE_ROLE, &[]),
    ];
    w.roles.extend(roles);
    let activation = |k: u64| {
        let x = mix(k ^ (u64::from(salt) << 32) ^ 0x4859_4252);
        format!(
            "{:08x}-{:04x}-4{:03x}-8{:03x}-{:012x}",
            x >> 32,
            (x >> 16) & 0xffff,
            x & 0xfff,
            (x >> 12) & 0xfff,
            mix(x) >> 16
        )
    };
    let (datacenter, lab) = (activation(1), activation(2));
    const NAMES: [&str; 4] = ["onprem-db", "onprem-web", "branch-fs", "lab-vm"];
    let count = (4 + n / 20).min(1000);
    for j in 0..count {
        let shape = j % 4;
        let id = format!(
            "mi-{:017x}",
            mix(j as u64 ^ (u64::from(salt) << 48) ^ 0x6d69_0000_0000) >> 4
        );
        let name = format!("{}-{:02}", NAMES[shape], j + 1);
        let ip = format!("192.168.{}.{}", 10 + j / 250, 10 + j % 250);
        let (activation_id, role) = match shape {
            3 => (lab.as_str(), HYBRID_BARE_ROLE),
            _ => (datacenter.as_str(), HYBRID_ROLE),
        };
        let registered = now - SignedDuration::from_hours(24 * 20 + j as i64);
        let mut h = SimHybrid::new(
            id,
            &name,
            &ip,
            shape == 2,
            activation_id,
            role,
            Some(registered),
        );
        if shape == 1 {
            h.host.agent_version = Some("3.2.1542.0".into());
        }
        h.host.connection_lost = shape >= 2;
        // Tagged like the EC2 fleet's production nodes: the inventory association takes them.
        h.host.instance.tags.push(("Env".into(), "prod".into()));
        let state = crate::cloud::sandbox::patching::patch_state(
            &h.host,
            &w.region,
            shape == 0,
            now - SignedDuration::from_hours(6),
        );
        w.patch_states.insert(h.id().to_string(), state);
        w.hybrid_nodes.push(h);
    }
    // The two activations those servers registered with, as DescribeActivations lists them:
    // the data centre's still open, the lab's expired a week after it was made.
    let lab_servers = (0..count).filter(|j| j % 4 == 3).count();
    let made = now - SignedDuration::from_hours(24 * 21);
    for (id, role, registered, limit, days, name) in [
        (
            datacenter,
            HYBRID_ROLE,
            count - lab_servers,
            count - lab_servers + 5,
            30,
            "onprem",
        ),
        (lab, HYBRID_BARE_ROLE, lab_servers, lab_servers, 7, "lab-vm"),
    ] {
        let expires = made + SignedDuration::from_hours(24 * days);
        w.activations
            .push(crate::cloud::sandbox::activations::SimActivation {
                activation: crate::domain::model::Activation {
                    id,
                    description: Some(format!("{name} servers")),
                    default_instance_name: Some(name.into()),
                    iam_role: role.into(),
                    registration_limit: i32::try_from(limit).unwrap_or(i32::MAX),
                    registrations_count: i32::try_from(registered).unwrap_or(i32::MAX),
                    expiration_date: Some(expires),
                    expired: expires <= now,
                    created: Some(made),
                },
                arrivals: Vec::new(),
            });
    }
}

/// The service role of `fleet:N`'s hybrid activations…
pub(super) const HYBRID_ROLE: &str = "SSMServiceRole";
/// …and that of the activation whose role lacks AmazonSSMManagedInstanceCore.
pub(super) const HYBRID_BARE_ROLE: &str = "onprem-no-policy-role";
/// Inventory collected on the prod and staging nodes for a month; the dev nodes (a third
/// of the fleet) are not targeted, so they show the finding.
fn add_inventory_association(w: &mut World, salt: u16, now: Timestamp) {
    use crate::domain::model::{
        AssociationTarget, INVENTORY_DOCUMENT, INVENTORY_SCHEDULE, StateAssociation,
        inventory_parameters,
    };
    w.state_associations
        .push(crate::cloud::sandbox::world::SimStateAssociation {
            association: StateAssociation {
                id: format!("7d1c0f2e-5b3a-4c8e-{}-3a6b9c2d4e1f", group(salt)),
                name: Some("inventory-prod-staging".into()),
                document: INVENTORY_DOCUMENT.into(),
                targets: vec![AssociationTarget::new("tag:Env", &["prod", "staging"])],
                schedule: Some(INVENTORY_SCHEDULE.into()),
                parameters: inventory_parameters(),
                ..StateAssociation::default()
            },
            created: now - SignedDuration::from_hours(24 * 30),
        });
}

/// The fourth group of a UUID-shaped id that differs by scope (`9f00` in the first).
fn group(salt: u16) -> String {
    match u8::try_from(salt) {
        Ok(small) => format!("9f{small:02x}"),
        Err(_) => format!("{salt:04x}"),
    }
}
