//! The statistics projection: follows the event log and writes to the
//! statistics store a fact per event and, for every day, a snapshot of
//! every service's state at the end of that day (ClickHouse in distributed
//! mode, SQLite embedded).
//!
//! Days come from the service events' `occurred_at`, never going back: a
//! change logged late counts from the day of the last change. When the day
//! moves on, every service gets a row for each day passed (state
//! unchanged); a service changed during the day gets its row again with a
//! higher version. While the log is quiet, the days up to today are filled
//! in from the current state (and filled in again, with a higher version,
//! when later changes turn out to belong to them).
//! Versions come from the number of events processed, so writing the same
//! batch again (after a crash between the rows and the checkpoint, or a
//! replay) changes nothing. The services' state lives in memory and is
//! rebuilt at start-up by folding the log up to the checkpoint (about
//! 750,000 events/s, `bench fold`). The log, not the bus, is followed: it is
//! the source of truth and statistics need no lower latency.

use anyhow::Context;
use events::aggregate::from_recorded;
use events::registry::service::{Service, ServiceEvent, ServiceStatus};
use events::values::codes::KINDS;
use events::values::CapacityUnit;
use events::Aggregate;
use infra::event_store::{DynEventStore, LogPosition, RecordedEvent};
use infra::shutdown::Shutdown;
use infra::stats::{DynStatsStore, Fact, Snapshot, UNITS};
use infra::territory::Territory;
use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;
use time::{Date, OffsetDateTime};

/// The projection's name (its checkpoint).
pub const NAME: &str = "statistics";

/// Events read per batch.
pub const BATCH: usize = 2000;
/// The pause after a write that caught up with the log: statistics lag by at most about this.
pub const LINGER: Duration = Duration::from_secs(1);

/// A report older than this is stale.
const STALE_AFTER: time::Duration = time::Duration::days(7);

/// Where the projection is.
#[derive(Default)]
pub struct State {
    services: BTreeMap<String, Service>,
    day: Option<Date>,
    processed: u64,
    position: LogPosition,
    /// (events processed, today) when the days were last filled in up to today.
    closed: Option<(u64, Date)>,
}

impl State {
    /// Events processed.
    pub fn processed(&self) -> u64 {
        self.processed
    }

    /// The last day written.
    pub fn day(&self) -> Option<Date> {
        self.day
    }
}

/// The statistics projection.
pub struct Statistics {
    /// The log.
    pub events: DynEventStore,
    /// Where facts and snapshots go.
    pub store: DynStatsStore,
    /// For the kraj, ORP and municipality of each service.
    pub territory: Arc<Territory>,
}

fn unit_index(unit: CapacityUnit) -> usize {
    let code = serde_json::to_value(unit)
        .ok()
        .and_then(|v| v.as_str().map(str::to_string))
        .unwrap_or_default();
    UNITS.iter().position(|u| *u == code).unwrap_or(0)
}

impl Statistics {
    /// The state at the checkpoint: the log folded up to it.
    ///
    /// # Errors
    /// Store failures, or events that do not read.
    pub async fn restore(&self) -> anyhow::Result<State> {
        let mut state = State::default();
        let Some((checkpoint, processed)) = self.store.checkpoint(NAME).await? else {
            return Ok(state);
        };
        while state.position < checkpoint {
            let batch = self.events.read_all(state.position, BATCH).await?;
            if batch.is_empty() {
                anyhow::bail!("the log ends before the statistics checkpoint {checkpoint:?}");
            }
            for e in batch.iter().take_while(|e| e.log_position() <= checkpoint) {
                state.processed += 1;
                if is_service(e) {
                    state.day = Some(next_day(state.day, e));
                }
                apply(&mut state, e)?;
                state.position = e.log_position();
            }
        }
        if state.processed != processed {
            tracing::warn!(
                counted = state.processed,
                recorded = processed,
                "the statistics checkpoint counted another number of events"
            );
        }
        Ok(state)
    }

