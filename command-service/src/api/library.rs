//! The library: documents (organisers of their territory), links
//! (administrators and methodologists), awards (methodologists of the kraj).

use super::answers::{CommandResponse, Problem, Refusals};
use super::ReasonBody;
use crate::auth::Principal;
use crate::error::ApiError;
use crate::execute::{creation_id, execute, CommandContext, CommandResult};
use crate::extract::Command;
use crate::state::AppState;
use axum::extract::{Path, State};
use command_api::library::{ConferBody, RegisterBody};
use events::accounts::Role;
use events::content::library::{
    Award, AwardCommand, Document, DocumentCommand, DocumentVersion, Link, LinkCommand, LinkInfo,
};
use utoipa_axum::{router::OpenApiRouter, routes};

pub(super) fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(register))
        .routes(routes!(add_version))
        .routes(routes!(archive))
        .routes(routes!(restore))
        .routes(routes!(put_link))
        .routes(routes!(remove_link))
        .routes(routes!(confer))
        .routes(routes!(revoke))
}

#[utoipa::path(
    operation_id = "register_document", post, path = "/documents", tag = "library",
    request_body = RegisterBody, security(("bearer" = [])),
    responses(
        (status = 201, description = "Registered", body = CommandResult),
        Refusals,
        (status = 403, description = "Not an organiser of the territory", body = Problem),
    ),
)]
pub(crate) async fn register(
    State(state): State<AppState>,
    command: Command<RegisterBody>,
) -> Result<CommandResponse, ApiError> {
    let (principal, ctx, body) = command.into_parts();
    principal.require_scoped(&Role::ORGANISERS, &body.info.territory, "documents")?;
    if let Some(file) = &body.version.file {
        super::files::check_file(&state, "version.file", file).await?;
    }
    let id = creation_id::<Document>(&state, &ctx, body.document_id).await?;
    let result = execute::<Document>(
        &state,
        &id,
        DocumentCommand::Register(body.info, body.version),
        &ctx,
        |_, _| Ok(()),
    )
    .await?;
    Ok(CommandResponse::created(result))
}

async fn document(
    state: &AppState,
    principal: &Principal,
    ctx: CommandContext,
    id: &str,
    command: DocumentCommand,
) -> Result<CommandResponse, ApiError> {
    let result = execute::<Document>(state, id, command, &ctx, |d, _| match &d.info {
        Some(i) => principal.require_scoped(&Role::ORGANISERS, &i.territory, "documents"),
        None => Ok(()),
    })
    .await?;
    Ok(CommandResponse::changed(result))
}

#[utoipa::path(
    post, path = "/documents/{id}/versions", tag = "library",
    params(("id" = String, Path, description = "The document")),
    request_body = DocumentVersion, security(("bearer" = [])),
    responses(
        (status = 200, description = "Added", body = CommandResult),
        Refusals,
        (status = 403, description = "Not an organiser of the territory", body = Problem),
        (status = 409, description = "Archived", body = Problem),
    ),
)]
pub(crate) async fn add_version(
    State(state): State<AppState>,
    Path(id): Path<String>,
    command: Command<DocumentVersion>,
) -> Result<CommandResponse, ApiError> {
    let (principal, ctx, body) = command.into_parts();
    if let Some(file) = &body.file {
        super::files::check_file(&state, "file", file).await?;
    }
    document(
        &state,
        &principal,
        ctx,
        &id,
        DocumentCommand::AddVersion(body),
    )
    .await
}

#[utoipa::path(
    post, path = "/documents/{id}/archive", tag = "library",
    params(("id" = String, Path, description = "The document")), security(("bearer" = [])),
    responses(
        (status = 200, description = "Archived", body = CommandResult),
        Refusals,
        (status = 403, description = "Not an organiser of the territory", body = Problem),
        (status = 404, description = "No such document", body = Problem),
    ),
)]
pub(crate) async fn archive(
    State(state): State<AppState>,
    Path(id): Path<String>,
    command: Command,
) -> Result<CommandResponse, ApiError> {
    let (principal, ctx, _) = command.into_parts();
    document(&state, &principal, ctx, &id, DocumentCommand::Archive).await
}

