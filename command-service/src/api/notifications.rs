//! What people do with the portal's e-mail: ask for a link that sets a new
//! password and use it, subscribe to a weekly digest and confirm it (double
//! opt-in), stop a kind of message or a subscription in one click (RFC
//! 8058), and, for administrators, the messages given up on.

use super::answers::{CommandResponse, Problem};
use crate::auth::{check_length, check_password, hash_password, Principal, MAX_LOGIN_LEN};
use crate::error::ApiError;
use crate::execute::{execute, load, CommandContext, CommandResult};
use crate::extract::{ClientAddr, Command, NoBody, Public};
use crate::notify::links;
use crate::state::AppState;
use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use command_api::accounts::{Accepted, PasswordResetBody, PasswordResetConfirmBody};
use command_api::subscriptions::{ConfirmSubscriptionBody, SubscribeBody};
use events::accounts::{Account, AccountCommand};
use events::notifications::settings::{NotificationSettings, SettingsCommand};
use events::notifications::subscription::{Subscription, SubscriptionCommand, Topic};
use events::values::codes::VACANCY_KINDS;
use events::{Actor, Aggregate, DomainError};
use infra::params::Query;
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use utoipa_axum::{router::OpenApiRouter, routes};
use uuid::Uuid;

/// How long a reset link works.
pub const RESET_VALID: time::Duration = time::Duration::hours(1);
/// How long an invitation's link works.
pub const INVITATION_VALID: time::Duration = time::Duration::days(7);

pub(super) fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(request_reset))
        .routes(routes!(confirm_reset))
        .routes(routes!(subscribe))
        .routes(routes!(confirm_subscription))
        .routes(routes!(unsubscribe))
        .routes(routes!(failures))
}

fn public(role: &str) -> Actor {
    Actor {
        account_id: "anonymous".into(),
        role: role.into(),
    }
}

/// Asks for a password link for `account_id` (a reset, or a new account's invitation).
///
/// # Errors
/// Store failures; a disabled account is refused.
pub(crate) async fn request_link(
    state: &AppState,
    account_id: Uuid,
    invitation: bool,
    ctx: &CommandContext,
) -> Result<CommandResult, ApiError> {
    let valid = if invitation {
        INVITATION_VALID
    } else {
        RESET_VALID
    };
    execute::<Account>(
        state,
        &account_id.to_string(),
        AccountCommand::RequestPasswordLink {
            request_id: Uuid::now_v7(),
            expires_at: OffsetDateTime::now_utc() + valid,
            invitation,
        },
        ctx,
        |_, v| {
            if v == 0 {
                Err(DomainError::NotFound("the account".into()).into())
            } else {
                Ok(())
            }
        },
    )
    .await
}

/// Asks for a link that sets a new password; the answer is the same whether or not the account exists.
#[utoipa::path(
    post, path = "/auth/password-reset", tag = "accounts", request_body = PasswordResetBody,
    responses(
        (status = 202, description = "When the login or e-mail belongs to an account, a link valid one hour is on its way to the account's e-mail", body = Accepted),
        (status = 422, description = "Neither a login nor an e-mail", body = Problem),
        (status = 429, description = "Too many requests from this address", body = Problem),
    ),
)]
pub(super) async fn request_reset(
    State(state): State<AppState>,
    client: ClientAddr,
    Command { headers, body, .. }: Command<PasswordResetBody, Public>,
) -> Result<(StatusCode, Json<Accepted>), ApiError> {
    let login = body
        .login
        .as_deref()
        .map(str::trim)
        .filter(|l| !l.is_empty());
    let email = body
        .email
        .as_deref()
        .map(str::trim)
        .filter(|e| !e.is_empty());
    let accounts = match (login, email) {
        (Some(login), _) => {
            check_length("login", login, MAX_LOGIN_LEN)?;
            state
                .credentials
                .by_login(login)
                .await?
                .into_iter()
                .collect()
        }
        (None, Some(email)) => {
            check_length("email", email, 254)?;
            state.credentials.by_email(email).await?
        }
        (None, None) => return Err(ApiError::invalid("login", "give a login or an e-mail")),
    };
    let address = client.key();
    state.limits.password_links.check(&address)?;
    state.limits.password_links.record(&address);
    let ctx = CommandContext::new(public("public"), headers);
    for c in accounts.iter().take(10) {
        match request_link(&state, c.account_id, false, &ctx).await {
            // A disabled account gets nothing, and the answer does not tell.
            Ok(_) | Err(ApiError::Domain(_)) => {}
            Err(e) => return Err(e),
        }
    }
    Ok((
        StatusCode::ACCEPTED,
        Json(Accepted {
            detail: "if the login or e-mail belongs to an account, a link that sets a new password is on its way to the account's e-mail; it works once, for one hour".into(),
        }),
    ))
}

