//! The registry scenario of the command API, run in embedded and in
//! distributed mode: self-registration, verification, a service with two
//! facilities, vacancies, refusals (403, 409, 422) that leave the log
//! untouched, and idempotent replays.

use crate::client::Client;
use crate::helpers::{spawn_portal, spawn_service};
use events::StreamRef;
use infra::event_store::DynEventStore;
use reqwest::Method;
use serde_json::{json, Value};
use test_support::{TempDir, TestNats, TestPostgres};

const ICO_A: &str = "00064581";
const ICO_B: &str = "45242623";

fn provider(ico: &str, name: &str) -> Value {
    json!({
        "ico": ico,
        "name": name,
        "legal_form": "745",
        "address": { "street": "Teplická 1234/56", "city": "Děčín", "postcode": "405 02", "municipality_code": "562335" },
        "contacts": { "emails": ["info@example.cz"], "webs": ["https://example.cz"] }
    })
}

fn service_details() -> Value {
    json!({
        "name": "Azylový dům pro muže",
        "description": "Ubytování a sociální poradenství mužům bez domova.",
        "kind": 20,
        "forms": [{ "form": "pob", "capacities": [{ "unit": "luzka", "count": 30 }], "non_stop": true }],
        "target_groups": ["18", "30"],
        "catchment": { "kraje": ["CZ042"], "orp": ["4202"] },
        "facilities": [
            { "facility_id": "21676682", "name": "Azylový dům Kamenická", "address": { "street": "Kamenická 5", "city": "Děčín", "postcode": "40502", "ruian_code": 21676682 }, "location": { "lat": 50.7736, "lon": 14.1961 } },
            { "facility_id": "21676690", "name": "Azylový dům Podmokly", "address": { "street": "Nádražní 2", "city": "Děčín", "postcode": "40502" }, "location": { "lat": 50.7780, "lon": 14.2010 } }
        ],
        "opening_hours": "nonstop",
        "categories": ["bydlení"]
    })
}

async fn version(store: &DynEventStore, stream_type: &str, id: &str) -> Option<u64> {
    store
        .stream_version(&StreamRef::new(stream_type, id))
        .await
        .unwrap()
}

/// The whole scenario against one running API; `store` is its event store, read to prove
/// that refused commands leave the log untouched.
pub async fn scenario(base: &str, admin_login: &str, admin_password: &str, store: DynEventStore) {
    let public = Client::new(base);
    let admin = public.login(admin_login, admin_password).await;
    unauthenticated_and_forged_tokens_are_refused(&public).await;
    an_invalid_ico_is_named_and_nothing_is_written(&public, &store).await;
    let charita = the_provider_registers_itself(&public).await;
    let s = Registry {
        public,
        admin,
        store,
        charita,
    };
    not_verified_it_cannot_register_services(&s).await;
    the_administrator_verifies_it(&s).await;
    invalid_services_are_refused_each_field_named(&s).await;
    let service_id = the_provider_registers_a_service_once(&s).await;
    it_reports_vacancies(&s, &service_id).await;
    vacancies_above_the_capacity_or_below_zero_are_refused(&s, &service_id).await;
    a_stale_expected_version_is_refused(&s, &service_id).await;
    let diakonie = another_providers_account_is_refused(&s, &service_id).await;
    an_idempotency_key_reused_for_another_record_is_refused(&s).await;
    an_api_token_works_until_it_is_revoked(&s, &service_id).await;
    a_revoked_role_stops_working_at_once(&s, &diakonie).await;
    a_suspension_may_announce_when_the_service_resumes(&s, &service_id).await;
    too_many_wrong_passwords_are_limited(&s).await;
}

/// What the steps of the registry scenario share: an anonymous client, the
/// administrator, the event store and the provider's account.
struct Registry {
    public: Client,
    admin: Client,
    store: DynEventStore,
    charita: Client,
}

