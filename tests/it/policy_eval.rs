//! IAM policy evaluation (`domain::policy`): an instance role's identity policies and a VPC
//! endpoint's policy, against the SSM agent's actions.

use percent_encoding::{NON_ALPHANUMERIC, utf8_percent_encode};
use proptest::prelude::*;
use serde_json::json;
use ssmdeck::domain::policy::{
    AGENT_ACTIONS, CORE_ACTIONS, Decision, PolicyDocument, Request, UnverifiedReason, evaluate_all,
    evaluate_identity, evaluate_resource, overall,
};

const ACCOUNT: &str = "123456789012";
const ROLE: &str = "arn:aws:iam::123456789012:role/SsmdeckInstanceRole";
const SESSION: &str =
    "arn:aws:sts::123456789012:assumed-role/SsmdeckInstanceRole/i-0123456789abcdef0";
const OTHER_SESSION: &str = "arn:aws:sts::123456789012:assumed-role/OtherRole/i-0123456789abcdef0";
const INSTANCE: &str = "arn:aws:ec2:eu-west-1:123456789012:instance/i-0123456789abcdef0";
const FOREIGN_INSTANCE: &str = "arn:aws:ec2:eu-west-1:999999999999:instance/i-0123456789abcdef0";

/// AmazonSSMManagedInstanceCore, default version v2, as the AWS managed policy reference shows it.
const CORE: &str = r#"{
  "Version" : "2012-10-17",
  "Statement" : [
    {
      "Effect" : "Allow",
      "Action" : [
        "ssm:DescribeAssociation",
        "ssm:GetDeployablePatchSnapshotForInstance",
        "ssm:GetDocument",
        "ssm:DescribeDocument",
        "ssm:GetManifest",
        "ssm:GetParameter",
        "ssm:GetParameters",
        "ssm:ListAssociations",
        "ssm:ListInstanceAssociations",
        "ssm:PutInventory",
        "ssm:PutComplianceItems",
        "ssm:PutConfigurePackageResult",
        "ssm:UpdateAssociationStatus",
        "ssm:UpdateInstanceAssociationStatus",
        "ssm:UpdateInstanceInformation"
      ],
      "Resource" : "*"
    },
    {
      "Effect" : "Allow",
      "Action" : [
        "ssmmessages:CreateControlChannel",
        "ssmmessages:CreateDataChannel",
        "ssmmessages:OpenControlChannel",
        "ssmmessages:OpenDataChannel"
      ],
      "Resource" : "*"
    },
    {
      "Effect" : "Allow",
      "Action" : [
        "ec2messages:AcknowledgeMessage",
        "ec2messages:DeleteMessage",
        "ec2messages:FailMessage",
        "ec2messages:GetEndpoint",
        "ec2messages:GetMessages",
        "ec2messages:SendReply"
      ],
      "Resource" : "*"
    }
  ]
}"#;

/// The shape of the deprecated AmazonEC2RoleforSSM: whole services.
const EC2_ROLE_FOR_SSM: &str = r#"{
  "Version": "2012-10-17",
  "Statement": [
    {"Effect": "Allow", "Action": ["ssm:*", "ec2messages:*", "ssmmessages:*"], "Resource": "*"},
    {"Effect": "Allow", "Action": ["cloudwatch:PutMetricData", "ec2:DescribeInstanceStatus"], "Resource": "*"},
    {"Effect": "Allow", "Action": ["s3:GetObject", "s3:PutObject"], "Resource": "*"}
  ]
}"#;

/// An inline customer policy with exactly the agent's actions.
const AGENT_ONLY: &str = r#"{
  "Version": "2012-10-17",
  "Statement": [{
    "Sid": "SsmAgent",
    "Effect": "Allow",
    "Action": [
      "ssm:UpdateInstanceInformation",
      "ssmmessages:CreateControlChannel", "ssmmessages:CreateDataChannel",
      "ssmmessages:OpenControlChannel", "ssmmessages:OpenDataChannel",
      "ec2messages:AcknowledgeMessage", "ec2messages:DeleteMessage", "ec2messages:FailMessage",
      "ec2messages:GetEndpoint", "ec2messages:GetMessages", "ec2messages:SendReply"
    ],
    "Resource": "*"
  }]
}"#;

