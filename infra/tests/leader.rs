//! One active instance of a task among replicas: the first to take the
//! PostgreSQL advisory lock runs it, a second stands by, and takes over
//! within seconds when the holder's connection dies (as with a SIGKILL) or
//! when it stops; another portal's schema has a lock of its own.

use infra::leader;
use infra::shutdown::Shutdown;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};
use test_support::TestPostgres;

/// An instance of the task: how many times it started and whether it runs now.
#[derive(Default)]
struct Instance {
    started: AtomicUsize,
    running: AtomicUsize,
}

fn replica(
    pool: &deadpool_postgres::Pool,
    schema: &str,
    shutdown: &Shutdown,
) -> (Arc<Instance>, tokio::task::JoinHandle<()>) {
    let me = Arc::new(Instance::default());
    let seen = me.clone();
    let handle = leader::spawn(pool, schema, "test_task", shutdown, move |stop| {
        let me = seen.clone();
        async move {
            me.started.fetch_add(1, Ordering::SeqCst);
            me.running.store(1, Ordering::SeqCst);
            stop.wait().await;
            me.running.store(0, Ordering::SeqCst);
        }
    });
    (me, handle)
}

async fn until(what: &str, limit: Duration, check: impl Fn() -> bool) -> Duration {
    let start = Instant::now();
    while !check() {
        assert!(start.elapsed() < limit, "{what}: not within {limit:?}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    start.elapsed()
}

/// Ends the sessions holding the schema's task lock, as PostgreSQL does when the holder dies.
async fn kill_holder(pool: &deadpool_postgres::Pool) -> u64 {
    let client = pool.get().await.unwrap();
    client
        .query(
            "SELECT pg_terminate_backend(l.pid) FROM pg_locks l \
             WHERE l.locktype = 'advisory' AND l.granted AND l.pid <> pg_backend_pid() \
             AND ((l.classid::bigint << 32) | l.objid::bigint) = \
                 hashtextextended('portal.leader.' || current_schema() || '.test_task', 0)",
            &[],
        )
        .await
        .unwrap()
        .len() as u64
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_replica_runs_the_task_and_a_standby_takes_over() {
    let pg = TestPostgres::new();
    let pool = infra::postgres::connect(&pg.settings).await.unwrap();
    let schema = pg.settings.schema.clone();
    let (first_stop, second_stop) = (Shutdown::new(), Shutdown::new());
    let (first, first_task) = replica(&pool, &schema, &first_stop);
    until("the first replica runs", Duration::from_secs(10), || {
        first.running.load(Ordering::SeqCst) == 1
    })
    .await;
    let (second, second_task) = replica(&pool, &schema, &second_stop);
    tokio::time::sleep(leader::RETRY * 3).await;
    assert_eq!(
        second.started.load(Ordering::SeqCst),
        0,
        "a standby ran the task"
    );

    // The holder's session dies: the standby takes over, the old holder notices and stops.
    assert_eq!(kill_holder(&pool).await, 1);
    let took = until("the standby takes over", Duration::from_secs(10), || {
        second.running.load(Ordering::SeqCst) == 1
    })
    .await;
    until("the old holder stops", Duration::from_secs(10), || {
        first.running.load(Ordering::SeqCst) == 0
    })
    .await;
    eprintln!("taken over in {took:?}");
    // The old holder stands by now: it may take the lock back only when it is free.
    tokio::time::sleep(leader::RETRY * 3).await;
    assert_eq!(first.started.load(Ordering::SeqCst), 1);
    assert_eq!(first.running.load(Ordering::SeqCst), 0);

    // A clean stop lets go at once, and the other replica runs the task again.
    second_stop.trigger();
    second_task.await.unwrap();
    until(
        "the first replica runs again",
        Duration::from_secs(10),
        || first.running.load(Ordering::SeqCst) == 1,
    )
    .await;
    assert_eq!(first.started.load(Ordering::SeqCst), 2);

    // Another portal (schema) on the same database has its own lock.
    let other = TestPostgres::new();
    let other_pool = infra::postgres::connect(&other.settings).await.unwrap();
    let other_stop = Shutdown::new();
    let (elsewhere, elsewhere_task) = replica(&other_pool, &other.settings.schema, &other_stop);
    until(
        "another schema's replica runs",
        Duration::from_secs(10),
        || elsewhere.running.load(Ordering::SeqCst) == 1,
    )
    .await;
    assert_eq!(leader::roles()["test_task"], leader::Role::Active);

    for (stop, task) in [(first_stop, first_task), (other_stop, elsewhere_task)] {
        stop.trigger();
        task.await.unwrap();
    }
    assert_eq!(leader::roles()["test_task"], leader::Role::Standby);
}
