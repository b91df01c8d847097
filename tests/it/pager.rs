//! A long output in the console: the send names where the whole output goes, the output
//! view reads it back from there, and Enter shows all of it full screen with search.

use crossterm::event::KeyCode;
use ssmdeck::domain::model::OutputConfig;
use ssmdeck::tui::app::Mode;

use crate::fleet::{advance, fleet, healthy_linux, press, select};
use crate::ui::{app_on, chars, screen};

const W: u16 = 160;
const H: u16 = 45;

#[tokio::test]
async fn a_long_output_sent_to_s3_is_read_whole_and_searched_in_the_pager() {
    let cloud = fleet();
    let mut app = app_on(&cloud, W, H).await;
    app.output_defaults = OutputConfig {
        s3_bucket: Some("ops-output".into()),
        s3_prefix: Some("runs".into()),
        log_group: None,
    };
    let node = healthy_linux(&cloud, 1).await.remove(0);
    press(&mut app, &cloud, KeyCode::Char('3')).await;
    select(&mut app, &node);
    press(&mut app, &cloud, KeyCode::Char('x')).await;
    chars(&mut app, "seq 10000");
    press(&mut app, &cloud, KeyCode::Enter).await;
    assert!(matches!(app.mode, Mode::Propose(_)));
    let text = screen(&app, W, H);
    assert!(
        text.contains("the whole output also to s3://ops-output/runs"),
        "{text}"
    );
    press(&mut app, &cloud, KeyCode::Char('y')).await;
    let sent = app.snapshot.commands.first().cloned().expect("sent");
    assert_eq!(sent.output.s3_bucket.as_deref(), Some("ops-output"));

    press(&mut app, &cloud, KeyCode::Char('6')).await;
    select(&mut app, &sent.id);
    press(&mut app, &cloud, KeyCode::Enter).await;
    advance(&mut app, &cloud, 5).await;
    let text = screen(&app, W, H);
    assert!(
        text.contains(&format!(
            "(the whole output, read from s3://ops-output/runs/{}/{node}/)",
            sent.id
        )),
        "{text}"
    );
    assert!(!text.contains("AWS truncated stdout"), "{text}");

    // Enter: all 10,000 lines, full screen.
    press(&mut app, &cloud, KeyCode::Enter).await;
    let Mode::Pager(pager) = &app.mode else {
        panic!("the pager opens: {:?}", app.mode)
    };
    assert!(pager.lines.iter().any(|l| l == "10000"));
    press(&mut app, &cloud, KeyCode::Char('G')).await;
    let text = screen(&app, W, H);
    assert!(
        text.contains("10000") && text.contains("–10002 of 10002"),
        "{text}"
    );
    // `/9999` finds its line; n wraps to the first match.
    press(&mut app, &cloud, KeyCode::Char('/')).await;
    chars(&mut app, "^9999$");
    assert!(screen(&app, W, H).contains("/^9999$▏"));
    press(&mut app, &cloud, KeyCode::Enter).await;
    let text = screen(&app, W, H);
    assert!(text.contains("1 line(s) match /^9999$"), "{text}");
    let Mode::Pager(pager) = &app.mode else {
        panic!("still the pager")
    };
    assert_eq!(pager.lines[pager.top], "9999");
    press(&mut app, &cloud, KeyCode::Char('g')).await;
    press(&mut app, &cloud, KeyCode::Char('n')).await;
    let Mode::Pager(pager) = &app.mode else {
        panic!("still the pager")
    };
    assert_eq!(pager.lines[pager.top], "9999");
    press(&mut app, &cloud, KeyCode::Esc).await;
    assert_eq!(app.mode, Mode::Normal);
    assert!(app.drill.is_some(), "back in the output view");
}