/// The registration of the asylum house by its provider.
fn registration() -> Value {
    json!({ "provider_ico": ICO_A, "details": service_details() })
}

/// A vacancy report of the asylum house's beds.
fn vacancy(facility: &str, free: i64) -> Value {
    json!({ "facility_id": facility, "form": "pob", "unit": "luzka", "free_places": free })
}

/// Unauthenticated and forged tokens are refused with a reason.
async fn unauthenticated_and_forged_tokens_are_refused(public: &Client) {
    let answer = public.post("/providers", provider(ICO_B, "B")).await;
    assert_eq!(answer.status, 401);
    assert_eq!(answer.content_type, "application/problem+json");
    let forged = public.with_token("eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ4In0.c2lnbmF0dXJl");
    assert_eq!(
        forged.post("/providers", provider(ICO_B, "B")).await.status,
        401
    );
}

/// An invalid IČO (and other fields) is named; nothing is written.
async fn an_invalid_ico_is_named_and_nothing_is_written(public: &Client, store: &DynEventStore) {
    let mut bad = provider("00064582", "Oblastní charita");
    bad["address"]["postcode"] = json!("999");
    let answer = public
        .post("/providers/self-registration", json!({ "provider": bad, "account": { "login": "charita", "email": "a@b.cz", "display_name": "Charita", "password": "heslo-heslo-123" } }))
        .await;
    assert_eq!(answer.status, 422, "{:?}", answer.body);
    assert_eq!(answer.fields(), ["provider.ico"]);
    assert_eq!(version(store, "provider", "00064582").await, None);
}

/// The provider registers itself with its first account. Gives its client.
async fn the_provider_registers_itself(public: &Client) -> Client {
    let answer = public
        .post("/providers/self-registration", json!({ "provider": provider(ICO_A, "Oblastní charita Děčín"), "account": { "login": "charita", "email": "info@charita.cz", "display_name": "Charita Děčín", "password": "heslo-heslo-123" } }))
        .await;
    assert_eq!(answer.status, 201, "{:?}", answer.body);
    assert_eq!(answer.body["stream_id"], ICO_A);
    assert_eq!(answer.body["version"], 1);
    let charita = public.login("charita", "heslo-heslo-123").await;
    charita
}

/// Not verified yet: it cannot register services.
async fn not_verified_it_cannot_register_services(s: &Registry) {
    let Registry { charita, .. } = s;
    let register = registration();
    let answer = charita.post("/services", register.clone()).await;
    assert_eq!(answer.status, 409, "{:?}", answer.body);
}

/// The administrator verifies it; only an administrator may.
async fn the_administrator_verifies_it(s: &Registry) {
    let Registry { admin, charita, .. } = s;
    assert_eq!(
        charita
            .post(&format!("/providers/{ICO_A}/verify"), json!({}))
            .await
            .status,
        403
    );
    let answer = admin
        .post(&format!("/providers/{ICO_A}/verify"), json!({}))
        .await;
    assert_eq!(answer.status, 200, "{:?}", answer.body);
    assert_eq!(answer.body["version"], 2);
    assert_eq!(answer.etag.as_deref(), Some("\"2\""));
}

/// Invalid services are refused, each field named, nothing written.
async fn invalid_services_are_refused_each_field_named(s: &Registry) {
    let Registry { store, charita, .. } = s;
    let register = registration();
    let mut outside = register.clone();
    outside["details"]["facilities"][1]["location"] = json!({ "lat": 48.2082, "lon": 16.3738 });
    outside["details"]["forms"][0]["capacities"][0]["count"] = json!(-5);
    outside["service_id"] = json!("0190e3c0-0000-7000-8000-000000000001");
    let answer = charita.post("/services", outside).await;
    assert_eq!(answer.status, 422, "{:?}", answer.body);
    assert_eq!(
        answer.fields(),
        [
            "details.forms[0].capacities[0].count",
            "details.facilities[1].location.lat"
        ]
    );
    assert_eq!(
        version(store, "service", "0190e3c0-0000-7000-8000-000000000001").await,
        None
    );
    let answer = charita
        .post(
            "/services",
            json!({ "provider_ico": ICO_A, "details": { "name": "x" } }),
        )
        .await;
    assert_eq!(answer.status, 422);
    assert_eq!(answer.fields(), ["details.kind"], "{:?}", answer.body);
}

