//! Building and running the projection service: its [`background`] work
//! over the ports (both modes), and the distributed service
//! (`Application::build`, `port`, `run_until_stopped`), so that tests can
//! start it on port 0.

use crate::Settings;
use infra::http::{self, Server};
use infra::leader;
use infra::ports::{Distributed, Ports};
use infra::shutdown::Shutdown;
use std::net::SocketAddr;
use std::sync::Arc;

/// The service's name in logs, metrics and `/health`.
pub const NAME: &str = "projection-service";

/// The projections' work over `ports`, each task stopping with `shutdown`:
/// the read models, the statistics (when there is a statistics store) and
/// the process manager of notifications. Distributed (`ports.locks` and
/// `ports.bus`): each task runs on the instance holding its advisory lock,
/// the others stand by, and the read models are fed from JetStream with the
/// log as the catch-up path. Embedded: each follows the log itself.
pub fn background(
    ports: &Ports,
    rules: crate::notifications::Rules,
    shutdown: &Shutdown,
) -> Vec<tokio::task::JoinHandle<()>> {
    let statistics = ports.stats.clone().map(|store| {
        Arc::new(crate::statistics::Statistics {
            events: ports.events.clone(),
            store,
            territory: ports.territory.clone(),
        })
    });
    let notifications = Arc::new(crate::notifications::ProcessManager {
        events: ports.events.clone(),
        territory: ports.territory.clone(),
        rules,
    });
    let registry: Arc<dyn crate::runner::Projection> =
        Arc::new(crate::registry::RegistryProjection);
    let (events, read_models) = (ports.events.clone(), ports.read_models.clone());
    let (Some(locks), Some(bus)) = (&ports.locks, &ports.bus) else {
        let mut tasks = vec![
            tokio::spawn(crate::runner::follow(
                registry,
                events,
                read_models,
                crate::BATCH,
                shutdown.clone(),
            )),
            tokio::spawn(notifications.run(shutdown.clone())),
        ];
        tasks.extend(statistics.map(|s| tokio::spawn(s.run(shutdown.clone()))));
        return tasks;
    };
    let (pool, schema) = (&locks.pool, &locks.schema);
    let (nats, prefix) = (bus.client.clone(), bus.prefix.clone());
    let mut tasks = vec![
        leader::spawn(pool, schema, "notifications", shutdown, move |stop| {
            notifications.clone().run(stop)
        }),
        leader::spawn(pool, schema, registry.name(), shutdown, move |stop| {
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
    tasks.extend(statistics.map(|statistics| {
        leader::spawn(pool, schema, "statistics", shutdown, move |stop| {
            statistics.clone().run(stop)
        })
    }));
    tasks
}

/// A built, bound projection service.
pub struct Application {
    server: Server,
    ports: Ports,
    rules: crate::notifications::Rules,
}

impl Application {
    /// Connects to PostgreSQL, NATS and ClickHouse, applies migrations and binds the listener.
    ///
    /// # Errors
    /// Naming the variable of a dependency that cannot be reached, or the address that cannot be bound.
    pub async fn build(settings: Settings) -> anyhow::Result<Self> {
        let ports = Ports::postgres(&Distributed {
            postgres: settings.postgres.clone(),
            nats: Some(settings.nats.clone()),
            clickhouse: Some(settings.clickhouse.clone()),
            territory_dir: settings.territory_dir.clone(),
            codelists_dir: None,
        })
        .await?;
        // The events stream, in case no command service has created it yet.
        let bus = ports.bus.as_ref().expect("NATS is named");
        infra::bus::EventPublisher::new(bus.client.clone(), &bus.prefix)
            .await
            .map_err(|e| anyhow::anyhow!("NATS_URL={}: {e:#}", bus.url))?;
        let router = http::ops_router(NAME, ports.checks(true));
        let server = Server::bind(router, NAME, &settings.http).await?;
        Ok(Self {
            server,
            ports,
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
        let tasks = background(&self.ports, self.rules, &shutdown);
        let served = self.server.run_until_stopped().await;
        shutdown.trigger();
        for task in tasks {
            let _ = task.await;
        }
        served
    }
}
