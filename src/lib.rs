//! ssmdeck: a terminal console for AWS Systems Manager.

rust_i18n::i18n!("locales", fallback = "en");

pub mod activate_cmd;
pub mod app_main;
pub mod cli;
pub mod cloud;
pub mod config;
pub mod domain;
pub mod engine;
pub mod fix;
pub mod forward_cmd;
pub mod i18n;
pub mod logging;
pub mod present;
pub mod report;
pub mod run_cmd;
pub mod scope;
pub mod tui;
