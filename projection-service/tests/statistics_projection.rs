//! The statistics projection on ClickHouse (with the PostgreSQL log) and on
//! SQLite: a scripted history of three months gives the daily snapshots and
//! aggregates computed by hand below; replaying it changes no figure; a
//! crash between the rows and the checkpoint loses and doubles nothing.

use events::aggregate::to_new_event;
use events::registry::service::{
    Capacity, Facility, FormSpec, ServiceChanges, ServiceDetails, ServiceEvent,
};
use events::values::{Address, CapacityUnit, Contacts, Form};
use events::{Actor, EventMetadata, ExpectedVersion, StreamRef};
use infra::event_store::{DynEventStore, LogPosition};
use infra::stats::{AreaRow, DynStatsStore, Fact, KindRow, Level, Snapshot, StatsStore};
use projection_service::statistics::{State, Statistics};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use test_support::{shared_data_dir, TempDir, TestClickHouse, TestPostgres};
use time::macros::{date, datetime};
use time::{Date, OffsetDateTime};

fn details(kind: u16, beds: i64, municipality: &str, city: &str) -> ServiceDetails {
    ServiceDetails {
        name: format!("Služba {kind} {city}"),
        description: String::new(),
        kind,
        forms: vec![FormSpec {
            form: Form::Residential,
            capacities: vec![Capacity {
                unit: CapacityUnit::Beds,
                count: beds,
            }],
            non_stop: true,
        }],
        target_groups: vec!["18".into()],
        age_groups: vec![],
        catchment: Default::default(),
        facilities: vec![Facility {
            closed_on: None,
            secret_address: false,
            facility_id: "A".into(),
            name: "Dům".into(),
            address: Address {
                street: String::new(),
                city: city.into(),
                postcode: "40502".into(),
                municipality_code: Some(municipality.into()),
                ruian_code: None,
            },
            location: None,
        }],
        opening_hours: String::new(),
        contacts: Contacts::default(),
        registered_on: None,
        categories: vec![],
        media: Vec::new(),
    }
}

async fn at(store: &DynEventStore, service: &str, when: OffsetDateTime, event: ServiceEvent) {
    store
        .append(
            &StreamRef::new("service", service),
            ExpectedVersion::Any,
            vec![to_new_event(&event, when)],
            &EventMetadata::new(Actor::system()),
        )
        .await
        .unwrap();
}

const DECIN: &str = "562335";
const PRAHA: &str = "554782";

/// s1 (asylum house, Děčín, provider A), s2 (home for the elderly, Praha, B),
/// a vacancy report, a change of capacity, an end, and s3 (Děčín, A).
async fn history(store: &DynEventStore) {
    let registered = |provider: &str, d: ServiceDetails| ServiceEvent::ServiceRegistered {
        provider_ico: provider.into(),
        details: d,
    };
    at(
        store,
        "s1",
        datetime!(2026-01-10 09:00 UTC),
        registered("A", details(20, 30, DECIN, "Děčín")),
    )
    .await;
    at(
        store,
        "s2",
        datetime!(2026-01-20 09:00 UTC),
        registered("B", details(13, 50, PRAHA, "Praha")),
    )
    .await;
    let reported = datetime!(2026-02-01 10:00 UTC);
    at(
        store,
        "s1",
        reported,
        ServiceEvent::VacancyReported {
            facility_id: "A".into(),
            form: Form::Residential,
            unit: CapacityUnit::Beds,
            free_places: 5,
            reported_at: reported,
        },
    )
    .await;
    let changes = ServiceChanges {
        forms: Some(details(20, 40, DECIN, "Děčín").forms),
        ..ServiceChanges::default()
    };
    at(
        store,
        "s1",
        datetime!(2026-03-01 12:00 UTC),
        ServiceEvent::ServiceChanged { changes },
    )
    .await;
    at(
        store,
        "s2",
        datetime!(2026-03-15 08:00 UTC),
        ServiceEvent::ServiceEnded {
            reason: "closed".into(),
            ended_on: date!(2026 - 03 - 15),
        },
    )
    .await;
    at(
        store,
        "s3",
        datetime!(2026-04-01 09:00 UTC),
        registered("A", details(20, 10, DECIN, "Děčín")),
    )
    .await;
}

fn projection(events: &DynEventStore, store: DynStatsStore) -> Statistics {
    let territory = infra::territory::load_dir(&shared_data_dir().join("territory")).unwrap();
    Statistics {
        events: events.clone(),
        store,
        territory: Arc::new(territory),
    }
}

