//! Read models in an embedded SQLite file: the same tables as PostgreSQL,
//! one writer at a time.

use super::{Change, Document, ReadModelError, ReadModelStore};
use crate::event_store::LogPosition;
use rusqlite::{params, Connection, OptionalExtension, TransactionBehavior};
use serde_json::Value;
use std::path::Path;
use std::sync::{Arc, Mutex};

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS rm_documents (
    generation INTEGER NOT NULL,
    collection TEXT    NOT NULL,
    key        TEXT    NOT NULL,
    doc        TEXT,
    seq        INTEGER NOT NULL,
    PRIMARY KEY (generation, collection, key)) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS rm_documents_changes ON rm_documents (generation, collection, seq);
CREATE INDEX IF NOT EXISTS rm_documents_feed ON rm_documents (generation, seq);
CREATE TABLE IF NOT EXISTS rm_checkpoints (
    generation      INTEGER NOT NULL,
    projection      TEXT    NOT NULL,
    transaction_id  INTEGER NOT NULL,
    global_position INTEGER NOT NULL,
    PRIMARY KEY (generation, projection));
CREATE TABLE IF NOT EXISTS rm_state (name TEXT PRIMARY KEY, value INTEGER NOT NULL);
INSERT OR IGNORE INTO rm_state (name, value) VALUES ('active_generation', 1), ('seq', 0);
";

/// The read-model store in SQLite.
pub struct SqliteReadModelStore {
    conn: Arc<Mutex<Connection>>,
}

impl SqliteReadModelStore {
    /// Opens (creating when missing) the store in `path`.
    ///
    /// # Errors
    /// When the file cannot be opened or created.
    pub fn open(path: impl AsRef<Path>) -> anyhow::Result<Self> {
        // Read models can always be rebuilt from the log: NORMAL is durable enough.
        let conn = crate::sqlite::open(path.as_ref(), crate::sqlite::Durability::Normal)?;
        conn.execute_batch(SCHEMA)?;
        Ok(Self {
            conn: Arc::new(Mutex::new(conn)),
        })
    }

    async fn run<T: Send + 'static>(
        &self,
        f: impl FnOnce(&mut Connection) -> Result<T, ReadModelError> + Send + 'static,
    ) -> Result<T, ReadModelError> {
        let conn = self.conn.clone();
        tokio::task::spawn_blocking(move || f(&mut conn.lock().unwrap_or_else(|p| p.into_inner())))
            .await
            .map_err(|e| ReadModelError::Backend(e.into()))?
    }
}

fn backend(e: impl Into<anyhow::Error>) -> ReadModelError {
    ReadModelError::Backend(e.into())
}

fn parse(text: Option<String>) -> Result<Option<Value>, ReadModelError> {
    text.map(|t| serde_json::from_str(&t))
        .transpose()
        .map_err(backend)
}

#[async_trait::async_trait]
impl ReadModelStore for SqliteReadModelStore {
    async fn active_generation(&self) -> Result<i64, ReadModelError> {
        self.run(|c| {
            c.query_row(
                "SELECT value FROM rm_state WHERE name = 'active_generation'",
                [],
                |r| r.get(0),
            )
            .map_err(backend)
        })
        .await
    }

    async fn activate(&self, generation: i64) -> Result<(), ReadModelError> {
        self.run(move |c| {
            c.execute(
                "UPDATE rm_state SET value = ?1 WHERE name = 'active_generation'",
                [generation],
            )
            .map(|_| ())
            .map_err(backend)
        })
        .await
    }

    async fn checkpoint(
        &self,
        generation: i64,
        projection: &str,
    ) -> Result<Option<LogPosition>, ReadModelError> {
        let projection = projection.to_string();
        self.run(move |c| {
            c.query_row(
                "SELECT transaction_id, global_position FROM rm_checkpoints WHERE generation = ?1 AND projection = ?2",
                params![generation, projection],
                |r| {
                    Ok(LogPosition {
                        transaction_id: r.get::<_, i64>(0)? as u64,
                        global_position: r.get::<_, i64>(1)? as u64,
                    })
                },
            )
            .optional()
            .map_err(backend)
        })
        .await
    }

    async fn get(
        &self,
        generation: i64,
        collection: &str,
        key: &str,
    ) -> Result<Option<Value>, ReadModelError> {
        let (collection, key) = (collection.to_string(), key.to_string());
        self.run(move |c| {
            let text: Option<Option<String>> = c
                .query_row(
                    "SELECT doc FROM rm_documents WHERE generation = ?1 AND collection = ?2 AND key = ?3",
                    params![generation, collection, key],
                    |r| r.get(0),
                )
                .optional()
                .map_err(backend)?;
            parse(text.flatten())
        })
        .await
    }

