//! A service's page `/sluzby/{id}` (every public field: provider, kind and
//! §, description, forms with capacities, target and age groups, where it is
//! provided and whom it serves, opening hours, contacts, categories, last
//! verification, the facilities on a small map, the current vacancies with
//! their age) and a provider's page `/poskytovatele/{ico}` with its services.

use super::page::{render, Frame, Lang};
use crate::api::records::ServiceDetail;
use crate::api::QueryState;
use askama::Template;
use axum::extract::{Path, RawQuery, State};
use axum::http::StatusCode;
use axum::response::Response;
use events::registry::service::ServiceStatus;
use events::values::Contacts;
use read_models::registry::{ProviderView, ServiceView};

/// The MPSV code lists of target and age groups.
const TARGET_GROUPS: &str = "CilovaSkupinaOsoby";
const AGE_GROUPS: &str = "VekovaSkupinaOsoby";

/// A link of a contact.
pub struct ContactLink {
    /// Where it leads (`mailto:`, `tel:`, a web page).
    pub href: String,
    /// What it shows.
    pub text: String,
    /// A web page of the provider's (not vouched for).
    pub nofollow: bool,
}

/// The public contacts as links: e-mails, phones (to tap), web pages.
pub fn contact_links(c: &Contacts) -> Vec<ContactLink> {
    let mails = c.emails.iter().map(|e| ContactLink {
        href: format!("mailto:{e}"),
        text: e.clone(),
        nofollow: false,
    });
    let phones = c.phones.iter().map(|p| ContactLink {
        href: super::format::tel(p),
        text: p.clone(),
        nofollow: false,
    });
    let webs = c
        .webs
        .iter()
        .filter(|w| w.starts_with("http://") || w.starts_with("https://"))
        .map(|w| ContactLink {
            href: w.clone(),
            text: w.clone(),
            nofollow: true,
        });
    mails.chain(phones).chain(webs).collect()
}

/// A facility as listed.
struct FacilityItem {
    name: String,
    place: String,
    closed_since: Option<String>,
}

/// A vacancy as listed.
struct VacancyItem {
    facility: String,
    free_places: i64,
    age_days: i64,
    stale: bool,
}

#[derive(Template)]
#[template(path = "records/service.html")]
struct ServicePage<'a> {
    frame: Frame<'a>,
    service: ServiceDetail,
    notice: Option<String>,
    forms: Vec<String>,
    targets: Vec<&'a str>,
    ages: Vec<&'a str>,
    serves: Vec<String>,
    contact_links: Vec<ContactLink>,
    facilities: Vec<FacilityItem>,
    map: Option<super::map::FacilitiesMap>,
    vacancies: Vec<VacancyItem>,
    media: Vec<MediaItem>,
}

/// A photo or the video of a service, as its page shows it.
pub(super) struct MediaItem {
    /// The file's hash.
    pub(super) sha256: String,
    pub(super) video: bool,
    /// What the page shows (a photo's web size).
    pub(super) url: String,
    /// The whole file.
    pub(super) full: String,
    pub(super) alt: String,
}

pub(super) fn media_items(d: &events::registry::service::ServiceDetails) -> Vec<MediaItem> {
    use events::files::VariantKind;
    let name = |f: &events::files::FileRef, suffix: &str| {
        format!(
            "{}{suffix}.{}",
            d.name.trim(),
            infra::files::kinds::extension(&f.content_type)
        )
    };
    d.media
        .iter()
        .map(|m| {
            let full = infra::files::url(&m.file.sha256, &name(&m.file, ""));
            let url = m
                .variants
                .iter()
                .find(|v| v.kind == VariantKind::Web)
                .map_or_else(
                    || full.clone(),
                    |v| infra::files::url(&v.file.sha256, &name(&v.file, "-web")),
                );
            MediaItem {
                sha256: m.file.sha256.clone(),
                video: m.file.content_type.starts_with("video/"),
                url,
                full,
                alt: m.alt.clone(),
            }
        })
        .collect()
}

