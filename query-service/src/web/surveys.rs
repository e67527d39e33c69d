//! Surveys on the web: the list at `/ankety`, a survey's page
//! `/ankety/{id}` with its results (response rate, a table per question
//! with its frequencies drawn as bars, statistics of numbers and scales,
//! the answers as CSV) — the same figures as `/api/v1/surveys/{id}/results`
//! — and, for a signed-in provider while the survey is open, the
//! questionnaire as a form that posts the answer to the command API.

use super::commands::Command;
use super::page::{Frame, Lang};
use super::session::{self, SignedIn, Visitor};
use crate::api::surveys::{invited, invites, question_result, responses, QuestionResult};
use crate::api::QueryState;
use askama::Template;
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use command_api::surveys::AnswerBody;
use events::surveys::survey::{Audience, Question, QuestionKind, SurveyStatus};
use read_models::surveys::SurveyView;
use serde_json::Value;
use std::collections::BTreeMap;

pub(super) fn status_text(lang: Lang, status: SurveyStatus) -> &'static str {
    match status {
        SurveyStatus::Open => lang.texts().survey_open,
        SurveyStatus::Closed => lang.texts().survey_closed,
        SurveyStatus::Draft | SurveyStatus::None => lang.texts().survey_in_preparation,
    }
}

fn surveys_title(lang: Lang) -> &'static str {
    lang.texts().surveys
}

/// A survey as listed.
struct SurveyItem {
    id: String,
    title: String,
    status: &'static str,
    responses: usize,
}

#[derive(Template)]
#[template(path = "surveys/list.html")]
struct ListPage<'a> {
    frame: Frame<'a>,
    surveys: Vec<SurveyItem>,
}

/// `GET /ankety`.
pub async fn list(State(state): State<QueryState>, RawQuery(raw): RawQuery) -> Response {
    let lang = Lang::from_query(raw.as_deref().unwrap_or_default());
    let index = state.indexer.read();
    let mut surveys: Vec<&SurveyView> = index
        .surveys
        .values()
        .filter(|s| matches!(s.status, SurveyStatus::Open | SurveyStatus::Closed))
        .collect();
    surveys.sort_by(|a, b| b.id.cmp(&a.id));
    let surveys = surveys
        .into_iter()
        .map(|s| SurveyItem {
            id: s.id.clone(),
            title: s.definition.title.clone(),
            status: status_text(lang, s.status),
            responses: responses(&index, &s.id).len(),
        })
        .collect();
    super::page::render(&ListPage {
        frame: Frame {
            lang,
            title: surveys_title(lang),
            path: "/ankety",
        },
        surveys,
    })
}

/// `GET /ankety/{id}`.
pub async fn one(
    State(state): State<QueryState>,
    Path(id): Path<String>,
    headers: HeaderMap,
    RawQuery(raw): RawQuery,
) -> Response {
    let raw = raw.unwrap_or_default();
    let lang = Lang::from_query(&raw);
    let visitor = session::visitor(&state, &headers).await;
    let notice = raw
        .split('&')
        .any(|kv| kv == "answered=1")
        .then(|| lang.texts().answer_saved);
    render(
        &state,
        &id,
        visitor.as_ref(),
        lang,
        StatusCode::OK,
        notice,
        None,
        None,
    )
}

/// Whether and how the visitor is asked.
enum Invitation {
    /// The survey is not open.
    None,
    /// Signed in, but for no provider the survey asks.
    OtherProviders,
    /// Not signed in.
    SignIn,
    /// The questionnaire.
    Form(AnswerForm),
}

#[derive(Template)]
#[template(path = "surveys/survey.html")]
struct SurveyPage<'a> {
    frame: Frame<'a>,
    survey: &'a SurveyView,
    status: &'static str,
    notice: Option<&'a str>,
    problem: Option<&'a str>,
    invitation: Invitation,
    withheld: Option<&'static str>,
    responses: usize,
    asked: usize,
    rate: usize,
    tables: Vec<ResultTable<'a>>,
}

