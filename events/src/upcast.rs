//! Schema evolution: every event type has a current schema version; events
//! stored with an older version are brought up to date when they are read
//! (`from_recorded`), one version at a time, never rewritten in the log.
//! The procedure for a new version is in `docs/schema-evolution.md`.
//!
//! History:
//! - `ServiceEnded` v2 (2026-11): the day the service ended, `ended_on`, is
//!   recorded (it may be earlier than the recording, e.g. when the registry
//!   import learns of an end). v1 events get the day they occurred.
//! - `ServiceSuspended` v2 (2026-12): the day the provider expects to provide
//!   the service again, `until`, when announced. v1 events announced none.
//!   A new version although the field may be empty: a reader of v1 would
//!   build its read models without it and never learn; it refuses v2 instead
//!   (a rolling upgrade starts with the readers, `docs/operations.md`).

use serde_json::Value;
use time::OffsetDateTime;

/// The version events of `event_type` are written with now.
pub fn current_version(event_type: &str) -> u32 {
    match event_type {
        "ServiceEnded" | "ServiceSuspended" => 2,
        _ => 1,
    }
}

/// Brings a stored payload of `version` up to [`current_version`].
///
/// # Errors
/// A version newer than this code knows, or one without an upcaster.
pub fn upcast(
    event_type: &str,
    version: u32,
    occurred_at: OffsetDateTime,
    mut payload: Value,
) -> Result<Value, String> {
    let current = current_version(event_type);
    if version > current {
        return Err(format!(
            "{event_type} v{version} is newer than this release reads (v{current})"
        ));
    }
    let mut v = version;
    while v < current {
        payload = match (event_type, v) {
            ("ServiceEnded", 1) => service_ended_v1_to_v2(payload, occurred_at),
            ("ServiceSuspended", 1) => service_suspended_v1_to_v2(payload),
            _ => return Err(format!("no upcaster for {event_type} v{v}")),
        };
        v += 1;
    }
    Ok(payload)
}

/// v1 `{ reason }` → v2 `{ reason, ended_on }`: it ended the day it was recorded.
fn service_ended_v1_to_v2(mut payload: Value, occurred_at: OffsetDateTime) -> Value {
    if let Some(o) = payload.as_object_mut() {
        o.entry("ended_on")
            .or_insert_with(|| Value::String(occurred_at.date().to_string()));
    }
    payload
}

/// v1 `{ reason }` → v2 `{ reason, until }`: no resumption was announced.
fn service_suspended_v1_to_v2(mut payload: Value) -> Value {
    if let Some(o) = payload.as_object_mut() {
        o.entry("until").or_insert(Value::Null);
    }
    payload
}
