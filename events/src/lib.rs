//! The domain of the portal, pure: the event envelope, the aggregates with
//! their commands, events and decision rules, and the validated values they
//! use. No I/O, no async runtime, no SQL.

pub mod accounts;
pub mod aggregate;
pub mod content;
pub mod envelope;
pub mod error;
pub mod files;
pub mod forum;
pub mod grants;
pub mod notifications;
pub mod planning;
pub mod registry;
pub mod statistics;
pub mod surveys;
pub mod upcast;
pub mod values;

pub use aggregate::Aggregate;
pub use envelope::{
    Actor, EnvelopeError, EventMetadata, ExpectedVersion, LogPosition, NewEvent, RecordedEvent,
    StreamRef,
};
pub use error::{DomainError, FieldError};