/// The survey's page; `typed` (the answers of a refused form) fills the
/// questionnaire in, else a named respondent's last answer does.
#[allow(clippy::too_many_arguments)]
fn render(
    state: &QueryState,
    id: &str,
    visitor: Option<&Visitor>,
    lang: Lang,
    status: StatusCode,
    notice: Option<&str>,
    problem: Option<&str>,
    typed: Option<&std::collections::BTreeMap<String, Value>>,
) -> Response {
    let t = lang.texts();
    let index = state.indexer.read();
    let Some(survey) = index
        .surveys
        .get(id)
        .filter(|s| s.status != SurveyStatus::None)
    else {
        return super::alert(
            StatusCode::NOT_FOUND,
            lang,
            t.no_such_survey,
            "/ankety",
            t.no_such_survey,
        );
    };
    let path = format!("/ankety/{id}");
    // Only the providers the survey asks.
    let providers: Vec<String> = visitor
        .map(Visitor::providers)
        .unwrap_or_default()
        .into_iter()
        .filter(|ico| invites(&index, &survey.definition.audience, ico))
        .collect();
    let invitation = if survey.status != SurveyStatus::Open {
        Invitation::None
    } else if providers.is_empty() && visitor.is_some() {
        Invitation::OtherProviders
    } else if providers.is_empty() {
        Invitation::SignIn
    } else {
        // A named respondent sees its last answer, to change it.
        let previous = match providers.as_slice() {
            [ico] if !survey.definition.anonymous => index
                .survey_responses
                .get(&format!("{}:{ico}", survey.id))
                .map(|r| &r.answers),
            _ => None,
        };
        let mut form = answer_form(survey, providers, typed.or(previous), lang);
        form.answered_before = previous.is_some();
        Invitation::Form(form)
    };
    // The results, unless withheld from this reader.
    let rs = responses(&index, id);
    let organiser =
        visitor.is_some_and(|v| survey.organised_by(&v.account_id.to_string(), &v.account));
    let withheld = survey
        .definition
        .results_withheld(rs.len(), organiser)
        .map(|reason| withheld_text(lang, reason));
    let asked = invited(&index, &survey.definition.audience);
    let tables = if withheld.is_some() {
        Vec::new()
    } else {
        survey
            .definition
            .questions
            .iter()
            .map(|q| {
                let answers: Vec<&Value> = rs.iter().filter_map(|r| r.answers.get(&q.id)).collect();
                ResultTable {
                    lang,
                    question: q,
                    result: question_result(q, &answers),
                }
            })
            .collect()
    };
    let page = SurveyPage {
        frame: Frame {
            lang,
            title: &survey.definition.title,
            path: &path,
        },
        survey,
        status: status_text(lang, survey.status),
        notice,
        problem,
        invitation,
        withheld,
        responses: rs.len(),
        asked,
        rate: (rs.len() * 100).checked_div(asked).unwrap_or(0),
        tables,
    };
    (status, super::page::render(&page)).into_response()
}

/// Why the results are not shown, in the page's language.
fn withheld_text(lang: Lang, reason: events::surveys::survey::Withheld) -> &'static str {
    match reason {
        events::surveys::survey::Withheld::TooFewAnswers { .. } => lang.texts().withheld_too_few,
        events::surveys::survey::Withheld::ForOrganisers => lang.texts().withheld_for_organisers,
    }
}

/// One question's result, as its table.
#[derive(askama::Template)]
#[template(path = "surveys/result.html")]
struct ResultTable<'a> {
    lang: Lang,
    question: &'a Question,
    result: QuestionResult,
}

impl ResultTable<'_> {
    fn option_label<'k>(&self, key: &'k str) -> &'k str {
        let t = self.lang.texts();
        match key {
            "yes" => t.yes,
            "no" => t.no,
            other => other,
        }
    }

    /// A bar's width in pixels for a percentage.
    fn bar(&self, percent: &f64) -> String {
        format!("{:.0}", percent * 1.5)
    }

    /// A figure as the read API writes it (`50.0`, `2.1381`).
    fn number(&self, x: &f64) -> String {
        serde_json::Value::from(*x).to_string()
    }

    fn maybe(&self, x: &Option<f64>) -> String {
        x.map_or_else(|| "null".to_string(), |x| self.number(&x))
    }
}

/// The answer as a form's value: the results' label (`true` is `yes`), a whole number without `.0`.
fn as_value(v: &Value) -> String {
    match v.as_f64() {
        Some(f) if v.is_number() && f.fract() == 0.0 && f.abs() < 1e15 => format!("{f:.0}"),
        _ => crate::api::surveys::label(v),
    }
}

/// A choice of a question: its value, text, whether chosen before.
struct ChoiceItem {
    value: String,
    text: String,
    checked: bool,
}

/// A question as a control of the form.
struct QuestionControl {
    /// The control's id.
    id: String,
    /// The field's name (`q:<question>`).
    name: String,
    text: String,
    required: bool,
    /// `radio`, `checkbox`, `number`, `text`, `textarea` or `date`.
    input: &'static str,
    choices: Option<Vec<ChoiceItem>>,
    /// The field of an answer outside the options.
    other: Option<String>,
    /// The answer given before.
    typed: String,
    min: Option<f64>,
    max: Option<f64>,
}

/// The questionnaire (`surveys/answer_form.html`).
struct AnswerForm {
    providers: Vec<String>,
    answered_before: bool,
    questions: Vec<QuestionControl>,
}

