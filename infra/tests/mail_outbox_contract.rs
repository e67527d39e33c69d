//! The outbox of messages' contract, against PostgreSQL and SQLite: a
//! decision enqueued once with the checkpoint, claims that exclude each
//! other for their lease, retries due later, outcomes, counts, failures.

use infra::event_store::LogPosition;
use infra::mail::outbox::postgres::PostgresMailOutbox;
use infra::mail::outbox::sqlite::SqliteMailOutbox;
use infra::mail::outbox::{backoff, DynMailOutbox, Settled};
use serde_json::json;
use std::sync::Arc;
use std::time::Duration;
use test_support::{TempDir, TestPostgres};
use time::OffsetDateTime;
use uuid::Uuid;

async fn contract(outbox: DynMailOutbox) {
    let now = OffsetDateTime::now_utc().replace_nanosecond(0).unwrap();
    assert_eq!(outbox.checkpoint().await.unwrap(), LogPosition::START);
    let (a, b, c) = (Uuid::now_v7(), Uuid::now_v7(), Uuid::now_v7());
    let person = Uuid::now_v7();
    let at = LogPosition {
        transaction_id: 7,
        global_position: 3,
    };
    outbox
        .enqueue(
            vec![
                (a, json!({"kind": "vacancy_reminder"}), now),
                (b, json!({"kind": "survey_invitation"}), now),
                (c, json!({"kind": "password_reset", "recipient": {"to": "account", "account_id": person}}), now),
            ],
            vec![],
            at,
        )
        .await
        .unwrap();
    assert_eq!(outbox.checkpoint().await.unwrap(), at);
    let for_account = |id: Uuid| {
        let outbox = outbox.clone();
        async move {
            outbox
                .for_recipient("account", "account_id", &id.to_string())
                .await
                .unwrap()
        }
    };
    assert_eq!(for_account(person).await, vec![c]);
    assert!(for_account(Uuid::now_v7()).await.is_empty());
    assert!(outbox
        .for_recipient("subscriber", "account_id", &person.to_string())
        .await
        .unwrap()
        .is_empty());
    // Enqueued again (a replay): nothing changes.
    outbox
        .enqueue(vec![(a, json!({"kind": "other"}), now)], vec![], at)
        .await
        .unwrap();
    assert_eq!(outbox.counts().await.unwrap().pending, 3);

    let lease = Duration::from_secs(60);
    let first = outbox.claim(now, lease, 2).await.unwrap();
    assert_eq!(first.len(), 2);
    assert_eq!(
        first
            .iter()
            .find(|q| q.notification_id == a)
            .unwrap()
            .decision,
        json!({"kind": "vacancy_reminder"})
    );
    // The claimed ones are held for the lease; a second claim gets the third only.
    let second = outbox.claim(now, lease, 10).await.unwrap();
    assert_eq!(second.len(), 1);
    assert!(first
        .iter()
        .all(|q| q.notification_id != second[0].notification_id));
    assert!(outbox.claim(now, lease, 10).await.unwrap().is_empty());
    // After the lease (its holder died) they are due again.
    let later = now + Duration::from_secs(61);
    assert_eq!(outbox.claim(later, lease, 10).await.unwrap().len(), 3);

    outbox
        .settle(a, Settled::Sent, 1, None, later)
        .await
        .unwrap();
    outbox
        .retry(
            b,
            1,
            "421 busy".into(),
            later + backoff(Duration::from_secs(30), 0),
        )
        .await
        .unwrap();
    outbox
        .settle(
            c,
            Settled::Failed,
            1,
            Some("550 no such user".into()),
            later,
        )
        .await
        .unwrap();
    let much_later = later + Duration::from_secs(120);
    assert!(outbox
        .claim(later + Duration::from_secs(1), lease, 10)
        .await
        .unwrap()
        .is_empty());
    let again = outbox.claim(much_later, lease, 10).await.unwrap();
    assert_eq!(again.len(), 1);
    assert_eq!((again[0].notification_id, again[0].attempts), (b, 1));
    // Another sender settled it (the log says so): it leaves the outbox.
    outbox
        .enqueue(
            vec![],
            vec![(b, Settled::Suppressed)],
            LogPosition {
                transaction_id: 8,
                global_position: 4,
            },
        )
        .await
        .unwrap();
    let counts = outbox.counts().await.unwrap();
    assert_eq!(
        (
            counts.pending,
            counts.sent,
            counts.failed,
            counts.suppressed
        ),
        (0, 1, 1, 1)
    );
    let failures = outbox.failures(10).await.unwrap();
    assert_eq!(failures.len(), 1);
    assert_eq!(failures[0].notification_id, c);
    assert_eq!(failures[0].error, "550 no such user");
    let first = Duration::from_secs(30);
    assert!(backoff(first, 0) == first && backoff(first, 0) < backoff(first, 3));
    assert_eq!(backoff(first, 30), Duration::from_secs(3_600));
    assert_eq!(backoff(Duration::from_secs(1), 1), Duration::from_secs(2));
}

#[tokio::test]
async fn postgres_adapter() {
    let db = TestPostgres::new();
    let pool = infra::postgres::connect(&db.settings).await.unwrap();
    contract(Arc::new(PostgresMailOutbox::new(pool).await.unwrap())).await;
}

#[tokio::test]
async fn sqlite_adapter() {
    let dir = TempDir::new();
    contract(Arc::new(
        SqliteMailOutbox::open(dir.path().join("mail.sqlite3")).unwrap(),
    ))
    .await;
}
