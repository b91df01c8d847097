//! Column widths: what the content wants, shrunk in a pane-specific order to fit.

use unicode_width::UnicodeWidthStr;

use super::app::Pane;
use super::rows::Row;

/// Columns given up first when the terminal is narrow, with the width each keeps.
fn shrink_order(pane: Pane) -> &'static [(usize, usize)] {
    match pane {
        Pane::Endpoints => &[(0, 14), (7, 12), (2, 8), (6, 8)],
        Pane::Roles => &[(3, 12), (0, 16), (2, 10)],
        Pane::Audit => &[(2, 30), (0, 20)],
        Pane::Inventory => &[(5, 14), (1, 10), (2, 12), (3, 10)],
        Pane::Patches => &[(1, 8), (3, 6)],
        Pane::Commands => &[(6, 10), (0, 12), (1, 14)],
        Pane::Windows => &[(1, 8)],
        _ => &[(1, 10), (8, 8), (5, 8), (7, 6), (9, 24)],
    }
}

/// Display widths (Hangul counts double) for `headers` and the rows on screen,
/// fitted into `available` cells with `spacing` between columns.
/// `lead` columns (Region, Account: the width each keeps) come before the pane's own
/// and give way last, the last of them first.
pub fn fit(
    pane: Pane,
    lead: &[usize],
    headers: &[&str],
    rows: &[&Row],
    available: usize,
    spacing: usize,
) -> Vec<usize> {
    let mut widths: Vec<usize> = headers.iter().map(|h| h.width()).collect();
    for row in rows {
        for (w, c) in widths.iter_mut().zip(&row.cells) {
            *w = (*w).max(c.text.width());
        }
    }
    let wanted = widths.clone();
    for w in &mut widths {
        *w = (*w).min(60);
    }
    let room = available.saturating_sub(spacing * widths.len().saturating_sub(1));
    let mut over = widths.iter().sum::<usize>().saturating_sub(room);
    let order = shrink_order(pane)
        .iter()
        .map(|&(col, keep)| (col + lead.len(), keep))
        .chain(lead.iter().copied().enumerate().rev());
    for (col, keep) in order {
        if over == 0 {
            break;
        }
        if let Some(w) = widths.get_mut(col) {
            let cut = w.saturating_sub(keep).min(over);
            *w -= cut;
            over -= cut;
        }
    }
    // With Region/Account in front, the pane's own columns give way further, widest
    // first, before the resource id (the first of them) or the scope is cut.
    if !lead.is_empty() {
        while over > 0 {
            let widest = widths
                .iter()
                .enumerate()
                .skip(lead.len() + 1)
                .filter(|(_, w)| **w > 6)
                .max_by_key(|(_, w)| **w)
                .map(|(i, _)| i);
            let Some(i) = widest else { break };
            widths[i] -= 1;
            over -= 1;
        }
    }
    // Room left over goes to the columns held under what their text wants (the 60-column
    // cap), in order.
    let mut spare = room.saturating_sub(widths.iter().sum::<usize>());
    for (w, want) in widths.iter_mut().zip(&wanted) {
        if spare == 0 {
            break;
        }
        let add = want.saturating_sub(*w).min(spare);
        *w += add;
        spare -= add;
    }
    widths
}
