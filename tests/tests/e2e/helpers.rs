//! `spawn_*` helpers: start an application on port 0 in the background and
//! give the test its base URL and a way to stop it.

use infra::shutdown::Shutdown;
use std::net::SocketAddr;
use test_support::TempDir;

/// A running application.
pub struct TestApp {
    /// `http://127.0.0.1:PORT`.
    pub base: String,
    /// Stops it.
    pub shutdown: Shutdown,
    /// Resolves when it has stopped.
    pub stopped: tokio::task::JoinHandle<anyhow::Result<()>>,
    /// The event store of an embedded portal.
    pub store: Option<infra::event_store::DynEventStore>,
}

impl TestApp {
    /// Stops it and waits for in-flight requests to finish.
    pub async fn stop(self) {
        self.shutdown.trigger();
        self.stopped.await.unwrap().unwrap();
    }

    /// GET `path`: the status, the content type and the body.
    pub async fn get(&self, path: &str) -> (u16, String, String) {
        let response = reqwest::get(format!("{}{path}", self.base)).await.unwrap();
        let status = response.status().as_u16();
        let content_type = response
            .headers()
            .get("content-type")
            .map(|v| v.to_str().unwrap_or_default().to_string())
            .unwrap_or_default();
        (status, content_type, response.text().await.unwrap())
    }
}

fn base(addr: SocketAddr) -> String {
    format!("http://{addr}")
}

/// The embedded portal on a free port with its data in `dir`.
pub async fn spawn_portal(dir: &TempDir) -> TestApp {
    spawn_portal_with(dir, false).await
}

/// The embedded portal as `cargo run` starts it: with the demo data.
pub async fn spawn_demo_portal(dir: &TempDir) -> TestApp {
    spawn_portal_with(dir, true).await
}

async fn spawn_portal_with(dir: &TempDir, demo_data: bool) -> TestApp {
    spawn_portal_mailing(dir, demo_data, Mail::default()).await
}

/// How a test's services send e-mail: the SMTP server and when messages are due.
#[derive(Clone, Default)]
pub struct Mail {
    /// The sender's settings (an SMTP URL; none: `.eml` files in embedded mode, nothing distributed).
    pub notify: command_service::notify::NotifySettings,
    /// When messages are due.
    pub rules: projection_service::notifications::Rules,
}

/// The embedded portal with the e-mail settings of `mail`.
pub async fn spawn_portal_mailing(dir: &TempDir, demo_data: bool, mail: Mail) -> TestApp {
    spawn_portal_from(portal_settings(dir, demo_data, mail)).await
}

/// The settings of an embedded portal in `dir` on the shared reference data.
pub fn portal_settings(dir: &TempDir, demo_data: bool, mail: Mail) -> portal::Settings {
    portal::Settings {
        http: infra::settings::HttpSettings::for_tests(),
        data_dir: dir.path().to_path_buf(),
        territory_dir: Some(test_support::shared_data_dir().join("territory")),
        codelists_dir: Some(test_support::shared_data_dir().join("codelists")),
        demo_data,
        site: query_service::web::Site::default(),
        notify: mail.notify,
        notifications: mail.rules,
    }
}

/// Starts an embedded portal with `settings`.
pub async fn spawn_portal_from(settings: portal::Settings) -> TestApp {
    let app = portal::Application::build(settings).await.unwrap();
    let (base, shutdown, store) = (base(app.addr()), app.shutdown_handle(), app.event_store());
    TestApp {
        base,
        shutdown,
        stopped: tokio::spawn(app.run_until_stopped()),
        store: Some(store),
    }
}

/// Wraps a built distributed service.
macro_rules! spawn_service {
    ($app:expr) => {{
        let app = $app;
        $crate::helpers::TestApp {
            base: format!("http://{}", app.addr()),
            shutdown: app.shutdown_handle(),
            stopped: tokio::spawn(app.run_until_stopped()),
            store: None,
        }
    }};
}
pub(crate) use spawn_service;

/// The three services of the distributed mode on their own PostgreSQL
/// schema, JetStream prefix and ClickHouse database, admin `admin` with the
/// password `admin-password-1`.
pub struct Distributed {
    /// Base URL of the command service.
    pub commands: String,
    /// Base URL of the query service.
    pub queries: String,
    /// The PostgreSQL schema of the log.
    pub postgres: infra::postgres::PgSettings,
    /// The command, projection and query services.
    pub apps: Vec<TestApp>,
    _servers: Box<dyn std::any::Any + Send>,
}

