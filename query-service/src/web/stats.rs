//! The statistics page: counts of services and providers by kind, the trend
//! of providers, services and capacity over the last year (the whole country
//! or a kraj), and capacity against need per kraj for a kind of service on a
//! day — each a chart (SVG) with the table it is drawn from and the same rows
//! as CSV from the read API, whose typed queries give the figures.

use super::format::filters;
use super::page::{Frame, Lang};
use super::search_form::{options, Opt};
use crate::api::stats::{
    capacity_rows, services_on, trend_of, KindCount, NeedRow, StatsParams, TrendRow,
};
use crate::api::QueryState;
use askama::Template;
use events::values::codes::KINDS;
use infra::problem::Problem;

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

/// The kraje as options, `selected` chosen.
fn kraj_choices(territory: &infra::territory::Territory, selected: Option<&str>) -> Vec<Opt> {
    options(
        territory
            .kraje
            .values()
            .map(|k| (k.nuts.clone(), k.name.clone())),
        selected,
        None,
    )
}

/// A bar of the chart of kinds, its geometry formatted.
pub struct KindBar {
    name: &'static str,
    n: u64,
    tx: String,
    ty: String,
    x: String,
    ry: String,
    w: String,
    h: String,
    nx: String,
}

/// Counts by kind in the whole country on the last day.
pub struct Kinds {
    date: time::Date,
    rows: Vec<KindCount>,
    bars: Vec<KindBar>,
    height: String,
}

async fn kinds(state: &QueryState) -> Result<Kinds, Problem> {
    let params = StatsParams {
        level: Some("country".into()),
        ..StatsParams::default()
    };
    let answer = services_on(state, &params).await?;
    let mut rows = answer.rows;
    rows.sort_by_key(|r| std::cmp::Reverse(r.services));
    let max = rows.iter().map(|r| r.services as f64).fold(1.0, f64::max);
    let bars = rows
        .iter()
        .enumerate()
        .map(|(i, r)| {
            let y = BAR * i as f64;
            let n = r.services as f64;
            KindBar {
                name: kind_name(r.kind),
                n: r.services,
                tx: format!("{:.0}", LEFT - 6.0),
                ty: format!("{:.0}", y + 15.0),
                x: format!("{LEFT:.0}"),
                ry: format!("{:.0}", y + 4.0),
                w: format!("{:.1}", n / max * FULL),
                h: format!("{:.0}", BAR - 6.0),
                nx: format!("{:.0}", LEFT + n / max * FULL + 4.0),
            }
        })
        .collect();
    Ok(Kinds {
        date: answer.date,
        height: format!("{:.0}", BAR * rows.len() as f64),
        rows,
        bars,
    })
}

/// A point of a line of the trend.
pub struct Dot {
    x: String,
    y: String,
    bucket: String,
    value: u64,
}

/// A line of the trend: providers or services.
pub struct Line {
    name: &'static str,
    colour: &'static str,
    points: String,
    dots: Vec<Dot>,
}

/// A label of the trend's axis.
pub struct Label {
    x: String,
    bucket: String,
}

/// Providers, services and capacity at the end of each month of the last year.
pub struct Trend {
    title: String,
    kraje: Vec<Opt>,
    rows: Vec<TrendRow>,
    max: f64,
    lines: Vec<Line>,
    labels: Vec<Label>,
    level: &'static str,
}

async fn trend(state: &QueryState, lang: Lang, kraj: Option<&str>) -> Result<Trend, Problem> {
    let t = lang.texts();
    let territory = state.indexer.read().territory_arc();
    let kraj = kraj.and_then(|k| territory.kraj_by_any_code(k));
    let params = StatsParams {
        level: Some(if kraj.is_some() { "kraj" } else { "country" }.into()),
        bucket: Some("month".into()),
        ..StatsParams::default()
    };
    let rows: Vec<TrendRow> = trend_of(state, &params)
        .await?
        .rows
        .into_iter()
        .filter(|r| kraj.is_none_or(|k| r.area == k.nuts))
        .collect();
    let area = kraj.map_or(t.czech_republic, |k| k.name.as_str());
    let (w, h, pad) = (700.0, 220.0, 40.0);
    let max = rows
        .iter()
        .flat_map(|r| [r.providers as f64, r.services as f64])
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
    let bucket = |r: &TrendRow| r.bucket.clone().unwrap_or_default();
    let line = |name: &'static str, colour: &'static str, value: fn(&TrendRow) -> u64| {
        let dots: Vec<Dot> = rows
            .iter()
            .enumerate()
            .map(|(i, r)| Dot {
                x: format!("{:.1}", x(i)),
                y: format!("{:.1}", y(value(r) as f64)),
                bucket: bucket(r),
                value: value(r),
            })
            .collect();
        Line {
            name,
            colour,
            points: dots
                .iter()
                .map(|d| format!("{},{}", d.x, d.y))
                .collect::<Vec<_>>()
                .join(" "),
            dots,
        }
    };
    let lines = vec![
        line(t.services_lower, "#3182bd", |r| r.services),
        line(t.providers_lower, "#b35c00", |r| r.providers),
    ];
    let labels = rows
        .iter()
        .enumerate()
        .filter(|(i, _)| *i == 0 || i + 1 == rows.len())
        .map(|(i, r)| Label {
            x: format!("{:.1}", x(i)),
            bucket: bucket(r),
        })
        .collect();
    Ok(Trend {
        title: format!("{} — {area}", t.last_year),
        kraje: kraj_choices(&territory, kraj.map(|k| k.nuts.as_str())),
        rows,
        max,
        lines,
        labels,
        level: if kraj.is_some() { "kraj" } else { "country" },
    })
}

