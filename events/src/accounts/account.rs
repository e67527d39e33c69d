//! An account: created by an administrator (or by a provider's
//! self-registration), granted and revoked roles, issued API tokens for
//! integrations, disabled. Its stream id is a UUID.

use super::role::RoleGrant;
use crate::aggregate::Aggregate;
use crate::error::{required_text, DomainError, Violations};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};
use time::OffsetDateTime;

/// An API token's record (its secret is never stored).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApiToken {
    /// What it is for.
    pub name: String,
    /// When it stops working.
    #[serde(with = "time::serde::rfc3339")]
    pub expires_at: OffsetDateTime,
    /// Revoked before it expired.
    pub revoked: bool,
}

/// The state of an account.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Account {
    /// Created.
    pub exists: bool,
    /// Disabled: it can no longer log in or act.
    pub disabled: bool,
    /// Its person's data was erased (GDPR): only the pseudonymous id remains.
    pub erased: bool,
    /// Its roles.
    pub roles: BTreeSet<RoleGrant>,
    /// API tokens by id.
    pub api_tokens: BTreeMap<String, ApiToken>,
    /// Sessions ended by their logout, by id, with when their token would have expired.
    pub ended_sessions: BTreeMap<String, OffsetDateTime>,
    /// Tokens issued before this moment no longer work (the last password change).
    pub tokens_valid_from: Option<OffsetDateTime>,
    /// Links to set the password (a reset or an invitation) not yet used, by
    /// request id, with when they expire; any password change ends them all.
    pub password_links: BTreeMap<uuid::Uuid, OffsetDateTime>,
}

/// What can be asked of an account.
#[derive(Debug, Clone, PartialEq)]
pub enum AccountCommand {
    /// Create with initial roles.
    Create {
        /// Roles to start with.
        roles: Vec<RoleGrant>,
    },
    /// Grant a role.
    Grant(RoleGrant),
    /// Revoke a role.
    Revoke(RoleGrant),
    /// Record that the password was changed (the hash lives in the credential store):
    /// every token issued before ends.
    RecordPasswordChange,
    /// End one session (a logout): its token no longer works.
    EndSession {
        /// The session's id (its token's `jti`).
        session_id: String,
        /// When its token expires.
        expires_at: OffsetDateTime,
    },
    /// Issue an API token.
    IssueApiToken {
        /// Its id (random, chosen by the caller).
        token_id: String,
        /// What it is for.
        name: String,
        /// When it expires.
        expires_at: OffsetDateTime,
    },
    /// Revoke an API token.
    RevokeApiToken {
        /// Its id.
        token_id: String,
    },
    /// Send a link to set the password: a reset asked for, or the invitation of a new account.
    RequestPasswordLink {
        /// The request's id (random, chosen by the caller; the link's token names it).
        request_id: uuid::Uuid,
        /// When the link stops working.
        expires_at: OffsetDateTime,
        /// An invitation of a new account rather than a reset.
        invitation: bool,
    },
    /// Set the password by a link (its hash lives in the credential store):
    /// the link is used up, and every token issued before ends.
    SetPasswordByLink {
        /// The request the link names.
        request_id: uuid::Uuid,
    },
    /// Disable the account.
    Disable,
    /// Erase its person's data (GDPR); the account is disabled for good.
    Erase,
}

/// What happens to an account.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type")]
pub enum AccountEvent {
    /// Created.
    AccountCreated {
        /// Initial roles.
        roles: Vec<RoleGrant>,
    },
    /// A role granted.
    RoleGranted {
        /// The grant.
        grant: RoleGrant,
    },
    /// A role revoked.
    RoleRevoked {
        /// The grant.
        grant: RoleGrant,
    },
    /// The password was changed; tokens issued before no longer work.
    PasswordChanged {
        /// When (absent in events recorded before sessions could be ended).
        #[serde(
            default,
            with = "time::serde::rfc3339::option",
            skip_serializing_if = "Option::is_none"
        )]
        at: Option<OffsetDateTime>,
    },
    /// A session was ended by its logout.
    SessionEnded {
        /// The session's id.
        session_id: String,
        /// When its token would have expired.
        #[serde(with = "time::serde::rfc3339")]
        expires_at: OffsetDateTime,
    },
    /// An API token was issued.
    ApiTokenIssued {
        /// Its id.
        token_id: String,
        /// What it is for.
        name: String,
        /// When it expires.
        #[serde(with = "time::serde::rfc3339")]
        expires_at: OffsetDateTime,
    },
    /// An API token was revoked.
    ApiTokenRevoked {
        /// Its id.
        token_id: String,
    },
    /// A link to set the password was asked for (its token is never recorded).
    PasswordLinkRequested {
        /// The request's id.
        request_id: uuid::Uuid,
        /// When the link stops working.
        #[serde(with = "time::serde::rfc3339")]
        expires_at: OffsetDateTime,
        /// The invitation of a new account rather than a reset.
        #[serde(default)]
        invitation: bool,
    },
    /// Disabled.
    AccountDisabled {},
    /// The person's data was erased (it lived outside the log: the
    /// credential store deletes it; the log keeps the pseudonymous id).
    AccountErased {},
}

