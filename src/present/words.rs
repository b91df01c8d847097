//! Names the data carries as identifiers, in the interface's language: a source of data,
//! an EC2 instance state.

use crate::domain::snapshot::Source;
use crate::i18n::{Lang, t};

/// `network`, `instances`…: the source as the pane titles and reports name it.
pub fn source_name(source: Source, lang: Lang) -> String {
    t(lang, &format!("source.{}", source.name()))
}

/// `stopped` → `중지됨`; a state the catalogs do not know stays as EC2 said it.
pub fn instance_state(state: &str, lang: Lang) -> String {
    let key = format!("ec2.state.{state}");
    let text = t(lang, &key);
    if text == key || text.ends_with(&key) {
        state.to_string()
    } else {
        text
    }
}

/// A forward's event, as the console's status line and `ssmdeck forward` say it.
pub fn forward_event_text(
    node: &str,
    ports: &str,
    event: &crate::engine::forward::ForwardEvent,
    lang: Lang,
) -> String {
    use crate::engine::forward::ForwardEvent as E;
    use crate::i18n::tf;
    let secs = |d: &std::time::Duration| d.as_secs().max(1).to_string();
    match event {
        E::Started { session_id } => tf(
            lang,
            "forward.started",
            &[("node", node), ("ports", ports), ("session", session_id)],
        ),
        E::Dropped {
            after,
            retry_in,
            detail,
        } => tf(
            lang,
            "forward.dropped",
            &[
                ("node", node),
                ("ports", ports),
                ("after", &secs(after)),
                ("retry", &secs(retry_in)),
                ("detail", detail),
            ],
        ),
        E::StartFailed { error, retry_in } => tf(
            lang,
            "forward.start_failed",
            &[
                ("node", node),
                ("ports", ports),
                ("error", &super::error_text(error, lang)),
                ("retry", &secs(retry_in)),
            ],
        ),
        E::PluginFailed { detail } => tf(lang, "forward.plugin_failed", &[("detail", detail)]),
        E::Stopped => tf(lang, "forward.stopped", &[("node", node), ("ports", ports)]),
    }
}
