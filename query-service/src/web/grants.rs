//! Grant procedures on the web: the calls at `/dotace` with their totals,
//! a call's page `/dotace/{id}` (criteria, eligible kinds, the decided
//! applications with amounts, reasons and scores — what the read API makes
//! public), and the signed-in forms: a commissioner announces and cancels
//! calls of its territory, evaluates applications by the criteria and
//! decides them; a provider applies for its service. The command API checks
//! every rule (deadline, territory, sums, order of steps).

use super::actions::{lines, number, typed};
use super::commands::Command;
use super::format::filters;
use super::page::{render, Frame, Lang};
use super::self_service::urlencode;
use super::session::Visitor;
use crate::api::grants::{CallDetail, CallSummary};
use crate::api::records::After;
use crate::api::QueryState;
use askama::Template;
use axum::extract::{Path, RawQuery, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::Json;
use command_api::grants::{AnnounceBody, DecisionBody, EvaluateBody, SubmitBody};
use events::accounts::role::{Role, Scope};
use events::grants::application::ApplicationStatus;
use events::grants::application::{ApplicationDetails, BudgetLine, Score};
use events::grants::call::{CallDetails, Criterion};
use events::values::codes::KINDS;
use serde::Deserialize;
use std::collections::BTreeMap;
use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;

/// A call as listed, with its territory's name.
struct CallItem {
    summary: CallSummary,
    territory: String,
}

#[derive(Template)]
#[template(path = "grants/calls.html")]
struct CallsPage<'a> {
    frame: Frame<'a>,
    calls: Vec<CallItem>,
}

/// `GET /dotace`.
pub async fn calls(State(state): State<QueryState>, RawQuery(raw): RawQuery) -> Response {
    let lang = super::lang_of(raw.as_deref());
    let title = lang.texts().grant_calls;
    let answer = crate::api::grants::calls(
        State(state.clone()),
        crate::api::params::Query(After::default()),
    )
    .await;
    let Json(list) = match answer {
        Ok(a) => a,
        Err(p) => return super::failed(lang, title, "/dotace", &p),
    };
    let index = state.indexer.read();
    let t = index.territory();
    let calls = list
        .items
        .into_iter()
        .map(|summary| CallItem {
            territory: t
                .kraj_by_any_code(&summary.territory)
                .map_or_else(|| summary.territory.clone(), |k| k.name.clone()),
            summary,
        })
        .collect();
    render(&CallsPage {
        frame: Frame {
            lang,
            title,
            path: "/dotace",
        },
        calls,
    })
}

#[derive(Template)]
#[template(path = "grants/call.html")]
struct CallPage<'a> {
    frame: Frame<'a>,
    call: CallDetail,
    kinds: Vec<&'static str>,
}

/// `GET /dotace/{id}`.
pub async fn call(
    State(state): State<QueryState>,
    Path(id): Path<String>,
    RawQuery(raw): RawQuery,
) -> Response {
    let lang = super::lang_of(raw.as_deref());
    let answer = crate::api::grants::call(
        State(state),
        Path(id.clone()),
        crate::api::params::Query(After::default()),
    )
    .await;
    let Json(call) = match answer {
        Ok(a) => a,
        Err(p) => {
            let text = lang.texts().no_such_call;
            return super::alert(
                StatusCode::from_u16(p.status).unwrap_or(StatusCode::NOT_FOUND),
                lang,
                text,
                "/dotace",
                text,
            );
        }
    };
    let kinds = call
        .details
        .eligible_kinds
        .iter()
        .map(|k| super::stats::kind_name(*k))
        .collect();
    let path = format!("/dotace/{id}");
    let title = call.summary.title.clone();
    render(&CallPage {
        frame: Frame {
            lang,
            title: &title,
            path: &path,
        },
        call,
        kinds,
    })
}

/// An application to evaluate or decide.
struct ApplicationForms {
    id: String,
    provider: String,
    requested: String,
    justification: String,
    evaluated: bool,
    /// Its attachments.
    files: Vec<super::uploads::FileLink>,
}

/// A call of the commissioner's territory, with its applications.
struct CallForms {
    id: String,
    title: String,
    /// Accepting applications (it can be cancelled).
    open: bool,
    criteria: Vec<events::grants::call::Criterion>,
    applications: Vec<ApplicationForms>,
}

