//! Building and running the command service: its [`state`], routers and
//! [`background`] work over the ports (both modes), and the distributed
//! service (`Application::build`, `port`, `run_until_stopped`), so that
//! tests can start it on port 0.

use crate::state::AppState;
use crate::Settings;
use axum::Router;
use infra::bus::EventPublisher;
use infra::event_store::DynEventStore;
use infra::http::{self, Server};
use infra::ports::{Distributed, Ports};
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

/// The handlers' state over `ports`: the token keys and the first
/// administrator (`auth`), the territory, the projections for
/// administrators, the files (at most `file_limit` bytes each) and, when
/// this process sends e-mail (`sends_mail`), the outbox of messages.
///
/// # Errors
/// When the stores fail or the configured administrator is invalid.
pub async fn state(
    ports: &Ports,
    auth: &crate::settings::AuthSettings,
    file_limit: u64,
    sends_mail: bool,
) -> anyhow::Result<AppState> {
    let mut state = crate::bootstrap::app_state(
        ports.events.clone(),
        ports.credentials.clone(),
        ports.personal_keys.clone(),
        auth,
    )
    .await?;
    state.territory = ports.territory.clone();
    // Administrators list and rebuild the projections through this API
    // (it authenticates them); the work is the projection service's
    // library, hence this one dependency of the command service on it.
    state.projections = Some(Arc::new(projection_service::admin::Admin {
        events: ports.events.clone(),
        read_models: ports.read_models.clone(),
        stats: ports.stats.clone(),
        territory: ports.territory.clone(),
    }));
    state.files = Some(crate::state::FileKeeping {
        store: ports.files.clone(),
        limit: file_limit,
    });
    if sends_mail {
        state.mail_outbox = Some(ports.mail_outbox.clone());
    }
    Ok(state)
}

/// How this process sends e-mail (ADR 0021).
pub struct Mail {
    /// SMTP, or `.eml` files.
    pub mailer: infra::mail::DynMailer,
    /// The portal's address as browsers see it, for the messages' links.
    pub public_url: String,
    /// The name messages are signed with.
    pub site_name: String,
    /// How often the outbox is looked at when nothing woke the sender.
    pub poll: std::time::Duration,
    /// How long a message that failed waits before it is tried again.
    pub retry_after: std::time::Duration,
}

/// The mail sender over `ports`, with the keys of `state`.
pub fn sender(ports: &Ports, state: &AppState, mail: Mail) -> crate::notify::Sender {
    crate::notify::Sender {
        events: ports.events.clone(),
        outbox: ports.mail_outbox.clone(),
        mailer: mail.mailer,
        credentials: ports.credentials.clone(),
        personal: ports.personal_keys.clone(),
        link_key: Arc::new(crate::notify::link_key(&state.audit_key)),
        public_url: mail.public_url,
        site_name: mail.site_name,
        poll: mail.poll,
        retry_after: mail.retry_after,
    }
}

/// The command side's background work until `shutdown`: the relay of the
/// log to JetStream (distributed: `publisher`, on the instance holding its
/// lock), and the mail sender when this process sends e-mail.
pub fn background(
    ports: &Ports,
    publisher: Option<EventPublisher>,
    sender: Option<Arc<crate::notify::Sender>>,
    shutdown: &Shutdown,
) -> Vec<tokio::task::JoinHandle<()>> {
    let mut tasks = Vec::new();
    if let (Some(locks), Some(publisher)) = (&ports.locks, publisher) {
        tasks.push(tokio::spawn(crate::outbox::run(
            ports.events.clone(),
            locks.pool.clone(),
            locks.schema.clone(),
            publisher,
            shutdown.clone(),
        )));
    }
    tasks.extend(sender.map(|s| tokio::spawn(s.run(shutdown.clone()))));
    tasks
}

/// A built, bound command service.
pub struct Application {
    server: Server,
    ports: Ports,
    publisher: EventPublisher,
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
        let ports = Ports::postgres(&Distributed {
            postgres: settings.postgres.clone(),
            nats: Some(settings.nats.clone()),
            clickhouse: settings.clickhouse.clone(),
            territory_dir: settings.territory_dir.clone(),
            codelists_dir: None,
        })
        .await?;
        let locks = ports.locks.as_ref().expect("PostgreSQL");
        crate::outbox::prepare(&locks.pool).await?;
        let bus = ports.bus.as_ref().expect("NATS is named");
        let publisher = EventPublisher::new(bus.client.clone(), &bus.prefix)
            .await
            .map_err(|e| anyhow::anyhow!("NATS_URL={}: {e:#}", bus.url))?;
        // E-mail goes out from here when an SMTP server is named (ADR 0021).
        let mailer = settings.notify.mail.mailer(None)?;
        let state = state(
            &ports,
            &settings.auth,
            settings.http.file_limit,
            mailer.is_some(),
        )
        .await?;
        let sender = match mailer {
            Some(mailer) => {
                let public_url = settings.notify.public_url.clone().ok_or_else(|| {
                    anyhow::anyhow!("PORTAL_PUBLIC_URL is not set: the links of e-mail messages need the portal's address")
                })?;
                let mail = Mail {
                    mailer,
                    public_url,
                    site_name: settings.notify.site(),
                    poll: std::time::Duration::from_secs(5),
                    retry_after: settings.notify.retry_after(),
                };
                Some(Arc::new(sender(&ports, &state, mail)))
            }
            None => None,
        };
        let router = Router::new()
            .merge(well_known_router(&state))
            .nest("/api/v1", api_router(state))
            .merge(http::ops_router(NAME, ports.checks(false)));
        let server = Server::bind(router, NAME, &settings.http).await?;
        Ok(Self {
            server,
            ports,
            publisher,
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
        let tasks = background(&self.ports, Some(self.publisher), self.sender, &shutdown);
        let served = self.server.run_until_stopped().await;
        // The server has stopped (or failed): the relay finishes its batch and stops too.
        shutdown.trigger();
        for task in tasks {
            let _ = task.await;
        }
        served
    }
}
