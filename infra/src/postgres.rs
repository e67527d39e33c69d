//! PostgreSQL plumbing shared by the adapters: the connection pool (each pool
//! bound to one schema through `search_path`) and the migration runner.

use anyhow::Context;
use deadpool_postgres::{Manager, ManagerConfig, Pool, RecyclingMethod};
use std::str::FromStr;
use std::time::Duration;
use tokio_postgres::NoTls;

/// Where and how to connect to PostgreSQL.
#[derive(Clone)]
pub struct PgSettings {
    /// A libpq URL such as `postgres://portal@127.0.0.1:5432/portal`.
    pub url: String,
    /// The schema holding the project's tables (created when missing).
    pub schema: String,
    /// Most connections in the pool.
    pub pool_size: usize,
}

impl std::fmt::Debug for PgSettings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PgSettings")
            .field("url", &redact_url(&self.url))
            .field("schema", &self.schema)
            .field("pool_size", &self.pool_size)
            .finish()
    }
}

/// A URL with its password replaced by `***`, for messages and logs.
pub fn redact_url(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_string();
    };
    let Some((userinfo, host)) = rest.rsplit_once('@') else {
        return url.to_string();
    };
    match userinfo.split_once(':') {
        Some((user, _)) => format!("{scheme}://{user}:***@{host}"),
        None => url.to_string(),
    }
}

/// Checks a schema name: lowercase letters, digits and underscores, starting with a letter.
///
/// # Errors
/// When the name could not be used unquoted in SQL.
pub fn check_schema_name(schema: &str) -> anyhow::Result<()> {
    let ok = schema.len() <= 63
        && schema.starts_with(|c: char| c.is_ascii_lowercase())
        && schema
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
    anyhow::ensure!(
        ok,
        "schema name {schema:?} must be 1-63 lowercase letters, digits or underscores, starting with a letter"
    );
    Ok(())
}

/// Builds a pool whose connections use `settings.schema` and checks that it connects.
///
/// # Errors
/// When the URL is malformed or the server cannot be reached.
pub async fn connect(settings: &PgSettings) -> anyhow::Result<Pool> {
    check_schema_name(&settings.schema)?;
    let mut config = tokio_postgres::Config::from_str(&settings.url).with_context(|| {
        format!(
            "{} is not a valid PostgreSQL URL",
            redact_url(&settings.url)
        )
    })?;
    config.options(format!("-c search_path={}", settings.schema));
    config.application_name("portal");
    config.connect_timeout(Duration::from_secs(5));
    let manager = Manager::from_config(
        config,
        NoTls,
        ManagerConfig {
            recycling_method: RecyclingMethod::Fast,
        },
    );
    let pool = Pool::builder(manager)
        .max_size(settings.pool_size.max(1))
        .runtime(deadpool_postgres::Runtime::Tokio1)
        .wait_timeout(Some(Duration::from_secs(10)))
        .create_timeout(Some(Duration::from_secs(5)))
        .build()
        .context("cannot build the PostgreSQL pool")?;
    let mut client = pool.get().await.with_context(|| {
        format!(
            "cannot connect to PostgreSQL at {}",
            redact_url(&settings.url)
        )
    })?;
    // Services starting together would race on CREATE SCHEMA IF NOT EXISTS.
    let tx = client.transaction().await?;
    tx.execute(
        "SELECT pg_advisory_xact_lock(hashtext('portal.create_schema.' || $1))",
        &[&settings.schema],
    )
    .await?;
    tx.batch_execute(&format!("CREATE SCHEMA IF NOT EXISTS {}", settings.schema))
        .await
        .context("cannot create the schema")?;
    tx.commit().await?;
    drop(client);
    Ok(pool)
}

/// One step of a component's schema.
pub struct Migration {
    /// Applied in increasing order, once.
    pub version: i32,
    /// A short name for the log and the migrations table.
    pub name: &'static str,
    /// The SQL to run (may hold several statements).
    pub sql: &'static str,
}

/// Applies the migrations of `component` not yet applied, in one transaction,
/// under an advisory lock so that services starting together do not race.
///
/// # Errors
/// When a migration fails; nothing of it is applied then.
pub async fn migrate(pool: &Pool, component: &str, migrations: &[Migration]) -> anyhow::Result<()> {
    let mut client = pool.get().await.context("cannot get a connection")?;
    let tx = client.transaction().await?;
    tx.execute(
        "SELECT pg_advisory_xact_lock(hashtext(current_schema() || '.migrations'))",
        &[],
    )
    .await?;
    tx.batch_execute(
        "CREATE TABLE IF NOT EXISTS schema_migrations (
            component text NOT NULL,
            version integer NOT NULL,
            name text NOT NULL,
            applied_at timestamptz NOT NULL DEFAULT now(),
            PRIMARY KEY (component, version))",
    )
    .await?;
    let applied: Option<i32> = tx
        .query_one(
            "SELECT max(version) FROM schema_migrations WHERE component = $1",
            &[&component],
        )
        .await?
        .get(0);
    let applied = applied.unwrap_or(0);
    for m in migrations.iter().filter(|m| m.version > applied) {
        tracing::info!(
            component,
            version = m.version,
            name = m.name,
            "applying migration"
        );
        tx.batch_execute(m.sql)
            .await
            .with_context(|| format!("migration {component} {} {} failed", m.version, m.name))?;
        tx.execute(
            "INSERT INTO schema_migrations (component, version, name) VALUES ($1, $2, $3)",
            &[&component, &m.version, &m.name],
        )
        .await?;
    }
    tx.commit().await?;
    Ok(())
}

/// `VACUUM` of one table after an erasure, so that the erased row's dead
/// version leaves the table's pages without waiting for autovacuum (what it
/// means for the WAL and its archive: ADR 0016). A failure is logged: the
/// row is already gone for every reader, and autovacuum will come.
pub async fn vacuum(client: &tokio_postgres::Client, table: &str) {
    if let Err(e) = client.batch_execute(&format!("VACUUM {table}")).await {
        tracing::warn!(table, error = %e, "VACUUM after an erasure failed");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_never_show() {
        assert_eq!(
            redact_url("postgres://u:secret@h:5432/db"),
            "postgres://u:***@h:5432/db"
        );
        assert_eq!(redact_url("postgres://u@h/db"), "postgres://u@h/db");
    }

    #[test]
    fn schema_names_are_plain_identifiers() {
        assert!(check_schema_name("public").is_ok());
        assert!(check_schema_name("t_0189ab").is_ok());
        assert!(check_schema_name("x; DROP TABLE y").is_err());
        assert!(check_schema_name("9a").is_err());
    }
}
