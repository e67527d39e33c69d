//! The three services in distributed mode, in one test process, against the
//! real servers: each builds, migrates, and reports ready.

use crate::helpers::{command_settings, projection_settings, query_settings, spawn_service};
use serde_json::Value;
use test_support::{TestClickHouse, TestNats, TestPostgres};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn all_three_services_start_together_and_report_ready() {
    let (pg, nats, ch) = (TestPostgres::new(), TestNats::new(), TestClickHouse::new());
    // Started together: the migrations run once under their advisory lock.
    let mut command = command_settings(&pg.settings, &nats.settings);
    command.auth.admin = None;
    let (command, query, projection) = tokio::join!(
        command_service::Application::build(command),
        query_service::Application::build(query_settings(&pg.settings, &ch.settings)),
        projection_service::Application::build(projection_settings(
            &pg.settings,
            &nats.settings,
            &ch.settings
        )),
    );
    let apps = [
        (
            "command-service",
            spawn_service!(command.unwrap()),
            vec!["event_store", "nats"],
        ),
        (
            "query-service",
            spawn_service!(query.unwrap()),
            vec!["event_store", "clickhouse"],
        ),
        (
            "projection-service",
            spawn_service!(projection.unwrap()),
            vec!["event_store", "nats", "clickhouse"],
        ),
    ];
    for (name, app, deps) in apps {
        let (status, _, body) = app.get("/health").await;
        assert_eq!(status, 200);
        assert_eq!(
            serde_json::from_str::<Value>(&body).unwrap()["service"],
            name
        );
        let (status, _, body) = app.get("/ready").await;
        assert_eq!(status, 200, "{name}: {body}");
        let ready: Value = serde_json::from_str(&body).unwrap();
        for dep in deps {
            assert_eq!(ready["checks"][dep], "ok", "{name}: {body}");
        }
        if name == "query-service" {
            // Without PORTAL_COMMAND_URL the pages are served and sign-in says why it cannot be.
            let (status, _, page) = app.get("/prihlaseni").await;
            assert_eq!(status, 200);
            assert!(page.contains("<form method=\"post\" action=\"/prihlaseni\">"));
            let refused = reqwest::Client::new()
                .post(format!("{}/prihlaseni", app.base))
                .header("content-type", "application/x-www-form-urlencoded")
                .body("login=a&password=b")
                .send()
                .await
                .unwrap();
            assert_eq!(refused.status(), 503);
            assert!(refused.text().await.unwrap().contains("role=\"alert\""));
        }
        app.stop().await;
    }
}
