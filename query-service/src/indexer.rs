//! Keeps the search index current: follows the read models' change feed
//! (documents changed after the last sequence number seen), starts afresh
//! when a rebuild switched generations, and lets a request wait until the
//! read models have reached a log position (read-your-writes).

use crate::index::Index;
use infra::event_store::LogPosition;
use infra::read_model::DynReadModelStore;
use infra::shutdown::Shutdown;
use infra::territory::Territory;
use projection_service::content::{AWARDS, CALENDAR, DOCUMENTS, JOBS, LINKS, NEWS};
use projection_service::forum::FORUM_THREADS;
use projection_service::grants::{GRANT_APPLICATIONS, GRANT_CALLS};
use projection_service::plans::{GROUPS, PLANS};
use projection_service::registry::{DIRECTORY, NEED_NORMS, PROVIDERS, REGIONAL_CONTACTS, SERVICES};
use projection_service::surveys::{SURVEYS, SURVEY_RESPONSES};
use std::sync::{Arc, RwLock, RwLockReadGuard};
use std::time::{Duration, Instant};

/// Documents read per round trip.
const PAGE: usize = 2000;
/// How often the feed is polled when nobody waits.
const POLL: Duration = Duration::from_millis(50);

#[derive(Default)]
struct Feed {
    generation: i64,
    providers: i64,
    services: i64,
    directory: i64,
    contacts: i64,
    norms: i64,
    grant_calls: i64,
    grant_applications: i64,
    surveys: i64,
    survey_responses: i64,
    plans: i64,
    news: i64,
    calendar: i64,
    jobs: i64,
    groups: i64,
    documents: i64,
    links: i64,
    awards: i64,
    forum_threads: i64,
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

