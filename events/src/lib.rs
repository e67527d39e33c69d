//! The domain of the portal, pure: the event envelope and the values every
//! event carries. No I/O, no async runtime, no SQL.

pub mod envelope;

pub use envelope::{
    Actor, EnvelopeError, EventMetadata, ExpectedVersion, LogPosition, NewEvent, RecordedEvent,
    StreamRef,
};
