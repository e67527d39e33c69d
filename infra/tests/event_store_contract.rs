//! The contract of the event store port, run against every adapter:
//! PostgreSQL (a schema of its own per test) and embedded SQLite (a file of
//! its own per test).

use infra::event_store::postgres::PostgresEventStore;
use infra::event_store::sqlite::SqliteEventStore;
use infra::event_store::{
    subscribe, Actor, DynEventStore, EventMetadata, ExpectedVersion, LogPosition, NewEvent,
    RecordedEvent, StoreError, StreamRef, READ_GAP,
};
use serde_json::json;
use std::collections::{HashMap, HashSet};
use std::sync::Arc;
use std::time::Duration;
use test_support::{TempDir, TestPostgres};

/// A store and whatever must live as long as it (schema, folder).
struct Harness {
    store: DynEventStore,
    _guard: Box<dyn std::any::Any + Send>,
}

async fn postgres() -> Harness {
    let db = TestPostgres::new();
    let store = PostgresEventStore::connect(&db.settings)
        .await
        .expect("PostgreSQL from PORTAL_TEST_DATABASE_URL must be reachable");
    Harness {
        store: Arc::new(store),
        _guard: Box::new(db),
    }
}

async fn sqlite() -> Harness {
    let dir = TempDir::new();
    let store = SqliteEventStore::open(dir.path().join("events.sqlite3")).expect("open SQLite");
    Harness {
        store: Arc::new(store),
        _guard: Box::new(dir),
    }
}

fn meta() -> EventMetadata {
    EventMetadata::new(Actor {
        account_id: "acc-1".into(),
        role: "administrator".into(),
    })
}

fn event(n: u64) -> NewEvent {
    NewEvent::new(
        "ThingHappened",
        1,
        json!({ "n": n, "text": "Děčín – azylový dům" }),
    )
}

fn stream(id: &str) -> StreamRef {
    StreamRef::new("thing", id)
}

/// Appends a marker event and returns its id. On PostgreSQL the global log
/// shows an event only once every older transaction in the cluster has ended
/// (other tests run beside this one), so "everything up to now" is
/// "everything up to a marker appended now".
async fn barrier(store: &DynEventStore) -> uuid::Uuid {
    let marker = NewEvent::new("Barrier", 1, json!({}));
    let id = marker.event_id;
    store
        .append(
            &StreamRef::new("barrier", id.to_string()),
            ExpectedVersion::NoStream,
            vec![marker],
            &meta(),
        )
        .await
        .unwrap();
    id
}

/// Reads the log from the start until `marker`, without the markers.
async fn read_until(store: &DynEventStore, marker: uuid::Uuid, batch: usize) -> Vec<RecordedEvent> {
    let mut sub = subscribe(
        store.clone(),
        LogPosition::START,
        batch,
        Duration::from_millis(10),
    );
    let mut all = Vec::new();
    loop {
        let events = sub
            .next_batch_timeout(Duration::from_secs(30))
            .await
            .unwrap();
        assert!(!events.is_empty(), "the marker never became visible");
        assert!(events.len() <= batch);
        for e in events {
            if e.event_id == marker {
                return all;
            }
            if e.stream.stream_type != "barrier" {
                all.push(e);
            }
        }
    }
}

/// Every event in the log now, without the markers.
async fn everything(store: &DynEventStore) -> Vec<RecordedEvent> {
    let marker = barrier(store).await;
    read_until(store, marker, 100).await
}

