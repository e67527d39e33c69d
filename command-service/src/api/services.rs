//! Service commands: registration by the provider's account (once the
//! provider is verified), changes, suspension, resumption, end,
//! verification and vacancy reports.

use super::{respond, ReasonBody};
use crate::api::openapi::Problem;
use crate::auth::Principal;
use crate::error::ApiError;
use crate::execute::CommandResult;
use crate::execute::{creation_id, execute, load, CommandContext};
use crate::extract::{CommandHeaders, JsonBody};
use crate::state::AppState;
use axum::extract::{Path, State};
use axum::response::Response;
use axum::routing::{patch, post};
use axum::Router;
use command_api::services::{RegisterServiceBody, SuspendServiceBody};
use events::registry::provider::{Provider, ProviderStatus};
use events::registry::service::{ReportVacancy, Service, ServiceChanges, ServiceCommand};
use events::DomainError;

pub(super) fn routes() -> Router<AppState> {
    Router::new()
        .route("/services", post(register))
        .route("/services/{id}", patch(change))
        .route("/services/{id}/suspend", post(suspend))
        .route("/services/{id}/resume", post(resume))
        .route("/services/{id}/end", post(end))
        .route("/services/{id}/verify", post(verify))
        .route("/services/{id}/vacancies", post(report_vacancy))
}

#[utoipa::path(operation_id = "register_service", post, path = "/api/v1/services", tag = "services", request_body = RegisterServiceBody, security(("bearer" = [])), responses((status = 201, description = "Registered", body = CommandResult), (status = 401, description = "Not authenticated", body = Problem), (status = 403, description = "Not allowed", body = Problem), (status = 404, description = "No such record", body = Problem), (status = 409, description = "Conflict: stale If-Match, concurrent change or a state rule", body = Problem), (status = 422, description = "Invalid fields, each named", body = Problem)))]
async fn register(
    State(state): State<AppState>,
    principal: Principal,
    headers: CommandHeaders,
    JsonBody(body): JsonBody<RegisterServiceBody>,
) -> Result<Response, ApiError> {
    principal.require_provider(&body.provider_ico)?;
    let (provider, _) = load::<Provider>(&state, &body.provider_ico).await?;
    match provider.status {
        ProviderStatus::Active => {}
        ProviderStatus::Unregistered => {
            return Err(ApiError::invalid(
                "provider_ico",
                "no provider has this IČO",
            ))
        }
        ProviderStatus::PendingVerification => {
            return Err(DomainError::Rejected(
                "the provider is waiting for verification by an administrator".into(),
            )
            .into())
        }
        ProviderStatus::Suspended | ProviderStatus::Ended => {
            return Err(DomainError::Rejected("the provider is suspended or ended".into()).into())
        }
    }
    let mut details = body.details;
    super::files::fill_media(&state, "details.media", &mut details.media).await?;
    let ctx = CommandContext::new(principal.actor(), headers);
    let id = creation_id::<Service>(&state, &ctx, body.service_id).await?;
    let command = ServiceCommand::Register {
        provider_ico: body.provider_ico,
        details,
    };
    let result = execute::<Service>(&state, &id, command, &ctx, |_, _| Ok(()))
        .await
        .map_err(|e| match e {
            // Name the fields as the body has them: the description is under `details`.
            ApiError::Domain(DomainError::Invalid(errors)) => {
                ApiError::Domain(DomainError::Invalid(
                    errors
                        .into_iter()
                        .map(|mut f| {
                            if f.field != "provider_ico" {
                                f.field = format!("details.{}", f.field);
                            }
                            f
                        })
                        .collect(),
                ))
            }
            other => other,
        })?;
    Ok(respond(result, true))
}

/// The service exists and the principal acts for its provider.
fn authorised(principal: &Principal) -> impl Fn(&Service, u64) -> Result<(), ApiError> + '_ {
    move |service, version| {
        if version == 0 {
            return Err(DomainError::NotFound("the service".into()).into());
        }
        principal.require_provider(&service.provider_ico)
    }
}

async fn run(
    state: &AppState,
    principal: &Principal,
    headers: CommandHeaders,
    id: &str,
    command: ServiceCommand,
) -> Result<Response, ApiError> {
    let ctx = CommandContext::new(principal.actor(), headers);
    let result = execute::<Service>(state, id, command, &ctx, authorised(principal)).await?;
    Ok(respond(result, false))
}

#[utoipa::path(operation_id = "change_service", patch, path = "/api/v1/services/{id}", tag = "services", params(("id" = String, Path, description = "Id of the record")), request_body = ServiceChanges, security(("bearer" = [])), responses((status = 200, description = "Changed", body = CommandResult), (status = 401, description = "Not authenticated", body = Problem), (status = 403, description = "Not allowed", body = Problem), (status = 404, description = "No such record", body = Problem), (status = 409, description = "Conflict: stale If-Match, concurrent change or a state rule", body = Problem), (status = 422, description = "Invalid fields, each named", body = Problem)))]
async fn change(
    State(state): State<AppState>,
    principal: Principal,
    headers: CommandHeaders,
    Path(id): Path<String>,
    JsonBody(mut body): JsonBody<ServiceChanges>,
) -> Result<Response, ApiError> {
    if let Some(media) = &mut body.media {
        super::files::fill_media(&state, "media", media).await?;
    }
    run(
        &state,
        &principal,
        headers,
        &id,
        ServiceCommand::Change(body),
    )
    .await
}

