//! The remediation plan: which calls, with which parameters, for which findings.

use ssmdeck::domain::model::*;
use ssmdeck::domain::plan::*;
use ssmdeck::domain::readiness::evaluate;
use ssmdeck::domain::snapshot::Snapshot;

use crate::fixtures::*;
use ssmdeck::i18n::Lang;
use ssmdeck::present::step_title;

const DAY: &str = "20261128";

fn endpoints_plan(s: &Snapshot) -> Plan {
    plan_endpoints(s, &evaluate(s), VPC, DAY)
}

fn calls(plan: &Plan) -> Vec<&Call> {
    plan.selected_calls().collect()
}

fn created_endpoint_subnets(plan: &Plan) -> Vec<Vec<String>> {
    calls(plan)
        .iter()
        .filter_map(|c| match c {
            Call::CreateVpcEndpoint { subnet_ids, .. } => Some(subnet_ids.clone()),
            _ => None,
        })
        .collect()
}

#[test]
fn endpoints_go_in_private_subnets_one_per_instance_az() {
    let mut s = ready();
    s.network.endpoints.clear();
    let plan = endpoints_plan(&s);
    let subnets = created_endpoint_subnets(&plan);
    assert_eq!(subnets.len(), 3, "ssm, ssmmessages, ec2messages");
    assert!(
        subnets.iter().all(|x| x == &vec![SUBNET_A.to_string()]),
        "only 2a has instances: {subnets:?}"
    );

    // A second instance in 2c: both AZs covered, still one subnet per AZ and never the public one.
    let mut second = s.instances.instances[0].clone();
    second.id = "i-2".into();
    second.subnet_id = Some(SUBNET_C.into());
    second.az = Some("ap-northeast-2c".into());
    s.instances.instances.push(second);
    let subnets = created_endpoint_subnets(&endpoints_plan(&s));
    assert!(
        subnets
            .iter()
            .all(|x| x == &vec![SUBNET_A.to_string(), SUBNET_C.to_string()]),
        "{subnets:?}"
    );
}

#[test]
fn endpoints_are_interface_with_private_dns_and_a_stable_client_token() {
    let mut s = ready();
    s.network
        .endpoints
        .retain(|e| e.service_name.ends_with(".ssm"));
    let plan = endpoints_plan(&s);
    let creates: Vec<&Call> = calls(&plan)
        .into_iter()
        .filter(|c| matches!(c, Call::CreateVpcEndpoint { .. }))
        .collect();
    assert_eq!(creates.len(), 2, "only the missing ones");
    for c in creates {
        let Call::CreateVpcEndpoint {
            kind,
            private_dns,
            client_token,
            service_name,
            ..
        } = c
        else {
            unreachable!()
        };
        assert_eq!(*kind, EndpointType::Interface);
        assert!(*private_dns);
        let short = service_name.rsplit('.').next().unwrap_or_default();
        assert_eq!(client_token, &client_token_for(short));
    }
    // The same snapshot plans the same calls (racing runs share the tokens).
    assert_eq!(plan, endpoints_plan(&s));
}

fn client_token_for(short: &str) -> String {
    client_token(VPC, short, DAY)
}

#[test]
fn an_existing_group_that_allows_443_is_reused() {
    let mut s = ready();
    s.network.endpoints.clear();
    let plan = endpoints_plan(&s);
    assert!(
        !calls(&plan)
            .iter()
            .any(|c| matches!(c, Call::CreateSecurityGroup { .. }))
    );
    let groups: Vec<&Option<GroupRef>> = calls(&plan)
        .iter()
        .filter_map(|c| match c {
            Call::CreateVpcEndpoint { group, .. } => Some(group),
            _ => None,
        })
        .collect();
    assert!(
        groups
            .iter()
            .all(|g| **g == Some(GroupRef::Existing(ENDPOINT_SG.into())))
    );
}

#[test]
fn without_such_a_group_ssmdeck_endpoints_is_created_with_443_from_the_vpc() {
    let mut s = ready();
    s.network.endpoints.clear();
    s.network.security_groups[0].ingress.clear();
    let plan = endpoints_plan(&s);
    let c = calls(&plan);
    assert!(matches!(c[0], Call::CreateSecurityGroup { name, .. } if name == ENDPOINT_GROUP_NAME));
    assert!(matches!(
        c[1],
        Call::AuthorizeSecurityGroupIngress { group: GroupRef::Created { .. }, cidr } if cidr == "10.0.0.0/16"
    ));
    assert!(matches!(
        c[2],
        Call::CreateVpcEndpoint {
            group: Some(GroupRef::Created { .. }),
            ..
        }
    ));
}

#[test]
fn vpc_dns_attributes_are_enabled_first_when_off() {
    let mut s = ready();
    s.network.endpoints.clear();
    s.network.vpcs[0].dns_hostnames = Some(false);
    let plan = endpoints_plan(&s);
    let c = calls(&plan);
    assert_eq!(
        c[0],
        &Call::ModifyVpcAttribute {
            vpc_id: VPC.into(),
            attribute: VpcDnsAttribute::EnableDnsHostnames
        }
    );
    assert_eq!(
        c.iter()
            .filter(|x| matches!(x, Call::ModifyVpcAttribute { .. }))
            .count(),
        1
    );
}

