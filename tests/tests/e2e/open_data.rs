//! Open data out, in embedded and distributed mode: every HSDS 3.1 answer
//! validates against the published JSON Schemas (`../shared/data/hsds-3.1`,
//! formats checked too), the paging envelope is right, filters work, the
//! tabular data package validates as a whole, and the CSV and GeoJSON
//! exports hold what the search finds.

use crate::client::Client;
use serde_json::{json, Map, Value};
use std::path::PathBuf;
use test_support::shared_data_dir;

fn hsds_dir() -> PathBuf {
    shared_data_dir().join("hsds-3.1")
}

/// Finds the schemas a `$ref` names by file name in the HSDS folder.
struct Files(PathBuf);

impl jsonschema::Retrieve for Files {
    fn retrieve(
        &self,
        uri: &jsonschema::Uri<String>,
    ) -> Result<Value, Box<dyn std::error::Error + Send + Sync>> {
        let name = uri
            .path()
            .as_str()
            .rsplit('/')
            .next()
            .unwrap_or_default()
            .to_string();
        let text = std::fs::read_to_string(self.0.join(&name))?;
        Ok(serde_json::from_str(&text)?)
    }
}

fn validator(file: &str) -> jsonschema::Validator {
    let path = hsds_dir().join(file);
    let schema: Value = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    jsonschema::options()
        .should_validate_formats(true)
        .with_retriever(Files(hsds_dir()))
        .with_base_uri(format!("file://{}", path.display()))
        .build(&schema)
        .unwrap_or_else(|e| panic!("{file}: {e}"))
}

