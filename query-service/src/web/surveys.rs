//! Surveys on the web: the list at `/ankety`, a survey's page
//! `/ankety/{id}` with its results (response rate, a table per question
//! with its frequencies drawn as bars, statistics of numbers and scales,
//! the answers as CSV) — the same figures as `/api/v1/surveys/{id}/results`
//! — and, for a signed-in provider while the survey is open, the
//! questionnaire as a form that posts the answer to the command API.

use super::page::{esc, Lang};
use super::session::{self, Visitor};
use crate::api::surveys::{invited, invites, question_result, responses, QuestionResult};
use crate::api::QueryState;
use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{Html, IntoResponse, Redirect, Response};
use events::surveys::survey::{Audience, Question, QuestionKind, SurveyStatus};
use read_models::surveys::SurveyView;
use serde_json::{json, Map, Value};
use std::fmt::Write;

pub(super) fn status_text(lang: Lang, status: SurveyStatus) -> &'static str {
    match status {
        SurveyStatus::Open => lang.tr("otevřená", "open"),
        SurveyStatus::Closed => lang.tr("uzavřená", "closed"),
        SurveyStatus::Draft | SurveyStatus::None => lang.tr("připravovaná", "in preparation"),
    }
}

fn surveys_title(lang: Lang) -> &'static str {
    lang.tr("Ankety", "Surveys")
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
    let mut body = String::from("<ul class=\"results\">");
    for s in &surveys {
        let _ = write!(
            body,
            "<li><a href=\"/ankety/{id}?lang={code}\">{title}</a> — {status}, {answers} {answered}</li>",
            id = esc(&s.id),
            code = lang.code(),
            title = esc(&s.definition.title),
            status = status_text(lang, s.status),
            answers = responses(&index, &s.id).len(),
            answered = esc(lang.tr("odpovědí", "responses")),
        );
    }
    body.push_str("</ul>");
    if surveys.is_empty() {
        let _ = write!(
            body,
            "<p>{}</p>",
            esc(lang.tr("Zatím žádné ankety.", "No surveys yet."))
        );
    }
    Html(super::page::layout(
        lang,
        lang.tr("Ankety", "Surveys"),
        "/ankety",
        &body,
    ))
    .into_response()
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
    let notice = raw.split('&').any(|kv| kv == "answered=1").then(|| {
        lang.tr(
            "Děkujeme, odpověď byla uložena.",
            "Thank you, the answer was saved.",
        )
    });
    render(
        &state,
        &id,
        visitor.as_ref(),
        lang,
        StatusCode::OK,
        notice,
        None,
    )
}

