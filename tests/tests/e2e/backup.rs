//! Backup and restore of the distributed mode, as `docs/operations.md`
//! describes it: `pg_dump` of the portal's schema while the services run and
//! a client writes (one snapshot: events, accounts, keys, files, checkpoints),
//! restored with `psql` into the empty database of another machine, the read
//! models and the statistics rebuilt there by `projection-service rebuild`
//! (ClickHouse holds only derived data, JetStream only a copy of the log).
//! The restored portal answers as the old one did.

use crate::client::Client;
use crate::faults::{position, register};
use crate::helpers::{account, binary, spawn_distributed_on};
use infra::postgres::PgSettings;
use serde_json::json;
use std::process::Command;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;
use test_support::{TempDir, TestClickHouse, TestNats, TestPostgres};

/// The same server's URL with another database.
fn with_database(url: &str, database: &str) -> String {
    let (server, _) = url.rsplit_once('/').expect("a URL with a database");
    format!("{server}/{database}")
}

async fn sql(url: &str, statement: &str) {
    let (client, connection) = tokio_postgres::connect(url, tokio_postgres::NoTls)
        .await
        .unwrap();
    let driver = tokio::spawn(connection);
    client.batch_execute(statement).await.unwrap();
    drop(client);
    let _ = driver.await;
}

