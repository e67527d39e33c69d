//! The answers of the audit API that its clients read (the signed-in
//! page shows a record's history).

use serde::{Deserialize, Serialize};
use serde_json::Value;

/// An event as the audit shows it: where it is, who caused it, what it says.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Entry {
    /// The record's type.
    pub stream_type: String,
    /// The record.
    pub stream_id: String,
    /// Its version in the record.
    pub version: u64,
    /// Its position in the log.
    pub global_position: u64,
    /// The transaction that wrote it.
    pub transaction_id: u64,
    /// The event's type.
    pub event_type: String,
    /// The version of its payload's schema.
    pub schema_version: u32,
    /// When it happened (RFC 3339).
    pub occurred_at: String,
    /// When it was recorded (RFC 3339).
    pub recorded_at: String,
    /// Who caused it.
    pub actor: events::Actor,
    /// The user action it belongs to.
    pub correlation_id: uuid::Uuid,
    /// What caused it.
    pub causation_id: Option<uuid::Uuid>,
    /// What it did, in words.
    pub description: String,
    /// Its data, as recorded.
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub payload: Value,
}

/// A record's history.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct History {
    /// The record (`type/id`).
    pub stream: String,
    /// Its events, oldest first.
    pub events: Vec<Entry>,
}
