//! News, calendar events and job postings as documents (collections
//! `news`, `calendar`, `jobs`), applied by the registry projection.
//! Withdrawn news and closed postings leave; cancelled events stay, marked.

use crate::runner::WorkingSet;
use events::aggregate::from_recorded;
use events::content::calendar::{CalendarEntry, CalendarEventEvent};
use events::content::jobs::{JobEvent, Posting};
use events::content::news::{Article, NewsEvent};
use infra::event_store::RecordedEvent;
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

/// News.
pub const NEWS: &str = "news";
/// Calendar events.
pub const CALENDAR: &str = "calendar";
/// Job postings.
pub const JOBS: &str = "jobs";
/// Documents.
pub const DOCUMENTS: &str = "documents";
/// Links.
pub const LINKS: &str = "links";
/// Awards.
pub const AWARDS: &str = "awards";

/// A document as shown: what it is, its versions (numbered from 1), archived or not.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DocumentView {
    /// Id.
    pub id: String,
    /// What it is.
    pub info: events::content::library::DocumentInfo,
    /// Versions, oldest first.
    pub versions: Vec<events::content::library::DocumentVersion>,
    /// In the archive.
    pub archived: bool,
    /// Last changed.
    #[serde(with = "time::serde::rfc3339")]
    pub updated_at: OffsetDateTime,
}

/// An article as shown.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NewsView {
    /// Id.
    pub id: String,
    /// The article.
    pub article: Article,
    /// First published.
    #[serde(with = "time::serde::rfc3339")]
    pub published_at: OffsetDateTime,
    /// Last corrected.
    #[serde(with = "time::serde::rfc3339")]
    pub updated_at: OffsetDateTime,
}

/// A calendar event as shown.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EventView {
    /// Id.
    pub id: String,
    /// The event.
    pub entry: CalendarEntry,
    /// Cancelled, with the reason.
    pub cancelled: Option<String>,
    /// Version (for iCalendar's SEQUENCE).
    pub version: u64,
    /// Last changed.
    #[serde(with = "time::serde::rfc3339")]
    pub updated_at: OffsetDateTime,
}

/// A posting as shown.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct JobView {
    /// Id.
    pub id: String,
    /// The posting.
    pub posting: Posting,
    /// Posted.
    #[serde(with = "time::serde::rfc3339")]
    pub posted_at: OffsetDateTime,
}

/// Applies a news, calendar or job event (others are left alone).
///
/// # Errors
/// Events or documents that do not read.
pub async fn apply(e: &RecordedEvent, docs: &mut WorkingSet<'_>) -> anyhow::Result<()> {
    let key = &e.stream.stream_id;
    match e.stream.stream_type.as_str() {
        "news" => match from_recorded::<NewsEvent>(e)? {
            NewsEvent::NewsPublished { article } => {
                let v = NewsView {
                    id: key.clone(),
                    article,
                    published_at: e.recorded_at,
                    updated_at: e.recorded_at,
                };
                docs.put(NEWS, key, serde_json::to_value(v)?);
            }
            NewsEvent::NewsCorrected { article } => {
                if let Some(mut v) = docs.get_as::<NewsView>(NEWS, key).await? {
                    v.article = article;
                    v.updated_at = e.recorded_at;
                    docs.put(NEWS, key, serde_json::to_value(v)?);
                }
            }
            NewsEvent::NewsWithdrawn { .. } => docs.delete(NEWS, key),
        },
        "calendar_event" => {
            let current = docs.get_as::<EventView>(CALENDAR, key).await?;
            let view = match from_recorded::<CalendarEventEvent>(e)? {
                CalendarEventEvent::EventScheduled { entry } => Some(EventView {
                    id: key.clone(),
                    entry,
                    cancelled: None,
                    version: 0,
                    updated_at: e.recorded_at,
                }),
                CalendarEventEvent::EventCancelled { reason } => current.map(|v| EventView {
                    cancelled: Some(reason),
                    ..v
                }),
            };
            if let Some(mut v) = view {
                v.version = e.stream_version;
                v.updated_at = e.recorded_at;
                docs.put(CALENDAR, key, serde_json::to_value(v)?);
            }
        }
        "job_posting" => match from_recorded::<JobEvent>(e)? {
            JobEvent::JobPosted { posting } => {
                let v = JobView {
                    id: key.clone(),
                    posting,
                    posted_at: e.recorded_at,
                };
                docs.put(JOBS, key, serde_json::to_value(v)?);
            }
            JobEvent::JobClosed {} => docs.delete(JOBS, key),
        },
        "document" => {
            use events::content::library::DocumentEvent as E;
            let current = docs.get_as::<DocumentView>(DOCUMENTS, key).await?;
            let view = match from_recorded::<E>(e)? {
                E::DocumentRegistered { info, version } => Some(DocumentView {
                    id: key.clone(),
                    info,
                    versions: vec![version],
                    archived: false,
                    updated_at: e.recorded_at,
                }),
                other => current.map(|mut v| {
                    match other {
                        E::DocumentVersionAdded { version } => v.versions.push(version),
                        E::DocumentArchived {} => v.archived = true,
                        E::DocumentRestored {} => v.archived = false,
                        E::DocumentRegistered { .. } => {}
                    }
                    v
                }),
            };
            if let Some(mut v) = view {
                v.updated_at = e.recorded_at;
                docs.put(DOCUMENTS, key, serde_json::to_value(v)?);
            }
        }
        "link" => match from_recorded::<events::content::library::LinkEvent>(e)? {
            events::content::library::LinkEvent::LinkPut { info } => {
                docs.put(LINKS, key, serde_json::json!({ "id": key, "info": info }));
            }
            events::content::library::LinkEvent::LinkRemoved {} => docs.delete(LINKS, key),
        },
        "award" => match from_recorded::<events::content::library::AwardEvent>(e)? {
            events::content::library::AwardEvent::AwardConferred { info } => {
                docs.put(AWARDS, key, serde_json::json!({ "id": key, "info": info }));
            }
            events::content::library::AwardEvent::AwardRevoked { .. } => docs.delete(AWARDS, key),
        },
        _ => {}
    }
    Ok(())
}
