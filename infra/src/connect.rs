//! Start-up connections of the distributed mode, each failure naming the
//! environment variable to fix, and the exit path of the service binaries.

use crate::event_store::postgres::PostgresEventStore;
use crate::postgres::{redact_url, PgSettings};
use crate::settings::{ClickHouseSettings, NatsSettings};
use anyhow::Context;
use std::future::Future;
use std::process::ExitCode;

/// Connects the PostgreSQL event store and applies its migrations.
///
/// # Errors
/// Naming `DATABASE_URL` when PostgreSQL cannot be reached.
pub async fn postgres_event_store(settings: &PgSettings) -> anyhow::Result<PostgresEventStore> {
    PostgresEventStore::connect(settings)
        .await
        .with_context(|| {
            format!(
                "DATABASE_URL={}: cannot open the event store in schema {}",
                redact_url(&settings.url),
                settings.schema
            )
        })
}

/// Connects to NATS with JetStream.
///
/// # Errors
/// Naming `NATS_URL` when NATS cannot be reached.
pub async fn nats(settings: &NatsSettings) -> anyhow::Result<async_nats::Client> {
    crate::nats::connect(settings)
        .await
        .with_context(|| format!("NATS_URL={}: NATS is not usable", settings.url))
}

/// Connects to ClickHouse and creates the database when missing.
///
/// # Errors
/// Naming `CLICKHOUSE_URL` when ClickHouse cannot be reached.
pub async fn clickhouse(settings: &ClickHouseSettings) -> anyhow::Result<clickhouse::Client> {
    crate::clickhouse::connect(settings)
        .await
        .with_context(|| format!("CLICKHOUSE_URL={}: ClickHouse is not usable", settings.url))
}

/// Runs a service's start-up and serving; prints the error chain and exits
/// with status 1 when it fails.
pub async fn exit_code(name: &str, run: impl Future<Output = anyhow::Result<()>>) -> ExitCode {
    match run.await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("{name}: {e:#}");
            ExitCode::FAILURE
        }
    }
}
