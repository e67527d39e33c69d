//! Open-data exports with the filters of the search: services and the
//! vacancy board as CSV (UTF-8, comma-separated, a header row), facilities
//! as GeoJSON points. (Map aggregates as GeoJSON: `/map.geojson`; the HSDS
//! tabular data package: `/hsds/tabular/datapackage.json`.)

use super::map::{FeatureCollection, GeoJson};
use super::params::Query;
use super::search::{board, candidates, point, SearchParams};
use super::{wait_after, QueryState};
use axum::extract::State;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use infra::problem::Problem;
use serde::Serialize;
use serde_json::json;
use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;

pub(super) fn routes() -> Router<QueryState> {
    Router::new()
        .route("/exports/services.csv", get(services_csv))
        .route(
            "/exports/spreadsheet/services.csv",
            get(services_spreadsheet),
        )
        .route("/exports/vacancies.csv", get(vacancies_csv))
        .route("/exports/facilities.geojson", get(facilities_geojson))
}

fn csv(name: &str, header_row: &[&str], rows: Vec<Vec<String>>) -> Response {
    csv_in(infra::spreadsheet::SafeCsv::new(), name, header_row, rows)
}

fn csv_in(
    mut w: infra::spreadsheet::SafeCsv,
    name: &str,
    header_row: &[&str],
    rows: Vec<Vec<String>>,
) -> Response {
    w.row(header_row);
    for row in rows {
        w.row(row);
    }
    let body = w.into_bytes();
    (
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_string()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{name}\""),
            ),
        ],
        body,
    )
        .into_response()
}

fn list(items: &[String]) -> String {
    items.join(";")
}

/// The services of the search, sorted by name.
fn found<'a>(
    index: &'a crate::index::Index,
    p: &SearchParams,
    now: OffsetDateTime,
) -> Result<Vec<super::search::Found<'a>>, Problem> {
    super::search::check_query(p.q.as_deref())?;
    let from = point(index, p)?;
    if p.radius_km.is_some_and(|r| !(r.is_finite() && r > 0.0)) {
        return Err(Problem::invalid("radius_km", "must be a positive number"));
    }
    let mut found = candidates(index, p, from, now);
    let ranks = index.name_ranks();
    found.sort_by_key(|f| ranks.get(f.slot as usize).copied());
    Ok(found)
}

#[utoipa::path(get, path = "/api/v1/exports/services.csv", tag = "exports", params(SearchParams), responses((status = 200, description = "CSV: one row per service matching the search (all of them, no paging)", content_type = "text/csv"), (status = 422, description = "A bad parameter, named", body = crate::api::openapi::Problem)))]
pub(crate) async fn services_csv(
    State(state): State<QueryState>,
    Query(p): Query<SearchParams>,
) -> Result<Response, Problem> {
    let (header_row, rows) = services_table(&state, &p).await?;
    Ok(csv("services.csv", &header_row, rows))
}

#[utoipa::path(operation_id = "services_spreadsheet", get, path = "/api/v1/exports/spreadsheet/services.csv", tag = "exports", params(SearchParams), responses((status = 200, description = "The services CSV as a spreadsheet in Czech settings opens it: `;` between cells, UTF-8 with a byte order mark", content_type = "text/csv"), (status = 422, description = "A bad parameter, named", body = crate::api::openapi::Problem)))]
pub(crate) async fn services_spreadsheet(
    State(state): State<QueryState>,
    Query(p): Query<SearchParams>,
) -> Result<Response, Problem> {
    let (header_row, rows) = services_table(&state, &p).await?;
    Ok(csv_in(
        infra::spreadsheet::SafeCsv::for_spreadsheets(),
        "services.csv",
        &header_row,
        rows,
    ))
}

/// The columns of the services export.
const SERVICE_COLUMNS: [&str; 27] = [
    "id",
    "name",
    "provider_ico",
    "provider_name",
    "kind",
    "kind_name",
    "paragraph",
    "capacities",
    "target_groups",
    "kraje",
    "orp",
    "municipalities",
    "facilities",
    "free_places_now",
    "distance_km",
    "status",
    "last_verified_on",
    "updated_at",
    "address",
    "municipality_names",
    "orp_names",
    "kraj_names",
    "lat",
    "lon",
    "emails",
    "phones",
    "webs",
];