/// A bar of the chart of coverage.
pub struct NeedBar {
    name: String,
    ty: String,
    ry: String,
    w: String,
    percent: String,
}

/// Capacity against need for a kind, per kraj or per ORP of one kraj.
pub struct Need {
    title: String,
    kind: u16,
    kinds: Vec<Opt>,
    kraje: Vec<Opt>,
    date: time::Date,
    level: &'static str,
    by_orp: bool,
    height: String,
    label_y: String,
    bars: Vec<NeedBar>,
    rows: Vec<NeedRow>,
}

#[derive(Template)]
#[template(path = "stats/page.html")]
struct StatsPage<'a> {
    frame: Frame<'a>,
    kinds: Kinds,
    trend: Trend,
    need: Option<Need>,
}

impl StatsPage<'_> {
    fn need_of(&self, need: &Option<f64>) -> String {
        need.map_or_else(|| "–".to_string(), |n| format!("{n:.0}"))
    }

    fn coverage_of(&self, coverage: &Option<f64>) -> String {
        coverage.map_or_else(|| "–".to_string(), |c| format!("{:.0} %", c * 100.0))
    }
}

/// The page: counts by kind, the trend, and capacity against need for the
/// kind chosen (or the first with a norm).
///
/// # Errors
/// A bad parameter (422) or the statistics store away (503).
pub async fn page(
    state: &QueryState,
    lang: Lang,
    kind: Option<u16>,
    date: Option<String>,
    trend_kraj: Option<&str>,
    need_kraj: Option<&str>,
) -> Result<axum::response::Response, Problem> {
    let t = lang.texts();
    let kinds = kinds(state).await?;
    let trend = trend(state, lang, trend_kraj).await?;
    let mut with_norms: Vec<u16> = state.indexer.read().norms.keys().copied().collect();
    with_norms.sort_unstable();
    let need = match kind.or_else(|| with_norms.first().copied()) {
        None => None,
        Some(kind) => Some(need(state, lang, kind, &with_norms, date, need_kraj).await?),
    };
    let title = match &need {
        Some(n) => format!("{} — {}", t.stats_title, kind_name(n.kind)),
        None => t.stats_title.to_string(),
    };
    Ok(super::page::render(&StatsPage {
        frame: Frame {
            lang,
            title: &title,
            path: "/statistiky",
        },
        kinds,
        trend,
        need,
    }))
}

async fn need(
    state: &QueryState,
    lang: Lang,
    kind: u16,
    with_norms: &[u16],
    date: Option<String>,
    need_kraj: Option<&str>,
) -> Result<Need, Problem> {
    let t = lang.texts();
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
    let height = BAR * rows.len() as f64 + 30.0;
    let bars = rows
        .iter()
        .enumerate()
        .map(|(i, r)| {
            let y = BAR * i as f64;
            let coverage = r.coverage.unwrap_or(0.0);
            NeedBar {
                name: r.area_name.clone(),
                ty: format!("{:.0}", y + 15.0),
                ry: format!("{:.0}", y + 4.0),
                w: format!("{:.1}", (coverage * FULL).min(FULL * 1.2)),
                percent: format!("{:.0}", coverage * 100.0),
            }
        })
        .collect();
    Ok(Need {
        title: format!(
            "{} — {}{}",
            t.coverage_of_need,
            kind_name(kind),
            need_kraj
                .map(|k| format!(", ORP — {}", k.name))
                .unwrap_or_default()
        ),
        kind,
        kinds: options(
            with_norms
                .iter()
                .map(|k| (k.to_string(), kind_name(*k).to_string())),
            Some(kind.to_string().as_str()),
            None,
        ),
        kraje: kraj_choices(&territory, need_kraj.map(|k| k.nuts.as_str())),
        date: day,
        level,
        by_orp: need_kraj.is_some(),
        height: format!("{height:.0}"),
        label_y: format!("{:.0}", height - 8.0),
        bars,
        rows,
    })
}
