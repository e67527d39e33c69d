//! A survey: its questionnaire, audience and state.

use crate::aggregate::Aggregate;
use crate::error::{optional_text, required_text, DomainError, Violations};
use crate::values::codes::check_code;
use crate::values::ServiceKind;
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

/// What a question asks for.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum QuestionKind {
    /// One of the options.
    SingleChoice {
        /// The options.
        options: Vec<String>,
    },
    /// Any of the options (and, when allowed, other answers in words).
    MultipleChoice {
        /// The options.
        options: Vec<String>,
        /// Whether an answer outside the options ("other") is allowed.
        #[serde(default)]
        allow_other: bool,
    },
    /// Yes or no.
    YesNo,
    /// A number, within bounds when given.
    Number {
        /// Least allowed.
        #[serde(default)]
        min: Option<f64>,
        /// Most allowed.
        #[serde(default)]
        max: Option<f64>,
    },
    /// Up to 200 characters.
    ShortText,
    /// Up to 5,000 characters.
    LongText,
    /// A day, `YYYY-MM-DD`.
    Date,
    /// 1 to 5.
    Scale,
}

/// A question.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Question {
    /// Its id within the survey, e.g. `q1`.
    pub id: String,
    /// The question.
    pub text: String,
    /// What it asks for.
    pub kind: QuestionKind,
    /// An answer is required.
    #[serde(default)]
    pub required: bool,
}

/// Who is asked.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum Audience {
    /// Every provider.
    AllProviders,
    /// Providers with their registered office in a kraj (NUTS code).
    Kraj {
        /// The kraj.
        code: String,
    },
    /// Providers of a kind of service.
    ServiceKind {
        /// The kind.
        kind: u16,
    },
}

/// A questionnaire.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SurveyDefinition {
    /// Title.
    pub title: String,
    /// What it is for.
    #[serde(default)]
    pub description: String,
    /// The questions.
    pub questions: Vec<Question>,
    /// Who is asked.
    pub audience: Audience,
    /// Answers cannot be traced to their respondents.
    #[serde(default)]
    pub anonymous: bool,
    /// Who sees the results: the public (default), or only the survey's
    /// author and administrators.
    #[serde(default)]
    pub results: ResultsAudience,
}

/// Who sees a survey's results.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum ResultsAudience {
    /// Everyone.
    #[default]
    Public,
    /// Its author and administrators.
    Organisers,
}

/// Fewest answers before an anonymous survey's results are shown (fewer
/// could tell who answered what).
pub const MIN_ANONYMOUS_ANSWERS: usize = 3;

/// Why a survey's results are not shown to a reader.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Withheld {
    /// They are for the survey's author and administrators.
    ForOrganisers,
    /// An anonymous survey with fewer than [`MIN_ANONYMOUS_ANSWERS`] answers.
    TooFewAnswers {
        /// Answers so far.
        answers: usize,
    },
}

impl std::fmt::Display for Withheld {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::ForOrganisers => {
                f.write_str("the results of this survey are for its author and administrators")
            }
            Self::TooFewAnswers { answers } => write!(
                f,
                "the results of an anonymous survey are shown once {MIN_ANONYMOUS_ANSWERS} answers exist ({answers} so far)"
            ),
        }
    }
}

impl SurveyDefinition {
    /// Why the results are not shown to this reader now, if they are not:
    /// `organiser` says whether the reader is the author or an administrator.
    pub fn results_withheld(&self, answers: usize, organiser: bool) -> Option<Withheld> {
        if self.results == ResultsAudience::Organisers && !organiser {
            Some(Withheld::ForOrganisers)
        } else if self.anonymous && answers < MIN_ANONYMOUS_ANSWERS {
            Some(Withheld::TooFewAnswers { answers })
        } else {
            None
        }
    }
}

/// Where a survey stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum SurveyStatus {
    /// Not defined.
    #[default]
    None,
    /// Defined, not open yet (may be redefined).
    Draft,
    /// Accepting answers.
    Open,
    /// Closed.
    Closed,
}

/// The state of a survey.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Survey {
    /// The questionnaire.
    pub definition: Option<SurveyDefinition>,
    /// Where it stands.
    pub status: SurveyStatus,
}

