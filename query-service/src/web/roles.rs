//! The signed-in page's forms for the roles besides providers' vacancy
//! reports: a provider edits its service's description, opening hours and
//! contacts; a methodologist writes news and surveys for its kraj and opens
//! and closes them; a commissioner approves, rejects or comments the
//! proposed revisions of its territory's plans; an auditor (or an
//! administrator) opens the history of any record. Every form posts to
//! `/moje/akce` with the action's name; the command API decides, as for any
//! client, and its refusal is shown with the reason.

use super::actions::{lines, one_or_many, typed};
use super::commands::Command;
use super::page::Lang;
use super::self_service::urlencode;
use super::session::{self, Visitor};
use super::uploads::{attachments, uploaded};
use crate::api::QueryState;
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use command_api::content::PublishBody;
use command_api::forum::{OpenThreadBody, ReplyBody};
use command_api::plans::CommentBody;
use command_api::services::SuspendServiceBody;
use command_api::surveys::DefineBody;
use command_api::ReasonBody;
use events::accounts::role::{Role, Scope};
use events::content::news::Article;
use events::forum::PostText;
use events::planning::plan::RevisionStatus;
use events::registry::service::{Media, ServiceChanges, ServiceStatus};
use events::surveys::survey::{
    Audience, Question, QuestionKind, ResultsAudience, SurveyDefinition, SurveyStatus,
};
use events::values::address::Contacts;
use serde::Deserialize;

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

/// A methodologist's news as its form posts it.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct NewsForm {
    kraj: String,
    title: String,
    body: String,
    /// Files sent with the form.
    #[serde(deserialize_with = "one_or_many")]
    attachments: Vec<String>,
}

impl NewsForm {
    pub(super) fn command(self) -> Result<Command, String> {
        Ok(Command::post(
            "/news",
            &PublishBody {
                news_id: None,
                article: Article {
                    kraj: self.kraj.trim().into(),
                    title: self.title.trim().into(),
                    body: self.body.trim().into(),
                    attachments: attachments("attachments", &self.attachments)?,
                },
            },
        ))
    }
}

/// A methodologist's survey as its form posts it: the questions one a line;
/// `preview` set, it is shown, not saved.
#[derive(Debug, Default, Clone, Deserialize)]
#[serde(default)]
pub struct SurveyForm {
    kraj: String,
    title: String,
    description: String,
    /// `true` when the box is ticked.
    anonymous: Option<String>,
    /// `kind | question | options`, one a line; `*` before a required question.
    questions: String,
    preview: String,
}

impl SurveyForm {
    fn definition(&self) -> Result<SurveyDefinition, String> {
        Ok(SurveyDefinition {
            title: self.title.trim().into(),
            description: self.description.trim().into(),
            questions: questions(&self.questions)?,
            audience: Audience::Kraj {
                code: self.kraj.trim().into(),
            },
            anonymous: self.anonymous.as_deref() == Some("true"),
            results: ResultsAudience::default(),
        })
    }

    pub(super) fn command(self) -> Result<Command, String> {
        Ok(Command::post(
            "/surveys",
            &DefineBody {
                survey_id: None,
                definition: self.definition()?,
            },
        ))
    }

    /// Whether the form asks for a preview only.
    pub(super) fn is_preview(&self) -> bool {
        !self.preview.is_empty()
    }
}

/// A question as a preview shows it: its text, whether it must be
/// answered, and its kind in words.
struct QuestionShown {
    text: String,
    required: bool,
    kind: String,
}

/// A question's kind in words.
fn kind_in_words(kind: &QuestionKind, lang: Lang) -> String {
    match kind {
        QuestionKind::YesNo => lang.tr("ano / ne", "yes / no").into(),
        QuestionKind::Number { .. } => lang.tr("číslo", "a number").into(),
        QuestionKind::ShortText => lang.tr("krátký text", "a short text").into(),
        QuestionKind::LongText => lang.tr("delší text", "a longer text").into(),
        QuestionKind::Date => lang.tr("datum", "a date").into(),
        QuestionKind::Scale => lang.tr("škála 1–5", "a scale of 1–5").into(),
        QuestionKind::SingleChoice { options } => format!(
            "{}: {}",
            lang.tr("jedna z možností", "one of"),
            options.join("; ")
        ),
        QuestionKind::MultipleChoice { options, .. } => format!(
            "{}: {}",
            lang.tr("více možností", "several of"),
            options.join("; ")
        ),
    }
}

