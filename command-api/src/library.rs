//! The request bodies of the library of documents and the awards.

use events::content::library::{AwardInfo, DocumentInfo, DocumentVersion};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// A new document.
#[derive(Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RegisterBody {
    /// Its id; a new UUID when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub document_id: Option<Uuid>,
    /// What it is.
    pub info: DocumentInfo,
    /// Its first version.
    pub version: DocumentVersion,
}

/// A new award.
#[derive(Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ConferBody {
    /// Its id; a new UUID when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub award_id: Option<Uuid>,
    /// The award.
    pub info: AwardInfo,
}
