//! The request bodies of providers and their first accounts.

use events::registry::provider::RegisterProvider;
use serde::{Deserialize, Serialize};

/// The first account of a self-registering provider.
#[derive(Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct NewAccountBody {
    /// Login (case-insensitive, unique).
    pub login: String,
    /// E-mail address.
    pub email: String,
    /// Name shown in the portal.
    pub display_name: String,
    /// Password, at least 10 characters.
    pub password: String,
}

/// A provider registers itself with its first account.
#[derive(Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SelfRegistrationBody {
    /// The provider.
    pub provider: RegisterProvider,
    /// Its first account.
    pub account: NewAccountBody,
}
