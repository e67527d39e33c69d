//! Files in PostgreSQL (distributed mode), in chunks of a MiB in a table
//! (`file_chunks`) rather than as large objects: plain rows are in every
//! `pg_dump` of the schema, replicate like the rest, and are removed by a
//! `DELETE` (large objects need `lo_unlink` and their own dump flags). An
//! upload writes its chunks under an id of its own; the file becomes
//! visible when its `file_blobs` row commits, so a crash leaves only
//! chunks nobody names, removed a day later.

use super::{rechunk, ByteStream, FileStore, Meter, PutError, StoredFile};
use crate::postgres::{migrate, Migration};
use deadpool_postgres::Pool;
use futures_util::StreamExt;
use std::ops::Range;
use uuid::Uuid;

/// Bytes a row holds.
const CHUNK: usize = 1024 * 1024;

const MIGRATIONS: &[Migration] = &[Migration {
    version: 1,
    name: "files",
    sql: "CREATE TABLE file_uploads (
            upload     uuid PRIMARY KEY,
            started_at timestamptz NOT NULL DEFAULT now());
          CREATE TABLE file_chunks (
            upload uuid NOT NULL,
            n      integer NOT NULL,
            bytes  bytea NOT NULL,
            PRIMARY KEY (upload, n));
          CREATE TABLE file_blobs (
            sha256       text PRIMARY KEY,
            size         bigint NOT NULL,
            content_type text NOT NULL,
            upload       uuid NOT NULL,
            stored_at    timestamptz NOT NULL DEFAULT now())",
}];

/// Files in PostgreSQL.
pub struct PostgresFileStore {
    pool: Pool,
}

impl PostgresFileStore {
    /// Applies the migrations on `pool`'s schema and removes what uploads interrupted a day ago left.
    ///
    /// # Errors
    /// When a migration fails.
    pub async fn new(pool: Pool) -> anyhow::Result<Self> {
        migrate(&pool, "files", MIGRATIONS).await?;
        let client = pool.get().await?;
        client
            .batch_execute(
                "DELETE FROM file_chunks c USING file_uploads u \
                 WHERE c.upload = u.upload AND u.started_at < now() - interval '1 day'; \
                 DELETE FROM file_uploads WHERE started_at < now() - interval '1 day'",
            )
            .await?;
        Ok(Self { pool })
    }

    async fn forget_upload(&self, upload: Uuid) {
        if let Ok(client) = self.pool.get().await {
            let _ = client
                .execute("DELETE FROM file_chunks WHERE upload = $1", &[&upload])
                .await;
            let _ = client
                .execute("DELETE FROM file_uploads WHERE upload = $1", &[&upload])
                .await;
        }
    }
}

fn stored(row: &tokio_postgres::Row) -> StoredFile {
    StoredFile {
        sha256: row.get("sha256"),
        size: u64::try_from(row.get::<_, i64>("size")).unwrap_or(0),
        content_type: row.get("content_type"),
    }
}

#[async_trait::async_trait]
impl FileStore for PostgresFileStore {
    async fn put(
        &self,
        body: ByteStream,
        limit: u64,
        content_type: &str,
    ) -> Result<StoredFile, PutError> {
        let upload = Uuid::now_v7();
        let client = self.pool.get().await.map_err(anyhow::Error::from)?;
        client
            .execute("INSERT INTO file_uploads (upload) VALUES ($1)", &[&upload])
            .await
            .map_err(anyhow::Error::from)?;
        let insert = client
            .prepare("INSERT INTO file_chunks (upload, n, bytes) VALUES ($1, $2, $3)")
            .await
            .map_err(anyhow::Error::from)?;
        let mut meter = Meter::new(limit);
        let mut body = rechunk(body, CHUNK);
        let mut n: i32 = 0;
        while let Some(chunk) = body.next().await {
            let step = match chunk {
                Err(e) => Err(PutError::Body(e)),
                Ok(chunk) => match meter.take(&chunk) {
                    Err(e) => Err(e),
                    Ok(()) => client
                        .execute(&insert, &[&upload, &n, &chunk.as_ref()])
                        .await
                        .map(|_| ())
                        .map_err(|e| PutError::Storage(e.into())),
                },
            };
            if let Err(e) = step {
                drop(client);
                self.forget_upload(upload).await;
                return Err(e);
            }
            n += 1;
        }
        let size = i64::try_from(meter.size()).map_err(anyhow::Error::from)?;
        let sha256 = meter.finish();
        let mut client = client;
        let tx = client.transaction().await.map_err(anyhow::Error::from)?;
        let inserted = tx
            .execute(
                "INSERT INTO file_blobs (sha256, size, content_type, upload) VALUES ($1, $2, $3, $4) \
                 ON CONFLICT (sha256) DO NOTHING",
                &[&sha256, &size, &content_type, &upload],
            )
            .await
            .map_err(anyhow::Error::from)?;
        tx.execute("DELETE FROM file_uploads WHERE upload = $1", &[&upload])
            .await
            .map_err(anyhow::Error::from)?;
        if inserted == 0 {
            // The same bytes are stored already: this upload's chunks go.
            tx.execute("DELETE FROM file_chunks WHERE upload = $1", &[&upload])
                .await
                .map_err(anyhow::Error::from)?;
        }
        tx.commit().await.map_err(anyhow::Error::from)?;
        drop(client);
        Ok(self
            .stat(&sha256)
            .await?
            .ok_or_else(|| anyhow::anyhow!("the file {sha256} is not there after storing it"))?)
    }

