//! The projection service: durable consumers that turn committed events into
//! read models (PostgreSQL or embedded) and statistics facts (ClickHouse),
//! with checkpoints, catch-up from the event store and rebuilds.

pub mod admin;
pub mod consumer;
pub mod notifications;
pub mod registry;
pub mod runner;
pub mod settings;
pub mod startup;
pub mod statistics;

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

/// Starts the statistics projection (it follows the log); it stops with `shutdown`.
pub fn spawn_statistics(
    events: infra::event_store::DynEventStore,
    store: infra::stats::DynStatsStore,
    territory: std::sync::Arc<infra::territory::Territory>,
    shutdown: infra::shutdown::Shutdown,
) -> tokio::task::JoinHandle<()> {
    let projection = std::sync::Arc::new(statistics::Statistics {
        events,
        store,
        territory,
    });
    tokio::spawn(projection.run(shutdown))
}

/// Starts the process manager of notifications (it follows the log); it stops with `shutdown`.
pub fn spawn_notifications(
    events: infra::event_store::DynEventStore,
    territory: std::sync::Arc<infra::territory::Territory>,
    rules: notifications::Rules,
    shutdown: infra::shutdown::Shutdown,
) -> tokio::task::JoinHandle<()> {
    let manager = std::sync::Arc::new(notifications::ProcessManager {
        events,
        territory,
        rules,
    });
    tokio::spawn(manager.run(shutdown))
}

/// Every projection, for rebuilds.
pub fn projections() -> Vec<Box<dyn runner::Projection>> {
    vec![Box::new(registry::RegistryProjection)]
}

/// Rebuilds every projection into a fresh generation and switches to it.
///
/// # Errors
/// When a store fails.
pub async fn rebuild_all(
    events: &infra::event_store::DynEventStore,
    read_models: &infra::read_model::DynReadModelStore,
) -> anyhow::Result<i64> {
    let all = projections();
    let refs: Vec<&dyn runner::Projection> = all.iter().map(AsRef::as_ref).collect();
    let generation = runner::rebuild(&refs, events, read_models, BATCH).await?;
    // The old generation stays until no follower reads it; drop the one before.
    let _ = read_models.drop_generation(generation - 2).await;
    Ok(generation)
}

/// `projection-service rebuild`: the PostgreSQL read models from `DATABASE_URL`/`DATABASE_SCHEMA`.
///
/// # Errors
/// Naming the variable of an unreachable database, or a store failure.
pub async fn rebuild_from_env() -> anyhow::Result<i64> {
    let settings = infra::settings::postgres_from_env()?;
    let store = infra::connect::postgres_event_store(&settings).await?;
    let read_models: infra::read_model::DynReadModelStore = std::sync::Arc::new(
        infra::read_model::postgres::PostgresReadModelStore::new(store.pool().clone()).await?,
    );
    let events: infra::event_store::DynEventStore = std::sync::Arc::new(store);
    let generation = rebuild_all(&events, &read_models).await?;
    if std::env::var_os("CLICKHOUSE_URL").is_some() {
        let clickhouse =
            infra::connect::clickhouse(&infra::settings::ClickHouseSettings::from_env()?).await?;
        let stats: infra::stats::DynStatsStore = std::sync::Arc::new(
            infra::stats::clickhouse::ClickHouseStatsStore::new(clickhouse).await?,
        );
        let territory =
            infra::settings::load_territory(infra::settings::territory_dir_from_env().as_deref());
        let events_done = rebuild_statistics(events, stats, std::sync::Arc::new(territory)).await?;
        println!("statistics rebuilt from {events_done} events");
    }
    Ok(generation)
}

/// Empties the statistics store and writes it again from the start of the
/// log; answers the number of events processed. A running statistics
/// projection may keep going meanwhile: both write the same rows.
///
/// # Errors
/// Store failures.
pub async fn rebuild_statistics(
    events: infra::event_store::DynEventStore,
    store: infra::stats::DynStatsStore,
    territory: std::sync::Arc<infra::territory::Territory>,
) -> anyhow::Result<u64> {
    statistics::Statistics {
        events,
        store,
        territory,
    }
    .rebuild()
    .await
}
