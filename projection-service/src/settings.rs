//! The projection service's settings, from environment variables.

use infra::postgres::PgSettings;
use infra::settings::{
    postgres_from_env, ClickHouseSettings, HttpSettings, NatsSettings, SettingsError,
};

/// Everything the projection service needs in distributed mode.
#[derive(Debug, Clone)]
pub struct Settings {
    /// `PROJECTION_SERVICE_ADDR` (default `127.0.0.1:8083`): health, readiness and metrics.
    pub http: HttpSettings,
    /// `DATABASE_URL`, `DATABASE_SCHEMA`, `DATABASE_POOL_SIZE`: the event store and the read models.
    pub postgres: PgSettings,
    /// `NATS_URL`, `NATS_STREAM_PREFIX`: the events to consume.
    pub nats: NatsSettings,
    /// `CLICKHOUSE_URL`, `CLICKHOUSE_DATABASE`, `CLICKHOUSE_USER`, `CLICKHOUSE_PASSWORD`: statistics facts.
    pub clickhouse: ClickHouseSettings,
    /// `PORTAL_TERRITORY_DIR` (default `../shared/data/territory` when present): the kraj and ORP of each service in the statistics.
    pub territory_dir: Option<std::path::PathBuf>,
    /// `PORTAL_VACANCY_REMINDER_AFTER`, `PORTAL_VERIFICATION_AFTER`, …: when the
    /// process manager of notifications finds messages due.
    pub notifications: crate::notifications::Rules,
}

impl Settings {
    /// Reads the environment.
    ///
    /// # Errors
    /// Naming the first variable that is missing or malformed.
    pub fn from_env() -> Result<Self, SettingsError> {
        Ok(Self {
            http: HttpSettings::from_env("PROJECTION_SERVICE_ADDR", "127.0.0.1:8083")?,
            postgres: postgres_from_env()?,
            nats: NatsSettings::from_env()?,
            clickhouse: ClickHouseSettings::from_env()?,
            territory_dir: infra::settings::territory_dir_from_env(),
            notifications: crate::notifications::Rules::from_env()?,
        })
    }

    /// A service on loopback on a free port, for tests: no territory,
    /// notifications as by default.
    pub fn for_tests(
        postgres: PgSettings,
        nats: NatsSettings,
        clickhouse: ClickHouseSettings,
    ) -> Self {
        Self {
            http: HttpSettings::for_tests(),
            postgres,
            nats,
            clickhouse,
            territory_dir: None,
            notifications: crate::notifications::Rules::default(),
        }
    }
}
