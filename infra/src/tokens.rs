//! Signed expiring tokens (HS256 JWT): session tokens from login, API
//! tokens for integrations (revocable: their id is recorded on the account).
//! Issued by the command service; checked by every service that serves
//! something to accounts only (the key is shared, `PORTAL_JWT_SECRET`).

use events::accounts::Account;
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use uuid::Uuid;

/// Why a request's token is refused (each a 401).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TokenError {
    /// No `Authorization` header.
    #[error("send Authorization: Bearer <token> (POST /api/v1/auth/login)")]
    Missing,
    /// Another scheme than Bearer.
    #[error("the Authorization scheme must be Bearer")]
    Scheme,
    /// Expired.
    #[error("the token has expired; log in again")]
    Expired,
    /// Forged, malformed or signed with another key.
    #[error("the token is not valid")]
    Invalid,
    /// The account is disabled or erased.
    #[error("the account is disabled or gone")]
    AccountGone,
    /// An API token that was revoked or has expired on the account.
    #[error("the API token was revoked or has expired")]
    Revoked,
    /// Ended by a logout or a later password change.
    #[error("the session has ended (logout or password change); log in again")]
    Ended,
}

/// The token of an `Authorization` header.
///
/// # Errors
/// [`TokenError::Missing`] or [`TokenError::Scheme`].
pub fn bearer(header: Option<&str>) -> Result<&str, TokenError> {
    let header = header.ok_or(TokenError::Missing)?;
    // The scheme is case-insensitive (RFC 9110 §11.1).
    match header.split_once(' ') {
        Some((scheme, token)) if scheme.eq_ignore_ascii_case("bearer") => Ok(token.trim()),
        _ => Err(TokenError::Scheme),
    }
}

impl Claims {
    /// The account the token is for.
    ///
    /// # Errors
    /// [`TokenError::Invalid`] when the subject is not an account id.
    pub fn account_id(&self) -> Result<Uuid, TokenError> {
        Uuid::parse_str(&self.sub).map_err(|_| TokenError::Invalid)
    }

    /// Whether the account (as its stream says now) still honours the token.
    ///
    /// # Errors
    /// [`TokenError::AccountGone`] or [`TokenError::Revoked`].
    pub fn admitted_by(&self, account: &Account, now: OffsetDateTime) -> Result<(), TokenError> {
        if !account.exists || account.disabled {
            return Err(TokenError::AccountGone);
        }
        if self.kind == TokenKind::Api
            && !account.token_valid(self.jti.as_deref().unwrap_or_default(), now)
        {
            return Err(TokenError::Revoked);
        }
        let session = (self.kind == TokenKind::Session)
            .then_some(self.jti.as_deref())
            .flatten();
        if !account.token_current(session, self.issued_at()) {
            return Err(TokenError::Ended);
        }
        Ok(())
    }

    /// When the token was issued (to the millisecond when it says so).
    pub fn issued_at(&self) -> OffsetDateTime {
        let ms = self.iat_ms.unwrap_or(self.iat.saturating_mul(1000));
        OffsetDateTime::from_unix_timestamp_nanos(i128::from(ms) * 1_000_000)
            .unwrap_or(OffsetDateTime::UNIX_EPOCH)
    }
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

/// What a token says.
#[derive(Debug, Serialize, Deserialize)]
pub struct Claims {
    /// The account.
    pub sub: String,
    /// Session or API token.
    pub kind: TokenKind,
    /// An API token's id (recorded on the account).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub jti: Option<String>,
    /// Issued at (Unix seconds).
    pub iat: i64,
    /// Issued at, in milliseconds since the epoch (a password change ends earlier tokens).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub iat_ms: Option<i64>,
    /// Expires at (Unix seconds).
    pub exp: i64,
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
            jti: Some(Uuid::now_v7().simple().to_string()),
            iat: now.unix_timestamp(),
            iat_ms: Some(unix_ms(now)),
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
            iat_ms: Some(unix_ms(OffsetDateTime::now_utc())),
            exp: expires_at.unix_timestamp(),
        })
    }

    /// The claims of a token signed with this key and not expired.
    ///
    /// # Errors
    /// [`TokenError::Expired`] or [`TokenError::Invalid`].
    pub fn check(&self, token: &str) -> Result<Claims, TokenError> {
        let mut validation = Validation::new(Algorithm::HS256);
        validation.leeway = 0;
        validation.set_required_spec_claims(&["exp", "sub"]);
        jsonwebtoken::decode::<Claims>(token, &self.decoding, &validation)
            .map(|d| d.claims)
            .map_err(|e| match e.kind() {
                jsonwebtoken::errors::ErrorKind::ExpiredSignature => TokenError::Expired,
                _ => TokenError::Invalid,
            })
    }
}

fn unix_ms(t: OffsetDateTime) -> i64 {
    i64::try_from(t.unix_timestamp_nanos() / 1_000_000).unwrap_or(i64::MAX)
}

/// Checks the accounts behind tokens for a service that serves something to
/// accounts only: the signature and expiry, then the account's stream (so a
/// disabled account, a revoked API token or an ended session stops working at once).
#[derive(Clone)]
pub struct AccountCheck {
    /// The log, for the account's stream.
    pub store: crate::event_store::DynEventStore,
    /// The shared token key.
    pub tokens: std::sync::Arc<Tokens>,
}

/// Why an account check failed: the token, or the store.
#[derive(Debug, thiserror::Error)]
pub enum CheckError {
    /// The token or the account refused it.
    #[error(transparent)]
    Token(#[from] TokenError),
    /// The event store failed.
    #[error(transparent)]
    Store(#[from] crate::event_store::StoreError),
}

impl AccountCheck {
    /// The account of an `Authorization` header, when it is admitted now.
    ///
    /// # Errors
    /// [`CheckError::Token`] for a refused token, [`CheckError::Store`] when the log cannot be read.
    pub async fn account(&self, authorization: Option<&str>) -> Result<Uuid, CheckError> {
        Ok(self.admitted(authorization).await?.0)
    }

    /// The account of an `Authorization` header and its state (roles), when it is admitted now.
    ///
    /// # Errors
    /// As [`AccountCheck::account`].
    pub async fn admitted(
        &self,
        authorization: Option<&str>,
    ) -> Result<(Uuid, Account), CheckError> {
        use events::Aggregate;
        let claims = self.tokens.check(bearer(authorization)?)?;
        let account_id = claims.account_id()?;
        let stream = events::StreamRef::new(Account::STREAM_TYPE, account_id.to_string());
        let mut account = Account::default();
        let mut from = 1;
        loop {
            let page = self.store.read_stream(&stream, from, 1000).await?;
            for e in &page {
                let event = events::aggregate::from_recorded(e).map_err(|_| TokenError::Invalid)?;
                account.apply(&event);
                from = e.stream_version + 1;
            }
            if page.len() < 1000 {
                break;
            }
        }
        claims.admitted_by(&account, OffsetDateTime::now_utc())?;
        Ok((account_id, account))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
        assert!(matches!(tokens.check(&expired), Err(TokenError::Expired)));
    }

    #[test]
    fn the_bearer_scheme_is_required() {
        assert_eq!(bearer(None), Err(TokenError::Missing));
        assert_eq!(bearer(Some("Basic abc")), Err(TokenError::Scheme));
        assert_eq!(bearer(Some("Bearer  abc ")), Ok("abc"));
    }
}
