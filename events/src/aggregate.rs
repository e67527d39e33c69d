//! The shape of every aggregate: `decide(state, command)` holds all the
//! rules and returns events; `apply(state, event)` only folds them. Events
//! are enums tagged by `type`; the tag becomes the envelope's `event_type`.

use crate::envelope::{NewEvent, RecordedEvent};
use crate::error::DomainError;
use serde::de::DeserializeOwned;
use serde::Serialize;
use time::OffsetDateTime;

/// An event-sourced aggregate.
pub trait Aggregate: Default {
    /// The stream type of its streams.
    const STREAM_TYPE: &'static str;
    /// What can be asked of it.
    type Command;
    /// What it records; serialised with `#[serde(tag = "type")]`.
    type Event: Serialize + DeserializeOwned;

    /// Folds one event into the state; no rules here.
    fn apply(&mut self, event: &Self::Event);

    /// Decides what a command records, given the state and the time.
    ///
    /// # Errors
    /// A [`DomainError`] when the command is refused; nothing is recorded then.
    fn decide(
        &self,
        command: &Self::Command,
        now: OffsetDateTime,
    ) -> Result<Vec<Self::Event>, DomainError>;

    /// The state after `events`.
    fn fold<'a>(events: impl IntoIterator<Item = &'a Self::Event>) -> Self
    where
        Self::Event: 'a,
    {
        let mut state = Self::default();
        for e in events {
            state.apply(e);
        }
        state
    }
}

/// The schema version every event type starts at.
pub const SCHEMA_VERSION: u32 = 1;

/// Turns a domain event into an event to append (type from its tag).
///
/// # Panics
/// When the event does not serialise to an object with a `type` tag, which
/// the derive on every event enum guarantees.
pub fn to_new_event<E: Serialize>(event: &E, occurred_at: OffsetDateTime) -> NewEvent {
    let mut value = serde_json::to_value(event).expect("events serialise");
    let event_type = value
        .as_object_mut()
        .and_then(|o| o.remove("type"))
        .and_then(|t| t.as_str().map(str::to_string))
        .expect("events are tagged by type");
    let version = crate::upcast::current_version(&event_type).max(SCHEMA_VERSION);
    let mut new = NewEvent::new(event_type, version, value);
    new.occurred_at = occurred_at;
    new
}

/// Reads a domain event back from a stored one.
///
/// # Errors
/// When the payload does not fit the event type (an unknown type or an old
/// schema without its upcaster).
pub fn from_recorded<E: DeserializeOwned>(event: &RecordedEvent) -> Result<E, serde_json::Error> {
    use serde::de::Error;
    let mut value = crate::upcast::upcast(
        &event.event_type,
        event.schema_version,
        event.occurred_at,
        event.payload.clone(),
    )
    .map_err(serde_json::Error::custom)?;
    if let Some(o) = value.as_object_mut() {
        o.insert("type".into(), event.event_type.clone().into());
    }
    serde_json::from_value(value)
}
