//! The projections, administered: the registry read models and the
//! statistics, with their checkpoints and lag; rebuilds by name.

use infra::event_store::{DynEventStore, LogPosition};
use infra::projections::{ProjectionAdmin, ProjectionStatus};
use infra::read_model::DynReadModelStore;
use infra::stats::DynStatsStore;
use infra::territory::Territory;
use std::sync::Arc;
use time::OffsetDateTime;

/// The projections of this installation.
pub struct Admin {
    /// The log.
    pub events: DynEventStore,
    /// The read models.
    pub read_models: DynReadModelStore,
    /// The statistics store, when this process can reach it.
    pub stats: Option<DynStatsStore>,
    /// For the statistics' areas.
    pub territory: Arc<Territory>,
}

const MOST: usize = 10_000;

impl Admin {
    async fn status(
        &self,
        name: &str,
        checkpoint: Option<LogPosition>,
        detail: String,
    ) -> anyhow::Result<ProjectionStatus> {
        let head = self.events.head().await?;
        let after = self
            .events
            .read_all(checkpoint.unwrap_or(LogPosition::START), MOST)
            .await?;
        let lag_ms = after.first().map_or(0, |e| {
            (OffsetDateTime::now_utc() - e.recorded_at).whole_milliseconds() as i64
        });
        Ok(ProjectionStatus {
            name: name.to_string(),
            checkpoint,
            head,
            lag_events: after.len() as u64,
            lag_ms,
            detail,
        })
    }
}

#[async_trait::async_trait]
impl ProjectionAdmin for Admin {
    async fn list(&self) -> anyhow::Result<Vec<ProjectionStatus>> {
        let generation = self.read_models.active_generation().await?;
        let mut all = Vec::new();
        for p in crate::projections() {
            let checkpoint = self.read_models.checkpoint(generation, p.name()).await?;
            all.push(
                self.status(
                    p.name(),
                    checkpoint,
                    format!("read models, generation {generation}"),
                )
                .await?,
            );
        }
        if let Some(stats) = &self.stats {
            let checkpoint = stats.checkpoint(crate::statistics::NAME).await?;
            let detail = format!("{} events processed", checkpoint.map_or(0, |c| c.1));
            all.push(
                self.status(crate::statistics::NAME, checkpoint.map(|c| c.0), detail)
                    .await?,
            );
        }
        Ok(all)
    }

    async fn rebuild(&self, name: &str) -> anyhow::Result<Option<String>> {
        if crate::projections().iter().any(|p| p.name() == name) {
            let generation = crate::rebuild_all(&self.events, &self.read_models).await?;
            return Ok(Some(format!(
                "read models rebuilt; generation {generation} is active"
            )));
        }
        match (&self.stats, name == crate::statistics::NAME) {
            (Some(stats), true) => {
                let n = crate::rebuild_statistics(
                    self.events.clone(),
                    stats.clone(),
                    self.territory.clone(),
                )
                .await?;
                Ok(Some(format!("statistics rebuilt from {n} events")))
            }
            _ => Ok(None),
        }
    }
}
