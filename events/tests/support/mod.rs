//! Given/when/then for aggregates: given past events, when a command, then
//! these events (or this error). No I/O.

#![allow(dead_code)]

use events::aggregate::{from_recorded, to_new_event};
use events::{Actor, Aggregate, DomainError, RecordedEvent, StreamRef};
use std::fmt::Debug;
use time::macros::datetime;
use time::OffsetDateTime;

/// The time every test decides at.
pub const NOW: OffsetDateTime = datetime!(2026-11-23 10:00 UTC);

/// The state after `events`.
pub fn given<A: Aggregate>(events: &[A::Event]) -> Given<A> {
    Given {
        state: A::fold(events),
    }
}

/// A state waiting for a command.
pub struct Given<A> {
    state: A,
}

impl<A: Aggregate> Given<A> {
    /// Decides `command`.
    pub fn when(self, command: &A::Command) -> Then<A> {
        Then {
            result: self.state.decide(command, NOW),
        }
    }
}

/// The outcome of a decision.
pub struct Then<A: Aggregate> {
    result: Result<Vec<A::Event>, DomainError>,
}

impl<A: Aggregate> Then<A>
where
    A::Event: Debug + PartialEq,
{
    /// Asserts the events.
    pub fn then(self, expected: &[A::Event]) {
        match self.result {
            Ok(events) => assert_eq!(events, expected),
            Err(e) => panic!("expected events, got the refusal {e:?}"),
        }
    }

    /// The refusal.
    pub fn error(self) -> DomainError {
        match self.result {
            Ok(events) => panic!("expected a refusal, got {events:?}"),
            Err(e) => e,
        }
    }
}

/// The fields named by an `Invalid` refusal.
pub fn fields(error: &DomainError) -> Vec<String> {
    match error {
        DomainError::Invalid(errors) => errors.iter().map(|e| e.field.clone()).collect(),
        other => panic!("expected Invalid, got {other:?}"),
    }
}

/// Every event survives the envelope: type from the tag, payload without it.
pub fn round_trip<A: Aggregate>(events: &[A::Event])
where
    A::Event: Debug + PartialEq,
{
    for (i, event) in events.iter().enumerate() {
        let new = to_new_event(event, NOW);
        assert!(new.payload.get("type").is_none());
        new.validate().unwrap();
        let recorded = RecordedEvent {
            event_id: new.event_id,
            stream: StreamRef::new(A::STREAM_TYPE, "x"),
            stream_version: i as u64 + 1,
            global_position: i as u64 + 1,
            transaction_id: 1,
            event_type: new.event_type.clone(),
            schema_version: new.schema_version,
            occurred_at: new.occurred_at,
            recorded_at: NOW,
            actor: Actor::system(),
            correlation_id: new.event_id,
            causation_id: None,
            idempotency_key: None,
            payload: new.payload.clone(),
        };
        let back: A::Event = from_recorded(&recorded).unwrap();
        assert_eq!(&back, event);
    }
}
