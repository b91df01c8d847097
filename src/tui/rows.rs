//! A table row and its cells, and the small cell helpers the panes share.

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
    pub findings: crate::domain::findings::Findings,
    /// Extra lines for the detail panel.
    pub detail: Vec<String>,
    /// With several accounts or regions: the position of the row's scope.
    pub scope: Option<usize>,
}

impl Row {
    pub fn new(
        id: String,
        cells: Vec<Cell>,
        findings: impl Into<crate::domain::findings::Findings>,
        mut detail: Vec<String>,
    ) -> Self {
        // Kept while shown, up to one per node: no spare room in any of its strings (text
        // that was formatted has some; 70 MiB at 100k rows).
        let mut cells = cells;
        for c in &mut cells {
            c.text.shrink_to_fit();
        }
        cells.shrink_to_fit();
        for line in &mut detail {
            line.shrink_to_fit();
        }
        detail.shrink_to_fit();
        let mut haystack = cells
            .iter()
            .map(|c| c.text.as_str())
            .chain(std::iter::once(id.as_str()))
            .collect::<Vec<_>>()
            .join(" ")
            .to_lowercase();
        haystack.shrink_to_fit();
        Self {
            id,
            cells,
            haystack,
            findings: findings.into(),
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
