//! One active instance of a background task among replicas (the hot/cold
//! pattern of Marten's async daemon): the outbox relay, each projection, the
//! statistics and the notifications run where their PostgreSQL advisory lock
//! is held, on a connection kept for it alone; the other instances stand by
//! and try the lock every [`RETRY`]. A holder that dies (SIGKILL, a crash, a
//! lost connection) leaves the lock to PostgreSQL, which frees it with the
//! session, and a standby takes over within seconds. Its role is shown in
//! `/ready` (`roles`) and by `portal_leader{task}`.
//!
//! The lock is not the only guard: the work itself stays safe when two
//! instances overlap for a moment (a read-model batch commits only onto the
//! checkpoint it was built on; JetStream drops a message id it has seen).

use crate::shutdown::Shutdown;
use deadpool_postgres::Pool;
use prometheus::{IntCounterVec, IntGaugeVec};
use std::collections::BTreeMap;
use std::future::Future;
use std::sync::{LazyLock, Mutex};
use std::time::Duration;

/// How often a standby tries the lock, and a holder checks its connection.
pub const RETRY: Duration = Duration::from_secs(1);
/// How long a holder's connection check may take before the lease counts as lost.
const CHECK_TIMEOUT: Duration = Duration::from_secs(3);

/// How long an instance that lost the lock waits before trying it again:
/// longer than a standby's [`RETRY`], so a standby takes over.
const LOST_BACKOFF: Duration = Duration::from_secs(3);

static LEADER: LazyLock<IntGaugeVec> = LazyLock::new(|| {
    crate::metrics::gauge_vec(
        "portal_leader",
        "Whether this instance runs the task (1) or stands by (0)",
        &["task"],
    )
});

static TAKEOVERS: LazyLock<IntCounterVec> = LazyLock::new(|| {
    crate::metrics::counter_vec(
        "portal_leader_acquired_total",
        "Times this instance took the task's lock",
        &["task"],
    )
});

static ROLES: Mutex<BTreeMap<&'static str, Role>> = Mutex::new(BTreeMap::new());

/// What this instance does with a task.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    /// It holds the lock and runs the task.
    Active,
    /// Another instance runs it (or none can be reached yet).
    Standby,
}

impl Role {
    /// As `/ready` shows it.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Active => "active",
            Role::Standby => "standby",
        }
    }
}

fn forget(task: &'static str) {
    let _ = LEADER.remove_label_values(&[task]);
    ROLES
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
        .remove(task);
}

fn set_role(task: &'static str, role: Role) {
    LEADER
        .with_label_values(&[task])
        .set(i64::from(role == Role::Active));
    ROLES
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
        .insert(task, role);
}

/// The role of every task this process runs under a lock, by task name.
pub fn roles() -> BTreeMap<&'static str, Role> {
    ROLES
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
        .clone()
}

/// The held lock: a pooled connection taken out of the pool for good, so
/// that it closes (and frees the lock) when the lease is dropped.
struct Lease {
    client: deadpool_postgres::ClientWrapper,
}

impl Lease {
    /// Resolves when the connection holding the lock is gone or stops answering.
    async fn lost(&self) {
        loop {
            tokio::time::sleep(RETRY).await;
            if self.client.is_closed() {
                return;
            }
            let answered =
                tokio::time::timeout(CHECK_TIMEOUT, self.client.simple_query("SELECT 1"))
                    .await
                    .is_ok_and(|r| r.is_ok());
            if !answered {
                return;
            }
        }
    }
}

/// Tries the lock of `task` once (named by the schema and the task, so that
/// portals sharing a database keep apart).
async fn try_lock(pool: &Pool, schema: &str, task: &str) -> anyhow::Result<Option<Lease>> {
    let client = pool.get().await?;
    let row = client
        .query_one(
            "SELECT pg_try_advisory_lock(hashtextextended('portal.leader.' || $1 || '.' || $2, 0))",
            &[&schema, &task],
        )
        .await?;
    // Refused, the connection holds no lock and goes back to the pool; taken,
    // it leaves the pool for good, so that no one else ever uses its session.
    Ok(row.get::<_, bool>(0).then(|| Lease {
        client: deadpool_postgres::Object::take(client),
    }))
}

/// Runs `work` whenever this instance holds the lock of `task`, until
/// `shutdown`. `work` gets a signal that fires on shutdown or when the lock
/// is lost; it should then finish what it is doing and return. When it
/// returns by itself, the task is not run here at all: the lock is let go,
/// the task's role forgotten, and `lead` returns.
pub async fn lead<W, F>(
    pool: Pool,
    schema: String,
    task: &'static str,
    shutdown: Shutdown,
    mut work: W,
) where
    W: FnMut(Shutdown) -> F,
    F: Future<Output = ()>,
{
    set_role(task, Role::Standby);
    TAKEOVERS.with_label_values(&[task]).inc_by(0);
    while !shutdown.is_triggered() {
        let lease = match try_lock(&pool, &schema, task).await {
            Ok(Some(lease)) => lease,
            Ok(None) => {
                tokio::select! {
                    () = tokio::time::sleep(RETRY) => continue,
                    () = shutdown.wait() => return,
                }
            }
            Err(e) => {
                tracing::warn!(task, error = %format!("{e:#}"), "cannot try the task's lock");
                tokio::select! {
                    () = tokio::time::sleep(RETRY) => continue,
                    () = shutdown.wait() => return,
                }
            }
        };
        tracing::info!(task, "this instance now runs the task");
        TAKEOVERS.with_label_values(&[task]).inc();
        set_role(task, Role::Active);
        let stop = Shutdown::new();
        let running = work(stop.clone());
        tokio::pin!(running);
        let over = tokio::select! {
            () = &mut running => {
                // Not run here at all (e.g. switched off by a setting): no role to show.
                forget(task);
                drop(lease);
                return;
            }
            () = lease.lost() => {
                tracing::warn!(task, "lost the task's lock; standing by");
                stop.trigger();
                running.await;
                false
            }
            () = shutdown.wait() => {
                stop.trigger();
                running.await;
                true
            }
        };
        set_role(task, Role::Standby);
        // Dropping the lease closes its connection: PostgreSQL frees the lock.
        drop(lease);
        if over {
            return;
        }
        // Lost, not given up: the lock is already free (its session ended),
        // and the standbys, trying every RETRY, take it while this instance
        // waits longer than that; trying again at once would race them and
        // often win, keeping the task where the connection just failed.
        tokio::select! {
            () = tokio::time::sleep(LOST_BACKOFF) => {}
            () = shutdown.wait() => return,
        }
    }
}

/// [`lead`] as a task of its own.
pub fn spawn<W, F>(
    pool: &Pool,
    schema: &str,
    task: &'static str,
    shutdown: &Shutdown,
    work: W,
) -> tokio::task::JoinHandle<()>
where
    W: FnMut(Shutdown) -> F + Send + 'static,
    F: Future<Output = ()> + Send + 'static,
{
    tokio::spawn(lead(
        pool.clone(),
        schema.to_string(),
        task,
        shutdown.clone(),
        work,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roles_are_shown_and_counted() {
        set_role("unit_test_task", Role::Active);
        assert_eq!(roles()["unit_test_task"], Role::Active);
        assert_eq!(LEADER.with_label_values(&["unit_test_task"]).get(), 1);
        set_role("unit_test_task", Role::Standby);
        assert_eq!(roles()["unit_test_task"].as_str(), "standby");
        assert_eq!(LEADER.with_label_values(&["unit_test_task"]).get(), 0);
    }
}
