//! HTTP plumbing shared by the services: the operations routes (`/health`,
//! `/ready`, `/metrics`), the middleware stack (request metrics, tracing,
//! timeout, body limit, security headers, problem+json for unknown routes
//! and bare errors) and serving with graceful shutdown.

use crate::event_store::DynEventStore;
use crate::metrics;
use crate::problem::Problem;
use crate::settings::HttpSettings;
use crate::shutdown::Shutdown;
use axum::extract::{MatchedPath, Request, State};
use axum::http::StatusCode;
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use serde_json::json;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::net::TcpListener;
use tower_http::compression::predicate::{DefaultPredicate, Predicate};
use tower_http::compression::CompressionLayer;
use tower_http::trace::TraceLayer;

/// A dependency whose health decides readiness.
#[async_trait::async_trait]
pub trait HealthCheck: Send + Sync {
    /// The dependency's name in `/ready` and in the `dependency_up` metric.
    fn name(&self) -> &'static str;
    /// Succeeds when the dependency answers.
    ///
    /// # Errors
    /// A description of what does not answer.
    async fn check(&self) -> anyhow::Result<()>;
}

/// The event store as a readiness check.
pub struct EventStoreCheck(pub DynEventStore);

#[async_trait::async_trait]
impl HealthCheck for EventStoreCheck {
    fn name(&self) -> &'static str {
        "event_store"
    }
    async fn check(&self) -> anyhow::Result<()> {
        Ok(self.0.ping().await?)
    }
}

/// NATS as a readiness check.
pub struct NatsCheck(pub async_nats::Client);

#[async_trait::async_trait]
impl HealthCheck for NatsCheck {
    fn name(&self) -> &'static str {
        "nats"
    }
    async fn check(&self) -> anyhow::Result<()> {
        crate::nats::ping(&self.0).await
    }
}

/// ClickHouse as a readiness check.
pub struct ClickHouseCheck(pub clickhouse::Client);

#[async_trait::async_trait]
impl HealthCheck for ClickHouseCheck {
    fn name(&self) -> &'static str {
        "clickhouse"
    }
    async fn check(&self) -> anyhow::Result<()> {
        crate::clickhouse::ping(&self.0).await
    }
}

#[derive(Clone)]
struct OpsState {
    service: &'static str,
    checks: Arc<Vec<Box<dyn HealthCheck>>>,
}

/// How often the dependencies are checked for `dependency_up` when nobody asks `/ready`.
const WATCH_EVERY: Duration = Duration::from_secs(15);

/// `/health` (the process is alive) and `/ready` (every dependency answers);
/// [`Server::bind`] adds `/metrics`, here or on `PORTAL_METRICS_ADDR`. The
/// dependencies are also checked every [`WATCH_EVERY`] while the router
/// lives, so that `dependency_up` is current for alerts.
pub fn ops_router(service: &'static str, checks: Vec<Box<dyn HealthCheck>>) -> Router {
    let checks = Arc::new(checks);
    if let Ok(runtime) = tokio::runtime::Handle::try_current() {
        let watched = Arc::downgrade(&checks);
        runtime.spawn(async move {
            loop {
                tokio::time::sleep(WATCH_EVERY).await;
                let Some(checks) = watched.upgrade() else {
                    return;
                };
                check_all(service, &checks).await;
            }
        });
    }
    Router::new()
        .route("/health", get(health))
        .route("/ready", get(ready))
        .with_state(OpsState { service, checks })
}

async fn health(State(state): State<OpsState>) -> Json<serde_json::Value> {
    Json(json!({ "status": "ok", "service": state.service, "version": env!("CARGO_PKG_VERSION") }))
}

