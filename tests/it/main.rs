//! The one integration-test binary (each extra binary would link the AWS SDK again).

mod aws_mocks;
mod badinput;
mod cli;
mod config;
mod contract;
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
mod sandbox;
mod scopes;
mod table;
mod terminal;
mod ui;
