//! Erasure of a person's data (GDPR), in embedded and distributed mode: an
//! account's login, e-mail, name and password are deleted; what the person
//! did stays in the log under the pseudonymous account id, still replays,
//! and no endpoint (read API, audit, exports) shows the person any more.

use crate::client::{Answer, Client};
use serde_json::{json, Value};

const ICO: &str = "00064581";

async fn scenario(commands: &str, queries: &str, password: &str) {
    let s = a_person_who_reported_vacancies(commands, queries, password).await;
    only_an_administrator_erases_and_twice_is_harmless(&s).await;
    she_can_no_longer_act_or_log_in(&s).await;
    what_she_did_stays_under_her_pseudonymous_id(&s).await;
    nothing_shows_the_person(&s).await;
}

/// What the steps of the erasure scenario share: the services, the
/// administrator, an auditor, the person (her client and account) and the
/// service she reported for.
struct Erasure {
    commands: String,
    queries: String,
    admin: Client,
    auditor: Client,
    jana: Client,
    jana_id: String,
    service_id: String,
}

impl Erasure {
    /// The auditor's GET of `path`.
    async fn audit(&self, path: String) -> Answer {
        self.auditor
            .send(reqwest::Method::GET, &path, None, &[])
            .await
    }
}

/// Jana's vacancy report.
fn report() -> Value {
    json!({ "facility_id": "A", "form": "pob", "unit": "luzka", "free_places": 3 })
}

/// A provider's service, a person's account that reported its vacancies, and an auditor.
async fn a_person_who_reported_vacancies(commands: &str, queries: &str, password: &str) -> Erasure {
    let admin = Client::new(commands).login("admin", password).await;
    let provider = json!({ "ico": ICO, "name": "Oblastní charita Děčín", "address": { "city": "Děčín", "postcode": "40502" } });
    assert_eq!(admin.post("/providers", provider).await.status, 201);
    let service = json!({ "provider_ico": ICO, "details": { "name": "Azylový dům", "kind": 20,
        "forms": [{ "form": "pob", "capacities": [{ "unit": "luzka", "count": 30 }] }],
        "facilities": [{ "facility_id": "A", "name": "Dům", "address": { "city": "Děčín", "postcode": "40502" } }] } });
    let service_id = admin.post("/services", service).await.body["stream_id"]
        .as_str()
        .unwrap()
        .to_string();
    let person = json!({ "login": "jana.novakova", "email": "jana.novakova@example.cz", "display_name": "Jana Nováková",
        "password": "janino-heslo-123", "roles": [{ "role": "provider", "scope": { "kind": "provider", "code": ICO } }] });
    let created = admin.post("/accounts", person).await;
    assert_eq!(created.status, 201, "{:?}", created.body);
    let jana_id = created.body["stream_id"].as_str().unwrap().to_string();
    let jana = Client::new(commands)
        .login("jana.novakova", "janino-heslo-123")
        .await;
    assert_eq!(
        jana.post(&format!("/services/{service_id}/vacancies"), report())
            .await
            .status,
        200
    );
    let auditor_body = json!({ "login": "auditor", "email": "audit@example.cz", "display_name": "Auditor",
        "password": "auditorske-heslo-1", "roles": [{ "role": "auditor", "scope": { "kind": "global" } }] });
    assert_eq!(admin.post("/accounts", auditor_body).await.status, 201);
    let auditor = Client::new(commands)
        .login("auditor", "auditorske-heslo-1")
        .await;
    Erasure {
        commands: commands.to_string(),
        queries: queries.to_string(),
        admin,
        auditor,
        jana,
        jana_id,
        service_id,
    }
}

/// Only an administrator erases; erasing twice is harmless.
async fn only_an_administrator_erases_and_twice_is_harmless(s: &Erasure) {
    let Erasure {
        admin,
        auditor,
        jana_id,
        ..
    } = s;
    assert_eq!(
        auditor
            .post(&format!("/accounts/{jana_id}/erase"), json!({}))
            .await
            .status,
        403
    );
    let erased = admin
        .post(&format!("/accounts/{jana_id}/erase"), json!({}))
        .await;
    assert_eq!(
        (erased.status, erased.body["events"].clone()),
        (200, json!(1)),
        "{:?}",
        erased.body
    );
    let again = admin
        .post(&format!("/accounts/{jana_id}/erase"), json!({}))
        .await;
    assert_eq!(
        (again.status, again.body["events"].clone()),
        (200, json!(0))
    );
    assert_eq!(
        admin
            .post("/accounts/not-an-id/erase", json!({}))
            .await
            .status,
        422
    );
}