/// A commissioner's grant procedures in a territory.
struct Procedure {
    territory: String,
    /// The territory's name.
    place: String,
    calls: Vec<CallForms>,
}

/// An open call a provider may apply to, with its eligible services.
struct OpenCall {
    id: String,
    title: String,
    /// `provider_ico|service_id` and the service's name.
    services: Vec<(String, String)>,
}

/// A provider's application as it stands.
struct MyApplication {
    call_id: String,
    call: String,
    service: String,
    requested: String,
    status: &'static str,
    /// The amount granted and the reasons, once decided.
    decision: Option<(String, String)>,
    /// Its attachments.
    files: Vec<super::uploads::FileLink>,
}

/// Where an application stands, in words.
fn status_name(status: ApplicationStatus, lang: Lang) -> &'static str {
    use ApplicationStatus as S;
    match status {
        S::None | S::Submitted => lang.tr(
            "podaná, čeká na hodnocení",
            "submitted, awaiting evaluation",
        ),
        S::Evaluated => lang.tr(
            "hodnocená, čeká na rozhodnutí",
            "evaluated, awaiting the decision",
        ),
        S::Granted => lang.tr("podpořená", "granted"),
        S::Rejected => lang.tr("zamítnutá", "refused"),
        S::Withdrawn => lang.tr("vzatá zpět", "withdrawn"),
    }
}

#[derive(Template)]
#[template(path = "forms/grants.html")]
struct GrantSections<'a> {
    frame: Frame<'a>,
    procedures: Vec<Procedure>,
    kinds: Vec<(u16, &'static str)>,
    any_open: bool,
    open_calls: Vec<OpenCall>,
    mine: Vec<MyApplication>,
}

