//! The `portal` binary's library: all three services in one process in
//! embedded mode (events in SQLite under `./data/`, in-process bus, embedded
//! read models), the command a new user runs.

pub mod backup;
pub mod demo;
pub mod import;
pub mod secrets;
pub mod settings;

pub use settings::Settings;

use axum::Router;
use infra::credentials::sqlite::SqliteCredentialStore;
use infra::event_store::sqlite::SqliteEventStore;
use infra::event_store::DynEventStore;
use infra::http::{self, EventStoreCheck, Server};
use infra::read_model::sqlite::SqliteReadModelStore;
use infra::read_model::DynReadModelStore;
use infra::shutdown::Shutdown;
use query_service::indexer::Indexer;
use query_service::QueryState;
use std::net::SocketAddr;
use std::sync::Arc;

/// The name in logs, metrics and `/health`.
pub const NAME: &str = "portal";

/// Rebuilds the embedded read models from the log (`portal rebuild`); a running portal follows the switch.
///
/// # Errors
/// When the stores cannot be opened.
pub async fn rebuild(settings: &Settings) -> anyhow::Result<i64> {
    let events: DynEventStore = Arc::new(SqliteEventStore::open(
        settings.data_dir.join("events.sqlite3"),
    )?);
    let read_models: DynReadModelStore = Arc::new(SqliteReadModelStore::open(
        settings.data_dir.join("read_models.sqlite3"),
    )?);
    let generation = projection_service::rebuild_all(&events, &read_models).await?;
    let stats: infra::stats::DynStatsStore = Arc::new(
        infra::stats::sqlite::SqliteStatsStore::open(settings.data_dir.join("stats.sqlite3"))?,
    );
    let territory = Arc::new(infra::settings::load_territory(
        settings.territory_dir.as_deref(),
    ));
    let processed = projection_service::rebuild_statistics(events, stats, territory).await?;
    println!("statistics rebuilt from {processed} events");
    Ok(generation)
}

/// `portal check-files`: every file the log names is in `data/files/`, and
/// which stored files no event names.
///
/// # Errors
/// When a store cannot be opened or read.
pub async fn check_files(settings: &Settings) -> anyhow::Result<infra::files::check::Report> {
    let events: DynEventStore = Arc::new(SqliteEventStore::open(
        settings.data_dir.join("events.sqlite3"),
    )?);
    let files: infra::files::DynFileStore = Arc::new(infra::files::dir::DirFileStore::as_it_is(
        settings.data_dir.join("files"),
    ));
    infra::files::check::check(&events, &files).await
}

/// The whole portal backend in one process.
pub struct Application {
    server: Server,
    store: DynEventStore,
    read_models: DynReadModelStore,
    indexer: Arc<Indexer>,
    stats: infra::stats::DynStatsStore,
    territory: Arc<infra::territory::Territory>,
    sender: Arc<command_service::notify::Sender>,
    rules: projection_service::notifications::Rules,
}