/// Runs every check (each within 3 s) and records it in `dependency_up`:
/// the outcome by dependency, and those that failed.
async fn check_all(
    service: &'static str,
    checks: &[Box<dyn HealthCheck>],
) -> (
    serde_json::Map<String, serde_json::Value>,
    Vec<&'static str>,
) {
    let mut results = serde_json::Map::new();
    let mut failed = Vec::new();
    for check in checks {
        let outcome = tokio::time::timeout(Duration::from_secs(3), check.check()).await;
        let gauge = metrics::DEPENDENCY_UP.with_label_values(&[service, check.name()]);
        match outcome {
            Ok(Ok(())) => {
                gauge.set(1);
                results.insert(check.name().into(), json!("ok"));
            }
            Ok(Err(e)) => {
                gauge.set(0);
                tracing::warn!(dependency = check.name(), error = %format!("{e:#}"), "not ready");
                results.insert(check.name().into(), json!("unavailable"));
                failed.push(check.name());
            }
            Err(_) => {
                gauge.set(0);
                results.insert(check.name().into(), json!("timeout"));
                failed.push(check.name());
            }
        }
    }
    (results, failed)
}

async fn ready(State(state): State<OpsState>) -> Response {
    let (results, failed) = check_all(state.service, &state.checks).await;
    // Which background tasks this instance runs, and which it leaves to another.
    let roles: serde_json::Map<String, serde_json::Value> = crate::leader::roles()
        .into_iter()
        .map(|(task, role)| (task.to_string(), json!(role.as_str())))
        .collect();
    if failed.is_empty() {
        Json(json!({ "status": "ready", "service": state.service, "checks": results, "roles": roles }))
            .into_response()
    } else {
        Problem::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "not-ready",
            "A dependency is not available",
        )
        .detail(format!("not answering: {}", failed.join(", ")))
        .into_response()
    }
}

async fn metrics_text() -> impl IntoResponse {
    (
        [(
            axum::http::header::CONTENT_TYPE,
            "text/plain; version=0.0.4; charset=utf-8",
        )],
        metrics::render(),
    )
}

/// The problem+json 404 of every service (a path none of its routes has).
pub async fn not_found() -> Problem {
    Problem::new(StatusCode::NOT_FOUND, "not-found", "No such resource")
}

async fn record_metrics(
    State(service): State<&'static str>,
    request: Request,
    next: Next,
) -> Response {
    let started = Instant::now();
    let method = method_label(request.method());
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map_or_else(|| "unmatched".to_string(), |p| p.as_str().to_string());
    let response = next.run(request).await;
    metrics::HTTP_REQUESTS
        .with_label_values(&[service, method, &route, response.status().as_str()])
        .observe(started.elapsed().as_secs_f64());
    response
}

/// The metric label of a method: an invented method must not become a label
/// value of its own (each would add a series to `/metrics`).
fn method_label(method: &axum::http::Method) -> &'static str {
    use axum::http::Method;
    [
        Method::GET,
        Method::HEAD,
        Method::POST,
        Method::PUT,
        Method::PATCH,
        Method::DELETE,
        Method::OPTIONS,
    ]
    .iter()
    .zip(["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"])
    .find(|(m, _)| *m == method)
    .map_or("OTHER", |(_, label)| label)
}

/// The Content-Security-Policy of HTML pages: nothing from elsewhere, no
/// inline script, no framing.
pub const CONTENT_SECURITY_POLICY: &str = "default-src 'none'; script-src 'self'; \
style-src 'self' 'unsafe-inline'; img-src 'self' data:; media-src 'self'; connect-src 'self'; \
form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

/// Security headers on every answer (`nosniff`, a referrer policy; on HTML
/// pages the Content-Security-Policy), and problem+json for the error
/// answers that the layers below give bare (413, 405, 408, …).
async fn harden(request: Request, next: Next) -> Response {
    use axum::http::header::{self, HeaderValue};
    let response = next.run(request).await;
    let status = response.status();
    let (json, html) = response
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .map_or((false, false), |t| {
            (t.contains("json"), t.starts_with("text/html"))
        });
    let bare = (status.is_client_error() || status.is_server_error()) && !json && !html;
    let mut response = if bare {
        let (mut parts, _) = response.into_parts();
        let title = status.canonical_reason().unwrap_or("Error");
        let slug = title.to_lowercase().replace(' ', "-");
        let problem = Problem::new(status, &slug, title).into_response();
        let (problem_parts, body) = problem.into_parts();
        parts.headers.remove(header::CONTENT_LENGTH);
        for (name, value) in &problem_parts.headers {
            parts.headers.insert(name.clone(), value.clone());
        }
        Response::from_parts(parts, body)
    } else {
        response
    };
    let headers = response.headers_mut();
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    headers.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("strict-origin-when-cross-origin"),
    );
    if html {
        headers.insert(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static(CONTENT_SECURITY_POLICY),
        );
        headers.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    }
    response
}

