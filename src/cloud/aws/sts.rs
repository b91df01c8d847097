//! STS: who the credentials belong to (the header's account id).

use aws_sdk_sts::Client;

use super::convert::opt_owned;
use super::errors::map_err;
use crate::cloud::CloudResult;

/// GetCallerIdentity → (account, ARN).
pub(crate) async fn caller_identity(sts: &Client) -> CloudResult<(Option<String>, Option<String>)> {
    const ACTION: &str = "sts:GetCallerIdentity";
    let out = sts
        .get_caller_identity()
        .send()
        .await
        .map_err(|e| map_err(ACTION, e))?;
    tracing::debug!(op = ACTION, pages = 1, "aws call");
    Ok((opt_owned(out.account()), opt_owned(out.arn())))
}
