//! The HSDS 3.1 API (Open Referral Human Services Data Specification) under
//! `/hsds/`: services, organizations, services at locations, taxonomies and
//! their terms, paginated with the HSDS page envelope (or as NDJSON with
//! `format=ndjson`), and the tabular data package (`/hsds/tabular/`).
//! The mapping is the Czech profile of `docs/hsds-profile/`.

pub mod ids;
pub mod mapping;
pub mod objects;
pub mod tabular;
pub mod taxonomy;

use crate::api::params::Query;
use crate::api::QueryState;
use crate::index::{Index, ServiceEntry};
use axum::extract::{Path, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use events::values::Location;
use ids::{organization_uuid, service_uuid, uuid_for};
use infra::codelists::CodeLists;
use infra::problem::Problem;
use objects::{HsdsPage, Organization, Profile, Root, Service, ServiceAtLocation, TaxonomyTerm};
use serde::{Deserialize, Serialize};
use taxonomy::{
    all_terms, resolve_term, service_terms, taxonomy_object, term_id, term_object, TAXONOMIES,
};
use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;

/// The HSDS version served.
pub const HSDS_VERSION: &str = "3.1";
/// Default and largest page sizes.
const PER_PAGE: usize = 50;
const MAX_PER_PAGE: usize = 1000;

/// The `/hsds` routes.
pub fn routes(state: QueryState) -> Router {
    Router::new()
        .route("/hsds", get(root))
        .route("/hsds/", get(root))
        .route("/hsds/profile", get(profile))
        .route("/hsds/services", get(services))
        .route("/hsds/services/{id}", get(service))
        .route("/hsds/organizations", get(organizations))
        .route("/hsds/organizations/{id}", get(organization))
        .route("/hsds/service_at_locations", get(service_at_locations))
        .route("/hsds/service_at_locations/{id}", get(service_at_location))
        .route("/hsds/taxonomies", get(taxonomies))
        .route("/hsds/taxonomies/{id}", get(taxonomy_one))
        .route("/hsds/taxonomy_terms", get(taxonomy_terms))
        .route("/hsds/taxonomy_terms/{id}", get(taxonomy_term))
        .route("/hsds/tabular/datapackage.json", get(tabular::datapackage))
        .route("/hsds/tabular/{file}", get(tabular::table))
        .with_state(state)
}

/// The parameters of HSDS lists.
#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ListParams {
    /// Full text (word prefixes, diacritics and case ignored).
    pub search: Option<String>,
    /// Page number, from 1.
    pub page: Option<usize>,
    /// Page size (default 50, at most 1000).
    pub per_page: Option<usize>,
    /// `json` (default) or `ndjson` (every result, one per line, no paging).
    pub format: Option<String>,
    /// A term's UUID, or `taxonomy/code` (e.g. `mpsv-druh/20`).
    pub taxonomy_term_id: Option<String>,
    /// Only terms of this taxonomy (UUID or key).
    pub taxonomy_id: Option<String>,
    /// An organization's UUID or IČO.
    pub organization_id: Option<String>,
    /// Changed on or after (RFC 3339 date-time or a date).
    pub modified_after: Option<String>,
    /// A postcode (service at locations): facilities with it; with `proximity`, facilities near it.
    pub postcode: Option<String>,
    /// Metres from the centre of the postcode's facilities.
    pub proximity: Option<String>,
}

fn base_url(headers: &HeaderMap) -> String {
    let host = headers
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .unwrap_or("localhost");
    let scheme = headers
        .get("x-forwarded-proto")
        .and_then(|h| h.to_str().ok())
        .unwrap_or("http");
    format!("{scheme}://{host}")
}

#[utoipa::path(get, path = "/hsds", tag = "hsds", responses((status = 200, description = "`{ version, profile, openapi_url }`", body = Root)))]
pub(crate) async fn root(headers: HeaderMap) -> Json<Root> {
    let base = base_url(&headers);
    Json(Root {
        version: HSDS_VERSION,
        profile: format!("{base}/hsds/profile"),
        openapi_url: format!("{base}/api/v1/queries/openapi.json"),
    })
}

