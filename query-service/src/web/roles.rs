//! The signed-in page's forms for the roles besides providers' vacancy
//! reports: a provider edits its service's description, opening hours and
//! contacts; a methodologist writes news and surveys for its kraj and opens
//! and closes them; a commissioner approves, rejects or comments the
//! proposed revisions of its territory's plans; an auditor (or an
//! administrator) opens the history of any record. Every form posts to
//! `/moje/akce` with the action's name; the command API decides, as for any
//! client, and its refusal is shown with the reason.

use super::page::Lang;
use super::session::{self, field, Visitor};
use crate::api::QueryState;
use crate::index::Index;
use axum::body::Bytes;
use axum::extract::{Path, Query, RawQuery, State};
use axum::http::{HeaderMap, Method, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use events::accounts::role::{Role, Scope};
use events::planning::plan::RevisionStatus;
use events::surveys::survey::{Audience, SurveyStatus};
use serde_json::{json, Value};

/// The codes of the scopes the account holds a role in.
fn scopes(visitor: &Visitor, role: Role) -> Vec<String> {
    visitor
        .account
        .roles
        .iter()
        .filter(|g| g.role == role)
        .filter_map(|g| match &g.scope {
            Scope::Kraj(c) | Scope::Orp(c) | Scope::Municipality(c) | Scope::Provider(c) => {
                Some(c.clone())
            }
            Scope::Global => None,
        })
        .collect()
}

fn has(visitor: &Visitor, roles: &[Role]) -> bool {
    visitor
        .account
        .roles
        .iter()
        .any(|g| roles.contains(&g.role))
}

/// A survey of a methodologist's kraj, with the action it may take next.
struct SurveyItem {
    id: String,
    title: String,
    status: &'static str,
    /// The action's name and its button.
    action: Option<(&'static str, &'static str)>,
}

/// A methodologist's forms for a kraj.
struct KrajForms {
    kraj: String,
    name: String,
    surveys: Vec<SurveyItem>,
}

/// A proposed revision waiting for a commissioner.
struct RevisionToDecide {
    plan: String,
    title: String,
    n: u32,
}

#[derive(askama::Template)]
#[template(path = "forms/roles.html")]
struct RoleSections<'a> {
    frame: super::page::Frame<'a>,
    methodologist: Vec<KrajForms>,
    /// The organisers', providers' and commissioners' sections, rendered.
    parts: Vec<String>,
    /// For a commissioner: the revisions under discussion.
    revisions: Option<Vec<RevisionToDecide>>,
    /// The grant procedures' sections, rendered.
    grants: String,
    /// An auditor or administrator opens any record's history.
    history: bool,
    stream_types: &'static [&'static str],
}

/// The sections for the visitor's roles other than a provider's reports.
pub fn sections(state: &QueryState, visitor: &Visitor, lang: Lang) -> String {
    let t = lang.texts();
    let index = state.indexer.read();
    // Methodologists: news and surveys of their kraj.
    let methodologist = scopes(visitor, Role::Methodologist)
        .into_iter()
        .map(|kraj| {
            let name = index
                .territory()
                .kraj_by_any_code(&kraj)
                .map_or(kraj.clone(), |k| k.name.clone());
            let mut surveys: Vec<_> = index
                .surveys
                .values()
                .filter(
                    |s| matches!(&s.definition.audience, Audience::Kraj { code } if code == &kraj),
                )
                .collect();
            surveys.sort_by(|a, b| b.id.cmp(&a.id));
            let surveys = surveys
                .into_iter()
                .map(|s| SurveyItem {
                    id: s.id.clone(),
                    title: s.definition.title.clone(),
                    status: super::surveys::status_text(lang, s.status),
                    action: match s.status {
                        SurveyStatus::Draft => Some(("open_survey", t.open_it)),
                        SurveyStatus::Open => Some(("close_survey", t.close_it)),
                        _ => None,
                    },
                })
                .collect();
            KrajForms {
                kraj,
                name,
                surveys,
            }
        })
        .collect();
    // Organisers (methodologists, commissioners): the calendar and documents of their territories.
    let mut organised = scopes(visitor, Role::Methodologist);
    organised.extend(scopes(visitor, Role::Commissioner));
    organised.dedup();
    let mut parts: Vec<String> = organised
        .iter()
        .map(|territory| super::content_forms::organiser(&index, territory, lang))
        .collect();
    // Providers: their job offers.
    let providers = visitor.providers();
    if !providers.is_empty() {
        parts.push(super::content_forms::jobs(&index, &providers, lang));
    }
    // Commissioners: their territory's plans' forms, then the revisions proposed.
    let territories = scopes(visitor, Role::Commissioner);
    parts.extend(
        territories
            .iter()
            .map(|territory| super::plan_forms::section(&index, territory, lang)),
    );
    let revisions = (!territories.is_empty()).then(|| {
        index
            .plans
            .values()
            .filter(|p| territories.contains(&p.territory))
            .flat_map(|plan| {
                plan.revisions
                    .iter()
                    .filter(|(_, r)| r.status == RevisionStatus::Proposed)
                    .map(|(n, _)| RevisionToDecide {
                        plan: plan.id.clone(),
                        title: plan.title.clone(),
                        n: *n,
                    })
            })
            .collect()
    });
    drop(index);
    askama::Template::render(&RoleSections {
        frame: super::page::Frame::section(lang),
        methodologist,
        parts,
        revisions,
        grants: super::grants::sections(state, visitor, lang),
        history: has(visitor, &[Role::Auditor, Role::Administrator]),
        stream_types: &STREAM_TYPES,
    })
    .unwrap_or_default()
}

