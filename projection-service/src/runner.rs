//! Running a projection: read the event log after the projection's
//! checkpoint, apply a batch of events to a working set of documents, and
//! commit the changed documents with the new checkpoint in one transaction.
//! A batch applied twice (a redelivery, a second instance) is refused by the
//! checkpoint and changes nothing, so projections are idempotent and
//! resumable; a rebuild runs the same code into a fresh generation.

use anyhow::Context;
use infra::event_store::{subscribe, DynEventStore, LogPosition, RecordedEvent};
use infra::read_model::{Change, DynReadModelStore, ReadModelError};
use infra::shutdown::Shutdown;
use prometheus::{IntCounterVec, IntGaugeVec};
use serde_json::Value;
use std::collections::BTreeMap;
use std::sync::LazyLock;
use std::time::Duration;

/// The documents a batch reads and writes, loaded from the store on first use.
pub struct WorkingSet<'a> {
    store: &'a DynReadModelStore,
    generation: i64,
    /// The documents read or written, and whether the batch changed each.
    docs: BTreeMap<(String, String), (Option<Value>, bool)>,
    /// The changed ones in the order of their first change.
    changed: Vec<(String, String)>,
}

impl<'a> WorkingSet<'a> {
    fn new(store: &'a DynReadModelStore, generation: i64) -> Self {
        Self {
            store,
            generation,
            docs: BTreeMap::new(),
            changed: Vec::new(),
        }
    }

    /// The document as the batch sees it so far.
    ///
    /// # Errors
    /// Read-model store failures.
    pub async fn get(&mut self, collection: &str, key: &str) -> anyhow::Result<Option<Value>> {
        let id = (collection.to_string(), key.to_string());
        if let Some((doc, _)) = self.docs.get(&id) {
            return Ok(doc.clone());
        }
        let doc = self.store.get(self.generation, collection, key).await?;
        self.docs.insert(id, (doc.clone(), false));
        Ok(doc)
    }

    /// The document read into its type.
    ///
    /// # Errors
    /// Read-model store failures, or a document that does not read.
    pub async fn get_as<T: serde::de::DeserializeOwned>(
        &mut self,
        collection: &str,
        key: &str,
    ) -> anyhow::Result<Option<T>> {
        self.get(collection, key)
            .await?
            .map(|d| {
                serde_json::from_value(d)
                    .with_context(|| format!("{collection}/{key} does not read"))
            })
            .transpose()
    }

    /// Loads the documents of `keys` that are not loaded yet in one read of
    /// the store (a batch's documents at once, not one round trip each).
    ///
    /// # Errors
    /// Read-model store failures.
    pub async fn prefetch(
        &mut self,
        collection: &str,
        mut keys: Vec<String>,
    ) -> anyhow::Result<()> {
        keys.sort_unstable();
        keys.dedup();
        keys.retain(|k| !self.docs.contains_key(&(collection.to_string(), k.clone())));
        let docs = self
            .store
            .get_many(self.generation, collection, &keys)
            .await?;
        for (key, doc) in keys.into_iter().zip(docs) {
            self.docs
                .insert((collection.to_string(), key), (doc, false));
        }
        Ok(())
    }

    /// Writes a document.
    pub fn put(&mut self, collection: &str, key: &str, doc: Value) {
        self.set(collection, key, Some(doc));
    }

    /// Deletes a document.
    pub fn delete(&mut self, collection: &str, key: &str) {
        self.set(collection, key, None);
    }

    fn set(&mut self, collection: &str, key: &str, doc: Option<Value>) {
        let id = (collection.to_string(), key.to_string());
        let first_change = match self.docs.get_mut(&id) {
            Some((old, changed)) => {
                *old = doc;
                !std::mem::replace(changed, true)
            }
            None => {
                self.docs.insert(id.clone(), (doc, true));
                true
            }
        };
        if first_change {
            self.changed.push(id);
        }
    }

    fn into_changes(self) -> Vec<Change> {
        let mut docs = self.docs;
        self.changed
            .into_iter()
            .map(|id| {
                let doc = docs.remove(&id).and_then(|(doc, _)| doc);
                Change {
                    collection: id.0,
                    key: id.1,
                    doc,
                }
            })
            .collect()
    }
}

