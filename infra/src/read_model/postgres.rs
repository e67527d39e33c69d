//! Read models in PostgreSQL: `rm_documents` (generation, collection, key,
//! doc, seq), `rm_checkpoints` and `rm_active` (the generation queries read).

use super::{Change, Document, ReadModelError, ReadModelStore};
use crate::event_store::LogPosition;
use crate::postgres::{migrate, Migration};
use deadpool_postgres::Pool;
use serde_json::Value;

const MIGRATIONS: &[Migration] = &[Migration {
    version: 1,
    name: "read_models",
    sql: "CREATE TABLE rm_documents (
            generation bigint NOT NULL,
            collection text   NOT NULL,
            key        text   NOT NULL,
            doc        jsonb,
            seq        bigint NOT NULL,
            PRIMARY KEY (generation, collection, key));
          CREATE INDEX rm_documents_changes ON rm_documents (generation, collection, seq);
          CREATE SEQUENCE rm_seq;
          CREATE TABLE rm_checkpoints (
            generation      bigint NOT NULL,
            projection      text   NOT NULL,
            transaction_id  bigint NOT NULL,
            global_position bigint NOT NULL,
            updated_at      timestamptz NOT NULL DEFAULT now(),
            PRIMARY KEY (generation, projection));
          CREATE TABLE rm_active (only_row boolean PRIMARY KEY DEFAULT true CHECK (only_row), generation bigint NOT NULL);
          INSERT INTO rm_active (generation) VALUES (1);",
}, Migration {
    version: 2,
    name: "read_models_feed",
    sql: "CREATE INDEX rm_documents_feed ON rm_documents (generation, seq);",
}];

/// The read-model store on PostgreSQL.
pub struct PostgresReadModelStore {
    pool: Pool,
}

impl PostgresReadModelStore {
    /// Applies the migrations on `pool`'s schema.
    ///
    /// # Errors
    /// When a migration fails.
    pub async fn new(pool: Pool) -> anyhow::Result<Self> {
        migrate(&pool, "read_models", MIGRATIONS).await?;
        Ok(Self { pool })
    }

    async fn client(&self) -> Result<deadpool_postgres::Object, ReadModelError> {
        self.pool
            .get()
            .await
            .map_err(|e| ReadModelError::Backend(e.into()))
    }
}

fn backend(e: tokio_postgres::Error) -> ReadModelError {
    ReadModelError::Backend(e.into())
}

#[async_trait::async_trait]
impl ReadModelStore for PostgresReadModelStore {
    async fn active_generation(&self) -> Result<i64, ReadModelError> {
        let client = self.client().await?;
        let row = client
            .query_one("SELECT generation FROM rm_active", &[])
            .await
            .map_err(backend)?;
        Ok(row.get(0))
    }

    async fn activate(&self, generation: i64) -> Result<(), ReadModelError> {
        let client = self.client().await?;
        client
            .execute("UPDATE rm_active SET generation = $1", &[&generation])
            .await
            .map_err(backend)?;
        Ok(())
    }

    async fn checkpoint(
        &self,
        generation: i64,
        projection: &str,
    ) -> Result<Option<LogPosition>, ReadModelError> {
        let client = self.client().await?;
        let row = client
            .query_opt(
                "SELECT transaction_id, global_position FROM rm_checkpoints WHERE generation = $1 AND projection = $2",
                &[&generation, &projection],
            )
            .await
            .map_err(backend)?;
        Ok(row.map(|r| LogPosition {
            transaction_id: r.get::<_, i64>(0) as u64,
            global_position: r.get::<_, i64>(1) as u64,
        }))
    }

    async fn get(
        &self,
        generation: i64,
        collection: &str,
        key: &str,
    ) -> Result<Option<Value>, ReadModelError> {
        let client = self.client().await?;
        let row = client
            .query_opt(
                "SELECT doc FROM rm_documents WHERE generation = $1 AND collection = $2 AND key = $3",
                &[&generation, &collection, &key],
            )
            .await
            .map_err(backend)?;
        Ok(row.and_then(|r| r.get::<_, Option<Value>>(0)))
    }

    async fn get_many(
        &self,
        generation: i64,
        collection: &str,
        keys: &[String],
    ) -> Result<Vec<Option<Value>>, ReadModelError> {
        if keys.is_empty() {
            return Ok(Vec::new());
        }
        let client = self.client().await?;
        let rows = client
            .query(
                "SELECT key, doc FROM rm_documents WHERE generation = $1 AND collection = $2 AND key = ANY($3)",
                &[&generation, &collection, &keys],
            )
            .await
            .map_err(backend)?;
        let mut found: std::collections::HashMap<String, Option<Value>> =
            rows.into_iter().map(|r| (r.get(0), r.get(1))).collect();
        Ok(keys.iter().map(|k| found.remove(k).flatten()).collect())
    }

