//! Statistics under `/api/v1/stats/`, from the daily snapshots of the
//! statistics store (ClickHouse, or SQLite embedded), as JSON or CSV
//! (`format=csv`):
//!
//! - `services`: services and providers by kind and § per area, on a day;
//! - `trend`: providers, services and capacity per area at the end of each
//!   day, month or year between two days;
//! - `capacity-vs-need`: capacity against the need estimated from the
//!   population and the need norms, per area and kind, on a day;
//! - `vacancies`: average free places and share of stale reports per kind
//!   and area over time;
//! - `norms`: the need norms and their versions.
//!
//! Areas: `level=country|kraj|orp`. A service counts in the area of its
//! first facility (else of its catchment).

use super::params::Query;
use super::{wait_after, QueryState};
use axum::extract::State;
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use events::statistics::need_norm::AgeGroup;
use infra::problem::Problem;
use infra::stats::{DynStatsStore, Level, UNITS};
use infra::territory::Territory;
use serde::Deserialize;
use serde_json::{json, Map, Value};
use std::collections::BTreeMap;
use time::Date;

pub(super) fn routes() -> Router<QueryState> {
    Router::new()
        .route("/stats/services", get(services))
        .route("/stats/trend", get(trend))
        .route("/stats/capacity-vs-need", get(capacity_vs_need))
        .route("/stats/vacancies", get(vacancies))
        .route("/stats/norms", get(norms))
}

/// The parameters of the statistics.
#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct StatsParams {
    /// The day (`YYYY-MM-DD`; default: the last day with data).
    pub date: Option<String>,
    /// First day of a period.
    pub from: Option<String>,
    /// Last day of a period (default: the last day with data).
    pub to: Option<String>,
    /// `day`, `month` (default) or `year`.
    pub bucket: Option<String>,
    /// `country`, `kraj` (default) or `orp`.
    pub level: Option<String>,
    /// Only this kind of service.
    pub kind: Option<u16>,
    /// `json` (default) or `csv`.
    pub format: Option<String>,
    /// Wait until the read models hold this change (e.g. a norm just set).
    pub after: Option<String>,
}

/// The longest period, in days (5 years and a leap day, and some).
const MAX_DAYS: i64 = 366 * 10;

fn store(state: &QueryState) -> Result<&DynStatsStore, Problem> {
    state.stats.as_ref().ok_or_else(|| {
        Problem::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "no-statistics",
            "This service has no statistics store",
        )
    })
}

fn parse_day(field: &str, value: &str) -> Result<Date, Problem> {
    Date::parse(
        value,
        time::macros::format_description!("[year]-[month]-[day]"),
    )
    .map_err(|_| Problem::invalid(field, format!("{value:?} is not a day (YYYY-MM-DD)")))
}

fn level(p: &StatsParams) -> Result<Level, Problem> {
    Level::parse(p.level.as_deref().unwrap_or("kraj")).map_err(|r| Problem::invalid("level", r))
}

async fn last_day(stats: &DynStatsStore) -> Result<Option<Date>, Problem> {
    Ok(stats
        .days()
        .await
        .map_err(|e| Problem::unavailable(e.as_ref()))?
        .map(|(_, last)| last))
}

async fn day_of(stats: &DynStatsStore, p: &StatsParams) -> Result<Date, Problem> {
    match p.date.as_deref() {
        Some(d) => parse_day("date", d),
        None => Ok(last_day(stats)
            .await?
            .unwrap_or_else(|| time::OffsetDateTime::now_utc().date())),
    }
}