fn render(
    state: &QueryState,
    id: &str,
    visitor: Option<&Visitor>,
    lang: Lang,
    status: StatusCode,
    notice: Option<&str>,
    problem: Option<&str>,
) -> Response {
    let index = state.indexer.read();
    let Some(survey) = index
        .surveys
        .get(id)
        .filter(|s| s.status != SurveyStatus::None)
    else {
        let text = lang.tr("Taková anketa neexistuje.", "No such survey.");
        return super::alert(StatusCode::NOT_FOUND, lang, text, "/ankety", text);
    };
    let path = format!("/ankety/{id}");
    let mut body = String::new();
    body.push_str(&super::page::notices(notice, problem));
    let _ = write!(
        body,
        "{}<p>{}: {}{}</p>",
        if survey.definition.description.is_empty() {
            String::new()
        } else {
            format!("<p>{}</p>", esc(&survey.definition.description))
        },
        esc(lang.tr("Stav", "Status")),
        status_text(lang, survey.status),
        if survey.definition.anonymous {
            format!(" · {}", esc(lang.tr("anonymní", "anonymous")))
        } else {
            String::new()
        },
    );
    // Only the providers the survey asks.
    let providers: Vec<String> = visitor
        .map(Visitor::providers)
        .unwrap_or_default()
        .into_iter()
        .filter(|ico| invites(&index, &survey.definition.audience, ico))
        .collect();
    let signed_in = visitor.is_some();
    if survey.status == SurveyStatus::Open {
        if providers.is_empty() && signed_in {
            let _ = write!(
                body,
                "<p>{}</p>",
                esc(lang.tr(
                    "Tato anketa se ptá jiných poskytovatelů.",
                    "This survey asks other providers.",
                ))
            );
        } else if providers.is_empty() {
            let _ = write!(
                body,
                "<p><a href=\"/prihlaseni?lang={}\">{}</a></p>",
                lang.code(),
                esc(lang.tr(
                    "Přihlaste se jako poskytovatel a odpovězte.",
                    "Sign in as a provider to answer."
                ))
            );
        } else {
            // A named respondent sees its last answer, to change it.
            let previous = match providers.as_slice() {
                [ico] if !survey.definition.anonymous => index
                    .survey_responses
                    .get(&format!("{}:{ico}", survey.id))
                    .map(|r| &r.answers),
                _ => None,
            };
            if previous.is_some() {
                let _ = write!(
                    body,
                    "<p>{}</p>",
                    esc(lang.tr(
                        "Už jste odpověděli; novou odpovědí tu předchozí nahradíte, dokud je anketa otevřená.",
                        "You have answered; a new answer replaces it while the survey is open.",
                    ))
                );
            }
            body.push_str(&answer_form(survey, &providers, previous, lang));
        }
    }
    // The results, unless withheld from this reader.
    let rs = responses(&index, id);
    let organiser =
        visitor.is_some_and(|v| survey.organised_by(&v.account_id.to_string(), &v.account));
    if let Some(reason) = survey.definition.results_withheld(rs.len(), organiser) {
        let _ = write!(
            body,
            "<h2 id=\"results\">{}</h2><p>{}</p>",
            esc(lang.tr("Výsledky", "Results")),
            esc(withheld_text(lang, reason)),
        );
        let page = super::page::layout(lang, &survey.definition.title, &path, &body);
        return (status, Html(page)).into_response();
    }
    let asked = invited(&index, &survey.definition.audience);
    let _ = write!(
        body,
        "<h2 id=\"results\">{}</h2><p>{}: {} / {} ({}: {} %) · <a href=\"/api/v1/surveys/{}/results?format=csv\">{}</a></p>",
        esc(lang.tr("Výsledky", "Results")),
        esc(lang.tr("Odpovědi / oslovení poskytovatelé", "Responses / providers asked")),
        rs.len(),
        asked,
        esc(lang.tr("návratnost", "response rate")),
        (rs.len() * 100).checked_div(asked).unwrap_or(0),
        esc(id),
        esc(lang.tr("Odpovědi ke stažení (CSV)", "Download the answers (CSV)")),
    );
    for q in &survey.definition.questions {
        let answers: Vec<&Value> = rs.iter().filter_map(|r| r.answers.get(&q.id)).collect();
        body.push_str(&question_table(q, question_result(q, &answers), lang));
    }
    let page = super::page::layout(lang, &survey.definition.title, &path, &body);
    (status, Html(page)).into_response()
}

