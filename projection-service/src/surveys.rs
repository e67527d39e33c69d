//! Surveys and their answers as documents (collections `surveys` and
//! `survey_responses`), applied by the registry projection. A response
//! document holds the answers only, never the respondent.

use crate::runner::WorkingSet;
use events::aggregate::from_recorded;
use events::surveys::response::SurveyResponseEvent;
use events::surveys::survey::{SurveyDefinition, SurveyEvent, SurveyStatus};
use infra::event_store::RecordedEvent;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::collections::BTreeMap;

/// Surveys.
pub const SURVEYS: &str = "surveys";
/// Answers.
pub const SURVEY_RESPONSES: &str = "survey_responses";

/// A survey as the portal shows it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
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
pub struct ResponseView {
    /// The survey.
    pub survey_id: String,
    /// Answers by question id.
    pub answers: BTreeMap<String, Value>,
}

/// Applies a survey event.
///
/// # Errors
/// Events or documents that do not read.
pub async fn survey(e: &RecordedEvent, docs: &mut WorkingSet<'_>) -> anyhow::Result<()> {
    let key = &e.stream.stream_id;
    let current: Option<SurveyView> = docs.get_as(SURVEYS, key).await?;
    let view = match from_recorded::<SurveyEvent>(e)? {
        SurveyEvent::SurveyDefined { definition } => Some(SurveyView {
            id: key.clone(),
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
    };
    if let Some(v) = view {
        docs.put(SURVEYS, key, serde_json::to_value(v)?);
    }
    Ok(())
}

/// Applies an answer: the document of the response is replaced.
///
/// # Errors
/// Events that do not read.
pub fn response(e: &RecordedEvent, docs: &mut WorkingSet<'_>) -> anyhow::Result<()> {
    let SurveyResponseEvent::SurveyAnswered {
        survey_id, answers, ..
    } = from_recorded(e)?;
    let view = ResponseView { survey_id, answers };
    docs.put(
        SURVEY_RESPONSES,
        &e.stream.stream_id,
        serde_json::to_value(view)?,
    );
    Ok(())
}
