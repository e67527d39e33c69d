//! News, calendar events, job postings, documents, links and awards as
//! documents (collections `news`, `calendar`, `jobs`, `documents`, `links`,
//! `awards`). Withdrawn news, closed postings, removed links and revoked
//! awards leave; cancelled events stay, marked; archived documents stay.

use crate::Next;
use events::content::calendar::{CalendarEntry, CalendarEventEvent};
use events::content::jobs::{JobEvent, Posting};
use events::content::library::{
    AwardEvent, AwardInfo, DocumentEvent, DocumentInfo, DocumentVersion, LinkEvent, LinkInfo,
};
use events::content::news::{Article, NewsEvent};
use events::RecordedEvent;
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
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DocumentView {
    /// Id.
    pub id: String,
    /// What it is.
    pub info: DocumentInfo,
    /// Versions, oldest first.
    pub versions: Vec<DocumentVersion>,
    /// In the archive.
    pub archived: bool,
    /// Last changed.
    #[serde(with = "time::serde::rfc3339")]
    pub updated_at: OffsetDateTime,
}

/// An article as shown.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
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
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
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
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct JobView {
    /// Id.
    pub id: String,
    /// The posting.
    pub posting: Posting,
    /// Posted.
    #[serde(with = "time::serde::rfc3339")]
    pub posted_at: OffsetDateTime,
}

/// A link as shown.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct LinkView {
    /// Id.
    pub id: String,
    /// Where it leads and what it is.
    pub info: LinkInfo,
}

/// An award as shown.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AwardView {
    /// Id.
    pub id: String,
    /// Who got what and when.
    pub info: AwardInfo,
}

/// An article after one event.
pub fn news(view: Option<NewsView>, e: &RecordedEvent, event: NewsEvent) -> Next<NewsView> {
    match event {
        NewsEvent::NewsPublished { article } => Next::Put(NewsView {
            id: e.stream.stream_id.clone(),
            article,
            published_at: e.recorded_at,
            updated_at: e.recorded_at,
        }),
        NewsEvent::NewsCorrected { article } => view.map_or(Next::Unchanged, |v| {
            Next::Put(NewsView {
                article,
                updated_at: e.recorded_at,
                ..v
            })
        }),
        NewsEvent::NewsWithdrawn { .. } => Next::Delete,
    }
}

/// A calendar event after one event.
pub fn calendar(
    view: Option<EventView>,
    e: &RecordedEvent,
    event: CalendarEventEvent,
) -> Option<EventView> {
    let view = match event {
        CalendarEventEvent::EventScheduled { entry } => Some(EventView {
            id: e.stream.stream_id.clone(),
            entry,
            cancelled: None,
            version: 0,
            updated_at: e.recorded_at,
        }),
        CalendarEventEvent::EventCancelled { reason } => view.map(|v| EventView {
            cancelled: Some(reason),
            ..v
        }),
    };
    view.map(|v| EventView {
        version: e.stream_version,
        updated_at: e.recorded_at,
        ..v
    })
}

/// A posting after one event.
pub fn job(e: &RecordedEvent, event: JobEvent) -> Next<JobView> {
    match event {
        JobEvent::JobPosted { posting } => Next::Put(JobView {
            id: e.stream.stream_id.clone(),
            posting,
            posted_at: e.recorded_at,
        }),
        JobEvent::JobClosed {} => Next::Delete,
    }
}

/// A document after one event.
pub fn document(
    view: Option<DocumentView>,
    e: &RecordedEvent,
    event: DocumentEvent,
) -> Option<DocumentView> {
    let view = match event {
        DocumentEvent::DocumentRegistered { info, version } => Some(DocumentView {
            id: e.stream.stream_id.clone(),
            info,
            versions: vec![version],
            archived: false,
            updated_at: e.recorded_at,
        }),
        other => view.map(|mut v| {
            match other {
                DocumentEvent::DocumentVersionAdded { version } => v.versions.push(version),
                DocumentEvent::DocumentArchived {} => v.archived = true,
                DocumentEvent::DocumentRestored {} => v.archived = false,
                DocumentEvent::DocumentRegistered { .. } => {}
            }
            v
        }),
    };
    view.map(|v| DocumentView {
        updated_at: e.recorded_at,
        ..v
    })
}

/// A link after one event.
pub fn link(e: &RecordedEvent, event: LinkEvent) -> Next<LinkView> {
    match event {
        LinkEvent::LinkPut { info } => Next::Put(LinkView {
            id: e.stream.stream_id.clone(),
            info,
        }),
        LinkEvent::LinkRemoved {} => Next::Delete,
    }
}

/// An award after one event.
pub fn award(e: &RecordedEvent, event: AwardEvent) -> Next<AwardView> {
    match event {
        AwardEvent::AwardConferred { info } => Next::Put(AwardView {
            id: e.stream.stream_id.clone(),
            info,
        }),
        AwardEvent::AwardRevoked { .. } => Next::Delete,
    }
}
