//! The request bodies of community plans.

use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// A new plan.
#[derive(Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CreateBody {
    /// Its id; a new UUID when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub plan_id: Option<Uuid>,
    /// Title.
    pub title: String,
    /// The kraj or municipality (code, as in the commissioner's scope).
    pub territory: String,
}

/// A comment.
#[derive(Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CommentBody {
    /// The comment.
    pub text: String,
}

/// A yearly evaluation of a measure.
#[derive(Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct EvaluationBody {
    /// The year.
    pub year: i32,
    /// The measure of the plan in force.
    pub measure_id: String,
    /// Fulfilment, percent.
    pub fulfilment: u8,
    /// Notes.
    #[serde(default)]
    pub note: String,
}