/// The provider's account registers a service with two facilities; a replay of the same
/// key returns the first result and stores nothing new. Gives the service.
async fn the_provider_registers_a_service_once(s: &Registry) -> String {
    let Registry { store, charita, .. } = s;
    let register = registration();
    let answer = charita
        .send(
            Method::POST,
            "/services",
            Some(register.clone()),
            &[("Idempotency-Key", "svc-1")],
        )
        .await;
    assert_eq!(answer.status, 201, "{:?}", answer.body);
    let service_id = answer.body["stream_id"].as_str().unwrap().to_string();
    assert_eq!(answer.body["version"], 1);
    assert!(answer.body["global_position"].as_u64().unwrap() > 0);
    // A replay of the same key returns the first result and stores nothing new.
    let replay = charita
        .send(
            Method::POST,
            "/services",
            Some(register.clone()),
            &[("Idempotency-Key", "svc-1")],
        )
        .await;
    assert_eq!(replay.status, 200, "{:?}", replay.body);
    assert_eq!(replay.body["stream_id"], service_id.as_str());
    assert_eq!(replay.body["deduplicated"], true);
    assert_eq!(
        replay.body["global_position"],
        answer.body["global_position"]
    );
    assert_eq!(version(store, "service", &service_id).await, Some(1));
    service_id
}

/// It reports vacancies.
async fn it_reports_vacancies(s: &Registry, service_id: &str) {
    let Registry { charita, .. } = s;
    let path = format!("/services/{service_id}/vacancies");
    let answer = charita
        .send(
            Method::POST,
            &path,
            Some(vacancy("21676682", 4)),
            &[("Idempotency-Key", "vac-1")],
        )
        .await;
    assert_eq!(answer.status, 200, "{:?}", answer.body);
    assert_eq!(answer.body["version"], 2);
    let answer = charita
        .send(
            Method::POST,
            &path,
            Some(vacancy("21676682", 4)),
            &[("Idempotency-Key", "vac-1")],
        )
        .await;
    assert_eq!(
        (answer.status, answer.body["deduplicated"].clone()),
        (200, json!(true))
    );
    let answer = charita
        .send(
            Method::POST,
            &path,
            Some(vacancy("21676690", 2)),
            &[("If-Match", "\"2\"")],
        )
        .await;
    assert_eq!(answer.status, 200, "{:?}", answer.body);
    assert_eq!(answer.body["version"], 3);
}

/// Vacancies above the capacity or below zero are refused and change nothing.
async fn vacancies_above_the_capacity_or_below_zero_are_refused(s: &Registry, service_id: &str) {
    let Registry { store, charita, .. } = s;
    let path = format!("/services/{service_id}/vacancies");
    let answer = charita.post(&path, vacancy("21676690", 27)).await;
    assert_eq!(answer.status, 422);
    assert_eq!(answer.fields(), ["free_places"]);
    assert_eq!(
        charita.post(&path, vacancy("21676690", -1)).await.fields(),
        ["free_places"]
    );
    assert_eq!(version(store, "service", service_id).await, Some(3));
}

/// A stale expected version is refused with the current one.
async fn a_stale_expected_version_is_refused(s: &Registry, service_id: &str) {
    let Registry { store, charita, .. } = s;
    let answer = charita
        .send(
            Method::PATCH,
            &format!("/services/{service_id}"),
            Some(json!({ "opening_hours": "Po–Ne 0–24" })),
            &[("If-Match", "\"1\"")],
        )
        .await;
    assert_eq!(answer.status, 409, "{:?}", answer.body);
    assert_eq!(answer.body["current_version"], 3);
    assert_eq!(version(store, "service", service_id).await, Some(3));
}

