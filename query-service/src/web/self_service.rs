//! The signed-in visitor's own page, `/moje`: a provider sees its services
//! with a form per facility, form and unit to report free places — two
//! clicks from any page (the menu's link, then "report") — and the surveys
//! it is asked to answer. Reports go to the command API as the account
//! (`commands`), which checks that the service is the provider's; the page
//! waits until the read models hold the report before showing it.

use super::actions::typed;
use super::commands::Command;
use super::page::Lang;
use super::session::{self, SignedIn, Visitor};
use crate::api::QueryState;
use axum::extract::{RawQuery, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use events::registry::service::ReportVacancy;
use events::surveys::survey::SurveyStatus;
use serde::Deserialize;
use std::fmt::Write;

/// The signed-in page's title.
pub(super) fn title(lang: Lang) -> &'static str {
    lang.texts().my_page
}

/// `GET /moje`.
pub async fn mine(
    State(state): State<QueryState>,
    headers: HeaderMap,
    RawQuery(raw): RawQuery,
) -> Response {
    let raw = raw.unwrap_or_default();
    let lang = Lang::from_query(&raw);
    let Some(visitor) = session::visitor(&state, &headers).await else {
        return session::to_login(lang);
    };
    let notice = if raw.split('&').any(|kv| kv == "reported=1") {
        Some(lang.texts().report_accepted)
    } else if raw.split('&').any(|kv| kv.starts_with("done=")) {
        Some(lang.texts().change_accepted)
    } else {
        None
    };
    render(&state, &visitor, lang, StatusCode::OK, notice, None)
}

/// A row of a service's report form: a facility, form and unit.
struct ReportRow {
    facility_name: String,
    facility_id: String,
    form: String,
    unit: String,
    form_name: String,
    unit_name: String,
    count: i64,
    /// The control's id.
    input: String,
    /// The idempotency key of this form's report.
    key: uuid::Uuid,
    current: String,
}

/// A service of the provider with its report forms.
struct ReportService {
    id: String,
    name: String,
    rows: Vec<ReportRow>,
}

/// What a provider reports and answers.
struct Report {
    services: Vec<ReportService>,
    /// Open surveys it is asked to answer: id and title.
    surveys: Vec<(String, String)>,
    /// Open surveys it is not asked to answer: id, title and why not.
    not_asked: Vec<(String, String, String)>,
}

#[derive(askama::Template)]
#[template(path = "mine/page.html")]
struct MinePage<'a> {
    frame: super::page::Frame<'a>,
    notice: Option<&'a str>,
    problem: Option<&'a str>,
    roles: Vec<String>,
    report: Option<Report>,
    sections: String,
}

/// The signed-in page with a notice or a problem, answered with `status`.
pub fn render(
    state: &QueryState,
    visitor: &Visitor,
    lang: Lang,
    status: StatusCode,
    notice: Option<&str>,
    problem: Option<&str>,
) -> Response {
    let t = lang.texts();
    let roles: Vec<String> = visitor
        .account
        .roles
        .iter()
        .map(|g| {
            use events::accounts::role::Role;
            let role = match g.role {
                Role::Administrator => t.role_administrator,
                Role::Provider => t.role_provider,
                Role::Methodologist => t.methodologist,
                Role::SocialCurator => t.social_curator,
                Role::Commissioner => t.role_commissioner,
                Role::Analyst => t.role_analyst,
                Role::Auditor => t.role_auditor,
            };
            use events::accounts::role::Scope;
            let index = state.indexer.read();
            let scope = match &g.scope {
                Scope::Global => t.nationwide.to_string(),
                Scope::Provider(ico) => index.provider_name(ico).unwrap_or_else(|| ico.clone()),
                Scope::Kraj(code) | Scope::Orp(code) | Scope::Municipality(code) => {
                    super::planning::territory_name(&index, code)
                }
            };
            format!("{role} ({scope})")
        })
        .collect();
    let providers = visitor.providers();
    let sections = super::roles::sections(state, visitor, lang);
    let report = (!providers.is_empty()).then(|| report_of(state, &providers, lang));
    let page = MinePage {
        frame: super::page::Frame {
            lang,
            title: title(lang),
            path: "/moje",
        },
        notice,
        problem,
        roles,
        report,
        sections,
    };
    (status, super::page::render(&page)).into_response()
}