/// The end day of each bucket between `from` and `to` (the last one clamped to `to`).
pub fn bucket_ends(from: Date, to: Date, bucket: &str) -> Result<Vec<(String, Date)>, Problem> {
    if to < from {
        return Err(Problem::invalid("to", "is before from"));
    }
    if (to - from).whole_days() > MAX_DAYS {
        return Err(Problem::invalid(
            "from",
            format!("the period is longer than {MAX_DAYS} days"),
        ));
    }
    let mut out = Vec::new();
    let mut day = from;
    while day <= to {
        let (label, end) = match bucket {
            "day" => (day.to_string(), day),
            "month" => {
                let next = if day.month() == time::Month::December {
                    Date::from_calendar_date(day.year() + 1, time::Month::January, 1)
                } else {
                    Date::from_calendar_date(day.year(), day.month().next(), 1)
                }
                .map_err(|_| Problem::invalid("to", "out of range"))?;
                (
                    format!("{}-{:02}", day.year(), day.month() as u8),
                    next.previous_day().unwrap_or(next),
                )
            }
            "year" => {
                let end = Date::from_calendar_date(day.year(), time::Month::December, 31)
                    .map_err(|_| Problem::invalid("to", "out of range"))?;
                (day.year().to_string(), end)
            }
            other => {
                return Err(Problem::invalid(
                    "bucket",
                    format!("{other:?} is not day, month or year"),
                ))
            }
        };
        let end = end.min(to);
        out.push((label, end));
        day = match end.next_day() {
            Some(d) => d,
            None => break,
        };
    }
    Ok(out)
}

async fn period(stats: &DynStatsStore, p: &StatsParams) -> Result<(Date, Date), Problem> {
    let to = match p.to.as_deref() {
        Some(t) => parse_day("to", t)?,
        None => last_day(stats)
            .await?
            .unwrap_or_else(|| time::OffsetDateTime::now_utc().date()),
    };
    let from = match p.from.as_deref() {
        Some(f) => parse_day("from", f)?,
        None => to - time::Duration::days(365),
    };
    Ok((from, to))
}

fn area_name(t: &Territory, level: Level, code: &str) -> String {
    match level {
        Level::Country => "Česká republika".into(),
        Level::Kraj => t
            .kraje
            .get(code)
            .map_or_else(String::new, |k| k.name.clone()),
        Level::Orp => t.orp.get(code).map_or_else(String::new, |o| o.name.clone()),
    }
}

fn capacity_json(c: &[i64; 5]) -> Value {
    let mut m = Map::new();
    for (unit, n) in UNITS.iter().zip(c) {
        m.insert((*unit).to_string(), json!(n));
    }
    Value::Object(m)
}

/// JSON `{ rows: [...] }` plus `extra`, or the rows as CSV (nested objects flattened to `a.b`).
fn answer(
    rows: Vec<Value>,
    extra: Value,
    p: &StatsParams,
    name: &str,
) -> Result<Response, Problem> {
    match p.format.as_deref().unwrap_or("json") {
        "json" => {
            let mut body = extra;
            body["rows"] = Value::Array(rows);
            Ok(Json(body).into_response())
        }
        "csv" => {
            let flat: Vec<Map<String, Value>> = rows.iter().map(flatten).collect();
            let columns: Vec<String> = flat
                .first()
                .map(|r| r.keys().cloned().collect())
                .unwrap_or_default();
            let mut w = infra::spreadsheet::SafeCsv::new();
            w.row(&columns);
            for row in &flat {
                w.row(columns.iter().map(|c| match row.get(c) {
                    None | Some(Value::Null) => String::new(),
                    Some(Value::String(s)) => s.clone(),
                    Some(v) => v.to_string(),
                }));
            }
            Ok((
                [
                    (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_string()),
                    (
                        header::CONTENT_DISPOSITION,
                        format!("attachment; filename=\"{name}.csv\""),
                    ),
                ],
                w.into_bytes(),
            )
                .into_response())
        }
        other => Err(Problem::invalid(
            "format",
            format!("{other:?} is not json or csv"),
        )),
    }
}

fn flatten(row: &Value) -> Map<String, Value> {
    let mut out = Map::new();
    if let Some(obj) = row.as_object() {
        for (k, v) in obj {
            match v {
                Value::Object(inner) => {
                    for (ik, iv) in inner {
                        out.insert(format!("{k}.{ik}"), iv.clone());
                    }
                }
                other => {
                    out.insert(k.clone(), other.clone());
                }
            }
        }
    }
    out
}

