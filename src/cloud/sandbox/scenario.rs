//! The sandbox's starting worlds: the workshop lab and a deterministic synthetic fleet.

use std::str::FromStr;

use jiff::{SignedDuration, Timestamp};

use super::world::{SimInstance, World};
use crate::domain::model::{
    CORE_POLICY_ARN, DEPRECATED_POLICY_ARN, EC2_SERVICE_PRINCIPAL, EndpointState, EndpointType,
    IngressRule, Instance, InstanceProfile, InstanceState, MaintenanceWindow, Role, Route,
    RouteTable, RouteTarget, SecurityGroup, Subnet, Vpc, VpcEndpoint, WindowExecution,
};
use crate::domain::readiness::{REQUIRED_SERVICES, Verdict, service_name};

pub const LATEST_AGENT: &str = "3.3.1957.0";
pub const LAB_REGION: &str = "ap-northeast-2";
pub const LAB_VPC_NAME: &str = "WellArchitectedLabsStack/VPC";
pub const LAB_INSTANCE_SG_NAME: &str = "WellArchitectedLabsStack/ASG/InstanceSecurityGroup";

/// What `--region all` finds in the sandbox.
pub const SANDBOX_REGIONS: [&str; 3] = ["ap-northeast-2", "eu-west-1", "us-east-1"];

/// One (account, region) of a multi-scope sandbox.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SandboxScope {
    /// `None`: the scenario's home region.
    pub region: Option<String>,
    /// 0 is the scenario's own account; each further profile is another account.
    pub account: usize,
}

impl SandboxScope {
    /// Mixed into the ids of a fleet: the same region of the same account always gets
    /// the same ids, and two scopes never share one.
    fn salt(&self, region: &str) -> u8 {
        let r = SANDBOX_REGIONS
            .iter()
            .position(|x| *x == region)
            .unwrap_or_else(|| {
                3 + region.bytes().fold(0usize, |h, b| {
                    h.wrapping_mul(31).wrapping_add(usize::from(b))
                }) % 37
            });
        u8::try_from(1 + r + 40 * (self.account % 5)).unwrap_or(1)
    }
}

/// The account id of the `n`th sandbox account.
pub fn account_id(n: usize) -> String {
    format!("{:012}", 123_456_789_012_u64 + 111_111_111 * n as u64)
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scenario {
    Lab,
    Fleet(usize),
}

impl FromStr for Scenario {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        if s == "lab" {
            return Ok(Self::Lab);
        }
        if let Some(n) = s.strip_prefix("fleet:") {
            return match n.parse::<usize>() {
                Ok(n) if (1..=1_000_000).contains(&n) => Ok(Self::Fleet(n)),
                _ => Err(format!(
                    "unknown sandbox scenario '{s}': fleet:N needs N between 1 and 1000000"
                )),
            };
        }
        Err(format!(
            "unknown sandbox scenario '{s}': expected 'lab' or 'fleet:N'"
        ))
    }
}

impl Scenario {
    pub fn name(self) -> String {
        match self {
            Self::Lab => "lab".into(),
            Self::Fleet(n) => format!("fleet:{n}"),
        }
    }

    pub fn build(self, now: Timestamp) -> World {
        match self {
            Self::Lab => lab(now),
            Self::Fleet(n) => fleet(n, now),
        }
    }

    /// Where the scenario lives.
    pub fn home_region(self) -> &'static str {
        match self {
            Self::Lab => LAB_REGION,
            Self::Fleet(_) => FLEET_REGION,
        }
    }

    /// The world one scope sees: the scenario itself in its home region of the first
    /// account; elsewhere a fleet (as large as `fleet:N`, 24 instances beside the lab)
    /// with its own ids, region and account.
    pub fn build_in(self, now: Timestamp, scope: &SandboxScope) -> World {
        let region = scope.region.as_deref().unwrap_or(self.home_region());
        if region == self.home_region() && scope.account == 0 {
            return self.build(now);
        }
        let n = match self {
            Self::Lab => 24,
            Self::Fleet(n) => n,
        };
        fleet_in(
            n,
            now,
            region,
            &account_id(scope.account),
            scope.salt(region),
        )
    }
}

