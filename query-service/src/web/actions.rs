//! The actions of the signed-in pages. Every form that changes something
//! (on the signed-in page, and on the forum's, the plans' and the grants'
//! pages) posts to `/moje/akce` with the action's name and its fields; each
//! action is a typed form that becomes one command of the command API, its
//! body in the command's own type (`command_api`, `events`). The command
//! API decides, as for any client, and its refusal is shown with the reason.

use super::commands::Command;
use super::content_forms::{DocumentForm, EventForm, JobForm};
use super::grants::{ApplicationForm, CallForm, DecisionForm, EvaluationForm};
use super::page::Lang;
use super::plan_forms::{MeasureForm, NewPlanForm, ProposalForm};
use super::roles::{
    EditServiceForm, NewsForm, ReplyForm, RevisionForm, SurveyForm, SuspendServiceForm, ThreadForm,
};
use super::self_service::urlencode;
use super::session::{self, SignedIn};
use crate::api::QueryState;
use crate::index::Index;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use command_api::ReasonBody;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Deserializer};
use std::str::FromStr;

/// A form posted to `/moje/akce`: the action, and the page to go back to.
#[derive(Debug, Deserialize)]
pub struct Posted {
    /// What to do.
    #[serde(flatten)]
    pub action: Action,
    /// A form of another page names the page to go back to (a path of this site).
    #[serde(default)]
    pub back: Option<String>,
}

/// What a form asks for, by its `action` field.
#[derive(Debug, Deserialize)]
#[serde(tag = "action", rename_all = "snake_case")]
pub enum Action {
    /// A methodologist's news.
    PublishNews(NewsForm),
    /// A methodologist's survey, as a draft.
    DefineSurvey(SurveyForm),
    /// Opens a survey.
    OpenSurvey(Id),
    /// Closes a survey.
    CloseSurvey(Id),
    /// A commissioner approves a revision.
    ApproveRevision(RevisionForm),
    /// A commissioner rejects a revision, with the reason.
    RejectRevision(RevisionForm),
    /// A comment on a revision.
    CommentRevision(RevisionForm),
    /// A new thread of the forum.
    OpenThread(ThreadForm),
    /// A reply in a thread.
    ReplyThread(ReplyForm),
    /// A provider's description, hours and contacts of its service.
    EditService(EditServiceForm),
    /// A provider suspends its service.
    SuspendService(SuspendServiceForm),
    /// A provider provides its suspended service again.
    ResumeService(Id),
    /// A grant call.
    AnnounceCall(CallForm),
    /// Cancels a grant call.
    CancelCall(IdReason),
    /// A provider's application.
    SubmitApplication(ApplicationForm),
    /// An evaluator's points.
    EvaluateApplication(EvaluationForm),
    /// The decision on an application.
    DecideApplication(DecisionForm),
    /// A new community plan.
    CreatePlan(NewPlanForm),
    /// A revision of a plan.
    ProposeRevision(ProposalForm),
    /// How a measure was fulfilled in a year.
    EvaluateMeasure(MeasureForm),
    /// A provider's job offer.
    PostJob(JobForm),
    /// Closes a job offer.
    CloseJob(Id),
    /// An event of the calendar.
    ScheduleEvent(EventForm),
    /// Cancels an event, with the reason.
    CancelEvent(IdReason),
    /// A document of the library.
    RegisterDocument(DocumentForm),
}

/// A form that names a record.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct Id {
    /// The record's id.
    pub id: String,
}

/// A form that names a record and says why.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct IdReason {
    /// The record's id.
    pub id: String,
    /// Why.
    pub reason: String,
}

impl IdReason {
    fn reason(&self) -> ReasonBody {
        ReasonBody {
            reason: self.reason.trim().to_string(),
        }
    }
}

