//! A fleet of distributed services as processes, each on an address of its
//! own kept across restarts, and clients that send commands to any command
//! service and read their own writes from any query service: what the
//! replicas and the rolling-upgrade tests share.

use crate::client::Client;
use crate::faults::{
    log_length, position, read_models_equal_a_rebuild, register, statistics_equal_a_rebuild,
};
use events::{RecordedEvent, StreamRef};
use infra::event_store::postgres::PostgresEventStore;
use infra::event_store::{DynEventStore, LogPosition};
use serde_json::{json, Value};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};
use test_support::{distributed_env, ServiceProcess, TestClickHouse, TestNats, TestPostgres};

#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) enum Kind {
    Command,
    Projection,
    Query,
}

impl Kind {
    /// The binary's name.
    pub(crate) fn name(self) -> &'static str {
        match self {
            Kind::Command => "command-service",
            Kind::Projection => "projection-service",
            Kind::Query => "query-service",
        }
    }

    fn addr_variable(self) -> &'static str {
        match self {
            Kind::Command => "COMMAND_SERVICE_ADDR",
            Kind::Projection => "PROJECTION_SERVICE_ADDR",
            Kind::Query => "QUERY_SERVICE_ADDR",
        }
    }

    /// The background tasks each instance of the kind runs or stands by for.
    pub(crate) fn tasks(self) -> &'static [&'static str] {
        match self {
            Kind::Command => &["outbox_relay"],
            Kind::Projection => &["notifications", "registry", "statistics"],
            Kind::Query => &[],
        }
    }
}

