//! Typed settings read from environment variables. Every variable is
//! documented where it is read; the defaults give the embedded mode. Secrets
//! are never printed (URLs are shown with their password redacted).

use crate::postgres::PgSettings;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::str::FromStr;
use std::time::Duration;

/// A setting that is missing or malformed; the message names the variable.
#[derive(Debug, thiserror::Error)]
pub enum SettingsError {
    /// A required variable is not set.
    #[error("{var} is not set: {hint}")]
    Missing {
        /// The variable.
        var: &'static str,
        /// What it should hold.
        hint: &'static str,
    },
    /// A variable is set to something unusable.
    #[error("{var} is invalid: {reason}")]
    Invalid {
        /// The variable.
        var: &'static str,
        /// Why.
        reason: String,
    },
}

/// The value of `var`, if set and not empty.
pub fn var(var: &'static str) -> Option<String> {
    std::env::var(var).ok().filter(|v| !v.trim().is_empty())
}

/// The value of `var`, or a [`SettingsError::Missing`] with `hint`.
///
/// # Errors
/// When the variable is not set.
pub fn required(name: &'static str, hint: &'static str) -> Result<String, SettingsError> {
    var(name).ok_or(SettingsError::Missing { var: name, hint })
}

/// `var` parsed, or `default` when not set.
///
/// # Errors
/// When the variable is set but does not parse.
pub fn parsed<T: FromStr>(name: &'static str, default: T) -> Result<T, SettingsError>
where
    T::Err: std::fmt::Display,
{
    match var(name) {
        None => Ok(default),
        Some(v) => v
            .trim()
            .parse()
            .map_err(|e: T::Err| SettingsError::Invalid {
                var: name,
                reason: format!("{v:?}: {e}"),
            }),
    }
}

/// The HTTP server of a service.
#[derive(Debug, Clone)]
pub struct HttpSettings {
    /// `PORTAL_HTTP_ADDR` (or the service's own variable): where to listen; port 0 picks a free port.
    pub addr: SocketAddr,
    /// `PORTAL_REQUEST_TIMEOUT_SECS`: a request taking longer is answered 408 (default 30).
    pub request_timeout: Duration,
    /// `PORTAL_BODY_LIMIT_BYTES`: largest request body accepted (default 1 MiB).
    pub body_limit: usize,
    /// `PORTAL_HEADER_READ_TIMEOUT_SECS`: a connection that has not sent a
    /// request's headers within this time is closed, an idle kept-alive one
    /// too (default 30, hyper's own).
    pub header_read_timeout: Duration,
    /// `PORTAL_METRICS_ADDR`: serve `/metrics` on this address only, not on the
    /// public one (default: on the public address).
    pub metrics_addr: Option<SocketAddr>,
    /// `PORTAL_FILE_LIMIT_BYTES`: the largest file an upload may send (default 100 MiB).
    pub file_limit: u64,
}

impl HttpSettings {
    /// Reads the address from `addr_var` (default `default_addr`) and the shared limits.
    ///
    /// # Errors
    /// When a variable does not parse.
    pub fn from_env(addr_var: &'static str, default_addr: &str) -> Result<Self, SettingsError> {
        let default: SocketAddr = default_addr.parse().map_err(|_| SettingsError::Invalid {
            var: addr_var,
            reason: format!("bad default {default_addr}"),
        })?;
        Ok(Self {
            addr: parsed(addr_var, default)?,
            request_timeout: Duration::from_secs(parsed("PORTAL_REQUEST_TIMEOUT_SECS", 30u64)?),
            body_limit: parsed("PORTAL_BODY_LIMIT_BYTES", 1024 * 1024usize)?,
            header_read_timeout: Duration::from_secs(parsed(
                "PORTAL_HEADER_READ_TIMEOUT_SECS",
                30u64,
            )?),
            metrics_addr: match var("PORTAL_METRICS_ADDR") {
                None => None,
                Some(v) => Some(v.parse().map_err(|_| SettingsError::Invalid {
                    var: "PORTAL_METRICS_ADDR",
                    reason: format!("{v:?} is not an address (host:port)"),
                })?),
            },
            file_limit: parsed("PORTAL_FILE_LIMIT_BYTES", 100 * 1024 * 1024u64)?,
        })
    }

    /// Loopback on a free port, for tests.
    pub fn for_tests() -> Self {
        Self {
            addr: SocketAddr::from(([127, 0, 0, 1], 0)),
            request_timeout: Duration::from_secs(30),
            body_limit: 1024 * 1024,
            header_read_timeout: Duration::from_secs(10),
            metrics_addr: None,
            file_limit: 100 * 1024 * 1024,
        }
    }
}

/// PostgreSQL from `DATABASE_URL`, `DATABASE_SCHEMA` (default `public`) and
/// `DATABASE_POOL_SIZE` (default 16).
///
/// # Errors
/// When `DATABASE_URL` is missing or a variable is malformed.
pub fn postgres_from_env() -> Result<PgSettings, SettingsError> {
    let settings = PgSettings {
        url: required(
            "DATABASE_URL",
            "the PostgreSQL URL of the event store, e.g. postgres://portal@127.0.0.1:5432/portal",
        )?,
        schema: var("DATABASE_SCHEMA").unwrap_or_else(|| "public".into()),
        pool_size: parsed("DATABASE_POOL_SIZE", 16usize)?,
    };
    crate::postgres::check_schema_name(&settings.schema).map_err(|e| SettingsError::Invalid {
        var: "DATABASE_SCHEMA",
        reason: e.to_string(),
    })?;
    Ok(settings)
}

/// NATS JetStream.
#[derive(Debug, Clone)]
pub struct NatsSettings {
    /// `NATS_URL`, e.g. `nats://127.0.0.1:4222`.
    pub url: String,
    /// `NATS_STREAM_PREFIX`: prefix of the JetStream stream and subject names (default `portal`).
    pub prefix: String,
}

impl NatsSettings {
    /// Reads `NATS_URL` and `NATS_STREAM_PREFIX`.
    ///
    /// # Errors
    /// When `NATS_URL` is missing.
    pub fn from_env() -> Result<Self, SettingsError> {
        Ok(Self {
            url: required(
                "NATS_URL",
                "the NATS server with JetStream, e.g. nats://127.0.0.1:4222",
            )?,
            prefix: var("NATS_STREAM_PREFIX").unwrap_or_else(|| "portal".into()),
        })
    }
}

/// ClickHouse, the statistics store.
#[derive(Clone)]
pub struct ClickHouseSettings {
    /// `CLICKHOUSE_URL`: the HTTP interface, e.g. `http://127.0.0.1:8123`.
    pub url: String,
    /// `CLICKHOUSE_DATABASE` (default `portal`).
    pub database: String,
    /// `CLICKHOUSE_USER` (default `default`).
    pub user: String,
    /// `CLICKHOUSE_PASSWORD` (default empty). Never logged.
    pub password: String,
}

impl std::fmt::Debug for ClickHouseSettings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ClickHouseSettings")
            .field("url", &self.url)
            .field("database", &self.database)
            .field("user", &self.user)
            .finish_non_exhaustive()
    }
}

