//! Statistics on ClickHouse (DESIGN.md §4, row 7): capacity against need
//! over 5 years of daily history of 20,000 services. The history (one
//! snapshot row per service per day, 36.5 million rows) is generated inside
//! ClickHouse (`INSERT … SELECT … FROM numbers(…)`) over the real kraje and
//! ORP, and its daily totals per area and kind (`stats_areas`) computed;
//! then the reads of capacity against need (by kind and area on a day) are
//! timed on random days, and a 5-year monthly trend. Baselines in the same
//! run: the trend read from every snapshot (as before `stats_areas`), and
//! counting the rows of a day without `FINAL` or grouping.
//!
//! Ingestion: the statistics projection rebuilt from a generated log of
//! 200,000 events (2,000 services, vacancy reports over 100 days) into
//! ClickHouse, beside writing the same facts alone.

use super::percentile_ms;
use anyhow::Context;
use events::aggregate::to_new_event;
use events::registry::service::{Capacity, FormSpec, ServiceDetails, ServiceEvent};
use events::values::{CapacityUnit, Form};
use events::{Actor, EventMetadata, ExpectedVersion, StreamRef};
use infra::event_store::{DynEventStore, LogPosition};
use infra::stats::clickhouse::ClickHouseStatsStore;
use infra::stats::{day_number, DynStatsStore, Fact, Level, StatsStore};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use std::sync::Arc;
use std::time::{Duration, Instant};
use time::macros::date;
use time::Date;

/// What to generate.
#[derive(Debug, Clone)]
pub struct StatsConfig {
    /// Services.
    pub services: u64,
    /// Days of history.
    pub days: u64,
    /// Events in the log of the ingestion run.
    pub events: usize,
}

async fn timed<F, Fut, T>(n: usize, mut f: F) -> anyhow::Result<Vec<Duration>>
where
    F: FnMut(usize) -> Fut,
    Fut: std::future::Future<Output = anyhow::Result<T>>,
{
    let mut out = Vec::with_capacity(n);
    for i in 0..n {
        let t = Instant::now();
        std::hint::black_box(f(i).await?);
        out.push(t.elapsed());
    }
    out.sort_unstable();
    Ok(out)
}

fn row(what: &str, l: &[Duration]) -> String {
    format!(
        "| {what} | {} | {:.1} | {:.1} | {:.1} |",
        l.len(),
        percentile_ms(l, 50.0),
        percentile_ms(l, 99.0),
        percentile_ms(l, 100.0)
    )
}

