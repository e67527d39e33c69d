//! Accounts: password login (rate limited), creation (by an administrator,
//! and the first account of a provider registering itself),
//! role grants and revocations, password change, API tokens, disabling.

use super::answers::{CommandResponse, Problem, Refusals};
use crate::auth::{
    check_length, check_password, hash_password, password_problem, verify_password, Principal,
    TokenKind, MAX_LOGIN_LEN, MAX_PASSWORD_LEN,
};
use crate::error::ApiError;
use crate::execute::CommandResult;
use crate::execute::{execute, CommandContext};
use crate::extract::{ClientAddr, Command, CommandHeaders, JsonBody};
use crate::limits::login_key;
use crate::state::AppState;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::Json;
use command_api::accounts::{
    CreateAccountBody, IssueTokenBody, LoginBody, PasswordBody, TokenResponse,
};
use command_api::providers::NewAccountBody;
use events::accounts::{Account, AccountCommand, RoleGrant};
use events::DomainError;
use infra::credentials::{normalise_login, Credentials};
use serde::Serialize;
use time::OffsetDateTime;
use utoipa_axum::{router::OpenApiRouter, routes};
use uuid::Uuid;

pub(super) fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(login))
        .routes(routes!(logout))
        .routes(routes!(create))
        .routes(routes!(grant))
        .routes(routes!(revoke))
        .routes(routes!(change_password))
        .routes(routes!(issue_token))
        .routes(routes!(revoke_token))
        .routes(routes!(disable))
        .routes(routes!(erase))
}

#[utoipa::path(
    post, path = "/auth/login", tag = "accounts", request_body = LoginBody,
    responses(
        (status = 200, description = "A session token", body = TokenResponse),
        (status = 401, description = "Wrong login or password", body = Problem),
        (status = 429, description = "Too many failed attempts", body = Problem),
    ),
)]
async fn login(
    State(state): State<AppState>,
    client: ClientAddr,
    JsonBody(body): JsonBody<LoginBody>,
) -> Result<Json<TokenResponse>, ApiError> {
    check_length("login", &body.login, MAX_LOGIN_LEN)?;
    check_length("password", &body.password, MAX_PASSWORD_LEN)?;
    let login = normalise_login(&body.login);
    let address = client.key();
    let pair = login_key(&address, &login);
    let limits = &state.limits;
    limits.login_addresses.check(&address)?;
    limits.login_pairs.check(&pair)?;
    let failed = || {
        limits.login_addresses.record(&address);
        limits.login_pairs.record(&pair);
    };
    let refused = || ApiError::Unauthorized("the login or the password is wrong".into());
    let Some(credentials) = state.credentials.by_login(&login).await? else {
        // Same work as a real check, so that timing does not tell which logins exist.
        let _ = verify_password(&body.password, "$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHRzYWx0$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA");
        failed();
        return Err(refused());
    };
    if !verify_password(&body.password, &credentials.password_hash) {
        failed();
        return Err(refused());
    }
    let (account, _) =
        crate::execute::load::<Account>(&state, &credentials.account_id.to_string()).await?;
    if !account.exists || account.disabled {
        failed();
        return Err(ApiError::Unauthorized("the account is disabled".into()));
    }
    limits.login_pairs.forget(&pair);
    let (token, expires_at) = state.tokens.session(credentials.account_id)?;
    Ok(Json(TokenResponse {
        token,
        expires_at,
        account_id: credentials.account_id,
    }))
}

#[utoipa::path(
    post, path = "/auth/logout", tag = "accounts", security(("bearer" = [])),
    responses(
        (status = 200, description = "The token it was sent with no longer works (a session ends; an API token is revoked)", body = CommandResult),
        (status = 401, description = "Not authenticated", body = Problem),
    ),
)]
async fn logout(
    State(state): State<AppState>,
    request_headers: axum::http::HeaderMap,
    command: Command,
) -> Result<CommandResponse, ApiError> {
    let (principal, ctx, _) = command.into_parts();
    let authorization = request_headers
        .get(axum::http::header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok());
    let claims = state.tokens.check(infra::tokens::bearer(authorization)?)?;
    let Some(token_id) = claims.jti.clone() else {
        return Err(ApiError::invalid(
            "authorization",
            "this token was issued before sessions could be ended; it expires by itself",
        ));
    };
    let command = match claims.kind {
        TokenKind::Session => AccountCommand::EndSession {
            session_id: token_id,
            expires_at: OffsetDateTime::from_unix_timestamp(claims.exp)
                .map_err(|_| ApiError::invalid("authorization", "has no valid expiry"))?,
        },
        TokenKind::Api => AccountCommand::RevokeApiToken { token_id },
    };
    let id = principal.account_id.to_string();
    account_command(&state, &principal, ctx, &id, command).await
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

#[utoipa::path(
    operation_id = "create_account", post, path = "/accounts", tag = "accounts",
    request_body = CreateAccountBody, security(("bearer" = [])),
    responses(
        (status = 201, description = "Created", body = CommandResult),
        Refusals,
    ),
)]
async fn create(
    State(state): State<AppState>,
    command: Command<CreateAccountBody>,
) -> Result<CommandResponse, ApiError> {
    let (principal, ctx, body) = command.into_parts();
    principal.require_admin()?;
    check_new_account(&body.account).map_err(|e| match e {
        ApiError::Domain(DomainError::Invalid(errors)) => ApiError::Domain(DomainError::Invalid(
            errors
                .into_iter()
                .map(|mut f| {
                    f.field = f.field.trim_start_matches("account.").to_string();
                    f
                })
                .collect(),
        )),
        ApiError::Invalid { field, reason } => ApiError::Invalid {
            field: field.trim_start_matches("account.").to_string(),
            reason,
        },
        other => other,
    })?;
    for (i, g) in body.roles.iter().enumerate() {
        if let Err((part, reason)) = g.check() {
            return Err(ApiError::invalid(format!("roles[{i}].{part}"), reason));
        }
    }
    let invitation_headers = CommandHeaders {
        idempotency_key: ctx
            .headers
            .idempotency_key
            .as_ref()
            .map(|k| format!("{k}:invitation")),
        if_match: None,
        ..ctx.headers.clone()
    };
    let (account_id, result) = create_account(&state, &body.account, body.roles, &ctx).await?;
    // The person sets a password of its own by the link of the invitation (ADR 0021).
    let invitation = CommandContext::new(principal.actor(), invitation_headers);
    super::notifications::request_link(&state, account_id, true, &invitation).await?;
    Ok(CommandResponse::created(result))
}

