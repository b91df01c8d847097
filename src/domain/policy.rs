//! IAM policy evaluation: may a role call an action, by its identity policies and by a
//! VPC endpoint's resource policy?
//!
//! What the documents alone cannot decide (conditions, principals it cannot resolve,
//! resources it was not given, policy variables) is `Unverified`, never `Allowed`.

use percent_encoding::percent_decode_str;
use serde::Serialize;
use serde_json::{Map, Value};

/// The actions SSM Agent calls to register and to take commands and sessions.
#[rustfmt::skip]
pub const AGENT_ACTIONS: [&str; 11] = [
    "ssm:UpdateInstanceInformation",
    "ssmmessages:CreateControlChannel", "ssmmessages:CreateDataChannel",
    "ssmmessages:OpenControlChannel", "ssmmessages:OpenDataChannel",
    "ec2messages:AcknowledgeMessage", "ec2messages:DeleteMessage", "ec2messages:FailMessage",
    "ec2messages:GetEndpoint", "ec2messages:GetMessages", "ec2messages:SendReply",
];

/// Every action of the AWS managed policy AmazonSSMManagedInstanceCore.
#[rustfmt::skip]
pub const CORE_ACTIONS: [&str; 25] = [
    "ssm:DescribeAssociation", "ssm:GetDeployablePatchSnapshotForInstance", "ssm:GetDocument",
    "ssm:DescribeDocument", "ssm:GetManifest", "ssm:GetParameter", "ssm:GetParameters",
    "ssm:ListAssociations", "ssm:ListInstanceAssociations", "ssm:PutInventory",
    "ssm:PutComplianceItems", "ssm:PutConfigurePackageResult", "ssm:UpdateAssociationStatus",
    "ssm:UpdateInstanceAssociationStatus", "ssm:UpdateInstanceInformation",
    "ssmmessages:CreateControlChannel", "ssmmessages:CreateDataChannel",
    "ssmmessages:OpenControlChannel", "ssmmessages:OpenDataChannel",
    "ec2messages:AcknowledgeMessage", "ec2messages:DeleteMessage", "ec2messages:FailMessage",
    "ec2messages:GetEndpoint", "ec2messages:GetMessages", "ec2messages:SendReply",
];

/// A parsed policy document.
#[derive(Debug, Clone)]
pub struct PolicyDocument {
    statements: Vec<Statement>,
}

/// Who asks and for what.
///
/// `principal_arn` (the role ARN or an assumed-role session ARN) and `account` are used by
/// resource policies only; `account` stands in for the caller's account when
/// `principal_arn` is absent or names none.
#[derive(Debug, Clone, Copy, Default)]
pub struct Request<'a> {
    pub action: &'a str,
    pub resource: Option<&'a str>,
    pub principal_arn: Option<&'a str>,
    pub account: Option<&'a str>,
}

