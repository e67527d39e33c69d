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
use infra::event_store::sqlite::SqliteEventStore;
use infra::event_store::DynEventStore;
use infra::http::{self, Server};
use infra::ports::{Embedded, Ports};
use infra::shutdown::Shutdown;
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
    let ports = Ports::embedded(&settings.ports())?;
    let generation = projection_service::rebuild_all(&ports.events, &ports.read_models).await?;
    if let Some(stats) = ports.stats.clone() {
        let processed =
            projection_service::rebuild_statistics(ports.events.clone(), stats, ports.territory)
                .await?;
        println!("statistics rebuilt from {processed} events");
    }
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
    // As it is: a check makes no folder.
    let files: infra::files::DynFileStore = Arc::new(infra::files::dir::DirFileStore::as_it_is(
        settings.data_dir.join("files"),
    ));
    infra::files::check::check(&events, &files).await
}

/// The whole portal backend in one process.
pub struct Application {
    server: Server,
    ports: Ports,
    queries: QueryState,
    sender: Arc<command_service::notify::Sender>,
    rules: projection_service::notifications::Rules,
}

impl Settings {
    /// Where the embedded stores are.
    pub fn ports(&self) -> Embedded {
        Embedded {
            data_dir: self.data_dir.clone(),
            territory_dir: self.territory_dir.clone(),
            codelists_dir: self.codelists_dir.clone(),
        }
    }
}

impl Application {
    /// Opens the embedded stores under the data folder and binds the listener.
    ///
    /// # Errors
    /// When the data folder or the event store file cannot be opened, or the address cannot be bound.
    pub async fn build(settings: Settings) -> anyhow::Result<Self> {
        let ports = Ports::embedded(&settings.ports())?;
        infra::metrics::watch_data_dir(&settings.data_dir);
        // Into an empty store only: before the first account is created.
        if settings.demo_data {
            let written = demo::seed(&ports.events, &ports.territory).await?;
            if written > 0 {
                tracing::info!(
                    services = written,
                    "demo data written (PORTAL_DEMO_DATA=0 turns it off)"
                );
            }
        }
        let auth = secrets::embedded_auth(&settings.data_dir)?;
        let command_state =
            command_service::startup::state(&ports, &auth, settings.http.file_limit, true).await?;
        let accounts = infra::tokens::AccountCheck {
            store: ports.events.clone(),
            tokens: command_state.tokens.clone(),
        };
        let queries =
            query_service::startup::state(&ports, Some(accounts), settings.site.clone()).await?;
        let well_known = command_service::startup::well_known_router(&command_state);
        let commands = command_service::api_router(command_state.clone());
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
            .merge(query_service::web_router(queries.clone()))
            .merge(http::ops_router(NAME, ports.checks(false)));
        let server = Server::bind(router, NAME, &settings.http).await?;
        // Without an SMTP server, messages are written to data/outbox/ (ADR 0021).
        let mailer = settings
            .notify
            .mail
            .mailer(Some(settings.data_dir.join("outbox")))?
            .ok_or_else(|| anyhow::anyhow!("no mailer"))?;
        let mail = command_service::startup::Mail {
            mailer,
            public_url: settings
                .notify
                .public_url
                .clone()
                .unwrap_or_else(|| format!("http://{}", server.addr())),
            site_name: settings
                .notify
                .site_name
                .clone()
                .or_else(|| settings.site.name.clone())
                .unwrap_or_else(|| settings.notify.site()),
            poll: std::time::Duration::from_secs(2),
            retry_after: settings.notify.retry_after(),
        };
        let sender = Arc::new(command_service::startup::sender(
            &ports,
            &command_state,
            mail,
        ));
        Ok(Self {
            server,
            ports,
            queries,
            sender,
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
        self.ports.events.clone()
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
        let mut tasks = projection_service::startup::background(&self.ports, self.rules, &shutdown);
        tasks.extend(command_service::startup::background(
            &self.ports,
            None,
            Some(self.sender),
            &shutdown,
        ));
        tasks.push(query_service::startup::background(&self.queries, &shutdown));
        let served = self.server.run_until_stopped().await;
        shutdown.trigger();
        for t in tasks {
            let _ = t.await;
        }
        served
    }
}
