//! Surveys, read side: the questionnaires and their results — response
//! rate against the providers invited, frequencies and percentages, mean,
//! median, standard deviation (of a sample), minimum and maximum, a
//! cross-tabulation of two questions, and the answers as CSV. No result
//! names a respondent: the answers are stored without one.

use super::answers::List;
use super::params::Query;
use super::records::After;
use super::{wait_after, QueryState};
use crate::index::Index;
use axum::extract::{Path, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use events::surveys::survey::{Audience, Question, QuestionKind, SurveyStatus};
use infra::problem::Problem;
use read_models::surveys::{ResponseView, SurveyView};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};

pub(super) fn routes() -> Router<QueryState> {
    Router::new()
        .route("/surveys", get(list))
        .route("/surveys/{id}", get(one))
        .route("/surveys/{id}/results", get(results))
}

fn not_found() -> Problem {
    Problem::new(StatusCode::NOT_FOUND, "not-found", "No such record")
        .detail("the survey does not exist")
}

pub(crate) fn responses<'a>(index: &'a Index, id: &str) -> Vec<&'a ResponseView> {
    let mut all: Vec<(&String, &ResponseView)> = index
        .survey_responses
        .iter()
        .filter(|(_, r)| r.survey_id == id)
        .collect();
    all.sort_by(|a, b| a.0.cmp(b.0));
    all.into_iter().map(|(_, r)| r).collect()
}

/// The kraj (NUTS) a provider's registered office is in, when known.
fn office_kraj<'a>(index: &'a Index, ico: &str) -> Option<&'a str> {
    index
        .providers
        .get(ico)?
        .address
        .municipality_code
        .as_deref()
        .and_then(|m| index.territory().kraj_of_municipality(m))
}

/// A provided service of `ico` that works in the kraj `nuts` (a facility
/// there, or its catchment), which answers a survey of the kraj for it.
pub fn service_in_kraj<'a>(
    index: &'a Index,
    ico: &str,
    nuts: &str,
) -> Option<&'a crate::index::ServiceEntry> {
    use events::registry::service::ServiceStatus;
    index.services().find(|e| {
        e.view.provider_ico == ico
            && e.view.status == ServiceStatus::Active
            && index.territory().serves_kraj(&e.view.details, nuts)
    })
}

/// Why the provider `ico` is not in the audience (`None`: it is): every
/// provider; those with their registered office in the kraj or a service
/// working there; those with a service of the kind.
pub fn not_invited(index: &Index, audience: &Audience, ico: &str) -> Option<NotInvited> {
    if !index.providers.contains_key(ico) {
        return Some(NotInvited::Unknown);
    }
    match audience {
        Audience::AllProviders => None,
        Audience::Kraj { code } => {
            let kraj = index
                .territory()
                .kraj_by_any_code(code)
                .map_or(code.as_str(), |k| k.nuts.as_str());
            let office = office_kraj(index, ico);
            (office != Some(kraj) && service_in_kraj(index, ico, kraj).is_none()).then(|| {
                NotInvited::OutsideKraj {
                    kraj: kraj.to_string(),
                    office: office.map(str::to_string),
                }
            })
        }
        Audience::ServiceKind { kind } => (!index
            .services()
            .any(|e| e.view.provider_ico == ico && e.view.details.kind == *kind))
        .then_some(NotInvited::NoServiceOfKind(*kind)),
    }
}

/// Why a provider is not asked by a survey.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NotInvited {
    /// Not a provider of the registry.
    Unknown,
    /// Its office is elsewhere (or unknown) and no service of its works in the kraj.
    OutsideKraj {
        /// The survey's kraj (NUTS).
        kraj: String,
        /// Its office's kraj, when known.
        office: Option<String>,
    },
    /// It has no service of the kind.
    NoServiceOfKind(u16),
}

/// Whether the provider `ico` is in the audience (see [`not_invited`]).
pub fn invites(index: &Index, audience: &Audience, ico: &str) -> bool {
    not_invited(index, audience, ico).is_none()
}

