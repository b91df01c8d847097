//! `org:A:N`: an organization of A accounts with N instances each. Account 0 is the
//! management account (a mixed fleet, like `fleet:N`); the members are in turn fully
//! ready, without VPC endpoints and without instance roles; the role of the last member
//! cannot be assumed. Deterministic.

use jiff::Timestamp;

use super::fleet::{Shape, fleet_in};
use super::{SandboxScope, Scenario, account_id};
use crate::cloud::sandbox::world::World;

/// Most accounts an `org:A:N` may have.
pub(super) const MAX_ACCOUNTS: usize = 1_000;
/// Most instances of all accounts together.
pub(super) const MAX_INSTANCES: usize = 2_000_000;

/// `org:A:N` after `org:`.
pub(super) fn parse(whole: &str, rest: &str) -> Result<Scenario, String> {
    let bad = || {
        format!(
            "unknown sandbox scenario '{whole}': org:A:N needs A accounts (1 to {MAX_ACCOUNTS}) \
             and N instances each (at most {MAX_INSTANCES} in all)"
        )
    };
    let (a, n) = rest.split_once(':').ok_or_else(bad)?;
    let accounts: usize = a.parse().map_err(|_| bad())?;
    let instances: usize = n.parse().map_err(|_| bad())?;
    if !(1..=MAX_ACCOUNTS).contains(&accounts) || accounts.saturating_mul(instances) > MAX_INSTANCES
    {
        return Err(bad());
    }
    Ok(Scenario::Org {
        accounts,
        instances,
    })
}

/// One account as the organization lists it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrgSandboxAccount {
    /// Its number in the scenario (0: the management account).
    pub index: usize,
    pub id: String,
    pub name: String,
    /// False for the one member whose role cannot be assumed.
    pub assumable: bool,
}

const TEAMS: [&str; 4] = ["payments", "search", "platform", "data"];
const STAGES: [&str; 3] = ["prod", "staging", "dev"];

/// The organization's accounts, the management account first.
pub fn org_accounts(accounts: usize) -> Vec<OrgSandboxAccount> {
    (0..accounts)
        .map(|k| OrgSandboxAccount {
            index: k,
            id: account_id(k),
            name: if k == 0 {
                "management".into()
            } else {
                format!("{}-{}-{k:02}", TEAMS[k % 4], STAGES[(k / 4) % 3])
            },
            assumable: k == 0 || k + 1 < accounts,
        })
        .collect()
}

/// How member `k`'s fleet is built.
fn shape(k: usize) -> Shape {
    match k {
        0 => Shape::Mixed,
        _ => match (k - 1) % 3 {
            0 => Shape::Ready,
            1 => Shape::NoEndpoints,
            _ => Shape::NoRole,
        },
    }
}

/// Account `k`'s world in `region`; empty for the account no one can get into.
pub(super) fn account_world(
    accounts: usize,
    instances: usize,
    k: usize,
    region: &str,
    now: Timestamp,
) -> World {
    let name = format!("org:{accounts}:{instances}");
    let id = account_id(k);
    if k != 0 && k + 1 == accounts {
        let mut w = World::new(region, &name, now);
        w.account = id;
        return w;
    }
    let salt = 0x100 + 4 * k + SandboxScope::region_index(region);
    let mut w = fleet_in(
        instances,
        now,
        region,
        &id,
        u16::try_from(salt).unwrap_or(u16::MAX),
        shape(k),
    );
    w.scenario = name;
    w
}