impl ServicePage<'_> {
    fn or_dash(&self, text: String) -> String {
        if text.is_empty() {
            "—".to_string()
        } else {
            text
        }
    }

    fn urlencode(&self, text: &str) -> String {
        super::self_service::urlencode(text)
    }
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
    let detail = crate::api::records::service_detail(&index, &id, time::OffsetDateTime::now_utc());
    let (Some(detail), Some(entry)) = (detail, index.service(&id)) else {
        return super::alert(StatusCode::NOT_FOUND, lang, t.no_service, "/", t.no_service);
    };
    let d = &entry.view.details;
    let named = |list: &str, codes: &[String]| -> Vec<String> {
        codes
            .iter()
            .map(|c| state.codelists.name(list, c).unwrap_or(c).to_string())
            .collect()
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
    let forms = d
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
            let non_stop = if f.non_stop { t.around_the_clock } else { "" };
            format!("{form} ({}){non_stop}", caps.join(", "))
        })
        .collect();
    let notice = match detail.status {
        ServiceStatus::Ended => Some(format!(
            "{}{}",
            t.ended_notice,
            detail
                .ended_on
                .map(|d| format!(" {}", super::format::day(d)))
                .unwrap_or_default()
        )),
        ServiceStatus::Suspended => Some(match detail.suspended_until {
            Some(d) => format!(
                "{} {} {}.",
                t.suspended_notice,
                t.suspended_until,
                super::format::day(d)
            ),
            None => t.suspended_notice.to_string(),
        }),
        _ => None,
    };
    let facilities = d
        .facilities
        .iter()
        .map(|f| FacilityItem {
            name: f.name.clone(),
            place: if f.secret_address {
                format!("{} ({})", f.address.city, t.address_secret)
            } else {
                f.address.one_line()
            },
            closed_since: f.closed_on.map(super::format::day),
        })
        .collect();
    let points: Vec<(String, f64, f64)> = d
        .open_facilities()
        .filter_map(|f| f.location.as_ref().map(|l| (f.name.clone(), l.lat, l.lon)))
        .collect();
    let kraje: Vec<String> = entry.kraje.iter().cloned().collect();
    let map = super::map::facilities(&index, &kraje, &points, lang);
    let vacancies = detail
        .vacancies
        .iter()
        .map(|v| VacancyItem {
            facility: d
                .facilities
                .iter()
                .find(|f| f.facility_id == v.vacancy.facility_id)
                .map_or_else(|| v.vacancy.facility_id.clone(), |f| f.name.clone()),
            free_places: v.vacancy.free_places,
            age_days: v.age_days,
            stale: v.stale,
        })
        .collect();
    let targets = named(TARGET_GROUPS, &d.target_groups);
    let ages = named(AGE_GROUPS, &d.age_groups);
    let path = format!("/sluzby/{id}");
    render(&ServicePage {
        frame: Frame {
            lang,
            title: &d.name,
            path: &path,
        },
        contact_links: contact_links(&d.contacts),
        notice,
        forms,
        targets: targets.iter().map(String::as_str).collect(),
        ages: ages.iter().map(String::as_str).collect(),
        serves,
        facilities,
        map,
        vacancies,
        media: media_items(d),
        service: detail,
    })
}

/// A code as the API writes it (`pob`, `luzka`).
pub fn code_of<T: serde::Serialize>(value: &T) -> String {
    serde_json::to_value(value)
        .ok()
        .and_then(|v| v.as_str().map(str::to_string))
        .unwrap_or_default()
}

#[derive(Template)]
#[template(path = "records/provider.html")]
struct ProviderPage<'a> {
    frame: Frame<'a>,
    provider: &'a ProviderView,
    address: String,
    contact_links: Vec<ContactLink>,
    services: Vec<&'a ServiceView>,
}

/// `GET /poskytovatele/{ico}`.
pub async fn provider(
    State(state): State<QueryState>,
    Path(ico): Path<String>,
    RawQuery(raw): RawQuery,
) -> Response {
    let lang = Lang::from_query(raw.as_deref().unwrap_or_default());
    let t = lang.texts();
    let index = state.indexer.read();
    let Some(p) = index.providers.get(&ico) else {
        return super::alert(
            StatusCode::NOT_FOUND,
            lang,
            t.no_such_provider,
            "/",
            t.no_such_provider,
        );
    };
    let mut services: Vec<&ServiceView> = index
        .services()
        .filter(|s| s.view.provider_ico == ico)
        .map(|s| &s.view)
        .collect();
    services.sort_by_cached_key(|s| crate::text::collation_key(&s.details.name));
    let path = format!("/poskytovatele/{ico}");
    render(&ProviderPage {
        frame: Frame {
            lang,
            title: &p.name,
            path: &path,
        },
        provider: p,
        address: p.address.one_line(),
        contact_links: contact_links(&p.contacts),
        services,
    })
}
