//! The three services in distributed mode, in one test process, against the
//! real servers: each builds, migrates, and reports ready.

use crate::helpers::spawn_service;
use infra::settings::HttpSettings;
use infra::testing::{TestClickHouse, TestNats, TestPostgres};
use serde_json::Value;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn all_three_services_start_together_and_report_ready() {
    let (pg, nats, ch) = (TestPostgres::new(), TestNats::new(), TestClickHouse::new());
    // Started together: the migrations run once under their advisory lock.
    let (command, query, projection) = tokio::join!(
        command_service::Application::build(command_service::Settings {
            http: HttpSettings::for_tests(),
            postgres: pg.settings.clone(),
            nats: nats.settings.clone(),
            auth: command_service::settings::AuthSettings {
                jwt_secret: infra::testing::TEST_JWT_SECRET.as_bytes().to_vec(),
                session_ttl: time::Duration::hours(1),
                trusted_proxies: Vec::new(),
                signing_key_file: None,
                admin: None,
            },
            clickhouse: None,
            territory_dir: None,
            notify: Default::default(),
        }),
        query_service::Application::build(query_service::Settings {
            http: HttpSettings::for_tests(),
            postgres: pg.settings.clone(),
            clickhouse: ch.settings.clone(),
            territory_dir: None,
            codelists_dir: None,
            jwt_secret: None,
            command_url: None,
            site: query_service::web::Site::default(),
        }),
        projection_service::Application::build(projection_service::Settings {
            http: HttpSettings::for_tests(),
            postgres: pg.settings.clone(),
            nats: nats.settings.clone(),
            clickhouse: ch.settings.clone(),
            territory_dir: None,
            notifications: Default::default(),
        }),
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
