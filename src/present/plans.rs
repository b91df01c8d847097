//! Plans in the interface's language: their titles, their steps' titles and notes, and
//! each call with its parameters (API names and ids stay as they are).

use super::findings::manual_change;
use crate::domain::model::EndpointType;
use crate::domain::plan::{
    Call, ENDPOINT_GROUP_NAME, GroupRef, Note, Plan, Step, StepTitle, Subject,
};
use crate::i18n::{Lang, t, tf};

/// The plan's title, with where it runs when several scopes are shown.
pub fn plan_title(plan: &Plan, lang: Lang) -> String {
    let title = match &plan.subject {
        Subject::Endpoints { vpc_id } => tf(lang, "plan.title.endpoints", &[("vpc", vpc_id)]),
        Subject::Role { name } => tf(lang, "plan.title.role", &[("role", name)]),
        Subject::RolePolicy { role } => tf(lang, "plan.title.role_policy", &[("role", role)]),
        Subject::Attach { profile } => tf(lang, "plan.title.attach", &[("profile", profile)]),
        Subject::Inventory => t(lang, "plan.title.inventory"),
        Subject::Fix => t(lang, "plan.title.fix"),
    };
    if plan.place.is_empty() {
        title
    } else {
        format!("{title} · {}", plan.place)
    }
}

/// A step's title.
pub fn step_title(step: &Step, lang: Lang) -> String {
    match &step.title {
        StepTitle::VpcDns { vpc } => tf(lang, "plan.step.vpc_dns", &[("vpc", vpc)]),
        StepTitle::EndpointGroup { cidr } => {
            tf(lang, "plan.step.endpoint_group", &[("cidr", cidr)])
        }
        StepTitle::ExistingEndpointGroups => t(lang, "plan.step.existing_endpoint_groups"),
        StepTitle::Endpoints { vpc, services } => tf(
            lang,
            "plan.step.endpoints",
            &[("services", &services.join(", ")), ("vpc", vpc)],
        ),
        StepTitle::PrivateDns { vpc, services } => tf(
            lang,
            "plan.step.private_dns",
            &[("services", &services.join(", ")), ("vpc", vpc)],
        ),
        StepTitle::EndpointZones { vpc, azs } => tf(
            lang,
            "plan.step.endpoint_zones",
            &[("azs", &azs.join(", ")), ("vpc", vpc)],
        ),
        StepTitle::OptionalEndpoints => t(lang, "plan.step.optional_endpoints"),
        StepTitle::Egress => t(lang, "plan.step.egress"),
        StepTitle::Metadata => t(lang, "plan.step.metadata"),
        StepTitle::NetworkAcl => t(lang, "plan.step.network_acl"),
        StepTitle::CreateRole { role } => tf(lang, "plan.step.create_role", &[("role", role)]),
        StepTitle::AddCoreToDeprecated { role } => {
            tf(lang, "plan.step.add_core_to_deprecated", &[("role", role)])
        }
        StepTitle::CompleteRole { role } => tf(lang, "plan.step.complete_role", &[("role", role)]),
        StepTitle::AttachCore { roles } => tf(
            lang,
            "plan.step.attach_core",
            &[("roles", &roles.join(", "))],
        ),
        StepTitle::Attach {
            profile,
            count,
            replaces,
        } => {
            let (profile, count, replaces) =
                (profile.as_str(), count.to_string(), replaces.to_string());
            if replaces == "0" {
                tf(
                    lang,
                    "plan.step.attach",
                    &[("profile", profile), ("count", &count)],
                )
            } else {
                tf(
                    lang,
                    "plan.step.attach_replacing",
                    &[
                        ("profile", profile),
                        ("count", &count),
                        ("replaces", &replaces),
                    ],
                )
            }
        }
        StepTitle::Inventory { nodes, every } => tf(
            lang,
            if *every {
                "plan.step.inventory_every"
            } else {
                "plan.step.inventory"
            },
            &[("count", &nodes.to_string())],
        ),
        StepTitle::Manual => t(lang, "plan.step.manual"),
    }
}

/// A note of a step, in a line.
pub fn note_text(note: &Note, lang: Lang) -> String {
    match note {
        Note::NoSubnetForEndpoints { vpc_id } => {
            tf(lang, "plan.note.no_subnet", &[("vpc", vpc_id)])
        }
        Note::RoleNotTrustingEc2 { role } => {
            tf(lang, "plan.note.role_not_trusting_ec2", &[("role", role)])
        }
        Note::ProfileHoldsOtherRole { profile, roles } => tf(
            lang,
            "plan.note.profile_holds_other_role",
            &[("profile", profile), ("roles", &roles.join(", "))],
        ),
        Note::NoSuchInstance { instance_id } => tf(
            lang,
            "plan.note.no_such_instance",
            &[("instance", instance_id)],
        ),
        Note::CannotTakeProfile { instance_id, state } => tf(
            lang,
            "plan.note.cannot_take_profile",
            &[("instance", instance_id), ("state", state)],
        ),
        Note::ProfileWithoutAssociation {
            instance_id,
            profile,
        } => tf(
            lang,
            "plan.note.profile_without_association",
            &[("instance", instance_id), ("profile", profile)],
        ),
        Note::Manual { finding, subjects } => tf(
            lang,
            "plan.note.manual",
            &[
                ("change", &manual_change(finding, lang)),
                ("subjects", &subjects_text(subjects)),
            ],
        ),
    }
}

