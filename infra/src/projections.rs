//! Administration of the projections, as a port: list them with their
//! checkpoint and lag behind the log, rebuild one by name. Implemented by
//! the projection service; used by the command API's administrator routes.

use crate::event_store::LogPosition;
use serde::Serialize;
use std::sync::Arc;

/// Where a projection stands.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ProjectionStatus {
    /// Its name.
    pub name: String,
    /// Its checkpoint (none before its first batch).
    pub checkpoint: Option<LogPosition>,
    /// The head of the log.
    pub head: Option<LogPosition>,
    /// Events of the log after its checkpoint (counted up to 10,000).
    pub lag_events: u64,
    /// Age of the oldest event it has not applied yet, in milliseconds (0 when caught up).
    pub lag_ms: i64,
    /// Details (the active generation of read models, ...).
    pub detail: String,
}

/// Lists and rebuilds projections.
#[async_trait::async_trait]
pub trait ProjectionAdmin: Send + Sync {
    /// Every projection.
    ///
    /// # Errors
    /// Store failures.
    async fn list(&self) -> anyhow::Result<Vec<ProjectionStatus>>;

    /// Rebuilds one from the start of the log; answers what was done.
    /// `Ok(None)` when there is no projection of that name.
    ///
    /// # Errors
    /// Store failures.
    async fn rebuild(&self, name: &str) -> anyhow::Result<Option<String>>;
}

/// A shared administrator of projections.
pub type DynProjectionAdmin = Arc<dyn ProjectionAdmin>;