#[derive(askama::Template)]
#[template(path = "forms/survey_preview.html")]
struct SurveyPreview<'a> {
    frame: super::page::Frame<'a>,
    form: &'a SurveyForm,
    /// The questions as they would be saved, when the text reads.
    questions: Option<Vec<QuestionShown>>,
    problem: Option<&'a str>,
}

/// A survey shown before it is saved (or when refused): its questions as
/// the text gives them, and the form again with what was typed.
pub(super) fn survey_page(
    lang: Lang,
    form: &SurveyForm,
    status: StatusCode,
    problem: Option<&str>,
) -> Response {
    let title = format!(
        "{} — {}",
        lang.tr("Náhled ankety", "Preview of the survey"),
        form.title.trim()
    );
    let page = SurveyPreview {
        frame: super::page::Frame {
            lang,
            title: &title,
            path: "/moje",
        },
        form,
        questions: form.definition().ok().map(|d| {
            d.questions
                .iter()
                .map(|q| QuestionShown {
                    text: q.text.clone(),
                    required: q.required,
                    kind: kind_in_words(&q.kind, lang),
                })
                .collect()
        }),
        problem,
    };
    (status, super::page::render(&page)).into_response()
}

/// A survey's questions from the form's lines (`kind | question | options`).
fn questions(text: &str) -> Result<Vec<Question>, String> {
    let mut out = Vec::new();
    for (i, parts) in lines(text).into_iter().enumerate() {
        let (kind, question) = match parts.as_slice() {
            [k, q, ..] if !q.trim_start_matches('*').is_empty() => (k.as_str(), q.as_str()),
            _ => return Err(format!("questions, line {}: kind | question", i + 1)),
        };
        let options: Vec<String> = parts
            .get(2)
            .map(|o| {
                o.split(';')
                    .map(str::trim)
                    .filter(|o| !o.is_empty())
                    .map(str::to_string)
                    .collect()
            })
            .unwrap_or_default();
        let kind = match kind {
            "ano-ne" | "yes-no" => QuestionKind::YesNo,
            "cislo" | "číslo" | "number" => QuestionKind::Number {
                min: None,
                max: None,
            },
            "text" => QuestionKind::ShortText,
            "dlouhy-text" | "dlouhý-text" | "long-text" => QuestionKind::LongText,
            "datum" | "date" => QuestionKind::Date,
            "skala" | "škála" | "scale" => QuestionKind::Scale,
            "jedna" | "one" => QuestionKind::SingleChoice { options },
            "vice" | "více" | "many" => QuestionKind::MultipleChoice {
                options,
                allow_other: false,
            },
            other => {
                return Err(format!(
                    "questions, line {}: {other:?} is not a kind of question",
                    i + 1
                ))
            }
        };
        out.push(Question {
            id: format!("q{}", i + 1),
            text: question.trim_start_matches('*').trim().to_string(),
            kind,
            required: question.starts_with('*'),
        });
    }
    Ok(out)
}

/// A commissioner's decision or comment on a revision.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct RevisionForm {
    plan: String,
    n: String,
    /// Why it is rejected.
    reason: String,
    /// A comment.
    text: String,
}

impl RevisionForm {
    /// The revision's path at the command API.
    pub(super) fn path(&self) -> String {
        format!(
            "/plans/{}/revisions/{}",
            urlencode(self.plan.trim()),
            urlencode(self.n.trim())
        )
    }

    pub(super) fn reject(self) -> Command {
        Command::post(
            format!("{}/reject", self.path()),
            &ReasonBody {
                reason: self.reason.trim().into(),
            },
        )
    }

    pub(super) fn comment(self) -> Command {
        Command::post(
            format!("{}/comments", self.path()),
            &CommentBody {
                text: self.text.trim().into(),
            },
        )
    }
}

/// A new thread of the forum as its form posts it.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct ThreadForm {
    section: String,
    name: String,
    title: String,
    body: String,
    /// Files sent with the form.
    #[serde(deserialize_with = "one_or_many")]
    attachments: Vec<String>,
}

