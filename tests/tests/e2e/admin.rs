//! Administration of the projections over HTTP, in both modes: they are
//! listed with their checkpoint and lag; a rebuild by name works while the
//! read API keeps answering; others are refused.

use crate::client::Client;
use serde_json::{json, Value};

async fn scenario(commands: &str, queries: &str, password: &str) {
    let admin = Client::new(commands).login("admin", password).await;
    let provider = json!({ "ico": "00064581", "name": "Oblastní charita Děčín", "address": { "city": "Děčín", "postcode": "40502" } });
    assert_eq!(admin.post("/providers", provider).await.status, 201);
    let service = json!({ "provider_ico": "00064581", "details": { "name": "Azylový dům", "kind": 20,
        "forms": [{ "form": "pob", "capacities": [{ "unit": "luzka", "count": 30 }] }] } });
    let registered = admin.post("/services", service).await;
    assert_eq!(registered.status, 201);
    let get = |path: &'static str| {
        let admin = admin.clone();
        async move { admin.send(reqwest::Method::GET, path, None, &[]).await }
    };
    // Both projections catch up with the log.
    let mut tries = 0;
    let listed = loop {
        let listed = get("/admin/projections").await;
        assert_eq!(listed.status, 200, "{:?}", listed.body);
        let all = listed.body["projections"].as_array().unwrap().clone();
        let names: Vec<&str> = all.iter().map(|p| p["name"].as_str().unwrap()).collect();
        assert_eq!(names, ["registry", "statistics"]);
        if all
            .iter()
            .all(|p| p["lag_events"] == 0 && p["checkpoint"] == p["head"])
        {
            break all;
        }
        tries += 1;
        assert!(tries < 200, "the projections did not catch up: {all:?}");
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    };
    assert_eq!(listed[0]["lag_ms"], 0);
    let before: Vec<Value> = listed.iter().map(|p| p["detail"].clone()).collect();
    assert!(before[0]
        .as_str()
        .unwrap()
        .starts_with("read models, generation "));

    let rebuilt = admin
        .post("/admin/projections/registry/rebuild", json!({}))
        .await;
    assert_eq!(rebuilt.status, 200, "{:?}", rebuilt.body);
    assert!(rebuilt.body["done"]
        .as_str()
        .unwrap()
        .contains("generation"));
    let after = get("/admin/projections").await;
    assert_ne!(
        after.body["projections"][0]["detail"], before[0],
        "a new generation is active"
    );
    let stats = admin
        .post("/admin/projections/statistics/rebuild", json!({}))
        .await;
    assert_eq!(stats.status, 200, "{:?}", stats.body);
    assert!(stats.body["done"]
        .as_str()
        .unwrap()
        .starts_with("statistics rebuilt from"));
    assert_eq!(
        admin
            .post("/admin/projections/nope/rebuild", json!({}))
            .await
            .status,
        404
    );
    assert_eq!(
        Client::new(commands)
            .post("/admin/projections/registry/rebuild", json!({}))
            .await
            .status,
        401
    );

    // The read API answers from the new generation.
    let mut tries = 0;
    loop {
        let found: Value = reqwest::get(format!("{queries}/api/v1/services?q=azyl"))
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        if found["total"] == 1 {
            break;
        }
        tries += 1;
        assert!(tries < 200, "{found}");
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
}

crate::helpers::in_both_modes!(
    scenario,
    projections_administered_in_embedded_mode,
    projections_administered_in_distributed_mode
);
