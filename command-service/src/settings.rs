//! The command service's settings, from environment variables.

use infra::postgres::PgSettings;
use infra::settings::{postgres_from_env, HttpSettings, NatsSettings, SettingsError};

/// Everything the command service needs in distributed mode.
#[derive(Debug, Clone)]
pub struct Settings {
    /// `COMMAND_SERVICE_ADDR` (default `127.0.0.1:8081`) and the shared HTTP limits.
    pub http: HttpSettings,
    /// `DATABASE_URL`, `DATABASE_SCHEMA`, `DATABASE_POOL_SIZE`: the event store.
    pub postgres: PgSettings,
    /// `NATS_URL`, `NATS_STREAM_PREFIX`: where committed events are published.
    pub nats: NatsSettings,
}

impl Settings {
    /// Reads the environment.
    ///
    /// # Errors
    /// Naming the first variable that is missing or malformed.
    pub fn from_env() -> Result<Self, SettingsError> {
        Ok(Self {
            http: HttpSettings::from_env("COMMAND_SERVICE_ADDR", "127.0.0.1:8081")?,
            postgres: postgres_from_env()?,
            nats: NatsSettings::from_env()?,
        })
    }
}
