//! Building and running the projection service (`Application::build`, `port`,
//! `run_until_stopped`), so that tests can start it on port 0.

use crate::Settings;
use infra::event_store::DynEventStore;
use infra::http::{self, ClickHouseCheck, EventStoreCheck, NatsCheck, Server};
use infra::leader;
use infra::read_model::postgres::PostgresReadModelStore;
use infra::read_model::DynReadModelStore;
use infra::shutdown::Shutdown;
use std::net::SocketAddr;
use std::sync::Arc;

/// The service's name in logs, metrics and `/health`.
pub const NAME: &str = "projection-service";

/// A built, bound projection service.
pub struct Application {
    server: Server,
    store: DynEventStore,
    read_models: DynReadModelStore,
    nats: async_nats::Client,
    prefix: String,
    stats: infra::stats::DynStatsStore,
    territory: Arc<infra::territory::Territory>,
    rules: crate::notifications::Rules,
    pool: deadpool_postgres::Pool,
    schema: String,
}

impl Application {
    /// Connects to PostgreSQL, NATS and ClickHouse, applies migrations and binds the listener.
    ///
    /// # Errors
    /// Naming the variable of a dependency that cannot be reached, or the address that cannot be bound.
    pub async fn build(settings: Settings) -> anyhow::Result<Self> {
        let pg_store = infra::connect::postgres_event_store(&settings.postgres).await?;
        let pool = pg_store.pool().clone();
        let read_models: DynReadModelStore =
            Arc::new(PostgresReadModelStore::new(pg_store.pool().clone()).await?);
        let store: DynEventStore = Arc::new(pg_store);
        let nats = infra::connect::nats(&settings.nats).await?;
        // The events stream, in case no command service has created it yet.
        infra::bus::EventPublisher::new(nats.clone(), &settings.nats.prefix)
            .await
            .map_err(|e| anyhow::anyhow!("NATS_URL={}: {e:#}", settings.nats.url))?;
        let clickhouse = infra::connect::clickhouse(&settings.clickhouse).await?;
        let stats: infra::stats::DynStatsStore = Arc::new(
            infra::stats::clickhouse::ClickHouseStatsStore::new(clickhouse.clone()).await?,
        );
        let territory = Arc::new(infra::settings::load_territory(
            settings.territory_dir.as_deref(),
        ));
        let router = http::ops_router(
            NAME,
            vec![
                Box::new(EventStoreCheck(store.clone())),
                Box::new(NatsCheck(nats.clone())),
                Box::new(ClickHouseCheck(clickhouse)),
            ],
        );
        let server = Server::bind(router, NAME, &settings.http).await?;
        Ok(Self {
            server,
            store,
            read_models,
            nats,
            prefix: settings.nats.prefix,
            stats,
            territory,
            rules: settings.notifications,
            pool,
            schema: settings.postgres.schema,
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
        // Each task runs on the instance holding its lock; the others stand by.
        let (pool, schema) = (self.pool, self.schema);
        let statistics = Arc::new(crate::statistics::Statistics {
            events: self.store.clone(),
            store: self.stats,
            territory: self.territory.clone(),
        });
        let notifications = Arc::new(crate::notifications::ProcessManager {
            events: self.store.clone(),
            territory: self.territory,
            rules: self.rules,
        });
        let registry: Arc<dyn crate::runner::Projection> =
            Arc::new(crate::registry::RegistryProjection);
        let (events, read_models, nats, prefix) =
            (self.store, self.read_models, self.nats, self.prefix);
        let projections = [
            leader::spawn(&pool, &schema, "statistics", &shutdown, move |stop| {
                statistics.clone().run(stop)
            }),
            leader::spawn(&pool, &schema, "notifications", &shutdown, move |stop| {
                notifications.clone().run(stop)
            }),
            leader::spawn(&pool, &schema, registry.name(), &shutdown, move |stop| {
                crate::consumer::consume(
                    registry.clone(),
                    events.clone(),
                    read_models.clone(),
                    nats.clone(),
                    prefix.clone(),
                    stop,
                )
            }),
        ];
        let served = self.server.run_until_stopped().await;
        shutdown.trigger();
        for p in projections {
            let _ = p.await;
        }
        served
    }
}
