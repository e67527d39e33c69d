//! The embedded event store: SQLite in WAL mode with full fsync, one writer
//! thread that commits the appends waiting together (group commit) and a few
//! reader connections. SQLite commits one writer at a time, so the global log
//! order is commit order and no reader can skip an event.

use super::{
    to_micros, validate_append, AppendResult, EventMetadata, EventStore, ExpectedVersion,
    LogPosition, NewEvent, RecordedEvent, StoreError, StreamRef,
};
use crate::metrics;
use anyhow::Context;
use rusqlite::{params, Connection, OptionalExtension, TransactionBehavior};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Instant;
use time::OffsetDateTime;
use tokio::sync::{oneshot, watch};
use uuid::Uuid;

const SCHEMA_VERSION: i64 = 1;

/// Reader connections (WAL lets them read while the writer writes).
const READERS: usize = 4;
const SCHEMA: &str = include_str!("sql/sqlite_0001_events.sql");

const SELECT_COLUMNS: &str = "global_position, transaction_id, event_id, stream_type, stream_id, \
    stream_version, event_type, schema_version, occurred_at, recorded_at, actor_id, actor_role, \
    correlation_id, causation_id, idempotency_key, payload";

/// The event store in an embedded SQLite file.
pub struct SqliteEventStore {
    writer: Mutex<std::sync::mpsc::Sender<AppendRequest>>,
    readers: Arc<Vec<Mutex<Connection>>>,
    next_reader: std::sync::atomic::AtomicUsize,
    signal: watch::Sender<u64>,
    path: PathBuf,
}

/// Opens a connection: every commit fsynced, so a crash or power loss loses no accepted append.
fn open(path: &Path) -> anyhow::Result<Connection> {
    crate::sqlite::open(path, crate::sqlite::Durability::Full)
}

impl SqliteEventStore {
    /// Opens (creating when missing) the store in the file `path`, creating its folder.
    ///
    /// # Errors
    /// When the file cannot be created or opened, or is not an event store of this version.
    pub fn open(path: impl AsRef<Path>) -> anyhow::Result<Self> {
        let path = path.as_ref().to_path_buf();
        let writer = open(&path)?;
        let version: i64 = writer.pragma_query_value(None, "user_version", |r| r.get(0))?;
        anyhow::ensure!(
            version <= SCHEMA_VERSION,
            "{} was written by a newer version (schema {version})",
            path.display()
        );
        if version < SCHEMA_VERSION {
            writer.execute_batch(&format!(
                "BEGIN IMMEDIATE; {SCHEMA} PRAGMA user_version = {SCHEMA_VERSION}; COMMIT;"
            ))?;
        }
        let readers = (0..READERS)
            .map(|_| open(&path).map(Mutex::new))
            .collect::<Result<Vec<_>, _>>()?;
        let (signal, _) = watch::channel(0);
        let (requests, queue) = std::sync::mpsc::channel();
        std::thread::Builder::new()
            .name("sqlite-writer".into())
            .spawn(move || writer_loop(writer, queue))
            .context("cannot start the writer thread")?;
        Ok(Self {
            writer: Mutex::new(requests),
            readers: Arc::new(readers),
            next_reader: std::sync::atomic::AtomicUsize::new(0),
            signal,
            path,
        })
    }

    /// The file the store lives in.
    pub fn path(&self) -> &Path {
        &self.path
    }

    async fn with_reader<T: Send + 'static>(
        &self,
        f: impl FnOnce(&Connection) -> Result<T, StoreError> + Send + 'static,
    ) -> Result<T, StoreError> {
        let readers = self.readers.clone();
        let start = self
            .next_reader
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        tokio::task::spawn_blocking(move || {
            // A free connection if there is one, else wait for the next in turn.
            let n = readers.len();
            let conn = (0..n)
                .find_map(|i| readers[(start + i) % n].try_lock().ok())
                .unwrap_or_else(|| readers[start % n].lock().unwrap_or_else(|p| p.into_inner()));
            f(&conn)
        })
        .await
        .map_err(|e| StoreError::Backend(e.into()))?
    }
}

fn backend(e: rusqlite::Error) -> StoreError {
    StoreError::Backend(e.into())
}

fn micros(t: OffsetDateTime) -> i64 {
    (t.unix_timestamp_nanos() / 1_000) as i64
}

fn from_micros(us: i64) -> OffsetDateTime {
    OffsetDateTime::from_unix_timestamp_nanos(i128::from(us) * 1_000)
        .unwrap_or(OffsetDateTime::UNIX_EPOCH)
}

