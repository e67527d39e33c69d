//! The event envelope (DESIGN.md §2): what is stored with every event, and the
//! validation of what a writer hands to the event store.

use serde::{Deserialize, Serialize};
use serde_json::Value;
use time::OffsetDateTime;
use uuid::Uuid;

/// Longest stream type, stream id, event type, actor field or idempotency key accepted.
pub const MAX_NAME_LEN: usize = 200;

/// A reason why an event or its metadata cannot be stored.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{field}: {reason}")]
pub struct EnvelopeError {
    /// The offending field, as named in the envelope (`stream_id`, `payload`, ...).
    pub field: &'static str,
    /// What is wrong with it, in words a user understands.
    pub reason: String,
}

impl EnvelopeError {
    fn new(field: &'static str, reason: impl Into<String>) -> Self {
        Self {
            field,
            reason: reason.into(),
        }
    }
}

/// Checks a short identifier: not empty, not too long, no control characters.
fn check_name(field: &'static str, value: &str) -> Result<(), EnvelopeError> {
    if value.trim().is_empty() {
        return Err(EnvelopeError::new(field, "must not be empty"));
    }
    if value.len() > MAX_NAME_LEN {
        return Err(EnvelopeError::new(
            field,
            format!("must be at most {MAX_NAME_LEN} bytes long"),
        ));
    }
    if value.chars().any(char::is_control) {
        return Err(EnvelopeError::new(
            field,
            "must not contain control characters",
        ));
    }
    Ok(())
}

/// The identity of a stream: the type of its aggregate and its id within that type.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct StreamRef {
    /// The aggregate type, e.g. `provider`.
    pub stream_type: String,
    /// The id of the aggregate within its type, e.g. a UUID.
    pub stream_id: String,
}

impl StreamRef {
    /// A stream reference; checked when appended or read.
    pub fn new(stream_type: impl Into<String>, stream_id: impl Into<String>) -> Self {
        Self {
            stream_type: stream_type.into(),
            stream_id: stream_id.into(),
        }
    }

    /// Checks both parts.
    ///
    /// # Errors
    /// An [`EnvelopeError`] naming `stream_type` or `stream_id` when one is
    /// empty, longer than [`MAX_NAME_LEN`] or holds control characters.
    pub fn validate(&self) -> Result<(), EnvelopeError> {
        check_name("stream_type", &self.stream_type)?;
        check_name("stream_id", &self.stream_id)
    }
}

impl std::fmt::Display for StreamRef {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}/{}", self.stream_type, self.stream_id)
    }
}

/// What the writer expects the stream's current version to be (optimistic concurrency).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum ExpectedVersion {
    /// Append whatever the current version is.
    Any,
    /// The stream must not exist yet.
    NoStream,
    /// The stream's last event must have exactly this version (the first event has version 1).
    Exact(u64),
}

/// Who did it: the account and the role it acted in.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Actor {
    /// The account id (`system` for the system itself, `anonymous` for the public).
    pub account_id: String,
    /// The role the account acted in, e.g. `administrator`.
    pub role: String,
}

impl Actor {
    /// The system itself (imports, bootstrap, migrations).
    pub fn system() -> Self {
        Self {
            account_id: "system".into(),
            role: "system".into(),
        }
    }
}

/// What is recorded with every event of one append: who, why and the idempotency key.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EventMetadata {
    /// Who caused the events.
    pub actor: Actor,
    /// Groups everything that one user action caused, across services.
    pub correlation_id: Uuid,
    /// The command or event that directly caused these events, when known.
    pub causation_id: Option<Uuid>,
    /// A key chosen by the client: the same key appended twice stores the events once.
    pub idempotency_key: Option<String>,
}

impl EventMetadata {
    /// Metadata for an actor with a fresh correlation id and no idempotency key.
    pub fn new(actor: Actor) -> Self {
        Self {
            actor,
            correlation_id: Uuid::now_v7(),
            causation_id: None,
            idempotency_key: None,
        }
    }

    /// The same metadata with an idempotency key.
    #[must_use]
    pub fn with_idempotency_key(mut self, key: impl Into<String>) -> Self {
        self.idempotency_key = Some(key.into());
        self
    }

    /// Checks the actor and the idempotency key.
    ///
    /// # Errors
    /// An [`EnvelopeError`] naming `actor.account_id`, `actor.role` or `idempotency_key`.
    pub fn validate(&self) -> Result<(), EnvelopeError> {
        check_name("actor.account_id", &self.actor.account_id)?;
        check_name("actor.role", &self.actor.role)?;
        if let Some(key) = &self.idempotency_key {
            check_name("idempotency_key", key)?;
        }
        Ok(())
    }
}

/// An event to be appended: the store adds the position, version and times.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NewEvent {
    /// UUIDv7, chosen by the writer so that retries keep it.
    pub event_id: Uuid,
    /// The event's type, a past-tense name such as `ProviderRegistered`.
    pub event_type: String,
    /// The version of the payload's schema (upcasters lift old versions on read).
    pub schema_version: u32,
    /// When it happened in the domain (may differ from when it was recorded).
    pub occurred_at: OffsetDateTime,
    /// The event's data: a JSON object.
    pub payload: Value,
}

impl NewEvent {
    /// A new event of the given type with a JSON payload, occurring now.
    pub fn new(event_type: impl Into<String>, schema_version: u32, payload: Value) -> Self {
        Self {
            event_id: Uuid::now_v7(),
            event_type: event_type.into(),
            schema_version,
            occurred_at: OffsetDateTime::now_utc(),
            payload,
        }
    }

