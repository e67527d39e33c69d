//! Building and running the query service (`Application::build`, `port`,
//! `run_until_stopped`), so that tests can start it on port 0.

use crate::Settings;
use axum::Router;
use infra::event_store::DynEventStore;
use infra::http::{self, ClickHouseCheck, EventStoreCheck, Server};
use infra::shutdown::Shutdown;
use std::net::SocketAddr;
use std::sync::Arc;

/// The service's name in logs, metrics and `/health`.
pub const NAME: &str = "query-service";

/// The read API, mounted under `/api/v1`; the registry, map and statistics queries arrive with their issues.
pub fn api_router(_store: DynEventStore) -> Router {
    Router::new()
}

/// A built, bound query service.
pub struct Application {
    server: Server,
}

impl Application {
    /// Connects to PostgreSQL and ClickHouse, applies migrations and binds the listener.
    ///
    /// # Errors
    /// Naming the variable of a dependency that cannot be reached, or the address that cannot be bound.
    pub async fn build(settings: Settings) -> anyhow::Result<Self> {
        let store: DynEventStore =
            Arc::new(infra::connect::postgres_event_store(&settings.postgres).await?);
        let clickhouse = infra::connect::clickhouse(&settings.clickhouse).await?;
        let router = Router::new()
            .nest("/api/v1", api_router(store.clone()))
            .merge(http::ops_router(
                NAME,
                vec![
                    Box::new(EventStoreCheck(store)),
                    Box::new(ClickHouseCheck(clickhouse)),
                ],
            ));
        let server = Server::bind(router, NAME, &settings.http).await?;
        Ok(Self { server })
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
        self.server.run_until_stopped().await
    }
}