/// The kinds of records (streams) an auditor can open.
const STREAM_TYPES: [&str; 20] = [
    "service",
    "provider",
    "survey",
    "community_plan",
    "planning_group",
    "grant_call",
    "grant_application",
    "news",
    "calendar_event",
    "document",
    "job_posting",
    "link",
    "award",
    "need_norm",
    "regional_contact",
    "directory_entry",
    "registry_import",
    "account",
    "forum_thread",
    "survey_response",
];

/// A survey's questions from the form's lines (`kind | question | options`).
fn questions(text: &str) -> Result<Vec<Value>, String> {
    let mut out = Vec::new();
    for (i, line) in text
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .enumerate()
    {
        let parts: Vec<&str> = line.split('|').map(str::trim).collect();
        let (kind, question) = match parts.as_slice() {
            [k, q, ..] if !q.trim_start_matches('*').is_empty() => (*k, *q),
            _ => return Err(format!("questions, line {}: kind | question", i + 1)),
        };
        let options: Vec<&str> = parts
            .get(2)
            .map(|o| {
                o.split(';')
                    .map(str::trim)
                    .filter(|o| !o.is_empty())
                    .collect()
            })
            .unwrap_or_default();
        let kind = match kind {
            "ano-ne" | "yes-no" => json!({ "type": "yes_no" }),
            "cislo" | "číslo" | "number" => json!({ "type": "number" }),
            "text" => json!({ "type": "short_text" }),
            "dlouhy-text" | "dlouhý-text" | "long-text" => json!({ "type": "long_text" }),
            "datum" | "date" => json!({ "type": "date" }),
            "skala" | "škála" | "scale" => json!({ "type": "scale" }),
            "jedna" | "one" => json!({ "type": "single_choice", "options": options }),
            "vice" | "více" | "many" => json!({ "type": "multiple_choice", "options": options }),
            other => {
                return Err(format!(
                    "questions, line {}: {other:?} is not a kind of question",
                    i + 1
                ))
            }
        };
        out.push(json!({
            "id": format!("q{}", i + 1),
            "text": question.trim_start_matches('*').trim(),
            "kind": kind,
            "required": question.starts_with('*'),
        }));
    }
    Ok(out)
}

/// Splits a field of several values (one a line, or comma-separated).
fn list(fields: &[(String, String)], name: &str) -> Vec<String> {
    field(fields, name)
        .unwrap_or_default()
        .split(['\n', ','])
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_string)
        .collect()
}

