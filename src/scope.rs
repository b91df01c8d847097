//! Where ssmdeck looks: one (profile, region), or several shown together.

/// One account and region, as the operator named them.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub struct Scope {
    /// The AWS profile; `None`: the default credential chain.
    pub profile: Option<String>,
    /// `None`: the profile's own region (AWS_REGION, the shared config).
    pub region: Option<String>,
    /// With `--org`: the organization's account this scope reaches (through the role).
    pub org: Option<OrgAccount>,
}

/// An account of the organization, as `organizations:ListAccounts` names it.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub struct OrgAccount {
    pub id: String,
    pub name: String,
}

impl OrgAccount {
    /// How a row or a report names it: `name (id)`.
    pub fn label(&self) -> String {
        if self.name.is_empty() {
            self.id.clone()
        } else {
            format!("{} ({})", self.name, self.id)
        }
    }
}

impl Scope {
    /// Two scopes of the same account (IAM is shared between them).
    pub fn same_account(&self, other: &Scope) -> bool {
        self.profile == other.profile
            && self.org.as_ref().map(|o| &o.id) == other.org.as_ref().map(|o| &o.id)
    }
}

/// Regions as given on the command line or in the config file.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum Regions {
    /// The profile's own region.
    #[default]
    Default,
    List(Vec<String>),
    /// Every region enabled for the account.
    All,
}

/// Profiles and regions as given: `--profile a,b`, `--region all`, `--region r1,r2`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Selection {
    pub profiles: Vec<String>,
    pub regions: Regions,
}

/// Order kept, repeats dropped.
fn dedup(values: Vec<String>) -> Vec<String> {
    let mut out: Vec<String> = Vec::with_capacity(values.len());
    for v in values {
        if !out.contains(&v) {
            out.push(v);
        }
    }
    out
}

impl Selection {
    /// `all` stands alone among the regions.
    pub fn new(profiles: Vec<String>, regions: Vec<String>) -> Result<Self, String> {
        let regions = dedup(regions);
        let regions = if regions.iter().any(|r| r == "all") {
            if regions.len() > 1 {
                return Err("--region all cannot be combined with other regions".into());
            }
            Regions::All
        } else if regions.is_empty() {
            Regions::Default
        } else {
            Regions::List(regions)
        };
        Ok(Self {
            profiles: dedup(profiles),
            regions,
        })
    }

    /// More than one account or region: the merged view with Region and Account columns.
    pub fn is_multi(&self) -> bool {
        self.profiles.len() > 1
            || matches!(&self.regions, Regions::All)
            || matches!(&self.regions, Regions::List(l) if l.len() > 1)
    }

    /// The profiles, `None` standing for the default chain when none was named.
    pub fn profile_list(&self) -> Vec<Option<String>> {
        if self.profiles.is_empty() {
            vec![None]
        } else {
            self.profiles.iter().cloned().map(Some).collect()
        }
    }

    /// Every (profile, region) in order: profiles outer, regions inner. `enabled` gives
    /// the regions `all` stands for in a profile's account.
    pub fn scopes(&self, enabled: impl Fn(Option<&str>) -> Vec<String>) -> Vec<Scope> {
        let mut out = Vec::new();
        for profile in self.profile_list() {
            let regions: Vec<Option<String>> = match &self.regions {
                Regions::Default => vec![None],
                Regions::List(l) => l.iter().cloned().map(Some).collect(),
                Regions::All => enabled(profile.as_deref()).into_iter().map(Some).collect(),
            };
            for region in regions {
                out.push(Scope {
                    profile: profile.clone(),
                    region,
                    org: None,
                });
            }
        }
        out
    }
}

/// IAM is global to an account: only the first scope of each profile reads it.
pub fn reads_iam(scopes: &[Scope]) -> Vec<bool> {
    scopes
        .iter()
        .enumerate()
        .map(|(i, s)| !scopes[..i].iter().any(|o| o.same_account(s)))
        .collect()
}
