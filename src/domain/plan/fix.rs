//! Everything `ssmdeck fix` (and `f` on Instances) would do: a step for every blocker of
//! the instances in scope, or the change to make by hand.

use std::collections::BTreeSet;

use super::iam::{plan_attach, plan_role};
use super::network::plan_endpoints;
use super::{Call, Note, Plan, Step, StepKind, StepTitle, Subject};
use crate::domain::findings::{Finding, FindingKind, Fix, Severity};
use crate::domain::model::{CORE_POLICY_ARN, NodeKind};
use crate::domain::readiness::acl::free_rule_number;
use crate::domain::readiness::{InstanceReport, Readiness, Verdict};
use crate::domain::snapshot::Snapshot;

/// The instances a plan is for: `--vpc` and `--instance` (both empty: every instance).
#[derive(Debug, Clone, Copy)]
pub struct PlanScope<'a> {
    pub vpcs: &'a [String],
    pub instances: &'a [String],
}

impl PlanScope<'_> {
    fn includes(&self, s: &Snapshot, report: &InstanceReport) -> bool {
        let id = &report.instance_id;
        if !self.instances.is_empty() && !self.instances.contains(id) {
            return false;
        }
        self.vpcs.is_empty()
            || s.instances
                .instances
                .iter()
                .any(|i| &i.id == id && i.vpc_id.as_ref().is_some_and(|v| self.vpcs.contains(v)))
    }
}

/// What blocks the running instances in scope (a stopped instance blocks nothing, as
/// `check` has it).
pub fn blockers_in_scope<'r>(s: &Snapshot, r: &'r Readiness, scope: PlanScope) -> Vec<&'r Finding> {
    r.instances
        .iter()
        .filter(|i| scope.includes(s, i) && !matches!(i.verdict, Verdict::NotRunning { .. }))
        .flat_map(|i| i.findings.iter())
        .filter(|f| f.severity == Severity::Blocker)
        .collect()
}

/// The blockers of every instance in scope, stopped ones too: fixed before they start.
fn planned_blockers<'r>(s: &Snapshot, r: &'r Readiness, scope: PlanScope) -> Vec<&'r Finding> {
    r.instances
        .iter()
        .filter(|i| scope.includes(s, i))
        .flat_map(|i| i.findings.iter())
        .filter(|f| f.severity == Severity::Blocker)
        .collect()
}

/// Blockers that attaching the default instance profile solves.
fn needs_profile(f: &Finding) -> bool {
    matches!(
        f.kind,
        FindingKind::NoInstanceProfile { .. }
            | FindingKind::ProfileNotFound { .. }
            | FindingKind::ProfileWithoutRole { .. }
            | FindingKind::RoleNotFound { .. }
            | FindingKind::RoleNotTrustingEc2 { .. }
    )
}

