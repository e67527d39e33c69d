//! Append throughput and latency (DESIGN.md §4, first row): writers append
//! batches of 1 KiB events to their own streams with the expected version,
//! beside a baseline of plain multi-row INSERTs of the same rows into a
//! table of the same shape, in the same database and minute.

use super::{percentile_ms, Adapter, AppendConfig};
use anyhow::Context;
use infra::event_store::postgres::PostgresEventStore;
use infra::event_store::sqlite::SqliteEventStore;
use infra::event_store::{
    Actor, DynEventStore, EventMetadata, ExpectedVersion, NewEvent, StreamRef,
};
use infra::postgres::PgSettings;
use serde_json::json;
use std::future::Future;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio_postgres::types::ToSql;

/// One measured combination.
struct Measured {
    events: usize,
    appends: usize,
    elapsed: Duration,
    latencies: Vec<Duration>,
}

impl Measured {
    fn events_per_second(&self) -> f64 {
        self.events as f64 / self.elapsed.as_secs_f64()
    }
}

/// A 1 KiB JSON payload.
fn payload(i: usize) -> serde_json::Value {
    json!({ "seq": i, "text": "x".repeat(1000) })
}

/// Runs `writers` loops of `op` for `seconds`; `op(writer, iteration)` returns the events written.
async fn measure<F, Fut>(writers: usize, seconds: Duration, op: F) -> anyhow::Result<Measured>
where
    F: Fn(usize, usize) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = anyhow::Result<usize>> + Send,
{
    let op = Arc::new(op);
    let started = Instant::now();
    let deadline = started + seconds;
    let mut tasks = Vec::new();
    for w in 0..writers {
        let op = op.clone();
        tasks.push(tokio::spawn(async move {
            let mut latencies = Vec::new();
            let mut events = 0;
            let mut i = 0;
            while Instant::now() < deadline {
                let t = Instant::now();
                events += op(w, i).await?;
                latencies.push(t.elapsed());
                i += 1;
            }
            anyhow::Ok((events, latencies))
        }));
    }
    let mut all = Measured {
        events: 0,
        appends: 0,
        elapsed: Duration::ZERO,
        latencies: Vec::new(),
    };
    for t in tasks {
        let (events, latencies) = t.await??;
        all.events += events;
        all.appends += latencies.len();
        all.latencies.extend(latencies);
    }
    all.elapsed = started.elapsed();
    all.latencies.sort_unstable();
    Ok(all)
}

/// Appends through the event store port.
async fn measure_store(
    store: DynEventStore,
    run: &str,
    writers: usize,
    batch: usize,
    seconds: Duration,
) -> anyhow::Result<Measured> {
    measure_appends(store, run, writers, batch, seconds, payload).await
}

/// Appends of `payload`s through the event store port.
async fn measure_appends(
    store: DynEventStore,
    run: &str,
    writers: usize,
    batch: usize,
    seconds: Duration,
    payload: fn(usize) -> serde_json::Value,
) -> anyhow::Result<Measured> {
    let versions: Arc<Vec<Mutex<u64>>> = Arc::new((0..writers).map(|_| Mutex::new(0)).collect());
    let run = run.to_string();
    measure(writers, seconds, move |w, i| {
        let (store, versions, run) = (store.clone(), versions.clone(), run.clone());
        async move {
            let stream = StreamRef::new("bench", format!("{run}-w{w}"));
            let current = *versions[w].lock().unwrap_or_else(|p| p.into_inner());
            let expected = match current {
                0 => ExpectedVersion::NoStream,
                v => ExpectedVersion::Exact(v),
            };
            let events = (0..batch)
                .map(|k| NewEvent::new("BenchEventRecorded", 1, payload(i * batch + k)))
                .collect();
            let result = store
                .append(
                    &stream,
                    expected,
                    events,
                    &EventMetadata::new(Actor::system()),
                )
                .await?;
            *versions[w].lock().unwrap_or_else(|p| p.into_inner()) = result.last_version;
            Ok(batch)
        }
    })
    .await
}

const BASELINE_COLUMNS: &str = "event_id, stream_type, stream_id, stream_version, event_type, \
    schema_version, occurred_at, actor_id, actor_role, correlation_id, payload";

