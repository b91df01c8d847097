//! Small conversions shared by the service modules.

use aws_smithy_types::DateTime;
use jiff::Timestamp;

/// SDK time → jiff; `None` (logged) when it is outside jiff's range.
pub(crate) fn timestamp(dt: &DateTime) -> Option<Timestamp> {
    let nanos = i32::try_from(dt.subsec_nanos()).ok()?;
    match Timestamp::new(dt.secs(), nanos) {
        Ok(ts) => Some(ts),
        Err(err) => {
            tracing::debug!(secs = dt.secs(), %err, "timestamp out of range; ignored");
            None
        }
    }
}

pub(crate) fn opt_timestamp(dt: Option<&DateTime>) -> Option<Timestamp> {
    dt.and_then(timestamp)
}

/// The value of EC2 tag `key`, if present and non-empty.
pub(crate) fn ec2_tag(tags: &[aws_sdk_ec2::types::Tag], key: &str) -> Option<String> {
    tags.iter()
        .find(|t| t.key() == Some(key))
        .and_then(|t| t.value())
        .filter(|v| !v.is_empty())
        .map(str::to_string)
}

pub(crate) fn owned(s: Option<&str>) -> String {
    s.unwrap_or_default().to_string()
}

pub(crate) fn opt_owned(s: Option<&str>) -> Option<String> {
    s.filter(|v| !v.is_empty()).map(str::to_string)
}
