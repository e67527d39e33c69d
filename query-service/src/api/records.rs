//! Details: a service, a provider with its services, the supplementary
//! directory, the regional contacts.

use super::params::Query;
use super::{wait_after, QueryState};
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::routing::get;
use axum::{Json, Router};
use events::registry::regional_contact::ContactRole;
use infra::problem::Problem;
use serde::Deserialize;
use serde_json::{json, Value};

pub(super) fn routes() -> Router<QueryState> {
    Router::new()
        .route("/services/{id}", get(service))
        .route("/providers/{ico}", get(provider))
        .route("/directory", get(directory))
        .route("/directory/{id}", get(directory_entry))
        .route("/regional-contacts", get(regional_contacts))
}

/// The read-your-writes parameter.
#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct After {
    /// Wait until the read models hold this change.
    pub after: Option<String>,
}

fn not_found(what: &str) -> Problem {
    Problem::new(StatusCode::NOT_FOUND, "not-found", "No such record")
        .detail(format!("{what} does not exist"))
}

#[utoipa::path(get, path = "/api/v1/services/{id}", tag = "records", params(("id" = String, Path, description = "Id"), After), responses((status = 200, description = "The service with its provider, territory and vacancies (age, stale)", body = Object), (status = 404, description = "No such record", body = crate::api::openapi::Problem), (status = 422, description = "A bad parameter, named", body = crate::api::openapi::Problem)))]
async fn service(
    State(state): State<QueryState>,
    Path(id): Path<String>,
    Query(a): Query<After>,
) -> Result<Json<Value>, Problem> {
    wait_after(&state, a.after.as_deref()).await?;
    let index = state.indexer.read();
    let doc = service_detail(&index, &id, time::OffsetDateTime::now_utc())?
        .ok_or_else(|| not_found("the service"))?;
    Ok(Json(doc))
}

/// A service as the read API answers it: its record with the provider's
/// name, its territory, the free places now and each vacancy's age.
///
/// # Errors
/// When the record does not serialise (a bug).
pub fn service_detail(
    index: &crate::index::Index,
    id: &str,
    now: time::OffsetDateTime,
) -> Result<Option<Value>, Problem> {
    let Some(e) = index.service(id) else {
        return Ok(None);
    };
    let mut doc = serde_json::to_value(&e.view).map_err(|e| Problem::internal(&e))?;
    doc["provider_name"] = json!(e.provider_name);
    doc["kraje"] = json!(e.kraje);
    doc["orp"] = json!(e.orp);
    doc["free_places_now"] = json!(e.free_now(now));
    if let Some(vacancies) = doc["vacancies"].as_array_mut() {
        for (v, view) in vacancies.iter_mut().zip(&e.view.vacancies) {
            v["age_days"] = json!((now - view.reported_at).whole_days());
            v["stale"] = json!(now - view.reported_at > crate::index::STALE_AFTER);
        }
    }
    Ok(Some(doc))
}

#[utoipa::path(get, path = "/api/v1/providers/{ico}", tag = "records", params(("ico" = String, Path, description = "Id"), After), responses((status = 200, description = "The provider with its services", body = Object), (status = 404, description = "No such record", body = crate::api::openapi::Problem), (status = 422, description = "A bad parameter, named", body = crate::api::openapi::Problem)))]
async fn provider(
    State(state): State<QueryState>,
    Path(ico): Path<String>,
    Query(a): Query<After>,
) -> Result<Json<Value>, Problem> {
    wait_after(&state, a.after.as_deref()).await?;
    let index = state.indexer.read();
    let p = index
        .providers
        .get(&ico)
        .ok_or_else(|| not_found("the provider"))?;
    let mut doc = serde_json::to_value(p).map_err(|e| Problem::internal(&e))?;
    let mut services: Vec<Value> = index
        .services()
        .filter(|s| s.view.provider_ico == ico)
        .map(|s| json!({ "id": s.view.id, "name": s.view.details.name, "kind": s.view.details.kind, "kind_name": s.view.kind_name, "status": s.view.status }))
        .collect();
    services.sort_by(|a, b| a["name"].as_str().cmp(&b["name"].as_str()));
    doc["services"] = Value::Array(services);
    Ok(Json(doc))
}

