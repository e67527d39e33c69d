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
use read_models::registry::NormsView;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
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

/// Capacity by unit (`TypKapacitySocialniSluzby`).
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct CapacityByUnit {
    /// Beds.
    pub luzka: i64,
    /// Clients.
    pub klient: i64,
    /// Contacts.
    pub kontakt: i64,
    /// Interventions.
    pub interv: i64,
    /// Calls.
    pub hovor: i64,
}

impl From<&[i64; 5]> for CapacityByUnit {
    fn from(c: &[i64; 5]) -> Self {
        // The order of `infra::stats::UNITS`.
        let [luzka, klient, kontakt, interv, hovor] = *c;
        Self {
            luzka,
            klient,
            kontakt,
            interv,
            hovor,
        }
    }
}

/// Counts of services and providers by area and kind on a day.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ServicesAnswer {
    /// The day.
    pub date: Date,
    /// `country`, `kraj` or `orp`.
    pub level: String,
    /// By area and kind.
    pub rows: Vec<KindCount>,
    /// By area, all kinds.
    pub totals: Vec<AreaCount>,
}

/// Services and providers of a kind in an area.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct KindCount {
    /// The area's code.
    pub area: String,
    /// Its name.
    pub area_name: String,
    /// Kind (MPSV code).
    pub kind: u16,
    /// The kind's name.
    pub kind_name: String,
    /// The kind's § of Act 108/2006 Sb.
    pub paragraph: String,
    /// Services.
    pub services: u64,
    /// Providers.
    pub providers: u64,
}

/// Services and providers in an area.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct AreaCount {
    /// The area's code.
    pub area: String,
    /// Its name.
    pub area_name: String,
    /// Services.
    pub services: u64,
    /// Providers.
    pub providers: u64,
}

/// Rows of a period, by bucket.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct PeriodAnswer<R> {
    /// First day.
    pub from: Date,
    /// Last day.
    pub to: Date,
    /// `day`, `week`, `month`, `quarter` or `year`.
    pub bucket: String,
    /// The rows.
    pub rows: Vec<R>,
}

/// The state of an area at the end of a bucket.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct TrendRow {
    /// The bucket's label.
    pub bucket: Option<String>,
    /// Its last day.
    pub date: Date,
    /// The area's code.
    pub area: String,
    /// Its name.
    pub area_name: String,
    /// Providers.
    pub providers: u64,
    /// Services.
    pub services: u64,
    /// Registered capacity.
    pub capacity: CapacityByUnit,
}

/// Capacity against need on a day.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct NeedAnswer {
    /// The day.
    pub date: Date,
    /// `country`, `kraj` or `orp`.
    pub level: String,
    /// A row per area and kind with a norm.
    pub rows: Vec<NeedRow>,
}

/// Capacity against need of a kind in an area.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct NeedRow {
    /// The area's code.
    pub area: String,
    /// Its name.
    pub area_name: String,
    /// Kind (MPSV code).
    pub kind: u16,
    /// The norm's unit.
    pub unit: String,
    /// Registered capacity in that unit.
    pub capacity: i64,
    /// Inhabitants of the norm's age group (none: not known).
    pub population: Option<u64>,
    /// The age group the norm counts.
    pub age_group: AgeGroup,
    /// Places per thousand inhabitants.
    pub norm_per_thousand: f64,
    /// The norm applies from.
    pub norm_valid_from: Date,
    /// Places needed, two decimals.
    pub need: Option<f64>,
    /// Capacity per place needed, four decimals.
    pub coverage: Option<f64>,
    /// Places missing, two decimals.
    pub deficit: Option<f64>,
}

/// Free places of a kind in an area, averaged over a bucket.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct VacancyRow {
    /// The bucket's label.
    pub bucket: String,
    /// The area's code.
    pub area: String,
    /// Its name.
    pub area_name: String,
    /// Kind (MPSV code).
    pub kind: u16,
    /// Days in the bucket.
    pub days: i64,
    /// Free places a day, two decimals.
    pub avg_free_places: f64,
    /// Services reporting a day, two decimals.
    pub avg_reporting: f64,
    /// Share of the reports older than 7 days, four decimals.
    pub stale_share: f64,
}

/// The need norms.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct NormsAnswer {
    /// A row per kind with its versions.
    pub rows: Vec<NormsView>,
}

