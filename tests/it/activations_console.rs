//! Activations in the console: `A` on Instances opens the list; `n` plans, asks and creates
//! (the service role too), its code shown once in a pager and never in the audit log; `d`
//! deletes after y. Proven by reading the sandbox account back.

use crossterm::event::KeyCode;
use ssmdeck::cloud::Cloud;
use ssmdeck::cloud::sandbox::{Clock, SandboxCloud, Scenario};
use ssmdeck::engine::audit::{Audit, AuditLog};
use ssmdeck::i18n::Lang;
use ssmdeck::tui::app::{App, Mode, Pane};

use crate::fixtures::t0;
use crate::ui::{app_on, feed, key, run_effects, screen};

const W: u16 = 160;
const H: u16 = 45;

async fn press(app: &mut App, cloud: &SandboxCloud, audit: &Audit, code: KeyCode) {
    let effects = key(app, code);
    run_effects(app, cloud, Some(audit), effects).await;
}

fn memory_audit() -> Audit {
    Audit {
        log: AuditLog::in_memory(),
        account: Some("123456789012".into()),
        region: "us-east-1".into(),
        profile: "sandbox".into(),
    }
}

#[tokio::test]
async fn activations_are_listed_created_once_and_deleted_from_the_console() {
    let cloud = SandboxCloud::new(Scenario::Fleet(12), Clock::manual(t0()));
    let audit = memory_audit();
    let mut app = app_on(&cloud, W, H).await;
    app.set_lang(Lang::En);
    feed(&mut app, &cloud).await;
    key(&mut app, KeyCode::Char('3'));
    press(&mut app, &cloud, &audit, KeyCode::Char('A')).await;
    assert_eq!(app.pane, Pane::Activations);
    let before = cloud.describe_activations().await.expect("list");
    assert_eq!(before.len(), 2, "fleet:N lists two activations");
    let text = screen(&app, W, H);
    for a in &before {
        assert!(text.contains(&a.id[..8]), "{} not listed:\n{text}", a.id);
    }
    assert!(
        text.contains("expired"),
        "the lab's activation has expired:\n{text}"
    );

    // n: the plan asked first; nothing written before y.
    press(&mut app, &cloud, &audit, KeyCode::Char('n')).await;
    assert!(matches!(app.mode, Mode::Ask(_)), "{:?}", app.mode);
    let text = screen(&app, W, H);
    assert!(text.contains("ssm:CreateActivation"), "{text}");
    assert_eq!(cloud.describe_activations().await.expect("list").len(), 2);
    press(&mut app, &cloud, &audit, KeyCode::Char('y')).await;

    // Created: read back, its code shown once in the pager, never in the audit log.
    let after = cloud.describe_activations().await.expect("list");
    assert_eq!(after.len(), 3, "{after:?}");
    let Mode::Pager(pager) = &app.mode else {
        panic!("no pager: {:?}", app.mode);
    };
    let shown = pager.lines.join("\n");
    assert!(shown.contains("Activation code"), "{shown}");
    assert!(
        shown.contains("amazon-ssm-agent") || shown.contains("ssm-setup-cli"),
        "{shown}"
    );
    let code = shown
        .lines()
        .find_map(|l| l.trim().strip_prefix("Activation code: "))
        .expect("the code line")
        .to_string();
    let logged = audit.log.tail(50).expect("audit");
    assert!(
        logged.iter().any(|e| e.action == "ssm:CreateActivation"),
        "{logged:?}"
    );
    assert!(
        !logged
            .iter()
            .any(|e| e.parameters.to_string().contains(&code) || e.outcome.contains(&code)),
        "the code reached the audit log"
    );
    // Esc closes the pager; the list has the new activation.
    press(&mut app, &cloud, &audit, KeyCode::Esc).await;
    assert!(matches!(app.mode, Mode::Normal));
    let new = after
        .iter()
        .find(|a| !before.iter().any(|b| b.id == a.id))
        .expect("the new activation");
    let rows = &app.table().expect("table").rows;
    assert_eq!(rows.len(), 3);

    // d on the new one, n refuses, d and y delete: read back.
    assert!(rows.iter().any(|r| r.id == new.id), "its row");
    let page = app.page();
    app.tables[Pane::Activations.index()].want(&new.id, page);
    assert_eq!(
        app.table()
            .and_then(|t| t.selected_row())
            .map(|r| r.id.clone()),
        Some(new.id.clone())
    );
    press(&mut app, &cloud, &audit, KeyCode::Char('d')).await;
    press(&mut app, &cloud, &audit, KeyCode::Char('n')).await;
    assert!(matches!(app.mode, Mode::Normal), "n closes the dialog");
    assert!(!screen(&app, W, H).contains("ssm:DeleteActivation"));
    assert_eq!(cloud.describe_activations().await.expect("list").len(), 3);
    press(&mut app, &cloud, &audit, KeyCode::Char('d')).await;
    let text = screen(&app, W, H);
    assert!(
        text.contains(&format!("ssm:DeleteActivation {}", new.id)),
        "{text}"
    );
    press(&mut app, &cloud, &audit, KeyCode::Char('y')).await;
    assert!(matches!(app.mode, Mode::Normal), "y closes the dialog");
    let left = cloud.describe_activations().await.expect("list");
    assert!(!left.iter().any(|a| a.id == new.id), "{left:?}");
    assert_eq!(app.table().expect("table").rows.len(), 2);
}

#[tokio::test]
async fn a_read_only_console_creates_no_activation() {
    let cloud = SandboxCloud::new(Scenario::Fleet(12), Clock::manual(t0()));
    let audit = memory_audit();
    let mut app = app_on(&cloud, W, H).await;
    app.read_only = true;
    app.set_lang(Lang::Ko);
    feed(&mut app, &cloud).await;
    key(&mut app, KeyCode::Char('3'));
    press(&mut app, &cloud, &audit, KeyCode::Char('A')).await;
    press(&mut app, &cloud, &audit, KeyCode::Char('n')).await;
    press(&mut app, &cloud, &audit, KeyCode::Char('y')).await;
    assert_eq!(cloud.describe_activations().await.expect("list").len(), 2);
    let text = screen(&app, W, H);
    assert!(text.contains("읽기 전용"), "{text}");
}
