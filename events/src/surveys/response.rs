//! The answer of one respondent to a survey; a later answer replaces the
//! earlier one while the survey is open. The stream of an anonymous answer
//! is named by a keyed hash the command service computes, and its events
//! name no respondent.

use super::survey::{Question, QuestionKind};
use crate::aggregate::Aggregate;
use crate::error::{DomainError, Violations};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::collections::BTreeMap;
use time::OffsetDateTime;

/// What the survey says when an answer comes.
#[derive(Debug, Clone, PartialEq)]
pub struct SurveyFacts {
    /// It accepts answers.
    pub open: bool,
    /// Its questions.
    pub questions: Vec<Question>,
}

/// The state of a response.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct SurveyResponse {
    /// The answers by question id (the latest).
    pub answers: BTreeMap<String, Value>,
    /// Times answered.
    pub times: u32,
}

/// What can be asked of a response.
#[derive(Debug, Clone, PartialEq)]
pub enum SurveyResponseCommand {
    /// Answer (again).
    Answer {
        /// The survey.
        survey_id: String,
        /// The respondent's IČO; `None` in an anonymous survey.
        respondent: Option<String>,
        /// Answers by question id.
        answers: BTreeMap<String, Value>,
        /// The survey's facts.
        survey: SurveyFacts,
    },
}

/// What happens to a response.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type")]
pub enum SurveyResponseEvent {
    /// Answered (replacing any earlier answer).
    SurveyAnswered {
        /// The survey.
        survey_id: String,
        /// The respondent's IČO; absent in an anonymous survey.
        #[serde(default)]
        respondent: Option<String>,
        /// Answers by question id.
        answers: BTreeMap<String, Value>,
    },
}

fn check_answer(q: &Question, value: &Value) -> Result<Value, String> {
    let text = |max: usize| match value.as_str() {
        Some(s) if s.chars().count() <= max => Ok(Value::String(s.trim().to_string())),
        Some(_) => Err(format!("at most {max} characters")),
        None => Err("must be text".into()),
    };
    match &q.kind {
        QuestionKind::SingleChoice { options } => match value.as_str() {
            Some(s) if options.iter().any(|o| o == s) => Ok(value.clone()),
            _ => Err(format!("must be one of {options:?}")),
        },
        QuestionKind::MultipleChoice {
            options,
            allow_other,
        } => {
            let items = value.as_array().ok_or("must be a list of options")?;
            let mut out = Vec::new();
            for item in items {
                let s = item.as_str().ok_or("must be a list of options")?.trim();
                if !options.iter().any(|o| o == s) && !*allow_other {
                    return Err(format!("{s:?} is not one of {options:?}"));
                }
                if s.is_empty() || s.chars().count() > 300 {
                    return Err("an answer is empty or too long".into());
                }
                if !out.iter().any(|x: &Value| x == s) {
                    out.push(Value::String(s.to_string()));
                }
            }
            Ok(Value::Array(out))
        }
        QuestionKind::YesNo => value
            .as_bool()
            .map(Value::Bool)
            .ok_or_else(|| "must be true or false".into()),
        QuestionKind::Number { min, max } => {
            let n = value.as_f64().ok_or("must be a number")?;
            if min.is_some_and(|m| n < m) || max.is_some_and(|m| n > m) {
                return Err(format!("must be between {min:?} and {max:?}"));
            }
            Ok(value.clone())
        }
        QuestionKind::ShortText => text(200),
        QuestionKind::LongText => text(5000),
        QuestionKind::Date => {
            let s = value.as_str().ok_or("must be a day, YYYY-MM-DD")?;
            time::Date::parse(s, time::macros::format_description!("[year]-[month]-[day]"))
                .map(|_| value.clone())
                .map_err(|_| "must be a day, YYYY-MM-DD".into())
        }
        QuestionKind::Scale => match value.as_u64() {
            Some(n @ 1..=5) => Ok(Value::from(n)),
            _ => Err("must be 1 to 5".into()),
        },
    }
}

impl Aggregate for SurveyResponse {
    const STREAM_TYPE: &'static str = "survey_response";
    type Command = SurveyResponseCommand;
    type Event = SurveyResponseEvent;

    fn apply(&mut self, event: &SurveyResponseEvent) {
        let SurveyResponseEvent::SurveyAnswered { answers, .. } = event;
        self.answers = answers.clone();
        self.times += 1;
    }

    fn decide(
        &self,
        command: &SurveyResponseCommand,
        _now: OffsetDateTime,
    ) -> Result<Vec<SurveyResponseEvent>, DomainError> {
        let SurveyResponseCommand::Answer {
            survey_id,
            respondent,
            answers,
            survey,
        } = command;
        if !survey.open {
            return Err(DomainError::Rejected(
                "the survey does not accept answers (not open, or closed)".into(),
            ));
        }
        let mut v = Violations::new();
        let mut clean = BTreeMap::new();
        for q in &survey.questions {
            match answers.get(&q.id).filter(|a| !a.is_null()) {
                None if q.required => v.add(format!("answers.{}", q.id), "is required"),
                None => {}
                Some(a) => {
                    if let Some(ok) = v.check(format!("answers.{}", q.id), check_answer(q, a)) {
                        clean.insert(q.id.clone(), ok);
                    }
                }
            }
        }
        for id in answers.keys() {
            if !survey.questions.iter().any(|q| &q.id == id) {
                v.add(format!("answers.{id}"), "is not a question of the survey");
            }
        }
        v.finish()?;
        if self.times > 0 && self.answers == clean {
            return Ok(vec![]);
        }
        Ok(vec![SurveyResponseEvent::SurveyAnswered {
            survey_id: survey_id.clone(),
            respondent: respondent.clone(),
            answers: clean,
        }])
    }
}