/// The answer as JSON, or its `rows` as CSV (nested objects flattened to `a.b`).
fn answer<B: Serialize>(body: B, p: &StatsParams, name: &str) -> Result<Response, Problem> {
    match p.format.as_deref().unwrap_or("json") {
        "json" => Ok(Json(body).into_response()),
        "csv" => {
            let body = serde_json::to_value(body).map_err(|e| Problem::internal(&e))?;
            let rows = body["rows"]
                .as_array()
                .map(Vec::as_slice)
                .unwrap_or_default();
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

#[utoipa::path(operation_id = "stats_services", get, path = "/api/v1/stats/services", tag = "statistics", params(StatsParams), responses((status = 200, description = "`{ date, level, rows: [{ area, area_name, kind, kind_name, paragraph, services, providers }], totals: [{ area, services, providers }] }`, or CSV", body = ServicesAnswer), (status = 422, description = "A bad parameter, named", body = crate::api::openapi::Problem), (status = 503, description = "The statistics store is away, or the read models did not reach `after` in time", body = crate::api::openapi::Problem)))]
pub(crate) async fn services(
    State(state): State<QueryState>,
    Query(p): Query<StatsParams>,
) -> Result<Response, Problem> {
    answer(services_on(&state, &p).await?, &p, "services")
}

/// Services and providers by area and kind on the day asked (the last by default).
///
/// # Errors
/// 422 for a bad parameter, 503 when the statistics store is away.
pub async fn services_on(state: &QueryState, p: &StatsParams) -> Result<ServicesAnswer, Problem> {
    let stats = store(state)?;
    let (day, level) = (day_of(stats, p).await?, level(p)?);
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
    let rows = rows
        .into_iter()
        .filter(|r| p.kind.is_none_or(|k| r.kind == k))
        .map(|r| KindCount {
            area_name: area_name(&t, level, &r.area),
            area: r.area,
            kind: r.kind,
            kind_name: kind_name(r.kind).to_string(),
            paragraph: r.paragraph,
            services: r.services,
            providers: r.providers,
        })
        .collect();
    let totals = totals
        .into_iter()
        .map(|r| AreaCount {
            area_name: area_name(&t, level, &r.area),
            area: r.area,
            services: r.services,
            providers: r.providers,
        })
        .collect();
    Ok(ServicesAnswer {
        date: day,
        level: p.level.clone().unwrap_or_else(|| "kraj".into()),
        rows,
        totals,
    })
}

#[utoipa::path(get, path = "/api/v1/stats/trend", tag = "statistics", params(StatsParams), responses((status = 200, description = "`{ from, to, bucket, rows: [{ bucket, date, area, area_name, providers, services, capacity: { luzka, klient, kontakt, interv, hovor } }] }` — the state at the end of each bucket — or CSV", body = PeriodAnswer<TrendRow>), (status = 422, description = "A bad parameter, named", body = crate::api::openapi::Problem), (status = 503, description = "The statistics store is away, or the read models did not reach `after` in time", body = crate::api::openapi::Problem)))]
pub(crate) async fn trend(
    State(state): State<QueryState>,
    Query(p): Query<StatsParams>,
) -> Result<Response, Problem> {
    answer(trend_of(&state, &p).await?, &p, "trend")
}

/// Each area at the end of each bucket of the period asked (the last year by default).
///
/// # Errors
/// 422 for a bad parameter, 503 when the statistics store is away.
pub async fn trend_of(
    state: &QueryState,
    p: &StatsParams,
) -> Result<PeriodAnswer<TrendRow>, Problem> {
    let stats = store(state)?;
    let (from, to) = period(stats, p).await?;
    let bucket = p.bucket.as_deref().unwrap_or("month");
    let level = level(p)?;
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
    let rows = rows
        .into_iter()
        .map(|(day, area, services, providers, capacity)| TrendRow {
            bucket: label.get(&day).cloned(),
            date: day,
            area_name: area_name(&t, level, &area),
            area,
            providers,
            services,
            capacity: (&capacity).into(),
        })
        .collect();
    Ok(PeriodAnswer {
        from,
        to,
        bucket: bucket.to_string(),
        rows,
    })
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

#[utoipa::path(get, path = "/api/v1/stats/capacity-vs-need", tag = "statistics", params(StatsParams), responses((status = 200, description = "`{ date, level, rows: [{ area, area_name, kind, unit, capacity, population, norm_per_thousand, age_group, need, coverage, deficit }] }` for every kind with a norm applying that day, or CSV", body = NeedAnswer), (status = 422, description = "A bad parameter, named", body = crate::api::openapi::Problem), (status = 503, description = "The statistics store is away, or the read models did not reach `after` in time", body = crate::api::openapi::Problem)))]
pub(crate) async fn capacity_vs_need(
    State(state): State<QueryState>,
    Query(p): Query<StatsParams>,
) -> Result<Response, Problem> {
    wait_after(&state, p.after.as_deref()).await?;
    let (date, rows) = capacity_rows(&state, &p).await?;
    let body = NeedAnswer {
        date,
        level: p.level.clone().unwrap_or_else(|| "kraj".into()),
        rows,
    };
    answer(body, &p, "capacity-vs-need")
}

/// Capacity against need on a day, a row per area and kind with a norm: the
/// rows of `/api/v1/stats/capacity-vs-need`, and the day they are for.
///
/// # Errors
/// 422 for a bad parameter, 503 when the statistics store is away.
pub async fn capacity_rows(
    state: &QueryState,
    p: &StatsParams,
) -> Result<(Date, Vec<NeedRow>), Problem> {
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
            rows.push(NeedRow {
                area_name: area_name(&t, level, &area),
                area,
                kind,
                unit: unit.clone(),
                capacity,
                population,
                age_group: norm.age_group,
                norm_per_thousand: norm.per_thousand,
                norm_valid_from: norm.valid_from,
                need: need.map(|n| (n * 100.0).round() / 100.0),
                coverage: need
                    .filter(|n| *n > 0.0)
                    .map(|n| (capacity as f64 / n * 10_000.0).round() / 10_000.0),
                deficit: need.map(|n| ((n - capacity as f64).max(0.0) * 100.0).round() / 100.0),
            });
        }
    }
    Ok((day, rows))
}

#[utoipa::path(operation_id = "stats_vacancies", get, path = "/api/v1/stats/vacancies", tag = "statistics", params(StatsParams), responses((status = 200, description = "`{ from, to, bucket, rows: [{ bucket, area, area_name, kind, days, avg_free_places, avg_reporting, stale_share }] }` — daily figures averaged over each bucket — or CSV", body = PeriodAnswer<VacancyRow>), (status = 422, description = "A bad parameter, named", body = crate::api::openapi::Problem), (status = 503, description = "The statistics store is away, or the read models did not reach `after` in time", body = crate::api::openapi::Problem)))]
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
    let rows = sums
        .into_iter()
        .map(|((b, area, kind), (free, reporting, stale))| {
            let start = if b == 0 {
                from
            } else {
                ends[b - 1].1.next_day().unwrap_or(from)
            };
            let n = (ends[b].1 - start).whole_days() + 1;
            VacancyRow {
                bucket: ends[b].0.clone(),
                area_name: area_name(&t, level, &area),
                area,
                kind,
                days: n,
                avg_free_places: (free as f64 / n as f64 * 100.0).round() / 100.0,
                avg_reporting: (reporting as f64 / n as f64 * 100.0).round() / 100.0,
                stale_share: (stale as f64 / reporting as f64 * 10_000.0).round() / 10_000.0,
            }
        })
        .collect();
    let body = PeriodAnswer {
        from,
        to,
        bucket: bucket.to_string(),
        rows,
    };
    answer(body, &p, "vacancies")
}

#[utoipa::path(get, path = "/api/v1/stats/norms", tag = "statistics", params(StatsParams), responses((status = 200, description = "`{ rows: [{ kind, versions: [Norm] }] }`", body = NormsAnswer), (status = 422, description = "A bad parameter, named", body = crate::api::openapi::Problem), (status = 503, description = "The statistics store is away, or the read models did not reach `after` in time", body = crate::api::openapi::Problem)))]
pub(crate) async fn norms(
    State(state): State<QueryState>,
    Query(p): Query<StatsParams>,
) -> Result<Json<NormsAnswer>, Problem> {
    wait_after(&state, p.after.as_deref()).await?;
    let index = state.indexer.read();
    let mut rows: Vec<NormsView> = index.norms.values().cloned().collect();
    rows.sort_by_key(|n| n.kind);
    Ok(Json(NormsAnswer { rows }))
}
