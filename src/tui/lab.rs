//! The workshop lab as a checked walk: seven steps whose state comes from live data.

use super::bindings::{Action, Context, Keymap};
use super::panes::Pane;
use super::rows::{Cell, Row, Tone};
use crate::domain::findings::Severity;
use crate::domain::model::{AssociationState, InstanceState, PingStatus};
use crate::domain::readiness::{Readiness, Verdict};
use crate::domain::snapshot::Snapshot;
use crate::domain::topology::Topology;
use crate::i18n::{Lang, t, tf};
use crate::present::finding_short;

/// The lab stack's VPC is found by this name prefix.
pub const LAB_STACK_PREFIX: &str = "WellArchitectedLabsStack";

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StepState {
    Done,
    /// The next thing to do: Enter does it.
    Next,
    Waiting(String),
    Blocked(String),
}

/// What Enter does for the step that is `Next`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LabAction {
    CreateEndpoints {
        vpc_id: String,
    },
    CreateRole,
    Attach {
        instance_ids: Vec<String>,
    },
    /// Whatever else blocks the lab's instances (the plan of `f` on Instances).
    Fix {
        instance_ids: Vec<String>,
    },
    RunCommand {
        instance_ids: Vec<String>,
    },
    Scan {
        instance_ids: Vec<String>,
    },
    /// An inventory association for the lab's nodes.
    SetupInventory {
        instance_ids: Vec<String>,
    },
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LabStep {
    pub number: u8,
    pub state: StepState,
    /// Live facts for this step (counts, ids).
    pub facts: String,
    pub action: Option<LabAction>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Lab {
    pub vpc_id: Option<String>,
    pub instance_ids: Vec<String>,
    pub steps: Vec<LabStep>,
}

impl Lab {
    /// The first step Enter can perform.
    pub fn next_action(&self) -> Option<&LabAction> {
        self.steps
            .iter()
            .find(|s| s.state == StepState::Next)
            .and_then(|s| s.action.as_ref())
    }

    pub fn complete(&self) -> bool {
        self.steps.iter().all(|s| s.state == StepState::Done)
    }

    /// Why nothing can be done now (the first step that waits or is blocked).
    pub fn holdup(&self) -> Option<String> {
        self.steps.iter().find_map(|s| match &s.state {
            StepState::Waiting(r) | StepState::Blocked(r) => Some(r.clone()),
            _ => None,
        })
    }
}

/// The lab's VPC: the one the user picked, else the one named after the lab stack.
pub fn lab_vpc(s: &Snapshot, chosen: Option<&str>) -> Option<String> {
    if let Some(id) = chosen
        && s.network.vpcs.iter().any(|v| v.id == id)
    {
        return Some(id.to_string());
    }
    s.network
        .vpcs
        .iter()
        .find(|v| {
            v.name
                .as_deref()
                .is_some_and(|n| n.starts_with(LAB_STACK_PREFIX))
        })
        .map(|v| v.id.clone())
}

pub fn evaluate(
    s: &Snapshot,
    r: &Readiness,
    chosen: Option<&str>,
    role: &str,
    lang: Lang,
    keymap: &Keymap,
) -> Lab {
    let key_of = |pane: Pane, action: Action| {
        keymap
            .key_of(Context::Pane(pane), action)
            .map(|k| k.to_string())
            .unwrap_or_default()
    };
    let vpc_id = lab_vpc(s, chosen);
    let instances: Vec<&crate::domain::model::Instance> = s
        .instances
        .instances
        .iter()
        .filter(|i| vpc_id.is_some() && i.vpc_id == vpc_id && i.state != InstanceState::Terminated)
        .collect();
    let instance_ids: Vec<String> = instances.iter().map(|i| i.id.clone()).collect();
    let mut steps = Vec::new();

    // 1. Find the stack.
    let topo = Topology::new(&s.network);
    let private: Vec<&crate::domain::model::Subnet> = s
        .network
        .subnets
        .iter()
        .filter(|x| Some(&x.vpc_id) == vpc_id.as_ref())
        .filter(|x| !topo.is_public(x))
        .collect();
    let mut azs: Vec<&str> = private.iter().map(|x| x.az.as_str()).collect();
    azs.sort();
    azs.dedup();
    let found = vpc_id.is_some() && !instances.is_empty();
    steps.push(LabStep {
        number: 1,
        state: match &vpc_id {
            None => StepState::Blocked(tf(
                lang,
                "lab.step1.none",
                &[("key", &key_of(Pane::Endpoints, Action::LabVpc))],
            )),
            Some(_) if instances.is_empty() => {
                StepState::Blocked(t(lang, "lab.step1.no_instances"))
            }
            Some(_) => StepState::Done,
        },
        facts: match &vpc_id {
            Some(v) => tf(
                lang,
                "lab.step1.facts",
                &[
                    ("vpc", v),
                    ("subnets", &private.len().to_string()),
                    ("azs", &azs.len().to_string()),
                    ("instances", &instances.len().to_string()),
                ],
            ),
            None => String::new(),
        },
        action: None,
    });

    // 2. Endpoints.
    let report = r.vpcs.iter().find(|v| Some(&v.vpc_id) == vpc_id.as_ref());
    let required: Vec<&crate::domain::readiness::ServiceStatus> = report
        .map(|v| v.services.iter().filter(|x| x.required).collect())
        .unwrap_or_default();
    let missing: Vec<&str> = required
        .iter()
        .filter(|x| x.endpoint_id.is_none())
        .map(|x| x.short.as_str())
        .collect();
    let pending: Vec<&str> = required
        .iter()
        .filter(|x| x.state.as_deref() == Some("pending"))
        .map(|x| x.short.as_str())
        .collect();
    // What `c` fixes on the VPC: endpoints, their group, private DNS, the VPC's DNS.
    let vpc_blocked =
        report.is_some_and(|v| v.findings.iter().any(|f| f.severity == Severity::Blocker));
    let endpoints_ok = found && missing.is_empty() && pending.is_empty() && !vpc_blocked;
    steps.push(LabStep {
        number: 2,
        state: if !found {
            StepState::Blocked(t(lang, "lab.blocked.step1"))
        } else if !missing.is_empty() || vpc_blocked {
            StepState::Next
        } else if !pending.is_empty() {
            StepState::Waiting(tf(
                lang,
                "lab.step2.pending",
                &[("services", &pending.join(", "))],
            ))
        } else {
            StepState::Done
        },
        facts: if missing.is_empty() {
            tf(
                lang,
                "lab.step2.present",
                &[("count", &(required.len() - missing.len()).to_string())],
            )
        } else {
            tf(
                lang,
                "lab.step2.missing",
                &[("services", &missing.join(", "))],
            )
        },
        action: vpc_id
            .clone()
            .map(|v| LabAction::CreateEndpoints { vpc_id: v }),
    });

    // 3. Role.
    let role_ok = r.default_role_ready;
    steps.push(LabStep {
        number: 3,
        state: if role_ok {
            StepState::Done
        } else {
            StepState::Next
        },
        facts: match r.roles.iter().find(|x| x.name == role) {
            Some(x) => tf(
                lang,
                "lab.step3.exists",
                &[("role", role), ("policy", &format!("{:?}", x.policy))],
            ),
            None => tf(lang, "lab.step3.missing", &[("role", role)]),
        },
        action: Some(LabAction::CreateRole),
    });

    // 4. Attach.
    let has_profile = |id: &str| -> Option<AssociationState> {
        s.instances
            .associations
            .iter()
            .find(|a| {
                a.instance_id == id
                    && a.profile_arn.rsplit('/').next() == Some(role)
                    && matches!(
                        a.state,
                        AssociationState::Associated | AssociationState::Associating
                    )
            })
            .map(|a| a.state)
            .or_else(|| {
                s.instances
                    .instances
                    .iter()
                    .find(|i| {
                        i.id == id
                            && i.profile_arn.as_deref().and_then(|p| p.rsplit('/').next())
                                == Some(role)
                    })
                    .map(|_| AssociationState::Associated)
            })
    };
    let without: Vec<String> = instance_ids
        .iter()
        .filter(|i| has_profile(i).is_none())
        .cloned()
        .collect();
    let associating = instance_ids
        .iter()
        .any(|i| has_profile(i) == Some(AssociationState::Associating));
    let attached = instance_ids.len() - without.len();
    steps.push(LabStep {
        number: 4,
        state: if !found {
            StepState::Blocked(t(lang, "lab.blocked.step1"))
        } else if !role_ok {
            StepState::Blocked(t(lang, "lab.blocked.step3"))
        } else if !without.is_empty() {
            StepState::Next
        } else if associating {
            StepState::Waiting(t(lang, "lab.step4.associating"))
        } else {
            StepState::Done
        },
        facts: tf(
            lang,
            "lab.step4.facts",
            &[
                ("attached", &attached.to_string()),
                ("total", &instance_ids.len().to_string()),
            ],
        ),
        action: Some(LabAction::Attach {
            instance_ids: without.clone(),
        }),
    });

    // 5. Managed.
    let online: Vec<String> = instance_ids
        .iter()
        .filter(|id| {
            r.instances
                .iter()
                .any(|x| &&x.instance_id == id && x.verdict == Verdict::Managed)
        })
        .cloned()
        .collect();
    let running = instances
        .iter()
        .filter(|i| i.state == InstanceState::Running)
        .count();
    let all_online = found && online.len() == running && running > 0;
    let earlier_done = endpoints_ok && role_ok && without.is_empty() && !associating;
    // What still blocks the lab's instances once steps 2–4 are done (a network ACL, the
    // security group's egress, instance metadata…): Enter offers the fix.
    let blocker = r
        .instances
        .iter()
        .filter(|x| instance_ids.contains(&x.instance_id))
        .flat_map(|x| x.findings.iter())
        .find(|f| f.severity == Severity::Blocker);
    let blocked: Vec<String> = r
        .instances
        .iter()
        .filter(|x| instance_ids.contains(&x.instance_id))
        .filter(|x| x.findings.iter().any(|f| f.severity == Severity::Blocker))
        .map(|x| x.instance_id.clone())
        .collect();
    steps.push(LabStep {
        number: 5,
        state: if all_online {
            StepState::Done
        } else if earlier_done && blocker.is_some() {
            StepState::Next
        } else if earlier_done {
            StepState::Waiting(t(lang, "lab.step5.waiting"))
        } else {
            StepState::Blocked(t(lang, "lab.blocked.steps2to4"))
        },
        facts: match blocker {
            Some(f) if earlier_done => tf(
                lang,
                "lab.step5.blocked",
                &[
                    ("what", &finding_short(f, lang)),
                    ("instance", &f.subject),
                    ("key", &key_of(Pane::Lab, Action::LabNext)),
                ],
            ),
            _ => tf(
                lang,
                "lab.step5.facts",
                &[
                    ("online", &online.len().to_string()),
                    ("total", &running.to_string()),
                ],
            ),
        },
        action: (!blocked.is_empty()).then_some(LabAction::Fix {
            instance_ids: blocked,
        }),
    });

    // 6. First operations: a Run Command, a patch scan, inventory.
    let ran = s.commands.iter().any(|c| {
        c.document == "AWS-RunShellScript"
            && c.status == "Success"
            && c.instance_ids.iter().any(|i| online.contains(i))
    });
    let running_cmd = s.commands.iter().any(|c| {
        matches!(c.status.as_str(), "Pending" | "InProgress")
            && c.instance_ids.iter().any(|i| online.contains(i))
    });
    let scanned = !online.is_empty()
        && online
            .iter()
            .all(|i| s.patches.iter().any(|p| &p.instance_id == i));
    let node_online = |id: &String| {
        s.nodes
            .nodes
            .iter()
            .any(|n| &n.instance_id == id && n.ping == PingStatus::Online)
    };
    let targets: Vec<String> = online.iter().filter(|i| node_online(i)).cloned().collect();
    let (state, action) = if !all_online {
        (StepState::Blocked(t(lang, "lab.blocked.step5")), None)
    } else if running_cmd {
        (StepState::Waiting(t(lang, "lab.step6.running")), None)
    } else if !ran {
        (
            StepState::Next,
            Some(LabAction::RunCommand {
                instance_ids: targets,
            }),
        )
    } else if !scanned {
        (
            StepState::Next,
            Some(LabAction::Scan {
                instance_ids: targets,
            }),
        )
    } else {
        (StepState::Done, None)
    };
    let tick = |v: bool| if v { "✓" } else { "✗" };
    steps.push(LabStep {
        number: 6,
        state,
        facts: tf(
            lang,
            "lab.step6.facts",
            &[("command", tick(ran)), ("scan", tick(scanned))],
        ),
        action,
    });
    steps.push(super::lab_inventory::step(s, &online, all_online, lang));

    Lab {
        vpc_id,
        instance_ids,
        steps,
    }
}

fn cell(text: impl Into<String>, tone: Tone) -> Cell {
    Cell {
        text: text.into(),
        tone,
    }
}

pub const COLUMNS: [&str; 4] = ["ui.col.step", "ui.col.state", "ui.col.what", "ui.col.now"];

pub fn rows(lab: &Lab, lang: Lang, keymap: &Keymap) -> Vec<Row> {
    let next = keymap
        .key_of(Context::Pane(Pane::Lab), Action::LabNext)
        .map(|k| k.to_string())
        .unwrap_or_default();
    lab.steps
        .iter()
        .map(|s| {
            let state = match &s.state {
                StepState::Done => cell(format!("✓ {}", t(lang, "lab.state.done")), Tone::Good),
                StepState::Next => cell(
                    format!("▶ {}", tf(lang, "lab.state.next", &[("key", &next)])),
                    Tone::Warn,
                ),
                StepState::Waiting(r) => cell(format!("… {r}"), Tone::Warn),
                StepState::Blocked(r) => cell(format!("✗ {r}"), Tone::Bad),
            };
            let n = s.number.to_string();
            Row::new(
                n.clone(),
                vec![
                    cell(n.clone(), Tone::Normal),
                    state,
                    cell(t(lang, &format!("lab.step{n}.title")), Tone::Normal),
                    cell(s.facts.clone(), Tone::Dim),
                ],
                Vec::new(),
                t(lang, &format!("lab.step{n}.why"))
                    .split('\n')
                    .map(str::to_string)
                    .collect(),
            )
        })
        .collect()
}