async fn append_then_read_stream_returns_the_envelope(h: Harness) {
    let s = stream("a");
    let mut m = meta();
    m.causation_id = Some(uuid::Uuid::now_v7());
    let events = vec![event(1), event(2)];
    let result = h
        .store
        .append(&s, ExpectedVersion::NoStream, events.clone(), &m)
        .await
        .unwrap();
    assert_eq!((result.first_version, result.last_version), (1, 2));
    assert!(!result.deduplicated);
    let read = h.store.read_stream(&s, 1, 10).await.unwrap();
    assert_eq!(read.len(), 2);
    for (i, (stored, sent)) in read.iter().zip(&events).enumerate() {
        assert_eq!(stored.event_id, sent.event_id);
        assert_eq!(stored.stream, s);
        assert_eq!(stored.stream_version, i as u64 + 1);
        assert_eq!(stored.event_type, "ThingHappened");
        assert_eq!(stored.schema_version, 1);
        assert_eq!(stored.payload, sent.payload);
        assert_eq!(stored.actor, m.actor);
        assert_eq!(stored.correlation_id, m.correlation_id);
        assert_eq!(stored.causation_id, m.causation_id);
        assert_eq!(stored.idempotency_key, None);
        // Both stores keep microseconds.
        let diff = (stored.occurred_at - sent.occurred_at)
            .whole_microseconds()
            .abs();
        assert!(diff < 1, "occurred_at changed by {diff} µs");
        assert!(stored.recorded_at >= stored.occurred_at - time::Duration::seconds(5));
    }
    assert_eq!(
        read[1].global_position,
        result.last_position.global_position
    );
    assert_eq!(read[0].global_position, result.first_position);
    assert_eq!(read[1].log_position(), result.last_position);
    assert_eq!(h.store.read_stream(&s, 2, 10).await.unwrap().len(), 1);
    assert_eq!(h.store.read_stream(&s, 1, 1).await.unwrap().len(), 1);
    assert_eq!(h.store.stream_version(&s).await.unwrap(), Some(2));
    assert_eq!(h.store.stream_version(&stream("none")).await.unwrap(), None);
    assert!(h
        .store
        .read_stream(&stream("none"), 1, 10)
        .await
        .unwrap()
        .is_empty());
}

async fn wrong_expected_version_is_a_conflict_and_writes_nothing(h: Harness) {
    let s = stream("b");
    h.store
        .append(&s, ExpectedVersion::NoStream, vec![event(1)], &meta())
        .await
        .unwrap();
    for expected in [
        ExpectedVersion::Exact(0),
        ExpectedVersion::Exact(2),
        ExpectedVersion::NoStream,
    ] {
        match h.store.append(&s, expected, vec![event(2)], &meta()).await {
            Err(StoreError::WrongExpectedVersion {
                stream: st,
                expected: e,
                actual,
            }) => {
                assert_eq!(st, s);
                assert_eq!(e, expected);
                assert_eq!(actual, Some(1));
            }
            other => panic!("expected a conflict for {expected:?}, got {other:?}"),
        }
    }
    match h
        .store
        .append(
            &stream("missing"),
            ExpectedVersion::Exact(1),
            vec![event(1)],
            &meta(),
        )
        .await
    {
        Err(StoreError::WrongExpectedVersion { actual: None, .. }) => {}
        other => panic!("expected a conflict on a missing stream, got {other:?}"),
    }
    assert_eq!(h.store.stream_version(&s).await.unwrap(), Some(1));
    assert_eq!(everything(&h.store).await.len(), 1);
    let ok = h
        .store
        .append(&s, ExpectedVersion::Exact(1), vec![event(2)], &meta())
        .await
        .unwrap();
    assert_eq!(ok.last_version, 2);
}

async fn any_appends_whatever_the_version(h: Harness) {
    let s = stream("c");
    for i in 1..=3 {
        let r = h
            .store
            .append(&s, ExpectedVersion::Any, vec![event(i)], &meta())
            .await
            .unwrap();
        assert_eq!(r.last_version, i);
    }
    let versions: Vec<u64> = h
        .store
        .read_stream(&s, 1, 10)
        .await
        .unwrap()
        .iter()
        .map(|e| e.stream_version)
        .collect();
    assert_eq!(versions, vec![1, 2, 3]);
}

async fn idempotent_append_stores_once_and_returns_the_first_result(h: Harness) {
    let s = stream("d");
    let m = meta().with_idempotency_key("cmd-42");
    let first = h
        .store
        .append(&s, ExpectedVersion::NoStream, vec![event(1), event(2)], &m)
        .await
        .unwrap();
    // The retry carries new event ids and a now-wrong expected version: still the first result.
    let again = h
        .store
        .append(&s, ExpectedVersion::NoStream, vec![event(1), event(2)], &m)
        .await
        .unwrap();
    assert!(again.deduplicated);
    assert_eq!(
        (
            again.first_version,
            again.last_version,
            again.first_position,
            again.last_position
        ),
        (
            first.first_version,
            first.last_version,
            first.first_position,
            first.last_position
        )
    );
    let (first_stream, looked_up) = h.store.idempotency_result("cmd-42").await.unwrap().unwrap();
    assert_eq!(first_stream, s);
    assert_eq!(looked_up, again);
    assert!(h
        .store
        .idempotency_result("never-used")
        .await
        .unwrap()
        .is_none());
    let stored = h.store.read_stream(&s, 1, 10).await.unwrap();
    assert_eq!(stored.len(), 2);
    assert!(stored
        .iter()
        .all(|e| e.idempotency_key.as_deref() == Some("cmd-42")));
    // The same key for another stream is refused and writes nothing.
    match h
        .store
        .append(&stream("e"), ExpectedVersion::Any, vec![event(1)], &m)
        .await
    {
        Err(StoreError::IdempotencyKeyReused { key, first_stream }) => {
            assert_eq!(key, "cmd-42");
            assert_eq!(first_stream, s);
        }
        other => panic!("expected IdempotencyKeyReused, got {other:?}"),
    }
    assert_eq!(everything(&h.store).await.len(), 2);
}