/// Plain multi-row INSERTs into a copy of the events table (same columns,
/// defaults and indexes; no version check, no idempotency, no function).
async fn measure_pg_baseline(
    pool: deadpool_postgres::Pool,
    run: &str,
    writers: usize,
    batch: usize,
    seconds: Duration,
) -> anyhow::Result<Measured> {
    let values: Vec<String> = (0..batch)
        .map(|r| {
            let p: Vec<String> = (1..=11).map(|c| format!("${}", r * 11 + c)).collect();
            format!("({})", p.join(", "))
        })
        .collect();
    let sql = Arc::new(format!(
        "INSERT INTO baseline_events ({BASELINE_COLUMNS}) VALUES {}",
        values.join(", ")
    ));
    let run = run.to_string();
    measure(writers, seconds, move |w, i| {
        let (pool, sql, run) = (pool.clone(), sql.clone(), run.clone());
        async move {
            let client = pool.get().await?;
            let statement = client.prepare_cached(&sql).await?;
            let stream_id = format!("{run}-w{w}");
            let now = time::OffsetDateTime::now_utc();
            let correlation = uuid::Uuid::now_v7();
            let mut params: Vec<Box<dyn ToSql + Sync + Send>> = Vec::with_capacity(batch * 11);
            for k in 0..batch {
                params.push(Box::new(uuid::Uuid::now_v7()));
                params.push(Box::new("bench"));
                params.push(Box::new(stream_id.clone()));
                params.push(Box::new((i * batch + k + 1) as i64));
                params.push(Box::new("BenchEventRecorded"));
                params.push(Box::new(1i32));
                params.push(Box::new(now));
                params.push(Box::new("system"));
                params.push(Box::new("system"));
                params.push(Box::new(correlation));
                params.push(Box::new(payload(i * batch + k)));
            }
            let refs: Vec<&(dyn ToSql + Sync)> = params
                .iter()
                .map(|p| p.as_ref() as &(dyn ToSql + Sync))
                .collect();
            client.execute(&statement, &refs).await?;
            Ok(batch)
        }
    })
    .await
}

/// Plain multi-row INSERTs into the events table of a second SQLite file
/// with the same settings (WAL, synchronous=FULL), one writer connection.
async fn measure_sqlite_baseline(
    conn: Arc<Mutex<rusqlite::Connection>>,
    run: &str,
    writers: usize,
    batch: usize,
    seconds: Duration,
) -> anyhow::Result<Measured> {
    let values: Vec<String> = (0..batch)
        .map(|_| {
            "(1, ?, 'bench', ?, ?, 'BenchEventRecorded', 1, ?, ?, 'system', 'system', ?, ?)"
                .to_string()
        })
        .collect();
    let sql = Arc::new(format!(
        "INSERT INTO events (transaction_id, event_id, stream_type, stream_id, stream_version, \
         event_type, schema_version, occurred_at, recorded_at, actor_id, actor_role, \
         correlation_id, payload) VALUES {}",
        values.join(", ")
    ));
    let run = run.to_string();
    measure(writers, seconds, move |w, i| {
        let (conn, sql, run) = (conn.clone(), sql.clone(), run.clone());
        async move {
            tokio::task::spawn_blocking(move || -> anyhow::Result<usize> {
                let mut conn = conn.lock().unwrap_or_else(|p| p.into_inner());
                let stream_id = format!("{run}-w{w}");
                let now = time::OffsetDateTime::now_utc().unix_timestamp_nanos() as i64 / 1000;
                let correlation = uuid::Uuid::now_v7();
                let mut params: Vec<rusqlite::types::Value> = Vec::with_capacity(batch * 7);
                for k in 0..batch {
                    params.push(uuid::Uuid::now_v7().as_bytes().to_vec().into());
                    params.push(stream_id.clone().into());
                    params.push(((i * batch + k + 1) as i64).into());
                    params.push(now.into());
                    params.push(now.into());
                    params.push(correlation.as_bytes().to_vec().into());
                    params.push(payload(i * batch + k).to_string().into());
                }
                let tx =
                    conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
                tx.prepare_cached(&sql)?
                    .execute(rusqlite::params_from_iter(params))?;
                tx.commit()?;
                Ok(batch)
            })
            .await?
        }
    })
    .await
}

fn row(store: &str, writers: usize, batch: usize, m: &Measured, baseline: &Measured) -> String {
    format!(
        "| {store} | {writers} | {batch} | {:.0} | {:.0} | {:.2} | {:.2} | {:.0} | {:.2} |",
        m.events_per_second(),
        m.appends as f64 / m.elapsed.as_secs_f64(),
        percentile_ms(&m.latencies, 50.0),
        percentile_ms(&m.latencies, 99.0),
        baseline.events_per_second(),
        m.events_per_second() / baseline.events_per_second(),
    )
}

/// Runs every combination and returns a Markdown table.
///
/// # Errors
/// When a store cannot be opened or an append fails.
pub async fn run(config: &AppendConfig) -> anyhow::Result<String> {
    let mut rows = vec![
        "| store | writers | events/append | events/s | appends/s | p50 ms | p99 ms | baseline events/s | ratio |".to_string(),
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|".to_string(),
    ];
    for adapter in &config.adapters {
        match adapter {
            Adapter::Postgres => rows.extend(run_postgres(config).await?),
            Adapter::Sqlite => rows.extend(run_sqlite(config).await?),
        }
    }
    Ok(rows.join("\n"))
}

