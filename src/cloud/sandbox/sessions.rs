//! Session Manager in the simulated account: a session starts on an online node and gets
//! an id and stream address; nothing listens there (the console's sandbox shell and the
//! sandbox's forwards are simulated on this side).

use jiff::Timestamp;

use super::world::World;
use crate::cloud::{CloudError, CloudResult, SessionRequest, StartedSession};
use crate::domain::model::PingStatus;

pub(super) fn start(
    w: &mut World,
    now: Timestamp,
    req: &SessionRequest,
) -> CloudResult<StartedSession> {
    let online = w
        .node_views(now)
        .iter()
        .any(|n| n.instance_id == req.target && n.ping == PingStatus::Online);
    if !online {
        return Err(CloudError::Invalid(format!(
            "TargetNotConnected: {} is not connected",
            req.target
        )));
    }
    let session_id = w.new_id("sandbox");
    Ok(StartedSession {
        stream_url: format!(
            "wss://ssmmessages.{}.amazonaws.com/v1/data-channel/{session_id}",
            w.region
        ),
        token_value: format!("sandbox-token-{session_id}"),
        session_id,
    })
}
