//! Provider commands: registration by an administrator, self-registration
//! (with its first account, pending verification), verification, changes,
//! suspension, resumption, end.

use super::{respond, ReasonBody};
use crate::api::openapi::Problem;
use crate::auth::{hash_password, password_problem, Principal};
use crate::error::ApiError;
use crate::execute::CommandResult;
use crate::execute::{execute, CommandContext};
use crate::extract::{ClientAddr, CommandHeaders, JsonBody};
use crate::state::AppState;
use axum::extract::{Path, State};
use axum::response::Response;
use axum::routing::{patch, post};
use axum::Router;
use command_api::providers::{NewAccountBody, SelfRegistrationBody};
use events::accounts::{Account, AccountCommand, Role, RoleGrant, Scope};
use events::registry::provider::{
    ChangeProviderDetails, Provider, ProviderCommand, RegisterProvider,
};
use events::values::Ico;
use events::Actor;
use infra::credentials::{normalise_login, Credentials};
use uuid::Uuid;

pub(super) fn routes() -> Router<AppState> {
    Router::new()
        .route("/providers", post(register))
        .route("/providers/self-registration", post(self_register))
        .route("/providers/{ico}", patch(change))
        .route("/providers/{ico}/verify", post(verify))
        .route("/providers/{ico}/suspend", post(suspend))
        .route("/providers/{ico}/resume", post(resume))
        .route("/providers/{ico}/end", post(end))
}

fn exists(_: &Provider, version: u64) -> Result<(), ApiError> {
    if version == 0 {
        Err(events::DomainError::NotFound("the provider".into()).into())
    } else {
        Ok(())
    }
}

/// An administrator registers a provider (verified at once).
#[utoipa::path(operation_id = "register_provider", post, path = "/api/v1/providers", tag = "providers", request_body = RegisterProvider, security(("bearer" = [])), responses((status = 201, description = "Registered (verified)", body = CommandResult), (status = 401, description = "Not authenticated", body = Problem), (status = 403, description = "Not allowed", body = Problem), (status = 404, description = "No such record", body = Problem), (status = 409, description = "Conflict: stale If-Match, concurrent change or a state rule", body = Problem), (status = 422, description = "Invalid fields, each named", body = Problem)))]
async fn register(
    State(state): State<AppState>,
    principal: Principal,
    headers: CommandHeaders,
    JsonBody(body): JsonBody<RegisterProvider>,
) -> Result<Response, ApiError> {
    principal.require_admin()?;
    let ico = Ico::parse(&body.ico).map_err(|e| ApiError::invalid("ico", e))?;
    let ctx = CommandContext::new(principal.actor(), headers);
    let command = ProviderCommand::Register {
        data: body,
        verified: true,
    };
    let result = execute::<Provider>(&state, ico.as_str(), command, &ctx, |_, _| Ok(())).await?;
    Ok(respond(result, true))
}

/// Checks an account's personal data before anything is written.
pub(crate) fn check_new_account(a: &NewAccountBody) -> Result<(), ApiError> {
    let login = normalise_login(&a.login);
    if login.len() < 3
        || login.len() > 100
        || login.chars().any(|c| c.is_whitespace() || c.is_control())
    {
        return Err(ApiError::invalid(
            "account.login",
            "must be 3–100 characters without spaces",
        ));
    }
    let mut contacts = events::values::Contacts::default();
    contacts.emails.push(a.email.clone());
    let mut v = events::error::Violations::new();
    contacts.check("account", &mut v);
    v.check(
        "account.display_name",
        events::error::required_text(&a.display_name, 200),
    );
    if let Some(reason) = password_problem(&a.password) {
        v.add("account.password", reason);
    }
    v.finish().map_err(|e| match e {
        events::DomainError::Invalid(mut errors) => {
            for err in &mut errors {
                if err.field == "account.emails[0]" {
                    err.field = "account.email".into();
                }
            }
            ApiError::Domain(events::DomainError::Invalid(errors))
        }
        other => other.into(),
    })
}

/// Creates an account: its credentials, then its stream.
pub(crate) async fn create_account(
    state: &AppState,
    account: &NewAccountBody,
    roles: Vec<RoleGrant>,
    ctx: &CommandContext,
) -> Result<(Uuid, crate::execute::CommandResult), ApiError> {
    let account_id = Uuid::now_v7();
    let password_hash = hash_password(&account.password)?;
    state
        .credentials
        .insert(Credentials {
            account_id,
            login: account.login.clone(),
            email: account.email.trim().to_string(),
            display_name: account.display_name.trim().to_string(),
            password_hash,
        })
        .await?;
    let result = execute::<Account>(
        state,
        &account_id.to_string(),
        AccountCommand::Create { roles },
        ctx,
        |_, _| Ok(()),
    )
    .await;
    match result {
        Ok(r) => Ok((account_id, r)),
        Err(e) => {
            // No account stream: the credentials must not stay behind.
            let _ = state.credentials.erase(account_id).await;
            Err(e)
        }
    }
}

/// A provider registers itself; an administrator verifies it later.
#[utoipa::path(post, path = "/api/v1/providers/self-registration", tag = "providers", request_body = SelfRegistrationBody, responses((status = 201, description = "Registered, waiting for verification", body = CommandResult), (status = 409, description = "Conflict: stale If-Match, concurrent change or a state rule", body = Problem), (status = 422, description = "Invalid fields, each named", body = Problem), (status = 429, description = "Too many registrations from this address", body = Problem)))]
async fn self_register(
    State(state): State<AppState>,
    client: ClientAddr,
    headers: CommandHeaders,
    JsonBody(body): JsonBody<SelfRegistrationBody>,
) -> Result<Response, ApiError> {
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
        return Ok(respond(result, true));
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
    Ok(respond(result, true))
}