fn account_exists(_: &Account, version: u64) -> Result<(), ApiError> {
    if version == 0 {
        Err(DomainError::NotFound("the account".into()).into())
    } else {
        Ok(())
    }
}

/// An administrator cannot disable, erase or demote itself: another
/// administrator must, so that the portal always keeps one.
fn not_own_administration(principal: &Principal, id: &str, what: &str) -> Result<(), ApiError> {
    if principal.account_id.to_string() == id {
        Err(ApiError::Conflict(format!(
            "an administrator cannot {what} its own account; another administrator must, so that the portal keeps one"
        )))
    } else {
        Ok(())
    }
}

fn self_or_admin(principal: &Principal, id: &str) -> Result<(), ApiError> {
    if principal.is_admin() || principal.account_id.to_string() == id {
        Ok(())
    } else {
        Err(ApiError::Forbidden(
            "only the account itself or an administrator may do this".into(),
        ))
    }
}

async fn account_command(
    state: &AppState,
    _principal: &Principal,
    ctx: CommandContext,
    id: &str,
    command: AccountCommand,
) -> Result<CommandResponse, ApiError> {
    Ok(CommandResponse::changed(
        execute::<Account>(state, id, command, &ctx, account_exists).await?,
    ))
}

#[utoipa::path(
    post, path = "/accounts/{id}/roles/grant", tag = "accounts",
    params(("id" = String, Path, description = "Id of the record")), request_body = RoleGrant,
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Granted", body = CommandResult),
        Refusals,
    ),
)]
async fn grant(
    State(state): State<AppState>,
    Path(id): Path<String>,
    command: Command<RoleGrant>,
) -> Result<CommandResponse, ApiError> {
    let (principal, ctx, body) = command.into_parts();
    principal.require_admin()?;
    account_command(&state, &principal, ctx, &id, AccountCommand::Grant(body)).await
}

#[utoipa::path(
    operation_id = "revoke_role", post, path = "/accounts/{id}/roles/revoke", tag = "accounts",
    params(("id" = String, Path, description = "Id of the record")), request_body = RoleGrant,
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Revoked", body = CommandResult),
        Refusals,
    ),
)]
async fn revoke(
    State(state): State<AppState>,
    Path(id): Path<String>,
    command: Command<RoleGrant>,
) -> Result<CommandResponse, ApiError> {
    let (principal, ctx, body) = command.into_parts();
    principal.require_admin()?;
    if body.role == events::accounts::Role::Administrator {
        not_own_administration(&principal, &id, "revoke the administrator role of")?;
    }
    account_command(&state, &principal, ctx, &id, AccountCommand::Revoke(body)).await
}

#[utoipa::path(
    post, path = "/accounts/{id}/disable", tag = "accounts",
    params(("id" = String, Path, description = "Id of the record")), security(("bearer" = [])),
    responses(
        (status = 200, description = "Disabled", body = CommandResult),
        Refusals,
    ),
)]
async fn disable(
    State(state): State<AppState>,
    Path(id): Path<String>,
    command: Command,
) -> Result<CommandResponse, ApiError> {
    let (principal, ctx, _) = command.into_parts();
    principal.require_admin()?;
    not_own_administration(&principal, &id, "disable")?;
    account_command(&state, &principal, ctx, &id, AccountCommand::Disable).await
}

