//! The one integration-test binary (each extra binary would link the AWS SDK again).

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    unreachable_pub
)]

mod activations;
mod activations_console;
mod agent_update;
mod associations;
mod audit_log;
mod aws_mocks;
mod aws_mocks_associations;
mod aws_mocks_commands;
mod badinput;
mod budget;
mod catalog;
mod check_csv;
mod cli;
mod config;
mod contract;
mod documents;
mod dry_runs;
mod error_contract;
mod executor_checks;
mod export;
mod faults;
mod fix;
mod fixtures;
mod fleet;
mod forward;
mod forward_ui;
mod full_output;
mod habits;
mod hybrid;
mod lab;
mod lab_status;
mod moto;
mod moto_fleet;
mod moto_runbook_blockers;
mod moto_runbook_controls;
mod moto_server;
mod moto_stacks;
mod no_nothing_to_do;
mod offload;
mod org;
mod pager;
mod patches;
mod plan;
mod plan_steps;
mod policies;
mod policy_eval;
mod proptests;
mod races;
mod readiness;
mod refresh_changes;
mod remap;
mod remediation;
mod report_text;
mod rules_acl;
mod rules_iam;
mod rules_network;
mod run_cmd;
mod run_polish;
mod sandbox;
mod scopes;
mod screens;
mod simulate_role;
mod source_rules;
mod table;
mod terminal;
mod ui;
