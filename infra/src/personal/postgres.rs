//! Personal keys in PostgreSQL, in the service's schema. An erased person's
//! row keeps no key (the old tuple goes at the next VACUUM).

use super::{PersonKey, PersonalKeyError, PersonalKeyStore};
use crate::postgres::{migrate, Migration};
use deadpool_postgres::Pool;
use std::collections::HashMap;
use uuid::Uuid;

const MIGRATIONS: &[Migration] = &[Migration {
    version: 1,
    name: "personal_keys",
    sql: "CREATE TABLE personal_keys (
        person     uuid PRIMARY KEY,
        key        bytea,
        created_at timestamptz NOT NULL DEFAULT now(),
        erased_at  timestamptz)",
}];

/// The personal key store on PostgreSQL.
pub struct PostgresPersonalKeyStore {
    pool: Pool,
}

impl PostgresPersonalKeyStore {
    /// Applies the migrations on `pool`'s schema.
    ///
    /// # Errors
    /// When a migration fails.
    pub async fn new(pool: Pool) -> anyhow::Result<Self> {
        migrate(&pool, "personal_keys", MIGRATIONS).await?;
        Ok(Self { pool })
    }

    async fn client(&self) -> Result<deadpool_postgres::Object, PersonalKeyError> {
        self.pool
            .get()
            .await
            .map_err(|e| PersonalKeyError(e.into()))
    }
}

fn backend(e: tokio_postgres::Error) -> PersonalKeyError {
    PersonalKeyError(e.into())
}

#[async_trait::async_trait]
impl PersonalKeyStore for PostgresPersonalKeyStore {
    async fn key_for_writing(&self, person: Uuid) -> Result<Option<PersonKey>, PersonalKeyError> {
        let client = self.client().await?;
        let fresh = PersonKey::generate();
        client
            .execute(
                "INSERT INTO personal_keys (person, key) VALUES ($1, $2) ON CONFLICT (person) DO NOTHING",
                &[&person, &fresh.as_bytes()],
            )
            .await
            .map_err(backend)?;
        let row = client
            .query_one(
                "SELECT key FROM personal_keys WHERE person = $1",
                &[&person],
            )
            .await
            .map_err(backend)?;
        let key: Option<Vec<u8>> = row.get(0);
        Ok(key.as_deref().and_then(PersonKey::from_slice))
    }

    async fn keys(&self, persons: &[Uuid]) -> Result<HashMap<Uuid, PersonKey>, PersonalKeyError> {
        if persons.is_empty() {
            return Ok(HashMap::new());
        }
        let client = self.client().await?;
        let rows = client
            .query(
                "SELECT person, key FROM personal_keys WHERE person = ANY($1) AND key IS NOT NULL",
                &[&persons],
            )
            .await
            .map_err(backend)?;
        Ok(rows
            .iter()
            .filter_map(|r| {
                let key: Vec<u8> = r.get(1);
                PersonKey::from_slice(&key).map(|k| (r.get(0), k))
            })
            .collect())
    }

    async fn erase(&self, person: Uuid) -> Result<bool, PersonalKeyError> {
        let client = self.client().await?;
        // `had` reads the row as it was before the upsert (one snapshot per statement).
        let row = client
            .query_one(
                "WITH had AS (SELECT key IS NOT NULL AS had FROM personal_keys WHERE person = $1), \
                      tomb AS (INSERT INTO personal_keys (person, key, erased_at) VALUES ($1, NULL, now()) \
                               ON CONFLICT (person) DO UPDATE \
                               SET key = NULL, erased_at = COALESCE(personal_keys.erased_at, now())) \
                 SELECT COALESCE((SELECT had FROM had), false)",
                &[&person],
            )
            .await
            .map_err(backend)?;
        crate::postgres::vacuum(&client, "personal_keys").await;
        Ok(row.get(0))
    }
}
