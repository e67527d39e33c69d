//! The statistics store in ClickHouse (distributed mode), with what version
//! 18.16 has: `ReplacingMergeTree` keyed on the global position (facts) and
//! on (day, service) with the snapshot's version, read with `FINAL`, so a
//! batch written twice counts once. Inserts are RowBinary (the crate's
//! schema validation is off for 18.16, so the row structs below follow the
//! column types exactly); reads are JSONEachRow. The tables are documented
//! for analysts in `docs/statistics.md`.

use super::{day_number, day_of, AreaRow, Fact, KindRow, Level, Snapshot, StatsStore, UNITS};
use crate::event_store::LogPosition;
use anyhow::Context;
use serde::{Deserialize, Serialize};
use time::Date;

/// The tables, created when missing.
pub const SCHEMA: [&str; 3] = [
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
    "CREATE TABLE IF NOT EXISTS stats_checkpoints (
        projection String, transaction_id UInt64, position UInt64, processed UInt64)
     ENGINE = MergeTree() ORDER BY (projection, processed)",
];

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
        Ok(Self {
            client: client.with_setting("output_format_json_quote_64bit_integers", "0"),
        })
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

fn area_column(level: Level) -> &'static str {
    match level {
        Level::Country => "'CZ'",
        Level::Kraj => "kraj",
        Level::Orp => "orp",
    }
}

fn day_list(days: &[Date]) -> String {
    days.iter()
        .map(|d| format!("toDate({})", day_number(*d)))
        .collect::<Vec<_>>()
        .join(",")
}

fn capacity_sums() -> String {
    UNITS
        .iter()
        .map(|u| format!("sum(cap_{u}) AS c_{u}"))
        .collect::<Vec<_>>()
        .join(", ")
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
                "SELECT toInt64(toUInt16(day)) AS d, {area} AS area, kind, paragraph,
                    count() AS services, uniqExact(provider_ico) AS providers, {caps},
                    sum(free_places) AS free, toUInt64(sum(reporting)) AS reporting,
                    toUInt64(sum(stale)) AS stale
                 FROM stats_snapshots FINAL WHERE active = 1 AND day IN ({days})
                 GROUP BY d, area, kind, paragraph ORDER BY d, area, kind",
                area = area_column(level),
                caps = capacity_sums(),
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
                "SELECT toInt64(toUInt16(day)) AS d, {area} AS area, count() AS services,
                    uniqExact(provider_ico) AS providers, {caps}
                 FROM stats_snapshots FINAL WHERE active = 1 AND day IN ({days})
                 GROUP BY d, area ORDER BY d, area",
                area = area_column(level),
                caps = capacity_sums(),
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
        for table in ["stats_facts", "stats_snapshots", "stats_checkpoints"] {
            self.client
                .query(&format!("TRUNCATE TABLE {table}"))
                .execute()
                .await
                .with_context(|| format!("cannot empty {table}"))?;
        }
        Ok(())
    }
}
