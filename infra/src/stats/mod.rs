//! The statistics store: facts for analysts, written by the statistics
//! projection, read by the statistics API. Two kinds of rows:
//!
//! - **facts**: one row per event of the log (position, transaction, time,
//!   stream, event type), keyed on the global position;
//! - **daily snapshots**: the state of every service at the end of each day
//!   (kind, §, status, kraj, ORP, municipality, provider, forms, target
//!   groups, registered capacity per unit, free places reported in the last
//!   7 days), keyed on (day, service) with a version that grows in log
//!   order, so that writing a batch again changes nothing.
//!
//! Adapters: ClickHouse (distributed, `clickhouse.rs`) and SQLite
//! (embedded, `sqlite.rs`); one contract suite. The checkpoint is written
//! after the rows it covers: a crash between them makes the next run write
//! the same rows again, which the keys absorb.

pub mod clickhouse;
pub mod sqlite;

use crate::event_store::LogPosition;
use serde::{Deserialize, Serialize};
use std::sync::Arc;
use time::Date;

/// Capacity units in column order: beds, clients, contacts, interventions, calls.
pub const UNITS: [&str; 5] = ["luzka", "klient", "kontakt", "interv", "hovor"];

/// One event of the log, for analysts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Fact {
    /// Global position.
    pub position: u64,
    /// Transaction (with the position, the log order).
    pub transaction_id: u64,
    /// When it happened (seconds since 1970, UTC).
    pub occurred_at: i64,
    /// Its day.
    pub day: Date,
    /// Stream type.
    pub stream_type: String,
    /// Stream id.
    pub stream_id: String,
    /// Event type.
    pub event_type: String,
}

/// A service at the end of a day.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Snapshot {
    /// The day.
    pub day: Date,
    /// Service id.
    pub service_id: String,
    /// Its provider's IČO.
    pub provider_ico: String,
    /// Kind (MPSV code).
    pub kind: u16,
    /// § of Act 108/2006 Sb. (empty when none).
    pub paragraph: String,
    /// Provided that day (not suspended, not ended).
    pub active: bool,
    /// Kraj (NUTS) of its first facility, else of its catchment; empty when unknown.
    pub kraj: String,
    /// ORP (ČSÚ code), likewise.
    pub orp: String,
    /// Municipality code, likewise.
    pub municipality: String,
    /// Form codes (`pob`, `amb`, `ter`).
    pub forms: Vec<String>,
    /// Target group codes.
    pub target_groups: Vec<String>,
    /// Registered capacity per unit of [`UNITS`].
    pub capacity: [i64; 5],
    /// Free places reported in the 7 days before the end of the day.
    pub free_places: i64,
    /// It has any vacancy report.
    pub reporting: bool,
    /// It has reports, all older than 7 days.
    pub stale: bool,
    /// Grows in log order; the highest of a (day, service) counts.
    pub version: u64,
}

/// Which areas to group by.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Level {
    /// The whole country, area `CZ`.
    Country,
    /// Kraje (NUTS).
    Kraj,
    /// ORP (ČSÚ codes).
    Orp,
}

impl Level {
    /// `country`, `kraj` or `orp`.
    ///
    /// # Errors
    /// The reason, for anything else.
    pub fn parse(value: &str) -> Result<Self, String> {
        match value {
            "country" => Ok(Self::Country),
            "kraj" => Ok(Self::Kraj),
            "orp" => Ok(Self::Orp),
            other => Err(format!("{other:?} is not country, kraj or orp")),
        }
    }
}

/// Active services of a kind in an area on a day.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct KindRow {
    /// The day.
    pub day: Date,
    /// Area code (`CZ`, NUTS or ČSÚ ORP code).
    pub area: String,
    /// Kind.
    pub kind: u16,
    /// Its §.
    pub paragraph: String,
    /// Services.
    pub services: u64,
    /// Distinct providers of them.
    pub providers: u64,
    /// Registered capacity per unit of [`UNITS`].
    pub capacity: [i64; 5],
    /// Free places reported in the last 7 days.
    pub free_places: i64,
    /// Services with any report.
    pub reporting: u64,
    /// Services whose reports are all older than 7 days.
    pub stale: u64,
}

/// Active services and distinct providers in an area on a day.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AreaRow {
    /// The day.
    pub day: Date,
    /// Area code.
    pub area: String,
    /// Services.
    pub services: u64,
    /// Distinct providers.
    pub providers: u64,
    /// Registered capacity per unit of [`UNITS`].
    pub capacity: [i64; 5],
}

/// The statistics store.
#[async_trait::async_trait]
pub trait StatsStore: Send + Sync {
    /// Where a projection got to, with the number of events it has processed.
    ///
    /// # Errors
    /// Store failures.
    async fn checkpoint(&self, projection: &str) -> anyhow::Result<Option<(LogPosition, u64)>>;

    /// Writes facts and snapshots, then the checkpoint (position and count of events processed).
    ///
    /// # Errors
    /// Store failures (nothing is lost: the batch is written again).
    async fn write(
        &self,
        projection: &str,
        facts: &[Fact],
        snapshots: &[Snapshot],
        checkpoint: (LogPosition, u64),
    ) -> anyhow::Result<()>;

    /// Active services by area and kind on each of `days`.
    ///
    /// # Errors
    /// Store failures.
    async fn by_kind(&self, days: &[Date], level: Level) -> anyhow::Result<Vec<KindRow>>;

    /// Active services and providers by area on each of `days`.
    ///
    /// # Errors
    /// Store failures.
    async fn by_area(&self, days: &[Date], level: Level) -> anyhow::Result<Vec<AreaRow>>;

    /// The first and last day with snapshots.
    ///
    /// # Errors
    /// Store failures.
    async fn days(&self) -> anyhow::Result<Option<(Date, Date)>>;

    /// Facts recorded (each position once).
    ///
    /// # Errors
    /// Store failures.
    async fn fact_count(&self) -> anyhow::Result<u64>;

    /// Every snapshot of a day, one per service (for checks and exports).
    ///
    /// # Errors
    /// Store failures.
    async fn snapshots_on(&self, day: Date) -> anyhow::Result<Vec<Snapshot>>;

    /// Deletes everything (before a rebuild from the start of the log).
    ///
    /// # Errors
    /// Store failures.
    async fn clear(&self) -> anyhow::Result<()>;
}

/// A shared statistics store.
pub type DynStatsStore = Arc<dyn StatsStore>;

/// Days since 1970-01-01.
pub fn day_number(day: Date) -> i64 {
    i64::from(day.to_julian_day()) - i64::from(time::macros::date!(1970 - 01 - 01).to_julian_day())
}

/// The day of a day number.
pub fn day_of(number: i64) -> Date {
    let epoch = i64::from(time::macros::date!(1970 - 01 - 01).to_julian_day());
    i32::try_from(epoch + number)
        .ok()
        .and_then(|j| Date::from_julian_day(j).ok())
        .unwrap_or(time::macros::date!(1970 - 01 - 01))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn day_numbers_round_trip() {
        let d = time::macros::date!(2026 - 11 - 23);
        assert_eq!(day_of(day_number(d)), d);
        assert_eq!(day_number(time::macros::date!(1970 - 01 - 02)), 1);
    }
}
