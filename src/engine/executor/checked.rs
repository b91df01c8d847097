//! The changes to existing resources (an endpoint's private DNS and subnets, a group's
//! egress, an instance's metadata options, a network ACL entry): each is looked up first
//! (already so: skipped), then written, then read back — a write the account accepted
//! without effect (moto takes `PrivateDnsEnabled` and ignores it) is not reported done.

use super::calls::Applied;
use crate::cloud::{AclEntryRequest, Cloud, CloudError, ModifyEndpointRequest, WriteMode};
use crate::domain::model::{GroupRule, NetworkAcl, VpcEndpoint};
use crate::domain::plan::Call;

pub(super) async fn run_checked<C: Cloud>(cloud: &C, call: &Call) -> Result<Applied, CloudError> {
    match call {
        Call::ModifyVpcEndpoint {
            endpoint_id,
            private_dns,
            add_subnet_ids,
            ..
        } => modify_endpoint(cloud, endpoint_id, *private_dns, add_subnet_ids).await,
        Call::AuthorizeSecurityGroupEgress { group_id, cidr } => {
            egress(cloud, group_id, cidr).await
        }
        Call::ModifyInstanceMetadataOptions { instance_id } => metadata(cloud, instance_id).await,
        Call::CreateNetworkAclEntry {
            acl_id,
            rule_number,
            egress,
            cidr,
            from_port,
            to_port,
        } => {
            let request = AclEntryRequest {
                acl_id: acl_id.clone(),
                rule_number: *rule_number,
                egress: *egress,
                cidr: cidr.clone(),
                from_port: *from_port,
                to_port: *to_port,
            };
            acl_entry(cloud, &request).await
        }
        other => Err(CloudError::Other(format!(
            "{} is not a change to an existing resource",
            other.action()
        ))),
    }
}

async fn endpoint<C: Cloud>(cloud: &C, id: &str) -> Result<VpcEndpoint, CloudError> {
    cloud
        .describe_vpc_endpoints()
        .await?
        .into_iter()
        .find(|e| e.id == id)
        .ok_or_else(|| CloudError::NotFound(format!("endpoint {id}")))
}

async fn modify_endpoint<C: Cloud>(
    cloud: &C,
    id: &str,
    private_dns: Option<bool>,
    add_subnet_ids: &[String],
) -> Result<Applied, CloudError> {
    let before = endpoint(cloud, id).await?;
    let dns_needed = private_dns.filter(|on| *on != before.private_dns);
    let add: Vec<String> = add_subnet_ids
        .iter()
        .filter(|s| !before.subnet_ids.contains(s))
        .cloned()
        .collect();
    if dns_needed.is_none() && add.is_empty() {
        return Ok(Applied::Skipped(format!("{id} is already so")));
    }
    let request = ModifyEndpointRequest {
        endpoint_id: id.to_string(),
        private_dns: dns_needed,
        add_subnet_ids: add.clone(),
    };
    cloud
        .modify_vpc_endpoint(&request, WriteMode::Apply)
        .await?;
    let after = endpoint(cloud, id).await?;
    if let Some(on) = dns_needed
        && after.private_dns != on
    {
        let state = if after.private_dns { "on" } else { "off" };
        return Ok(Applied::Unconfirmed(format!(
            "accepted, but private DNS is still {state} on {id}"
        )));
    }
    if let Some(missing) = add.iter().find(|s| !after.subnet_ids.contains(s)) {
        return Ok(Applied::Unconfirmed(format!(
            "accepted, but {id} does not list subnet {missing}"
        )));
    }
    let mut done = Vec::new();
    if let Some(on) = dns_needed {
        done.push(format!("private DNS {}", if on { "on" } else { "off" }));
    }
    if !add.is_empty() {
        done.push(format!("subnets {} added", add.join(",")));
    }
    Ok(Applied::Done(format!("{id}: {}", done.join(", "))))
}

fn allows_https_to(rule: &GroupRule, cidr: &str) -> bool {
    rule.covers_tcp_port(443) && rule.cidrs.iter().any(|c| c == cidr)
}

