//! Every pane at the common sizes, in both languages: snapshots, and on narrow terminals
//! each row's id and verdict read whole.

use crossterm::event::KeyCode;
use ssmdeck::cloud::Cloud;
use ssmdeck::cloud::sandbox::{Clock, SandboxCloud, Scenario};
use ssmdeck::engine::EngineEvent;
use ssmdeck::i18n::Lang;
use ssmdeck::tui::app::{App, Msg, Pane, update};

use unicode_width::UnicodeWidthChar;

use crate::fixtures::t0;
use crate::ui::{feed, run_effects, screen};

async fn app_in<C: Cloud>(cloud: &C, lang: Lang, width: u16, height: u16) -> App {
    let mut app = App::new(cloud.now());
    app.set_lang(lang);
    update(&mut app, Msg::Resize { width, height });
    let identity = cloud.identity().await;
    update(&mut app, Msg::Engine(EngineEvent::Identity(identity)));
    feed(&mut app, cloud).await;
    app
}

async fn show(app: &mut App, cloud: &SandboxCloud, pane: Pane) {
    let command = format!(":{}", pane.spec().command());
    for c in command.chars() {
        crate::ui::key(app, KeyCode::Char(c));
    }
    let effects = crate::ui::key(app, KeyCode::Enter);
    run_effects(app, cloud, None, effects).await;
    assert_eq!(app.pane, pane, "{command} shows its pane");
}

/// A fleet with rows in every pane, and the Audit pane with a write in it.
async fn world() -> SandboxCloud {
    SandboxCloud::new(Scenario::Fleet(12), Clock::manual(t0()))
}

fn lang_name(lang: Lang) -> &'static str {
    match lang {
        Lang::En => "en",
        Lang::Ko => "ko",
    }
}

#[tokio::test]
async fn snapshots_of_every_pane_at_80x24_and_200x50_in_english_and_korean() {
    let cloud = world().await;
    for lang in [Lang::En, Lang::Ko] {
        for (w, h) in [(80u16, 24u16), (200, 50)] {
            let mut app = app_in(&cloud, lang, w, h).await;
            for pane in Pane::EVERY {
                show(&mut app, &cloud, *pane).await;
                let name = format!("{}_{w}x{h}_{}", lang_name(lang), pane.spec().command());
                insta::assert_snapshot!(name, screen(&app, w, h));
            }
        }
    }
}

/// The part of a verdict that must read whole: all of it, or its first 40 cells (the
/// verdict and its first reason; further reasons are in the detail panel).
fn verdict_head(cell: &str) -> String {
    let mut width = 0;
    cell.chars()
        .take_while(|c| {
            width += c.width().unwrap_or(0);
            width <= 40
        })
        .collect()
}

/// The cells of the columns that never give way (priority 0), for the rows on screen: an
/// id may be cut in the middle (its head and tail stay), a verdict shows its head.
fn kept_cells(app: &App, ids_only: bool) -> Vec<Vec<(bool, String)>> {
    let Some(table) = app.table() else {
        return Vec::new();
    };
    let columns = app.pane.spec().columns();
    let rows = app.screen.body_rows as usize;
    table
        .visible
        .iter()
        .skip(table.offset)
        .take(rows)
        .map(|&i| {
            let row = &table.rows[i];
            columns
                .iter()
                .zip(&row.cells)
                .filter(|(c, _)| c.priority == 0 && (c.id || !ids_only))
                .map(|(c, cell)| (c.id, cell.text.clone()))
                .filter(|(_, t)| !t.is_empty())
                .collect::<Vec<_>>()
        })
        .collect()
}

/// How the screen shows an id: whole, or its head and tail around `…` (at least 12 wide
/// and the last 6 characters kept, so two ids never read the same).
fn shown_id(text: &str, id: &str) -> Option<String> {
    if text.contains(id) {
        return Some(id.to_string());
    }
    let chars: Vec<char> = id.chars().collect();
    for width in (12..chars.len()).rev() {
        let cut = ssmdeck::tui::columns::cut_middle(id, width);
        let tail: String = chars[chars.len() - 6..].iter().collect();
        if cut.ends_with(&tail) && text.contains(&cut) {
            return Some(cut);
        }
    }
    None
}

#[tokio::test]
async fn at_80x24_every_pane_shows_ids_and_verdicts_whole_and_at_60x20_the_ids() {
    let cloud = world().await;
    for lang in [Lang::En, Lang::Ko] {
        for (w, h, ids_only) in [(80u16, 24u16, false), (60, 20, true)] {
            let mut app = app_in(&cloud, lang, w, h).await;
            for pane in Pane::EVERY {
                show(&mut app, &cloud, *pane).await;
                let text = screen(&app, w, h);
                let cells = kept_cells(&app, ids_only);
                assert!(
                    !cells.is_empty() || app.table().is_none_or(|t| t.visible.is_empty()),
                    "{pane:?} at {w}x{h}: rows on screen\n{text}"
                );
                // Each row as read on screen: its ids (perhaps cut) and verdicts.
                let mut rows_shown = Vec::new();
                for row in cells {
                    let mut shown_row = Vec::new();
                    for (is_id, cell) in row {
                        let shown = if is_id {
                            shown_id(&text, &cell)
                        } else {
                            let head = verdict_head(&cell);
                            text.contains(&head).then_some(head)
                        };
                        let Some(shown) = shown else {
                            panic!(
                                "{pane:?} at {w}x{h} ({}): {cell:?} is cut\n{text}",
                                lang_name(lang)
                            );
                        };
                        shown_row.push(shown);
                    }
                    rows_shown.push(shown_row);
                }
                let distinct: std::collections::HashSet<&Vec<String>> = rows_shown.iter().collect();
                let ids_distinct = *pane != Pane::Audit && !ids_only;
                if ids_distinct {
                    assert_eq!(distinct.len(), rows_shown.len(), "{pane:?}: {rows_shown:?}");
                }
            }
        }
    }
}
