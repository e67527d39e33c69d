//! The outbox of messages in an embedded SQLite file of its own.

use super::{from_micros, micros, Counts, Failure, MailOutbox, Queued, Settled};
use events::LogPosition;
use rusqlite::{params, Connection, OptionalExtension};
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use time::OffsetDateTime;
use uuid::Uuid;

/// The outbox in SQLite.
pub struct SqliteMailOutbox {
    conn: Arc<Mutex<Connection>>,
}

impl SqliteMailOutbox {
    /// Opens (creating when missing) the outbox in `path`.
    ///
    /// # Errors
    /// When the file cannot be opened or created.
    pub fn open(path: impl AsRef<Path>) -> anyhow::Result<Self> {
        let conn = crate::sqlite::open(path.as_ref(), crate::sqlite::Durability::Full)?;
        conn.execute_batch(
            "CREATE TABLE IF NOT EXISTS mail_outbox (
                notification_id BLOB PRIMARY KEY,
                decision        TEXT NOT NULL,
                decided_at      INTEGER NOT NULL,
                state           TEXT NOT NULL DEFAULT 'pending',
                attempts        INTEGER NOT NULL DEFAULT 0,
                next_attempt_at INTEGER NOT NULL,
                claimed_until   INTEGER,
                last_error      TEXT,
                settled_at      INTEGER);
            CREATE INDEX IF NOT EXISTS mail_outbox_due ON mail_outbox (next_attempt_at) WHERE state = 'pending';
            CREATE TABLE IF NOT EXISTS mail_outbox_checkpoint (
                id              INTEGER PRIMARY KEY CHECK (id = 1),
                transaction_id  INTEGER NOT NULL,
                global_position INTEGER NOT NULL);",
        )?;
        Ok(Self {
            conn: Arc::new(Mutex::new(conn)),
        })
    }

    async fn run<T: Send + 'static>(
        &self,
        f: impl FnOnce(&mut Connection) -> rusqlite::Result<T> + Send + 'static,
    ) -> anyhow::Result<T> {
        let conn = self.conn.clone();
        Ok(tokio::task::spawn_blocking(move || {
            f(&mut conn.lock().unwrap_or_else(|p| p.into_inner()))
        })
        .await??)
    }
}

fn uuid(r: &rusqlite::Row<'_>, i: usize) -> rusqlite::Result<Uuid> {
    let bytes: Vec<u8> = r.get(i)?;
    Ok(Uuid::from_slice(&bytes).unwrap_or_default())
}

fn json(r: &rusqlite::Row<'_>, i: usize) -> rusqlite::Result<serde_json::Value> {
    let text: String = r.get(i)?;
    Ok(serde_json::from_str(&text).unwrap_or_default())
}

#[async_trait::async_trait]
impl MailOutbox for SqliteMailOutbox {
    async fn checkpoint(&self) -> anyhow::Result<LogPosition> {
        self.run(|c| {
            c.query_row(
                "SELECT transaction_id, global_position FROM mail_outbox_checkpoint WHERE id = 1",
                [],
                |r| {
                    Ok(LogPosition {
                        transaction_id: r.get::<_, i64>(0)? as u64,
                        global_position: r.get::<_, i64>(1)? as u64,
                    })
                },
            )
            .optional()
            .map(|p| p.unwrap_or(LogPosition::START))
        })
        .await
    }

    async fn enqueue(
        &self,
        decided: Vec<(Uuid, serde_json::Value, OffsetDateTime)>,
        settled: Vec<(Uuid, Settled)>,
        checkpoint: LogPosition,
    ) -> anyhow::Result<()> {
        let now = micros(OffsetDateTime::now_utc());
        self.run(move |c| {
            let tx = c.transaction()?;
            for (id, decision, at) in &decided {
                tx.execute(
                    "INSERT INTO mail_outbox (notification_id, decision, decided_at, next_attempt_at) \
                     VALUES (?1, ?2, ?3, ?3) ON CONFLICT (notification_id) DO NOTHING",
                    params![id.as_bytes().as_slice(), decision.to_string(), micros(*at)],
                )?;
            }
            for (id, how) in &settled {
                tx.execute(
                    "UPDATE mail_outbox SET state = ?2, settled_at = ?3, claimed_until = NULL \
                     WHERE notification_id = ?1 AND state = 'pending'",
                    params![id.as_bytes().as_slice(), how.code(), now],
                )?;
            }
            tx.execute(
                "INSERT INTO mail_outbox_checkpoint (id, transaction_id, global_position) VALUES (1, ?1, ?2) \
                 ON CONFLICT (id) DO UPDATE SET transaction_id = ?1, global_position = ?2",
                params![
                    checkpoint.transaction_id as i64,
                    checkpoint.global_position as i64
                ],
            )?;
            tx.commit()
        })
        .await
    }

