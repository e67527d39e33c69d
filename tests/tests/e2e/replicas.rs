//! Every distributed service twice, on one PostgreSQL, NATS and ClickHouse:
//! two command services, two projection services and two query services,
//! each a process of its own. Clients send commands to either command
//! service and read their own writes (`after=`) from either query service
//! while one instance of each kind after another is killed (SIGKILL) at a
//! random moment and started again. At the end every accepted command is in
//! the log exactly once, JetStream holds each event once, the read models and
//! the statistics equal a rebuild, each background task runs on exactly one
//! instance, and no client ever read an answer older than its own writes.

use crate::fleet::{Fleet, Kind};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use std::time::Duration;

/// How long the clients go on after the last instance killed is started again.
const AFTER_THE_KILLS: Duration = Duration::from_secs(2);
const CLIENTS: usize = 4;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn replicas_of_every_service_survive_kills_without_loss_or_duplicates() {
    let mut fleet = Fleet::start(|kind| crate::helpers::binary(kind.name())).await;
    let clients = fleet.clients(CLIENTS).await;

    // One instance of each kind after another is killed at a random moment and
    // started again; the first kill of a kind hits the instance running its tasks.
    let seed: u64 = rand::random();
    eprintln!("replicas: kills seeded with {seed}");
    let mut rng = StdRng::seed_from_u64(seed);
    let mut killed = Vec::new();
    for (round, kind) in [Kind::Command, Kind::Projection, Kind::Query]
        .into_iter()
        .cycle()
        .take(6)
        .enumerate()
    {
        tokio::time::sleep(Duration::from_millis(rng.random_range(1_000..3_000))).await;
        let of_kind = fleet.standby_first(kind).await;
        let victim = if round < 3 {
            of_kind[of_kind.len() - 1]
        } else {
            of_kind[rng.random_range(0..of_kind.len())]
        };
        let instance = &mut fleet.instances[victim];
        instance.kill();
        killed.push((kind, instance.addr.clone()));
        tokio::time::sleep(Duration::from_millis(rng.random_range(200..1_500))).await;
        instance.start().await;
    }
    tokio::time::sleep(AFTER_THE_KILLS).await;
    let seen = clients.finish().await;
    let retried: usize = seen.iter().map(|s| s.retried).sum();
    let reports: usize = seen.iter().map(|s| s.reports.len()).sum();
    let services: usize = seen.iter().map(|s| s.services.len()).sum();
    eprintln!(
        "replicas: {services} services and {reports} reports accepted, {retried} retries, killed {killed:?}"
    );
    assert!(
        reports > 50 && services > CLIENTS,
        "too little load to prove anything"
    );
    assert!(
        retried > 0,
        "no command met a killed instance: nothing proves anything"
    );

    fleet.check(&seen).await;
    let metrics = reqwest::get(format!("{}/metrics", fleet.instances[0].base()))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        metrics.contains("portal_leader{task=\"outbox_relay\"}"),
        "{metrics}"
    );
    fleet.stop().await;
}
