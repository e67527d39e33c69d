//! The outbox of messages: every decided notification waits here until the
//! SMTP server accepted it, failed for good or was suppressed. The sender
//! fills it from the log (the `NotificationDecided` events after its
//! checkpoint, in the same transaction as the checkpoint) and works it:
//! claims due messages for a lease (so that two senders never hold the same
//! one), and records each outcome; a failed attempt comes back after a
//! growing pause. Adapters: PostgreSQL and embedded SQLite, one contract
//! suite in `infra/tests/mail_outbox_contract.rs`.

pub mod postgres;
pub mod sqlite;

use events::LogPosition;
use std::time::Duration;
use time::OffsetDateTime;
use uuid::Uuid;

/// A message claimed for sending.
#[derive(Debug, Clone, PartialEq)]
pub struct Queued {
    /// The notification's id (its stream id).
    pub notification_id: Uuid,
    /// The decision (the `NotificationDecided` payload).
    pub decision: serde_json::Value,
    /// Attempts made before this one.
    pub attempts: u32,
    /// When it was decided.
    pub decided_at: OffsetDateTime,
}

/// A message given up on, for administrators.
#[derive(Debug, Clone, PartialEq)]
pub struct Failure {
    /// The notification.
    pub notification_id: Uuid,
    /// The decision.
    pub decision: serde_json::Value,
    /// Attempts made.
    pub attempts: u32,
    /// The last error.
    pub error: String,
    /// When it was given up on.
    pub at: OffsetDateTime,
}

/// What is in the outbox.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Counts {
    /// Waiting (due or after a failed attempt).
    pub pending: u64,
    /// Delivered.
    pub sent: u64,
    /// Given up on.
    pub failed: u64,
    /// Not sent.
    pub suppressed: u64,
}

/// How a message left the outbox.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Settled {
    /// Delivered.
    Sent,
    /// Given up on.
    Failed,
    /// Not sent.
    Suppressed,
}

impl Settled {
    fn code(self) -> &'static str {
        match self {
            Self::Sent => "sent",
            Self::Failed => "failed",
            Self::Suppressed => "suppressed",
        }
    }
}

/// The outbox port.
#[async_trait::async_trait]
pub trait MailOutbox: Send + Sync + 'static {
    /// The log position up to which decisions are in the outbox.
    async fn checkpoint(&self) -> anyhow::Result<LogPosition>;

    /// Adds the decided messages (a message already in the outbox stays as
    /// it is), settles those the log says were settled (by another sender),
    /// and moves the checkpoint, in one transaction.
    async fn enqueue(
        &self,
        decided: Vec<(Uuid, serde_json::Value, OffsetDateTime)>,
        settled: Vec<(Uuid, Settled)>,
        checkpoint: LogPosition,
    ) -> anyhow::Result<()>;

    /// Claims up to `limit` due messages for `lease` (no other claim gets them meanwhile).
    async fn claim(
        &self,
        now: OffsetDateTime,
        lease: Duration,
        limit: usize,
    ) -> anyhow::Result<Vec<Queued>>;

    /// Records how a message left the outbox.
    async fn settle(
        &self,
        id: Uuid,
        how: Settled,
        attempts: u32,
        error: Option<String>,
        now: OffsetDateTime,
    ) -> anyhow::Result<()>;

    /// Puts a message back after a failed attempt, due again at `retry_at`.
    async fn retry(
        &self,
        id: Uuid,
        attempts: u32,
        error: String,
        retry_at: OffsetDateTime,
    ) -> anyhow::Result<()>;

    /// The messages given up on, latest first.
    async fn failures(&self, limit: usize) -> anyhow::Result<Vec<Failure>>;

    /// How many messages are in each state.
    async fn counts(&self) -> anyhow::Result<Counts>;

    /// The messages for a recipient, named by the decision's `recipient.to`
    /// and the value of its id field (an erasure forgets their copies).
    async fn for_recipient(&self, to: &str, field: &str, id: &str) -> anyhow::Result<Vec<Uuid>>;
}

/// A shared handle to any outbox.
pub type DynMailOutbox = std::sync::Arc<dyn MailOutbox>;

/// The pause before attempt `attempts + 1`: `first` (30 s by default) doubling, at most an hour.
pub fn backoff(first: Duration, attempts: u32) -> Duration {
    (first * (1u32 << attempts.min(12))).min(Duration::from_secs(3_600).max(first))
}

fn micros(t: OffsetDateTime) -> i64 {
    (t.unix_timestamp_nanos() / 1_000) as i64
}

fn from_micros(us: i64) -> OffsetDateTime {
    OffsetDateTime::from_unix_timestamp_nanos(i128::from(us) * 1_000)
        .unwrap_or(OffsetDateTime::UNIX_EPOCH)
}