/// The Czech profile: JSON Merge Patches of the HSDS schemas.
#[utoipa::path(get, path = "/hsds/profile", tag = "hsds", responses((status = 200, description = "The Czech profile: its description and a JSON Merge Patch per schema", body = Profile)))]
pub(crate) async fn profile() -> Response {
    (
        [(header::CONTENT_TYPE, "application/json")],
        include_str!("../../../docs/hsds-profile/profile.json"),
    )
        .into_response()
}

fn page_of<T>(items: Vec<T>, p: &ListParams) -> Result<HsdsPage<T>, Problem> {
    let (page, per_page) = crate::api::search::paging(p.page, p.per_page, PER_PAGE, MAX_PER_PAGE)?;
    let total = items.len();
    let pages = total.div_ceil(per_page).max(1);
    let contents: Vec<T> = items
        .into_iter()
        .skip(crate::api::search::offset(page, per_page))
        .take(per_page)
        .collect();
    Ok(HsdsPage {
        total_items: total,
        total_pages: pages,
        page_number: page,
        size: contents.len(),
        first_page: page == 1,
        last_page: page >= pages,
        empty: total == 0,
        contents,
    })
}

/// A list as the HSDS page envelope, or NDJSON; only the items answered are
/// mapped (a page of a national registry maps 50 services, not all of them).
fn list<T, O: Serialize>(
    items: Vec<T>,
    p: &ListParams,
    map: impl Fn(T) -> O,
) -> Result<Response, Problem> {
    match p.format.as_deref().unwrap_or("json") {
        "json" => Ok(Json(page_of(items, p)?.map(map)).into_response()),
        "ndjson" => {
            let mut body = String::new();
            for item in items {
                let line = serde_json::to_string(&map(item)).map_err(|e| Problem::internal(&e))?;
                body.push_str(&line);
                body.push('\n');
            }
            Ok(([(header::CONTENT_TYPE, "application/x-ndjson")], body).into_response())
        }
        other => Err(Problem::invalid(
            "format",
            format!("{other:?} is not json or ndjson"),
        )),
    }
}

fn modified_after(p: &ListParams) -> Result<Option<OffsetDateTime>, Problem> {
    let Some(value) = p.modified_after.as_deref() else {
        return Ok(None);
    };
    OffsetDateTime::parse(value, &Rfc3339)
        .or_else(|_| {
            time::Date::parse(
                value,
                time::macros::format_description!("[year]-[month]-[day]"),
            )
            .map(|d| d.midnight().assume_utc())
        })
        .map(Some)
        .map_err(|_| Problem::invalid("modified_after", "must be an RFC 3339 date-time or a date"))
}

/// The services that pass the list filters, sorted by name.
pub fn filtered<'a>(
    index: &'a Index,
    codes: &CodeLists,
    p: &ListParams,
) -> Result<Vec<&'a ServiceEntry>, Problem> {
    let term = match p.taxonomy_term_id.as_deref() {
        None => None,
        Some(v) => Some(resolve_term(codes, index, v).ok_or_else(|| {
            Problem::invalid(
                "taxonomy_term_id",
                format!("{v} is not a term (a UUID or taxonomy/code)"),
            )
        })?),
    };
    let organization = p.organization_id.as_deref().map(|o| {
        index
            .providers
            .keys()
            .find(|ico| *ico == o || organization_uuid(ico).to_string() == o)
            .cloned()
            .unwrap_or_else(|| o.to_string())
    });
    let after = modified_after(p)?;
    crate::api::search::check_search_text("search", p.search.as_deref())?;
    let mut found: Vec<&ServiceEntry> = index
        .matching(p.search.as_deref().unwrap_or(""))
        .iter()
        .filter_map(|slot| index.at(slot))
        .filter(|e| {
            term.as_ref()
                .is_none_or(|(k, c)| service_terms(e).iter().any(|(tk, tc)| tk == k && tc == c))
                && organization
                    .as_ref()
                    .is_none_or(|o| &e.view.provider_ico == o)
                && after.is_none_or(|t| e.view.updated_at >= t)
        })
        .collect();
    found.sort_by(|a, b| {
        a.sort_name
            .cmp(&b.sort_name)
            .then_with(|| a.view.id.cmp(&b.view.id))
    });
    Ok(found)
}

