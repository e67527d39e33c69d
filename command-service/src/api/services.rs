//! Service commands: registration by the provider's account (once the
//! provider is verified), changes, suspension, resumption, end,
//! verification and vacancy reports.

use super::answers::{CommandResponse, Refusals};
use super::ReasonBody;
use crate::auth::Principal;
use crate::error::ApiError;
use crate::execute::CommandResult;
use crate::execute::{creation_id, execute, load, CommandContext};
use crate::extract::Command;
use crate::state::AppState;
use axum::extract::{Path, State};
use command_api::services::{RegisterServiceBody, SuspendServiceBody};
use events::registry::provider::{Provider, ProviderStatus};
use events::registry::service::{ReportVacancy, Service, ServiceChanges, ServiceCommand};
use events::DomainError;
use utoipa_axum::{router::OpenApiRouter, routes};

pub(super) fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(register))
        .routes(routes!(change))
        .routes(routes!(suspend))
        .routes(routes!(resume))
        .routes(routes!(end))
        .routes(routes!(verify))
        .routes(routes!(report_vacancy))
}

#[utoipa::path(
    operation_id = "register_service", post, path = "/services", tag = "services",
    request_body = RegisterServiceBody, security(("bearer" = [])),
    responses(
        (status = 201, description = "Registered", body = CommandResult),
        Refusals,
    ),
)]
async fn register(
    State(state): State<AppState>,
    command: Command<RegisterServiceBody>,
) -> Result<CommandResponse, ApiError> {
    let (principal, ctx, body) = command.into_parts();
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
    Ok(CommandResponse::created(result))
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
    ctx: CommandContext,
    id: &str,
    command: ServiceCommand,
) -> Result<CommandResponse, ApiError> {
    let result = execute::<Service>(state, id, command, &ctx, authorised(principal)).await?;
    Ok(CommandResponse::changed(result))
}

#[utoipa::path(
    operation_id = "change_service", patch, path = "/services/{id}", tag = "services",
    params(("id" = String, Path, description = "Id of the record")),
    request_body = ServiceChanges, security(("bearer" = [])),
    responses(
        (status = 200, description = "Changed", body = CommandResult),
        Refusals,
    ),
)]
async fn change(
    State(state): State<AppState>,
    Path(id): Path<String>,
    command: Command<ServiceChanges>,
) -> Result<CommandResponse, ApiError> {
    let (principal, ctx, mut body) = command.into_parts();
    if let Some(media) = &mut body.media {
        super::files::fill_media(&state, "media", media).await?;
    }
    run(&state, &principal, ctx, &id, ServiceCommand::Change(body)).await
}

#[utoipa::path(
    operation_id = "suspend_service", post, path = "/services/{id}/suspend", tag = "services",
    params(("id" = String, Path, description = "Id of the record")),
    request_body = SuspendServiceBody, security(("bearer" = [])),
    responses(
        (status = 200, description = "Suspended", body = CommandResult),
        Refusals,
    ),
)]
async fn suspend(
    State(state): State<AppState>,
    Path(id): Path<String>,
    command: Command<SuspendServiceBody>,
) -> Result<CommandResponse, ApiError> {
    let (principal, ctx, body) = command.into_parts();
    run(
        &state,
        &principal,
        ctx,
        &id,
        ServiceCommand::Suspend {
            reason: body.reason,
            until: body.until,
        },
    )
    .await
}

#[utoipa::path(
    operation_id = "resume_service", post, path = "/services/{id}/resume", tag = "services",
    params(("id" = String, Path, description = "Id of the record")), security(("bearer" = [])),
    responses(
        (status = 200, description = "Resumed", body = CommandResult),
        Refusals,
    ),
)]
async fn resume(
    State(state): State<AppState>,
    Path(id): Path<String>,
    command: Command,
) -> Result<CommandResponse, ApiError> {
    let (principal, ctx, _) = command.into_parts();
    run(&state, &principal, ctx, &id, ServiceCommand::Resume).await
}

#[utoipa::path(
    operation_id = "end_service", post, path = "/services/{id}/end", tag = "services",
    params(("id" = String, Path, description = "Id of the record")), request_body = ReasonBody,
    security(("bearer" = [])),
    responses((status = 200, description = "Ended", body = CommandResult), Refusals),
)]
async fn end(
    State(state): State<AppState>,
    Path(id): Path<String>,
    command: Command<ReasonBody>,
) -> Result<CommandResponse, ApiError> {
    let (principal, ctx, body) = command.into_parts();
    run(
        &state,
        &principal,
        ctx,
        &id,
        ServiceCommand::End {
            reason: body.reason,
            ended_on: None,
        },
    )
    .await
}

#[utoipa::path(
    operation_id = "verify_service", post, path = "/services/{id}/verify", tag = "services",
    params(("id" = String, Path, description = "Id of the record")), security(("bearer" = [])),
    responses(
        (status = 200, description = "Marked as verified today (administrators only)", body = CommandResult),
        Refusals,
    ),
)]
async fn verify(
    State(state): State<AppState>,
    Path(id): Path<String>,
    command: Command,
) -> Result<CommandResponse, ApiError> {
    let (principal, ctx, _) = command.into_parts();
    // Verification is the administrator's statement (or the registry import's), not the provider's.
    principal.require_admin()?;
    run(&state, &principal, ctx, &id, ServiceCommand::MarkVerified).await
}

#[utoipa::path(
    post, path = "/services/{id}/vacancies", tag = "services",
    params(("id" = String, Path, description = "Id of the record")),
    request_body = ReportVacancy, security(("bearer" = [])),
    responses(
        (status = 200, description = "Reported", body = CommandResult),
        Refusals,
    ),
)]
async fn report_vacancy(
    State(state): State<AppState>,
    Path(id): Path<String>,
    command: Command<ReportVacancy>,
) -> Result<CommandResponse, ApiError> {
    let (principal, ctx, body) = command.into_parts();
    run(
        &state,
        &principal,
        ctx,
        &id,
        ServiceCommand::ReportVacancy(body),
    )
    .await
}