impl Action {
    /// Its name, as the form sends it.
    pub fn name(&self) -> &'static str {
        match self {
            Self::PublishNews(_) => "publish_news",
            Self::DefineSurvey(_) => "define_survey",
            Self::OpenSurvey(_) => "open_survey",
            Self::CloseSurvey(_) => "close_survey",
            Self::ApproveRevision(_) => "approve_revision",
            Self::RejectRevision(_) => "reject_revision",
            Self::CommentRevision(_) => "comment_revision",
            Self::OpenThread(_) => "open_thread",
            Self::ReplyThread(_) => "reply_thread",
            Self::EditService(_) => "edit_service",
            Self::SuspendService(_) => "suspend_service",
            Self::ResumeService(_) => "resume_service",
            Self::AnnounceCall(_) => "announce_call",
            Self::CancelCall(_) => "cancel_call",
            Self::SubmitApplication(_) => "submit_application",
            Self::EvaluateApplication(_) => "evaluate_application",
            Self::DecideApplication(_) => "decide_application",
            Self::CreatePlan(_) => "create_plan",
            Self::ProposeRevision(_) => "propose_revision",
            Self::EvaluateMeasure(_) => "evaluate_measure",
            Self::PostJob(_) => "post_job",
            Self::CloseJob(_) => "close_job",
            Self::ScheduleEvent(_) => "schedule_event",
            Self::CancelEvent(_) => "cancel_event",
            Self::RegisterDocument(_) => "register_document",
        }
    }

    /// The command it stands for, or what is wrong with the form (naming the field).
    pub fn command(self, index: &Index) -> Result<Command, String> {
        let seg = |id: &str| urlencode(id.trim());
        Ok(match self {
            Self::PublishNews(f) => f.command()?,
            Self::DefineSurvey(f) => f.command()?,
            Self::OpenSurvey(f) => Command::post_bare(format!("/surveys/{}/open", seg(&f.id))),
            Self::CloseSurvey(f) => Command::post_bare(format!("/surveys/{}/close", seg(&f.id))),
            Self::ApproveRevision(f) => Command::post_bare(format!("{}/approve", f.path())),
            Self::RejectRevision(f) => f.reject(),
            Self::CommentRevision(f) => f.comment(),
            Self::OpenThread(f) => f.command()?,
            Self::ReplyThread(f) => f.command()?,
            Self::EditService(f) => f.command(index)?,
            Self::SuspendService(f) => f.command()?,
            Self::ResumeService(f) => {
                Command::post_bare(format!("/services/{}/resume", seg(&f.id)))
            }
            Self::AnnounceCall(f) => f.command()?,
            Self::CancelCall(f) => {
                Command::post(format!("/grants/calls/{}/cancel", seg(&f.id)), &f.reason())
            }
            Self::SubmitApplication(f) => f.command()?,
            Self::EvaluateApplication(f) => f.command()?,
            Self::DecideApplication(f) => f.command()?,
            Self::CreatePlan(f) => f.command(),
            Self::ProposeRevision(f) => f.command(index)?,
            Self::EvaluateMeasure(f) => f.command()?,
            Self::PostJob(f) => f.command()?,
            Self::CloseJob(f) => Command::post_bare(format!("/jobs/{}/close", seg(&f.id))),
            Self::ScheduleEvent(f) => f.command()?,
            Self::CancelEvent(f) => {
                Command::post(format!("/calendar/{}/cancel", seg(&f.id)), &f.reason())
            }
            Self::RegisterDocument(f) => f.command()?,
        })
    }
}

/// A field's value as a value of the command's own type (a code, a day),
/// or why not: `what` says what was expected.
pub fn typed<T: DeserializeOwned>(name: &str, value: &str, what: &str) -> Result<T, String> {
    serde_json::from_value(serde_json::Value::String(value.trim().to_string()))
        .map_err(|_| format!("{name}: {value:?} is not {what}"))
}

/// A field's value as a number (spaces between thousands allowed), or why not.
pub fn number<T: FromStr>(name: &str, value: &str, what: &str) -> Result<T, String> {
    value
        .trim()
        .replace([' ', '\u{a0}'], "")
        .parse()
        .map_err(|_| format!("{name}: {value:?} is not {what}"))
}

/// A field that comes once or several times (a multiple select) as a list.
pub fn one_or_many<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<String>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum OneOrMany {
        One(String),
        Many(Vec<String>),
    }
    Ok(match OneOrMany::deserialize(d)? {
        OneOrMany::One(one) => vec![one],
        OneOrMany::Many(many) => many,
    })
}