/// The signed-in forms of grant procedures: a commissioner's calls and
/// applications of its territories, a provider's applications.
pub fn sections(state: &QueryState, visitor: &Visitor, lang: Lang) -> String {
    let index = state.indexer.read();
    let territories: Vec<String> = visitor
        .account
        .roles
        .iter()
        .filter(|g| g.role == Role::Commissioner)
        .filter_map(|g| match &g.scope {
            Scope::Kraj(c) | Scope::Municipality(c) => Some(c.clone()),
            _ => None,
        })
        .collect();
    let now = time::OffsetDateTime::now_utc();
    let procedures = territories
        .into_iter()
        .map(|territory| {
            let mut calls: Vec<_> = index
                .grant_calls
                .values()
                .filter(|c| c.details.territory == territory)
                .collect();
            calls.sort_by_key(|c| std::cmp::Reverse(c.details.deadline));
            let calls = calls
                .into_iter()
                .map(|c| {
                    let mut apps: Vec<_> = index
                        .grant_applications
                        .values()
                        .filter(|a| a.details.call_id == c.id)
                        .filter(|a| {
                            matches!(
                                a.status,
                                ApplicationStatus::Submitted | ApplicationStatus::Evaluated
                            )
                        })
                        .collect();
                    apps.sort_by(|a, b| a.id.cmp(&b.id));
                    CallForms {
                        id: c.id.clone(),
                        title: c.details.title.clone(),
                        open: c.cancelled.is_none() && now <= c.details.deadline,
                        criteria: c.details.criteria.clone(),
                        applications: apps
                            .into_iter()
                            .map(|a| ApplicationForms {
                                id: a.id.clone(),
                                provider: index
                                    .provider_name(&a.details.provider_ico)
                                    .unwrap_or_else(|| a.details.provider_ico.clone()),
                                requested: super::format::czk(a.details.requested_amount),
                                justification: a.details.justification.clone(),
                                evaluated: a.status == ApplicationStatus::Evaluated,
                                files: super::uploads::application_links(
                                    &a.id,
                                    &a.details.attachments,
                                ),
                            })
                            .collect(),
                    }
                })
                .collect();
            Procedure {
                place: super::planning::territory_name(&index, &territory),
                territory,
                calls,
            }
        })
        .collect();
    // Providers: apply for an open call with one of their services.
    let providers = visitor.providers();
    let open: Vec<_> = if providers.is_empty() {
        Vec::new()
    } else {
        index
            .grant_calls
            .values()
            .filter(|c| c.cancelled.is_none() && now <= c.details.deadline)
            .collect()
    };
    let open_calls = open
        .iter()
        .filter_map(|c| {
            let services: Vec<(String, String)> = index
                .services()
                .filter(|s| providers.contains(&s.view.provider_ico))
                .filter(|s| {
                    c.details.eligible_kinds.is_empty()
                        || c.details.eligible_kinds.contains(&s.view.details.kind)
                })
                .map(|s| {
                    (
                        format!("{}|{}", s.view.provider_ico, s.view.id),
                        s.view.details.name.clone(),
                    )
                })
                .collect();
            (!services.is_empty()).then(|| OpenCall {
                id: c.id.clone(),
                title: c.details.title.clone(),
                services,
            })
        })
        .collect();
    // A provider's applications: the newest call first, with the decisions.
    let mut mine: Vec<_> = index
        .grant_applications
        .values()
        .filter(|a| providers.contains(&a.details.provider_ico))
        .collect();
    mine.sort_by_key(|a| {
        let deadline = index
            .grant_calls
            .get(&a.details.call_id)
            .map(|c| c.details.deadline);
        (std::cmp::Reverse(deadline), a.id.clone())
    });
    let mine = mine
        .into_iter()
        .map(|a| MyApplication {
            call_id: a.details.call_id.clone(),
            call: index
                .grant_calls
                .get(&a.details.call_id)
                .map_or_else(|| a.details.call_id.clone(), |c| c.details.title.clone()),
            service: index.service(&a.details.service_id).map_or_else(
                || a.details.service_id.clone(),
                |s| s.view.details.name.clone(),
            ),
            requested: super::format::czk(a.details.requested_amount),
            status: status_name(a.status, lang),
            files: super::uploads::application_links(&a.id, &a.details.attachments),
            decision: a.granted_amount.map(|granted| {
                (
                    super::format::czk(granted),
                    a.reasons.clone().unwrap_or_default(),
                )
            }),
        })
        .collect();
    Template::render(&GrantSections {
        frame: Frame::section(lang),
        procedures,
        kinds: KINDS.iter().map(|(code, name, _)| (*code, *name)).collect(),
        any_open: !open.is_empty(),
        open_calls,
        mine,
    })
    .unwrap_or_default()
}

#[derive(Template)]
#[template(path = "forms/call_preview.html")]
struct CallPreview<'a> {
    frame: Frame<'a>,
    form: &'a CallForm,
    /// The call as it would be announced, when the form reads.
    details: Option<CallDetails>,
    /// The kinds of service: code, name, chosen.
    kinds: Vec<(u16, &'static str, bool)>,
    problem: Option<&'a str>,
}

/// A call shown before it is announced (or when refused): its criteria,
/// budget, deadline and kinds as the form gives them, and the form again
/// with what was typed.
pub(super) fn call_page(
    lang: Lang,
    form: &CallForm,
    status: axum::http::StatusCode,
    problem: Option<&str>,
) -> Response {
    use axum::response::IntoResponse;
    let title = format!(
        "{} — {}",
        lang.tr("Náhled výzvy", "Preview of the call"),
        form.title.trim()
    );
    let page = CallPreview {
        frame: Frame {
            lang,
            title: &title,
            path: "/moje",
        },
        form,
        details: form.details().ok(),
        kinds: KINDS
            .iter()
            .map(|(code, name, _)| {
                (
                    *code,
                    *name,
                    form.kinds.iter().any(|k| k == &code.to_string()),
                )
            })
            .collect(),
        problem,
    };
    (status, render(&page)).into_response()
}

/// A grant call as its form posts it.
#[derive(Debug, Default, Clone, Deserialize)]
#[serde(default)]
pub struct CallForm {
    territory: String,
    title: String,
    description: String,
    budget: String,
    /// A day (applications until its end) or an instant.
    deadline: String,
    /// The kinds of service that may apply (none: every kind).
    #[serde(deserialize_with = "super::actions::one_or_many")]
    kinds: Vec<String>,
    /// `name | weight | most points`, one a line.
    criteria: String,
    /// Set: the call is shown, not announced.
    preview: String,
}