/// The path that uploads files (`POST`): its body may be as large as a
/// file may be, and it may take as long as an upload takes.
pub const FILE_UPLOADS: &str = "/api/v1/files";

/// The path the portal's forms post to (`POST`): one sent with files
/// (`multipart/form-data`) may be as large as a file may be, their files
/// together, and take as long as an upload takes.
pub const FORM_UPLOADS: &str = "/moje/akce";

/// How long an upload may take.
pub const UPLOAD_TIMEOUT: Duration = Duration::from_secs(3600);

/// The limits of a request.
#[derive(Debug, Clone, Copy)]
struct Limits {
    body: u64,
    timeout: Duration,
    file: u64,
}

/// The largest body (413 beyond it, by `Content-Length` at once, else when
/// read) and the longest time to answer (408): `PORTAL_BODY_LIMIT_BYTES` and
/// `PORTAL_REQUEST_TIMEOUT_SECS`, but `PORTAL_FILE_LIMIT_BYTES` and an hour
/// for an upload of a file, which its handler reads as a stream.
async fn limit(State(limits): State<Limits>, request: Request, next: Next) -> Response {
    let post = request.method() == axum::http::Method::POST;
    let upload = post && request.uri().path() == FILE_UPLOADS;
    let form_with_files = post
        && request.uri().path() == FORM_UPLOADS
        && request
            .headers()
            .get(axum::http::header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|t| t.starts_with("multipart/form-data"));
    let (most, timeout) = if upload {
        (limits.file, UPLOAD_TIMEOUT)
    } else if form_with_files {
        (limits.file.saturating_add(limits.body), UPLOAD_TIMEOUT)
    } else {
        (limits.body, limits.timeout)
    };
    let declared = request
        .headers()
        .get(axum::http::header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok()?.parse::<u64>().ok());
    if declared.is_some_and(|n| n > most) {
        return StatusCode::PAYLOAD_TOO_LARGE.into_response();
    }
    let request = if upload {
        request
    } else {
        let most = usize::try_from(most).unwrap_or(usize::MAX);
        request.map(|body| axum::body::Body::new(http_body_util::Limited::new(body, most)))
    };
    match tokio::time::timeout(timeout, next.run(request)).await {
        Ok(response) => response,
        Err(_) => StatusCode::REQUEST_TIMEOUT.into_response(),
    }
}

/// Adds the shared middleware and the problem+json 404 to a service's routes:
/// metrics, the body limit, the timeout, the security headers, gzip for the
/// clients that accept it (the exports and GeoJSON shrink to a fifth), tracing.
pub fn with_middleware(router: Router, service: &'static str, settings: &HttpSettings) -> Router {
    router
        .fallback(not_found)
        .layer(middleware::from_fn_with_state(service, record_metrics))
        .layer(middleware::from_fn_with_state(
            Limits {
                body: settings.body_limit as u64,
                timeout: settings.request_timeout,
                file: settings.file_limit,
            },
            limit,
        ))
        .layer(middleware::from_fn(harden))
        .layer(CompressionLayer::new().compress_when(
            // Files are sent as they are: their ranges count their own bytes.
            DefaultPredicate::new().and(
                |_: StatusCode,
                 _: axum::http::Version,
                 headers: &axum::http::HeaderMap,
                 _: &axum::http::Extensions| {
                    !headers.contains_key(axum::http::header::ACCEPT_RANGES)
                },
            ),
        ))
        .layer(TraceLayer::new_for_http())
}