async fn run_all(p: &Statistics, state: &mut State) {
    // On PostgreSQL other tests' open transactions may hold the log back a moment.
    for _ in 0..400 {
        while p.step(state).await.unwrap() > 0 {}
        if state.processed() >= 6 {
            return;
        }
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
    panic!("the history did not become visible");
}

/// Every figure the API reads, over the history.
async fn figures(store: &DynStatsStore) -> (Vec<KindRow>, Vec<AreaRow>, u64) {
    let mut days = Vec::new();
    let mut d = date!(2026 - 01 - 01);
    while d <= date!(2026 - 04 - 05) {
        days.push(d);
        d = d.next_day().unwrap();
    }
    let kinds = store.by_kind(&days, Level::Orp).await.unwrap();
    let areas = store.by_area(&days, Level::Kraj).await.unwrap();
    (kinds, areas, store.fact_count().await.unwrap())
}

fn one(rows: &[Snapshot], id: &str) -> Snapshot {
    rows.iter().find(|s| s.service_id == id).cloned().unwrap()
}

async fn contract(events: DynEventStore, store: DynStatsStore) {
    history(&events).await;
    let p = projection(&events, store.clone());
    let mut state = p.restore().await.unwrap();
    run_all(&p, &mut state).await;

    // Daily snapshots, checked against the history by hand.
    assert_eq!(
        store.days().await.unwrap(),
        Some((date!(2026 - 01 - 10), date!(2026 - 04 - 01)))
    );
    let jan15 = store.snapshots_on(date!(2026 - 01 - 15)).await.unwrap();
    assert_eq!(jan15.len(), 1, "only s1 exists");
    let s1 = &jan15[0];
    assert_eq!(
        (
            s1.kind,
            s1.paragraph.as_str(),
            s1.kraj.as_str(),
            s1.orp.as_str(),
            s1.capacity[0],
            s1.active
        ),
        (20, "57", "CZ042", "4202", 30, true)
    );
    let on = |day: Date| {
        let store = store.clone();
        async move { store.snapshots_on(day).await.unwrap() }
    };
    let feb01 = one(&on(date!(2026 - 02 - 01)).await, "s1");
    assert_eq!(
        (feb01.free_places, feb01.reporting, feb01.stale),
        (5, true, false)
    );
    let feb07 = one(&on(date!(2026 - 02 - 07)).await, "s1");
    assert_eq!(
        (feb07.free_places, feb07.stale),
        (5, false),
        "at the end of the 6th day after, still fresh"
    );
    let feb08 = one(&on(date!(2026 - 02 - 08)).await, "s1");
    assert_eq!(
        (feb08.free_places, feb08.stale),
        (0, true),
        "at the end of the 7th day, the report of 10:00 is older than 7 days"
    );
    assert_eq!(one(&on(date!(2026 - 02 - 28)).await, "s1").capacity[0], 30);
    assert_eq!(one(&on(date!(2026 - 03 - 01)).await, "s1").capacity[0], 40);
    assert_eq!(on(date!(2026 - 02 - 20)).await.len(), 2);
    assert!(one(&on(date!(2026 - 03 - 14)).await, "s2").active);
    assert!(!one(&on(date!(2026 - 03 - 15)).await, "s2").active);

    let kraje = store
        .by_area(
            &[
                date!(2026 - 01 - 25),
                date!(2026 - 03 - 15),
                date!(2026 - 04 - 01),
            ],
            Level::Kraj,
        )
        .await
        .unwrap();
    let row = |day: Date, area: &str, services: u64, providers: u64, beds: i64| AreaRow {
        day,
        area: area.into(),
        services,
        providers,
        capacity: [beds, 0, 0, 0, 0],
    };
    assert_eq!(
        kraje,
        [
            row(date!(2026 - 01 - 25), "CZ010", 1, 1, 50),
            row(date!(2026 - 01 - 25), "CZ042", 1, 1, 30),
            row(date!(2026 - 03 - 15), "CZ042", 1, 1, 40),
            row(date!(2026 - 04 - 01), "CZ042", 2, 1, 50),
        ]
    );
    let country = store
        .by_kind(&[date!(2026 - 02 - 03)], Level::Country)
        .await
        .unwrap();
    assert_eq!(country.len(), 2);
    assert_eq!(
        (country[0].kind, country[0].services, country[0].capacity[0]),
        (13, 1, 50)
    );
    assert_eq!(
        (
            country[1].kind,
            country[1].free_places,
            country[1].reporting
        ),
        (20, 5, 1)
    );
    assert_eq!(store.fact_count().await.unwrap(), 6);
    let before = figures(&store).await;

    // Nothing new: nothing changes. The same events again from the start: no figure changes.
    assert_eq!(p.step(&mut state).await.unwrap(), 0);
    let mut again = State::default();
    run_all(&p, &mut again).await;
    assert_eq!(figures(&store).await, before);
    // A rebuild from zero gives the same figures.
    assert_eq!(p.rebuild().await.unwrap(), 6);
    assert_eq!(figures(&store).await, before);

    // A crash after the rows, before the checkpoint: a new run from the
    // checkpoint writes the batch again; nothing is lost or doubled.
    store.clear().await.unwrap();
    let crashing = Arc::new(CrashAfterRows {
        inner: store.clone(),
        crashed: AtomicBool::new(false),
    });
    let crashing_projection = projection(&events, crashing.clone());
    let mut s = State::default();
    assert!(crashing_projection.step(&mut s).await.is_err());
    assert!(crashing.crashed.load(Ordering::SeqCst));
    let kept = store
        .checkpoint(projection_service::statistics::NAME)
        .await
        .unwrap();
    assert_eq!(kept.map_or(0, |c| c.1), 0, "the checkpoint did not move");
    assert_eq!(store.fact_count().await.unwrap(), 6, "the rows did land");
    let restarted = projection(&events, store.clone());
    let mut s = restarted.restore().await.unwrap();
    run_all(&restarted, &mut s).await;
    assert_eq!(figures(&store).await, before);
}

/// Writes the rows of the first batch, then fails before the checkpoint.
struct CrashAfterRows {
    inner: DynStatsStore,
    crashed: AtomicBool,
}

#[async_trait::async_trait]
impl StatsStore for CrashAfterRows {
    async fn checkpoint(&self, p: &str) -> anyhow::Result<Option<(LogPosition, u64)>> {
        self.inner.checkpoint(p).await
    }
    async fn write(
        &self,
        p: &str,
        facts: &[Fact],
        snaps: &[Snapshot],
        checkpoint: (LogPosition, u64),
    ) -> anyhow::Result<()> {
        if self.crashed.swap(true, Ordering::SeqCst) {
            return self.inner.write(p, facts, snaps, checkpoint).await;
        }
        // The rows land; the checkpoint does not (the previous one, none, is written again).
        self.inner
            .write(p, facts, snaps, (LogPosition::START, 0))
            .await?;
        anyhow::bail!("killed between the rows and the checkpoint")
    }
    async fn by_kind(&self, d: &[Date], l: Level) -> anyhow::Result<Vec<KindRow>> {
        self.inner.by_kind(d, l).await
    }
    async fn by_area(&self, d: &[Date], l: Level) -> anyhow::Result<Vec<AreaRow>> {
        self.inner.by_area(d, l).await
    }
    async fn days(&self) -> anyhow::Result<Option<(Date, Date)>> {
        self.inner.days().await
    }
    async fn fact_count(&self) -> anyhow::Result<u64> {
        self.inner.fact_count().await
    }
    async fn snapshots_on(&self, d: Date) -> anyhow::Result<Vec<Snapshot>> {
        self.inner.snapshots_on(d).await
    }
    async fn clear(&self) -> anyhow::Result<()> {
        self.inner.clear().await
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn statistics_on_sqlite() {
    let dir = TempDir::new();
    let events: DynEventStore = Arc::new(
        infra::event_store::sqlite::SqliteEventStore::open(dir.path().join("events.sqlite3"))
            .unwrap(),
    );
    let store: DynStatsStore = Arc::new(
        infra::stats::sqlite::SqliteStatsStore::open(dir.path().join("stats.sqlite3")).unwrap(),
    );
    contract(events, store).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn statistics_on_clickhouse_from_the_postgresql_log() {
    let (pg, ch) = (TestPostgres::new(), TestClickHouse::new());
    let events: DynEventStore = Arc::new(
        infra::event_store::postgres::PostgresEventStore::connect(&pg.settings)
            .await
            .unwrap(),
    );
    let client = infra::connect::clickhouse(&ch.settings).await.unwrap();
    let store: DynStatsStore = Arc::new(
        infra::stats::clickhouse::ClickHouseStatsStore::new(client)
            .await
            .unwrap(),
    );
    contract(events, store).await;
}
