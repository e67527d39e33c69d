//! The projection service: durable consumers that turn committed events into
//! read models (PostgreSQL or embedded) and statistics facts (ClickHouse),
//! with checkpoints, catch-up from the event store and rebuilds.

pub mod registry;
pub mod runner;
pub mod settings;
pub mod startup;

pub use settings::Settings;
pub use startup::Application;

/// Events applied per batch (and per transaction).
pub const BATCH: usize = 500;

/// Starts every projection's follower; they stop with `shutdown`.
pub fn spawn_projections(
    events: infra::event_store::DynEventStore,
    read_models: infra::read_model::DynReadModelStore,
    shutdown: infra::shutdown::Shutdown,
) -> Vec<tokio::task::JoinHandle<()>> {
    vec![tokio::spawn(runner::follow(
        std::sync::Arc::new(registry::RegistryProjection),
        events,
        read_models,
        BATCH,
        shutdown,
    ))]
}
