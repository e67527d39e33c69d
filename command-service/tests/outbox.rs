//! The outbox relay publishes every committed event to JetStream exactly
//! once per event id and in log order, even when the service is killed
//! (SIGKILL) in the middle of the stream and started again.

use infra::bus::{stream_name, PREV_POSITION_HEADER};
use infra::event_store::postgres::PostgresEventStore;
use infra::event_store::{
    Actor, EventMetadata, EventStore, ExpectedVersion, LogPosition, NewEvent, RecordedEvent,
    StreamRef,
};
use std::collections::HashSet;
use std::sync::Arc;
use std::time::{Duration, Instant};
use test_support::{distributed_env, ServiceProcess, TestClickHouse, TestNats, TestPostgres};

const APPENDS: usize = 60;
const PER_APPEND: usize = 40;

async fn message_count(js: &async_nats::jetstream::Context, name: &str) -> u64 {
    match js.get_stream(name).await {
        Ok(mut stream) => stream.info().await.map(|i| i.state.messages).unwrap_or(0),
        Err(_) => 0,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_killed_relay_resumes_and_publishes_each_event_once_in_order() {
    let (pg, nats, ch) = (TestPostgres::new(), TestNats::new(), TestClickHouse::new());
    let mut env = distributed_env(&pg, &nats, &ch);
    env.push(("COMMAND_SERVICE_ADDR", "127.0.0.1:0".into()));
    let bin = env!("CARGO_BIN_EXE_command-service");
    let first = ServiceProcess::spawn(bin, &env);

    let store = Arc::new(PostgresEventStore::connect(&pg.settings).await.unwrap());
    let writer = {
        let store = store.clone();
        tokio::spawn(async move {
            let mut ids = Vec::new();
            for i in 0..APPENDS {
                let events: Vec<NewEvent> = (0..PER_APPEND)
                    .map(|k| NewEvent::new("Ticked", 1, serde_json::json!({ "i": i, "k": k })))
                    .collect();
                ids.extend(events.iter().map(|e| e.event_id));
                store
                    .append(
                        &StreamRef::new("clock", format!("c{}", i % 5)),
                        ExpectedVersion::Any,
                        events,
                        &EventMetadata::new(Actor::system()),
                    )
                    .await
                    .unwrap();
                tokio::time::sleep(Duration::from_millis(15)).await;
            }
            ids
        })
    };

    let client = async_nats::connect(nats.settings.url.as_str())
        .await
        .unwrap();
    let js = async_nats::jetstream::new(client);
    let name = stream_name(&nats.settings.prefix);
    // Kill it once part of the stream is out, in the middle of the writes.
    let deadline = Instant::now() + Duration::from_secs(60);
    while message_count(&js, &name).await < 200 {
        assert!(Instant::now() < deadline, "the relay published nothing");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    first.kill_hard();
    let published_at_kill = message_count(&js, &name).await;
    let total = (APPENDS * PER_APPEND) as u64;
    assert!(
        published_at_kill < total,
        "killed too late to prove anything"
    );

    let second = ServiceProcess::spawn(bin, &env);
    let committed: HashSet<_> = writer.await.unwrap().into_iter().collect();
    let deadline = Instant::now() + Duration::from_secs(60);
    while message_count(&js, &name).await < total {
        assert!(Instant::now() < deadline, "the relay did not catch up");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    // Nothing more arrives: no duplicates after the catch-up either.
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(message_count(&js, &name).await, total);
    assert!(second.terminate().success());

    let stream = js.get_stream(&name).await.unwrap();
    let mut seen = HashSet::new();
    let mut last = LogPosition::START;
    for seq in 1..=total {
        let message = stream.get_raw_message(seq).await.unwrap();
        let event: RecordedEvent = serde_json::from_slice(&message.payload).unwrap();
        assert!(
            seen.insert(event.event_id),
            "event {} published twice",
            event.event_id
        );
        assert!(
            event.log_position() > last,
            "out of log order at message {seq}"
        );
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
    assert_eq!(seen, committed);
}
