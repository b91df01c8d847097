//! The terminal UI: state and update (`app`), rows and tables, drawing, the event loop.

pub mod app;
pub mod bindings;
pub mod build;
mod chrome;
pub mod clipboard;
pub mod columns;
pub mod dialog;
mod drill;
mod events;
pub mod fleet;
pub mod fleet_rows;
pub mod keymap;
mod keys;
pub mod lab;
pub mod offload;
mod plans;
pub mod render;
pub mod rows;
pub mod run;
pub mod sandbox_session;
pub mod scopes;
pub mod session;
pub mod table;
pub mod theme;