    fn snapshot(&self, id: &str, s: &Service, day: Date, version: u64) -> Option<Snapshot> {
        let d = s.details.as_ref()?;
        let t = &self.territory;
        let municipality = d
            .open_facilities()
            .find_map(|f| f.address.municipality_code.clone())
            .or_else(|| d.catchment.municipalities.first().cloned())
            .unwrap_or_default();
        let m = t.municipalities.get(&municipality);
        let orp = m.map(|m| m.orp.clone()).or_else(|| {
            d.catchment.orp.first().map(|o| {
                t.orp_by_any_code(o)
                    .map_or_else(|| o.clone(), |x| x.csu_code.clone())
            })
        });
        let kraj = m.map(|m| m.kraj_nuts.clone()).or_else(|| {
            d.catchment.kraje.first().map(|k| {
                t.kraj_by_any_code(k)
                    .map_or_else(|| k.clone(), |x| x.nuts.clone())
            })
        });
        let mut capacity = [0i64; 5];
        for f in &d.forms {
            for c in &f.capacities {
                capacity[unit_index(c.unit)] += c.count;
            }
        }
        let end = (day + time::Duration::days(1)).midnight().assume_utc();
        let fresh: Vec<i64> = s
            .vacancies
            .values()
            .filter(|v| v.reported_at < end && end - v.reported_at <= STALE_AFTER)
            .map(|v| v.free_places)
            .collect();
        Some(Snapshot {
            day,
            service_id: id.to_string(),
            provider_ico: s.provider_ico.clone(),
            kind: d.kind,
            paragraph: KINDS
                .iter()
                .find(|k| k.0 == d.kind)
                .map_or("", |k| k.2)
                .to_string(),
            active: s.status == ServiceStatus::Active,
            kraj: kraj.unwrap_or_default(),
            orp: orp.unwrap_or_default(),
            municipality,
            forms: d
                .forms
                .iter()
                .map(|f| {
                    serde_json::to_value(f.form)
                        .ok()
                        .and_then(|v| v.as_str().map(str::to_string))
                        .unwrap_or_default()
                })
                .collect(),
            target_groups: d.target_groups.clone(),
            capacity,
            free_places: fresh.iter().sum(),
            reporting: !s.vacancies.is_empty(),
            stale: !s.vacancies.is_empty() && fresh.is_empty(),
            version,
        })
    }

    /// Every service on each day after `from` up to `to`.
    fn days_passed(
        &self,
        state: &State,
        from: Date,
        to: Date,
        version: u64,
        out: &mut Vec<Snapshot>,
    ) {
        let mut day = from;
        while day < to {
            day = day.next_day().unwrap_or(to);
            out.extend(
                state
                    .services
                    .iter()
                    .filter_map(|(id, s)| self.snapshot(id, s, day, version)),
            );
        }
    }

    /// Processes one batch of the log; answers how many events it held.
    ///
    /// # Errors
    /// Store failures or events that do not read; nothing is lost (the batch is read again).
    pub async fn step(&self, state: &mut State) -> anyhow::Result<usize> {
        let batch = self.events.read_all(state.position, BATCH).await?;
        if batch.is_empty() {
            return Ok(0);
        }
        let mut facts = Vec::with_capacity(batch.len());
        let mut snapshots = Vec::new();
        // Services changed on the current day, with the number of their last change.
        let mut changed: BTreeMap<String, u64> = BTreeMap::new();
        for e in &batch {
            let seq = state.processed + 1;
            if is_service(e) {
                let day = next_day(state.day, e);
                if let Some(current) = state.day.filter(|d| *d < day) {
                    self.flush(state, current, &mut changed, &mut snapshots);
                    self.days_passed(state, current, day, 2 * seq, &mut snapshots);
                }
                state.day = Some(day);
            }
            if apply(state, e)? {
                changed.insert(e.stream.stream_id.clone(), seq);
            }
            facts.push(Fact {
                position: e.global_position,
                transaction_id: e.transaction_id,
                occurred_at: e.occurred_at.unix_timestamp(),
                day: e.occurred_at.date(),
                stream_type: e.stream.stream_type.clone(),
                stream_id: e.stream.stream_id.clone(),
                event_type: e.event_type.clone(),
            });
            state.processed = seq;
            state.position = e.log_position();
        }
        if let Some(day) = state.day {
            self.flush(state, day, &mut changed, &mut snapshots);
        }
        self.store
            .write(NAME, &facts, &snapshots, (state.position, state.processed))
            .await
            .context("cannot write the statistics")?;
        Ok(batch.len())
    }