/// What can be asked of a survey.
#[derive(Debug, Clone, PartialEq)]
pub enum SurveyCommand {
    /// Define (or, while a draft, redefine).
    Define(SurveyDefinition),
    /// Open for answers.
    Open,
    /// Close.
    Close,
}

/// What happens to a survey.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type")]
pub enum SurveyEvent {
    /// Defined.
    SurveyDefined {
        /// The questionnaire.
        definition: SurveyDefinition,
    },
    /// Opened.
    SurveyOpened {},
    /// Closed.
    SurveyClosed {},
}

fn check(d: &SurveyDefinition) -> Result<(), DomainError> {
    let mut v = Violations::new();
    v.check("title", required_text(&d.title, 300));
    v.check("description", optional_text(&d.description, 5000));
    if d.questions.is_empty() {
        v.add("questions", "a survey needs at least one question");
    }
    let mut ids = std::collections::BTreeSet::new();
    for (i, q) in d.questions.iter().enumerate() {
        let f = format!("questions[{i}]");
        v.check(format!("{f}.id"), check_code(&q.id));
        if !ids.insert(&q.id) {
            v.add(format!("{f}.id"), "is used twice");
        }
        v.check(format!("{f}.text"), required_text(&q.text, 1000));
        match &q.kind {
            QuestionKind::SingleChoice { options }
            | QuestionKind::MultipleChoice { options, .. } => {
                if options.len() < 2 {
                    v.add(format!("{f}.kind.options"), "at least two options");
                }
                for (j, o) in options.iter().enumerate() {
                    v.check(format!("{f}.kind.options[{j}]"), required_text(o, 300));
                }
            }
            QuestionKind::Number {
                min: Some(a),
                max: Some(b),
            } if a > b => {
                v.add(format!("{f}.kind.min"), "is above max");
            }
            _ => {}
        }
    }
    match &d.audience {
        Audience::Kraj { code } => {
            v.check("audience.code", check_code(code));
        }
        Audience::ServiceKind { kind } => {
            v.check("audience.kind", ServiceKind::from_code(*kind));
        }
        Audience::AllProviders => {}
    }
    v.finish()
}

impl Aggregate for Survey {
    const STREAM_TYPE: &'static str = "survey";
    type Command = SurveyCommand;
    type Event = SurveyEvent;

    fn apply(&mut self, event: &SurveyEvent) {
        match event {
            SurveyEvent::SurveyDefined { definition } => {
                self.definition = Some(definition.clone());
                self.status = SurveyStatus::Draft;
            }
            SurveyEvent::SurveyOpened {} => self.status = SurveyStatus::Open,
            SurveyEvent::SurveyClosed {} => self.status = SurveyStatus::Closed,
        }
    }

    fn decide(
        &self,
        command: &SurveyCommand,
        _now: OffsetDateTime,
    ) -> Result<Vec<SurveyEvent>, DomainError> {
        use SurveyStatus as S;
        match (command, self.status) {
            (SurveyCommand::Define(d), S::None | S::Draft) => {
                check(d)?;
                if self.definition.as_ref() == Some(d) {
                    return Ok(vec![]);
                }
                Ok(vec![SurveyEvent::SurveyDefined {
                    definition: d.clone(),
                }])
            }
            (SurveyCommand::Define(_), _) => Err(DomainError::Rejected(
                "an opened survey cannot be changed".into(),
            )),
            (_, S::None) => Err(DomainError::NotFound("the survey".into())),
            (SurveyCommand::Open, S::Draft) => Ok(vec![SurveyEvent::SurveyOpened {}]),
            (SurveyCommand::Open, S::Open) | (SurveyCommand::Close, S::Closed) => Ok(vec![]),
            (SurveyCommand::Open, S::Closed) => {
                Err(DomainError::Rejected("the survey is closed".into()))
            }
            (SurveyCommand::Close, S::Open) => Ok(vec![SurveyEvent::SurveyClosed {}]),
            (SurveyCommand::Close, S::Draft) => {
                Err(DomainError::Rejected("the survey was never opened".into()))
            }
        }
    }
}
