//! Surveys and their answers as documents (collections `surveys` and
//! `survey_responses`). A response document holds the answers only, never
//! the respondent.

use events::surveys::response::SurveyResponseEvent;
use events::surveys::survey::{SurveyDefinition, SurveyEvent, SurveyStatus};
use events::RecordedEvent;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::collections::BTreeMap;

/// Surveys.
pub const SURVEYS: &str = "surveys";
/// Answers.
pub const SURVEY_RESPONSES: &str = "survey_responses";

/// A survey as the portal shows it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SurveyView {
    /// Id.
    pub id: String,
    /// The questionnaire.
    pub definition: SurveyDefinition,
    /// Where it stands.
    pub status: SurveyStatus,
    /// The account that first defined it (its results may be for it only).
    #[serde(default)]
    pub author: Option<String>,
}

impl SurveyView {
    /// Whether this account is the survey's author or an administrator.
    pub fn organised_by(&self, account_id: &str, account: &events::accounts::Account) -> bool {
        self.author.as_deref() == Some(account_id)
            || account
                .roles
                .iter()
                .any(|g| g.role == events::accounts::Role::Administrator)
    }
}

/// One respondent's latest answers (no respondent).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ResponseView {
    /// The survey.
    pub survey_id: String,
    /// Answers by question id.
    pub answers: BTreeMap<String, Value>,
}

/// A survey after one event (`None`: not defined). A definition again
/// keeps its first author.
pub fn survey(
    current: Option<SurveyView>,
    e: &RecordedEvent,
    event: SurveyEvent,
) -> Option<SurveyView> {
    match event {
        SurveyEvent::SurveyDefined { definition } => Some(SurveyView {
            id: e.stream.stream_id.clone(),
            definition,
            status: SurveyStatus::Draft,
            author: current
                .and_then(|c| c.author)
                .or_else(|| Some(e.actor.account_id.clone())),
        }),
        SurveyEvent::SurveyOpened {} => current.map(|v| SurveyView {
            status: SurveyStatus::Open,
            ..v
        }),
        SurveyEvent::SurveyClosed {} => current.map(|v| SurveyView {
            status: SurveyStatus::Closed,
            ..v
        }),
    }
}

/// One respondent's answers after their event: the latest replaces the one before.
pub fn response(event: SurveyResponseEvent) -> ResponseView {
    let SurveyResponseEvent::SurveyAnswered {
        survey_id, answers, ..
    } = event;
    ResponseView { survey_id, answers }
}
