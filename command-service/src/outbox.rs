//! The outbox relay: follows the event log from its checkpoint and publishes
//! every committed event to JetStream in log order, once per event id (the
//! message id), saving the checkpoint after each acknowledged batch. After a
//! crash it resumes from the checkpoint; what it publishes again is dropped by
//! JetStream as a duplicate. Of several command services, one runs the relay
//! (it holds the `outbox_relay` lock, [`infra::leader`]); the others stand by.
//!
//! The checkpoint is saved at most once per [`CHECKPOINT_EVERY`] while events
//! flow, and as soon as they pause: saving it after every small batch was a
//! commit per few events. What a crash makes the relay publish again is far
//! inside JetStream's [`DUPLICATE_WINDOW`].

use deadpool_postgres::Pool;
use infra::bus::{EventPublisher, DUPLICATE_WINDOW};
use infra::event_store::{subscribe, DynEventStore, LogPosition};
use infra::postgres::{migrate, Migration};
use infra::shutdown::Shutdown;
use prometheus::{IntCounter, IntGauge};
use std::sync::LazyLock;
use std::time::{Duration, Instant};

const MIGRATIONS: &[Migration] = &[Migration {
    version: 1,
    name: "outbox_checkpoint",
    sql: "CREATE TABLE outbox_checkpoint (
        relay           text PRIMARY KEY,
        transaction_id  bigint NOT NULL,
        global_position bigint NOT NULL,
        updated_at      timestamptz NOT NULL DEFAULT now())",
}];

const RELAY: &str = "jetstream";
const BATCH: usize = 500;

/// The longest the saved checkpoint trails what was published while events flow.
const CHECKPOINT_EVERY: Duration = Duration::from_millis(250);
const _: () = assert!(CHECKPOINT_EVERY.as_millis() * 100 < DUPLICATE_WINDOW.as_millis());

static PUBLISHED: LazyLock<IntCounter> = LazyLock::new(|| {
    infra::metrics::counter(
        "outbox_published_total",
        "Events published to JetStream by the outbox relay",
    )
});

static BACKLOG: LazyLock<IntGauge> = LazyLock::new(|| {
    infra::metrics::gauge(
        "outbox_backlog_events",
        "Global positions between the log head and the relay's checkpoint",
    )
});

/// The relay's checkpoint table.
///
/// # Errors
/// When the migration fails.
pub async fn prepare(pool: &Pool) -> anyhow::Result<()> {
    migrate(pool, "outbox", MIGRATIONS).await
}

async fn load_checkpoint(pool: &Pool) -> anyhow::Result<LogPosition> {
    let client = pool.get().await?;
    let row = client
        .query_opt(
            "SELECT transaction_id, global_position FROM outbox_checkpoint WHERE relay = $1",
            &[&RELAY],
        )
        .await?;
    Ok(row.map_or(LogPosition::START, |r| LogPosition {
        transaction_id: r.get::<_, i64>(0) as u64,
        global_position: r.get::<_, i64>(1) as u64,
    }))
}

async fn save_checkpoint(pool: &Pool, p: LogPosition) -> anyhow::Result<()> {
    let client = pool.get().await?;
    client
        .execute(
            "INSERT INTO outbox_checkpoint (relay, transaction_id, global_position) VALUES ($1, $2, $3) \
             ON CONFLICT (relay) DO UPDATE SET transaction_id = excluded.transaction_id, \
             global_position = excluded.global_position, updated_at = now() \
             WHERE (outbox_checkpoint.transaction_id, outbox_checkpoint.global_position) \
                 < (excluded.transaction_id, excluded.global_position)",
            &[&RELAY, &(p.transaction_id as i64), &(p.global_position as i64)],
        )
        .await?;
    Ok(())
}

/// One run from the checkpoint until an error or shutdown.
async fn relay_once(
    store: &DynEventStore,
    pool: &Pool,
    publisher: &EventPublisher,
    shutdown: &Shutdown,
) -> anyhow::Result<()> {
    let mut saved = load_checkpoint(pool).await?;
    let mut published = saved;
    let mut saved_at = Instant::now();
    let mut sub = subscribe(store.clone(), saved, BATCH, Duration::from_millis(200));
    loop {
        // Waits for events; once they pause, the checkpoint catches up.
        let wait = if published == saved {
            Duration::MAX
        } else {
            CHECKPOINT_EVERY.saturating_sub(saved_at.elapsed())
        };
        let batch = tokio::select! {
            batch = sub.next_batch_timeout(wait) => batch?,
            () = shutdown.wait() => {
                if published != saved {
                    save_checkpoint(pool, published).await?;
                }
                return Ok(());
            }
        };
        if !batch.is_empty() {
            publisher.publish(&batch, published).await?;
            published = batch.last().map_or(published, |e| e.log_position());
            PUBLISHED.inc_by(batch.len() as u64);
        }
        if published != saved && (batch.is_empty() || saved_at.elapsed() >= CHECKPOINT_EVERY) {
            save_checkpoint(pool, published).await?;
            (saved, saved_at) = (published, Instant::now());
            if let Ok(Some(head)) = store.head().await {
                BACKLOG.set(head.global_position.saturating_sub(saved.global_position) as i64);
            }
        }
    }
}

/// Runs the relay while this instance holds its lock, until `shutdown`.
pub async fn run(
    store: DynEventStore,
    pool: Pool,
    schema: String,
    publisher: EventPublisher,
    shutdown: Shutdown,
) {
    infra::leader::lead(pool.clone(), schema, "outbox_relay", shutdown, |stop| {
        relay(store.clone(), pool.clone(), publisher.clone(), stop)
    })
    .await;
}

/// Relays until `shutdown`, starting again after failures with a back-off;
/// the backlog shows 0 when it stops (the active instance shows the real one).
async fn relay(store: DynEventStore, pool: Pool, publisher: EventPublisher, shutdown: Shutdown) {
    PUBLISHED.inc_by(0);
    relay_until(&store, &pool, &publisher, &shutdown).await;
    BACKLOG.set(0);
}

async fn relay_until(
    store: &DynEventStore,
    pool: &Pool,
    publisher: &EventPublisher,
    shutdown: &Shutdown,
) {
    let mut backoff = Duration::from_millis(100);
    while !shutdown.is_triggered() {
        match relay_once(store, pool, publisher, shutdown).await {
            Ok(()) => return,
            Err(e) => {
                tracing::warn!(error = %format!("{e:#}"), "outbox relay failed; resuming from its checkpoint");
                tokio::select! {
                    () = tokio::time::sleep(backoff) => {}
                    () = shutdown.wait() => return,
                }
                backoff = (backoff * 2).min(Duration::from_secs(5));
            }
        }
    }
}
