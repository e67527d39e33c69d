//! The credential store's contract, against PostgreSQL and SQLite: unique
//! case-insensitive logins, look-ups, password change, erasure.

use infra::credentials::postgres::PostgresCredentialStore;
use infra::credentials::sqlite::SqliteCredentialStore;
use infra::credentials::{CredentialError, Credentials, DynCredentialStore};
use std::sync::Arc;
use test_support::{TempDir, TestPostgres};
use uuid::Uuid;

fn jana(id: Uuid) -> Credentials {
    Credentials {
        account_id: id,
        login: "Jana.Novakova".into(),
        email: "jana@example.cz".into(),
        display_name: "Jana Nováková".into(),
        password_hash: "$argon2id$v=19$m=19456,t=2,p=1$x$y".into(),
    }
}

async fn contract(store: DynCredentialStore) {
    let id = Uuid::now_v7();
    store.insert(jana(id)).await.unwrap();
    let found = store.by_login("  jana.novakova ").await.unwrap().unwrap();
    assert_eq!(found.account_id, id);
    assert_eq!(found.login, "jana.novakova");
    assert_eq!(found.display_name, "Jana Nováková");
    let mut twin = jana(Uuid::now_v7());
    twin.login = "JANA.NOVAKOVA".into();
    assert!(matches!(
        store.insert(twin).await,
        Err(CredentialError::LoginTaken)
    ));
    let by_email = store.by_email(" JANA@example.cz").await.unwrap();
    assert_eq!(by_email.len(), 1);
    assert_eq!(by_email[0].account_id, id);
    assert!(store.by_email("jan@example.cz").await.unwrap().is_empty());
    assert!(store.set_password_hash(id, "new").await.unwrap());
    assert_eq!(
        store.by_account(id).await.unwrap().unwrap().password_hash,
        "new"
    );
    assert!(!store.set_password_hash(Uuid::now_v7(), "x").await.unwrap());
    assert!(store.erase(id).await.unwrap());
    assert!(store.by_login("jana.novakova").await.unwrap().is_none());
    assert!(store.by_account(id).await.unwrap().is_none());
    assert!(store.by_email("jana@example.cz").await.unwrap().is_empty());
    assert!(!store.erase(id).await.unwrap());
    // The login is free again after erasure.
    store.insert(jana(Uuid::now_v7())).await.unwrap();
}

#[tokio::test]
async fn postgres_adapter() {
    let db = TestPostgres::new();
    let pool = infra::postgres::connect(&db.settings).await.unwrap();
    contract(Arc::new(PostgresCredentialStore::new(pool).await.unwrap())).await;
}

#[tokio::test]
async fn sqlite_adapter() {
    let dir = TempDir::new();
    contract(Arc::new(
        SqliteCredentialStore::open(dir.path().join("private.sqlite3")).unwrap(),
    ))
    .await;
}
