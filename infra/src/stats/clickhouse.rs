//! The statistics store in ClickHouse (distributed mode), with what version
//! 18.16 has: `ReplacingMergeTree` keyed on the global position (facts) and
//! on (day, service) with the snapshot's version, read with `FINAL`, so a
//! batch written twice counts once. What the statistics ask for (services,
//! providers, capacities, free places by day, area and kind) is kept
//! aggregated in `stats_areas`, recomputed by ClickHouse for each day whose
//! snapshots a write brings, so that a trend over years reads thousands of
//! rows instead of every service's every day (its newest rows read with
//! `argMax` by version, faster than `FINAL` there). Inserts are RowBinary (the crate's
//! schema validation is off for 18.16, so the row structs below follow the
//! column types exactly); reads are JSONEachRow. The tables are documented
//! for analysts in `docs/statistics.md`.

use super::{day_number, day_of, AreaRow, Fact, KindRow, Level, Snapshot, StatsStore};
use crate::event_store::LogPosition;
use anyhow::Context;
use serde::{Deserialize, Serialize};
use time::Date;

/// The tables, created when missing.
pub const SCHEMA: [&str; 4] = [
    "CREATE TABLE IF NOT EXISTS stats_facts (
        position UInt64, transaction_id UInt64, occurred_at DateTime, day Date,
        stream_type String, stream_id String, event_type String)
     ENGINE = ReplacingMergeTree() PARTITION BY toYYYYMM(day) ORDER BY position",
    "CREATE TABLE IF NOT EXISTS stats_snapshots (
        day Date, service_id String, provider_ico String, kind UInt16, paragraph String,
        active UInt8, kraj String, orp String, municipality String,
        forms Array(String), target_groups Array(String),
        cap_luzka Int64, cap_klient Int64, cap_kontakt Int64, cap_interv Int64, cap_hovor Int64,
        free_places Int64, reporting UInt8, stale UInt8, version UInt64)
     ENGINE = ReplacingMergeTree(version) PARTITION BY toYYYYMM(day) ORDER BY (day, service_id)",
    // `projection` quoted: a keyword of CREATE TABLE since ClickHouse 21.6.
    "CREATE TABLE IF NOT EXISTS stats_checkpoints (
        `projection` String, transaction_id UInt64, position UInt64, processed UInt64)
     ENGINE = MergeTree() ORDER BY (projection, processed)",
    // What the statistics ask for, per day, level, area and kind (kind 0: all
    // kinds together), recomputed from the day's snapshots whenever they are
    // written: a 5-year trend reads some thousands of rows, not every
    // service's every day. The highest version of a key counts.
    "CREATE TABLE IF NOT EXISTS stats_areas (
        day Date, level String, area String, kind UInt16, paragraph String,
        services UInt64, providers UInt64,
        c_luzka Int64, c_klient Int64, c_kontakt Int64, c_interv Int64, c_hovor Int64,
        free Int64, reporting UInt64, stale UInt64, version UInt64)
     ENGINE = ReplacingMergeTree(version) PARTITION BY toYear(day) ORDER BY (level, day, area, kind, paragraph)",
];

