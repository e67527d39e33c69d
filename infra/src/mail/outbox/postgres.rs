//! The outbox of messages in PostgreSQL, beside the event log.

use super::{Counts, Failure, MailOutbox, Queued, Settled};
use crate::postgres::{migrate, Migration};
use deadpool_postgres::Pool;
use events::LogPosition;
use std::time::Duration;
use time::OffsetDateTime;
use uuid::Uuid;

const MIGRATIONS: &[Migration] = &[Migration {
    version: 1,
    name: "mail_outbox",
    sql: "CREATE TABLE mail_outbox (
        notification_id uuid PRIMARY KEY,
        decision        jsonb NOT NULL,
        decided_at      timestamptz NOT NULL,
        state           text NOT NULL DEFAULT 'pending',
        attempts        integer NOT NULL DEFAULT 0,
        next_attempt_at timestamptz NOT NULL,
        claimed_until   timestamptz,
        last_error      text,
        settled_at      timestamptz);
    CREATE INDEX mail_outbox_due ON mail_outbox (next_attempt_at) WHERE state = 'pending';
    CREATE TABLE mail_outbox_checkpoint (
        id              integer PRIMARY KEY CHECK (id = 1),
        transaction_id  bigint NOT NULL,
        global_position bigint NOT NULL);",
}];

/// The outbox on PostgreSQL.
pub struct PostgresMailOutbox {
    pool: Pool,
}

impl PostgresMailOutbox {
    /// Applies the migrations on `pool`'s schema.
    ///
    /// # Errors
    /// When a migration fails.
    pub async fn new(pool: Pool) -> anyhow::Result<Self> {
        migrate(&pool, "mail_outbox", MIGRATIONS).await?;
        Ok(Self { pool })
    }
}

#[async_trait::async_trait]
impl MailOutbox for PostgresMailOutbox {
    async fn checkpoint(&self) -> anyhow::Result<LogPosition> {
        let client = self.pool.get().await?;
        let row = client
            .query_opt(
                "SELECT transaction_id, global_position FROM mail_outbox_checkpoint WHERE id = 1",
                &[],
            )
            .await?;
        Ok(row.map_or(LogPosition::START, |r| LogPosition {
            transaction_id: r.get::<_, i64>(0) as u64,
            global_position: r.get::<_, i64>(1) as u64,
        }))
    }

    async fn enqueue(
        &self,
        decided: Vec<(Uuid, serde_json::Value, OffsetDateTime)>,
        settled: Vec<(Uuid, Settled)>,
        checkpoint: LogPosition,
    ) -> anyhow::Result<()> {
        let mut client = self.pool.get().await?;
        let tx = client.transaction().await?;
        let insert = tx
            .prepare(
                "INSERT INTO mail_outbox (notification_id, decision, decided_at, next_attempt_at) \
                 VALUES ($1, $2, $3, $3) ON CONFLICT (notification_id) DO NOTHING",
            )
            .await?;
        for (id, decision, at) in &decided {
            tx.execute(&insert, &[id, decision, at]).await?;
        }
        for (id, how) in &settled {
            tx.execute(
                "UPDATE mail_outbox SET state = $2, settled_at = now(), claimed_until = NULL \
                 WHERE notification_id = $1 AND state = 'pending'",
                &[id, &how.code()],
            )
            .await?;
        }
        tx.execute(
            "INSERT INTO mail_outbox_checkpoint (id, transaction_id, global_position) VALUES (1, $1, $2) \
             ON CONFLICT (id) DO UPDATE SET transaction_id = $1, global_position = $2",
            &[
                &(checkpoint.transaction_id as i64),
                &(checkpoint.global_position as i64),
            ],
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    async fn claim(
        &self,
        now: OffsetDateTime,
        lease: Duration,
        limit: usize,
    ) -> anyhow::Result<Vec<Queued>> {
        let client = self.pool.get().await?;
        let until = now + lease;
        let rows = client
            .query(
                "UPDATE mail_outbox SET claimed_until = $2 WHERE notification_id IN ( \
                   SELECT notification_id FROM mail_outbox \
                   WHERE state = 'pending' AND next_attempt_at <= $1 \
                     AND (claimed_until IS NULL OR claimed_until <= $1) \
                   ORDER BY next_attempt_at, notification_id LIMIT $3 FOR UPDATE SKIP LOCKED) \
                 RETURNING notification_id, decision, attempts, decided_at",
                &[&now, &until, &(limit as i64)],
            )
            .await?;
        let mut queued: Vec<Queued> = rows
            .iter()
            .map(|r| Queued {
                notification_id: r.get(0),
                decision: r.get(1),
                attempts: r.get::<_, i32>(2) as u32,
                decided_at: r.get(3),
            })
            .collect();
        queued.sort_by_key(|q| (q.decided_at, q.notification_id));
        Ok(queued)
    }

    async fn settle(
        &self,
        id: Uuid,
        how: Settled,
        attempts: u32,
        error: Option<String>,
        now: OffsetDateTime,
    ) -> anyhow::Result<()> {
        let client = self.pool.get().await?;
        client
            .execute(
                "UPDATE mail_outbox SET state = $2, attempts = $3, last_error = $4, settled_at = $5, \
                 claimed_until = NULL WHERE notification_id = $1",
                &[&id, &how.code(), &(attempts as i32), &error, &now],
            )
            .await?;
        Ok(())
    }

    async fn retry(
        &self,
        id: Uuid,
        attempts: u32,
        error: String,
        retry_at: OffsetDateTime,
    ) -> anyhow::Result<()> {
        let client = self.pool.get().await?;
        client
            .execute(
                "UPDATE mail_outbox SET attempts = $2, last_error = $3, next_attempt_at = $4, \
                 claimed_until = NULL WHERE notification_id = $1 AND state = 'pending'",
                &[&id, &(attempts as i32), &error, &retry_at],
            )
            .await?;
        Ok(())
    }

    async fn failures(&self, limit: usize) -> anyhow::Result<Vec<Failure>> {
        let client = self.pool.get().await?;
        let rows = client
            .query(
                "SELECT notification_id, decision, attempts, coalesce(last_error, ''), settled_at \
                 FROM mail_outbox WHERE state = 'failed' ORDER BY settled_at DESC LIMIT $1",
                &[&(limit as i64)],
            )
            .await?;
        Ok(rows
            .iter()
            .map(|r| Failure {
                notification_id: r.get(0),
                decision: r.get(1),
                attempts: r.get::<_, i32>(2) as u32,
                error: r.get(3),
                at: r.get(4),
            })
            .collect())
    }

    async fn counts(&self) -> anyhow::Result<Counts> {
        let client = self.pool.get().await?;
        let mut counts = Counts::default();
        for r in client
            .query(
                "SELECT state, count(*) FROM mail_outbox GROUP BY state",
                &[],
            )
            .await?
        {
            let n = r.get::<_, i64>(1) as u64;
            match r.get::<_, &str>(0) {
                "pending" => counts.pending = n,
                "sent" => counts.sent = n,
                "failed" => counts.failed = n,
                _ => counts.suppressed += n,
            }
        }
        Ok(counts)
    }

    async fn for_recipient(&self, to: &str, field: &str, id: &str) -> anyhow::Result<Vec<Uuid>> {
        let client = self.pool.get().await?;
        let rows = client
            .query(
                "SELECT notification_id FROM mail_outbox \
                 WHERE decision->'recipient'->>'to' = $1 \
                   AND decision->'recipient'->>$2 = $3",
                &[&to, &field, &id],
            )
            .await?;
        Ok(rows.iter().map(|r| r.get(0)).collect())
    }
}
