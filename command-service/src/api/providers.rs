//! Provider commands: registration by an administrator, self-registration
//! (with its first account, pending verification), verification, changes,
//! suspension, resumption, end.

use super::accounts::{check_new_account, create_account};
use super::answers::{CommandResponse, Problem, Refusals};
use super::ReasonBody;
use crate::error::ApiError;
use crate::execute::CommandResult;
use crate::execute::{execute, CommandContext};
use crate::extract::{ClientAddr, Command, CommandHeaders, Public};
use crate::state::AppState;
use axum::extract::{Path, State};
use command_api::providers::SelfRegistrationBody;
use events::accounts::{Role, RoleGrant, Scope};
use events::registry::provider::{
    ChangeProviderDetails, Provider, ProviderCommand, RegisterProvider,
};
use events::values::Ico;
use events::Actor;
use utoipa_axum::{router::OpenApiRouter, routes};

pub(super) fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(register))
        .routes(routes!(self_register))
        .routes(routes!(change))
        .routes(routes!(verify))
        .routes(routes!(suspend))
        .routes(routes!(resume))
        .routes(routes!(end))
}

fn exists(_: &Provider, version: u64) -> Result<(), ApiError> {
    if version == 0 {
        Err(events::DomainError::NotFound("the provider".into()).into())
    } else {
        Ok(())
    }
}

/// An administrator registers a provider (verified at once).
#[utoipa::path(
    operation_id = "register_provider", post, path = "/providers", tag = "providers",
    request_body = RegisterProvider, security(("bearer" = [])),
    responses(
        (status = 201, description = "Registered (verified)", body = CommandResult),
        Refusals,
    ),
)]
async fn register(
    State(state): State<AppState>,
    command: Command<RegisterProvider>,
) -> Result<CommandResponse, ApiError> {
    let (principal, ctx, body) = command.into_parts();
    principal.require_admin()?;
    let ico = Ico::parse(&body.ico).map_err(|e| ApiError::invalid("ico", e))?;
    let command = ProviderCommand::Register {
        data: body,
        verified: true,
    };
    let result = execute::<Provider>(&state, ico.as_str(), command, &ctx, |_, _| Ok(())).await?;
    Ok(CommandResponse::created(result))
}

/// A provider registers itself; an administrator verifies it later.
#[utoipa::path(
    post, path = "/providers/self-registration", tag = "providers",
    request_body = SelfRegistrationBody,
    responses(
        (status = 201, description = "Registered, waiting for verification", body = CommandResult),
        (status = 409, description = "Conflict: stale If-Match, concurrent change or a state rule", body = Problem),
        (status = 422, description = "Invalid fields, each named", body = Problem),
        (status = 429, description = "Too many registrations from this address", body = Problem),
    ),
)]
async fn self_register(
    State(state): State<AppState>,
    client: ClientAddr,
    Command { headers, body, .. }: Command<SelfRegistrationBody, Public>,
) -> Result<CommandResponse, ApiError> {
    let ico = Ico::parse(&body.provider.ico).map_err(|e| ApiError::invalid("provider.ico", e))?;
    check_new_account(&body.account)?;
    // Each registration costs a password hash and writes events: a few per address.
    state.limits.self_registrations.acquire(&client.key())?;
    if state
        .credentials
        .by_login(&body.account.login)
        .await?
        .is_some()
    {
        return Err(ApiError::invalid(
            "account.login",
            "is taken by another account",
        ));
    }
    let actor = Actor {
        account_id: "anonymous".into(),
        role: "self_registration".into(),
    };
    let ctx = CommandContext::new(actor, headers.clone());
    let command = ProviderCommand::Register {
        data: body.provider,
        verified: false,
    };
    let result = execute::<Provider>(&state, ico.as_str(), command, &ctx, |_, _| Ok(()))
        .await
        .map_err(|e| match e {
            ApiError::Domain(events::DomainError::Invalid(errors)) => {
                ApiError::Domain(events::DomainError::Invalid(
                    errors
                        .into_iter()
                        .map(|mut f| {
                            f.field = format!("provider.{}", f.field);
                            f
                        })
                        .collect(),
                ))
            }
            other => other,
        })?;
    if result.deduplicated {
        return Ok(CommandResponse::created(result));
    }
    let grant = RoleGrant {
        role: Role::Provider,
        scope: Scope::Provider(ico.to_string()),
    };
    let account_ctx = CommandContext::new(
        ctx.actor.clone(),
        CommandHeaders {
            idempotency_key: None,
            ..headers
        },
    );
    create_account(&state, &body.account, vec![grant], &account_ctx).await?;
    Ok(CommandResponse::created(result))
}

