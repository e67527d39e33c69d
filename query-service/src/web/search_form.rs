//! The search form: a GET of the read API's own filters, so every result
//! page has a shareable address. The basic filters are always shown; the
//! others (§, target group, form, ORP and municipality — offered once a
//! kraj, then an ORP is chosen —, category, distance from a point, order)
//! sit in a disclosure that is open when one of them is set. Options show
//! how many of the current results they hold (the API's facets). "Use my
//! location" fills the point from the browser when it can; without
//! JavaScript the coordinates are typed.

use super::page::{esc, Lang};
use crate::api::search::{Facets, SearchParams};
use crate::index::Index;
use events::values::codes::KINDS;
use std::collections::BTreeMap;
use std::fmt::Write;

/// The MPSV code list of target groups.
const TARGET_GROUPS: &str = "CilovaSkupinaOsoby";

/// `<option>`s: value, text, selected; a count from the facets when given.
fn options(
    items: impl IntoIterator<Item = (String, String)>,
    selected: Option<&str>,
    counts: Option<&BTreeMap<String, usize>>,
) -> String {
    let mut out = String::new();
    for (value, text) in items {
        let count = counts
            .map(|c| format!(" ({})", c.get(&value).copied().unwrap_or(0)))
            .unwrap_or_default();
        let _ = write!(
            out,
            "<option value=\"{}\"{}>{}{count}</option>",
            esc(&value),
            if selected == Some(value.as_str()) {
                " selected"
            } else {
                ""
            },
            esc(&text),
        );
    }
    out
}

fn select(id: &str, label: &str, any: &str, options: &str) -> String {
    format!(
        "<p><label for=\"{id}\">{}</label> <select id=\"{id}\" name=\"{id}\"><option value=\"\">{}</option>{options}</select></p>",
        esc(label),
        esc(any)
    )
}

fn number(id: &str, label: &str, value: Option<f64>, step: &str) -> String {
    format!(
        "<p><label for=\"{id}\">{}</label> <input id=\"{id}\" name=\"{id}\" type=\"number\" step=\"{step}\" inputmode=\"decimal\" value=\"{}\"></p>",
        esc(label),
        value.map(|v| v.to_string()).unwrap_or_default(),
    )
}