    /// Applies every change since the last refresh.
    ///
    /// # Errors
    /// Read-model store failures.
    pub async fn refresh(&self) -> anyhow::Result<()> {
        let mut feed = self.feed.lock().await;
        let generation = self.read_models.active_generation().await?;
        if generation != feed.generation {
            *feed = Feed {
                generation,
                ..Feed::default()
            };
            *self.index.write().unwrap_or_else(|p| p.into_inner()) =
                Index::new(self.territory.clone());
        }
        // Providers first, so that services find their provider's name.
        let g = generation;
        self.follow(
            g,
            PROVIDERS,
            &mut feed.providers,
            |index, key, doc| match doc.and_then(|v| serde_json::from_value(v).ok()) {
                Some(view) => index.put_provider(view),
                None => {
                    index.providers.remove(&key);
                }
            },
        )
        .await?;
        self.follow(g, SERVICES, &mut feed.services, |index, key, doc| match doc
            .and_then(|v| serde_json::from_value(v).ok())
        {
            Some(view) => index.put_service(view),
            None => index.remove_service(&key),
        })
        .await?;
        self.follow(
            g,
            DIRECTORY,
            &mut feed.directory,
            |index, key, doc| match doc.and_then(|v| serde_json::from_value(v).ok()) {
                Some(view) => {
                    index.directory.insert(key, view);
                }
                None => {
                    index.directory.remove(&key);
                }
            },
        )
        .await?;
        self.follow(
            g,
            REGIONAL_CONTACTS,
            &mut feed.contacts,
            |index, key, doc| match doc.and_then(|v| serde_json::from_value(v).ok()) {
                Some(view) => index.put_contact(view),
                None => index.remove_contact(&key),
            },
        )
        .await?;
        self.follow(g, NEED_NORMS, &mut feed.norms, |index, key, doc| {
            let view: Option<projection_service::registry::NormsView> =
                doc.and_then(|v| serde_json::from_value(v).ok());
            match view {
                Some(view) => {
                    index.norms.insert(view.kind, view);
                }
                None => {
                    index.norms.remove(&key.parse().unwrap_or_default());
                }
            }
        })
        .await?;
        self.follow(
            g,
            GRANT_CALLS,
            &mut feed.grant_calls,
            |index, key, doc| match doc.and_then(|v| serde_json::from_value(v).ok()) {
                Some(view) => {
                    index.grant_calls.insert(key, view);
                }
                None => {
                    index.grant_calls.remove(&key);
                }
            },
        )
        .await?;
        self.follow(
            g,
            GRANT_APPLICATIONS,
            &mut feed.grant_applications,
            |index, key, doc| match doc.and_then(|v| serde_json::from_value(v).ok()) {
                Some(view) => {
                    index.grant_applications.insert(key, view);
                }
                None => {
                    index.grant_applications.remove(&key);
                }
            },
        )
        .await?;
        self.follow(g, SURVEYS, &mut feed.surveys, |index, key, doc| {
            match doc.and_then(|v| serde_json::from_value(v).ok()) {
                Some(view) => {
                    index.surveys.insert(key, view);
                }
                None => {
                    index.surveys.remove(&key);
                }
            }
        })
        .await?;
        self.follow(
            g,
            SURVEY_RESPONSES,
            &mut feed.survey_responses,
            |index, key, doc| match doc.and_then(|v| serde_json::from_value(v).ok()) {
                Some(view) => {
                    index.survey_responses.insert(key, view);
                }
                None => {
                    index.survey_responses.remove(&key);
                }
            },
        )
        .await?;
        self.follow(g, PLANS, &mut feed.plans, |index, key, doc| {
            match doc.and_then(|v| serde_json::from_value(v).ok()) {
                Some(view) => {
                    index.plans.insert(key, view);
                }
                None => {
                    index.plans.remove(&key);
                }
            }
        })
        .await?;
        self.follow(
            g,
            FORUM_THREADS,
            &mut feed.forum_threads,
            |index, key, doc| keep(&mut index.forum_threads, key, doc),
        )
        .await?;
        self.follow(g, NEWS, &mut feed.news, |index, key, doc| {
            match doc.and_then(|v| serde_json::from_value(v).ok()) {
                Some(view) => {
                    index.news.insert(key, view);
                }
                None => {
                    index.news.remove(&key);
                }
            }
        })
        .await?;
        self.follow(g, CALENDAR, &mut feed.calendar, |index, key, doc| match doc
            .and_then(|v| serde_json::from_value(v).ok())
        {
            Some(view) => {
                index.calendar.insert(key, view);
            }
            None => {
                index.calendar.remove(&key);
            }
        })
        .await?;
        self.follow(g, JOBS, &mut feed.jobs, |index, key, doc| {
            match doc.and_then(|v| serde_json::from_value(v).ok()) {
                Some(view) => {
                    index.jobs.insert(key, view);
                }
                None => {
                    index.jobs.remove(&key);
                }
            }
        })
        .await?;
        self.follow(g, GROUPS, &mut feed.groups, |index, key, doc| {
            match doc.and_then(|v| serde_json::from_value(v).ok()) {
                Some(view) => {
                    index.groups.insert(key, view);
                }
                None => {
                    index.groups.remove(&key);
                }
            }
        })
        .await?;
        self.follow(
            g,
            DOCUMENTS,
            &mut feed.documents,
            |index, key, doc| match doc.and_then(|v| serde_json::from_value(v).ok()) {
                Some(view) => {
                    index.documents.insert(key, view);
                }
                None => {
                    index.documents.remove(&key);
                }
            },
        )
        .await?;
        let f: &mut Feed = &mut feed;
        for (collection, seq) in [(LINKS, &mut f.links), (AWARDS, &mut f.awards)] {
            self.follow(g, collection, seq, |index, key, doc| {
                let map = if collection == LINKS {
                    &mut index.links
                } else {
                    &mut index.awards
                };
                match doc {
                    Some(v) => {
                        map.insert(key, v);
                    }
                    None => {
                        map.remove(&key);
                    }
                }
            })
            .await?;
        }
        Ok(())
    }

    /// Applies the changes of one collection since `seq`, a page at a time.
    async fn follow(
        &self,
        generation: i64,
        collection: &str,
        seq: &mut i64,
        mut apply: impl FnMut(&mut Index, String, Option<serde_json::Value>),
    ) -> anyhow::Result<()> {
        loop {
            let docs = self
                .read_models
                .changed_since(generation, collection, *seq, PAGE)
                .await?;
            let Some(last) = docs.last() else {
                return Ok(());
            };
            *seq = last.seq;
            let mut index = self.index.write().unwrap_or_else(|p| p.into_inner());
            for d in docs {
                apply(&mut index, d.key, d.doc);
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

    /// Refreshes every [`POLL`] until `shutdown`.
    pub async fn run(self: Arc<Self>, shutdown: Shutdown) {
        while !shutdown.is_triggered() {
            if let Err(e) = self.refresh().await {
                tracing::warn!(error = %format!("{e:#}"), "cannot refresh the search index");
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