/// The questionnaire; `previous` (a named respondent's last answer) fills it in.
fn answer_form(
    survey: &SurveyView,
    providers: Vec<String>,
    previous: Option<&std::collections::BTreeMap<String, Value>>,
    lang: Lang,
) -> AnswerForm {
    let t = lang.texts();
    let questions = survey
        .definition
        .questions
        .iter()
        .enumerate()
        .map(|(n, q)| {
            let before = previous.and_then(|p| p.get(&q.id));
            let chosen = |value: &str| match before {
                Some(Value::Array(items)) => items.iter().any(|i| as_value(i) == value),
                Some(v) => as_value(v) == value,
                None => false,
            };
            let choices = |options: Vec<(String, String)>| {
                Some(
                    options
                        .into_iter()
                        .map(|(value, text)| ChoiceItem {
                            checked: chosen(&value),
                            value,
                            text,
                        })
                        .collect(),
                )
            };
            let same =
                |options: &[String]| options.iter().map(|o| (o.clone(), o.clone())).collect();
            let (input, choices, other, min, max) = match &q.kind {
                QuestionKind::SingleChoice { options } => {
                    ("radio", choices(same(options)), None, None, None)
                }
                QuestionKind::MultipleChoice {
                    options,
                    allow_other,
                } => (
                    "checkbox",
                    choices(same(options)),
                    allow_other.then(|| format!("other:{}", q.id)),
                    None,
                    None,
                ),
                QuestionKind::YesNo => (
                    "radio",
                    choices(vec![
                        ("yes".into(), t.yes.into()),
                        ("no".into(), t.no.into()),
                    ]),
                    None,
                    None,
                    None,
                ),
                QuestionKind::Scale => (
                    "radio",
                    choices((1..=5).map(|i| (i.to_string(), i.to_string())).collect()),
                    None,
                    None,
                    None,
                ),
                QuestionKind::Number { min, max } => ("number", None, None, *min, *max),
                QuestionKind::ShortText => ("text", None, None, None, None),
                QuestionKind::LongText => ("textarea", None, None, None, None),
                QuestionKind::Date => ("date", None, None, None, None),
            };
            QuestionControl {
                id: format!("q{n}"),
                name: format!("q:{}", q.id),
                text: q.text.clone(),
                required: q.required,
                input,
                choices,
                other,
                typed: before.map(as_value).unwrap_or_default(),
                min,
                max,
            }
        })
        .collect();
    AnswerForm {
        providers,
        answered_before: previous.is_some(),
        questions,
    }
}

/// What a posted form holds per question, as typed (to show it again).
fn typed_answers(
    questions: &[Question],
    fields: &[(String, String)],
) -> std::collections::BTreeMap<String, Value> {
    questions
        .iter()
        .filter_map(|q| {
            let name = format!("q:{}", q.id);
            let values: Vec<Value> = fields
                .iter()
                .filter(|(k, v)| *k == name && !v.trim().is_empty())
                .map(|(_, v)| Value::from(v.trim()))
                .collect();
            let value = match &q.kind {
                QuestionKind::MultipleChoice { .. } => {
                    (!values.is_empty()).then_some(Value::Array(values))
                }
                _ => values.into_iter().next(),
            };
            value.map(|v| (q.id.clone(), v))
        })
        .collect()
}

/// The first value of `name` in the posted answers (empty when absent).
fn field<'a>(fields: &'a [(String, String)], name: &str) -> &'a str {
    fields
        .iter()
        .find(|(k, _)| k == name)
        .map_or("", |(_, v)| v.as_str())
}

/// The posted form as the command's answers; a number that is not one is named.
fn answers_of(
    questions: &[Question],
    fields: &[(String, String)],
) -> Result<BTreeMap<String, Value>, String> {
    let mut answers = BTreeMap::new();
    for q in questions {
        let name = format!("q:{}", q.id);
        let values: Vec<&str> = fields
            .iter()
            .filter(|(k, v)| *k == name && !v.trim().is_empty())
            .map(|(_, v)| v.trim())
            .collect();
        let other =
            Some(field(fields, &format!("other:{}", q.id)).trim()).filter(|v| !v.is_empty());
        let value = match (&q.kind, values.first()) {
            (QuestionKind::MultipleChoice { .. }, _) => {
                let mut all: Vec<Value> = values.iter().map(|v| Value::from(*v)).collect();
                all.extend(other.map(Value::from));
                (!all.is_empty()).then_some(Value::Array(all))
            }
            (_, None) => None,
            (QuestionKind::YesNo, Some(v)) => Some(Value::from(*v == "yes")),
            (QuestionKind::Scale, Some(v)) => Some(Value::from(
                v.parse::<i64>().map_err(|_| format!("{}: 1–5", q.id))?,
            )),
            (QuestionKind::Number { .. }, Some(v)) => Some(Value::from(
                v.replace(',', ".")
                    .parse::<f64>()
                    .map_err(|_| format!("{}: {v:?} is not a number", q.id))?,
            )),
            (_, Some(v)) => Some(Value::from(*v)),
        };
        if let Some(value) = value {
            answers.insert(q.id.clone(), value);
        }
    }
    Ok(answers)
}

