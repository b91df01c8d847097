//! The top line: who and where (the profile or the connection's error, the account, the
//! region), then the fleet's counts, a running plan and read-only. On a narrow terminal
//! the account and region give way first and the identity is cut; the counts stay whole.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;
use unicode_width::UnicodeWidthStr;

use super::app::App;
use super::columns::ellipsize;
use super::rows::Tone;
use crate::i18n::{t, tf};

const TITLE: &str = " ssmdeck ";
const BAR: &str = " │ ";
/// The identity is never cut narrower than this.
const MIN_WHO: usize = 8;

/// The counts, each with its style (`short`: in fewer words, for a narrow terminal).
fn status_parts(app: &App, short: bool) -> Vec<(String, Style)> {
    let theme = app.theme;
    let lang = app.lang;
    let s = &app.readiness.summary;
    let bad_if = |n: usize| theme.tone(if n > 0 { Tone::Bad } else { Tone::Dim });
    let count = |key: &str, n: usize| tf(lang, key, &[("n", &n.to_string())]);
    let mut parts = vec![
        (count("ui.header.online", s.online), theme.tone(Tone::Good)),
        (
            count(
                if short {
                    "ui.header.lost_short"
                } else {
                    "ui.header.lost"
                },
                s.connection_lost,
            ),
            bad_if(s.connection_lost),
        ),
        (
            count("ui.header.not_managed", s.not_managed),
            bad_if(s.not_managed),
        ),
    ];
    if s.waiting > 0 {
        parts.push((
            count("ui.header.waiting", s.waiting),
            theme.tone(Tone::Warn),
        ));
    }
    if s.unknown > 0 {
        parts.push((
            count("ui.header.unknown", s.unknown),
            theme.tone(Tone::Warn),
        ));
    }
    parts
}

pub(super) fn draw(frame: &mut Frame, area: Rect, app: &App) {
    let theme = app.theme;
    let lang = app.lang;
    let id = &app.snapshot.identity;
    let (who, who_style) = match (&app.connection, id.label.is_empty()) {
        (Some(e), true) => (crate::present::error_text(e, lang), theme.tone(Tone::Bad)),
        (None, true) => (t(lang, "ui.header.connecting"), theme.accent()),
        (_, false) => (id.label.clone(), theme.accent()),
    };
    let account = id
        .account
        .as_ref()
        .map(|a| tf(lang, "ui.header.account", &[("account", a)]));
    let region = (!id.region.is_empty()).then(|| id.region.clone());

    let fixed = TITLE.width() + 1 + BAR.width() + MIN_WHO;
    let parts_w = |p: &[(String, Style)]| p.iter().map(|(t, _)| t.width() + 3).sum::<usize>();
    let mut parts = status_parts(app, false);
    if fixed + parts_w(&parts) > usize::from(area.width) {
        parts = status_parts(app, true);
    }
    let mut right: Vec<Span> = Vec::new();
    for (i, (text, style)) in parts.into_iter().enumerate() {
        if i > 0 {
            right.push(Span::raw(" · "));
        }
        right.push(Span::styled(text, style));
    }
    if let Some((_, line)) = &app.running {
        right.push(Span::raw(BAR));
        right.push(Span::styled(format!("⟳ {line}"), theme.tone(Tone::Warn)));
    }
    if app.read_only {
        right.push(Span::raw(BAR));
        right.push(Span::styled(
            t(lang, "ui.header.read_only"),
            theme.tone(Tone::Warn).add_modifier(Modifier::BOLD),
        ));
    }
    let right_w: usize = right.iter().map(|s| s.content.width()).sum();
    // What is left for the identity, the account and the region.
    let room = usize::from(area.width).saturating_sub(TITLE.width() + 1 + BAR.width() + right_w);
    let mut extras: Vec<String> = account.into_iter().chain(region).collect();
    let extras_w = |e: &[String]| e.iter().map(|x| x.width() + BAR.width()).sum::<usize>();
    // The account gives way before the region, both before the identity is cut.
    while !extras.is_empty() && who.width() + extras_w(&extras) > room {
        extras.remove(0);
    }
    let who = ellipsize(&who, room.saturating_sub(extras_w(&extras)).max(MIN_WHO));

    let mut spans = vec![
        Span::styled(TITLE, theme.title()),
        Span::raw(" "),
        Span::styled(who, who_style),
    ];
    for e in extras {
        spans.push(Span::raw(BAR));
        spans.push(Span::raw(e));
    }
    spans.push(Span::raw(BAR));
    spans.extend(right);
    frame.render_widget(Paragraph::new(Line::from(spans)), area);
}