/// The services of a search as the export's rows: the codes first (as
/// before), then the first facility's address and position (the town alone
/// for a secret address), the names of the areas and the contacts.
async fn services_table(
    state: &QueryState,
    p: &SearchParams,
) -> Result<([&'static str; 27], Vec<Vec<String>>), Problem> {
    let p = p.clone();
    wait_after(state, p.after.as_deref()).await?;
    let now = OffsetDateTime::now_utc();
    let index = state.indexer.read();
    let territory = index.territory();
    let rows = found(&index, &p, now)?
        .into_iter()
        .map(|f| {
            let (e, distance) = (f.entry, f.distance_km);
            let v = &e.view;
            let d = &v.details;
            let facility = d.open_facilities().next();
            let position = facility
                .filter(|f| !f.secret_address)
                .and_then(|f| f.location);
            let capacities: Vec<String> = d
                .forms
                .iter()
                .flat_map(|f| {
                    f.capacities.iter().map(move |c| {
                        format!(
                            "{}:{}={}",
                            crate::hsds::taxonomy::form_code(f.form),
                            serde_json::to_value(c.unit)
                                .ok()
                                .and_then(|u| u.as_str().map(str::to_string))
                                .unwrap_or_default(),
                            c.count
                        )
                    })
                })
                .collect();
            vec![
                v.id.clone(),
                d.name.clone(),
                v.provider_ico.clone(),
                e.provider_name.clone(),
                d.kind.to_string(),
                v.kind_name.clone(),
                v.paragraph.clone().unwrap_or_default(),
                list(&capacities),
                list(&d.target_groups),
                list(&e.kraje.iter().cloned().collect::<Vec<_>>()),
                list(&e.orp.iter().cloned().collect::<Vec<_>>()),
                list(&e.municipalities.iter().cloned().collect::<Vec<_>>()),
                d.open_facilities().count().to_string(),
                e.free_now(now).to_string(),
                distance.map(|k| format!("{k:.2}")).unwrap_or_default(),
                serde_json::to_value(v.status)
                    .ok()
                    .and_then(|s| s.as_str().map(str::to_string))
                    .unwrap_or_default(),
                v.last_verified_on
                    .map(|d| d.to_string())
                    .unwrap_or_default(),
                v.updated_at.format(&Rfc3339).unwrap_or_default(),
                facility.map_or(String::new(), |f| {
                    let a = &f.address;
                    if f.secret_address {
                        a.city.clone()
                    } else {
                        a.one_line()
                    }
                }),
                names(
                    e.municipalities
                        .iter()
                        .filter_map(|c| territory.municipalities.get(c).map(|m| m.name.clone())),
                ),
                names(
                    e.orp
                        .iter()
                        .filter_map(|c| territory.orp.get(c).map(|o| o.name.clone())),
                ),
                names(
                    e.kraje
                        .iter()
                        .filter_map(|c| territory.kraje.get(c).map(|k| k.name.clone())),
                ),
                position
                    .map(|l| format!("{:.6}", l.lat))
                    .unwrap_or_default(),
                position
                    .map(|l| format!("{:.6}", l.lon))
                    .unwrap_or_default(),
                list(&d.contacts.emails),
                list(&d.contacts.phones),
                list(&d.contacts.webs),
            ]
        })
        .collect();
    Ok((SERVICE_COLUMNS, rows))
}

fn names(items: impl Iterator<Item = String>) -> String {
    items.collect::<Vec<_>>().join(";")
}

#[utoipa::path(get, path = "/api/v1/exports/vacancies.csv", tag = "exports", params(SearchParams), responses((status = 200, description = "CSV: the vacancy board (every current report), stale ones marked", content_type = "text/csv"), (status = 422, description = "A bad parameter, named", body = crate::api::openapi::Problem)))]
pub(crate) async fn vacancies_csv(
    State(state): State<QueryState>,
    Query(p): Query<SearchParams>,
) -> Result<Response, Problem> {
    crate::api::search::check_query(p.q.as_deref())?;
    wait_after(&state, p.after.as_deref()).await?;
    let index = state.indexer.read();
    let rows = board(&index, &p, OffsetDateTime::now_utc())
        .into_iter()
        .map(|r| {
            let code = |v: serde_json::Value| v.as_str().map(str::to_string).unwrap_or_default();
            vec![
                r.service_id,
                r.service_name,
                r.provider_name,
                r.kind.to_string(),
                r.kind_name,
                r.facility_id,
                r.facility_name,
                r.city,
                code(serde_json::to_value(r.form).unwrap_or_default()),
                code(serde_json::to_value(r.unit).unwrap_or_default()),
                r.free_places.to_string(),
                r.capacity.map(|c| c.to_string()).unwrap_or_default(),
                r.reported_at.format(&Rfc3339).unwrap_or_default(),
                r.age_days.to_string(),
                r.stale.to_string(),
            ]
        })
        .collect();
    let header_row = [
        "service_id",
        "service_name",
        "provider_name",
        "kind",
        "kind_name",
        "facility_id",
        "facility_name",
        "city",
        "form",
        "unit",
        "free_places",
        "capacity",
        "reported_at",
        "age_days",
        "stale",
    ];
    Ok(csv("vacancies.csv", &header_row, rows))
}

#[utoipa::path(get, path = "/api/v1/exports/facilities.geojson", tag = "exports", params(SearchParams), responses((status = 200, description = "GeoJSON FeatureCollection: a point per facility with a position, of the services matching the search", body = FeatureCollection<FacilityPoint>, content_type = "application/geo+json"), (status = 422, description = "A bad parameter, named", body = crate::api::openapi::Problem)))]
pub(crate) async fn facilities_geojson(
    State(state): State<QueryState>,
    Query(p): Query<SearchParams>,
) -> Result<GeoJson<FeatureCollection<FacilityPoint>>, Problem> {
    wait_after(&state, p.after.as_deref()).await?;
    let now = OffsetDateTime::now_utc();
    let index = state.indexer.read();
    let features: Vec<_> = found(&index, &p, now)?
        .into_iter()
        .flat_map(|found| {
            let e = found.entry;
            e.view.details.open_facilities().filter_map(move |f| {
                let l = f.location?;
                let point = json!({ "type": "Point", "coordinates": [l.lon, l.lat] });
                Some((
                    point,
                    FacilityPoint {
                        service_id: e.view.id.clone(),
                        service_name: e.view.details.name.clone(),
                        provider_ico: e.view.provider_ico.clone(),
                        provider_name: e.provider_name.clone(),
                        kind: e.view.details.kind,
                        kind_name: e.view.kind_name.clone(),
                        facility_id: f.facility_id.clone(),
                        facility_name: f.name.clone(),
                        street: f.address.street.clone(),
                        city: f.address.city.clone(),
                        postcode: f.address.postcode.clone(),
                        ruian_code: f.address.ruian_code,
                        free_places_now: e.free_now(now),
                    },
                ))
            })
        })
        .collect();
    Ok(GeoJson(FeatureCollection::of(features)))
}

/// A facility of a service, as a GeoJSON feature's properties.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct FacilityPoint {
    /// The service.
    pub service_id: String,
    /// Its name.
    pub service_name: String,
    /// Its provider's IČO.
    pub provider_ico: String,
    /// Its provider's name.
    pub provider_name: String,
    /// Kind (MPSV code).
    pub kind: u16,
    /// The kind's name.
    pub kind_name: String,
    /// The facility.
    pub facility_id: String,
    /// Its name.
    pub facility_name: String,
    /// Street and number.
    pub street: String,
    /// Town.
    pub city: String,
    /// Postcode.
    pub postcode: String,
    /// RÚIAN code of the address place.
    pub ruian_code: Option<u64>,
    /// Free places of the service reported in the last 7 days.
    pub free_places_now: i64,
}
