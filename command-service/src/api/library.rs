//! The library: documents (organisers of their territory), links
//! (administrators and methodologists), awards (methodologists of the kraj).

use super::{respond, ReasonBody};
use crate::api::openapi::Problem;
use crate::auth::Principal;
use crate::error::ApiError;
use crate::execute::{creation_id, execute, CommandContext, CommandResult};
use crate::extract::{CommandHeaders, JsonBody};
use crate::state::AppState;
use axum::extract::{Path, State};
use axum::response::Response;
use axum::routing::{post, put};
use axum::Router;
use command_api::library::{ConferBody, RegisterBody};
use events::accounts::Role;
use events::content::library::{
    Award, AwardCommand, Document, DocumentCommand, DocumentVersion, Link, LinkCommand, LinkInfo,
};

pub(super) fn routes() -> Router<AppState> {
    Router::new()
        .route("/documents", post(register))
        .route("/documents/{id}/versions", post(add_version))
        .route("/documents/{id}/archive", post(archive))
        .route("/documents/{id}/restore", post(restore))
        .route("/links/{id}", put(put_link))
        .route("/links/{id}/remove", post(remove_link))
        .route("/awards", post(confer))
        .route("/awards/{id}/revoke", post(revoke))
}

#[utoipa::path(operation_id = "register_document", post, path = "/api/v1/documents", tag = "library", request_body = RegisterBody, security(("bearer" = [])), responses((status = 201, description = "Registered", body = CommandResult), (status = 403, description = "Not an organiser of the territory", body = Problem), (status = 422, description = "Invalid fields, each named", body = Problem)))]
pub(crate) async fn register(
    State(state): State<AppState>,
    principal: Principal,
    headers: CommandHeaders,
    JsonBody(body): JsonBody<RegisterBody>,
) -> Result<Response, ApiError> {
    principal.require_scoped(&Role::ORGANISERS, &body.info.territory, "documents")?;
    if let Some(file) = &body.version.file {
        super::files::check_file(&state, "version.file", file).await?;
    }
    let ctx = CommandContext::new(principal.actor(), headers);
    let id = creation_id::<Document>(&state, &ctx, body.document_id).await?;
    let result = execute::<Document>(
        &state,
        &id,
        DocumentCommand::Register(body.info, body.version),
        &ctx,
        |_, _| Ok(()),
    )
    .await?;
    Ok(respond(result, true))
}

async fn document(
    state: &AppState,
    principal: &Principal,
    headers: CommandHeaders,
    id: &str,
    command: DocumentCommand,
) -> Result<Response, ApiError> {
    let ctx = CommandContext::new(principal.actor(), headers);
    let result = execute::<Document>(state, id, command, &ctx, |d, _| match &d.info {
        Some(i) => principal.require_scoped(&Role::ORGANISERS, &i.territory, "documents"),
        None => Ok(()),
    })
    .await?;
    Ok(respond(result, false))
}

#[utoipa::path(post, path = "/api/v1/documents/{id}/versions", tag = "library", params(("id" = String, Path, description = "The document")), request_body = DocumentVersion, security(("bearer" = [])), responses((status = 200, description = "Added", body = CommandResult), (status = 403, description = "Not an organiser of the territory", body = Problem), (status = 409, description = "Archived", body = Problem)))]
pub(crate) async fn add_version(
    State(state): State<AppState>,
    principal: Principal,
    headers: CommandHeaders,
    Path(id): Path<String>,
    JsonBody(body): JsonBody<DocumentVersion>,
) -> Result<Response, ApiError> {
    if let Some(file) = &body.file {
        super::files::check_file(&state, "file", file).await?;
    }
    document(
        &state,
        &principal,
        headers,
        &id,
        DocumentCommand::AddVersion(body),
    )
    .await
}

#[utoipa::path(post, path = "/api/v1/documents/{id}/archive", tag = "library", params(("id" = String, Path, description = "The document")), security(("bearer" = [])), responses((status = 200, description = "Archived", body = CommandResult), (status = 403, description = "Not an organiser of the territory", body = Problem), (status = 404, description = "No such document", body = Problem)))]
pub(crate) async fn archive(
    State(state): State<AppState>,
    principal: Principal,
    headers: CommandHeaders,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    document(&state, &principal, headers, &id, DocumentCommand::Archive).await
}

