//! Credentials in PostgreSQL, in the service's schema.

use super::{normalise_login, CredentialError, CredentialStore, Credentials};
use crate::postgres::{migrate, Migration};
use deadpool_postgres::Pool;
use tokio_postgres::error::SqlState;
use uuid::Uuid;

const MIGRATIONS: &[Migration] = &[Migration {
    version: 1,
    name: "account_credentials",
    sql: "CREATE TABLE account_credentials (
        account_id    uuid PRIMARY KEY,
        login         text NOT NULL UNIQUE,
        email         text NOT NULL,
        display_name  text NOT NULL,
        password_hash text NOT NULL,
        created_at    timestamptz NOT NULL DEFAULT now(),
        updated_at    timestamptz NOT NULL DEFAULT now())",
}];

/// The credential store on PostgreSQL.
pub struct PostgresCredentialStore {
    pool: Pool,
}

impl PostgresCredentialStore {
    /// Applies the migrations on `pool`'s schema.
    ///
    /// # Errors
    /// When a migration fails.
    pub async fn new(pool: Pool) -> anyhow::Result<Self> {
        migrate(&pool, "credentials", MIGRATIONS).await?;
        Ok(Self { pool })
    }

    async fn client(&self) -> Result<deadpool_postgres::Object, CredentialError> {
        self.pool
            .get()
            .await
            .map_err(|e| CredentialError::Backend(e.into()))
    }
}

fn backend(e: tokio_postgres::Error) -> CredentialError {
    CredentialError::Backend(e.into())
}

fn row(r: &tokio_postgres::Row) -> Credentials {
    Credentials {
        account_id: r.get(0),
        login: r.get(1),
        email: r.get(2),
        display_name: r.get(3),
        password_hash: r.get(4),
    }
}

const COLUMNS: &str = "account_id, login, email, display_name, password_hash";

#[async_trait::async_trait]
impl CredentialStore for PostgresCredentialStore {
    async fn insert(&self, c: Credentials) -> Result<(), CredentialError> {
        let client = self.client().await?;
        let result = client
            .execute(
                "INSERT INTO account_credentials (account_id, login, email, display_name, password_hash) \
                 VALUES ($1, $2, $3, $4, $5)",
                &[&c.account_id, &normalise_login(&c.login), &c.email, &c.display_name, &c.password_hash],
            )
            .await;
        match result {
            Ok(_) => Ok(()),
            Err(e) if e.code() == Some(&SqlState::UNIQUE_VIOLATION) => {
                Err(CredentialError::LoginTaken)
            }
            Err(e) => Err(backend(e)),
        }
    }

    async fn by_login(&self, login: &str) -> Result<Option<Credentials>, CredentialError> {
        let client = self.client().await?;
        let r = client
            .query_opt(
                &format!("SELECT {COLUMNS} FROM account_credentials WHERE login = $1"),
                &[&normalise_login(login)],
            )
            .await
            .map_err(backend)?;
        Ok(r.as_ref().map(row))
    }

    async fn by_email(&self, email: &str) -> Result<Vec<Credentials>, CredentialError> {
        let client = self.client().await?;
        let rows = client
            .query(
                &format!("SELECT {COLUMNS} FROM account_credentials WHERE lower(email) = $1"),
                &[&email.trim().to_lowercase()],
            )
            .await
            .map_err(backend)?;
        Ok(rows.iter().map(row).collect())
    }

    async fn by_account(&self, account_id: Uuid) -> Result<Option<Credentials>, CredentialError> {
        let client = self.client().await?;
        let r = client
            .query_opt(
                &format!("SELECT {COLUMNS} FROM account_credentials WHERE account_id = $1"),
                &[&account_id],
            )
            .await
            .map_err(backend)?;
        Ok(r.as_ref().map(row))
    }

    async fn set_password_hash(
        &self,
        account_id: Uuid,
        hash: &str,
    ) -> Result<bool, CredentialError> {
        let client = self.client().await?;
        let n = client
            .execute(
                "UPDATE account_credentials SET password_hash = $2, updated_at = now() WHERE account_id = $1",
                &[&account_id, &hash],
            )
            .await
            .map_err(backend)?;
        Ok(n == 1)
    }

    async fn erase(&self, account_id: Uuid) -> Result<bool, CredentialError> {
        let client = self.client().await?;
        let n = client
            .execute(
                "DELETE FROM account_credentials WHERE account_id = $1",
                &[&account_id],
            )
            .await
            .map_err(backend)?;
        crate::postgres::vacuum(&client, "account_credentials").await;
        Ok(n == 1)
    }
}
