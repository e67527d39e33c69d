//! Supplementary directory commands, for administrators, methodologists and
//! social curators.

use super::{respond, ReasonBody};
use crate::api::openapi::Problem;
use crate::auth::Principal;
use crate::error::ApiError;
use crate::execute::CommandResult;
use crate::execute::{creation_id, execute, CommandContext};
use crate::extract::{CommandHeaders, JsonBody};
use crate::state::AppState;
use axum::extract::{Path, State};
use axum::response::Response;
use axum::routing::{post, put};
use axum::Router;
use command_api::directory::AddEntryBody;
use events::accounts::Role;
use events::registry::directory::{DirectoryCommand, DirectoryEntry, EntryDetails};

pub(super) fn routes() -> Router<AppState> {
    Router::new()
        .route("/directory", post(add))
        .route("/directory/{id}", put(change))
        .route("/directory/{id}/remove", post(remove))
}

fn editor(principal: &Principal) -> Result<(), ApiError> {
    if principal.has_any(&[
        Role::Administrator,
        Role::Methodologist,
        Role::SocialCurator,
    ]) {
        Ok(())
    } else {
        Err(ApiError::Forbidden(
            "the directory is kept by administrators, methodologists and social curators".into(),
        ))
    }
}

#[utoipa::path(post, path = "/api/v1/directory", tag = "directory", request_body = AddEntryBody, security(("bearer" = [])), responses((status = 201, description = "Added", body = CommandResult), (status = 401, description = "Not authenticated", body = Problem), (status = 403, description = "Not allowed", body = Problem), (status = 404, description = "No such record", body = Problem), (status = 409, description = "Conflict: stale If-Match, concurrent change or a state rule", body = Problem), (status = 422, description = "Invalid fields, each named", body = Problem)))]
async fn add(
    State(state): State<AppState>,
    principal: Principal,
    headers: CommandHeaders,
    JsonBody(body): JsonBody<AddEntryBody>,
) -> Result<Response, ApiError> {
    editor(&principal)?;
    let ctx = CommandContext::new(principal.actor(), headers);
    let id = creation_id::<DirectoryEntry>(&state, &ctx, body.entry_id).await?;
    let result = execute::<DirectoryEntry>(
        &state,
        &id,
        DirectoryCommand::Add(body.details),
        &ctx,
        |_, _| Ok(()),
    )
    .await?;
    Ok(respond(result, true))
}

#[utoipa::path(operation_id = "change_directory_entry", put, path = "/api/v1/directory/{id}", tag = "directory", params(("id" = String, Path, description = "Id of the record")), request_body = EntryDetails, security(("bearer" = [])), responses((status = 200, description = "Changed", body = CommandResult), (status = 401, description = "Not authenticated", body = Problem), (status = 403, description = "Not allowed", body = Problem), (status = 404, description = "No such record", body = Problem), (status = 409, description = "Conflict: stale If-Match, concurrent change or a state rule", body = Problem), (status = 422, description = "Invalid fields, each named", body = Problem)))]
async fn change(
    State(state): State<AppState>,
    principal: Principal,
    headers: CommandHeaders,
    Path(id): Path<String>,
    JsonBody(body): JsonBody<EntryDetails>,
) -> Result<Response, ApiError> {
    editor(&principal)?;
    let ctx = CommandContext::new(principal.actor(), headers);
    let result =
        execute::<DirectoryEntry>(&state, &id, DirectoryCommand::Change(body), &ctx, |_, _| {
            Ok(())
        })
        .await?;
    Ok(respond(result, false))
}

#[utoipa::path(post, path = "/api/v1/directory/{id}/remove", tag = "directory", params(("id" = String, Path, description = "Id of the record")), request_body = ReasonBody, security(("bearer" = [])), responses((status = 200, description = "Removed", body = CommandResult), (status = 401, description = "Not authenticated", body = Problem), (status = 403, description = "Not allowed", body = Problem), (status = 404, description = "No such record", body = Problem), (status = 409, description = "Conflict: stale If-Match, concurrent change or a state rule", body = Problem), (status = 422, description = "Invalid fields, each named", body = Problem)))]
async fn remove(
    State(state): State<AppState>,
    principal: Principal,
    headers: CommandHeaders,
    Path(id): Path<String>,
    JsonBody(body): JsonBody<ReasonBody>,
) -> Result<Response, ApiError> {
    editor(&principal)?;
    let ctx = CommandContext::new(principal.actor(), headers);
    let command = DirectoryCommand::Remove {
        reason: body.reason,
    };
    let result = execute::<DirectoryEntry>(&state, &id, command, &ctx, |_, _| Ok(())).await?;
    Ok(respond(result, false))
}