const DENY_SESSIONS: &str = r#"{"Version": "2012-10-17", "Statement":
  {"Sid": "NoSessions", "Effect": "Deny", "Action": "ssmmessages:*", "Resource": "*"}}"#;

const ALLOW_ALL: &str = r#"{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}"#;

/// The default policy of every VPC endpoint.
const DEFAULT_ENDPOINT: &str =
    r#"{"Statement": [{"Effect": "Allow", "Principal": "*", "Action": "*", "Resource": "*"}]}"#;

/// The example endpoint policy of the Systems Manager user guide: read-only Run Command.
const SSM_ENDPOINT_EXAMPLE: &str = r#"{
  "Statement": [{
    "Sid": "SSMCommandsReadOnly",
    "Principal": "*",
    "Action": ["ssm:ListCommands", "ssm:ListCommandInvocations", "ssm:GetCommandInvocation"],
    "Effect": "Allow",
    "Resource": "*"
  }]
}"#;

/// Name, policies, action, resource, expected decision.
type IdentityCase<'a> = (&'a str, Vec<&'a str>, &'a str, Option<&'a str>, Decision);
/// Name, endpoint policy, action, principal ARN, account, expected decision.
type EndpointCase<'a> = (
    &'a str,
    &'a str,
    &'a str,
    Option<&'a str>,
    Option<&'a str>,
    Decision,
);

fn doc(text: &str) -> PolicyDocument {
    PolicyDocument::parse(text).unwrap_or_else(|e| panic!("{e}\n{text}"))
}