#[utoipa::path(operation_id = "suspend_service", post, path = "/api/v1/services/{id}/suspend", tag = "services", params(("id" = String, Path, description = "Id of the record")), request_body = SuspendServiceBody, security(("bearer" = [])), responses((status = 200, description = "Suspended", body = CommandResult), (status = 401, description = "Not authenticated", body = Problem), (status = 403, description = "Not allowed", body = Problem), (status = 404, description = "No such record", body = Problem), (status = 409, description = "Conflict: stale If-Match, concurrent change or a state rule", body = Problem), (status = 422, description = "Invalid fields, each named", body = Problem)))]
async fn suspend(
    State(state): State<AppState>,
    principal: Principal,
    headers: CommandHeaders,
    Path(id): Path<String>,
    JsonBody(body): JsonBody<SuspendServiceBody>,
) -> Result<Response, ApiError> {
    run(
        &state,
        &principal,
        headers,
        &id,
        ServiceCommand::Suspend {
            reason: body.reason,
            until: body.until,
        },
    )
    .await
}

#[utoipa::path(operation_id = "resume_service", post, path = "/api/v1/services/{id}/resume", tag = "services", params(("id" = String, Path, description = "Id of the record")), security(("bearer" = [])), responses((status = 200, description = "Resumed", body = CommandResult), (status = 401, description = "Not authenticated", body = Problem), (status = 403, description = "Not allowed", body = Problem), (status = 404, description = "No such record", body = Problem), (status = 409, description = "Conflict: stale If-Match, concurrent change or a state rule", body = Problem), (status = 422, description = "Invalid fields, each named", body = Problem)))]
async fn resume(
    State(state): State<AppState>,
    principal: Principal,
    headers: CommandHeaders,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    run(&state, &principal, headers, &id, ServiceCommand::Resume).await
}

#[utoipa::path(operation_id = "end_service", post, path = "/api/v1/services/{id}/end", tag = "services", params(("id" = String, Path, description = "Id of the record")), request_body = ReasonBody, security(("bearer" = [])), responses((status = 200, description = "Ended", body = CommandResult), (status = 401, description = "Not authenticated", body = Problem), (status = 403, description = "Not allowed", body = Problem), (status = 404, description = "No such record", body = Problem), (status = 409, description = "Conflict: stale If-Match, concurrent change or a state rule", body = Problem), (status = 422, description = "Invalid fields, each named", body = Problem)))]
async fn end(
    State(state): State<AppState>,
    principal: Principal,
    headers: CommandHeaders,
    Path(id): Path<String>,
    JsonBody(body): JsonBody<ReasonBody>,
) -> Result<Response, ApiError> {
    run(
        &state,
        &principal,
        headers,
        &id,
        ServiceCommand::End {
            reason: body.reason,
            ended_on: None,
        },
    )
    .await
}

#[utoipa::path(operation_id = "verify_service", post, path = "/api/v1/services/{id}/verify", tag = "services", params(("id" = String, Path, description = "Id of the record")), security(("bearer" = [])), responses((status = 200, description = "Marked as verified today (administrators only)", body = CommandResult), (status = 401, description = "Not authenticated", body = Problem), (status = 403, description = "Not allowed", body = Problem), (status = 404, description = "No such record", body = Problem), (status = 409, description = "Conflict: stale If-Match, concurrent change or a state rule", body = Problem), (status = 422, description = "Invalid fields, each named", body = Problem)))]
async fn verify(
    State(state): State<AppState>,
    principal: Principal,
    headers: CommandHeaders,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    // Verification is the administrator's statement (or the registry import's), not the provider's.
    principal.require_admin()?;
    run(
        &state,
        &principal,
        headers,
        &id,
        ServiceCommand::MarkVerified,
    )
    .await
}

#[utoipa::path(post, path = "/api/v1/services/{id}/vacancies", tag = "services", params(("id" = String, Path, description = "Id of the record")), request_body = ReportVacancy, security(("bearer" = [])), responses((status = 200, description = "Reported", body = CommandResult), (status = 401, description = "Not authenticated", body = Problem), (status = 403, description = "Not allowed", body = Problem), (status = 404, description = "No such record", body = Problem), (status = 409, description = "Conflict: stale If-Match, concurrent change or a state rule", body = Problem), (status = 422, description = "Invalid fields, each named", body = Problem)))]
async fn report_vacancy(
    State(state): State<AppState>,
    principal: Principal,
    headers: CommandHeaders,
    Path(id): Path<String>,
    JsonBody(body): JsonBody<ReportVacancy>,
) -> Result<Response, ApiError> {
    run(
        &state,
        &principal,
        headers,
        &id,
        ServiceCommand::ReportVacancy(body),
    )
    .await
}
