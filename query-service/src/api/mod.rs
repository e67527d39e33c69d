//! The read API under `/api/v1`: search of services, details, the vacancy
//! board, map aggregates (JSON and GeoJSON), the supplementary directory, the
//! regional contacts and the open-data exports (CSV, GeoJSON).

pub mod answers;
pub mod content;
pub mod export;
pub mod files;
pub mod forum;
pub mod grants;
pub mod map;
pub mod openapi;
pub mod params;
pub mod plans;
pub mod records;
pub mod search;
pub mod stats;
pub mod surveys;

use crate::indexer::Indexer;
use axum::http::StatusCode;
use axum::Router;
use infra::event_store::LogPosition;
use infra::problem::Problem;
use std::sync::Arc;
use std::time::Duration;

/// The read API's state.
#[derive(Clone)]
pub struct QueryState {
    /// The search index.
    pub indexer: Arc<Indexer>,
    /// The MPSV code lists (names of target and age groups), possibly empty.
    pub codelists: Arc<infra::codelists::CodeLists>,
    /// The statistics store (ClickHouse or embedded), when there is one.
    pub stats: Option<infra::stats::DynStatsStore>,
    /// The forum authors' keys and the account check of the professional section.
    pub forum: Option<forum::ForumAccess>,
    /// Where the web pages' forms send commands (sign-in, reports, answers), when anywhere.
    pub commands: Option<crate::web::Commands>,
    /// The log, to tell a position that no command gave (`after=`) at once.
    pub events: Option<infra::event_store::DynEventStore>,
    /// `PORTAL_PUBLIC_URL`: the portal's address as browsers see it; the
    /// web forms' `Origin` must match its scheme, host and port.
    pub public_url: Option<String>,
    /// The portal's name and operator (`PORTAL_SITE_NAME`, `PORTAL_OPERATOR`, …).
    pub site: Arc<crate::web::Site>,
    /// The files uploaded, when this process serves them.
    pub files: Option<infra::files::DynFileStore>,
    /// The answers of recent searches (`GET /api/v1/services`).
    pub search_cache: Arc<search::SearchCache>,
}

impl QueryState {
    /// The state over an index, with the code lists `codelists`.
    pub fn new(indexer: Arc<Indexer>, codelists: Arc<infra::codelists::CodeLists>) -> Self {
        Self {
            indexer,
            codelists,
            stats: None,
            forum: None,
            commands: None,
            events: None,
            files: None,
            search_cache: Arc::default(),
            site: Arc::default(),
            public_url: std::env::var("PORTAL_PUBLIC_URL")
                .ok()
                .filter(|u| !u.trim().is_empty()),
        }
    }

    /// The same, serving the files of `files`.
    pub fn with_files(mut self, files: infra::files::DynFileStore) -> Self {
        self.files = Some(files);
        self
    }

    /// The same, checking `after=` positions against the log `events`.
    pub fn with_events(mut self, events: infra::event_store::DynEventStore) -> Self {
        self.events = Some(events);
        self
    }

    /// The same, its pages showing `site`'s name and operator.
    pub fn with_site(mut self, site: crate::web::Site) -> Self {
        self.site = Arc::new(site);
        self
    }

    /// The same, sending the web pages' commands to `commands`.
    pub fn with_commands(mut self, commands: crate::web::Commands) -> Self {
        self.commands = Some(commands);
        self
    }

    /// The same, answering statistics from `stats`.
    pub fn with_stats(mut self, stats: infra::stats::DynStatsStore) -> Self {
        self.stats = Some(stats);
        self
    }

    /// The same, opening forum posts with `keys` and admitting accounts to
    /// the professional section with `accounts` (without it the section answers 401).
    pub fn with_forum(
        mut self,
        keys: infra::personal::DynPersonalKeyStore,
        accounts: Option<infra::tokens::AccountCheck>,
    ) -> Self {
        self.forum = Some(forum::ForumAccess { keys, accounts });
        self
    }
}

/// Every read route.
pub fn routes(state: QueryState) -> Router {
    Router::new()
        .merge(search::routes())
        .merge(records::routes())
        .merge(map::routes())
        .merge(export::routes())
        .merge(files::routes())
        .merge(stats::routes())
        .merge(grants::routes())
        .merge(surveys::routes())
        .merge(plans::routes())
        .merge(content::routes())
        .merge(forum::routes())
        .merge(openapi::routes())
        .with_state(state)
}

/// How long a request may wait for its `after` position.
pub const READ_YOUR_WRITES_TIMEOUT: Duration = Duration::from_secs(5);

/// Parses `after=<transaction_id>:<global_position>` (as a command answered them).
///
/// # Errors
/// 422 naming `after`.
pub fn parse_after(value: &str) -> Result<LogPosition, Problem> {
    let (t, p) = value
        .split_once(':')
        .ok_or_else(|| Problem::invalid("after", "must be <transaction_id>:<global_position>"))?;
    let bad = |_| Problem::invalid("after", "must be <transaction_id>:<global_position>");
    Ok(LogPosition {
        transaction_id: t.parse().map_err(bad)?,
        global_position: p.parse().map_err(bad)?,
    })
}

/// Waits for `after` when given: the read models then hold that change.
///
/// # Errors
/// 422 for a malformed position or one that is not in the log (beyond its
/// head: no command gave it), 503 when the read models do not get there in time.
pub async fn wait_after(state: &QueryState, after: Option<&str>) -> Result<(), Problem> {
    let Some(after) = after else { return Ok(()) };
    let position = parse_after(after)?;
    if let Some(events) = &state.events {
        let known = events
            .contains(position)
            .await
            .map_err(|e| Problem::internal(&e))?;
        if !known {
            return Err(Problem::invalid(
                "after",
                "is no change of the log (positions come from the answers of commands)",
            ));
        }
    }
    match state
        .indexer
        .wait_for(position, READ_YOUR_WRITES_TIMEOUT)
        .await
    {
        Ok(true) => Ok(()),
        Ok(false) => Err(Problem::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "not-caught-up",
            "The read models have not reached that change yet",
        )
        .detail(format!(
            "waited {} s for {after}",
            READ_YOUR_WRITES_TIMEOUT.as_secs()
        ))),
        Err(e) => Err(Problem::internal(e.as_ref())),
    }
}