#[test]
fn optional_endpoints_are_offered_unselected() {
    let mut s = ready();
    s.network.endpoints.clear();
    let plan = endpoints_plan(&s);
    let optional = plan
        .steps
        .iter()
        .find(|x| x.kind == StepKind::OptionalEndpoints)
        .expect("offered");
    assert!(!optional.selected);
    let s3 = optional.calls.iter().find_map(|c| match c {
        Call::CreateVpcEndpoint {
            service_name,
            kind,
            route_table_ids,
            ..
        } if service_name.ends_with(".s3") => Some((*kind, route_table_ids.clone())),
        _ => None,
    });
    let (kind, tables) = s3.expect("s3 gateway offered");
    assert_eq!(kind, EndpointType::Gateway);
    assert!(
        !tables.contains(&"rtb-public".to_string()),
        "only the private route tables: {tables:?}"
    );
    assert!(calls(&plan).iter().all(|c| !matches!(c, Call::CreateVpcEndpoint { service_name, .. } if service_name.ends_with(".s3"))));
}

#[test]
fn role_is_created_with_trust_core_policy_and_profile() {
    let mut s = ready();
    s.iam.roles.clear();
    s.iam.profiles.clear();
    let plan = plan_role(&s, DEFAULT_ROLE_NAME);
    let c = calls(&plan);
    assert_eq!(
        c,
        vec![
            &Call::CreateRole {
                name: DEFAULT_ROLE_NAME.into(),
                trusted_service: EC2_SERVICE_PRINCIPAL.into()
            },
            &Call::AttachRolePolicy {
                role: DEFAULT_ROLE_NAME.into(),
                policy_arn: CORE_POLICY_ARN.into()
            },
            &Call::CreateInstanceProfile {
                name: DEFAULT_ROLE_NAME.into()
            },
            &Call::AddRoleToInstanceProfile {
                profile: DEFAULT_ROLE_NAME.into(),
                role: DEFAULT_ROLE_NAME.into()
            },
        ]
    );
}

#[test]
fn a_role_with_the_deprecated_policy_is_offered_core_not_replaced() {
    let mut s = ready();
    s.iam.roles[0].attached_policy_arns = vec![DEPRECATED_POLICY_ARN.into()];
    let plan = plan_role(&s, DEFAULT_ROLE_NAME);
    assert_eq!(
        calls(&plan),
        vec![&Call::AttachRolePolicy {
            role: DEFAULT_ROLE_NAME.into(),
            policy_arn: CORE_POLICY_ARN.into()
        }]
    );
    let title = step_title(&plan.steps[0], Lang::En);
    assert!(title.contains("deprecated"), "{title}");
}

#[test]
fn an_instance_with_another_profile_gets_a_replace_and_the_preview_says_so() {
    let mut s = ready();
    s.instances.instances[0].profile_arn = Some(profile_arn("web-app"));
    s.instances.associations.push(ProfileAssociation {
        id: "iip-assoc-9".into(),
        instance_id: INSTANCE.into(),
        profile_arn: profile_arn("web-app"),
        state: AssociationState::Associated,
    });
    let plan = plan_attach(&s, &[INSTANCE.to_string()], DEFAULT_ROLE_NAME);
    assert_eq!(
        calls(&plan),
        vec![&Call::ReplaceIamInstanceProfileAssociation {
            association_id: "iip-assoc-9".into(),
            instance_id: INSTANCE.into(),
            profile: DEFAULT_ROLE_NAME.into(),
            replaces: "web-app".into(),
        }]
    );
    let title = step_title(&plan.steps[0], Lang::En);
    assert!(title.contains("REPLACED"), "{title}");
}

#[test]
fn an_instance_without_a_profile_gets_an_association() {
    let mut s = ready();
    s.instances.instances[0].profile_arn = None;
    let plan = plan_attach(&s, &[INSTANCE.to_string()], DEFAULT_ROLE_NAME);
    assert_eq!(
        calls(&plan),
        vec![&Call::AssociateIamInstanceProfile {
            instance_id: INSTANCE.into(),
            profile: DEFAULT_ROLE_NAME.into()
        }]
    );
}

#[test]
fn nothing_to_do_is_an_empty_plan() {
    let mut s = ready();
    s.nodes.nodes.push(node(INSTANCE, PingStatus::Online));
    let r = evaluate(&s);
    let plan = plan_fix(&s, &r, &[], &[], DEFAULT_ROLE_NAME, DAY);
    assert!(plan.is_empty(), "{plan:?}");
    assert!(plan_role(&s, DEFAULT_ROLE_NAME).is_empty());
    assert!(plan_attach(&s, &[INSTANCE.to_string()], DEFAULT_ROLE_NAME).is_empty());
}

#[test]
fn fix_plans_endpoints_role_and_attachment_in_that_order() {
    let mut s = ready();
    s.network.endpoints.clear();
    s.iam.roles.clear();
    s.iam.profiles.clear();
    s.instances.instances[0].profile_arn = None;
    let r = evaluate(&s);
    let plan = plan_fix(&s, &r, &[], &[], DEFAULT_ROLE_NAME, DAY);
    let kinds: Vec<StepKind> = plan.steps.iter().map(|x| x.kind).collect();
    assert_eq!(
        kinds,
        vec![StepKind::Endpoints, StepKind::Role, StepKind::Attach]
    );
    assert!(
        plan.steps
            .iter()
            .all(|x| x.kind != StepKind::OptionalEndpoints)
    );
    // --vpc for another VPC leaves everything out.
    let other = plan_fix(&s, &r, &["vpc-other".into()], &[], DEFAULT_ROLE_NAME, DAY);
    assert!(other.is_empty());
}
