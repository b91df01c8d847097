//! Selection, scrolling, filtering and marks of one pane's table.

use std::collections::BTreeSet;

use regex::RegexBuilder;

use super::rows::Row;

#[derive(Debug, Clone, Default)]
pub struct TableState {
    pub rows: Vec<Row>,
    /// Indexes into `rows` that pass the filter, in display order.
    pub visible: Vec<usize>,
    /// Position in `visible`.
    pub selected: usize,
    pub selected_id: Option<String>,
    pub offset: usize,
    pub filter: String,
    /// Set when the filter is not a valid regex and is matched literally.
    pub filter_literal: bool,
    pub marks: BTreeSet<String>,
    /// A row to select once it is in the rows (a command just sent, before its rows are
    /// rebuilt).
    wanted: Option<String>,
    /// The filter `visible` was computed for over the current `rows`, when it was a
    /// plain string: typing one more character only narrows `visible`.
    narrowable: Option<String>,
    /// Per cell position: whether every row reads the same there (worked out once per
    /// set of rows, on the first frame that asks, not on every frame).
    uniform: std::cell::RefCell<Vec<Option<bool>>>,
}

/// No regex syntax: the pattern matches exactly the haystacks that contain it (case
/// aside), so a longer plain pattern that starts with it matches a subset of them.
fn is_plain(pattern: &str) -> bool {
    !pattern.chars().any(|c| "\\.+*?()|[]{}^$#".contains(c))
}

/// Indexes of the rows that match, among `candidates` when given (in their order).
fn select(
    rows: &[Row],
    candidates: Option<Vec<usize>>,
    matches: impl Fn(&Row) -> bool,
) -> Vec<usize> {
    match candidates {
        Some(mut c) => {
            c.retain(|&i| rows.get(i).is_some_and(&matches));
            c
        }
        None => rows
            .iter()
            .enumerate()
            .filter(|(_, r)| matches(r))
            .map(|(i, _)| i)
            .collect(),
    }
}

impl TableState {
    /// New rows from fresh data: the selection stays on the same resource id.
    /// Marks leave with their rows. Returns the rows replaced (freeing 100k rows is
    /// millions of small frees: the caller may do it elsewhere).
    pub fn set_rows(&mut self, rows: Vec<Row>, page: usize) -> Vec<Row> {
        let old = std::mem::replace(&mut self.rows, rows);
        self.narrowable = None;
        self.uniform.get_mut().clear();
        if !self.marks.is_empty() {
            self.marks = self
                .rows
                .iter()
                .filter(|r| self.marks.contains(&r.id))
                .map(|r| r.id.clone())
                .collect();
        }
        // The selected resource gone with new data: stay at the same place (its neighbour).
        self.refilter(page, false);
        old
    }

    /// Whether every row's cell at `k` reads the same (a column that can be left out).
    pub fn uniform(&self, k: usize) -> bool {
        if let Some(Some(known)) = self.uniform.borrow().get(k) {
            return *known;
        }
        let head = self
            .rows
            .first()
            .and_then(|r| r.cells.get(k))
            .map(|c| &c.text);
        let same = self
            .rows
            .iter()
            .all(|r| r.cells.get(k).map(|c| &c.text) == head);
        let mut known = self.uniform.borrow_mut();
        if known.len() <= k {
            known.resize(k + 1, None);
        }
        known[k] = Some(same);
        same
    }

    pub fn set_filter(&mut self, filter: &str, page: usize) {
        self.filter = filter.to_string();
        // The selected row filtered out: the first match, as a search would.
        self.refilter(page, true);
    }

    fn refilter(&mut self, page: usize, lost_to_first: bool) {
        let f = self.filter.trim();
        self.filter_literal = false;
        // Only the rows the shorter filter let through can match the longer one.
        let narrow = self.narrowable.take().filter(|before| {
            is_plain(f) && f.len() > before.len() && f.starts_with(before.as_str())
        });
        let candidates: Option<Vec<usize>> = narrow.map(|_| std::mem::take(&mut self.visible));
        self.visible = if f.is_empty() {
            (0..self.rows.len()).collect()
        } else {
            match RegexBuilder::new(f).case_insensitive(true).build() {
                Ok(re) => select(&self.rows, candidates, |r| re.is_match(&r.haystack)),
                Err(_) => {
                    self.filter_literal = true;
                    let needle = f.to_lowercase();
                    select(&self.rows, candidates, |r| r.haystack.contains(&needle))
                }
            }
        };
        if !f.is_empty() && is_plain(f) {
            self.narrowable = Some(f.to_string());
        }
        if let Some(id) = self.wanted.take() {
            match self.visible.iter().position(|&i| self.rows[i].id == id) {
                Some(pos) => self.selected_id = Some(self.rows[self.visible[pos]].id.clone()),
                // Not there yet: wait for the rows that hold it; filtered out: leave it.
                None if !self.rows.iter().any(|r| r.id == id) => self.wanted = Some(id),
                None => {}
            }
        }
        let keep = self
            .selected_id
            .as_ref()
            .and_then(|id| self.visible.iter().position(|&i| &self.rows[i].id == id));
        match keep {
            Some(pos) => self.selected = pos,
            None if lost_to_first => self.selected = 0,
            None => self.selected = self.selected.min(self.visible.len().saturating_sub(1)),
        }
        self.sync(page);
    }

    pub fn selected_row(&self) -> Option<&Row> {
        self.visible.get(self.selected).map(|&i| &self.rows[i])
    }

    /// Move the selection by `delta` rows (clamped).
    pub fn move_by(&mut self, delta: isize, page: usize) {
        let last = self.visible.len().saturating_sub(1) as isize;
        let target = (self.selected as isize + delta).clamp(0, last.max(0));
        self.selected = target as usize;
        self.sync(page);
    }

    pub fn select_first(&mut self, page: usize) {
        self.selected = 0;
        self.sync(page);
    }

    pub fn select_last(&mut self, page: usize) {
        self.selected = self.visible.len().saturating_sub(1);
        self.sync(page);
    }

    /// Selects the row `id` now if it is shown, else when new rows bring it.
    pub fn want(&mut self, id: &str, page: usize) {
        self.wanted = Some(id.to_string());
        self.refilter(page, false);
    }

    pub fn toggle_mark(&mut self) {
        if let Some(id) = self.selected_row().map(|r| r.id.clone())
            && !self.marks.remove(&id)
        {
            self.marks.insert(id);
        }
    }

    /// Keep the selected id and keep the selection inside the window of `page` rows.
    pub fn sync(&mut self, page: usize) {
        self.selected_id = self.selected_row().map(|r| r.id.clone());
        let page = page.max(1);
        if self.selected < self.offset {
            self.offset = self.selected;
        } else if self.selected >= self.offset + page {
            self.offset = self.selected + 1 - page;
        }
        let max_offset = self.visible.len().saturating_sub(page);
        self.offset = self.offset.min(max_offset);
    }
}
