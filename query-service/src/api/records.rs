//! Details: a service, a provider with its services, the supplementary directory.

use super::{wait_after, QueryState};
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::routing::get;
use axum::{Json, Router};
use infra::problem::Problem;
use serde::Deserialize;
use serde_json::{json, Value};

pub(super) fn routes() -> Router<QueryState> {
    Router::new()
        .route("/services/{id}", get(service))
        .route("/providers/{ico}", get(provider))
        .route("/directory", get(directory))
        .route("/directory/{id}", get(directory_entry))
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

#[utoipa::path(get, path = "/api/v1/services/{id}", tag = "records", params(("id" = String, Path, description = "Id"), After), responses((status = 200, description = "The service with its provider, territory and vacancies (age, stale)", body = Object), (status = 404, description = "No such record", body = crate::api::openapi::Problem)))]
async fn service(
    State(state): State<QueryState>,
    Path(id): Path<String>,
    Query(a): Query<After>,
) -> Result<Json<Value>, Problem> {
    wait_after(&state, a.after.as_deref()).await?;
    let index = state.indexer.read();
    let e = index.service(&id).ok_or_else(|| not_found("the service"))?;
    let now = time::OffsetDateTime::now_utc();
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
    Ok(Json(doc))
}

#[utoipa::path(get, path = "/api/v1/providers/{ico}", tag = "records", params(("ico" = String, Path, description = "Id"), After), responses((status = 200, description = "The provider with its services", body = Object), (status = 404, description = "No such record", body = crate::api::openapi::Problem)))]
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

#[utoipa::path(get, path = "/api/v1/directory", tag = "records", params(After), responses((status = 200, description = "`{ total, items }`: the supplementary directory", body = Object), (status = 404, description = "No such record", body = crate::api::openapi::Problem)))]
async fn directory(
    State(state): State<QueryState>,
    Query(a): Query<After>,
) -> Result<Json<Value>, Problem> {
    wait_after(&state, a.after.as_deref()).await?;
    let index = state.indexer.read();
    let mut items: Vec<&projection_service::registry::DirectoryView> =
        index.directory.values().collect();
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
