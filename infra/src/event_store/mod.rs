//! The event store port: append to streams with optimistic concurrency and
//! idempotency keys, read a stream, read the global log in a gap-safe order,
//! and follow the log (catch-up subscription). Adapters: PostgreSQL
//! ([`postgres::PostgresEventStore`]) and embedded SQLite ([`sqlite::SqliteEventStore`]).

pub mod postgres;
pub mod sqlite;
mod subscription;

pub use events::{
    Actor, EnvelopeError, EventMetadata, ExpectedVersion, LogPosition, NewEvent, RecordedEvent,
    StreamRef,
};
pub use subscription::{Subscription, READ_GAP};

use std::sync::Arc;
use std::time::Duration;
use tokio::sync::watch;

/// Most events accepted in one append.
pub const MAX_EVENTS_PER_APPEND: usize = 10_000;

/// What an append stored (or, for a repeated idempotency key, what the first append stored).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AppendResult {
    /// Stream version of the first event appended.
    pub first_version: u64,
    /// Stream version of the last event appended: the next `ExpectedVersion::Exact`.
    pub last_version: u64,
    /// Global position of the first event appended.
    pub first_position: u64,
    /// Log position of the last event appended.
    pub last_position: LogPosition,
    /// True when the idempotency key had been used: nothing new was stored.
    pub deduplicated: bool,
}

/// Why the store refused or failed an operation.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The input is not acceptable; nothing was written.
    #[error("invalid input: {0}")]
    Invalid(#[from] EnvelopeError),
    /// The stream is not at the expected version; nothing was written.
    #[error("stream {stream} is at version {actual:?}, expected {expected:?}")]
    WrongExpectedVersion {
        /// The stream appended to.
        stream: StreamRef,
        /// What the writer expected.
        expected: ExpectedVersion,
        /// The stream's version now (`None`: the stream does not exist).
        actual: Option<u64>,
    },
    /// The idempotency key was used before for another stream; nothing was written.
    #[error("idempotency key {key:?} was already used for stream {first_stream}")]
    IdempotencyKeyReused {
        /// The key.
        key: String,
        /// The stream the key was first used for.
        first_stream: StreamRef,
    },
    /// The store cannot be reached (connection refused, pool timeout, I/O).
    #[error("event store unavailable: {0}")]
    Unavailable(#[source] anyhow::Error),
    /// Any other failure of the storage engine.
    #[error("event store failure: {0}")]
    Backend(#[source] anyhow::Error),
}

/// The event store port. Every adapter passes the contract suite in `infra/tests/`.
#[async_trait::async_trait]
pub trait EventStore: Send + Sync + 'static {
    /// Appends `events` to `stream` atomically, checking `expected` and the
    /// metadata's idempotency key.
    ///
    /// # Errors
    /// [`StoreError::Invalid`] for bad input, [`StoreError::WrongExpectedVersion`]
    /// on a concurrency conflict, [`StoreError::IdempotencyKeyReused`] when the
    /// key belongs to another stream; in each case nothing is written.
    async fn append(
        &self,
        stream: &StreamRef,
        expected: ExpectedVersion,
        events: Vec<NewEvent>,
        metadata: &EventMetadata,
    ) -> Result<AppendResult, StoreError>;

    /// Reads up to `limit` events of `stream` whose version is at least `from_version`, in version order.
    ///
    /// # Errors
    /// [`StoreError::Invalid`] for a bad stream reference; store failures.
    async fn read_stream(
        &self,
        stream: &StreamRef,
        from_version: u64,
        limit: usize,
    ) -> Result<Vec<RecordedEvent>, StoreError>;

    /// Reads up to `limit` events of the global log after `after`, in log
    /// order. Never returns an event while an event before it in log order may
    /// still commit: a reader that continues from the last event it got never
    /// skips one.
    ///
    /// # Errors
    /// Store failures.
    async fn read_all(
        &self,
        after: LogPosition,
        limit: usize,
    ) -> Result<Vec<RecordedEvent>, StoreError>;

    /// The log position of the last event a reader can see now, `None` when the log is empty.
    ///
    /// # Errors
    /// Store failures.
    async fn head(&self) -> Result<Option<LogPosition>, StoreError>;

    /// Whether an event was committed at this position (a position a command's
    /// answer gave; one that is not is beyond the log, or none of its).
    ///
    /// # Errors
    /// Store failures.
    async fn contains(&self, position: LogPosition) -> Result<bool, StoreError>;

    /// The current version of a stream, `None` when it does not exist.
    ///
    /// # Errors
    /// [`StoreError::Invalid`] for a bad stream reference; store failures.
    async fn stream_version(&self, stream: &StreamRef) -> Result<Option<u64>, StoreError>;

    /// What the append with this idempotency key stored, if it was made:
    /// lets a command be answered with its first result before it is decided again.
    ///
    /// # Errors
    /// Store failures.
    async fn idempotency_result(
        &self,
        key: &str,
    ) -> Result<Option<(StreamRef, AppendResult)>, StoreError>;

    /// A signal that changes whenever events may have been appended (by this
    /// process at once; by others through the adapter's notification channel).
    fn appended(&self) -> watch::Receiver<u64>;

    /// Checks that the store answers.
    ///
    /// # Errors
    /// [`StoreError::Unavailable`] when it does not.
    async fn ping(&self) -> Result<(), StoreError>;
}

/// A shared handle to any event store.
pub type DynEventStore = Arc<dyn EventStore>;

/// Follows the global log from `after`: see [`Subscription`].
pub fn subscribe(
    store: DynEventStore,
    after: LogPosition,
    batch_size: usize,
    poll_interval: Duration,
) -> Subscription {
    Subscription::new(store, after, batch_size, poll_interval)
}

/// Checks everything an append gets before any adapter touches storage.
///
/// # Errors
/// [`StoreError::Invalid`] naming the offending field.
pub(crate) fn validate_append(
    stream: &StreamRef,
    events: &[NewEvent],
    metadata: &EventMetadata,
) -> Result<(), StoreError> {
    stream.validate()?;
    metadata.validate()?;
    if events.is_empty() {
        return Err(EnvelopeError {
            field: "events",
            reason: "must hold at least one event".into(),
        }
        .into());
    }
    if events.len() > MAX_EVENTS_PER_APPEND {
        return Err(EnvelopeError {
            field: "events",
            reason: format!("must hold at most {MAX_EVENTS_PER_APPEND} events"),
        }
        .into());
    }
    let mut ids = std::collections::HashSet::with_capacity(events.len());
    for event in events {
        event.validate()?;
        if !ids.insert(event.event_id) {
            return Err(EnvelopeError {
                field: "event_id",
                reason: format!("{} appears twice in one append", event.event_id),
            }
            .into());
        }
    }
    Ok(())
}

/// Truncates a time to whole microseconds, the precision both stores keep.
pub(crate) fn to_micros(t: time::OffsetDateTime) -> time::OffsetDateTime {
    let nanos = t.nanosecond();
    t.replace_nanosecond(nanos - nanos % 1_000)
        .unwrap_or(t)
        .to_offset(time::UtcOffset::UTC)
}