fn assert_valid(v: &jsonschema::Validator, what: &str, instance: &Value) {
    let errors: Vec<String> = v
        .iter_errors(instance)
        .map(|e| format!("{} at {}", e, e.instance_path))
        .collect();
    assert!(
        errors.is_empty(),
        "{what} is not valid HSDS: {errors:#?}\n{instance:#}"
    );
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

fn assert_page(page: &Value, total: u64, number: u64, size: u64, pages: u64) {
    assert_eq!(page["total_items"], total, "{page}");
    assert_eq!(page["page_number"], number, "{page}");
    assert_eq!(page["size"], size, "{page}");
    assert_eq!(page["total_pages"], pages, "{page}");
    assert_eq!(page["first_page"], number == 1, "{page}");
    assert_eq!(page["last_page"], number >= pages, "{page}");
    assert_eq!(page["empty"], total == 0, "{page}");
    assert_eq!(page["contents"].as_array().unwrap().len() as u64, size);
}

/// Rows of a CSV, typed by the data package's fields, empty cells left out.
fn rows(csv_text: &str, fields: &[Value]) -> Vec<Value> {
    let mut reader = csv::Reader::from_reader(csv_text.as_bytes());
    let header: Vec<String> = reader
        .headers()
        .unwrap()
        .iter()
        .map(str::to_string)
        .collect();
    let declared: Vec<&str> = fields.iter().map(|f| f["name"].as_str().unwrap()).collect();
    assert_eq!(header, declared, "the CSV columns are the declared fields");
    reader
        .records()
        .map(|r| {
            let r = r.unwrap();
            let mut row = Map::new();
            for ((name, cell), field) in header.iter().zip(r.iter()).zip(fields) {
                if cell.is_empty() {
                    continue;
                }
                let value = match field["type"].as_str() {
                    Some("number") => json!(cell.parse::<f64>().unwrap()),
                    Some("boolean") => json!(cell == "true"),
                    _ => json!(cell),
                };
                row.insert(name.clone(), value);
            }
            Value::Object(row)
        })
        .collect()
}

async fn scenario(commands: &str, queries: &str, password: &str) {
    let s = two_services_of_one_provider(commands, queries, password).await;
    the_root_names_its_profile_and_openapi_document(&s).await;
    let page = services_come_in_pages_of_service_lists(&s).await;
    let ids = one_service_fully_nested_as_the_profile_says(&s, &page).await;
    the_filters_of_the_service_list(&s, &ids).await;
    organizations(&s, &ids).await;
    services_at_locations_by_postcode_and_proximity(&s).await;
    taxonomies_and_terms(&s, &ids).await;
    the_tabular_data_package_validates_as_a_whole(&s, &ids).await;
    exports_with_the_searchs_filters(&s).await;
    large_answers_are_compressed_for_the_clients_that_accept_it(&s).await;
}

/// What the steps of the open-data scenario share: the query service, its
/// HSDS root, the asylum house and its provider's IČO.
struct OpenData {
    queries: String,
    hsds: String,
    asylum_id: String,
    ico: &'static str,
}

/// The HSDS ids of the asylum house's organization and of its kind's term.
struct Ids {
    org_id: String,
    kind_term: String,
}

/// A provider's asylum house in Děčín (free places reported, verified) and its personal
/// assistance in Prague.
async fn two_services_of_one_provider(commands: &str, queries: &str, password: &str) -> OpenData {
    let admin = Client::new(commands).login("admin", password).await;
    let ico = "00064581";
    let provider = json!({ "ico": ico, "name": "Oblastní charita Děčín", "address": { "city": "Děčín", "postcode": "40502" },
        "contacts": { "emails": ["info@charitadecin.cz"], "webs": ["https://decin.charita.cz"], "phones": ["+420 412 510 000"] } });
    assert_eq!(admin.post("/providers", provider).await.status, 201);
    let asylum = json!({ "provider_ico": ico, "details": {
        "name": "Azylový dům pro muže", "description": "Noclehy a poradenství.", "kind": 20,
        "forms": [{ "form": "pob", "capacities": [{ "unit": "luzka", "count": 30 }], "non_stop": true }],
        "target_groups": ["18", "99"], "age_groups": ["8"],
        "catchment": { "kraje": ["CZ042"], "orp": ["4202"] },
        "contacts": { "emails": ["azyl@charitadecin.cz"], "webs": ["https://decin.charita.cz/azyl"], "phones": ["+420 412 510 001"] },
        "facilities": [{ "facility_id": "A", "name": "Azylový dům Kamenická", "address": { "street": "Kamenická 5", "city": "Děčín", "postcode": "40502", "municipality_code": "562335", "ruian_code": 21676682 }, "location": { "lat": 50.7736, "lon": 14.1961 } }]
    } });
    let r = admin.post("/services", asylum).await;
    assert_eq!(r.status, 201, "{:?}", r.body);
    let asylum_id = r.body["stream_id"].as_str().unwrap().to_string();
    let counselling = json!({ "provider_ico": ico, "details": {
        "name": "Osobní asistence Praha", "kind": 3,
        "forms": [{ "form": "amb", "capacities": [{ "unit": "klient", "count": 5 }] }],
        "target_groups": ["24"],
        "facilities": [{ "facility_id": "P", "name": "Středisko", "address": { "street": "Vodičkova 1", "city": "Praha", "postcode": "11000", "municipality_code": "554782" } }]
    } });
    assert_eq!(admin.post("/services", counselling).await.status, 201);
    let reported = admin
        .post(
            &format!("/services/{asylum_id}/vacancies"),
            json!({ "facility_id": "A", "form": "pob", "unit": "luzka", "free_places": 4 }),
        )
        .await;
    let verified = admin
        .post(&format!("/services/{asylum_id}/verify"), json!({}))
        .await;
    assert_eq!(
        (reported.status, verified.status),
        (200, 200),
        "{:?}",
        verified.body
    );
    let after = format!(
        "{}:{}",
        verified.body["transaction_id"], verified.body["global_position"]
    );
    let (status, _, body) = get(format!(
        "{queries}/api/v1/services/{asylum_id}?after={after}"
    ))
    .await;
    assert_eq!(status, 200, "{body}");
    OpenData {
        queries: queries.to_string(),
        hsds: format!("{queries}/hsds"),
        asylum_id,
        ico,
    }
}

/// The HSDS root: version 3.1, its profile and its OpenAPI document.
async fn the_root_names_its_profile_and_openapi_document(s: &OpenData) {
    let OpenData { hsds, .. } = s;
    let root = json_of(hsds.clone()).await;
    assert_eq!(root["version"], "3.1");
    let profile = json_of(root["profile"].as_str().unwrap().to_string()).await;
    assert!(profile["schemas"]["service.json"].is_object(), "{profile}");
    let openapi = json_of(root["openapi_url"].as_str().unwrap().to_string()).await;
    assert!(openapi["paths"]["/hsds/services"].is_object());
}

/// Services: the page envelope, each item a service_list; paged, and as NDJSON. Gives the
/// first page.
async fn services_come_in_pages_of_service_lists(s: &OpenData) -> Value {
    let OpenData { hsds, .. } = s;
    let list_schema = validator("compiled/service_list.json");
    let page = json_of(format!("{hsds}/services")).await;
    assert_page(&page, 2, 1, 2, 1);
    for s in page["contents"].as_array().unwrap() {
        assert_valid(&list_schema, "service_list", s);
    }
    let page2 = json_of(format!("{hsds}/services?per_page=1&page=2")).await;
    assert_page(&page2, 2, 2, 1, 2);
    let beyond = json_of(format!("{hsds}/services?per_page=1&page=3")).await;
    assert_page(&beyond, 2, 3, 0, 2);
    let (status, _, body) = get(format!("{hsds}/services?per_page=0")).await;
    assert_eq!(status, 422, "{body}");
    let (status, ct, body) = get(format!("{hsds}/services?format=ndjson")).await;
    assert_eq!((status, ct.as_str()), (200, "application/x-ndjson"));
    let lines: Vec<Value> = body
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 2);
    lines
        .iter()
        .for_each(|l| assert_valid(&list_schema, "ndjson line", l));
    page
}

