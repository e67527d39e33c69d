//! The event bus on NATS JetStream: one stream per deployment prefix
//! (`{prefix}_events`, subjects `{prefix}.events.{stream_type}`), each
//! message an event in its envelope with the event id as the message id (so
//! JetStream drops re-publications) and the log position of the event before
//! it (so a consumer notices a gap and catches up from the event store).

use crate::event_store::{LogPosition, RecordedEvent};
use anyhow::Context;
use async_nats::jetstream::{self, message::PublishMessage};
use std::time::Duration;

/// Header with the log position (`transaction_id:global_position`) of the event published before.
pub const PREV_POSITION_HEADER: &str = "Portal-Prev-Position";

/// Most publications awaiting their acknowledgement at once (holding thousands deadlocks the client).
pub const MAX_IN_FLIGHT: usize = 256;

/// How long JetStream remembers message ids to drop duplicates.
pub const DUPLICATE_WINDOW: Duration = Duration::from_secs(600);

/// Deletes the events stream of `prefix` (a benchmark's or a test's own), if there is one.
///
/// # Errors
/// When JetStream cannot be reached or refuses.
pub async fn delete_stream(client: async_nats::Client, prefix: &str) -> anyhow::Result<()> {
    let js = jetstream::new(client);
    match js.delete_stream(stream_name(prefix)).await {
        Ok(_) => Ok(()),
        Err(e) if e.to_string().contains("not found") => Ok(()),
        Err(e) => Err(anyhow::anyhow!("cannot delete the stream: {e}")),
    }
}

/// The stream's name for a prefix.
pub fn stream_name(prefix: &str) -> String {
    format!("{prefix}_events")
}

/// The subject of an event of `stream_type`.
pub fn subject(prefix: &str, stream_type: &str) -> String {
    format!("{prefix}.events.{stream_type}")
}

/// Formats a log position for [`PREV_POSITION_HEADER`].
pub fn format_position(p: LogPosition) -> String {
    format!("{}:{}", p.transaction_id, p.global_position)
}

/// Publishes events to JetStream.
#[derive(Clone)]
pub struct EventPublisher {
    js: jetstream::Context,
    prefix: String,
}

impl EventPublisher {
    /// Creates the stream when missing.
    ///
    /// # Errors
    /// When JetStream refuses.
    pub async fn new(client: async_nats::Client, prefix: &str) -> anyhow::Result<Self> {
        let js = jetstream::new(client);
        js.get_or_create_stream(jetstream::stream::Config {
            name: stream_name(prefix),
            subjects: vec![format!("{prefix}.events.>")],
            duplicate_window: DUPLICATE_WINDOW,
            storage: jetstream::stream::StorageType::File,
            ..Default::default()
        })
        .await
        .map_err(|e| anyhow::anyhow!("cannot create the JetStream stream: {e}"))?;
        Ok(Self {
            js,
            prefix: prefix.to_string(),
        })
    }

    /// The JetStream context.
    pub fn context(&self) -> &jetstream::Context {
        &self.js
    }

    /// Publishes `events` in order (pipelined, at most [`MAX_IN_FLIGHT`]
    /// unacknowledged) and waits for every acknowledgement; `prev` is the
    /// position of the event published before the first. Returns how many
    /// JetStream dropped as duplicates.
    ///
    /// # Errors
    /// When a publication is not acknowledged; the caller publishes again
    /// from its last checkpoint (duplicates are dropped by message id).
    pub async fn publish(
        &self,
        events: &[RecordedEvent],
        mut prev: LogPosition,
    ) -> anyhow::Result<usize> {
        let mut pending = std::collections::VecDeque::with_capacity(MAX_IN_FLIGHT);
        let mut duplicates = 0;
        for event in events {
            let payload = serde_json::to_vec(event).context("serialise the event")?;
            let publish = PublishMessage::build()
                .payload(payload.into())
                .message_id(event.event_id.to_string())
                .header(PREV_POSITION_HEADER, format_position(prev).as_str());
            let ack = self
                .js
                .send_publish(subject(&self.prefix, &event.stream.stream_type), publish)
                .await
                .map_err(|e| anyhow::anyhow!("publish: {e}"))?;
            pending.push_back(ack);
            prev = event.log_position();
            if pending.len() >= MAX_IN_FLIGHT {
                if let Some(ack) = pending.pop_front() {
                    duplicates += usize::from(
                        ack.await
                            .map_err(|e| anyhow::anyhow!("ack: {e}"))?
                            .duplicate,
                    );
                }
            }
        }
        for ack in pending {
            duplicates += usize::from(
                ack.await
                    .map_err(|e| anyhow::anyhow!("ack: {e}"))?
                    .duplicate,
            );
        }
        Ok(duplicates)
    }
}
