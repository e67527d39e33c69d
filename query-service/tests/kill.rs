//! The query service killed (SIGKILL) at a random point of a stream of
//! commands and started again: it builds its index afresh from the read
//! models and answers as if nothing had happened — each service's latest
//! free places, the search's total — and reports ready.

use rand::Rng;
use serde_json::{json, Value};
use std::time::{Duration, Instant};
use test_support::{distributed_env, ServiceProcess, TestClickHouse, TestNats, TestPostgres};

const SERVICES: usize = 6;
const REPORTS: usize = 120;

async fn post(http: &reqwest::Client, url: String, token: &str, body: Value) -> Value {
    let r = http
        .post(url)
        .bearer_auth(token)
        .json(&body)
        .send()
        .await
        .unwrap();
    assert!(r.status().is_success(), "{}", r.status());
    r.json().await.unwrap()
}

async fn get(http: &reqwest::Client, url: String) -> (u16, Value) {
    let r = http.get(url).send().await.unwrap();
    (r.status().as_u16(), r.json().await.unwrap_or(Value::Null))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_killed_query_service_answers_the_same_when_started_again() {
    let (pg, nats, ch) = (TestPostgres::new(), TestNats::new(), TestClickHouse::new());
    let mut env = distributed_env(&pg, &nats, &ch);
    env.push(("QUERY_SERVICE_ADDR", "127.0.0.1:0".into()));
    let bin = env!("CARGO_BIN_EXE_query-service");
    // The command and projection services in this process; the query service a process of its own.
    let commands = command_service::Application::build(command_service::Settings::for_tests(
        pg.settings.clone(),
        nats.settings.clone(),
        test_support::TEST_JWT_SECRET.as_bytes(),
    ))
    .await
    .unwrap();
    let projection =
        projection_service::Application::build(projection_service::Settings::for_tests(
            pg.settings.clone(),
            nats.settings.clone(),
            ch.settings.clone(),
        ))
        .await
        .unwrap();
    let base = format!("http://{}/api/v1", commands.addr());
    let stops = [commands.shutdown_handle(), projection.shutdown_handle()];
    let running = [
        tokio::spawn(commands.run_until_stopped()),
        tokio::spawn(projection.run_until_stopped()),
    ];
    let first = ServiceProcess::spawn(bin, &env);
    let http = reqwest::Client::new();
    let login = http
        .post(format!("{base}/auth/login"))
        .json(&json!({ "login": "admin", "password": "admin-password-1" }))
        .send()
        .await
        .unwrap()
        .json::<Value>()
        .await
        .unwrap();
    let token = login["token"].as_str().unwrap().to_string();
    let provider = json!({ "ico": "00064581", "name": "Oblastní charita Děčín", "address": { "city": "Děčín", "postcode": "40502" } });
    post(&http, format!("{base}/providers"), &token, provider).await;
    let mut ids = Vec::new();
    for s in 0..SERVICES {
        let service = json!({ "provider_ico": "00064581", "details": { "name": format!("Azylový dům {s}"), "kind": 20,
            "forms": [{ "form": "pob", "capacities": [{ "unit": "luzka", "count": 100 }] }],
            "facilities": [{ "facility_id": "A", "name": "Dům", "address": { "city": "Děčín", "postcode": "40502" } }] } });
        let answer = post(&http, format!("{base}/services"), &token, service).await;
        ids.push(answer["stream_id"].as_str().unwrap().to_string());
    }

    let kill_at = rand::rng().random_range(10..REPORTS - 10);
    let mut first = Some(first);
    let mut latest = [None; SERVICES];
    let mut last = Value::Null;
    for r in 0..REPORTS {
        if r == kill_at {
            first.take().unwrap().kill_hard();
        }
        let s = r % SERVICES;
        let free = (r * 7) % 60;
        last = post(
            &http,
            format!("{base}/services/{}/vacancies", ids[s]),
            &token,
            json!({ "facility_id": "A", "form": "pob", "unit": "luzka", "free_places": free }),
        )
        .await;
        latest[s] = Some(free);
    }
    let second = ServiceProcess::spawn(bin, &env);
    let queries = format!("http://{}/api/v1", second.addr);
    let after = format!("{}:{}", last["transaction_id"], last["global_position"]);
    for (s, id) in ids.iter().enumerate() {
        let (status, detail) = get(&http, format!("{queries}/services/{id}?after={after}")).await;
        assert_eq!(status, 200, "{detail}");
        assert_eq!(
            detail["vacancies"][0]["free_places"],
            json!(latest[s].unwrap()),
            "service {s} after a kill at report {kill_at}"
        );
    }
    let (_, found) = get(&http, format!("{queries}/services?provider_ico=00064581")).await;
    assert_eq!(found["total"], SERVICES);
    let deadline = Instant::now() + Duration::from_secs(30);
    while test_support::http_get(second.addr, "/ready").0 != 200 {
        assert!(Instant::now() < deadline, "not ready after the restart");
        std::thread::sleep(Duration::from_millis(100));
    }
    assert!(second.terminate().success());
    for s in stops {
        s.trigger();
    }
    for r in running {
        r.await.unwrap().unwrap();
    }
}