fn check_grant(grant: &RoleGrant, field: &str, v: &mut Violations) {
    if let Err((part, reason)) = grant.check() {
        v.add(format!("{field}.{part}"), reason);
    }
}

impl Account {
    fn live(&self) -> Result<(), DomainError> {
        if !self.exists {
            return Err(DomainError::NotFound("the account".into()));
        }
        if self.disabled {
            return Err(DomainError::Rejected("the account is disabled".into()));
        }
        Ok(())
    }

    /// Whether a token issued at `issued_at` (for a session: with the id
    /// `session_id`) was not ended by a logout or a later password change.
    pub fn token_current(&self, session_id: Option<&str>, issued_at: OffsetDateTime) -> bool {
        self.tokens_valid_from.is_none_or(|from| issued_at >= from)
            && session_id.is_none_or(|id| !self.ended_sessions.contains_key(id))
    }

    /// Whether the account reaches the forum's professional section: it holds
    /// a role an administrator granted (any but a provider's), or acts for a
    /// provider that an administrator verified (`verified(ico)`); a provider's
    /// self-registered account waits for the verification.
    pub fn reaches_professional_section(&self, verified: impl Fn(&str) -> bool) -> bool {
        self.roles.iter().any(|g| match &g.scope {
            super::role::Scope::Provider(ico) if g.role == super::role::Role::Provider => {
                verified(ico)
            }
            _ => true,
        })
    }

    /// Whether an API token is usable at `now`.
    pub fn token_valid(&self, token_id: &str, now: OffsetDateTime) -> bool {
        self.api_tokens
            .get(token_id)
            .is_some_and(|t| !t.revoked && t.expires_at > now)
    }
}

impl Aggregate for Account {
    const STREAM_TYPE: &'static str = "account";
    type Command = AccountCommand;
    type Event = AccountEvent;

    fn apply(&mut self, event: &AccountEvent) {
        match event {
            AccountEvent::AccountCreated { roles } => {
                self.exists = true;
                self.roles = roles.iter().cloned().collect();
            }
            AccountEvent::RoleGranted { grant } => {
                self.roles.insert(grant.clone());
            }
            AccountEvent::RoleRevoked { grant } => {
                self.roles.remove(grant);
            }
            AccountEvent::PasswordChanged { at } => {
                if at.is_some() {
                    self.tokens_valid_from = *at;
                }
                self.password_links.clear();
            }
            AccountEvent::PasswordLinkRequested {
                request_id,
                expires_at,
                ..
            } => {
                // Links live hours or days: expired ones need no memory.
                let horizon = *expires_at - time::Duration::days(31);
                self.password_links.retain(|_, e| *e > horizon);
                self.password_links.insert(*request_id, *expires_at);
            }
            AccountEvent::SessionEnded {
                session_id,
                expires_at,
            } => {
                // Sessions live far less than a month: older ends need no memory.
                let horizon = *expires_at - time::Duration::days(31);
                self.ended_sessions.retain(|_, e| *e > horizon);
                self.ended_sessions.insert(session_id.clone(), *expires_at);
            }
            AccountEvent::ApiTokenIssued {
                token_id,
                name,
                expires_at,
            } => {
                self.api_tokens.insert(
                    token_id.clone(),
                    ApiToken {
                        name: name.clone(),
                        expires_at: *expires_at,
                        revoked: false,
                    },
                );
            }
            AccountEvent::ApiTokenRevoked { token_id } => {
                if let Some(t) = self.api_tokens.get_mut(token_id) {
                    t.revoked = true;
                }
            }
            AccountEvent::AccountDisabled {} => self.disabled = true,
            AccountEvent::AccountErased {} => {
                self.disabled = true;
                self.erased = true;
            }
        }
    }

