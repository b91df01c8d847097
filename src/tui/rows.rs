//! A table row and its cells, and the small cell helpers the panes share.

use crate::domain::findings::Finding;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tone {
    Normal,
    Good,
    Warn,
    Bad,
    Dim,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cell {
    pub text: String,
    pub tone: Tone,
}

pub(crate) fn cell(text: impl Into<String>, tone: Tone) -> Cell {
    Cell {
        text: text.into(),
        tone,
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Row {
    /// The resource the row stands for; selection and marks follow it.
    pub id: String,
    pub cells: Vec<Cell>,
    /// Lower-cased text the filter matches against.
    pub haystack: String,
    /// Findings shown in the detail panel.
    pub findings: Vec<Finding>,
    /// Extra lines for the detail panel.
    pub detail: Vec<String>,
    /// With several accounts or regions: the position of the row's scope.
    pub scope: Option<usize>,
}

impl Row {
    pub fn new(id: String, cells: Vec<Cell>, findings: Vec<Finding>, detail: Vec<String>) -> Self {
        let haystack = cells
            .iter()
            .map(|c| c.text.as_str())
            .chain(std::iter::once(id.as_str()))
            .collect::<Vec<_>>()
            .join(" ")
            .to_lowercase();
        Self {
            id,
            cells,
            haystack,
            findings,
            detail,
            scope: None,
        }
    }
}

pub(crate) fn tick(v: bool) -> &'static str {
    if v { "✓" } else { "✗" }
}

pub(crate) fn short_az(az: &str) -> &str {
    // ap-northeast-2a → 2a
    az.rsplit('-').next().unwrap_or(az)
}