/// How many providers are invited (see [`invites`]).
pub fn invited(index: &Index, audience: &Audience) -> usize {
    match audience {
        Audience::ServiceKind { kind } => index
            .services()
            .filter(|e| e.view.details.kind == *kind)
            .map(|e| e.view.provider_ico.clone())
            .collect::<BTreeSet<_>>()
            .len(),
        Audience::Kraj { code } => {
            // One walk of the services and one of the providers, not a walk
            // of the services for each provider.
            let kraj = index
                .territory()
                .kraj_by_any_code(code)
                .map_or(code.as_str(), |k| k.nuts.as_str());
            let mut asked: BTreeSet<&str> = index
                .services()
                .filter(|e| {
                    e.view.status == events::registry::service::ServiceStatus::Active
                        && index.territory().serves_kraj(&e.view.details, kraj)
                })
                .map(|e| e.view.provider_ico.as_str())
                .filter(|ico| index.providers.contains_key(*ico))
                .collect();
            asked.extend(
                index
                    .providers
                    .keys()
                    .filter(|ico| office_kraj(index, ico) == Some(kraj))
                    .map(String::as_str),
            );
            asked.len()
        }
        Audience::AllProviders => index.providers.len(),
    }
}

#[utoipa::path(operation_id = "surveys", get, path = "/api/v1/surveys", tag = "surveys", params(After), responses((status = 200, description = "`{ total, items: [{ id, title, status, audience, anonymous, responses }] }`", body = List<SurveySummary>), (status = 422, description = "A bad parameter, named", body = crate::api::openapi::Problem)))]
pub(crate) async fn list(
    State(state): State<QueryState>,
    Query(a): Query<After>,
) -> Result<Json<List<SurveySummary>>, Problem> {
    wait_after(&state, a.after.as_deref()).await?;
    let index = state.indexer.read();
    let mut items: Vec<&SurveyView> = index.surveys.values().collect();
    items.sort_by(|a, b| a.id.cmp(&b.id));
    let items: Vec<SurveySummary> = items
        .into_iter()
        .map(|s| SurveySummary {
            id: s.id.clone(),
            title: s.definition.title.clone(),
            status: s.status,
            audience: s.definition.audience.clone(),
            anonymous: s.definition.anonymous,
            responses: responses(&index, &s.id).len(),
        })
        .collect();
    Ok(Json(items.into()))
}

/// A survey in the list of surveys.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct SurveySummary {
    /// Id.
    pub id: String,
    /// Title.
    pub title: String,
    /// Draft, open or closed.
    pub status: SurveyStatus,
    /// Who is asked.
    pub audience: Audience,
    /// Answers cannot be traced to their respondents.
    pub anonymous: bool,
    /// Responses so far.
    pub responses: usize,
}

#[utoipa::path(operation_id = "survey", get, path = "/api/v1/surveys/{id}", tag = "surveys", params(("id" = String, Path, description = "The survey"), After), responses((status = 200, description = "The questionnaire and its state", body = SurveyView), (status = 404, description = "No such survey", body = crate::api::openapi::Problem), (status = 422, description = "A bad parameter, named", body = crate::api::openapi::Problem)))]
pub(crate) async fn one(
    State(state): State<QueryState>,
    Path(id): Path<String>,
    Query(a): Query<After>,
) -> Result<Json<SurveyView>, Problem> {
    wait_after(&state, a.after.as_deref()).await?;
    let index = state.indexer.read();
    let s = index.surveys.get(&id).ok_or_else(not_found)?;
    Ok(Json(s.clone()))
}

/// What to compute.
#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ResultParams {
    /// Two question ids, `q1,q2`: their cross-tabulation.
    pub cross: Option<String>,
    /// `json` (default) or `csv` (the answers, one row per response, no respondent).
    pub format: Option<String>,
    /// Wait until the read models hold this change.
    pub after: Option<String>,
}

fn round(x: f64, places: i32) -> f64 {
    let f = 10f64.powi(places);
    (x * f).round() / f
}

