//! The terminal UI: state and update (`app`), rows and tables, drawing, the event loop.

pub mod app;
pub mod bindings;
pub mod build;
pub mod clipboard;
pub mod columns;
pub mod dialog;
pub mod fleet;
pub mod fleet_rows;
pub mod keymap;
pub mod lab;
pub mod offload;
pub mod render;
pub mod rows;
pub mod run;
pub mod sandbox_session;
pub mod scopes;
pub mod session;
pub mod table;
pub mod theme;
