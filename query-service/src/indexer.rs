//! Keeps the search index current: follows the read models' change feed
//! (documents changed after the last sequence number seen), starts afresh
//! when a rebuild switched generations, and lets a request wait until the
//! read models have reached a log position (read-your-writes).

use crate::index::Index;
use infra::event_store::LogPosition;
use infra::read_model::DynReadModelStore;
use infra::shutdown::Shutdown;
use infra::territory::Territory;
use read_models::content::{AWARDS, CALENDAR, DOCUMENTS, JOBS, LINKS, NEWS};
use read_models::forum::FORUM_THREADS;
use read_models::grants::{GRANT_APPLICATIONS, GRANT_CALLS};
use read_models::plans::{GROUPS, PLANS};
use read_models::registry::{DIRECTORY, NEED_NORMS, PROVIDERS, REGIONAL_CONTACTS, SERVICES};
use read_models::surveys::{SURVEYS, SURVEY_RESPONSES};
use std::sync::{Arc, RwLock, RwLockReadGuard};
use std::time::{Duration, Instant};

/// Documents read per round trip.
const PAGE: usize = 2000;
/// How often the feed is polled when nobody waits.
const POLL: Duration = Duration::from_millis(50);

/// Every collection the index follows.
const COLLECTIONS: &[&str] = &[
    PROVIDERS,
    SERVICES,
    DIRECTORY,
    REGIONAL_CONTACTS,
    NEED_NORMS,
    GRANT_CALLS,
    GRANT_APPLICATIONS,
    SURVEYS,
    SURVEY_RESPONSES,
    PLANS,
    NEWS,
    CALENDAR,
    JOBS,
    GROUPS,
    DOCUMENTS,
    LINKS,
    AWARDS,
    FORUM_THREADS,
];

/// Where the index is in the read models' change feed.
#[derive(Default)]
struct Feed {
    generation: i64,
    seq: i64,
}

/// The index and its feed.
pub struct Indexer {
    read_models: DynReadModelStore,
    territory: Arc<Territory>,
    index: RwLock<Index>,
    feed: tokio::sync::Mutex<Feed>,
}

impl Indexer {
    /// An empty index; call [`Self::refresh`] to fill it.
    pub fn new(read_models: DynReadModelStore, territory: Arc<Territory>) -> Self {
        Self {
            read_models,
            index: RwLock::new(Index::new(territory.clone())),
            territory,
            feed: tokio::sync::Mutex::new(Feed::default()),
        }
    }

    /// The index, for reading.
    pub fn read(&self) -> RwLockReadGuard<'_, Index> {
        self.index.read().unwrap_or_else(|p| p.into_inner())
    }

    /// Applies every change since the last refresh: one query per page of
    /// changes, whatever their collections.
    ///
    /// # Errors
    /// Read-model store failures.
    pub async fn refresh(&self) -> anyhow::Result<()> {
        let mut feed = self.feed.lock().await;
        let generation = self.read_models.active_generation().await?;
        if generation != feed.generation {
            *feed = Feed { generation, seq: 0 };
            *self.index.write().unwrap_or_else(|p| p.into_inner()) =
                Index::new(self.territory.clone());
        }
        loop {
            let changes = self
                .read_models
                .changes_since(generation, COLLECTIONS, feed.seq, PAGE)
                .await?;
            let Some((_, last)) = changes.last() else {
                return Ok(());
            };
            feed.seq = last.seq;
            let full = changes.len() == PAGE;
            let mut index = self.index.write().unwrap_or_else(|p| p.into_inner());
            for (collection, d) in changes {
                apply(&mut index, &collection, d.key, d.doc);
            }
            if !full {
                return Ok(());
            }
        }
    }

    /// Waits until the registry read models have reached `position` and the
    /// index holds them; false after `timeout`.
    ///
    /// # Errors
    /// Read-model store failures.
    pub async fn wait_for(&self, position: LogPosition, timeout: Duration) -> anyhow::Result<bool> {
        let deadline = Instant::now() + timeout;
        loop {
            let generation = self.read_models.active_generation().await?;
            let checkpoint = self.read_models.checkpoint(generation, "registry").await?;
            if checkpoint.is_some_and(|c| c >= position) {
                self.refresh().await?;
                return Ok(true);
            }
            if Instant::now() >= deadline {
                return Ok(false);
            }
            tokio::time::sleep(Duration::from_millis(2)).await;
        }
    }

    /// Refreshes every [`POLL`] until `shutdown`, recording the portal's
    /// figures every [`crate::figures::EVERY`].
    pub async fn run(self: Arc<Self>, shutdown: Shutdown) {
        let mut recorded: Option<Instant> = None;
        while !shutdown.is_triggered() {
            if let Err(e) = self.refresh().await {
                tracing::warn!(error = %format!("{e:#}"), "cannot refresh the search index");
            }
            if recorded.is_none_or(|at| at.elapsed() >= crate::figures::EVERY) {
                crate::figures::record(&self.read(), time::OffsetDateTime::now_utc());
                recorded = Some(Instant::now());
            }
            tokio::select! {
                () = tokio::time::sleep(POLL) => {}
                () = shutdown.wait() => return,
            }
        }
    }
}

/// Keeps a changed document in its map (a deleted or unreadable one leaves).
fn keep<T: serde::de::DeserializeOwned>(
    map: &mut std::collections::HashMap<String, T>,
    key: String,
    doc: Option<serde_json::Value>,
) {
    match doc.and_then(|v| serde_json::from_value(v).ok()) {
        Some(view) => {
            map.insert(key, view);
        }
        None => {
            map.remove(&key);
        }
    }
}

/// Applies one changed document to the index (a provider re-files its
/// services, so the order of collections within a page does not matter).
fn apply(index: &mut Index, collection: &str, key: String, doc: Option<serde_json::Value>) {
    fn view<T: serde::de::DeserializeOwned>(doc: Option<serde_json::Value>) -> Option<T> {
        doc.and_then(|v| serde_json::from_value(v).ok())
    }
    match collection {
        PROVIDERS => match view(doc) {
            Some(v) => index.put_provider(v),
            None => {
                index.providers.remove(&key);
            }
        },
        SERVICES => match view(doc) {
            Some(v) => index.put_service(v),
            None => index.remove_service(&key),
        },
        REGIONAL_CONTACTS => match view(doc) {
            Some(v) => index.put_contact(v),
            None => index.remove_contact(&key),
        },
        NEED_NORMS => match view::<read_models::registry::NormsView>(doc) {
            Some(v) => {
                index.norms.insert(v.kind, v);
            }
            None => {
                index.norms.remove(&key.parse().unwrap_or_default());
            }
        },
        DIRECTORY => keep(&mut index.directory, key, doc),
        GRANT_CALLS => keep(&mut index.grant_calls, key, doc),
        GRANT_APPLICATIONS => index.put_application(key, view(doc)),
        SURVEYS => keep(&mut index.surveys, key, doc),
        SURVEY_RESPONSES => keep(&mut index.survey_responses, key, doc),
        PLANS => keep(&mut index.plans, key, doc),
        NEWS => keep(&mut index.news, key, doc),
        CALENDAR => keep(&mut index.calendar, key, doc),
        JOBS => keep(&mut index.jobs, key, doc),
        GROUPS => keep(&mut index.groups, key, doc),
        DOCUMENTS => keep(&mut index.documents, key, doc),
        LINKS => keep(&mut index.links, key, doc),
        AWARDS => keep(&mut index.awards, key, doc),
        FORUM_THREADS => keep(&mut index.forum_threads, key, doc),
        _ => {}
    }
}
