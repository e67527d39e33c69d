//! The read side over HTTP, in embedded and distributed mode: a service
//! registered through the command API is found by the search (diacritics,
//! prefixes, filters, distance, facets) once the read models hold it
//! (read-your-writes), and a vacancy report changes the board and the kraj
//! and ORP aggregates of the map, computed on the real territory; the
//! contacts of the methodologist and the social curators are kept by whom
//! their scope allows and shown on the map.

use crate::client::Client;
use crate::helpers::{spawn_distributed, spawn_portal};
use serde_json::{json, Value};
use test_support::TempDir;

fn after(result: &Value) -> String {
    format!("{}:{}", result["transaction_id"], result["global_position"])
}

async fn get(base: &str, path: &str) -> (u16, Value) {
    let response = reqwest::get(format!("{base}/api/v1{path}")).await.unwrap();
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(Value::Null))
}

/// Runs against a command API at `commands` and a read API at `queries`.
pub async fn scenario(commands: &str, queries: &str, admin_password: &str) {
    let admin = Client::new(commands).login("admin", admin_password).await;
    let (id, written) = an_asylum_house_in_decin(&admin).await;
    the_search_reads_its_writes_by_words_and_filters(queries, &id, &written).await;
    the_search_by_distance(queries).await;
    a_vacancy_report_changes_the_board_and_the_map(&admin, queries, &id).await;
    the_details_of_the_service_and_its_provider(queries, &id).await;
    a_parameter_that_does_not_parse_is_a_problem_naming_it(queries).await;
    czech_search(&admin, queries, &id).await;
    contacts(&admin, queries).await;
}

/// A provider's asylum house in Děčín. Gives the service and the position of its
/// registration.
async fn an_asylum_house_in_decin(admin: &Client) -> (String, String) {
    let provider = json!({ "ico": "00064581", "name": "Oblastní charita Děčín", "address": { "city": "Děčín", "postcode": "40502" } });
    assert_eq!(admin.post("/providers", provider).await.status, 201);
    let service = json!({ "provider_ico": "00064581", "details": {
        "name": "Azylový dům pro muže", "description": "Noclehy a poradenství.", "kind": 20,
        "forms": [{ "form": "pob", "capacities": [{ "unit": "luzka", "count": 30 }] }],
        "target_groups": ["18"], "categories": ["bydlení"],
        "facilities": [{ "facility_id": "A", "name": "Azylový dům Kamenická", "address": { "street": "Kamenická 5", "city": "Děčín", "postcode": "40502", "municipality_code": "562335" }, "location": { "lat": 50.7736, "lon": 14.1961 } }]
    } });
    let registered = admin.post("/services", service).await;
    assert_eq!(registered.status, 201, "{:?}", registered.body);
    let id = registered.body["stream_id"].as_str().unwrap().to_string();
    (id, after(&registered.body))
}

/// Read-your-writes: the search answers once the read models hold the change; words
/// without diacritics or case, and every filter.
async fn the_search_reads_its_writes_by_words_and_filters(queries: &str, id: &str, written: &str) {
    let (status, found) = get(queries, &format!("/services?q=decin&after={written}")).await;
    assert_eq!(status, 200, "{found}");
    assert_eq!(found["total"], 1, "{found}");
    assert_eq!(found["items"][0]["id"], id);
    assert_eq!(found["items"][0]["provider_name"], "Oblastní charita Děčín");
    assert_eq!(found["items"][0]["paragraph"], "57");
    assert_eq!(found["facets"]["kind"]["20"], 1);
    assert_eq!(found["items"][0]["kraje"], json!(["CZ042"]));
    for (q, total) in [
        ("azyl", 1),
        ("AZYLOVÝ dum", 1),
        ("charita muz", 1),
        ("nocleharna", 0),
        ("ostrava", 0),
    ] {
        let (_, r) = get(queries, &format!("/services?q={}", urlencode(q))).await;
        assert_eq!(r["total"], total, "{q}: {r}");
    }
    for (filter, total) in [
        ("kind=20", 1),
        ("kind=26", 0),
        ("paragraph=57", 1),
        ("form=pob", 1),
        ("form=ter", 0),
        ("kraj=CZ042", 1),
        ("kraj=60", 1),
        ("kraj=CZ080", 0),
        ("orp=4202", 1),
        ("orp=728", 1),
        ("municipality=562335", 1),
        ("target_group=18", 1),
        ("category=bydlen%C3%AD", 1),
        ("provider_ico=00064581", 1),
        ("free_now=true", 0),
    ] {
        let (_, r) = get(queries, &format!("/services?{filter}")).await;
        assert_eq!(r["total"], total, "{filter}: {r}");
    }
}