/// A projection: turns events into documents.
#[async_trait::async_trait]
pub trait Projection: Send + Sync + 'static {
    /// Its name (the key of its checkpoint).
    fn name(&self) -> &'static str;

    /// Applies one event; events it does not know are skipped.
    ///
    /// # Errors
    /// When a document cannot be read or an event does not read.
    async fn apply(&self, event: &RecordedEvent, docs: &mut WorkingSet<'_>) -> anyhow::Result<()>;

    /// The documents a batch will read, loaded at once before it is applied
    /// (by default none: each is read when first asked for).
    fn reads(&self, _batch: &[RecordedEvent]) -> Vec<(&'static str, String)> {
        Vec::new()
    }

    /// Applies consecutive events of one stream (a run of at least one); by
    /// default one by one. A projection whose documents follow one stream may
    /// read and write each document once per run instead of once per event.
    ///
    /// # Errors
    /// As [`Self::apply`].
    async fn apply_run(
        &self,
        run: &[RecordedEvent],
        docs: &mut WorkingSet<'_>,
    ) -> anyhow::Result<()> {
        for event in run {
            self.apply(event, docs).await?;
        }
        Ok(())
    }
}

/// Applies one batch onto the checkpoint `from` (the one it follows; `None`:
/// the start) and commits it with its last position; returns whether it was
/// applied (false: the checkpoint had moved — another run applied it, or
/// part of it — and nothing was written).
///
/// # Errors
/// Read-model store failures or events that do not read.
pub async fn apply_batch(
    projection: &dyn Projection,
    read_models: &DynReadModelStore,
    generation: i64,
    from: Option<LogPosition>,
    batch: &[RecordedEvent],
) -> anyhow::Result<bool> {
    let Some(last) = batch.last() else {
        return Ok(false);
    };
    let mut docs = WorkingSet::new(read_models, generation);
    let mut reads: BTreeMap<&str, Vec<String>> = BTreeMap::new();
    for (collection, key) in projection.reads(batch) {
        reads.entry(collection).or_default().push(key);
    }
    for (collection, keys) in reads {
        docs.prefetch(collection, keys).await?;
    }
    for run in batch.chunk_by(|a, b| a.stream == b.stream) {
        projection
            .apply_run(run, &mut docs)
            .await
            .with_context(|| {
                format!(
                    "{} at {}–{}",
                    projection.name(),
                    run[0].global_position,
                    run[run.len() - 1].global_position
                )
            })?;
    }
    match read_models
        .commit(
            generation,
            projection.name(),
            docs.into_changes(),
            from,
            last.log_position(),
        )
        .await
    {
        Ok(()) => {
            APPLIED
                .with_label_values(&[projection.name()])
                .inc_by(batch.len() as u64);
            Ok(true)
        }
        Err(ReadModelError::CheckpointMoved { .. }) => Ok(false),
        Err(e) => Err(e.into()),
    }
}

/// Brings a projection up to the head of the log once; returns the events applied.
///
/// # Errors
/// Store failures.
pub async fn catch_up(
    projection: &dyn Projection,
    events: &DynEventStore,
    read_models: &DynReadModelStore,
    generation: i64,
    batch_size: usize,
) -> anyhow::Result<u64> {
    let mut from = read_models
        .checkpoint(generation, projection.name())
        .await?;
    let mut applied = 0;
    loop {
        let batch = events
            .read_all(from.unwrap_or(LogPosition::START), batch_size)
            .await?;
        let Some(last) = batch.last() else {
            return Ok(applied);
        };
        if apply_batch(projection, read_models, generation, from, &batch).await? {
            applied += batch.len() as u64;
            from = Some(last.log_position());
        } else {
            // Another run moved the checkpoint: go on from where it is.
            from = read_models
                .checkpoint(generation, projection.name())
                .await?;
        }
    }
}

static LAG_EVENTS: LazyLock<IntGaugeVec> = LazyLock::new(|| {
    infra::metrics::gauge_vec(
        "projection_lag_events",
        "Global positions between the log head and the projection",
        &["projection"],
    )
});

static LAG_MS: LazyLock<IntGaugeVec> = LazyLock::new(|| {
    infra::metrics::gauge_vec(
        "projection_lag_milliseconds",
        "Time from an event's commit to its projection",
        &["projection"],
    )
});

static APPLIED: LazyLock<IntCounterVec> = LazyLock::new(|| {
    infra::metrics::counter_vec(
        "projection_events_total",
        "Events applied by each projection",
        &["projection"],
    )
});

