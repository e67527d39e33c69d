//! The credential store: personal data of accounts (login, e-mail, display
//! name, password hash) kept out of the event log so that it can be erased.
//! Adapters: PostgreSQL and embedded SQLite (with `secure_delete`).

pub mod postgres;
pub mod sqlite;

use uuid::Uuid;

/// An account's private data.
#[derive(Clone, PartialEq, Eq)]
pub struct Credentials {
    /// The account (its stream id).
    pub account_id: Uuid,
    /// Login, stored lower-case; unique.
    pub login: String,
    /// E-mail address.
    pub email: String,
    /// Name shown in the portal.
    pub display_name: String,
    /// Argon2 PHC string.
    pub password_hash: String,
}

impl std::fmt::Debug for Credentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Credentials")
            .field("account_id", &self.account_id)
            .field("login", &self.login)
            .finish_non_exhaustive()
    }
}

/// Why the credential store refused or failed.
#[derive(Debug, thiserror::Error)]
pub enum CredentialError {
    /// The login belongs to another account.
    #[error("the login is taken")]
    LoginTaken,
    /// Storage failure.
    #[error("credential store failure: {0}")]
    Backend(#[source] anyhow::Error),
}

/// The credential store port.
#[async_trait::async_trait]
pub trait CredentialStore: Send + Sync + 'static {
    /// Stores a new account's data.
    ///
    /// # Errors
    /// [`CredentialError::LoginTaken`] when the login (case-insensitive) exists.
    async fn insert(&self, credentials: Credentials) -> Result<(), CredentialError>;

    /// The account with this login (case-insensitive).
    ///
    /// # Errors
    /// Storage failures.
    async fn by_login(&self, login: &str) -> Result<Option<Credentials>, CredentialError>;

    /// The accounts with this e-mail (case-insensitive; an address may serve several).
    ///
    /// # Errors
    /// Storage failures.
    async fn by_email(&self, email: &str) -> Result<Vec<Credentials>, CredentialError>;

    /// The account's data.
    ///
    /// # Errors
    /// Storage failures.
    async fn by_account(&self, account_id: Uuid) -> Result<Option<Credentials>, CredentialError>;

    /// Replaces the password hash; false when the account has no data.
    ///
    /// # Errors
    /// Storage failures.
    async fn set_password_hash(
        &self,
        account_id: Uuid,
        hash: &str,
    ) -> Result<bool, CredentialError>;

    /// Erases the account's data for good (GDPR); false when there was none.
    ///
    /// # Errors
    /// Storage failures.
    async fn erase(&self, account_id: Uuid) -> Result<bool, CredentialError>;
}

/// A shared handle to any credential store.
pub type DynCredentialStore = std::sync::Arc<dyn CredentialStore>;

/// The form logins are stored and compared in.
pub fn normalise_login(login: &str) -> String {
    login.trim().to_lowercase()
}
