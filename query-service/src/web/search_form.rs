//! The search form: a GET of the read API's own filters, so every result
//! page has a shareable address. The basic filters are always shown; the
//! others (§, target group, form, ORP and municipality — offered once a
//! kraj, then an ORP is chosen —, category, distance from a point, order)
//! sit in a disclosure that is open when one of them is set. Options show
//! how many of the current results they hold (the API's facets). "Use my
//! location" fills the point from the browser when it can; without
//! JavaScript the coordinates are typed.

use super::page::Lang;
use crate::api::search::{Facets, SearchParams};
use crate::index::Index;
use events::values::codes::KINDS;
use std::collections::BTreeMap;

/// The MPSV code list of target groups.
const TARGET_GROUPS: &str = "CilovaSkupinaOsoby";

/// An option of a select: its value, text, whether chosen, and how many
/// of the current results it holds (from the facets) when known.
pub struct Opt {
    pub(super) value: String,
    pub(super) text: String,
    pub(super) selected: bool,
    pub(super) count: Option<usize>,
}

/// Options from (value, text) pairs, `selected` chosen, counted by `counts`.
pub(super) fn options(
    items: impl IntoIterator<Item = (String, String)>,
    selected: Option<&str>,
    counts: Option<&BTreeMap<String, usize>>,
) -> Vec<Opt> {
    items
        .into_iter()
        .map(|(value, text)| Opt {
            selected: selected == Some(value.as_str()),
            count: counts.map(|c| c.get(&value).copied().unwrap_or(0)),
            value,
            text,
        })
        .collect()
}

/// What the search form shows (`search/filter_form.html`).
pub struct FilterForm<'a> {
    pub(super) action: &'a str,
    pub(super) q: String,
    /// The place (`near`) as typed.
    pub(super) near: String,
    pub(super) kinds: Vec<Opt>,
    pub(super) kraje: Vec<Opt>,
    pub(super) free_now: bool,
    /// One of the filters in the disclosure is set: it opens.
    pub(super) advanced: bool,
    pub(super) paragraphs: Vec<Opt>,
    pub(super) target_groups: Vec<Opt>,
    pub(super) forms: Vec<Opt>,
    /// Once a kraj is chosen.
    pub(super) orp: Option<Vec<Opt>>,
    /// Once an ORP is chosen.
    pub(super) towns: Option<Vec<Opt>>,
    pub(super) categories: Option<Vec<Opt>>,
    pub(super) lat: String,
    pub(super) lon: String,
    pub(super) radius_km: String,
    pub(super) sorts: Vec<Opt>,
}

