//! `:stats`: what each scope's API budget has spent, as lines for the pager.

use crate::cloud::budget::{BudgetStats, Family};
use crate::i18n::{Lang, t, tf};

fn family_name(lang: Lang, family: Family) -> String {
    t(lang, &format!("stats.family.{}", family.key()))
}

/// Lines for each scope (its label, and its budget's figures; `None`: no budget).
pub fn stats_lines(lang: Lang, scopes: &[(String, Option<BudgetStats>)]) -> Vec<String> {
    let mut out = Vec::new();
    for (label, stats) in scopes {
        if !out.is_empty() {
            out.push(String::new());
        }
        out.push(label.clone());
        let Some(s) = stats else {
            out.push(format!("  {}", t(lang, "stats.unlimited")));
            continue;
        };
        let minutes = format!("{:.1}", s.elapsed.as_secs_f64() / 60.0);
        out.push(format!(
            "  {}",
            tf(
                lang,
                "stats.summary",
                &[
                    ("last", &s.last_minute().to_string()),
                    ("rate", &format!("{:.1}", s.per_minute(s.total()))),
                    ("total", &s.total().to_string()),
                    ("minutes", &minutes),
                    ("throttled", &s.throttled().to_string()),
                ]
            )
        ));
        out.push(String::new());
        out.push(format!(
            "  {:<46} {:>8} {:>8} {:>8} {:>6}",
            t(lang, "stats.col.operation"),
            t(lang, "stats.col.last_minute"),
            t(lang, "stats.col.per_minute"),
            t(lang, "stats.col.total"),
            t(lang, "stats.col.throttled"),
        ));
        for o in &s.operations {
            out.push(format!(
                "  {:<46} {:>8} {:>8.1} {:>8} {:>6}",
                o.operation,
                o.last_minute,
                s.per_minute(o.total),
                o.total,
                o.throttled
            ));
        }
        out.push(String::new());
        out.push(format!(
            "  {:<20} {:>9} {:>8} {:>7} {:>9} {:>6}",
            t(lang, "stats.col.family"),
            t(lang, "stats.col.rate"),
            t(lang, "stats.col.tokens"),
            t(lang, "stats.col.waits"),
            t(lang, "stats.col.waited"),
            t(lang, "stats.col.throttled"),
        ));
        for f in &s.families {
            out.push(format!(
                "  {:<20} {:>9} {:>8.0} {:>7} {:>8.1}s {:>6}",
                family_name(lang, f.family),
                f.rate.to_string(),
                f.tokens.floor(),
                f.waits,
                f.waited.as_secs_f64(),
                f.throttled
            ));
        }
        if s.throttled() > 0 {
            out.push(String::new());
            for o in s.operations.iter().filter(|o| o.throttled > 0) {
                out.push(format!(
                    "  {}",
                    tf(
                        lang,
                        "stats.throttled_by",
                        &[
                            ("operation", &o.operation),
                            ("count", &o.throttled.to_string())
                        ]
                    )
                ));
            }
        }
    }
    out
}