/// Mean, median, sample standard deviation, min and max.
pub fn describe(values: &[f64]) -> Statistics {
    if values.is_empty() {
        return Statistics {
            n: 0,
            ..Statistics::default()
        };
    }
    let n = values.len() as f64;
    let mean = values.iter().sum::<f64>() / n;
    let mut sorted = values.to_vec();
    sorted.sort_by(f64::total_cmp);
    let mid = sorted.len() / 2;
    let median = if sorted.len() % 2 == 0 {
        (sorted[mid - 1] + sorted[mid]) / 2.0
    } else {
        sorted[mid]
    };
    let sd = if values.len() > 1 {
        (values.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / (n - 1.0)).sqrt()
    } else {
        0.0
    };
    Statistics {
        n: values.len(),
        mean: Some(round(mean, 4)),
        median: Some(median),
        std_dev: Some(round(sd, 4)),
        min: Some(sorted[0]),
        max: Some(sorted[sorted.len() - 1]),
    }
}

/// Descriptive statistics of numeric answers (only `n` when there are none).
#[derive(Debug, Default, PartialEq, Serialize, utoipa::ToSchema)]
pub struct Statistics {
    /// How many values.
    pub n: usize,
    /// Mean, four decimals.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mean: Option<f64>,
    /// Median.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub median: Option<f64>,
    /// Standard deviation of a sample, four decimals.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub std_dev: Option<f64>,
    /// Minimum.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub min: Option<f64>,
    /// Maximum.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max: Option<f64>,
}

/// How often an answer was given.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Frequency {
    /// How many gave it.
    pub count: usize,
    /// Percent of those who answered, two decimals.
    pub percent: f64,
}

/// Answers of a multiple choice outside its options.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct OtherAnswers {
    /// How many.
    pub count: usize,
    /// Percent of those who answered, two decimals.
    pub percent: f64,
    /// The answers.
    pub answers: Vec<String>,
}

/// The results of one question; which parts it has depends on its kind.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct QuestionResult {
    /// The question.
    pub id: String,
    /// Its text.
    pub text: String,
    /// How many answered it.
    pub answered: usize,
    /// Choices, yes/no and scales: each answer's frequency.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub frequencies: Option<BTreeMap<String, Frequency>>,
    /// Multiple choices: answers outside the options.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub other: Option<OtherAnswers>,
    /// Scales and numbers.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub statistics: Option<Statistics>,
    /// Texts and dates: the answers.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub answers: Option<Vec<Value>>,
}

/// The results of a survey.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct SurveyResults {
    /// The survey.
    pub survey_id: String,
    /// Draft, open or closed.
    pub status: SurveyStatus,
    /// Answers cannot be traced to their respondents.
    pub anonymous: bool,
    /// Providers invited.
    pub invited: usize,
    /// Responses.
    pub responses: usize,
    /// Responses per provider invited, four decimals.
    pub response_rate: f64,
    /// Each question's results.
    pub questions: Vec<QuestionResult>,
    /// The cross-tabulation asked for.
    pub cross: Option<CrossTable>,
}

/// Counts of the answers of two questions together.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct CrossTable {
    /// The question of the rows.
    pub rows: String,
    /// The question of the columns.
    pub columns: String,
    /// Counts by row answer, then column answer.
    pub counts: BTreeMap<String, BTreeMap<String, usize>>,
}

fn percent(count: usize, of: usize) -> f64 {
    if of == 0 {
        0.0
    } else {
        round(count as f64 * 100.0 / of as f64, 2)
    }
}

