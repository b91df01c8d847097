//! Column widths on a terminal of any width: what the content wants, then long text held
//! back, then whole columns dropped by their priority (the highest number first), then
//! ids cut in the middle. Priority-0 columns — the id, the verdict — are never dropped.

use unicode_width::{UnicodeWidthChar, UnicodeWidthStr};

use super::panes::Column;
use super::rows::Row;

/// Widest a column is drawn before spare room is handed out.
const CAP: usize = 60;
/// Free text (a name, a comment) is held to this before any column is dropped.
const TEXT_KEEP: usize = 20;
/// A verdict with its reasons is held to this: the verdict stays whole, the reasons are
/// in the detail panel.
const VERDICT_KEEP: usize = 42;
/// A long id or name in an id column is held to this before any column is dropped (an
/// instance id, 19 cells, stays whole)…
const ID_SOFT: usize = 20;
/// …and, cut in the middle, keeps at least this many cells.
const ID_KEEP: usize = 12;
/// No column is cut narrower than this.
const FLOOR: usize = 4;

/// The columns drawn (indices into the pane's) and their widths.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fitted {
    pub shown: Vec<usize>,
    pub widths: Vec<usize>,
}

/// Fits `columns` (titled `headers`, filled by the rows on screen) into `available` cells
/// with `spacing` between columns.
pub fn fit(
    columns: &[Column],
    headers: &[String],
    rows: &[&Row],
    available: usize,
    spacing: usize,
) -> Fitted {
    let mut wanted: Vec<usize> = headers.iter().map(|h| h.width()).collect();
    wanted.resize(columns.len(), 0);
    for row in rows {
        for (w, c) in wanted.iter_mut().zip(&row.cells) {
            *w = (*w).max(c.text.width());
        }
    }
    let mut widths: Vec<usize> = wanted.iter().map(|w| (*w).min(CAP)).collect();
    let mut shown: Vec<usize> = (0..columns.len()).filter(|&i| !columns[i].hidden).collect();
    let room = |shown: &[usize]| available.saturating_sub(spacing * shown.len().saturating_sub(1));
    let over = |shown: &[usize], widths: &[usize]| {
        shown
            .iter()
            .map(|&i| widths[i])
            .sum::<usize>()
            .saturating_sub(room(shown))
    };

    // Long text gives way first, the widest first, each down to what it keeps.
    let keep = |c: &Column| match (c.id, c.priority) {
        (true, _) => ID_SOFT,
        (false, 0) => VERDICT_KEEP,
        (false, _) => TEXT_KEEP,
    };
    while over(&shown, &widths) > 0 {
        let widest = shown
            .iter()
            .copied()
            .filter(|&i| widths[i] > keep(&columns[i]))
            .max_by_key(|&i| (widths[i], std::cmp::Reverse(i)));
        let Some(i) = widest else { break };
        widths[i] -= 1;
    }
    // Then whole columns, the highest priority number first (the rightmost of a tie).
    let mut droppable: Vec<usize> = shown
        .iter()
        .copied()
        .filter(|&i| columns[i].priority > 0)
        .collect();
    droppable.sort_by_key(|&i| (std::cmp::Reverse(columns[i].priority), std::cmp::Reverse(i)));
    for i in droppable {
        if over(&shown, &widths) == 0 {
            break;
        }
        shown.retain(|&s| s != i);
    }
    // Then ids, cut in the middle.
    for &i in &shown {
        let excess = over(&shown, &widths);
        if excess == 0 {
            break;
        }
        if columns[i].id && widths[i] > ID_KEEP {
            widths[i] -= (widths[i] - ID_KEEP).min(excess);
        }
    }
    // Last, the widest of what is left, one cell at a time.
    while over(&shown, &widths) > 0 {
        let widest = shown
            .iter()
            .copied()
            .filter(|&i| widths[i] > FLOOR)
            .max_by_key(|&i| (widths[i], std::cmp::Reverse(i)));
        let Some(i) = widest else { break };
        widths[i] -= 1;
    }
    // Room left over goes back to the columns held under what their text wants, the most
    // needed first.
    let mut spare = room(&shown).saturating_sub(shown.iter().map(|&i| widths[i]).sum());
    let mut by_need = shown.clone();
    by_need.sort_by_key(|&i| (columns[i].priority, i));
    for i in by_need {
        if spare == 0 {
            break;
        }
        let add = wanted[i].saturating_sub(widths[i]).min(spare);
        widths[i] += add;
        spare -= add;
    }
    Fitted {
        widths: shown.iter().map(|&i| widths[i]).collect(),
        shown,
    }
}