/// Distance: near Děčín yes, near Ostrava no; sorted by distance with it reported.
async fn the_search_by_distance(queries: &str) {
    let (_, near) = get(queries, "/services?lat=50.78&lon=14.20&radius_km=5").await;
    assert_eq!(near["total"], 1, "{near}");
    assert!(near["items"][0]["distance_km"].as_f64().unwrap() < 1.0);
    let (_, far) = get(queries, "/services?lat=49.82&lon=18.26&radius_km=50").await;
    assert_eq!(far["total"], 0);
    let (status, bad) = get(queries, "/services?radius_km=5").await;
    assert_eq!(status, 422, "{bad}");
    assert_eq!(bad["errors"][0]["field"], "radius_km");
}

/// A vacancy report changes the board and the map.
async fn a_vacancy_report_changes_the_board_and_the_map(admin: &Client, queries: &str, id: &str) {
    let reported = admin
        .post(
            &format!("/services/{id}/vacancies"),
            json!({ "facility_id": "A", "form": "pob", "unit": "luzka", "free_places": 4 }),
        )
        .await;
    assert_eq!(reported.status, 200, "{:?}", reported.body);
    let (_, board) = get(
        queries,
        &format!("/vacancies?kraj=CZ042&after={}", after(&reported.body)),
    )
    .await;
    assert_eq!(board["total"], 1, "{board}");
    assert_eq!(board["items"][0]["free_places"], 4);
    assert_eq!(board["items"][0]["capacity"], 30);
    assert_eq!(board["items"][0]["stale"], false);
    let (_, free) = get(queries, "/services?free_now=true").await;
    assert_eq!(free["total"], 1);
    let (_, kraje) = get(queries, "/map?level=kraj").await;
    let ulk = kraje["areas"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["code"] == "CZ042")
        .unwrap();
    assert_eq!(
        (ulk["services"].clone(), ulk["free_places"]["20"].clone()),
        (json!(1), json!(4)),
        "{ulk}"
    );
    let (_, orp) = get(queries, "/map?level=orp&kraj=CZ042").await;
    assert_eq!(orp["areas"].as_array().unwrap().len(), 16);
    let decin = orp["areas"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["code"] == "4202")
        .unwrap();
    assert_eq!(decin["free_places"]["20"], 4, "{decin}");
    let (_, country) = get(queries, "/map?level=country").await;
    assert_eq!(country["areas"][0]["services_by_kind"]["20"], 1);
    let (_, geo) = get(queries, "/map.geojson?level=kraj").await;
    let features = geo["features"].as_array().unwrap();
    assert_eq!(features.len(), 14);
    assert!(features
        .iter()
        .any(|f| f["properties"]["code"] == "CZ042" && f["properties"]["free_places"]["20"] == 4));
}

/// The details of the service and its provider; an unknown one is not found.
async fn the_details_of_the_service_and_its_provider(queries: &str, id: &str) {
    let (status, detail) = get(queries, &format!("/services/{id}")).await;
    assert_eq!(status, 200);
    assert_eq!(detail["vacancies"][0]["free_places"], 4);
    assert_eq!(detail["vacancies"][0]["stale"], false);
    let (_, p) = get(queries, "/providers/00064581").await;
    assert_eq!(p["services"][0]["id"], id);
    assert_eq!(get(queries, "/services/nope").await.0, 404);
}

