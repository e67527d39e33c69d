//! A service's page `/sluzby/{id}` (every public field: provider, kind and
//! §, description, forms with capacities, target and age groups, where it is
//! provided and whom it serves, opening hours, contacts, categories, last
//! verification, the facilities on a small map, the current vacancies with
//! their age) and a provider's page `/poskytovatele/{ico}` with its services.

use super::page::{esc, Lang};
use crate::api::QueryState;
use axum::extract::{Path, RawQuery, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};
use events::registry::service::ServiceStatus;
use events::values::Contacts;
use std::fmt::Write;

/// The MPSV code lists of target and age groups.
const TARGET_GROUPS: &str = "CilovaSkupinaOsoby";
const AGE_GROUPS: &str = "VekovaSkupinaOsoby";

fn contacts(c: &Contacts, lang: Lang) -> String {
    let mut out = Vec::new();
    for e in &c.emails {
        out.push(format!("<a href=\"mailto:{0}\">{0}</a>", esc(e)));
    }
    for p in &c.phones {
        out.push(format!(
            "<a href=\"tel:{}\">{}</a>",
            esc(&p.replace(' ', "")),
            esc(p)
        ));
    }
    for w in c
        .webs
        .iter()
        .filter(|w| w.starts_with("http://") || w.starts_with("https://"))
    {
        out.push(format!("<a href=\"{0}\" rel=\"nofollow\">{0}</a>", esc(w)));
    }
    if out.is_empty() {
        esc(lang.tr("neuvedeny", "none given"))
    } else {
        out.join(", ")
    }
}

fn address(a: &events::values::Address) -> String {
    [a.street.as_str(), &format!("{} {}", a.postcode, a.city)]
        .iter()
        .map(|s| s.trim())
        .filter(|s| !s.is_empty())
        .map(esc)
        .collect::<Vec<_>>()
        .join(", ")
}