fn tool(name: &str, args: &[&str]) -> String {
    let out = Command::new(name)
        .args(args)
        .output()
        .unwrap_or_else(|e| panic!("{name} is needed (PostgreSQL's client tools): {e}"));
    assert!(
        out.status.success(),
        "{name} {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

async fn body(url: String) -> (u16, Vec<u8>) {
    let r = reqwest::get(url).await.unwrap();
    (r.status().as_u16(), r.bytes().await.unwrap().to_vec())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_dump_taken_while_the_services_run_restores_the_portal_on_another_machine() {
    let (pg, nats, ch) = (TestPostgres::new(), TestNats::new(), TestClickHouse::new());
    let settings = (
        pg.settings.clone(),
        nats.settings.clone(),
        ch.settings.clone(),
    );
    let old = spawn_distributed_on(settings, Box::new(())).await;
    let admin = Client::new(&old.commands)
        .login("admin", "admin-password-1")
        .await;
    let service = register(&admin).await;
    let reported = admin
        .post(
            &format!("/services/{service}/vacancies"),
            json!({ "facility_id": "A", "form": "pob", "unit": "luzka", "free_places": 12 }),
        )
        .await;
    assert_eq!(reported.status, 200);
    let busy = admin
        .post(
            "/services",
            json!({ "provider_ico": "00064581", "details": { "name": "Noclehárna", "kind": 26,
                "forms": [{ "form": "pob", "capacities": [{ "unit": "luzka", "count": 20 }] }],
                "facilities": [{ "facility_id": "A", "name": "Dům", "address": { "city": "Děčín", "postcode": "40502" } }] } }),
        )
        .await;
    let busy = busy.body["stream_id"].as_str().unwrap().to_string();
    let minutes = "Zápis z jednání komise, 2. 12. 2026".as_bytes().to_vec();
    let file = crate::files::upload(
        &old.commands,
        admin.token.as_deref(),
        "text/plain",
        "zapis.txt",
        minutes.clone(),
    )
    .await;
    assert_eq!(file.status, 201, "{:?}", file.body);
    let file_url = file.body["url"].as_str().unwrap().to_string();
    let worker = account(
        &admin,
        "socialni-pracovnice",
        "auditor",
        json!({ "kind": "global" }),
    )
    .await;
    assert!(worker.token.is_some());

    // A client reports vacancies of the other service while the dump is taken.
    let (stop, written) = (
        Arc::new(AtomicBool::new(false)),
        Arc::new(AtomicUsize::new(0)),
    );
    let writer = {
        let (stop, written, admin) = (stop.clone(), written.clone(), admin.clone());
        tokio::spawn(async move {
            let mut n = 0;
            while !stop.load(Ordering::SeqCst) {
                let body = json!({ "facility_id": "A", "form": "pob", "unit": "luzka", "free_places": n % 20 });
                let r = admin
                    .post(&format!("/services/{busy}/vacancies"), body)
                    .await;
                assert_eq!(r.status, 200, "{:?}", r.body);
                written.fetch_add(1, Ordering::SeqCst);
                n += 1;
            }
        })
    };
    while written.load(Ordering::SeqCst) < 10 {
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    let dir = TempDir::new();
    let dump = dir.path().join("portal.dump");
    let dump_arg = dump.display().to_string();
    let schema = pg.settings.schema.clone();
    let url = pg.settings.url.clone();
    let dump_args = [
        "--format=custom".to_string(),
        format!("--schema={schema}"),
        "--no-owner".into(),
        format!("--file={dump_arg}"),
        url.clone(),
    ];
    tokio::task::spawn_blocking(move || {
        let args: Vec<&str> = dump_args.iter().map(String::as_str).collect();
        tool("pg_dump", &args)
    })
    .await
    .unwrap();
    stop.store(true, Ordering::SeqCst);
    writer.await.unwrap();
    let listed = tool("pg_restore", &["--list", &dump_arg]);
    for table in [
        "events",
        "account_credentials",
        "personal_keys",
        "file_blobs",
        "file_chunks",
        "outbox_checkpoint",
    ] {
        assert!(
            listed.contains(&format!(" {table} ")),
            "the dump lacks {table}: {listed}"
        );
    }

    // Another machine: an empty database, the dump restored, the read models and statistics rebuilt.
    let database = format!("restore_{schema}");
    sql(&url, &format!("CREATE DATABASE {database}")).await;
    let restored_url = with_database(&url, &database);
    tool(
        "pg_restore",
        &[
            "--exit-on-error",
            "--no-owner",
            "--dbname",
            &restored_url,
            &dump_arg,
        ],
    );
    let (nats2, ch2) = (TestNats::new(), TestClickHouse::new());
    let rebuilt = tool(
        "env",
        &[
            "-i",
            &format!("PATH={}", std::env::var("PATH").unwrap_or_default()),
            &format!("DATABASE_URL={restored_url}"),
            &format!("DATABASE_SCHEMA={schema}"),
            &format!("CLICKHOUSE_URL={}", ch2.settings.url),
            &format!("CLICKHOUSE_DATABASE={}", ch2.settings.database),
            &binary("projection-service"),
            "rebuild",
        ],
    );
    assert!(rebuilt.contains("statistics rebuilt from"), "{rebuilt}");
    let restored_pg = PgSettings {
        url: restored_url.clone(),
        schema: schema.clone(),
        pool_size: 8,
    };
    let new = spawn_distributed_on(
        (restored_pg, nats2.settings.clone(), ch2.settings.clone()),
        Box::new(()),
    )
    .await;

    // It answers as the old one did: the record, the provider, the file, the accounts.
    let after = format!("?after={}", reported.after());
    for path in [
        format!("/api/v1/services/{service}{after}"),
        "/api/v1/providers/00064581".to_string(),
        file_url.clone(),
    ] {
        let (was, is) = (
            body(format!("{}{path}", old.queries)).await,
            body(format!("{}{path}", new.queries)).await,
        );
        assert_eq!(was.0, 200, "{path}");
        assert_eq!(is, was, "{path} answers otherwise after the restore");
    }
    let restored_admin = Client::new(&new.commands)
        .login("admin", "admin-password-1")
        .await;
    Client::new(&new.commands)
        .login("socialni-pracovnice", "heslo-pro-test-1")
        .await;
    // And it takes commands where the old one stopped.
    let next = restored_admin
        .post(
            &format!("/services/{service}/vacancies"),
            json!({ "facility_id": "A", "form": "pob", "unit": "luzka", "free_places": 13 }),
        )
        .await;
    assert_eq!(next.status, 200, "{:?}", next.body);
    assert!(position(&next.body) > position(&reported.body));
    let today = time::OffsetDateTime::now_utc().date();
    let stats = |base: String| async move {
        let deadline = std::time::Instant::now() + Duration::from_secs(60);
        loop {
            let (status, bytes) = body(format!(
                "{base}/api/v1/stats/services?date={today}&level=country"
            ))
            .await;
            let v: serde_json::Value = serde_json::from_slice(&bytes).unwrap_or_default();
            if status == 200 && v["totals"][0]["services"] == 2 {
                return v;
            }
            assert!(
                std::time::Instant::now() < deadline,
                "no statistics at {base}: {status} {v}"
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    };
    assert_eq!(
        stats(new.queries.clone()).await["totals"],
        stats(old.queries.clone()).await["totals"]
    );

    new.stop().await;
    old.stop().await;
    sql(&url, &format!("DROP DATABASE {database} WITH (FORCE)")).await;
}
