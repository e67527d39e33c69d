//! The registry projection: folds the events of the portal's records into
//! their documents (the types and folds are in `read_models`), one checkpoint
//! for all of them, so one read-your-writes wait covers every record.

use crate::runner::{Projection, WorkingSet};
use events::aggregate::from_recorded;
use infra::event_store::RecordedEvent;
use read_models::registry::{ProviderView, ServiceView, PROVIDERS, SERVICES};
use read_models::{content, forum, grants, plans, registry, surveys, Next};
use serde::de::DeserializeOwned;
use serde::Serialize;

/// The registry projection.
pub struct RegistryProjection;

/// Writes what became of a document.
fn write<V: Serialize>(
    docs: &mut WorkingSet<'_>,
    collection: &str,
    key: &str,
    next: Next<V>,
) -> anyhow::Result<()> {
    match next {
        Next::Put(view) => docs.put(collection, key, serde_json::to_value(view)?),
        Next::Delete => docs.delete(collection, key),
        Next::Unchanged => {}
    }
    Ok(())
}

/// Folds one event into the document of its stream in `collection`.
async fn fold<V, E, N>(
    e: &RecordedEvent,
    docs: &mut WorkingSet<'_>,
    collection: &str,
    next: impl FnOnce(Option<V>, &RecordedEvent, E) -> N,
) -> anyhow::Result<()>
where
    V: Serialize + DeserializeOwned,
    E: DeserializeOwned,
    N: Into<Next<V>>,
{
    let event: E = from_recorded(e)?;
    let key = &e.stream.stream_id;
    let current = docs.get_as::<V>(collection, key).await?;
    write(docs, collection, key, next(current, e, event).into())
}

/// Folds one event whose document does not depend on the one before.
fn replace<V, E>(
    e: &RecordedEvent,
    docs: &mut WorkingSet<'_>,
    collection: &str,
    next: impl FnOnce(&RecordedEvent, E) -> Next<V>,
) -> anyhow::Result<()>
where
    V: Serialize,
    E: DeserializeOwned,
{
    let event: E = from_recorded(e)?;
    write(docs, collection, &e.stream.stream_id, next(e, event))
}

impl RegistryProjection {
    async fn provider(&self, e: &RecordedEvent, docs: &mut WorkingSet<'_>) -> anyhow::Result<()> {
        use events::registry::provider::ProviderEvent;
        let event: ProviderEvent = from_recorded(e)?;
        let key = &e.stream.stream_id;
        let current = if matches!(event, ProviderEvent::ProviderRegistered { .. }) {
            None
        } else {
            docs.get_as::<ProviderView>(PROVIDERS, key).await?
        };
        write(
            docs,
            PROVIDERS,
            key,
            registry::provider(current, e, event).into(),
        )
    }

    /// A run of events of one service: its document read once, written once.
    async fn services(
        &self,
        run: &[RecordedEvent],
        docs: &mut WorkingSet<'_>,
    ) -> anyhow::Result<()> {
        use events::registry::service::ServiceEvent;
        let key = &run[0].stream.stream_id;
        let mut view: Option<ServiceView> = None;
        for (i, e) in run.iter().enumerate() {
            let event: ServiceEvent = from_recorded(e)?;
            if i == 0 && !matches!(event, ServiceEvent::ServiceRegistered { .. }) {
                view = docs.get_as::<ServiceView>(SERVICES, key).await?;
            }
            view = registry::service(view, e, event);
        }
        write(docs, SERVICES, key, view.into())
    }
}

#[async_trait::async_trait]
impl Projection for RegistryProjection {
    fn name(&self) -> &'static str {
        "registry"
    }

    /// The services' and providers' documents (vacancy reports are most of
    /// the log: a batch of them reads a document a service).
    fn reads(&self, batch: &[RecordedEvent]) -> Vec<(&'static str, String)> {
        batch
            .iter()
            .filter_map(|e| match e.stream.stream_type.as_str() {
                "service" => Some((SERVICES, e.stream.stream_id.clone())),
                "provider" => Some((PROVIDERS, e.stream.stream_id.clone())),
                _ => None,
            })
            .collect()
    }

    async fn apply(&self, e: &RecordedEvent, docs: &mut WorkingSet<'_>) -> anyhow::Result<()> {
        match e.stream.stream_type.as_str() {
            "provider" => self.provider(e, docs).await,
            "service" => self.services(std::slice::from_ref(e), docs).await,
            "directory_entry" => replace(e, docs, registry::DIRECTORY, registry::directory),
            "regional_contact" => replace(e, docs, registry::REGIONAL_CONTACTS, registry::contact),
            "need_norm" => {
                fold(e, docs, registry::NEED_NORMS, |v, e, ev| {
                    Next::Put(registry::norms(v, e, ev))
                })
                .await
            }
            "grant_call" => fold(e, docs, grants::GRANT_CALLS, grants::call).await,
            "grant_application" => {
                fold(e, docs, grants::GRANT_APPLICATIONS, grants::application).await
            }
            "survey" => fold(e, docs, surveys::SURVEYS, surveys::survey).await,
            "survey_response" => replace(e, docs, surveys::SURVEY_RESPONSES, |_, ev| {
                Next::Put(surveys::response(ev))
            }),
            "community_plan" => fold(e, docs, plans::PLANS, plans::plan).await,
            "planning_group" => fold(e, docs, plans::GROUPS, plans::group).await,
            "news" => fold(e, docs, content::NEWS, content::news).await,
            "calendar_event" => fold(e, docs, content::CALENDAR, content::calendar).await,
            "job_posting" => replace(e, docs, content::JOBS, content::job),
            "document" => fold(e, docs, content::DOCUMENTS, content::document).await,
            "link" => replace(e, docs, content::LINKS, content::link),
            "award" => replace(e, docs, content::AWARDS, content::award),
            "forum_thread" => fold(e, docs, forum::FORUM_THREADS, forum::thread).await,
            _ => Ok(()),
        }
    }

    async fn apply_run(
        &self,
        run: &[RecordedEvent],
        docs: &mut WorkingSet<'_>,
    ) -> anyhow::Result<()> {
        if run[0].stream.stream_type == "service" {
            return self.services(run, docs).await;
        }
        for event in run {
            self.apply(event, docs).await?;
        }
        Ok(())
    }
}
