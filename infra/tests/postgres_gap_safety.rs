//! The PostgreSQL log order is gap-safe: transactions that commit out of
//! order, stay open long or roll back never make a reader skip an event. A
//! naive reader that follows `global_position` alone runs beside it to show
//! that the hazard is real.

use infra::event_store::postgres::PostgresEventStore;
use infra::event_store::{
    subscribe, Actor, DynEventStore, EventMetadata, EventStore, ExpectedVersion, LogPosition,
    NewEvent, RecordedEvent, StreamRef,
};
use rand::Rng;
use std::collections::HashSet;
use std::str::FromStr;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;
use test_support::TestPostgres;
use tokio_postgres::{Client, NoTls};
use uuid::Uuid;

async fn raw_client(db: &TestPostgres) -> Client {
    let mut config = tokio_postgres::Config::from_str(&db.settings.url).unwrap();
    config.options(format!("-c search_path={}", db.settings.schema));
    let (client, connection) = config.connect(NoTls).await.unwrap();
    tokio::spawn(connection);
    client
}

/// Calls the store's append function inside the caller's open transaction.
async fn append_in_tx(client: &Client, stream: &str, n: usize) -> Vec<Uuid> {
    let ids: Vec<Uuid> = (0..n).map(|_| Uuid::now_v7()).collect();
    let types: Vec<String> = vec!["Raw".into(); n];
    let versions: Vec<i32> = vec![1; n];
    let times = vec![time::OffsetDateTime::now_utc(); n];
    let payloads: Vec<serde_json::Value> = (0..n).map(|i| serde_json::json!({ "i": i })).collect();
    client
        .query_one(
            "SELECT * FROM append_events('raw', $1, -1, $2, $3, $4, $5, $6, 'tester', 'test', $7, NULL, NULL)",
            &[&stream, &ids, &types, &versions, &times, &payloads, &Uuid::now_v7()],
        )
        .await
        .unwrap();
    ids
}

/// Follows the log by position alone, as a reader without the xmin rule would.
async fn naive_read(client: &Client, after: i64) -> Vec<(i64, Uuid)> {
    client
        .query(
            "SELECT global_position, event_id FROM events WHERE global_position > $1 ORDER BY global_position",
            &[&after],
        )
        .await
        .unwrap()
        .iter()
        .map(|r| (r.get(0), r.get(1)))
        .collect()
}

