//! Subscriptions of the public: a weekly digest of a kraj's news, or of new
//! free places of a kind of service in an ORP (double opt-in).

use serde::{Deserialize, Serialize};

/// Asks for a subscription: an e-mail and either a kraj (its news) or an
/// ORP and a kind of service (its new free places).
#[derive(Debug, Default, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SubscribeBody {
    /// Where the confirmation and the digests go.
    pub email: String,
    /// The news of this kraj (NUTS, ČSÚ or RÚIAN code)…
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kraj: Option<String>,
    /// …or the new free places in this ORP (ČSÚ or RÚIAN code)…
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub orp: Option<String>,
    /// …of this kind of service (one whose free places are reported: 20, 21, 26, 31, 33, 34).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kind: Option<u16>,
}

/// Confirms a subscription by the link's token.
#[derive(Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ConfirmSubscriptionBody {
    /// The token of the link (its `t` parameter).
    pub token: String,
}