/// At most five resources, then how many more.
fn subjects_text(subjects: &[String]) -> String {
    const SHOWN: usize = 5;
    let mut text = subjects
        .iter()
        .take(SHOWN)
        .cloned()
        .collect::<Vec<_>>()
        .join(", ");
    if subjects.len() > SHOWN {
        text.push_str(&format!(" +{}", subjects.len() - SHOWN));
    }
    text
}

/// The call with its parameters, one line: what the preview shows.
pub fn call_text(call: &Call) -> String {
    let group = |g: &GroupRef| match g {
        GroupRef::Existing(id) => id.clone(),
        GroupRef::Created { .. } => format!("<new {ENDPOINT_GROUP_NAME}>"),
    };
    match call {
        Call::ModifyVpcAttribute { vpc_id, attribute } => {
            format!("ModifyVpcAttribute {vpc_id} {}=true", attribute.name())
        }
        Call::CreateSecurityGroup { vpc_id, name, .. } => {
            format!("CreateSecurityGroup {name} in {vpc_id}")
        }
        Call::AuthorizeSecurityGroupIngress { group: g, cidr } => {
            format!(
                "AuthorizeSecurityGroupIngress {} tcp/443 from {cidr}",
                group(g)
            )
        }
        Call::CreateVpcEndpoint {
            service_name,
            kind,
            subnet_ids,
            group: g,
            route_table_ids,
            private_dns,
            client_token,
            ..
        } => match kind {
            EndpointType::Gateway => format!(
                "CreateVpcEndpoint {service_name} Gateway route tables {} token {client_token}",
                route_table_ids.join(",")
            ),
            _ => format!(
                "CreateVpcEndpoint {service_name} Interface subnets {} sg {} private DNS {} token {client_token}",
                subnet_ids.join(","),
                g.as_ref().map(group).unwrap_or_else(|| "default".into()),
                if *private_dns { "on" } else { "off" }
            ),
        },
        Call::ModifyVpcEndpoint {
            endpoint_id,
            service_name,
            private_dns,
            add_subnet_ids,
        } => {
            let mut text = format!("ModifyVpcEndpoint {endpoint_id} ({service_name})");
            if let Some(on) = private_dns {
                text.push_str(&format!(" PrivateDnsEnabled={on}"));
            }
            if !add_subnet_ids.is_empty() {
                text.push_str(&format!(" AddSubnetIds={}", add_subnet_ids.join(",")));
            }
            text
        }
        Call::AuthorizeSecurityGroupEgress { group_id, cidr } => {
            format!("AuthorizeSecurityGroupEgress {group_id} tcp/443 to {cidr}")
        }
        Call::ModifyInstanceMetadataOptions { instance_id } => {
            format!("ModifyInstanceMetadataOptions {instance_id} HttpEndpoint=enabled")
        }
        Call::CreateNetworkAclEntry {
            acl_id,
            rule_number,
            egress,
            cidr,
            from_port,
            to_port,
        } => format!(
            "CreateNetworkAclEntry {acl_id} rule {rule_number} {} allow tcp {from_port}-{to_port} {cidr}",
            if *egress { "egress" } else { "ingress" }
        ),
        Call::CreateRole {
            name,
            trusted_service,
        } => format!("CreateRole {name} trusting {trusted_service}"),
        Call::AttachRolePolicy { role, policy_arn } => {
            format!("AttachRolePolicy {role} {policy_arn}")
        }
        Call::CreateInstanceProfile { name } => format!("CreateInstanceProfile {name}"),
        Call::AddRoleToInstanceProfile { profile, role } => {
            format!("AddRoleToInstanceProfile {profile} ← {role}")
        }
        Call::AssociateIamInstanceProfile {
            instance_id,
            profile,
        } => format!("AssociateIamInstanceProfile {instance_id} ← {profile}"),
        Call::ReplaceIamInstanceProfileAssociation {
            association_id,
            instance_id,
            profile,
            replaces,
        } => format!(
            "ReplaceIamInstanceProfileAssociation {association_id} ({instance_id}): {replaces} → {profile}"
        ),
        Call::CreateAssociation {
            name,
            document,
            targets,
            schedule,
            parameters,
        } => format!(
            "CreateAssociation {document} name {name} targets {} schedule {schedule} parameters {}",
            targets
                .iter()
                .map(|t| t.text())
                .collect::<Vec<_>>()
                .join(" "),
            parameters
                .iter()
                .map(|(k, v)| format!("{k}={}", v.join(",")))
                .collect::<Vec<_>>()
                .join(",")
        ),
    }
}