/// The two statements that bring `stats_areas` up to date for the days
/// `days_in` selects (an SQL condition on `day`) from the snapshots as they
/// stand: every row those days have is first zeroed (version `2v`), so that
/// an area or kind left with no active service shows none, then the day is
/// counted again (version `2v + 1`), every level and kind in one pass (each
/// active snapshot in its three areas, under its kind and under "all kinds").
fn aggregate_days(days_in: &str, version: u64) -> [String; 2] {
    let (zeroed, counted) = (2 * version, 2 * version + 1);
    [
        format!(
            "INSERT INTO stats_areas
             SELECT day, level, area, kind, paragraph, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, toUInt64({zeroed})
             FROM stats_areas FINAL WHERE {days_in}"
        ),
        format!(
            "INSERT INTO stats_areas
             SELECT day, tupleElement(place, 1) AS level, tupleElement(place, 2) AS area,
                k, if(k = 0, '', paragraph) AS p,
                count(), uniqExact(provider_ico),
                sum(cap_luzka), sum(cap_klient), sum(cap_kontakt), sum(cap_interv), sum(cap_hovor),
                sum(free_places), toUInt64(sum(reporting)), toUInt64(sum(stale)), toUInt64({counted})
             FROM (
                SELECT day, provider_ico, paragraph, cap_luzka, cap_klient, cap_kontakt, cap_interv,
                    cap_hovor, free_places, reporting, stale,
                    arrayJoin([('country', 'CZ'), ('kraj', kraj), ('orp', orp)]) AS place,
                    arrayJoin([kind, toUInt16(0)]) AS k
                FROM (SELECT * FROM stats_snapshots FINAL WHERE {days_in})
                WHERE active = 1)
             GROUP BY day, level, area, k, p"
        ),
    ]
}

#[derive(clickhouse::Row, Serialize)]
struct FactRow<'a> {
    position: u64,
    transaction_id: u64,
    occurred_at: u32,
    day: u16,
    stream_type: &'a str,
    stream_id: &'a str,
    event_type: &'a str,
}

#[derive(clickhouse::Row, Serialize)]
struct SnapshotRow<'a> {
    day: u16,
    service_id: &'a str,
    provider_ico: &'a str,
    kind: u16,
    paragraph: &'a str,
    active: u8,
    kraj: &'a str,
    orp: &'a str,
    municipality: &'a str,
    forms: &'a [String],
    target_groups: &'a [String],
    cap_luzka: i64,
    cap_klient: i64,
    cap_kontakt: i64,
    cap_interv: i64,
    cap_hovor: i64,
    free_places: i64,
    reporting: u8,
    stale: u8,
    version: u64,
}

#[derive(clickhouse::Row, Serialize)]
struct CheckpointRow<'a> {
    projection: &'a str,
    transaction_id: u64,
    position: u64,
    processed: u64,
}

/// The statistics store in ClickHouse.
pub struct ClickHouseStatsStore {
    client: clickhouse::Client,
}

impl ClickHouseStatsStore {
    /// Creates the tables when missing.
    ///
    /// # Errors
    /// When ClickHouse refuses them.
    pub async fn new(client: clickhouse::Client) -> anyhow::Result<Self> {
        for statement in SCHEMA {
            client
                .query(statement)
                .execute()
                .await
                .context("cannot create the statistics tables")?;
        }
        let store = Self {
            client: client.with_setting("output_format_json_quote_64bit_integers", "0"),
        };
        // A store from before `stats_areas`: fill it once from every snapshot.
        #[derive(Deserialize)]
        struct Counts {
            areas: u64,
            snapshots: u64,
        }
        let counts: Vec<Counts> = store
            .rows("SELECT (SELECT count() FROM stats_areas) AS areas, (SELECT count() FROM stats_snapshots) AS snapshots")
            .await?;
        if counts
            .first()
            .is_some_and(|c| c.areas == 0 && c.snapshots > 0)
        {
            // A month at a time: a statement over years of snapshots would hold them all in memory.
            #[derive(Deserialize)]
            struct Month {
                m: u32,
            }
            let months: Vec<Month> = store
                .rows("SELECT DISTINCT toYYYYMM(day) AS m FROM stats_snapshots ORDER BY m")
                .await?;
            for Month { m } in months {
                store
                    .aggregate(&format!("toYYYYMM(day) = {m}"), 0)
                    .await
                    .with_context(|| {
                        format!("cannot fill stats_areas for {m} from the snapshots")
                    })?;
            }
        }
        Ok(store)
    }