/// Lines `a | b | c` of a form field, each split and trimmed.
pub fn lines(text: &str) -> Vec<Vec<String>> {
    text.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .map(|l| l.split('|').map(|p| p.trim().to_string()).collect())
        .collect()
}

/// A path of this site to go back to, or `None` for anything else.
fn back_here(back: Option<String>) -> Option<String> {
    back.filter(|b| {
        b.starts_with('/')
            && !b.starts_with("//")
            && !b.contains('\\')
            && !b.chars().any(char::is_control)
    })
}

/// `POST /moje/akce`: one action of a signed-in page.
pub async fn act(State(state): State<QueryState>, signed: SignedIn<Posted>) -> Response {
    let SignedIn {
        form: Posted { action, back },
        lang,
        visitor,
        commands,
    } = signed;
    let title = super::self_service::title(lang);
    let name = action.name();
    // The forms shown again with what was typed, when refused or asked for a preview.
    let again = Again::of(&action);
    if let Some(form) = again.as_ref().filter(|a| a.is_preview()) {
        return form.page(&state, lang, StatusCode::OK, None);
    }
    let decided = {
        let index = state.indexer.read();
        action.command(&index)
    };
    let back = back_here(back);
    let refused = |status: StatusCode, text: &str| match (&again, &back) {
        (Some(form), _) => form.page(&state, lang, status, Some(text)),
        (None, Some(back)) => super::alert(status, lang, title, back, text),
        (None, None) => {
            super::self_service::render(&state, &visitor, lang, status, None, Some(text))
        }
    };
    let command = match decided {
        Ok(c) => c,
        Err(text) => {
            let text = super::refusals::in_language(lang, &text);
            return refused(StatusCode::UNPROCESSABLE_ENTITY, &text);
        }
    };
    let answer = match commands.run(&command, &visitor.token, None).await {
        Ok(a) => a,
        Err(e) => return session::unreachable_commands(lang, title, &e),
    };
    if !answer.status.is_success() {
        let text = if matches!(again, Some(Again::Edit(_))) {
            answer.refusal_labelled(lang, &super::roles::edit_labels(lang))
        } else if matches!(again, Some(Again::Suspend(_))) {
            answer.refusal_labelled(lang, &super::roles::suspension_labels(lang))
        } else {
            answer.refusal(lang)
        };
        return refused(answer.status, &text);
    }
    session::settle(&state, &answer).await;
    done(lang, back.as_deref(), name)
}

/// A form that is shown again, with what was typed, when its action is
/// refused or a preview is asked for.
enum Again {
    Edit(EditServiceForm),
    Suspend(SuspendServiceForm),
    Revision(ProposalForm),
    Survey(SurveyForm),
    Call(CallForm),
}

impl Again {
    fn of(action: &Action) -> Option<Self> {
        Some(match action {
            Action::EditService(f) => Self::Edit(f.clone()),
            Action::SuspendService(f) => Self::Suspend(f.clone()),
            Action::ProposeRevision(f) => Self::Revision(f.clone()),
            Action::DefineSurvey(f) => Self::Survey(f.clone()),
            Action::AnnounceCall(f) => Self::Call(f.clone()),
            _ => return None,
        })
    }

    fn is_preview(&self) -> bool {
        match self {
            Self::Edit(_) | Self::Suspend(_) => false,
            Self::Revision(f) => f.is_preview(),
            Self::Survey(f) => f.is_preview(),
            Self::Call(f) => f.is_preview(),
        }
    }

    fn page(
        &self,
        state: &QueryState,
        lang: Lang,
        status: StatusCode,
        problem: Option<&str>,
    ) -> Response {
        match self {
            Self::Edit(form) => {
                let index = state.indexer.read();
                let service = index.service(form.service_id());
                let suspension = SuspendServiceForm::of(form.service_id());
                super::roles::edit_page(lang, service, form, &suspension, status, problem)
            }
            Self::Suspend(suspension) => {
                let index = state.indexer.read();
                let service = index.service(suspension.service_id());
                let form = EditServiceForm::of(service);
                super::roles::edit_page(lang, service, &form, suspension, status, problem)
            }
            Self::Revision(form) => {
                let index = state.indexer.read();
                super::plan_forms::revision_page(&index, lang, form, status, problem)
            }
            Self::Survey(form) => super::roles::survey_page(lang, form, status, problem),
            Self::Call(form) => super::grants::call_page(lang, form, status, problem),
        }
    }
}