/// She can no longer act or log in.
async fn she_can_no_longer_act_or_log_in(s: &Erasure) {
    let Erasure {
        commands,
        jana,
        service_id,
        ..
    } = s;
    assert_eq!(
        jana.post(&format!("/services/{service_id}/vacancies"), report())
            .await
            .status,
        401
    );
    let login = Client::new(commands)
        .send(
            reqwest::Method::POST,
            "/auth/login",
            Some(json!({ "login": "jana.novakova", "password": "janino-heslo-123" })),
            &[],
        )
        .await;
    assert_eq!(login.status, 401);
}

/// What she did stays, under her pseudonymous id, and replays.
async fn what_she_did_stays_under_her_pseudonymous_id(s: &Erasure) {
    let Erasure {
        jana_id,
        service_id,
        ..
    } = s;
    let hers = s.audit(format!("/audit/log?actor={jana_id}")).await;
    assert_eq!(hers.body["total"], 1, "{:?}", hers.body);
    assert_eq!(hers.body["items"][0]["event_type"], "VacancyReported");
    let replayed = s
        .audit(format!("/audit/streams/service/{service_id}/state"))
        .await;
    assert_eq!(replayed.status, 200);
    assert_eq!(replayed.body["state"]["vacancies"][0][3]["free_places"], 3);
    let account = s
        .audit(format!("/audit/streams/account/{jana_id}/state"))
        .await;
    assert_eq!(
        (
            account.body["state"]["erased"].clone(),
            account.body["state"]["disabled"].clone()
        ),
        (json!(true), json!(true))
    );
}

/// And nothing shows the person.
async fn nothing_shows_the_person(s: &Erasure) {
    let Erasure {
        queries,
        jana_id,
        service_id,
        ..
    } = s;
    let mut seen = Vec::new();
    for path in [
        format!("/audit/streams/account/{jana_id}"),
        format!("/audit/streams/account/{jana_id}/export"),
        format!("/audit/streams/service/{service_id}/export"),
        format!("/audit/log?actor={jana_id}"),
        format!("/audit/providers/{ICO}"),
    ] {
        seen.push(s.audit(path).await.body.to_string());
    }
    for path in [
        format!("/api/v1/services/{service_id}"),
        format!("/api/v1/providers/{ICO}"),
        "/hsds/services".into(),
    ] {
        seen.push(
            reqwest::get(format!("{queries}{path}"))
                .await
                .unwrap()
                .text()
                .await
                .unwrap(),
        );
    }
    for text in &seen {
        for trace in ["jana", "Nováková", "novakova", "example.cz"] {
            assert!(!text.contains(trace), "{trace} is still visible: {text}");
        }
    }
}

crate::helpers::in_both_modes!(
    scenario,
    erasure_in_embedded_mode,
    erasure_in_distributed_mode
);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_erased_account_leaves_no_trace_in_the_data_folder() {
    let dir = test_support::TempDir::new();
    let app = crate::helpers::spawn_portal(&dir).await;
    let password = std::fs::read_to_string(dir.path().join("admin-password")).unwrap();
    let admin = Client::new(&app.base).login("admin", password.trim()).await;
    let person = json!({ "login": "jana.novakova", "email": "jana.novakova@example.cz", "display_name": "Jana Nováková",
        "password": "janino-heslo-123", "roles": [{ "role": "analyst", "scope": { "kind": "global" } }] });
    let created = admin.post("/accounts", person).await;
    let jana_id = created.body["stream_id"].as_str().unwrap().to_string();
    let jana = Client::new(&app.base)
        .login("jana.novakova", "janino-heslo-123")
        .await;
    let thread = json!({ "section": "professional", "text": { "name": "Jana Nováková", "title": "Dotaz", "body": "Píše Jana." } });
    assert_eq!(jana.post("/forum/threads", thread).await.status, 201);
    assert!(!test_support::files_holding(dir.path(), b"jana.novakova@example.cz").is_empty());

    let erased = admin
        .post(&format!("/accounts/{jana_id}/erase"), json!({}))
        .await;
    assert_eq!(erased.status, 200, "{:?}", erased.body);
    for trace in ["jana.novakova", "Jana Nováková", "Píše Jana"] {
        assert_eq!(
            test_support::files_holding(dir.path(), trace.as_bytes()),
            Vec::<String>::new(),
            "{trace} is still on disk"
        );
    }
    app.stop().await;
}
