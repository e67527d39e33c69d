//! The statistics page: counts of services and providers by kind, the trend
//! of providers, services and capacity over the last year (the whole country
//! or a kraj), and capacity against need per kraj for a kind of service on a
//! day — each a chart (SVG) with the table it is drawn from and the same rows
//! as CSV from the read API, whose handlers give the figures.

use super::page::{esc, Lang};
use crate::api::stats::{capacity_rows, StatsParams};
use crate::api::QueryState;
use axum::extract::State;
use events::values::codes::KINDS;
use infra::problem::Problem;
use serde_json::Value;
use std::fmt::Write;

/// Height of one bar and the room around it, in SVG units.
const BAR: f64 = 22.0;
/// Where the bars start (the names are left of it).
const LEFT: f64 = 220.0;
/// The length of a bar at 100 % coverage.
const FULL: f64 = 400.0;

/// The Czech name of a kind of service.
pub(super) fn kind_name(kind: u16) -> &'static str {
    KINDS
        .iter()
        .find(|(code, _, _)| *code == kind)
        .map_or("", |(_, name, _)| name)
}

/// An option a kraj (NUTS code), `prefix` before its name.
fn kraj_options(
    territory: &infra::territory::Territory,
    selected: Option<&str>,
    prefix: &str,
) -> String {
    let mut out = String::new();
    for k in territory.kraje.values() {
        let chosen = if selected == Some(k.nuts.as_str()) {
            " selected"
        } else {
            ""
        };
        let _ = write!(
            out,
            "<option value=\"{}\"{chosen}>{}{}</option>",
            esc(&k.nuts),
            esc(prefix),
            esc(&k.name)
        );
    }
    out
}

/// A read API statistics answer as JSON.
async fn json_of(answer: Result<axum::response::Response, Problem>) -> Result<Value, Problem> {
    let body = axum::body::to_bytes(answer?.into_body(), 1 << 24)
        .await
        .map_err(|e| Problem::internal(&e))?;
    serde_json::from_slice(&body).map_err(|e| Problem::internal(&e))
}

/// Counts of services and providers by kind in the whole country, on the last day.
async fn counts_by_kind(state: &QueryState, lang: Lang) -> Result<String, Problem> {
    let params = StatsParams {
        level: Some("country".into()),
        ..StatsParams::default()
    };
    let answer = json_of(
        crate::api::stats::services(State(state.clone()), crate::api::params::Query(params)).await,
    )
    .await?;
    let mut rows: Vec<&Value> = answer["rows"].as_array().into_iter().flatten().collect();
    rows.sort_by(|a, b| b["services"].as_u64().cmp(&a["services"].as_u64()));
    let title = lang.tr("Počty služeb podle druhu", "Services by kind");
    let mut out = format!("<h2>{}</h2>", esc(title));
    if rows.is_empty() {
        let _ = write!(
            out,
            "<p>{}</p>",
            esc(lang.tr("Zatím žádná data.", "No data yet."))
        );
        return Ok(out);
    }
    let max = rows
        .iter()
        .filter_map(|r| r["services"].as_f64())
        .fold(1.0, f64::max);
    let height = BAR * rows.len() as f64;
    let _ = write!(
        out,
        "<svg viewBox=\"0 0 700 {height:.0}\" width=\"100%\" role=\"img\" aria-label=\"{label}\" class=\"chart kinds\">",
        label = esc(title),
    );
    for (i, r) in rows.iter().enumerate() {
        let y = BAR * i as f64;
        let n = r["services"].as_f64().unwrap_or(0.0);
        let name = esc(r["kind_name"].as_str().unwrap_or_default());
        let _ = write!(
            out,
            "<text x=\"{tx:.0}\" y=\"{ty:.0}\" font-size=\"12\" text-anchor=\"end\">{name}</text>\
             <rect x=\"{LEFT:.0}\" y=\"{ry:.0}\" width=\"{w:.1}\" height=\"{h:.0}\" fill=\"#3182bd\"><title>{name}: {n}</title></rect>\
             <text x=\"{nx:.0}\" y=\"{ty:.0}\" font-size=\"12\">{n}</text>",
            tx = LEFT - 6.0,
            ty = y + 15.0,
            ry = y + 4.0,
            w = n / max * FULL,
            h = BAR - 6.0,
            nx = LEFT + n / max * FULL + 4.0,
        );
    }
    let _ = write!(
        out,
        "</svg><table><caption>{caption}, {day}</caption><thead><tr><th scope=\"col\">{kind}</th><th scope=\"col\">§</th>\
         <th scope=\"col\">{services}</th><th scope=\"col\">{providers}</th></tr></thead><tbody>",
        caption = esc(title),
        day = esc(answer["date"].as_str().unwrap_or_default()),
        kind = esc(lang.texts().kind),
        services = esc(lang.tr("Služby", "Services")),
        providers = esc(lang.tr("Poskytovatelé", "Providers")),
    );
    for r in &rows {
        let _ = write!(
            out,
            "<tr><th scope=\"row\">{}</th><td>{}</td><td>{}</td><td>{}</td></tr>",
            esc(r["kind_name"].as_str().unwrap_or_default()),
            esc(r["paragraph"].as_str().unwrap_or_default()),
            r["services"],
            r["providers"],
        );
    }
    let _ = write!(
        out,
        "</tbody></table><p><a href=\"/api/v1/stats/services?level=country&amp;format=csv\" download>{}</a></p>",
        esc(lang.texts().download_csv)
    );
    Ok(out)
}

