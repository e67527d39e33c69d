//! The signed-in visitor's own page, `/moje`: a provider sees its services
//! with a form per facility, form and unit to report free places — two
//! clicks from any page (the menu's link, then "report") — and the surveys
//! it is asked to answer. Reports go to the command API as the account
//! (`commands`), which checks that the service is the provider's; the page
//! waits until the read models hold the report before showing it.

use super::page::{esc, Lang};
use super::session::{self, field, Visitor};
use crate::api::QueryState;
use axum::body::Bytes;
use axum::extract::{RawQuery, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{Html, IntoResponse, Redirect, Response};
use events::surveys::survey::SurveyStatus;
use serde_json::{json, Value};
use std::fmt::Write;

/// The signed-in page's title.
pub(super) fn title(lang: Lang) -> &'static str {
    lang.tr("Moje stránka", "My page")
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
        Some(lang.tr(
            "Hlášení volných míst bylo přijato a je zveřejněno.",
            "The report of free places was accepted and is published.",
        ))
    } else if raw.split('&').any(|kv| kv.starts_with("done=")) {
        Some(lang.tr(
            "Hotovo, změna byla přijata.",
            "Done, the change was accepted.",
        ))
    } else {
        None
    };
    render(&state, &visitor, lang, StatusCode::OK, notice, None)
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
    let mut body = String::new();
    body.push_str(&super::page::notices(notice, problem));
    let roles: Vec<String> = visitor
        .account
        .roles
        .iter()
        .map(|g| {
            use events::accounts::role::Role;
            let role = match g.role {
                Role::Administrator => lang.tr("správce portálu", "administrator"),
                Role::Provider => lang.tr("poskytovatel", "provider"),
                Role::Methodologist => lang.tr("metodik/metodička", "methodologist"),
                Role::SocialCurator => lang.tr("sociální kurátor/ka", "social curator"),
                Role::Commissioner => lang.tr("zadavatel", "commissioner"),
                Role::Analyst => lang.tr("analytik", "analyst"),
                Role::Auditor => lang.tr("auditor", "auditor"),
            };
            let scope = serde_json::to_value(&g.scope).unwrap_or(Value::Null);
            format!(
                "{} ({})",
                role,
                scope["code"]
                    .as_str()
                    .unwrap_or(lang.tr("celostátně", "nationwide"))
            )
        })
        .collect();
    let _ = write!(
        body,
        "<p>{} {}</p><form method=\"post\" action=\"/odhlaseni\"><input type=\"hidden\" name=\"lang\" value=\"{}\">\
         <button type=\"submit\">{}</button></form>",
        esc(lang.tr("Vaše role:", "Your roles:")),
        esc(&roles.join(", ")),
        lang.code(),
        esc(lang.tr("Odhlásit se", "Sign out")),
    );
    let providers = visitor.providers();
    let others = super::roles::sections(state, visitor, lang);
    if providers.is_empty() {
        if others.is_empty() {
            let _ = write!(
                body,
                "<p>{}</p>",
                esc(lang.tr(
                    "Vaše role nemá na webu vlastní formuláře; použijte API na /api/v1 (dokumentace /api/v1/openapi.json).",
                    "Your role has no forms of its own on the web; use the API at /api/v1 (documented at /api/v1/openapi.json).",
                ))
            );
        }
        body.push_str(&others);
        return (
            status,
            Html(super::page::layout(lang, title(lang), "/moje", &body)),
        )
            .into_response();
    }
    let index = state.indexer.read();
    let _ = write!(
        body,
        "<h2>{}</h2>",
        esc(lang.tr("Nahlásit volná místa", "Report free places"))
    );
    let mut any = false;
    let mut services: Vec<_> = index
        .services()
        .filter(|e| providers.contains(&e.view.provider_ico))
        .collect();
    services.sort_by(|a, b| a.view.details.name.cmp(&b.view.details.name));
    for entry in services {
        any = true;
        let s = &entry.view;
        let _ = write!(
            body,
            "<section aria-labelledby=\"s-{id}\"><h3 id=\"s-{id}\"><a href=\"/sluzby/{id}?lang={code}\">{name}</a></h3>\
             <p><a href=\"/moje/sluzby/{id}?lang={code}\">{edit}</a></p>\
             <table><caption>{caption}</caption><thead><tr><th scope=\"col\">{facility}</th><th scope=\"col\">{form_unit}</th>\
             <th scope=\"col\">{capacity}</th><th scope=\"col\">{now}</th></tr></thead><tbody>",
            id = esc(&s.id),
            code = lang.code(),
            name = esc(&s.details.name),
            edit = esc(lang.tr("Upravit popis a kontakty", "Edit the description and contacts")),
            caption = esc(lang.tr("Volná místa podle zařízení, formy a jednotky", "Free places by facility, form and unit")),
            facility = esc(lang.tr("Zařízení", "Facility")),
            form_unit = esc(lang.tr("Forma a jednotka", "Form and unit")),
            capacity = esc(lang.tr("Kapacita", "Capacity")),
            now = esc(lang.tr("Volná místa nyní", "Free places now")),
        );
        let mut row = 0;
        for facility in s.details.open_facilities() {
            for spec in &s.details.forms {
                for capacity in &spec.capacities {
                    row += 1;
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
                    let input = format!("v-{}-{row}", esc(&s.id));
                    let _ = write!(
                        body,
                        "<tr><td>{facility_name}</td><td>{form_name} · {unit_name}</td><td>{count}</td><td>\
                         <form method=\"post\" action=\"/moje/volna-mista\">\
                         <input type=\"hidden\" name=\"lang\" value=\"{code}\">\
                         <input type=\"hidden\" name=\"service\" value=\"{id}\">\
                         <input type=\"hidden\" name=\"facility\" value=\"{facility_id}\">\
                         <input type=\"hidden\" name=\"form\" value=\"{form}\">\
                         <input type=\"hidden\" name=\"unit\" value=\"{unit}\">\
                         <input type=\"hidden\" name=\"key\" value=\"{key}\">\
                         <label for=\"{input}\">{label}</label> \
                         <input id=\"{input}\" name=\"free_places\" type=\"number\" min=\"0\" max=\"{count}\" inputmode=\"numeric\" required value=\"{current}\"> \
                         <button type=\"submit\">{report}</button></form></td></tr>",
                        facility_name = esc(&facility.name),
                        form_name = esc(code_name(lang, &form)),
                        unit_name = esc(code_name(lang, &unit)),
                        count = capacity.count,
                        code = lang.code(),
                        id = esc(&s.id),
                        facility_id = esc(&facility.facility_id),
                        key = uuid::Uuid::now_v7(),
                        label = esc(&format!("{} — {}", lang.tr("Volná místa", "Free places"), facility.name)),
                        current = current.map(|c| c.to_string()).unwrap_or_default(),
                        report = esc(lang.tr("Nahlásit", "Report")),
                    );
                }
            }
        }
        body.push_str("</tbody></table></section>");
    }
    if !any {
        let _ = write!(
            body,
            "<p>{}</p>",
            esc(lang.tr(
                "Váš poskytovatel zatím nemá v registru žádnou službu.",
                "Your provider has no service in the registry yet."
            ))
        );
    }
    // The open surveys the provider is asked to answer.
    let open: Vec<_> = index
        .surveys
        .values()
        .filter(|s| s.status == SurveyStatus::Open)
        .filter(|s| {
            providers
                .iter()
                .any(|ico| crate::api::surveys::invites(&index, &s.definition.audience, ico))
        })
        .collect();
    if !open.is_empty() {
        let _ = write!(
            body,
            "<h2>{}</h2><ul>",
            esc(lang.tr("Otevřené ankety", "Open surveys"))
        );
        for s in open {
            let _ = write!(
                body,
                "<li><a href=\"/ankety/{}?lang={}\">{}</a></li>",
                esc(&s.id),
                lang.code(),
                esc(&s.definition.title)
            );
        }
        body.push_str("</ul>");
    }
    drop(index);
    body.push_str(&others);
    (
        status,
        Html(super::page::layout(lang, title(lang), "/moje", &body)),
    )
        .into_response()
}