/// One identity statement, Version 2012-10-17.
fn stmt(statement: &str) -> String {
    format!(r#"{{"Version": "2012-10-17", "Statement": [{statement}]}}"#)
}

fn unverified(reason: UnverifiedReason) -> Decision {
    Decision::Unverified { reason }
}

fn denied_by(statement: &str) -> Decision {
    Decision::ExplicitDeny {
        statement: Some(statement.to_string()),
    }
}

fn identity(texts: &[&str], action: &str, resource: Option<&str>) -> Decision {
    let docs: Vec<PolicyDocument> = texts.iter().map(|t| doc(t)).collect();
    let refs: Vec<&PolicyDocument> = docs.iter().collect();
    let req = Request {
        resource,
        principal_arn: Some(ROLE),
        account: Some(ACCOUNT),
        ..Request::new(action)
    };
    evaluate_identity(&refs, &req)
}

#[test]
fn managed_and_customer_policies_allow_the_agent() {
    for (name, text, actions) in [
        ("AmazonSSMManagedInstanceCore", CORE, &CORE_ACTIONS[..]),
        ("AmazonSSMManagedInstanceCore", CORE, &AGENT_ACTIONS[..]),
        (
            "AmazonEC2RoleforSSM-like",
            EC2_ROLE_FOR_SSM,
            &CORE_ACTIONS[..],
        ),
        ("agent actions only", AGENT_ONLY, &AGENT_ACTIONS[..]),
    ] {
        for action in actions {
            for resource in [None, Some(INSTANCE)] {
                assert_eq!(
                    identity(&[text], action, resource),
                    Decision::Allowed,
                    "{name}: {action} on {resource:?}"
                );
            }
        }
    }
    assert_eq!(
        identity(&[CORE], "ssm:SendCommand", None),
        Decision::ImplicitDeny
    );
    assert_eq!(
        identity(&[AGENT_ONLY], "ssm:GetParameter", None),
        Decision::ImplicitDeny
    );
}

#[test]
fn identity_policies() {
    use Decision::{Allowed, ImplicitDeny};
    use UnverifiedReason::{Condition, PolicyVariable, Resource};

    let not_action_allow = stmt(r#"{"Effect": "Allow", "NotAction": "iam:*", "Resource": "*"}"#);
    let not_action_deny = format!(
        r#"{{"Statement": [{}, {{"Sid": "OnlySsm", "Effect": "Deny", "NotAction": "ssm:*", "Resource": "*"}}]}}"#,
        r#"{"Effect": "Allow", "Action": "*", "Resource": "*"}"#
    );
    let unnamed_deny = r#"{"Statement": [
        {"Effect": "Allow", "Action": "*", "Resource": "*"},
        {"Effect": "Deny", "Action": "ec2messages:*", "Resource": "*"}]}"#;
    let question =
        stmt(r#"{"Effect": "Allow", "Action": "ssmmessages:Open????Channel", "Resource": "*"}"#);
    let mixed_case =
        stmt(r#"{"Effect": "Allow", "Action": "SSM:updateINSTANCEinformation", "Resource": "*"}"#);
    let cond = r#""Condition": {"StringEquals": {"aws:RequestedRegion": "eu-west-1"}}"#;
    let conditional_allow = stmt(&format!(
        r#"{{"Effect": "Allow", "Action": "ssm:*", "Resource": "*", {cond}}}"#
    ));
    let conditional_deny = stmt(&format!(
        r#"{{"Effect": "Deny", "Action": "ssm:*", "Resource": "*", {cond}}}"#
    ));
    let empty_condition =
        stmt(r#"{"Effect": "Allow", "Action": "ssm:*", "Resource": "*", "Condition": {}}"#);
    let instances = stmt(
        r#"{"Effect": "Allow", "Action": "ssm:UpdateInstanceInformation",
            "Resource": "arn:aws:ec2:*:123456789012:instance/*"}"#,
    );
    let upper_instances = stmt(
        r#"{"Effect": "Allow", "Action": "ssm:*", "Resource": "arn:aws:ec2:*:123456789012:instance/I-*"}"#,
    );
    let deny_instances = stmt(
        r#"{"Sid": "NoProd", "Effect": "Deny", "Action": "ssm:*",
            "Resource": "arn:aws:ec2:*:123456789012:instance/i-0123456789abcdef0"}"#,
    );
    let not_resource = stmt(
        r#"{"Effect": "Allow", "Action": "ssm:*", "NotResource": "arn:aws:ec2:*:999999999999:instance/*"}"#,
    );
    let not_resource_all = stmt(r#"{"Effect": "Allow", "Action": "ssm:*", "NotResource": "*"}"#);
    let variable = r#"{"Effect": "Allow", "Action": "ssm:*", "Resource": "arn:aws:ec2:*:*:instance/${aws:PrincipalTag/Instance}"}"#;
    let variable_2012 = stmt(variable);
    let variable_2008 = format!(r#"{{"Version": "2008-10-17", "Statement": [{variable}]}}"#);
    let escaped_star = stmt(
        r#"{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::bucket/${*}"}"#,
    );
    let mid_segment = stmt(
        r#"{"Effect": "Allow", "Action": "ssm:*", "Resource": "arn:aws:ec2:eu*instance/i-0123456789abcdef0"}"#,
    );
    let segment_end =
        stmt(r#"{"Effect": "Allow", "Action": "ssm:*", "Resource": "arn:aws:ec2:eu*"}"#);
    let in_segment = stmt(
        r#"{"Effect": "Allow", "Action": "ssm:*", "Resource": "arn:aws:ec2:eu-*-1:123456789012:instance/*"}"#,
    );
    let ssm_only = stmt(r#"{"Effect": "Allow", "Action": "ssm:*", "Resource": "*"}"#);
    let ec2messages_only =
        stmt(r#"{"Effect": "Allow", "Action": "ec2messages:*", "Resource": "*"}"#);
    let with_principal = r#"{"Statement": [{"Effect": "Allow",
        "Principal": {"AWS": "arn:aws:iam::999999999999:root"}, "Action": "*", "Resource": "*"}]}"#;
    let empty = r#"{"Version": "2012-10-17", "Statement": []}"#;

    #[rustfmt::skip]
    let cases: Vec<IdentityCase> = vec![
        ("deny overrides allow", vec![CORE, DENY_SESSIONS], "ssmmessages:OpenDataChannel", None, denied_by("NoSessions")),
        ("deny elsewhere", vec![CORE, DENY_SESSIONS], "ssm:UpdateInstanceInformation", None, Allowed),
        ("deny without Sid", vec![unnamed_deny], "ec2messages:GetMessages", None, denied_by("#2")),
        ("NotAction allow", vec![&not_action_allow], "ssm:UpdateInstanceInformation", None, Allowed),
        ("NotAction allow, excluded", vec![&not_action_allow], "iam:PassRole", None, ImplicitDeny),
        ("NotAction deny", vec![&not_action_deny], "ec2messages:GetMessages", None, denied_by("OnlySsm")),
        ("NotAction deny, excluded", vec![&not_action_deny], "ssm:UpdateInstanceInformation", None, Allowed),
        ("? matches one character", vec![&question], "ssmmessages:OpenDataChannel", None, Allowed),
        ("? matches only one", vec![&question], "ssmmessages:OpenControlChannel", None, ImplicitDeny),
        ("policy action case", vec![&mixed_case], "ssm:UpdateInstanceInformation", None, Allowed),
        ("request action case", vec![CORE], "SSM:UPDATEINSTANCEINFORMATION", None, Allowed),
        ("condition on the only allow", vec![&conditional_allow], "ssm:UpdateInstanceInformation", None, unverified(Condition)),
        ("condition on a deny", vec![CORE, &conditional_deny], "ssm:UpdateInstanceInformation", None, unverified(Condition)),
        ("condition on a deny, no allow", vec![&conditional_deny], "ssm:UpdateInstanceInformation", None, ImplicitDeny),
        ("conditional deny, unconditional deny", vec![&conditional_deny, CORE, DENY_SESSIONS], "ssmmessages:OpenDataChannel", None, denied_by("NoSessions")),
        ("conditional and unconditional allow", vec![&conditional_allow, CORE], "ssm:UpdateInstanceInformation", None, Allowed),
        ("empty condition", vec![&empty_condition], "ssm:UpdateInstanceInformation", None, Allowed),
        ("resource unknown", vec![&instances], "ssm:UpdateInstanceInformation", None, unverified(Resource)),
        ("resource matches", vec![&instances], "ssm:UpdateInstanceInformation", Some(INSTANCE), Allowed),
        ("resource of another account", vec![&instances], "ssm:UpdateInstanceInformation", Some(FOREIGN_INSTANCE), ImplicitDeny),
        ("resource is case-sensitive", vec![&upper_instances], "ssm:UpdateInstanceInformation", Some(INSTANCE), ImplicitDeny),
        ("resource deny, resource unknown", vec![CORE, &deny_instances], "ssm:UpdateInstanceInformation", None, unverified(Resource)),
        ("resource deny, resource matches", vec![CORE, &deny_instances], "ssm:UpdateInstanceInformation", Some(INSTANCE), denied_by("NoProd")),
        ("resource deny, another resource", vec![CORE, &deny_instances], "ssm:UpdateInstanceInformation", Some(FOREIGN_INSTANCE), Allowed),
        ("NotResource, resource unknown", vec![&not_resource], "ssm:UpdateInstanceInformation", None, unverified(Resource)),
        ("NotResource, resource outside", vec![&not_resource], "ssm:UpdateInstanceInformation", Some(INSTANCE), Allowed),
        ("NotResource, resource inside", vec![&not_resource], "ssm:UpdateInstanceInformation", Some(FOREIGN_INSTANCE), ImplicitDeny),
        ("NotResource *", vec![&not_resource_all], "ssm:UpdateInstanceInformation", None, ImplicitDeny),
        ("policy variable", vec![&variable_2012], "ssm:UpdateInstanceInformation", Some(INSTANCE), unverified(PolicyVariable)),
        ("policy variable, resource unknown", vec![&variable_2012], "ssm:UpdateInstanceInformation", None, unverified(PolicyVariable)),
        ("no variables in 2008-10-17", vec![&variable_2008], "ssm:UpdateInstanceInformation", Some(INSTANCE), ImplicitDeny),
        ("${*} is a literal *", vec![&escaped_star], "s3:GetObject", Some("arn:aws:s3:::bucket/key"), ImplicitDeny),
        ("${*} matches *", vec![&escaped_star], "s3:GetObject", Some("arn:aws:s3:::bucket/*"), Allowed),
        ("* inside a segment stops at :", vec![&mid_segment], "ssm:UpdateInstanceInformation", Some(INSTANCE), ImplicitDeny),
        ("* ending a segment spans :", vec![&segment_end], "ssm:UpdateInstanceInformation", Some(INSTANCE), Allowed),
        ("* inside a segment", vec![&in_segment], "ssm:UpdateInstanceInformation", Some(INSTANCE), Allowed),
        ("union of policies", vec![&ssm_only, &ec2messages_only], "ec2messages:GetMessages", None, Allowed),
        ("union of policies, missing", vec![&ssm_only, &ec2messages_only], "ssmmessages:OpenDataChannel", None, ImplicitDeny),
        ("identity policies ignore Principal", vec![with_principal], "ssm:UpdateInstanceInformation", None, Allowed),
        ("allow all", vec![ALLOW_ALL], "ssmmessages:OpenDataChannel", None, Allowed),
        ("empty Statement", vec![empty], "ssm:UpdateInstanceInformation", None, ImplicitDeny),
        ("no policies", vec![], "ssm:UpdateInstanceInformation", None, ImplicitDeny),
    ];
    for (name, texts, action, resource, want) in cases {
        assert_eq!(
            identity(&texts, action, resource),
            want,
            "{name}: {action} on {resource:?}"
        );
    }
}

#[test]
fn endpoint_policies() {
    use Decision::{Allowed, ImplicitDeny};
    use UnverifiedReason::{Condition, NotPrincipal, Principal};

    let for_aws = |principal: &str| {
        format!(
            r#"{{"Statement": [{{"Effect": "Allow", "Principal": {{"AWS": {principal}}}, "Action": "*", "Resource": "*"}}]}}"#
        )
    };
    let role = for_aws(&format!("\"{ROLE}\""));
    let role_with_path = for_aws(r#""arn:aws:iam::123456789012:role/ops/SsmdeckInstanceRole""#);
    let other_role = for_aws(r#""arn:aws:iam::123456789012:role/OtherRole""#);
    let session = for_aws(&format!("\"{SESSION}\""));
    let other_root = for_aws(r#""arn:aws:iam::999999999999:root""#);
    let other_account = for_aws(r#""999999999999""#);
    let own_root = for_aws(r#""arn:aws:iam::123456789012:root""#);
    let own_account = for_aws(r#""123456789012""#);
    let any_aws = for_aws(r#""*""#);
    let listed = for_aws(&format!(r#"["999999999999", "{ROLE}"]"#));
    let listed_star = for_aws(r#"["999999999999", "*"]"#);
    let unique_id = for_aws(r#""AROAEXAMPLEEXAMPLE123""#);
    let user = for_aws(r#""arn:aws:iam::123456789012:user/alice""#);
    let service = r#"{"Statement": [{"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"}, "Action": "*", "Resource": "*"}]}"#;
    let federated = r#"{"Statement": [{"Effect": "Allow", "Principal": {"Federated": "cognito-identity.amazonaws.com"}, "Action": "*", "Resource": "*"}]}"#;
    let not_principal = r#"{"Statement": [{"Effect": "Allow", "NotPrincipal": {"AWS": "arn:aws:iam::999999999999:root"}, "Action": "*", "Resource": "*"}]}"#;
    let no_principal = r#"{"Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}"#;
    let deny_sessions = r#"{"Statement": [
        {"Effect": "Allow", "Principal": "*", "Action": "*", "Resource": "*"},
        {"Sid": "NoSessions", "Effect": "Deny", "Principal": "*", "Action": "ssmmessages:*", "Resource": "*"}]}"#;
    let deny_other_account = r#"{"Statement": [
        {"Effect": "Allow", "Principal": "*", "Action": "*", "Resource": "*"},
        {"Effect": "Deny", "Principal": {"AWS": "999999999999"}, "Action": "*", "Resource": "*"}]}"#;
    let conditional = r#"{"Statement": [{"Effect": "Allow", "Principal": "*", "Action": "*", "Resource": "*",
        "Condition": {"StringEquals": {"aws:PrincipalAccount": "123456789012"}}}]}"#;
    let conditional_other = r#"{"Statement": [{"Effect": "Allow", "Principal": {"AWS": "999999999999"}, "Action": "*", "Resource": "*",
        "Condition": {"StringEquals": {"aws:PrincipalOrgID": "o-example"}}}]}"#;

    let update = "ssm:UpdateInstanceInformation";
    #[rustfmt::skip]
    let cases: Vec<EndpointCase> = vec![
        ("default policy", DEFAULT_ENDPOINT, update, Some(ROLE), Some(ACCOUNT), Allowed),
        ("default policy, anonymous caller", DEFAULT_ENDPOINT, "ssmmessages:OpenDataChannel", None, None, Allowed),
        ("read-only Run Command example", SSM_ENDPOINT_EXAMPLE, update, Some(SESSION), Some(ACCOUNT), ImplicitDeny),
        ("read-only Run Command example, its action", SSM_ENDPOINT_EXAMPLE, "ssm:ListCommands", Some(SESSION), Some(ACCOUNT), Allowed),
        ("role ARN, role caller", &role, update, Some(ROLE), None, Allowed),
        ("role ARN, session caller", &role, update, Some(SESSION), None, Allowed),
        ("role ARN with path, session caller", &role_with_path, update, Some(SESSION), None, Allowed),
        ("role ARN, another role's session", &role, update, Some(OTHER_SESSION), None, ImplicitDeny),
        ("role ARN, caller unknown", &role, update, None, Some(ACCOUNT), unverified(Principal)),
        ("another role of the account", &other_role, update, Some(SESSION), None, ImplicitDeny),
        ("session ARN, that session", &session, update, Some(SESSION), None, Allowed),
        ("session ARN, caller by role", &session, update, Some(ROLE), None, unverified(Principal)),
        ("session ARN, another session", &session, update, Some(OTHER_SESSION), None, ImplicitDeny),
        ("another account's root", &other_root, update, Some(SESSION), Some(ACCOUNT), ImplicitDeny),
        ("another account's id", &other_account, update, Some(ROLE), Some(ACCOUNT), ImplicitDeny),
        ("own account's root", &own_root, update, Some(SESSION), None, Allowed),
        ("own account's id", &own_account, update, Some(ROLE), None, Allowed),
        ("own account's id, account only", &own_account, update, None, Some(ACCOUNT), Allowed),
        ("account id, caller unknown", &own_account, update, None, None, unverified(Principal)),
        ("AWS *", &any_aws, update, Some(ROLE), None, Allowed),
        ("list naming the role", &listed, update, Some(SESSION), None, Allowed),
        ("list with *", &listed_star, update, Some(SESSION), None, Allowed),
        ("unique id", &unique_id, update, Some(ROLE), Some(ACCOUNT), unverified(Principal)),
        ("a user", &user, update, Some(SESSION), None, ImplicitDeny),
        ("service principal", service, update, Some(ROLE), Some(ACCOUNT), ImplicitDeny),
        ("federated principal", federated, update, Some(ROLE), Some(ACCOUNT), unverified(Principal)),
        ("NotPrincipal", not_principal, update, Some(ROLE), Some(ACCOUNT), unverified(NotPrincipal)),
        ("no Principal", no_principal, update, Some(ROLE), Some(ACCOUNT), unverified(Principal)),
        ("deny for everyone", deny_sessions, "ssmmessages:OpenDataChannel", Some(ROLE), None, denied_by("NoSessions")),
        ("deny for everyone, other action", deny_sessions, update, Some(ROLE), None, Allowed),
        ("deny for another account", deny_other_account, update, Some(SESSION), None, Allowed),
        ("condition", conditional, update, Some(ROLE), Some(ACCOUNT), unverified(Condition)),
        ("condition, another account", conditional_other, update, Some(ROLE), Some(ACCOUNT), ImplicitDeny),
    ];
    for (name, text, action, principal_arn, account, want) in cases {
        let req = Request {
            action,
            resource: None,
            principal_arn,
            account,
        };
        assert_eq!(
            evaluate_resource(&doc(text), &req),
            want,
            "{name}: {action} by {principal_arn:?}"
        );
    }
}

#[test]
fn url_encoded_documents_parse() {
    let encoded = "%7B%22Version%22%3A%222012-10-17%22%2C%22Statement%22%3A%5B%7B%22Effect%22%3A%22Allow%22%2C%22Action%22%3A%22ssm%3A%2A%22%2C%22Resource%22%3A%22%2A%22%7D%5D%7D";
    assert_eq!(
        identity(&[encoded], "ssm:UpdateInstanceInformation", None),
        Decision::Allowed
    );
    assert_eq!(
        identity(&[encoded], "ec2messages:GetMessages", None),
        Decision::ImplicitDeny
    );

    let core = utf8_percent_encode(CORE, NON_ALPHANUMERIC).to_string();
    let indented = format!("\n  {CORE}");
    for text in [core.as_str(), indented.as_str()] {
        for action in CORE_ACTIONS {
            assert_eq!(
                identity(&[text], action, None),
                Decision::Allowed,
                "{action}"
            );
        }
    }
}

#[test]
fn malformed_documents_are_errors() {
    let cases = [
        "",
        "   ",
        "{",
        "not json",
        "[]",
        "null",
        "%7B",
        "%FF%FE",
        "%7B%22Statement%22%3A%5B%5D",
        "{}",
        r#"{"Statement": "x"}"#,
        r#"{"Statement": [42]}"#,
        r#"{"Version": "2020-01-01", "Statement": []}"#,
        r#"{"Version": 2012, "Statement": []}"#,
        r#"{"Statement": [{"Effect": "Permit", "Action": "*", "Resource": "*"}]}"#,
        r#"{"Statement": [{"Action": "*", "Resource": "*"}]}"#,
        r#"{"Statement": [{"Effect": "Allow", "Resource": "*"}]}"#,
        r#"{"Statement": [{"Effect": "Allow", "Action": "*", "NotAction": "iam:*", "Resource": "*"}]}"#,
        r#"{"Statement": [{"Effect": "Allow", "Action": 42, "Resource": "*"}]}"#,
        r#"{"Statement": [{"Effect": "Allow", "Action": ["ssm:*", 1], "Resource": "*"}]}"#,
        r#"{"Statement": [{"Effect": "Allow", "Action": "*", "Resource": {}}]}"#,
        r#"{"Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*", "NotResource": "*"}]}"#,
        r#"{"Statement": [{"Effect": "Allow", "Principal": 5, "Action": "*", "Resource": "*"}]}"#,
        r#"{"Statement": [{"Effect": "Allow", "Principal": {"AWS": [true]}, "Action": "*", "Resource": "*"}]}"#,
        r#"{"Statement": [{"Effect": "Allow", "Principal": "*", "NotPrincipal": "*", "Action": "*", "Resource": "*"}]}"#,
        r#"{"Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*", "Condition": "x"}]}"#,
    ];
    for text in cases {
        assert!(PolicyDocument::parse(text).is_err(), "parsed: {text:?}");
    }
    let named =
        r#"{"Statement": [{"Sid": "Broken", "Effect": "Permit", "Action": "*", "Resource": "*"}]}"#;
    let err = PolicyDocument::parse(named).err().unwrap_or_default();
    assert!(err.contains("Broken"), "{err}");
    let unnamed = r#"{"Statement": [{"Effect": "Allow", "Action": "*"}, {"Effect": "Allow"}]}"#;
    let err = PolicyDocument::parse(unnamed).err().unwrap_or_default();
    assert!(err.contains("#2"), "{err}");
}

#[test]
fn several_actions_worst_first() {
    let conditional_ec2messages = stmt(
        r#"{"Effect": "Allow", "Action": "ec2messages:*", "Resource": "*",
            "Condition": {"Bool": {"aws:SecureTransport": "true"}}}"#,
    );
    let docs = [
        doc(DENY_SESSIONS),
        doc(&conditional_ec2messages),
        doc(ALLOW_ALL),
    ];
    let mut refs: Vec<&PolicyDocument> = docs.iter().collect();
    refs.pop();
    let base = Request {
        principal_arn: Some(ROLE),
        ..Request::default()
    };
    let results = evaluate_all(&AGENT_ACTIONS, &base, |r| evaluate_identity(&refs, r));
    let names: Vec<&str> = results.iter().map(|(a, _)| a.as_str()).collect();
    assert_eq!(
        names,
        [
            "ssmmessages:CreateControlChannel",
            "ssmmessages:CreateDataChannel",
            "ssmmessages:OpenControlChannel",
            "ssmmessages:OpenDataChannel",
            "ssm:UpdateInstanceInformation",
            "ec2messages:AcknowledgeMessage",
            "ec2messages:DeleteMessage",
            "ec2messages:FailMessage",
            "ec2messages:GetEndpoint",
            "ec2messages:GetMessages",
            "ec2messages:SendReply",
        ]
    );
    assert_eq!(results[0].1, denied_by("NoSessions"));
    assert_eq!(results[4].1, Decision::ImplicitDeny);
    assert_eq!(results[5].1, unverified(UnverifiedReason::Condition));
    assert_eq!(overall(&results), denied_by("NoSessions"));

    let endpoint = doc(DEFAULT_ENDPOINT);
    let all = evaluate_all(&AGENT_ACTIONS, &base, |r| evaluate_resource(&endpoint, r));
    assert!(all.iter().all(|(_, d)| *d == Decision::Allowed));
    assert_eq!(overall(&all), Decision::Allowed);
    assert_eq!(overall(&[]), Decision::Allowed);
    let by_hand = [
        ("a".to_string(), unverified(UnverifiedReason::Resource)),
        ("b".to_string(), Decision::ImplicitDeny),
        ("c".to_string(), denied_by("First")),
        ("d".to_string(), Decision::ImplicitDeny),
        ("e".to_string(), denied_by("Second")),
    ];
    assert_eq!(overall(&by_hand), denied_by("First"));
    assert_eq!(overall(&by_hand[..2]), Decision::ImplicitDeny);
    assert_eq!(
        overall(&by_hand[..1]),
        unverified(UnverifiedReason::Resource)
    );

    let refs: Vec<&PolicyDocument> = vec![&docs[1], &docs[2]];
    let results = evaluate_all(&AGENT_ACTIONS, &base, |r| evaluate_identity(&refs, r));
    assert_eq!(overall(&results), Decision::Allowed);
    let refs: Vec<&PolicyDocument> = vec![&docs[1]];
    let results = evaluate_all(&AGENT_ACTIONS, &base, |r| evaluate_identity(&refs, r));
    assert_eq!(overall(&results), Decision::ImplicitDeny);
}

#[test]
fn decisions_serialize_as_data() {
    let cases = [
        (Decision::Allowed, json!({"decision": "allowed"})),
        (Decision::ImplicitDeny, json!({"decision": "implicit_deny"})),
        (
            denied_by("#1"),
            json!({"decision": "explicit_deny", "statement": "#1"}),
        ),
        (
            unverified(UnverifiedReason::PolicyVariable),
            json!({"decision": "unverified", "reason": "policy_variable"}),
        ),
        (
            unverified(UnverifiedReason::NotPrincipal),
            json!({"decision": "unverified", "reason": "not_principal"}),
        ),
    ];
    for (decision, want) in cases {
        assert_eq!(serde_json::to_value(&decision).ok(), Some(want));
    }
}

proptest! {
    #[test]
    fn parse_never_panics(text in "\\PC{0,80}") {
        let _ = PolicyDocument::parse(&text);
    }

    #[test]
    fn parse_and_evaluate_never_panic(
        text in r#"[{}\[\]":,%*?$ A-Za-z0-9]{0,120}"#,
        action in "[a-z:*?A-Z]{0,20}",
    ) {
        let wrapped = format!(r#"{{"Statement": [{{"Effect": "Allow", {text}}}]}}"#);
        for candidate in [text.as_str(), wrapped.as_str()] {
            if let Ok(d) = PolicyDocument::parse(candidate) {
                let req = Request { resource: Some(INSTANCE), principal_arn: Some(SESSION), ..Request::new(&action) };
                let _ = evaluate_identity(&[&d], &req);
                let _ = evaluate_resource(&d, &req);
            }
        }
    }
}
