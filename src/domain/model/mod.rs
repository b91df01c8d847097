//! Plain data the whole program shares. Shaped after the AWS APIs, free of SDK types.

mod activation;
mod associations;
mod fleet;
mod iam;
mod instances;
mod network;

pub use activation::*;
pub use associations::*;
pub use fleet::*;
pub use iam::*;
pub use instances::*;
pub use network::*;

pub const CORE_POLICY_ARN: &str = "arn:aws:iam::aws:policy/AmazonSSMManagedInstanceCore";
pub const DEPRECATED_POLICY_ARN: &str = "arn:aws:iam::aws:policy/service-role/AmazonEC2RoleforSSM";
pub const DEFAULT_ROLE_NAME: &str = "ManagedInstancesRole";
pub const EC2_SERVICE_PRINCIPAL: &str = "ec2.amazonaws.com";
/// The principal the Default Host Management role must trust.
pub const SSM_SERVICE_PRINCIPAL: &str = "ssm.amazonaws.com";