fn not_found(what: &str) -> Problem {
    Problem::new(StatusCode::NOT_FOUND, "not-found", "No such record")
        .detail(format!("{what} does not exist"))
}

#[utoipa::path(operation_id = "hsds_services", get, path = "/hsds/services", tag = "hsds", params(ListParams), responses((status = 200, description = "HSDS page of `service_list` objects, or NDJSON", body = HsdsPage<Service>), (status = 422, description = "A bad parameter, named", body = crate::api::openapi::Problem)))]
pub(crate) async fn services(
    State(state): State<QueryState>,
    Query(p): Query<ListParams>,
) -> Result<Response, Problem> {
    let index = state.indexer.read();
    let items = filtered(&index, &state.codelists, &p)?;
    list(items, &p, |e| mapping::service_list(&index, e))
}

fn find_service<'a>(index: &'a Index, id: &str) -> Option<&'a ServiceEntry> {
    index.service(id).or_else(|| {
        index
            .services()
            .find(|e| service_uuid(&e.view.id).to_string() == id)
    })
}

#[utoipa::path(operation_id = "hsds_service", get, path = "/hsds/services/{id}", tag = "hsds", params(("id" = String, Path, description = "The HSDS UUID or the portal's id")), responses((status = 200, description = "HSDS `service`, fully nested", body = Service), (status = 404, description = "No such service", body = crate::api::openapi::Problem)))]
pub(crate) async fn service(
    State(state): State<QueryState>,
    Path(id): Path<String>,
) -> Result<Json<Service>, Problem> {
    let index = state.indexer.read();
    let e = find_service(&index, &id).ok_or_else(|| not_found("the service"))?;
    Ok(Json(mapping::service(&index, &state.codelists, e)))
}

#[utoipa::path(get, path = "/hsds/organizations", tag = "hsds", params(ListParams), responses((status = 200, description = "HSDS page of `organization_list` objects", body = HsdsPage<Organization>), (status = 422, description = "A bad parameter, named", body = crate::api::openapi::Problem)))]
pub(crate) async fn organizations(
    State(state): State<QueryState>,
    Query(p): Query<ListParams>,
) -> Result<Response, Problem> {
    let index = state.indexer.read();
    let words = crate::text::words(p.search.as_deref().unwrap_or(""));
    let mut providers: Vec<_> = index
        .providers
        .values()
        .filter(|o| {
            let name = crate::text::words(&o.name);
            words
                .iter()
                .all(|w| name.iter().any(|n| n.starts_with(w.as_str())) || o.ico == *w)
        })
        .collect();
    providers.sort_by(|a, b| a.name.cmp(&b.name).then_with(|| a.ico.cmp(&b.ico)));
    list(providers, &p, mapping::organization_list)
}

#[utoipa::path(get, path = "/hsds/organizations/{id}", tag = "hsds", params(("id" = String, Path, description = "The HSDS UUID or the IČO")), responses((status = 200, description = "HSDS `organization` with its services", body = Organization), (status = 404, description = "No such organization", body = crate::api::openapi::Problem)))]
pub(crate) async fn organization(
    State(state): State<QueryState>,
    Path(id): Path<String>,
) -> Result<Json<Organization>, Problem> {
    let index = state.indexer.read();
    let p = index
        .providers
        .get(&id)
        .or_else(|| {
            index
                .providers
                .values()
                .find(|p| organization_uuid(&p.ico).to_string() == id)
        })
        .ok_or_else(|| not_found("the organization"))?;
    let mut services: Vec<&ServiceEntry> = index
        .services()
        .filter(|e| e.view.provider_ico == p.ico)
        .collect();
    services.sort_by(|a, b| a.sort_name.cmp(&b.sort_name));
    let services = services
        .into_iter()
        .map(|e| mapping::service_list(&index, e))
        .collect();
    Ok(Json(mapping::organization(p, services)))
}

