//! Settings of the statistics: the need norm of a kind of service, set by
//! administrators and analysts; each version applies from its day.

use super::answers::{CommandResponse, Refusals};
use crate::error::ApiError;
use crate::execute::{execute, CommandResult};
use crate::extract::Command;
use crate::state::AppState;
use axum::extract::{Path, State};
use events::accounts::Role;
use events::statistics::need_norm::{check_kind, NeedNorm, NeedNormCommand, Norm};
use utoipa_axum::{router::OpenApiRouter, routes};

pub(super) fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(set_norm))
}

#[utoipa::path(
    put, path = "/stats/norms/{kind}", tag = "statistics",
    params(("kind" = u16, Path, description = "Kind of service (MPSV code)")),
    request_body = Norm, security(("bearer" = [])),
    responses(
        (status = 200, description = "Set (a version applying from `valid_from`)", body = CommandResult),
        Refusals,
    ),
)]
pub(crate) async fn set_norm(
    State(state): State<AppState>,
    Path(kind): Path<String>,
    command: Command<Norm>,
) -> Result<CommandResponse, ApiError> {
    let (principal, ctx, body) = command.into_parts();
    if !principal.has_any(&[Role::Administrator, Role::Analyst]) {
        return Err(ApiError::Forbidden(
            "need norms are set by administrators and analysts".into(),
        ));
    }
    let kind = check_kind(&kind).map_err(|reason| ApiError::invalid("kind", reason))?;
    let result = execute::<NeedNorm>(
        &state,
        &kind.to_string(),
        NeedNormCommand::Set(body),
        &ctx,
        |_, _| Ok(()),
    )
    .await?;
    Ok(CommandResponse::changed(result))
}
