//! The request bodies of grant calls and applications.

use events::grants::application::{ApplicationDetails, Score};
use events::grants::call::CallDetails;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// A new call.
#[derive(Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AnnounceBody {
    /// Its id; a new UUID when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub call_id: Option<Uuid>,
    /// The call.
    pub details: CallDetails,
}

/// A new application.
#[derive(Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SubmitBody {
    /// Its id, when the client gives one: it must be the one derived from
    /// the call and the service (one application per service and call),
    /// which the portal uses when it is absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub application_id: Option<Uuid>,
    /// The application.
    pub details: ApplicationDetails,
}

/// Points per criterion.
#[derive(Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct EvaluateBody {
    /// One score per criterion of the call.
    pub scores: Vec<Score>,
}

/// An amount and why.
#[derive(Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DecisionBody {
    /// CZK granted (0 refuses).
    pub granted_amount: i64,
    /// Why.
    pub reasons: String,
}
