//! The ports of the portal: every store and connection its services work
//! with, opened once — on PostgreSQL, NATS JetStream and ClickHouse (the
//! distributed mode, [`Ports::postgres`]) or in the SQLite files of one data
//! folder (the embedded mode, [`Ports::embedded`]) — with the territory and
//! the MPSV code lists loaded once. Each service builds its router and its
//! background work from a `Ports`; the embedded `portal` builds all three
//! from one (ADR 0025).

use crate::codelists::CodeLists;
use crate::credentials::DynCredentialStore;
use crate::event_store::DynEventStore;
use crate::files::DynFileStore;
use crate::http::{ClickHouseCheck, EventStoreCheck, HealthCheck, NatsCheck};
use crate::mail::outbox::DynMailOutbox;
use crate::personal::DynPersonalKeyStore;
use crate::postgres::PgSettings;
use crate::read_model::DynReadModelStore;
use crate::settings::{ClickHouseSettings, NatsSettings};
use crate::stats::DynStatsStore;
use crate::territory::Territory;
use std::path::PathBuf;
use std::sync::Arc;

/// Every store and connection of a service.
#[derive(Clone)]
pub struct Ports {
    /// The log.
    pub events: DynEventStore,
    /// The read models.
    pub read_models: DynReadModelStore,
    /// The statistics store (none: a command service without `CLICKHOUSE_URL`).
    pub stats: Option<DynStatsStore>,
    /// Personal data of accounts.
    pub credentials: DynCredentialStore,
    /// The keys sealing what each forum author wrote.
    pub personal_keys: DynPersonalKeyStore,
    /// The files the portal keeps.
    pub files: DynFileStore,
    /// The outbox of e-mail messages.
    pub mail_outbox: DynMailOutbox,
    /// JetStream (distributed mode; none: the embedded mode's projections
    /// follow the log itself).
    pub bus: Option<Bus>,
    /// PostgreSQL's advisory locks: one active instance per background task
    /// (distributed mode; none: one process does everything).
    pub locks: Option<Locks>,
    /// ClickHouse, for `/ready` (when the statistics live there).
    pub clickhouse: Option<clickhouse::Client>,
    /// The municipalities, ORP and kraje.
    pub territory: Arc<Territory>,
    /// The MPSV code lists.
    pub codelists: Arc<CodeLists>,
}

/// NATS JetStream, where the relay publishes committed events.
#[derive(Clone)]
pub struct Bus {
    /// The connection.
    pub client: async_nats::Client,
    /// `NATS_STREAM_PREFIX`: of the stream's and the subjects' names.
    pub prefix: String,
    /// `NATS_URL`, for messages.
    pub url: String,
}

/// The PostgreSQL pool whose advisory locks elect the active instance of
/// each background task, and the schema they are named in.
#[derive(Clone)]
pub struct Locks {
    /// The pool.
    pub pool: deadpool_postgres::Pool,
    /// `DATABASE_SCHEMA`.
    pub schema: String,
}

/// Where the distributed mode's ports are.
#[derive(Debug, Clone)]
pub struct Distributed {
    /// `DATABASE_URL` …: the log, the read models, credentials, keys, files, mail.
    pub postgres: PgSettings,
    /// `NATS_URL` …: none for a service that neither publishes nor consumes.
    pub nats: Option<NatsSettings>,
    /// `CLICKHOUSE_URL` …: none for a service without statistics.
    pub clickhouse: Option<ClickHouseSettings>,
    /// `PORTAL_TERRITORY_DIR`.
    pub territory_dir: Option<PathBuf>,
    /// `PORTAL_CODELISTS_DIR`.
    pub codelists_dir: Option<PathBuf>,
}

/// Where the embedded mode's ports are.
#[derive(Debug, Clone)]
pub struct Embedded {
    /// `PORTAL_DATA_DIR`: every store is a file (or folder) here.
    pub data_dir: PathBuf,
    /// `PORTAL_TERRITORY_DIR`.
    pub territory_dir: Option<PathBuf>,
    /// `PORTAL_CODELISTS_DIR`.
    pub codelists_dir: Option<PathBuf>,
}

