//! SDK errors → [`CloudError`], each carrying the IAM action (`ssm:DescribeInstancePatchStates`).

use std::error::Error as StdError;

use aws_credential_types::provider::error::CredentialsError;
use aws_sdk_ssm::error::ProvideErrorMetadata;

use super::intercept::{KnownUnimplemented, is_web_page_error};

use crate::cloud::{CloudError, CloudResult, Written};

/// The SDK error of any service client (they all share aws-smithy-runtime-api).
pub(crate) type SdkError<E> = aws_sdk_ssm::error::SdkError<E>;

/// Longest detail kept in an error message (one line for a pane or a report).
const MAX_DETAIL: usize = 240;

const THROTTLING: &[&str] = &[
    "Throttling",
    "ThrottlingException",
    "ThrottledException",
    "RequestLimitExceeded",
    "Throttled",
    "TooManyRequestsException",
    "EC2ThrottledException",
    "RequestThrottled",
    "RequestThrottledException",
    "SlowDown",
];

const ACCESS_DENIED: &[&str] = &[
    "AccessDenied",
    "AccessDeniedException",
    "UnauthorizedOperation",
    "UnauthorizedAccess",
];

const NOT_FOUND: &[&str] = &[
    "InvalidInstanceId",
    "InvalidInstanceID",
    "NoSuchEntity",
    "ResourceNotFoundException",
    "DoesNotExistException",
    "InvalidCommandId",
    "InvocationDoesNotExist",
    "ServiceSettingNotFound",
    "InvalidDocument",
];

const UNAVAILABLE: &[&str] = &[
    "InternalError",
    "InternalFailure",
    "InternalServerError",
    "InternalServerErrorException",
    "ServiceUnavailable",
    "ServiceUnavailableException",
    "Unavailable",
    "RequestTimeout",
    "RequestTimeoutException",
];

const INVALID: &[&str] = &[
    "ValidationException",
    "ValidationError",
    "MissingParameter",
    "MalformedPolicyDocument",
    "LimitExceeded",
    "LimitExceededException",
    "DuplicateSubnetsInSameZone",
    "DuplicateInstanceId",
    "IncorrectState",
    "IncorrectInstanceState",
    "MaxDocumentSizeExceeded",
    "UnsupportedPlatformType",
];

/// Maps an SDK error of the call `action` (`svc:Operation`) to a [`CloudError`].
pub(crate) fn map_err<E>(action: &str, err: SdkError<E>) -> CloudError
where
    E: ProvideErrorMetadata + StdError + Send + Sync + 'static,
{
    let detail = || format!("{action}: {}", short(&chain(&err)));
    if let Some(e) = find_in_chain::<KnownUnimplemented>(&err) {
        tracing::debug!(%e, "not asked again");
        return not_implemented(action);
    }
    if let Some(refused) = find_in_chain::<super::org::RoleRefused>(&err) {
        return refused.into();
    }
    if let Some(e) = find_in_chain::<CredentialsError>(&err) {
        // The profile is filled in by the cloud that owns the client.
        return CloudError::Credentials {
            profile: String::new(),
            detail: short(&chain(e)),
        };
    }
    if err.raw_response().is_some_and(is_web_page_error) {
        return not_implemented(action);
    }
    match &err {
        SdkError::TimeoutError(_) => CloudError::Unavailable(format!("{action}: timed out")),
        SdkError::DispatchFailure(f) if f.is_timeout() => CloudError::Unreachable {
            endpoint: String::new(),
            detail: "no answer to the connection".into(),
        },
        SdkError::DispatchFailure(f) if f.is_io() => CloudError::Unreachable {
            endpoint: String::new(),
            detail: short(&chain(&err)),
        },
        SdkError::DispatchFailure(_) => CloudError::Unavailable(detail()),
        SdkError::ResponseError(r) => CloudError::Unavailable(format!(
            "{action}: HTTP {}: unreadable response",
            r.raw().status().as_u16()
        )),
        SdkError::ConstructionFailure(_) => CloudError::Invalid(detail()),
        SdkError::ServiceError(ctx) => {
            let status = ctx.raw().status();
            match err.code() {
                Some(code) => classify(action, code, err.message(), status.as_u16()),
                None if status.is_server_error() => CloudError::Unavailable(format!(
                    "{action}: HTTP {}: malformed error response",
                    status.as_u16()
                )),
                None => CloudError::Other(format!(
                    "{action}: HTTP {}: {}",
                    status.as_u16(),
                    short(&chain(ctx.err()))
                )),
            }
        }
        _ => CloudError::Other(detail()),
    }
}

