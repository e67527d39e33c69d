//! The PostgreSQL event store: one round trip per append (the `append_events`
//! function), gap-safe reads of the global log ordered by (transaction id,
//! position) below `pg_snapshot_xmin`, and LISTEN/NOTIFY wake-ups with
//! coalesced notifications sent off the append path.

use super::{
    to_micros, validate_append, AppendResult, EventMetadata, EventStore, ExpectedVersion,
    LogPosition, NewEvent, RecordedEvent, StoreError, StreamRef,
};
use crate::metrics;
use crate::postgres::{connect, migrate, Migration, PgSettings};
use anyhow::Context;
use deadpool_postgres::Pool;
use std::str::FromStr;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::sync::{watch, Notify};
use tokio_postgres::error::SqlState;
use tokio_postgres::{AsyncMessage, NoTls, Row};

const MIGRATIONS: &[Migration] = &[Migration {
    version: 1,
    name: "events",
    sql: include_str!("sql/0001_events.sql"),
}];

/// The least time between two notifications to other processes (their
/// readers also poll, and readers in this process are woken at once).
const NOTIFY_INTERVAL: Duration = Duration::from_millis(10);

const SELECT_COLUMNS: &str = "global_position, transaction_id, event_id, stream_type, stream_id, \
    stream_version, event_type, schema_version, occurred_at, recorded_at, actor_id, actor_role, \
    correlation_id, causation_id, idempotency_key, payload";

/// The event store on PostgreSQL.
pub struct PostgresEventStore {
    pool: Pool,
    signal: watch::Sender<u64>,
    notify_peers: Arc<Notify>,
    tasks: Vec<tokio::task::JoinHandle<()>>,
}

impl PostgresEventStore {
    /// Connects, applies the migrations and starts the notification tasks.
    ///
    /// # Errors
    /// When PostgreSQL cannot be reached or a migration fails.
    pub async fn connect(settings: &PgSettings) -> anyhow::Result<Self> {
        let pool = connect(settings).await?;
        migrate(&pool, "event_store", MIGRATIONS).await?;
        let (signal, _) = watch::channel(0u64);
        let notify_peers = Arc::new(Notify::new());
        let channel = format!("events_appended_{}", settings.schema);
        let tasks = vec![
            tokio::spawn(listen(settings.clone(), channel.clone(), signal.clone())),
            tokio::spawn(notify(pool.clone(), channel, notify_peers.clone())),
        ];
        Ok(Self {
            pool,
            signal,
            notify_peers,
            tasks,
        })
    }

    /// The pool, for adapters that keep other tables beside the log.
    pub fn pool(&self) -> &Pool {
        &self.pool
    }

    async fn client(&self) -> Result<deadpool_postgres::Object, StoreError> {
        self.pool
            .get()
            .await
            .map_err(|e| StoreError::Unavailable(anyhow::Error::new(e)))
    }
}

impl Drop for PostgresEventStore {
    fn drop(&mut self) {
        for task in &self.tasks {
            task.abort();
        }
    }
}

fn backend(e: tokio_postgres::Error) -> StoreError {
    if e.as_db_error().is_none() {
        StoreError::Unavailable(e.into())
    } else {
        StoreError::Backend(e.into())
    }
}

fn row_to_event(row: &Row) -> RecordedEvent {
    RecordedEvent {
        global_position: row.get::<_, i64>(0) as u64,
        transaction_id: row.get::<_, i64>(1) as u64,
        event_id: row.get(2),
        stream: StreamRef {
            stream_type: row.get(3),
            stream_id: row.get(4),
        },
        stream_version: row.get::<_, i64>(5) as u64,
        event_type: row.get(6),
        schema_version: row.get::<_, i32>(7) as u32,
        occurred_at: row.get(8),
        recorded_at: row.get(9),
        actor: events::Actor {
            account_id: row.get(10),
            role: row.get(11),
        },
        correlation_id: row.get(12),
        causation_id: row.get(13),
        idempotency_key: row.get(14),
        payload: row.get(15),
    }
}