fn subnet(id: &str, vpc: &str, name: &str, az: &str, cidr: &str, public: bool) -> Subnet {
    Subnet {
        id: id.into(),
        vpc_id: vpc.into(),
        name: Some(name.into()),
        az: az.into(),
        cidr: cidr.into(),
        map_public_ip_on_launch: public,
    }
}

fn route_table(
    id: &str,
    vpc: &str,
    main: bool,
    subnets: &[&str],
    out: Option<RouteTarget>,
) -> RouteTable {
    let mut routes = vec![Route {
        destination: "10.0.0.0/16".into(),
        target: RouteTarget::Local,
    }];
    if let Some(t) = out {
        routes.push(Route {
            destination: "0.0.0.0/0".into(),
            target: t,
        });
    }
    RouteTable {
        id: id.into(),
        vpc_id: vpc.into(),
        is_main: main,
        subnet_ids: subnets.iter().map(|s| s.to_string()).collect(),
        routes,
    }
}

fn lab_window(now: Timestamp) -> (MaintenanceWindow, Vec<WindowExecution>) {
    let window = MaintenanceWindow {
        id: "mw-0c50858d01EXAMPLE".into(),
        name: "lab-weekly-patching".into(),
        schedule: "cron(0 2 ? * SUN *)".into(),
        enabled: true,
        next_execution: Some(next_sunday_2am(now)),
        duration_hours: 3,
        cutoff_hours: 1,
    };
    let executions = (1..=3)
        .map(|w| {
            let start = now - SignedDuration::from_hours(24 * 7 * w);
            WindowExecution {
                id: format!("{:08x}-0000-4000-8000-00000000000{w}", 0x5eed_0000 + w),
                status: if w == 2 { "FAILED" } else { "SUCCESS" }.into(),
                start: Some(start),
                end: Some(start + SignedDuration::from_mins(14)),
            }
        })
        .collect();
    (window, executions)
}

fn next_sunday_2am(now: Timestamp) -> String {
    const DAY: i64 = 86_400;
    let secs = now.as_second();
    let day = secs.div_euclid(DAY);
    // 1970-01-01 was a Thursday: Sunday-zero weekday is (day + 4) % 7.
    let weekday = (day + 4).rem_euclid(7);
    let mut next = (day + (7 - weekday) % 7) * DAY + 2 * 3600;
    if next <= secs {
        next += 7 * DAY;
    }
    Timestamp::from_second(next)
        .map(|t| t.strftime("%Y-%m-%dT%H:%MZ").to_string())
        .unwrap_or_default()
}

