//! Every distributed service twice, on one PostgreSQL, NATS and ClickHouse:
//! two command services, two projection services and two query services,
//! each a process of its own. Clients send commands to either command
//! service and read their own writes (`after=`) from either query service
//! while one instance of each kind after another is killed (SIGKILL) at a
//! random moment and started again. At the end every accepted command is in
//! the log exactly once, JetStream holds each event once, the read models and
//! the statistics equal a rebuild, each background task runs on exactly one
//! instance, and no client ever read an answer older than its own writes.

use crate::client::Client;
use crate::faults::{
    log_length, position, read_models_equal_a_rebuild, register, statistics_equal_a_rebuild,
    vacancy_reports,
};
use events::StreamRef;
use infra::event_store::postgres::PostgresEventStore;
use infra::event_store::{DynEventStore, LogPosition};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde_json::{json, Value};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};
use test_support::{distributed_env, ServiceProcess, TestClickHouse, TestNats, TestPostgres};

/// How long the clients go on after the last instance killed is started again.
const AFTER_THE_KILLS: Duration = Duration::from_secs(2);
const CLIENTS: usize = 4;

#[derive(Clone, Copy, Debug, PartialEq)]
enum Kind {
    Command,
    Projection,
    Query,
}

impl Kind {
    fn binary(self) -> String {
        let name = match self {
            Kind::Command => "command-service",
            Kind::Projection => "projection-service",
            Kind::Query => "query-service",
        };
        crate::helpers::binary(name)
    }

    fn addr_variable(self) -> &'static str {
        match self {
            Kind::Command => "COMMAND_SERVICE_ADDR",
            Kind::Projection => "PROJECTION_SERVICE_ADDR",
            Kind::Query => "QUERY_SERVICE_ADDR",
        }
    }

    /// The background tasks each instance of the kind runs or stands by for.
    fn tasks(self) -> &'static [&'static str] {
        match self {
            Kind::Command => &["outbox_relay"],
            Kind::Projection => &["notifications", "registry", "statistics"],
            Kind::Query => &[],
        }
    }
}