/// `GET /sluzby/{id}`.
pub async fn service(
    State(state): State<QueryState>,
    Path(id): Path<String>,
    RawQuery(raw): RawQuery,
) -> Response {
    let lang = Lang::from_query(raw.as_deref().unwrap_or_default());
    let t = lang.texts();
    let index = state.indexer.read();
    let doc = crate::api::records::service_detail(&index, &id, time::OffsetDateTime::now_utc())
        .and_then(|d| serde_json::to_value(d).ok());
    let (Some(doc), Some(entry)) = (doc, index.service(&id)) else {
        return super::alert(StatusCode::NOT_FOUND, lang, t.no_service, "/", t.no_service);
    };
    let s = &entry.view;
    let d = &s.details;
    let names = |list: &str, codes: &[String]| {
        codes
            .iter()
            .map(|c| esc(state.codelists.name(list, c).unwrap_or(c)))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let territory = index.territory();
    let mut serves: Vec<String> = d
        .catchment
        .kraje
        .iter()
        .map(|k| {
            territory
                .kraj_by_any_code(k)
                .map_or(k.clone(), |x| x.name.clone())
        })
        .chain(d.catchment.orp.iter().map(|o| {
            territory
                .orp_by_any_code(o)
                .map_or(o.clone(), |x| format!("ORP {}", x.name))
        }))
        .chain(d.catchment.municipalities.iter().map(|m| {
            territory
                .municipalities
                .get(m)
                .map_or(m.clone(), |x| x.name.clone())
        }))
        .collect();
    serves.dedup();
    let forms: Vec<String> = d
        .forms
        .iter()
        .map(|f| {
            let form_code = code_of(&f.form);
            let form = super::self_service::code_name(lang, &form_code);
            let caps: Vec<String> = f
                .capacities
                .iter()
                .map(|c| {
                    format!(
                        "{}: {}",
                        super::self_service::code_name(lang, &code_of(&c.unit)),
                        c.count
                    )
                })
                .collect();
            let non_stop = if f.non_stop {
                lang.tr(", nonstop", ", around the clock")
            } else {
                ""
            };
            esc(&format!("{form} ({}){non_stop}", caps.join(", ")))
        })
        .collect();
    let notice = match s.status {
        ServiceStatus::Ended => format!(
            "<p class=\"notice\"><strong>{}</strong></p>",
            esc(&format!(
                "{}{}",
                lang.tr(
                    "Tato služba již není poskytována: její registrace skončila",
                    "This service is no longer provided: its registration ended"
                ),
                s.ended_on
                    .and_then(|d| d
                        .format(time::macros::format_description!(" [day]. [month]. [year]"))
                        .ok())
                    .unwrap_or_default()
            ))
        ),
        ServiceStatus::Suspended => format!(
            "<p class=\"notice\"><strong>{}</strong></p>",
            esc(lang.tr(
                "Poskytování služby je pozastaveno.",
                "The service is suspended."
            ))
        ),
        _ => String::new(),
    };
    let dash = || "—".to_string();
    let nonempty = |s: String| if s.is_empty() { dash() } else { s };
    let mut body = format!(
        "{notice}<dl><dt>{provider}</dt><dd><a href=\"/poskytovatele/{ico}?lang={c}\">{provider_name}</a></dd>\
         <dt>{kind}</dt><dd>{kind_name}{paragraph}</dd>\
         <dt>{forms_label}</dt><dd>{forms}</dd>\
         <dt>{targets_label}</dt><dd>{targets}</dd>\
         <dt>{ages_label}</dt><dd>{ages}</dd>\
         <dt>{serves_label}</dt><dd>{serves}</dd>\
         <dt>{hours_label}</dt><dd>{hours}</dd>\
         <dt>{contacts_label}</dt><dd>{contacts}</dd>\
         <dt>{verified}</dt><dd>{last_verified}</dd></dl>",
        provider = esc(t.provider),
        ico = esc(&s.provider_ico),
        c = lang.code(),
        provider_name = esc(&entry.provider_name),
        kind = esc(t.kind),
        kind_name = esc(&s.kind_name),
        paragraph = s.paragraph.as_deref().map(|p| format!(" (§ {})", esc(p))).unwrap_or_default(),
        forms_label = esc(lang.tr("Formy a kapacity", "Forms and capacities")),
        forms = nonempty(forms.join("; ")),
        targets_label = esc(lang.tr("Cílové skupiny", "Target groups")),
        targets = nonempty(names(TARGET_GROUPS, &d.target_groups)),
        ages_label = esc(lang.tr("Věkové skupiny", "Age groups")),
        ages = nonempty(names(AGE_GROUPS, &d.age_groups)),
        serves_label = esc(lang.tr("Komu slouží (území)", "Serves (territory)")),
        serves = nonempty(esc(&serves.join(", "))),
        hours_label = esc(lang.tr("Provozní doba", "Opening hours")),
        hours = nonempty(esc(&d.opening_hours)),
        contacts_label = esc(lang.tr("Kontakty", "Contacts")),
        contacts = contacts(&d.contacts, lang),
        verified = esc(t.last_verified),
        last_verified = s.last_verified_on.map_or_else(|| esc(t.never), |d| d.to_string()),
    );
    if !d.description.is_empty() {
        let _ = write!(body, "<p>{}</p>", esc(&d.description));
    }
    if !d.categories.is_empty() {
        let links: Vec<String> = d
            .categories
            .iter()
            .map(|cat| {
                format!(
                    "<a href=\"/?category={}&amp;lang={}\">{}</a>",
                    esc(&super::self_service::urlencode(cat)),
                    lang.code(),
                    esc(cat)
                )
            })
            .collect();
        let _ = write!(
            body,
            "<p>{}: {}</p>",
            esc(lang.tr("Kategorie", "Categories")),
            links.join(", ")
        );
    }
    let _ = write!(body, "<h2>{}</h2><ul>", esc(t.facilities));
    for f in &d.facilities {
        let place = if f.secret_address {
            esc(&format!(
                "{} ({})",
                f.address.city,
                lang.tr(
                    "adresa je utajena, obraťte se na kontakty služby",
                    "the address is kept secret: use the service's contacts"
                )
            ))
        } else {
            address(&f.address)
        };
        match f.closed_on {
            Some(day) => {
                let _ = write!(
                    body,
                    "<li class=\"closed\"><del>{} — {place}</del> <strong>{}</strong></li>",
                    esc(&f.name),
                    esc(&format!(
                        "{} {}",
                        lang.tr("uzavřeno od", "closed since"),
                        day.format(time::macros::format_description!("[day]. [month]. [year]"))
                            .unwrap_or_default()
                    )),
                );
            }
            None => {
                let _ = write!(body, "<li>{} — {place}</li>", esc(&f.name));
            }
        }
    }
    body.push_str("</ul>");
    let points: Vec<(String, f64, f64)> = d
        .open_facilities()
        .filter_map(|f| f.location.as_ref().map(|l| (f.name.clone(), l.lat, l.lon)))
        .collect();
    let kraje: Vec<String> = entry.kraje.iter().cloned().collect();
    if let Some(svg) = super::map::facilities(&index, &kraje, &points, lang) {
        body.push_str(&svg);
    }
    let _ = write!(
        body,
        "<h2>{}</h2><table><caption>{}</caption><thead><tr><th scope=\"col\">{}</th><th scope=\"col\">{}</th><th scope=\"col\">{}</th></tr></thead><tbody>",
        esc(t.vacancies),
        esc(t.vacancies_caption),
        esc(t.facility),
        esc(t.free_places),
        esc(t.reported),
    );
    for v in doc["vacancies"].as_array().into_iter().flatten() {
        let stale = if v["stale"] == true {
            format!(" <em>({})</em>", esc(t.stale))
        } else {
            String::new()
        };
        let facility = v["facility_id"].as_str().unwrap_or_default();
        let facility_name = d
            .facilities
            .iter()
            .find(|f| f.facility_id == facility)
            .map_or(facility, |f| f.name.as_str());
        let _ = write!(
            body,
            "<tr><td>{}</td><td>{}</td><td>{}{stale}</td></tr>",
            esc(facility_name),
            v["free_places"],
            v["age_days"],
        );
    }
    body.push_str("</tbody></table>");
    Html(super::page::layout(
        lang,
        &d.name,
        &format!("/sluzby/{id}"),
        &body,
    ))
    .into_response()
}

/// A code as the API writes it (`pob`, `luzka`).
pub fn code_of<T: serde::Serialize>(value: &T) -> String {
    serde_json::to_value(value)
        .ok()
        .and_then(|v| v.as_str().map(str::to_string))
        .unwrap_or_default()
}

/// `GET /poskytovatele/{ico}`.
pub async fn provider(
    State(state): State<QueryState>,
    Path(ico): Path<String>,
    RawQuery(raw): RawQuery,
) -> Response {
    let lang = Lang::from_query(raw.as_deref().unwrap_or_default());
    let index = state.indexer.read();
    let Some(p) = index.providers.get(&ico) else {
        let text = lang.tr(
            "Takový poskytovatel není v registru.",
            "No such provider in the registry.",
        );
        return super::alert(StatusCode::NOT_FOUND, lang, text, "/", text);
    };
    let mut body = format!(
        "<dl><dt>IČO</dt><dd>{ico}</dd><dt>{form_label}</dt><dd>{form}</dd><dt>{seat}</dt><dd>{address}</dd>\
         <dt>{contacts_label}</dt><dd>{contacts}</dd></dl><h2>{services}</h2><ul class=\"results\">",
        ico = esc(&p.ico),
        form_label = esc(lang.tr("Právní forma", "Legal form")),
        form = p.legal_form.as_deref().map_or_else(|| "—".to_string(), esc),
        seat = esc(lang.tr("Sídlo", "Registered office")),
        address = address(&p.address),
        contacts_label = esc(lang.tr("Kontakty", "Contacts")),
        contacts = contacts(&p.contacts, lang),
        services = esc(lang.tr("Služby", "Services")),
    );
    let mut services: Vec<_> = index
        .services()
        .filter(|s| s.view.provider_ico == ico)
        .collect();
    services.sort_by(|a, b| a.view.details.name.cmp(&b.view.details.name));
    for s in services {
        let _ = write!(
            body,
            "<li><a href=\"/sluzby/{}?lang={}\">{}</a> — {}</li>",
            esc(&s.view.id),
            lang.code(),
            esc(&s.view.details.name),
            esc(&s.view.kind_name),
        );
    }
    body.push_str("</ul>");
    Html(super::page::layout(
        lang,
        &p.name,
        &format!("/poskytovatele/{ico}"),
        &body,
    ))
    .into_response()
}