/// The stream's version, on a connection the caller already holds.
async fn version_of(
    client: &deadpool_postgres::Object,
    stream: &StreamRef,
) -> Result<Option<u64>, StoreError> {
    let row = client
        .query_opt(
            "SELECT version FROM streams WHERE stream_type = $1 AND stream_id = $2",
            &[&stream.stream_type, &stream.stream_id],
        )
        .await
        .map_err(backend)?;
    Ok(row.map(|r| r.get::<_, i64>(0) as u64))
}

fn to_i64(v: u64, field: &'static str) -> Result<i64, StoreError> {
    i64::try_from(v).map_err(|_| {
        StoreError::Invalid(events::EnvelopeError {
            field,
            reason: "is too large".into(),
        })
    })
}

#[async_trait::async_trait]
impl EventStore for PostgresEventStore {
    #[tracing::instrument(skip_all, fields(stream = %stream, events = events.len()))]
    async fn append(
        &self,
        stream: &StreamRef,
        expected: ExpectedVersion,
        events: Vec<NewEvent>,
        metadata: &EventMetadata,
    ) -> Result<AppendResult, StoreError> {
        validate_append(stream, &events, metadata)?;
        let started = Instant::now();
        let expected_arg: i64 = match expected {
            ExpectedVersion::Any => -1,
            ExpectedVersion::NoStream => 0,
            ExpectedVersion::Exact(n) => to_i64(n, "expected_version")?,
        };
        let n = events.len();
        let (mut ids, mut types, mut versions, mut times, mut payloads) = (
            Vec::with_capacity(n),
            Vec::with_capacity(n),
            Vec::with_capacity(n),
            Vec::with_capacity(n),
            Vec::with_capacity(n),
        );
        for e in events {
            ids.push(e.event_id);
            types.push(e.event_type);
            versions.push(i32::try_from(e.schema_version).unwrap_or(i32::MAX));
            times.push(to_micros(e.occurred_at));
            payloads.push(e.payload);
        }
        let client = self.client().await?;
        let statement = client
            .prepare_cached(
                "SELECT first_version, last_version, first_position, last_position, \
                 transaction_id, deduplicated FROM append_events($1, $2, $3, $4, $5, $6, $7, $8, \
                 $9, $10, $11, $12, $13)",
            )
            .await
            .map_err(backend)?;
        let result = client
            .query_one(
                &statement,
                &[
                    &stream.stream_type,
                    &stream.stream_id,
                    &expected_arg,
                    &ids,
                    &types,
                    &versions,
                    &times,
                    &payloads,
                    &metadata.actor.account_id,
                    &metadata.actor.role,
                    &metadata.correlation_id,
                    &metadata.causation_id,
                    &metadata.idempotency_key,
                ],
            )
            .await;
        let row = match result {
            Ok(row) => row,
            Err(e) => {
                let code = e.code().map(SqlState::code);
                return Err(match code {
                    Some("ES409") => StoreError::WrongExpectedVersion {
                        stream: stream.clone(),
                        expected,
                        actual: version_of(&client, stream).await?,
                    },
                    Some("ES422") => {
                        let first_stream = e
                            .as_db_error()
                            .and_then(|d| d.detail())
                            .and_then(|d| d.split_once('/'))
                            .map(|(t, i)| StreamRef::new(t, i))
                            .unwrap_or_else(|| StreamRef::new("?", "?"));
                        StoreError::IdempotencyKeyReused {
                            key: metadata.idempotency_key.clone().unwrap_or_default(),
                            first_stream,
                        }
                    }
                    Some("23505") => {
                        let constraint = e.as_db_error().and_then(|d| d.constraint());
                        if constraint == Some("events_event_id_key") {
                            StoreError::Invalid(events::EnvelopeError {
                                field: "event_id",
                                reason: "an event with this id is already stored".into(),
                            })
                        } else {
                            StoreError::WrongExpectedVersion {
                                stream: stream.clone(),
                                expected,
                                actual: version_of(&client, stream).await?,
                            }
                        }
                    }
                    _ => backend(e),
                });
            }
        };
        let result = AppendResult {
            first_version: row.get::<_, i64>(0) as u64,
            last_version: row.get::<_, i64>(1) as u64,
            first_position: row.get::<_, i64>(2) as u64,
            last_position: LogPosition {
                transaction_id: row.get::<_, i64>(4) as u64,
                global_position: row.get::<_, i64>(3) as u64,
            },
            deduplicated: row.get(5),
        };
        metrics::observe_append("postgres", started.elapsed(), n);
        if !result.deduplicated {
            self.signal.send_modify(|v| *v = v.wrapping_add(1));
            self.notify_peers.notify_one();
        }
        Ok(result)
    }

