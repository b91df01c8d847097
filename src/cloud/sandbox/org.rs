//! `org:A:N` seen as `--org` sees AWS: one cloud per account and region, the account
//! whose role cannot be assumed one scope that says so.

use super::scenario::{SANDBOX_REGIONS, SandboxScope, Scenario, org_accounts};
use super::{Clock, SandboxCloud};
use crate::cloud::CloudError;
use crate::scope::{OrgAccount, Regions, Scope, Selection};

/// One scope of the sandbox's organization: its cloud, and the error every call meets
/// when the role could not be assumed.
pub type OrgScope = (Scope, SandboxCloud, Option<CloudError>);

impl SandboxCloud {
    /// The organization of `scenario` (`org:A:N`) through the regions of `selection`,
    /// the accounts `includes` lets through, `role` named in the refusal.
    pub fn for_org(
        scenario: Scenario,
        clock: &Clock,
        selection: &Selection,
        includes: impl Fn(&str) -> bool,
        role: &str,
    ) -> Vec<OrgScope> {
        let Scenario::Org { accounts, .. } = scenario else {
            return Vec::new();
        };
        let regions: Vec<Option<String>> = match &selection.regions {
            Regions::Default => vec![None],
            Regions::List(l) => l.iter().cloned().map(Some).collect(),
            Regions::All => SANDBOX_REGIONS
                .iter()
                .map(|r| Some(r.to_string()))
                .collect(),
        };
        let management = org_accounts(1).remove(0).id;
        let mut scopes = Vec::new();
        let mut at = Vec::new();
        let mut refusals = Vec::new();
        for account in org_accounts(accounts)
            .into_iter()
            .filter(|a| includes(&a.id))
        {
            let org = OrgAccount {
                id: account.id.clone(),
                name: account.name.clone(),
            };
            let refusal = (!account.assumable).then(|| CloudError::RoleNotAssumed {
                account: account.id.clone(),
                role: role.to_string(),
                detail: format!(
                    "AccessDenied: User: arn:aws:iam::{management}:user/sandbox is not authorized \
                     to perform: sts:AssumeRole on resource: arn:aws:iam::{}:role/{role}",
                    account.id
                ),
            });
            // An account no one gets into is one scope, whatever the regions.
            let its_regions = if refusal.is_some() {
                &regions[..1]
            } else {
                &regions[..]
            };
            for region in its_regions {
                scopes.push(Scope {
                    profile: None,
                    region: region.clone(),
                    org: Some(org.clone()),
                });
                at.push(SandboxScope {
                    region: region.clone(),
                    account: account.index,
                });
                refusals.push(refusal.clone());
            }
        }
        scopes
            .into_iter()
            .zip(Self::scoped(scenario, clock, &at))
            .zip(refusals)
            .map(|((scope, cloud), refusal)| (scope, cloud, refusal))
            .collect()
    }
}