/// The form for `action` (`/` or `/volna-mista`), with the facets of the results when there are any.
pub fn filter_form(
    index: &Index,
    codelists: &infra::codelists::CodeLists,
    p: &SearchParams,
    facets: Option<&Facets>,
    lang: Lang,
    action: &str,
) -> String {
    let t = lang.texts();
    let territory = index.territory();
    let mut form = format!(
        "<form role=\"search\" method=\"get\" action=\"{action}\" class=\"search\">\
         <input type=\"hidden\" name=\"lang\" value=\"{code}\">\
         <p><label for=\"q\">{q_label}</label> <input id=\"q\" name=\"q\" type=\"search\" value=\"{q}\"></p>",
        action = esc(action),
        code = lang.code(),
        q_label = esc(t.words),
        q = esc(p.q.as_deref().unwrap_or_default()),
    );
    let kind_counts: Option<BTreeMap<String, usize>> =
        facets.map(|f| f.kind.iter().map(|(k, n)| (k.to_string(), *n)).collect());
    form.push_str(&select(
        "kind",
        t.kind,
        t.any,
        &options(
            KINDS
                .iter()
                .map(|(c, n, _)| (c.to_string(), (*n).to_string())),
            p.kind.map(|k| k.to_string()).as_deref(),
            kind_counts.as_ref(),
        ),
    ));
    form.push_str(&select(
        "kraj",
        t.kraj,
        t.any,
        &options(
            territory
                .kraje
                .values()
                .map(|k| (k.nuts.clone(), k.name.clone())),
            p.kraj
                .as_deref()
                .map(|k| territory.kraj_by_any_code(k).map_or(k, |x| x.nuts.as_str())),
            facets.map(|f| &f.kraj),
        ),
    ));
    let checked = if p.free_now { " checked" } else { "" };
    let _ = write!(
        form,
        "<p><input id=\"free_now\" name=\"free_now\" type=\"checkbox\" value=\"true\"{checked}> \
         <label for=\"free_now\">{}</label></p>",
        esc(t.free_now)
    );

    // More filters.
    let advanced = p.paragraph.is_some()
        || p.target_group.is_some()
        || p.form.is_some()
        || p.orp.is_some()
        || p.municipality.is_some()
        || p.category.is_some()
        || p.lat.is_some()
        || p.sort.is_some();
    let _ = write!(
        form,
        "<details{}><summary>{}</summary>",
        if advanced { " open" } else { "" },
        esc(lang.tr("Další filtry", "More filters"))
    );
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
    form.push_str(&select(
        "paragraph",
        lang.tr("Paragraf zákona č. 108/2006 Sb.", "§ of Act 108/2006 Sb."),
        t.any,
        &options(
            paragraphs.iter().map(|p| (p.to_string(), format!("§ {p}"))),
            p.paragraph.as_deref(),
            None,
        ),
    ));
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
    form.push_str(&select(
        "target_group",
        lang.tr("Cílová skupina", "Target group"),
        t.any,
        &options(
            groups,
            p.target_group.as_deref(),
            facets.map(|f| &f.target_group),
        ),
    ));
    let form_code = p.form.map(|f| {
        serde_json::to_value(f)
            .ok()
            .and_then(|v| v.as_str().map(str::to_string))
            .unwrap_or_default()
    });
    form.push_str(&select(
        "form",
        lang.tr("Forma poskytování", "Form of provision"),
        t.any,
        &options(
            [
                ("pob", lang.tr("pobytová", "residential")),
                ("amb", lang.tr("ambulantní", "outpatient")),
                ("ter", lang.tr("terénní", "field")),
            ]
            .map(|(c, n)| (c.to_string(), n.to_string())),
            form_code.as_deref(),
            facets.map(|f| &f.form),
        ),
    ));
    // ORP once a kraj is chosen, municipalities once an ORP is.
    let kraj = p
        .kraj
        .as_deref()
        .and_then(|k| territory.kraj_by_any_code(k));
    if let Some(kraj) = kraj {
        form.push_str(&select(
            "orp",
            lang.tr(
                "ORP (obec s rozšířenou působností)",
                "ORP (municipality with extended powers)",
            ),
            t.any,
            &options(
                territory
                    .orp_in_kraj(&kraj.nuts)
                    .map(|o| (o.csu_code.clone(), o.name.clone())),
                p.orp.as_deref().map(|o| {
                    territory
                        .orp_by_any_code(o)
                        .map_or(o, |x| x.csu_code.as_str())
                }),
                None,
            ),
        ));
    }
    if let Some(orp) = p.orp.as_deref().and_then(|o| territory.orp_by_any_code(o)) {
        let mut towns: Vec<(String, String)> = territory
            .municipalities
            .values()
            .filter(|m| m.orp == orp.csu_code)
            .map(|m| (m.code.clone(), m.name.clone()))
            .collect();
        towns.sort_by(|a, b| a.1.cmp(&b.1));
        form.push_str(&select(
            "municipality",
            lang.tr("Obec", "Municipality"),
            t.any,
            &options(towns, p.municipality.as_deref(), None),
        ));
    }
    let categories: std::collections::BTreeSet<&str> = index
        .services()
        .flat_map(|e| e.view.details.categories.iter().map(String::as_str))
        .collect();
    if !categories.is_empty() {
        form.push_str(&select(
            "category",
            lang.tr("Kategorie", "Category"),
            t.any,
            &options(
                categories.iter().map(|c| (c.to_string(), c.to_string())),
                p.category.as_deref(),
                None,
            ),
        ));
    }
    let _ = write!(
        form,
        "<fieldset><legend>{}</legend>{}{}{}\
         <button type=\"button\" id=\"locate\" hidden>{}</button></fieldset>",
        esc(lang.tr("Blízko místa", "Near a place")),
        number("lat", lang.tr("Zeměpisná šířka", "Latitude"), p.lat, "any"),
        number("lon", lang.tr("Zeměpisná délka", "Longitude"), p.lon, "any"),
        number(
            "radius_km",
            lang.tr("Okruh (km)", "Radius (km)"),
            p.radius_km,
            "any"
        ),
        esc(lang.tr("Použít mou polohu", "Use my location")),
    );
    form.push_str(&select(
        "sort",
        lang.tr("Řadit", "Order"),
        lang.tr("podle shody", "by relevance"),
        &options(
            [
                ("name", lang.tr("podle názvu", "by name")),
                ("distance", lang.tr("podle vzdálenosti", "by distance")),
                (
                    "free_places",
                    lang.tr("podle volných míst", "by free places"),
                ),
                ("updated", lang.tr("podle poslední změny", "by last change")),
            ]
            .map(|(c, n)| (c.to_string(), n.to_string())),
            p.sort.as_deref().filter(|s| *s != "relevance"),
            None,
        ),
    ));
    let _ = write!(
        form,
        "</details><p><button type=\"submit\">{}</button></p></form>{LOCATE}",
        esc(t.search)
    );
    form
}

/// The script that fills the point from the browser's location (served
/// from this site: the pages' Content-Security-Policy allows no inline script).
const LOCATE: &str = "<script src=\"/skripty/poloha.js\"></script>";

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
