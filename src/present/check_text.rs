//! `ssmdeck check`'s text report, in the interface's language: each VPC, role and instance
//! marked by its worst finding, what blocks it and what fixes it, then the fleet's counts
//! and the verdict.

use std::fmt::Write;

use crate::domain::findings::{Finding, Severity};
use crate::domain::model::SsmPolicy;
use crate::domain::patches::PatchPolicy;
use crate::domain::readiness::{Readiness, Verdict};
use crate::domain::snapshot::{Snapshot, Source};
use crate::i18n::{Lang, t, tf};
use crate::present::{error_text, finding_fix, finding_what, instance_summary};
use crate::report::{Outcome, outcome};

pub fn check_text(
    snapshot: &Snapshot,
    readiness: &Readiness,
    policy: PatchPolicy,
    lang: Lang,
) -> String {
    let mut out = String::new();
    let id = &snapshot.identity;
    let unknown = t(lang, "check.unknown");
    let _ = writeln!(
        out,
        "{}",
        tf(
            lang,
            "check.title",
            &[
                ("target", &id.label),
                ("account", id.account.as_deref().unwrap_or(&unknown)),
                ("region", &id.region),
            ],
        )
    );
    let unread = |s: Source| snapshot.status.get(&s).and_then(|x| x.error.as_ref());
    // The associations too: without them inventory collection is not judged.
    for s in Source::CORE
        .into_iter()
        .chain([Source::Patches, Source::Associations])
    {
        if let Some(e) = unread(s) {
            let _ = writeln!(
                out,
                "! {}",
                tf(
                    lang,
                    "check.unread",
                    &[
                        ("source", &super::source_name(s, lang)),
                        ("error", &error_text(e, lang)),
                    ],
                )
            );
        }
    }
    vpcs(&mut out, readiness, lang);
    let _ = writeln!(out, "\n{}", t(lang, "check.roles"));
    if let Some(e) = unread(Source::Iam) {
        let _ = writeln!(
            out,
            "  ? {}",
            tf(
                lang,
                "check.roles_unread",
                &[("error", &error_text(e, lang))]
            )
        );
    } else if readiness.roles.is_empty() {
        let _ = writeln!(out, "  ✗ {}", t(lang, "check.roles_none"));
    }
    for r in &readiness.roles {
        let profiles = if r.profiles.is_empty() {
            t(lang, "check.none")
        } else {
            r.profiles.join(", ")
        };
        let policy = match r.policy {
            SsmPolicy::Core => "AmazonSSMManagedInstanceCore".to_string(),
            SsmPolicy::Deprecated => t(lang, "check.policy.deprecated"),
            SsmPolicy::Custom => t(lang, "check.policy.custom"),
            SsmPolicy::None => t(lang, "check.none"),
            SsmPolicy::Denied => t(lang, "check.policy.denied"),
            SsmPolicy::Unknown => t(lang, "check.unknown"),
        };
        let _ = writeln!(
            out,
            "  {} {}",
            worst_mark(&r.findings),
            tf(
                lang,
                "check.role",
                &[
                    ("role", &r.name),
                    ("policy", &policy),
                    ("profiles", &profiles)
                ],
            )
        );
        for f in r.findings.iter().filter(|f| f.severity != Severity::Info) {
            finding_line(&mut out, f, lang, false);
        }
    }
    let _ = writeln!(out, "\n{}", t(lang, "check.instances"));
    let hybrid_names: std::collections::HashMap<&str, &str> = snapshot
        .nodes
        .nodes
        .iter()
        .filter(|n| n.is_hybrid())
        .map(|n| (n.instance_id.as_str(), n.name.as_deref().unwrap_or("")))
        .collect();
    for r in &readiness.instances {
        let mark = match r.verdict {
            Verdict::Managed => "✓",
            Verdict::NotRunning { .. } => "-",
            Verdict::Waiting | Verdict::Unknown => "…",
            _ => "✗",
        };
        let kind = match hybrid_names.get(r.instance_id.as_str()) {
            Some(name) => format!(
                "({}) ",
                tf(lang, "check.hybrid_node", &[("name", *name)]).trim_end()
            ),
            None => String::new(),
        };
        let _ = writeln!(
            out,
            "  {mark} {} {kind}{}",
            r.instance_id,
            instance_summary(r, lang)
        );
        for f in r.findings.iter().filter(|f| f.severity != Severity::Info) {
            finding_line(&mut out, f, lang, true);
        }
    }
    let s = &readiness.summary;
    let _ = writeln!(
        out,
        "\n{}",
        tf(
            lang,
            "check.summary",
            &[
                ("online", &s.online.to_string()),
                ("lost", &s.connection_lost.to_string()),
                ("waiting", &s.waiting.to_string()),
                ("not_managed", &s.not_managed.to_string()),
                ("not_running", &s.not_running.to_string()),
                ("unknown", &s.unknown.to_string()),
            ],
        )
    );
    patch_line(&mut out, snapshot, policy, lang);
    if snapshot.has_data(Source::Associations) {
        let missing = crate::domain::plan::uncollected(readiness, &[]).len();
        if missing > 0 {
            let _ = writeln!(
                out,
                "{}",
                tf(
                    lang,
                    "check.inventory_not_collected",
                    &[
                        ("missing", &missing.to_string()),
                        ("total", &snapshot.nodes.nodes.len().to_string()),
                    ],
                )
            );
        }
    }
    let verdict = match outcome(snapshot, readiness) {
        Outcome::Ready => "check.ready",
        Outcome::NotReady => "check.not_ready",
        Outcome::Error => "check.error",
    };
    let _ = writeln!(out, "{}", t(lang, verdict));
    out
}