async fn concurrent_appends_with_one_key_store_once(h: Harness) {
    let s = stream("f");
    let m = meta().with_idempotency_key("same-key");
    let mut tasks = Vec::new();
    for i in 0..12 {
        let (store, s, m) = (h.store.clone(), s.clone(), m.clone());
        tasks.push(tokio::spawn(async move {
            store
                .append(&s, ExpectedVersion::Any, vec![event(i)], &m)
                .await
                .unwrap()
        }));
    }
    let mut results = Vec::new();
    for t in tasks {
        results.push(t.await.unwrap());
    }
    assert_eq!(results.iter().filter(|r| !r.deduplicated).count(), 1);
    assert!(results
        .iter()
        .all(|r| r.last_position == results[0].last_position));
    assert_eq!(h.store.read_stream(&s, 1, 100).await.unwrap().len(), 1);
}

async fn a_batch_is_appended_whole_and_in_order(h: Harness) {
    let s = stream("g");
    let batch: Vec<NewEvent> = (0..1000).map(event).collect();
    let ids: Vec<_> = batch.iter().map(|e| e.event_id).collect();
    let r = h
        .store
        .append(&s, ExpectedVersion::NoStream, batch, &meta())
        .await
        .unwrap();
    assert_eq!((r.first_version, r.last_version), (1, 1000));
    let stored = h.store.read_stream(&s, 1, 2000).await.unwrap();
    assert_eq!(stored.iter().map(|e| e.event_id).collect::<Vec<_>>(), ids);
    assert!(stored
        .windows(2)
        .all(|w| w[0].global_position < w[1].global_position
            && w[0].transaction_id == w[1].transaction_id));
    assert_eq!(stored[999].payload["n"], 999);
}

async fn bad_input_is_a_typed_error_and_writes_nothing(h: Harness) {
    h.store
        .append(
            &stream("h"),
            ExpectedVersion::NoStream,
            vec![event(1)],
            &meta(),
        )
        .await
        .unwrap();
    let dup = event(9);
    let cases: Vec<(&str, StreamRef, Vec<NewEvent>, EventMetadata)> = vec![
        (
            "stream_id",
            StreamRef::new("thing", ""),
            vec![event(1)],
            meta(),
        ),
        (
            "stream_type",
            StreamRef::new("", "x"),
            vec![event(1)],
            meta(),
        ),
        ("events", stream("x"), vec![], meta()),
        (
            "payload",
            stream("x"),
            vec![NewEvent::new("T", 1, json!("text"))],
            meta(),
        ),
        (
            "payload",
            stream("x"),
            vec![NewEvent::new("T", 1, json!({"a": "\u{0}"}))],
            meta(),
        ),
        (
            "event_type",
            stream("x"),
            vec![NewEvent::new(" ", 1, json!({}))],
            meta(),
        ),
        (
            "schema_version",
            stream("x"),
            vec![NewEvent::new("T", 0, json!({}))],
            meta(),
        ),
        ("event_id", stream("x"), vec![dup.clone(), dup], meta()),
        (
            "actor.account_id",
            stream("x"),
            vec![event(1)],
            EventMetadata::new(Actor {
                account_id: "".into(),
                role: "r".into(),
            }),
        ),
        (
            "idempotency_key",
            stream("x"),
            vec![event(1)],
            meta().with_idempotency_key(""),
        ),
    ];
    for (field, s, events, m) in cases {
        match h.store.append(&s, ExpectedVersion::Any, events, &m).await {
            Err(StoreError::Invalid(e)) => assert_eq!(e.field, field, "{e}"),
            other => panic!("expected Invalid({field}), got {other:?}"),
        }
    }
    // Text that is not JSON never becomes an event.
    assert_eq!(
        NewEvent::from_json_text("T", 1, "{\"a\":")
            .unwrap_err()
            .field,
        "payload"
    );
    // An event id that is already stored.
    let stored = h.store.read_stream(&stream("h"), 1, 1).await.unwrap();
    let mut again = event(2);
    again.event_id = stored[0].event_id;
    match h
        .store
        .append(
            &stream("h"),
            ExpectedVersion::Exact(1),
            vec![again],
            &meta(),
        )
        .await
    {
        Err(StoreError::Invalid(e)) => assert_eq!(e.field, "event_id"),
        other => panic!("expected Invalid(event_id), got {other:?}"),
    }
    assert_eq!(everything(&h.store).await.len(), 1);
    assert_eq!(h.store.stream_version(&stream("h")).await.unwrap(), Some(1));
    assert_eq!(h.store.stream_version(&stream("x")).await.unwrap(), None);
}