#[utoipa::path(get, path = "/api/v1/stats/services", tag = "statistics", params(StatsParams), responses((status = 200, description = "`{ date, level, rows: [{ area, area_name, kind, kind_name, paragraph, services, providers }], totals: [{ area, services, providers }] }`, or CSV", body = Object), (status = 422, description = "A bad parameter, named", body = crate::api::openapi::Problem)))]
pub(crate) async fn services(
    State(state): State<QueryState>,
    Query(p): Query<StatsParams>,
) -> Result<Response, Problem> {
    let stats = store(&state)?;
    let (day, level) = (day_of(stats, &p).await?, level(&p)?);
    let rows = stats
        .by_kind(&[day], level)
        .await
        .map_err(|e| Problem::unavailable(e.as_ref()))?;
    let totals = stats
        .by_area(&[day], level)
        .await
        .map_err(|e| Problem::unavailable(e.as_ref()))?;
    let t = state.indexer.read().territory_arc();
    let kind_name = |k: u16| {
        events::values::codes::KINDS
            .iter()
            .find(|x| x.0 == k)
            .map_or("", |x| x.1)
    };
    let rows: Vec<Value> = rows
        .into_iter()
        .filter(|r| p.kind.is_none_or(|k| r.kind == k))
        .map(|r| {
            json!({ "area": r.area, "area_name": area_name(&t, level, &r.area), "kind": r.kind,
                "kind_name": kind_name(r.kind), "paragraph": r.paragraph,
                "services": r.services, "providers": r.providers })
        })
        .collect();
    let totals: Vec<Value> = totals
        .into_iter()
        .map(|r| json!({ "area": r.area, "area_name": area_name(&t, level, &r.area), "services": r.services, "providers": r.providers }))
        .collect();
    answer(
        rows,
        json!({ "date": day.to_string(), "level": p.level.as_deref().unwrap_or("kraj"), "totals": totals }),
        &p,
        "services",
    )
}

#[utoipa::path(get, path = "/api/v1/stats/trend", tag = "statistics", params(StatsParams), responses((status = 200, description = "`{ from, to, bucket, rows: [{ bucket, date, area, area_name, providers, services, capacity: { luzka, klient, kontakt, interv, hovor } }] }` — the state at the end of each bucket — or CSV", body = Object), (status = 422, description = "A bad parameter, named", body = crate::api::openapi::Problem)))]
pub(crate) async fn trend(
    State(state): State<QueryState>,
    Query(p): Query<StatsParams>,
) -> Result<Response, Problem> {
    let stats = store(&state)?;
    let (from, to) = period(stats, &p).await?;
    let bucket = p.bucket.as_deref().unwrap_or("month");
    let level = level(&p)?;
    let ends = bucket_ends(from, to, bucket)?;
    let days: Vec<Date> = ends.iter().map(|(_, d)| *d).collect();
    let label: BTreeMap<Date, String> = ends.into_iter().map(|(l, d)| (d, l)).collect();
    let rows = if let Some(kind) = p.kind {
        stats
            .by_kind(&days, level)
            .await
            .map_err(|e| Problem::unavailable(e.as_ref()))?
            .into_iter()
            .filter(|r| r.kind == kind)
            .map(|r| (r.day, r.area, r.services, r.providers, r.capacity))
            .collect::<Vec<_>>()
    } else {
        stats
            .by_area(&days, level)
            .await
            .map_err(|e| Problem::unavailable(e.as_ref()))?
            .into_iter()
            .map(|r| (r.day, r.area, r.services, r.providers, r.capacity))
            .collect()
    };
    let t = state.indexer.read().territory_arc();
    let rows: Vec<Value> = rows
        .into_iter()
        .map(|(day, area, services, providers, capacity)| {
            json!({ "bucket": label.get(&day), "date": day.to_string(), "area_name": area_name(&t, level, &area), "area": area,
                "providers": providers, "services": services, "capacity": capacity_json(&capacity) })
        })
        .collect();
    answer(
        rows,
        json!({ "from": from.to_string(), "to": to.to_string(), "bucket": bucket }),
        &p,
        "trend",
    )
}

