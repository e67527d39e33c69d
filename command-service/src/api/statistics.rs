//! Settings of the statistics: the need norm of a kind of service, set by
//! administrators and analysts; each version applies from its day.

use super::respond;
use crate::api::openapi::Problem;
use crate::auth::Principal;
use crate::error::ApiError;
use crate::execute::{execute, CommandContext, CommandResult};
use crate::extract::{CommandHeaders, JsonBody};
use crate::state::AppState;
use axum::extract::{Path, State};
use axum::response::Response;
use axum::routing::put;
use axum::Router;
use events::accounts::Role;
use events::statistics::need_norm::{check_kind, NeedNorm, NeedNormCommand, Norm};

pub(super) fn routes() -> Router<AppState> {
    Router::new().route("/stats/norms/{kind}", put(set_norm))
}

#[utoipa::path(put, path = "/api/v1/stats/norms/{kind}", tag = "statistics", params(("kind" = u16, Path, description = "Kind of service (MPSV code)")), request_body = Norm, security(("bearer" = [])), responses((status = 200, description = "Set (a version applying from `valid_from`)", body = CommandResult), (status = 401, description = "Not authenticated", body = Problem), (status = 403, description = "Not allowed", body = Problem), (status = 409, description = "Conflict: stale If-Match or concurrent change", body = Problem), (status = 422, description = "Invalid fields, each named", body = Problem)))]
pub(crate) async fn set_norm(
    State(state): State<AppState>,
    principal: Principal,
    headers: CommandHeaders,
    Path(kind): Path<String>,
    JsonBody(body): JsonBody<Norm>,
) -> Result<Response, ApiError> {
    if !principal.has_any(&[Role::Administrator, Role::Analyst]) {
        return Err(ApiError::Forbidden(
            "need norms are set by administrators and analysts".into(),
        ));
    }
    let kind = check_kind(&kind).map_err(|reason| ApiError::invalid("kind", reason))?;
    let ctx = CommandContext::new(principal.actor(), headers);
    let result = execute::<NeedNorm>(
        &state,
        &kind.to_string(),
        NeedNormCommand::Set(body),
        &ctx,
        |_, _| Ok(()),
    )
    .await?;
    Ok(respond(result, false))
}
