//! The import of the MPSV registry file, on the embedded store and on
//! PostgreSQL: a fixture written field by field after the published format
//! (120 services of 40 providers in six kraje, with the known traps) becomes
//! read models checked field by field; the same file again records nothing;
//! a changed file records exactly the expected changes; a file cut short
//! imports what it holds and ends nothing.

use command_service::import::sample::{write_sample, SampleSpec, SampleTruth, SECRET_STREET};
use command_service::import::{import_registry_file, ImportSummary};
use command_service::settings::AuthSettings;
use infra::credentials::DynCredentialStore;
use infra::event_store::{DynEventStore, LogPosition, RecordedEvent};
use infra::read_model::DynReadModelStore;
use infra::territory::Territory;
use projection_service::registry::RegistryProjection;
use read_models::registry::{PROVIDERS, SERVICES};
use serde_json::{json, Value};
use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;
use test_support::{shared_data_dir, TempDir, TestPostgres};

const KINDS: [(u16, &str, &str); 7] = [
    (20, "pob", "luzka"),
    (26, "pob", "luzka"),
    (13, "pob", "luzka"),
    (33, "amb", "klient"),
    (34, "ter", "interv"),
    (21, "pob", "luzka"),
    (31, "pob", "luzka"),
];

/// Valid IČOs: a real one with leading zeros, then generated ones.
fn ico(p: usize) -> String {
    if p == 0 {
        return "00064581".into();
    }
    command_service::import::sample::ico(p)
}

/// Four municipalities from each of six kraje, from the real territory.
fn places(t: &Territory) -> Vec<(String, String)> {
    let mut by_kraj: BTreeMap<&str, Vec<(String, String)>> = BTreeMap::new();
    for m in t.municipalities.values() {
        by_kraj
            .entry(m.kraj_nuts.as_str())
            .or_default()
            .push((m.code.clone(), m.name.clone()));
    }
    by_kraj
        .into_values()
        .take(6)
        .flat_map(|mut v| {
            v.sort();
            v.into_iter().take(4)
        })
        .collect()
}

fn address(code: &str, street: &str, number: u32, ruian: Option<u64>) -> Value {
    json!({
        "cisloDomovni": number, "cisloOrientacni": null, "dodatekAdresy": null,
        "kodAdresnihoMista": ruian, "psc": "50001",
        "typCislaDomovniho": { "id": "TypStavebnihoObjektu/1" },
        "kraj": { "id": "Kraj/0" }, "okres": { "id": "Okres/0" },
        "obec": { "id": format!("Obec/{code}") }, "castObce": null,
        "mestskyObvodMestskaCast": null, "mestskyObvodVPraze": null,
        "ulice": { "nazev": street }
    })
}

fn provider(p: usize, places: &[(String, String)], phone: &str) -> Value {
    let (code, _) = &places[p % places.len()];
    json!({
        "ico": ico(p), "nazev": format!("Poskytovatel sociálních služeb {p}"),
        "pravniForma": { "id": "FormaPravni/706" },
        "adresa": address(code, "Náměstí", 100 + p as u32, Some(1_000_000 + p as u64)),
        "emaily": [{ "email": format!("info{p}@poskytovatel.cz"), "poznamka": null }],
        "telefony": [{ "telefon": phone, "poznamka": null }],
        "weby": [{ "web": format!("https://poskytovatel{p}.cz"), "poznamka": null }],
        "statutarniOrgany": [{ "titulPred": "Ing.", "jmeno": "Marie", "prijmeni": "Statutárová" }]
    })
}