async fn read_everything(store: &PostgresEventStore) -> Vec<RecordedEvent> {
    let mut all = Vec::new();
    let mut after = LogPosition::START;
    loop {
        let batch = store.read_all(after, 500).await.unwrap();
        let Some(last) = batch.last() else { return all };
        after = last.log_position();
        all.extend(batch);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn an_early_position_committed_late_is_not_skipped() {
    let db = TestPostgres::new();
    let store = PostgresEventStore::connect(&db.settings).await.unwrap();
    let slow = raw_client(&db).await;
    let fast = raw_client(&db).await;
    let naive = raw_client(&db).await;

    slow.batch_execute("BEGIN").await.unwrap();
    let early = append_in_tx(&slow, "slow", 1).await; // takes the lower position, stays open
    let late = append_in_tx(&fast, "fast", 1).await; // autocommit: higher position, committed first

    // The naive reader sees the later event and moves past the earlier position.
    let seen = naive_read(&naive, 0).await;
    assert_eq!(seen.iter().map(|s| s.1).collect::<Vec<_>>(), late);
    let naive_cursor = seen[0].0;
    // The gap-safe reader holds back: the open transaction may still commit below.
    assert!(store
        .read_all(LogPosition::START, 10)
        .await
        .unwrap()
        .is_empty());

    slow.batch_execute("COMMIT").await.unwrap();
    assert!(
        naive_read(&naive, naive_cursor).await.is_empty(),
        "naive reader skipped the event"
    );
    // Visible once every older transaction of the cluster (other tests run beside) has ended.
    let mut sub = subscribe(
        Arc::new(store) as DynEventStore,
        LogPosition::START,
        10,
        Duration::from_millis(10),
    );
    let mut all = Vec::new();
    while all.len() < 2 {
        let batch = sub
            .next_batch_timeout(Duration::from_secs(30))
            .await
            .unwrap();
        assert!(!batch.is_empty(), "the events never became visible");
        all.extend(batch.iter().map(|e| e.event_id));
    }
    assert_eq!(all, [early[0], late[0]]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_long_and_rolled_back_transactions_lose_nothing() {
    const WRITERS: usize = 12;
    const ROUNDS: usize = 25;
    let db = TestPostgres::new();
    let store = Arc::new(PostgresEventStore::connect(&db.settings).await.unwrap());
    let done = Arc::new(AtomicBool::new(false));

    // The gap-safe reader and the naive one poll side by side while the
    // writers run; the gap-safe one stops at a marker appended after them.
    let (marker_tx, mut marker_rx) = tokio::sync::oneshot::channel::<Uuid>();
    let reader = {
        let store = store.clone();
        tokio::spawn(async move {
            let mut seen: Vec<RecordedEvent> = Vec::new();
            let mut after = LogPosition::START;
            let mut marker = None;
            loop {
                if let Ok(m) = marker_rx.try_recv() {
                    marker = Some(m);
                }
                let batch = store.read_all(after, 200).await.unwrap();
                if let Some(last) = batch.last() {
                    after = last.log_position();
                }
                seen.extend(batch);
                if let Some(i) = marker.and_then(|m| seen.iter().position(|e| e.event_id == m)) {
                    seen.truncate(i);
                    return seen;
                }
                tokio::time::sleep(Duration::from_millis(2)).await;
            }
        })
    };
    let naive = {
        let (client, done) = (raw_client(&db).await, done.clone());
        tokio::spawn(async move {
            let mut seen = HashSet::new();
            let mut cursor = 0;
            loop {
                let finished = done.load(Ordering::SeqCst);
                for (pos, id) in naive_read(&client, cursor).await {
                    cursor = cursor.max(pos);
                    seen.insert(id);
                }
                if finished {
                    return seen;
                }
                tokio::time::sleep(Duration::from_millis(2)).await;
            }
        })
    };

    let mut writers = Vec::new();
    for w in 0..WRITERS {
        let client = raw_client(&db).await;
        writers.push(tokio::spawn(async move {
            let mut committed = Vec::new();
            let mut rolled_back = Vec::new();
            for round in 0..ROUNDS {
                let (n, hold, rollback) = {
                    let mut rng = rand::rng();
                    let long = rng.random_bool(0.15);
                    let hold = if long {
                        rng.random_range(50..200)
                    } else {
                        rng.random_range(0..5)
                    };
                    (rng.random_range(1..4), hold, rng.random_bool(0.2))
                };
                client.batch_execute("BEGIN").await.unwrap();
                let ids = append_in_tx(&client, &format!("w{w}-{}", round % 3), n).await;
                tokio::time::sleep(Duration::from_millis(hold)).await;
                if rollback {
                    client.batch_execute("ROLLBACK").await.unwrap();
                    rolled_back.extend(ids);
                } else {
                    client.batch_execute("COMMIT").await.unwrap();
                    committed.extend(ids);
                }
            }
            (committed, rolled_back)
        }));
    }
    let mut committed = HashSet::new();
    let mut rolled_back = HashSet::new();
    for w in writers {
        let (c, r) = w.await.unwrap();
        committed.extend(c);
        rolled_back.extend(r);
    }
    done.store(true, Ordering::SeqCst);
    let marker = NewEvent::new("Marker", 1, serde_json::json!({}));
    let marker_id = marker.event_id;
    store
        .append(
            &StreamRef::new("marker", "end"),
            ExpectedVersion::NoStream,
            vec![marker],
            &EventMetadata::new(Actor::system()),
        )
        .await
        .unwrap();
    marker_tx.send(marker_id).unwrap();
    let seen = tokio::time::timeout(Duration::from_secs(60), reader)
        .await
        .expect("the reader never saw the marker")
        .unwrap();
    let naive_seen = naive.await.unwrap();

    assert!(
        !rolled_back.is_empty(),
        "the test must roll some appends back"
    );
    let ids: Vec<Uuid> = seen.iter().map(|e| e.event_id).collect();
    let unique: HashSet<Uuid> = ids.iter().copied().collect();
    assert_eq!(unique.len(), ids.len(), "an event was delivered twice");
    assert_eq!(
        unique, committed,
        "the gap-safe reader missed or invented events"
    );
    assert!(seen
        .windows(2)
        .all(|w| w[0].log_position() < w[1].log_position()));
    let fresh: HashSet<Uuid> = read_everything(&store)
        .await
        .iter()
        .map(|e| e.event_id)
        .filter(|id| *id != marker_id)
        .collect();
    assert_eq!(fresh, committed, "a fresh read of the whole log agrees");
    let naive_missed = committed.difference(&naive_seen).count();
    eprintln!(
        "{} committed, {} rolled back; a position-only reader would have skipped {naive_missed}",
        committed.len(),
        rolled_back.len()
    );
}