fn vpcs(out: &mut String, readiness: &Readiness, lang: Lang) {
    let _ = writeln!(out, "\n{}", t(lang, "check.endpoints"));
    for v in readiness.vpcs.iter().filter(|v| v.instance_count > 0) {
        let _ = writeln!(
            out,
            "  {} {}",
            worst_mark(&v.findings),
            tf(
                lang,
                "check.vpc",
                &[
                    ("name", v.name.as_deref().unwrap_or(&v.vpc_id)),
                    ("id", &v.vpc_id),
                    ("n", &v.instance_count.to_string()),
                    ("support", &on_off(v.dns_support, lang)),
                    ("hostnames", &on_off(v.dns_hostnames, lang)),
                ],
            )
        );
        // Instances that reach Systems Manager another way (NAT, a peered VPC's
        // endpoints) need none here: a missing endpoint is said to be so.
        let needed = v.endpoint_dependent_instances > 0;
        for s in v.services.iter().filter(|s| s.required) {
            let state = match (s.state.as_deref(), needed) {
                (None, true) => t(lang, "check.service_missing"),
                (None, false) => t(lang, "check.service_not_needed"),
                (Some(st), _) => tf(
                    lang,
                    "check.service_state",
                    &[("state", st), ("dns", &on_off(s.private_dns, lang))],
                ),
            };
            let _ = writeln!(out, "      {:<12} {state}", s.short);
        }
        for f in &v.findings {
            finding_line(out, f, lang, false);
        }
    }
}

/// The fleet's patch compliance in one line, when the patch states were read: nodes
/// missing critical patches and scans older than the policy allows.
fn patch_line(out: &mut String, snapshot: &Snapshot, policy: PatchPolicy, lang: Lang) {
    let Some(now) = snapshot.status(Source::Patches).fetched_at else {
        return;
    };
    let ids = snapshot.nodes.nodes.iter().map(|n| n.instance_id.as_str());
    let s = crate::domain::patches::summarize(ids, &snapshot.patches, now, policy);
    let oldest = s
        .oldest_scan
        .map(|t| (now.duration_since(t).as_hours() / 24).to_string())
        .unwrap_or_else(|| "–".into());
    let _ = writeln!(
        out,
        "{}",
        tf(
            lang,
            "check.patches",
            &[
                ("compliant", &s.compliant.to_string()),
                ("non_compliant", &s.non_compliant.to_string()),
                ("no_data", &s.no_data.to_string()),
                ("critical", &s.critical_nodes.to_string()),
                ("stale", &s.stale.to_string()),
                ("days", &policy.stale_after_days.to_string()),
                ("oldest", &oldest),
            ],
        )
    );
}

/// `✗ rule 6 what → fix` (the rule number on instances, where it is the runbook's step).
fn finding_line(out: &mut String, f: &Finding, lang: Lang, numbered: bool) {
    let what = finding_what(f, lang);
    // Patch findings are no step of the runbook: they carry no rule number.
    let rule = if numbered && f.rule != crate::domain::findings::Rule::Patching {
        format!(
            "{} ",
            tf(lang, "check.rule", &[("n", &f.rule.number().to_string())])
        )
    } else {
        String::new()
    };
    let _ = writeln!(
        out,
        "      {} {rule}{what} → {}",
        mark_of(f.severity),
        finding_fix(f, lang)
    );
}

fn on_off(v: Option<bool>, lang: Lang) -> String {
    t(
        lang,
        match v {
            Some(true) => "word.on",
            Some(false) => "word.off",
            None => "check.unknown",
        },
    )
}

fn mark_of(s: Severity) -> &'static str {
    match s {
        Severity::Blocker => "✗",
        Severity::Waiting => "…",
        Severity::Warning => "!",
        Severity::Info => "i",
    }
}

/// A resource's mark: that of its worst finding, ✓ without any that matters.
fn worst_mark(findings: &[Finding]) -> &'static str {
    findings
        .iter()
        .map(|f| f.severity)
        .filter(|s| *s != Severity::Info)
        .min()
        .map_or("✓", mark_of)
}
