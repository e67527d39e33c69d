//! Test support shared by every crate's tests: per-test PostgreSQL schemas,
//! ClickHouse databases, JetStream prefixes and temporary folders, each
//! removed when dropped. The servers come from `PORTAL_TEST_*` variables
//! exported by `scripts/test`; a test that needs one fails when it is
//! missing, it never skips.

use crate::postgres::PgSettings;
use crate::settings::{ClickHouseSettings, NatsSettings};
use std::path::{Path, PathBuf};

fn unique_name(prefix: &str) -> String {
    format!("{prefix}_{}", uuid::Uuid::now_v7().simple())
}

/// The value of a `PORTAL_TEST_*` variable; panics with how to get it when missing.
///
/// # Panics
/// When the variable is not set: the test needs the service and must fail, not skip.
pub fn required_env(var: &str) -> String {
    match std::env::var(var) {
        Ok(v) if !v.trim().is_empty() => v,
        _ => panic!(
            "{var} is not set: this test needs a real server. Run the tests with scripts/test, \
             which starts PostgreSQL, NATS and ClickHouse and sets {var}."
        ),
    }
}

/// Runs a future to completion on a fresh runtime in its own thread (usable from `Drop`).
fn block_on_thread<F: std::future::Future<Output = ()> + Send + 'static>(f: F) {
    let handle = std::thread::spawn(move || {
        match tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
        {
            Ok(rt) => rt.block_on(f),
            Err(e) => eprintln!("cannot clean up after the test: {e}"),
        }
    });
    let _ = handle.join();
}

/// A PostgreSQL schema of its own for one test, dropped afterwards.
pub struct TestPostgres {
    /// Settings pointing at the schema.
    pub settings: PgSettings,
}

impl TestPostgres {
    /// A fresh schema name on the server of `PORTAL_TEST_DATABASE_URL` (created on first connect).
    ///
    /// # Panics
    /// When `PORTAL_TEST_DATABASE_URL` is not set.
    pub fn new() -> Self {
        Self {
            settings: PgSettings {
                url: required_env("PORTAL_TEST_DATABASE_URL"),
                schema: unique_name("t"),
                pool_size: 8,
            },
        }
    }
}

impl Default for TestPostgres {
    fn default() -> Self {
        Self::new()
    }
}

impl Drop for TestPostgres {
    fn drop(&mut self) {
        let settings = self.settings.clone();
        block_on_thread(async move {
            use std::str::FromStr;
            let Ok(config) = tokio_postgres::Config::from_str(&settings.url) else {
                return;
            };
            if let Ok((client, conn)) = config.connect(tokio_postgres::NoTls).await {
                let driver = tokio::spawn(conn);
                let _ = client
                    .batch_execute(&format!("DROP SCHEMA IF EXISTS {} CASCADE", settings.schema))
                    .await;
                drop(client);
                let _ = driver.await;
            }
        });
    }
}

/// A JetStream prefix of its own for one test; its streams are deleted afterwards.
pub struct TestNats {
    /// Settings with the unique prefix.
    pub settings: NatsSettings,
}

impl TestNats {
    /// A fresh prefix on the server of `PORTAL_TEST_NATS_URL`.
    ///
    /// # Panics
    /// When `PORTAL_TEST_NATS_URL` is not set.
    pub fn new() -> Self {
        Self {
            settings: NatsSettings {
                url: required_env("PORTAL_TEST_NATS_URL"),
                prefix: unique_name("t"),
            },
        }
    }
}

impl Default for TestNats {
    fn default() -> Self {
        Self::new()
    }
}

impl Drop for TestNats {
    fn drop(&mut self) {
        let settings = self.settings.clone();
        block_on_thread(async move {
            use futures_util::StreamExt;
            let Ok(client) = async_nats::connect(settings.url.as_str()).await else {
                return;
            };
            let js = async_nats::jetstream::new(client);
            let mut names = js.stream_names();
            let mut mine = Vec::new();
            while let Some(Ok(name)) = names.next().await {
                if name.starts_with(&settings.prefix) {
                    mine.push(name);
                }
            }
            for name in mine {
                let _ = js.delete_stream(&name).await;
            }
        });
    }
}

/// A ClickHouse database of its own for one test, dropped afterwards.
pub struct TestClickHouse {
    /// Settings pointing at the database (created on first connect).
    pub settings: ClickHouseSettings,
}

impl TestClickHouse {
    /// A fresh database name on the server of `PORTAL_TEST_CLICKHOUSE_URL`.
    ///
    /// # Panics
    /// When `PORTAL_TEST_CLICKHOUSE_URL` is not set.
    pub fn new() -> Self {
        Self {
            settings: ClickHouseSettings {
                url: required_env("PORTAL_TEST_CLICKHOUSE_URL"),
                database: unique_name("t"),
                user: "default".into(),
                password: String::new(),
            },
        }
    }
}

impl Default for TestClickHouse {
    fn default() -> Self {
        Self::new()
    }
}

impl Drop for TestClickHouse {
    fn drop(&mut self) {
        let settings = self.settings.clone();
        block_on_thread(async move {
            let client = clickhouse::Client::default()
                .with_url(&settings.url)
                .with_user(&settings.user)
                .with_password(&settings.password);
            let _ = client
                .query(&format!("DROP DATABASE IF EXISTS {}", settings.database))
                .execute()
                .await;
        });
    }
}

/// A temporary folder removed when dropped.
pub struct TempDir(PathBuf);

impl TempDir {
    /// Creates a fresh folder under the system's temporary folder.
    ///
    /// # Panics
    /// When the folder cannot be created.
    pub fn new() -> Self {
        let path = std::env::temp_dir().join(unique_name("portal-test"));
        std::fs::create_dir_all(&path).expect("cannot create a temporary folder");
        Self(path)
    }

    /// The folder.
    pub fn path(&self) -> &Path {
        &self.0
    }
}

impl Default for TempDir {
    fn default() -> Self {
        Self::new()
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}
