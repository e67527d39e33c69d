//! Rebuild of the read models from the log (DESIGN.md §4, row 3) into
//! PostgreSQL and into the embedded store: a generated log (service
//! registrations, then vacancy reports) is projected from position 0 into a
//! fresh generation, as `projection-service rebuild` and `portal rebuild` do.
//! Baseline in the same run: reading the same log page by page, nothing
//! projected (what a rebuild cannot beat).

use events::aggregate::to_new_event;
use events::registry::service::{Capacity, FormSpec, ServiceDetails, ServiceEvent};
use events::values::{CapacityUnit, Form};
use events::{Actor, EventMetadata, ExpectedVersion, StreamRef};
use infra::event_store::{DynEventStore, LogPosition};
use infra::read_model::DynReadModelStore;
use std::sync::Arc;
use std::time::Instant;
use time::OffsetDateTime;

/// Services in the generated log; the rest of the events are vacancy reports.
const SERVICES: usize = 2000;

/// Extends a log of `from` events to `to`: the services first, then vacancy reports.
async fn write_log(store: &DynEventStore, from: usize, to: usize) -> anyhow::Result<()> {
    let now = OffsetDateTime::now_utc();
    let details = ServiceDetails {
        name: "Azylový dům".into(),
        description: "Ubytování a poradenství.".into(),
        kind: 20,
        forms: vec![FormSpec {
            form: Form::Residential,
            capacities: vec![Capacity {
                unit: CapacityUnit::Beds,
                count: 1000,
            }],
            non_stop: true,
        }],
        target_groups: vec!["18".into()],
        age_groups: vec![],
        catchment: Default::default(),
        facilities: vec![],
        opening_hours: String::new(),
        contacts: Default::default(),
        registered_on: None,
        categories: vec![],
        media: Vec::new(),
    };
    let meta = EventMetadata::new(Actor::system());
    for s in from.min(SERVICES)..SERVICES {
        let e = ServiceEvent::ServiceRegistered {
            provider_ico: "00064581".into(),
            details: details.clone(),
        };
        let stream = StreamRef::new("service", format!("s{s}"));
        store
            .append(
                &stream,
                ExpectedVersion::NoStream,
                vec![to_new_event(&e, now)],
                &meta,
            )
            .await?;
    }
    // Vacancy reports in appends of 100 to one service each, 8 appends at a time.
    let mut written = from.max(SERVICES);
    let mut round = written / 100;
    while written < to {
        let mut tasks = tokio::task::JoinSet::new();
        for k in 0..8 {
            let size = 100.min(to - written);
            if size == 0 {
                break;
            }
            written += size;
            let events = (0..size)
                .map(|i| {
                    let e = ServiceEvent::VacancyReported {
                        facility_id: "A".into(),
                        form: Form::Residential,
                        unit: CapacityUnit::Beds,
                        free_places: (i % 50) as i64,
                        reported_at: now,
                    };
                    to_new_event(&e, now)
                })
                .collect();
            let (store, meta) = (store.clone(), meta.clone());
            let stream = StreamRef::new("service", format!("s{}", (round * 8 + k) % SERVICES));
            tasks.spawn(async move {
                store
                    .append(&stream, ExpectedVersion::Any, events, &meta)
                    .await
            });
        }
        while let Some(r) = tasks.join_next().await {
            r??;
        }
        round += 1;
    }
    Ok(())
}

/// For each size in `sizes` (ascending): the log extended to it (the
/// append's rate), the whole log read (the baseline) and rebuilt.
async fn measure(
    name: &str,
    events: DynEventStore,
    read_models: DynReadModelStore,
    sizes: &[usize],
) -> anyhow::Result<Vec<String>> {
    let mut rows = Vec::new();
    let mut logged = 0;
    for &n in sizes {
        let started = Instant::now();
        write_log(&events, logged, n).await?;
        let appended = (n - logged) as f64 / started.elapsed().as_secs_f64();
        logged = n;
        let started = Instant::now();
        let mut read = 0;
        let mut from = LogPosition::START;
        loop {
            let page = events.read_all(from, projection_service::BATCH).await?;
            let Some(last) = page.last() else { break };
            from = last.log_position();
            read += page.len();
        }
        let baseline = read as f64 / started.elapsed().as_secs_f64();
        let started = Instant::now();
        projection_service::rebuild_all(&events, &read_models).await?;
        let took = started.elapsed();
        let rate = n as f64 / took.as_secs_f64();
        rows.push(format!(
            "| {name} | {n} | {appended:.0} | {baseline:.0} | {rate:.0} | {:.2} |",
            took.as_secs_f64()
        ));
    }
    Ok(rows)
}

/// Measures both stores (PostgreSQL from `BENCH_DATABASE_URL` when set) and
/// returns a Markdown table.
///
/// # Errors
/// When a store cannot be opened or written.
pub async fn run(sizes: &[usize]) -> anyhow::Result<String> {
    let mut rows = vec![
        format!("Every read model rebuilt from the log of {SERVICES} services and their vacancy reports, the log grown to each size in turn."),
        String::new(),
        format!("| store | events in the log | append: events/s while the log grows to it (8 × 100) | baseline: read the whole log, pages of {} (events/s) | rebuild: events/s | rebuild: seconds |", projection_service::BATCH),
        "|---|---:|---:|---:|---:|---:|".to_string(),
    ];
    if let Ok(url) = std::env::var("BENCH_DATABASE_URL").or_else(|_| std::env::var("DATABASE_URL"))
    {
        let settings = infra::postgres::PgSettings {
            url,
            schema: format!("bench_{}", uuid::Uuid::now_v7().simple()),
            pool_size: 12,
        };
        let store = infra::event_store::postgres::PostgresEventStore::connect(&settings).await?;
        let pool = store.pool().clone();
        let read_models: DynReadModelStore =
            Arc::new(infra::read_model::postgres::PostgresReadModelStore::new(pool.clone()).await?);
        let result = measure("PostgreSQL", Arc::new(store), read_models, sizes).await;
        pool.get()
            .await?
            .batch_execute(&format!("DROP SCHEMA {} CASCADE", settings.schema))
            .await?;
        rows.extend(result?);
    } else {
        rows.push("| PostgreSQL | not measured: set BENCH_DATABASE_URL | – | – |".into());
    }
    let dir = std::env::var_os("BENCH_DATA_DIR")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(std::env::temp_dir)
        .join(format!("portal-bench-{}", uuid::Uuid::now_v7().simple()));
    std::fs::create_dir_all(&dir)?;
    let events: DynEventStore = Arc::new(infra::event_store::sqlite::SqliteEventStore::open(
        dir.join("events.sqlite3"),
    )?);
    let read_models: DynReadModelStore = Arc::new(
        infra::read_model::sqlite::SqliteReadModelStore::open(dir.join("read_models.sqlite3"))?,
    );
    let result = measure("SQLite (embedded)", events, read_models, sizes).await;
    let _ = std::fs::remove_dir_all(&dir);
    rows.extend(result?);
    Ok(rows.join("\n"))
}