pub(crate) fn label(v: &Value) -> String {
    match v {
        Value::Bool(true) => "yes".into(),
        Value::Bool(false) => "no".into(),
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

fn frequencies(counts: BTreeMap<String, usize>, of: usize) -> BTreeMap<String, Frequency> {
    counts
        .into_iter()
        .map(|(k, count)| {
            let percent = percent(count, of);
            (k, Frequency { count, percent })
        })
        .collect()
}

pub(crate) fn question_result(q: &Question, answers: &[&Value]) -> QuestionResult {
    let n = answers.len();
    let mut out = QuestionResult {
        id: q.id.clone(),
        text: q.text.clone(),
        answered: n,
        frequencies: None,
        other: None,
        statistics: None,
        answers: None,
    };
    let numbers = || -> Vec<f64> { answers.iter().filter_map(|a| a.as_f64()).collect() };
    match &q.kind {
        QuestionKind::SingleChoice { options } | QuestionKind::MultipleChoice { options, .. } => {
            let mut counts: BTreeMap<String, usize> =
                options.iter().map(|o| (o.clone(), 0)).collect();
            let mut other = Vec::new();
            for a in answers {
                let items: Vec<String> = match a {
                    Value::Array(xs) => xs.iter().map(label).collect(),
                    one => vec![label(one)],
                };
                for i in items {
                    if options.contains(&i) {
                        *counts.entry(i).or_default() += 1;
                    } else {
                        other.push(i);
                    }
                }
            }
            out.frequencies = Some(frequencies(counts, n));
            if matches!(q.kind, QuestionKind::MultipleChoice { .. }) {
                out.other = Some(OtherAnswers {
                    count: other.len(),
                    percent: percent(other.len(), n),
                    answers: other,
                });
            }
        }
        QuestionKind::YesNo | QuestionKind::Scale => {
            let mut counts: BTreeMap<String, usize> = match q.kind {
                QuestionKind::YesNo => [("yes".to_string(), 0), ("no".to_string(), 0)].into(),
                _ => (1..=5).map(|i| (i.to_string(), 0)).collect(),
            };
            for a in answers {
                *counts.entry(label(a)).or_default() += 1;
            }
            out.frequencies = Some(frequencies(counts, n));
            if matches!(q.kind, QuestionKind::Scale) {
                out.statistics = Some(describe(&numbers()));
            }
        }
        QuestionKind::Number { .. } => out.statistics = Some(describe(&numbers())),
        QuestionKind::ShortText | QuestionKind::LongText | QuestionKind::Date => {
            out.answers = Some(answers.iter().map(|a| (*a).clone()).collect());
        }
    }
    out
}

fn csv_of(survey: &SurveyView, responses: &[&ResponseView]) -> Response {
    let mut w = infra::spreadsheet::SafeCsv::new();
    let mut header = vec!["response".to_string()];
    header.extend(survey.definition.questions.iter().map(|q| q.id.clone()));
    w.row(&header);
    for (i, r) in responses.iter().enumerate() {
        let mut row = vec![(i + 1).to_string()];
        for q in &survey.definition.questions {
            row.push(match r.answers.get(&q.id) {
                None => String::new(),
                Some(Value::Array(xs)) => xs.iter().map(label).collect::<Vec<_>>().join(";"),
                Some(v) => label(v),
            });
        }
        w.row(&row);
    }
    (
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_string()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"survey-{}.csv\"", survey.id),
            ),
        ],
        w.into_bytes(),
    )
        .into_response()
}

/// Whether the request's account (if any) is the survey's author or an administrator.
async fn organiser(
    state: &QueryState,
    id: &str,
    headers: &axum::http::HeaderMap,
) -> Result<bool, Problem> {
    let Some(authorization) = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
    else {
        return Ok(false);
    };
    let Some(check) = state.forum.as_ref().and_then(|f| f.accounts.as_ref()) else {
        return Ok(false);
    };
    match check.admitted(Some(authorization)).await {
        Ok((account_id, account)) => Ok(state
            .indexer
            .read()
            .surveys
            .get(id)
            .is_some_and(|s| s.organised_by(&account_id.to_string(), &account))),
        Err(infra::tokens::CheckError::Token(e)) => Err(Problem::new(
            StatusCode::UNAUTHORIZED,
            "unauthorized",
            "Authentication is required",
        )
        .detail(e.to_string())),
        Err(infra::tokens::CheckError::Store(e)) => Err(Problem::unavailable(&e)),
    }
}