/// One item of the registry file, as published.
fn item(i: usize, places: &[(String, String)]) -> Value {
    let (kind, form, unit) = KINDS[i % KINDS.len()];
    let (code, name) = &places[i % places.len()];
    let p = i % 40;
    let facility = |n: usize, ruian: Option<u64>| {
        json!({
            "nazev": format!("Zařízení {i}-{n} {name}"),
            "adresa": address(code, "Hlavní", 10 + n as u32, ruian),
            "poskytujeOd": "2015-01-01T00:00:00", "poskytujeDo": null,
            "vedouci": { "jmeno": "Karel", "prijmeni": "Vedoucí" }
        })
    };
    let mut facilities = vec![facility(0, Some(20_000_000 + i as u64))];
    let mut groups = vec![json!({ "id": "CilovaSkupinaOsoby/24" })];
    match i {
        3 => facilities.push(facility(1, None)),
        5 => facilities.push(facility(0, Some(20_000_005))),
        7 => groups.push(json!({ "id": "CilovaSkupinaOsoby/99" })),
        13 => facilities.push(facility(2, Some(30_000_013))),
        _ => {}
    }
    let mut capacity = json!({ "pocet": 30, "popis": "Maximální kapacita 30 s účinností od 01.01.2015.", "typ": { "id": format!("TypKapacitySocialniSluzby/{unit}") } });
    if i == 11 {
        capacity["pocet"] = json!("třicet");
    }
    json!({
        "portalId": 1000 + i, "id": 5000 + i, "identifikator": format!("{:07}", 1_000_000 + i * 7),
        "datumPoskytovaniOd": "2015-01-01T00:00:00",
        "datumPoskytovaniDo": if i == 17 { json!("2024-12-31T00:00:00") } else { Value::Null },
        "kontaktniAdresy": [],
        "druhSocialniSluzby": { "id": format!("DruhSocialniSluzby/{kind}") },
        "zarizeni": facilities,
        "poskytovatel": provider(p, places, &format!("+420 600 000 {p:03}")),
        "emaily": [{ "email": format!("sluzba{i}@poskytovatel.cz"), "poznamka": null }],
        "telefony": [{ "telefon": format!("+420 700 000 {i:03}"), "poznamka": null }],
        "faxy": [], "weby": [],
        "ciloveSkupiny": groups,
        "vekoveSkupiny": [{ "id": "VekovaSkupinaOsoby/8" }],
        "doplnujiciInformaceVekoveSkupiny": null,
        "formy": [{ "forma": { "id": format!("FormaSocialniSluzby/{form}") }, "nepretrzitePoskytovani": form == "pob", "casoveRozsahy": null, "kapacity": [capacity] }],
        "rozsirenePusobnostiVKraji": [],
        "doplnkoveUdaje": { "realizacePoskytovani": [{ "priloha": { "url": "https://www.mpsv.cz/agportal-server/rest/documents/1" } }] }
    })
}

fn write(dir: &TempDir, name: &str, items: Vec<Value>) -> std::path::PathBuf {
    let path = dir.path().join(name);
    let file = json!({ "verze": "1.0", "polozky": items });
    std::fs::write(&path, serde_json::to_vec(&file).unwrap()).unwrap();
    path
}

async fn import(
    store: &DynEventStore,
    credentials: &DynCredentialStore,
    path: &Path,
    t: &Territory,
) -> anyhow::Result<ImportSummary> {
    let auth = AuthSettings {
        jwt_secret: test_support::TEST_JWT_SECRET.as_bytes().to_vec(),
        session_ttl: time::Duration::hours(1),
        trusted_proxies: Vec::new(),
        signing_key_file: None,
        admin: None,
    };
    // The import touches no personal data of the forum: a throw-away key store.
    let keys_dir = TempDir::new();
    let keys = Arc::new(
        infra::personal::sqlite::SqlitePersonalKeyStore::open(keys_dir.path().join("keys.sqlite3"))
            .unwrap(),
    );
    let state =
        command_service::bootstrap::app_state(store.clone(), credentials.clone(), keys, &auth)
            .await
            .unwrap();
    let names = |code: &str| t.municipalities.get(code).map(|m| m.name.clone());
    let today = time::macros::date!(2026 - 11 - 23);
    import_registry_file(&state, path, &names, today, &mut |_| {}).await
}

async fn events_after(store: &DynEventStore, after: LogPosition) -> Vec<RecordedEvent> {
    let mut all = Vec::new();
    let mut from = after;
    loop {
        let page = store.read_all(from, 1000).await.unwrap();
        let Some(last) = page.last() else { break };
        from = last.log_position();
        all.extend(page);
    }
    all
}