/// One instance: a fixed address (kept across restarts) and its process while it runs.
struct Instance {
    kind: Kind,
    addr: String,
    env: Vec<(&'static str, String)>,
    process: Option<ServiceProcess>,
}

impl Instance {
    fn new(kind: Kind, env: &[(&'static str, String)]) -> Self {
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
            env,
            process: None,
        }
    }

    fn base(&self) -> String {
        format!("http://{}", self.addr)
    }

    async fn start(&mut self) {
        let (bin, env) = (self.kind.binary(), self.env.clone());
        let process = tokio::task::spawn_blocking(move || ServiceProcess::spawn(&bin, &env))
            .await
            .unwrap();
        assert_eq!(process.addr.to_string(), self.addr);
        self.process = Some(process);
    }

    fn kill(&mut self) {
        self.process.take().expect("running").kill_hard();
    }

    /// Its `/ready` answer, once it answers 200 (within 30 s).
    async fn ready(&self) -> Value {
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
struct Accepted {
    services: Vec<(String, String)>,
    reports: Vec<(String, Value)>,
    retried: usize,
}

/// Sends a command to either command service until one accepts it, with
/// the same `Idempotency-Key` each time (a killed instance may have
/// committed it before it could answer).
async fn until_accepted(
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
async fn read_own_write(
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

/// One client: registers a service of its own now and then and reports its
/// vacancies, reading each write back from a query service.
async fn client(
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
        let key = format!("replicas-{c}-{i}");
        let report_on = own.as_mut().filter(|_| i % 8 != 0);
        if let Some((id, version)) = report_on {
            let free = (i % 90) as i64;
            let body =
                json!({ "facility_id": "A", "form": "pob", "unit": "luzka", "free_places": free });
            let path = format!("/services/{id}/vacancies");
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
                "client {c} read an answer older than its own report: {read}"
            );
            seen.reports.push((id.clone(), answer));
        } else {
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
        }
    }
    seen
}

/// Each task of the kind is active on exactly one of its running instances (within 15 s).
async fn one_active_each(instances: &[&Instance]) {
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

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn replicas_of_every_service_survive_kills_without_loss_or_duplicates() {
    let (pg, nats, ch) = (TestPostgres::new(), TestNats::new(), TestClickHouse::new());
    let mut env = distributed_env(&pg, &nats, &ch);
    env.extend([
        ("PORTAL_ADMIN_LOGIN", "admin".to_string()),
        ("PORTAL_ADMIN_PASSWORD", "admin-password-1".to_string()),
        ("PORTAL_ADMIN_EMAIL", "admin@portal.invalid".to_string()),
    ]);
    let mut fleet: Vec<Instance> = [
        Kind::Command,
        Kind::Command,
        Kind::Projection,
        Kind::Projection,
        Kind::Query,
        Kind::Query,
    ]
    .into_iter()
    .map(|kind| Instance::new(kind, &env))
    .collect();
    for instance in &mut fleet {
        instance.start().await;
        instance.ready().await;
    }
    let bases = |kind: Kind, fleet: &[Instance]| -> Vec<String> {
        fleet
            .iter()
            .filter(|i| i.kind == kind)
            .map(Instance::base)
            .collect()
    };
    let (commands, queries) = (bases(Kind::Command, &fleet), bases(Kind::Query, &fleet));
    for kind in [Kind::Command, Kind::Projection] {
        one_active_each(&fleet.iter().filter(|i| i.kind == kind).collect::<Vec<_>>()).await;
    }

    let admin = Client::new(&commands[1])
        .login("admin", "admin-password-1")
        .await;
    let token = admin.token.clone().unwrap();
    register(&admin).await; // the provider 00064581 and a first service
    let stop = Arc::new(AtomicBool::new(false));
    let clients: Vec<_> = (0..CLIENTS)
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

    // One instance of each kind after another is killed at a random moment and
    // started again; the first kill of a kind hits the instance running its tasks.
    let seed: u64 = rand::random();
    eprintln!("replicas: kills seeded with {seed}");
    let mut rng = StdRng::seed_from_u64(seed);
    let mut killed = Vec::new();
    for (round, kind) in [Kind::Command, Kind::Projection, Kind::Query]
        .into_iter()
        .cycle()
        .take(6)
        .enumerate()
    {
        tokio::time::sleep(Duration::from_millis(rng.random_range(1_000..3_000))).await;
        let of_kind: Vec<usize> = (0..fleet.len())
            .filter(|&i| fleet[i].kind == kind)
            .collect();
        let mut victim = of_kind[rng.random_range(0..of_kind.len())];
        if round < 3 {
            if let Some(task) = kind.tasks().first() {
                for &i in &of_kind {
                    if fleet[i].ready().await["roles"][*task] == "active" {
                        victim = i;
                    }
                }
            }
        }
        fleet[victim].kill();
        killed.push((kind, fleet[victim].addr.clone()));
        tokio::time::sleep(Duration::from_millis(rng.random_range(200..1_500))).await;
        fleet[victim].start().await;
    }
    tokio::time::sleep(AFTER_THE_KILLS).await;
    stop.store(true, Ordering::SeqCst);
    let mut seen = Vec::new();
    for c in clients {
        seen.push(c.await.unwrap());
    }
    let retried: usize = seen.iter().map(|s| s.retried).sum();
    let reports: usize = seen.iter().map(|s| s.reports.len()).sum();
    let services: usize = seen.iter().map(|s| s.services.len()).sum();
    eprintln!(
        "replicas: {services} services and {reports} reports accepted, {retried} retries, killed {killed:?}"
    );
    assert!(
        reports > 50 && services > CLIENTS,
        "too little load to prove anything"
    );
    assert!(
        retried > 0,
        "no command met a killed instance: nothing proves anything"
    );

    // Every accepted command is in the log exactly once.
    let store: DynEventStore = Arc::new(PostgresEventStore::connect(&pg.settings).await.unwrap());
    for s in &seen {
        for (id, _) in &s.services {
            let stream = store
                .read_stream(&StreamRef::new("service", id), 1, 10_000)
                .await
                .unwrap();
            assert_eq!(
                stream
                    .iter()
                    .filter(|e| e.event_type == "ServiceRegistered")
                    .count(),
                1,
                "{id}"
            );
            let accepted = s.reports.iter().filter(|(r, _)| r == id).count();
            assert_eq!(vacancy_reports(&store, id).await, accepted, "{id}");
        }
    }
    let logged = log_length(&store).await;
    let head = store.head().await.unwrap().unwrap();
    let registered = {
        let mut n = 0;
        let mut from = LogPosition::START;
        loop {
            let page = store.read_all(from, 2000).await.unwrap();
            let Some(last) = page.last() else { break };
            from = last.log_position();
            n += page
                .iter()
                .filter(|e| e.event_type == "ServiceRegistered")
                .count();
        }
        n
    };
    assert_eq!(
        registered,
        services + 1,
        "a registration is missing or doubled"
    );

    // JetStream holds each event once (the relay's duplicates were dropped by message id).
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
            break;
        }
        assert!(
            Instant::now() < deadline,
            "JetStream holds {messages} of {logged} events"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }

    // The read models and the statistics equal a rebuild.
    read_models_equal_a_rebuild(&pg.settings, head).await;
    let services_that_day = statistics_equal_a_rebuild(&ch.settings, &store, head).await;
    assert_eq!(services_that_day, services + 1);

    // After all the kills, each task runs on exactly one instance, and every instance is ready.
    for kind in [Kind::Command, Kind::Projection, Kind::Query] {
        one_active_each(&fleet.iter().filter(|i| i.kind == kind).collect::<Vec<_>>()).await;
    }
    let metrics = reqwest::get(format!("{}/metrics", fleet[0].base()))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        metrics.contains("portal_leader{task=\"outbox_relay\"}"),
        "{metrics}"
    );
    for instance in &mut fleet {
        assert!(instance.process.take().unwrap().terminate().success());
    }
}
