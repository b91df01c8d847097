//! Agent updates: an agent older than the latest is a warning on its instance.

use ssmdeck::domain::findings::{Finding, FindingKind, Fix, Rule, Severity};
use ssmdeck::domain::model::PingStatus;
use ssmdeck::domain::readiness::{Verdict, evaluate};
use ssmdeck::i18n::Lang;

use crate::fixtures::{INSTANCE, node, ready};

const LATEST: &str = "3.3.1957.0";

fn outdated(findings: &[Finding]) -> Option<&Finding> {
    findings
        .iter()
        .find(|f| matches!(f.kind, FindingKind::AgentOutdated { .. }))
}

#[test]
fn rule_7_an_agent_older_than_the_latest_is_a_warning_and_a_current_one_is_not() {
    // Current, as the region says.
    let mut s = ready();
    s.nodes.nodes.push(node(INSTANCE, PingStatus::Online));
    let report = &evaluate(&s).instances[0];
    assert_eq!(report.verdict, Verdict::Managed);
    assert_eq!(outdated(&report.findings), None, "{:?}", report.findings);

    // The region says it is not the latest: a warning, the node still managed.
    s.nodes.nodes[0].agent_version = Some("3.3.1802.0".into());
    s.nodes.nodes[0].is_latest_version = Some(false);
    let report = &evaluate(&s).instances[0];
    assert_eq!(report.verdict, Verdict::Managed);
    let f = outdated(&report.findings).expect("an outdated agent is a finding");
    assert_eq!(
        (f.rule, f.severity, &f.subject),
        (Rule::Agent, Severity::Warning, &INSTANCE.to_string())
    );
    assert_eq!(
        f.kind,
        FindingKind::AgentOutdated {
            version: "3.3.1802.0".into(),
            latest: None
        }
    );
    assert_eq!(
        f.fix,
        Fix::UpdateAgent {
            instance_id: INSTANCE.into()
        }
    );
    let words = ssmdeck::present::instance_summary(report, Lang::En);
    assert!(words.contains("agent update available"), "{words}");
    let what = ssmdeck::present::finding_what(f, Lang::Ko);
    assert!(
        what.contains("3.3.1802.0") && what.contains("에이전트"),
        "{what}"
    );
    // `ssmdeck fix` does not send commands: the CLI does not point at it.
    let cli = ssmdeck::present::finding_fix(f, Lang::En);
    assert!(
        cli.contains("AWS-UpdateSSMAgent") && !cli.contains("ssmdeck fix"),
        "{cli}"
    );

    // Without the region's word (DescribeInstanceProperties), a newer agent on another
    // Linux node of the account decides; a newer Windows agent does not.
    let mut other = node("i-0other000000000001", PingStatus::Online);
    other.agent_version = Some(LATEST.into());
    other.is_latest_version = None;
    s.nodes.nodes[0].is_latest_version = None;
    s.nodes.nodes.push(other.clone());
    let report = &evaluate(&s).instances[0];
    assert_eq!(
        outdated(&report.findings).map(|f| &f.kind),
        Some(&FindingKind::AgentOutdated {
            version: "3.3.1802.0".into(),
            latest: Some(LATEST.into())
        })
    );
    let what = ssmdeck::present::finding_what(outdated(&report.findings).expect("f"), Lang::En);
    assert!(what.contains(LATEST), "{what}");
    s.nodes.nodes[1].platform_type = Some("Windows".into());
    let report = &evaluate(&s).instances[0];
    assert_eq!(outdated(&report.findings), None, "{:?}", report.findings);
    // The newest itself is not outdated.
    s.nodes.nodes[1].platform_type = Some("Linux".into());
    s.nodes.nodes[0].agent_version = Some(LATEST.into());
    let report = &evaluate(&s).instances[0];
    assert_eq!(outdated(&report.findings), None, "{:?}", report.findings);
}
