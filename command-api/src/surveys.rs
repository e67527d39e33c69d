//! The request bodies of surveys and their answers.

use events::surveys::survey::SurveyDefinition;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::collections::BTreeMap;
use uuid::Uuid;

/// A new survey.
#[derive(Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DefineBody {
    /// Its id; a new UUID when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub survey_id: Option<Uuid>,
    /// The questionnaire.
    pub definition: SurveyDefinition,
}

/// An answer.
#[derive(Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AnswerBody {
    /// The respondent provider's IČO.
    pub provider_ico: String,
    /// For a survey of a kind of service: the provider's service of that kind.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub service_id: Option<String>,
    /// Answers by question id.
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub answers: BTreeMap<String, Value>,
}