/// Another provider's account is refused. Gives its client.
async fn another_providers_account_is_refused(s: &Registry, service_id: &str) -> Client {
    let Registry {
        public,
        admin,
        store,
        ..
    } = s;
    let path = format!("/services/{service_id}/vacancies");
    assert_eq!(
        admin
            .post("/providers", provider(ICO_B, "Diakonie"))
            .await
            .status,
        201
    );
    let answer = admin
        .post("/accounts", json!({ "login": "diakonie", "email": "info@diakonie.cz", "display_name": "Diakonie", "password": "jine-heslo-456", "roles": [{ "role": "provider", "scope": { "kind": "provider", "code": ICO_B } }] }))
        .await;
    assert_eq!(answer.status, 201, "{:?}", answer.body);
    let diakonie = public.login("diakonie", "jine-heslo-456").await;
    let answer = diakonie.post(&path, vacancy("21676682", 1)).await;
    assert_eq!(answer.status, 403, "{:?}", answer.body);
    assert!(answer.body["detail"].as_str().unwrap().contains(ICO_A));
    assert_eq!(version(store, "service", service_id).await, Some(3));
    diakonie
}

/// An idempotency key reused for another record is refused, and changes nothing.
async fn an_idempotency_key_reused_for_another_record_is_refused(s: &Registry) {
    let Registry { store, charita, .. } = s;
    let answer = charita
        .send(
            Method::PATCH,
            &format!("/providers/{ICO_A}"),
            Some(json!({ "name": "Charita Děčín" })),
            &[("Idempotency-Key", "vac-1")],
        )
        .await;
    assert_eq!(answer.status, 422, "{:?}", answer.body);
    assert_eq!(version(store, "provider", ICO_A).await, Some(2));
}

/// An API token works like a login until it is revoked.
async fn an_api_token_works_until_it_is_revoked(s: &Registry, service_id: &str) {
    let Registry {
        public, charita, ..
    } = s;
    let path = format!("/services/{service_id}/vacancies");
    let charita_id = charita.post("/auth/login", json!({})).await; // a malformed body names the field
    assert_eq!(charita_id.status, 422);
    assert_eq!(charita_id.fields(), ["login"], "{:?}", charita_id.body);
    let me = public
        .post(
            "/auth/login",
            json!({ "login": "charita", "password": "heslo-heslo-123" }),
        )
        .await;
    let account_id = me.body["account_id"].as_str().unwrap().to_string();
    let expires = (time::OffsetDateTime::now_utc() + time::Duration::days(30))
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap();
    let issued = charita
        .post(
            &format!("/accounts/{account_id}/api-tokens"),
            json!({ "name": "import", "expires_at": expires }),
        )
        .await;
    assert_eq!(issued.status, 201, "{:?}", issued.body);
    let integration = public.with_token(issued.body["token"].as_str().unwrap());
    assert_eq!(
        integration.post(&path, vacancy("21676690", 1)).await.status,
        200
    );
    let token_id = issued.body["token_id"].as_str().unwrap();
    let revoked = charita
        .post(
            &format!("/accounts/{account_id}/api-tokens/{token_id}/revoke"),
            json!({}),
        )
        .await;
    assert_eq!(revoked.status, 200, "{:?}", revoked.body);
    let answer = integration.post(&path, vacancy("21676690", 1)).await;
    assert_eq!(answer.status, 401);
    assert!(answer.body["detail"].as_str().unwrap().contains("revoked"));
}

