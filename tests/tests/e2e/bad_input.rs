//! Bad input on every command of the API (taken from its OpenAPI document):
//! random JSON, malformed JSON, deep nesting, huge strings, wrong content
//! types never cause a 5xx or a panic, and a refused request writes
//! nothing; an oversized body is refused; tokens that are expired, forged,
//! malformed or for another provider are refused.

use crate::client::Client;
use crate::helpers::spawn_portal;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde_json::{json, Map, Value};
use test_support::TempDir;

const ICO: &str = "00064581";

fn random_json(rng: &mut StdRng, depth: u32) -> Value {
    let keys = [
        "name",
        "ico",
        "details",
        "kind",
        "forms",
        "facilities",
        "free_places",
        "reason",
        "login",
        "password",
        "roles",
        "scores",
        "granted_amount",
        "per_thousand",
        "x",
        "",
    ];
    match rng.random_range(0..if depth > 3 { 6 } else { 8 }) {
        0 => Value::Null,
        1 => json!(rng.random::<bool>()),
        2 => json!(rng.random_range(-1_000_000_000i64..1_000_000_000)),
        3 => json!(rng.random::<f64>() * 1e12 - 5e11),
        4 => json!(
            [
                "",
                "x",
                "ž",
                "\u{0}",
                "CZ042",
                "2026-13-45",
                "00064581",
                "pob"
            ][rng.random_range(0..8)]
        ),
        5 => json!("a".repeat(rng.random_range(0..3000))),
        6 => Value::Array(
            (0..rng.random_range(0..4))
                .map(|_| random_json(rng, depth + 1))
                .collect(),
        ),
        _ => {
            let mut m = Map::new();
            for _ in 0..rng.random_range(0..6) {
                m.insert(
                    keys[rng.random_range(0..keys.len())].to_string(),
                    random_json(rng, depth + 1),
                );
            }
            Value::Object(m)
        }
    }
}

