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

/// Two command services on one PostgreSQL: each takes a request's account as
/// it last saw it for at most `RECHECK` (ADR 0027), so what is recorded
/// through one instance applies through the other: a token issued there works
/// here at once (a refusal is checked on the latest state), and a logout or a
/// disabled account recorded there ends the token here within `RECHECK`.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn replicas_of_the_command_service_apply_each_others_account_changes() {
    use crate::client::Client;
    use command_service::auth::RECHECK;
    use serde_json::json;
    use test_support::{distributed_env, TestClickHouse, TestNats, TestPostgres};

    let (pg, nats, ch) = (TestPostgres::new(), TestNats::new(), TestClickHouse::new());
    let mut env = distributed_env(&pg, &nats, &ch);
    env.extend([
        ("PORTAL_ADMIN_LOGIN", "admin".to_string()),
        ("PORTAL_ADMIN_PASSWORD", "admin-password-1".to_string()),
    ]);
    let mut instances = Vec::new();
    for _ in 0..2 {
        let mut instance = crate::fleet::Instance::new(Kind::Command, &env);
        instance.start().await;
        instance.ready().await;
        instances.push(instance);
    }
    let (here, there) = (instances[0].base(), instances[1].base());
    let admin = Client::new(&there).login("admin", "admin-password-1").await;
    let created = admin
        .post(
            "/accounts",
            json!({ "login": "analytik", "email": "analytik@example.cz", "display_name": "Analytik",
                "password": "heslo-analytika-1", "roles": [{ "role": "analyst", "scope": { "kind": "global" } }] }),
        )
        .await;
    assert_eq!(created.status, 201, "{:?}", created.body);
    let id = created.body["stream_id"].as_str().unwrap().to_string();
    // 403 (admitted, no auditor) or 401 (the token refused), as `here` answers.
    let status = |client: &Client| {
        let client = client.clone();
        async move {
            client
                .send(reqwest::Method::GET, "/audit/log", None, &[])
                .await
                .status
        }
    };

    // `here` has seen the account; a token issued `there` works here at once.
    let session = Client::new(&here)
        .login("analytik", "heslo-analytika-1")
        .await;
    assert_eq!(status(&session).await, 403);
    let expires = (time::OffsetDateTime::now_utc() + time::Duration::days(1))
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap();
    let issued = session
        .with_base(&there)
        .post(
            &format!("/accounts/{id}/api-tokens"),
            json!({ "name": "import", "expires_at": expires }),
        )
        .await;
    assert_eq!(issued.status, 201, "{:?}", issued.body);
    let integration = Client::new(&here).with_token(issued.body["token"].as_str().unwrap());
    assert_eq!(
        status(&integration).await,
        403,
        "the new token works at once"
    );

    // A logout recorded `there` ends the session `here` within RECHECK.
    let out = session
        .with_base(&there)
        .post("/auth/logout", json!({}))
        .await;
    assert_eq!(out.status, 200, "{:?}", out.body);
    tokio::time::sleep(RECHECK + Duration::from_millis(100)).await;
    assert_eq!(status(&session).await, 401, "the logout applies here too");
    assert_eq!(
        status(&integration).await,
        403,
        "the other token still works"
    );

    // A disabled account: every token ends here within RECHECK.
    let disabled = admin
        .post(&format!("/accounts/{id}/disable"), json!({}))
        .await;
    assert_eq!(disabled.status, 200, "{:?}", disabled.body);
    tokio::time::sleep(RECHECK + Duration::from_millis(100)).await;
    assert_eq!(
        status(&integration).await,
        401,
        "the disabling applies here too"
    );
    for instance in &mut instances {
        instance.stop().await;
    }
}