/// Sets a new password by the link's token: the link is used up, and the account's earlier sessions end.
#[utoipa::path(
    post, path = "/auth/password-reset/confirm", tag = "accounts",
    request_body = PasswordResetConfirmBody,
    responses(
        (status = 200, description = "The password is set; every token issued before no longer works", body = CommandResult),
        (status = 422, description = "The token is not valid (used, expired, or not a token of this portal) or the password is too short", body = Problem),
        (status = 429, description = "Too many attempts from this address", body = Problem),
    ),
)]
pub(super) async fn confirm_reset(
    State(state): State<AppState>,
    client: ClientAddr,
    Command { headers, body, .. }: Command<PasswordResetConfirmBody, Public>,
) -> Result<CommandResponse, ApiError> {
    let address = client.key();
    state.limits.login_addresses.check(&address)?;
    let key = crate::notify::link_key(&state.audit_key);
    let invalid = || {
        ApiError::invalid(
            "token",
            "the link is not valid: it was used, it expired, or a newer password was set; ask for a new one",
        )
    };
    let Some((account_id, request_id)) = links::read_password_token(&key, &body.token) else {
        state.limits.login_addresses.record(&address);
        return Err(invalid());
    };
    check_password("new_password", &body.new_password)?;
    let id = account_id.to_string();
    let (account, _) = load::<Account>(&state, &id).await?;
    let command = AccountCommand::SetPasswordByLink { request_id };
    // Checked before the hash changes: a used link changes nothing.
    if account.decide(&command, OffsetDateTime::now_utc()).is_err() {
        state.limits.login_addresses.record(&address);
        return Err(invalid());
    }
    let hash = hash_password(&body.new_password)?;
    if !state
        .credentials
        .set_password_hash(account_id, &hash)
        .await?
    {
        return Err(invalid());
    }
    let ctx = CommandContext::new(
        Actor {
            account_id: id.clone(),
            role: "account".into(),
        },
        headers,
    );
    let result = execute::<Account>(&state, &id, command, &ctx, |_, _| Ok(()))
        .await
        .map_err(|e| match e {
            ApiError::Domain(_) => invalid(),
            other => other,
        })?;
    Ok(CommandResponse::changed(result))
}

/// What a subscription is to, from the body: a kraj, or an ORP and a kind.
fn topic(state: &AppState, body: &SubscribeBody) -> Result<Topic, ApiError> {
    let given = |v: &Option<String>| {
        v.as_deref()
            .map(str::trim)
            .filter(|v| !v.is_empty())
            .map(str::to_string)
    };
    match (given(&body.kraj), given(&body.orp), body.kind) {
        (Some(kraj), None, None) => state
            .territory
            .kraj_by_any_code(&kraj)
            .map(|k| Topic::KrajNews {
                kraj: k.nuts.clone(),
            })
            .ok_or_else(|| ApiError::invalid("kraj", format!("{kraj:?} is not a kraj"))),
        (None, Some(orp), Some(kind)) => {
            let Some(orp) = state.territory.orp_by_any_code(&orp) else {
                return Err(ApiError::invalid("orp", format!("{orp:?} is not an ORP")));
            };
            if !VACANCY_KINDS.contains(&kind) {
                return Err(ApiError::invalid(
                    "kind",
                    format!("is a kind whose free places are reported: one of {VACANCY_KINDS:?}"),
                ));
            }
            Ok(Topic::Vacancies {
                orp: orp.csu_code.clone(),
                kind,
            })
        }
        (None, Some(_), None) => Err(ApiError::invalid("kind", "is required with an ORP")),
        (None, None, Some(_)) => Err(ApiError::invalid("orp", "is required with a kind")),
        (None, None, None) => Err(ApiError::invalid(
            "kraj",
            "give a kraj (its news), or an ORP and a kind (new free places)",
        )),
        (Some(_), _, _) => Err(ApiError::invalid(
            "kraj",
            "give either a kraj, or an ORP and a kind, not both",
        )),
    }
}

