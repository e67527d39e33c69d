//! A durable consumer left by an older version (explicit acknowledgements)
//! is made again with ack policy `all`; the projection then applies what the
//! bus carries, each event once, and the consumer acknowledges its batches.

mod support;

use infra::bus::EventPublisher;
use infra::event_store::postgres::PostgresEventStore;
use infra::event_store::{DynEventStore, LogPosition};
use infra::read_model::postgres::PostgresReadModelStore;
use infra::read_model::DynReadModelStore;
use infra::shutdown::Shutdown;
use std::sync::Arc;
use std::time::{Duration, Instant};
use support::register_services;
use test_support::{TestNats, TestPostgres};
use time::OffsetDateTime;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_old_consumer_is_made_again_and_nothing_is_applied_twice() {
    use async_nats::jetstream::consumer::{pull, AckPolicy};
    let (pg, nats) = (TestPostgres::new(), TestNats::new());
    let store = PostgresEventStore::connect(&pg.settings).await.unwrap();
    let rm: DynReadModelStore = Arc::new(
        PostgresReadModelStore::new(store.pool().clone())
            .await
            .unwrap(),
    );
    let events: DynEventStore = Arc::new(store);
    let client = async_nats::connect(nats.settings.url.as_str())
        .await
        .unwrap();
    let publisher = EventPublisher::new(client.clone(), &nats.settings.prefix)
        .await
        .unwrap();
    let js = async_nats::jetstream::new(client.clone());
    let stream = js
        .get_stream(infra::bus::stream_name(&nats.settings.prefix))
        .await
        .unwrap();
    let name = format!("{}_registry", nats.settings.prefix);
    stream
        .create_consumer(pull::Config {
            durable_name: Some(name.clone()),
            ack_policy: AckPolicy::Explicit,
            ..Default::default()
        })
        .await
        .unwrap();

    // Three services registered and published, as the outbox relay would.
    let now = OffsetDateTime::now_utc();
    let mut recorded = Vec::new();
    register_services(&events, 3, now).await;
    let mut from = LogPosition::START;
    loop {
        let page = events.read_all(from, 100).await.unwrap();
        let Some(last) = page.last() else { break };
        from = last.log_position();
        recorded.extend(page);
    }
    publisher
        .publish(&recorded, LogPosition::START)
        .await
        .unwrap();

    let shutdown = Shutdown::new();
    let task = tokio::spawn(projection_service::consumer::consume(
        Arc::new(projection_service::registry::RegistryProjection),
        events.clone(),
        rm.clone(),
        client,
        nats.settings.prefix.clone(),
        shutdown.clone(),
    ));
    let generation = rm.active_generation().await.unwrap();
    let deadline = Instant::now() + Duration::from_secs(30);
    while rm.checkpoint(generation, "registry").await.unwrap() < Some(from) {
        assert!(Instant::now() < deadline, "nothing applied");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    // The service catches up from the store before it makes the consumer
    // again, so the consumer may not exist yet (or still be the old one).
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let consumer: Result<async_nats::jetstream::consumer::PullConsumer, _> =
            stream.get_consumer(&name).await;
        let info = match consumer {
            Ok(mut c) => c.info().await.ok().cloned(),
            Err(_) => None,
        };
        if let Some(info) = &info {
            if info.config.ack_policy == AckPolicy::All
                && info.num_ack_pending == 0
                && info.delivered.stream_sequence >= 3
            {
                break;
            }
        }
        assert!(
            Instant::now() < deadline,
            "never made again and acknowledged: {info:?}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let docs = rm
        .changed_since(generation, read_models::registry::SERVICES, 0, 10)
        .await
        .unwrap();
    assert_eq!(docs.len(), 3);
    for d in docs {
        assert_eq!(d.doc.unwrap()["version"], 1, "applied once: {}", d.key);
    }
    shutdown.trigger();
    task.await.unwrap();
}