    async fn read_stream(
        &self,
        stream: &StreamRef,
        from_version: u64,
        limit: usize,
    ) -> Result<Vec<RecordedEvent>, StoreError> {
        stream.validate()?;
        let client = self.client().await?;
        let sql = format!(
            "SELECT {SELECT_COLUMNS} FROM events WHERE stream_type = $1 AND stream_id = $2 \
             AND stream_version >= $3 ORDER BY stream_version LIMIT $4"
        );
        let statement = client.prepare_cached(&sql).await.map_err(backend)?;
        let rows = client
            .query(
                &statement,
                &[
                    &stream.stream_type,
                    &stream.stream_id,
                    &to_i64(from_version, "from_version")?,
                    &(limit.min(i64::MAX as usize) as i64),
                ],
            )
            .await
            .map_err(backend)?;
        Ok(rows.iter().map(row_to_event).collect())
    }

    async fn read_all(
        &self,
        after: LogPosition,
        limit: usize,
    ) -> Result<Vec<RecordedEvent>, StoreError> {
        let client = self.client().await?;
        // Only transactions older than the oldest one still running are
        // visible: none of them can commit an event before what we return.
        let sql = format!(
            "SELECT {SELECT_COLUMNS} FROM events \
             WHERE (transaction_id, global_position) > ($1, $2) \
               AND transaction_id < pg_snapshot_xmin(pg_current_snapshot())::text::bigint \
             ORDER BY transaction_id, global_position LIMIT $3"
        );
        let statement = client.prepare_cached(&sql).await.map_err(backend)?;
        let rows = client
            .query(
                &statement,
                &[
                    &to_i64(after.transaction_id, "transaction_id")?,
                    &to_i64(after.global_position, "global_position")?,
                    &(limit.min(i64::MAX as usize) as i64),
                ],
            )
            .await
            .map_err(backend)?;
        Ok(rows.iter().map(row_to_event).collect())
    }

    async fn contains(&self, position: LogPosition) -> Result<bool, StoreError> {
        let (tx, pos) = (
            i64::try_from(position.transaction_id).unwrap_or(i64::MAX),
            i64::try_from(position.global_position).unwrap_or(i64::MAX),
        );
        let client = self.client().await?;
        let row = client
            .query_one(
                "SELECT EXISTS (SELECT 1 FROM events WHERE global_position = $2 AND transaction_id = $1)",
                &[&tx, &pos],
            )
            .await
            .map_err(backend)?;
        Ok(row.get(0))
    }

    async fn head(&self) -> Result<Option<LogPosition>, StoreError> {
        let client = self.client().await?;
        let row = client
            .query_opt(
                "SELECT transaction_id, global_position FROM events \
                 WHERE transaction_id < pg_snapshot_xmin(pg_current_snapshot())::text::bigint \
                 ORDER BY transaction_id DESC, global_position DESC LIMIT 1",
                &[],
            )
            .await
            .map_err(backend)?;
        Ok(row.map(|r| LogPosition {
            transaction_id: r.get::<_, i64>(0) as u64,
            global_position: r.get::<_, i64>(1) as u64,
        }))
    }