async fn read_all_pages_through_the_log_in_order(h: Harness) {
    assert_eq!(h.store.head().await.unwrap(), None);
    let mut expected = Vec::new();
    for i in 0..25u64 {
        let s = stream(&format!("p{}", i % 4));
        let events = vec![event(i), event(i + 100)];
        expected.extend(events.iter().map(|e| e.event_id));
        h.store
            .append(&s, ExpectedVersion::Any, events, &meta())
            .await
            .unwrap();
    }
    // Pages of 7 through the log, each after the last event of the one before.
    let marker = barrier(&h.store).await;
    let seen: Vec<_> = read_until(&h.store, marker, 7)
        .await
        .iter()
        .map(|e| e.event_id)
        .collect();
    assert_eq!(seen, expected);
    let raw = h.store.read_all(LogPosition::START, 1000).await.unwrap();
    assert!(raw
        .windows(2)
        .all(|w| w[0].log_position() < w[1].log_position()));
    let head = h.store.head().await.unwrap().unwrap();
    assert!(head >= raw.last().unwrap().log_position());
    let last = raw.last().unwrap().log_position();
    assert!(h.store.contains(last).await.unwrap());
    let beyond = LogPosition {
        global_position: last.global_position + 1_000_000,
        ..last
    };
    assert!(!h.store.contains(beyond).await.unwrap());
    let after_head = h.store.read_all(head, 10).await.unwrap();
    assert!(after_head.is_empty() || after_head[0].log_position() > head);
}

async fn a_subscription_catches_up_and_follows(h: Harness) {
    h.store
        .append(&stream("s"), ExpectedVersion::Any, vec![event(0)], &meta())
        .await
        .unwrap();
    let mut sub = subscribe(
        h.store.clone(),
        LogPosition::START,
        10,
        Duration::from_secs(30),
    );
    let first = sub.next_batch().await.unwrap();
    assert_eq!(first.len(), 1);
    let writer = h.store.clone();
    let handle = tokio::spawn(async move {
        tokio::time::sleep(Duration::from_millis(50)).await;
        writer
            .append(&stream("s"), ExpectedVersion::Any, vec![event(1)], &meta())
            .await
            .unwrap()
    });
    // The poll interval is 30 s: only the append signal can deliver this in time.
    let next = sub
        .next_batch_timeout(Duration::from_secs(10))
        .await
        .unwrap();
    let appended = handle.await.unwrap();
    assert_eq!(next.len(), 1);
    assert_eq!(next[0].log_position(), appended.last_position);
    assert_eq!(sub.position(), appended.last_position);
}

/// While events keep coming one append at a time, a subscription reads at
/// most once per [`READ_GAP`] (each append wakes it; reading on every
/// wake-up cost a query per event) and still hands out each event once, in
/// order.
async fn a_subscription_reads_at_most_once_per_gap_while_events_flow(h: Harness) {
    const EVENTS: u64 = 300;
    let writer = h.store.clone();
    let mut sub = subscribe(
        h.store.clone(),
        LogPosition::START,
        1_000,
        Duration::from_secs(30),
    );
    let started = std::time::Instant::now();
    let appends = tokio::spawn(async move {
        for n in 0..EVENTS {
            writer
                .append(&stream("s"), ExpectedVersion::Any, vec![event(n)], &meta())
                .await
                .unwrap();
        }
    });
    let (mut seen, mut batches) = (Vec::new(), 0u32);
    while seen.len() < EVENTS as usize {
        let batch = sub
            .next_batch_timeout(Duration::from_secs(30))
            .await
            .unwrap();
        assert!(!batch.is_empty(), "the events never became visible");
        batches += 1;
        seen.extend(batch.into_iter().map(|e| e.payload["n"].as_u64().unwrap()));
    }
    let elapsed = started.elapsed();
    appends.await.unwrap();
    assert_eq!(
        seen,
        (0..EVENTS).collect::<Vec<_>>(),
        "each event once, in order"
    );
    assert!(
        READ_GAP * (batches - 1) <= elapsed,
        "{batches} reads in {elapsed:?}: closer together than {READ_GAP:?}"
    );
}

