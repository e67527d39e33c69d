//! The command service: the HTTP API for writes. Commands are authenticated,
//! validated and decided by the `events` crate, then appended to the event
//! store with the expected version; an outbox relay publishes what was
//! committed to JetStream.

pub mod settings;
pub mod startup;

pub use settings::Settings;
pub use startup::{api_router, Application};
