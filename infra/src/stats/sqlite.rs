//! The statistics store in an embedded SQLite file (embedded mode): the same
//! rows as ClickHouse; a batch and its checkpoint in one transaction.

use super::{day_number, day_of, AreaRow, Fact, KindRow, Level, Snapshot, StatsStore, UNITS};
use crate::event_store::LogPosition;
use rusqlite::{params, Connection, OptionalExtension};
use std::path::Path;
use std::sync::{Arc, Mutex};
use time::Date;

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS stats_facts (
    position INTEGER PRIMARY KEY, transaction_id INTEGER NOT NULL, occurred_at INTEGER NOT NULL,
    day INTEGER NOT NULL, stream_type TEXT NOT NULL, stream_id TEXT NOT NULL, event_type TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS stats_snapshots (
    day INTEGER NOT NULL, service_id TEXT NOT NULL, provider_ico TEXT NOT NULL, kind INTEGER NOT NULL,
    paragraph TEXT NOT NULL, active INTEGER NOT NULL, kraj TEXT NOT NULL, orp TEXT NOT NULL,
    municipality TEXT NOT NULL, forms TEXT NOT NULL, target_groups TEXT NOT NULL,
    cap_luzka INTEGER NOT NULL, cap_klient INTEGER NOT NULL, cap_kontakt INTEGER NOT NULL,
    cap_interv INTEGER NOT NULL, cap_hovor INTEGER NOT NULL, free_places INTEGER NOT NULL,
    reporting INTEGER NOT NULL, stale INTEGER NOT NULL, version INTEGER NOT NULL,
    PRIMARY KEY (day, service_id)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS stats_checkpoints (
    projection TEXT PRIMARY KEY, transaction_id INTEGER NOT NULL, position INTEGER NOT NULL,
    processed INTEGER NOT NULL);
";

/// The statistics store in SQLite.
pub struct SqliteStatsStore {
    conn: Arc<Mutex<Connection>>,
}

impl SqliteStatsStore {
    /// Opens (creating when missing) the store in `path`.
    ///
    /// # Errors
    /// When the file cannot be opened or created.
    pub fn open(path: impl AsRef<Path>) -> anyhow::Result<Self> {
        // Rebuilt from the log when lost: NORMAL is durable enough.
        let conn = crate::sqlite::open(path.as_ref(), crate::sqlite::Durability::Normal)?;
        conn.execute_batch(SCHEMA)?;
        Ok(Self {
            conn: Arc::new(Mutex::new(conn)),
        })
    }

    async fn run<T: Send + 'static>(
        &self,
        f: impl FnOnce(&mut Connection) -> anyhow::Result<T> + Send + 'static,
    ) -> anyhow::Result<T> {
        let conn = self.conn.clone();
        tokio::task::spawn_blocking(move || f(&mut conn.lock().unwrap_or_else(|p| p.into_inner())))
            .await?
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
        .map(|d| day_number(*d).to_string())
        .collect::<Vec<_>>()
        .join(",")
}

fn capacity_sums() -> String {
    UNITS
        .iter()
        .map(|u| format!("SUM(cap_{u})"))
        .collect::<Vec<_>>()
        .join(", ")
}

#[async_trait::async_trait]
impl StatsStore for SqliteStatsStore {
    async fn checkpoint(&self, projection: &str) -> anyhow::Result<Option<(LogPosition, u64)>> {
        let projection = projection.to_string();
        self.run(move |c| {
            Ok(c.query_row(
                "SELECT transaction_id, position, processed FROM stats_checkpoints WHERE projection = ?1",
                [projection],
                |r| {
                    Ok((
                        LogPosition {
                            transaction_id: r.get::<_, i64>(0)? as u64,
                            global_position: r.get::<_, i64>(1)? as u64,
                        },
                        r.get::<_, i64>(2)? as u64,
                    ))
                },
            )
            .optional()?)
        })
        .await
    }

    async fn write(
        &self,
        projection: &str,
        facts: &[Fact],
        snapshots: &[Snapshot],
        checkpoint: (LogPosition, u64),
    ) -> anyhow::Result<()> {
        let (projection, facts, snapshots) =
            (projection.to_string(), facts.to_vec(), snapshots.to_vec());
        self.run(move |c| {
            let tx = c.transaction()?;
            {
                let mut fact = tx.prepare_cached(
                    "INSERT OR IGNORE INTO stats_facts VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                )?;
                for f in &facts {
                    fact.execute(params![
                        f.position as i64,
                        f.transaction_id as i64,
                        f.occurred_at,
                        day_number(f.day),
                        f.stream_type,
                        f.stream_id,
                        f.event_type
                    ])?;
                }
                let mut snap = tx.prepare_cached(
                    "INSERT INTO stats_snapshots VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11,
                        ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19, ?20)
                     ON CONFLICT (day, service_id) DO UPDATE SET
                        provider_ico = excluded.provider_ico, kind = excluded.kind,
                        paragraph = excluded.paragraph, active = excluded.active,
                        kraj = excluded.kraj, orp = excluded.orp, municipality = excluded.municipality,
                        forms = excluded.forms, target_groups = excluded.target_groups,
                        cap_luzka = excluded.cap_luzka, cap_klient = excluded.cap_klient,
                        cap_kontakt = excluded.cap_kontakt, cap_interv = excluded.cap_interv,
                        cap_hovor = excluded.cap_hovor, free_places = excluded.free_places,
                        reporting = excluded.reporting, stale = excluded.stale,
                        version = excluded.version
                     WHERE excluded.version >= stats_snapshots.version",
                )?;
                for s in &snapshots {
                    snap.execute(params![
                        day_number(s.day),
                        s.service_id,
                        s.provider_ico,
                        s.kind,
                        s.paragraph,
                        s.active,
                        s.kraj,
                        s.orp,
                        s.municipality,
                        serde_json::to_string(&s.forms)?,
                        serde_json::to_string(&s.target_groups)?,
                        s.capacity[0],
                        s.capacity[1],
                        s.capacity[2],
                        s.capacity[3],
                        s.capacity[4],
                        s.free_places,
                        s.reporting,
                        s.stale,
                        s.version as i64
                    ])?;
                }
            }
            tx.execute(
                "INSERT INTO stats_checkpoints VALUES (?1, ?2, ?3, ?4)
                 ON CONFLICT (projection) DO UPDATE SET transaction_id = excluded.transaction_id,
                    position = excluded.position, processed = excluded.processed
                 WHERE excluded.processed >= stats_checkpoints.processed",
                params![
                    projection,
                    checkpoint.0.transaction_id as i64,
                    checkpoint.0.global_position as i64,
                    checkpoint.1 as i64
                ],
            )?;
            tx.commit()?;
            Ok(())
        })
        .await
    }

    async fn by_kind(&self, days: &[Date], level: Level) -> anyhow::Result<Vec<KindRow>> {
        let sql = format!(
            "SELECT day, {area} AS area, kind, paragraph, COUNT(*), COUNT(DISTINCT provider_ico), {caps},
                SUM(free_places), SUM(reporting), SUM(stale)
             FROM stats_snapshots WHERE active = 1 AND day IN ({days})
             GROUP BY day, area, kind, paragraph ORDER BY day, area, kind",
            area = area_column(level),
            caps = capacity_sums(),
            days = day_list(days),
        );
        self.run(move |c| {
            let mut stmt = c.prepare(&sql)?;
            let rows = stmt.query_map([], |r| {
                Ok(KindRow {
                    day: day_of(r.get(0)?),
                    area: r.get(1)?,
                    kind: r.get(2)?,
                    paragraph: r.get(3)?,
                    services: r.get::<_, i64>(4)? as u64,
                    providers: r.get::<_, i64>(5)? as u64,
                    capacity: [r.get(6)?, r.get(7)?, r.get(8)?, r.get(9)?, r.get(10)?],
                    free_places: r.get(11)?,
                    reporting: r.get::<_, i64>(12)? as u64,
                    stale: r.get::<_, i64>(13)? as u64,
                })
            })?;
            Ok(rows.collect::<Result<Vec<_>, _>>()?)
        })
        .await
    }

    async fn by_area(&self, days: &[Date], level: Level) -> anyhow::Result<Vec<AreaRow>> {
        let sql = format!(
            "SELECT day, {area} AS area, COUNT(*), COUNT(DISTINCT provider_ico), {caps}
             FROM stats_snapshots WHERE active = 1 AND day IN ({days})
             GROUP BY day, area ORDER BY day, area",
            area = area_column(level),
            caps = capacity_sums(),
            days = day_list(days),
        );
        self.run(move |c| {
            let mut stmt = c.prepare(&sql)?;
            let rows = stmt.query_map([], |r| {
                Ok(AreaRow {
                    day: day_of(r.get(0)?),
                    area: r.get(1)?,
                    services: r.get::<_, i64>(2)? as u64,
                    providers: r.get::<_, i64>(3)? as u64,
                    capacity: [r.get(4)?, r.get(5)?, r.get(6)?, r.get(7)?, r.get(8)?],
                })
            })?;
            Ok(rows.collect::<Result<Vec<_>, _>>()?)
        })
        .await
    }

    async fn days(&self) -> anyhow::Result<Option<(Date, Date)>> {
        self.run(|c| {
            let (first, last): (Option<i64>, Option<i64>) =
                c.query_row("SELECT MIN(day), MAX(day) FROM stats_snapshots", [], |r| {
                    Ok((r.get(0)?, r.get(1)?))
                })?;
            Ok(first.zip(last).map(|(f, l)| (day_of(f), day_of(l))))
        })
        .await
    }

    async fn fact_count(&self) -> anyhow::Result<u64> {
        self.run(|c| {
            Ok(c.query_row("SELECT COUNT(*) FROM stats_facts", [], |r| {
                r.get::<_, i64>(0)
            })? as u64)
        })
        .await
    }

    async fn snapshots_on(&self, day: Date) -> anyhow::Result<Vec<Snapshot>> {
        self.run(move |c| {
            let mut stmt = c.prepare(
                "SELECT day, service_id, provider_ico, kind, paragraph, active, kraj, orp, municipality,
                    forms, target_groups, cap_luzka, cap_klient, cap_kontakt, cap_interv, cap_hovor,
                    free_places, reporting, stale, version
                 FROM stats_snapshots WHERE day = ?1 ORDER BY service_id",
            )?;
            let rows = stmt.query_map([day_number(day)], |r| {
                let list = |i: usize| -> rusqlite::Result<Vec<String>> {
                    let text: String = r.get(i)?;
                    Ok(serde_json::from_str(&text).unwrap_or_default())
                };
                Ok(Snapshot {
                    day: day_of(r.get(0)?),
                    service_id: r.get(1)?,
                    provider_ico: r.get(2)?,
                    kind: r.get(3)?,
                    paragraph: r.get(4)?,
                    active: r.get(5)?,
                    kraj: r.get(6)?,
                    orp: r.get(7)?,
                    municipality: r.get(8)?,
                    forms: list(9)?,
                    target_groups: list(10)?,
                    capacity: [r.get(11)?, r.get(12)?, r.get(13)?, r.get(14)?, r.get(15)?],
                    free_places: r.get(16)?,
                    reporting: r.get(17)?,
                    stale: r.get(18)?,
                    version: r.get::<_, i64>(19)? as u64,
                })
            })?;
            Ok(rows.collect::<Result<Vec<_>, _>>()?)
        })
        .await
    }

    async fn clear(&self) -> anyhow::Result<()> {
        self.run(|c| {
            c.execute_batch(
                "DELETE FROM stats_facts; DELETE FROM stats_snapshots; DELETE FROM stats_checkpoints;",
            )?;
            Ok(())
        })
        .await
    }
}