#[utoipa::path(
    post, path = "/accounts/{id}/erase", tag = "accounts",
    params(("id" = String, Path, description = "Id of the account")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Erased: the login, e-mail, name and password are deleted, its forum posts can no longer be read; the log keeps only the account's id", body = CommandResult),
        Refusals,
        (status = 404, description = "No such account", body = Problem),
        (status = 409, description = "An administrator cannot erase its own account", body = Problem),
    ),
)]
pub(crate) async fn erase(
    State(state): State<AppState>,
    Path(id): Path<String>,
    command: Command,
) -> Result<CommandResponse, ApiError> {
    let (principal, ctx, _) = command.into_parts();
    principal.require_admin()?;
    let account_id: Uuid = id
        .parse()
        .map_err(|_| ApiError::invalid("id", "is not an account id"))?;
    not_own_administration(&principal, &id, "erase")?;
    // The decision first: once recorded, erasing is idempotent, so a crash
    // before the deletion is healed by the administrator's retry.
    let result =
        execute::<Account>(&state, &id, AccountCommand::Erase, &ctx, |_, _| Ok(())).await?;
    state.credentials.erase(account_id).await?;
    // What the account wrote in the forum was sealed under its own key;
    // the files of its posts go first, while the key still says which they are.
    super::files::erase_author_files(&state, account_id, &ctx).await?;
    state
        .personal_keys
        .erase(account_id)
        .await
        .map_err(|e| ApiError::Internal(e.into()))?;
    Ok(CommandResponse::changed(result))
}

#[utoipa::path(
    post, path = "/accounts/{id}/password", tag = "accounts",
    params(("id" = String, Path, description = "Id of the record")),
    request_body = PasswordBody, security(("bearer" = [])),
    responses(
        (status = 200, description = "Changed", body = CommandResult),
        Refusals,
    ),
)]
async fn change_password(
    State(state): State<AppState>,
    Path(id): Path<String>,
    command: Command<PasswordBody>,
) -> Result<CommandResponse, ApiError> {
    let (principal, ctx, body) = command.into_parts();
    self_or_admin(&principal, &id)?;
    let account_id = Uuid::parse_str(&id).map_err(|_| ApiError::invalid("id", "must be a UUID"))?;
    check_password("new_password", &body.new_password)?;
    let credentials = state
        .credentials
        .by_account(account_id)
        .await?
        .ok_or_else(|| DomainError::NotFound("the account".into()))?;
    if principal.account_id == account_id {
        let current = body.current_password.unwrap_or_default();
        if !verify_password(&current, &credentials.password_hash) {
            return Err(ApiError::invalid("current_password", "is wrong"));
        }
    }
    state
        .credentials
        .set_password_hash(account_id, &hash_password(&body.new_password)?)
        .await?;
    account_command(
        &state,
        &principal,
        ctx,
        &id,
        AccountCommand::RecordPasswordChange,
    )
    .await
}

/// An issued API token; the token is shown only here.
#[derive(Serialize, utoipa::ToSchema)]
pub struct IssuedToken {
    /// Its id, to revoke it.
    pub token_id: String,
    /// Send as `Authorization: Bearer <token>`.
    pub token: String,
    /// When it expires.
    #[serde(with = "time::serde::rfc3339")]
    pub expires_at: OffsetDateTime,
}

#[utoipa::path(
    post, path = "/accounts/{id}/api-tokens", tag = "accounts",
    params(("id" = String, Path, description = "Account id")), request_body = IssueTokenBody,
    security(("bearer" = [])),
    responses(
        (status = 201, description = "Issued; the token is shown only now", body = IssuedToken),
        Refusals,
    ),
)]
async fn issue_token(
    State(state): State<AppState>,
    Path(id): Path<String>,
    command: Command<IssueTokenBody>,
) -> Result<(StatusCode, Json<IssuedToken>), ApiError> {
    let (principal, ctx, body) = command.into_parts();
    self_or_admin(&principal, &id)?;
    let account_id = Uuid::parse_str(&id).map_err(|_| ApiError::invalid("id", "must be a UUID"))?;
    let token_id = Uuid::now_v7().simple().to_string();
    let command = AccountCommand::IssueApiToken {
        token_id: token_id.clone(),
        name: body.name,
        expires_at: body.expires_at,
    };
    execute::<Account>(&state, &id, command, &ctx, account_exists).await?;
    let token = state.tokens.api(account_id, &token_id, body.expires_at)?;
    Ok((
        StatusCode::CREATED,
        Json(IssuedToken {
            token_id,
            token,
            expires_at: body.expires_at,
        }),
    ))
}

#[utoipa::path(
    post, path = "/accounts/{id}/api-tokens/{token_id}/revoke", tag = "accounts",
    params(("id" = String, Path, description = "Account id"), ("token_id" = String, Path, description = "Token id")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Revoked", body = CommandResult),
        Refusals,
    ),
)]
async fn revoke_token(
    State(state): State<AppState>,
    Path((id, token_id)): Path<(String, String)>,
    command: Command,
) -> Result<CommandResponse, ApiError> {
    let (principal, ctx, _) = command.into_parts();
    self_or_admin(&principal, &id)?;
    account_command(
        &state,
        &principal,
        ctx,
        &id,
        AccountCommand::RevokeApiToken { token_id },
    )
    .await
}
