//! The read-model store's contract, against PostgreSQL and SQLite: batches
//! with their checkpoint applied exactly once, documents and deletions
//! followed in change order, generations kept apart and switched.

use infra::event_store::LogPosition;
use infra::read_model::postgres::PostgresReadModelStore;
use infra::read_model::sqlite::SqliteReadModelStore;
use infra::read_model::{Change, DynReadModelStore, ReadModelError};
use serde_json::json;
use std::sync::Arc;
use test_support::{TempDir, TestPostgres};

fn at(t: u64, p: u64) -> LogPosition {
    LogPosition {
        transaction_id: t,
        global_position: p,
    }
}

fn put(collection: &str, key: &str, doc: serde_json::Value) -> Change {
    Change {
        collection: collection.into(),
        key: key.into(),
        doc: Some(doc),
    }
}

async fn contract(store: DynReadModelStore) {
    let g = store.active_generation().await.unwrap();
    assert_eq!(store.checkpoint(g, "registry").await.unwrap(), None);
    store
        .commit(
            g,
            "registry",
            vec![
                put("services", "a", json!({ "name": "Azylový dům" })),
                put("services", "b", json!({ "n": 1 })),
            ],
            None,
            at(5, 10),
        )
        .await
        .unwrap();
    assert_eq!(
        store.get(g, "services", "a").await.unwrap().unwrap()["name"],
        "Azylový dům"
    );
    assert_eq!(
        store.checkpoint(g, "registry").await.unwrap(),
        Some(at(5, 10))
    );

    // The same batch again (a redelivery) writes nothing.
    match store
        .commit(
            g,
            "registry",
            vec![put("services", "a", json!({ "name": "changed" }))],
            None,
            at(5, 10),
        )
        .await
    {
        Err(ReadModelError::CheckpointMoved { .. }) => {}
        other => panic!("expected CheckpointMoved, got {other:?}"),
    }
    // Nor one built on a checkpoint that has moved since (a second instance's
    // overlapping batch): its documents were read before the other commit.
    match store
        .commit(
            g,
            "registry",
            vec![put("services", "a", json!({ "name": "stale" }))],
            Some(at(4, 7)),
            at(9, 20),
        )
        .await
    {
        Err(ReadModelError::CheckpointMoved { from, .. }) => assert_eq!(from, Some(at(4, 7))),
        other => panic!("expected CheckpointMoved, got {other:?}"),
    }
    // An older one neither.
    assert!(store
        .commit(
            g,
            "registry",
            vec![put("services", "z", json!({}))],
            Some(at(5, 10)),
            at(4, 99)
        )
        .await
        .is_err());
    assert_eq!(
        store.get(g, "services", "a").await.unwrap().unwrap()["name"],
        "Azylový dům"
    );
    assert_eq!(store.get(g, "services", "z").await.unwrap(), None);

    // Followers see changes in order, deletions included.
    let first = store.changed_since(g, "services", 0, 10).await.unwrap();
    assert_eq!(
        first.iter().map(|d| d.key.as_str()).collect::<Vec<_>>(),
        ["a", "b"]
    );
    let last_seq = first[1].seq;
    store
        .commit(
            g,
            "registry",
            vec![
                Change {
                    collection: "services".into(),
                    key: "a".into(),
                    doc: None,
                },
                put("providers", "p", json!({})),
            ],
            Some(at(5, 10)),
            at(6, 11),
        )
        .await
        .unwrap();
    let next = store
        .changed_since(g, "services", last_seq, 10)
        .await
        .unwrap();
    assert_eq!(next.len(), 1);
    assert_eq!((next[0].key.as_str(), next[0].doc.clone()), ("a", None));
    assert!(next[0].seq > last_seq);
    assert_eq!(store.get(g, "services", "a").await.unwrap(), None);
    assert_eq!(
        store
            .changed_since(g, "services", 0, 1)
            .await
            .unwrap()
            .len(),
        1
    );

    // One feed over several collections, in change order, only those asked for.
    store
        .commit(
            g,
            "registry",
            vec![put("news", "n", json!({})), put("services", "c", json!({}))],
            Some(at(6, 11)),
            at(7, 12),
        )
        .await
        .unwrap();
    let feed = store
        .changes_since(g, &["services", "providers"], last_seq, 10)
        .await
        .unwrap();
    let seen: Vec<(&str, &str)> = feed
        .iter()
        .map(|(c, d)| (c.as_str(), d.key.as_str()))
        .collect();
    assert_eq!(
        seen,
        [("services", "a"), ("providers", "p"), ("services", "c")]
    );
    assert!(feed.windows(2).all(|w| w[0].1.seq < w[1].1.seq));
    let page = store
        .changes_since(g, &["services", "providers", "news"], last_seq, 2)
        .await
        .unwrap();
    assert_eq!(page.len(), 2);
    let rest = store
        .changes_since(g, &["services", "providers", "news"], page[1].1.seq, 10)
        .await
        .unwrap();
    assert_eq!(rest.len(), 2, "news and c after the page");

    // A large batch is written whole, each document once, the last change
    // of a document named twice winning, in the order of the batch.
    let mut many: Vec<Change> = (0..1200)
        .map(|i| put("services", &format!("m{i:04}"), json!({ "i": i })))
        .collect();
    many.push(put("services", "m0007", json!({ "i": "again" })));
    store
        .commit(g, "registry", many, Some(at(7, 12)), at(8, 13))
        .await
        .unwrap();
    assert_eq!(
        store.get(g, "services", "m0007").await.unwrap().unwrap()["i"],
        "again"
    );
    assert_eq!(
        store.get(g, "services", "m1199").await.unwrap().unwrap()["i"],
        1199
    );
    let some = ["m0001".to_string(), "none".to_string(), "m0007".to_string()];
    let read = store.get_many(g, "services", &some).await.unwrap();
    assert_eq!(read.len(), 3, "one answer a key, in order");
    assert_eq!(read[0].as_ref().unwrap()["i"], 1);
    assert_eq!(read[1], None, "a missing document");
    assert_eq!(read[2].as_ref().unwrap()["i"], "again");
    let written = store
        .changes_since(g, &["services"], rest[1].1.seq, 2000)
        .await
        .unwrap();
    assert_eq!(written.len(), 1200, "each document once");
    assert!(written.windows(2).all(|w| w[0].1.seq < w[1].1.seq));

    // A second generation is built apart, then switched to, then the old one dropped.
    let g2 = g + 1;
    assert_eq!(store.checkpoint(g2, "registry").await.unwrap(), None);
    store
        .commit(
            g2,
            "registry",
            vec![put("services", "b", json!({ "n": 2 }))],
            None,
            at(6, 11),
        )
        .await
        .unwrap();
    assert_eq!(
        store.get(g, "services", "b").await.unwrap().unwrap()["n"],
        1
    );
    assert_eq!(
        store.get(g2, "services", "b").await.unwrap().unwrap()["n"],
        2
    );
    store.activate(g2).await.unwrap();
    assert_eq!(store.active_generation().await.unwrap(), g2);
    store.drop_generation(g).await.unwrap();
    assert_eq!(store.get(g, "services", "b").await.unwrap(), None);
    assert_eq!(store.checkpoint(g, "registry").await.unwrap(), None);
}

#[tokio::test]
async fn postgres_adapter() {
    let db = TestPostgres::new();
    let pool = infra::postgres::connect(&db.settings).await.unwrap();
    contract(Arc::new(PostgresReadModelStore::new(pool).await.unwrap())).await;
}

#[tokio::test]
async fn sqlite_adapter() {
    let dir = TempDir::new();
    contract(Arc::new(
        SqliteReadModelStore::open(dir.path().join("read_models.sqlite3")).unwrap(),
    ))
    .await;
}
