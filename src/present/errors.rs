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
        CloudError::RoleNotAssumed {
            account,
            role,
            detail,
        } => tf(
            lang,
            "error.role_not_assumed",
            &[("account", account), ("role", role), ("detail", detail)],
        ),
        CloudError::Unavailable(detail) => tf(lang, "error.unavailable", &[("detail", detail)]),
        CloudError::NotFound(detail) => tf(lang, "error.not_found", &[("detail", detail)]),
        CloudError::Invalid(detail) => tf(lang, "error.invalid", &[("detail", detail)]),
        CloudError::AlreadyExists(detail) => {
            tf(lang, "error.already_exists", &[("detail", detail)])
        }
        CloudError::Other(detail) => detail.clone(),
    }
}

/// A failed call of a plan: `CreateRole failed: AccessDenied: iam:CreateRole`.
pub fn failure_text(action: &str, e: &CloudError, lang: Lang) -> String {
    tf(
        lang,
        "outcome.failed",
        &[("action", action), ("error", &error_text(e, lang))],
    )
}

/// What to do after a failed call; `again` says how to plan again where it is read (the
/// console's refresh key, or running `ssmdeck fix` again).
pub fn failure_hint(e: &CloudError, again: &str, lang: Lang) -> String {
    let key = match e {
        CloudError::AccessDenied { .. } => "hint.access_denied",
        CloudError::Throttled(_) => "hint.throttled",
        CloudError::Unavailable(_) | CloudError::Unreachable { .. } => "hint.no_answer",
        CloudError::NotImplemented { .. } => "hint.not_implemented",
        CloudError::Credentials { .. } => "hint.credentials",
        CloudError::RoleNotAssumed { .. } => "hint.role_not_assumed",
        CloudError::NotFound(_) => "hint.gone",
        CloudError::AlreadyExists(_) => "hint.exists",
        CloudError::Invalid(_) | CloudError::Other(_) => "hint.other",
    };
    let action = match e {
        CloudError::AccessDenied { action } => action.as_str(),
        _ => "",
    };
    tf(lang, key, &[("action", action), ("again", again)])
}
