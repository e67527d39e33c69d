//! The request bodies of the kraje's contacts.

use events::registry::regional_contact::ContactDetails;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// A new contact.
#[derive(Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PublishContactBody {
    /// Its id; a new UUID when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub contact_id: Option<Uuid>,
    /// The details.
    pub details: ContactDetails,
}
