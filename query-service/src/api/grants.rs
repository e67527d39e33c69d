//! Grant procedures, read side: calls with their totals, and the decided
//! applications (who got how much for which service and why: public funds
//! are public). Applications still being evaluated show only their state.

use super::params::Query;
use super::records::After;
use super::{wait_after, QueryState};
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::routing::get;
use axum::{Json, Router};
use events::grants::application::ApplicationStatus;
use infra::problem::Problem;
use read_models::grants::{ApplicationView, CallView};
use serde_json::{json, Value};
use time::OffsetDateTime;

pub(super) fn routes() -> Router<QueryState> {
    Router::new()
        .route("/grants/calls", get(calls))
        .route("/grants/calls/{id}", get(call))
        .route("/grants/applications/{id}", get(application))
}

fn decided(a: &ApplicationView) -> bool {
    matches!(
        a.status,
        ApplicationStatus::Granted | ApplicationStatus::Rejected
    )
}

fn summary(c: &CallView, apps: &[&ApplicationView], now: OffsetDateTime) -> Value {
    let live: Vec<&&ApplicationView> = apps
        .iter()
        .filter(|a| a.status != ApplicationStatus::Withdrawn)
        .collect();
    json!({
        "id": c.id, "title": c.details.title, "territory": c.details.territory,
        "budget": c.details.budget, "deadline": c.details.deadline.format(&time::format_description::well_known::Rfc3339).unwrap_or_default(),
        "open": c.cancelled.is_none() && now <= c.details.deadline, "cancelled": c.cancelled,
        "applications": live.len(),
        "requested_total": live.iter().map(|a| a.details.requested_amount).sum::<i64>(),
        "granted_total": live.iter().filter_map(|a| a.granted_amount).sum::<i64>(),
        "decided": live.iter().filter(|a| decided(a)).count(),
    })
}

fn public(a: &ApplicationView, provider_name: Option<&str>) -> Value {
    if decided(a) {
        let scores: Vec<f64> = a.evaluations.values().copied().collect();
        let average = (!scores.is_empty())
            .then(|| (scores.iter().sum::<f64>() / scores.len() as f64 * 100.0).round() / 100.0);
        json!({
            "id": a.id, "call_id": a.details.call_id, "status": a.status,
            "provider_ico": a.details.provider_ico, "provider_name": provider_name,
            "service_id": a.details.service_id, "requested_amount": a.details.requested_amount,
            "granted_amount": a.granted_amount, "reasons": a.reasons,
            "average_score": average, "evaluations": scores.len(), "steps": a.steps,
        })
    } else {
        json!({ "id": a.id, "call_id": a.details.call_id, "status": a.status })
    }
}

#[utoipa::path(get, path = "/api/v1/grants/calls", tag = "grants", params(After), responses((status = 200, description = "`{ total, items }`: calls with their totals", body = Object), (status = 422, description = "A bad parameter, named", body = crate::api::openapi::Problem)))]
pub(crate) async fn calls(
    State(state): State<QueryState>,
    Query(a): Query<After>,
) -> Result<Json<Value>, Problem> {
    wait_after(&state, a.after.as_deref()).await?;
    let index = state.indexer.read();
    let now = OffsetDateTime::now_utc();
    let mut items: Vec<&CallView> = index.grant_calls.values().collect();
    items.sort_by(|a, b| {
        b.details
            .deadline
            .cmp(&a.details.deadline)
            .then_with(|| a.id.cmp(&b.id))
    });
    let items: Vec<Value> = items
        .into_iter()
        .map(|c| {
            let apps: Vec<&ApplicationView> = index
                .grant_applications
                .values()
                .filter(|a| a.details.call_id == c.id)
                .collect();
            summary(c, &apps, now)
        })
        .collect();
    Ok(Json(json!({ "total": items.len(), "items": items })))
}

fn not_found(what: &str) -> Problem {
    Problem::new(StatusCode::NOT_FOUND, "not-found", "No such record")
        .detail(format!("{what} does not exist"))
}

#[utoipa::path(get, path = "/api/v1/grants/calls/{id}", tag = "grants", params(("id" = String, Path, description = "The call"), After), responses((status = 200, description = "The call, its criteria, totals and decided applications", body = Object), (status = 404, description = "No such call", body = crate::api::openapi::Problem), (status = 422, description = "A bad parameter, named", body = crate::api::openapi::Problem)))]
pub(crate) async fn call(
    State(state): State<QueryState>,
    Path(id): Path<String>,
    Query(a): Query<After>,
) -> Result<Json<Value>, Problem> {
    wait_after(&state, a.after.as_deref()).await?;
    let index = state.indexer.read();
    let c = index
        .grant_calls
        .get(&id)
        .ok_or_else(|| not_found("the call"))?;
    let mut apps: Vec<&ApplicationView> = index
        .grant_applications
        .values()
        .filter(|a| a.details.call_id == id)
        .collect();
    apps.sort_by(|a, b| a.id.cmp(&b.id));
    let mut doc = summary(c, &apps, OffsetDateTime::now_utc());
    doc["details"] = serde_json::to_value(&c.details).map_err(|e| Problem::internal(&e))?;
    doc["decisions"] = apps
        .iter()
        .filter(|a| decided(a))
        .map(|a| {
            public(
                a,
                index
                    .providers
                    .get(&a.details.provider_ico)
                    .map(|p| p.name.as_str()),
            )
        })
        .collect();
    Ok(Json(doc))
}

#[utoipa::path(get, path = "/api/v1/grants/applications/{id}", tag = "grants", params(("id" = String, Path, description = "The application"), After), responses((status = 200, description = "A decided application in full; one not yet decided: its state only", body = Object), (status = 404, description = "No such application", body = crate::api::openapi::Problem), (status = 422, description = "A bad parameter, named", body = crate::api::openapi::Problem)))]
pub(crate) async fn application(
    State(state): State<QueryState>,
    Path(id): Path<String>,
    Query(a): Query<After>,
) -> Result<Json<Value>, Problem> {
    wait_after(&state, a.after.as_deref()).await?;
    let index = state.indexer.read();
    let app = index
        .grant_applications
        .get(&id)
        .ok_or_else(|| not_found("the application"))?;
    Ok(Json(public(
        app,
        index
            .providers
            .get(&app.details.provider_ico)
            .map(|p| p.name.as_str()),
    )))
}