/// (service, facility) pairs passing the filters, with the postcode and proximity.
fn locations<'a>(
    index: &'a Index,
    codes: &CodeLists,
    p: &ListParams,
) -> Result<Vec<(&'a ServiceEntry, &'a events::registry::service::Facility)>, Problem> {
    let services = filtered(index, codes, p)?;
    let postcode = p.postcode.as_deref().map(|c| c.replace(' ', ""));
    let proximity = match p.proximity.as_deref() {
        None => None,
        Some(m) => Some(
            m.parse::<f64>()
                .ok()
                .filter(|m| m.is_finite() && *m > 0.0)
                .ok_or_else(|| {
                    Problem::invalid("proximity", "must be a positive number of metres")
                })?,
        ),
    };
    let pairs = services
        .into_iter()
        .flat_map(|e| e.view.details.open_facilities().map(move |f| (e, f)));
    match (postcode, proximity) {
        (None, Some(_)) => Err(Problem::invalid("proximity", "needs a postcode")),
        (None, None) => Ok(pairs.collect()),
        (Some(code), None) => Ok(pairs.filter(|(_, f)| f.address.postcode == code).collect()),
        (Some(code), Some(metres)) => {
            // The centre of a postcode: the mean position of the facilities with it.
            let points: Vec<Location> = index
                .services()
                .flat_map(|e| e.view.details.open_facilities())
                .filter(|f| f.address.postcode == code)
                .filter_map(|f| f.location)
                .collect();
            if points.is_empty() {
                return Err(Problem::invalid(
                    "postcode",
                    format!("no facility with the postcode {code} has a position"),
                ));
            }
            let n = points.len() as f64;
            let centre = Location {
                lat: points.iter().map(|l| l.lat).sum::<f64>() / n,
                lon: points.iter().map(|l| l.lon).sum::<f64>() / n,
            };
            Ok(pairs
                .filter(|(_, f)| {
                    f.location
                        .is_some_and(|l| l.distance_km(&centre) * 1000.0 <= metres)
                })
                .collect())
        }
    }
}

#[utoipa::path(get, path = "/hsds/service_at_locations", tag = "hsds", params(ListParams), responses((status = 200, description = "HSDS page of `service_at_location_list` objects", body = HsdsPage<ServiceAtLocation>), (status = 422, description = "A bad parameter, named", body = crate::api::openapi::Problem)))]
pub(crate) async fn service_at_locations(
    State(state): State<QueryState>,
    Query(p): Query<ListParams>,
) -> Result<Response, Problem> {
    let index = state.indexer.read();
    let items = locations(&index, &state.codelists, &p)?;
    list(items, &p, |(e, f)| ServiceAtLocation {
        service: Some(Box::new(mapping::service_list(&index, e))),
        ..mapping::service_at_location(&index, e, f)
    })
}

#[utoipa::path(get, path = "/hsds/service_at_locations/{id}", tag = "hsds", params(("id" = String, Path, description = "The HSDS UUID")), responses((status = 200, description = "HSDS `service_at_location`, fully nested", body = ServiceAtLocation), (status = 404, description = "No such service at location", body = crate::api::openapi::Problem)))]
pub(crate) async fn service_at_location(
    State(state): State<QueryState>,
    Path(id): Path<String>,
) -> Result<Json<ServiceAtLocation>, Problem> {
    let index = state.indexer.read();
    for e in index.services() {
        for f in e.view.details.open_facilities() {
            if uuid_for("service_at_location", &mapping::facility_key(e, f)).to_string() == id {
                return Ok(Json(ServiceAtLocation {
                    service: Some(Box::new(mapping::service(&index, &state.codelists, e))),
                    ..mapping::service_at_location(&index, e, f)
                }));
            }
        }
    }
    Err(not_found("the service at location"))
}