async fn ingestion(client: &clickhouse::Client, events: usize) -> anyhow::Result<Vec<String>> {
    let dir = std::env::temp_dir().join(format!("portal-bench-{}", uuid::Uuid::now_v7().simple()));
    let log: DynEventStore = Arc::new(infra::event_store::sqlite::SqliteEventStore::open(
        dir.join("events.sqlite3"),
    )?);
    let start = date!(2026 - 01 - 01).midnight().assume_utc();
    let meta = EventMetadata::new(Actor::system());
    let details = ServiceDetails {
        name: "Služba".into(),
        description: String::new(),
        kind: 20,
        forms: vec![FormSpec {
            form: Form::Residential,
            capacities: vec![Capacity {
                unit: CapacityUnit::Beds,
                count: 1000,
            }],
            non_stop: true,
        }],
        target_groups: vec![],
        age_groups: vec![],
        catchment: Default::default(),
        facilities: vec![],
        opening_hours: String::new(),
        contacts: Default::default(),
        registered_on: None,
        categories: vec![],
        media: Vec::new(),
    };
    let services = 2000;
    for s in 0..services {
        let e = ServiceEvent::ServiceRegistered {
            provider_ico: "00064581".into(),
            details: details.clone(),
        };
        log.append(
            &StreamRef::new("service", format!("s{s}")),
            ExpectedVersion::NoStream,
            vec![to_new_event(&e, start)],
            &meta,
        )
        .await?;
    }
    let per_day = (events - services) / 100;
    let mut written = services;
    let mut i = 0usize;
    while written < events {
        let at = start + time::Duration::seconds((i * 86_400 / per_day.max(1)) as i64);
        let batch: Vec<_> = (0..100.min(events - written))
            .map(|k| {
                let e = ServiceEvent::VacancyReported {
                    facility_id: "A".into(),
                    form: Form::Residential,
                    unit: CapacityUnit::Beds,
                    free_places: (k % 7) as i64,
                    reported_at: at,
                };
                to_new_event(&e, at)
            })
            .collect();
        written += batch.len();
        i += batch.len();
        log.append(
            &StreamRef::new("service", format!("s{}", (i / 100) % services)),
            ExpectedVersion::Any,
            batch,
            &meta,
        )
        .await?;
    }
    let store: DynStatsStore = Arc::new(ClickHouseStatsStore::new(client.clone()).await?);
    let t = Instant::now();
    let processed = crate::stats::rebuild(log.clone(), store.clone()).await?;
    let took = t.elapsed();
    // Baseline: the same facts alone, in the same batches.
    store.clear().await?;
    let t = Instant::now();
    let mut from = LogPosition::START;
    let mut n = 0u64;
    loop {
        let page = log
            .read_all(from, projection_service::statistics::BATCH)
            .await?;
        let Some(last) = page.last() else { break };
        from = last.log_position();
        let facts: Vec<Fact> = page
            .iter()
            .map(|e| Fact {
                position: e.global_position,
                transaction_id: e.transaction_id,
                occurred_at: e.occurred_at.unix_timestamp(),
                day: e.occurred_at.date(),
                stream_type: e.stream.stream_type.clone(),
                stream_id: e.stream.stream_id.clone(),
                event_type: e.event_type.clone(),
            })
            .collect();
        n += facts.len() as u64;
        store.write("baseline", &facts, &[], (from, n)).await?;
    }
    let base = t.elapsed();
    let _ = std::fs::remove_dir_all(&dir);
    Ok(vec![
        format!(
            "| statistics projection rebuilt from the log ({processed} events, {services} services, 100 days: facts and daily snapshots) | {:.0} events/s | {:.2} s |",
            processed as f64 / took.as_secs_f64(),
            took.as_secs_f64()
        ),
        format!(
            "| baseline: the same facts alone, same batches | {:.0} events/s | {:.2} s |",
            n as f64 / base.as_secs_f64(),
            base.as_secs_f64()
        ),
    ])
}

async fn rebuild(log: DynEventStore, store: DynStatsStore) -> anyhow::Result<u64> {
    projection_service::rebuild_statistics(log, store, Arc::new(Default::default())).await
}

/// Generates the history, measures and returns Markdown.
///
/// # Errors
/// When ClickHouse (`BENCH_CLICKHOUSE_URL`) cannot be reached or refuses.
pub async fn run(config: &StatsConfig) -> anyhow::Result<String> {
    let url = std::env::var("BENCH_CLICKHOUSE_URL")
        .context("set BENCH_CLICKHOUSE_URL to the ClickHouse to measure (http://127.0.0.1:8123)")?;
    let database = format!("bench_{}", uuid::Uuid::now_v7().simple());
    let settings = infra::settings::ClickHouseSettings {
        url,
        database: database.clone(),
        user: "default".into(),
        password: String::new(),
    };
    let client = infra::connect::clickhouse(&settings).await?;
    let result = measure(&client, config).await;
    let _ = client
        .query(&format!("DROP DATABASE IF EXISTS {database}"))
        .execute()
        .await;
    result
}