#[utoipa::path(get, path = "/api/v1/directory", tag = "records", params(After), responses((status = 200, description = "`{ total, items }`: the supplementary directory", body = Object), (status = 404, description = "No such record", body = crate::api::openapi::Problem), (status = 422, description = "A bad parameter, named", body = crate::api::openapi::Problem)))]
async fn directory(
    State(state): State<QueryState>,
    Query(a): Query<After>,
) -> Result<Json<Value>, Problem> {
    wait_after(&state, a.after.as_deref()).await?;
    let index = state.indexer.read();
    let mut items: Vec<&read_models::registry::DirectoryView> = index.directory.values().collect();
    items.sort_by(|a, b| a.details.name.cmp(&b.details.name));
    Ok(Json(json!({ "total": items.len(), "items": items })))
}

#[utoipa::path(get, path = "/api/v1/directory/{id}", tag = "records", params(("id" = String, Path, description = "Id"), After), responses((status = 200, description = "One entry", body = Object), (status = 404, description = "No such record", body = crate::api::openapi::Problem)))]
async fn directory_entry(
    State(state): State<QueryState>,
    Path(id): Path<String>,
) -> Result<Json<Value>, Problem> {
    let index = state.indexer.read();
    let entry = index
        .directory
        .get(&id)
        .ok_or_else(|| not_found("the directory entry"))?;
    Ok(Json(
        serde_json::to_value(entry).map_err(|e| Problem::internal(&e))?,
    ))
}

/// Which contacts.
#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ContactParams {
    /// `methodologist` or `social_curator`.
    pub role: Option<String>,
    /// A kraj, in any of its codes.
    pub kraj: Option<String>,
    /// An ORP, in any of its codes.
    pub orp: Option<String>,
    /// Wait until the read models hold this change.
    pub after: Option<String>,
}

#[utoipa::path(get, path = "/api/v1/regional-contacts", tag = "records", params(ContactParams), responses((status = 200, description = "`{ total, items }`: published contacts of methodologists and social curators", body = Object), (status = 422, description = "A bad role", body = crate::api::openapi::Problem)))]
async fn regional_contacts(
    State(state): State<QueryState>,
    Query(p): Query<ContactParams>,
) -> Result<Json<Value>, Problem> {
    wait_after(&state, p.after.as_deref()).await?;
    let role = match p.role.as_deref() {
        None => None,
        Some(r) => Some(
            serde_json::from_value::<ContactRole>(json!(r)).map_err(|_| {
                Problem::invalid(
                    "role",
                    format!("{r:?} is not methodologist or social_curator"),
                )
            })?,
        ),
    };
    let index = state.indexer.read();
    let t = index.territory();
    let kraj = |code: &str| {
        t.kraj_by_any_code(code)
            .map_or_else(|| code.to_string(), |k| k.nuts.clone())
    };
    let orp = |code: &str| {
        t.orp_by_any_code(code)
            .map_or_else(|| code.to_string(), |o| o.csu_code.clone())
    };
    let mut items: Vec<_> = index
        .contacts()
        .filter(|c| role.is_none_or(|r| c.details.role == r))
        .filter(|c| {
            p.kraj
                .as_deref()
                .is_none_or(|k| kraj(k) == kraj(&c.details.kraj))
        })
        .filter(|c| {
            p.orp
                .as_deref()
                .is_none_or(|o| c.details.orp.as_deref().is_some_and(|x| orp(x) == orp(o)))
        })
        .collect();
    items.sort_by(|a, b| (a.details.role, &a.details.name).cmp(&(b.details.role, &b.details.name)));
    Ok(Json(json!({ "total": items.len(), "items": items })))
}