/// The endpoint is filled in by the cloud that owns the client.
fn not_implemented(action: &str) -> CloudError {
    CloudError::NotImplemented {
        action: action.to_string(),
        endpoint: String::new(),
    }
}

/// The first error of type `T` among `err` and its sources.
fn find_in_chain<'a, T: StdError + 'static>(err: &'a (dyn StdError + 'static)) -> Option<&'a T> {
    let mut current: Option<&(dyn StdError + 'static)> = Some(err);
    while let Some(e) = current {
        if let Some(found) = e.downcast_ref::<T>() {
            return Some(found);
        }
        current = e.source();
    }
    None
}

/// Classifies a service error by its code (and HTTP status when the code says nothing).
pub(crate) fn classify(action: &str, code: &str, message: Option<&str>, status: u16) -> CloudError {
    let detail = match message.map(str::trim).filter(|m| !m.is_empty()) {
        Some(m) => format!("{action}: {code}: {}", short(m)),
        None => format!("{action}: {code}"),
    };
    if THROTTLING.contains(&code) {
        CloudError::Throttled(action.to_string())
    } else if ACCESS_DENIED.contains(&code) {
        CloudError::AccessDenied {
            action: action.to_string(),
        }
    } else if NOT_FOUND.contains(&code) || code.ends_with(".NotFound") || code.ends_with("NotFound")
    {
        CloudError::NotFound(detail)
    } else if UNAVAILABLE.contains(&code) || status >= 500 {
        CloudError::Unavailable(detail)
    } else if code == "EntityAlreadyExists"
        || code.ends_with(".Duplicate")
        // The same ClientToken was used by an earlier create (a racing run): it exists.
        || code == "IdempotentParameterMismatch"
    {
        CloudError::AlreadyExists(detail)
    } else if INVALID.contains(&code)
        || code.starts_with("Invalid")
        || code.ends_with(".Duplicate")
        || code.ends_with(".Malformed")
        || code.ends_with("Exceeded")
    {
        CloudError::Invalid(detail)
    } else {
        CloudError::Other(detail)
    }
}

/// EC2 write outcome: with `DryRun=true`, `DryRunOperation` means "would have succeeded".
pub(crate) fn dry_run_or_err<T, E>(action: &str, err: SdkError<E>) -> CloudResult<Written<T>>
where
    E: ProvideErrorMetadata + StdError + Send + Sync + 'static,
{
    if err.code() == Some("DryRunOperation") {
        Ok(Written::DryRunAllowed)
    } else {
        Err(map_err(action, err))
    }
}

/// True for failures of the transport (no answer from the service at all).
pub(crate) fn is_transport<E>(err: &SdkError<E>) -> bool {
    matches!(
        err,
        SdkError::TimeoutError(_) | SdkError::DispatchFailure(_)
    )
}

/// The error and its sources, `: `-separated, from their `Display` only (the SDK's
/// `DisplayErrorContext` appends a `Debug` dump, unfit for a pane or a report).
pub(crate) fn chain(err: &(dyn StdError + 'static)) -> String {
    let mut parts: Vec<String> = vec![err.to_string()];
    let mut source = err.source();
    while let Some(cause) = source {
        let text = cause.to_string();
        if !text.is_empty() && !parts.iter().any(|p| p.contains(&text)) {
            parts.push(text);
        }
        source = cause.source();
    }
    parts.join(": ")
}

/// One line, at most [`MAX_DETAIL`] characters.
pub(crate) fn short(text: &str) -> String {
    let one_line = text.split_whitespace().collect::<Vec<_>>().join(" ");
    if one_line.chars().count() <= MAX_DETAIL {
        one_line
    } else {
        let mut cut: String = one_line.chars().take(MAX_DETAIL - 1).collect();
        cut.push('…');
        cut
    }
}
