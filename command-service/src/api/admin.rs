//! Administration of the projections (administrators): their checkpoints
//! and lag, and a rebuild by name.

use super::answers::Problem;
use crate::auth::Principal;
use crate::error::ApiError;
use crate::state::AppState;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::Json;
use infra::projections::{DynProjectionAdmin, ProjectionStatus};
use serde::Serialize;
use utoipa_axum::{router::OpenApiRouter, routes};

pub(super) fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list))
        .routes(routes!(rebuild))
}

fn admin(state: &AppState, principal: &Principal) -> Result<DynProjectionAdmin, ApiError> {
    principal.require_admin()?;
    state.projections.clone().ok_or_else(|| {
        ApiError::Conflict("this process cannot reach the projections' stores".into())
    })
}

#[utoipa::path(
    get, path = "/admin/projections", tag = "admin", security(("bearer" = [])),
    responses(
        (status = 200, description = "`{ projections: [{ name, checkpoint, head, lag_events, lag_ms, detail }] }`", body = Projections),
        (status = 403, description = "Not an administrator", body = Problem),
    ),
)]
pub(crate) async fn list(
    State(state): State<AppState>,
    principal: Principal,
) -> Result<Json<Projections>, ApiError> {
    let projections = admin(&state, &principal)?.list().await?;
    Ok(Json(Projections { projections }))
}

/// The projections of this installation.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Projections {
    /// Each with its checkpoint and lag.
    pub projections: Vec<ProjectionStatus>,
}

/// A projection rebuilt.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Rebuilt {
    /// Its name.
    pub name: String,
    /// What was done (the generation or the events processed).
    pub done: String,
}

#[utoipa::path(
    post, path = "/admin/projections/{name}/rebuild", tag = "admin",
    params(("name" = String, Path, description = "`registry` or `statistics`")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "`{ name, done }`: rebuilt from the start of the log (read models switch when caught up)", body = Rebuilt),
        (status = 403, description = "Not an administrator", body = Problem),
        (status = 404, description = "No such projection", body = Problem),
    ),
)]
pub(crate) async fn rebuild(
    State(state): State<AppState>,
    principal: Principal,
    Path(name): Path<String>,
) -> Result<(StatusCode, Json<Rebuilt>), ApiError> {
    let admin = admin(&state, &principal)?;
    match admin.rebuild(&name).await? {
        Some(done) => Ok((StatusCode::OK, Json(Rebuilt { name, done }))),
        None => Err(ApiError::Domain(events::DomainError::NotFound(format!(
            "the projection {name}"
        )))),
    }
}
