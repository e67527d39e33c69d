//! Building and running the query service: its [`state`] and routers over
//! the ports (both modes), and the distributed service (`Application::build`,
//! `port`, `run_until_stopped`), so that tests can start it on port 0.

use crate::api::QueryState;
use crate::indexer::Indexer;
use crate::Settings;
use axum::Router;
use infra::http::{self, Server};
use infra::ports::{Distributed, Ports};
use infra::shutdown::Shutdown;
use std::net::SocketAddr;
use std::sync::Arc;

/// The service's name in logs, metrics and `/health`.
pub const NAME: &str = "query-service";

/// The read API, to be mounted under `/api/v1`.
pub fn api_router(state: QueryState) -> Router {
    crate::api::routes(state)
}

/// The HSDS 3.1 routes, mounted at the root (`/hsds/...`).
pub fn hsds_router(state: QueryState) -> Router {
    crate::hsds::routes(state)
}

/// The web portal's pages, mounted at the root (`/`, `/sluzby/{id}`).
pub fn web_router(state: QueryState) -> Router {
    crate::web::routes(state)
}

/// The read side's state over `ports`: the index (filled before the first
/// request is answered), the statistics, the forum's keys with the account
/// check of its professional section (`accounts`), the log for `after=`,
/// the files, and the site's name and operator.
///
/// # Errors
/// When the read models cannot be read.
pub async fn state(
    ports: &Ports,
    accounts: Option<infra::tokens::AccountCheck>,
    site: crate::web::Site,
) -> anyhow::Result<QueryState> {
    let indexer = Arc::new(Indexer::new(
        ports.read_models.clone(),
        ports.territory.clone(),
    ));
    indexer.refresh().await?;
    let mut state = QueryState::new(indexer, ports.codelists.clone())
        .with_forum(ports.personal_keys.clone(), accounts)
        .with_events(ports.events.clone())
        .with_files(ports.files.clone())
        .with_site(site);
    if let Some(stats) = &ports.stats {
        state = state.with_stats(stats.clone());
    }
    Ok(state)
}

/// The read side's background work: the index follows the read models
/// until `shutdown`.
pub fn background(state: &QueryState, shutdown: &Shutdown) -> tokio::task::JoinHandle<()> {
    tokio::spawn(state.indexer.clone().run(shutdown.clone()))
}

/// A built, bound query service.
pub struct Application {
    server: Server,
    indexer: Arc<Indexer>,
}

impl Application {
    /// Connects to PostgreSQL and ClickHouse, applies migrations and binds the listener.
    ///
    /// # Errors
    /// Naming the variable of a dependency that cannot be reached, or the address that cannot be bound.
    pub async fn build(settings: Settings) -> anyhow::Result<Self> {
        let ports = Ports::postgres(&Distributed {
            postgres: settings.postgres.clone(),
            nats: None,
            clickhouse: Some(settings.clickhouse.clone()),
            territory_dir: settings.territory_dir.clone(),
            codelists_dir: settings.codelists_dir.clone(),
        })
        .await?;
        let accounts = settings
            .jwt_secret
            .as_ref()
            .map(|secret| infra::tokens::AccountCheck {
                store: ports.events.clone(),
                // Only checks tokens: the lifetime of new ones does not matter here.
                tokens: Arc::new(infra::tokens::Tokens::new(secret, time::Duration::hours(1))),
            });
        if accounts.is_none() {
            tracing::warn!(
                "PORTAL_JWT_SECRET is not set: the forum's professional section answers 401"
            );
        }
        let mut state = state(&ports, accounts, settings.site.clone()).await?;
        match &settings.command_url {
            Some(url) => state = state.with_commands(crate::web::Commands::remote(url)?),
            None => tracing::warn!(
                "PORTAL_COMMAND_URL is not set: the web pages' sign-in and forms answer 503"
            ),
        }
        let indexer = state.indexer.clone();
        let router = Router::new()
            .nest("/api/v1", api_router(state.clone()))
            .merge(hsds_router(state.clone()))
            .merge(web_router(state))
            .merge(http::ops_router(NAME, ports.checks(true)));
        let server = Server::bind(router, NAME, &settings.http).await?;
        Ok(Self { server, indexer })
    }

    /// The address it listens on.
    pub fn addr(&self) -> SocketAddr {
        self.server.addr()
    }

    /// The port it listens on.
    pub fn port(&self) -> u16 {
        self.addr().port()
    }

    /// A handle that stops the service when triggered (SIGINT/SIGTERM also stop it).
    pub fn shutdown_handle(&self) -> Shutdown {
        self.server.shutdown_handle()
    }

    /// Serves until stopped, then finishes in-flight requests.
    ///
    /// # Errors
    /// When the server fails.
    pub async fn run_until_stopped(self) -> anyhow::Result<()> {
        let shutdown = self.server.shutdown_handle();
        let indexer = tokio::spawn(self.indexer.run(shutdown.clone()));
        let served = self.server.run_until_stopped().await;
        shutdown.trigger();
        let _ = indexer.await;
        served
    }
}
