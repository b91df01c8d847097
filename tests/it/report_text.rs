//! `check`'s text: a VPC or a role is marked by its worst finding (no "✓ vpc" above a ✗
//! finding), and the summary line counts what the JSON counts, "unknown" included.

use ssmdeck::domain::readiness::evaluate;
use ssmdeck::i18n::Lang;
use ssmdeck::present::check_text;

fn text(
    s: &ssmdeck::domain::snapshot::Snapshot,
    r: &ssmdeck::domain::readiness::Readiness,
) -> String {
    check_text(s, r, Default::default(), Lang::En)
}

use crate::fixtures::*;

#[test]
fn a_vpc_is_marked_by_its_worst_finding() {
    let mut s = ready();
    s.network.vpcs[0].dns_hostnames = Some(false);
    let out = text(&s, &evaluate(&s));
    let vpc_line = out
        .lines()
        .find(|l| l.contains("(vpc-1)"))
        .unwrap_or_else(|| panic!("{out}"));
    assert!(vpc_line.trim_start().starts_with('✗'), "{out}");
    assert!(out.contains("✗ VPC DNS attributes"), "{out}");
    assert!(!out.contains("✓ lab (vpc-1)"), "{out}");

    let s = ready();
    let out = text(&s, &evaluate(&s));
    assert!(out.contains("✓ lab (vpc-1)"), "{out}");
}

#[test]
fn the_summary_line_counts_unknown_too() {
    let mut s = ready();
    s.status.remove(&ssmdeck::domain::snapshot::Source::Nodes);
    let r = evaluate(&s);
    assert_eq!(r.summary.unknown, 1);
    let out = text(&s, &r);
    assert!(
        out.contains(
            "0 online · 0 connection lost · 0 waiting · 0 not managed · 0 not running · 1 unknown"
        ),
        "{out}"
    );
}
