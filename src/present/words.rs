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