    /// Brings `stats_areas` up to date for the days `days_in` selects.
    async fn aggregate(&self, days_in: &str, version: u64) -> anyhow::Result<()> {
        for statement in aggregate_days(days_in, version) {
            self.client
                .query(&statement)
                .execute()
                .await
                .with_context(|| format!("ClickHouse refused: {statement}"))?;
        }
        Ok(())
    }

    async fn rows<T: for<'de> Deserialize<'de>>(&self, sql: &str) -> anyhow::Result<Vec<T>> {
        let bytes = self
            .client
            .query(sql)
            .fetch_bytes("JSONEachRow")?
            .collect()
            .await
            .with_context(|| format!("ClickHouse refused: {sql}"))?;
        bytes
            .split(|b| *b == b'\n')
            .filter(|l| !l.is_empty())
            .map(|l| serde_json::from_slice(l).context("a row does not read"))
            .collect()
    }
}

fn level_name(level: Level) -> &'static str {
    match level {
        Level::Country => "country",
        Level::Kraj => "kraj",
        Level::Orp => "orp",
    }
}

/// The newest row of each key of `stats_areas` at `level` (the caller adds
/// its conditions and `GROUP BY day, area, kind, paragraph`), its figures in
/// one tuple `t`: `argMax` by version reads several times faster than
/// `FINAL` on ClickHouse 18.16 and gives the same rows.
fn newest_totals(level: Level) -> String {
    format!(
        "SELECT day, area, kind, paragraph,
            argMax((services, providers, c_luzka, c_klient, c_kontakt, c_interv, c_hovor, free, reporting, stale), version) AS t
         FROM stats_areas WHERE level = '{}'",
        level_name(level)
    )
}

/// The figures of [`newest_totals`]' tuple under their names.
const TOTALS: &str = "tupleElement(t, 1) AS services, tupleElement(t, 2) AS providers,
    tupleElement(t, 3) AS c_luzka, tupleElement(t, 4) AS c_klient, tupleElement(t, 5) AS c_kontakt,
    tupleElement(t, 6) AS c_interv, tupleElement(t, 7) AS c_hovor, tupleElement(t, 8) AS free,
    tupleElement(t, 9) AS reporting, tupleElement(t, 10) AS stale";

fn day_list(days: &[Date]) -> String {
    days.iter()
        .map(|d| format!("toDate({})", day_number(*d)))
        .collect::<Vec<_>>()
        .join(",")
}

#[derive(Deserialize)]
struct Caps {
    c_luzka: i64,
    c_klient: i64,
    c_kontakt: i64,
    c_interv: i64,
    c_hovor: i64,
}

impl Caps {
    fn array(&self) -> [i64; 5] {
        [
            self.c_luzka,
            self.c_klient,
            self.c_kontakt,
            self.c_interv,
            self.c_hovor,
        ]
    }
}

#[derive(Deserialize)]
struct KindOut {
    d: i64,
    area: String,
    kind: u16,
    paragraph: String,
    services: u64,
    providers: u64,
    #[serde(flatten)]
    caps: Caps,
    free: i64,
    reporting: u64,
    stale: u64,
}

#[derive(Deserialize)]
struct AreaOut {
    d: i64,
    area: String,
    services: u64,
    providers: u64,
    #[serde(flatten)]
    caps: Caps,
}

#[derive(Deserialize)]
struct SnapshotOut {
    d: i64,
    service_id: String,
    provider_ico: String,
    kind: u16,
    paragraph: String,
    active: u8,
    kraj: String,
    orp: String,
    municipality: String,
    forms: Vec<String>,
    target_groups: Vec<String>,
    #[serde(flatten)]
    caps: Caps,
    free_places: i64,
    reporting: u8,
    stale: u8,
    version: u64,
}

