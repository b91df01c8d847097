//! The one integration-test binary (each extra binary would link the AWS SDK again).

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    unreachable_pub
)]

mod audit_log;
mod aws_mocks;
mod badinput;
mod cli;
mod config;
mod contract;
mod dry_runs;
mod error_contract;
mod faults;
mod fix;
mod fixtures;
mod fleet;
mod habits;
mod lab;
mod moto;
mod moto_server;
mod offload;
mod plan;
mod policies;
mod policy_eval;
mod proptests;
mod races;
mod readiness;
mod remediation;
mod run_cmd;
mod sandbox;
mod scopes;
mod table;
mod terminal;
mod ui;
