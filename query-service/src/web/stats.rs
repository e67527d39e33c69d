//! The statistics page: capacity against need per kraj for a kind of
//! service on a day, as a bar chart (SVG, coverage of the need) with the
//! table it is drawn from and the same rows as CSV from the read API.

use super::page::{esc, Lang};
use crate::api::stats::{capacity_rows, StatsParams};
use crate::api::QueryState;
use events::values::codes::KINDS;
use serde_json::Value;
use std::fmt::Write;

/// Height of one bar and the room around it, in SVG units.
const BAR: f64 = 22.0;
/// Where the bars start (the names are left of it).
const LEFT: f64 = 220.0;
/// The length of a bar at 100 % coverage.
const FULL: f64 = 400.0;

fn kind_name(kind: u16) -> &'static str {
    KINDS
        .iter()
        .find(|(code, _, _)| *code == kind)
        .map_or("", |(_, name, _)| name)
}

/// The page's title and body for the kind chosen (or the first with a norm).
pub async fn body(
    state: &QueryState,
    lang: Lang,
    kind: Option<u16>,
    date: Option<String>,
) -> Result<(String, String), infra::problem::Problem> {
    let t = lang.texts();
    let mut kinds: Vec<u16> = state.indexer.read().norms.keys().copied().collect();
    kinds.sort_unstable();
    let Some(kind) = kind.or_else(|| kinds.first().copied()) else {
        return Ok((
            t.stats_title.to_string(),
            format!("<p>{}</p>", esc(t.no_norms)),
        ));
    };
    let params = StatsParams {
        kind: Some(kind),
        level: Some("kraj".into()),
        date,
        ..StatsParams::default()
    };
    let (day, rows) = capacity_rows(state, &params).await?;
    let title = format!("{} — {}", t.stats_title, kind_name(kind));
    let mut body = String::new();
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
        "</select> <label for=\"date\">{day_label}</label> <input id=\"date\" name=\"date\" type=\"date\" value=\"{day}\"> \
         <button type=\"submit\">{show}</button></p></form>",
        day_label = esc(t.day),
        show = esc(t.show),
    );
    // The chart: coverage of the need (capacity / need), 100 % marked.
    let height = BAR * rows.len() as f64 + 30.0;
    let _ = write!(
        body,
        "<svg viewBox=\"0 0 700 {height:.0}\" width=\"100%\" role=\"img\" aria-label=\"{label}\" class=\"chart\">\
         <line x1=\"{x:.0}\" y1=\"0\" x2=\"{x:.0}\" y2=\"{height:.0}\" stroke=\"#b35c00\" stroke-dasharray=\"4 3\"/>\
         <text x=\"{x:.0}\" y=\"{ty:.0}\" font-size=\"12\" text-anchor=\"middle\">100 %</text>",
        label = esc(&format!("{title}: {}", t.coverage)),
        x = LEFT + FULL,
        ty = height - 8.0,
    );
    for (i, r) in rows.iter().enumerate() {
        let y = BAR * i as f64;
        let coverage = r["coverage"].as_f64().unwrap_or(0.0);
        let _ = write!(
            body,
            "<text x=\"{tx:.0}\" y=\"{ty:.0}\" font-size=\"12\" text-anchor=\"end\">{name}</text>\
             <rect x=\"{LEFT:.0}\" y=\"{ry:.0}\" width=\"{w:.1}\" height=\"{h:.0}\" fill=\"#3182bd\"><title>{name}: {pct:.0} %</title></rect>",
            tx = LEFT - 6.0,
            ty = y + 15.0,
            name = esc(r["area_name"].as_str().unwrap_or_default()),
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
        kraj = esc(t.kraj),
        capacity = esc(t.capacity),
        need = esc(t.need),
        coverage = esc(t.coverage),
    );
    for r in &rows {
        let number = |v: &Value| {
            v.as_f64()
                .map_or_else(|| "–".to_string(), |n| format!("{n:.0}"))
        };
        let _ = write!(
            body,
            "<tr><th scope=\"row\">{}</th><td>{}</td><td>{}</td><td>{}</td></tr>",
            esc(r["area_name"].as_str().unwrap_or_default()),
            r["capacity"],
            number(&r["need"]),
            r["coverage"]
                .as_f64()
                .map_or_else(|| "–".to_string(), |c| format!("{:.0} %", c * 100.0)),
        );
    }
    let _ = write!(
        body,
        "</tbody></table><p><a href=\"/api/v1/stats/capacity-vs-need?format=csv&amp;level=kraj&amp;kind={kind}&amp;date={day}\" download>{csv}</a></p>",
        csv = esc(t.download_csv),
    );
    Ok((title, body))
}
