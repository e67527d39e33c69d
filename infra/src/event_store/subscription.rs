//! A catch-up subscription to the global log: reads from a position in
//! batches, then waits for the store's append signal (with polling as the
//! fallback) and goes on. Used by projections, the outbox relay and tests.
//!
//! While events keep coming, a subscription reads at most once per
//! [`READ_GAP`]: every append wakes it, and reading on each wake-up cost the
//! database a query per event (most of them finding the new event still held
//! back by the writers' open transactions). Paced, a read collects what the
//! gap brought; a subscription that is behind (its last batch was full) reads
//! on at once.

use super::{DynEventStore, LogPosition, RecordedEvent, StoreError};
use std::time::Duration;
use tokio::sync::watch;
use tokio::time::Instant;

/// How long, doubling from 1 ms, a subscription keeps looking again after a wake-up.
const HOLD_BACK_LIMIT: Duration = Duration::from_millis(256);

/// The least time between two reads that were not catching up.
pub const READ_GAP: Duration = Duration::from_millis(2);

/// Follows the global log from a position; see [`super::subscribe`].
pub struct Subscription {
    store: DynEventStore,
    position: LogPosition,
    batch_size: usize,
    poll_interval: Duration,
    signal: watch::Receiver<u64>,
    /// When the last read started, unless it filled a batch (then the next one is at once).
    paced_from: Option<Instant>,
}

impl Subscription {
    pub(super) fn new(
        store: DynEventStore,
        after: LogPosition,
        batch_size: usize,
        poll_interval: Duration,
    ) -> Self {
        let signal = store.appended();
        Self {
            store,
            position: after,
            batch_size: batch_size.max(1),
            poll_interval,
            signal,
            paced_from: None,
        }
    }

    /// The position of the last event handed out (or the start position).
    pub fn position(&self) -> LogPosition {
        self.position
    }

    /// The next batch of events, waiting until there is at least one.
    ///
    /// # Errors
    /// Store failures; the subscription stays at its position and can be called again.
    pub async fn next_batch(&mut self) -> Result<Vec<RecordedEvent>, StoreError> {
        // After a wake-up the new events may still be held back by older
        // transactions that are open (PostgreSQL's gap-safe rule): look again
        // soon, backing off, before falling back to the poll interval.
        let mut look_again: Option<Duration> = None;
        loop {
            if let Some(next) = self.paced_from.map(|from| from + READ_GAP) {
                if next > Instant::now() {
                    tokio::time::sleep_until(next).await;
                }
            }
            // Mark the signal seen before reading, so an append after the read wakes us.
            self.signal.borrow_and_update();
            let started = Instant::now();
            let batch = self.store.read_all(self.position, self.batch_size).await?;
            self.paced_from = (batch.len() < self.batch_size).then_some(started);
            if let Some(last) = batch.last() {
                self.position = last.log_position();
                return Ok(batch);
            }
            let wait = match look_again {
                Some(delay) if delay < HOLD_BACK_LIMIT => delay,
                _ => self.poll_interval,
            };
            let woken = match tokio::time::timeout(wait, self.signal.changed()).await {
                Ok(Ok(())) => true,
                Ok(Err(_)) => {
                    // No more wake-ups (the store is gone): polling goes on.
                    tokio::time::sleep(wait).await;
                    false
                }
                Err(_) => false,
            };
            look_again = match (woken, look_again) {
                (true, _) => Some(Duration::from_millis(1)),
                (false, Some(delay)) if delay < HOLD_BACK_LIMIT => Some(delay * 2),
                _ => None,
            };
        }
    }

    /// Like [`Self::next_batch`] but gives up after `timeout` with an empty batch.
    ///
    /// # Errors
    /// Store failures.
    pub async fn next_batch_timeout(
        &mut self,
        timeout: Duration,
    ) -> Result<Vec<RecordedEvent>, StoreError> {
        match tokio::time::timeout(timeout, self.next_batch()).await {
            Ok(result) => result,
            Err(_) => Ok(Vec::new()),
        }
    }
}