impl CallForm {
    /// Whether the form asks for a preview only.
    pub(super) fn is_preview(&self) -> bool {
        !self.preview.is_empty()
    }

    pub(super) fn command(self) -> Result<Command, String> {
        Ok(Command::post(
            "/grants/calls",
            &AnnounceBody {
                call_id: None,
                details: self.details()?,
            },
        ))
    }

    fn details(&self) -> Result<CallDetails, String> {
        let mut criteria = Vec::new();
        for (i, l) in lines(&self.criteria).into_iter().enumerate() {
            let [name, weight, max] = l.as_slice() else {
                return Err(format!(
                    "criteria, line {}: name | weight | most points",
                    i + 1
                ));
            };
            let weight: u8 = weight
                .parse()
                .map_err(|_| format!("criteria, line {}: the weight is not a number", i + 1))?;
            let max_points: u16 = max
                .parse()
                .map_err(|_| format!("criteria, line {}: the points are not a number", i + 1))?;
            criteria.push(Criterion {
                id: format!("k{}", i + 1),
                name: name.clone(),
                weight,
                max_points,
            });
        }
        let budget = number("budget", &self.budget, "a whole number")?;
        // A day is "until the end of the day", in Prague.
        let given = self.deadline.trim();
        let deadline = match typed::<time::Date>("deadline", given, "a day") {
            Ok(day) => Ok(super::format::prague(
                day.with_hms(23, 59, 59).map_err(|e| e.to_string())?,
            )),
            Err(not_a_day) => OffsetDateTime::parse(given, &Rfc3339).map_err(|_| not_a_day),
        }?;
        Ok(CallDetails {
            title: self.title.trim().into(),
            description: self.description.trim().into(),
            territory: self.territory.trim().into(),
            budget,
            eligible_kinds: self.kinds.iter().filter_map(|k| k.parse().ok()).collect(),
            criteria,
            deadline,
        })
    }
}

/// A provider's application as its form posts it.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct ApplicationForm {
    call: String,
    /// `IČO|service id`.
    service: String,
    /// `item | amount`, one a line.
    budget_lines: String,
    justification: String,
    /// Files sent with the form.
    #[serde(deserialize_with = "super::actions::one_or_many")]
    attachments: Vec<String>,
}

impl ApplicationForm {
    pub(super) fn command(self) -> Result<Command, String> {
        let (ico, service_id) = self
            .service
            .split_once('|')
            .ok_or("service: choose one of your services")?;
        let mut budget_lines = Vec::new();
        for (i, l) in lines(&self.budget_lines).into_iter().enumerate() {
            let [item, amount] = l.as_slice() else {
                return Err(format!("budget_lines, line {}: item | amount", i + 1));
            };
            let amount = number("", amount, "").map_err(|_| {
                format!(
                    "budget_lines, line {}: the amount is not a whole number",
                    i + 1
                )
            })?;
            budget_lines.push(BudgetLine {
                item: item.clone(),
                amount,
            });
        }
        let details = ApplicationDetails {
            call_id: self.call.trim().into(),
            provider_ico: ico.trim().into(),
            service_id: service_id.trim().into(),
            requested_amount: budget_lines.iter().map(|l| l.amount).sum(),
            budget_lines,
            justification: self.justification.trim().into(),
            attachments: super::uploads::attachments("attachments", &self.attachments)?,
        };
        Ok(Command::post(
            "/grants/applications",
            &SubmitBody {
                application_id: None,
                details,
            },
        ))
    }
}

/// An evaluator's points as the form posts them: `score:<criterion>` each.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct EvaluationForm {
    id: String,
    /// The form's other fields, among them the scores.
    #[serde(flatten)]
    fields: BTreeMap<String, String>,
}

impl EvaluationForm {
    pub(super) fn command(self) -> Result<Command, String> {
        let mut scores = Vec::new();
        for (k, v) in &self.fields {
            let Some(criterion_id) = k.strip_prefix("score:") else {
                continue;
            };
            scores.push(Score {
                criterion_id: criterion_id.to_string(),
                points: number(k, v, "a number of points")?,
                comment: String::new(),
            });
        }
        Ok(Command::post(
            format!(
                "/grants/applications/{}/evaluations",
                urlencode(self.id.trim())
            ),
            &EvaluateBody { scores },
        ))
    }
}

