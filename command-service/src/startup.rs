//! Building and running the command service (`Application::build`, `port`,
//! `run_until_stopped`), so that tests can start it on port 0.

use crate::state::AppState;
use crate::Settings;
use axum::Router;
use infra::bus::EventPublisher;
use infra::credentials::postgres::PostgresCredentialStore;
use infra::event_store::DynEventStore;
use infra::http::{self, EventStoreCheck, NatsCheck, Server};
use infra::shutdown::Shutdown;
use std::net::SocketAddr;
use std::sync::Arc;

/// The service's name in logs, metrics and `/health`.
pub const NAME: &str = "command-service";

/// The write API, to be mounted under `/api/v1`.
pub fn api_router(state: AppState) -> Router {
    crate::api::routes()
        .layer(axum::middleware::from_fn(
            crate::extract::fingerprint_requests,
        ))
        .with_state(state)
}

/// `/.well-known/jwks.json`: the public keys that verify audit exports (RFC 7517).
pub fn well_known_router(state: &AppState) -> Router {
    let jwks = state.signing.jwks();
    Router::new().route(
        "/.well-known/jwks.json",
        axum::routing::get(move || async move {
            (
                [(axum::http::header::CACHE_CONTROL, "public, max-age=300")],
                axum::Json(jwks),
            )
        }),
    )
}

/// A built, bound command service.
pub struct Application {
    server: Server,
    relay: (
        DynEventStore,
        deadpool_postgres::Pool,
        String,
        EventPublisher,
    ),
    sender: Option<Arc<crate::notify::Sender>>,
}

/// The files the log names against the file store (`command-service check-files`).
///
/// # Errors
/// When PostgreSQL cannot be reached or read.
pub async fn check_files(settings: &Settings) -> anyhow::Result<infra::files::check::Report> {
    let pg_store = infra::connect::postgres_event_store(&settings.postgres).await?;
    let files: infra::files::DynFileStore =
        Arc::new(infra::files::postgres::PostgresFileStore::new(pg_store.pool().clone()).await?);
    let events: DynEventStore = Arc::new(pg_store);
    infra::files::check::check(&events, &files).await
}

impl Application {
    /// Connects to PostgreSQL and NATS, applies migrations and binds the listener.
    ///
    /// # Errors
    /// Naming the variable of a dependency that cannot be reached, or the address that cannot be bound.
    pub async fn build(settings: Settings) -> anyhow::Result<Self> {
        let pg_store = infra::connect::postgres_event_store(&settings.postgres).await?;
        let pool = pg_store.pool().clone();
        let credentials = Arc::new(PostgresCredentialStore::new(pool.clone()).await?);
        let personal_keys =
            Arc::new(infra::personal::postgres::PostgresPersonalKeyStore::new(pool.clone()).await?);
        crate::outbox::prepare(&pool).await?;
        let store: DynEventStore = Arc::new(pg_store);
        let nats = infra::connect::nats(&settings.nats).await?;
        let publisher = EventPublisher::new(nats.clone(), &settings.nats.prefix)
            .await
            .map_err(|e| anyhow::anyhow!("NATS_URL={}: {e:#}", settings.nats.url))?;
        let read_models: infra::read_model::DynReadModelStore =
            Arc::new(infra::read_model::postgres::PostgresReadModelStore::new(pool.clone()).await?);
        let stats: Option<infra::stats::DynStatsStore> = match &settings.clickhouse {
            Some(ch) => Some(Arc::new(
                infra::stats::clickhouse::ClickHouseStatsStore::new(
                    infra::connect::clickhouse(ch).await?,
                )
                .await?,
            )),
            None => None,
        };
        let relay = (
            store.clone(),
            pool.clone(),
            settings.postgres.schema.clone(),
            publisher,
        );
        let mut state =
            crate::bootstrap::app_state(store.clone(), credentials, personal_keys, &settings.auth)
                .await?;
        state.territory = Arc::new(infra::settings::load_territory(
            settings.territory_dir.as_deref(),
        ));
        // Administrators list and rebuild the projections through this API
        // (it authenticates them); the work is the projection service's
        // library, hence this one dependency of the command service on it.
        state.projections = Some(Arc::new(projection_service::admin::Admin {
            events: store.clone(),
            read_models,
            stats,
            territory: state.territory.clone(),
        }));
        state.files = Some(crate::state::FileKeeping {
            store: Arc::new(infra::files::postgres::PostgresFileStore::new(pool.clone()).await?),
            limit: settings.http.file_limit,
        });
        // E-mail goes out from here when an SMTP server is named (ADR 0021).
        let sender = match settings.notify.mail.mailer(None)? {
            Some(mailer) => {
                let outbox: infra::mail::outbox::DynMailOutbox =
                    Arc::new(infra::mail::outbox::postgres::PostgresMailOutbox::new(pool).await?);
                state.mail_outbox = Some(outbox.clone());
                let public_url = settings.notify.public_url.clone().ok_or_else(|| {
                    anyhow::anyhow!("PORTAL_PUBLIC_URL is not set: the links of e-mail messages need the portal's address")
                })?;
                Some(Arc::new(crate::notify::Sender {
                    events: store.clone(),
                    outbox,
                    mailer,
                    credentials: state.credentials.clone(),
                    personal: state.personal_keys.clone(),
                    link_key: Arc::new(crate::notify::link_key(&state.audit_key)),
                    public_url,
                    site_name: settings.notify.site(),
                    poll: std::time::Duration::from_secs(5),
                    retry_after: settings.notify.retry_after(),
                }))
            }
            None => None,
        };
        let router = Router::new()
            .merge(well_known_router(&state))
            .nest("/api/v1", api_router(state))
            .merge(http::ops_router(
                NAME,
                vec![Box::new(EventStoreCheck(store)), Box::new(NatsCheck(nats))],
            ));
        let server = Server::bind(router, NAME, &settings.http).await?;
        Ok(Self {
            server,
            relay,
            sender,
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
        let (store, pool, schema, publisher) = self.relay;
        let relay = tokio::spawn(crate::outbox::run(
            store,
            pool,
            schema,
            publisher,
            shutdown.clone(),
        ));
        let sender = self.sender.map(|s| tokio::spawn(s.run(shutdown.clone())));
        let served = self.server.run_until_stopped().await;
        // The server has stopped (or failed): the relay finishes its batch and stops too.
        shutdown.trigger();
        let _ = relay.await;
        if let Some(sender) = sender {
            let _ = sender.await;
        }
        served
    }
}