/// Why the results are not shown, in the page's language.
fn withheld_text(lang: Lang, reason: events::surveys::survey::Withheld) -> &'static str {
    match reason {
        events::surveys::survey::Withheld::TooFewAnswers { .. } => lang.tr(
            "Výsledky anonymní ankety se zobrazí, až odpovědí budou alespoň 3 (aby nebylo poznat, kdo jak odpověděl).",
            "The results of an anonymous survey are shown once there are at least 3 answers (so that nobody can tell who answered what).",
        ),
        events::surveys::survey::Withheld::ForOrganisers => lang.tr(
            "Výsledky této ankety vidí jen její autor a správci portálu.",
            "The results of this survey are seen only by its author and the portal's administrators.",
        ),
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

/// One question's result: a table of frequencies with bars, or its statistics, or its answers.
fn question_table(q: &Question, result: QuestionResult, lang: Lang) -> String {
    use askama::Template;
    ResultTable {
        lang,
        question: q,
        result,
    }
    .render()
    .unwrap_or_default()
}

/// The answer as a form's value: the results' label (`true` is `yes`), a whole number without `.0`.
fn as_value(v: &Value) -> String {
    match v.as_f64() {
        Some(f) if v.is_number() && f.fract() == 0.0 && f.abs() < 1e15 => format!("{f:.0}"),
        _ => crate::api::surveys::label(v),
    }
}

/// The questionnaire; `previous` (a named respondent's last answer) fills it in.
fn answer_form(
    survey: &SurveyView,
    providers: &[String],
    previous: Option<&std::collections::BTreeMap<String, Value>>,
    lang: Lang,
) -> String {
    let mut form = format!(
        "<h2>{}</h2><form method=\"post\" action=\"/ankety/{}\"><input type=\"hidden\" name=\"lang\" value=\"{}\">",
        esc(lang.tr("Vaše odpověď", "Your answer")),
        esc(&survey.id),
        lang.code(),
    );
    if let [only] = providers {
        let _ = write!(
            form,
            "<input type=\"hidden\" name=\"provider_ico\" value=\"{}\">",
            esc(only)
        );
    } else {
        let _ = write!(
            form,
            "<p><label for=\"provider_ico\">{}</label> <select id=\"provider_ico\" name=\"provider_ico\">",
            esc(lang.tr("Za poskytovatele (IČO)", "For the provider (IČO)"))
        );
        for ico in providers {
            let _ = write!(form, "<option>{}</option>", esc(ico));
        }
        form.push_str("</select></p>");
    }
    for (n, q) in survey.definition.questions.iter().enumerate() {
        let name = format!("q:{}", q.id);
        let id = format!("q{n}");
        let required = if q.required { " required" } else { "" };
        let mark = if q.required { " *" } else { "" };
        let before = previous.and_then(|p| p.get(&q.id));
        let chosen = |value: &str| match before {
            Some(Value::Array(items)) => items.iter().any(|i| as_value(i) == value),
            Some(v) => as_value(v) == value,
            None => false,
        };
        let typed = esc(&before.map(as_value).unwrap_or_default());
        let choices = |options: Vec<(String, String)>, kind: &str| {
            let mut s = format!("<fieldset><legend>{}{mark}</legend>", esc(&q.text));
            for (i, (value, text)) in options.iter().enumerate() {
                let _ = write!(
                    s,
                    "<input type=\"{kind}\" id=\"{id}-{i}\" name=\"{name}\" value=\"{v}\"{r}{c}> <label for=\"{id}-{i}\">{t}</label><br>",
                    name = esc(&name),
                    v = esc(value),
                    c = if chosen(value) { " checked" } else { "" },
                    t = esc(text),
                    // A required radio group needs one of its buttons marked.
                    r = if kind == "radio" { required } else { "" },
                );
            }
            s.push_str("</fieldset>");
            s
        };
        let field = |input: &str| {
            format!(
                "<p><label for=\"{id}\">{}{mark}</label><br>{input}</p>",
                esc(&q.text)
            )
        };
        let control = match &q.kind {
            QuestionKind::SingleChoice { options } => choices(
                options.iter().map(|o| (o.clone(), o.clone())).collect(),
                "radio",
            ),
            QuestionKind::MultipleChoice { options, allow_other } => {
                let mut s = choices(
                    options.iter().map(|o| (o.clone(), o.clone())).collect(),
                    "checkbox",
                );
                if *allow_other {
                    let _ = write!(
                        s,
                        "<p><label for=\"{id}-other\">{}</label> <input id=\"{id}-other\" name=\"{}\"></p>",
                        esc(&format!("{} — {}", q.text, lang.tr("jiné", "other"))),
                        esc(&format!("other:{}", q.id)),
                    );
                }
                s
            }
            QuestionKind::YesNo => choices(
                vec![
                    ("yes".into(), lang.tr("ano", "yes").into()),
                    ("no".into(), lang.tr("ne", "no").into()),
                ],
                "radio",
            ),
            QuestionKind::Scale => choices(
                (1..=5).map(|i| (i.to_string(), i.to_string())).collect(),
                "radio",
            ),
            QuestionKind::Number { min, max } => field(&format!(
                "<input id=\"{id}\" name=\"{}\" type=\"number\" step=\"any\"{}{}{required} value=\"{typed}\">",
                esc(&name),
                min.map(|m| format!(" min=\"{m}\"")).unwrap_or_default(),
                max.map(|m| format!(" max=\"{m}\"")).unwrap_or_default(),
            )),
            QuestionKind::ShortText => field(&format!(
                "<input id=\"{id}\" name=\"{}\" maxlength=\"200\"{required} value=\"{typed}\">",
                esc(&name)
            )),
            QuestionKind::LongText => field(&format!(
                "<textarea id=\"{id}\" name=\"{}\" rows=\"5\" cols=\"60\" maxlength=\"5000\"{required}>{typed}</textarea>",
                esc(&name)
            )),
            QuestionKind::Date => field(&format!(
                "<input id=\"{id}\" name=\"{}\" type=\"date\"{required} value=\"{typed}\">",
                esc(&name)
            )),
        };
        form.push_str(&control);
    }
    let _ = write!(
        form,
        "<p><button type=\"submit\">{}</button></p></form>",
        esc(lang.tr("Odeslat odpověď", "Send the answer"))
    );
    form
}

/// The posted form as the command's answers; a number that is not one is named.
fn answers_of(
    questions: &[Question],
    fields: &[(String, String)],
) -> Result<Map<String, Value>, String> {
    let mut answers = Map::new();
    for q in questions {
        let name = format!("q:{}", q.id);
        let values: Vec<&str> = fields
            .iter()
            .filter(|(k, v)| *k == name && !v.trim().is_empty())
            .map(|(_, v)| v.trim())
            .collect();
        let other = session::field(fields, &format!("other:{}", q.id))
            .map(str::trim)
            .filter(|v| !v.is_empty());
        let value = match (&q.kind, values.first()) {
            (QuestionKind::MultipleChoice { .. }, _) => {
                let mut all: Vec<Value> = values.iter().map(|v| json!(v)).collect();
                all.extend(other.map(|o| json!(o)));
                (!all.is_empty()).then_some(Value::Array(all))
            }
            (_, None) => None,
            (QuestionKind::YesNo, Some(v)) => Some(json!(*v == "yes")),
            (QuestionKind::Scale, Some(v)) => Some(json!(v
                .parse::<i64>()
                .map_err(|_| format!("{}: 1–5", q.id))?)),
            (QuestionKind::Number { .. }, Some(v)) => Some(json!(v
                .replace(',', ".")
                .parse::<f64>()
                .map_err(|_| format!("{}: {v:?} is not a number", q.id))?)),
            (_, Some(v)) => Some(json!(v)),
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
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let posted = match session::posted(&state, &headers, &body, surveys_title).await {
        Ok(p) => p,
        Err(page) => return page,
    };
    let session::Posted {
        fields,
        lang,
        visitor,
        commands,
    } = posted;
    let title = surveys_title(lang);
    let (questions, audience) = {
        let index = state.indexer.read();
        match index.surveys.get(&id) {
            Some(s) => (
                s.definition.questions.clone(),
                s.definition.audience.clone(),
            ),
            None => {
                let text = lang.tr("Taková anketa neexistuje.", "No such survey.");
                return super::alert(StatusCode::NOT_FOUND, lang, text, "/ankety", text);
            }
        }
    };
    let provider_ico = session::field(&fields, "provider_ico")
        .unwrap_or_default()
        .to_string();
    let answers = match answers_of(&questions, &fields) {
        Ok(a) => a,
        Err(text) => {
            return render(
                &state,
                &id,
                Some(&visitor),
                lang,
                StatusCode::UNPROCESSABLE_ENTITY,
                None,
                Some(&text),
            )
        }
    };
    // A survey of a kind of service is answered for the provider's service of that kind.
    let service_id = match audience {
        Audience::ServiceKind { kind } => {
            let index = state.indexer.read();
            let id = index
                .services()
                .find(|e| e.view.provider_ico == provider_ico && e.view.details.kind == kind)
                .map(|e| e.view.id.clone());
            id
        }
        _ => None,
    };
    let command =
        json!({ "provider_ico": provider_ico, "service_id": service_id, "answers": answers });
    let answer = match commands
        .post(
            &format!("/surveys/{}/answers", super::self_service::urlencode(&id)),
            Some(&visitor.token),
            None,
            &command,
        )
        .await
    {
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
            Some(&answer.refusal()),
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
            Value::Object(answers),
            json!({ "a": false, "b": ["x", "y", "z"], "c": 2.5, "d": 4 })
        );
        let bad = [("q:c".to_string(), "many".to_string())];
        assert_eq!(
            answers_of(&questions, &bad).unwrap_err(),
            "c: \"many\" is not a number"
        );
    }
}