/// The decision on an application as its form posts it.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct DecisionForm {
    id: String,
    granted_amount: String,
    reasons: String,
}

impl DecisionForm {
    pub(super) fn command(self) -> Result<Command, String> {
        Ok(Command::post(
            format!(
                "/grants/applications/{}/decision",
                urlencode(self.id.trim())
            ),
            &DecisionBody {
                granted_amount: number("granted_amount", &self.granted_amount, "a whole number")?,
                reasons: self.reasons.trim().into(),
            },
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn form<T: serde::de::DeserializeOwned>(pairs: &[(&str, &str)]) -> T {
        serde_html_form::from_str(&serde_html_form::to_string(pairs).unwrap()).unwrap()
    }

    #[test]
    fn grant_forms_become_commands() {
        let call = form::<CallForm>(&[
            ("title", "Výzva"),
            ("territory", "CZ042"),
            ("budget", "1 000 000"),
            ("deadline", "2099-01-31"),
            ("kinds", "20"),
            ("kinds", "27"),
            ("criteria", "Potřebnost | 60 | 10\nRozpočet | 40 | 5"),
        ])
        .command()
        .unwrap();
        assert_eq!(call.path, "/grants/calls");
        let body = call.body.unwrap();
        let d = &body["details"];
        assert_eq!(
            (d["budget"].clone(), d["eligible_kinds"].clone()),
            (json!(1_000_000), json!([20, 27]))
        );
        // The end of the day in Prague: winter time, then summer time.
        assert_eq!(d["deadline"], "2099-01-31T23:59:59+01:00");
        let summer = form::<CallForm>(&[
            ("criteria", "K | 100 | 5"),
            ("budget", "1"),
            ("deadline", "2099-07-31"),
        ])
        .command()
        .unwrap()
        .body
        .unwrap();
        assert_eq!(summer["details"]["deadline"], "2099-07-31T23:59:59+02:00");
        assert_eq!(
            form::<CallForm>(&[
                ("criteria", "K | 100 | 5"),
                ("budget", "1"),
                ("deadline", "zítra")
            ])
            .command()
            .unwrap_err(),
            "deadline: \"zítra\" is not a day"
        );
        assert_eq!(
            d["criteria"][1],
            json!({ "id": "k2", "name": "Rozpočet", "weight": 40, "max_points": 5 })
        );
        let app = form::<ApplicationForm>(&[
            ("call", "c"),
            ("service", "00064581|s1"),
            ("budget_lines", "Mzdy | 300 000\nProvoz | 50000"),
            ("justification", "Potřebujeme"),
        ])
        .command()
        .unwrap()
        .body
        .unwrap();
        assert_eq!(app["details"]["requested_amount"], 350_000);
        assert_eq!(app["details"]["service_id"], "s1");
        let scores = form::<EvaluationForm>(&[
            ("id", "a/1"),
            ("score:k1", "7"),
            ("score:k2", " 3 "),
            ("lang", "cs"),
        ])
        .command()
        .unwrap();
        assert_eq!(scores.path, "/grants/applications/a%2F1/evaluations");
        assert_eq!(
            scores.body.unwrap()["scores"],
            json!([{ "criterion_id": "k1", "points": 7, "comment": "" }, { "criterion_id": "k2", "points": 3, "comment": "" }])
        );
        assert!(form::<CallForm>(&[("criteria", "jen název")])
            .command()
            .unwrap_err()
            .contains("line 1"));
        assert_eq!(
            form::<CallForm>(&[("criteria", "K | 100 | 5"), ("budget", "milion")])
                .command()
                .unwrap_err(),
            "budget: \"milion\" is not a whole number"
        );
        assert!(form::<DecisionForm>(&[("granted_amount", "hodně")])
            .command()
            .is_err());
        assert!(form::<EvaluationForm>(&[("score:k1", "deset")])
            .command()
            .unwrap_err()
            .starts_with("score:k1"));
    }
}