/// Where an accepted action goes: back to its page, or to the signed-in page saying what was done.
fn done(lang: Lang, back: Option<&str>, name: &str) -> Response {
    match back {
        Some(back) => {
            let sep = if back.contains('?') { '&' } else { '?' };
            Redirect::to(&format!("{back}{sep}lang={}", lang.code())).into_response()
        }
        None => Redirect::to(&format!(
            "/moje?lang={}&done={}",
            lang.code(),
            urlencode(name)
        ))
        .into_response(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::Method;
    use serde_json::json;

    fn posted(body: &str) -> Result<Posted, String> {
        serde_html_form::from_str(body).map_err(|e| e.to_string())
    }

    #[test]
    fn a_form_is_read_as_its_action_and_becomes_the_command_in_its_type() {
        let index = Index::default();
        let p = posted("lang=cs&action=reject_revision&plan=p%2F1&n=2&reason=+Chyb%C3%AD+rozpo%C4%8Det+&back=%2Fplanovani%2Fp")
            .unwrap();
        assert_eq!(p.back.as_deref(), Some("/planovani/p"));
        assert_eq!(p.action.name(), "reject_revision");
        let c = p.action.command(&index).unwrap();
        assert_eq!(c.method, Method::POST);
        assert_eq!(c.path, "/plans/p%2F1/revisions/2/reject");
        assert_eq!(c.body, Some(json!({ "reason": "Chybí rozpočet" })));

        // A field the form does not send is empty, and the command API names it.
        let c = posted("action=publish_news&kraj=CZ042&title=Nov%C4%9B")
            .unwrap()
            .action
            .command(&index)
            .unwrap();
        assert_eq!(
            c.body,
            Some(json!({ "article": { "kraj": "CZ042", "title": "Nově", "body": "" } }))
        );

        // Several values of one field (a multiple select), and one.
        for (kinds, expected) in [
            ("&kinds=20&kinds=27", json!([20, 27])),
            ("&kinds=20", json!([20])),
            ("", json!([])),
        ] {
            let c = posted(&format!("action=announce_call&title=V%C3%BDzva&territory=CZ042&budget=1+000+000&deadline=2099-01-31&criteria=Kvalita+%7C+60+%7C+10{kinds}"))
                .unwrap()
                .action
                .command(&index)
                .unwrap();
            let body = c.body.unwrap();
            assert_eq!(body["details"]["eligible_kinds"], expected, "{kinds}");
            assert_eq!(body["details"]["budget"], json!(1_000_000));
            assert_eq!(
                body["details"]["deadline"],
                json!("2099-01-31T23:59:59+01:00")
            );
        }

        // Fields named by the call's criteria.
        let c = posted("lang=cs&action=evaluate_application&id=a1&score%3Ak1=7&score%3Ak2=3")
            .unwrap()
            .action
            .command(&index)
            .unwrap();
        assert_eq!(
            c.body.unwrap()["scores"],
            json!([{ "criterion_id": "k1", "points": 7, "comment": "" }, { "criterion_id": "k2", "points": 3, "comment": "" }])
        );

        // An action no page has is refused before anything is sent.
        assert!(posted("action=drop_everything").is_err());
        assert!(posted("title=x").is_err());
    }

    #[test]
    fn only_a_path_of_this_site_is_a_way_back() {
        assert_eq!(
            back_here(Some("/forum?x=1".into())).as_deref(),
            Some("/forum?x=1")
        );
        for other in [
            "//evil.example",
            "https://evil.example",
            "/\\evil",
            "/a\nb",
            "forum",
        ] {
            assert_eq!(back_here(Some(other.into())), None, "{other}");
        }
    }
}