/// The workshop stack: region ap-northeast-2, the lab VPC with public and private
/// subnets in two AZs, two Amazon Linux instances in the private subnets with the
/// agent installed, no endpoints, no role.
fn lab(now: Timestamp) -> World {
    let mut w = World::new(LAB_REGION, "lab", now);
    let vpc = "vpc-0a3c9e1b7d5f24680";
    w.vpcs.push(Vpc {
        id: vpc.into(),
        name: Some(LAB_VPC_NAME.into()),
        cidr: "10.0.0.0/16".into(),
        is_default: false,
        dns_support: Some(true),
        dns_hostnames: Some(true),
    });
    let p = "WellArchitectedLabsStack/VPC/";
    w.subnets = vec![
        subnet(
            "subnet-0pub1a2b3c4d5e6f7",
            vpc,
            &format!("{p}PublicSubnet1"),
            "ap-northeast-2a",
            "10.0.0.0/24",
            true,
        ),
        subnet(
            "subnet-0pub2a2b3c4d5e6f7",
            vpc,
            &format!("{p}PublicSubnet2"),
            "ap-northeast-2c",
            "10.0.1.0/24",
            true,
        ),
        subnet(
            "subnet-0prv1a2b3c4d5e6f7",
            vpc,
            &format!("{p}PrivateSubnet1"),
            "ap-northeast-2a",
            "10.0.2.0/24",
            false,
        ),
        subnet(
            "subnet-0prv2a2b3c4d5e6f7",
            vpc,
            &format!("{p}PrivateSubnet2"),
            "ap-northeast-2c",
            "10.0.3.0/24",
            false,
        ),
    ];
    w.route_tables = vec![
        route_table("rtb-0main00000000000", vpc, true, &[], None),
        route_table(
            "rtb-0public000000000",
            vpc,
            false,
            &["subnet-0pub1a2b3c4d5e6f7", "subnet-0pub2a2b3c4d5e6f7"],
            Some(RouteTarget::InternetGateway("igw-0lab0000000000000".into())),
        ),
        route_table(
            "rtb-0private1000000",
            vpc,
            false,
            &["subnet-0prv1a2b3c4d5e6f7"],
            None,
        ),
        route_table(
            "rtb-0private2000000",
            vpc,
            false,
            &["subnet-0prv2a2b3c4d5e6f7"],
            None,
        ),
    ];
    w.security_groups = vec![
        SecurityGroup {
            id: "sg-0default000000000".into(),
            vpc_id: vpc.into(),
            name: "default".into(),
            ingress: vec![IngressRule {
                protocol: "-1".into(),
                from_port: None,
                to_port: None,
                cidrs: vec![],
                source_group_ids: vec!["sg-0default000000000".into()],
            }],
        },
        SecurityGroup {
            id: "sg-0instance00000000".into(),
            vpc_id: vpc.into(),
            name: LAB_INSTANCE_SG_NAME.into(),
            ingress: vec![IngressRule {
                protocol: "tcp".into(),
                from_port: Some(80),
                to_port: Some(80),
                cidrs: vec!["10.0.0.0/16".into()],
                source_group_ids: vec![],
            }],
        },
    ];
    for (id, subnet, az, ip) in [
        (
            "i-0a1b2c3d4e5f60001",
            "subnet-0prv1a2b3c4d5e6f7",
            "ap-northeast-2a",
            "10.0.2.15",
        ),
        (
            "i-0a1b2c3d4e5f60002",
            "subnet-0prv2a2b3c4d5e6f7",
            "ap-northeast-2c",
            "10.0.3.27",
        ),
    ] {
        w.instances.push(SimInstance {
            instance: Instance {
                id: id.into(),
                name: Some("WellArchitectedLabsStack/ASG".into()),
                state: InstanceState::Running,
                vpc_id: Some(vpc.into()),
                subnet_id: Some(subnet.into()),
                az: Some(az.into()),
                private_ip: Some(ip.into()),
                public_ip: None,
                platform: None,
                security_group_ids: vec!["sg-0instance00000000".into()],
                profile_arn: None,
                imds_v2_required: false,
                launch_time: Some(now - SignedDuration::from_mins(42)),
                tags: vec![
                    (
                        "aws:cloudformation:stack-name".into(),
                        "WellArchitectedLabsStack".into(),
                    ),
                    ("Patch".into(), "weekly".into()),
                ],
            },
            agent_version: Some("3.3.1802.0".into()),
            platform_name: "Amazon Linux".into(),
            platform_version: "2023".into(),
            registered_at: None,
            ready_since: None,
            connection_lost: false,
            fails_commands: false,
        });
    }
    let (window, executions) = lab_window(now);
    add_window_details(&mut w, &window.id);
    w.window_executions.insert(window.id.clone(), executions);
    w.windows.push(window);
    w
}

/// `n` instances over four VPCs with different readiness: ready endpoints, no
/// endpoints, endpoints with VPC DNS hostnames off, and a public subnet.
fn fleet(n: usize, now: Timestamp) -> World {
    fleet_in(n, now, FLEET_REGION, "123456789012", 0)
}

const FLEET_REGION: &str = "us-east-1";