#[async_trait::async_trait]
impl StatsStore for ClickHouseStatsStore {
    async fn checkpoint(&self, projection: &str) -> anyhow::Result<Option<(LogPosition, u64)>> {
        #[derive(Deserialize)]
        struct Out {
            transaction_id: u64,
            position: u64,
            processed: u64,
        }
        crate::clickhouse::check_database_name(projection)?;
        let rows: Vec<Out> = self
            .rows(&format!(
                "SELECT transaction_id, position, processed FROM stats_checkpoints
                 WHERE projection = '{projection}' ORDER BY processed DESC LIMIT 1"
            ))
            .await?;
        Ok(rows.into_iter().next().map(|r| {
            (
                LogPosition {
                    transaction_id: r.transaction_id,
                    global_position: r.position,
                },
                r.processed,
            )
        }))
    }

    async fn write(
        &self,
        projection: &str,
        facts: &[Fact],
        snapshots: &[Snapshot],
        checkpoint: (LogPosition, u64),
    ) -> anyhow::Result<()> {
        if !facts.is_empty() {
            let mut insert = self.client.insert::<FactRow<'_>>("stats_facts").await?;
            for f in facts {
                insert
                    .write(&FactRow {
                        position: f.position,
                        transaction_id: f.transaction_id,
                        occurred_at: u32::try_from(f.occurred_at.max(0)).unwrap_or(u32::MAX),
                        day: u16::try_from(day_number(f.day)).unwrap_or(0),
                        stream_type: &f.stream_type,
                        stream_id: &f.stream_id,
                        event_type: &f.event_type,
                    })
                    .await?;
            }
            insert.end().await.context("cannot insert facts")?;
        }
        if !snapshots.is_empty() {
            let mut insert = self
                .client
                .insert::<SnapshotRow<'_>>("stats_snapshots")
                .await?;
            for s in snapshots {
                insert
                    .write(&SnapshotRow {
                        day: u16::try_from(day_number(s.day)).unwrap_or(0),
                        service_id: &s.service_id,
                        provider_ico: &s.provider_ico,
                        kind: s.kind,
                        paragraph: &s.paragraph,
                        active: u8::from(s.active),
                        kraj: &s.kraj,
                        orp: &s.orp,
                        municipality: &s.municipality,
                        forms: &s.forms,
                        target_groups: &s.target_groups,
                        cap_luzka: s.capacity[0],
                        cap_klient: s.capacity[1],
                        cap_kontakt: s.capacity[2],
                        cap_interv: s.capacity[3],
                        cap_hovor: s.capacity[4],
                        free_places: s.free_places,
                        reporting: u8::from(s.reporting),
                        stale: u8::from(s.stale),
                        version: s.version,
                    })
                    .await?;
            }
            insert.end().await.context("cannot insert snapshots")?;
            let days: std::collections::BTreeSet<Date> = snapshots.iter().map(|s| s.day).collect();
            let days: Vec<Date> = days.into_iter().collect();
            self.aggregate(&format!("day IN ({})", day_list(&days)), checkpoint.1)
                .await
                .context("cannot aggregate the snapshots' days")?;
        }
        let mut insert = self
            .client
            .insert::<CheckpointRow<'_>>("stats_checkpoints")
            .await?;
        insert
            .write(&CheckpointRow {
                projection,
                transaction_id: checkpoint.0.transaction_id,
                position: checkpoint.0.global_position,
                processed: checkpoint.1,
            })
            .await?;
        insert.end().await.context("cannot insert the checkpoint")?;
        Ok(())
    }

    async fn by_kind(&self, days: &[Date], level: Level) -> anyhow::Result<Vec<KindRow>> {
        if days.is_empty() {
            return Ok(Vec::new());
        }
        let rows: Vec<KindOut> = self
            .rows(&format!(
                "SELECT toInt64(toUInt16(day)) AS d, area, kind, paragraph, {totals}
                 FROM ({newest} AND kind != 0 AND day IN ({days}) GROUP BY day, area, kind, paragraph)
                 WHERE services > 0 ORDER BY d, area, kind",
                totals = TOTALS,
                newest = newest_totals(level),
                days = day_list(days),
            ))
            .await?;
        Ok(rows
            .into_iter()
            .map(|r| KindRow {
                day: day_of(r.d),
                area: r.area,
                kind: r.kind,
                paragraph: r.paragraph,
                services: r.services,
                providers: r.providers,
                capacity: r.caps.array(),
                free_places: r.free,
                reporting: r.reporting,
                stale: r.stale,
            })
            .collect())
    }

