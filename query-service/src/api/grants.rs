//! Grant procedures, read side: calls with their totals, and the decided
//! applications (who got how much for which service and why: public funds
//! are public). Applications still being evaluated show only their state.

use super::answers::List;
use super::params::Query;
use super::records::After;
use super::{wait_after, QueryState};
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::routing::get;
use axum::{Json, Router};
use events::grants::application::ApplicationStatus;
use events::grants::call::CallDetails;
use infra::problem::Problem;
use read_models::grants::{ApplicationView, CallView, Step};
use serde::Serialize;
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

/// A call with the totals of its applications (withdrawn ones aside).
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct CallSummary {
    /// Id.
    pub id: String,
    /// Title.
    pub title: String,
    /// Territory (code).
    pub territory: String,
    /// Budget, CZK.
    pub budget: i64,
    /// Deadline of applications.
    #[serde(with = "time::serde::rfc3339")]
    pub deadline: OffsetDateTime,
    /// Applications are accepted now.
    pub open: bool,
    /// Cancelled, with the reason.
    pub cancelled: Option<String>,
    /// Applications.
    pub applications: usize,
    /// Amount requested by them, CZK.
    pub requested_total: i64,
    /// Amount granted, CZK.
    pub granted_total: i64,
    /// Applications decided.
    pub decided: usize,
}

/// A call in full: its totals, its details and the decided applications.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct CallDetail {
    /// The totals.
    #[serde(flatten)]
    pub summary: CallSummary,
    /// The call as announced.
    pub details: CallDetails,
    /// The decided applications.
    pub decisions: Vec<DecidedApplication>,
}

/// An application as the public sees it: in full once decided (public
/// funds are public), its state only before.
#[derive(Debug, Serialize, utoipa::ToSchema)]
#[serde(untagged)]
pub enum PublicApplication {
    /// Decided.
    Decided(DecidedApplication),
    /// Not decided yet.
    Pending(PendingApplication),
}

/// A decided application.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct DecidedApplication {
    /// Id.
    pub id: String,
    /// The call.
    pub call_id: String,
    /// Granted or rejected.
    pub status: ApplicationStatus,
    /// The applicant.
    pub provider_ico: String,
    /// The applicant's name.
    pub provider_name: Option<String>,
    /// The service it is for.
    pub service_id: String,
    /// Amount requested, CZK.
    pub requested_amount: i64,
    /// Amount granted, CZK.
    pub granted_amount: Option<i64>,
    /// The reasons of the decision.
    pub reasons: Option<String>,
    /// The evaluators' average weighted score (0–100), two decimals.
    pub average_score: Option<f64>,
    /// How many evaluated it.
    pub evaluations: usize,
    /// Every step.
    pub steps: Vec<Step>,
}

/// An application not yet decided.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct PendingApplication {
    /// Id.
    pub id: String,
    /// The call.
    pub call_id: String,
    /// Where it stands.
    pub status: ApplicationStatus,
}

fn summary(c: &CallView, apps: &[&ApplicationView], now: OffsetDateTime) -> CallSummary {
    let live: Vec<&&ApplicationView> = apps
        .iter()
        .filter(|a| a.status != ApplicationStatus::Withdrawn)
        .collect();
    CallSummary {
        id: c.id.clone(),
        title: c.details.title.clone(),
        territory: c.details.territory.clone(),
        budget: c.details.budget,
        deadline: c.details.deadline,
        open: c.cancelled.is_none() && now <= c.details.deadline,
        cancelled: c.cancelled.clone(),
        applications: live.len(),
        requested_total: live.iter().map(|a| a.details.requested_amount).sum(),
        granted_total: live.iter().filter_map(|a| a.granted_amount).sum(),
        decided: live.iter().filter(|a| decided(a)).count(),
    }
}

fn decision(a: &ApplicationView, provider_name: Option<String>) -> Option<DecidedApplication> {
    if !decided(a) {
        return None;
    }
    let scores: Vec<f64> = a.evaluations.values().copied().collect();
    let average_score = (!scores.is_empty())
        .then(|| (scores.iter().sum::<f64>() / scores.len() as f64 * 100.0).round() / 100.0);
    Some(DecidedApplication {
        id: a.id.clone(),
        call_id: a.details.call_id.clone(),
        status: a.status,
        provider_ico: a.details.provider_ico.clone(),
        provider_name,
        service_id: a.details.service_id.clone(),
        requested_amount: a.details.requested_amount,
        granted_amount: a.granted_amount,
        reasons: a.reasons.clone(),
        average_score,
        evaluations: scores.len(),
        steps: a.steps.clone(),
    })
}

fn public(a: &ApplicationView, provider_name: Option<String>) -> PublicApplication {
    decision(a, provider_name).map_or_else(
        || {
            PublicApplication::Pending(PendingApplication {
                id: a.id.clone(),
                call_id: a.details.call_id.clone(),
                status: a.status,
            })
        },
        PublicApplication::Decided,
    )
}

#[utoipa::path(get, path = "/api/v1/grants/calls", tag = "grants", params(After), responses((status = 200, description = "`{ total, items }`: calls with their totals", body = List<CallSummary>), (status = 422, description = "A bad parameter, named", body = crate::api::openapi::Problem)))]
pub(crate) async fn calls(
    State(state): State<QueryState>,
    Query(a): Query<After>,
) -> Result<Json<List<CallSummary>>, Problem> {
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
    let items: Vec<CallSummary> = items
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
    Ok(Json(items.into()))
}

fn not_found(what: &str) -> Problem {
    Problem::new(StatusCode::NOT_FOUND, "not-found", "No such record")
        .detail(format!("{what} does not exist"))
}

#[utoipa::path(get, path = "/api/v1/grants/calls/{id}", tag = "grants", params(("id" = String, Path, description = "The call"), After), responses((status = 200, description = "The call, its criteria, totals and decided applications", body = CallDetail), (status = 404, description = "No such call", body = crate::api::openapi::Problem), (status = 422, description = "A bad parameter, named", body = crate::api::openapi::Problem)))]
pub(crate) async fn call(
    State(state): State<QueryState>,
    Path(id): Path<String>,
    Query(a): Query<After>,
) -> Result<Json<CallDetail>, Problem> {
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
    Ok(Json(CallDetail {
        summary: summary(c, &apps, OffsetDateTime::now_utc()),
        details: c.details.clone(),
        decisions: apps
            .iter()
            .filter_map(|a| decision(a, index.provider_name(&a.details.provider_ico)))
            .collect(),
    }))
}

#[utoipa::path(get, path = "/api/v1/grants/applications/{id}", tag = "grants", params(("id" = String, Path, description = "The application"), After), responses((status = 200, description = "A decided application in full; one not yet decided: its state only", body = PublicApplication), (status = 404, description = "No such application", body = crate::api::openapi::Problem), (status = 422, description = "A bad parameter, named", body = crate::api::openapi::Problem)))]
pub(crate) async fn application(
    State(state): State<QueryState>,
    Path(id): Path<String>,
    Query(a): Query<After>,
) -> Result<Json<PublicApplication>, Problem> {
    wait_after(&state, a.after.as_deref()).await?;
    let index = state.indexer.read();
    let app = index
        .grant_applications
        .get(&id)
        .ok_or_else(|| not_found("the application"))?;
    Ok(Json(public(
        app,
        index.provider_name(&app.details.provider_ico),
    )))
}
