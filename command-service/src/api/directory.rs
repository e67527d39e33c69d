//! Supplementary directory commands, for administrators, methodologists and
//! social curators.

use super::answers::{CommandResponse, Refusals};
use super::ReasonBody;
use crate::auth::Principal;
use crate::error::ApiError;
use crate::execute::CommandResult;
use crate::execute::{creation_id, execute};
use crate::extract::Command;
use crate::state::AppState;
use axum::extract::{Path, State};
use command_api::directory::AddEntryBody;
use events::accounts::Role;
use events::registry::directory::{DirectoryCommand, DirectoryEntry, EntryDetails};
use utoipa_axum::{router::OpenApiRouter, routes};

pub(super) fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(add))
        .routes(routes!(change))
        .routes(routes!(remove))
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

#[utoipa::path(
    post, path = "/directory", tag = "directory", request_body = AddEntryBody,
    security(("bearer" = [])),
    responses((status = 201, description = "Added", body = CommandResult), Refusals),
)]
async fn add(
    State(state): State<AppState>,
    command: Command<AddEntryBody>,
) -> Result<CommandResponse, ApiError> {
    let (principal, ctx, body) = command.into_parts();
    editor(&principal)?;
    let id = creation_id::<DirectoryEntry>(&state, &ctx, body.entry_id).await?;
    let result = execute::<DirectoryEntry>(
        &state,
        &id,
        DirectoryCommand::Add(body.details),
        &ctx,
        |_, _| Ok(()),
    )
    .await?;
    Ok(CommandResponse::created(result))
}

#[utoipa::path(
    operation_id = "change_directory_entry", put, path = "/directory/{id}", tag = "directory",
    params(("id" = String, Path, description = "Id of the record")),
    request_body = EntryDetails, security(("bearer" = [])),
    responses(
        (status = 200, description = "Changed", body = CommandResult),
        Refusals,
    ),
)]
async fn change(
    State(state): State<AppState>,
    Path(id): Path<String>,
    command: Command<EntryDetails>,
) -> Result<CommandResponse, ApiError> {
    let (principal, ctx, body) = command.into_parts();
    editor(&principal)?;
    let result =
        execute::<DirectoryEntry>(&state, &id, DirectoryCommand::Change(body), &ctx, |_, _| {
            Ok(())
        })
        .await?;
    Ok(CommandResponse::changed(result))
}

#[utoipa::path(
    post, path = "/directory/{id}/remove", tag = "directory",
    params(("id" = String, Path, description = "Id of the record")), request_body = ReasonBody,
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Removed", body = CommandResult),
        Refusals,
    ),
)]
async fn remove(
    State(state): State<AppState>,
    Path(id): Path<String>,
    command: Command<ReasonBody>,
) -> Result<CommandResponse, ApiError> {
    let (principal, ctx, body) = command.into_parts();
    editor(&principal)?;
    let command = DirectoryCommand::Remove {
        reason: body.reason,
    };
    let result = execute::<DirectoryEntry>(&state, &id, command, &ctx, |_, _| Ok(())).await?;
    Ok(CommandResponse::changed(result))
}
