//! Endpoints: each VPC's Systems Manager endpoints, required and optional; `c` creates
//! what is missing, `L` makes the VPC the Lab's.

use super::{Column, PaneData, PaneRows, PaneSpec};
use crate::domain::readiness::{Readiness, ServiceStatus, VpcReport};
use crate::domain::snapshot::Source;
use crate::i18n::{Lang, t, tf};
use crate::tui::app::{App, Effect};
use crate::tui::bindings::Action;
use crate::tui::plans::{PlanAction, propose};
use crate::tui::rows::{Cell, Row, Tone, cell, short_az, tick};

pub(super) struct Spec;

const COLUMNS: &[Column] = &[
    Column::id("ui.col.vpc"),
    Column::new("ui.col.service", 0),
    Column::new("ui.col.need", 3),
    Column::new("ui.col.state", 0),
    Column::new("ui.col.private_dns", 1),
    Column::new("ui.col.azs", 4),
    Column::new("ui.col.https", 2),
    Column::new("ui.col.vpc_dns", 5),
];

impl PaneSpec for Spec {
    fn key(&self) -> &'static str {
        "pane.endpoints"
    }
    fn command(&self) -> &'static str {
        "endpoints"
    }
    fn sources(&self) -> &'static [Source] {
        &[Source::Network]
    }
    fn reads_readiness(&self) -> bool {
        true
    }
    fn columns(&self) -> &'static [Column] {
        COLUMNS
    }
    fn has_findings(&self) -> bool {
        true
    }
    fn rows(&self, d: &PaneData) -> Option<PaneRows> {
        // With `:group`, the VPCs of the group's instances.
        let vpcs: Option<std::collections::HashSet<&str>> = d.members.map(|m| {
            d.snapshot
                .instances
                .instances
                .iter()
                .filter(|i| m.contains(&i.id))
                .filter_map(|i| i.vpc_id.as_deref())
                .collect()
        });
        let in_group = |vpc: &str| vpcs.as_ref().is_none_or(|v| v.contains(vpc));
        Some(PaneRows::plain(endpoint_rows(
            d.readiness,
            d.lang,
            in_group,
        )))
    }
    fn hints(&self) -> &'static [Action] {
        &[Action::CreateEndpoints, Action::LabVpc, Action::Details]
    }
    fn handle(&self, app: &mut App, action: Action) -> Option<Vec<Effect>> {
        match action {
            Action::CreateEndpoints => Some(propose(app, PlanAction::Endpoints)),
            Action::LabVpc => {
                let vpc = app
                    .selected_id()
                    .and_then(|id| id.split('/').next().map(str::to_string));
                if let Some(v) = vpc {
                    app.info(tf(app.lang, "lab.status.picked", &[("vpc", &v)]));
                    app.lab_vpc = Some(v);
                    app.rebuild();
                }
                Some(Vec::new())
            }
            _ => None,
        }
    }
}

fn service_cells(vpc: &VpcReport, s: &ServiceStatus, lang: Lang) -> Vec<Cell> {
    let dependent = vpc.endpoint_dependent_instances > 0;
    let need = if s.required {
        cell(t(lang, "cell.required"), Tone::Normal)
    } else if s.short == "s3" {
        cell(t(lang, "cell.optional_patching"), Tone::Dim)
    } else {
        cell(t(lang, "cell.optional"), Tone::Dim)
    };
    let state = match s.state.as_deref() {
        None if s.required && dependent => cell(t(lang, "cell.missing"), Tone::Bad),
        None if s.required => cell(t(lang, "cell.missing"), Tone::Warn),
        None => cell(t(lang, "cell.none"), Tone::Dim),
        Some("available") => cell(t(lang, "cell.available"), Tone::Good),
        Some("pending") => cell(t(lang, "cell.pending"), Tone::Warn),
        Some(other) => cell(format!("✗ {other}"), Tone::Bad),
    };
    let dns = match s.private_dns {
        Some(true) => cell(t(lang, "cell.on"), Tone::Good),
        Some(false) => cell(t(lang, "cell.off"), Tone::Bad),
        None => cell("–", Tone::Dim),
    };
    let azs = if s.azs.is_empty() {
        cell("–", Tone::Dim)
    } else {
        let list: Vec<&str> = s.azs.iter().map(|a| short_az(a)).collect();
        cell(list.join(","), Tone::Normal)
    };
    let https = match s.https_from_instances {
        Some(true) => cell(t(lang, "cell.allowed"), Tone::Good),
        Some(false) => cell(t(lang, "cell.blocked"), Tone::Bad),
        None => cell("–", Tone::Dim),
    };
    let vpc_dns = match (vpc.dns_support, vpc.dns_hostnames) {
        (Some(a), Some(b)) => cell(
            tf(
                lang,
                "cell.vpc_dns",
                &[("support", tick(a)), ("hostnames", tick(b))],
            ),
            if a && b { Tone::Good } else { Tone::Bad },
        ),
        _ => cell(t(lang, "cell.unknown"), Tone::Dim),
    };
    vec![
        cell(
            vpc.name.clone().unwrap_or_else(|| vpc.vpc_id.clone()),
            Tone::Normal,
        ),
        cell(
            s.short.clone(),
            if s.required { Tone::Normal } else { Tone::Dim },
        ),
        need,
        state,
        dns,
        azs,
        https,
        vpc_dns,
    ]
}

fn endpoint_rows(r: &Readiness, lang: Lang, in_group: impl Fn(&str) -> bool) -> Vec<Row> {
    let mut rows = Vec::new();
    for vpc in r.vpcs.iter().filter(|v| in_group(&v.vpc_id)) {
        for s in &vpc.services {
            let no_name = t(lang, "ui.detail.no_name");
            let no_endpoint = t(lang, "ui.detail.no_endpoint");
            let mut detail = vec![
                tf(
                    lang,
                    "ui.detail.vpc",
                    &[
                        ("name", vpc.name.as_deref().unwrap_or(&no_name)),
                        ("id", &vpc.vpc_id),
                        ("cidr", &vpc.cidr),
                        ("n", &vpc.instance_count.to_string()),
                        ("dependent", &vpc.endpoint_dependent_instances.to_string()),
                    ],
                ),
                format!(
                    "{}: {}",
                    s.service_name,
                    s.endpoint_id.as_deref().unwrap_or(&no_endpoint)
                ),
            ];
            if s.short == "ec2" {
                detail.push(t(lang, "ui.detail.ec2_optional"));
            }
            rows.push(Row::new(
                format!("{}/{}", vpc.vpc_id, s.short),
                service_cells(vpc, s, lang),
                vpc.findings.clone(),
                detail,
            ));
        }
    }
    rows
}
