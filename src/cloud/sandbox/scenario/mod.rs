//! The sandbox's starting worlds: the workshop lab (`lab`) and a deterministic synthetic
//! fleet (`fleet`), and the pieces both are built from.

mod fleet;
mod lab;
mod org;
mod specials;

use std::str::FromStr;

use jiff::{SignedDuration, Timestamp};

use super::world::World;
use crate::domain::model::{
    AclEntry, GroupRule, MaintenanceWindow, NetworkAcl, Route, RouteTable, RouteTarget,
    SecurityGroup, Subnet, WindowExecution,
};
use fleet::{FLEET_REGION, Shape, fleet, fleet_in};
use lab::lab;
pub use org::{OrgSandboxAccount, org_accounts};

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
    /// Position of `region` among [`SANDBOX_REGIONS`] (3 for any other).
    fn region_index(region: &str) -> usize {
        SANDBOX_REGIONS
            .iter()
            .position(|x| *x == region)
            .unwrap_or(SANDBOX_REGIONS.len())
    }

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
    /// An organization of `accounts` accounts with `instances` instances each.
    Org {
        accounts: usize,
        instances: usize,
    },
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
        if let Some(rest) = s.strip_prefix("org:") {
            return org::parse(s, rest);
        }
        Err(format!(
            "unknown sandbox scenario '{s}': expected 'lab', 'fleet:N' or 'org:A:N'"
        ))
    }
}

impl Scenario {
    pub fn name(self) -> String {
        match self {
            Self::Lab => "lab".into(),
            Self::Fleet(n) => format!("fleet:{n}"),
            Self::Org {
                accounts,
                instances,
            } => format!("org:{accounts}:{instances}"),
        }
    }

    pub fn build(self, now: Timestamp) -> World {
        match self {
            Self::Lab => lab(now),
            Self::Fleet(n) => fleet(n, now),
            Self::Org { .. } => self.build_in(
                now,
                &SandboxScope {
                    region: None,
                    account: 0,
                },
            ),
        }
    }

    /// Where the scenario lives.
    pub fn home_region(self) -> &'static str {
        match self {
            Self::Lab => LAB_REGION,
            Self::Fleet(_) | Self::Org { .. } => FLEET_REGION,
        }
    }

    /// The world one scope sees: the scenario itself in its home region of the first
    /// account; elsewhere a fleet (as large as `fleet:N`, 24 instances beside the lab)
    /// with its own ids, region and account.
    pub fn build_in(self, now: Timestamp, scope: &SandboxScope) -> World {
        let region = scope.region.as_deref().unwrap_or(self.home_region());
        if let Self::Org {
            accounts,
            instances,
        } = self
        {
            return org::account_world(accounts, instances, scope.account, region, now);
        }
        if region == self.home_region() && scope.account == 0 {
            return self.build(now);
        }
        let n = match self {
            Self::Lab => 24,
            Self::Fleet(n) | Self::Org { instances: n, .. } => n,
        };
        fleet_in(
            n,
            now,
            region,
            &account_id(scope.account),
            u16::from(scope.salt(region)),
            Shape::Mixed,
        )
    }
}

/// A rule for all traffic to or from anywhere.
fn all_traffic() -> GroupRule {
    GroupRule {
        protocol: "-1".into(),
        from_port: None,
        to_port: None,
        cidrs: vec!["0.0.0.0/0".into()],
        group_ids: Vec::new(),
        prefix_list_ids: Vec::new(),
    }
}

/// A security group as AWS makes it: its ingress, egress allowing everything.
fn security_group(id: &str, vpc: &str, name: &str, ingress: Vec<GroupRule>) -> SecurityGroup {
    SecurityGroup {
        id: id.into(),
        vpc_id: vpc.into(),
        name: name.into(),
        ingress,
        egress: vec![all_traffic()],
    }
}

fn acl_entry(rule_number: i32, egress: bool, allow: bool, ports: Option<(i32, i32)>) -> AclEntry {
    AclEntry {
        rule_number,
        egress,
        protocol: if ports.is_some() { "6" } else { "-1" }.into(),
        allow,
        cidr: "0.0.0.0/0".into(),
        ports,
    }
}

/// A network ACL allowing everything both ways (a VPC's default one when `is_default`),
/// with `extra` entries and the implicit deny.
fn network_acl(
    id: &str,
    vpc: &str,
    is_default: bool,
    subnets: &[String],
    extra: Vec<AclEntry>,
) -> NetworkAcl {
    let mut entries = extra;
    for egress in [true, false] {
        entries.push(acl_entry(100, egress, true, None));
        entries.push(acl_entry(32767, egress, false, None));
    }
    NetworkAcl {
        id: id.into(),
        vpc_id: vpc.into(),
        is_default,
        subnet_ids: subnets.to_vec(),
        entries,
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