impl Ports {
    /// Connects to PostgreSQL (and NATS and ClickHouse when named) and
    /// applies the migrations of every store.
    ///
    /// # Errors
    /// Naming the variable of a dependency that cannot be reached.
    pub async fn postgres(settings: &Distributed) -> anyhow::Result<Self> {
        use crate::{credentials, files, mail, personal, read_model, stats};
        let pg_store = crate::connect::postgres_event_store(&settings.postgres).await?;
        let pool = pg_store.pool().clone();
        let bus = match &settings.nats {
            Some(nats) => Some(Bus {
                client: crate::connect::nats(nats).await?,
                prefix: nats.prefix.clone(),
                url: nats.url.clone(),
            }),
            None => None,
        };
        let clickhouse = match &settings.clickhouse {
            Some(ch) => Some(crate::connect::clickhouse(ch).await?),
            None => None,
        };
        let stats: Option<DynStatsStore> = match &clickhouse {
            Some(client) => Some(Arc::new(
                stats::clickhouse::ClickHouseStatsStore::new(client.clone()).await?,
            )),
            None => None,
        };
        Ok(Self {
            events: Arc::new(pg_store),
            read_models: Arc::new(
                read_model::postgres::PostgresReadModelStore::new(pool.clone()).await?,
            ),
            stats,
            credentials: Arc::new(
                credentials::postgres::PostgresCredentialStore::new(pool.clone()).await?,
            ),
            personal_keys: Arc::new(
                personal::postgres::PostgresPersonalKeyStore::new(pool.clone()).await?,
            ),
            files: Arc::new(files::postgres::PostgresFileStore::new(pool.clone()).await?),
            mail_outbox: Arc::new(
                mail::outbox::postgres::PostgresMailOutbox::new(pool.clone()).await?,
            ),
            bus,
            locks: Some(Locks {
                pool,
                schema: settings.postgres.schema.clone(),
            }),
            clickhouse,
            territory: Arc::new(crate::settings::load_territory(
                settings.territory_dir.as_deref(),
            )),
            codelists: Arc::new(crate::codelists::load(settings.codelists_dir.as_deref())),
        })
    }

    /// Opens the stores under the data folder (made, owner only, when missing).
    ///
    /// # Errors
    /// When the folder or a store cannot be opened.
    pub fn embedded(settings: &Embedded) -> anyhow::Result<Self> {
        use crate::{credentials, event_store, files, mail, personal, read_model, stats};
        let dir = &settings.data_dir;
        // Hashes, e-mails and every author's key live here: owner only.
        crate::sqlite::private_dir(dir)?;
        Ok(Self {
            events: Arc::new(event_store::sqlite::SqliteEventStore::open(
                dir.join("events.sqlite3"),
            )?),
            read_models: Arc::new(read_model::sqlite::SqliteReadModelStore::open(
                dir.join("read_models.sqlite3"),
            )?),
            stats: Some(Arc::new(stats::sqlite::SqliteStatsStore::open(
                dir.join("stats.sqlite3"),
            )?)),
            credentials: Arc::new(credentials::sqlite::SqliteCredentialStore::open(
                dir.join("private.sqlite3"),
            )?),
            personal_keys: Arc::new(personal::sqlite::SqlitePersonalKeyStore::open(
                dir.join("personal-keys.sqlite3"),
            )?),
            // Uploaded files, content-addressed, in data/files/ (ADR 0022).
            files: Arc::new(files::dir::DirFileStore::open(dir.join("files"))?),
            mail_outbox: Arc::new(mail::outbox::sqlite::SqliteMailOutbox::open(
                dir.join("mail.sqlite3"),
            )?),
            bus: None,
            locks: None,
            clickhouse: None,
            territory: Arc::new(crate::settings::load_territory(
                settings.territory_dir.as_deref(),
            )),
            codelists: Arc::new(crate::codelists::load(settings.codelists_dir.as_deref())),
        })
    }

    /// What `/ready` asks: the log, NATS when used, and ClickHouse when the
    /// service's work needs its `statistics` (a command service writes
    /// without them: it stays ready when ClickHouse is away).
    pub fn checks(&self, statistics: bool) -> Vec<Box<dyn HealthCheck>> {
        let mut checks: Vec<Box<dyn HealthCheck>> =
            vec![Box::new(EventStoreCheck(self.events.clone()))];
        if let Some(bus) = &self.bus {
            checks.push(Box::new(NatsCheck(bus.client.clone())));
        }
        if let Some(ch) = self.clickhouse.as_ref().filter(|_| statistics) {
            checks.push(Box::new(ClickHouseCheck(ch.clone())));
        }
        checks
    }
}