impl Application {
    /// Opens the embedded stores under the data folder and binds the listener.
    ///
    /// # Errors
    /// When the data folder or the event store file cannot be opened, or the address cannot be bound.
    pub async fn build(settings: Settings) -> anyhow::Result<Self> {
        // Hashes, e-mails and every author's key live here: owner only.
        infra::sqlite::private_dir(&settings.data_dir)?;
        infra::metrics::watch_data_dir(&settings.data_dir);
        let path = settings.data_dir.join("events.sqlite3");
        let store: DynEventStore = Arc::new(SqliteEventStore::open(&path)?);
        let credentials = Arc::new(SqliteCredentialStore::open(
            settings.data_dir.join("private.sqlite3"),
        )?);
        let personal_keys: infra::personal::DynPersonalKeyStore =
            Arc::new(infra::personal::sqlite::SqlitePersonalKeyStore::open(
                settings.data_dir.join("personal-keys.sqlite3"),
            )?);
        let read_models: DynReadModelStore = Arc::new(SqliteReadModelStore::open(
            settings.data_dir.join("read_models.sqlite3"),
        )?);
        let territory = Arc::new(infra::settings::load_territory(
            settings.territory_dir.as_deref(),
        ));
        // Into an empty store only: before the first account is created.
        if settings.demo_data {
            let written = demo::seed(&store, &territory).await?;
            if written > 0 {
                tracing::info!(
                    services = written,
                    "demo data written (PORTAL_DEMO_DATA=0 turns it off)"
                );
            }
        }
        let auth = secrets::embedded_auth(&settings.data_dir)?;
        let mut command_state = command_service::bootstrap::app_state(
            store.clone(),
            credentials.clone(),
            personal_keys.clone(),
            &auth,
        )
        .await?;
        let stats: infra::stats::DynStatsStore = Arc::new(
            infra::stats::sqlite::SqliteStatsStore::open(settings.data_dir.join("stats.sqlite3"))?,
        );
        command_state.territory = territory.clone();
        // Uploaded files, content-addressed, in data/files/ (ADR 0022).
        let files: infra::files::DynFileStore = Arc::new(infra::files::dir::DirFileStore::open(
            settings.data_dir.join("files"),
        )?);
        command_state.files = Some(command_service::state::FileKeeping {
            store: files.clone(),
            limit: settings.http.file_limit,
        });
        command_state.projections = Some(Arc::new(projection_service::admin::Admin {
            events: store.clone(),
            read_models: read_models.clone(),
            stats: Some(stats.clone()),
            territory: territory.clone(),
        }));
        // Without an SMTP server, messages are written to data/outbox/ (ADR 0021).
        let mailer = settings
            .notify
            .mail
            .mailer(Some(settings.data_dir.join("outbox")))?
            .ok_or_else(|| anyhow::anyhow!("no mailer"))?;
        let mail_outbox: infra::mail::outbox::DynMailOutbox =
            Arc::new(infra::mail::outbox::sqlite::SqliteMailOutbox::open(
                settings.data_dir.join("mail.sqlite3"),
            )?);
        command_state.mail_outbox = Some(mail_outbox.clone());
        let sender = command_service::notify::Sender {
            events: store.clone(),
            outbox: mail_outbox,
            mailer,
            credentials,
            personal: personal_keys.clone(),
            link_key: Arc::new(command_service::notify::link_key(&command_state.audit_key)),
            public_url: String::new(),
            site_name: settings
                .notify
                .site_name
                .clone()
                .or_else(|| settings.site.name.clone())
                .unwrap_or_else(|| settings.notify.site()),
            poll: std::time::Duration::from_secs(2),
            retry_after: settings.notify.retry_after(),
        };
        let indexer = Arc::new(Indexer::new(read_models.clone(), territory.clone()));
        indexer.refresh().await?;
        let accounts = infra::tokens::AccountCheck {
            store: store.clone(),
            tokens: command_state.tokens.clone(),
        };
        let queries = QueryState::new(indexer.clone(), settings.codelists_dir.as_deref())
            .with_stats(stats.clone())
            .with_forum(personal_keys, Some(accounts))
            .with_events(store.clone())
            .with_files(files)
            .with_site(settings.site.clone());
        let well_known = command_service::startup::well_known_router(&command_state);
        let commands = command_service::api_router(command_state);
        // The web pages' forms reach the command API in this process (ADR 0015).
        let queries = queries.with_commands(query_service::web::Commands::Local(
            Router::new().nest("/api/v1", commands.clone()),
        ));
        let api = Router::new()
            .merge(commands)
            .merge(query_service::api_router(queries.clone()));
        let router = Router::new()
            .merge(well_known)
            .nest("/api/v1", api)
            .merge(query_service::hsds_router(queries.clone()))
            .merge(query_service::web_router(queries))
            .merge(http::ops_router(
                NAME,
                vec![Box::new(EventStoreCheck(store.clone()))],
            ));
        let server = Server::bind(router, NAME, &settings.http).await?;
        let public_url = settings
            .notify
            .public_url
            .clone()
            .unwrap_or_else(|| format!("http://{}", server.addr()));
        Ok(Self {
            server,
            store,
            read_models,
            indexer,
            stats,
            territory,
            sender: Arc::new(command_service::notify::Sender {
                public_url,
                ..sender
            }),
            rules: settings.notifications,
        })
    }

    /// The address it listens on.
    pub fn addr(&self) -> SocketAddr {
        self.server.addr()
    }

    /// The port it listens on.
    pub fn port(&self) -> u16 {
        self.addr().port()
    }

    /// The event store, for tools and tests in the same process.
    pub fn event_store(&self) -> DynEventStore {
        self.store.clone()
    }

    /// A handle that stops the portal when triggered (SIGINT/SIGTERM also stop it).
    pub fn shutdown_handle(&self) -> Shutdown {
        self.server.shutdown_handle()
    }

    /// Serves until stopped, then finishes in-flight requests.
    ///
    /// # Errors
    /// When the server fails.
    pub async fn run_until_stopped(self) -> anyhow::Result<()> {
        let shutdown = self.server.shutdown_handle();
        let mut tasks = projection_service::spawn_projections(
            self.store.clone(),
            self.read_models.clone(),
            shutdown.clone(),
        );
        tasks.push(projection_service::spawn_statistics(
            self.store.clone(),
            self.stats.clone(),
            self.territory.clone(),
            shutdown.clone(),
        ));
        tasks.push(projection_service::spawn_notifications(
            self.store.clone(),
            self.territory.clone(),
            self.rules,
            shutdown.clone(),
        ));
        tasks.push(tokio::spawn(self.sender.run(shutdown.clone())));
        tasks.push(tokio::spawn(self.indexer.run(shutdown.clone())));
        let served = self.server.run_until_stopped().await;
        shutdown.trigger();
        for t in tasks {
            let _ = t.await;
        }
        served
    }
}