fn uuid_col(row: &rusqlite::Row<'_>, i: usize) -> rusqlite::Result<Uuid> {
    let bytes: Vec<u8> = row.get(i)?;
    Uuid::from_slice(&bytes).map_err(|e| {
        rusqlite::Error::FromSqlConversionFailure(i, rusqlite::types::Type::Blob, Box::new(e))
    })
}

fn row_to_event(row: &rusqlite::Row<'_>) -> rusqlite::Result<RecordedEvent> {
    let payload: String = row.get(15)?;
    let causation: Option<Vec<u8>> = row.get(13)?;
    Ok(RecordedEvent {
        global_position: row.get::<_, i64>(0)? as u64,
        transaction_id: row.get::<_, i64>(1)? as u64,
        event_id: uuid_col(row, 2)?,
        stream: StreamRef {
            stream_type: row.get(3)?,
            stream_id: row.get(4)?,
        },
        stream_version: row.get::<_, i64>(5)? as u64,
        event_type: row.get(6)?,
        schema_version: row.get::<_, i64>(7)? as u32,
        occurred_at: from_micros(row.get(8)?),
        recorded_at: from_micros(row.get(9)?),
        actor: events::Actor {
            account_id: row.get(10)?,
            role: row.get(11)?,
        },
        correlation_id: uuid_col(row, 12)?,
        causation_id: causation.and_then(|b| Uuid::from_slice(&b).ok()),
        idempotency_key: row.get(14)?,
        payload: serde_json::from_str(&payload).map_err(|e| {
            rusqlite::Error::FromSqlConversionFailure(15, rusqlite::types::Type::Text, Box::new(e))
        })?,
    })
}

fn to_i64(v: u64) -> i64 {
    i64::try_from(v).unwrap_or(i64::MAX)
}

/// The first result of the append with `key`, if any.
fn idempotency_lookup(
    conn: &Connection,
    key: &str,
) -> Result<Option<(StreamRef, AppendResult)>, StoreError> {
    conn.query_row(
        "SELECT stream_type, stream_id, first_version, last_version, first_position, \
         last_position, transaction_id FROM idempotency_keys WHERE key = ?1",
        [key],
        |r| {
            Ok((
                StreamRef::new(r.get::<_, String>(0)?, r.get::<_, String>(1)?),
                AppendResult {
                    first_version: r.get::<_, i64>(2)? as u64,
                    last_version: r.get::<_, i64>(3)? as u64,
                    first_position: r.get::<_, i64>(4)? as u64,
                    last_position: LogPosition {
                        transaction_id: r.get::<_, i64>(6)? as u64,
                        global_position: r.get::<_, i64>(5)? as u64,
                    },
                    deduplicated: true,
                },
            ))
        },
    )
    .optional()
    .map_err(backend)
}