/// `text` cut to `width` display cells with a final "…" when it does not fit, so a cut
/// value never passes for a whole one (a version, a name).
pub fn ellipsize(text: &str, width: usize) -> String {
    if text.width() <= width {
        return text.to_string();
    }
    let mut out = String::new();
    let mut used = 0;
    for ch in text.chars() {
        let w = ch.width().unwrap_or(0);
        if used + w + 1 > width {
            break;
        }
        out.push(ch);
        used += w;
    }
    if width > 0 {
        out.push('…');
    }
    out
}

/// An id cut in the middle, `i-0a1…9f3e2`: its head says what it is, its tail tells it
/// from its neighbours.
pub fn cut_middle(text: &str, width: usize) -> String {
    if text.width() <= width {
        return text.to_string();
    }
    if width < 5 {
        return ellipsize(text, width);
    }
    let keep = width - 1;
    let head_room = keep / 3;
    let mut head = String::new();
    let mut used = 0;
    for ch in text.chars() {
        let w = ch.width().unwrap_or(0);
        if used + w > head_room {
            break;
        }
        head.push(ch);
        used += w;
    }
    let tail_room = keep - used;
    let mut tail: Vec<char> = Vec::new();
    let mut tail_used = 0;
    for ch in text.chars().rev() {
        let w = ch.width().unwrap_or(0);
        if tail_used + w > tail_room {
            break;
        }
        tail.push(ch);
        tail_used += w;
    }
    tail.reverse();
    format!("{head}…{}", tail.into_iter().collect::<String>())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tui::rows::{Cell, Tone};

    fn row(cells: &[&str]) -> Row {
        let cells = cells
            .iter()
            .map(|t| Cell {
                text: (*t).to_string(),
                tone: Tone::Normal,
            })
            .collect();
        Row::new("r".into(), cells, Vec::new(), Vec::new())
    }

    const COLS: &[Column] = &[
        Column::id("id"),
        Column::new("name", 2),
        Column::new("zone", 3),
        Column::new("verdict", 0),
    ];

    fn headers() -> Vec<String> {
        ["ID", "Name", "Zone", "Verdict"].map(String::from).to_vec()
    }

    #[test]
    fn everything_fits_on_a_wide_terminal() {
        let r = row(&["i-0123456789abcdef0", "web", "a", "ready"]);
        let f = fit(COLS, &headers(), &[&r], 200, 1);
        assert_eq!(f.shown, vec![0, 1, 2, 3]);
        assert_eq!(f.widths, vec![19, 4, 4, 7]);
    }

    #[test]
    fn highest_priority_number_is_dropped_first_and_priority_zero_never() {
        let r = row(&[
            "i-0123456789abcdef0",
            "web-server",
            "ap-northeast-2a",
            "ready",
        ]);
        let f = fit(COLS, &headers(), &[&r], 40, 1);
        assert_eq!(f.shown, vec![0, 1, 3]);
        let f = fit(COLS, &headers(), &[&r], 20, 1);
        assert_eq!(f.shown, vec![0, 3]);
        assert_eq!(f.widths[1], 7, "the verdict stays whole");
    }

    #[test]
    fn an_id_is_cut_in_the_middle_keeping_its_tail() {
        assert_eq!(cut_middle("i-0123456789abcdef0", 12), "i-0…9abcdef0");
        assert_eq!(cut_middle("short", 12), "short");
    }

    #[test]
    fn ellipsized_text_ends_with_a_mark() {
        assert_eq!(ellipsize("2.3.1234.0", 6), "2.3.1…");
        assert_eq!(ellipsize("안녕하세요", 5), "안녕…");
    }
}
