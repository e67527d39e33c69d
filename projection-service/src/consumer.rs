//! The bus path of a projection: a durable JetStream pull consumer (bounded
//! batches, at most `MAX_ACK_PENDING` unacknowledged) whose messages are
//! applied in batches with the checkpoint; after the commit the batch's last
//! message acknowledges it whole (ack policy `all`). The event store is the catch-up path: when a message's
//! `Portal-Prev-Position` shows that events are missing (a gap), when the bus
//! is idle, and at start-up. Messages at or before the checkpoint are
//! acknowledged without applying them.

use crate::runner::{apply_batch, catch_up, Projection};
use futures_util::StreamExt;
use infra::bus::{format_position, stream_name, PREV_POSITION_HEADER};
use infra::event_store::{DynEventStore, LogPosition, RecordedEvent};
use infra::read_model::DynReadModelStore;
use infra::shutdown::Shutdown;
use prometheus::IntCounterVec;
use std::sync::{Arc, LazyLock};
use std::time::Duration;

/// Most messages delivered and not yet acknowledged (backpressure).
pub const MAX_ACK_PENDING: i64 = 2_000;
/// Messages per batch.
pub const BATCH: usize = 500;
/// How long the consumer waits for a message before it looks at the store (idle bus).
const IDLE: Duration = Duration::from_millis(500);

static REDELIVERIES: LazyLock<IntCounterVec> = LazyLock::new(|| {
    infra::metrics::counter_vec(
        "projection_redeliveries_total",
        "JetStream messages delivered more than once",
        &["projection"],
    )
});

/// The durable consumer of a projection.
///
/// # Errors
/// When JetStream refuses.
async fn consumer(
    js: &async_nats::jetstream::Context,
    prefix: &str,
    projection: &str,
) -> anyhow::Result<async_nats::jetstream::consumer::PullConsumer> {
    use async_nats::jetstream::consumer::{pull, AckPolicy};
    let stream = js
        .get_stream(stream_name(prefix))
        .await
        .map_err(|e| anyhow::anyhow!("the events stream: {e}"))?;
    let name = format!("{prefix}_{projection}");
    let config = pull::Config {
        durable_name: Some(name.clone()),
        // One acknowledgement per applied batch covers every message before it.
        ack_policy: AckPolicy::All,
        max_ack_pending: MAX_ACK_PENDING,
        ack_wait: Duration::from_secs(30),
        ..Default::default()
    };
    let mut consumer: async_nats::jetstream::consumer::PullConsumer = stream
        .get_or_create_consumer(&name, config.clone())
        .await
        .map_err(|e| anyhow::anyhow!("the consumer {name}: {e}"))?;
    // A consumer made by an older version acknowledged each message: made
    // again, it delivers from the start of the stream, and what the
    // checkpoint already holds is acknowledged without being applied.
    let current = consumer
        .info()
        .await
        .map_err(|e| anyhow::anyhow!("the consumer {name}: {e}"))?
        .config
        .ack_policy;
    if current != AckPolicy::All {
        tracing::info!(consumer = %name, "re-creating the durable consumer with ack policy all");
        stream
            .delete_consumer(&name)
            .await
            .map_err(|e| anyhow::anyhow!("the consumer {name}: {e}"))?;
        consumer = stream
            .create_consumer(config)
            .await
            .map_err(|e| anyhow::anyhow!("the consumer {name}: {e}"))?;
    }
    Ok(consumer)
}