impl Distributed {
    /// Stops every service.
    pub async fn stop(self) {
        for app in self.apps {
            app.stop().await;
        }
    }
}

/// Starts the command, projection and query services.
pub async fn spawn_distributed() -> Distributed {
    use test_support::{TestClickHouse, TestNats, TestPostgres};
    let (pg, nats, ch) = (TestPostgres::new(), TestNats::new(), TestClickHouse::new());
    let settings = (
        pg.settings.clone(),
        nats.settings.clone(),
        ch.settings.clone(),
    );
    spawn_distributed_on(settings, Box::new((pg, nats, ch))).await
}

/// Starts the three services, sending e-mail as `mail` says.
pub async fn spawn_distributed_mailing(mail: Mail) -> Distributed {
    use test_support::{TestClickHouse, TestNats, TestPostgres};
    let (pg, nats, ch) = (TestPostgres::new(), TestNats::new(), TestClickHouse::new());
    let settings = (
        pg.settings.clone(),
        nats.settings.clone(),
        ch.settings.clone(),
    );
    spawn_distributed_with(settings, Box::new((pg, nats, ch)), mail).await
}

/// The three services on the given servers; `servers` is kept alive with them.
pub async fn spawn_distributed_on(
    (pg, nats, ch): (
        infra::postgres::PgSettings,
        infra::settings::NatsSettings,
        infra::settings::ClickHouseSettings,
    ),
    servers: Box<dyn std::any::Any + Send>,
) -> Distributed {
    spawn_distributed_with((pg, nats, ch), servers, Mail::default()).await
}

/// The three services on the given servers, sending e-mail as `mail` says.
pub async fn spawn_distributed_with(
    (pg, nats, ch): (
        infra::postgres::PgSettings,
        infra::settings::NatsSettings,
        infra::settings::ClickHouseSettings,
    ),
    servers: Box<dyn std::any::Any + Send>,
    mail: Mail,
) -> Distributed {
    use test_support::shared_data_dir;
    let mut command = command_settings(&pg, &nats);
    command.auth.trusted_proxies = vec!["127.0.0.1".parse().unwrap()];
    command.clickhouse = Some(ch.clone());
    command.territory_dir = Some(shared_data_dir().join("territory"));
    command.notify = mail.notify;
    let command = command_service::Application::build(command).await.unwrap();
    let mut projection = projection_settings(&pg, &nats, &ch);
    projection.territory_dir = Some(shared_data_dir().join("territory"));
    projection.notifications = mail.rules;
    let projection = projection_service::Application::build(projection)
        .await
        .unwrap();
    let mut query = query_settings(&pg, &ch);
    query.territory_dir = Some(shared_data_dir().join("territory"));
    query.codelists_dir = Some(shared_data_dir().join("codelists"));
    query.jwt_secret = Some(test_support::TEST_JWT_SECRET.as_bytes().to_vec());
    query.command_url = Some(format!("http://{}", command.addr()));
    let query = query_service::Application::build(query).await.unwrap();
    let (command, projection, query) = (
        spawn_service!(command),
        spawn_service!(projection),
        spawn_service!(query),
    );
    Distributed {
        commands: command.base.clone(),
        queries: query.base.clone(),
        postgres: pg.clone(),
        apps: vec![command, projection, query],
        _servers: servers,
    }
}

/// Registers a provider seated in Děčín (Ústí kraj) and its asylum house
/// there (30 beds, facility `A`, "Dům na Labi"); returns the service's registration.
pub async fn asylum_house(
    admin: &crate::client::Client,
    ico: &str,
    provider: &str,
    service: &str,
    description: &str,
) -> crate::client::Answer {
    let address =
        serde_json::json!({ "city": "Děčín", "postcode": "40502", "municipality_code": "562335" });
    let p = serde_json::json!({ "ico": ico, "name": provider, "address": address });
    let registered = admin.post("/providers", p).await;
    assert_eq!(registered.status, 201, "{:?}", registered.body);
    let s = serde_json::json!({ "provider_ico": ico, "details": { "name": service, "kind": 20, "description": description,
        "forms": [{ "form": "pob", "capacities": [{ "unit": "luzka", "count": 30 }] }],
        "facilities": [{ "facility_id": "A", "name": "Dům na Labi", "address": address }] } });
    let registered = admin.post("/services", s).await;
    assert_eq!(registered.status, 201, "{:?}", registered.body);
    registered
}

