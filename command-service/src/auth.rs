//! Authentication: argon2 password hashes, signed expiring tokens (HS256
//! JWT; session tokens from login, API tokens for integrations, revocable),
//! the `Principal` of a request with its roles, and the login rate limiter.

use crate::error::ApiError;
use crate::execute::load;
use crate::state::AppState;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::Argon2;
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use events::accounts::{Account, Role, RoleGrant, Scope};
use events::Actor;
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeSet, HashMap, VecDeque};
use std::sync::Mutex;
use std::time::{Duration, Instant};
use time::OffsetDateTime;
use uuid::Uuid;

/// Shortest password accepted.
pub const MIN_PASSWORD_LEN: usize = 10;

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

/// What kind of token.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TokenKind {
    /// From a password login; short-lived.
    Session,
    /// For integrations; long-lived, revocable, recorded on the account.
    Api,
}

#[derive(Debug, Serialize, Deserialize)]
struct Claims {
    sub: String,
    kind: TokenKind,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    jti: Option<String>,
    iat: i64,
    exp: i64,
}

/// Issues and checks tokens.
pub struct Tokens {
    encoding: EncodingKey,
    decoding: DecodingKey,
    /// How long a session token lives.
    pub session_ttl: time::Duration,
}

impl Tokens {
    /// Keys from the shared secret.
    pub fn new(secret: &[u8], session_ttl: time::Duration) -> Self {
        Self {
            encoding: EncodingKey::from_secret(secret),
            decoding: DecodingKey::from_secret(secret),
            session_ttl,
        }
    }

    fn sign(&self, claims: &Claims) -> anyhow::Result<String> {
        Ok(jsonwebtoken::encode(
            &Header::new(Algorithm::HS256),
            claims,
            &self.encoding,
        )?)
    }

    /// A session token for an account and when it expires.
    ///
    /// # Errors
    /// When signing fails.
    pub fn session(&self, account_id: Uuid) -> anyhow::Result<(String, OffsetDateTime)> {
        let now = OffsetDateTime::now_utc();
        let exp = now + self.session_ttl;
        let token = self.sign(&Claims {
            sub: account_id.to_string(),
            kind: TokenKind::Session,
            jti: None,
            iat: now.unix_timestamp(),
            exp: exp.unix_timestamp(),
        })?;
        Ok((token, exp))
    }

    /// An API token with the id recorded on the account.
    ///
    /// # Errors
    /// When signing fails.
    pub fn api(
        &self,
        account_id: Uuid,
        token_id: &str,
        expires_at: OffsetDateTime,
    ) -> anyhow::Result<String> {
        self.sign(&Claims {
            sub: account_id.to_string(),
            kind: TokenKind::Api,
            jti: Some(token_id.to_string()),
            iat: OffsetDateTime::now_utc().unix_timestamp(),
            exp: expires_at.unix_timestamp(),
        })
    }

    fn check(&self, token: &str) -> Result<Claims, ApiError> {
        let mut validation = Validation::new(Algorithm::HS256);
        validation.leeway = 0;
        validation.set_required_spec_claims(&["exp", "sub"]);
        jsonwebtoken::decode::<Claims>(token, &self.decoding, &validation)
            .map(|d| d.claims)
            .map_err(|e| match e.kind() {
                jsonwebtoken::errors::ErrorKind::ExpiredSignature => {
                    ApiError::Unauthorized("the token has expired; log in again".into())
                }
                _ => ApiError::Unauthorized("the token is not valid".into()),
            })
    }
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

impl FromRequestParts<AppState> for Principal {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let header = parts
            .headers
            .get(axum::http::header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .ok_or_else(|| {
                ApiError::Unauthorized(
                    "send Authorization: Bearer <token> (POST /api/v1/auth/login)".into(),
                )
            })?;
        let token = header.strip_prefix("Bearer ").ok_or_else(|| {
            ApiError::Unauthorized("the Authorization scheme must be Bearer".into())
        })?;
        let claims = state.tokens.check(token.trim())?;
        let account_id = Uuid::parse_str(&claims.sub)
            .map_err(|_| ApiError::Unauthorized("the token is not valid".into()))?;
        let (account, _) = load::<Account>(state, &account_id.to_string()).await?;
        if !account.exists || account.disabled {
            return Err(ApiError::Unauthorized(
                "the account is disabled or gone".into(),
            ));
        }
        if claims.kind == TokenKind::Api {
            let id = claims.jti.unwrap_or_default();
            if !account.token_valid(&id, OffsetDateTime::now_utc()) {
                return Err(ApiError::Unauthorized(
                    "the API token was revoked or has expired".into(),
                ));
            }
        }
        Ok(Self {
            account_id,
            roles: account.roles,
        })
    }
}

/// Refuses logins after too many failures for one login within a window.
pub struct LoginLimiter {
    failures: Mutex<HashMap<String, VecDeque<Instant>>>,
    max_failures: usize,
    window: Duration,
}

impl LoginLimiter {
    /// At most `max_failures` failed attempts per login within `window`.
    pub fn new(max_failures: usize, window: Duration) -> Self {
        Self {
            failures: Mutex::new(HashMap::new()),
            max_failures,
            window,
        }
    }

