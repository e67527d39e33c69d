//! Fault tests of the distributed services (bounded, loopback only):
//! PostgreSQL crashed and started again under a stream of commands, NATS
//! killed and started again under one, and ClickHouse away for a while. After each, every accepted command is in the
//! log exactly once, the read models equal a rebuild from zero, the
//! statistics caught up, and every service reports ready.

use crate::client::Client;
use crate::helpers::{spawn_distributed_on, Distributed};
use events::StreamRef;
use infra::event_store::postgres::PostgresEventStore;
use infra::event_store::{DynEventStore, LogPosition};
use infra::postgres::PgSettings;
use infra::read_model::postgres::PostgresReadModelStore;
use infra::read_model::DynReadModelStore;
use read_models::registry::{PROVIDERS, SERVICES};
use serde_json::{json, Value};
use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::{Duration, Instant};
use test_support::{PrivateClickHouse, PrivatePostgres, TestClickHouse, TestNats, TestPostgres};

const REPORTS: usize = 60;

pub(crate) async fn register(admin: &Client) -> String {
    let provider = json!({ "ico": "00064581", "name": "Oblastní charita Děčín", "address": { "city": "Děčín", "postcode": "40502" } });
    assert_eq!(admin.post("/providers", provider).await.status, 201);
    let service = json!({ "provider_ico": "00064581", "details": { "name": "Azylový dům", "kind": 20,
        "forms": [{ "form": "pob", "capacities": [{ "unit": "luzka", "count": 100 }] }],
        "facilities": [{ "facility_id": "A", "name": "Dům", "address": { "city": "Děčín", "postcode": "40502" } }] } });
    let registered = admin.post("/services", service).await;
    assert_eq!(registered.status, 201);
    registered.body["stream_id"].as_str().unwrap().to_string()
}

