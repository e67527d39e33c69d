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
        _ => {}
    }
    Ok(())
}
