//! The query service's settings, from environment variables.

use infra::postgres::PgSettings;
use infra::settings::{postgres_from_env, ClickHouseSettings, HttpSettings, SettingsError};

/// Everything the query service needs in distributed mode.
#[derive(Debug, Clone)]
pub struct Settings {
    /// `QUERY_SERVICE_ADDR` (default `127.0.0.1:8082`) and the shared HTTP limits.
    pub http: HttpSettings,
    /// `DATABASE_URL`, `DATABASE_SCHEMA`, `DATABASE_POOL_SIZE`: the read models and the log (audit).
    pub postgres: PgSettings,
    /// `CLICKHOUSE_URL`, `CLICKHOUSE_DATABASE`, `CLICKHOUSE_USER`, `CLICKHOUSE_PASSWORD`: statistics.
    pub clickhouse: ClickHouseSettings,
    /// `PORTAL_TERRITORY_DIR` (default `../shared/data/territory` when present): territory files for the map.
    pub territory_dir: Option<std::path::PathBuf>,
    /// `PORTAL_CODELISTS_DIR` (default `../shared/data/codelists` when present): MPSV code lists (names of target and age groups).
    pub codelists_dir: Option<std::path::PathBuf>,
    /// `PORTAL_JWT_SECRET` (the command service's, at least 32 bytes): admits
    /// accounts to the forum's professional section; unset, that section answers 401.
    pub jwt_secret: Option<Vec<u8>>,
    /// `PORTAL_COMMAND_URL` (e.g. `http://127.0.0.1:8081`): the command service the web
    /// pages' forms go to (sign-in, reports of free places, survey answers); unset, they answer 503.
    pub command_url: Option<String>,
    /// `PORTAL_SITE_NAME`, `PORTAL_OPERATOR`, `PORTAL_OPERATOR_URL`, `PORTAL_OPERATOR_LOGO`: who runs the portal.
    pub site: crate::web::Site,
}

impl Settings {
    /// Reads the environment.
    ///
    /// # Errors
    /// Naming the first variable that is missing or malformed.
    pub fn from_env() -> Result<Self, SettingsError> {
        Ok(Self {
            http: HttpSettings::from_env("QUERY_SERVICE_ADDR", "127.0.0.1:8082")?,
            postgres: postgres_from_env()?,
            clickhouse: ClickHouseSettings::from_env()?,
            territory_dir: infra::settings::territory_dir_from_env(),
            codelists_dir: infra::codelists::dir_from_env(),
            jwt_secret: jwt_secret_from_env()?,
            command_url: command_url_from_env()?,
            site: crate::web::Site::from_env()?,
        })
    }

    /// A service on loopback on a free port, for tests: no territory, code
    /// lists, token key or command service.
    pub fn for_tests(postgres: PgSettings, clickhouse: ClickHouseSettings) -> Self {
        Self {
            http: HttpSettings::for_tests(),
            postgres,
            clickhouse,
            territory_dir: None,
            codelists_dir: None,
            jwt_secret: None,
            command_url: None,
            site: crate::web::Site::default(),
        }
    }
}

fn command_url_from_env() -> Result<Option<String>, SettingsError> {
    match std::env::var("PORTAL_COMMAND_URL") {
        Ok(s) if s.starts_with("http://") || s.starts_with("https://") => Ok(Some(s)),
        Ok(s) if s.is_empty() => Ok(None),
        Ok(_) => Err(SettingsError::Invalid {
            var: "PORTAL_COMMAND_URL",
            reason: "must be an http:// or https:// address".into(),
        }),
        Err(_) => Ok(None),
    }
}

fn jwt_secret_from_env() -> Result<Option<Vec<u8>>, SettingsError> {
    match std::env::var("PORTAL_JWT_SECRET") {
        Ok(s) if s.len() >= 32 => Ok(Some(s.into_bytes())),
        Ok(_) => Err(SettingsError::Invalid {
            var: "PORTAL_JWT_SECRET",
            reason: "must be at least 32 bytes long".into(),
        }),
        Err(_) => Ok(None),
    }
}