/// One service, fully nested, mapped as the profile says.
async fn one_service_fully_nested_as_the_profile_says(s: &OpenData, page: &Value) -> Ids {
    let OpenData {
        hsds, asylum_id, ..
    } = s;
    let azyl = page["contents"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["name"] == "Azylový dům pro muže")
        .unwrap();
    assert_eq!(azyl["id"], asylum_id.as_str(), "a UUIDv7 id is kept");
    let full = json_of(format!("{hsds}/services/{}", azyl["id"].as_str().unwrap())).await;
    assert_valid(&validator("compiled/service.json"), "service", &full);
    assert_eq!(full["status"], "active");
    assert_eq!(full["url"], "https://decin.charita.cz/azyl");
    assert_eq!(
        full["assured_date"],
        time::OffsetDateTime::now_utc().date().to_string()
    );
    let capacity = &full["capacities"][0];
    assert_eq!(
        (capacity["available"].as_f64(), capacity["maximum"].as_f64()),
        (Some(4.0), Some(30.0))
    );
    assert_eq!(capacity["unit"]["identifier"], "luzka");
    let location = &full["service_at_locations"][0]["location"];
    assert_eq!(location["external_identifier"], "21676682");
    assert_eq!(location["addresses"][0]["state_province"], "Ústecký kraj");
    let areas: Vec<&str> = full["service_areas"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["name"].as_str().unwrap())
        .collect();
    assert_eq!(areas, ["Ústecký kraj", "ORP Děčín"]);
    let terms: Vec<(String, String)> = full["attributes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| {
            (
                a["link_type"].as_str().unwrap().to_string(),
                a["taxonomy_term"]["name"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    for expected in [
        ("mpsv-druh", "azylové domy"),
        ("zakon-108-2006", "§ 57"),
        ("mpsv-cilova-skupina", "osoby se zrakovým postižením"),
        ("mpsv-cilova-skupina", "Cílové skupiny 99"),
        ("mpsv-forma", "pobytová"),
    ] {
        assert!(
            terms.contains(&(expected.0.to_string(), expected.1.to_string())),
            "{expected:?} in {terms:?}"
        );
    }
    let actions: Vec<&str> = full["metadata"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["last_action_type"].as_str().unwrap())
        .collect();
    assert_eq!(actions, ["create", "verify"]);
    let org_id = full["organization_id"].as_str().unwrap().to_string();
    assert_eq!(get(format!("{hsds}/services/nope")).await.0, 404);
    let kind_term = full["attributes"][0]["taxonomy_term_id"]
        .as_str()
        .unwrap()
        .to_string();
    Ids { org_id, kind_term }
}

/// Filters.
async fn the_filters_of_the_service_list(s: &OpenData, ids: &Ids) {
    let OpenData { hsds, ico, .. } = s;
    let Ids { org_id, kind_term } = ids;
    for (filter, total) in [
        (format!("taxonomy_term_id={kind_term}"), 1),
        ("taxonomy_term_id=mpsv-druh/20".to_string(), 1),
        ("taxonomy_term_id=mpsv-cilova-skupina/24".to_string(), 1),
        ("taxonomy_term_id=mpsv-forma/amb".to_string(), 1),
        (format!("organization_id={org_id}"), 2),
        (format!("organization_id={ico}"), 2),
        ("organization_id=12345678".to_string(), 0),
        ("search=azyl".to_string(), 1),
        ("modified_after=2020-01-01".to_string(), 2),
        ("modified_after=2999-01-01T00:00:00Z".to_string(), 0),
    ] {
        let page = json_of(format!("{hsds}/services?{filter}")).await;
        assert_eq!(page["total_items"], total, "{filter}: {page}");
    }
    for bad in [
        "taxonomy_term_id=nope",
        "modified_after=yesterday",
        "format=xml",
    ] {
        let (status, _, body) = get(format!("{hsds}/services?{bad}")).await;
        assert_eq!(status, 422, "{bad}: {body}");
    }
}

/// Organizations.
async fn organizations(s: &OpenData, ids: &Ids) {
    let OpenData { hsds, .. } = s;
    let (org_id, ico) = (&ids.org_id, s.ico);
    let orgs = json_of(format!("{hsds}/organizations")).await;
    assert_page(&orgs, 1, 1, 1, 1);
    assert_valid(
        &validator("compiled/organization_list.json"),
        "organization_list",
        &orgs["contents"][0],
    );
    for id in [org_id.as_str(), ico] {
        let org = json_of(format!("{hsds}/organizations/{id}")).await;
        assert_valid(
            &validator("compiled/organization.json"),
            "organization",
            &org,
        );
        assert_eq!(org["organization_identifiers"][0]["identifier"], ico);
        assert_eq!(org["services"].as_array().unwrap().len(), 2);
    }
}

/// Services at locations: postcode and proximity.
async fn services_at_locations_by_postcode_and_proximity(s: &OpenData) {
    let OpenData { hsds, .. } = s;
    let sal_list = validator("compiled/service_at_location_list.json");
    let sals = json_of(format!("{hsds}/service_at_locations?postcode=405%2002")).await;
    assert_page(&sals, 1, 1, 1, 1);
    let all = json_of(format!("{hsds}/service_at_locations")).await;
    assert_page(&all, 2, 1, 2, 1);
    all["contents"]
        .as_array()
        .unwrap()
        .iter()
        .for_each(|s| assert_valid(&sal_list, "service_at_location_list", s));
    let near = json_of(format!(
        "{hsds}/service_at_locations?postcode=40502&proximity=1000"
    ))
    .await;
    assert_eq!(
        near["total_items"], 1,
        "only the facility with a position: {near}"
    );
    let prague = json_of(format!("{hsds}/service_at_locations?postcode=11000")).await;
    assert_eq!(prague["total_items"], 1);
    let (status, _, body) = get(format!(
        "{hsds}/service_at_locations?postcode=11000&proximity=500"
    ))
    .await;
    assert_eq!(
        status, 422,
        "no facility with that postcode has a position: {body}"
    );
    let sal_id = near["contents"][0]["id"].as_str().unwrap();
    let sal = json_of(format!("{hsds}/service_at_locations/{sal_id}")).await;
    assert_valid(
        &validator("compiled/service_at_location.json"),
        "service_at_location",
        &sal,
    );
}

/// Taxonomies and terms.
async fn taxonomies_and_terms(s: &OpenData, ids: &Ids) {
    let OpenData { hsds, .. } = s;
    let kind_term = &ids.kind_term;
    let taxonomies = json_of(format!("{hsds}/taxonomies")).await;
    assert_page(&taxonomies, 5, 1, 5, 1);
    let taxonomy_schema = validator("taxonomy.json");
    taxonomies["contents"]
        .as_array()
        .unwrap()
        .iter()
        .for_each(|t| assert_valid(&taxonomy_schema, "taxonomy", t));
    let groups = json_of(format!(
        "{hsds}/taxonomy_terms?taxonomy_id=mpsv-cilova-skupina&per_page=100"
    ))
    .await;
    assert_eq!(
        groups["total_items"], 28,
        "27 of the code list and 99 in use"
    );
    let term_schema = validator("taxonomy_term.json");
    groups["contents"]
        .as_array()
        .unwrap()
        .iter()
        .for_each(|t| assert_valid(&term_schema, "taxonomy_term", t));
    let term = json_of(format!("{hsds}/taxonomy_terms/{kind_term}")).await;
    assert_eq!(term["code"], "20");
}

/// The tabular data package validates as a whole.
async fn the_tabular_data_package_validates_as_a_whole(s: &OpenData, ids: &Ids) {
    let OpenData { hsds, .. } = s;
    let org_id = &ids.org_id;
    let package = json_of(format!("{hsds}/tabular/datapackage.json")).await;
    assert_eq!(package["profile"], "tabular-data-package");
    let mut tables = Map::new();
    for resource in package["resources"].as_array().unwrap() {
        let (status, ct, text) = get(format!(
            "{hsds}/tabular/{}",
            resource["path"].as_str().unwrap()
        ))
        .await;
        assert_eq!(status, 200);
        assert!(ct.starts_with("text/csv"), "{ct}");
        let fields = resource["schema"]["fields"].as_array().unwrap();
        tables.insert(
            resource["name"].as_str().unwrap().to_string(),
            Value::Array(rows(&text, fields)),
        );
    }
    let tabular = Value::Object(tables);
    assert_valid(
        &validator("compiled/tabular.json"),
        "the tabular package",
        &tabular,
    );
    assert_eq!(tabular["service"].as_array().unwrap().len(), 2);
    assert_eq!(tabular["organization"][0]["id"], org_id.as_str());
    assert!(tabular["service_capacity"][0]["unit_id"].is_string());
    assert_eq!(get(format!("{hsds}/tabular/nope.csv")).await.0, 404);
}

/// Exports with the search's filters: where a service is, in names and coordinates, and
/// its contacts; the same for a spreadsheet in Czech settings; the vacancy board; GeoJSON.
async fn exports_with_the_searchs_filters(s: &OpenData) {
    let OpenData {
        queries, asylum_id, ..
    } = s;
    let (status, ct, csv_text) =
        get(format!("{queries}/api/v1/exports/services.csv?kraj=CZ042")).await;
    assert_eq!(status, 200);
    assert!(ct.starts_with("text/csv"));
    let mut reader = csv::Reader::from_reader(csv_text.as_bytes());
    let records: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    assert_eq!(
        records.len(),
        1,
        "only the asylum house has Ústecký kraj as catchment: {csv_text}"
    );
    assert_eq!(&records[0][0], asylum_id.as_str());
    assert_eq!(&records[0][7], "pob:luzka=30");
    assert_eq!(&records[0][13], "4");
    // Where it is, in names and coordinates, and its contacts.
    let header = reader.headers().unwrap().clone();
    let column = |name: &str| header.iter().position(|h| h == name).unwrap();
    assert_eq!(&records[0][column("address")], "Kamenická 5, 40502 Děčín");
    assert_eq!(&records[0][column("municipality_names")], "Děčín");
    assert_eq!(&records[0][column("orp_names")], "Děčín");
    assert_eq!(&records[0][column("kraj_names")], "Ústecký kraj");
    assert_eq!(
        (&records[0][column("lat")], &records[0][column("lon")]),
        ("50.773600", "14.196100")
    );
    // The same for a spreadsheet in Czech settings: `;` and a byte order mark.
    let (status, ct, sheet) = get(format!(
        "{queries}/api/v1/exports/spreadsheet/services.csv?kraj=CZ042"
    ))
    .await;
    assert_eq!(status, 200);
    assert!(ct.starts_with("text/csv"));
    let sheet = sheet.strip_prefix('\u{feff}').expect("a byte order mark");
    let mut sheet = csv::ReaderBuilder::new()
        .delimiter(b';')
        .from_reader(sheet.as_bytes());
    let rows: Vec<csv::StringRecord> = sheet.records().map(Result::unwrap).collect();
    assert_eq!(rows, records, "the same table");
    let (_, _, all) = get(format!("{queries}/api/v1/exports/services.csv")).await;
    assert_eq!(all.lines().count(), 3);
    let (_, _, board) = get(format!("{queries}/api/v1/exports/vacancies.csv")).await;
    let mut reader = csv::Reader::from_reader(board.as_bytes());
    let records: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    assert_eq!(
        (records.len(), &records[0][10], &records[0][14]),
        (1, "4", "false")
    );
    let geo = json_of(format!(
        "{queries}/api/v1/exports/facilities.geojson?q=azyl"
    ))
    .await;
    assert_eq!(geo["features"].as_array().unwrap().len(), 1);
    assert_eq!(
        geo["features"][0]["geometry"]["coordinates"],
        json!([14.1961, 50.7736])
    );
    for geojson in [
        "exports/facilities.geojson?q=azyl",
        "map.geojson?level=kraj",
    ] {
        let (status, kind, _) = get(format!("{queries}/api/v1/{geojson}")).await;
        assert_eq!(
            (status, kind.as_str()),
            (200, "application/geo+json"),
            "{geojson}"
        );
    }
    let (status, _, _) = get(format!("{queries}/api/v1/exports/services.csv?radius_km=5")).await;
    assert_eq!(status, 422);
}

/// Large answers are compressed for the clients that accept it.
async fn large_answers_are_compressed_for_the_clients_that_accept_it(s: &OpenData) {
    let OpenData { queries, .. } = s;
    let url = format!("{queries}/api/v1/map.geojson?level=kraj");
    let plain = reqwest::get(&url).await.unwrap().bytes().await.unwrap();
    let zipped = reqwest::Client::new()
        .get(&url)
        .header("accept-encoding", "gzip")
        .send()
        .await
        .unwrap();
    assert_eq!(zipped.headers()["content-encoding"], "gzip");
    assert_eq!(zipped.headers()["vary"], "accept-encoding");
    let zipped = zipped.bytes().await.unwrap();
    assert!(
        zipped.starts_with(&[0x1f, 0x8b]) && zipped.len() * 3 < plain.len(),
        "{} bytes of gzip for {}",
        zipped.len(),
        plain.len()
    );
}

crate::helpers::in_both_modes!(
    scenario,
    open_data_in_embedded_mode,
    open_data_in_distributed_mode
);
