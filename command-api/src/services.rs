//! The request bodies of a service's registration and suspension.

use events::registry::service::ServiceDetails;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// A new service.
#[derive(Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RegisterServiceBody {
    /// Its id; a new UUID when absent (give one to retry safely without an idempotency key).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub service_id: Option<Uuid>,
    /// The provider's IČO.
    pub provider_ico: String,
    /// The description.
    pub details: ServiceDetails,
}

/// A suspension.
#[derive(Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SuspendServiceBody {
    /// Why.
    pub reason: String,
    /// The day the provider expects to provide the service again, when it
    /// can say (a day after today; shown to the public with the record).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub until: Option<time::Date>,
}