#[utoipa::path(
    post, path = "/documents/{id}/restore", tag = "library",
    params(("id" = String, Path, description = "The document")), security(("bearer" = [])),
    responses(
        (status = 200, description = "Restored", body = CommandResult),
        Refusals,
        (status = 403, description = "Not an organiser of the territory", body = Problem),
        (status = 404, description = "No such document", body = Problem),
    ),
)]
pub(crate) async fn restore(
    State(state): State<AppState>,
    Path(id): Path<String>,
    command: Command,
) -> Result<CommandResponse, ApiError> {
    let (principal, ctx, _) = command.into_parts();
    document(&state, &principal, ctx, &id, DocumentCommand::Restore).await
}

fn require_link_keeper(principal: &Principal) -> Result<(), ApiError> {
    if principal.has_any(&[Role::Administrator, Role::Methodologist]) {
        Ok(())
    } else {
        Err(ApiError::Forbidden(
            "links are kept by administrators and methodologists".into(),
        ))
    }
}

#[utoipa::path(
    put, path = "/links/{id}", tag = "library",
    params(("id" = String, Path, description = "The link (an id of your choice)")),
    request_body = LinkInfo, security(("bearer" = [])),
    responses(
        (status = 200, description = "Added or changed", body = CommandResult),
        Refusals,
    ),
)]
pub(crate) async fn put_link(
    State(state): State<AppState>,
    Path(id): Path<String>,
    command: Command<LinkInfo>,
) -> Result<CommandResponse, ApiError> {
    let (principal, ctx, body) = command.into_parts();
    require_link_keeper(&principal)?;
    let result = execute::<Link>(&state, &id, LinkCommand::Put(body), &ctx, |_, _| Ok(())).await?;
    Ok(CommandResponse::changed(result))
}

#[utoipa::path(
    post, path = "/links/{id}/remove", tag = "library",
    params(("id" = String, Path, description = "The link")), security(("bearer" = [])),
    responses(
        (status = 200, description = "Removed", body = CommandResult),
        Refusals,
        (status = 404, description = "No such link", body = Problem),
    ),
)]
pub(crate) async fn remove_link(
    State(state): State<AppState>,
    Path(id): Path<String>,
    command: Command,
) -> Result<CommandResponse, ApiError> {
    let (principal, ctx, _) = command.into_parts();
    require_link_keeper(&principal)?;
    let result = execute::<Link>(&state, &id, LinkCommand::Remove, &ctx, |_, _| Ok(())).await?;
    Ok(CommandResponse::changed(result))
}

#[utoipa::path(
    post, path = "/awards", tag = "library", request_body = ConferBody,
    security(("bearer" = [])),
    responses(
        (status = 201, description = "Conferred", body = CommandResult),
        Refusals,
        (status = 403, description = "Not a methodologist of the kraj", body = Problem),
    ),
)]
pub(crate) async fn confer(
    State(state): State<AppState>,
    command: Command<ConferBody>,
) -> Result<CommandResponse, ApiError> {
    let (principal, ctx, body) = command.into_parts();
    principal.require_scoped(&[Role::Methodologist], &body.info.kraj, "awards")?;
    let id = creation_id::<Award>(&state, &ctx, body.award_id).await?;
    let result = execute::<Award>(
        &state,
        &id,
        AwardCommand::Confer(body.info),
        &ctx,
        |_, _| Ok(()),
    )
    .await?;
    Ok(CommandResponse::created(result))
}

#[utoipa::path(
    operation_id = "revoke_award", post, path = "/awards/{id}/revoke", tag = "library",
    params(("id" = String, Path, description = "The award")), request_body = ReasonBody,
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Revoked", body = CommandResult),
        Refusals,
        (status = 403, description = "Not a methodologist of the kraj", body = Problem),
        (status = 404, description = "No such award", body = Problem),
    ),
)]
pub(crate) async fn revoke(
    State(state): State<AppState>,
    Path(id): Path<String>,
    command: Command<ReasonBody>,
) -> Result<CommandResponse, ApiError> {
    let (principal, ctx, body) = command.into_parts();
    let result = execute::<Award>(
        &state,
        &id,
        AwardCommand::Revoke {
            reason: body.reason,
        },
        &ctx,
        |a, _| match &a.info {
            Some(i) => principal.require_scoped(&[Role::Methodologist], &i.kraj, "awards"),
            None => Ok(()),
        },
    )
    .await?;
    Ok(CommandResponse::changed(result))
}