/// A bound HTTP server with its routes, stopped by SIGINT/SIGTERM or its shutdown handle.
pub struct Server {
    listener: TcpListener,
    router: Router,
    metrics: Option<TcpListener>,
    header_read_timeout: Duration,
    shutdown: Shutdown,
}

impl Server {
    /// Binds `settings.addr` (and `settings.metrics_addr` for `/metrics`)
    /// and wraps `router` in the shared middleware.
    ///
    /// # Errors
    /// When an address cannot be bound.
    pub async fn bind(
        router: Router,
        service: &'static str,
        settings: &HttpSettings,
    ) -> anyhow::Result<Self> {
        let bind = |addr: SocketAddr| async move {
            TcpListener::bind(addr)
                .await
                .map_err(|e| anyhow::anyhow!("cannot listen on {addr}: {e}"))
        };
        let listener = bind(settings.addr).await?;
        let (router, metrics) = match settings.metrics_addr {
            None => (router.route("/metrics", get(metrics_text)), None),
            Some(addr) => (router, Some(bind(addr).await?)),
        };
        Ok(Self {
            listener,
            router: with_middleware(router, service, settings),
            metrics,
            header_read_timeout: settings.header_read_timeout,
            shutdown: Shutdown::new(),
        })
    }

    /// The address it listens on.
    ///
    /// # Panics
    /// Never: a bound listener has an address.
    pub fn addr(&self) -> SocketAddr {
        self.listener
            .local_addr()
            .expect("a bound listener has an address")
    }

    /// The address of `/metrics` when it has one of its own.
    pub fn metrics_addr(&self) -> Option<SocketAddr> {
        self.metrics.as_ref().and_then(|l| l.local_addr().ok())
    }

    /// A handle that stops the server when triggered.
    pub fn shutdown_handle(&self) -> Shutdown {
        self.shutdown.clone()
    }

    /// Serves until SIGINT/SIGTERM or the shutdown handle, then lets in-flight requests finish.
    ///
    /// # Errors
    /// When the server fails.
    pub async fn run_until_stopped(self) -> anyhow::Result<()> {
        let os = Shutdown::on_os_signals();
        let mine = self.shutdown.clone();
        tokio::spawn(async move {
            os.wait().await;
            mine.trigger();
        });
        if let Some(listener) = self.metrics {
            let metrics = Router::new().route("/metrics", get(metrics_text));
            tokio::spawn(serve(
                listener,
                metrics,
                self.header_read_timeout,
                self.shutdown.clone(),
            ));
        }
        serve(
            self.listener,
            self.router,
            self.header_read_timeout,
            self.shutdown,
        )
        .await;
        Ok(())
    }
}

/// Accepts connections until `shutdown`, each served by HTTP/1 with the
/// client's address as `ConnectInfo` and a deadline for the request's
/// headers (a client that sends them slowly holds nothing for long); then
/// waits for the requests in flight.
async fn serve(
    listener: TcpListener,
    router: Router,
    header_timeout: Duration,
    shutdown: Shutdown,
) {
    use hyper_util::rt::{TokioIo, TokioTimer};
    let graceful = hyper_util::server::graceful::GracefulShutdown::new();
    let mut http = hyper::server::conn::http1::Builder::new();
    http.timer(TokioTimer::new())
        .header_read_timeout(header_timeout)
        .keep_alive(true);
    loop {
        let (stream, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(e) => {
                    // Out of file descriptors and the like: wait, do not spin.
                    tracing::warn!(error = %e, "cannot accept a connection");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
            () = shutdown.wait() => break,
        };
        let _ = stream.set_nodelay(true);
        let app = router
            .clone()
            .layer(axum::Extension(axum::extract::ConnectInfo(peer)));
        let service = hyper_util::service::TowerToHyperService::new(app);
        let connection = graceful.watch(http.serve_connection(TokioIo::new(stream), service));
        tokio::spawn(async move {
            if let Err(e) = connection.await {
                tracing::debug!(error = %e, "connection ended with an error");
            }
        });
    }
    drop(listener);
    graceful.shutdown().await;
}
