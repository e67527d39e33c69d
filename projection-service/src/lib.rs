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

/// Events applied per batch of a rebuild: nobody waits for the first of
/// them, so fewer, larger transactions (a commit and a read of the log per
/// 5,000 events, not per 500).
pub const REBUILD_BATCH: usize = 5_000;

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
    let generation = runner::rebuild(&refs, events, read_models, REBUILD_BATCH).await?;
    // The old generation stays until no follower reads it; drop the one before.
    let _ = read_models.drop_generation(generation - 2).await;
    Ok(generation)
}

/// `projection-service rebuild`: the PostgreSQL read models from `DATABASE_URL`/`DATABASE_SCHEMA`.
///
/// # Errors
/// Naming the variable of an unreachable database, or a store failure.
pub async fn rebuild_from_env() -> anyhow::Result<i64> {
    let clickhouse = match std::env::var_os("CLICKHOUSE_URL") {
        Some(_) => Some(infra::settings::ClickHouseSettings::from_env()?),
        None => None,
    };
    let ports = infra::ports::Ports::postgres(&infra::ports::Distributed {
        postgres: infra::settings::postgres_from_env()?,
        nats: None,
        clickhouse,
        territory_dir: infra::settings::territory_dir_from_env(),
        codelists_dir: None,
    })
    .await?;
    let generation = rebuild_all(&ports.events, &ports.read_models).await?;
    if let Some(stats) = ports.stats.clone() {
        let events_done = rebuild_statistics(ports.events.clone(), stats, ports.territory).await?;
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
