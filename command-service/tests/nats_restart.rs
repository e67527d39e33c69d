//! NATS killed and restarted while events are being committed: commands are
//! still accepted meanwhile (the log is PostgreSQL), and once NATS is back
//! the outbox relay catches up — every committed event is in JetStream
//! exactly once, in log order.

use infra::bus::{stream_name, PREV_POSITION_HEADER};
use infra::event_store::postgres::PostgresEventStore;
use infra::event_store::{
    Actor, EventMetadata, EventStore, ExpectedVersion, LogPosition, NewEvent, RecordedEvent,
    StreamRef,
};
use infra::settings::NatsSettings;
use std::collections::HashSet;
use std::sync::Arc;
use std::time::{Duration, Instant};
use test_support::{PrivateNats, TestPostgres};

async fn message_count(url: &str, name: &str) -> Option<u64> {
    let client = async_nats::connect(url).await.ok()?;
    let js = async_nats::jetstream::new(client);
    let mut stream = js.get_stream(name).await.ok()?;
    stream.info().await.ok().map(|i| i.state.messages)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_outbox_catches_up_after_nats_comes_back() {
    let pg = TestPostgres::new();
    let mut nats = PrivateNats::start();
    let prefix = "fault".to_string();
    let app = command_service::Application::build(command_service::Settings::for_tests(
        pg.settings.clone(),
        NatsSettings {
            url: nats.url.clone(),
            prefix: prefix.clone(),
        },
        test_support::TEST_JWT_SECRET.as_bytes(),
    ))
    .await
    .unwrap();
    let base = format!("http://{}", app.addr());
    let shutdown = app.shutdown_handle();
    let running = tokio::spawn(app.run_until_stopped());
    let store = Arc::new(PostgresEventStore::connect(&pg.settings).await.unwrap());

    // Events committed steadily for about two seconds.
    let writer = {
        let store = store.clone();
        tokio::spawn(async move {
            for i in 0..50 {
                let events: Vec<NewEvent> = (0..20)
                    .map(|k| NewEvent::new("Ticked", 1, serde_json::json!({ "i": i, "k": k })))
                    .collect();
                store
                    .append(
                        &StreamRef::new("clock", format!("c{}", i % 4)),
                        ExpectedVersion::Any,
                        events,
                        &EventMetadata::new(Actor::system()),
                    )
                    .await
                    .unwrap();
                tokio::time::sleep(Duration::from_millis(40)).await;
            }
        })
    };
    tokio::time::sleep(Duration::from_millis(400)).await;
    nats.stop();

    // Without NATS, commands are still accepted.
    let http = reqwest::Client::new();
    let login: serde_json::Value = http
        .post(format!("{base}/api/v1/auth/login"))
        .json(&serde_json::json!({ "login": "admin", "password": "admin-password-1" }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let created = http
        .post(format!("{base}/api/v1/providers"))
        .bearer_auth(login["token"].as_str().unwrap())
        .json(&serde_json::json!({ "ico": "00064581", "name": "Charita", "address": { "city": "Děčín", "postcode": "40502" } }))
        .send()
        .await
        .unwrap();
    assert_eq!(
        created.status().as_u16(),
        201,
        "a command while NATS is down"
    );
    tokio::time::sleep(Duration::from_millis(1500)).await;
    nats.restart();
    // A backlog built up while NATS was away.
    let name = stream_name(&prefix);
    let published = message_count(&nats.url, &name).await.unwrap_or(0);
    let head = store.head().await.unwrap().unwrap();
    assert!(
        published < head.global_position,
        "nothing was held back: {published} published"
    );
    writer.await.unwrap();

    // Everything committed reaches JetStream, once.
    let mut committed = Vec::new();
    let mut from = LogPosition::START;
    loop {
        let page = store.read_all(from, 1000).await.unwrap();
        let Some(last) = page.last() else { break };
        from = last.log_position();
        committed.extend(page.into_iter().map(|e| e.event_id));
    }
    let total = committed.len() as u64;
    assert!(total > 1000, "{total}");
    let deadline = Instant::now() + Duration::from_secs(60);
    while message_count(&nats.url, &name).await != Some(total) {
        assert!(
            Instant::now() < deadline,
            "the relay did not catch up: {:?} of {total}",
            message_count(&nats.url, &name).await
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(
        message_count(&nats.url, &name).await,
        Some(total),
        "no duplicates afterwards"
    );
    let js = async_nats::jetstream::new(async_nats::connect(nats.url.as_str()).await.unwrap());
    let stream = js.get_stream(&name).await.unwrap();
    let (mut seen, mut last) = (HashSet::new(), LogPosition::START);
    for seq in 1..=total {
        let message = stream.get_raw_message(seq).await.unwrap();
        let event: RecordedEvent = serde_json::from_slice(&message.payload).unwrap();
        assert!(seen.insert(event.event_id), "published twice");
        assert!(event.log_position() > last, "out of order at {seq}");
        let prev = message
            .headers
            .get(PREV_POSITION_HEADER)
            .map(|v| v.to_string())
            .unwrap_or_default();
        assert_eq!(
            prev,
            format!("{}:{}", last.transaction_id, last.global_position)
        );
        last = event.log_position();
    }
    assert_eq!(seen, committed.into_iter().collect::<HashSet<_>>());
    shutdown.trigger();
    running.await.unwrap().unwrap();
}