/// A parameter that does not parse is a problem naming it, on every read route.
async fn a_parameter_that_does_not_parse_is_a_problem_naming_it(queries: &str) {
    for (path, field) in [
        ("/api/v1/services?kind=abc", "kind"),
        ("/api/v1/services?free_now=maybe", "free_now"),
        ("/api/v1/vacancies?lat=north", "lat"),
        ("/api/v1/forum/threads?section=secret", "section"),
        ("/api/v1/stats/trend?kind=-1", "kind"),
        ("/hsds/services?page=x", "page"),
    ] {
        let r = reqwest::get(format!("{queries}{path}")).await.unwrap();
        assert_eq!(r.status().as_u16(), 422, "{path}");
        assert_eq!(
            r.headers()["content-type"].to_str().unwrap(),
            "application/problem+json",
            "{path}"
        );
        let body: Value = r.json().await.unwrap();
        assert_eq!(body["errors"][0]["field"], field, "{path}: {body}");
    }
}

/// The search matches Czech word forms and the words people use for a kind,
/// and ranks whole words of the name first.
async fn czech_search(admin: &Client, queries: &str, shelter: &str) {
    for (q, total) in [
        ("azylové domy Děčín", 1),
        ("azylovy dum decin", 1),
        ("azylových domů", 1),
        ("Děčíně", 1),
        ("mužům", 1),
        ("azylák", 1),
        ("bez domova", 1),
        ("domov důchodců", 0),
        ("noclehárny", 0),
    ] {
        let (_, r) = get(queries, &format!("/services?q={}", urlencode(q))).await;
        assert_eq!(r["total"], total, "{q}: {r}");
    }
    // A counselling service that mentions a shelter in its text only.
    let counselling = json!({ "provider_ico": "00064581", "details": {
        "name": "Poradna pro lidi v nouzi", "description": "Pomůžeme najít azylový dům.", "kind": 1,
        "forms": [{ "form": "amb", "capacities": [{ "unit": "klient", "count": 10 }] }],
        "target_groups": ["18"],
        "facilities": [{ "facility_id": "P", "name": "Poradna", "address": { "street": "Teplická 1", "city": "Děčín", "postcode": "40502", "municipality_code": "562335" }, "location": { "lat": 50.77, "lon": 14.2 } }]
    } });
    let registered = admin.post("/services", counselling).await;
    assert_eq!(registered.status, 201, "{:?}", registered.body);
    let (_, r) = get(
        queries,
        &format!(
            "/services?q={}&after={}",
            urlencode("azylový dům"),
            after(&registered.body)
        ),
    )
    .await;
    assert_eq!(r["total"], 2, "{r}");
    assert_eq!(r["items"][0]["id"], shelter, "the name's words first: {r}");
    assert_eq!(r["items"][1]["name"], "Poradna pro lidi v nouzi", "{r}");
    let (_, r) = get(queries, &format!("/services?q={}", urlencode("azylák"))).await;
    assert_eq!(r["total"], 1, "a synonym names the kind, not the text: {r}");

    // A place instead of coordinates: a municipality's name, code or name with its okres.
    for near in ["Děčín", "decin", "562335", "Děčín, Děčín"] {
        let (status, r) = get(
            queries,
            &format!("/services?near={}&radius_km=10", urlencode(near)),
        )
        .await;
        assert_eq!((status, r["total"].clone()), (200, json!(2)), "{near}: {r}");
        assert!(r["items"][0]["distance_km"].as_f64().unwrap() < 3.0, "{r}");
    }
    let (_, far) = get(
        queries,
        &format!("/services?near={}&radius_km=50", urlencode("Ostrava")),
    )
    .await;
    assert_eq!(far["total"], 0, "{far}");
    let (status, ambiguous) = get(
        queries,
        &format!("/services?near={}", urlencode("Nová Ves")),
    )
    .await;
    assert_eq!(status, 422, "{ambiguous}");
    assert_eq!(ambiguous["errors"][0]["field"], "near");
    let candidates = ambiguous["candidates"].as_array().unwrap();
    assert!(candidates.len() > 5, "{ambiguous}");
    assert!(candidates
        .iter()
        .all(|c| c["name"] == "Nová Ves" && c["okres"].is_string()));
    let (status, shared) = get(queries, "/services?near=405%2002").await;
    assert_eq!(status, 422, "{shared}");
    assert!(
        shared["errors"][0]["reason"]
            .as_str()
            .unwrap()
            .starts_with("the postcode 405 02 is of "),
        "{shared}"
    );
    for bad in ["Atlantida", "Děčín&lat=50&lon=14"] {
        let (status, r) = get(queries, &format!("/services?near={bad}")).await;
        assert_eq!(status, 422, "{bad}: {r}");
        assert_eq!(r["errors"][0]["field"], "near", "{bad}: {r}");
    }
    // Suggestions for `near` as someone types: what to send to name each place alone.
    let (status, typed) = get(queries, "/places?q=de%C4%8D").await;
    assert_eq!(status, 200, "{typed}");
    assert_eq!(typed["items"][0]["name"], "Děčín", "{typed}");
    assert_eq!(typed["items"][0]["near"], "Děčín", "{typed}");
    assert_eq!(typed["items"][0]["postcode"], "40502", "{typed}");
    let (_, many) = get(queries, "/places?q=nova%20ves").await;
    let items = many["items"].as_array().unwrap();
    assert_eq!(items.len(), 10, "at most ten: {many}");
    assert!(
        items
            .iter()
            .filter(|p| p["name"] == "Nová Ves")
            .all(|p| p["near"] == format!("Nová Ves, {}", p["okres"].as_str().unwrap())),
        "{many}"
    );
    let (_, short) = get(queries, "/places?q=d").await;
    assert_eq!(short["total"], 0, "{short}");
}