    async fn claim(
        &self,
        now: OffsetDateTime,
        lease: Duration,
        limit: usize,
    ) -> anyhow::Result<Vec<Queued>> {
        let (now, until) = (micros(now), micros(now + lease));
        self.run(move |c| {
            let tx = c.transaction()?;
            let queued = {
                let mut stmt = tx.prepare(
                    "SELECT notification_id, decision, attempts, decided_at FROM mail_outbox \
                     WHERE state = 'pending' AND next_attempt_at <= ?1 \
                       AND (claimed_until IS NULL OR claimed_until <= ?1) \
                     ORDER BY next_attempt_at, notification_id LIMIT ?2",
                )?;
                let rows = stmt.query_map(params![now, limit as i64], |r| {
                    Ok(Queued {
                        notification_id: uuid(r, 0)?,
                        decision: json(r, 1)?,
                        attempts: r.get::<_, i64>(2)? as u32,
                        decided_at: from_micros(r.get(3)?),
                    })
                })?;
                rows.collect::<rusqlite::Result<Vec<_>>>()?
            };
            for q in &queued {
                tx.execute(
                    "UPDATE mail_outbox SET claimed_until = ?2 WHERE notification_id = ?1",
                    params![q.notification_id.as_bytes().as_slice(), until],
                )?;
            }
            tx.commit()?;
            Ok(queued)
        })
        .await
    }

    async fn settle(
        &self,
        id: Uuid,
        how: Settled,
        attempts: u32,
        error: Option<String>,
        now: OffsetDateTime,
    ) -> anyhow::Result<()> {
        self.run(move |c| {
            c.execute(
                "UPDATE mail_outbox SET state = ?2, attempts = ?3, last_error = ?4, settled_at = ?5, \
                 claimed_until = NULL WHERE notification_id = ?1",
                params![
                    id.as_bytes().as_slice(),
                    how.code(),
                    attempts,
                    error,
                    micros(now)
                ],
            )
            .map(drop)
        })
        .await
    }

    async fn retry(
        &self,
        id: Uuid,
        attempts: u32,
        error: String,
        retry_at: OffsetDateTime,
    ) -> anyhow::Result<()> {
        self.run(move |c| {
            c.execute(
                "UPDATE mail_outbox SET attempts = ?2, last_error = ?3, next_attempt_at = ?4, \
                 claimed_until = NULL WHERE notification_id = ?1 AND state = 'pending'",
                params![id.as_bytes().as_slice(), attempts, error, micros(retry_at)],
            )
            .map(drop)
        })
        .await
    }

    async fn failures(&self, limit: usize) -> anyhow::Result<Vec<Failure>> {
        self.run(move |c| {
            let mut stmt = c.prepare(
                "SELECT notification_id, decision, attempts, coalesce(last_error, ''), settled_at \
                 FROM mail_outbox WHERE state = 'failed' ORDER BY settled_at DESC LIMIT ?1",
            )?;
            let rows = stmt.query_map([limit as i64], |r| {
                Ok(Failure {
                    notification_id: uuid(r, 0)?,
                    decision: json(r, 1)?,
                    attempts: r.get::<_, i64>(2)? as u32,
                    error: r.get(3)?,
                    at: from_micros(r.get(4)?),
                })
            })?;
            rows.collect()
        })
        .await
    }

    async fn counts(&self) -> anyhow::Result<Counts> {
        self.run(|c| {
            let mut counts = Counts::default();
            let mut stmt = c.prepare("SELECT state, count(*) FROM mail_outbox GROUP BY state")?;
            let mut rows = stmt.query([])?;
            while let Some(r) = rows.next()? {
                let n = r.get::<_, i64>(1)? as u64;
                match r.get::<_, String>(0)?.as_str() {
                    "pending" => counts.pending = n,
                    "sent" => counts.sent = n,
                    "failed" => counts.failed = n,
                    _ => counts.suppressed += n,
                }
            }
            Ok(counts)
        })
        .await
    }

    async fn for_recipient(&self, to: &str, field: &str, id: &str) -> anyhow::Result<Vec<Uuid>> {
        let (to, path, id) = (
            to.to_string(),
            format!("$.recipient.{field}"),
            id.to_string(),
        );
        self.run(move |c| {
            let mut stmt = c.prepare(
                "SELECT notification_id FROM mail_outbox \
                 WHERE json_extract(decision, '$.recipient.to') = ?1 \
                   AND json_extract(decision, ?2) = ?3",
            )?;
            let rows = stmt.query_map([to, path, id], |r| uuid(r, 0))?;
            rows.collect()
        })
        .await
    }
}
