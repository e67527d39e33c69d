//! Authentication: argon2 password hashes, signed expiring tokens (HS256
//! JWT; session tokens from login, API tokens for integrations, revocable),
//! the `Principal` of a request with its roles.

use crate::error::ApiError;
use crate::execute::load_recent;
use crate::state::AppState;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::Argon2;
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use events::accounts::{Account, Role, RoleGrant, Scope};
use events::Actor;
use infra::tokens::bearer;
pub use infra::tokens::{TokenKind, Tokens};
use std::collections::BTreeSet;
use time::OffsetDateTime;
use uuid::Uuid;

/// Shortest password accepted (characters, not all whitespace).
pub const MIN_PASSWORD_LEN: usize = 10;
/// Longest password accepted (characters): argon2 hashes whatever it is given.
pub const MAX_PASSWORD_LEN: usize = 1_000;
/// How long a request's account is taken as this instance last saw it,
/// instead of being read from its stream on every request (ADR 0027). A
/// change recorded through this instance applies at once; one recorded
/// through another instance (a logout, a disabled account, a revoked token or
/// role; a granted role) within this time. A token the last seen state
/// refuses is checked again on the latest state, so a new token or session
/// works at once everywhere.
pub const RECHECK: std::time::Duration = std::time::Duration::from_secs(1);
/// Longest login a login attempt may send (characters).
pub const MAX_LOGIN_LEN: usize = 254;

/// Refuses a text longer than `max` characters.
///
/// # Errors
/// 422 naming `field`.
pub fn check_length(field: &str, text: &str, max: usize) -> Result<(), ApiError> {
    if text.len() > max * 4 || text.chars().count() > max {
        Err(ApiError::invalid(
            field,
            format!("must be at most {max} characters"),
        ))
    } else {
        Ok(())
    }
}

/// Why a new password is refused, if it is.
pub fn password_problem(password: &str) -> Option<String> {
    let chars = password.chars().count();
    if chars < MIN_PASSWORD_LEN || password.trim().chars().count() < MIN_PASSWORD_LEN {
        Some(format!(
            "must be at least {MIN_PASSWORD_LEN} characters, not counting spaces around it"
        ))
    } else if chars > MAX_PASSWORD_LEN {
        Some(format!("must be at most {MAX_PASSWORD_LEN} characters"))
    } else {
        None
    }
}

/// Refuses a new password that is too short, blank or too long.
///
/// # Errors
/// 422 naming `field`.
pub fn check_password(field: &str, password: &str) -> Result<(), ApiError> {
    password_problem(password).map_or(Ok(()), |reason| Err(ApiError::invalid(field, reason)))
}

/// Hashes a password with argon2id and a random salt.
///
/// # Errors
/// Never in practice (argon2 with default parameters).
pub fn hash_password(password: &str) -> anyhow::Result<String> {
    let mut bytes = [0u8; 16];
    rand::fill(&mut bytes);
    let salt = SaltString::encode_b64(&bytes).map_err(|e| anyhow::anyhow!("{e}"))?;
    Ok(Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map_err(|e| anyhow::anyhow!("{e}"))?
        .to_string())
}

/// Whether `password` matches the PHC string `hash`.
pub fn verify_password(password: &str, hash: &str) -> bool {
    PasswordHash::new(hash).is_ok_and(|h| {
        Argon2::default()
            .verify_password(password.as_bytes(), &h)
            .is_ok()
    })
}

/// The authenticated account of a request and its current roles.
#[derive(Debug, Clone)]
pub struct Principal {
    /// The account.
    pub account_id: Uuid,
    /// Its roles now (read from its stream, so a revocation takes effect at once).
    pub roles: BTreeSet<RoleGrant>,
}

impl Principal {
    /// Holds the administrator role.
    pub fn is_admin(&self) -> bool {
        self.roles.iter().any(|g| g.role == Role::Administrator)
    }

    /// May act for the provider with this IČO (administrator, or its provider account).
    pub fn acts_for_provider(&self, ico: &str) -> bool {
        self.is_admin()
            || self
                .roles
                .iter()
                .any(|g| g.role == Role::Provider && g.scope == Scope::Provider(ico.to_string()))
    }

