//! A rolling upgrade while commands flow: two instances of every service of
//! the previous release (`tests/upgrade-from`, built by `scripts/test`) run
//! on one PostgreSQL, NATS and ClickHouse; clients register services, report
//! vacancies, suspend (announcing when the service resumes) and resume; the
//! instances are replaced one at a time by this build's — the readers first
//! (projection services, the standby before the active one, then the query
//! services), then the command services — as `docs/operations.md` says.
//! This release writes `ServiceSuspended` v2 (with `until`), which the
//! previous one does not read: while old and new command services run side
//! by side, an old one refuses (500, nothing written) a command on a stream
//! holding a v2 event, and the client's retry with the same idempotency key
//! lands on a new one. At the end every accepted command is in the log once
//! (v1 and v2 suspensions both among them), JetStream holds each event once,
//! the read models and the statistics equal a rebuild by the new release,
//! and no client ever read an answer older than its own writes.

use crate::client::Client;
use crate::faults::position;
use crate::fleet::{logged, read_own_write, Fleet, Kind};
use crate::helpers::{binary, previous_release, previous_release_binary};
use serde_json::json;
use std::time::Duration;

const CLIENTS: usize = 3;
/// How long each release runs alone, before the first and after the last replacement.
const ALONE: Duration = Duration::from_secs(3);
/// The pause after each instance is replaced.
const BETWEEN: Duration = Duration::from_secs(1);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rolling_upgrade_to_a_new_event_version_loses_nothing() {
    let mut fleet = Fleet::start(|kind| previous_release_binary(kind.name())).await;
    let clients = fleet.clients(CLIENTS).await;
    tokio::time::sleep(ALONE).await;

    let mut replaced = Vec::new();
    for kind in [Kind::Projection, Kind::Query, Kind::Command] {
        for i in fleet.standby_first(kind).await {
            let instance = &mut fleet.instances[i];
            instance.stop().await;
            instance.binary = binary(kind.name());
            instance.start().await;
            instance.ready().await;
            replaced.push((kind, instance.addr.clone()));
            tokio::time::sleep(BETWEEN).await;
        }
    }
    tokio::time::sleep(ALONE).await;
    let seen = clients.finish().await;

    let store = fleet.store().await;
    let suspensions = logged(&store, "ServiceSuspended").await;
    let by_version = |v: u32| suspensions.iter().filter(|e| e.schema_version == v).count();
    let (v1, v2) = (by_version(1), by_version(2));
    let reports: usize = seen.iter().map(|s| s.reports.len()).sum();
    let retried: usize = seen.iter().map(|s| s.retried).sum();
    eprintln!(
        "upgrade from {}: {reports} reports, {v1} suspensions of v1 and {v2} of v2 accepted, \
         {retried} retries, replaced {replaced:?}",
        previous_release()
    );
    assert_eq!(v1 + v2, suspensions.len(), "no other version was written");
    assert!(
        v1 > 0 && v2 > 0,
        "both releases must have written suspensions: v1 {v1}, v2 {v2}"
    );
    assert!(reports > 30, "too little load to prove anything");
    fleet.check(&seen).await;

    // The new release shows the announced day, in the API and on the service's page.
    let admin = Client::new(&fleet.of(Kind::Command)[0].base())
        .login("admin", "admin-password-1")
        .await;
    let query = fleet.of(Kind::Query)[1].base();
    let id = &seen[0].services[0].0;
    // Resumed first if a client left it suspended (refused otherwise: nothing to resume).
    admin
        .post(&format!("/services/{id}/resume"), json!({}))
        .await;
    let until = time::OffsetDateTime::now_utc().date() + time::Duration::days(20);
    let answer = admin
        .post(
            &format!("/services/{id}/suspend"),
            json!({ "reason": "rekonstrukce", "until": until.to_string() }),
        )
        .await;
    assert_eq!(answer.status, 200, "{:?}", answer.body);
    let http = reqwest::Client::new();
    let read = read_own_write(
        &http,
        std::slice::from_ref(&query),
        id,
        position(&answer.body),
    )
    .await;
    assert_eq!(read["suspended_until"], until.to_string(), "{read}");
    let page = http
        .get(format!("{query}/sluzby/{id}"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let day = format!(
        "Poskytovatel předpokládá obnovení {}. {}. {}.",
        until.day(),
        u8::from(until.month()),
        until.year()
    );
    assert!(page.contains(&day), "{day} is not on the page");
    fleet.stop().await;
}