/// Providers, services and capacity at the end of each month of the last year.
async fn trend(state: &QueryState, lang: Lang, kraj: Option<&str>) -> Result<String, Problem> {
    let territory = state.indexer.read().territory_arc();
    let kraj = kraj.and_then(|k| territory.kraj_by_any_code(k));
    let params = StatsParams {
        level: Some(if kraj.is_some() { "kraj" } else { "country" }.into()),
        bucket: Some("month".into()),
        ..StatsParams::default()
    };
    let answer = json_of(
        crate::api::stats::trend(State(state.clone()), crate::api::params::Query(params)).await,
    )
    .await?;
    let rows: Vec<&Value> = answer["rows"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|r| kraj.is_none_or(|k| r["area"] == k.nuts.as_str()))
        .collect();
    let area = kraj.map_or(lang.tr("Česká republika", "Czech Republic"), |k| {
        k.name.as_str()
    });
    let title = format!(
        "{} — {area}",
        lang.tr("Vývoj za poslední rok", "The last year")
    );
    let mut out = format!(
        "<h2>{}</h2><form method=\"get\" action=\"/statistiky\"><input type=\"hidden\" name=\"lang\" value=\"{}\">\
         <p><label for=\"trend_kraj\">{}</label> <select id=\"trend_kraj\" name=\"trend_kraj\"><option value=\"\">{}</option>",
        esc(&title),
        lang.code(),
        esc(lang.texts().kraj),
        esc(lang.tr("celá republika", "whole country")),
    );
    out.push_str(&kraj_options(&territory, kraj.map(|k| k.nuts.as_str()), ""));
    let _ = write!(
        out,
        "</select> <button type=\"submit\">{}</button></p></form>",
        esc(lang.texts().show)
    );
    if rows.is_empty() {
        let _ = write!(
            out,
            "<p>{}</p>",
            esc(lang.tr("Zatím žádná data.", "No data yet."))
        );
        return Ok(out);
    }
    // Two lines: providers and services.
    let (w, h, pad) = (700.0, 220.0, 40.0);
    let max = rows
        .iter()
        .flat_map(|r| [r["providers"].as_f64(), r["services"].as_f64()])
        .flatten()
        .fold(1.0, f64::max);
    let x = |i: usize| {
        pad + (w - 2.0 * pad)
            * if rows.len() > 1 {
                i as f64 / (rows.len() - 1) as f64
            } else {
                0.5
            }
    };
    let y = |v: f64| h - pad - (h - 2.0 * pad) * v / max;
    let _ = write!(
        out,
        "<svg viewBox=\"0 0 {w} {h}\" width=\"100%\" role=\"img\" aria-label=\"{label}\" class=\"chart trend\">\
         <line x1=\"{pad}\" y1=\"{base}\" x2=\"{end}\" y2=\"{base}\" stroke=\"#767676\"/>\
         <text x=\"4\" y=\"{top}\" font-size=\"12\">{max}</text>",
        label = esc(&format!("{title}: {}", lang.tr("poskytovatelé a služby", "providers and services"))),
        base = h - pad,
        end = w - pad,
        top = pad,
    );
    for (field, colour, name) in [
        ("services", "#3182bd", lang.tr("služby", "services")),
        (
            "providers",
            "#b35c00",
            lang.tr("poskytovatelé", "providers"),
        ),
    ] {
        let points: Vec<String> = rows
            .iter()
            .enumerate()
            .map(|(i, r)| format!("{:.1},{:.1}", x(i), y(r[field].as_f64().unwrap_or(0.0))))
            .collect();
        let _ = write!(
            out,
            "<polyline points=\"{}\" fill=\"none\" stroke=\"{colour}\" stroke-width=\"2\"><title>{}</title></polyline>",
            points.join(" "),
            esc(name)
        );
        for (i, r) in rows.iter().enumerate() {
            let _ = write!(
                out,
                "<circle cx=\"{:.1}\" cy=\"{:.1}\" r=\"3\" fill=\"{colour}\"><title>{} {}: {}</title></circle>",
                x(i),
                y(r[field].as_f64().unwrap_or(0.0)),
                esc(r["bucket"].as_str().unwrap_or_default()),
                esc(name),
                r[field]
            );
        }
    }
    for (i, r) in rows.iter().enumerate() {
        if i == 0 || i + 1 == rows.len() {
            let _ = write!(
                out,
                "<text x=\"{:.1}\" y=\"{:.0}\" font-size=\"12\" text-anchor=\"middle\">{}</text>",
                x(i),
                h - pad + 16.0,
                esc(r["bucket"].as_str().unwrap_or_default())
            );
        }
    }
    let _ = write!(
        out,
        "</svg><p><span style=\"color:#3182bd\">■</span> {} · <span style=\"color:#b35c00\">■</span> {}</p>\
         <table><caption>{}</caption><thead><tr><th scope=\"col\">{}</th><th scope=\"col\">{}</th><th scope=\"col\">{}</th>\
         <th scope=\"col\">{}</th><th scope=\"col\">{}</th></tr></thead><tbody>",
        esc(lang.tr("služby", "services")),
        esc(lang.tr("poskytovatelé", "providers")),
        esc(&title),
        esc(lang.tr("Měsíc", "Month")),
        esc(lang.tr("Poskytovatelé", "Providers")),
        esc(lang.tr("Služby", "Services")),
        esc(lang.tr("Kapacita: lůžka", "Capacity: beds")),
        esc(lang.tr("Kapacita: klienti", "Capacity: clients")),
    );
    for r in &rows {
        let _ = write!(
            out,
            "<tr><th scope=\"row\">{}</th><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            esc(r["bucket"].as_str().unwrap_or_default()),
            r["providers"],
            r["services"],
            r["capacity"]["luzka"],
            r["capacity"]["klient"],
        );
    }
    let _ = write!(
        out,
        "</tbody></table><p><a href=\"/api/v1/stats/trend?level={level}&amp;bucket=month&amp;format=csv\" download>{}</a></p>",
        esc(lang.texts().download_csv),
        level = if kraj.is_some() { "kraj" } else { "country" },
    );
    Ok(out)
}

