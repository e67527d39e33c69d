//! Credentials in an embedded SQLite file of their own, with
//! `secure_delete` and a checkpoint after each erasure, so that erased data
//! is overwritten on disk and left in no `-wal`.

use super::{normalise_login, CredentialError, CredentialStore, Credentials};
use rusqlite::{params, Connection, OptionalExtension};
use std::path::Path;
use std::sync::{Arc, Mutex};
use uuid::Uuid;

/// The credential store in SQLite.
pub struct SqliteCredentialStore {
    conn: Arc<Mutex<Connection>>,
}

impl SqliteCredentialStore {
    /// Opens (creating when missing) the store in `path`.
    ///
    /// # Errors
    /// When the file cannot be opened or created.
    pub fn open(path: impl AsRef<Path>) -> anyhow::Result<Self> {
        let conn = crate::sqlite::open(path.as_ref(), crate::sqlite::Durability::Full)?;
        conn.pragma_update(None, "secure_delete", "ON")?;
        conn.execute_batch(
            "CREATE TABLE IF NOT EXISTS account_credentials (
                account_id    BLOB PRIMARY KEY,
                login         TEXT NOT NULL UNIQUE,
                email         TEXT NOT NULL,
                display_name  TEXT NOT NULL,
                password_hash TEXT NOT NULL)",
        )?;
        Ok(Self {
            conn: Arc::new(Mutex::new(conn)),
        })
    }

    async fn run<T: Send + 'static>(
        &self,
        f: impl FnOnce(&Connection) -> rusqlite::Result<T> + Send + 'static,
    ) -> Result<T, rusqlite::Error> {
        let conn = self.conn.clone();
        tokio::task::spawn_blocking(move || f(&conn.lock().unwrap_or_else(|p| p.into_inner())))
            .await
            .unwrap_or(Err(rusqlite::Error::InvalidQuery))
    }
}

fn backend(e: rusqlite::Error) -> CredentialError {
    CredentialError::Backend(e.into())
}

fn row(r: &rusqlite::Row<'_>) -> rusqlite::Result<Credentials> {
    let id: Vec<u8> = r.get(0)?;
    Ok(Credentials {
        account_id: Uuid::from_slice(&id).unwrap_or_default(),
        login: r.get(1)?,
        email: r.get(2)?,
        display_name: r.get(3)?,
        password_hash: r.get(4)?,
    })
}

const SELECT: &str =
    "SELECT account_id, login, email, display_name, password_hash FROM account_credentials";

#[async_trait::async_trait]
impl CredentialStore for SqliteCredentialStore {
    async fn insert(&self, c: Credentials) -> Result<(), CredentialError> {
        let result = self
            .run(move |conn| {
                conn.execute(
                    "INSERT INTO account_credentials (account_id, login, email, display_name, password_hash) \
                     VALUES (?1, ?2, ?3, ?4, ?5)",
                    params![
                        c.account_id.as_bytes().as_slice(),
                        normalise_login(&c.login),
                        c.email,
                        c.display_name,
                        c.password_hash
                    ],
                )
            })
            .await;
        match result {
            Ok(_) => Ok(()),
            Err(e) if e.sqlite_error_code() == Some(rusqlite::ErrorCode::ConstraintViolation) => {
                Err(CredentialError::LoginTaken)
            }
            Err(e) => Err(backend(e)),
        }
    }

    async fn by_login(&self, login: &str) -> Result<Option<Credentials>, CredentialError> {
        let login = normalise_login(login);
        self.run(move |conn| {
            conn.query_row(&format!("{SELECT} WHERE login = ?1"), [login], row)
                .optional()
        })
        .await
        .map_err(backend)
    }

    async fn by_email(&self, email: &str) -> Result<Vec<Credentials>, CredentialError> {
        let email = email.trim().to_lowercase();
        self.run(move |conn| {
            let mut stmt = conn.prepare(&format!("{SELECT} WHERE lower(email) = ?1"))?;
            let rows = stmt.query_map([email], row)?;
            rows.collect()
        })
        .await
        .map_err(backend)
    }

    async fn by_account(&self, account_id: Uuid) -> Result<Option<Credentials>, CredentialError> {
        self.run(move |conn| {
            conn.query_row(
                &format!("{SELECT} WHERE account_id = ?1"),
                [account_id.as_bytes().as_slice()],
                row,
            )
            .optional()
        })
        .await
        .map_err(backend)
    }

    async fn set_password_hash(
        &self,
        account_id: Uuid,
        hash: &str,
    ) -> Result<bool, CredentialError> {
        let hash = hash.to_string();
        self.run(move |conn| {
            conn.execute(
                "UPDATE account_credentials SET password_hash = ?2 WHERE account_id = ?1",
                params![account_id.as_bytes().as_slice(), hash],
            )
        })
        .await
        .map(|n| n == 1)
        .map_err(backend)
    }

    async fn erase(&self, account_id: Uuid) -> Result<bool, CredentialError> {
        self.run(move |conn| {
            let n = conn.execute(
                "DELETE FROM account_credentials WHERE account_id = ?1",
                [account_id.as_bytes().as_slice()],
            )?;
            crate::sqlite::checkpoint_truncate(conn)?;
            Ok(n)
        })
        .await
        .map(|n| n == 1)
        .map_err(backend)
    }
}