/// The form for `action` (`/` or `/volna-mista`), with the facets of the results when there are any.
pub fn filter_form<'a>(
    index: &Index,
    codelists: &infra::codelists::CodeLists,
    p: &SearchParams,
    facets: Option<&Facets>,
    lang: Lang,
    action: &'a str,
) -> FilterForm<'a> {
    let t = lang.texts();
    let territory = index.territory();
    let kind_counts: Option<BTreeMap<String, usize>> =
        facets.map(|f| f.kind.iter().map(|(k, n)| (k.to_string(), *n)).collect());
    let kinds = options(
        KINDS
            .iter()
            .map(|(c, n, _)| (c.to_string(), (*n).to_string())),
        p.kind.map(|k| k.to_string()).as_deref(),
        kind_counts.as_ref(),
    );
    let kraje = options(
        territory
            .kraje
            .values()
            .map(|k| (k.nuts.clone(), k.name.clone())),
        p.kraj
            .as_deref()
            .map(|k| territory.kraj_by_any_code(k).map_or(k, |x| x.nuts.as_str())),
        facets.map(|f| &f.kraj),
    );
    let advanced = p.paragraph.is_some()
        || p.target_group.is_some()
        || p.form.is_some()
        || p.orp.is_some()
        || p.municipality.is_some()
        || p.category.is_some()
        || p.lat.is_some()
        || p.sort.is_some();
    let mut paragraphs: Vec<&str> = KINDS
        .iter()
        .map(|(_, _, p)| *p)
        .filter(|p| !p.is_empty())
        .collect();
    paragraphs.sort_by_key(|p| {
        let digits: String = p.chars().take_while(char::is_ascii_digit).collect();
        (digits.parse::<u32>().unwrap_or(0), p.to_string())
    });
    paragraphs.dedup();
    let paragraphs = options(
        paragraphs.iter().map(|p| (p.to_string(), format!("§ {p}"))),
        p.paragraph.as_deref(),
        None,
    );
    let mut groups: Vec<(String, String)> = codelists
        .codes(TARGET_GROUPS)
        .map(|(c, n)| (c.to_string(), n.to_string()))
        .collect();
    if groups.is_empty() {
        // Without the code list: the codes the results hold.
        groups = facets
            .map(|f| {
                f.target_group
                    .keys()
                    .map(|c| (c.clone(), c.clone()))
                    .collect()
            })
            .unwrap_or_default();
    }
    let target_groups = options(
        groups,
        p.target_group.as_deref(),
        facets.map(|f| &f.target_group),
    );
    let form_code = p.form.map(|f| super::records::code_of(&f));
    let forms = options(
        [
            ("pob", t.residential),
            ("amb", t.outpatient),
            ("ter", t.field),
        ]
        .map(|(c, n)| (c.to_string(), n.to_string())),
        form_code.as_deref(),
        facets.map(|f| &f.form),
    );
    // ORP once a kraj is chosen, municipalities once an ORP is.
    let orp = p
        .kraj
        .as_deref()
        .and_then(|k| territory.kraj_by_any_code(k))
        .map(|kraj| {
            let mut orp: Vec<(String, String)> = territory
                .orp_in_kraj(&kraj.nuts)
                .map(|o| (o.csu_code.clone(), o.name.clone()))
                .collect();
            orp.sort_by_cached_key(|o| crate::text::collation_key(&o.1));
            options(
                orp,
                p.orp.as_deref().map(|o| {
                    territory
                        .orp_by_any_code(o)
                        .map_or(o, |x| x.csu_code.as_str())
                }),
                None,
            )
        });
    let towns = p
        .orp
        .as_deref()
        .and_then(|o| territory.orp_by_any_code(o))
        .map(|orp| {
            let mut towns: Vec<(String, String)> = territory
                .municipalities
                .values()
                .filter(|m| m.orp == orp.csu_code)
                .map(|m| (m.code.clone(), m.name.clone()))
                .collect();
            towns.sort_by_cached_key(|t| crate::text::collation_key(&t.1));
            options(towns, p.municipality.as_deref(), None)
        });
    let categories: std::collections::BTreeSet<&str> = index
        .services()
        .flat_map(|e| e.view.details.categories.iter().map(String::as_str))
        .collect();
    let categories = (!categories.is_empty()).then(|| {
        options(
            categories.iter().map(|c| (c.to_string(), c.to_string())),
            p.category.as_deref(),
            None,
        )
    });
    let number = |v: Option<f64>| v.map(|v| v.to_string()).unwrap_or_default();
    let sorts = options(
        [
            ("name", t.by_name),
            ("distance", t.by_distance),
            ("free_places", t.by_free_places),
            ("updated", t.by_last_change),
        ]
        .map(|(c, n)| (c.to_string(), n.to_string())),
        p.sort.as_deref().filter(|s| *s != "relevance"),
        None,
    );
    FilterForm {
        action,
        q: p.q.clone().unwrap_or_default(),
        near: p.near.clone().unwrap_or_default(),
        kinds,
        kraje,
        free_now: p.free_now,
        advanced,
        paragraphs,
        target_groups,
        forms,
        orp,
        towns,
        categories,
        lat: number(p.lat),
        lon: number(p.lon),
        radius_km: number(p.radius_km),
        sorts,
    }
}

/// `GET /skripty/obce.js`: suggests municipalities in the "Kde" box as
/// someone types (from `/api/v1/places`); without it, a name that is none
/// is answered by the form again with the municipalities it begins like.
pub async fn places_script() -> impl axum::response::IntoResponse {
    (
        [
            (
                axum::http::header::CONTENT_TYPE,
                "text/javascript; charset=utf-8",
            ),
            (axum::http::header::CACHE_CONTROL, "public, max-age=3600"),
        ],
        "(function(){var i=document.getElementById('near'),l=document.getElementById('obce');\
if(!i||!l||!window.fetch)return;var t,last='';i.addEventListener('input',function(){\
clearTimeout(t);t=setTimeout(function(){var q=i.value.trim();if(q.length<2||q===last)return;last=q;\
fetch('/api/v1/places?q='+encodeURIComponent(q)).then(function(r){return r.json();}).then(function(a){\
l.textContent='';a.items.forEach(function(p){var o=document.createElement('option');o.value=p.near;\
o.label=p.name+' ('+p.okres+(p.postcode?', '+p.postcode:'')+')';l.appendChild(o);});}).catch(function(){});},150);});})();",
    )
}

/// `GET /skripty/poloha.js`: fills the point from the browser's location,
/// when it has one (progressive enhancement).
pub async fn locate_script() -> impl axum::response::IntoResponse {
    (
        [
            (
                axum::http::header::CONTENT_TYPE,
                "text/javascript; charset=utf-8",
            ),
            (axum::http::header::CACHE_CONTROL, "public, max-age=3600"),
        ],
        "(function(){var b=document.getElementById('locate');\
if(!b||!navigator.geolocation)return;b.hidden=false;b.onclick=function(){\
navigator.geolocation.getCurrentPosition(function(p){\
document.getElementById('lat').value=p.coords.latitude.toFixed(5);\
document.getElementById('lon').value=p.coords.longitude.toFixed(5);\
var r=document.getElementById('radius_km');if(!r.value)r.value='10';});};})();",
    )
}
