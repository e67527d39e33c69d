//! Roles and their scopes: a provider account acts for its providers, a
//! methodologist for a kraj, a social curator for an ORP, a commissioner for
//! a municipality or a kraj; analysts, auditors and administrators are global.

use crate::values::codes::check_code;
use crate::values::Ico;
use serde::{Deserialize, Serialize};

/// A role.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum Role {
    /// Runs the portal.
    Administrator,
    /// Administers its providers' records and vacancies.
    Provider,
    /// Regional methodologist of social prevention (a kraj).
    Methodologist,
    /// Social curator (an ORP).
    SocialCurator,
    /// Commissioner: a municipality or a kraj (plans, grants).
    Commissioner,
    /// Reads statistics over the whole history.
    Analyst,
    /// Reads the full history, read-only.
    Auditor,
}

impl Role {
    /// Those who organise the planning of a territory: its methodologists and commissioners.
    pub const ORGANISERS: [Role; 2] = [Role::Methodologist, Role::Commissioner];
}

/// What a role applies to.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(tag = "kind", content = "code", rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum Scope {
    /// Everything.
    Global,
    /// One provider, by IČO.
    Provider(String),
    /// One kraj, by code.
    Kraj(String),
    /// One ORP, by code.
    Orp(String),
    /// One municipality, by code.
    Municipality(String),
}

/// A role with its scope.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RoleGrant {
    /// The role.
    pub role: Role,
    /// Its scope.
    pub scope: Scope,
}

impl RoleGrant {
    /// Checks that the scope fits the role and its code is well formed.
    ///
    /// # Errors
    /// The field (`role` or `scope`) and the reason.
    pub fn check(&self) -> Result<(), (&'static str, String)> {
        let fits = matches!(
            (&self.role, &self.scope),
            (
                Role::Administrator | Role::Analyst | Role::Auditor,
                Scope::Global
            ) | (Role::Provider, Scope::Provider(_))
                | (Role::Methodologist, Scope::Kraj(_))
                | (Role::SocialCurator, Scope::Orp(_))
                | (Role::Commissioner, Scope::Municipality(_) | Scope::Kraj(_))
        );
        if !fits {
            return Err((
                "scope",
                format!("{:?} does not fit the role {:?}", self.scope, self.role),
            ));
        }
        match &self.scope {
            Scope::Global => Ok(()),
            Scope::Provider(ico) => Ico::parse(ico).map(|_| ()).map_err(|e| ("scope", e)),
            Scope::Kraj(c) | Scope::Orp(c) | Scope::Municipality(c) => {
                check_code(c).map_err(|e| ("scope", e))
            }
        }
    }
}