/// The events after `after`, waiting (at most 10 s) until at least `n` are
/// visible: on a PostgreSQL server shared with other tests, another test's
/// open transaction holds back what a gap-safe reader may see yet.
async fn at_least(store: &DynEventStore, after: LogPosition, n: usize) -> Vec<RecordedEvent> {
    for _ in 0..500 {
        let all = events_after(store, after).await;
        if all.len() >= n {
            return all;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    events_after(store, after).await
}

/// The registry read models up to the head of the log.
async fn project(store: &DynEventStore, rm: &DynReadModelStore) -> i64 {
    let generation = rm.active_generation().await.unwrap();
    let head = store.head().await.unwrap();
    while rm.checkpoint(generation, "registry").await.unwrap() < head {
        projection_service::runner::catch_up(&RegistryProjection, store, rm, generation, 500)
            .await
            .unwrap();
        tokio::time::sleep(std::time::Duration::from_millis(5)).await;
    }
    generation
}

async fn scenario(store: DynEventStore, credentials: DynCredentialStore, rm: DynReadModelStore) {
    let s = a_registry_file(store, credentials, rm);
    the_first_import_registers_everything_but_no_names(&s).await;
    the_read_models_field_by_field(&s).await;
    let head = the_same_file_again_changes_nothing(&s).await;
    a_changed_file_makes_exactly_the_expected_changes(&s, head).await;
    a_file_cut_short_ends_nothing(&s).await;
}

/// What the steps of the import scenario share: the stores, the territory,
/// the places the generated file uses and the file, in its folder.
struct Imported {
    store: DynEventStore,
    credentials: DynCredentialStore,
    rm: DynReadModelStore,
    t: Territory,
    places: Vec<(String, String)>,
    dir: TempDir,
    first: std::path::PathBuf,
}

/// A registry file of 120 services generated over the real territory.
fn a_registry_file(
    store: DynEventStore,
    credentials: DynCredentialStore,
    rm: DynReadModelStore,
) -> Imported {
    let t = infra::territory::load_dir(&shared_data_dir().join("territory")).unwrap();
    let places = places(&t);
    let dir = TempDir::new();
    let first = write(
        &dir,
        "rpss.json",
        (0..120).map(|i| item(i, &places)).collect(),
    );
    Imported {
        store,
        credentials,
        rm,
        t,
        places,
        dir,
        first,
    }
}

/// The first import registers every provider and service (a capacity that is no count is
/// left out with a warning), and no personal name.
async fn the_first_import_registers_everything_but_no_names(s: &Imported) {
    let Imported {
        store,
        credentials,
        t,
        first,
        ..
    } = s;
    let summary = import(store, credentials, first, t).await.unwrap();
    assert_eq!(
        (
            summary.items,
            summary.providers_registered,
            summary.services_registered,
            summary.services_ended,
            summary.skipped.len()
        ),
        (120, 40, 120, 1, 0),
        "{summary}"
    );
    assert_eq!(summary.warned, 1, "{summary}");
    assert!(
        summary.warnings[0].contains("5011")
            && summary.warnings[0].contains("formy[0].kapacity[0].pocet"),
        "a capacity that is no count is left out, the service imported: {:?}",
        summary.warnings
    );
    let all = events_after(store, LogPosition::START).await;
    let text = serde_json::to_string(&all.iter().map(|e| &e.payload).collect::<Vec<_>>()).unwrap();
    assert!(
        !text.contains("Statutárová") && !text.contains("Vedoucí"),
        "personal names imported"
    );
    assert!(all.iter().all(|e| e.actor.account_id == "import:rpss"));
}

/// The read models, field by field.
async fn the_read_models_field_by_field(s: &Imported) {
    let Imported {
        store, rm, places, ..
    } = s;
    let generation = project(store, rm).await;
    let doc = |key: String| {
        let rm = rm.clone();
        async move { rm.get(generation, SERVICES, &key).await.unwrap().unwrap() }
    };
    let s0 = doc("rpss-5000".into()).await;
    let (code0, name0) = &places[0];
    assert_eq!(s0["provider_ico"], "00064581");
    assert_eq!(s0["status"], "active");
    assert_eq!(s0["kind_name"], "azylové domy");
    let d = &s0["details"];
    assert_eq!(d["name"], "Azylové domy – Poskytovatel sociálních služeb 0");
    assert_eq!(d["kind"], 20);
    assert_eq!(
        d["forms"],
        json!([{ "form": "pob", "capacities": [{ "unit": "luzka", "count": 30 }], "non_stop": true }])
    );
    assert_eq!(d["target_groups"], json!(["24"]));
    assert_eq!(d["age_groups"], json!(["8"]));
    assert_eq!(d["registered_on"], "2015-01-01");
    assert_eq!(d["contacts"]["emails"], json!(["sluzba0@poskytovatel.cz"]));
    assert_eq!(d["contacts"]["phones"], json!(["+420 700 000 000"]));
    let f = &d["facilities"][0];
    assert_eq!(f["facility_id"], "20000000");
    assert_eq!(f["name"], format!("Zařízení 0-0 {name0}"));
    assert_eq!(f["address"]["street"], "Hlavní 10");
    assert_eq!(
        f["address"]["city"],
        name0.as_str(),
        "named from the territory"
    );
    assert_eq!(f["address"]["postcode"], "50001");
    assert_eq!(f["address"]["municipality_code"], code0.as_str());
    assert_eq!(f["address"]["ruian_code"], 20_000_000);
    let s3 = doc("rpss-5003".into()).await;
    let keyed = s3["details"]["facilities"][1]["facility_id"]
        .as_str()
        .unwrap();
    assert!(
        keyed.starts_with("misto-") && keyed.len() <= 64,
        "a facility without an address-place code is keyed by a digest of its name and address: {keyed}"
    );
    assert_eq!(s3["details"]["forms"][0]["capacities"][0]["unit"], "klient");
    let s5 = doc("rpss-5005".into()).await;
    assert_eq!(
        s5["details"]["facilities"].as_array().unwrap().len(),
        1,
        "duplicate merged"
    );
    let s7 = doc("rpss-5007".into()).await;
    assert_eq!(
        s7["details"]["target_groups"],
        json!(["24", "99"]),
        "unknown code kept"
    );
    assert_eq!(doc("rpss-5017".into()).await["status"], "ended");
    let s11 = doc("rpss-5011".into()).await;
    assert_eq!(
        s11["details"]["forms"][0]["capacities"],
        json!([]),
        "imported without the unreadable capacity"
    );
    let p0 = rm
        .get(generation, PROVIDERS, "00064581")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        (
            p0["name"].as_str(),
            p0["legal_form"].as_str(),
            p0["status"].as_str()
        ),
        (
            Some("Poskytovatel sociálních služeb 0"),
            Some("706"),
            Some("active")
        )
    );
    assert_eq!(p0["address"]["street"], "Náměstí 100");
    assert_eq!(p0["contacts"]["phones"], json!(["+420 600 000 000"]));
}

/// The same file again: nothing new. Gives the head of the log.
async fn the_same_file_again_changes_nothing(s: &Imported) -> LogPosition {
    let Imported {
        store,
        credentials,
        t,
        first,
        ..
    } = s;
    let head = store.head().await.unwrap().unwrap();
    let again = import(store, credentials, first, t).await.unwrap();
    assert_eq!((again.events, again.unchanged), (0, 120), "{again}");
    assert_eq!(store.head().await.unwrap(), Some(head));
    head
}

/// A changed file: exactly the expected changes.
async fn a_changed_file_makes_exactly_the_expected_changes(s: &Imported, head: LogPosition) {
    let Imported {
        store,
        credentials,
        rm,
        t,
        places,
        dir,
        ..
    } = s;
    let mut items: Vec<Value> = (0..120)
        .filter(|&i| i != 2)
        .map(|i| item(i, places))
        .collect();
    items[0]["formy"][0]["kapacity"][0]["pocet"] = json!(35);
    items[1]["ciloveSkupiny"] =
        json!([{ "id": "CilovaSkupinaOsoby/24" }, { "id": "CilovaSkupinaOsoby/30" }]);
    for item in items.iter_mut() {
        if item["poskytovatel"]["ico"] == ico(3).as_str() {
            item["poskytovatel"]["telefony"] =
                json!([{ "telefon": "+420 777 123 456", "poznamka": null }]);
        }
    }
    let fixed = items.iter().position(|i| i["id"] == 5011).unwrap();
    items[fixed] = {
        let mut ok = item(11, places);
        ok["formy"][0]["kapacity"][0]["pocet"] = json!(12);
        ok
    };
    items.push(item(200, places));
    let second = write(dir, "rpss-2.json", items);
    let changed = import(store, credentials, &second, t).await.unwrap();
    assert!(changed.skipped.is_empty(), "{:?}", changed.skipped);
    // Seven changes: a provider's details, three services changed, one
    // ended, one registered, and the registry's contents recorded.
    let recorded = at_least(store, head, 7).await;
    let mut got: Vec<(String, String, Vec<String>)> = recorded
        .iter()
        .map(|e| {
            let keys = e.payload["changes"]
                .as_object()
                .map(|c| c.keys().cloned().collect())
                .unwrap_or_default();
            (e.stream.stream_id.clone(), e.event_type.clone(), keys)
        })
        .collect();
    got.sort();
    let mut expected = vec![
        (ico(3), "ProviderDetailsChanged".to_string(), vec![]),
        ("rpss".into(), "RegistryContentsRecorded".into(), vec![]),
        (
            "rpss-5000".into(),
            "ServiceChanged".into(),
            vec!["forms".to_string()],
        ),
        (
            "rpss-5001".into(),
            "ServiceChanged".into(),
            vec!["target_groups".to_string()],
        ),
        ("rpss-5002".into(), "ServiceEnded".into(), vec![]),
        (
            "rpss-5011".into(),
            "ServiceChanged".into(),
            vec!["forms".to_string()],
        ),
        ("rpss-5200".into(), "ServiceRegistered".into(), vec![]),
    ];
    expected.sort();
    assert_eq!(got, expected);
    let provider_change = recorded
        .iter()
        .find(|e| e.event_type == "ProviderDetailsChanged")
        .unwrap();
    assert_eq!(
        provider_change.payload["contacts"]["phones"],
        json!(["+420 777 123 456"])
    );
    assert!(
        provider_change.payload["name"].is_null(),
        "only what changed"
    );
    assert_eq!(
        (
            changed.services_changed,
            changed.services_ended,
            changed.services_registered,
            changed.providers_changed
        ),
        (3, 1, 1, 1),
        "{changed}"
    );
    let generation = project(store, rm).await;
    let s0 = rm
        .get(generation, SERVICES, "rpss-5000")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(s0["details"]["forms"][0]["capacities"][0]["count"], 35);
    let s2 = rm
        .get(generation, SERVICES, "rpss-5002")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(s2["status"], "ended");
}

/// A file cut short: what it holds is imported, nothing is ended.
async fn a_file_cut_short_ends_nothing(s: &Imported) {
    let Imported {
        store,
        credentials,
        t,
        dir,
        first,
        ..
    } = s;
    let bytes = std::fs::read(first).unwrap();
    let cut = dir.path().join("rpss-cut.json");
    std::fs::write(&cut, &bytes[..bytes.len() / 2]).unwrap();
    let head = store.head().await.unwrap().unwrap();
    let err = import(store, credentials, &cut, t).await.unwrap_err();
    assert!(format!("{err:#}").contains("rpss-cut.json"), "{err:#}");
    let after_cut = events_after(store, head).await;
    assert!(
        after_cut
            .iter()
            .all(|e| e.event_type != "ServiceEnded" && e.event_type != "RegistryContentsRecorded"),
        "{:?}",
        after_cut.iter().map(|e| &e.event_type).collect::<Vec<_>>()
    );
}

/// Every service document of the registry read models.
async fn all_services(rm: &DynReadModelStore, generation: i64) -> Vec<Value> {
    let mut docs = BTreeMap::new();
    let mut after = 0;
    loop {
        let page = rm
            .changed_since(generation, SERVICES, after, 1000)
            .await
            .unwrap();
        let Some(last) = page.last() else { break };
        after = last.seq;
        for d in page {
            docs.insert(d.key, d.doc);
        }
    }
    docs.into_values().flatten().collect()
}

/// A generated registry file in the real shape (a tenth of the national
/// one): the import finds every service, target group, age group, capacity,
/// facility (closed ones as closed) and contact the file holds, publishes no
/// secret address, records nothing for the same file again, and for the next
/// day's file exactly what changed.
async fn sample_scenario(
    store: DynEventStore,
    credentials: DynCredentialStore,
    rm: DynReadModelStore,
) {
    let s = a_sample_in_the_real_shape(store, credentials, rm);
    the_import_summary_counts_what_the_file_holds(&s).await;
    let services = the_read_models_hold_everything_the_file_holds(&s).await;
    no_secret_address_anywhere(&s, &services).await;
    the_same_sample_again_records_nothing(&s).await;
    the_next_days_file_records_only_what_changed(&s).await;
}

/// What the steps of the sample scenario share: the stores, the territory,
/// the sample's folder, its spec, its file and what it holds.
struct Sample {
    store: DynEventStore,
    credentials: DynCredentialStore,
    rm: DynReadModelStore,
    t: Territory,
    dir: TempDir,
    spec: SampleSpec,
    path: std::path::PathBuf,
    truth: SampleTruth,
}

/// A sample of 700 items written over the real territory.
fn a_sample_in_the_real_shape(
    store: DynEventStore,
    credentials: DynCredentialStore,
    rm: DynReadModelStore,
) -> Sample {
    let t = infra::territory::load_dir(&shared_data_dir().join("territory")).unwrap();
    let dir = TempDir::new();
    let spec = SampleSpec::scaled(700);
    let path = dir.path().join("rpss.json");
    let mut file = std::io::BufWriter::new(std::fs::File::create(&path).unwrap());
    let truth = write_sample(&t, &spec, &mut file).unwrap();
    drop(file);
    Sample {
        store,
        credentials,
        rm,
        t,
        dir,
        spec,
        path,
        truth,
    }
}

async fn the_import_summary_counts_what_the_file_holds(s: &Sample) {
    let Sample {
        store,
        credentials,
        t,
        path,
        truth,
        ..
    } = s;
    let summary = import(store, credentials, path, t).await.unwrap();
    assert!(summary.skipped.is_empty(), "{:?}", summary.skipped);
    assert_eq!(
        (
            summary.items,
            summary.services_registered,
            summary.providers_registered,
            summary.services_ended,
            summary.warned,
        ),
        (
            truth.items,
            truth.items,
            truth.providers,
            truth.ended,
            truth.warned
        ),
        "{summary}"
    );
    assert_eq!(
        (
            summary.facilities,
            summary.closed_facilities,
            summary.secret_addresses
        ),
        (
            truth.facilities,
            truth.closed_facilities,
            truth.secret_addresses
        ),
        "{summary}"
    );
    assert!(
        truth.secret_addresses > 0 && truth.rows_without_code > 0 && truth.closed_facilities > 0
    );
}

/// The read models hold every service, target group, age group, capacity, facility
/// (closed ones as closed) and contact the file holds. Gives the services.
async fn the_read_models_hold_everything_the_file_holds(s: &Sample) -> Vec<Value> {
    let Sample {
        store, rm, truth, ..
    } = s;
    let generation = project(store, rm).await;
    let services = all_services(rm, generation).await;
    assert_eq!(services.len(), truth.items);
    let count = |f: &dyn Fn(&Value) -> usize| services.iter().map(f).sum::<usize>();
    let len = |v: &Value| v.as_array().map_or(0, Vec::len);
    assert_eq!(
        count(&|s| len(&s["details"]["target_groups"])),
        truth.target_groups
    );
    assert_eq!(
        count(&|s| len(&s["details"]["age_groups"])),
        truth.age_groups
    );
    assert_eq!(
        count(&|s| s["details"]["forms"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| len(&f["capacities"]))
            .sum()),
        truth.capacities
    );
    assert_eq!(
        count(&|s| len(&s["details"]["facilities"])),
        truth.facilities
    );
    let facilities: Vec<&Value> = services
        .iter()
        .flat_map(|s| s["details"]["facilities"].as_array().unwrap())
        .collect();
    assert_eq!(
        facilities
            .iter()
            .filter(|f| !f["closed_on"].is_null())
            .count(),
        truth.closed_facilities,
        "closed facilities are kept as closed"
    );
    assert_eq!(
        services.iter().filter(|s| s["status"] == "ended").count(),
        truth.ended
    );
    for f in facilities.iter().filter(|f| f["secret_address"] == true) {
        let a = &f["address"];
        assert!(
            a["street"] == ""
                && a["postcode"] == ""
                && a["ruian_code"].is_null()
                && f["location"].is_null(),
            "{f}"
        );
    }
    let webs: Vec<&str> = services
        .iter()
        .flat_map(|s| s["details"]["contacts"]["webs"].as_array().unwrap())
        .filter_map(Value::as_str)
        .collect();
    assert!(webs.len() >= truth.items, "every service's web kept");
    assert!(webs
        .iter()
        .all(|w| w.starts_with("http://") || w.starts_with("https://")));
    assert!(
        webs.iter().filter(|w| w.starts_with("http://www.")).count() >= truth.webs_without_scheme
    );
    services
}

/// No secret address anywhere: neither in the read models nor in the log.
async fn no_secret_address_anywhere(s: &Sample, services: &[Value]) {
    let Sample { store, truth, .. } = s;
    let published = serde_json::to_string(&services).unwrap();
    let events = events_after(store, LogPosition::START).await;
    let recorded =
        serde_json::to_string(&events.iter().map(|e| &e.payload).collect::<Vec<_>>()).unwrap();
    for text in [&published, &recorded] {
        assert!(!text.contains(SECRET_STREET), "a secret street is stored");
        for code in &truth.secret_codes {
            assert!(
                !text.contains(&code.to_string()),
                "the secret address {code} is stored"
            );
        }
        assert!(
            !text.contains("Statutárová") && !text.contains("Vedoucí") && !text.contains("mpsv.cz")
        );
    }
}

/// The same file again records nothing.
async fn the_same_sample_again_records_nothing(s: &Sample) {
    let Sample {
        store,
        credentials,
        t,
        path,
        truth,
        ..
    } = s;
    let head = store.head().await.unwrap();
    let again = import(store, credentials, path, t).await.unwrap();
    assert_eq!((again.events, again.unchanged), (0, truth.items), "{again}");
    assert_eq!(store.head().await.unwrap(), head);
}

/// The next day's file: only what changed.
async fn the_next_days_file_records_only_what_changed(s: &Sample) {
    let Sample {
        store,
        credentials,
        rm,
        t,
        dir,
        spec,
        truth,
        ..
    } = s;
    let next = dir.path().join("rpss-next.json");
    let mut file = std::io::BufWriter::new(std::fs::File::create(&next).unwrap());
    let day = write_sample(t, &spec.next_day(), &mut file).unwrap();
    drop(file);
    let update = import(store, credentials, &next, t).await.unwrap();
    assert!(update.skipped.is_empty(), "{:?}", update.skipped);
    assert_eq!(
        (
            update.services_changed,
            update.services_registered,
            update.services_ended,
            update.providers_changed
        ),
        (day.changed, day.new, day.newly_ended + day.gone, 0),
        "{update} / {day:?}"
    );
    assert!(day.changed > 0 && day.new > 0 && day.newly_ended > 0 && day.gone > 0);
    let generation = project(store, rm).await;
    let services = all_services(rm, generation).await;
    assert_eq!(
        services.iter().filter(|s| s["status"] == "ended").count(),
        truth.ended + day.newly_ended + day.gone
    );
}

type Stores = (DynEventStore, DynCredentialStore, DynReadModelStore);

/// The embedded stores in `dir`.
fn embedded(dir: &TempDir) -> Stores {
    let open = |name: &str| dir.path().join(name);
    (
        Arc::new(
            infra::event_store::sqlite::SqliteEventStore::open(open("events.sqlite3")).unwrap(),
        ),
        Arc::new(
            infra::credentials::sqlite::SqliteCredentialStore::open(open("private.sqlite3"))
                .unwrap(),
        ),
        Arc::new(
            infra::read_model::sqlite::SqliteReadModelStore::open(open("rm.sqlite3")).unwrap(),
        ),
    )
}

/// The distributed stores on the test's PostgreSQL.
async fn postgres(pg: &TestPostgres) -> Stores {
    let store = infra::event_store::postgres::PostgresEventStore::connect(&pg.settings)
        .await
        .unwrap();
    let pool = store.pool().clone();
    let credentials = infra::credentials::postgres::PostgresCredentialStore::new(pool.clone())
        .await
        .unwrap();
    let rm = infra::read_model::postgres::PostgresReadModelStore::new(pool)
        .await
        .unwrap();
    (Arc::new(store), Arc::new(credentials), Arc::new(rm))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_registry_file_is_imported_into_the_embedded_store() {
    let dir = TempDir::new();
    let (store, credentials, rm) = embedded(&dir);
    scenario(store, credentials, rm).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_registry_file_is_imported_into_postgresql() {
    let pg = TestPostgres::new();
    let (store, credentials, rm) = postgres(&pg).await;
    scenario(store, credentials, rm).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_generated_registry_in_the_real_shape_is_imported_into_the_embedded_store() {
    let dir = TempDir::new();
    let (store, credentials, rm) = embedded(&dir);
    sample_scenario(store, credentials, rm).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_generated_registry_in_the_real_shape_is_imported_into_postgresql() {
    let pg = TestPostgres::new();
    let (store, credentials, rm) = postgres(&pg).await;
    sample_scenario(store, credentials, rm).await;
}

/// What a person sees of an imported registry: a closed facility shown as
/// closed, an ended registration as ended, a secret address nowhere (the
/// pages, the API, HSDS, the exports, the search), while the shelter is still
/// found in its town by distance.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_imported_registry_shows_closed_and_ended_as_such_and_no_secret_address() {
    let dir = TempDir::new();
    let address = |code: Option<u64>, street: &str, number: u32| {
        json!({ "cisloDomovni": number, "cisloOrientacni": null, "kodAdresnihoMista": code, "psc": "40502",
            "kraj": { "id": "Kraj/60" }, "okres": { "id": "Okres/3502" }, "obec": { "id": "Obec/562335" },
            "ulice": { "nazev": street } })
    };
    let item = |id: u32, ended: Value, zarizeni: Value| {
        json!({ "id": id, "identifikator": format!("{:07}", 7_000_000 + id), "datumPoskytovaniOd": "2010-01-01",
            "datumPoskytovaniDo": ended,
            "druhSocialniSluzby": { "id": "DruhSocialniSluzby/20" },
            "poskytovatel": { "ico": "00064581", "nazev": "Oblastní charita Děčín",
                "adresa": address(Some(21_676_682), "Kamenická", 1188) },
            "kontaktniAdresy": [{ "adresa": address(Some(21_676_682), "Kamenická", 1188) }],
            "zarizeni": zarizeni,
            "ciloveSkupiny": [{ "cilovaSkupina": { "id": "CilovaSkupinaOsoby/18" } }],
            "formy": [{ "forma": { "id": "FormaSocialniSluzby/pob" }, "nepretrzitePoskytovani": true,
                "kapacity": [{ "pocet": 20, "typ": { "id": "TypKapacitySocialniSluzby/luzka" } }] }],
            "telefony": [{ "telefon": "412 510 000" }], "weby": [{ "web": "www.charitadecin.cz" }] })
    };
    let download = TempDir::new();
    let file = download.path().join("rpss.json");
    let items = json!({ "polozky": [
        item(1, Value::Null, json!([
            { "nazev": "Azylový dům Teplická", "adresa": address(Some(21_000_001), "Teplická", 12) },
            { "nazev": "Azylový dům Pivovarská", "adresa": address(Some(21_000_002), "Pivovarská", 3), "poskytujeDo": "2020-06-30" },
            { "nazev": "Azylový dům pro matky s dětmi", "utajenaAdresa": true, "adresa": address(Some(99_887_766), "Skrytá", 7) }
        ])),
        item(2, json!("2024-12-31"), json!([{ "nazev": "Noclehárna", "adresa": address(Some(21_000_003), "Lesní", 4) }]))
    ] });
    std::fs::write(&file, items.to_string()).unwrap();
    let settings = portal::Settings {
        http: infra::settings::HttpSettings::for_tests(),
        data_dir: dir.path().to_path_buf(),
        territory_dir: Some(shared_data_dir().join("territory")),
        codelists_dir: Some(shared_data_dir().join("codelists")),
        demo_data: false,
        site: query_service::web::Site::default(),
        notify: Default::default(),
        notifications: Default::default(),
    };
    let summary = portal::import::rpss(&file, &settings).await.unwrap();
    assert_eq!(
        (
            summary.services_registered,
            summary.services_ended,
            summary.secret_addresses,
            summary.closed_facilities
        ),
        (2, 1, 1, 1),
        "{summary}"
    );

    let app = crate::helpers::spawn_portal(&dir).await;
    for _ in 0..500 {
        if app.get("/api/v1/services/rpss-2").await.0 == 200 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    let (status, _, page) = app.get("/sluzby/rpss-1").await;
    assert_eq!(status, 200, "{page}");
    assert!(
        page.contains("Azylový dům Teplická — Teplická 12, 40502 Děčín"),
        "{page}"
    );
    assert!(
        page.contains("<del>Azylový dům Pivovarská") && page.contains("uzavřeno od 30. 6. 2020"),
        "{page}"
    );
    assert!(
        page.contains("Azylový dům pro matky s dětmi — Děčín (adresa je utajena"),
        "{page}"
    );
    let (_, _, ended) = app.get("/sluzby/rpss-2").await;
    assert!(
        ended.contains("již není poskytována: její registrace skončila 31. 12. 2024"),
        "{ended}"
    );
    // Found in its town by distance (the municipality's centre stands in
    // for positions the registry does not give) — the open facility, not the
    // secret one.
    let (_, _, near) = app
        .get("/api/v1/services?lat=50.78&lon=14.21&radius_km=5")
        .await;
    let near: Value = serde_json::from_str(&near).unwrap();
    assert_eq!(near["total"], 1, "{near}");
    // Nothing publishes the secret address; the closed facility is no HSDS location.
    let (_, _, hsds) = app.get("/hsds/services/rpss-1").await;
    let hsds: Value = serde_json::from_str(&hsds).unwrap();
    let names: Vec<&str> = hsds["service_at_locations"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|s| s["location"]["name"].as_str())
        .collect();
    assert_eq!(
        names,
        ["Azylový dům Teplická", "Azylový dům pro matky s dětmi"],
        "{hsds}"
    );
    for path in [
        "/sluzby/rpss-1",
        "/api/v1/services/rpss-1",
        "/api/v1/services?q=azyl",
        "/hsds/services/rpss-1",
        "/hsds/service_at_locations",
        "/hsds/services?format=ndjson",
        "/api/v1/exports/facilities.geojson",
        "/api/v1/exports/services.csv",
        "/api/v1/map.geojson",
        "/mapa",
        "/?q=azyl",
    ] {
        let (status, _, body) = app.get(path).await;
        assert_eq!(status, 200, "{path}: {body}");
        assert!(
            !body.contains("Skrytá") && !body.contains("99887766"),
            "{path} publishes the secret address"
        );
    }
    app.stop().await;
    for needle in ["Skrytá", "99887766"] {
        let found = test_support::files_holding(dir.path(), needle.as_bytes());
        assert!(
            found.is_empty(),
            "the secret address is stored in {found:?}"
        );
    }
}