impl ClickHouseSettings {
    /// Reads the `CLICKHOUSE_*` variables.
    ///
    /// # Errors
    /// When `CLICKHOUSE_URL` is missing.
    pub fn from_env() -> Result<Self, SettingsError> {
        Ok(Self {
            url: required(
                "CLICKHOUSE_URL",
                "the ClickHouse HTTP URL, e.g. http://127.0.0.1:8123",
            )?,
            database: var("CLICKHOUSE_DATABASE").unwrap_or_else(|| "portal".into()),
            user: var("CLICKHOUSE_USER").unwrap_or_else(|| "default".into()),
            password: std::env::var("CLICKHOUSE_PASSWORD").unwrap_or_default(),
        })
    }
}

/// `PORTAL_DATA_DIR`: where the embedded mode keeps its files (default `./data`).
///
/// # Errors
/// Never in practice; kept fallible like the other readers.
pub fn data_dir_from_env() -> Result<PathBuf, SettingsError> {
    Ok(var("PORTAL_DATA_DIR").map_or_else(|| PathBuf::from("data"), PathBuf::from))
}

/// `PORTAL_TERRITORY_DIR`: the folder with the ČSÚ territory files; by default
/// `../shared/data/territory` when it exists. `None`: run without territory.
pub fn territory_dir_from_env() -> Option<PathBuf> {
    var("PORTAL_TERRITORY_DIR").map(PathBuf::from).or_else(|| {
        let default = PathBuf::from("../shared/data/territory");
        default
            .join("struktura_uzemi_cr.csv")
            .exists()
            .then_some(default)
    })
}

/// The territory from `dir`, or an empty one (logged) when absent or unreadable.
pub fn load_territory(dir: Option<&std::path::Path>) -> crate::territory::Territory {
    match dir {
        None => {
            tracing::info!("no territory files (set PORTAL_TERRITORY_DIR): the map has no areas");
            crate::territory::Territory::default()
        }
        Some(dir) => match crate::territory::load_dir(dir) {
            Ok(t) => {
                tracing::info!(
                    municipalities = t.municipalities.len(),
                    orp = t.orp.len(),
                    "territory loaded from {}",
                    dir.display()
                );
                t
            }
            Err(e) => {
                tracing::warn!(error = %e, "cannot load the territory; the map has no areas");
                crate::territory::Territory::default()
            }
        },
    }
}
