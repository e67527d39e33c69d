//! The request bodies of the directory of other help.

use events::registry::directory::EntryDetails;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// A new directory entry.
#[derive(Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AddEntryBody {
    /// Its id; a new UUID when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub entry_id: Option<Uuid>,
    /// The description.
    pub details: EntryDetails,
}
