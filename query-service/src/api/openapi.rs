//! The OpenAPI document of the read API, served at `/api/v1/queries/openapi.json`.

use axum::routing::get;
use axum::{Json, Router};
use utoipa::{Modify, OpenApi};

/// An RFC 9457 problem (`application/problem+json`), as documented.
#[derive(utoipa::ToSchema)]
#[allow(dead_code)]
pub struct Problem {
    /// A URI naming the kind of problem.
    r#type: String,
    /// A short summary.
    title: String,
    /// The HTTP status.
    status: u16,
    /// What went wrong this time.
    detail: Option<String>,
}

/// The answers every read with `after=` can give, added where an operation
/// does not list them itself: 422 for an `after` that does not parse, 503
/// when the read models do not reach the position in time (the OpenAPI
/// test checks the rule).
struct ReadYourWrites;

impl Modify for ReadYourWrites {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        for item in openapi.paths.paths.values_mut() {
            let Some(operation) = item.get.as_mut() else {
                continue;
            };
            let waits = operation
                .parameters
                .iter()
                .flatten()
                .any(|p| p.name == "after");
            if waits {
                let problem = infra::problem::documented;
                let answers = &mut operation.responses.responses;
                answers
                    .entry("422".to_string())
                    .or_insert_with(|| problem("A bad parameter (`after`), named").into());
                answers.entry("503".to_string()).or_insert_with(|| {
                    problem("The read models did not reach `after` in time").into()
                });
            }
        }
    }
}

/// The document.
#[derive(OpenApi)]
#[openapi(
    info(
        title = "Portal of social services — read API",
        description = "Search, details, the vacancy board and the map. Pass `after=<transaction_id>:<global_position>` \
            from a command's answer to read your own write.",
    ),
    modifiers(&ReadYourWrites),
    paths(
        super::search::search, super::search::vacancies, super::search::places,
        super::records::service, super::records::verification_overdue, super::records::provider, super::records::directory,
        super::records::directory_entry, super::records::regional_contacts,
        super::map::map, super::map::geojson, super::files::unnamed, super::files::named, super::files::attachment,
        super::export::services_csv, super::export::services_spreadsheet, super::export::vacancies_csv, super::export::facilities_geojson,
        super::stats::services, super::stats::trend, super::stats::capacity_vs_need,
        super::stats::vacancies, super::stats::norms,
        super::grants::calls, super::grants::call, super::grants::application,
        super::surveys::list, super::surveys::one, super::surveys::results,
        super::plans::list, super::plans::one, super::plans::revision, super::plans::diff,
        super::plans::measures, super::plans::groups, super::plans::group,
        super::content::news, super::content::article, super::content::calendar, super::content::ical,
        super::content::jobs, super::content::documents, super::content::document,
        super::content::links, super::content::awards,
        super::forum::threads, super::forum::thread,
        crate::hsds::root, crate::hsds::profile, crate::hsds::services, crate::hsds::service,
        crate::hsds::organizations, crate::hsds::organization, crate::hsds::service_at_locations,
        crate::hsds::service_at_location, crate::hsds::taxonomies, crate::hsds::taxonomy_one,
        crate::hsds::taxonomy_terms, crate::hsds::taxonomy_term,
    ),
    components(schemas(Problem, super::search::BoardRow, super::map::Area, events::forum::Section)),
    tags(
        (name = "search", description = "Search of services and the vacancy board"),
        (name = "records", description = "Providers, services, the supplementary directory and regional contacts"),
        (name = "map", description = "Aggregates per country, kraj and ORP"),
        (name = "files", description = "Files kept by the portal: documents, photos, videos"),
        (name = "statistics", description = "Statistics from the daily snapshots: counts, trends, capacity against need, vacancy history"),
        (name = "grants", description = "Grant calls and decisions"),
        (name = "surveys", description = "Surveys and their results"),
        (name = "plans", description = "Community plans: the plan in force, revisions, differences, measures"),
        (name = "forum", description = "The forum: threads and posts (the professional section for signed-in accounts)"),
        (name = "content", description = "Regional news, the calendar (JSON and iCalendar), job postings"),
        (name = "exports", description = "Open data: CSV and GeoJSON with the filters of the search"),
        (name = "hsds", description = "HSDS 3.1 (Open Referral), Czech profile, under /hsds"),
    )
)]
pub struct ApiDoc;

/// `GET /queries/openapi.json`.
pub fn routes<S: Clone + Send + Sync + 'static>() -> Router<S> {
    Router::new().route(
        "/queries/openapi.json",
        get(|| async { Json(ApiDoc::openapi()) }),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_document_lists_every_query() {
        let doc = serde_json::to_value(ApiDoc::openapi()).unwrap();
        let paths = doc["paths"].as_object().unwrap();
        for path in [
            "/api/v1/services",
            "/api/v1/vacancies",
            "/api/v1/services/{id}",
            "/api/v1/providers/{ico}",
            "/api/v1/map",
            "/api/v1/map.geojson",
            "/api/v1/directory",
            "/api/v1/regional-contacts",
        ] {
            assert!(paths.contains_key(path), "{path} is not documented");
        }
        let params: Vec<&str> = paths["/api/v1/services"]["get"]["parameters"]
            .as_array()
            .unwrap()
            .iter()
            .filter_map(|p| p["name"].as_str())
            .collect();
        for name in [
            "q",
            "kind",
            "kraj",
            "orp",
            "lat",
            "lon",
            "radius_km",
            "free_now",
            "after",
        ] {
            assert!(params.contains(&name), "{name} is not documented");
        }
    }
}