fn contact(role: &str, kraj: &str, orp: Option<&str>, name: &str) -> Value {
    json!({ "role": role, "kraj": kraj, "orp": orp, "name": name,
        "office": "Krajský úřad Ústeckého kraje", "contacts": { "emails": ["socialni@kr-ustecky.cz"] } })
}

/// Contacts: kept within the scope of the role, shown on the kraj and ORP areas.
async fn contacts(admin: &Client, queries: &str) {
    let published = admin
        .post(
            "/regional-contacts",
            json!({ "details": contact("methodologist", "CZ042", None, "Petr Metodik") }),
        )
        .await;
    assert_eq!(published.status, 201, "{:?}", published.body);
    let account = json!({ "login": "kurator-decin", "email": "kurator@mmdecin.cz", "display_name": "Kurátor Děčín", "password": "kuratorske-heslo-1", "roles": [{ "role": "social_curator", "scope": { "kind": "orp", "code": "4202" } }] });
    assert_eq!(admin.post("/accounts", account).await.status, 201);
    let curator = Client::new(&admin.base)
        .login("kurator-decin", "kuratorske-heslo-1")
        .await;
    let own = curator
        .post(
            "/regional-contacts",
            json!({ "details": contact("social_curator", "CZ042", Some("4202"), "Jana Kurátorová") }),
        )
        .await;
    assert_eq!(own.status, 201, "{:?}", own.body);
    for (details, status) in [
        (
            contact("social_curator", "CZ042", Some("4203"), "Jiná ORP"),
            403,
        ),
        (contact("methodologist", "CZ042", None, "Ne kurátor"), 403),
    ] {
        let refused = curator
            .post("/regional-contacts", json!({ "details": details }))
            .await;
        assert_eq!(refused.status, status, "{:?}", refused.body);
    }
    // Out of the scope by way of another kraj: the ORP must lie in the contact's kraj.
    let methodologist = json!({ "login": "metodik-usti", "email": "metodik@kr-ustecky.cz", "display_name": "Metodik", "password": "metodikovo-heslo-1", "roles": [{ "role": "methodologist", "scope": { "kind": "kraj", "code": "CZ042" } }] });
    assert_eq!(admin.post("/accounts", methodologist).await.status, 201);
    let methodologist = Client::new(&admin.base)
        .login("metodik-usti", "metodikovo-heslo-1")
        .await;
    for (who, details) in [
        (
            &methodologist,
            contact("social_curator", "CZ042", Some("2101"), "Kurátor Benešov"),
        ),
        (
            &curator,
            contact("social_curator", "CZ010", Some("4202"), "Kurátor v Praze"),
        ),
    ] {
        let refused = who
            .post("/regional-contacts", json!({ "details": details }))
            .await;
        assert_eq!(refused.status, 422, "{:?}", refused.body);
        assert_eq!(refused.fields(), ["details.orp"], "{:?}", refused.body);
    }
    let invalid = admin
        .post(
            "/regional-contacts",
            json!({ "details": contact("social_curator", "CZ042", None, "Bez ORP") }),
        )
        .await;
    assert_eq!(invalid.status, 422, "{:?}", invalid.body);
    assert!(
        invalid.fields().iter().any(|f| f.ends_with("orp")),
        "{:?}",
        invalid.body
    );

    let names = |area: &Value| -> Vec<String> {
        area["contacts"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["name"].as_str().unwrap().to_string())
            .collect()
    };
    let area = |areas: &Value, code: &str| -> Value {
        areas["areas"]
            .as_array()
            .unwrap()
            .iter()
            .find(|a| a["code"] == code)
            .cloned()
            .unwrap()
    };
    let (_, kraje) = get(
        queries,
        &format!("/map?level=kraj&after={}", after(&own.body)),
    )
    .await;
    assert_eq!(names(&area(&kraje, "CZ042")), ["Petr Metodik"]);
    assert!(names(&area(&kraje, "CZ080")).is_empty());
    let (_, orp) = get(queries, "/map?level=orp&kraj=CZ042").await;
    assert_eq!(
        names(&area(&orp, "4202")),
        ["Petr Metodik", "Jana Kurátorová"]
    );
    assert_eq!(names(&area(&orp, "4203")), ["Petr Metodik"]);
    assert_eq!(
        area(&orp, "4202")["contacts"][1]["contacts"]["emails"][0],
        "socialni@kr-ustecky.cz"
    );
    let (_, list) = get(queries, "/regional-contacts?role=social_curator&kraj=60").await;
    assert_eq!(list["total"], 1, "{list}");

    // The curator withdraws its contact; the map no longer shows it.
    let id = own.body["stream_id"].as_str().unwrap();
    let withdrawn = curator
        .post(
            &format!("/regional-contacts/{id}/withdraw"),
            json!({ "reason": "nový kurátor" }),
        )
        .await;
    assert_eq!(withdrawn.status, 200, "{:?}", withdrawn.body);
    let (_, orp) = get(
        queries,
        &format!("/map?level=orp&kraj=CZ042&after={}", after(&withdrawn.body)),
    )
    .await;
    assert_eq!(names(&area(&orp, "4202")), ["Petr Metodik"]);
}

fn urlencode(s: &str) -> String {
    s.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_read_side_in_embedded_mode() {
    let dir = TempDir::new();
    let app = spawn_portal(&dir).await;
    let password = std::fs::read_to_string(dir.path().join("admin-password")).unwrap();
    scenario(&app.base, &app.base, password.trim()).await;
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_read_side_in_distributed_mode() {
    let stack = spawn_distributed().await;
    scenario(&stack.commands, &stack.queries, "admin-password-1").await;
    stack.stop().await;
}
