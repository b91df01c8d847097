//! The rate of each API family, and the `[budget]` section that changes them.

use serde::Deserialize;

use super::Family;
use super::bucket::Rate;

/// One bucket per family, for one account and region.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rates {
    pub ec2: Rate,
    pub ec2_mutate: Rate,
    pub iam: Rate,
    pub ssm: Rate,
    pub other: Rate,
}

impl Default for Rates {
    /// EC2's are its documented defaults (non-mutating actions: bucket 100, refill 20 a
    /// second; mutating: 50 and 5). IAM and SSM publish none: IAM's quota is one per
    /// account for every region and all of its automation, and SSM throttles its
    /// Describe/List calls (DescribeInstanceInformation first) at a few calls a second
    /// under load, so ssmdeck keeps far below what either allows: IAM 10 and 2 a second,
    /// SSM 20 and 5. STS, S3 and CloudWatch Logs: 20 and 5.
    fn default() -> Self {
        Self {
            ec2: Rate::new(100, 20),
            ec2_mutate: Rate::new(50, 5),
            iam: Rate::new(10, 2),
            ssm: Rate::new(20, 5),
            other: Rate::new(20, 5),
        }
    }
}

impl Rates {
    pub fn of(&self, family: Family) -> Rate {
        match family {
            Family::Ec2Describe => self.ec2,
            Family::Ec2Mutate => self.ec2_mutate,
            Family::Iam => self.iam,
            Family::Ssm => self.ssm,
            Family::Other => self.other,
        }
    }
}

/// `[budget] ec2 = "100/20", ec2_mutate = "50/5", iam = "10/2", ssm = "20/5",
/// other = "20/5"`: calls at once / calls a second, per account and region.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct BudgetConfig {
    pub ec2: Option<String>,
    pub ec2_mutate: Option<String>,
    pub iam: Option<String>,
    pub ssm: Option<String>,
    pub other: Option<String>,
}

impl BudgetConfig {
    /// The rates, the defaults where a key is missing; the first invalid key and its
    /// value otherwise.
    pub fn rates(&self) -> Result<Rates, (&'static str, String)> {
        let mut rates = Rates::default();
        let keys: [(&'static str, &Option<String>, &mut Rate); 5] = [
            ("ec2", &self.ec2, &mut rates.ec2),
            ("ec2_mutate", &self.ec2_mutate, &mut rates.ec2_mutate),
            ("iam", &self.iam, &mut rates.iam),
            ("ssm", &self.ssm, &mut rates.ssm),
            ("other", &self.other, &mut rates.other),
        ];
        for (key, value, rate) in keys {
            if let Some(text) = value {
                *rate = Rate::parse(text).ok_or((key, text.clone()))?;
            }
        }
        Ok(rates)
    }
}