/// What a client does when a command is not answered 2xx: sends it again
/// with the same `Idempotency-Key` until it is accepted (within 90 s).
/// Returns the answer and the statuses (or timeouts, as 0) seen before.
async fn until_accepted(
    http: &reqwest::Client,
    base: &str,
    token: &str,
    service_id: &str,
    i: usize,
) -> (Value, Vec<u16>) {
    let deadline = Instant::now() + Duration::from_secs(90);
    let mut refused = Vec::new();
    loop {
        let sent = http
            .post(format!("{base}/api/v1/services/{service_id}/vacancies"))
            .bearer_auth(token)
            .header("Idempotency-Key", format!("report-{i}"))
            .json(&json!({ "facility_id": "A", "form": "pob", "unit": "luzka", "free_places": i % 90 }))
            .send()
            .await;
        match sent {
            Ok(r) if r.status().is_success() => return (r.json().await.unwrap(), refused),
            Ok(r) => {
                let status = r.status().as_u16();
                let kind = r
                    .headers()
                    .get("content-type")
                    .and_then(|v| v.to_str().ok())
                    .unwrap_or_default()
                    .to_string();
                assert!(status >= 500, "a refusal that is not the outage: {status}");
                assert_eq!(kind, "application/problem+json", "status {status}");
                refused.push(status);
            }
            Err(_) => refused.push(0),
        }
        assert!(
            Instant::now() < deadline,
            "report {i} was never accepted: {refused:?}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

pub(crate) fn position(answer: &Value) -> LogPosition {
    LogPosition {
        transaction_id: answer["transaction_id"].as_u64().unwrap(),
        global_position: answer["global_position"].as_u64().unwrap(),
    }
}

pub(crate) async fn vacancy_reports(store: &DynEventStore, service_id: &str) -> usize {
    store
        .read_stream(&StreamRef::new("service", service_id), 1, 10_000)
        .await
        .unwrap()
        .iter()
        .filter(|e| e.event_type == "VacancyReported")
        .count()
}

async fn snapshot(rm: &DynReadModelStore, generation: i64) -> BTreeMap<String, Value> {
    let mut all = BTreeMap::new();
    for collection in [PROVIDERS, SERVICES] {
        for d in rm
            .changed_since(generation, collection, 0, 100_000)
            .await
            .unwrap()
        {
            if let Some(doc) = d.doc {
                all.insert(format!("{collection}/{}", d.key), doc);
            }
        }
    }
    all
}

/// Waits until the registry read models reached `upto`, then compares them to a rebuild from zero.
pub(crate) async fn read_models_equal_a_rebuild(postgres: &PgSettings, upto: LogPosition) {
    let store = PostgresEventStore::connect(postgres).await.unwrap();
    let rm: DynReadModelStore = Arc::new(
        PostgresReadModelStore::new(store.pool().clone())
            .await
            .unwrap(),
    );
    let events: DynEventStore = Arc::new(store);
    let generation = rm.active_generation().await.unwrap();
    let deadline = Instant::now() + Duration::from_secs(60);
    while rm.checkpoint(generation, "registry").await.unwrap() < Some(upto) {
        assert!(
            Instant::now() < deadline,
            "the registry projection did not catch up"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let live = snapshot(&rm, generation).await;
    let fresh = projection_service::rebuild_all(&events, &rm).await.unwrap();
    assert_eq!(
        snapshot(&rm, fresh).await,
        live,
        "the read models differ from a rebuild"
    );
}

/// Every event of the log, counted.
pub(crate) async fn log_length(events: &DynEventStore) -> u64 {
    let (mut n, mut from) = (0, LogPosition::START);
    loop {
        let page = events.read_all(from, 2000).await.unwrap();
        let Some(last) = page.last() else {
            return n;
        };
        from = last.log_position();
        n += page.len() as u64;
    }
}

/// Waits (up to 90 s) until the statistics reached `upto`, then checks a
/// fact per event of the log, once, and the last day's snapshots equal to a
/// rebuild from zero; answers how many services that day has.
pub(crate) async fn statistics_equal_a_rebuild(
    ch: &infra::settings::ClickHouseSettings,
    store: &DynEventStore,
    upto: LogPosition,
) -> usize {
    let client = infra::connect::clickhouse(ch).await.unwrap();
    let stats: infra::stats::DynStatsStore = Arc::new(
        infra::stats::clickhouse::ClickHouseStatsStore::new(client)
            .await
            .unwrap(),
    );
    let deadline = Instant::now() + Duration::from_secs(90);
    while stats
        .checkpoint(projection_service::statistics::NAME)
        .await
        .ok()
        .flatten()
        .is_none_or(|(p, _)| p < upto)
    {
        assert!(Instant::now() < deadline, "the statistics did not catch up");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let logged = log_length(store).await;
    assert_eq!(
        stats.fact_count().await.unwrap(),
        logged,
        "a fact per event, once"
    );
    let (_, day) = stats.days().await.unwrap().unwrap();
    let strip = |rows: Vec<infra::stats::Snapshot>| {
        rows.into_iter()
            .map(|s| (s.service_id, s.free_places, s.capacity, s.active))
            .collect::<Vec<_>>()
    };
    let live = strip(stats.snapshots_on(day).await.unwrap());
    projection_service::rebuild_statistics(
        store.clone(),
        stats.clone(),
        Arc::new(infra::territory::Territory::default()),
    )
    .await
    .unwrap();
    assert_eq!(
        strip(stats.snapshots_on(day).await.unwrap()),
        live,
        "the statistics differ from a rebuild"
    );
    live.len()
}

/// Every service answers `/ready` 200 within 30 s.
async fn all_ready(stack: &Distributed) {
    for app in &stack.apps {
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            let (status, _, body) = app.get("/ready").await;
            if status == 200 {
                break;
            }
            assert!(Instant::now() < deadline, "{} not ready: {body}", app.base);
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_crashed_under_load_loses_and_duplicates_no_command() {
    let mut pg = PrivatePostgres::start();
    let (nats, ch) = (TestNats::new(), TestClickHouse::new());
    let settings = (
        pg.settings.clone(),
        nats.settings.clone(),
        ch.settings.clone(),
    );
    let stack = spawn_distributed_on(settings, Box::new((nats, ch))).await;
    let admin = Client::new(&stack.commands)
        .login("admin", "admin-password-1")
        .await;
    let token = admin.token.clone().unwrap();
    let service_id = register(&admin).await;
    let http = reqwest::Client::builder()
        .timeout(Duration::from_secs(10))
        .build()
        .unwrap();

    // Two clients send the reports; PostgreSQL crashes while they do.
    let accepted = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let clients: Vec<_> = (0..2)
        .map(|c| {
            let (http, base, token, id, accepted) = (
                http.clone(),
                stack.commands.clone(),
                token.clone(),
                service_id.clone(),
                accepted.clone(),
            );
            tokio::spawn(async move {
                let mut answers = Vec::new();
                for i in (c..REPORTS).step_by(2) {
                    answers.push(until_accepted(&http, &base, &token, &id, i).await);
                    accepted.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                    tokio::time::sleep(Duration::from_millis(20)).await;
                }
                answers
            })
        })
        .collect();
    while accepted.load(std::sync::atomic::Ordering::Relaxed) < REPORTS / 4 {
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    pg.crash();
    tokio::time::sleep(Duration::from_secs(2)).await;
    pg.start_again();
    let mut answers = Vec::new();
    for c in clients {
        answers.extend(c.await.unwrap());
    }
    let refused: usize = answers.iter().map(|(_, r)| r.len()).sum();
    assert!(
        refused > 0,
        "the crash went unnoticed: nothing proves anything"
    );
    assert!(
        answers
            .iter()
            .filter(|(a, _)| a["deduplicated"] == true)
            .count()
            <= refused,
        "only a retry is answered from the key"
    );

    // Every accepted report is in the log exactly once.
    let store: DynEventStore =
        Arc::new(PostgresEventStore::connect(&stack.postgres).await.unwrap());
    assert_eq!(vacancy_reports(&store, &service_id).await, REPORTS);
    let last = answers.iter().map(|(a, _)| position(a)).max().unwrap();
    read_models_equal_a_rebuild(&stack.postgres, last).await;
    let detail: Value = reqwest::get(format!(
        "{}/api/v1/services/{service_id}?after={}:{}",
        stack.queries, last.transaction_id, last.global_position
    ))
    .await
    .unwrap()
    .json()
    .await
    .unwrap();
    assert_eq!(detail["version"], (REPORTS + 1) as u64, "{detail}");
    all_ready(&stack).await;
    stack.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn clickhouse_away_for_a_while_delays_only_the_statistics() {
    let mut ch = PrivateClickHouse::start();
    let (pg, nats) = (TestPostgres::new(), TestNats::new());
    let settings = (
        pg.settings.clone(),
        nats.settings.clone(),
        ch.settings.clone(),
    );
    let stack = spawn_distributed_on(settings, Box::new((pg, nats))).await;
    let admin = Client::new(&stack.commands)
        .login("admin", "admin-password-1")
        .await;
    let service_id = register(&admin).await;

    ch.stop();
    // Commands, the registry and the search go on.
    let mut last = Value::Null;
    for i in 0..REPORTS / 3 {
        let answer = admin
            .post(
                &format!("/services/{service_id}/vacancies"),
                json!({ "facility_id": "A", "form": "pob", "unit": "luzka", "free_places": i }),
            )
            .await;
        assert_eq!(answer.status, 200, "{:?}", answer.body);
        last = answer.body;
    }
    let at = position(&last);
    let detail: Value = reqwest::get(format!(
        "{}/api/v1/services/{service_id}?after={}:{}",
        stack.queries, at.transaction_id, at.global_position
    ))
    .await
    .unwrap()
    .json()
    .await
    .unwrap();
    assert_eq!(detail["vacancies"][0]["free_places"], REPORTS / 3 - 1);
    let stats = reqwest::get(format!("{}/api/v1/stats/services", stack.queries))
        .await
        .unwrap();
    assert_eq!(
        stats.status().as_u16(),
        503,
        "the statistics say they are away"
    );
    let (status, _, body) = stack.apps[2].get("/ready").await;
    assert_eq!(status, 503);
    assert!(body.contains("clickhouse"), "{body}");

    ch.start_again();
    // The statistics catch up: a fact per event, the same snapshots as a rebuild.
    let store: DynEventStore =
        Arc::new(PostgresEventStore::connect(&stack.postgres).await.unwrap());
    let head = store.head().await.unwrap().unwrap();
    statistics_equal_a_rebuild(&ch.settings, &store, head).await;
    read_models_equal_a_rebuild(&stack.postgres, at).await;
    all_ready(&stack).await;
    stack.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn nats_restarted_under_load_delays_nothing_that_was_accepted() {
    let mut nats = test_support::PrivateNats::start();
    let (pg, ch) = (TestPostgres::new(), TestClickHouse::new());
    let bus = infra::settings::NatsSettings {
        url: nats.url.clone(),
        prefix: "fault".into(),
    };
    let settings = (pg.settings.clone(), bus, ch.settings.clone());
    let stack = spawn_distributed_on(settings, Box::new((pg, ch))).await;
    let admin = Client::new(&stack.commands)
        .login("admin", "admin-password-1")
        .await;
    let service_id = register(&admin).await;

    let mut last = Value::Null;
    for i in 0..REPORTS {
        if i == REPORTS / 3 {
            nats.stop();
        }
        if i == 2 * REPORTS / 3 {
            nats.restart();
        }
        let answer = admin
            .post(
                &format!("/services/{service_id}/vacancies"),
                json!({ "facility_id": "A", "form": "pob", "unit": "luzka", "free_places": i }),
            )
            .await;
        assert_eq!(answer.status, 200, "report {i}: {:?}", answer.body);
        last = answer.body;
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let store: DynEventStore =
        Arc::new(PostgresEventStore::connect(&stack.postgres).await.unwrap());
    assert_eq!(vacancy_reports(&store, &service_id).await, REPORTS);
    read_models_equal_a_rebuild(&stack.postgres, position(&last)).await;
    all_ready(&stack).await;
    stack.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_record_changed_by_another_process_is_decided_on_afresh() {
    use events::aggregate::to_new_event;
    use events::registry::service::ServiceEvent;
    use events::{Actor, EventMetadata, ExpectedVersion};
    let stack = crate::helpers::spawn_distributed().await;
    let admin = Client::new(&stack.commands)
        .login("admin", "admin-password-1")
        .await;
    let service_id = register(&admin).await;
    let suspend = format!("/services/{service_id}/suspend");
    let first = admin
        .post(&suspend, json!({ "reason": "rekonstrukce" }))
        .await;
    assert_eq!(first.status, 200, "{:?}", first.body);
    // Another process (an import, a second command service) resumes it.
    let store: DynEventStore =
        Arc::new(PostgresEventStore::connect(&stack.postgres).await.unwrap());
    let now = time::OffsetDateTime::now_utc();
    store
        .append(
            &StreamRef::new("service", &service_id),
            ExpectedVersion::Exact(first.body["version"].as_u64().unwrap()),
            vec![to_new_event(&ServiceEvent::ServiceResumed {}, now)],
            &EventMetadata::new(Actor::system()),
        )
        .await
        .unwrap();
    // This service's cache still says suspended; the command is decided on the record as it is.
    let again = admin.post(&suspend, json!({ "reason": "havárie" })).await;
    assert_eq!(again.status, 200, "{:?}", again.body);
    assert_eq!(
        again.body["version"],
        first.body["version"].as_u64().unwrap() + 2
    );
    let refused = admin.post(&suspend, json!({ "reason": "znovu" })).await;
    assert_eq!(
        refused.status, 409,
        "suspended now, truly: {:?}",
        refused.body
    );
    stack.stop().await;
}
