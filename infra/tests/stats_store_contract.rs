//! The statistics store contract, on ClickHouse and on SQLite: rows written
//! twice count once, the newest version of a (day, service) wins, only
//! active services are counted, the checkpoint moves with the batches.

use infra::event_store::LogPosition;
use infra::settings::ClickHouseSettings;
use infra::stats::clickhouse::ClickHouseStatsStore;
use infra::stats::sqlite::SqliteStatsStore;
use infra::stats::{AreaRow, DynStatsStore, Fact, Level, Snapshot};
use std::sync::Arc;
use test_support::{ChdbClickHouse, TempDir, TestClickHouse};
use time::macros::date;
use time::Date;

fn fact(position: u64, day: Date) -> Fact {
    Fact {
        position,
        transaction_id: position,
        occurred_at: (infra::stats::day_number(day) * 86_400) + 3600,
        day,
        stream_type: "service".into(),
        stream_id: format!("s{position}"),
        event_type: "VacancyReported".into(),
    }
}

fn snapshot(
    day: Date,
    service: &str,
    provider: &str,
    kraj: &str,
    beds: i64,
    version: u64,
) -> Snapshot {
    Snapshot {
        day,
        service_id: service.into(),
        provider_ico: provider.into(),
        kind: 20,
        paragraph: "57".into(),
        active: true,
        kraj: kraj.into(),
        orp: "4202".into(),
        municipality: "562335".into(),
        forms: vec!["pob".into()],
        target_groups: vec!["18".into(), "30".into()],
        capacity: [beds, 0, 0, 0, 0],
        free_places: 2,
        reporting: true,
        stale: false,
        version,
    }
}

fn at(n: u64) -> (LogPosition, u64) {
    (
        LogPosition {
            transaction_id: n,
            global_position: n,
        },
        n,
    )
}

async fn contract(store: DynStatsStore) {
    let (d1, d2) = (date!(2026 - 03 - 31), date!(2026 - 04 - 01));
    assert_eq!(store.checkpoint("stats").await.unwrap(), None);
    assert_eq!(store.days().await.unwrap(), None);
    let facts = [fact(1, d1), fact(2, d1), fact(3, d2)];
    let snaps = [
        snapshot(d1, "s1", "A", "CZ042", 30, 2),
        snapshot(d1, "s2", "A", "CZ042", 10, 2),
        snapshot(d1, "s3", "B", "CZ080", 5, 2),
        snapshot(d2, "s1", "A", "CZ042", 30, 6),
    ];
    store.write("stats", &facts, &snaps, at(3)).await.unwrap();
    // The same batch again: nothing counts twice.
    store.write("stats", &facts, &snaps, at(3)).await.unwrap();
    assert_eq!(store.fact_count().await.unwrap(), 3);
    assert_eq!(store.snapshots_on(d1).await.unwrap().len(), 3);
    assert_eq!(store.checkpoint("stats").await.unwrap(), Some(at(3)));
    // A newer version of s1 on d1 wins over the old one; an older one loses.
    let mut newer = snapshot(d1, "s1", "A", "CZ042", 40, 4);
    newer.target_groups = vec!["24".into()];
    let mut ended = snapshot(d1, "s2", "A", "CZ042", 10, 5);
    ended.active = false;
    store
        .write("stats", &[fact(4, d1)], &[newer.clone(), ended], at(5))
        .await
        .unwrap();
    store
        .write(
            "stats",
            &[],
            &[snapshot(d1, "s1", "A", "CZ042", 99, 1)],
            at(5),
        )
        .await
        .unwrap();
    let on_d1 = store.snapshots_on(d1).await.unwrap();
    assert_eq!(on_d1.len(), 3);
    assert_eq!(on_d1[0], newer, "every column reads back");
    assert_eq!(store.checkpoint("stats").await.unwrap(), Some(at(5)));
    assert_eq!(store.days().await.unwrap(), Some((d1, d2)));

    let kraje = store.by_area(&[d1, d2], Level::Kraj).await.unwrap();
    assert_eq!(
        kraje,
        [
            AreaRow {
                day: d1,
                area: "CZ042".into(),
                services: 1,
                providers: 1,
                capacity: [40, 0, 0, 0, 0]
            },
            AreaRow {
                day: d1,
                area: "CZ080".into(),
                services: 1,
                providers: 1,
                capacity: [5, 0, 0, 0, 0]
            },
            AreaRow {
                day: d2,
                area: "CZ042".into(),
                services: 1,
                providers: 1,
                capacity: [30, 0, 0, 0, 0]
            },
        ],
        "the ended s2 is not counted"
    );
    let country = store.by_kind(&[d1], Level::Country).await.unwrap();
    assert_eq!(country.len(), 1);
    let c = &country[0];
    assert_eq!(
        (
            c.area.as_str(),
            c.kind,
            c.paragraph.as_str(),
            c.services,
            c.providers,
            c.capacity[0],
            c.free_places,
            c.reporting,
            c.stale
        ),
        ("CZ", 20, "57", 2, 2, 45, 4, 2, 0)
    );
    let orp = store.by_kind(&[d2], Level::Orp).await.unwrap();
    assert_eq!((orp.len(), orp[0].area.as_str()), (1, "4202"));
    assert!(store
        .by_kind(&[date!(2020 - 01 - 01)], Level::Kraj)
        .await
        .unwrap()
        .is_empty());

    store.clear().await.unwrap();
    assert_eq!(store.fact_count().await.unwrap(), 0);
    assert_eq!(store.checkpoint("stats").await.unwrap(), None);
}

