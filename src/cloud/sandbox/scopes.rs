//! The sandbox behind `--region`/`--profile` lists: one world per scope, the regions of
//! one account sharing its roles and instance profiles.

use std::sync::{Arc, Mutex};

use super::scenario::{self, SANDBOX_REGIONS, SandboxScope, Scenario};
use super::world::World;
use super::{Clock, SandboxCloud, locked};
use crate::domain::model::{InstanceProfile, Role};

impl SandboxCloud {
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
}