/// One append, inside the group's transaction (in a savepoint of its own).
fn append_in(
    tx: &Connection,
    stream: &StreamRef,
    expected: ExpectedVersion,
    events: &[NewEvent],
    metadata: &EventMetadata,
) -> Result<AppendResult, StoreError> {
    if let Some(key) = &metadata.idempotency_key {
        let first = idempotency_lookup(tx, key)?;
        if let Some((first_stream, result)) = first {
            if &first_stream != stream {
                return Err(StoreError::IdempotencyKeyReused {
                    key: key.clone(),
                    first_stream,
                });
            }
            return Ok(result);
        }
    }
    let current: Option<u64> = tx
        .query_row(
            "SELECT version FROM streams WHERE stream_type = ?1 AND stream_id = ?2",
            params![stream.stream_type, stream.stream_id],
            |r| r.get::<_, i64>(0),
        )
        .optional()
        .map_err(backend)?
        .map(|v| v as u64);
    let ok = match expected {
        ExpectedVersion::Any => true,
        ExpectedVersion::NoStream | ExpectedVersion::Exact(0) => current.is_none(),
        ExpectedVersion::Exact(n) => current == Some(n),
    };
    if !ok {
        return Err(StoreError::WrongExpectedVersion {
            stream: stream.clone(),
            expected,
            actual: current,
        });
    }
    let base = current.unwrap_or(0);
    let n = events.len() as u64;
    let transaction_id: i64 = tx
        .query_row(
            "SELECT coalesce(max(transaction_id), 0) + 1 FROM events",
            [],
            |r| r.get(0),
        )
        .map_err(backend)?;
    let recorded_at = micros(OffsetDateTime::now_utc());
    let (mut first_position, mut last_position) = (0i64, 0i64);
    {
        let mut insert = tx
            .prepare_cached(
                "INSERT INTO events (transaction_id, event_id, stream_type, stream_id, \
                 stream_version, event_type, schema_version, occurred_at, recorded_at, actor_id, \
                 actor_role, correlation_id, causation_id, idempotency_key, payload) \
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15)",
            )
            .map_err(backend)?;
        for (i, e) in events.iter().enumerate() {
            let result = insert.execute(params![
                transaction_id,
                e.event_id.as_bytes().as_slice(),
                stream.stream_type,
                stream.stream_id,
                to_i64(base + 1 + i as u64),
                e.event_type,
                i64::from(e.schema_version),
                micros(to_micros(e.occurred_at)),
                recorded_at,
                metadata.actor.account_id,
                metadata.actor.role,
                metadata.correlation_id.as_bytes().as_slice(),
                metadata
                    .causation_id
                    .as_ref()
                    .map(|c| c.as_bytes().to_vec()),
                metadata.idempotency_key,
                e.payload.to_string(),
            ]);
            if let Err(err) = result {
                return Err(match err.sqlite_error_code() {
                    Some(rusqlite::ErrorCode::ConstraintViolation) => {
                        StoreError::Invalid(events::EnvelopeError {
                            field: "event_id",
                            reason: format!("{} is already stored", e.event_id),
                        })
                    }
                    _ => backend(err),
                });
            }
            last_position = tx.last_insert_rowid();
            if i == 0 {
                first_position = last_position;
            }
        }
    }
    tx.execute(
        "INSERT INTO streams (stream_type, stream_id, version) VALUES (?1, ?2, ?3) \
         ON CONFLICT (stream_type, stream_id) DO UPDATE SET version = excluded.version",
        params![stream.stream_type, stream.stream_id, to_i64(base + n)],
    )
    .map_err(backend)?;
    let result = AppendResult {
        first_version: base + 1,
        last_version: base + n,
        first_position: first_position as u64,
        last_position: LogPosition {
            transaction_id: transaction_id as u64,
            global_position: last_position as u64,
        },
        deduplicated: false,
    };
    if let Some(key) = &metadata.idempotency_key {
        tx.execute(
            "INSERT INTO idempotency_keys (key, stream_type, stream_id, first_version, \
             last_version, first_position, last_position, transaction_id) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
            params![
                key,
                stream.stream_type,
                stream.stream_id,
                to_i64(result.first_version),
                to_i64(result.last_version),
                first_position,
                last_position,
                transaction_id
            ],
        )
        .map_err(backend)?;
    }
    Ok(result)
}

/// An append waiting for the writer thread.
struct AppendRequest {
    stream: StreamRef,
    expected: ExpectedVersion,
    events: Vec<NewEvent>,
    metadata: EventMetadata,
    reply: oneshot::Sender<Result<AppendResult, StoreError>>,
}

/// Most appends committed together.
const MAX_GROUP: usize = 256;

/// The writer thread: takes every append waiting, runs each in a savepoint of
/// one IMMEDIATE transaction and commits them with one fsync (group commit).
/// A refused append rolls back its savepoint only.
fn writer_loop(mut conn: Connection, requests: std::sync::mpsc::Receiver<AppendRequest>) {
    while let Ok(first) = requests.recv() {
        let mut group = vec![first];
        while group.len() < MAX_GROUP {
            match requests.try_recv() {
                Ok(next) => group.push(next),
                Err(_) => break,
            }
        }
        let results = commit_group(&mut conn, &group);
        for (request, result) in group.into_iter().zip(results) {
            // The caller may have gone away; its append stands.
            let _ = request.reply.send(result);
        }
    }
}

fn commit_group(
    conn: &mut Connection,
    group: &[AppendRequest],
) -> Vec<Result<AppendResult, StoreError>> {
    let failed_all = |e: &rusqlite::Error| {
        group
            .iter()
            .map(|_| Err(StoreError::Backend(anyhow::anyhow!("{e}"))))
            .collect()
    };
    let mut tx = match conn.transaction_with_behavior(TransactionBehavior::Immediate) {
        Ok(tx) => tx,
        Err(e) => return failed_all(&e),
    };
    let mut results = Vec::with_capacity(group.len());
    for r in group {
        let result = match tx.savepoint() {
            Ok(mut sp) => {
                sp.set_drop_behavior(rusqlite::DropBehavior::Rollback);
                match append_in(&sp, &r.stream, r.expected, &r.events, &r.metadata) {
                    Ok(done) => sp.commit().map(|()| done).map_err(backend),
                    Err(e) => Err(e),
                }
            }
            Err(e) => Err(backend(e)),
        };
        results.push(result);
    }
    match tx.commit() {
        Ok(()) => results,
        Err(e) => failed_all(&e),
    }
}