    async fn stream_version(&self, stream: &StreamRef) -> Result<Option<u64>, StoreError> {
        stream.validate()?;
        let client = self.client().await?;
        version_of(&client, stream).await
    }

    async fn idempotency_result(
        &self,
        key: &str,
    ) -> Result<Option<(StreamRef, AppendResult)>, StoreError> {
        let client = self.client().await?;
        let row = client
            .query_opt(
                "SELECT stream_type, stream_id, first_version, last_version, first_position, \
                 last_position, transaction_id FROM idempotency_keys \
                 WHERE key = $1 AND first_version IS NOT NULL",
                &[&key],
            )
            .await
            .map_err(backend)?;
        Ok(row.map(|r| {
            (
                StreamRef::new(r.get::<_, String>(0), r.get::<_, String>(1)),
                AppendResult {
                    first_version: r.get::<_, i64>(2) as u64,
                    last_version: r.get::<_, i64>(3) as u64,
                    first_position: r.get::<_, i64>(4) as u64,
                    last_position: LogPosition {
                        transaction_id: r.get::<_, i64>(6) as u64,
                        global_position: r.get::<_, i64>(5) as u64,
                    },
                    deduplicated: true,
                },
            )
        }))
    }

    fn appended(&self) -> watch::Receiver<u64> {
        self.signal.subscribe()
    }

    async fn ping(&self) -> Result<(), StoreError> {
        let client = self.client().await?;
        client.simple_query("SELECT 1").await.map_err(backend)?;
        Ok(())
    }
}

/// Sends a notification to other processes after appends, at most one per
/// [`NOTIFY_INTERVAL`]: NOTIFY takes a database-wide lock at commit and needs a
/// commit of its own, so it stays off the append path and is coalesced.
async fn notify(pool: Pool, channel: String, wake: Arc<Notify>) {
    loop {
        wake.notified().await;
        match pool.get().await {
            Ok(client) => {
                if let Err(e) = client
                    .execute("SELECT pg_notify($1, '')", &[&channel])
                    .await
                {
                    tracing::warn!(error = %e, "cannot send the append notification");
                }
            }
            Err(e) => tracing::warn!(error = %e, "cannot send the append notification"),
        }
        tokio::time::sleep(NOTIFY_INTERVAL).await;
    }
}

/// Listens for append notifications of other processes and turns them into
/// the local signal; reconnects with a back-off. Readers poll as well, so a
/// lost notification only delays them.
async fn listen(settings: PgSettings, channel: String, signal: watch::Sender<u64>) {
    let mut backoff = Duration::from_millis(100);
    loop {
        match listen_once(&settings, &channel, &signal).await {
            Ok(()) => backoff = Duration::from_millis(100),
            Err(e) => tracing::warn!(error = %e, "LISTEN connection lost; readers poll meanwhile"),
        }
        tokio::time::sleep(backoff).await;
        backoff = (backoff * 2).min(Duration::from_secs(5));
    }
}

async fn listen_once(
    settings: &PgSettings,
    channel: &str,
    signal: &watch::Sender<u64>,
) -> anyhow::Result<()> {
    let config = tokio_postgres::Config::from_str(&settings.url)?;
    let (client, mut connection) = config.connect(NoTls).await.context("connect")?;
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    let driver = tokio::spawn(async move {
        let mut messages = futures_util::stream::poll_fn(move |cx| connection.poll_message(cx));
        while let Some(message) = futures_util::StreamExt::next(&mut messages).await {
            match message {
                Ok(AsyncMessage::Notification(_)) => {
                    if tx.send(()).is_err() {
                        break;
                    }
                }
                Ok(_) => {}
                Err(e) => {
                    tracing::warn!(error = %e, "LISTEN connection error");
                    break;
                }
            }
        }
    });
    client
        .batch_execute(&format!("LISTEN {channel}"))
        .await
        .context("LISTEN")?;
    while rx.recv().await.is_some() {
        signal.send_modify(|v| *v = v.wrapping_add(1));
    }
    driver.abort();
    Ok(())
}
