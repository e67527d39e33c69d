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
    /// Record that the password was changed (the hash lives in the credential store).
    RecordPasswordChange,
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
    /// The password was changed.
    PasswordChanged {},
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
            AccountEvent::PasswordChanged {} => {}
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
                Ok(vec![AccountEvent::PasswordChanged {}])
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