/// The name of a form's or a capacity unit's code.
pub fn code_name(lang: Lang, code: &str) -> &str {
    match code {
        "pob" => lang.tr("pobytová", "residential"),
        "amb" => lang.tr("ambulantní", "outpatient"),
        "ter" => lang.tr("terénní", "field"),
        "luzka" => lang.tr("lůžka", "beds"),
        "klient" => lang.tr("klienti", "clients"),
        "kontakt" => lang.tr("kontakty", "contacts"),
        "interv" => lang.tr("intervence", "interventions"),
        "hovor" => lang.tr("hovory", "calls"),
        other => other,
    }
}

/// `POST /moje/volna-mista`: one report of free places.
pub async fn report(State(state): State<QueryState>, headers: HeaderMap, body: Bytes) -> Response {
    let posted = match session::posted(&state, &headers, &body, title).await {
        Ok(p) => p,
        Err(page) => return page,
    };
    let session::Posted {
        fields,
        lang,
        visitor,
        commands,
    } = posted;
    let service = field(&fields, "service").unwrap_or_default();
    let free_places = field(&fields, "free_places").unwrap_or_default().trim();
    let Ok(free_places) = free_places.parse::<i64>() else {
        let text = format!(
            "free_places: {} ({free_places:?})",
            lang.tr("zadejte celé číslo", "enter a whole number")
        );
        return render(
            &state,
            &visitor,
            lang,
            StatusCode::UNPROCESSABLE_ENTITY,
            None,
            Some(&text),
        );
    };
    let command = json!({
        "facility_id": field(&fields, "facility").unwrap_or_default(),
        "form": field(&fields, "form").unwrap_or_default(),
        "unit": field(&fields, "unit").unwrap_or_default(),
        "free_places": free_places,
    });
    let answer = match commands
        .post(
            &format!("/services/{}/vacancies", urlencode(service)),
            Some(&visitor.token),
            field(&fields, "key"),
            &command,
        )
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
            Some(&answer.refusal()),
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