#[utoipa::path(post, path = "/api/v1/documents/{id}/restore", tag = "library", params(("id" = String, Path, description = "The document")), security(("bearer" = [])), responses((status = 200, description = "Restored", body = CommandResult), (status = 403, description = "Not an organiser of the territory", body = Problem), (status = 404, description = "No such document", body = Problem)))]
pub(crate) async fn restore(
    State(state): State<AppState>,
    principal: Principal,
    headers: CommandHeaders,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    document(&state, &principal, headers, &id, DocumentCommand::Restore).await
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

#[utoipa::path(put, path = "/api/v1/links/{id}", tag = "library", params(("id" = String, Path, description = "The link (an id of your choice)")), request_body = LinkInfo, security(("bearer" = [])), responses((status = 200, description = "Added or changed", body = CommandResult), (status = 403, description = "Not allowed", body = Problem), (status = 422, description = "Invalid fields, each named", body = Problem)))]
pub(crate) async fn put_link(
    State(state): State<AppState>,
    principal: Principal,
    headers: CommandHeaders,
    Path(id): Path<String>,
    JsonBody(body): JsonBody<LinkInfo>,
) -> Result<Response, ApiError> {
    require_link_keeper(&principal)?;
    let ctx = CommandContext::new(principal.actor(), headers);
    let result = execute::<Link>(&state, &id, LinkCommand::Put(body), &ctx, |_, _| Ok(())).await?;
    Ok(respond(result, false))
}

#[utoipa::path(post, path = "/api/v1/links/{id}/remove", tag = "library", params(("id" = String, Path, description = "The link")), security(("bearer" = [])), responses((status = 200, description = "Removed", body = CommandResult), (status = 403, description = "Not allowed", body = Problem), (status = 404, description = "No such link", body = Problem)))]
pub(crate) async fn remove_link(
    State(state): State<AppState>,
    principal: Principal,
    headers: CommandHeaders,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    require_link_keeper(&principal)?;
    let ctx = CommandContext::new(principal.actor(), headers);
    let result = execute::<Link>(&state, &id, LinkCommand::Remove, &ctx, |_, _| Ok(())).await?;
    Ok(respond(result, false))
}

#[utoipa::path(post, path = "/api/v1/awards", tag = "library", request_body = ConferBody, security(("bearer" = [])), responses((status = 201, description = "Conferred", body = CommandResult), (status = 403, description = "Not a methodologist of the kraj", body = Problem), (status = 422, description = "Invalid fields, each named", body = Problem)))]
pub(crate) async fn confer(
    State(state): State<AppState>,
    principal: Principal,
    headers: CommandHeaders,
    JsonBody(body): JsonBody<ConferBody>,
) -> Result<Response, ApiError> {
    principal.require_scoped(&[Role::Methodologist], &body.info.kraj, "awards")?;
    let ctx = CommandContext::new(principal.actor(), headers);
    let id = creation_id::<Award>(&state, &ctx, body.award_id).await?;
    let result = execute::<Award>(
        &state,
        &id,
        AwardCommand::Confer(body.info),
        &ctx,
        |_, _| Ok(()),
    )
    .await?;
    Ok(respond(result, true))
}

#[utoipa::path(operation_id = "revoke_award", post, path = "/api/v1/awards/{id}/revoke", tag = "library", params(("id" = String, Path, description = "The award")), request_body = ReasonBody, security(("bearer" = [])), responses((status = 200, description = "Revoked", body = CommandResult), (status = 403, description = "Not a methodologist of the kraj", body = Problem), (status = 404, description = "No such award", body = Problem)))]
pub(crate) async fn revoke(
    State(state): State<AppState>,
    principal: Principal,
    headers: CommandHeaders,
    Path(id): Path<String>,
    JsonBody(body): JsonBody<ReasonBody>,
) -> Result<Response, ApiError> {
    let ctx = CommandContext::new(principal.actor(), headers);
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
    Ok(respond(result, false))
}