/// The page's title and body: counts by kind, the trend, and capacity
/// against need for the kind chosen (or the first with a norm).
pub async fn body(
    state: &QueryState,
    lang: Lang,
    kind: Option<u16>,
    date: Option<String>,
    trend_kraj: Option<&str>,
    need_kraj: Option<&str>,
) -> Result<(String, String), infra::problem::Problem> {
    let t = lang.texts();
    let mut page = counts_by_kind(state, lang).await?;
    page.push_str(&trend(state, lang, trend_kraj).await?);
    let mut kinds: Vec<u16> = state.indexer.read().norms.keys().copied().collect();
    kinds.sort_unstable();
    let Some(kind) = kind.or_else(|| kinds.first().copied()) else {
        let _ = write!(
            page,
            "<h2>{}</h2><p>{}</p>",
            esc(lang.tr("Pokrytí potřeby", "Coverage of the need")),
            esc(t.no_norms)
        );
        return Ok((t.stats_title.to_string(), page));
    };
    // Per kraj, or per ORP of one kraj.
    let territory = state.indexer.read().territory_arc();
    let need_kraj = need_kraj.and_then(|k| territory.kraj_by_any_code(k));
    let level = if need_kraj.is_some() { "orp" } else { "kraj" };
    let params = StatsParams {
        kind: Some(kind),
        level: Some(level.into()),
        date,
        ..StatsParams::default()
    };
    let (day, mut rows) = capacity_rows(state, &params).await?;
    if let Some(k) = need_kraj {
        rows.retain(|r| {
            territory
                .orp
                .get(&r.area)
                .is_some_and(|o| o.kraj_nuts == k.nuts)
        });
    }
    let title = format!(
        "{} — {}{}",
        lang.tr("Pokrytí potřeby", "Coverage of the need"),
        kind_name(kind),
        need_kraj
            .map(|k| format!(", ORP — {}", k.name))
            .unwrap_or_default()
    );
    let mut body = page;
    let _ = write!(body, "<h2 id=\"need\">{}</h2>", esc(&title));
    let _ = write!(
        body,
        "<form method=\"get\" action=\"/statistiky\"><input type=\"hidden\" name=\"lang\" value=\"{lang}\">\
         <p><label for=\"kind\">{kind_label}</label> <select id=\"kind\" name=\"kind\">",
        lang = lang.code(),
        kind_label = esc(t.kind),
    );
    for k in &kinds {
        let selected = if *k == kind { " selected" } else { "" };
        let _ = write!(
            body,
            "<option value=\"{k}\"{selected}>{}</option>",
            esc(kind_name(*k))
        );
    }
    let _ = write!(
        body,
        "</select> <label for=\"need_kraj\">{level_label}</label> <select id=\"need_kraj\" name=\"need_kraj\"><option value=\"\">{by_kraj}</option>",
        level_label = esc(lang.tr("Území", "Areas")),
        by_kraj = esc(lang.tr("kraje", "kraje")),
    );
    body.push_str(&kraj_options(
        &territory,
        need_kraj.map(|k| k.nuts.as_str()),
        "ORP: ",
    ));
    let _ = write!(
        body,
        "</select> <label for=\"date\">{day_label}</label> <input id=\"date\" name=\"date\" type=\"date\" value=\"{day}\"> \
         <button type=\"submit\">{show}</button></p></form>",
        day_label = esc(t.day),
        show = esc(t.show),
    );
    // The chart: coverage of the need (capacity / need), 100 % marked.
    let height = BAR * rows.len() as f64 + 30.0;
    let _ = write!(
        body,
        "<svg viewBox=\"0 0 700 {height:.0}\" width=\"100%\" role=\"img\" aria-label=\"{label}\" class=\"chart need\">\
         <line x1=\"{x:.0}\" y1=\"0\" x2=\"{x:.0}\" y2=\"{height:.0}\" stroke=\"#b35c00\" stroke-dasharray=\"4 3\"/>\
         <text x=\"{x:.0}\" y=\"{ty:.0}\" font-size=\"12\" text-anchor=\"middle\">100 %</text>",
        label = esc(&format!("{title}: {}", t.coverage)),
        x = LEFT + FULL,
        ty = height - 8.0,
    );
    for (i, r) in rows.iter().enumerate() {
        let y = BAR * i as f64;
        let coverage = r.coverage.unwrap_or(0.0);
        let _ = write!(
            body,
            "<text x=\"{tx:.0}\" y=\"{ty:.0}\" font-size=\"12\" text-anchor=\"end\">{name}</text>\
             <rect x=\"{LEFT:.0}\" y=\"{ry:.0}\" width=\"{w:.1}\" height=\"{h:.0}\" fill=\"#3182bd\"><title>{name}: {pct:.0} %</title></rect>",
            tx = LEFT - 6.0,
            ty = y + 15.0,
            name = esc(&r.area_name),
            ry = y + 4.0,
            w = (coverage * FULL).min(FULL * 1.2),
            h = BAR - 6.0,
            pct = coverage * 100.0,
        );
    }
    body.push_str("</svg>");
    // The table it is drawn from, and the same rows as CSV.
    let _ = write!(
        body,
        "<table><caption>{caption}</caption><thead><tr><th scope=\"col\">{kraj}</th><th scope=\"col\">{capacity}</th>\
         <th scope=\"col\">{need}</th><th scope=\"col\">{coverage}</th></tr></thead><tbody>",
        caption = esc(&format!("{title}, {day}")),
        kraj = esc(if need_kraj.is_some() { t.orp } else { t.kraj }),
        capacity = esc(t.capacity),
        need = esc(t.need),
        coverage = esc(t.coverage),
    );
    for r in &rows {
        let _ = write!(
            body,
            "<tr><th scope=\"row\">{}</th><td>{}</td><td>{}</td><td>{}</td></tr>",
            esc(&r.area_name),
            r.capacity,
            r.need
                .map_or_else(|| "–".to_string(), |n| format!("{n:.0}")),
            r.coverage
                .map_or_else(|| "–".to_string(), |c| format!("{:.0} %", c * 100.0)),
        );
    }
    let _ = write!(
        body,
        "</tbody></table><p><a href=\"/api/v1/stats/capacity-vs-need?format=csv&amp;level={level}&amp;kind={kind}&amp;date={day}\" download>{csv}</a></p>",
        csv = esc(t.download_csv),
    );
    Ok((format!("{} — {}", t.stats_title, kind_name(kind)), body))
}