    fn flush(
        &self,
        state: &State,
        day: Date,
        changed: &mut BTreeMap<String, u64>,
        out: &mut Vec<Snapshot>,
    ) {
        for (id, seq) in std::mem::take(changed) {
            if let Some(s) = state.services.get(&id) {
                out.extend(self.snapshot(&id, s, day, 2 * seq + 1));
            }
        }
    }

    /// When the calendar has moved past the last day written and nothing
    /// happened since: every service gets its rows up to `today`.
    ///
    /// # Errors
    /// Store failures.
    pub async fn close_days(&self, state: &mut State, today: Date) -> anyhow::Result<()> {
        let Some(day) = state.day.filter(|d| *d < today) else {
            return Ok(());
        };
        if state.closed == Some((state.processed, today)) {
            return Ok(());
        }
        let mut snapshots = Vec::new();
        self.days_passed(state, day, today, 2 * state.processed, &mut snapshots);
        self.store
            .write(NAME, &[], &snapshots, (state.position, state.processed))
            .await?;
        state.closed = Some((state.processed, today));
        Ok(())
    }

    /// Follows the log until `shutdown`, closing days as the calendar moves.
    pub async fn run(self: Arc<Self>, shutdown: Shutdown) {
        let mut state = loop {
            match self.restore().await {
                Ok(s) => break s,
                Err(e) => {
                    tracing::warn!(error = %format!("{e:#}"), "cannot restore the statistics; retrying");
                    tokio::select! {
                        () = tokio::time::sleep(Duration::from_secs(1)) => {}
                        () = shutdown.wait() => return,
                    }
                }
            }
        };
        let mut appended = self.events.appended();
        while !shutdown.is_triggered() {
            match self.step(&mut state).await {
                Ok(0) => {
                    let today = OffsetDateTime::now_utc().date();
                    if let Err(e) = self.close_days(&mut state, today).await {
                        tracing::warn!(error = %format!("{e:#}"), "cannot close the statistics days");
                    }
                    tokio::select! {
                        _ = appended.changed() => {}
                        () = tokio::time::sleep(Duration::from_millis(500)) => {}
                        () = shutdown.wait() => return,
                    }
                }
                Ok(n) if n < BATCH => {
                    // Caught up: let events gather before the next write (an
                    // analytical store wants few large inserts, not one per append).
                    tokio::select! {
                        () = tokio::time::sleep(LINGER) => {}
                        () = shutdown.wait() => return,
                    }
                }
                Ok(_) => {}
                Err(e) => {
                    tracing::warn!(error = %format!("{e:#}"), "statistics batch failed; retrying");
                    // The in-memory state may be ahead of the store: start again from the checkpoint.
                    tokio::time::sleep(Duration::from_secs(1)).await;
                    match self.restore().await {
                        Ok(s) => state = s,
                        Err(e) => {
                            tracing::warn!(error = %format!("{e:#}"), "cannot restore the statistics")
                        }
                    }
                }
            }
        }
    }

    /// Empties the store and writes everything again from the start of the log.
    ///
    /// # Errors
    /// Store failures.
    pub async fn rebuild(&self) -> anyhow::Result<u64> {
        self.store.clear().await?;
        let mut state = State::default();
        while self.step(&mut state).await? > 0 {}
        Ok(state.processed)
    }
}

fn is_service(e: &RecordedEvent) -> bool {
    e.stream.stream_type == Service::STREAM_TYPE
}

/// The day a service event counts on: its own, never before the last change's.
fn next_day(current: Option<Date>, e: &RecordedEvent) -> Date {
    let day = e.occurred_at.date();
    current.map_or(day, |c| c.max(day))
}

/// Applies a service event to the state; answers whether a service changed.
fn apply(state: &mut State, e: &RecordedEvent) -> anyhow::Result<bool> {
    if e.stream.stream_type != Service::STREAM_TYPE {
        return Ok(false);
    }
    let event: ServiceEvent =
        from_recorded(e).with_context(|| format!("event {} does not read", e.global_position))?;
    state
        .services
        .entry(e.stream.stream_id.clone())
        .or_default()
        .apply(&event);
    Ok(true)
}