impl ThreadForm {
    pub(super) fn command(self) -> Result<Command, String> {
        Ok(Command::post(
            "/forum/threads",
            &OpenThreadBody {
                thread_id: None,
                section: typed("section", &self.section, "a section of the forum")?,
                text: PostText {
                    name: self.name.trim().into(),
                    title: Some(self.title.trim().into()),
                    body: self.body.trim().into(),
                    attachments: attachments("attachments", &self.attachments)?,
                },
                author_secret: None,
            },
        ))
    }
}

/// A reply in a thread as its form posts it.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct ReplyForm {
    thread: String,
    name: String,
    body: String,
    /// Files sent with the form.
    #[serde(deserialize_with = "one_or_many")]
    attachments: Vec<String>,
}

impl ReplyForm {
    pub(super) fn command(self) -> Result<Command, String> {
        Ok(Command::post(
            format!("/forum/threads/{}/posts", urlencode(self.thread.trim())),
            &ReplyBody {
                post_id: None,
                text: PostText {
                    name: self.name.trim().into(),
                    title: None,
                    body: self.body.trim().into(),
                    attachments: attachments("attachments", &self.attachments)?,
                },
                author_secret: None,
            },
        ))
    }
}

/// A provider's changes of its service as the form posts them.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct EditServiceForm {
    id: String,
    /// The version the form was filled in on (a stale one is refused).
    version: String,
    description: String,
    opening_hours: String,
    /// One a line or comma-separated, like the phones and webs.
    emails: String,
    phones: String,
    webs: String,
    /// A photo or a video to add, sent with the form.
    photo: String,
    /// What it shows (required with it).
    alt: String,
    /// Hashes of the photos and videos to take off.
    #[serde(deserialize_with = "one_or_many")]
    remove: Vec<String>,
}

/// Splits a field of several values (one a line, or comma-separated).
fn list(text: &str) -> Vec<String> {
    text.split(['\n', ','])
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_string)
        .collect()
}

impl EditServiceForm {
    /// The form filled with what the service holds (empty without one).
    pub(super) fn of(service: Option<&crate::index::ServiceEntry>) -> Self {
        let Some(entry) = service else {
            return Self::default();
        };
        let (s, d) = (&entry.view, &entry.view.details);
        Self {
            id: s.id.clone(),
            version: s.version.to_string(),
            description: d.description.clone(),
            opening_hours: d.opening_hours.clone(),
            emails: d.contacts.emails.join(", "),
            phones: d.contacts.phones.join(", "),
            webs: d.contacts.webs.join(", "),
            ..Self::default()
        }
    }

    /// The command, the photos and the video changed on those the service has in `index`.
    pub(super) fn command(self, index: &crate::index::Index) -> Result<Command, String> {
        let added = uploaded("photo", &self.photo)?;
        let media = (added.is_some() || !self.remove.is_empty()).then(|| {
            let mut media: Vec<Media> = index
                .service(self.service_id())
                .map(|e| e.view.details.media.clone())
                .unwrap_or_default();
            media.retain(|m| !self.remove.contains(&m.file.sha256));
            media.extend(added.map(|u| Media {
                file: u.file,
                alt: self.alt.trim().into(),
                variants: vec![],
            }));
            media
        });
        let changes = ServiceChanges {
            media,
            description: Some(self.description.trim().into()),
            opening_hours: Some(self.opening_hours.trim().into()),
            contacts: Some(Contacts {
                emails: list(&self.emails),
                phones: list(&self.phones),
                webs: list(&self.webs),
            }),
            ..ServiceChanges::default()
        };
        Ok(Command::patch(
            format!("/services/{}", urlencode(self.id.trim())),
            &changes,
            self.version.trim().to_string(),
        ))
    }
}

/// A provider suspends its service, saying why and, when it can, the day it
/// expects to provide it again (shown with the record).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct SuspendServiceForm {
    id: String,
    reason: String,
    /// A day (YYYY-MM-DD, as a date field sends it); empty: not announced.
    until: String,
}

impl SuspendServiceForm {
    /// The service it names.
    pub(super) fn service_id(&self) -> &str {
        self.id.trim()
    }

    /// Why, as typed.
    pub(super) fn reason(&self) -> &str {
        &self.reason
    }