/// A revoked role stops working at once, even with a token issued before.
async fn a_revoked_role_stops_working_at_once(s: &Registry, diakonie: &Client) {
    let Registry { public, admin, .. } = s;
    let diakonie_id = public
        .post(
            "/auth/login",
            json!({ "login": "diakonie", "password": "jine-heslo-456" }),
        )
        .await
        .body["account_id"]
        .as_str()
        .unwrap()
        .to_string();
    let grant = json!({ "role": "provider", "scope": { "kind": "provider", "code": ICO_B } });
    let change = json!({ "contacts": { "webs": ["https://diakonie.cz"] } });
    assert_eq!(
        diakonie
            .send(
                Method::PATCH,
                &format!("/providers/{ICO_B}"),
                Some(change.clone()),
                &[]
            )
            .await
            .status,
        200
    );
    assert_eq!(
        admin
            .post(&format!("/accounts/{diakonie_id}/roles/revoke"), grant)
            .await
            .status,
        200
    );
    assert_eq!(
        diakonie
            .send(
                Method::PATCH,
                &format!("/providers/{ICO_B}"),
                Some(change),
                &[]
            )
            .await
            .status,
        403
    );
}

/// A suspension may announce when the service resumes: a day after today, or
/// it is refused naming the field and changes nothing; the event is of schema v2.
async fn a_suspension_may_announce_when_the_service_resumes(s: &Registry, service_id: &str) {
    let Registry { admin, store, .. } = s;
    let suspend = format!("/services/{service_id}/suspend");
    let before = version(store, "service", service_id).await;
    let today = time::OffsetDateTime::now_utc().date();
    let answer = admin
        .post(
            &suspend,
            json!({ "reason": "rekonstrukce", "until": today.to_string() }),
        )
        .await;
    assert_eq!(answer.status, 422, "{:?}", answer.body);
    assert_eq!(answer.fields(), ["until"]);
    assert_eq!(version(store, "service", service_id).await, before);
    let until = today + time::Duration::days(45);
    let answer = admin
        .post(
            &suspend,
            json!({ "reason": "rekonstrukce", "until": until.to_string() }),
        )
        .await;
    assert_eq!(answer.status, 200, "{:?}", answer.body);
    let stream = store
        .read_stream(&StreamRef::new("service", service_id), 1, 1000)
        .await
        .unwrap();
    let last = stream.last().unwrap();
    assert_eq!(
        (last.event_type.as_str(), last.schema_version),
        ("ServiceSuspended", 2)
    );
    assert_eq!(last.payload["until"], until.to_string());
    let answer = admin
        .post(&format!("/services/{service_id}/resume"), json!({}))
        .await;
    assert_eq!(answer.status, 200, "{:?}", answer.body);
}

/// A wrong password is refused; too many attempts are limited.
async fn too_many_wrong_passwords_are_limited(s: &Registry) {
    let Registry { public, .. } = s;
    let mut last = 0;
    for _ in 0..6 {
        last = public
            .post(
                "/auth/login",
                json!({ "login": "diakonie", "password": "wrong-password" }),
            )
            .await
            .status;
    }
    assert_eq!(last, 429);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_registry_scenario_in_embedded_mode() {
    let dir = TempDir::new();
    let app = spawn_portal(&dir).await;
    let password = std::fs::read_to_string(dir.path().join("admin-password")).unwrap();
    scenario(
        &app.base,
        "admin",
        password.trim(),
        app.store.clone().unwrap(),
    )
    .await;
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_registry_scenario_in_distributed_mode() {
    let (pg, nats) = (TestPostgres::new(), TestNats::new());
    let settings = crate::helpers::command_settings(&pg.settings, &nats.settings);
    let app = spawn_service!(command_service::Application::build(settings).await.unwrap());
    let store: DynEventStore = std::sync::Arc::new(
        infra::event_store::postgres::PostgresEventStore::connect(&pg.settings)
            .await
            .unwrap(),
    );
    scenario(&app.base, "admin", "admin-password-1", store).await;
    app.stop().await;
}