/// A projection's figures while this instance runs it: its counters are
/// shown from 0 at once, and its lag is forgotten when it stops (dropped),
/// so that a standby shows no lag that alerts could take for the active one's.
pub struct Running(&'static str);

impl Running {
    /// This instance starts running the projection `name`.
    pub fn start(name: &'static str) -> Self {
        APPLIED.with_label_values(&[name]).inc_by(0);
        Self(name)
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        let _ = LAG_EVENTS.remove_label_values(&[self.0]);
        let _ = LAG_MS.remove_label_values(&[self.0]);
    }
}

/// Records that a projection has nothing left to apply (it read the log to its head).
pub(crate) fn record_caught_up(name: &str) {
    LAG_MS.with_label_values(&[name]).set(0);
    LAG_EVENTS.with_label_values(&[name]).set(0);
}

/// Records how far behind the head of the log and its commit a projection is after applying `last`.
pub(crate) async fn record_lag(name: &str, events: &DynEventStore, last: &RecordedEvent) {
    let ms = (time::OffsetDateTime::now_utc() - last.recorded_at).whole_milliseconds();
    LAG_MS
        .with_label_values(&[name])
        .set(i64::try_from(ms).unwrap_or(i64::MAX));
    if let Ok(Some(head)) = events.head().await {
        let behind = head.global_position.saturating_sub(last.global_position);
        LAG_EVENTS
            .with_label_values(&[name])
            .set(i64::try_from(behind).unwrap_or(i64::MAX));
    }
}

/// Follows the log into the active generation until `shutdown`, resuming
/// from the checkpoint after failures.
pub async fn follow(
    projection: std::sync::Arc<dyn Projection>,
    events: DynEventStore,
    read_models: DynReadModelStore,
    batch_size: usize,
    shutdown: Shutdown,
) {
    let _running = Running::start(projection.name());
    let mut backoff = Duration::from_millis(100);
    while !shutdown.is_triggered() {
        let run = async {
            let generation = read_models.active_generation().await?;
            let mut from = read_models
                .checkpoint(generation, projection.name())
                .await?;
            let mut sub = subscribe(
                events.clone(),
                from.unwrap_or(LogPosition::START),
                batch_size,
                Duration::from_millis(200),
            );
            loop {
                let batch = tokio::select! {
                    b = sub.next_batch() => b?,
                    () = shutdown.wait() => return anyhow::Ok(()),
                };
                let Some(last) = batch.last() else { continue };
                if !apply_batch(projection.as_ref(), &read_models, generation, from, &batch).await?
                {
                    // Another run moved the checkpoint: start again from it.
                    return Ok(());
                }
                from = Some(last.log_position());
                record_lag(projection.name(), &events, last).await;
                if read_models.active_generation().await? != generation {
                    // A rebuild switched generations: continue in the new one.
                    return Ok(());
                }
            }
        };
        match run.await {
            Ok(()) => backoff = Duration::from_millis(100),
            Err(e) => {
                tracing::warn!(projection = projection.name(), error = %format!("{e:#}"), "projection failed; resuming from its checkpoint");
                tokio::select! {
                    () = tokio::time::sleep(backoff) => {}
                    () = shutdown.wait() => return,
                }
                backoff = (backoff * 2).min(Duration::from_secs(5));
            }
        }
    }
}

/// Rebuilds every projection of a generation from position 0 into a fresh
/// generation while the active one keeps answering, then switches to it;
/// returns the new generation. Followers notice the switch and go on in it.
///
/// # Errors
/// Store failures; the fresh generation is dropped then.
pub async fn rebuild(
    projections: &[&dyn Projection],
    events: &DynEventStore,
    read_models: &DynReadModelStore,
    batch_size: usize,
) -> anyhow::Result<i64> {
    let active = read_models.active_generation().await?;
    let fresh = active + 1;
    read_models.drop_generation(fresh).await?;
    for projection in projections {
        // Caught up: at least where the live generation is now (on PostgreSQL a
        // read can stop short while older transactions are still open).
        let target = read_models.checkpoint(active, projection.name()).await?;
        loop {
            if let Err(e) = catch_up(*projection, events, read_models, fresh, batch_size).await {
                let _ = read_models.drop_generation(fresh).await;
                return Err(e);
            }
            if read_models.checkpoint(fresh, projection.name()).await? >= target {
                break;
            }
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
    }
    read_models.activate(fresh).await?;
    Ok(fresh)
}