#[utoipa::path(get, path = "/api/v1/surveys/{id}/results", tag = "surveys", params(("id" = String, Path, description = "The survey"), ResultParams), security((), ("bearer" = [])), responses((status = 200, description = "`{ invited, responses, response_rate, questions: [...], cross }`, or the answers as CSV", body = SurveyResults), (status = 401, description = "A token that is not valid", body = crate::api::openapi::Problem), (status = 403, description = "Withheld: the results are for the survey's organisers, or an anonymous survey has fewer than 3 answers", body = crate::api::openapi::Problem), (status = 404, description = "No such survey", body = crate::api::openapi::Problem), (status = 422, description = "A bad parameter, named", body = crate::api::openapi::Problem)))]
pub(crate) async fn results(
    State(state): State<QueryState>,
    headers: axum::http::HeaderMap,
    Path(id): Path<String>,
    Query(p): Query<ResultParams>,
) -> Result<Response, Problem> {
    wait_after(&state, p.after.as_deref()).await?;
    let organiser = organiser(&state, &id, &headers).await?;
    let index = state.indexer.read();
    let survey = index.surveys.get(&id).ok_or_else(not_found)?;
    let rs = responses(&index, &id);
    if let Some(reason) = survey.definition.results_withheld(rs.len(), organiser) {
        return Err(Problem::new(
            StatusCode::FORBIDDEN,
            "results-withheld",
            "The results are not shown",
        )
        .detail(reason.to_string()));
    }
    match p.format.as_deref().unwrap_or("json") {
        "json" => {}
        "csv" => return Ok(csv_of(survey, &rs)),
        other => {
            return Err(Problem::invalid(
                "format",
                format!("{other:?} is not json or csv"),
            ))
        }
    }
    let invited = invited(&index, &survey.definition.audience);
    let questions: Vec<QuestionResult> = survey
        .definition
        .questions
        .iter()
        .map(|q| {
            let answers: Vec<&Value> = rs.iter().filter_map(|r| r.answers.get(&q.id)).collect();
            question_result(q, &answers)
        })
        .collect();
    let cross = match p.cross.as_deref() {
        None => None,
        Some(pair) => {
            let (a, b) = pair
                .split_once(',')
                .ok_or_else(|| Problem::invalid("cross", "two question ids, q1,q2"))?;
            for id in [a, b] {
                let q = survey.definition.questions.iter().find(|q| q.id == id);
                match q.map(|q| &q.kind) {
                    Some(
                        QuestionKind::SingleChoice { .. }
                        | QuestionKind::YesNo
                        | QuestionKind::Scale,
                    ) => {}
                    Some(_) => {
                        return Err(Problem::invalid(
                            "cross",
                            format!("{id} is not a single choice, yes/no or scale question"),
                        ))
                    }
                    None => {
                        return Err(Problem::invalid(
                            "cross",
                            format!("{id} is not a question of the survey"),
                        ))
                    }
                }
            }
            let mut table: BTreeMap<String, BTreeMap<String, usize>> = BTreeMap::new();
            for r in &rs {
                if let (Some(x), Some(y)) = (r.answers.get(a), r.answers.get(b)) {
                    *table
                        .entry(label(x))
                        .or_default()
                        .entry(label(y))
                        .or_default() += 1;
                }
            }
            Some(CrossTable {
                rows: a.to_string(),
                columns: b.to_string(),
                counts: table,
            })
        }
    };
    Ok(Json(SurveyResults {
        survey_id: id,
        status: survey.status,
        anonymous: survey.definition.anonymous,
        invited,
        responses: rs.len(),
        response_rate: if invited == 0 {
            0.0
        } else {
            round(rs.len() as f64 / invited as f64, 4)
        },
        questions,
        cross,
    })
    .into_response())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statistics_of_a_sample() {
        // 2, 4, 4, 4, 5, 5, 7, 9: mean 5, median 4.5, sample sd = sqrt(32/7) = 2.1381
        let d = describe(&[2.0, 4.0, 4.0, 4.0, 5.0, 5.0, 7.0, 9.0]);
        assert_eq!(
            serde_json::to_value(d).unwrap(),
            serde_json::json!({ "n": 8, "mean": 5.0, "median": 4.5, "std_dev": 2.1381, "min": 2.0, "max": 9.0 })
        );
        assert_eq!(describe(&[3.0]).std_dev, Some(0.0));
        assert_eq!(
            serde_json::to_value(describe(&[])).unwrap(),
            serde_json::json!({ "n": 0 })
        );
    }
}