#[utoipa::path(get, path = "/hsds/taxonomies", tag = "hsds", params(ListParams), responses((status = 200, description = "HSDS page of `taxonomy` objects", body = HsdsPage<objects::Taxonomy>), (status = 422, description = "A bad parameter, named", body = crate::api::openapi::Problem)))]
pub(crate) async fn taxonomies(Query(p): Query<ListParams>) -> Result<Response, Problem> {
    list(TAXONOMIES.iter().collect(), &p, taxonomy_object)
}

#[utoipa::path(get, path = "/hsds/taxonomies/{id}", tag = "hsds", params(("id" = String, Path, description = "The HSDS UUID or the key")), responses((status = 200, description = "HSDS `taxonomy`", body = objects::Taxonomy), (status = 404, description = "No such taxonomy", body = crate::api::openapi::Problem)))]
pub(crate) async fn taxonomy_one(
    Path(id): Path<String>,
) -> Result<Json<objects::Taxonomy>, Problem> {
    TAXONOMIES
        .iter()
        .find(|t| t.key == id || uuid_for("taxonomy", t.key).to_string() == id)
        .map(|t| Json(taxonomy_object(t)))
        .ok_or_else(|| not_found("the taxonomy"))
}

#[utoipa::path(get, path = "/hsds/taxonomy_terms", tag = "hsds", params(ListParams), responses((status = 200, description = "HSDS page of `taxonomy_term` objects", body = HsdsPage<TaxonomyTerm>), (status = 422, description = "A bad parameter, named", body = crate::api::openapi::Problem)))]
pub(crate) async fn taxonomy_terms(
    State(state): State<QueryState>,
    Query(p): Query<ListParams>,
) -> Result<Response, Problem> {
    let index = state.indexer.read();
    let only = p.taxonomy_id.as_deref().map(|t| {
        TAXONOMIES
            .iter()
            .find(|x| x.key == t || uuid_for("taxonomy", x.key).to_string() == t)
            .map(|x| x.key)
    });
    if let Some(None) = only {
        return Err(Problem::invalid("taxonomy_id", "not a taxonomy"));
    }
    let words = crate::text::words(p.search.as_deref().unwrap_or(""));
    let items = all_terms(&state.codelists, &index)
        .into_iter()
        .filter(|t| only.flatten().is_none_or(|k| t.taxonomy == k))
        .filter(|t| {
            let name = crate::text::words(&t.name);
            words
                .iter()
                .all(|w| name.iter().any(|n| n.starts_with(w.as_str())))
        })
        .collect();
    list(items, &p, |t| term_object(&t))
}

#[utoipa::path(get, path = "/hsds/taxonomy_terms/{id}", tag = "hsds", params(("id" = String, Path, description = "The HSDS UUID or taxonomy/code")), responses((status = 200, description = "HSDS `taxonomy_term`", body = TaxonomyTerm), (status = 404, description = "No such term", body = crate::api::openapi::Problem)))]
pub(crate) async fn taxonomy_term(
    State(state): State<QueryState>,
    Path(id): Path<String>,
) -> Result<Json<TaxonomyTerm>, Problem> {
    let index = state.indexer.read();
    all_terms(&state.codelists, &index)
        .into_iter()
        .find(|t| {
            term_id(t.taxonomy, &t.code).to_string() == id
                || format!("{}/{}", t.taxonomy, t.code) == id
        })
        .map(|t| Json(term_object(&t)))
        .ok_or_else(|| not_found("the taxonomy term"))
}