/// The command an action stands for: method, path, body, extra headers.
type Command = (Method, String, Value, Vec<(&'static str, String)>);

fn command(action: &str, f: &[(String, String)], index: &Index) -> Result<Command, String> {
    let get = |name: &str| field(f, name).unwrap_or_default().trim().to_string();
    let seg = |name: &str| super::self_service::urlencode(&get(name));
    let post = |path: String, body: Value| Ok((Method::POST, path, body, Vec::new()));
    match action {
        "publish_news" => post(
            "/news".into(),
            json!({ "article": { "kraj": get("kraj"), "title": get("title"), "body": get("body") } }),
        ),
        "define_survey" => post(
            "/surveys".into(),
            json!({ "definition": { "title": get("title"), "description": get("description"),
                "anonymous": get("anonymous") == "true", "audience": { "type": "kraj", "code": get("kraj") },
                "questions": questions(&get("questions"))? } }),
        ),
        "open_survey" => post(format!("/surveys/{}/open", seg("id")), json!({})),
        "close_survey" => post(format!("/surveys/{}/close", seg("id")), json!({})),
        "approve_revision" => post(
            format!("/plans/{}/revisions/{}/approve", seg("plan"), seg("n")),
            json!({}),
        ),
        "reject_revision" => post(
            format!("/plans/{}/revisions/{}/reject", seg("plan"), seg("n")),
            json!({ "reason": get("reason") }),
        ),
        "comment_revision" => post(
            format!("/plans/{}/revisions/{}/comments", seg("plan"), seg("n")),
            json!({ "text": get("text") }),
        ),
        "open_thread" => post(
            "/forum/threads".into(),
            json!({ "section": get("section"), "text": { "name": get("name"), "title": get("title"), "body": get("body") } }),
        ),
        "reply_thread" => post(
            format!("/forum/threads/{}/posts", seg("thread")),
            json!({ "text": { "name": get("name"), "body": get("body") } }),
        ),
        "edit_service" => Ok((
            Method::PATCH,
            format!("/services/{}", seg("id")),
            json!({ "description": get("description"), "opening_hours": get("opening_hours"),
                "contacts": { "emails": list(f, "emails"), "phones": list(f, "phones"), "webs": list(f, "webs") } }),
            vec![("If-Match", get("version"))],
        )),
        other => match super::grants::command(other, f)
            .or_else(|| super::plan_forms::command(other, f, index))
            .or_else(|| super::content_forms::command(other, f))
        {
            Some(c) => c.map(|(path, body)| (Method::POST, path, body, Vec::new())),
            None => Err(format!("action: {other:?} is not an action of this page")),
        },
    }
}

/// `POST /moje/akce`: one action of the signed-in page.
pub async fn act(State(state): State<QueryState>, headers: HeaderMap, body: Bytes) -> Response {
    let posted = match session::posted(&state, &headers, &body, super::self_service::title).await {
        Ok(p) => p,
        Err(page) => return page,
    };
    let session::Posted {
        fields,
        lang,
        visitor,
        commands,
    } = posted;
    let title = super::self_service::title(lang);
    let action = field(&fields, "action").unwrap_or_default().to_string();
    let refused = |status: StatusCode, text: &str| {
        super::self_service::render(&state, &visitor, lang, status, None, Some(text))
    };
    let decided = {
        let index = state.indexer.read();
        command(&action, &fields, &index)
    };
    let (method, path, body, extra) = match decided {
        Ok(c) => c,
        Err(text) => return refused(StatusCode::UNPROCESSABLE_ENTITY, &text),
    };
    let extra: Vec<(&str, &str)> = extra.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let answer = match commands
        .send(method, &path, Some(&visitor.token), &extra, Some(&body))
        .await
    {
        Ok(a) => a,
        Err(e) => return session::unreachable_commands(lang, title, &e),
    };
    // A form of another page names the page to go back to (a path of this site).
    let back = field(&fields, "back")
        .filter(|b| {
            b.starts_with('/')
                && !b.starts_with("//")
                && !b.contains('\\')
                && !b.chars().any(char::is_control)
        })
        .map(str::to_string);
    if !answer.status.is_success() {
        if let Some(back) = &back {
            return super::alert(answer.status, lang, title, back, &answer.refusal());
        }
        return refused(answer.status, &answer.refusal());
    }
    session::settle(&state, &answer).await;
    match back {
        Some(back) => {
            let sep = if back.contains('?') { '&' } else { '?' };
            Redirect::to(&format!("{back}{sep}lang={}", lang.code())).into_response()
        }
        None => Redirect::to(&format!(
            "/moje?lang={}&done={}",
            lang.code(),
            super::self_service::urlencode(&action)
        ))
        .into_response(),
    }
}

/// `GET /moje/sluzby/{id}`: the form to edit a service's description, hours and contacts.
pub async fn edit_service(
    State(state): State<QueryState>,
    Path(id): Path<String>,
    headers: HeaderMap,
    RawQuery(raw): RawQuery,
) -> Response {
    let lang = Lang::from_query(raw.as_deref().unwrap_or_default());
    let Some(_visitor) = session::visitor(&state, &headers).await else {
        return session::to_login(lang);
    };
    let index = state.indexer.read();
    let Some(entry) = index.service(&id) else {
        let t = lang.texts();
        return super::alert(
            StatusCode::NOT_FOUND,
            lang,
            t.no_service,
            "/moje",
            t.no_service,
        );
    };
    let s = &entry.view;
    let title = format!("{} — {}", lang.texts().editing, s.details.name);
    let path = format!("/moje/sluzby/{id}");
    super::page::render(&EditServicePage {
        frame: super::page::Frame {
            lang,
            title: &title,
            path: &path,
        },
        service: s,
    })
}

#[derive(askama::Template)]
#[template(path = "roles/edit_service.html")]
struct EditServicePage<'a> {
    frame: super::page::Frame<'a>,
    service: &'a read_models::registry::ServiceView,
}

/// A record's history as the audit API answers it.
#[derive(Debug, serde::Deserialize)]
struct AuditHistory {
    stream: String,
    events: Vec<AuditEntry>,
}

/// An event of the history.
#[derive(Debug, serde::Deserialize)]
struct AuditEntry {
    version: u64,
    recorded_at: String,
    actor: events::Actor,
    event_type: String,
    description: String,
    payload: Value,
}

#[derive(askama::Template)]
#[template(path = "roles/history.html")]
struct HistoryPage<'a> {
    frame: super::page::Frame<'a>,
    history: AuditHistory,
}