    fn decide(
        &self,
        command: &AccountCommand,
        now: OffsetDateTime,
    ) -> Result<Vec<AccountEvent>, DomainError> {
        match command {
            AccountCommand::Create { roles } => {
                if self.exists {
                    return Err(DomainError::AlreadyExists("the account".into()));
                }
                let mut v = Violations::new();
                for (i, g) in roles.iter().enumerate() {
                    check_grant(g, &format!("roles[{i}]"), &mut v);
                }
                v.finish()?;
                let mut roles = roles.clone();
                roles.sort();
                roles.dedup();
                Ok(vec![AccountEvent::AccountCreated { roles }])
            }
            AccountCommand::Grant(grant) => {
                self.live()?;
                let mut v = Violations::new();
                check_grant(grant, "grant", &mut v);
                v.finish()?;
                if self.roles.contains(grant) {
                    return Ok(vec![]);
                }
                Ok(vec![AccountEvent::RoleGranted {
                    grant: grant.clone(),
                }])
            }
            AccountCommand::Revoke(grant) => {
                self.live()?;
                if !self.roles.contains(grant) {
                    return Ok(vec![]);
                }
                Ok(vec![AccountEvent::RoleRevoked {
                    grant: grant.clone(),
                }])
            }
            AccountCommand::RecordPasswordChange => {
                self.live()?;
                Ok(vec![AccountEvent::PasswordChanged { at: Some(now) }])
            }
            AccountCommand::EndSession {
                session_id,
                expires_at,
            } => {
                self.live()?;
                if self.ended_sessions.contains_key(session_id) || *expires_at <= now {
                    return Ok(vec![]);
                }
                Ok(vec![AccountEvent::SessionEnded {
                    session_id: session_id.clone(),
                    expires_at: *expires_at,
                }])
            }
            AccountCommand::IssueApiToken {
                token_id,
                name,
                expires_at,
            } => {
                self.live()?;
                let mut v = Violations::new();
                v.check("name", required_text(name, 100));
                if *expires_at <= now {
                    v.add("expires_at", "must be in the future");
                } else if *expires_at > now + time::Duration::days(731) {
                    v.add("expires_at", "must be within two years");
                }
                if self.api_tokens.contains_key(token_id) {
                    v.add("token_id", "is already used");
                }
                v.finish()?;
                Ok(vec![AccountEvent::ApiTokenIssued {
                    token_id: token_id.clone(),
                    name: name.trim().to_string(),
                    expires_at: *expires_at,
                }])
            }
            AccountCommand::RevokeApiToken { token_id } => {
                self.live()?;
                match self.api_tokens.get(token_id) {
                    None => Err(DomainError::NotFound(format!("the API token {token_id}"))),
                    Some(t) if t.revoked => Ok(vec![]),
                    Some(_) => Ok(vec![AccountEvent::ApiTokenRevoked {
                        token_id: token_id.clone(),
                    }]),
                }
            }
            AccountCommand::RequestPasswordLink {
                request_id,
                expires_at,
                invitation,
            } => {
                self.live()?;
                if *expires_at <= now {
                    return Err(DomainError::Invalid(vec![crate::error::FieldError {
                        field: "expires_at".into(),
                        reason: "must be in the future".into(),
                    }]));
                }
                if self.password_links.contains_key(request_id) {
                    return Ok(vec![]);
                }
                Ok(vec![AccountEvent::PasswordLinkRequested {
                    request_id: *request_id,
                    expires_at: *expires_at,
                    invitation: *invitation,
                }])
            }
            AccountCommand::SetPasswordByLink { request_id } => {
                self.live()?;
                match self.password_links.get(request_id) {
                    Some(expires_at) if *expires_at > now => {
                        Ok(vec![AccountEvent::PasswordChanged { at: Some(now) }])
                    }
                    _ => Err(DomainError::Rejected(
                        "the link is not valid: it was used, it expired, or a newer password was set"
                            .into(),
                    )),
                }
            }
            AccountCommand::Disable => {
                self.live()?;
                Ok(vec![AccountEvent::AccountDisabled {}])
            }
            AccountCommand::Erase => {
                if !self.exists {
                    return Err(DomainError::NotFound("the account".into()));
                }
                if self.erased {
                    return Ok(vec![]);
                }
                Ok(vec![AccountEvent::AccountErased {}])
            }
        }
    }
}