/// Applies what the bus delivered; catches up from the store on a gap.
/// Answers the last event delivered (for the lag figures).
async fn handle(
    projection: &dyn Projection,
    events: &DynEventStore,
    read_models: &DynReadModelStore,
    messages: Vec<async_nats::jetstream::Message>,
) -> anyhow::Result<Option<RecordedEvent>> {
    let generation = read_models.active_generation().await?;
    let mut stored = read_models
        .checkpoint(generation, projection.name())
        .await?;
    let mut checkpoint = stored.unwrap_or(LogPosition::START);
    let mut batch: Vec<RecordedEvent> = Vec::new();
    let mut newest: Option<RecordedEvent> = None;
    let apply = |from: Option<LogPosition>, batch: Vec<RecordedEvent>| async move {
        if apply_batch(projection, read_models, generation, from, &batch).await? {
            Ok(batch.last().map(RecordedEvent::log_position).or(from))
        } else {
            anyhow::bail!(
                "the checkpoint of {} moved: another instance applies it",
                projection.name()
            )
        }
    };
    for message in &messages {
        if message.info().is_ok_and(|i| i.delivered > 1) {
            REDELIVERIES.with_label_values(&[projection.name()]).inc();
        }
        let event: RecordedEvent = serde_json::from_slice(&message.payload)?;
        let position = event.log_position();
        if newest.as_ref().is_none_or(|n| n.log_position() < position) {
            newest = Some(event.clone());
        }
        let last = batch.last().map_or(checkpoint, RecordedEvent::log_position);
        if position <= last {
            continue; // applied already
        }
        let prev = message
            .headers
            .as_ref()
            .and_then(|h| h.get(PREV_POSITION_HEADER))
            .map(|v| v.to_string());
        if prev.as_deref() == Some(format_position(last).as_str()) {
            batch.push(event);
            continue;
        }
        // A gap: apply what we have, then read the store up to this event.
        if !batch.is_empty() {
            apply(stored, std::mem::take(&mut batch)).await?;
        }
        loop {
            catch_up(projection, events, read_models, generation, BATCH).await?;
            stored = read_models
                .checkpoint(generation, projection.name())
                .await?;
            checkpoint = stored.unwrap_or(LogPosition::START);
            if checkpoint >= position {
                break;
            }
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
    }
    if !batch.is_empty() {
        apply(stored, batch).await?;
    }
    // Acknowledged only once what they carry is committed: the message last
    // in the stream acknowledges all before it (ack policy `all`).
    let last = messages
        .iter()
        .max_by_key(|m| m.info().map_or(0, |i| i.stream_sequence));
    if let Some(message) = last {
        message
            .ack()
            .await
            .map_err(|e| anyhow::anyhow!("ack: {e}"))?;
    }
    Ok(newest)
}

/// Runs a projection from JetStream until `shutdown`, with the store as the
/// catch-up path; resumes after failures with a back-off.
pub async fn consume(
    projection: Arc<dyn Projection>,
    events: DynEventStore,
    read_models: DynReadModelStore,
    nats: async_nats::Client,
    prefix: String,
    shutdown: Shutdown,
) {
    let js = async_nats::jetstream::new(nats);
    let _running = crate::runner::Running::start(projection.name());
    REDELIVERIES
        .with_label_values(&[projection.name()])
        .inc_by(0);
    let mut backoff = Duration::from_millis(100);
    while !shutdown.is_triggered() {
        let run = async {
            let generation = read_models.active_generation().await?;
            // Start-up: whatever the store has that the read models lack.
            catch_up(
                projection.as_ref(),
                &events,
                &read_models,
                generation,
                BATCH,
            )
            .await?;
            let consumer = consumer(&js, &prefix, projection.name()).await?;
            loop {
                // Wait for one message (up to IDLE), then take what else is
                // there without waiting: a lone event is applied at once, a
                // flood in batches of up to BATCH.
                let mut first = consumer
                    .batch()
                    .max_messages(1)
                    .expires(IDLE)
                    .messages()
                    .await
                    .map_err(|e| anyhow::anyhow!("fetch: {e}"))?;
                let mut messages = Vec::new();
                while let Some(m) = tokio::select! {
                    m = first.next() => m,
                    () = shutdown.wait() => return anyhow::Ok(()),
                } {
                    messages.push(m.map_err(|e| anyhow::anyhow!("message: {e}"))?);
                }
                if !messages.is_empty() {
                    let mut rest = consumer
                        .fetch()
                        .max_messages(BATCH - 1)
                        .messages()
                        .await
                        .map_err(|e| anyhow::anyhow!("fetch: {e}"))?;
                    while let Some(m) = rest.next().await {
                        messages.push(m.map_err(|e| anyhow::anyhow!("message: {e}"))?);
                    }
                }
                if messages.is_empty() {
                    // Idle bus: the store may hold events the bus lost.
                    catch_up(
                        projection.as_ref(),
                        &events,
                        &read_models,
                        generation,
                        BATCH,
                    )
                    .await?;
                    crate::runner::record_caught_up(projection.name());
                } else if let Some(last) =
                    handle(projection.as_ref(), &events, &read_models, messages).await?
                {
                    crate::runner::record_lag(projection.name(), &events, &last).await;
                }
                if read_models.active_generation().await? != generation {
                    return Ok(());
                }
            }
        };
        match run.await {
            Ok(()) => backoff = Duration::from_millis(100),
            Err(e) => {
                tracing::warn!(projection = projection.name(), error = %format!("{e:#}"), "projection consumer failed; resuming");
                tokio::select! {
                    () = tokio::time::sleep(backoff) => {}
                    () = shutdown.wait() => return,
                }
                backoff = (backoff * 2).min(Duration::from_secs(5));
            }
        }
    }
}
