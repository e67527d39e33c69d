//! NATS JetStream connection: connect with a clear error, check liveness.
//! The bus adapter that publishes and consumes events builds on this.

use crate::settings::NatsSettings;
use anyhow::Context;
use std::time::Duration;

/// Connects to NATS and checks that JetStream answers.
///
/// # Errors
/// When the server cannot be reached or has no JetStream.
pub async fn connect(settings: &NatsSettings) -> anyhow::Result<async_nats::Client> {
    let client = async_nats::ConnectOptions::new()
        .connection_timeout(Duration::from_secs(5))
        .name("portal")
        .connect(settings.url.as_str())
        .await
        .with_context(|| format!("cannot connect to NATS at {}", settings.url))?;
    // A raw request: the typed account query of async-nats expects fields newer servers add.
    let reply = tokio::time::timeout(
        Duration::from_secs(5),
        client.request("$JS.API.INFO", bytes::Bytes::new()),
    )
    .await
    .with_context(|| {
        format!(
            "NATS at {} does not answer JetStream requests",
            settings.url
        )
    })?
    .with_context(|| {
        format!(
            "NATS at {} does not answer JetStream requests",
            settings.url
        )
    })?;
    let info: serde_json::Value = serde_json::from_slice(&reply.payload)
        .context("JetStream answered something that is not JSON")?;
    if let Some(error) = info.get("error") {
        anyhow::bail!("JetStream is not enabled on {}: {error}", settings.url);
    }
    Ok(client)
}

/// Checks that the connection is up (a round trip to the server).
///
/// # Errors
/// When the server does not answer within two seconds.
pub async fn ping(client: &async_nats::Client) -> anyhow::Result<()> {
    tokio::time::timeout(Duration::from_secs(2), client.flush())
        .await
        .context("NATS did not answer in time")?
        .context("NATS flush failed")?;
    Ok(())
}