/// The baseline of the commands (DESIGN.md §4, row 2): `writers` append one
/// event each — a vacancy report's payload — to their own streams with the
/// expected version, straight into a fresh store of the kind the command
/// service runs on (`postgres`: a schema of `BENCH_DATABASE_URL`; otherwise
/// a SQLite file), for `seconds`. Returns the events/s and the latencies.
///
/// # Errors
/// When the store cannot be opened or written.
pub(super) async fn bare_single_events(
    mode: &str,
    writers: usize,
    seconds: Duration,
) -> anyhow::Result<(f64, Vec<Duration>)> {
    fn report(i: usize) -> serde_json::Value {
        json!({ "facility_id": "A", "form": "pob", "unit": "luzka", "free_places": i % 1000,
                "reported_at": "2026-12-04T12:00:00Z" })
    }
    let run = uuid::Uuid::now_v7().simple().to_string();
    let measured = if mode == "postgres" {
        let url = std::env::var("BENCH_DATABASE_URL")
            .context("set BENCH_DATABASE_URL to the PostgreSQL to measure")?;
        let settings = PgSettings {
            url,
            schema: format!("bench_{run}"),
            pool_size: writers + 2,
        };
        let store = Arc::new(PostgresEventStore::connect(&settings).await?);
        let pool = store.pool().clone();
        let measured = measure_appends(store, &run, writers, 1, seconds, report).await;
        pool.get()
            .await?
            .batch_execute(&format!("DROP SCHEMA {} CASCADE", settings.schema))
            .await?;
        measured?
    } else {
        let base =
            std::env::var("BENCH_DATA_DIR").map_or_else(|_| std::env::temp_dir(), Into::into);
        let dir = base.join(format!("portal-bench-{run}"));
        std::fs::create_dir_all(&dir)?;
        let measured = match SqliteEventStore::open(dir.join("events.sqlite3")) {
            Ok(store) => measure_appends(Arc::new(store), &run, writers, 1, seconds, report).await,
            Err(e) => Err(e),
        };
        let _ = std::fs::remove_dir_all(&dir);
        measured?
    };
    Ok((measured.events_per_second(), measured.latencies))
}

async fn run_postgres(config: &AppendConfig) -> anyhow::Result<Vec<String>> {
    let url = std::env::var("BENCH_DATABASE_URL")
        .or_else(|_| std::env::var("DATABASE_URL"))
        .context("set BENCH_DATABASE_URL (or DATABASE_URL) to the PostgreSQL to measure")?;
    let settings = PgSettings {
        url,
        schema: format!("bench_{}", uuid::Uuid::now_v7().simple()),
        pool_size: config.writers.iter().copied().max().unwrap_or(1) + 2,
    };
    let store = Arc::new(PostgresEventStore::connect(&settings).await?);
    let pool = store.pool().clone();
    pool.get()
        .await?
        .batch_execute(
            "CREATE TABLE baseline_events (LIKE events INCLUDING DEFAULTS INCLUDING CONSTRAINTS \
             INCLUDING INDEXES INCLUDING IDENTITY)",
        )
        .await?;
    let mut rows = Vec::new();
    let result = async {
        for &writers in &config.writers {
            for &batch in &config.batches {
                let run = uuid::Uuid::now_v7().simple().to_string();
                let m = measure_store(store.clone(), &run, writers, batch, config.seconds).await?;
                let b =
                    measure_pg_baseline(pool.clone(), &run, writers, batch, config.seconds).await?;
                let line = row("PostgreSQL", writers, batch, &m, &b);
                eprintln!("{line}");
                rows.push(line);
            }
        }
        anyhow::Ok(())
    }
    .await;
    pool.get()
        .await?
        .batch_execute(&format!("DROP SCHEMA {} CASCADE", settings.schema))
        .await?;
    result?;
    Ok(rows)
}

async fn run_sqlite(config: &AppendConfig) -> anyhow::Result<Vec<String>> {
    let base = std::env::var("BENCH_DATA_DIR").map_or_else(|_| std::env::temp_dir(), Into::into);
    let dir = base.join(format!("portal-bench-{}", uuid::Uuid::now_v7().simple()));
    std::fs::create_dir_all(&dir)?;
    let result = async {
        let store: DynEventStore = Arc::new(SqliteEventStore::open(dir.join("events.sqlite3"))?);
        let baseline_path = dir.join("baseline.sqlite3");
        drop(SqliteEventStore::open(&baseline_path)?);
        let conn = rusqlite::Connection::open(&baseline_path)?;
        conn.pragma_update(None, "journal_mode", "WAL")?;
        conn.pragma_update(None, "synchronous", "FULL")?;
        conn.execute_batch("DROP TRIGGER events_no_update; DROP TRIGGER events_no_delete;")?;
        let conn = Arc::new(Mutex::new(conn));
        let mut rows = Vec::new();
        for &writers in &config.writers {
            for &batch in &config.batches {
                let run = uuid::Uuid::now_v7().simple().to_string();
                let m = measure_store(store.clone(), &run, writers, batch, config.seconds).await?;
                let b = measure_sqlite_baseline(conn.clone(), &run, writers, batch, config.seconds)
                    .await?;
                let line = row("SQLite", writers, batch, &m, &b);
                eprintln!("{line}");
                rows.push(line);
            }
        }
        anyhow::Ok(rows)
    }
    .await;
    let _ = std::fs::remove_dir_all(&dir);
    result
}
