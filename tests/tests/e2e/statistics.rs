//! Statistics over HTTP, in embedded mode (SQLite) and distributed mode
//! (ClickHouse): a scripted history of four months (services registered,
//! changed, ended, vacancies reported) is written to the log; each endpoint
//! answers the figures worked out by hand below. Need and coverage use the
//! real census population of `../shared/data/territory`.

use crate::client::Client;
use crate::helpers::{spawn_distributed, spawn_portal};
use events::aggregate::to_new_event;
use events::registry::service::{
    Capacity, Facility, FormSpec, ServiceChanges, ServiceDetails, ServiceEvent,
};
use events::values::{Address, CapacityUnit, Contacts, Form};
use events::{Actor, EventMetadata, ExpectedVersion, StreamRef};
use infra::event_store::DynEventStore;
use serde_json::{json, Value};
use std::sync::Arc;
use test_support::TempDir;
use time::macros::datetime;
use time::OffsetDateTime;

fn details(kind: u16, beds: i64, municipality: &str, city: &str) -> ServiceDetails {
    ServiceDetails {
        name: format!("Služba {kind} {city}"),
        description: String::new(),
        kind,
        forms: vec![FormSpec {
            form: Form::Residential,
            capacities: vec![Capacity {
                unit: CapacityUnit::Beds,
                count: beds,
            }],
            non_stop: true,
        }],
        target_groups: vec!["24".into()],
        age_groups: vec![],
        catchment: Default::default(),
        facilities: vec![Facility {
            closed_on: None,
            secret_address: false,
            facility_id: "A".into(),
            name: "Dům".into(),
            address: Address {
                street: String::new(),
                city: city.into(),
                postcode: "40001".into(),
                municipality_code: Some(municipality.into()),
                ruian_code: None,
            },
            location: None,
        }],
        opening_hours: String::new(),
        contacts: Contacts::default(),
        registered_on: None,
        categories: vec![],
        media: Vec::new(),
    }
}

async fn at(store: &DynEventStore, id: &str, when: OffsetDateTime, event: ServiceEvent) {
    store
        .append(
            &StreamRef::new("service", id),
            ExpectedVersion::Any,
            vec![to_new_event(&event, when)],
            &EventMetadata::new(Actor::system()),
        )
        .await
        .unwrap();
}

fn registered(provider: &str, d: ServiceDetails) -> ServiceEvent {
    ServiceEvent::ServiceRegistered {
        provider_ico: provider.into(),
        details: d,
    }
}

/// Homes for the elderly (kind 13): h1 60 beds in Děčín (provider A), h2 40
/// beds in Ústí nad Labem (B), h3 100 beds in Praha (C, ended 2026-01-15);
/// an asylum house (kind 20) a1 30 beds in Děčín (A): free places reported
/// on 2025-11-03, capacity 35 from 2026-01-10.
async fn history(store: &DynEventStore) {
    let (decin, usti, praha) = ("562335", "554804", "554782");
    at(
        store,
        "h3",
        datetime!(2025-10-01 08:00 UTC),
        registered("C", details(13, 100, praha, "Praha")),
    )
    .await;
    at(
        store,
        "a1",
        datetime!(2025-10-01 09:00 UTC),
        registered("A", details(20, 30, decin, "Děčín")),
    )
    .await;
    at(
        store,
        "h1",
        datetime!(2025-10-05 09:00 UTC),
        registered("A", details(13, 60, decin, "Děčín")),
    )
    .await;
    let reported = datetime!(2025-11-03 10:00 UTC);
    let report = ServiceEvent::VacancyReported {
        facility_id: "A".into(),
        form: Form::Residential,
        unit: CapacityUnit::Beds,
        free_places: 4,
        reported_at: reported,
    };
    at(store, "a1", reported, report).await;
    at(
        store,
        "h2",
        datetime!(2025-11-10 09:00 UTC),
        registered("B", details(13, 40, usti, "Ústí nad Labem")),
    )
    .await;
    let changes = ServiceChanges {
        forms: Some(details(20, 35, decin, "Děčín").forms),
        ..ServiceChanges::default()
    };
    at(
        store,
        "a1",
        datetime!(2026-01-10 09:00 UTC),
        ServiceEvent::ServiceChanged { changes },
    )
    .await;
    at(
        store,
        "h3",
        datetime!(2026-01-15 09:00 UTC),
        ServiceEvent::ServiceEnded {
            reason: "closed".into(),
            ended_on: time::macros::date!(2026 - 01 - 15),
        },
    )
    .await;
}

