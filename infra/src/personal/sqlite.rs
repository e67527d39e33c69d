//! Personal keys in an embedded SQLite file of their own, with
//! `secure_delete` and a checkpoint after each erasure, so that a destroyed
//! key is overwritten on disk and left in no `-wal`.

use super::{PersonKey, PersonalKeyError, PersonalKeyStore};
use rusqlite::{params, Connection, OptionalExtension};
use std::collections::HashMap;
use std::path::Path;
use std::sync::{Arc, Mutex};
use uuid::Uuid;

/// The personal key store in SQLite.
pub struct SqlitePersonalKeyStore {
    conn: Arc<Mutex<Connection>>,
}

impl SqlitePersonalKeyStore {
    /// Opens (creating when missing) the store in `path`.
    ///
    /// # Errors
    /// When the file cannot be opened or created.
    pub fn open(path: impl AsRef<Path>) -> anyhow::Result<Self> {
        let conn = crate::sqlite::open(path.as_ref(), crate::sqlite::Durability::Full)?;
        conn.pragma_update(None, "secure_delete", "ON")?;
        conn.execute_batch(
            "CREATE TABLE IF NOT EXISTS personal_keys (
                person    BLOB PRIMARY KEY,
                key       BLOB,
                erased_at TEXT)",
        )?;
        Ok(Self {
            conn: Arc::new(Mutex::new(conn)),
        })
    }

    async fn run<T: Send + 'static>(
        &self,
        f: impl FnOnce(&mut Connection) -> rusqlite::Result<T> + Send + 'static,
    ) -> Result<T, PersonalKeyError> {
        let conn = self.conn.clone();
        tokio::task::spawn_blocking(move || f(&mut conn.lock().unwrap_or_else(|p| p.into_inner())))
            .await
            .map_err(|e| PersonalKeyError(e.into()))?
            .map_err(|e| PersonalKeyError(e.into()))
    }
}

#[async_trait::async_trait]
impl PersonalKeyStore for SqlitePersonalKeyStore {
    async fn key_for_writing(&self, person: Uuid) -> Result<Option<PersonKey>, PersonalKeyError> {
        let fresh = PersonKey::generate();
        self.run(move |conn| {
            let id = person.as_bytes().as_slice();
            conn.execute(
                "INSERT OR IGNORE INTO personal_keys (person, key) VALUES (?1, ?2)",
                params![id, fresh.as_bytes()],
            )?;
            let key: Option<Vec<u8>> = conn.query_row(
                "SELECT key FROM personal_keys WHERE person = ?1",
                [id],
                |r| r.get(0),
            )?;
            Ok(key.as_deref().and_then(PersonKey::from_slice))
        })
        .await
    }

    async fn keys(&self, persons: &[Uuid]) -> Result<HashMap<Uuid, PersonKey>, PersonalKeyError> {
        let persons = persons.to_vec();
        self.run(move |conn| {
            let mut stmt = conn.prepare_cached(
                "SELECT key FROM personal_keys WHERE person = ?1 AND key IS NOT NULL",
            )?;
            let mut keys = HashMap::new();
            for p in persons {
                let key: Option<Vec<u8>> = stmt
                    .query_row([p.as_bytes().as_slice()], |r| r.get(0))
                    .optional()?;
                if let Some(k) = key.as_deref().and_then(PersonKey::from_slice) {
                    keys.insert(p, k);
                }
            }
            Ok(keys)
        })
        .await
    }

    async fn erase(&self, person: Uuid) -> Result<bool, PersonalKeyError> {
        self.run(move |conn| {
            let tx = conn.transaction()?;
            let id = person.as_bytes().as_slice();
            let had: bool = tx
                .query_row(
                    "SELECT key IS NOT NULL FROM personal_keys WHERE person = ?1",
                    [id],
                    |r| r.get(0),
                )
                .optional()?
                .unwrap_or(false);
            tx.execute(
                "INSERT INTO personal_keys (person, key, erased_at) VALUES (?1, NULL, datetime('now')) \
                 ON CONFLICT (person) DO UPDATE SET key = NULL, \
                 erased_at = COALESCE(erased_at, datetime('now'))",
                [id],
            )?;
            tx.commit()?;
            crate::sqlite::checkpoint_truncate(conn)?;
            Ok(had)
        })
        .await
    }
}
