//! A [`CloudError`] in one line of the interface's language.

use crate::cloud::CloudError;
use crate::i18n::{Lang, tf};

/// The error as a pane, a report or a dialog shows it.
pub fn error_text(e: &CloudError, lang: Lang) -> String {
    match e {
        CloudError::Throttled(action) => tf(lang, "error.throttled", &[("action", action)]),
        CloudError::AccessDenied { action } => {
            tf(lang, "error.access_denied", &[("action", action)])
        }
        CloudError::Unreachable { endpoint, detail } => tf(
            lang,
            "error.unreachable",
            &[("endpoint", endpoint), ("detail", detail)],
        ),
        CloudError::NotImplemented { action, endpoint } => tf(
            lang,
            "error.not_implemented",
            &[("action", action), ("endpoint", endpoint)],
        ),
        CloudError::Credentials { detail, .. } => detail.clone(),
        CloudError::Unavailable(detail) => tf(lang, "error.unavailable", &[("detail", detail)]),
        CloudError::NotFound(detail) => tf(lang, "error.not_found", &[("detail", detail)]),
        CloudError::Invalid(detail) => tf(lang, "error.invalid", &[("detail", detail)]),
        CloudError::AlreadyExists(detail) => {
            tf(lang, "error.already_exists", &[("detail", detail)])
        }
        CloudError::Other(detail) => detail.clone(),
    }
}