#[utoipa::path(operation_id = "verify_provider", post, path = "/api/v1/providers/{ico}/verify", tag = "providers", params(("ico" = String, Path, description = "IČO of the provider")), security(("bearer" = [])), responses((status = 200, description = "Verified", body = CommandResult), (status = 401, description = "Not authenticated", body = Problem), (status = 403, description = "Not allowed", body = Problem), (status = 404, description = "No such record", body = Problem), (status = 409, description = "Conflict: stale If-Match, concurrent change or a state rule", body = Problem), (status = 422, description = "Invalid fields, each named", body = Problem)))]
async fn verify(
    State(state): State<AppState>,
    principal: Principal,
    headers: CommandHeaders,
    Path(ico): Path<String>,
) -> Result<Response, ApiError> {
    principal.require_admin()?;
    let ctx = CommandContext::new(principal.actor(), headers);
    let result = execute::<Provider>(&state, &ico, ProviderCommand::Verify, &ctx, exists).await?;
    Ok(respond(result, false))
}

#[utoipa::path(operation_id = "change_provider", patch, path = "/api/v1/providers/{ico}", tag = "providers", params(("ico" = String, Path, description = "IČO of the provider")), request_body = ChangeProviderDetails, security(("bearer" = [])), responses((status = 200, description = "Changed (events: 0 when nothing changed)", body = CommandResult), (status = 401, description = "Not authenticated", body = Problem), (status = 403, description = "Not allowed", body = Problem), (status = 404, description = "No such record", body = Problem), (status = 409, description = "Conflict: stale If-Match, concurrent change or a state rule", body = Problem), (status = 422, description = "Invalid fields, each named", body = Problem)))]
async fn change(
    State(state): State<AppState>,
    principal: Principal,
    headers: CommandHeaders,
    Path(ico): Path<String>,
    JsonBody(body): JsonBody<ChangeProviderDetails>,
) -> Result<Response, ApiError> {
    principal.require_provider(&ico)?;
    let ctx = CommandContext::new(principal.actor(), headers);
    let result = execute::<Provider>(
        &state,
        &ico,
        ProviderCommand::ChangeDetails(body),
        &ctx,
        exists,
    )
    .await?;
    Ok(respond(result, false))
}

#[utoipa::path(operation_id = "suspend_provider", post, path = "/api/v1/providers/{ico}/suspend", tag = "providers", params(("ico" = String, Path, description = "IČO of the provider")), request_body = ReasonBody, security(("bearer" = [])), responses((status = 200, description = "Suspended", body = CommandResult), (status = 401, description = "Not authenticated", body = Problem), (status = 403, description = "Not allowed", body = Problem), (status = 404, description = "No such record", body = Problem), (status = 409, description = "Conflict: stale If-Match, concurrent change or a state rule", body = Problem), (status = 422, description = "Invalid fields, each named", body = Problem)))]
async fn suspend(
    State(state): State<AppState>,
    principal: Principal,
    headers: CommandHeaders,
    Path(ico): Path<String>,
    JsonBody(body): JsonBody<ReasonBody>,
) -> Result<Response, ApiError> {
    principal.require_admin()?;
    let ctx = CommandContext::new(principal.actor(), headers);
    let command = ProviderCommand::Suspend {
        reason: body.reason,
    };
    Ok(respond(
        execute::<Provider>(&state, &ico, command, &ctx, exists).await?,
        false,
    ))
}

#[utoipa::path(operation_id = "resume_provider", post, path = "/api/v1/providers/{ico}/resume", tag = "providers", params(("ico" = String, Path, description = "IČO of the provider")), security(("bearer" = [])), responses((status = 200, description = "Resumed", body = CommandResult), (status = 401, description = "Not authenticated", body = Problem), (status = 403, description = "Not allowed", body = Problem), (status = 404, description = "No such record", body = Problem), (status = 409, description = "Conflict: stale If-Match, concurrent change or a state rule", body = Problem), (status = 422, description = "Invalid fields, each named", body = Problem)))]
async fn resume(
    State(state): State<AppState>,
    principal: Principal,
    headers: CommandHeaders,
    Path(ico): Path<String>,
) -> Result<Response, ApiError> {
    principal.require_admin()?;
    let ctx = CommandContext::new(principal.actor(), headers);
    Ok(respond(
        execute::<Provider>(&state, &ico, ProviderCommand::Resume, &ctx, exists).await?,
        false,
    ))
}

#[utoipa::path(operation_id = "end_provider", post, path = "/api/v1/providers/{ico}/end", tag = "providers", params(("ico" = String, Path, description = "IČO of the provider")), request_body = ReasonBody, security(("bearer" = [])), responses((status = 200, description = "Ended", body = CommandResult), (status = 401, description = "Not authenticated", body = Problem), (status = 403, description = "Not allowed", body = Problem), (status = 404, description = "No such record", body = Problem), (status = 409, description = "Conflict: stale If-Match, concurrent change or a state rule", body = Problem), (status = 422, description = "Invalid fields, each named", body = Problem)))]
async fn end(
    State(state): State<AppState>,
    principal: Principal,
    headers: CommandHeaders,
    Path(ico): Path<String>,
    JsonBody(body): JsonBody<ReasonBody>,
) -> Result<Response, ApiError> {
    principal.require_admin()?;
    let ctx = CommandContext::new(principal.actor(), headers);
    let command = ProviderCommand::End {
        reason: body.reason,
    };
    Ok(respond(
        execute::<Provider>(&state, &ico, command, &ctx, exists).await?,
        false,
    ))
}