/// Many writers, conflicts (rolled-back appends) and a concurrent reader: the
/// reader sees every committed event exactly once, in log order, and each
/// stream's versions in order.
async fn concurrent_writers_and_a_reader_lose_nothing(h: Harness) {
    const WRITERS: usize = 16;
    const APPENDS: usize = 40;
    // The reader follows the log while the writers run, until a marker appended after them.
    let (marker_tx, marker_rx) = tokio::sync::oneshot::channel::<uuid::Uuid>();
    let reader_store = h.store.clone();
    let reader = tokio::spawn(async move {
        let mut sub = subscribe(
            reader_store,
            LogPosition::START,
            50,
            Duration::from_millis(20),
        );
        let mut seen: Vec<RecordedEvent> = Vec::new();
        let mut marker_rx = marker_rx;
        let mut marker = None;
        loop {
            if let Some(m) = marker {
                if let Some(i) = seen.iter().position(|e: &RecordedEvent| e.event_id == m) {
                    seen.truncate(i);
                    return seen;
                }
            }
            tokio::select! {
                b = sub.next_batch() => seen.extend(b.unwrap()),
                m = &mut marker_rx, if marker.is_none() => marker = Some(m.unwrap()),
            }
        }
    });
    let mut writers = Vec::new();
    for w in 0..WRITERS {
        let store = h.store.clone();
        writers.push(tokio::spawn(async move {
            let mut committed = Vec::new();
            let mut conflicts = 0;
            for i in 0..APPENDS {
                // Four writers share each stream, so expected versions often conflict.
                let s = stream(&format!("w{}", w % 4));
                let current = store.stream_version(&s).await.unwrap();
                let expected = current.map_or(ExpectedVersion::NoStream, ExpectedVersion::Exact);
                let events: Vec<NewEvent> = (0..(1 + i % 3))
                    .map(|k| event((w * 1000 + i * 10 + k) as u64))
                    .collect();
                let ids: Vec<_> = events.iter().map(|e| e.event_id).collect();
                match store.append(&s, expected, events, &meta()).await {
                    Ok(_) => committed.extend(ids),
                    Err(StoreError::WrongExpectedVersion { .. }) => conflicts += 1,
                    Err(e) => panic!("{e}"),
                }
            }
            (committed, conflicts)
        }));
    }
    let mut committed = HashSet::new();
    let mut conflicts = 0;
    for w in writers {
        let (ids, c) = w.await.unwrap();
        conflicts += c;
        committed.extend(ids);
    }
    marker_tx.send(barrier(&h.store).await).unwrap();
    let seen = tokio::time::timeout(Duration::from_secs(60), reader)
        .await
        .expect("the reader never saw the marker")
        .unwrap();
    assert!(conflicts > 0, "the test must exercise rolled-back appends");
    let seen_ids: Vec<_> = seen.iter().map(|e| e.event_id).collect();
    let unique: HashSet<_> = seen_ids.iter().copied().collect();
    assert_eq!(unique.len(), seen_ids.len(), "an event was delivered twice");
    assert_eq!(unique, committed, "the reader missed or invented events");
    assert!(seen
        .windows(2)
        .all(|w| w[0].log_position() < w[1].log_position()));
    let mut last_version: HashMap<StreamRef, u64> = HashMap::new();
    for e in &seen {
        let last = last_version.entry(e.stream.clone()).or_default();
        assert_eq!(e.stream_version, *last + 1, "stream versions out of order");
        *last = e.stream_version;
    }
}

macro_rules! contract {
    ($($name:ident),* $(,)?) => {
        mod postgres_adapter {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
                async fn $name() {
                    super::$name(super::postgres().await).await;
                }
            )*
        }
        mod sqlite_adapter {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
                async fn $name() {
                    super::$name(super::sqlite().await).await;
                }
            )*
        }
    };
}

contract!(
    append_then_read_stream_returns_the_envelope,
    wrong_expected_version_is_a_conflict_and_writes_nothing,
    any_appends_whatever_the_version,
    idempotent_append_stores_once_and_returns_the_first_result,
    concurrent_appends_with_one_key_store_once,
    a_batch_is_appended_whole_and_in_order,
    bad_input_is_a_typed_error_and_writes_nothing,
    read_all_pages_through_the_log_in_order,
    a_subscription_catches_up_and_follows,
    a_subscription_reads_at_most_once_per_gap_while_events_flow,
    concurrent_writers_and_a_reader_lose_nothing,
);