#[tokio::test]
async fn the_sqlite_statistics_store_keeps_the_contract() {
    let dir = TempDir::new();
    let store = SqliteStatsStore::open(dir.path().join("stats.sqlite3")).unwrap();
    contract(Arc::new(store)).await;
}

async fn clickhouse_contract(settings: &ClickHouseSettings) {
    let client = infra::connect::clickhouse(settings).await.unwrap();
    let store = ClickHouseStatsStore::new(client).await.unwrap();
    contract(Arc::new(store)).await;
}

#[tokio::test]
async fn the_clickhouse_statistics_store_keeps_the_contract() {
    clickhouse_contract(&TestClickHouse::new().settings).await;
}

/// Every statement the store sends to Debian's ClickHouse 18.16 works on a
/// current one (chDB, ClickHouse 26) with the same answers.
#[tokio::test]
async fn the_clickhouse_statistics_store_keeps_the_contract_on_a_current_clickhouse() {
    clickhouse_contract(&ChdbClickHouse::start().settings).await;
}

/// ClickHouse answers from `stats_areas`, kept as snapshots arrive; SQLite
/// from the snapshots themselves. Random histories — services moving between
/// areas and kinds, ending, written again with older and newer versions,
/// days written in several batches — read the same from both, at every
/// level; and a store from before `stats_areas` fills it at its first start.
#[tokio::test]
async fn the_aggregates_answer_as_the_snapshots_do() {
    aggregates_answer_as_the_snapshots_do(&TestClickHouse::new().settings).await;
}

/// The same on a current ClickHouse (chDB, ClickHouse 26), the totals'
/// statements and their first filling included.
#[tokio::test]
async fn the_aggregates_answer_as_the_snapshots_do_on_a_current_clickhouse() {
    aggregates_answer_as_the_snapshots_do(&ChdbClickHouse::start().settings).await;
}

async fn aggregates_answer_as_the_snapshots_do(settings: &ClickHouseSettings) {
    use rand::rngs::StdRng;
    use rand::{Rng, SeedableRng};
    let client = infra::connect::clickhouse(settings).await.unwrap();
    let clickhouse: DynStatsStore =
        Arc::new(ClickHouseStatsStore::new(client.clone()).await.unwrap());
    let dir = TempDir::new();
    let sqlite: DynStatsStore =
        Arc::new(SqliteStatsStore::open(dir.path().join("s.sqlite3")).unwrap());
    let seed: u64 = rand::random();
    eprintln!("seeded with {seed}");
    let mut rng = StdRng::seed_from_u64(seed);
    let days: Vec<Date> = (0..6)
        .map(|i| date!(2025 - 12 - 30) + time::Duration::days(i))
        .collect();
    let (kraje, orps) = (
        ["CZ042", "CZ080", "CZ010"],
        ["4202", "8104", "1000", "4203"],
    );
    let mut version = 0;
    for batch in 0..12u64 {
        let mut snaps = Vec::new();
        for _ in 0..rng.random_range(5..40) {
            version += 1;
            let day = days[rng.random_range(0..days.len())];
            let mut s = snapshot(
                day,
                &format!("s{}", rng.random_range(0..15)),
                ["A", "B", "C", "D"][rng.random_range(0..4)],
                kraje[rng.random_range(0..kraje.len())],
                rng.random_range(0..50),
                // Now and then an older version than one written before.
                if rng.random_bool(0.2) {
                    version / 2
                } else {
                    version
                },
            );
            s.orp = orps[rng.random_range(0..orps.len())].into();
            let (kind, paragraph) = [(20, "57"), (26, "63"), (13, "49")][rng.random_range(0..3)];
            (s.kind, s.paragraph) = (kind, paragraph.to_string());
            s.active = rng.random_bool(0.8);
            s.free_places = rng.random_range(0..5);
            (s.reporting, s.stale) = (rng.random_bool(0.7), rng.random_bool(0.2));
            snaps.push(s);
        }
        for store in [&clickhouse, &sqlite] {
            store
                .write("stats", &[], &snaps, at(batch + 1))
                .await
                .unwrap();
        }
    }
    let same = |label: &'static str| {
        let (clickhouse, sqlite, days) = (clickhouse.clone(), sqlite.clone(), days.clone());
        async move {
            for level in [Level::Country, Level::Kraj, Level::Orp] {
                assert_eq!(
                    clickhouse.by_area(&days, level).await.unwrap(),
                    sqlite.by_area(&days, level).await.unwrap(),
                    "{label}: by area at {level:?}"
                );
                assert_eq!(
                    clickhouse.by_kind(&days, level).await.unwrap(),
                    sqlite.by_kind(&days, level).await.unwrap(),
                    "{label}: by kind at {level:?}"
                );
            }
        }
    };
    same("kept as written").await;
    assert!(!sqlite.by_kind(&days, Level::Orp).await.unwrap().is_empty());
    client
        .query("TRUNCATE TABLE stats_areas")
        .execute()
        .await
        .unwrap();
    let _ = ClickHouseStatsStore::new(client).await.unwrap();
    same("filled at the first start").await;
}