/// `POST /ankety/{id}`: the signed-in provider's answer.
pub async fn answer(
    State(state): State<QueryState>,
    Path(id): Path<String>,
    signed: SignedIn<Vec<(String, String)>>,
) -> Response {
    // The questionnaire decides the form's fields (`q:<question>`, `other:<question>`).
    let SignedIn {
        form: fields,
        lang,
        visitor,
        commands,
    } = signed;
    let title = surveys_title(lang);
    let (questions, audience) = {
        let index = state.indexer.read();
        match index.surveys.get(&id) {
            Some(s) => (
                s.definition.questions.clone(),
                s.definition.audience.clone(),
            ),
            None => {
                let text = lang.texts().no_such_survey;
                return super::alert(StatusCode::NOT_FOUND, lang, text, "/ankety", text);
            }
        }
    };
    let provider_ico = field(&fields, "provider_ico").to_string();
    let answers = match answers_of(&questions, &fields) {
        Ok(a) => a,
        Err(text) => {
            let text = super::refusals::in_language(lang, &text);
            return render(
                &state,
                &id,
                Some(&visitor),
                lang,
                StatusCode::UNPROCESSABLE_ENTITY,
                None,
                Some(&text),
                Some(&typed_answers(&questions, &fields)),
            );
        }
    };
    // A survey of a kind of service is answered for the provider's service
    // of that kind; one of a kraj, for its service working there.
    let service_id = {
        let index = state.indexer.read();
        match audience {
            Audience::ServiceKind { kind } => index
                .services()
                .find(|e| e.view.provider_ico == provider_ico && e.view.details.kind == kind)
                .map(|e| e.view.id.clone()),
            Audience::Kraj { code } => index
                .territory()
                .kraj_by_any_code(&code)
                .and_then(|k| crate::api::surveys::service_in_kraj(&index, &provider_ico, &k.nuts))
                .map(|e| e.view.id.clone()),
            Audience::AllProviders => None,
        }
    };
    let command = Command::post(
        format!("/surveys/{}/answers", super::self_service::urlencode(&id)),
        &AnswerBody {
            provider_ico,
            service_id,
            answers,
        },
    );
    let answer = match commands.run(&command, &visitor.token, None).await {
        Ok(a) => a,
        Err(e) => return session::unreachable_commands(lang, title, &e),
    };
    if !answer.status.is_success() {
        return render(
            &state,
            &id,
            Some(&visitor),
            lang,
            answer.status,
            None,
            Some(&answer.refusal(lang)),
            Some(&typed_answers(&questions, &fields)),
        );
    }
    session::settle(&state, &answer).await;
    Redirect::to(&format!(
        "/ankety/{}?lang={}&answered=1#results",
        super::self_service::urlencode(&id),
        lang.code()
    ))
    .into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn q(id: &str, kind: QuestionKind) -> Question {
        Question {
            id: id.into(),
            text: id.into(),
            kind,
            required: false,
        }
    }

    #[test]
    fn a_posted_form_becomes_the_answers_by_kind() {
        let questions = vec![
            q("a", QuestionKind::YesNo),
            q(
                "b",
                QuestionKind::MultipleChoice {
                    options: vec!["x".into(), "y".into()],
                    allow_other: true,
                },
            ),
            q(
                "c",
                QuestionKind::Number {
                    min: None,
                    max: None,
                },
            ),
            q("d", QuestionKind::Scale),
            q("e", QuestionKind::ShortText),
        ];
        let fields: Vec<(String, String)> = [
            ("q:a", "no"),
            ("q:b", "x"),
            ("q:b", "y"),
            ("other:b", " z "),
            ("q:c", "2,5"),
            ("q:d", "4"),
            ("q:e", "  "),
        ]
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
        let answers = answers_of(&questions, &fields).unwrap();
        assert_eq!(
            serde_json::to_value(answers).unwrap(),
            serde_json::json!({ "a": false, "b": ["x", "y", "z"], "c": 2.5, "d": 4 })
        );
        let bad = [("q:c".to_string(), "many".to_string())];
        assert_eq!(
            answers_of(&questions, &bad).unwrap_err(),
            "c: \"many\" is not a number"
        );
    }
}
