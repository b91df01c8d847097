//! ssmdeck: a terminal console for AWS Systems Manager.

pub mod app_main;
pub mod cli;
pub mod cloud;
pub mod domain;
pub mod engine;
pub mod fix;
pub mod logging;
pub mod report;
pub mod tui;
