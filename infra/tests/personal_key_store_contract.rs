//! The personal key store's contract, against PostgreSQL and SQLite: a key
//! made once per person, looked up in bulk, destroyed for good by erasure.

use infra::personal::postgres::PostgresPersonalKeyStore;
use infra::personal::sqlite::SqlitePersonalKeyStore;
use infra::personal::{open, seal, DynPersonalKeyStore, PersonalKeyStore};
use std::sync::Arc;
use test_support::{TempDir, TestPostgres};
use uuid::Uuid;

async fn contract(store: DynPersonalKeyStore) -> Uuid {
    let jana = Uuid::now_v7();
    let petr = Uuid::now_v7();
    let key = store.key_for_writing(jana).await.unwrap().unwrap();
    assert_eq!(
        store.key_for_writing(jana).await.unwrap(),
        Some(key.clone()),
        "one key per person"
    );
    let sealed = seal(&key, jana, &"Jana píše");
    store.key_for_writing(petr).await.unwrap().unwrap();
    let keys = store.keys(&[jana, petr, Uuid::now_v7()]).await.unwrap();
    assert_eq!(keys.len(), 2);
    assert_eq!(
        open::<String>(&keys[&jana], jana, &sealed).as_deref(),
        Some("Jana píše")
    );

    assert!(store.erase(jana).await.unwrap());
    assert!(!store.erase(jana).await.unwrap(), "nothing left to destroy");
    let keys = store.keys(&[jana, petr]).await.unwrap();
    assert!(!keys.contains_key(&jana) && keys.contains_key(&petr));
    assert_eq!(
        store.key_for_writing(jana).await.unwrap(),
        None,
        "an erased person never gets a new key"
    );
    // Erasing someone who never wrote leaves a tombstone too.
    let stranger = Uuid::now_v7();
    assert!(!store.erase(stranger).await.unwrap());
    assert_eq!(store.key_for_writing(stranger).await.unwrap(), None);
    jana
}

#[tokio::test]
async fn postgres_adapter() {
    let db = TestPostgres::new();
    let pool = infra::postgres::connect(&db.settings).await.unwrap();
    contract(Arc::new(PostgresPersonalKeyStore::new(pool).await.unwrap())).await;
}

#[tokio::test]
async fn sqlite_adapter() {
    let dir = TempDir::new();
    let path = dir.path().join("personal.sqlite3");
    let erased = contract(Arc::new(SqlitePersonalKeyStore::open(&path).unwrap())).await;
    // Reopened, the tombstone holds.
    let reopened = SqlitePersonalKeyStore::open(&path).unwrap();
    assert_eq!(reopened.key_for_writing(erased).await.unwrap(), None);
}
