//! Killing the projection service (SIGKILL) in the middle of a stream of
//! events and starting it again loses and duplicates nothing: the read
//! models then equal a rebuild from zero, document by document, and so do
//! the statistics in ClickHouse (a fact per event, the day's snapshots).

mod support;

use events::aggregate::to_new_event;
use events::registry::service::ServiceEvent;
use events::values::{CapacityUnit, Form};
use events::{Actor, EventMetadata, ExpectedVersion, NewEvent, StreamRef};
use infra::event_store::postgres::PostgresEventStore;
use infra::event_store::DynEventStore;
use infra::read_model::postgres::PostgresReadModelStore;
use infra::read_model::DynReadModelStore;
use read_models::registry::SERVICES;
use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::{Duration, Instant};
use support::{command_service_binary, register_services};
use test_support::{distributed_env, ServiceProcess, TestClickHouse, TestNats, TestPostgres};
use time::OffsetDateTime;

const SERVICES_N: usize = 40;
const REPORTS: usize = 25;

async fn snapshot(rm: &DynReadModelStore, generation: i64) -> BTreeMap<String, serde_json::Value> {
    rm.changed_since(generation, SERVICES, 0, 100_000)
        .await
        .unwrap()
        .into_iter()
        .filter_map(|d| d.doc.map(|doc| (d.key, doc)))
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_killed_projection_resumes_without_loss_or_duplicates() {
    let (pg, nats, ch) = (TestPostgres::new(), TestNats::new(), TestClickHouse::new());
    let mut env = distributed_env(&pg, &nats, &ch);
    env.push(("PROJECTION_SERVICE_ADDR", "127.0.0.1:0".into()));
    let bin = env!("CARGO_BIN_EXE_projection-service");
    // The command service's outbox relay feeds JetStream, the projection's bus path.
    let relay = ServiceProcess::spawn(
        &command_service_binary(),
        &[
            env.clone(),
            vec![("COMMAND_SERVICE_ADDR", "127.0.0.1:0".to_string())],
        ]
        .concat(),
    );
    let first = ServiceProcess::spawn(bin, &env);
    let store = PostgresEventStore::connect(&pg.settings).await.unwrap();
    let rm: DynReadModelStore = Arc::new(
        PostgresReadModelStore::new(store.pool().clone())
            .await
            .unwrap(),
    );
    let events: DynEventStore = Arc::new(store);

    let writer = {
        let events = events.clone();
        tokio::spawn(async move {
            let now = OffsetDateTime::now_utc();
            register_services(&events, SERVICES_N, now).await;
            for r in 0..REPORTS {
                for s in 0..SERVICES_N {
                    let e = ServiceEvent::VacancyReported {
                        facility_id: "A".into(),
                        form: Form::Residential,
                        unit: CapacityUnit::Beds,
                        free_places: (r * 7 + s) as i64 % 50,
                        reported_at: now,
                    };
                    events
                        .append(
                            &StreamRef::new("service", format!("s{s}")),
                            ExpectedVersion::Any,
                            vec![to_new_event(&e, now)],
                            &EventMetadata::new(Actor::system()),
                        )
                        .await
                        .unwrap();
                }
            }
        })
    };
    // Kill it once it has applied part of the stream.
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let generation = rm.active_generation().await.unwrap();
        if rm
            .checkpoint(generation, "registry")
            .await
            .unwrap()
            .is_some_and(|c| c.global_position > 200)
        {
            break;
        }
        assert!(Instant::now() < deadline, "the projection applied nothing");
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    first.kill_hard();
    writer.await.unwrap();
    let marker = events
        .append(
            &StreamRef::new("marker", "end"),
            ExpectedVersion::NoStream,
            vec![NewEvent::new("Marker", 1, serde_json::json!({}))],
            &EventMetadata::new(Actor::system()),
        )
        .await
        .unwrap()
        .last_position;
    let generation = rm.active_generation().await.unwrap();
    assert!(
        rm.checkpoint(generation, "registry").await.unwrap() < Some(marker),
        "killed too late to prove anything"
    );

    let second = ServiceProcess::spawn(bin, &env);
    let deadline = Instant::now() + Duration::from_secs(60);
    while rm.checkpoint(generation, "registry").await.unwrap() < Some(marker) {
        assert!(Instant::now() < deadline, "the projection did not catch up");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let client = infra::connect::clickhouse(&ch.settings).await.unwrap();
    let stats: infra::stats::DynStatsStore = Arc::new(
        infra::stats::clickhouse::ClickHouseStatsStore::new(client)
            .await
            .unwrap(),
    );
    while stats
        .checkpoint(projection_service::statistics::NAME)
        .await
        .unwrap()
        .is_none_or(|(position, _)| position < marker)
    {
        assert!(Instant::now() < deadline, "the statistics did not catch up");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert!(second.terminate().success());
    assert!(relay.terminate().success());

    // The bus carried events to the durable consumer. (What the killed process had not
    // acknowledged is redelivered after `ack_wait` and then only acknowledged, the checkpoint
    // being past it; the store's catch-up path may have applied it first.)
    let client = async_nats::connect(nats.settings.url.as_str())
        .await
        .unwrap();
    let js = async_nats::jetstream::new(client);
    let mut consumer: async_nats::jetstream::consumer::PullConsumer = js
        .get_stream(infra::bus::stream_name(&nats.settings.prefix))
        .await
        .unwrap()
        .get_consumer(&format!("{}_registry", nats.settings.prefix))
        .await
        .unwrap();
    let info = consumer.info().await.unwrap();
    assert!(info.delivered.stream_sequence > 0, "{info:?}");

    let live = snapshot(&rm, generation).await;
    assert_eq!(live.len(), SERVICES_N);
    for (key, doc) in &live {
        assert_eq!(
            doc["version"],
            (REPORTS + 1) as u64,
            "{key}: an event was lost or applied twice"
        );
    }
    let fresh = projection_service::rebuild_all(&events, &rm).await.unwrap();
    assert_eq!(
        snapshot(&rm, fresh).await,
        live,
        "the rebuild differs from the live read models"
    );

    // Statistics: every event once, and the same snapshots as a rebuild.
    let mut logged = 0u64;
    let mut from = infra::event_store::LogPosition::START;
    loop {
        let page = events.read_all(from, 1000).await.unwrap();
        let Some(last) = page.last() else { break };
        from = last.log_position();
        logged += page.len() as u64;
    }
    assert_eq!(stats.fact_count().await.unwrap(), logged);
    let (_, last_day) = stats.days().await.unwrap().unwrap();
    let live_stats = stats.snapshots_on(last_day).await.unwrap();
    assert_eq!(live_stats.len(), SERVICES_N);
    let territory = Arc::new(infra::territory::Territory::default());
    projection_service::rebuild_statistics(events.clone(), stats.clone(), territory)
        .await
        .unwrap();
    let rebuilt = stats.snapshots_on(last_day).await.unwrap();
    let strip = |rows: Vec<infra::stats::Snapshot>| {
        rows.into_iter()
            .map(|s| (s.service_id, s.free_places, s.capacity, s.active))
            .collect::<Vec<_>>()
    };
    assert_eq!(
        strip(rebuilt),
        strip(live_stats),
        "the statistics differ from a rebuild"
    );
    assert_eq!(stats.fact_count().await.unwrap(), logged);
}