/// Endpoints for every VPC whose instances depend on them, the network, metadata and
/// role changes the instances' blockers need, the default role and its attachments, and
/// what must be done by hand — limited by the filters.
pub fn plan_fix(
    s: &Snapshot,
    r: &Readiness,
    vpcs: &[String],
    instances: &[String],
    role_name: &str,
    day: &str,
) -> Plan {
    let scope = PlanScope { vpcs, instances };
    let mut plan = Plan {
        subject: Subject::Fix,
        place: String::new(),
        steps: Vec::new(),
    };
    let blockers = planned_blockers(s, r, scope);
    let instance_vpcs: BTreeSet<&str> = s
        .instances
        .instances
        .iter()
        .filter(|i| instances.contains(&i.id))
        .filter_map(|i| i.vpc_id.as_deref())
        .collect();
    let blocked_vpcs: BTreeSet<&str> = blockers
        .iter()
        .filter_map(|f| match &f.fix {
            Fix::CreateEndpoints { vpc_id }
            | Fix::EnableVpcDns { vpc_id }
            | Fix::EnablePrivateDns { vpc_id }
            | Fix::AllowHttps { vpc_id } => Some(vpc_id.as_str()),
            _ => None,
        })
        .collect();
    for v in &r.vpcs {
        // Endpoints only where instances need them or a blocker in scope names them: a
        // VPC whose default route leaves it (a transit gateway) gets none, scoped or not.
        let needed = blocked_vpcs.contains(v.vpc_id.as_str());
        let wanted = if !vpcs.is_empty() {
            vpcs.contains(&v.vpc_id) && (needed || v.endpoint_dependent_instances > 0)
        } else if !instances.is_empty() {
            instance_vpcs.contains(v.vpc_id.as_str()) && needed
        } else {
            v.endpoint_dependent_instances > 0 || needed
        };
        if wanted {
            let mut p = plan_endpoints(s, r, &v.vpc_id, day);
            p.steps.retain(|st| st.kind != StepKind::OptionalEndpoints);
            plan.steps.extend(p.steps);
        }
    }
    plan.push(egress_step(&blockers));
    plan.push(acl_step(s, &blockers));
    plan.push(metadata_step(&blockers));

    let targets: Vec<String> = r
        .instances
        .iter()
        .filter(|i| scope.includes(s, i))
        .filter(|i| {
            i.findings
                .iter()
                .any(|f| f.severity == Severity::Blocker && needs_profile(f))
        })
        .map(|i| i.instance_id.clone())
        .collect();
    // Hybrid nodes have no instance profile: a plan for them alone leaves the default
    // role and its profile be.
    let hybrid_only = !instances.is_empty()
        && instances.iter().all(|id| {
            r.instances
                .iter()
                .any(|i| &i.instance_id == id && i.kind == NodeKind::Hybrid)
        });
    if !hybrid_only && (!targets.is_empty() || s.iam.roles.iter().any(|x| x.name == role_name)) {
        let role = plan_role(s, role_name);
        if !targets.is_empty() || !role.is_empty() {
            plan.steps.extend(role.steps);
        }
    }
    // Core on the roles that lack it — for the deprecated policy's warning too.
    let core_wanted: Vec<&Finding> = r
        .instances
        .iter()
        .filter(|i| scope.includes(s, i))
        .flat_map(|i| i.findings.iter())
        .filter(|f| matches!(f.fix, Fix::AttachCorePolicy { .. }))
        .collect();
    plan.push(core_step(s, &core_wanted, role_name));
    if !targets.is_empty() {
        plan.steps.extend(plan_attach(s, &targets, role_name).steps);
    }
    plan.push(manual_step(&blockers));
    let scoped: Vec<String> = r
        .instances
        .iter()
        .filter(|i| scope.includes(s, i))
        .map(|i| i.instance_id.clone())
        .collect();
    let scoped_all = vpcs.is_empty() && instances.is_empty();
    let uncollected = super::uncollected(r, if scoped_all { &[][..] } else { &scoped[..] });
    if !(uncollected.is_empty() || !scoped_all && scoped.is_empty()) {
        plan.push(super::inventory_step(s, &uncollected, !scoped_all));
    }
    plan.steps
        .retain(|st| !st.calls.is_empty() || !st.notes.is_empty());
    plan
}

fn egress_step(blockers: &[&Finding]) -> Step {
    let mut calls: Vec<Call> = Vec::new();
    for f in blockers {
        if let Fix::AllowEgress { group_id, cidr } = &f.fix {
            let call = Call::AuthorizeSecurityGroupEgress {
                group_id: group_id.clone(),
                cidr: cidr.clone(),
            };
            if !calls.contains(&call) {
                calls.push(call);
            }
        }
    }
    Step {
        kind: StepKind::Egress,
        title: StepTitle::Egress,
        selected: true,
        calls,
        notes: Vec::new(),
    }
}