/// Population of an area in an age group (kraj: the sum of its ORP).
pub fn population(t: &Territory, level: Level, area: &str, group: AgeGroup) -> Option<u64> {
    let of = |p: &infra::territory::Population| match group {
        AgeGroup::All => p.total,
        AgeGroup::Children => p.age_0_14,
        AgeGroup::Adults => p.age_15_64,
        AgeGroup::Seniors => p.age_65_plus,
    };
    let orp: Vec<&infra::territory::Orp> = match level {
        Level::Country => t.orp.values().collect(),
        Level::Kraj => t.orp.values().filter(|o| o.kraj_nuts == area).collect(),
        Level::Orp => t.orp.get(area).into_iter().collect(),
    };
    if orp.is_empty() || orp.iter().any(|o| o.population.is_none()) {
        return None;
    }
    Some(
        orp.iter()
            .filter_map(|o| o.population.as_ref())
            .map(of)
            .sum(),
    )
}

fn areas(t: &Territory, level: Level) -> Vec<String> {
    match level {
        Level::Country => vec!["CZ".into()],
        Level::Kraj => t.kraje.keys().cloned().collect(),
        Level::Orp => t.orp.keys().cloned().collect(),
    }
}

#[utoipa::path(get, path = "/api/v1/stats/capacity-vs-need", tag = "statistics", params(StatsParams), responses((status = 200, description = "`{ date, level, rows: [{ area, area_name, kind, unit, capacity, population, norm_per_thousand, age_group, need, coverage, deficit }] }` for every kind with a norm applying that day, or CSV", body = Object), (status = 422, description = "A bad parameter, named", body = crate::api::openapi::Problem)))]
pub(crate) async fn capacity_vs_need(
    State(state): State<QueryState>,
    Query(p): Query<StatsParams>,
) -> Result<Response, Problem> {
    wait_after(&state, p.after.as_deref()).await?;
    let (day, rows) = capacity_rows(&state, &p).await?;
    answer(
        rows,
        json!({ "date": day.to_string(), "level": p.level.as_deref().unwrap_or("kraj") }),
        &p,
        "capacity-vs-need",
    )
}

/// Capacity against need on a day, a row per area and kind with a norm: the
/// rows of `/api/v1/stats/capacity-vs-need`, and the day they are for.
///
/// # Errors
/// 422 for a bad parameter, 503 when the statistics store is away.
pub async fn capacity_rows(
    state: &QueryState,
    p: &StatsParams,
) -> Result<(Date, Vec<Value>), Problem> {
    let stats = store(state)?;
    let (day, level) = (day_of(stats, p).await?, level(p)?);
    let (norms, t) = {
        let index = state.indexer.read();
        let norms: Vec<(u16, events::statistics::need_norm::Norm)> = index
            .norms
            .values()
            .filter(|n| p.kind.is_none_or(|k| n.kind == k))
            .filter_map(|n| n.on(day).map(|v| (n.kind, v.clone())))
            .collect();
        (norms, index.territory_arc())
    };
    let by_kind = stats
        .by_kind(&[day], level)
        .await
        .map_err(|e| Problem::unavailable(e.as_ref()))?;
    let mut rows = Vec::new();
    let mut sorted = norms;
    sorted.sort_by_key(|(k, _)| *k);
    for (kind, norm) in sorted {
        let unit = serde_json::to_value(norm.unit)
            .ok()
            .and_then(|u| u.as_str().map(str::to_string))
            .unwrap_or_default();
        let unit_index = UNITS.iter().position(|u| *u == unit).unwrap_or(0);
        for area in areas(&t, level) {
            let capacity: i64 = by_kind
                .iter()
                .filter(|r| r.kind == kind && r.area == area)
                .map(|r| r.capacity[unit_index])
                .sum();
            let population = population(&t, level, &area, norm.age_group);
            let need = population.map(|n| norm.per_thousand * n as f64 / 1000.0);
            rows.push(json!({
                "area": area, "area_name": area_name(&t, level, &area), "kind": kind, "unit": unit,
                "capacity": capacity, "population": population, "age_group": norm.age_group,
                "norm_per_thousand": norm.per_thousand, "norm_valid_from": norm.valid_from.to_string(),
                "need": need.map(|n| (n * 100.0).round() / 100.0),
                "coverage": need.filter(|n| *n > 0.0).map(|n| (capacity as f64 / n * 10_000.0).round() / 10_000.0),
                "deficit": need.map(|n| ((n - capacity as f64).max(0.0) * 100.0).round() / 100.0),
            }));
        }
    }
    Ok((day, rows))
}

