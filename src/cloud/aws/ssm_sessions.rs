//! Session Manager: starting a session (the plugin opens its stream) and terminating it.

use aws_sdk_ssm::Client;

use super::errors::map_err;
use super::logged;
use crate::cloud::{CloudError, CloudResult, SessionRequest, StartedSession};

pub(crate) async fn start_session(
    ssm: &Client,
    request: &SessionRequest,
) -> CloudResult<StartedSession> {
    const ACTION: &str = "ssm:StartSession";
    let parameters = request
        .parameters
        .iter()
        .cloned()
        .collect::<std::collections::HashMap<_, _>>();
    logged(ACTION, 1, 1);
    let out = ssm
        .start_session()
        .target(&request.target)
        .document_name(&request.document)
        .set_parameters((!parameters.is_empty()).then_some(parameters))
        .send()
        .await
        .map_err(|e| map_err(ACTION, e))?;
    let field = |v: Option<&str>, name: &str| {
        v.map(str::to_string)
            .ok_or_else(|| CloudError::Other(format!("{ACTION}: response has no {name}")))
    };
    Ok(StartedSession {
        session_id: field(out.session_id(), "SessionId")?,
        token_value: field(out.token_value(), "TokenValue")?,
        stream_url: field(out.stream_url(), "StreamUrl")?,
    })
}

pub(crate) async fn terminate_session(ssm: &Client, session_id: &str) -> CloudResult<()> {
    const ACTION: &str = "ssm:TerminateSession";
    logged(ACTION, 1, 1);
    ssm.terminate_session()
        .session_id(session_id)
        .send()
        .await
        .map_err(|e| map_err(ACTION, e))?;
    Ok(())
}
