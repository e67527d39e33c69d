//! ClickHouse connection for the statistics store: a client bound to the
//! project's database (created when missing), schema checks off because
//! ClickHouse 18.16 lacks what they need.

use crate::settings::ClickHouseSettings;
use anyhow::Context;

fn base_client(settings: &ClickHouseSettings) -> clickhouse::Client {
    clickhouse::Client::default()
        .with_url(&settings.url)
        .with_user(&settings.user)
        .with_password(&settings.password)
        // ClickHouse 18.16 cannot describe row types the way the crate's validation expects.
        .with_validation(false)
}

/// Connects, creates the database when missing and returns a client bound to it.
///
/// # Errors
/// When the server cannot be reached or refuses the statements.
pub async fn connect(settings: &ClickHouseSettings) -> anyhow::Result<clickhouse::Client> {
    check_database_name(&settings.database)?;
    let client = base_client(settings);
    ping(&client)
        .await
        .with_context(|| format!("cannot reach ClickHouse at {}", settings.url))?;
    client
        .query(&format!(
            "CREATE DATABASE IF NOT EXISTS {}",
            settings.database
        ))
        .execute()
        .await
        .context("cannot create the ClickHouse database")?;
    Ok(client.with_database(&settings.database))
}

/// Checks that ClickHouse answers a query.
///
/// # Errors
/// When it does not.
pub async fn ping(client: &clickhouse::Client) -> anyhow::Result<()> {
    let one: u8 = client.query("SELECT toUInt8(1)").fetch_one().await?;
    anyhow::ensure!(one == 1, "ClickHouse answered {one} to SELECT 1");
    Ok(())
}

/// A database name usable unquoted.
///
/// # Errors
/// When it is not letters, digits and underscores starting with a letter.
pub fn check_database_name(name: &str) -> anyhow::Result<()> {
    let ok = name.len() <= 63
        && name.starts_with(|c: char| c.is_ascii_alphabetic())
        && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
    anyhow::ensure!(
        ok,
        "ClickHouse database name {name:?} must be letters, digits or underscores"
    );
    Ok(())
}