#[utoipa::path(get, path = "/api/v1/stats/vacancies", tag = "statistics", params(StatsParams), responses((status = 200, description = "`{ from, to, bucket, rows: [{ bucket, area, area_name, kind, days, avg_free_places, avg_reporting, stale_share }] }` — daily figures averaged over each bucket — or CSV", body = Object), (status = 422, description = "A bad parameter, named", body = crate::api::openapi::Problem)))]
pub(crate) async fn vacancies(
    State(state): State<QueryState>,
    Query(p): Query<StatsParams>,
) -> Result<Response, Problem> {
    let stats = store(&state)?;
    let (from, to) = period(stats, &p).await?;
    let bucket = p.bucket.as_deref().unwrap_or("month");
    let level = level(&p)?;
    let ends = bucket_ends(from, to, bucket)?;
    let mut days = Vec::new();
    let mut d = from;
    while d <= to {
        days.push(d);
        d = match d.next_day() {
            Some(n) => n,
            None => break,
        };
    }
    let rows = stats
        .by_kind(&days, level)
        .await
        .map_err(|e| Problem::unavailable(e.as_ref()))?;
    // (bucket index, area, kind) -> (free places, reporting, stale) summed over days
    let mut sums: BTreeMap<(usize, String, u16), (i64, u64, u64)> = BTreeMap::new();
    let bucket_of = |day: Date| ends.iter().position(|(_, end)| day <= *end).unwrap_or(0);
    for r in rows
        .into_iter()
        .filter(|r| p.kind.is_none_or(|k| r.kind == k))
        .filter(|r| r.reporting > 0)
    {
        let e = sums.entry((bucket_of(r.day), r.area, r.kind)).or_default();
        e.0 += r.free_places;
        e.1 += r.reporting;
        e.2 += r.stale;
    }
    let t = state.indexer.read().territory_arc();
    let out: Vec<Value> = sums
        .into_iter()
        .map(|((b, area, kind), (free, reporting, stale))| {
            let start = if b == 0 { from } else { ends[b - 1].1.next_day().unwrap_or(from) };
            let n = (ends[b].1 - start).whole_days() + 1;
            json!({ "bucket": ends[b].0, "area_name": area_name(&t, level, &area), "area": area, "kind": kind, "days": n,
                "avg_free_places": (free as f64 / n as f64 * 100.0).round() / 100.0,
                "avg_reporting": (reporting as f64 / n as f64 * 100.0).round() / 100.0,
                "stale_share": (stale as f64 / reporting as f64 * 10_000.0).round() / 10_000.0 })
        })
        .collect();
    answer(
        out,
        json!({ "from": from.to_string(), "to": to.to_string(), "bucket": bucket }),
        &p,
        "vacancies",
    )
}

#[utoipa::path(get, path = "/api/v1/stats/norms", tag = "statistics", params(StatsParams), responses((status = 200, description = "`{ rows: [{ kind, versions: [Norm] }] }`", body = Object), (status = 422, description = "A bad parameter, named", body = crate::api::openapi::Problem)))]
pub(crate) async fn norms(
    State(state): State<QueryState>,
    Query(p): Query<StatsParams>,
) -> Result<Json<Value>, Problem> {
    wait_after(&state, p.after.as_deref()).await?;
    let index = state.indexer.read();
    let mut rows: Vec<&read_models::registry::NormsView> = index.norms.values().collect();
    rows.sort_by_key(|n| n.kind);
    Ok(Json(json!({ "rows": rows })))
}
