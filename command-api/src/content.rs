//! The request bodies of news, the calendar and job postings.

use events::content::calendar::CalendarEntry;
use events::content::jobs::Posting;
use events::content::news::Article;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// A new article.
#[derive(Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PublishBody {
    /// Its id; a new UUID when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub news_id: Option<Uuid>,
    /// The article.
    pub article: Article,
}

/// A new calendar event.
#[derive(Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ScheduleBody {
    /// Its id; a new UUID when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub event_id: Option<Uuid>,
    /// The event.
    pub entry: CalendarEntry,
}

/// A new job posting.
#[derive(Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PostBody {
    /// Its id; a new UUID when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub job_id: Option<Uuid>,
    /// The posting.
    pub posting: Posting,
}
