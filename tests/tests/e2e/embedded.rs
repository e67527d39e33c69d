//! The embedded portal: operations endpoints, problem+json errors, and the
//! event store surviving a restart.

use crate::helpers::spawn_portal;
use infra::event_store::{Actor, EventMetadata, ExpectedVersion, NewEvent, StreamRef};
use serde_json::{json, Value};
use test_support::TempDir;

#[tokio::test]
async fn health_ready_and_metrics_answer() {
    let dir = TempDir::new();
    let app = spawn_portal(&dir).await;
    let (status, _, body) = app.get("/health").await;
    assert_eq!(status, 200);
    let health: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(health["status"], "ok");
    assert_eq!(health["service"], "portal");

    let (status, _, body) = app.get("/ready").await;
    assert_eq!(status, 200, "{body}");
    let ready: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(ready["checks"]["event_store"], "ok");

    let (status, content_type, body) = app.get("/metrics").await;
    assert_eq!(status, 200);
    assert!(content_type.starts_with("text/plain"));
    // The requests above were measured, labelled by route.
    assert!(
        body.contains(r#"http_request_duration_seconds_count{method="GET",route="/health",service="portal",status="200"}"#),
        "{body}"
    );
    assert!(dir.path().join("events.sqlite3").exists());
    app.stop().await;
}

#[tokio::test]
async fn an_unknown_route_is_a_problem_json_404() {
    let dir = TempDir::new();
    let app = spawn_portal(&dir).await;
    let (status, content_type, body) = app.get("/api/v1/no-such-thing").await;
    assert_eq!(status, 404);
    assert_eq!(content_type, "application/problem+json");
    let problem: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(problem["status"], 404);
    assert!(problem["type"].as_str().unwrap().ends_with("/not-found"));
    app.stop().await;
}

#[tokio::test]
async fn events_survive_a_restart_of_the_portal() {
    let dir = TempDir::new();
    let app = spawn_portal(&dir).await;
    let stream = StreamRef::new("provider", "00064581");
    let appended = app
        .store
        .as_ref()
        .unwrap()
        .append(
            &stream,
            ExpectedVersion::NoStream,
            vec![NewEvent::new(
                "ProviderRegistered",
                1,
                json!({ "name": "Diakonie" }),
            )],
            &EventMetadata::new(Actor::system()),
        )
        .await
        .unwrap();
    app.stop().await;

    let again = spawn_portal(&dir).await;
    let events = again
        .store
        .as_ref()
        .unwrap()
        .read_stream(&stream, 1, 10)
        .await
        .unwrap();
    assert_eq!(events.len(), 1);
    assert_eq!(events[0].log_position(), appended.last_position);
    assert_eq!(events[0].payload["name"], "Diakonie");
    again.stop().await;
}

#[tokio::test]
async fn the_command_api_serves_its_openapi_document() {
    let dir = TempDir::new();
    let app = spawn_portal(&dir).await;
    let (status, content_type, body) = app.get("/api/v1/openapi.json").await;
    assert_eq!(status, 200);
    assert!(content_type.starts_with("application/json"));
    let doc: Value = serde_json::from_str(&body).unwrap();
    assert!(doc["paths"]["/api/v1/services/{id}/vacancies"]["post"].is_object());
    app.stop().await;
}
