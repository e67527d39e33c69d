//! Building and running the query service (`Application::build`, `port`,
//! `run_until_stopped`), so that tests can start it on port 0.

use crate::api::QueryState;
use crate::indexer::Indexer;
use crate::Settings;
use axum::Router;
use infra::event_store::DynEventStore;
use infra::http::{self, ClickHouseCheck, EventStoreCheck, Server};
use infra::read_model::postgres::PostgresReadModelStore;
use infra::read_model::DynReadModelStore;
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
        let pg_store = infra::connect::postgres_event_store(&settings.postgres).await?;
        let read_models: DynReadModelStore =
            Arc::new(PostgresReadModelStore::new(pg_store.pool().clone()).await?);
        let keys = Arc::new(
            infra::personal::postgres::PostgresPersonalKeyStore::new(pg_store.pool().clone())
                .await?,
        );
        let files: infra::files::DynFileStore = Arc::new(
            infra::files::postgres::PostgresFileStore::new(pg_store.pool().clone()).await?,
        );
        let store: DynEventStore = Arc::new(pg_store);
        let accounts = settings
            .jwt_secret
            .as_ref()
            .map(|secret| infra::tokens::AccountCheck {
                store: store.clone(),
                // Only checks tokens: the lifetime of new ones does not matter here.
                tokens: Arc::new(infra::tokens::Tokens::new(secret, time::Duration::hours(1))),
            });
        if accounts.is_none() {
            tracing::warn!(
                "PORTAL_JWT_SECRET is not set: the forum's professional section answers 401"
            );
        }
        let clickhouse = infra::connect::clickhouse(&settings.clickhouse).await?;
        let stats: infra::stats::DynStatsStore = Arc::new(
            infra::stats::clickhouse::ClickHouseStatsStore::new(clickhouse.clone()).await?,
        );
        let territory = Arc::new(infra::settings::load_territory(
            settings.territory_dir.as_deref(),
        ));
        let indexer = Arc::new(Indexer::new(read_models, territory));
        indexer.refresh().await?;
        let mut state = QueryState::new(indexer.clone(), settings.codelists_dir.as_deref())
            .with_stats(stats)
            .with_forum(keys, accounts)
            .with_events(store.clone())
            .with_files(files)
            .with_site(settings.site.clone());
        match &settings.command_url {
            Some(url) => state = state.with_commands(crate::web::Commands::remote(url)?),
            None => tracing::warn!(
                "PORTAL_COMMAND_URL is not set: the web pages' sign-in and forms answer 503"
            ),
        }
        let router = Router::new()
            .nest("/api/v1", api_router(state.clone()))
            .merge(hsds_router(state.clone()))
            .merge(web_router(state))
            .merge(http::ops_router(
                NAME,
                vec![
                    Box::new(EventStoreCheck(store)),
                    Box::new(ClickHouseCheck(clickhouse)),
                ],
            ));
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
