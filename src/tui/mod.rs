//! The terminal UI: state and update (`app`), the panes (`panes`), keys by context
//! (`bindings`), the screen's layout, drawing, the event loop.

pub mod app;
pub mod bindings;
pub mod build;
pub mod chrome;
pub mod clipboard;
pub mod columns;
pub mod dialog;
pub mod documents;
mod documents_view;
pub mod drill;
pub mod drill_rows;
pub mod effects;
mod events;
pub mod export;
pub mod fix_hint;
pub mod fleet;
mod fleet_targets;
pub mod forwards;
mod header;
mod keys;
pub mod lab;
pub mod layout;
pub mod offload;
pub mod pager;
pub mod panes;
mod plans;
mod prompt;
pub mod render;
pub mod rows;
pub mod run;
pub mod sandbox_session;
pub mod scopes;
pub mod session;
pub mod table;
mod table_view;
pub mod theme;