async fn measure(client: &clickhouse::Client, config: &StatsConfig) -> anyhow::Result<String> {
    // The tables, empty; the history is generated into them below.
    ClickHouseStatsStore::new(client.clone()).await?;
    let dir = infra::settings::territory_dir_from_env().context("set PORTAL_TERRITORY_DIR")?;
    let t = infra::territory::load_dir(&dir)?;
    let quoted = |codes: Vec<&String>| {
        codes
            .iter()
            .map(|c| format!("'{c}'"))
            .collect::<Vec<_>>()
            .join(",")
    };
    let kraje = quoted(t.kraje.keys().collect());
    let orp = quoted(t.orp.keys().collect());
    let first = date!(2021 - 01 - 01);
    let (n, days) = (config.services, config.days);
    let started = Instant::now();
    client
        .query(&format!(
            "INSERT INTO stats_snapshots
             SELECT toDate({first} + intDiv(number, {n})) AS day,
                concat('s', toString(number % {n})) AS service_id,
                concat('9', toString((number % {n}) % 3000)) AS provider_ico,
                toUInt16(arrayElement([1,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31,32,33,34,35], (number % {n}) % 34 + 1)) AS kind,
                '' AS paragraph,
                toUInt8(((number % {n}) + intDiv(number, {n} * 365)) % 50 != 0) AS active,
                arrayElement([{kraje}], (number % {n}) % 14 + 1) AS kraj,
                arrayElement([{orp}], (number % {n}) % 206 + 1) AS orp,
                '' AS municipality, ['pob'] AS forms, ['24'] AS target_groups,
                toInt64(10 + (number % {n}) % 50 + intDiv(number, {n} * 365)) AS cap_luzka,
                toInt64(0) AS cap_klient, toInt64(0) AS cap_kontakt, toInt64(0) AS cap_interv,
                toInt64(0) AS cap_hovor,
                toInt64((number + intDiv(number, {n})) % 5) AS free_places,
                toUInt8(1) AS reporting, toUInt8((number % 7) = 0) AS stale, toUInt64(1) AS version
             FROM numbers({rows})",
            first = day_number(first),
            rows = n * days,
        ))
        .execute()
        .await
        .context("cannot generate the history")?;
    let generated = started.elapsed();
    // A store opened over snapshots without their totals computes them once.
    let started = Instant::now();
    let store = ClickHouseStatsStore::new(client.clone()).await?;
    let aggregated = started.elapsed();
    let mut rng = StdRng::seed_from_u64(3);
    let pick: Vec<Date> = (0..50)
        .map(|_| first + time::Duration::days(rng.random_range(0..days as i64)))
        .collect();
    // Warm the caches once, as a server that runs does.
    store.by_kind(&pick[..1], Level::Kraj).await?;
    let kraj = timed(pick.len(), |i| store.by_kind(&pick[i..=i], Level::Kraj)).await?;
    let orp_l = timed(pick.len(), |i| store.by_kind(&pick[i..=i], Level::Orp)).await?;
    let months: Vec<Date> = (0..(days / 30))
        .map(|m| first + time::Duration::days((m * 30) as i64))
        .collect();
    let trend = timed(5, |_| store.by_area(&months, Level::Kraj)).await?;
    // Baseline: the same trend read from every service's snapshot of those days (before stats_areas).
    let month_list = months
        .iter()
        .map(|d| format!("toDate({})", day_number(*d)))
        .collect::<Vec<_>>()
        .join(",");
    let direct = timed(5, |_| {
        let sql = format!(
            "SELECT toInt64(toUInt16(day)) AS d, kraj AS area, count() AS services,
                uniqExact(provider_ico) AS providers, sum(cap_luzka) AS c
             FROM stats_snapshots FINAL WHERE active = 1 AND day IN ({month_list})
             GROUP BY d, area ORDER BY d, area"
        );
        let client = client.clone();
        async move {
            let bytes = client
                .query(&sql)
                .fetch_bytes("JSONEachRow")?
                .collect()
                .await?;
            Ok::<usize, anyhow::Error>(bytes.len())
        }
    })
    .await?;
    let base = timed(pick.len(), |i| {
        let sql = format!(
            "SELECT count() FROM stats_snapshots WHERE day = toDate({})",
            day_number(pick[i])
        );
        let client = client.clone();
        async move { Ok::<u64, anyhow::Error>(client.query(&sql).fetch_one::<u64>().await?) }
    })
    .await?;
    let ingest = ingestion(client, config.events).await?;
    Ok(format!(
        "{rows} snapshot rows ({n} services × {days} days from {first}) generated inside ClickHouse in {:.1} s; \
         their daily totals per area and kind (stats_areas) computed in {:.1} s\n\n\
         | what | requests | p50 ms | p99 ms | max ms |\n|---|---:|---:|---:|---:|\n{}\n{}\n{}\n{}\n{}\n\n\
         | ingestion | rate | time |\n|---|---:|---:|\n{}",
        generated.as_secs_f64(),
        aggregated.as_secs_f64(),
        row("capacity against need on a day, by kraj and kind (stats_areas)", &kraj),
        row("the same by ORP and kind", &orp_l),
        row(&format!("trend: {} month ends over the whole history, by kraj (stats_areas)", months.len()), &trend),
        row("baseline: the same trend from every snapshot of those days (FINAL, GROUP BY)", &direct),
        row("baseline: count the rows of a day (no FINAL, no grouping)", &base),
        ingest.join("\n"),
        rows = n * days,
    ))
}