#[async_trait::async_trait]
impl EventStore for SqliteEventStore {
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
        let n = events.len();
        let (reply, result) = oneshot::channel();
        let request = AppendRequest {
            stream: stream.clone(),
            expected,
            events,
            metadata: metadata.clone(),
            reply,
        };
        self.writer
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .send(request)
            .map_err(|_| {
                StoreError::Unavailable(anyhow::anyhow!("the writer thread has stopped"))
            })?;
        let result = result.await.map_err(|_| {
            StoreError::Unavailable(anyhow::anyhow!("the writer thread has stopped"))
        })??;
        metrics::observe_append("sqlite", started.elapsed(), n);
        if !result.deduplicated {
            self.signal.send_modify(|v| *v = v.wrapping_add(1));
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
        let stream = stream.clone();
        self.with_reader(move |conn| {
            let mut stmt = conn
                .prepare_cached(&format!(
                    "SELECT {SELECT_COLUMNS} FROM events WHERE stream_type = ?1 AND stream_id = ?2 \
                     AND stream_version >= ?3 ORDER BY stream_version LIMIT ?4"
                ))
                .map_err(backend)?;
            let rows = stmt
                .query_map(
                    params![
                        stream.stream_type,
                        stream.stream_id,
                        to_i64(from_version),
                        to_i64(limit as u64)
                    ],
                    row_to_event,
                )
                .map_err(backend)?;
            rows.collect::<Result<Vec<_>, _>>().map_err(backend)
        })
        .await
    }

    async fn read_all(
        &self,
        after: LogPosition,
        limit: usize,
    ) -> Result<Vec<RecordedEvent>, StoreError> {
        self.with_reader(move |conn| {
            let mut stmt = conn
                .prepare_cached(&format!(
                    "SELECT {SELECT_COLUMNS} FROM events \
                     WHERE (transaction_id, global_position) > (?1, ?2) \
                     ORDER BY transaction_id, global_position LIMIT ?3"
                ))
                .map_err(backend)?;
            let rows = stmt
                .query_map(
                    params![
                        to_i64(after.transaction_id),
                        to_i64(after.global_position),
                        to_i64(limit as u64)
                    ],
                    row_to_event,
                )
                .map_err(backend)?;
            rows.collect::<Result<Vec<_>, _>>().map_err(backend)
        })
        .await
    }

    async fn contains(&self, position: LogPosition) -> Result<bool, StoreError> {
        let (tx, pos) = (
            i64::try_from(position.transaction_id).unwrap_or(i64::MAX),
            i64::try_from(position.global_position).unwrap_or(i64::MAX),
        );
        self.with_reader(move |conn| {
            conn.query_row(
                "SELECT EXISTS (SELECT 1 FROM events WHERE transaction_id = ?1 AND global_position = ?2)",
                [tx, pos],
                |r| r.get(0),
            )
            .map_err(backend)
        })
        .await
    }

    async fn head(&self) -> Result<Option<LogPosition>, StoreError> {
        self.with_reader(|conn| {
            conn.query_row(
                "SELECT transaction_id, global_position FROM events \
                 ORDER BY transaction_id DESC, global_position DESC LIMIT 1",
                [],
                |r| {
                    Ok(LogPosition {
                        transaction_id: r.get::<_, i64>(0)? as u64,
                        global_position: r.get::<_, i64>(1)? as u64,
                    })
                },
            )
            .optional()
            .map_err(backend)
        })
        .await
    }

    async fn stream_version(&self, stream: &StreamRef) -> Result<Option<u64>, StoreError> {
        stream.validate()?;
        let stream = stream.clone();
        self.with_reader(move |conn| {
            conn.query_row(
                "SELECT version FROM streams WHERE stream_type = ?1 AND stream_id = ?2",
                params![stream.stream_type, stream.stream_id],
                |r| r.get::<_, i64>(0),
            )
            .optional()
            .map(|v| v.map(|v| v as u64))
            .map_err(backend)
        })
        .await
    }

    async fn idempotency_result(
        &self,
        key: &str,
    ) -> Result<Option<(StreamRef, AppendResult)>, StoreError> {
        let key = key.to_string();
        self.with_reader(move |conn| idempotency_lookup(conn, &key))
            .await
    }

    fn appended(&self) -> watch::Receiver<u64> {
        self.signal.subscribe()
    }

    async fn ping(&self) -> Result<(), StoreError> {
        self.with_reader(|conn| {
            conn.query_row("SELECT 1", [], |_| Ok(()))
                .map_err(|e| StoreError::Unavailable(e.into()))
        })
        .await
    }
}
