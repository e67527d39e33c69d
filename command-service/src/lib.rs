//! The command service: the HTTP API for writes. Commands are authenticated,
//! authorised, validated and decided by the `events` crate, then appended to
//! the event store with the expected version; an outbox relay publishes what
//! was committed to JetStream.

pub mod api;
pub mod audit;
pub mod auth;
pub mod bootstrap;
pub mod error;
pub mod execute;
pub mod extract;
pub mod import;
pub mod limits;
pub mod notify;
pub mod outbox;
pub mod settings;
pub mod signing;
pub mod startup;
pub mod state;

pub use settings::Settings;
pub use startup::{api_router, Application};