fn bodies(rng: &mut StdRng) -> Vec<(Vec<u8>, &'static str)> {
    let mut out: Vec<(Vec<u8>, &'static str)> = (0..25)
        .map(|_| {
            (
                serde_json::to_vec(&random_json(rng, 0)).unwrap(),
                "application/json",
            )
        })
        .collect();
    let deep = format!("{}{}", "[".repeat(5000), "]".repeat(5000));
    for raw in [
        "",
        "{",
        "null",
        "[]",
        "{\"name\":",
        "{\"a\":1e999}",
        "\"\\ud800\"",
        deep.as_str(),
    ] {
        out.push((raw.as_bytes().to_vec(), "application/json"));
    }
    out.push((vec![0xff, 0xfe, 0x7b, 0x7d], "application/json"));
    out.push((b"{\"name\":\"x\"}".to_vec(), "text/plain"));
    out.push((b"name=x".to_vec(), "application/x-www-form-urlencoded"));
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_input_never_fails_the_server_and_writes_nothing() {
    let dir = TempDir::new();
    let app = spawn_portal(&dir).await;
    let store = app.store.clone().unwrap();
    let password = std::fs::read_to_string(dir.path().join("admin-password")).unwrap();
    let admin = Client::new(&app.base).login("admin", password.trim()).await;
    let provider = json!({ "ico": ICO, "name": "Oblastní charita Děčín", "address": { "city": "Děčín", "postcode": "40502" } });
    assert_eq!(admin.post("/providers", provider).await.status, 201);
    let service = json!({ "provider_ico": ICO, "details": { "name": "Azylový dům", "kind": 20,
        "forms": [{ "form": "pob", "capacities": [{ "unit": "luzka", "count": 30 }] }],
        "facilities": [{ "facility_id": "A", "name": "Dům", "address": { "city": "Děčín", "postcode": "40502" } }] } });
    let service_id = admin.post("/services", service).await.body["stream_id"]
        .as_str()
        .unwrap()
        .to_string();

    let doc: Value = reqwest::get(format!("{}/api/v1/openapi.json", app.base))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let http = reqwest::Client::new();
    let token = admin.token.clone().unwrap();
    let mut rng = StdRng::seed_from_u64(42);
    let (mut requests, mut refused) = (0, 0);
    for (path, ops) in doc["paths"].as_object().unwrap() {
        for method in ["post", "put", "patch"] {
            if ops.get(method).is_none() {
                continue;
            }
            let url = format!(
                "{}{}",
                app.base,
                path.replace("{ico}", ICO)
                    .replace("{kind}", "13")
                    .replace(
                        "{id}",
                        if path.starts_with("/api/v1/services") {
                            &service_id
                        } else {
                            "01a2092b-0000-7000-8000-000000000000"
                        }
                    )
                    .replace("{token_id}", "01a2092b-0000-7000-8000-000000000001")
            );
            for (body, content_type) in bodies(&mut rng) {
                let before = store.head().await.unwrap();
                let response = http
                    .request(method.to_uppercase().parse().unwrap(), &url)
                    .bearer_auth(&token)
                    .header("content-type", content_type)
                    .body(body.clone())
                    .send()
                    .await
                    .unwrap();
                let status = response.status().as_u16();
                let text = response.text().await.unwrap_or_default();
                requests += 1;
                assert!(
                    status < 500,
                    "{method} {path} answered {status} to {:?}: {text}",
                    String::from_utf8_lossy(&body[..body.len().min(200)])
                );
                if status >= 400 {
                    refused += 1;
                    assert_eq!(
                        store.head().await.unwrap(),
                        before,
                        "{method} {path}: a refused request wrote ({status})"
                    );
                    if status == 422 || status == 400 || status == 415 {
                        let problem: Value = serde_json::from_str(&text).unwrap_or(Value::Null);
                        assert!(
                            problem["title"].is_string(),
                            "{method} {path}: not problem+json: {text}"
                        );
                    }
                }
            }
        }
    }
    assert!(requests > 500, "{requests} requests");
    assert!(
        refused as f64 > 0.85 * requests as f64,
        "{refused} of {requests} refused"
    );
    // The server is still well.
    let health = reqwest::get(format!("{}/health", app.base)).await.unwrap();
    assert_eq!(health.status().as_u16(), 200);
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn oversized_bodies_and_bad_tokens_are_refused() {
    let dir = TempDir::new();
    let app = spawn_portal(&dir).await;
    let store = app.store.clone().unwrap();
    let password = std::fs::read_to_string(dir.path().join("admin-password")).unwrap();
    let admin = Client::new(&app.base).login("admin", password.trim()).await;
    let http = reqwest::Client::new();
    let before = store.head().await.unwrap();
    let huge = json!({ "ico": ICO, "name": "x".repeat(2 * 1024 * 1024), "address": { "city": "Děčín", "postcode": "40502" } });
    // The server answers 413 as soon as the body passes the limit and may
    // close the connection while the client is still sending: either is a refusal.
    let sent = http
        .post(format!("{}/api/v1/providers", app.base))
        .bearer_auth(admin.token.clone().unwrap())
        .json(&huge)
        .send()
        .await;
    match sent {
        Ok(response) => assert_eq!(response.status().as_u16(), 413),
        Err(e) => assert!(e.is_request() || e.is_body(), "{e}"),
    }
    assert_eq!(store.head().await.unwrap(), before);

    // Tokens: expired, signed with another key, malformed, absent.
    let token = admin.token.clone().unwrap();
    let claims: Value = {
        use base64::Engine;
        let part = token.split('.').nth(1).unwrap();
        serde_json::from_slice(
            &base64::engine::general_purpose::URL_SAFE_NO_PAD
                .decode(part)
                .unwrap(),
        )
        .unwrap()
    };
    let account: uuid::Uuid = claims["sub"].as_str().unwrap().parse().unwrap();
    let secret = std::fs::read_to_string(dir.path().join("jwt-secret")).unwrap();
    let expired =
        command_service::auth::Tokens::new(secret.trim().as_bytes(), time::Duration::seconds(-5))
            .session(account)
            .unwrap()
            .0;
    let forged = command_service::auth::Tokens::new(
        b"another-secret-of-at-least-32-bytes!!",
        time::Duration::hours(1),
    )
    .session(account)
    .unwrap()
    .0;
    let provider = json!({ "ico": ICO, "name": "Charita", "address": { "city": "Děčín", "postcode": "40502" } });
    for (what, token, reason) in [
        ("expired", expired.as_str(), "expired"),
        ("forged", forged.as_str(), "not valid"),
        ("malformed", "abc.def.ghi", "not valid"),
    ] {
        let r = admin
            .with_token(token)
            .post("/providers", provider.clone())
            .await;
        assert_eq!(r.status, 401, "{what}: {:?}", r.body);
        assert!(
            r.body["detail"]
                .as_str()
                .unwrap_or_default()
                .contains(reason),
            "{what}: {:?}",
            r.body
        );
    }
    let anonymous = Client::new(&app.base)
        .post("/providers", provider.clone())
        .await;
    assert_eq!(anonymous.status, 401);
    assert_eq!(store.head().await.unwrap(), before, "nothing was written");

    // A provider's account acts for its provider only.
    assert_eq!(admin.post("/providers", provider).await.status, 201);
    let other = json!({ "ico": "25596641", "name": "Jiná", "address": { "city": "Praha", "postcode": "11000" } });
    assert_eq!(admin.post("/providers", other).await.status, 201);
    let account = json!({ "login": "charita", "email": "c@example.cz", "display_name": "Charita", "password": "heslo-pro-test-1",
        "roles": [{ "role": "provider", "scope": { "kind": "provider", "code": ICO } }] });
    assert_eq!(admin.post("/accounts", account).await.status, 201);
    let charita = Client::new(&app.base)
        .login("charita", "heslo-pro-test-1")
        .await;
    let service = |ico: &str| {
        json!({ "provider_ico": ico, "details": { "name": "Azyl", "kind": 20,
        "forms": [{ "form": "pob", "capacities": [{ "unit": "luzka", "count": 3 }] }] } })
    };
    assert_eq!(charita.post("/services", service(ICO)).await.status, 201);
    let foreign = charita.post("/services", service("25596641")).await;
    assert_eq!(foreign.status, 403, "{:?}", foreign.body);
    app.stop().await;
}