/// The provider's services with a report form per facility, form and unit,
/// and the open surveys it is asked.
fn report_of(state: &QueryState, providers: &[String], lang: Lang) -> Report {
    let index = state.indexer.read();
    let mut services: Vec<_> = index
        .services()
        .filter(|e| providers.contains(&e.view.provider_ico))
        .collect();
    services.sort_by(|a, b| a.sort_name.cmp(&b.sort_name));
    let services = services
        .into_iter()
        .map(|entry| {
            let s = &entry.view;
            let mut rows = Vec::new();
            for facility in s.details.open_facilities() {
                for spec in &s.details.forms {
                    for capacity in &spec.capacities {
                        let form = super::records::code_of(&spec.form);
                        let unit = super::records::code_of(&capacity.unit);
                        let current = s
                            .vacancies
                            .iter()
                            .find(|v| {
                                v.facility_id == facility.facility_id
                                    && v.form == spec.form
                                    && v.unit == capacity.unit
                            })
                            .map(|v| v.free_places);
                        rows.push(ReportRow {
                            facility_name: facility.name.clone(),
                            facility_id: facility.facility_id.clone(),
                            form_name: code_name(lang, &form).to_string(),
                            unit_name: code_name(lang, &unit).to_string(),
                            form,
                            unit,
                            count: capacity.count,
                            input: format!("v-{}-{}", s.id, rows.len() + 1),
                            key: uuid::Uuid::now_v7(),
                            current: current.map(|c| c.to_string()).unwrap_or_default(),
                        });
                    }
                }
            }
            ReportService {
                id: s.id.clone(),
                name: s.details.name.clone(),
                rows,
            }
        })
        .collect();
    let (surveys, not_asked): (Vec<_>, Vec<_>) = index
        .surveys
        .values()
        .filter(|s| s.status == SurveyStatus::Open)
        .map(|s| {
            let why: Vec<_> = providers
                .iter()
                .map(|ico| crate::api::surveys::not_invited(&index, &s.definition.audience, ico))
                .collect();
            (
                s,
                why.iter().any(Option::is_none),
                why.into_iter().flatten().next(),
            )
        })
        .partition(|(_, asked, _)| *asked);
    let surveys = surveys
        .into_iter()
        .map(|(s, _, _)| (s.id.clone(), s.definition.title.clone()))
        .collect();
    let not_asked = not_asked
        .into_iter()
        .filter_map(|(s, _, why)| {
            Some((
                s.id.clone(),
                s.definition.title.clone(),
                why_not(&index, &why?, lang),
            ))
        })
        .collect();
    Report {
        services,
        surveys,
        not_asked,
    }
}

/// Why a provider is not asked by a survey, in words.
fn why_not(
    index: &crate::index::Index,
    why: &crate::api::surveys::NotInvited,
    lang: Lang,
) -> String {
    use crate::api::surveys::NotInvited;
    match why {
        NotInvited::Unknown => lang
            .tr(
                "poskytovatel není v registru",
                "the provider is not in the registry",
            )
            .to_string(),
        NotInvited::OutsideKraj { kraj, office } => {
            let name = |nuts: &str| super::planning::territory_name(index, nuts);
            let office = office.as_deref().map_or_else(
                || {
                    lang.tr(
                        "u sídla poskytovatele není známa obec",
                        "the office's municipality is not known",
                    )
                    .to_string()
                },
                |k| {
                    format!(
                        "{} ({})",
                        lang.tr(
                            "sídlo poskytovatele je v jiném kraji",
                            "the office is in another kraj"
                        ),
                        name(k)
                    )
                },
            );
            format!(
                "{office} {} {}",
                lang.tr(
                    "a žádná jeho služba nepůsobí v kraji",
                    "and no service of its works in",
                ),
                name(kraj)
            )
        }
        NotInvited::NoServiceOfKind(kind) => format!(
            "{} {}",
            lang.tr("nemá službu druhu", "it has no service of the kind"),
            super::stats::kind_name(*kind)
        ),
    }
}

/// The name of a form's or a capacity unit's code.
pub fn code_name(lang: Lang, code: &str) -> &str {
    let t = lang.texts();
    match code {
        "pob" => t.residential,
        "amb" => t.outpatient,
        "ter" => t.field,
        "luzka" => t.unit_beds,
        "klient" => t.unit_clients,
        "kontakt" => t.unit_contacts,
        "interv" => t.unit_interventions,
        "hovor" => t.unit_calls,
        other => other,
    }
}

/// A report of free places as its form posts it.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct VacancyForm {
    service: String,
    facility: String,
    form: String,
    unit: String,
    free_places: String,
    /// The form's idempotency key: a report sent twice is recorded once.
    key: Option<String>,
}

impl VacancyForm {
    /// The command: the service's path and the report in its own type.
    fn command(&self, lang: Lang) -> Result<Command, String> {
        let free_places = self.free_places.trim();
        let Ok(free_places) = free_places.parse::<i64>() else {
            return Err(format!(
                "free_places: {} ({free_places:?})",
                lang.texts().whole_number
            ));
        };
        let report = ReportVacancy {
            facility_id: self.facility.clone(),
            form: typed("form", &self.form, "a form of the service")?,
            unit: typed("unit", &self.unit, "a unit of capacity")?,
            free_places,
        };
        Ok(Command::post(
            format!("/services/{}/vacancies", urlencode(&self.service)),
            &report,
        ))
    }
}

/// `POST /moje/volna-mista`: one report of free places.
pub async fn report(State(state): State<QueryState>, signed: SignedIn<VacancyForm>) -> Response {
    let SignedIn {
        form,
        lang,
        visitor,
        commands,
    } = signed;
    let command = match form.command(lang) {
        Ok(c) => c,
        Err(text) => {
            return render(
                &state,
                &visitor,
                lang,
                StatusCode::UNPROCESSABLE_ENTITY,
                None,
                Some(&text),
            )
        }
    };
    let answer = match commands
        .run(&command, &visitor.token, form.key.as_deref())
        .await
    {
        Ok(a) => a,
        Err(e) => return session::unreachable_commands(lang, title(lang), &e),
    };
    if !answer.status.is_success() {
        return render(
            &state,
            &visitor,
            lang,
            answer.status,
            None,
            Some(&answer.refusal(lang)),
        );
    }
    // Read your writes: the page after the redirect shows the report.
    session::settle(&state, &answer).await;
    Redirect::to(&format!("/moje?lang={}&reported=1", lang.code())).into_response()
}

/// Percent-encodes a path segment.
pub fn urlencode(s: &str) -> String {
    let mut out = String::new();
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-_.~:".contains(&b) {
            out.push(b as char);
        } else {
            let _ = write!(out, "%{b:02X}");
        }
    }
    out
}