    /// The day, as typed.
    pub(super) fn until(&self) -> &str {
        &self.until
    }

    /// `POST /services/{id}/suspend`, or what is wrong with the day.
    pub(super) fn command(&self) -> Result<Command, String> {
        let until = match self.until.trim() {
            "" => None,
            day => Some(typed("until", day, "a day")?),
        };
        Ok(Command::post(
            format!("/services/{}/suspend", urlencode(self.service_id())),
            &SuspendServiceBody {
                reason: self.reason.trim().to_string(),
                until,
            },
        ))
    }

    /// An empty one for the service `id`.
    pub(super) fn of(id: &str) -> Self {
        Self {
            id: id.to_string(),
            ..Self::default()
        }
    }
}

/// The fields of the suspension's form by their paths in the command's body, with their labels.
pub(super) fn suspension_labels(lang: Lang) -> [(&'static str, &'static str); 2] {
    [
        ("reason", lang.tr("Důvod", "Why")),
        (
            "until",
            lang.tr("Předpokládané obnovení", "Expected to resume on"),
        ),
    ]
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
    let form = EditServiceForm::of(Some(entry));
    let suspension = SuspendServiceForm::of(&entry.view.id);
    edit_page(lang, Some(entry), &form, &suspension, StatusCode::OK, None)
}

#[derive(askama::Template)]
#[template(path = "roles/edit_service.html")]
struct EditServicePage<'a> {
    frame: super::page::Frame<'a>,
    form: &'a EditServiceForm,
    /// The suspension's form (what was typed, when refused).
    suspension: &'a SuspendServiceForm,
    /// Whether the service is suspended now, and until when it is announced to be.
    suspended: bool,
    suspended_until: Option<String>,
    /// Its photos and video.
    media: Vec<super::records::MediaItem>,
    problem: Option<String>,
}

/// The form to edit a service, with what it holds (or what was typed) and,
/// for a refusal, its reason with the field named by its label; below it,
/// the service's suspension (or its resumption, when suspended).
pub(super) fn edit_page(
    lang: Lang,
    service: Option<&crate::index::ServiceEntry>,
    form: &EditServiceForm,
    suspension: &SuspendServiceForm,
    status: StatusCode,
    problem: Option<&str>,
) -> Response {
    let t = lang.texts();
    let name = service.map_or("", |e| e.view.details.name.as_str());
    let title = format!("{} — {name}", t.editing);
    let path = format!("/moje/sluzby/{}", urlencode(&form.id));
    let page = EditServicePage {
        frame: super::page::Frame {
            lang,
            title: &title,
            path: &path,
        },
        form,
        suspension,
        suspended: service.is_some_and(|e| e.view.status == ServiceStatus::Suspended),
        suspended_until: service
            .and_then(|e| e.view.suspended_until)
            .map(super::format::day),
        media: service.map_or_else(Vec::new, |e| super::records::media_items(&e.view.details)),
        problem: problem.map(str::to_string),
    };
    (status, super::page::render(&page)).into_response()
}

/// The fields of the service's edit form by their paths in the command's
/// body, with their labels: a refusal names them so.
pub(super) fn edit_labels(lang: Lang) -> [(&'static str, &'static str); 6] {
    let t = lang.texts();
    [
        ("contacts.emails", t.emails_comma),
        ("contacts.phones", t.phones_comma),
        ("contacts.webs", t.webs_comma),
        ("opening_hours", t.opening_hours),
        ("description", t.service_description),
        ("media", lang.tr("Fotografie a video", "Photos and video")),
    ]
}

impl EditServiceForm {
    /// The service it edits.
    pub(super) fn service_id(&self) -> &str {
        self.id.trim()
    }
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
            serde_json::to_value(&q[0]).unwrap(),
            serde_json::json!({ "id": "q1", "text": "Část kraje", "kind": { "type": "single_choice", "options": ["sever", "jih"] }, "required": true })
        );
        assert_eq!(q[1].kind, QuestionKind::YesNo);
        assert_eq!(q[2].id, "q3");
        assert_eq!(
            questions("barva | Jaká?").unwrap_err(),
            "questions, line 1: \"barva\" is not a kind of question"
        );
        assert!(questions("jen text").unwrap_err().contains("line 1"));
    }
}
