//! A command's whole output where the agent wrote it: S3 objects under
//! `PREFIX/COMMAND/INSTANCE/…/stdout|stderr`, or CloudWatch Logs streams
//! `COMMAND/INSTANCE/…/stdout|stderr` in the command's log group.

use super::errors::map_err;
use super::logged;
use crate::cloud::{CloudError, CloudResult, FullOutput};

/// Most bytes read of one stream (a runaway log is not loaded whole into the console).
const MAX_BYTES: usize = 16 * 1024 * 1024;

pub(crate) async fn from_s3(
    s3: &aws_sdk_s3::Client,
    bucket: &str,
    prefix: Option<&str>,
    command_id: &str,
    instance_id: &str,
) -> CloudResult<Option<FullOutput>> {
    const LIST: &str = "s3:ListBucket";
    const GET: &str = "s3:GetObject";
    let base = match prefix
        .map(|p| p.trim_end_matches('/'))
        .filter(|p| !p.is_empty())
    {
        Some(p) => format!("{p}/{command_id}/{instance_id}/"),
        None => format!("{command_id}/{instance_id}/"),
    };
    let mut keys = Vec::new();
    let mut pages = s3
        .list_objects_v2()
        .bucket(bucket)
        .prefix(&base)
        .into_paginator()
        .send();
    let mut n = 0;
    while let Some(page) = pages.next().await {
        let page = page.map_err(|e| map_err(LIST, e))?;
        n += 1;
        keys.extend(
            page.contents()
                .iter()
                .filter_map(|o| o.key().map(str::to_string)),
        );
    }
    logged(LIST, n, keys.len());
    keys.sort();
    let mut streams = [String::new(), String::new()];
    let mut found = false;
    for key in &keys {
        let slot = match key.rsplit('/').next() {
            Some("stdout") => 0,
            Some("stderr") => 1,
            _ => continue,
        };
        let object = s3
            .get_object()
            .bucket(bucket)
            .key(key)
            .send()
            .await
            .map_err(|e| map_err(GET, e))?;
        let bytes = object
            .body
            .collect()
            .await
            .map_err(|e| CloudError::Other(format!("{GET}: {e}")))?
            .into_bytes();
        logged(GET, 1, bytes.len());
        append(&mut streams[slot], &bytes);
        found = true;
    }
    let [stdout, stderr] = streams;
    Ok(found.then(|| FullOutput {
        stdout,
        stderr,
        place: format!("s3://{bucket}/{base}"),
    }))
}

pub(crate) async fn from_logs(
    logs: &aws_sdk_cloudwatchlogs::Client,
    group: &str,
    command_id: &str,
    instance_id: &str,
) -> CloudResult<Option<FullOutput>> {
    const STREAMS: &str = "logs:DescribeLogStreams";
    const EVENTS: &str = "logs:GetLogEvents";
    let prefix = format!("{command_id}/{instance_id}/");
    let mut names = Vec::new();
    let mut pages = logs
        .describe_log_streams()
        .log_group_name(group)
        .log_stream_name_prefix(&prefix)
        .into_paginator()
        .send();
    let mut n = 0;
    while let Some(page) = pages.next().await {
        let page = page.map_err(|e| map_err(STREAMS, e))?;
        n += 1;
        names.extend(
            page.log_streams()
                .iter()
                .filter_map(|s| s.log_stream_name().map(str::to_string)),
        );
    }
    logged(STREAMS, n, names.len());
    names.sort();
    let mut streams = [String::new(), String::new()];
    let mut found = false;
    for name in &names {
        let slot = match name.rsplit('/').next() {
            Some("stdout") => 0,
            Some("stderr") => 1,
            _ => continue,
        };
        let mut token: Option<String> = None;
        loop {
            let page = logs
                .get_log_events()
                .log_group_name(group)
                .log_stream_name(name)
                .start_from_head(true)
                .set_next_token(token.clone())
                .send()
                .await
                .map_err(|e| map_err(EVENTS, e))?;
            logged(EVENTS, 1, page.events().len());
            for event in page.events() {
                if let Some(m) = event.message() {
                    append(&mut streams[slot], m.as_bytes());
                    if !m.ends_with('\n') {
                        append(&mut streams[slot], b"\n");
                    }
                }
            }
            let next = page.next_forward_token().map(str::to_string);
            // The forward token repeats at the end of the stream.
            if page.events().is_empty() || next.is_none() || next == token {
                break;
            }
            token = next;
        }
        found = true;
    }
    let [stdout, stderr] = streams;
    Ok(found.then(|| FullOutput {
        stdout,
        stderr,
        place: format!("logs:{group}/{prefix}"),
    }))
}

fn append(to: &mut String, bytes: &[u8]) {
    let room = MAX_BYTES.saturating_sub(to.len());
    to.push_str(&String::from_utf8_lossy(&bytes[..bytes.len().min(room)]));
}