/// Subscribes an e-mail to a weekly digest; nothing is sent but the confirmation until it is confirmed.
#[utoipa::path(
    post, path = "/subscriptions", tag = "accounts", request_body = SubscribeBody,
    responses(
        (status = 202, description = "A message with the link that confirms the subscription is on its way; the link works seven days", body = Accepted),
        (status = 422, description = "Not an e-mail, or no kraj, or no ORP and kind of those whose free places are reported", body = Problem),
        (status = 429, description = "Too many subscriptions from this address or for this e-mail", body = Problem),
    ),
)]
pub(super) async fn subscribe(
    State(state): State<AppState>,
    client: ClientAddr,
    Command { headers, body, .. }: Command<SubscribeBody, Public>,
) -> Result<(StatusCode, Json<Accepted>), ApiError> {
    let email = body.email.trim();
    if email.is_empty() {
        return Err(ApiError::invalid("email", "is required"));
    }
    events::values::address::check_email(email).map_err(|r| ApiError::invalid("email", r))?;
    let topic = topic(&state, &body)?;
    let (address, mailbox) = (client.key(), format!("mailbox:{}", email.to_lowercase()));
    state.limits.subscriptions.check(&address)?;
    state.limits.subscriptions.check(&mailbox)?;
    state.limits.subscriptions.record(&address);
    state.limits.subscriptions.record(&mailbox);
    // The address enters the log only sealed under the subscription's own key.
    let id = Uuid::now_v7();
    let key = state
        .personal_keys
        .key_for_writing(id)
        .await
        .map_err(|e| ApiError::Internal(e.into()))?
        .ok_or_else(|| ApiError::Internal(anyhow::anyhow!("a new subscription has no key")))?;
    let sealed = infra::personal::seal(&key, id, &email);
    let ctx = CommandContext::new(public("public"), headers);
    execute::<Subscription>(
        &state,
        &id.to_string(),
        SubscriptionCommand::Request {
            topic,
            address: sealed,
        },
        &ctx,
        |_, _| Ok(()),
    )
    .await?;
    Ok((
        StatusCode::ACCEPTED,
        Json(Accepted {
            detail: "a message with a link that confirms the subscription is on its way; nothing else is sent before it is confirmed, and an address not confirmed within seven days is erased".into(),
        }),
    ))
}

/// Confirms a subscription by the link of its confirmation message.
#[utoipa::path(
    post, path = "/subscriptions/confirm", tag = "accounts",
    request_body = ConfirmSubscriptionBody,
    responses(
        (status = 200, description = "Confirmed: the digest comes weekly when there is news", body = CommandResult),
        (status = 422, description = "The token is not valid, or the link expired, or the subscription was cancelled", body = Problem),
        (status = 429, description = "Too many attempts from this address", body = Problem),
    ),
)]
pub(super) async fn confirm_subscription(
    State(state): State<AppState>,
    client: ClientAddr,
    Command { headers, body, .. }: Command<ConfirmSubscriptionBody, Public>,
) -> Result<CommandResponse, ApiError> {
    let address = client.key();
    state.limits.login_addresses.check(&address)?;
    let key = crate::notify::link_key(&state.audit_key);
    let Some(id) = links::read_subscription_token(&key, &body.token) else {
        state.limits.login_addresses.record(&address);
        return Err(ApiError::invalid(
            "token",
            "is not a confirmation link of this portal",
        ));
    };
    let ctx = CommandContext::new(public("subscriber"), headers);
    let result = execute::<Subscription>(
        &state,
        &id.to_string(),
        SubscriptionCommand::Confirm,
        &ctx,
        |_, _| Ok(()),
    )
    .await
    .map_err(|e| match e {
        ApiError::Domain(DomainError::Rejected(reason) | DomainError::NotFound(reason)) => {
            ApiError::invalid("token", reason)
        }
        other => other,
    })?;
    Ok(CommandResponse::changed(result))
}

/// The token of an unsubscribe link.
#[derive(Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(default)]
pub(super) struct UnsubscribeQuery {
    /// The `t` parameter of the link in the message.
    t: String,
}