/// The fleet in `region` of `account`; `salt` 0 gives the ids of `fleet:N`, any other
/// value ids of its own.
fn fleet_in(n: usize, now: Timestamp, region: &str, account: &str, salt: u8) -> World {
    let mut w = World::new(region, &format!("fleet:{n}"), now);
    w.account = account.to_string();
    w.id_salt = u64::from(salt);
    let tag = format!("{:02x}", 0x0f_u8.wrapping_add(salt));
    let vpc_kinds = ["ready", "no-endpoints", "dns-off", "public"];
    let azs = [format!("{region}a"), format!("{region}b")];
    for (v, kind) in vpc_kinds.iter().enumerate() {
        let vpc = format!("vpc-{tag}{v:015x}");
        w.vpcs.push(Vpc {
            id: vpc.clone(),
            name: Some(format!("fleet-{kind}")),
            cidr: format!("10.{v}.0.0/16"),
            is_default: false,
            dns_support: Some(true),
            dns_hostnames: Some(*kind != "dns-off"),
        });
        let public = *kind == "public";
        let mut subnet_ids = Vec::new();
        for (a, az) in azs.iter().enumerate() {
            let id = format!("subnet-{tag}{v:08x}{a:07x}");
            w.subnets.push(Subnet {
                id: id.clone(),
                vpc_id: vpc.clone(),
                name: Some(format!("fleet-{kind}-{az}")),
                az: az.clone(),
                cidr: format!("10.{v}.{a}.0/24"),
                map_public_ip_on_launch: public,
            });
            subnet_ids.push(id);
        }
        let out = public.then(|| RouteTarget::InternetGateway(format!("igw-{tag}{v:015x}")));
        let ids: Vec<&str> = subnet_ids.iter().map(String::as_str).collect();
        let mut rt = route_table(&format!("rtb-{tag}{v:015x}"), &vpc, true, &ids, out);
        rt.routes[0].destination = format!("10.{v}.0.0/16");
        w.route_tables.push(rt);
        let sg = format!("sg-{tag}{v:015x}");
        w.security_groups.push(SecurityGroup {
            id: sg.clone(),
            vpc_id: vpc.clone(),
            name: format!("fleet-{kind}-instances"),
            ingress: vec![IngressRule {
                protocol: "tcp".into(),
                from_port: Some(443),
                to_port: Some(443),
                cidrs: vec![format!("10.{v}.0.0/16")],
                source_group_ids: vec![],
            }],
        });
        if *kind == "ready" || *kind == "dns-off" {
            for (s, short) in REQUIRED_SERVICES.iter().enumerate() {
                w.endpoints.push(super::world::SimEndpoint {
                    endpoint: VpcEndpoint {
                        id: format!("vpce-{tag}{v:08x}{s:07x}"),
                        vpc_id: vpc.clone(),
                        service_name: service_name(region, short),
                        kind: EndpointType::Interface,
                        state: EndpointState::Available,
                        private_dns: true,
                        subnet_ids: subnet_ids.clone(),
                        security_group_ids: vec![sg.clone()],
                        route_table_ids: vec![],
                    },
                    created: now - SignedDuration::from_hours(24),
                    client_token: format!("fleet-{v}-{short}"),
                });
            }
        }
    }
    let role = |name: &str, policy: &str| Role {
        name: name.into(),
        arn: format!("arn:aws:iam::{account}:role/{name}"),
        trusted_services: vec![EC2_SERVICE_PRINCIPAL.into()],
        attached_policy_arns: vec![policy.into()],
    };
    w.roles = vec![
        role("fleet-ssm-role", CORE_POLICY_ARN),
        role("legacy-ssm-role", DEPRECATED_POLICY_ARN),
        Role {
            name: "web-app-role".into(),
            arn: format!("arn:aws:iam::{account}:role/web-app-role"),
            trusted_services: vec![EC2_SERVICE_PRINCIPAL.into()],
            attached_policy_arns: vec![],
        },
    ];
    for r in ["fleet-ssm-role", "legacy-ssm-role", "web-app-role"] {
        w.profiles.push(InstanceProfile {
            name: r.into(),
            arn: format!("arn:aws:iam::{account}:instance-profile/{r}"),
            role_names: vec![r.into()],
        });
    }
    // Per-VPC, per-subnet and per-profile strings built once and cloned per instance.
    let vpc_ids: Vec<String> = (0..vpc_kinds.len())
        .map(|v| format!("vpc-{tag}{v:015x}"))
        .collect();
    let sg_ids: Vec<String> = (0..vpc_kinds.len())
        .map(|v| format!("sg-{tag}{v:015x}"))
        .collect();
    let subnet_ids: Vec<Vec<String>> = (0..vpc_kinds.len())
        .map(|v| {
            (0..azs.len())
                .map(|a| format!("subnet-{tag}{v:08x}{a:07x}"))
                .collect()
        })
        .collect();
    let profile_arn = |p: &str| format!("arn:aws:iam::{account}:instance-profile/{p}");
    let arns = [
        profile_arn("fleet-ssm-role"),
        profile_arn("legacy-ssm-role"),
        profile_arn("web-app-role"),
    ];
    w.instances.reserve_exact(n);
    for i in 0..n {
        let v = i % vpc_kinds.len();
        let a = (i / vpc_kinds.len()) % azs.len();
        let host = i / (vpc_kinds.len() * azs.len());
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
        let public = vpc_kinds[v] == "public";
        let ip = format!("10.{v}.{a}.{}", 4 + host % 250);
        w.instances.push(SimInstance {
            instance: Instance {
                id: format!("i-{:017x}", mix(i as u64 ^ (u64::from(salt) << 48)) >> 4),
                name: Some(format!("{}-{:05}", if windows { "win" } else { "app" }, i)),
                state,
                vpc_id: Some(vpc_ids[v].clone()),
                subnet_id: Some(subnet_ids[v][a].clone()),
                az: Some(azs[a].clone()),
                private_ip: Some(ip),
                public_ip: public.then(|| format!("54.{}.{}.{}", v, a, 1 + host % 250)),
                platform: windows.then(|| "windows".to_string()),
                security_group_ids: vec![sg_ids[v].clone()],
                profile_arn: profile.cloned(),
                imds_v2_required: i % 2 == 0,
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
        });
    }
    // Whoever is ready at the start has long been registered; a few have gone quiet.
    let mut ready = vec![false; w.instances.len()];
    w.evaluate_instances(
        now,
        |_| true,
        |k, r| ready[k] = r.verdict == Verdict::Waiting,
    );
    let registered_at = now - SignedDuration::from_hours(30);
    for (i, (inst, ready)) in w.instances.iter_mut().zip(ready).enumerate() {
        if inst.agent_version.is_some() && ready {
            inst.registered_at = Some(registered_at);
            inst.connection_lost = i % 17 == 8;
        }
    }
    let patched: Vec<(String, bool)> = w
        .instances
        .iter()
        .enumerate()
        .filter(|(_, i)| i.registered_at.is_some())
        .map(|(n, i)| (i.instance.id.clone(), n % 3 == 0))
        .collect();
    for (id, install) in patched {
        let state = super::simulate::patch_state(&id, install, now - SignedDuration::from_hours(6));
        w.patch_states.insert(id, state);
    }
    // One online Linux node whose commands fail, so failures can be seen.
    if let Some(broken) = w
        .instances
        .iter_mut()
        .find(|i| i.registered_at.is_some() && !i.connection_lost && !i.instance.is_windows())
    {
        broken.fails_commands = true;
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

fn add_window_details(w: &mut World, window_id: &str) {
    use crate::domain::model::{WindowTarget, WindowTask};
    w.window_targets.insert(
        window_id.to_string(),
        vec![WindowTarget {
            id: "e32eecb2-646c-4f4b-8ed1-205fbEXAMPLE".into(),
            name: Some("weekly-patch-group".into()),
            targets: vec!["tag:Patch=weekly".into()],
        }],
    );
    w.window_tasks.insert(
        window_id.to_string(),
        vec![WindowTask {
            id: "8a5c4629-31b0-4edd-8aea-33698EXAMPLE".into(),
            task: "AWS-RunPatchBaseline".into(),
            task_type: "RUN_COMMAND".into(),
            priority: 1,
            max_concurrency: Some("10%".into()),
            max_errors: Some("1".into()),
        }],
    );
}

/// splitmix64: deterministic, well-spread ids.
pub fn mix(x: u64) -> u64 {
    let mut z = x.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}
