//! The Lab's status lines say how things stand only while they are true.

use crossterm::event::KeyCode;
use jiff::SignedDuration;
use ssmdeck::cloud::sandbox::{Clock, SandboxCloud, Scenario};
use ssmdeck::i18n::Lang;
use ssmdeck::tui::app::{App, Mode, Msg, update};

use crate::fixtures::t0;
use crate::ui::{app_on, feed, key, run_effects};

async fn press(app: &mut App, cloud: &SandboxCloud, code: KeyCode) {
    let effects = key(app, code);
    run_effects(app, cloud, None, effects).await;
}

fn status(app: &App) -> String {
    app.status
        .as_ref()
        .map(|(_, s)| s.clone())
        .unwrap_or_default()
}

#[tokio::test]
async fn a_waiting_line_goes_away_when_the_lab_can_go_on() {
    for lang in [Lang::En, Lang::Ko] {
        let cloud = SandboxCloud::new(Scenario::Lab, Clock::manual(t0()));
        let mut app = app_on(&cloud, 160, 45).await;
        app.set_lang(lang);
        update(&mut app, Msg::Tick(t0()));
        key(&mut app, KeyCode::Char('8'));
        feed(&mut app, &cloud).await;
        // Endpoints, role, attach: then the lab waits for the agents.
        for _ in 0..3 {
            press(&mut app, &cloud, KeyCode::Enter).await;
            if matches!(app.mode, Mode::Confirm(_) | Mode::Propose(_)) {
                press(&mut app, &cloud, KeyCode::Char('y')).await;
            }
            feed(&mut app, &cloud).await;
        }
        press(&mut app, &cloud, KeyCode::Enter).await;
        let waiting = status(&app);
        let expected = match lang {
            Lang::En => "nothing to do right now",
            Lang::Ko => "지금은",
        };
        assert!(waiting.contains(expected), "{lang:?}: {waiting:?}");
        // Still true a moment later: the line stays.
        cloud.clock().advance(SignedDuration::from_secs(1));
        feed(&mut app, &cloud).await;
        assert_eq!(status(&app), waiting, "{lang:?}");
        // The agents register: the lab can go on, and the line has gone.
        cloud.clock().advance(SignedDuration::from_secs(20));
        feed(&mut app, &cloud).await;
        update(&mut app, Msg::Tick(cloud.clock().now()));
        assert!(
            app.lab().and_then(|l| l.next_action()).is_some(),
            "the lab should go on"
        );
        assert_eq!(
            status(&app),
            "",
            "{lang:?}: the waiting line outlived its truth"
        );
    }
}