async fn get(url: String) -> (u16, String, String) {
    let r = reqwest::get(&url).await.unwrap();
    let status = r.status().as_u16();
    let ct = r
        .headers()
        .get("content-type")
        .map(|v| v.to_str().unwrap().to_string())
        .unwrap_or_default();
    (status, ct, r.text().await.unwrap())
}

async fn json_of(url: String) -> Value {
    let (status, _, body) = get(url.clone()).await;
    assert_eq!(status, 200, "{url}: {body}");
    serde_json::from_str(&body).unwrap()
}

fn find(rows: &Value, pred: impl Fn(&Value) -> bool) -> &Value {
    rows["rows"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| pred(r))
        .unwrap_or_else(|| panic!("no such row in {rows}"))
}

async fn scenario(commands: &str, queries: &str, password: &str, store: DynEventStore) {
    let admin = Client::new(commands).login("admin", password).await;
    let after = a_norm_and_a_history_of_services(commands, &admin, &store).await;
    let s = Stats {
        admin,
        api: format!("{queries}/api/v1/stats"),
        after,
    };
    until_the_statistics_have_applied_the_whole_history(&s).await;
    let nov = services_and_providers_by_kind_and_area_on_a_day(&s).await;
    the_trend_at_the_end_of_each_month(&s).await;
    capacity_against_need(&s).await;
    vacancy_history(&s).await;
    csv_and_refusals_naming_the_parameter(&s, &nov).await;
}

/// What the steps of the statistics scenario share: the administrator and
/// the statistics API's root and the norm's position in the log.
struct Stats {
    admin: Client,
    api: String,
    after: String,
}

/// The norm of beds per 1,000 people aged 65+ for kind 13 (a bad one is named, an
/// anonymous one refused) and the history of services written into the log. Gives the
/// norm's position.
async fn a_norm_and_a_history_of_services(
    commands: &str,
    admin: &Client,
    store: &DynEventStore,
) -> String {
    let norm = json!({ "unit": "luzka", "per_thousand": 25.0, "age_group": "65+", "valid_from": "2025-01-01", "note": "Národní strategie" });
    let set = admin
        .send(
            reqwest::Method::PUT,
            "/stats/norms/13",
            Some(norm.clone()),
            &[],
        )
        .await;
    assert_eq!(set.status, 200, "{:?}", set.body);
    let after = format!(
        "{}:{}",
        set.body["transaction_id"], set.body["global_position"]
    );
    let bad = admin
        .send(reqwest::Method::PUT, "/stats/norms/13", Some(json!({ "unit": "luzka", "per_thousand": -1, "age_group": "65+", "valid_from": "2025-01-01" })), &[])
        .await;
    assert_eq!(bad.status, 422, "{:?}", bad.body);
    assert!(bad.fields().contains(&"per_thousand".to_string()));
    let anonymous = Client::new(commands)
        .send(reqwest::Method::PUT, "/stats/norms/13", Some(norm), &[])
        .await;
    assert_eq!(anonymous.status, 401);
    history(store).await;
    after
}

