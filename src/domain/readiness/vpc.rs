//! A VPC's endpoints as the Endpoints pane and `check` show them, with the findings that
//! are the VPC's own (rules 1–4 for the instances that depend on the endpoints).

use std::collections::HashSet;

use super::index::Index;
use super::network::https_allowed;
use super::{OPTIONAL_SERVICES, REQUIRED_SERVICES, ServiceStatus, VpcReport, service_name};
use crate::domain::findings::{Finding, FindingKind, Fix, Rule, Severity};
use crate::domain::model::{EndpointType, Instance, InstanceState, Subnet, Vpc};

pub(super) fn vpc_report(
    vpc: &Vpc,
    members: &[&Instance],
    dependent: usize,
    ix: &Index,
    region: &str,
) -> VpcReport {
    let endpoints = ix.endpoints(&vpc.id);
    let running: Vec<(&Instance, &Subnet)> = members
        .iter()
        .copied()
        .filter(|i| i.state == InstanceState::Running)
        .filter_map(|i| Some((i, ix.topo.subnet(i.path_subnet_id()?)?)))
        .collect();
    let mut findings = Vec::new();
    let mut services = Vec::new();
    let all = REQUIRED_SERVICES
        .iter()
        .map(|s| (*s, EndpointType::Interface, true))
        .chain(OPTIONAL_SERVICES.iter().map(|(s, k)| (*s, *k, false)));
    for (short, kind, required) in all {
        let name = service_name(region, short);
        let ep = endpoints.iter().find(|e| e.service_name == name);
        let azs: Vec<String> = ep
            .map(|e| {
                let mut azs: Vec<String> = e
                    .subnet_ids
                    .iter()
                    .filter_map(|id| ix.topo.subnet(id).map(|s| s.az.clone()))
                    .collect();
                azs.sort();
                azs
            })
            .unwrap_or_default();
        if ep.is_some() {
            let mut seen = HashSet::new();
            for az in &azs {
                if !seen.insert(az) {
                    findings.push(Finding {
                        rule: Rule::EndpointSubnets,
                        severity: Severity::Warning,
                        subject: vpc.id.clone(),
                        kind: FindingKind::DuplicateSubnetsInZone {
                            service: short.to_string(),
                            az: az.clone(),
                        },
                        fix: Fix::Manual,
                    });
                }
            }
        }
        let https = ep
            .filter(|e| e.kind == EndpointType::Interface)
            .and_then(|e| {
                let mut verdicts = running
                    .iter()
                    .filter_map(|(inst, subnet)| https_allowed(e, inst, subnet, ix));
                let first = verdicts.next()?;
                Some(verdicts.fold(first, |acc, v| acc && v))
            });
        services.push(ServiceStatus {
            short: short.to_string(),
            service_name: name,
            required,
            kind,
            endpoint_id: ep.map(|e| e.id.clone()),
            state: ep.map(|e| e.state.as_str().to_string()),
            private_dns: ep
                .filter(|e| e.kind == EndpointType::Interface)
                .map(|e| e.private_dns),
            azs,
            https_from_instances: https,
        });
    }
    if dependent > 0 {
        let missing: Vec<String> = services
            .iter()
            .filter(|s| s.required && s.endpoint_id.is_none())
            .map(|s| s.short.clone())
            .collect();
        if !missing.is_empty() {
            findings.push(Finding {
                rule: Rule::Endpoints,
                severity: Severity::Blocker,
                subject: vpc.id.clone(),
                kind: FindingKind::EndpointsMissing { services: missing },
                fix: Fix::CreateEndpoints {
                    vpc_id: vpc.id.clone(),
                },
            });
        }
        let dns_off: Vec<String> = services
            .iter()
            .filter(|s| s.required && s.private_dns == Some(false))
            .map(|s| s.short.clone())
            .collect();
        if !dns_off.is_empty() {
            findings.push(Finding::new(
                Rule::Endpoints,
                Severity::Blocker,
                &vpc.id,
                FindingKind::PrivateDnsOff { services: dns_off },
                Fix::EnablePrivateDns {
                    vpc_id: vpc.id.clone(),
                },
            ));
        }
        let blocked: Vec<String> = services
            .iter()
            .filter(|s| s.required && s.https_from_instances == Some(false))
            .map(|s| s.short.clone())
            .collect();
        if !blocked.is_empty() {
            findings.push(Finding::new(
                Rule::Https,
                Severity::Blocker,
                &vpc.id,
                FindingKind::HttpsNotAllowed { services: blocked },
                Fix::AllowHttps {
                    vpc_id: vpc.id.clone(),
                },
            ));
        }
        let support = vpc.dns_support.unwrap_or(true);
        let hostnames = vpc.dns_hostnames.unwrap_or(true);
        if !support || !hostnames {
            findings.push(Finding {
                rule: Rule::VpcDns,
                severity: Severity::Blocker,
                subject: vpc.id.clone(),
                kind: FindingKind::VpcDnsOff {
                    dns_support: support,
                    dns_hostnames: hostnames,
                },
                fix: Fix::EnableVpcDns {
                    vpc_id: vpc.id.clone(),
                },
            });
        }
    }
    VpcReport {
        vpc_id: vpc.id.clone(),
        name: vpc.name.clone(),
        cidr: vpc.cidr.clone(),
        dns_support: vpc.dns_support,
        dns_hostnames: vpc.dns_hostnames,
        services,
        instance_count: members.len(),
        endpoint_dependent_instances: dependent,
        findings,
    }
}
