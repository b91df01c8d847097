//! What the simulated agents report of patching: each node's state under the baseline of
//! its platform (or of its patch group), and its patches; the baselines of the account.

use jiff::{SignedDuration, Timestamp};

use super::simulate::seed;
use super::world::{SimInstance, World};
use crate::domain::model::{PatchBaseline, PatchEntry, PatchOperation, PatchState};
use crate::domain::snapshot::{Snapshot, Source, SourceStatus};

/// The patch group some Linux nodes are in, registered for [`WEB_BASELINE`].
pub const WEB_GROUP: &str = "web-servers";
/// The account's own baseline (critical and important security updates only).
const WEB_BASELINE: (&str, &str) = ("pb-0a7c3d9e2f1b4c6d8", "ssmdeck-web-security-only");
/// AWS's baselines: (id, name, operating system, default for it).
const AWS_BASELINES: [(&str, &str, &str, bool); 5] = [
    (
        "pb-0c10e65780EXAMPLE",
        "AWS-AmazonLinux2023DefaultPatchBaseline",
        "AMAZON_LINUX_2023",
        true,
    ),
    (
        "pb-0e392de35e7c563b7",
        "AWS-AmazonLinux2DefaultPatchBaseline",
        "AMAZON_LINUX_2",
        true,
    ),
    (
        "pb-0ec16280999c5c75e",
        "AWS-UbuntuDefaultPatchBaseline",
        "UBUNTU",
        true,
    ),
    (
        "pb-016889927b2bb8542",
        "AWS-DefaultPatchBaseline",
        "WINDOWS",
        true,
    ),
    (
        "pb-0a8b4ef29c6f7e6b1",
        "AWS-WindowsPredefinedPatchBaseline-OS-Applications",
        "WINDOWS",
        false,
    ),
];

fn aws_arn(region: &str, id: &str) -> String {
    format!("arn:aws:ssm:{region}:075727635805:patchbaseline/{id}")
}

/// DescribePatchBaselines of the sandbox: AWS's (by ARN, as AWS lists them) and the
/// account's own.
pub fn baselines(region: &str) -> Vec<PatchBaseline> {
    let mut out: Vec<PatchBaseline> = AWS_BASELINES
        .iter()
        .map(|(id, name, os, default)| PatchBaseline {
            id: aws_arn(region, id),
            name: (*name).to_string(),
            operating_system: Some((*os).to_string()),
            default: *default,
            patch_groups: Vec::new(),
        })
        .collect();
    out.push(PatchBaseline {
        id: WEB_BASELINE.0.to_string(),
        name: WEB_BASELINE.1.to_string(),
        operating_system: Some("AMAZON_LINUX_2023".into()),
        default: false,
        patch_groups: Vec::new(),
    });
    out
}

/// GetPatchBaseline: one baseline by id or ARN, with its patch groups.
pub fn baseline(region: &str, id: &str) -> Option<PatchBaseline> {
    let short = id.rsplit('/').next().unwrap_or(id);
    let mut b = baselines(region)
        .into_iter()
        .find(|b| b.id == id || b.id.rsplit('/').next() == Some(short))?;
    if b.name == WEB_BASELINE.1 {
        b.patch_groups = vec![WEB_GROUP.to_string()];
    }
    Some(b)
}

/// The patch group of a node: a quarter of the Amazon Linux nodes are web servers.
fn patch_group(inst: &SimInstance) -> Option<&'static str> {
    let linux = !inst.instance.is_windows() && inst.platform_name == "Amazon Linux";
    (linux && seed(&inst.instance.id).is_multiple_of(4)).then_some(WEB_GROUP)
}

fn baseline_id(inst: &SimInstance, region: &str) -> String {
    if patch_group(inst).is_some() {
        return WEB_BASELINE.0.to_string();
    }
    let os = if inst.instance.is_windows() {
        "WINDOWS"
    } else if inst.platform_name == "Ubuntu" {
        "UBUNTU"
    } else {
        "AMAZON_LINUX_2023"
    };
    let id = AWS_BASELINES
        .iter()
        .find(|(_, _, o, default)| *o == os && *default)
        .map_or(AWS_BASELINES[0].0, |(id, ..)| id);
    aws_arn(region, id)
}