    /// Holds one of these roles (any scope).
    pub fn has_any(&self, roles: &[Role]) -> bool {
        self.roles.iter().any(|g| roles.contains(&g.role))
    }

    /// Refuses unless administrator.
    ///
    /// # Errors
    /// 403 naming the requirement.
    pub fn require_admin(&self) -> Result<(), ApiError> {
        if self.is_admin() {
            Ok(())
        } else {
            Err(ApiError::Forbidden(
                "only an administrator may do this".into(),
            ))
        }
    }

    /// Refuses unless administrator, or one of `roles` with a scope (kraj,
    /// ORP or municipality) on `territory`, as written there.
    ///
    /// # Errors
    /// 403 naming what and whose.
    pub fn require_scoped(
        &self,
        roles: &[Role],
        territory: &str,
        what: &str,
    ) -> Result<(), ApiError> {
        let ok = self.is_admin()
            || self.roles.iter().any(|g| {
                roles.contains(&g.role)
                    && matches!(&g.scope, Scope::Kraj(t) | Scope::Municipality(t) | Scope::Orp(t) if t == territory)
            });
        if ok {
            Ok(())
        } else {
            Err(ApiError::Forbidden(format!(
                "{what} of {territory} are kept by its {roles:?}"
            )))
        }
    }

    /// Refuses unless the account acts for the provider.
    ///
    /// # Errors
    /// 403 naming the provider.
    pub fn require_provider(&self, ico: &str) -> Result<(), ApiError> {
        if self.acts_for_provider(ico) {
            Ok(())
        } else {
            Err(ApiError::Forbidden(format!(
                "this account may not act for the provider {ico}"
            )))
        }
    }

    /// Who acted, for the event envelope: the account and its highest role.
    pub fn actor(&self) -> Actor {
        let role = self
            .roles
            .iter()
            .map(|g| g.role)
            .min()
            .map_or("none".to_string(), |r| {
                serde_json::to_value(r)
                    .ok()
                    .and_then(|v| v.as_str().map(str::to_string))
                    .unwrap_or_default()
            });
        Actor {
            account_id: self.account_id.to_string(),
            role,
        }
    }
}

/// No `Authorization` header: nobody (the public); a header: it must be valid.
impl axum::extract::OptionalFromRequestParts<AppState> for Principal {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Option<Self>, ApiError> {
        if parts
            .headers
            .contains_key(axum::http::header::AUTHORIZATION)
        {
            <Self as FromRequestParts<AppState>>::from_request_parts(parts, state)
                .await
                .map(Some)
        } else {
            Ok(None)
        }
    }
}

impl FromRequestParts<AppState> for Principal {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let header = parts
            .headers
            .get(axum::http::header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok());
        let claims = state.tokens.check(bearer(header)?)?;
        let account_id = claims.account_id()?;
        let now = OffsetDateTime::now_utc();
        let roles = load_recent::<Account, _>(state, &account_id.to_string(), RECHECK, |a| {
            claims.admitted_by(a, now)?;
            Ok(a.roles.clone())
        })
        .await?;
        Ok(Self { account_id, roles })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_are_ten_to_a_thousand_characters_not_all_blank() {
        assert!(password_problem("krátké").is_some());
        assert!(password_problem("            ").is_some());
        assert!(
            password_problem("  a  b  c  ").is_some(),
            "spaces around do not count"
        );
        assert!(password_problem("dlouhé heslo").is_none());
        assert!(password_problem(&"ž".repeat(1_000)).is_none());
        assert!(password_problem(&"ž".repeat(1_001)).is_some());
    }

    #[test]
    fn passwords_verify_only_against_their_hash() {
        let hash = hash_password("correct horse battery").unwrap();
        assert!(hash.starts_with("$argon2id$"));
        assert!(verify_password("correct horse battery", &hash));
        assert!(!verify_password("wrong horse battery", &hash));
        assert!(!verify_password("x", "not a hash"));
    }
}