#[utoipa::path(
    operation_id = "verify_provider", post, path = "/providers/{ico}/verify",
    tag = "providers", params(("ico" = String, Path, description = "IČO of the provider")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Verified", body = CommandResult),
        Refusals,
    ),
)]
async fn verify(
    State(state): State<AppState>,
    Path(ico): Path<String>,
    command: Command,
) -> Result<CommandResponse, ApiError> {
    let (principal, ctx, _) = command.into_parts();
    principal.require_admin()?;
    let result = execute::<Provider>(&state, &ico, ProviderCommand::Verify, &ctx, exists).await?;
    Ok(CommandResponse::changed(result))
}

#[utoipa::path(
    operation_id = "change_provider", patch, path = "/providers/{ico}", tag = "providers",
    params(("ico" = String, Path, description = "IČO of the provider")),
    request_body = ChangeProviderDetails, security(("bearer" = [])),
    responses(
        (status = 200, description = "Changed (events: 0 when nothing changed)", body = CommandResult),
        Refusals,
    ),
)]
async fn change(
    State(state): State<AppState>,
    Path(ico): Path<String>,
    command: Command<ChangeProviderDetails>,
) -> Result<CommandResponse, ApiError> {
    let (principal, ctx, body) = command.into_parts();
    principal.require_provider(&ico)?;
    let result = execute::<Provider>(
        &state,
        &ico,
        ProviderCommand::ChangeDetails(body),
        &ctx,
        exists,
    )
    .await?;
    Ok(CommandResponse::changed(result))
}

#[utoipa::path(
    operation_id = "suspend_provider", post, path = "/providers/{ico}/suspend",
    tag = "providers", params(("ico" = String, Path, description = "IČO of the provider")),
    request_body = ReasonBody, security(("bearer" = [])),
    responses(
        (status = 200, description = "Suspended", body = CommandResult),
        Refusals,
    ),
)]
async fn suspend(
    State(state): State<AppState>,
    Path(ico): Path<String>,
    command: Command<ReasonBody>,
) -> Result<CommandResponse, ApiError> {
    let (principal, ctx, body) = command.into_parts();
    principal.require_admin()?;
    let command = ProviderCommand::Suspend {
        reason: body.reason,
    };
    Ok(CommandResponse::changed(
        execute::<Provider>(&state, &ico, command, &ctx, exists).await?,
    ))
}

#[utoipa::path(
    operation_id = "resume_provider", post, path = "/providers/{ico}/resume",
    tag = "providers", params(("ico" = String, Path, description = "IČO of the provider")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Resumed", body = CommandResult),
        Refusals,
    ),
)]
async fn resume(
    State(state): State<AppState>,
    Path(ico): Path<String>,
    command: Command,
) -> Result<CommandResponse, ApiError> {
    let (principal, ctx, _) = command.into_parts();
    principal.require_admin()?;
    Ok(CommandResponse::changed(
        execute::<Provider>(&state, &ico, ProviderCommand::Resume, &ctx, exists).await?,
    ))
}

#[utoipa::path(
    operation_id = "end_provider", post, path = "/providers/{ico}/end", tag = "providers",
    params(("ico" = String, Path, description = "IČO of the provider")),
    request_body = ReasonBody, security(("bearer" = [])),
    responses((status = 200, description = "Ended", body = CommandResult), Refusals),
)]
async fn end(
    State(state): State<AppState>,
    Path(ico): Path<String>,
    command: Command<ReasonBody>,
) -> Result<CommandResponse, ApiError> {
    let (principal, ctx, body) = command.into_parts();
    principal.require_admin()?;
    let command = ProviderCommand::End {
        reason: body.reason,
    };
    Ok(CommandResponse::changed(
        execute::<Provider>(&state, &ico, command, &ctx, exists).await?,
    ))
}