async fn egress_allowed<C: Cloud>(
    cloud: &C,
    group_id: &str,
    cidr: &str,
) -> Result<bool, CloudError> {
    let groups = cloud.describe_security_groups().await?;
    let group = groups
        .iter()
        .find(|g| g.id == group_id)
        .ok_or_else(|| CloudError::NotFound(format!("security group {group_id}")))?;
    Ok(group.egress.iter().any(|r| allows_https_to(r, cidr)))
}

async fn egress<C: Cloud>(cloud: &C, group_id: &str, cidr: &str) -> Result<Applied, CloudError> {
    if egress_allowed(cloud, group_id, cidr).await? {
        return Ok(Applied::Skipped("the rule is already there".into()));
    }
    match cloud
        .authorize_https_egress(group_id, cidr, WriteMode::Apply)
        .await
    {
        Ok(_) => {}
        Err(CloudError::AlreadyExists(_)) => {
            return Ok(Applied::Skipped("the rule is already there".into()));
        }
        Err(e) => return Err(e),
    }
    if egress_allowed(cloud, group_id, cidr).await? {
        Ok(Applied::Done(format!("{group_id}: tcp/443 to {cidr}")))
    } else {
        Ok(Applied::Unconfirmed(format!(
            "accepted, but {group_id} lists no egress to {cidr} on 443"
        )))
    }
}

async fn metadata_enabled<C: Cloud>(cloud: &C, instance_id: &str) -> Result<bool, CloudError> {
    cloud
        .describe_instances()
        .await?
        .into_iter()
        .find(|i| i.id == instance_id)
        .map(|i| i.metadata.endpoint_enabled)
        .ok_or_else(|| CloudError::NotFound(format!("instance {instance_id}")))
}

async fn metadata<C: Cloud>(cloud: &C, instance_id: &str) -> Result<Applied, CloudError> {
    if metadata_enabled(cloud, instance_id).await? {
        return Ok(Applied::Skipped(
            "the metadata endpoint is already on".into(),
        ));
    }
    cloud
        .enable_instance_metadata(instance_id, WriteMode::Apply)
        .await?;
    if metadata_enabled(cloud, instance_id).await? {
        Ok(Applied::Done(format!(
            "{instance_id}: HttpEndpoint enabled"
        )))
    } else {
        Ok(Applied::Unconfirmed(format!(
            "accepted, but the metadata endpoint of {instance_id} is still disabled"
        )))
    }
}

async fn acl<C: Cloud>(cloud: &C, id: &str) -> Result<NetworkAcl, CloudError> {
    cloud
        .describe_network_acls()
        .await?
        .into_iter()
        .find(|a| a.id == id)
        .ok_or_else(|| CloudError::NotFound(format!("network ACL {id}")))
}

/// `Some(true)`: the entry is there as asked; `Some(false)`: its number holds another one.
fn entry_state(acl: &NetworkAcl, r: &AclEntryRequest) -> Option<bool> {
    let e = acl
        .entries
        .iter()
        .find(|e| e.rule_number == r.rule_number && e.egress == r.egress)?;
    Some(
        e.allow
            && e.cidr == r.cidr
            && matches!(e.protocol.as_str(), "6" | "tcp")
            && e.ports == Some((r.from_port, r.to_port)),
    )
}

async fn acl_entry<C: Cloud>(cloud: &C, r: &AclEntryRequest) -> Result<Applied, CloudError> {
    match entry_state(&acl(cloud, &r.acl_id).await?, r) {
        Some(true) => return Ok(Applied::Skipped("the entry is already there".into())),
        Some(false) => {
            return Err(CloudError::AlreadyExists(format!(
                "{}: rule {} holds another entry now",
                r.acl_id, r.rule_number
            )));
        }
        None => {}
    }
    cloud.create_network_acl_entry(r, WriteMode::Apply).await?;
    if entry_state(&acl(cloud, &r.acl_id).await?, r) == Some(true) {
        Ok(Applied::Done(format!(
            "{} rule {}: allow tcp {}-{} {}",
            r.acl_id, r.rule_number, r.from_port, r.to_port, r.cidr
        )))
    } else {
        Ok(Applied::Unconfirmed(format!(
            "accepted, but {} lists no rule {} as asked",
            r.acl_id, r.rule_number
        )))
    }
}