/// Until the statistics projection has applied the whole history.
async fn until_the_statistics_have_applied_the_whole_history(s: &Stats) {
    let Stats { admin, api, .. } = s;
    let mut waited = 0;
    loop {
        let listed = admin
            .send(reqwest::Method::GET, "/admin/projections", None, &[])
            .await;
        let statistics = listed.body["projections"]
            .as_array()
            .and_then(|all| all.iter().find(|p| p["name"] == "statistics").cloned())
            .unwrap_or_default();
        if statistics["lag_events"] == 0 && statistics["checkpoint"] == statistics["head"] {
            break;
        }
        waited += 1;
        assert!(
            waited < 400,
            "the statistics did not catch up: {statistics}"
        );
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    loop {
        let (status, _, body) = get(format!("{api}/services?date=2026-01-31&level=country")).await;
        let done = status == 200 && {
            let v: Value = serde_json::from_str(&body).unwrap();
            v["totals"][0]["services"] == 3
        };
        if done {
            break;
        }
        waited += 1;
        assert!(
            waited < 400,
            "the statistics did not arrive: {status} {body}"
        );
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
}

/// Services and providers by kind and area, on a day. Gives the kraje of 15 November.
async fn services_and_providers_by_kind_and_area_on_a_day(s: &Stats) -> Value {
    let Stats { api, .. } = s;
    let oct = json_of(format!("{api}/services?date=2025-10-20&level=kraj")).await;
    assert_eq!(
        find(&oct, |r| r["area"] == "CZ010" && r["kind"] == 13)["services"],
        1
    );
    let ul13 = find(&oct, |r| r["area"] == "CZ042" && r["kind"] == 13);
    assert_eq!(
        (
            ul13["services"].clone(),
            ul13["area_name"].clone(),
            ul13["paragraph"].clone()
        ),
        (json!(1), json!("Ústecký kraj"), json!("49"))
    );
    assert_eq!(
        find(&oct, |r| r["area"] == "CZ042" && r["kind"] == 20)["services"],
        1
    );
    let nov = json_of(format!("{api}/services?date=2025-11-15&level=kraj")).await;
    let ul = find(&nov, |r| r["area"] == "CZ042" && r["kind"] == 13);
    assert_eq!(
        (ul["services"].clone(), ul["providers"].clone()),
        (json!(2), json!(2))
    );
    let total = nov["totals"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["area"] == "CZ042")
        .unwrap();
    assert_eq!(
        (total["services"].clone(), total["providers"].clone()),
        (json!(3), json!(2)),
        "A runs two of them"
    );
    let orp = json_of(format!("{api}/services?date=2025-11-15&level=orp&kind=13")).await;
    assert_eq!(
        orp["rows"].as_array().unwrap().len(),
        3,
        "Děčín, Ústí nad Labem, Praha: {orp}"
    );
    nov
}

/// The trend: the state at the end of each month.
async fn the_trend_at_the_end_of_each_month(s: &Stats) {
    let Stats { api, .. } = s;
    let trend = json_of(format!(
        "{api}/trend?from=2025-10-01&to=2026-01-31&bucket=month&level=kraj"
    ))
    .await;
    let at_end = |bucket: &str, area: &str| {
        trend["rows"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["bucket"] == bucket && r["area"] == area)
            .cloned()
    };
    let oct_ul = at_end("2025-10", "CZ042").unwrap();
    assert_eq!(
        (
            oct_ul["date"].clone(),
            oct_ul["services"].clone(),
            oct_ul["capacity"]["luzka"].clone()
        ),
        (json!("2025-10-31"), json!(2), json!(90))
    );
    assert_eq!(
        at_end("2025-11", "CZ042").unwrap()["capacity"]["luzka"],
        130
    );
    assert_eq!(at_end("2025-12", "CZ010").unwrap()["services"], 1);
    assert!(
        at_end("2026-01", "CZ010").is_none(),
        "h3 ended on 2026-01-15"
    );
    let jan = at_end("2026-01", "CZ042").unwrap();
    assert_eq!(
        (
            jan["services"].clone(),
            jan["providers"].clone(),
            jan["capacity"]["luzka"].clone()
        ),
        (json!(3), json!(2), json!(135))
    );
    let yearly = json_of(format!(
        "{api}/trend?from=2025-10-01&to=2026-01-31&bucket=year&level=country"
    ))
    .await;
    let buckets: Vec<&str> = yearly["rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["bucket"].as_str().unwrap())
        .collect();
    assert_eq!(buckets, ["2025", "2026"]);
    assert_eq!(
        yearly["rows"][0]["capacity"]["luzka"], 230,
        "31 Dec 2025: 100 + 30 + 60 + 40"
    );
}

/// Capacity against need. By hand: Ústecký kraj has 162,386 inhabitants
/// aged 65+ (census 2021: the sum over its 16 ORP in orp_sldb2021.geojson,
/// e.g. Ústí nad Labem 23,955, Teplice 21,286, Děčín 16,334 ...); at 25
/// beds per 1,000 the need is 162,386 × 25 / 1,000 = 4,059.65 beds; on
/// 31 Dec 2025 the kraj has h1 + h2 = 100 beds: coverage 100 / 4,059.65 =
/// 0.0246, deficit 3,959.65. Praha (one ORP): 238,977 aged 65+, need
/// 5,974.43, capacity 100 (h3, ended only in January).
async fn capacity_against_need(s: &Stats) {
    let Stats { api, after, .. } = s;
    let need = json_of(format!(
        "{api}/capacity-vs-need?date=2025-12-31&level=kraj&kind=13&after={after}"
    ))
    .await;
    let ul = find(&need, |r| r["area"] == "CZ042");
    assert_eq!(ul["population"], 162_386);
    assert_eq!(ul["capacity"], 100);
    assert_eq!(ul["need"], 4059.65);
    assert_eq!(ul["coverage"], 0.0246);
    assert_eq!(ul["deficit"], 3959.65);
    let praha = find(&need, |r| r["area"] == "CZ010");
    assert_eq!(
        (
            praha["population"].clone(),
            praha["capacity"].clone(),
            praha["need"].clone()
        ),
        (json!(238_977), json!(100), json!(5974.43))
    );
    assert_eq!(find(&need, |r| r["area"] == "CZ080")["capacity"], 0);
    assert_eq!(need["rows"].as_array().unwrap().len(), 14, "every kraj");
}

/// Vacancy history. By hand: a1 reported 4 free places on 3 Nov 10:00;
/// they count as fresh at the end of 3–9 Nov (7 days), stale at the end
/// of 10–30 Nov (21 days): November averages 4 × 7 / 30 = 0.93 free
/// places, 28 reporting days / 30 = 0.93, stale share 21 / 28 = 0.75.
async fn vacancy_history(s: &Stats) {
    let Stats { api, .. } = s;
    let vac = json_of(format!(
        "{api}/vacancies?from=2025-11-01&to=2025-11-30&bucket=month&level=kraj&kind=20"
    ))
    .await;
    let row = find(&vac, |r| r["area"] == "CZ042");
    assert_eq!(
        (
            row["days"].clone(),
            row["avg_free_places"].clone(),
            row["avg_reporting"].clone(),
            row["stale_share"].clone()
        ),
        (json!(30), json!(0.93), json!(0.93), json!(0.75))
    );
}

/// CSV, and refusals naming the parameter.
async fn csv_and_refusals_naming_the_parameter(s: &Stats, nov: &Value) {
    let Stats { api, after, .. } = s;
    let (status, ct, csv) = get(format!(
        "{api}/services?date=2025-11-15&level=kraj&format=csv"
    ))
    .await;
    assert_eq!(status, 200);
    assert!(ct.starts_with("text/csv"));
    let header = csv.lines().next().unwrap();
    assert_eq!(
        header,
        "area,area_name,kind,kind_name,paragraph,providers,services"
    );
    assert_eq!(
        csv.lines().count(),
        1 + nov["rows"].as_array().unwrap().len()
    );
    let (_, _, trend_csv) = get(format!(
        "{api}/trend?from=2025-10-01&to=2026-01-31&level=kraj&format=csv"
    ))
    .await;
    assert!(
        trend_csv.lines().next().unwrap().contains("capacity.luzka"),
        "{trend_csv}"
    );
    for bad in [
        "services?date=yesterday",
        "services?level=obec",
        "trend?bucket=week",
        "trend?from=2026-01-01&to=2025-01-01",
        "services?format=xml",
    ] {
        let (status, _, body) = get(format!("{api}/{bad}")).await;
        assert_eq!(status, 422, "{bad}: {body}");
    }
    let norms = json_of(format!("{api}/norms?after={after}")).await;
    assert_eq!(norms["rows"][0]["versions"][0]["per_thousand"], 25.0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn statistics_in_embedded_mode() {
    let dir = TempDir::new();
    let app = spawn_portal(&dir).await;
    let password = std::fs::read_to_string(dir.path().join("admin-password")).unwrap();
    let store = app.store.clone().unwrap();
    scenario(&app.base, &app.base, password.trim(), store).await;
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn statistics_in_distributed_mode() {
    let stack = spawn_distributed().await;
    let store: DynEventStore = Arc::new(
        infra::event_store::postgres::PostgresEventStore::connect(&stack.postgres)
            .await
            .unwrap(),
    );
    scenario(&stack.commands, &stack.queries, "admin-password-1", store).await;
    stack.stop().await;
}