impl HistoryPage<'_> {
    fn pretty(&self, payload: &Value) -> String {
        serde_json::to_string_pretty(payload).unwrap_or_default()
    }
}

/// The history's parameters.
#[derive(Debug, serde::Deserialize)]
pub struct HistoryParams {
    typ: String,
    id: String,
}

/// `GET /moje/historie?typ=&id=`: every event of a record, oldest first, as the audit API gives them.
pub async fn history(
    State(state): State<QueryState>,
    headers: HeaderMap,
    RawQuery(raw): RawQuery,
    params: Result<Query<HistoryParams>, axum::extract::rejection::QueryRejection>,
) -> Response {
    let lang = Lang::from_query(raw.as_deref().unwrap_or_default());
    let title = lang.texts().record_history;
    let Some(visitor) = session::visitor(&state, &headers).await else {
        return session::to_login(lang);
    };
    let Ok(Query(p)) = params else {
        return super::alert(
            StatusCode::UNPROCESSABLE_ENTITY,
            lang,
            title,
            "/moje",
            "typ, id: required",
        );
    };
    let commands = match session::commands(&state, lang, title) {
        Ok(c) => c,
        Err(page) => return page,
    };
    let path = format!(
        "/audit/streams/{}/{}",
        super::self_service::urlencode(&p.typ),
        super::self_service::urlencode(&p.id)
    );
    let answer = match commands
        .send(Method::GET, &path, Some(&visitor.token), &[], None)
        .await
    {
        Ok(a) => a,
        Err(e) => return session::unreachable_commands(lang, title, &e),
    };
    if !answer.status.is_success() {
        return super::alert(answer.status, lang, title, "/moje", &answer.refusal());
    }
    let history: AuditHistory = match serde_json::from_value(answer.body) {
        Ok(h) => h,
        Err(e) => {
            tracing::warn!(error = %e, "the audit API's history did not read");
            return super::alert(
                StatusCode::BAD_GATEWAY,
                lang,
                title,
                "/moje",
                &e.to_string(),
            );
        }
    };
    super::page::render(&HistoryPage {
        frame: super::page::Frame {
            lang,
            title,
            path: "/moje/historie",
        },
        history,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn survey_questions_are_read_from_lines() {
        let q = questions("jedna | *Část kraje | sever; jih\n\nano-ne | Posílit tým?\ncislo|Lůžka")
            .unwrap();
        assert_eq!(q.len(), 3);
        assert_eq!(
            q[0],
            json!({ "id": "q1", "text": "Část kraje", "kind": { "type": "single_choice", "options": ["sever", "jih"] }, "required": true })
        );
        assert_eq!(q[1]["kind"]["type"], "yes_no");
        assert_eq!(q[2]["id"], "q3");
        assert_eq!(
            questions("barva | Jaká?").unwrap_err(),
            "questions, line 1: \"barva\" is not a kind of question"
        );
        assert!(questions("jen text").unwrap_err().contains("line 1"));
    }
}
