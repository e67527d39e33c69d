//! The projection service: durable consumers that turn committed events into
//! read models (PostgreSQL or embedded) and statistics facts (ClickHouse),
//! with checkpoints, catch-up from the event store and rebuilds.

pub mod registry;
pub mod runner;
pub mod settings;
pub mod startup;

pub use settings::Settings;
pub use startup::Application;