    async fn commit(
        &self,
        generation: i64,
        projection: &str,
        changes: Vec<Change>,
        from: Option<LogPosition>,
        position: LogPosition,
    ) -> Result<(), ReadModelError> {
        let mut client = self.client().await?;
        let tx = client.transaction().await.map_err(backend)?;
        let (t, p) = (
            position.transaction_id as i64,
            position.global_position as i64,
        );
        // Move the checkpoint (locking its row) from where the batch was built, forward only.
        let moved = match from {
            None => tx
                .execute(
                    "INSERT INTO rm_checkpoints (generation, projection, transaction_id, global_position) \
                     VALUES ($1, $2, $3, $4) ON CONFLICT (generation, projection) DO NOTHING",
                    &[&generation, &projection, &t, &p],
                )
                .await
                .map_err(backend)?,
            Some(from) if from < position => tx
                .execute(
                    "UPDATE rm_checkpoints SET transaction_id = $3, global_position = $4, updated_at = now() \
                     WHERE generation = $1 AND projection = $2 AND transaction_id = $5 AND global_position = $6",
                    &[
                        &generation,
                        &projection,
                        &t,
                        &p,
                        &(from.transaction_id as i64),
                        &(from.global_position as i64),
                    ],
                )
                .await
                .map_err(backend)?,
            Some(_) => 0,
        };
        if moved == 0 {
            return Err(ReadModelError::CheckpointMoved {
                projection: projection.to_string(),
                from,
                position,
            });
        }
        // Every changed document in one statement, one round trip however
        // many there are; a document changed twice is written as it was last.
        let mut seen = std::collections::HashSet::new();
        let mut last: Vec<&Change> = changes
            .iter()
            .rev()
            .filter(|c| seen.insert((c.collection.as_str(), c.key.as_str())))
            .collect();
        last.reverse();
        if !last.is_empty() {
            let collections: Vec<&str> = last.iter().map(|c| c.collection.as_str()).collect();
            let keys: Vec<&str> = last.iter().map(|c| c.key.as_str()).collect();
            let docs: Vec<Option<&Value>> = last.iter().map(|c| c.doc.as_ref()).collect();
            let statement = tx
                .prepare_cached(
                    "INSERT INTO rm_documents (generation, collection, key, doc, seq) \
                     SELECT $1, c, k, d, nextval('rm_seq') \
                     FROM unnest($2::text[], $3::text[], $4::jsonb[]) AS u(c, k, d) \
                     ON CONFLICT (generation, collection, key) DO UPDATE SET doc = excluded.doc, seq = excluded.seq",
                )
                .await
                .map_err(backend)?;
            tx.execute(&statement, &[&generation, &collections, &keys, &docs])
                .await
                .map_err(backend)?;
        }
        tx.commit().await.map_err(backend)
    }

    async fn changed_since(
        &self,
        generation: i64,
        collection: &str,
        after_seq: i64,
        limit: usize,
    ) -> Result<Vec<Document>, ReadModelError> {
        let client = self.client().await?;
        let rows = client
            .query(
                "SELECT key, doc, seq FROM rm_documents WHERE generation = $1 AND collection = $2 AND seq > $3 \
                 ORDER BY seq LIMIT $4",
                &[&generation, &collection, &after_seq, &(limit as i64)],
            )
            .await
            .map_err(backend)?;
        Ok(rows
            .iter()
            .map(|r| Document {
                key: r.get(0),
                doc: r.get(1),
                seq: r.get(2),
            })
            .collect())
    }

    async fn changes_since(
        &self,
        generation: i64,
        collections: &[&str],
        after_seq: i64,
        limit: usize,
    ) -> Result<Vec<(String, Document)>, ReadModelError> {
        let client = self.client().await?;
        let statement = client
            .prepare_cached(
                "SELECT collection, key, doc, seq FROM rm_documents \
                 WHERE generation = $1 AND seq > $2 AND collection = ANY($3) ORDER BY seq LIMIT $4",
            )
            .await
            .map_err(backend)?;
        let rows = client
            .query(
                &statement,
                &[&generation, &after_seq, &collections, &(limit as i64)],
            )
            .await
            .map_err(backend)?;
        Ok(rows
            .iter()
            .map(|r| {
                (
                    r.get(0),
                    Document {
                        key: r.get(1),
                        doc: r.get(2),
                        seq: r.get(3),
                    },
                )
            })
            .collect())
    }

    async fn drop_generation(&self, generation: i64) -> Result<(), ReadModelError> {
        let client = self.client().await?;
        client
            .execute(
                "DELETE FROM rm_documents WHERE generation = $1",
                &[&generation],
            )
            .await
            .map_err(backend)?;
        client
            .execute(
                "DELETE FROM rm_checkpoints WHERE generation = $1",
                &[&generation],
            )
            .await
            .map_err(backend)?;
        Ok(())
    }
}
