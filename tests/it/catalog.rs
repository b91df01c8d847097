//! Every finding kind speaks both languages: a short label, what, why, and the change by
//! hand where its fix has no API call; nothing the fleet's findings and plan show is left
//! as a bare key or an unfilled placeholder.

use std::collections::BTreeMap;

use ssmdeck::cloud::sandbox::{Clock, SandboxCloud, Scenario};
use ssmdeck::domain::findings::Finding;
use ssmdeck::domain::model::DEFAULT_ROLE_NAME;
use ssmdeck::domain::plan::plan_fix;
use ssmdeck::domain::readiness::evaluate;
use ssmdeck::engine::fetch;
use ssmdeck::i18n::Lang;
use ssmdeck::present::{
    call_text, finding_fix, finding_short, finding_what, finding_why, instance_summary,
    manual_change, note_text, plan_title, step_title,
};

use crate::fixtures::t0;

const ROOT: &str = env!("CARGO_MANIFEST_DIR");

fn catalog(lang: &str) -> BTreeMap<String, serde_json::Value> {
    let path = format!("{ROOT}/locales/{lang}.json");
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// The kind names `FindingKind::name` gives, read from its source.
fn kind_names() -> Vec<String> {
    let text =
        std::fs::read_to_string(format!("{ROOT}/src/domain/findings.rs")).expect("findings.rs");
    let re = regex::Regex::new(r#"FindingKind::\w+(?: \{ \.\. \})? => "(\w+)""#).expect("regex");
    re.captures_iter(&text).map(|c| c[1].to_string()).collect()
}

/// Kinds whose fix is always a step (they need no `.manual` text).
const STEPS_ONLY: [&str; 17] = [
    "endpoints_missing",
    "endpoints_pending",
    "endpoints_failed",
    "private_dns_off",
    "vpc_dns_off",
    "https_not_allowed",
    "endpoint_not_in_zone",
    "no_public_ip",
    "imds_disabled",
    "no_instance_profile",
    "association_pending",
    "profile_not_found",
    "profile_without_role",
    "role_not_found",
    "role_not_trusting_ec2",
    "role_without_ssm_policy",
    "deprecated_policy",
];

#[test]
fn every_finding_kind_has_its_texts_in_both_catalogs() {
    let kinds = kind_names();
    assert!(kinds.len() >= 35, "{kinds:?}");
    for lang in ["en", "ko"] {
        let c = catalog(lang);
        for kind in &kinds {
            for part in ["short", "what", "why"] {
                let key = format!("finding.{kind}.{part}");
                assert!(c.contains_key(&key), "{lang}: {key}");
            }
            if !STEPS_ONLY.contains(&kind.as_str()) {
                let key = format!("finding.{kind}.manual");
                assert!(c.contains_key(&key), "{lang}: {key}");
            }
        }
    }
}

fn clean(text: &str, what: &str) {
    for bad in [
        "finding.",
        "fix.",
        "plan.",
        "verdict.",
        "policy.reason",
        "%{",
    ] {
        assert!(!text.contains(bad), "{what}: {text:?}");
    }
    assert!(!text.trim().is_empty(), "{what} is empty");
}

fn words_of(f: &Finding, lang: Lang) {
    let what = format!("{lang:?} {}", f.kind.name());
    clean(&finding_short(f, lang), &what);
    clean(&finding_what(f, lang), &what);
    clean(&finding_why(f, lang), &what);
    clean(&finding_fix(f, lang), &what);
    if !STEPS_ONLY.contains(&f.kind.name()) {
        clean(&manual_change(f, lang), &what);
    }
}

#[tokio::test]
async fn the_fleets_findings_and_plan_are_worded_in_both_languages() {
    let cloud = SandboxCloud::new(Scenario::Fleet(400), Clock::manual(t0()));
    let s = fetch::snapshot(&cloud).await;
    let r = evaluate(&s);
    let plan = plan_fix(&s, &r, &[], &[], DEFAULT_ROLE_NAME, "20261130");
    for lang in Lang::ALL {
        for i in &r.instances {
            clean(&instance_summary(i, lang), &i.instance_id);
            i.findings.iter().for_each(|f| words_of(f, lang));
        }
        r.vpcs
            .iter()
            .flat_map(|v| v.findings.iter())
            .chain(r.roles.iter().flat_map(|x| x.findings.iter()))
            .for_each(|f| words_of(f, lang));
        clean(&plan_title(&plan, lang), "plan title");
        for step in &plan.steps {
            clean(&step_title(step, lang), "step title");
            step.notes
                .iter()
                .for_each(|n| clean(&note_text(n, lang), "note"));
            step.calls.iter().for_each(|c| clean(&call_text(c), "call"));
        }
    }
}
