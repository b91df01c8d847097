//! Dry-run verdicts in the interface's language.

use crate::cloud::{DryRunTrust, Simulated};
use crate::engine::executor::{NotChecked, Verdict};
use crate::i18n::{Lang, t, tf};

/// Why no `DryRun` was sent.
pub fn dry_run_trust_text(trust: &DryRunTrust, lang: Lang) -> String {
    match trust {
        DryRunTrust::Honoured => t(lang, "dry_run.honoured"),
        DryRunTrust::CustomEndpoint { endpoint } => {
            tf(lang, "dry_run.custom_endpoint", &[("endpoint", endpoint)])
        }
        DryRunTrust::Ignored { action } => tf(lang, "dry_run.ignored", &[("action", action)]),
    }
}

/// One verdict, in a line (API names and AWS's messages stay as they are).
pub fn verdict_text(v: &Verdict, lang: Lang) -> String {
    let not_sent = |trust: &Option<DryRunTrust>| match trust {
        Some(trust) => tf(
            lang,
            "verdict.dry_run_not_sent",
            &[("why", &dry_run_trust_text(trust, lang))],
        ),
        None => String::new(),
    };
    match v {
        Verdict::Allowed => t(lang, "verdict.allowed"),
        Verdict::Denied { action } => tf(lang, "verdict.denied", &[("action", action)]),
        Verdict::Failed { message } => tf(lang, "verdict.failed", &[("message", message)]),
        Verdict::DryRunIgnored { action, created } => tf(
            lang,
            "verdict.dry_run_ignored",
            &[("action", action), ("created", created)],
        ),
        Verdict::Simulated {
            action,
            decision,
            dry_run,
        } => {
            let head = match decision {
                Simulated::Allowed => t(lang, "verdict.simulated_allowed"),
                Simulated::ExplicitDeny => tf(
                    lang,
                    "verdict.simulated_explicit_deny",
                    &[("action", action)],
                ),
                Simulated::ImplicitDeny => tf(
                    lang,
                    "verdict.simulated_implicit_deny",
                    &[("action", action)],
                ),
            };
            head + &not_sent(dry_run)
        }
        Verdict::NotChecked { reason } => {
            let reason = match reason {
                NotChecked::DependsOnEarlierStep => t(lang, "verdict.reason.depends"),
                NotChecked::AlreadyThere => t(lang, "verdict.reason.exists"),
                NotChecked::Unverifiable { dry_run, simulator } => {
                    let simulator = tf(
                        lang,
                        "verdict.reason.no_simulator",
                        &[("error", &simulator.message)],
                    );
                    match dry_run {
                        Some(trust) => format!("{}; {simulator}", dry_run_trust_text(trust, lang)),
                        None => simulator,
                    }
                }
            };
            tf(lang, "verdict.not_checked", &[("reason", &reason)])
        }
    }
}