/// Creates an account with one role (password `heslo-pro-test-1`) and logs it in.
pub async fn account(
    admin: &crate::client::Client,
    login: &str,
    role: &str,
    scope: serde_json::Value,
) -> crate::client::Client {
    let body = serde_json::json!({ "login": login, "email": format!("{login}@example.cz"), "display_name": login,
        "password": "heslo-pro-test-1", "roles": [{ "role": role, "scope": scope }] });
    let created = admin.post("/accounts", body).await;
    assert_eq!(created.status, 201, "{:?}", created.body);
    crate::client::Client::new(&admin.base)
        .login(login, "heslo-pro-test-1")
        .await
}

/// The two tests of a scenario `async fn(commands, queries, admin_password)`:
/// on the embedded portal, and on the three distributed services.
macro_rules! in_both_modes {
    ($scenario:ident, $embedded:ident, $distributed:ident) => {
        #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
        async fn $embedded() {
            let dir = test_support::TempDir::new();
            let app = $crate::helpers::spawn_portal(&dir).await;
            let password = std::fs::read_to_string(dir.path().join("admin-password")).unwrap();
            $scenario(&app.base, &app.base, password.trim()).await;
            app.stop().await;
        }

        #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
        async fn $distributed() {
            let stack = $crate::helpers::spawn_distributed().await;
            $scenario(&stack.commands, &stack.queries, "admin-password-1").await;
            stack.stop().await;
        }
    };
}
pub(crate) use in_both_modes;

/// A binary of the workspace, built beside this test (`cargo build --workspace`; `scripts/test` does).
pub fn binary(name: &str) -> String {
    let me = std::env::current_exe().unwrap();
    let bin = me.parent().unwrap().parent().unwrap().join(name);
    assert!(
        bin.exists(),
        "build the binaries first (cargo build --workspace): {}",
        bin.display()
    );
    bin.display().to_string()
}

/// The release the rolling-upgrade test starts from (`tests/upgrade-from`).
pub fn previous_release() -> &'static str {
    include_str!("../../upgrade-from")
        .lines()
        .map(str::trim)
        .find(|l| !l.is_empty() && !l.starts_with('#'))
        .expect("a commit in tests/upgrade-from")
}

/// A binary of the previous release, built by `scripts/test` into
/// `target/upgrade-from/<commit>/`.
pub fn previous_release_binary(name: &str) -> String {
    let me = std::env::current_exe().unwrap();
    let target = me.parent().unwrap().parent().unwrap().parent().unwrap();
    let bin = target
        .join("upgrade-from")
        .join(previous_release())
        .join(name);
    assert!(
        bin.exists(),
        "the previous release's binaries are built by scripts/test: {} is missing",
        bin.display()
    );
    bin.display().to_string()
}

/// The command service's settings for a test: its PostgreSQL schema and
/// JetStream prefix, the tests' token key, the administrator `admin` with
/// the password `admin-password-1`; no ClickHouse, territory or e-mail.
pub fn command_settings(
    pg: &infra::postgres::PgSettings,
    nats: &infra::settings::NatsSettings,
) -> command_service::Settings {
    command_service::Settings::for_tests(
        pg.clone(),
        nats.clone(),
        test_support::TEST_JWT_SECRET.as_bytes(),
    )
}

/// The projection service's settings for a test; no territory, notifications as by default.
pub fn projection_settings(
    pg: &infra::postgres::PgSettings,
    nats: &infra::settings::NatsSettings,
    ch: &infra::settings::ClickHouseSettings,
) -> projection_service::Settings {
    projection_service::Settings::for_tests(pg.clone(), nats.clone(), ch.clone())
}

/// The query service's settings for a test; no territory, code lists, token key or command service.
pub fn query_settings(
    pg: &infra::postgres::PgSettings,
    ch: &infra::settings::ClickHouseSettings,
) -> query_service::Settings {
    query_service::Settings::for_tests(pg.clone(), ch.clone())
}