/// Allow entries, each numbered to come before the entry that denies; two entries for one
/// ACL and direction take different numbers.
fn acl_step(s: &Snapshot, blockers: &[&Finding]) -> Step {
    let mut calls: Vec<Call> = Vec::new();
    for f in blockers {
        let Fix::AllowNetworkAcl {
            acl_id,
            egress,
            from_port,
            to_port,
            cidr,
            rule_number: Some(number),
        } = &f.fix
        else {
            continue;
        };
        let planned = calls.iter().any(|c| {
            matches!(c, Call::CreateNetworkAclEntry { acl_id: a, egress: e, from_port: fp, to_port: tp, cidr: c, .. }
                if a == acl_id && e == egress && fp == from_port && tp == to_port && c == cidr)
        });
        if planned {
            continue;
        }
        let taken: Vec<i32> = calls
            .iter()
            .filter_map(|c| match c {
                Call::CreateNetworkAclEntry {
                    acl_id: a,
                    egress: e,
                    rule_number,
                    ..
                } if a == acl_id && e == egress => Some(*rule_number),
                _ => None,
            })
            .collect();
        let number = if taken.contains(number) {
            let acl = s.network.network_acls.iter().find(|a| &a.id == acl_id);
            let lowest = taken.iter().copied().min().unwrap_or(*number);
            let Some(n) = acl.and_then(|a| free_rule_number(a, *egress, Some(lowest))) else {
                continue;
            };
            n
        } else {
            *number
        };
        calls.push(Call::CreateNetworkAclEntry {
            acl_id: acl_id.clone(),
            rule_number: number,
            egress: *egress,
            cidr: cidr.clone(),
            from_port: *from_port,
            to_port: *to_port,
        });
    }
    Step {
        kind: StepKind::NetworkAcl,
        title: StepTitle::NetworkAcl,
        selected: false,
        calls,
        notes: Vec::new(),
    }
}

fn metadata_step(blockers: &[&Finding]) -> Step {
    let mut calls: Vec<Call> = Vec::new();
    for f in blockers {
        if let Fix::EnableImds { instance_id } = &f.fix {
            let call = Call::ModifyInstanceMetadataOptions {
                instance_id: instance_id.clone(),
            };
            if !calls.contains(&call) {
                calls.push(call);
            }
        }
    }
    Step {
        kind: StepKind::Metadata,
        title: StepTitle::Metadata,
        selected: true,
        calls,
        notes: Vec::new(),
    }
}

/// Core on the roles instances use that grant the agent nothing or only through the
/// deprecated policy (the default role's is part of its own step).
fn core_step(s: &Snapshot, findings: &[&Finding], default_role: &str) -> Step {
    let mut roles: Vec<String> = Vec::new();
    for f in findings {
        if let Fix::AttachCorePolicy { role } = &f.fix
            && role != default_role
            && !roles.contains(role)
            && s.iam.roles.iter().any(|r| &r.name == role)
        {
            roles.push(role.clone());
        }
    }
    Step {
        kind: StepKind::RolePolicy,
        title: StepTitle::AttachCore {
            roles: roles.clone(),
        },
        selected: true,
        calls: roles
            .into_iter()
            .map(|role| Call::AttachRolePolicy {
                role,
                policy_arn: CORE_POLICY_ARN.to_string(),
            })
            .collect(),
        notes: Vec::new(),
    }
}

/// What no call here changes: each kind of finding once, with every resource it is on.
fn manual_step(blockers: &[&Finding]) -> Step {
    let mut notes: Vec<Note> = Vec::new();
    for f in blockers {
        let by_hand = matches!(
            f.fix,
            Fix::Manual
                | Fix::CheckAgent { .. }
                | Fix::AllowNetworkAcl {
                    rule_number: None,
                    ..
                }
        );
        if !by_hand {
            continue;
        }
        let same = notes.iter_mut().find_map(|n| match n {
            Note::Manual { finding, subjects } if finding.kind == f.kind => Some(subjects),
            _ => None,
        });
        match same {
            Some(subjects) => {
                if !subjects.contains(&f.subject) {
                    subjects.push(f.subject.clone());
                }
            }
            None => notes.push(Note::Manual {
                finding: (*f).clone(),
                subjects: vec![f.subject.clone()],
            }),
        }
    }
    Step {
        kind: StepKind::Manual,
        title: StepTitle::Manual,
        selected: true,
        calls: Vec::new(),
        notes,
    }
}