    /// A new event whose payload is given as JSON text.
    ///
    /// # Errors
    /// An [`EnvelopeError`] naming `payload` when the text is not JSON.
    pub fn from_json_text(
        event_type: impl Into<String>,
        schema_version: u32,
        payload: &str,
    ) -> Result<Self, EnvelopeError> {
        let payload = serde_json::from_str(payload)
            .map_err(|e| EnvelopeError::new("payload", format!("is not JSON: {e}")))?;
        Ok(Self::new(event_type, schema_version, payload))
    }

    /// Checks the type, version and payload.
    ///
    /// # Errors
    /// An [`EnvelopeError`] naming `event_type`, `schema_version`, `event_id` or
    /// `payload` (which must be a JSON object without NUL characters, which
    /// neither store can keep).
    pub fn validate(&self) -> Result<(), EnvelopeError> {
        check_name("event_type", &self.event_type)?;
        if self.schema_version == 0 {
            return Err(EnvelopeError::new("schema_version", "must be at least 1"));
        }
        if self.event_id.is_nil() {
            return Err(EnvelopeError::new("event_id", "must not be the nil UUID"));
        }
        if !self.payload.is_object() {
            return Err(EnvelopeError::new("payload", "must be a JSON object"));
        }
        if contains_nul(&self.payload) {
            return Err(EnvelopeError::new(
                "payload",
                "must not contain the NUL character (\\u0000)",
            ));
        }
        Ok(())
    }
}

fn contains_nul(value: &Value) -> bool {
    match value {
        Value::String(s) => s.contains('\0'),
        Value::Array(items) => items.iter().any(contains_nul),
        Value::Object(map) => map.iter().any(|(k, v)| k.contains('\0') || contains_nul(v)),
        _ => false,
    }
}

/// A place in the global log. The log is ordered by (transaction, position):
/// positions are unique and increase within a transaction, and every event
/// read after a position belongs to a later transaction or comes later in the
/// same one. The start of the log is [`LogPosition::START`].
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default, Serialize, Deserialize,
)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct LogPosition {
    /// The id of the transaction that wrote the event.
    pub transaction_id: u64,
    /// The event's global position (unique across the store).
    pub global_position: u64,
}

impl LogPosition {
    /// Before the first event.
    pub const START: Self = Self {
        transaction_id: 0,
        global_position: 0,
    };
}

/// An event as stored, with its full envelope.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RecordedEvent {
    /// UUIDv7 chosen by the writer.
    pub event_id: Uuid,
    /// The stream it belongs to.
    #[serde(flatten)]
    pub stream: StreamRef,
    /// Its version in the stream, from 1.
    pub stream_version: u64,
    /// Unique position in the whole store.
    pub global_position: u64,
    /// The transaction that wrote it; with `global_position` it orders the log.
    pub transaction_id: u64,
    /// The event's type.
    pub event_type: String,
    /// The version of the payload's schema.
    pub schema_version: u32,
    /// When it happened in the domain.
    #[serde(with = "time::serde::rfc3339")]
    pub occurred_at: OffsetDateTime,
    /// When the store recorded it.
    #[serde(with = "time::serde::rfc3339")]
    pub recorded_at: OffsetDateTime,
    /// Who caused it.
    pub actor: Actor,
    /// The correlation id of the user action.
    pub correlation_id: Uuid,
    /// What directly caused it.
    pub causation_id: Option<Uuid>,
    /// The idempotency key of the append that stored it.
    pub idempotency_key: Option<String>,
    /// The event's data.
    pub payload: Value,
}

impl RecordedEvent {
    /// Where this event is in the global log.
    pub fn log_position(&self) -> LogPosition {
        LogPosition {
            transaction_id: self.transaction_id,
            global_position: self.global_position,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn stream_ids_must_be_named_and_printable() {
        assert_eq!(
            StreamRef::new("provider", "").validate().unwrap_err().field,
            "stream_id"
        );
        assert_eq!(
            StreamRef::new(" ", "1").validate().unwrap_err().field,
            "stream_type"
        );
        assert!(StreamRef::new("provider", "a\nb").validate().is_err());
        assert!(StreamRef::new("provider", "x".repeat(201))
            .validate()
            .is_err());
        assert!(StreamRef::new("provider", "00064581").validate().is_ok());
    }

    #[test]
    fn payload_must_be_a_json_object_without_nul() {
        let err = NewEvent::from_json_text("X", 1, "{not json").unwrap_err();
        assert_eq!(err.field, "payload");
        assert!(err.reason.starts_with("is not JSON"));
        assert_eq!(
            NewEvent::new("X", 1, json!([1, 2]))
                .validate()
                .unwrap_err()
                .field,
            "payload"
        );
        assert!(NewEvent::new("X", 1, json!({"a": "b\u{0}"}))
            .validate()
            .is_err());
        assert!(NewEvent::new("X", 1, json!({"a": ["ok"]}))
            .validate()
            .is_ok());
        assert_eq!(
            NewEvent::new("X", 0, json!({}))
                .validate()
                .unwrap_err()
                .field,
            "schema_version"
        );
    }

    #[test]
    fn log_positions_order_by_transaction_then_position() {
        let a = LogPosition {
            transaction_id: 7,
            global_position: 20,
        };
        let b = LogPosition {
            transaction_id: 8,
            global_position: 3,
        };
        assert!(LogPosition::START < a && a < b);
    }
}