    async fn by_area(&self, days: &[Date], level: Level) -> anyhow::Result<Vec<AreaRow>> {
        if days.is_empty() {
            return Ok(Vec::new());
        }
        let rows: Vec<AreaOut> = self
            .rows(&format!(
                "SELECT toInt64(toUInt16(day)) AS d, area, {totals}
                 FROM ({newest} AND kind = 0 AND day IN ({days}) GROUP BY day, area, kind, paragraph)
                 WHERE services > 0 ORDER BY d, area",
                totals = TOTALS,
                newest = newest_totals(level),
                days = day_list(days),
            ))
            .await?;
        Ok(rows
            .into_iter()
            .map(|r| AreaRow {
                day: day_of(r.d),
                area: r.area,
                services: r.services,
                providers: r.providers,
                capacity: r.caps.array(),
            })
            .collect())
    }

    async fn days(&self) -> anyhow::Result<Option<(Date, Date)>> {
        #[derive(Deserialize)]
        struct Out {
            n: u64,
            first: i64,
            last: i64,
        }
        let rows: Vec<Out> = self
            .rows(
                "SELECT count() AS n, toInt64(toUInt16(min(day))) AS first,
                    toInt64(toUInt16(max(day))) AS last FROM stats_snapshots",
            )
            .await?;
        Ok(rows
            .into_iter()
            .next()
            .filter(|r| r.n > 0)
            .map(|r| (day_of(r.first), day_of(r.last))))
    }

    async fn fact_count(&self) -> anyhow::Result<u64> {
        #[derive(Deserialize)]
        struct Out {
            n: u64,
        }
        let rows: Vec<Out> = self
            .rows("SELECT count() AS n FROM stats_facts FINAL")
            .await?;
        Ok(rows.first().map_or(0, |r| r.n))
    }

    async fn snapshots_on(&self, day: Date) -> anyhow::Result<Vec<Snapshot>> {
        let rows: Vec<SnapshotOut> = self
            .rows(&format!(
                "SELECT toInt64(toUInt16(day)) AS d, service_id, provider_ico, kind, paragraph, active,
                    kraj, orp, municipality, forms, target_groups, cap_luzka AS c_luzka,
                    cap_klient AS c_klient, cap_kontakt AS c_kontakt, cap_interv AS c_interv,
                    cap_hovor AS c_hovor, free_places, reporting, stale, version
                 FROM stats_snapshots FINAL WHERE day = toDate({}) ORDER BY service_id",
                day_number(day)
            ))
            .await?;
        Ok(rows
            .into_iter()
            .map(|r| Snapshot {
                day: day_of(r.d),
                service_id: r.service_id,
                provider_ico: r.provider_ico,
                kind: r.kind,
                paragraph: r.paragraph,
                active: r.active == 1,
                kraj: r.kraj,
                orp: r.orp,
                municipality: r.municipality,
                forms: r.forms,
                target_groups: r.target_groups,
                capacity: r.caps.array(),
                free_places: r.free_places,
                reporting: r.reporting == 1,
                stale: r.stale == 1,
                version: r.version,
            })
            .collect())
    }

    async fn clear(&self) -> anyhow::Result<()> {
        for table in [
            "stats_facts",
            "stats_snapshots",
            "stats_areas",
            "stats_checkpoints",
        ] {
            self.client
                .query(&format!("TRUNCATE TABLE {table}"))
                .execute()
                .await
                .with_context(|| format!("cannot empty {table}"))?;
        }
        Ok(())
    }
}
