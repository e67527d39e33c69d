//! A slow consumer: events are committed much faster than the projection
//! service applies them. JetStream never holds more than `MAX_ACK_PENDING`
//! of them delivered and unacknowledged, the service's memory stays flat
//! while the backlog is tens of thousands of events long, and it catches up
//! with every event applied once.

mod support;

use events::aggregate::to_new_event;
use events::registry::service::ServiceEvent;
use events::values::{CapacityUnit, Form};
use events::{Actor, EventMetadata, ExpectedVersion, StreamRef};
use infra::event_store::postgres::PostgresEventStore;
use infra::event_store::DynEventStore;
use infra::read_model::postgres::PostgresReadModelStore;
use infra::read_model::DynReadModelStore;
use projection_service::consumer::MAX_ACK_PENDING;
use read_models::registry::SERVICES;
use std::sync::Arc;
use std::time::{Duration, Instant};
use support::{command_service_binary, register_services};
use test_support::{distributed_env, ServiceProcess, TestClickHouse, TestNats, TestPostgres};
use time::OffsetDateTime;

const SERVICES_N: usize = 50;
/// Reports per service, written in appends of `PER_APPEND`.
const REPORTS: usize = 800;
const PER_APPEND: usize = 50;
const WRITERS: usize = 5;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_slow_consumer_is_held_back_and_its_memory_stays_flat() {
    let (pg, nats, ch) = (TestPostgres::new(), TestNats::new(), TestClickHouse::new());
    let mut env = distributed_env(&pg, &nats, &ch);
    env.push(("PROJECTION_SERVICE_ADDR", "127.0.0.1:0".into()));
    let relay = ServiceProcess::spawn(
        &command_service_binary(),
        &[
            env.clone(),
            vec![("COMMAND_SERVICE_ADDR", "127.0.0.1:0".to_string())],
        ]
        .concat(),
    );
    let projection = ServiceProcess::spawn(env!("CARGO_BIN_EXE_projection-service"), &env);
    let store = PostgresEventStore::connect(&pg.settings).await.unwrap();
    let rm: DynReadModelStore = Arc::new(
        PostgresReadModelStore::new(store.pool().clone())
            .await
            .unwrap(),
    );
    let events: DynEventStore = Arc::new(store);
    let now = OffsetDateTime::now_utc();
    register_services(&events, SERVICES_N, now).await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    let idle = projection.resident_bytes().unwrap();

    // Writers as fast as PostgreSQL takes them.
    let writers: Vec<_> = (0..WRITERS)
        .map(|w| {
            let events = events.clone();
            tokio::spawn(async move {
                for round in 0..REPORTS / PER_APPEND {
                    for s in (w..SERVICES_N).step_by(WRITERS) {
                        let batch = (0..PER_APPEND)
                            .map(|k| {
                                let e = ServiceEvent::VacancyReported {
                                    facility_id: "A".into(),
                                    form: Form::Residential,
                                    unit: CapacityUnit::Beds,
                                    free_places: ((round * PER_APPEND + k) % 90) as i64,
                                    reported_at: now,
                                };
                                to_new_event(&e, now)
                            })
                            .collect();
                        events
                            .append(
                                &StreamRef::new("service", format!("s{s}")),
                                ExpectedVersion::Any,
                                batch,
                                &EventMetadata::new(Actor::system()),
                            )
                            .await
                            .unwrap();
                    }
                }
            })
        })
        .collect();

    let js = async_nats::jetstream::new(
        async_nats::connect(nats.settings.url.as_str())
            .await
            .unwrap(),
    );
    let consumer_name = format!("{}_registry", nats.settings.prefix);
    let (mut peak_backlog, mut peak_pending, mut peak_rss) = (0u64, 0i64, idle);
    let total = (SERVICES_N * (REPORTS + 1)) as u64;
    let deadline = Instant::now() + Duration::from_secs(180);
    loop {
        let head = events.head().await.unwrap().unwrap();
        let generation = rm.active_generation().await.unwrap();
        let applied = rm
            .checkpoint(generation, "registry")
            .await
            .unwrap()
            .map_or(0, |c| c.global_position);
        peak_backlog = peak_backlog.max(head.global_position.saturating_sub(applied));
        peak_rss = peak_rss.max(projection.resident_bytes().unwrap());
        if let Ok(stream) = js
            .get_stream(infra::bus::stream_name(&nats.settings.prefix))
            .await
        {
            if let Ok(mut c) = stream
                .get_consumer::<async_nats::jetstream::consumer::pull::Config>(&consumer_name)
                .await
            {
                if let Ok(info) = c.info().await {
                    peak_pending = peak_pending.max(info.num_ack_pending as i64);
                }
            }
        }
        let done = writers.iter().all(|w| w.is_finished());
        if done && head.global_position >= total && applied >= head.global_position {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "the projection did not catch up: {applied} of {}",
            head.global_position
        );
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    for w in writers {
        w.await.unwrap();
    }
    println!(
        "backlog peak {peak_backlog} events; ack-pending peak {peak_pending}; resident {} MiB idle, {} MiB peak",
        idle >> 20,
        peak_rss >> 20
    );
    assert!(
        peak_backlog > 5_000,
        "the consumer kept up ({peak_backlog}): nothing was slow"
    );
    assert!(
        peak_pending <= MAX_ACK_PENDING,
        "{peak_pending} delivered and unacknowledged"
    );
    assert!(
        peak_rss < idle + 96 * 1024 * 1024,
        "memory grew with the backlog: {} MiB idle, {} MiB peak",
        idle >> 20,
        peak_rss >> 20
    );
    // Every event applied once.
    let generation = rm.active_generation().await.unwrap();
    let docs = rm
        .changed_since(generation, SERVICES, 0, 10_000)
        .await
        .unwrap();
    assert_eq!(docs.len(), SERVICES_N);
    for d in docs {
        assert_eq!(d.doc.unwrap()["version"], (REPORTS + 1) as u64, "{}", d.key);
    }
    assert_eq!(test_support::http_get(projection.addr, "/ready").0, 200);
    assert!(projection.terminate().success());
    assert!(relay.terminate().success());
}