/// One instance: a fixed address (kept across restarts) and its process while it runs.
pub(crate) struct Instance {
    pub(crate) kind: Kind,
    pub(crate) addr: String,
    /// The binary it runs (this build's, or a previous release's in the upgrade test).
    pub(crate) binary: String,
    env: Vec<(&'static str, String)>,
    pub(crate) process: Option<ServiceProcess>,
}

impl Instance {
    /// An instance of this build's binary of `kind`.
    pub(crate) fn new(kind: Kind, env: &[(&'static str, String)]) -> Self {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let addr = format!("127.0.0.1:{port}");
        let mut env = env.to_vec();
        env.push((kind.addr_variable(), addr.clone()));
        Self {
            kind,
            addr,
            binary: crate::helpers::binary(kind.name()),
            env,
            process: None,
        }
    }

    pub(crate) fn base(&self) -> String {
        format!("http://{}", self.addr)
    }

    pub(crate) async fn start(&mut self) {
        let (bin, env) = (self.binary.clone(), self.env.clone());
        let process = tokio::task::spawn_blocking(move || ServiceProcess::spawn(&bin, &env))
            .await
            .unwrap();
        assert_eq!(process.addr.to_string(), self.addr);
        self.process = Some(process);
    }

    pub(crate) fn kill(&mut self) {
        self.process.take().expect("running").kill_hard();
    }

    /// Stops it as an operator would (SIGTERM), and waits until it has.
    pub(crate) async fn stop(&mut self) {
        let process = self.process.take().expect("running");
        let stopped = tokio::task::spawn_blocking(move || process.terminate())
            .await
            .unwrap();
        assert!(stopped.success(), "{} did not stop cleanly", self.addr);
    }

    /// Its `/ready` answer, once it answers 200 (within 30 s).
    pub(crate) async fn ready(&self) -> Value {
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            if let Ok(r) = reqwest::get(format!("{}/ready", self.base())).await {
                if r.status() == 200 {
                    return r.json().await.unwrap();
                }
            }
            assert!(Instant::now() < deadline, "{} not ready", self.addr);
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }
}

/// What one client saw accepted: the registrations and the reports, with their answers.
#[derive(Default)]
pub(crate) struct Accepted {
    pub(crate) services: Vec<(String, String)>,
    pub(crate) reports: Vec<(String, Value)>,
    /// The services suspended (once per suspension).
    pub(crate) suspensions: Vec<String>,
    pub(crate) retried: usize,
}

/// Sends a command to either command service until one accepts it, with
/// the same `Idempotency-Key` each time (a killed instance may have
/// committed it before it could answer).
pub(crate) async fn until_accepted(
    http: &reqwest::Client,
    bases: &[String],
    token: &str,
    key: &str,
    path: &str,
    body: &Value,
    retried: &mut usize,
) -> Value {
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let base = &bases[rand::random_range(0..bases.len())];
        let sent = http
            .post(format!("{base}/api/v1{path}"))
            .bearer_auth(token)
            .header("Idempotency-Key", key)
            .json(body)
            .send()
            .await;
        match sent {
            Ok(r) if r.status().is_success() => return r.json().await.unwrap(),
            Ok(r) => {
                let status = r.status().as_u16();
                assert!(
                    status >= 500,
                    "{key}: refused with {status}: {}",
                    r.text().await.unwrap_or_default()
                );
            }
            Err(_) => {}
        }
        *retried += 1;
        assert!(Instant::now() < deadline, "{key} was never accepted");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// Reads a service from either query service, waiting for the client's own
/// last write (`after=`); a 503 (not caught up yet) or an instance that is
/// down is asked again, any other answer is what the client gets.
pub(crate) async fn read_own_write(
    http: &reqwest::Client,
    bases: &[String],
    id: &str,
    after: LogPosition,
) -> Value {
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let base = &bases[rand::random_range(0..bases.len())];
        let url = format!(
            "{base}/api/v1/services/{id}?after={}:{}",
            after.transaction_id, after.global_position
        );
        match http.get(&url).send().await {
            Ok(r) if r.status() == 200 => return r.json().await.unwrap(),
            Ok(r) => assert_eq!(r.status(), 503, "{url}"),
            Err(_) => {}
        }
        assert!(Instant::now() < deadline, "{url} never answered");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// One client: registers a service of its own now and then, reports its
/// vacancies, suspends it (announcing when it resumes) and resumes it,
/// reading each write back from a query service.
pub(crate) async fn client(
    c: usize,
    commands: Vec<String>,
    queries: Vec<String>,
    token: String,
    provider_ico: String,
    stop: Arc<AtomicBool>,
) -> Accepted {
    let http = reqwest::Client::builder()
        .timeout(Duration::from_secs(10))
        .build()
        .unwrap();
    let mut seen = Accepted::default();
    let mut i = 0;
    let mut own: Option<(String, u64)> = None; // the service and its version
    while !stop.load(Ordering::SeqCst) {
        i += 1;
        let key = format!("fleet-{c}-{i}");
        let Some((id, version)) = own.as_mut().filter(|_| i % 8 != 0) else {
            let name = format!("Noclehárna {c}-{i}");
            let body = json!({ "provider_ico": provider_ico, "details": { "name": name, "kind": 26,
                "forms": [{ "form": "pob", "capacities": [{ "unit": "luzka", "count": 100 }] }],
                "facilities": [{ "facility_id": "A", "name": "Dům", "address": { "city": "Děčín", "postcode": "40502" } }] } });
            let answer = until_accepted(
                &http,
                &commands,
                &token,
                &key,
                "/services",
                &body,
                &mut seen.retried,
            )
            .await;
            let id = answer["stream_id"].as_str().unwrap().to_string();
            let read = read_own_write(&http, &queries, &id, position(&answer)).await;
            assert_eq!(
                read["details"]["name"], name,
                "client {c} does not see its service: {read}"
            );
            seen.services.push((id.clone(), name));
            own = Some((id, 1));
            continue;
        };
        let until = (time::OffsetDateTime::now_utc().date()
            + time::Duration::days(30 + (i % 60) as i64))
        .to_string();
        let (path, body) = match i % 8 {
            3 => (
                format!("/services/{id}/suspend"),
                json!({ "reason": "rekonstrukce", "until": until }),
            ),
            4 => (format!("/services/{id}/resume"), json!({})),
            _ => (
                format!("/services/{id}/vacancies"),
                json!({ "facility_id": "A", "form": "pob", "unit": "luzka", "free_places": (i % 90) as i64 }),
            ),
        };
        let answer = until_accepted(
            &http,
            &commands,
            &token,
            &key,
            &path,
            &body,
            &mut seen.retried,
        )
        .await;
        *version += 1;
        let read = read_own_write(&http, &queries, id, position(&answer)).await;
        assert_eq!(
            read["version"], *version,
            "client {c} read an answer older than its own write: {read}"
        );
        match i % 8 {
            3 => {
                assert_eq!(read["status"], "suspended", "client {c}: {read}");
                // An older release wrote it without the day, or an older query service left it out.
                let shown = &read["suspended_until"];
                assert!(shown.is_null() || *shown == until, "client {c}: {read}");
                seen.suspensions.push(id.clone());
            }
            4 => {
                assert_eq!(read["status"], "active", "client {c}: {read}");
                assert!(read["suspended_until"].is_null(), "client {c}: {read}");
            }
            _ => seen.reports.push((id.clone(), answer)),
        }
    }
    seen
}

/// Each task of the kind is active on exactly one of its running instances (within 15 s).
pub(crate) async fn one_active_each(instances: &[&Instance]) {
    let kind = instances[0].kind;
    let deadline = Instant::now() + Duration::from_secs(15);
    loop {
        let mut answers = Vec::new();
        for instance in instances {
            answers.push(instance.ready().await);
        }
        let settled = kind.tasks().iter().all(|task| {
            answers
                .iter()
                .filter(|a| a["roles"][*task] == "active")
                .count()
                == 1
                && answers.iter().all(|a| a["roles"][*task].is_string())
        });
        if settled {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "{kind:?}: not exactly one active instance per task: {answers:?}"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

/// Every event of `event_type` in the log, in order.
pub(crate) async fn logged(store: &DynEventStore, event_type: &str) -> Vec<RecordedEvent> {
    let (mut found, mut from) = (Vec::new(), LogPosition::START);
    loop {
        let page = store.read_all(from, 2000).await.unwrap();
        let Some(last) = page.last() else {
            return found;
        };
        from = last.log_position();
        found.extend(page.into_iter().filter(|e| e.event_type == event_type));
    }
}

/// Every command the clients saw accepted is in the log exactly once, and
/// nothing else of theirs is: one registration per service (besides
/// `registered_before`), as many reports and suspensions as were accepted.
pub(crate) async fn each_accepted_command_once(
    store: &DynEventStore,
    seen: &[Accepted],
    registered_before: usize,
) {
    for s in seen {
        for (id, _) in &s.services {
            let stream = store
                .read_stream(&StreamRef::new("service", id), 1, 10_000)
                .await
                .unwrap();
            let count = |t: &str| stream.iter().filter(|e| e.event_type == t).count();
            assert_eq!(count("ServiceRegistered"), 1, "{id}");
            let reports = s.reports.iter().filter(|(r, _)| r == id).count();
            assert_eq!(count("VacancyReported"), reports, "{id}");
            let suspensions = s.suspensions.iter().filter(|r| *r == id).count();
            assert_eq!(count("ServiceSuspended"), suspensions, "{id}");
        }
    }
    let services: usize = seen.iter().map(|s| s.services.len()).sum();
    assert_eq!(
        logged(store, "ServiceRegistered").await.len(),
        services + registered_before,
        "a registration is missing or doubled"
    );
}

/// JetStream holds each event of the log once (the relay's duplicates were
/// dropped by message id), within 60 s.
pub(crate) async fn jetstream_holds_each_event_once(nats: &TestNats, store: &DynEventStore) {
    let logged = log_length(store).await;
    let js = async_nats::jetstream::new(
        async_nats::connect(nats.settings.url.as_str())
            .await
            .unwrap(),
    );
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let mut stream = js
            .get_stream(infra::bus::stream_name(&nats.settings.prefix))
            .await
            .unwrap();
        let messages = stream.info().await.unwrap().state.messages;
        assert!(
            messages <= logged,
            "JetStream holds {messages} messages for {logged} events"
        );
        if messages == logged {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "JetStream holds {messages} of {logged} events"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Two instances of each service on one PostgreSQL, NATS and ClickHouse,
/// with the administrator `admin` (`admin-password-1`).
pub(crate) struct Fleet {
    pub(crate) instances: Vec<Instance>,
    pub(crate) pg: TestPostgres,
    pub(crate) nats: TestNats,
    pub(crate) ch: TestClickHouse,
}

impl Fleet {
    /// Starts two instances of each kind, each running `binary(kind)`, and
    /// waits until every one is ready and each task runs on one of them.
    pub(crate) async fn start(binary: impl Fn(Kind) -> String) -> Self {
        let (pg, nats, ch) = (TestPostgres::new(), TestNats::new(), TestClickHouse::new());
        let mut env = distributed_env(&pg, &nats, &ch);
        env.extend([
            ("PORTAL_ADMIN_LOGIN", "admin".to_string()),
            ("PORTAL_ADMIN_PASSWORD", "admin-password-1".to_string()),
            ("PORTAL_ADMIN_EMAIL", "admin@portal.invalid".to_string()),
        ]);
        let mut instances = Vec::new();
        for kind in [Kind::Command, Kind::Projection, Kind::Query] {
            for _ in 0..2 {
                let mut instance = Instance::new(kind, &env);
                instance.binary = binary(kind);
                instance.start().await;
                instance.ready().await;
                instances.push(instance);
            }
        }
        let fleet = Self {
            instances,
            pg,
            nats,
            ch,
        };
        for kind in [Kind::Command, Kind::Projection] {
            one_active_each(&fleet.of(kind)).await;
        }
        fleet
    }

    /// The instances of `kind`.
    pub(crate) fn of(&self, kind: Kind) -> Vec<&Instance> {
        self.instances.iter().filter(|i| i.kind == kind).collect()
    }

    /// The indexes of the instances of `kind`, the one running its first
    /// task (if it has tasks) last.
    pub(crate) async fn standby_first(&self, kind: Kind) -> Vec<usize> {
        let mut of_kind = Vec::new();
        for (i, instance) in self.instances.iter().enumerate() {
            if instance.kind == kind {
                let active = match kind.tasks().first() {
                    Some(task) => instance.ready().await["roles"][*task] == "active",
                    None => false,
                };
                of_kind.push((active, i));
            }
        }
        of_kind.sort();
        of_kind.into_iter().map(|(_, i)| i).collect()
    }

    fn bases(&self, kind: Kind) -> Vec<String> {
        self.of(kind).into_iter().map(Instance::base).collect()
    }

    /// Logs in as the administrator, registers the provider 00064581 and a
    /// first service, and starts `n` clients on every command and query service.
    pub(crate) async fn clients(&self, n: usize) -> Clients {
        let (commands, queries) = (self.bases(Kind::Command), self.bases(Kind::Query));
        let admin = Client::new(&commands[1])
            .login("admin", "admin-password-1")
            .await;
        let token = admin.token.clone().unwrap();
        register(&admin).await;
        let stop = Arc::new(AtomicBool::new(false));
        let running = (0..n)
            .map(|c| {
                tokio::spawn(client(
                    c,
                    commands.clone(),
                    queries.clone(),
                    token.clone(),
                    "00064581".into(),
                    stop.clone(),
                ))
            })
            .collect();
        Clients { stop, running }
    }

    /// The log of the fleet's PostgreSQL.
    pub(crate) async fn store(&self) -> DynEventStore {
        Arc::new(
            PostgresEventStore::connect(&self.pg.settings)
                .await
                .unwrap(),
        )
    }

    /// After the clients stopped: each accepted command once in the log and
    /// once in JetStream, the read models and the statistics equal to a
    /// rebuild, each task on exactly one instance of its kind.
    pub(crate) async fn check(&self, seen: &[Accepted]) {
        let store = self.store().await;
        each_accepted_command_once(&store, seen, 1).await;
        let head = store.head().await.unwrap().unwrap();
        jetstream_holds_each_event_once(&self.nats, &store).await;
        read_models_equal_a_rebuild(&self.pg.settings, head).await;
        let services_that_day = statistics_equal_a_rebuild(&self.ch.settings, &store, head).await;
        let services: usize = seen.iter().map(|s| s.services.len()).sum();
        assert_eq!(services_that_day, services + 1);
        for kind in [Kind::Command, Kind::Projection, Kind::Query] {
            one_active_each(&self.of(kind)).await;
        }
    }

    /// Stops every instance (SIGTERM); each must stop cleanly.
    pub(crate) async fn stop(mut self) {
        for instance in &mut self.instances {
            instance.stop().await;
        }
    }
}

/// Clients at work, until told to stop.
pub(crate) struct Clients {
    stop: Arc<AtomicBool>,
    running: Vec<tokio::task::JoinHandle<Accepted>>,
}

impl Clients {
    /// Stops them and says what each saw accepted.
    pub(crate) async fn finish(self) -> Vec<Accepted> {
        self.stop.store(true, Ordering::SeqCst);
        let mut seen = Vec::new();
        for c in self.running {
            seen.push(c.await.unwrap());
        }
        seen
    }
}
