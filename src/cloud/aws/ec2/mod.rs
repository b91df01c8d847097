//! EC2: network and instance reads, endpoint / security group / ACL / profile writes.

mod instances;
mod network;
mod writes;

pub(crate) use instances::{describe_iam_instance_profile_associations, describe_instances};
pub(crate) use network::{
    describe_nat_gateways, describe_network_acls, describe_regions, describe_route_tables,
    describe_security_groups, describe_subnets, describe_vpc_attribute,
    describe_vpc_endpoint_services, describe_vpc_endpoints, describe_vpcs,
};
pub(crate) use writes::{
    DRY_RUN_PROBE, associate_iam_instance_profile, authorize_https_egress, authorize_https_ingress,
    create_network_acl_entry, create_security_group, create_vpc_endpoint, enable_instance_metadata,
    modify_vpc_attribute, modify_vpc_endpoint, probe_dry_run,
    replace_iam_instance_profile_association,
};

use super::logged;
use crate::cloud::{CloudError, WriteMode};

/// Page sizes: the largest each API accepts.
const PAGE_1000: i32 = 1000;
const ROUTE_TABLES_PAGE: i32 = 100;

fn logged_write(action: &'static str, mode: WriteMode) {
    if mode == WriteMode::DryRun {
        tracing::debug!(op = action, "dry run");
    }
    logged(action, 1, 1);
}

fn missing(action: &str, what: &str) -> CloudError {
    CloudError::Other(format!("{action}: response has no {what}"))
}
