//! The read-model store port: JSON documents in named collections, written
//! by projections in batches that carry the projection's checkpoint in the
//! same transaction (so a batch is applied exactly once), kept in
//! generations so that a rebuild fills a fresh generation while queries read
//! the active one, then switches. Adapters: PostgreSQL and embedded SQLite.

pub mod postgres;
pub mod sqlite;

use crate::event_store::LogPosition;
use serde_json::Value;

/// One document written (or deleted, with `doc: None`) by a batch.
#[derive(Debug, Clone, PartialEq)]
pub struct Change {
    /// The collection, e.g. `services`.
    pub collection: String,
    /// The document's key within it.
    pub key: String,
    /// The new document, `None` to delete it.
    pub doc: Option<Value>,
}

/// A document as read, with the sequence number of its last change.
#[derive(Debug, Clone, PartialEq)]
pub struct Document {
    /// Its key.
    pub key: String,
    /// The document; `None` when deleted (kept so that followers see deletions).
    pub doc: Option<Value>,
    /// Increases with every change in the generation: follow with [`ReadModelStore::changed_since`].
    pub seq: i64,
}

/// Why the read-model store failed.
#[derive(Debug, thiserror::Error)]
pub enum ReadModelError {
    /// The stored checkpoint is no longer the one the batch was built on (the
    /// batch, or one overlapping it, was applied already — a redelivery, or
    /// another instance); nothing was written.
    #[error("projection {projection}: the checkpoint moved from {from:?} before {position:?} was committed")]
    CheckpointMoved {
        /// The projection.
        projection: String,
        /// The checkpoint the batch was built on (`None`: none yet).
        from: Option<LogPosition>,
        /// The batch's checkpoint.
        position: LogPosition,
    },
    /// Storage failure.
    #[error("read-model store failure: {0}")]
    Backend(#[source] anyhow::Error),
}

/// The read-model store port.
#[async_trait::async_trait]
pub trait ReadModelStore: Send + Sync + 'static {
    /// The generation queries read.
    ///
    /// # Errors
    /// Storage failures.
    async fn active_generation(&self) -> Result<i64, ReadModelError>;

    /// Makes `generation` the one queries read.
    ///
    /// # Errors
    /// Storage failures.
    async fn activate(&self, generation: i64) -> Result<(), ReadModelError>;

    /// The checkpoint of a projection in a generation (`None`: from the start).
    ///
    /// # Errors
    /// Storage failures.
    async fn checkpoint(
        &self,
        generation: i64,
        projection: &str,
    ) -> Result<Option<LogPosition>, ReadModelError>;

    /// One document.
    ///
    /// # Errors
    /// Storage failures.
    async fn get(
        &self,
        generation: i64,
        collection: &str,
        key: &str,
    ) -> Result<Option<Value>, ReadModelError>;

    /// The documents of `keys` in `collection` (`None` for a missing one),
    /// in the order of `keys`; one query where the store can.
    ///
    /// # Errors
    /// Storage failures.
    async fn get_many(
        &self,
        generation: i64,
        collection: &str,
        keys: &[String],
    ) -> Result<Vec<Option<Value>>, ReadModelError> {
        let mut docs = Vec::with_capacity(keys.len());
        for key in keys {
            docs.push(self.get(generation, collection, key).await?);
        }
        Ok(docs)
    }

    /// Writes `changes` and moves the projection's checkpoint from `from`
    /// (the checkpoint the documents were read at; `None`: none yet) forward
    /// to `position`, atomically. Refuses with
    /// [`ReadModelError::CheckpointMoved`], writing nothing, when the stored
    /// checkpoint is not `from` or `position` is not past it: a batch built
    /// on documents another run has changed since cannot overwrite them, and
    /// a read model never goes backwards.
    ///
    /// # Errors
    /// `CheckpointMoved`, or storage failures (nothing written).
    async fn commit(
        &self,
        generation: i64,
        projection: &str,
        changes: Vec<Change>,
        from: Option<LogPosition>,
        position: LogPosition,
    ) -> Result<(), ReadModelError>;

    /// Documents of a collection changed after `after_seq`, in change order (deletions included).
    ///
    /// # Errors
    /// Storage failures.
    async fn changed_since(
        &self,
        generation: i64,
        collection: &str,
        after_seq: i64,
        limit: usize,
    ) -> Result<Vec<Document>, ReadModelError>;

    /// Documents of any of `collections` changed after `after_seq`, in change
    /// order (deletions included), each with its collection: one query follows
    /// many collections (the sequence is shared by all of a generation).
    ///
    /// # Errors
    /// Storage failures.
    async fn changes_since(
        &self,
        generation: i64,
        collections: &[&str],
        after_seq: i64,
        limit: usize,
    ) -> Result<Vec<(String, Document)>, ReadModelError>;

    /// Drops every document and checkpoint of a generation (an abandoned rebuild).
    ///
    /// # Errors
    /// Storage failures.
    async fn drop_generation(&self, generation: i64) -> Result<(), ReadModelError>;
}

/// A shared handle to any read-model store.
pub type DynReadModelStore = std::sync::Arc<dyn ReadModelStore>;