    fn prune(queue: &mut VecDeque<Instant>, window: Duration, now: Instant) {
        while queue
            .front()
            .is_some_and(|t| now.duration_since(*t) >= window)
        {
            queue.pop_front();
        }
    }

    /// Refuses when the login has used up its attempts.
    ///
    /// # Errors
    /// 429 with the seconds to wait.
    pub fn check(&self, login: &str) -> Result<(), ApiError> {
        let now = Instant::now();
        let mut map = self.failures.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(queue) = map.get_mut(login) {
            Self::prune(queue, self.window, now);
            if queue.len() >= self.max_failures {
                let oldest = queue.front().copied().unwrap_or(now);
                let wait = self.window.saturating_sub(now.duration_since(oldest));
                return Err(ApiError::TooManyRequests {
                    retry_after_secs: wait.as_secs().max(1),
                });
            }
        }
        Ok(())
    }

    /// Records a failed attempt.
    pub fn failed(&self, login: &str) {
        let now = Instant::now();
        let mut map = self.failures.lock().unwrap_or_else(|p| p.into_inner());
        if map.len() > 100_000 {
            let window = self.window;
            map.retain(|_, q| {
                Self::prune(q, window, now);
                !q.is_empty()
            });
        }
        map.entry(login.to_string()).or_default().push_back(now);
    }

    /// Forgets the failures after a successful login.
    pub fn succeeded(&self, login: &str) {
        self.failures
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .remove(login);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_verify_only_against_their_hash() {
        let hash = hash_password("correct horse battery").unwrap();
        assert!(hash.starts_with("$argon2id$"));
        assert!(verify_password("correct horse battery", &hash));
        assert!(!verify_password("wrong horse battery", &hash));
        assert!(!verify_password("x", "not a hash"));
    }

    #[test]
    fn tokens_expire_and_forgeries_fail() {
        let tokens = Tokens::new(
            b"0123456789abcdef0123456789abcdef",
            time::Duration::hours(1),
        );
        let id = Uuid::now_v7();
        let (token, _) = tokens.session(id).unwrap();
        assert_eq!(tokens.check(&token).unwrap().sub, id.to_string());
        let other = Tokens::new(
            b"another secret of thirty-two byt",
            time::Duration::hours(1),
        );
        assert!(other.check(&token).is_err());
        let expired = tokens
            .api(
                id,
                "t",
                OffsetDateTime::now_utc() - time::Duration::minutes(1),
            )
            .unwrap();
        assert!(
            matches!(tokens.check(&expired), Err(ApiError::Unauthorized(m)) if m.contains("expired"))
        );
    }

    #[test]
    fn the_limiter_counts_failures_per_login() {
        let limiter = LoginLimiter::new(3, Duration::from_secs(60));
        for _ in 0..3 {
            limiter.check("jana").unwrap();
            limiter.failed("jana");
        }
        assert!(matches!(
            limiter.check("jana"),
            Err(ApiError::TooManyRequests { .. })
        ));
        limiter.check("petr").unwrap();
        limiter.succeeded("jana");
        limiter.check("jana").unwrap();
    }
}