impl<'a> Request<'a> {
    /// An action on no particular resource, by an unnamed caller.
    pub fn new(action: &'a str) -> Self {
        Request {
            action,
            ..Request::default()
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
#[serde(tag = "decision", rename_all = "snake_case")]
pub enum Decision {
    Allowed,
    /// `statement`: the denying statement's `Sid`, else its 1-based index in its document (`#2`).
    ExplicitDeny {
        statement: Option<String>,
    },
    ImplicitDeny,
    Unverified {
        reason: UnverifiedReason,
    },
}

impl Decision {
    /// ExplicitDeny 3 > ImplicitDeny 2 > Unverified 1 > Allowed 0.
    pub fn severity(&self) -> u8 {
        match self {
            Decision::ExplicitDeny { .. } => 3,
            Decision::ImplicitDeny => 2,
            Decision::Unverified { .. } => 1,
            Decision::Allowed => 0,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum UnverifiedReason {
    Condition,
    Principal,
    Resource,
    NotPrincipal,
    PolicyVariable,
    /// The document itself could not be read (not JSON, an unknown element).
    Unreadable,
}

/// Identity policies (the union of a role's policies, as IAM evaluates them).
/// `Principal` elements, which identity policies cannot have, are ignored.
pub fn evaluate_identity(docs: &[&PolicyDocument], req: &Request) -> Decision {
    evaluate(docs.iter().flat_map(|d| &d.statements), req, false)
}

/// A resource policy (e.g. a VPC endpoint policy): statements must also match the `Principal`.
/// The caller is taken to be an IAM principal, so `{"Service": …}` never matches.
pub fn evaluate_resource(doc: &PolicyDocument, req: &Request) -> Decision {
    evaluate(doc.statements.iter(), req, true)
}

/// Each action's decision (with `base`'s resource and principal), worst first; actions
/// with equally bad decisions keep their order.
pub fn evaluate_all(
    actions: &[&str],
    base: &Request,
    eval: impl Fn(&Request) -> Decision,
) -> Vec<(String, Decision)> {
    let mut out: Vec<(String, Decision)> = actions
        .iter()
        .map(|&action| (action.to_string(), eval(&Request { action, ..*base })))
        .collect();
    out.sort_by_key(|(_, d)| std::cmp::Reverse(d.severity()));
    out
}

/// The worst decision (the first of equals); `Allowed` for no actions.
pub fn overall(results: &[(String, Decision)]) -> Decision {
    // `max_by_key` keeps the last of equals, hence `rev`.
    let worst = results
        .iter()
        .rev()
        .map(|(_, d)| d)
        .max_by_key(|d| d.severity());
    worst.cloned().unwrap_or(Decision::Allowed)
}

fn evaluate<'s>(
    statements: impl Iterator<Item = &'s Statement>,
    req: &Request,
    resource_policy: bool,
) -> Decision {
    let action = req.action.to_ascii_lowercase();
    let (mut deny_unknown, mut allowed, mut allow_unknown) = (None, false, None);
    for s in statements {
        match (s.deny, s.applies(req, &action, resource_policy)) {
            (_, Tri::No) => {}
            (true, Tri::Yes) => {
                return Decision::ExplicitDeny {
                    statement: Some(s.name.clone()),
                };
            }
            (true, Tri::Unknown(r)) => deny_unknown = deny_unknown.or(Some(r)),
            (false, Tri::Yes) => allowed = true,
            (false, Tri::Unknown(r)) => allow_unknown = allow_unknown.or(Some(r)),
        }
    }
    // An uncertain Deny with nothing that could allow is still a denial.
    match (deny_unknown, allowed, allow_unknown) {
        (_, false, None) => Decision::ImplicitDeny,
        (Some(reason), _, _) | (None, false, Some(reason)) => Decision::Unverified { reason },
        (None, true, _) => Decision::Allowed,
    }
}

/// Whether a statement (or one of its elements) applies: yes, no, or cannot tell.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Tri {
    Yes,
    No,
    Unknown(UnverifiedReason),
}

impl Tri {
    fn of(b: bool) -> Tri {
        if b { Tri::Yes } else { Tri::No }
    }

    fn or(self, other: Tri) -> Tri {
        match (self, other) {
            (Tri::Yes, _) | (_, Tri::Yes) => Tri::Yes,
            (Tri::Unknown(r), _) | (_, Tri::Unknown(r)) => Tri::Unknown(r),
            _ => Tri::No,
        }
    }

    fn and(self, other: Tri) -> Tri {
        match (self, other) {
            (Tri::No, _) | (_, Tri::No) => Tri::No,
            (Tri::Unknown(r), _) | (_, Tri::Unknown(r)) => Tri::Unknown(r),
            _ => Tri::Yes,
        }
    }

    fn not(self) -> Tri {
        match self {
            Tri::Yes => Tri::No,
            Tri::No => Tri::Yes,
            unknown => unknown,
        }
    }
}

#[derive(Debug, Clone)]
struct Statement {
    name: String,
    deny: bool,
    actions: Vec<Glob>,
    not_action: bool,
    /// `None` when the statement has neither `Resource` nor `NotResource`.
    resources: Option<Resources>,
    principal: Principal,
    conditional: bool,
}

#[derive(Debug, Clone)]
struct Resources {
    /// `None` for a pattern holding a policy variable.
    patterns: Vec<Option<Glob>>,
    negated: bool,
}

#[derive(Debug, Clone)]
enum Principal {
    Absent,
    Not,
    Any,
    /// The `AWS` values; `Service` ones never match and are dropped; `unknown`: other kinds.
    Listed {
        aws: Vec<String>,
        unknown: bool,
    },
}

impl Statement {
    /// `action`: the requested action, lowercased.
    fn applies(&self, req: &Request, action: &str, resource_policy: bool) -> Tri {
        if self.actions.iter().any(|g| g.matches(action)) == self.not_action {
            return Tri::No;
        }
        // A definite "no" from any element wins; else the first reason for doubt.
        let mut tri = self
            .resources
            .as_ref()
            .map_or(Tri::Yes, |r| r.matches(req.resource));
        if resource_policy {
            tri = self.principal.matches(req).and(tri);
        }
        if self.conditional {
            tri = tri.and(Tri::Unknown(UnverifiedReason::Condition));
        }
        tri
    }

    fn parse(value: &Value, index: usize, variables: bool) -> Result<Statement, String> {
        let Value::Object(m) = value else {
            return Err(format!("statement #{index} is not an object"));
        };
        let name = match m.get("Sid") {
            Some(Value::String(sid)) if !sid.is_empty() => sid.clone(),
            _ => format!("#{index}"),
        };
        let fail = |what: &str| format!("statement {name}: {what}");
        let deny = match m.get("Effect").and_then(Value::as_str) {
            Some("Allow") => false,
            Some("Deny") => true,
            _ => return Err(fail("Effect must be \"Allow\" or \"Deny\"")),
        };
        let (actions, not_action) = match one_of(m, "Action", "NotAction").map_err(|e| fail(&e))? {
            Some((list, negated)) => (list.into_iter().map(Glob::action).collect(), negated),
            None => return Err(fail("no Action or NotAction")),
        };
        let resources = one_of(m, "Resource", "NotResource")
            .map_err(|e| fail(&e))?
            .map(|(list, negated)| Resources {
                patterns: list.iter().map(|r| Glob::resource(r, variables)).collect(),
                negated,
            });
        let principal = match (m.get("Principal"), m.get("NotPrincipal")) {
            (Some(_), Some(_)) => return Err(fail("both Principal and NotPrincipal")),
            (None, Some(_)) => Principal::Not,
            (None, None) => Principal::Absent,
            (Some(p), None) => Principal::parse(p).ok_or_else(|| fail("malformed Principal"))?,
        };
        let conditional = match m.get("Condition") {
            None => false,
            Some(Value::Object(c)) => !c.is_empty(),
            Some(_) => return Err(fail("Condition must be an object")),
        };
        Ok(Statement {
            name,
            deny,
            actions,
            not_action,
            resources,
            principal,
            conditional,
        })
    }
}

/// The element `key` or `not_key` (at most one of them): its strings and whether it was `not_key`.
fn one_of<'v>(
    m: &'v Map<String, Value>,
    key: &str,
    not_key: &str,
) -> Result<Option<(Vec<&'v str>, bool)>, String> {
    let (value, negated) = match (m.get(key), m.get(not_key)) {
        (Some(_), Some(_)) => return Err(format!("both {key} and {not_key}")),
        (Some(v), None) => (v, false),
        (None, Some(v)) => (v, true),
        (None, None) => return Ok(None),
    };
    let name = if negated { not_key } else { key };
    let list =
        strings(value).ok_or_else(|| format!("{name} must be a string or an array of strings"))?;
    Ok(Some((list, negated)))
}

fn strings(value: &Value) -> Option<Vec<&str>> {
    match value {
        Value::String(s) => Some(vec![s.as_str()]),
        Value::Array(items) => items.iter().map(Value::as_str).collect(),
        _ => None,
    }
}

impl Resources {
    fn matches(&self, resource: Option<&str>) -> Tri {
        let found = self.patterns.iter().fold(Tri::No, |acc, pattern| {
            acc.or(match (pattern, resource) {
                (None, _) => Tri::Unknown(UnverifiedReason::PolicyVariable),
                (Some(g), _) if g.matches_everything() => Tri::Yes,
                (Some(_), None) => Tri::Unknown(UnverifiedReason::Resource),
                (Some(g), Some(r)) => Tri::of(g.matches(r)),
            })
        });
        if self.negated { found.not() } else { found }
    }
}

impl Principal {
    fn parse(value: &Value) -> Option<Principal> {
        match value {
            Value::String(s) if s == "*" => Some(Principal::Any),
            Value::String(_) => Some(Principal::Listed {
                aws: Vec::new(),
                unknown: true,
            }),
            Value::Object(m) => {
                let (mut aws, mut unknown) = (Vec::new(), false);
                for (key, v) in m {
                    let values = strings(v)?;
                    match key.as_str() {
                        "AWS" => aws.extend(values.into_iter().map(String::from)),
                        "Service" => {}
                        _ => unknown |= !values.is_empty(),
                    }
                }
                Some(Principal::Listed { aws, unknown })
            }
            _ => None,
        }
    }

    fn matches(&self, req: &Request) -> Tri {
        match self {
            Principal::Absent => Tri::Unknown(UnverifiedReason::Principal),
            Principal::Not => Tri::Unknown(UnverifiedReason::NotPrincipal),
            Principal::Any => Tri::Yes,
            Principal::Listed { aws, unknown } => {
                let init = Tri::Unknown(UnverifiedReason::Principal);
                let init = if *unknown { init } else { Tri::No };
                aws.iter()
                    .fold(init, |acc, v| acc.or(aws_principal(v, req)))
            }
        }
    }
}

/// One value of `"Principal": {"AWS": …}` against the caller.
fn aws_principal(value: &str, req: &Request) -> Tri {
    let unknown = Tri::Unknown(UnverifiedReason::Principal);
    if value == "*" {
        return Tri::Yes;
    }
    let caller = req.principal_arn.and_then(Arn::parse);
    let caller_account = caller
        .as_ref()
        .map(|c| c.account)
        .filter(|a| !a.is_empty())
        .or(req.account);
    let same_account = |account: &str| match caller_account {
        Some(a) => Tri::of(a == account),
        None => unknown,
    };
    if value.len() == 12 && value.bytes().all(|b| b.is_ascii_digit()) {
        return same_account(value);
    }
    // Unique ids (a deleted role shows as `AROA…`) and wildcards cannot be resolved here.
    let Some(named) = Arn::parse(value).filter(|_| !value.contains(['*', '?'])) else {
        return unknown;
    };
    if named.service == "iam" && named.resource == "root" {
        return same_account(named.account);
    }
    if same_account(named.account) == Tri::No {
        return Tri::No;
    }
    let Some(caller) = caller else {
        return unknown;
    };
    if req.principal_arn == Some(value) {
        return Tri::Yes;
    }
    if named.partition != caller.partition || named.account != caller.account {
        return Tri::No;
    }
    match (named.service, named.role_name(), caller.role_name()) {
        // IAM role names are unique regardless of case.
        (_, Some(want), Some(have)) if !want.eq_ignore_ascii_case(have) => Tri::No,
        ("iam", Some(_), Some(_)) => Tri::Yes,
        // A named session of the role the caller gave as a role ARN: maybe this one.
        ("sts", Some(_), Some(_)) if caller.service == "iam" => unknown,
        _ => Tri::No,
    }
}

struct Arn<'a> {
    partition: &'a str,
    service: &'a str,
    account: &'a str,
    resource: &'a str,
}

impl<'a> Arn<'a> {
    fn parse(text: &'a str) -> Option<Arn<'a>> {
        let mut parts = text.splitn(6, ':');
        let [
            Some("arn"),
            Some(partition),
            Some(service),
            Some(_),
            Some(account),
            Some(resource),
        ] = std::array::from_fn(|_| parts.next())
        else {
            return None;
        };
        Some(Arn {
            partition,
            service,
            account,
            resource,
        })
    }

    /// The role an IAM role ARN names, or an STS assumed-role session ARN acts as.
    fn role_name(&self) -> Option<&'a str> {
        let (kind, rest) = self.resource.split_once('/')?;
        match (self.service, kind) {
            ("iam", "role") => rest.rsplit('/').next(),
            ("sts", "assumed-role") => rest.split('/').next(),
            _ => None,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Token {
    Literal(char),
    AnyOne,
    /// `*`; true if it may span a `:` (only a `*` ending an ARN segment, or an action's, may).
    AnyMany(bool),
}

#[derive(Debug, Clone)]
struct Glob(Vec<Token>);

impl Glob {
    /// An action pattern, matched case-insensitively against a lowercased action.
    fn action(pattern: &str) -> Glob {
        let tokens = pattern
            .chars()
            .map(|c| match c {
                '*' => Token::AnyMany(true),
                '?' => Token::AnyOne,
                c => Token::Literal(c.to_ascii_lowercase()),
            })
            .collect();
        Glob(tokens)
    }

    /// A resource pattern; `None` if it holds a policy variable (with `variables`, i.e.
    /// Version 2012-10-17) other than the escapes `${*}`, `${?}`, `${$}`.
    fn resource(pattern: &str, variables: bool) -> Option<Glob> {
        let chars: Vec<char> = pattern.chars().collect();
        let mut tokens = Vec::with_capacity(chars.len());
        let mut i = 0;
        while i < chars.len() {
            let c = chars[i];
            if variables
                && c == '$'
                && chars.get(i + 1) == Some(&'{')
                && let Some(len) = chars[i + 2..].iter().position(|&c| c == '}')
            {
                match &chars[i + 2..i + 2 + len] {
                    [escaped @ ('*' | '?' | '$')] => tokens.push(Token::Literal(*escaped)),
                    _ => return None,
                }
                i += len + 3;
                continue;
            }
            tokens.push(match c {
                '*' => Token::AnyMany(matches!(chars.get(i + 1), None | Some(':'))),
                '?' => Token::AnyOne,
                c => Token::Literal(c),
            });
            i += 1;
        }
        Some(Glob(tokens))
    }

    fn matches_everything(&self) -> bool {
        self.0.contains(&Token::AnyMany(true))
            && self.0.iter().all(|t| matches!(t, Token::AnyMany(_)))
    }

    fn matches(&self, text: &str) -> bool {
        let text: Vec<char> = text.chars().collect();
        // reach[j]: the tokens so far match text[..j].
        let mut reach = vec![false; text.len() + 1];
        reach[0] = true;
        for token in &self.0 {
            let mut next = vec![false; text.len() + 1];
            match *token {
                Token::AnyMany(spans_colon) => {
                    next[0] = reach[0];
                    for j in 1..=text.len() {
                        next[j] = reach[j] || (next[j - 1] && (spans_colon || text[j - 1] != ':'));
                    }
                }
                Token::AnyOne => next[1..].copy_from_slice(&reach[..text.len()]),
                Token::Literal(c) => {
                    for j in 1..=text.len() {
                        next[j] = reach[j - 1] && text[j - 1] == c;
                    }
                }
            }
            reach = next;
        }
        reach[text.len()]
    }
}

impl PolicyDocument {
    /// JSON text, or the URL-encoded JSON that IAM's GetRolePolicy / GetPolicyVersion return
    /// (text whose first non-blank character is not `{` is percent-decoded first).
    pub fn parse(text: &str) -> Result<PolicyDocument, String> {
        let text = text.trim_start_matches(|c: char| c.is_whitespace() || c == '\u{feff}');
        let decoded;
        let json = if text.starts_with('{') {
            text
        } else {
            decoded = percent_decode_str(text)
                .decode_utf8()
                .map_err(|_| "URL-decoded text is not UTF-8".to_string())?;
            &decoded
        };
        let value: Value = serde_json::from_str(json).map_err(|e| format!("not JSON: {e}"))?;
        let Value::Object(top) = value else {
            return Err("the document is not a JSON object".into());
        };
        let variables = match top.get("Version") {
            None => false,
            Some(Value::String(v)) if v == "2012-10-17" => true,
            Some(Value::String(v)) if v == "2008-10-17" => false,
            Some(_) => return Err("Version must be \"2012-10-17\" or \"2008-10-17\"".into()),
        };
        let items: Vec<&Value> = match top.get("Statement") {
            Some(Value::Array(items)) => items.iter().collect(),
            Some(item @ Value::Object(_)) => vec![item],
            Some(_) => return Err("Statement must be an object or an array".into()),
            None => return Err("no Statement".into()),
        };
        let statements = items
            .into_iter()
            .enumerate()
            .map(|(i, s)| Statement::parse(s, i + 1, variables))
            .collect::<Result<_, _>>()?;
        Ok(PolicyDocument { statements })
    }
}