    async fn stat(&self, sha256: &str) -> anyhow::Result<Option<StoredFile>> {
        let client = self.pool.get().await?;
        let row = client
            .query_opt(
                "SELECT sha256, size, content_type FROM file_blobs WHERE sha256 = $1",
                &[&sha256],
            )
            .await?;
        Ok(row.as_ref().map(stored))
    }

    async fn read(&self, sha256: &str, range: Range<u64>) -> anyhow::Result<Option<ByteStream>> {
        let client = self.pool.get().await?;
        let Some(row) = client
            .query_opt(
                "SELECT upload, size FROM file_blobs WHERE sha256 = $1",
                &[&sha256],
            )
            .await?
        else {
            return Ok(None);
        };
        drop(client);
        let upload: Uuid = row.get(0);
        let size = u64::try_from(row.get::<_, i64>(1)).unwrap_or(0);
        let (start, end) = (range.start.min(size), range.end.min(size));
        let chunk = CHUNK as u64;
        let pool = self.pool.clone();
        // One chunk in memory at a time, fetched when the client takes the one before.
        let stream = futures_util::stream::unfold(start, move |at| {
            let pool = pool.clone();
            async move {
                if at >= end {
                    return None;
                }
                let base = at / chunk * chunk;
                let n = i32::try_from(at / chunk).ok()?;
                let read = async {
                    let client = pool.get().await.map_err(std::io::Error::other)?;
                    let row = client
                        .query_one(
                            "SELECT bytes FROM file_chunks WHERE upload = $1 AND n = $2",
                            &[&upload, &n],
                        )
                        .await
                        .map_err(std::io::Error::other)?;
                    let bytes: Vec<u8> = row.get(0);
                    Ok::<_, std::io::Error>(bytes)
                };
                match read.await {
                    Ok(bytes) => {
                        let from = usize::try_from(at - base).unwrap_or(0).min(bytes.len());
                        let to = usize::try_from(end - base)
                            .unwrap_or(usize::MAX)
                            .min(bytes.len());
                        if to <= from {
                            let short = std::io::Error::other("a chunk of the file is short");
                            return Some((Err(short), end));
                        }
                        let part = bytes::Bytes::from(bytes).slice(from..to);
                        Some((Ok(part), base + to as u64))
                    }
                    Err(e) => Some((Err(e), end)),
                }
            }
        });
        Ok(Some(stream.boxed()))
    }

    async fn list(&self) -> anyhow::Result<Vec<StoredFile>> {
        let client = self.pool.get().await?;
        let rows = client
            .query(
                "SELECT sha256, size, content_type FROM file_blobs ORDER BY sha256",
                &[],
            )
            .await?;
        Ok(rows.iter().map(stored).collect())
    }

    async fn delete(&self, sha256: &str) -> anyhow::Result<bool> {
        let mut client = self.pool.get().await?;
        let tx = client.transaction().await?;
        let row = tx
            .query_opt(
                "DELETE FROM file_blobs WHERE sha256 = $1 RETURNING upload",
                &[&sha256],
            )
            .await?;
        if let Some(row) = &row {
            let upload: Uuid = row.get(0);
            tx.execute("DELETE FROM file_chunks WHERE upload = $1", &[&upload])
                .await?;
        }
        tx.commit().await?;
        Ok(row.is_some())
    }
}
