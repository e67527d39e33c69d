//! The request bodies of accounts, sessions and tokens.

use crate::providers::NewAccountBody;
use events::accounts::RoleGrant;
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use uuid::Uuid;

/// Login and password.
#[derive(Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct LoginBody {
    /// Login.
    pub login: String,
    /// Password.
    pub password: String,
}

/// A new account with its roles.
#[derive(Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CreateAccountBody {
    /// Personal data and password.
    #[serde(flatten)]
    pub account: NewAccountBody,
    /// Roles with their scopes.
    #[serde(default)]
    pub roles: Vec<RoleGrant>,
}

/// A new password.
#[derive(Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PasswordBody {
    /// The current password (not needed by an administrator changing another account's).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub current_password: Option<String>,
    /// The new password, at least 10 characters.
    pub new_password: String,
}

/// A new API token.
#[derive(Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct IssueTokenBody {
    /// What it is for.
    pub name: String,
    /// When it expires (at most two years ahead).
    #[serde(with = "time::serde::rfc3339")]
    pub expires_at: OffsetDateTime,
}

/// A session token: the answer to a login.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TokenResponse {
    /// Send as `Authorization: Bearer <token>`.
    pub token: String,
    /// When it stops working.
    #[serde(with = "time::serde::rfc3339")]
    pub expires_at: OffsetDateTime,
    /// The account.
    pub account_id: Uuid,
}

/// Asks for a link that sets a new password, sent to the account's e-mail.
#[derive(Debug, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PasswordResetBody {
    /// The account's login…
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub login: Option<String>,
    /// …or its e-mail (every account with it gets a link).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
}

/// Sets a new password by the link's token.
#[derive(Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PasswordResetConfirmBody {
    /// The token of the link (its `t` parameter).
    pub token: String,
    /// The new password, at least 10 characters.
    pub new_password: String,
}

/// A request accepted for later: the answer does not tell whether the account exists.
#[derive(Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Accepted {
    /// What happens now.
    pub detail: String,
}