/// Stops a kind of message for its recipient (the one-click link of `List-Unsubscribe`, RFC 8058).
#[utoipa::path(
    post, path = "/notifications/unsubscribe", tag = "accounts", params(UnsubscribeQuery),
    responses(
        (status = 200, description = "The kind of message is no longer sent to the recipient", body = CommandResult),
        (status = 422, description = "The token is not one of this portal's", body = Problem),
    ),
)]
pub(super) async fn unsubscribe(
    State(state): State<AppState>,
    Query(query): Query<UnsubscribeQuery>,
    // The one-click POST (RFC 8058) sends a form: a command without a body does not read it.
    Command { headers, .. }: Command<NoBody, Public>,
) -> Result<CommandResponse, ApiError> {
    let key = crate::notify::link_key(&state.audit_key);
    if query.t.is_empty() {
        return Err(ApiError::invalid(
            "t",
            "is required: the token of the link in the message",
        ));
    }
    let Some((recipient, kind)) = links::read_unsubscribe_token(&key, &query.t) else {
        return Err(ApiError::invalid(
            "t",
            "is not an unsubscribe link of this portal",
        ));
    };
    let ctx = CommandContext::new(public("recipient"), headers);
    // A subscriber's link ends the subscription and erases the address.
    if let Some(id) = recipient
        .strip_prefix("subscriber:")
        .and_then(|id| Uuid::parse_str(id).ok())
    {
        let result = execute::<Subscription>(
            &state,
            &id.to_string(),
            SubscriptionCommand::Cancel {
                reason: "unsubscribed".into(),
            },
            &ctx,
            |_, _| Ok(()),
        )
        .await?;
        state
            .personal_keys
            .erase(id)
            .await
            .map_err(|e| ApiError::Internal(e.into()))?;
        return Ok(CommandResponse::changed(result));
    }
    let result = execute::<NotificationSettings>(
        &state,
        &recipient,
        SettingsCommand::TurnOff(kind),
        &ctx,
        |_, _| Ok(()),
    )
    .await?;
    Ok(CommandResponse::changed(result))
}

/// A message given up on.
#[derive(Serialize, utoipa::ToSchema)]
pub struct FailedMessage {
    /// The notification (its stream in the audit).
    pub notification_id: Uuid,
    /// Its kind.
    pub kind: String,
    /// Whom it was for (a reference, never an address).
    pub recipient: serde_json::Value,
    /// Attempts made.
    pub attempts: u32,
    /// The last error.
    pub error: String,
    /// When it was given up on.
    #[serde(with = "time::serde::rfc3339")]
    pub at: OffsetDateTime,
}

/// The outbox of messages: counts, and the messages given up on.
#[derive(Serialize, utoipa::ToSchema)]
pub struct MailReport {
    /// Waiting to be sent (due, or after a failed attempt).
    pub pending: u64,
    /// Sent.
    pub sent: u64,
    /// Given up on.
    pub failed: u64,
    /// Not sent (no address, erased, unsubscribed).
    pub suppressed: u64,
    /// The last 100 messages given up on, latest first.
    pub failures: Vec<FailedMessage>,
}

/// The outbox of messages and its failures (administrators).
#[utoipa::path(
    get, path = "/notifications/failures", tag = "accounts", security(("bearer" = [])),
    responses(
        (status = 200, description = "Counts and failures", body = MailReport),
        (status = 401, description = "Not authenticated", body = Problem),
        (status = 403, description = "Not an administrator", body = Problem),
        (status = 503, description = "This process sends no e-mail", body = Problem),
    ),
)]
pub(super) async fn failures(
    State(state): State<AppState>,
    principal: Principal,
) -> Result<Json<MailReport>, ApiError> {
    principal.require_admin()?;
    let Some(outbox) = &state.mail_outbox else {
        return Err(ApiError::Unavailable(
            "this process sends no e-mail (PORTAL_SMTP_URL is not set)".into(),
        ));
    };
    let counts = outbox.counts().await.map_err(ApiError::Internal)?;
    let failures = outbox
        .failures(100)
        .await
        .map_err(ApiError::Internal)?
        .into_iter()
        .map(|f| FailedMessage {
            notification_id: f.notification_id,
            kind: f.decision["kind"].as_str().unwrap_or_default().to_string(),
            recipient: f.decision["recipient"].clone(),
            attempts: f.attempts,
            error: f.error,
            at: f.at,
        })
        .collect();
    Ok(Json(MailReport {
        pending: counts.pending,
        sent: counts.sent,
        failed: counts.failed,
        suppressed: counts.suppressed,
        failures,
    }))
}