    async fn commit(
        &self,
        generation: i64,
        projection: &str,
        changes: Vec<Change>,
        from: Option<LogPosition>,
        position: LogPosition,
    ) -> Result<(), ReadModelError> {
        let projection = projection.to_string();
        self.run(move |c| {
            let tx = c.transaction_with_behavior(TransactionBehavior::Immediate).map_err(backend)?;
            let current: Option<(i64, i64)> = tx
                .query_row(
                    "SELECT transaction_id, global_position FROM rm_checkpoints WHERE generation = ?1 AND projection = ?2",
                    params![generation, projection],
                    |r| Ok((r.get(0)?, r.get(1)?)),
                )
                .optional()
                .map_err(backend)?;
            let new = (position.transaction_id as i64, position.global_position as i64);
            let built_on = from.map(|f| (f.transaction_id as i64, f.global_position as i64));
            if current != built_on || built_on.is_some_and(|f| f >= new) {
                return Err(ReadModelError::CheckpointMoved { projection, from, position });
            }
            tx.execute(
                "INSERT INTO rm_checkpoints (generation, projection, transaction_id, global_position) VALUES (?1, ?2, ?3, ?4) \
                 ON CONFLICT (generation, projection) DO UPDATE SET transaction_id = excluded.transaction_id, \
                 global_position = excluded.global_position",
                params![generation, projection, new.0, new.1],
            )
            .map_err(backend)?;
            let mut seq: i64 = tx
                .query_row("SELECT value FROM rm_state WHERE name = 'seq'", [], |r| r.get(0))
                .map_err(backend)?;
            {
                let mut upsert = tx
                    .prepare_cached(
                        "INSERT INTO rm_documents (generation, collection, key, doc, seq) VALUES (?1, ?2, ?3, ?4, ?5) \
                         ON CONFLICT (generation, collection, key) DO UPDATE SET doc = excluded.doc, seq = excluded.seq",
                    )
                    .map_err(backend)?;
                for change in &changes {
                    seq += 1;
                    let doc = change.doc.as_ref().map(Value::to_string);
                    upsert
                        .execute(params![generation, change.collection, change.key, doc, seq])
                        .map_err(backend)?;
                }
            }
            tx.execute("UPDATE rm_state SET value = ?1 WHERE name = 'seq'", [seq]).map_err(backend)?;
            tx.commit().map_err(backend)
        })
        .await
    }

    async fn changed_since(
        &self,
        generation: i64,
        collection: &str,
        after_seq: i64,
        limit: usize,
    ) -> Result<Vec<Document>, ReadModelError> {
        let collection = collection.to_string();
        self.run(move |c| {
            let mut stmt = c
                .prepare_cached(
                    "SELECT key, doc, seq FROM rm_documents WHERE generation = ?1 AND collection = ?2 AND seq > ?3 \
                     ORDER BY seq LIMIT ?4",
                )
                .map_err(backend)?;
            let rows = stmt
                .query_map(params![generation, collection, after_seq, limit as i64], |r| {
                    Ok((r.get::<_, String>(0)?, r.get::<_, Option<String>>(1)?, r.get::<_, i64>(2)?))
                })
                .map_err(backend)?
                .collect::<Result<Vec<_>, _>>()
                .map_err(backend)?;
            rows.into_iter()
                .map(|(key, doc, seq)| Ok(Document { key, doc: parse(doc)?, seq }))
                .collect()
        })
        .await
    }

    async fn changes_since(
        &self,
        generation: i64,
        collections: &[&str],
        after_seq: i64,
        limit: usize,
    ) -> Result<Vec<(String, Document)>, ReadModelError> {
        let wanted: std::collections::HashSet<String> =
            collections.iter().map(|c| (*c).to_string()).collect();
        self.run(move |c| {
            let mut stmt = c
                .prepare_cached(
                    "SELECT collection, key, doc, seq FROM rm_documents WHERE generation = ?1 AND seq > ?2 \
                     ORDER BY seq",
                )
                .map_err(backend)?;
            let mut rows = stmt
                .query(params![generation, after_seq])
                .map_err(backend)?;
            let mut out = Vec::new();
            while out.len() < limit {
                let Some(r) = rows.next().map_err(backend)? else {
                    break;
                };
                let collection: String = r.get(0).map_err(backend)?;
                if !wanted.contains(&collection) {
                    continue;
                }
                let doc: Option<String> = r.get(2).map_err(backend)?;
                out.push((
                    collection,
                    Document {
                        key: r.get(1).map_err(backend)?,
                        doc: parse(doc)?,
                        seq: r.get(3).map_err(backend)?,
                    },
                ));
            }
            Ok(out)
        })
        .await
    }

    async fn drop_generation(&self, generation: i64) -> Result<(), ReadModelError> {
        self.run(move |c| {
            c.execute(
                "DELETE FROM rm_documents WHERE generation = ?1",
                [generation],
            )
            .map_err(backend)?;
            c.execute(
                "DELETE FROM rm_checkpoints WHERE generation = ?1",
                [generation],
            )
            .map_err(backend)?;
            Ok(())
        })
        .await
    }
}