/// A node's state after a scan (`install`: an install) that ended at `at`. Counts vary by
/// node; a node found nothing to fix after an install.
pub fn patch_state(inst: &SimInstance, region: &str, install: bool, at: Timestamp) -> PatchState {
    let id = inst.instance.id.as_str();
    let s = seed(id);
    let missing = if install { 0 } else { (s % 7) as i32 };
    let critical = if install {
        0
    } else {
        ((s >> 8) % 2) as i32 * missing.min(1)
    };
    let security = if install { 0 } else { missing / 2 };
    let failed = i32::from(!install && (s >> 20).is_multiple_of(9));
    let minutes = 2 + (s >> 16) % 9;
    PatchState {
        instance_id: id.to_string(),
        baseline_id: baseline_id(inst, region),
        baseline_name: None,
        patch_group: patch_group(inst).map(str::to_string),
        operation: if install {
            PatchOperation::Install
        } else {
            PatchOperation::Scan
        },
        operation_start: Some(at - SignedDuration::from_mins(minutes as i64)),
        operation_end: Some(at),
        installed: 380 + (s % 60) as i32 + if install { (s % 7) as i32 } else { 0 },
        installed_other: ((s >> 4) % 12) as i32,
        installed_pending_reboot: 0,
        installed_rejected: i32::from((s >> 24).is_multiple_of(11)),
        missing,
        failed,
        not_applicable: 1200 + ((s >> 12) % 300) as i32,
        critical_non_compliant: critical,
        security_non_compliant: security,
        other_non_compliant: missing + failed - security,
        reboot_option: Some("RebootIfNeeded".into()),
    }
}

/// A node's patches (DescribeInstancePatches without filters), as many missing and failed
/// as its state counts; its agent's package carries the version the node reports.
pub fn patches(state: &PatchState, agent_version: Option<&str>) -> Vec<PatchEntry> {
    let mut out = Vec::new();
    let missing_severity = |k: i32| match k {
        k if k < state.critical_non_compliant => "Critical",
        k if k % 3 == 0 => "Important",
        k if k % 3 == 1 => "Low",
        _ => "Medium",
    };
    for k in 0..state.missing {
        out.push(PatchEntry {
            title: format!("kernel-livepatch-6.1.{}-1.amzn2023", 100 + k),
            kb_id: format!("ALAS2023-2026-{:03}", 700 + k),
            classification: if k < state.security_non_compliant {
                "Security".into()
            } else {
                "Bugfix".into()
            },
            severity: missing_severity(k).into(),
            state: "Missing".into(),
            installed_time: None,
        });
    }
    for k in 0..state.failed {
        out.push(PatchEntry {
            title: format!("glibc-2.34-{}.amzn2023", 120 + k),
            kb_id: format!("ALAS2023-2026-{:03}", 800 + k),
            classification: "Security".into(),
            severity: "Important".into(),
            state: "Failed".into(),
            installed_time: None,
        });
    }
    let installed = [
        ("openssl-libs", "Security", "Important"),
        ("curl", "Security", "Medium"),
        ("glibc", "Security", "Critical"),
        ("systemd", "Bugfix", "Low"),
        ("amazon-ssm-agent", "Enhancement", "Unspecified"),
    ];
    for (k, (name, classification, severity)) in installed.iter().enumerate() {
        let title = match (*name, agent_version) {
            ("amazon-ssm-agent", Some(v)) => format!("{name}-{v}-1"),
            _ => format!("{name}-3.{k}.2-1.amzn2023"),
        };
        out.push(PatchEntry {
            title,
            kb_id: format!("ALAS2023-2026-{:03}", 600 + k),
            classification: (*classification).into(),
            severity: (*severity).into(),
            state: "Installed".into(),
            installed_time: match state.operation {
                PatchOperation::Install => state.operation_start,
                PatchOperation::Scan => state
                    .operation_start
                    .map(|t| t - SignedDuration::from_hours(24 * 12)),
            },
        });
    }
    out.push(PatchEntry {
        title: "kernel5.15-5.15.173-1.amzn2".into(),
        kb_id: "ALAS2KERNEL-5.15-2026-061".into(),
        classification: "Security".into(),
        severity: "Important".into(),
        state: "NotApplicable".into(),
        installed_time: None,
    });
    out
}

impl World {
    /// Patch states as `check` reads them: the managed nodes', their baselines named; no
    /// read at all when no node is managed.
    pub(super) fn read_patches_into(&self, snap: &mut Snapshot, t: Timestamp) {
        if snap.nodes.nodes.is_empty() {
            return;
        }
        snap.patches = snap
            .nodes
            .nodes
            .iter()
            .filter_map(|n| self.patch_states.get(&n.instance_id).cloned())
            .collect();
        crate::domain::patches::name_baselines(&mut snap.patches, &baselines(&self.region));
        snap.status.insert(
            Source::Patches,
            SourceStatus {
                fetched_at: Some(t),
                ..SourceStatus::default()
            },
        );
    }
}
