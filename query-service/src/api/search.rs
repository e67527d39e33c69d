//! `GET /services`: search with text, filters, distance, facets, sorting and
//! pagination; `GET /vacancies`: the vacancy board with the same filters.

use super::params::Query;
use super::{wait_after, QueryState};
use crate::index::{Field, Filters, Index, ServiceEntry, STALE_AFTER};
use axum::extract::{RawQuery, State};
use axum::routing::get;
use axum::{Json, Router};
use events::values::{CapacityUnit, Form, Location};
use infra::problem::Problem;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use time::OffsetDateTime;

pub(super) fn routes() -> Router<QueryState> {
    Router::new()
        .route("/services", get(search))
        .route("/vacancies", get(vacancies))
        .route("/places", get(places))
}

/// What a place's name begins with.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PlaceParams {
    /// The beginning of a municipality's name (diacritics and case aside,
    /// at least two letters) or of its postcode.
    pub q: Option<String>,
}

/// A municipality to suggest for `near`.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Place {
    /// Its ČSÚ code.
    pub code: String,
    /// Its name.
    pub name: String,
    /// Its okres.
    pub okres: String,
    /// Its postcode, when known.
    pub postcode: Option<String>,
    /// What `near` takes to name it alone: the name, with the okres after a
    /// comma when another municipality has the name.
    pub near: String,
}

#[utoipa::path(get, path = "/api/v1/places", tag = "search", params(PlaceParams), responses((status = 200, description = "`{ total, items: [Place] }`: at most 10 municipalities whose name or postcode begins so, for `near`", body = crate::api::answers::List<Place>), (status = 422, description = "A bad parameter, named", body = crate::api::openapi::Problem)))]
pub(crate) async fn places(
    State(state): State<QueryState>,
    Query(p): Query<PlaceParams>,
) -> Json<crate::api::answers::List<Place>> {
    let index = state.indexer.read();
    let places = index.places();
    let territory = index.territory();
    let items: Vec<Place> = places
        .suggest(territory, p.q.as_deref().unwrap_or_default(), 10)
        .into_iter()
        .map(|m| {
            let alone = matches!(
                places.find(territory, &m.name),
                crate::places::Found::One(_)
            );
            Place {
                code: m.code.clone(),
                name: m.name.clone(),
                okres: m.okres.clone(),
                postcode: m.postcode.clone(),
                near: if alone {
                    m.name.clone()
                } else {
                    format!("{}, {}", m.name, m.okres)
                },
            }
        })
        .collect();
    Json(items.into())
}

/// Largest page.
pub const MAX_PER_PAGE: usize = 100;
/// Most words a search may have (each costs a walk of the index).
pub const MAX_QUERY_WORDS: usize = 20;
/// Longest search text, in characters.
pub const MAX_QUERY_CHARS: usize = 300;

/// Refuses a search text `q` too long to be a question (CPU for nothing).
///
/// # Errors
/// 422 naming `q`.
pub fn check_query(q: Option<&str>) -> Result<(), Problem> {
    check_search_text("q", q)
}

/// Refuses a search text too long to be a question, naming its parameter.
///
/// # Errors
/// 422 naming `field`.
pub fn check_search_text(field: &str, q: Option<&str>) -> Result<(), Problem> {
    let Some(q) = q else { return Ok(()) };
    if q.len() > MAX_QUERY_CHARS * 4 || q.chars().count() > MAX_QUERY_CHARS {
        return Err(Problem::invalid(
            field,
            format!("must be at most {MAX_QUERY_CHARS} characters"),
        ));
    }
    if q.split_whitespace().count() > MAX_QUERY_WORDS {
        return Err(Problem::invalid(
            field,
            format!("must be at most {MAX_QUERY_WORDS} words"),
        ));
    }
    Ok(())
}

/// The page and page size asked for: `page` from 1, `per_page` 1–`max`
/// (`default` when not asked).
///
/// # Errors
/// 422 naming the parameter.
pub fn paging(
    page: Option<usize>,
    per_page: Option<usize>,
    default: usize,
    max: usize,
) -> Result<(usize, usize), Problem> {
    let per_page = per_page.unwrap_or(default);
    if per_page == 0 || per_page > max {
        return Err(Problem::invalid("per_page", format!("must be 1–{max}")));
    }
    let page = page.unwrap_or(1);
    if page == 0 {
        return Err(Problem::invalid("page", "starts at 1"));
    }
    Ok((page, per_page))
}

/// How many items come before `page` (from 1) of `per_page`: saturating, so
/// that a page number no list reaches answers an empty page, never overflows.
pub fn offset(page: usize, per_page: usize) -> usize {
    page.saturating_sub(1).saturating_mul(per_page)
}

#[cfg(test)]
mod paging_tests {
    #[test]
    fn an_offset_never_overflows() {
        assert_eq!(super::offset(1, 20), 0);
        assert_eq!(super::offset(3, 20), 40);
        assert_eq!(super::offset(usize::MAX, 100), usize::MAX);
    }
}

/// Search parameters; every filter is optional.
#[derive(Debug, Clone, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct SearchParams {
    /// Words; each must start a word of the name, description, provider, kind, facility or category.
    pub q: Option<String>,
    /// Kind (MPSV code).
    pub kind: Option<u16>,
    /// § of Act 108/2006 Sb. (`57`, `60a`).
    pub paragraph: Option<String>,
    /// Target group code.
    pub target_group: Option<String>,
    /// Form (`pob`, `amb`, `ter`).
    pub form: Option<Form>,
    /// Kraj (NUTS, ČSÚ or RÚIAN code).
    pub kraj: Option<String>,
    /// ORP (ČSÚ or RÚIAN code).
    pub orp: Option<String>,
    /// Municipality code.
    pub municipality: Option<String>,
    /// Category tag.
    pub category: Option<String>,
    /// Provider IČO.
    pub provider_ico: Option<String>,
    /// Only services with free places reported in the last 7 days.
    #[serde(default)]
    pub free_now: bool,
    /// Where to measure distance from, instead of `lat`/`lon`: a
    /// municipality's name (`Děčín`; `Nová Ves, Brno-venkov` names the okres
    /// of an ambiguous one), a postcode (`405 02`) or a municipality code —
    /// its centre. An ambiguous name is refused (422) with its candidates.
    pub near: Option<String>,
    /// Latitude of the point to measure distance from.
    pub lat: Option<f64>,
    /// Longitude of that point.
    pub lon: Option<f64>,
    /// Only services with a facility within this many km of the point.
    pub radius_km: Option<f64>,
    /// `relevance` (default), `name`, `distance`, `free_places`, `updated`.
    pub sort: Option<String>,
    /// Page, from 1.
    pub page: Option<usize>,
    /// Results per page (default 20, at most 100).
    pub per_page: Option<usize>,
    /// Include suspended and ended services.
    #[serde(default)]
    pub include_inactive: bool,
    /// Wait until the read models hold this change (`<transaction_id>:<global_position>`).
    pub after: Option<String>,
}

/// One result.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Hit {
    /// Id.
    pub id: String,
    /// Name.
    pub name: String,
    /// Provider's IČO.
    pub provider_ico: String,
    /// Provider's name.
    pub provider_name: String,
    /// Kind (MPSV code), its name and §.
    pub kind: u16,
    /// Kind's name.
    pub kind_name: String,
    /// § of the Act.
    pub paragraph: Option<String>,
    /// Forms.
    pub forms: Vec<Form>,
    /// Kraje (NUTS).
    pub kraje: Vec<String>,
    /// ORP (ČSÚ codes).
    pub orp: Vec<String>,
    /// Free places reported in the last 7 days.
    pub free_places_now: i64,
    /// Distance to the nearest facility, when a point was given.
    pub distance_km: Option<f64>,
    /// Status.
    pub status: events::registry::service::ServiceStatus,
}

/// Counts of the results by value.
#[derive(Debug, Default, Serialize, utoipa::ToSchema)]
pub struct Facets {
    /// By kind (its code as the key: JSON keys are strings).
    #[schema(value_type = BTreeMap<String, usize>)]
    pub kind: BTreeMap<u16, usize>,
    /// By target group.
    pub target_group: BTreeMap<String, usize>,
    /// By form.
    pub form: BTreeMap<String, usize>,
    /// By kraj (NUTS).
    pub kraj: BTreeMap<String, usize>,
}

/// A page of results.
#[derive(Debug, Default, Serialize, utoipa::ToSchema)]
pub struct SearchResult {
    /// All results.
    pub total: usize,
    /// This page.
    pub page: usize,
    /// Page size.
    pub per_page: usize,
    /// The results of this page.
    pub items: Vec<Hit>,
    /// Counts over all results.
    pub facets: Facets,
}

/// The point of `near` or `lat`/`lon`, checked (with `radius_km`).
///
/// # Errors
/// 422 naming `near`, `lat`, `lon` or `radius_km`; for an ambiguous `near`
/// with its `candidates` (code, name, okres).
pub fn point(index: &Index, p: &SearchParams) -> Result<Option<Location>, Problem> {
    if let Some(near) = p.near.as_deref().filter(|n| !n.trim().is_empty()) {
        if p.lat.is_some() || p.lon.is_some() {
            return Err(Problem::invalid(
                "near",
                "give near, or lat and lon, not both",
            ));
        }
        return match index.places().find(index.territory(), near) {
            crate::places::Found::One(m) => Ok(m.centre.map(|(lat, lon)| Location { lat, lon })),
            crate::places::Found::Several(all) => {
                let named: Vec<String> = all
                    .iter()
                    .map(|m| format!("{}, {}", m.name, m.okres))
                    .collect();
                let candidates: Vec<serde_json::Value> = all
                    .iter()
                    .map(
                        |m| serde_json::json!({ "code": m.code, "name": m.name, "okres": m.okres }),
                    )
                    .collect();
                let postcode = near.chars().filter(|c| !c.is_whitespace()).count() == 5
                    && near
                        .chars()
                        .all(|c| c.is_ascii_digit() || c.is_whitespace());
                let reason = if postcode {
                    format!(
                        "the postcode {near} is of {} municipalities: {} — name one of them",
                        all.len(),
                        named.join("; ")
                    )
                } else {
                    format!(
                        "{} municipalities are called {near:?}: {} — add the okres after a comma, or give the postcode",
                        all.len(),
                        named.join("; ")
                    )
                };
                Err(Problem::invalid("near", reason).with("candidates", candidates))
            }
            crate::places::Found::Nothing => Err(Problem::invalid(
                "near",
                format!("{near:?} is no municipality, postcode or municipality code"),
            )),
        };
    }
    match (p.lat, p.lon) {
        (Some(lat), Some(lon)) => {
            let l = Location { lat, lon };
            if !lat.is_finite()
                || !lon.is_finite()
                || !(-90.0..=90.0).contains(&lat)
                || !(-180.0..=180.0).contains(&lon)
            {
                return Err(Problem::invalid("lat", "lat and lon must be WGS84 degrees"));
            }
            Ok(Some(l))
        }
        (None, None) => {
            if p.radius_km.is_some() {
                return Err(Problem::invalid("radius_km", "needs lat and lon"));
            }
            Ok(None)
        }
        _ => Err(Problem::invalid(
            if p.lat.is_none() { "lat" } else { "lon" },
            "lat and lon go together",
        )),
    }
}

/// The filters of a search as the index keeps them: kraj and ORP in NUTS
/// and ČSÚ codes whichever code was given.
pub fn filters(index: &Index, p: &SearchParams) -> Filters {
    let t = index.territory();
    let kraj = p.kraj.as_deref().map(|k| {
        t.kraj_by_any_code(k)
            .map_or(k.to_string(), |k| k.nuts.clone())
    });
    let orp = p.orp.as_deref().map(|o| {
        t.orp_by_any_code(o)
            .map_or(o.to_string(), |o| o.csu_code.clone())
    });
    let values = [
        (Field::Paragraph, p.paragraph.clone()),
        (Field::TargetGroup, p.target_group.clone()),
        (Field::Kraj, kraj),
        (Field::Orp, orp),
        (Field::Municipality, p.municipality.clone()),
        (Field::Category, p.category.clone()),
        (Field::Provider, p.provider_ico.clone()),
    ];
    Filters {
        include_inactive: p.include_inactive,
        kind: p.kind,
        form: p.form,
        values: values
            .into_iter()
            .filter_map(|(field, value)| Some((field, value?)))
            .collect(),
    }
}

fn hit(e: &ServiceEntry, distance_km: Option<f64>, now: OffsetDateTime) -> Hit {
    Hit {
        id: e.view.id.clone(),
        name: e.view.details.name.clone(),
        provider_ico: e.view.provider_ico.clone(),
        provider_name: e.provider_name.clone(),
        kind: e.view.details.kind,
        kind_name: e.view.kind_name.clone(),
        paragraph: e.view.paragraph.clone(),
        forms: e.view.details.forms.iter().map(|f| f.form).collect(),
        kraje: e.kraje.iter().cloned().collect(),
        orp: e.orp.iter().cloned().collect(),
        free_places_now: e.free_now(now),
        distance_km: distance_km.map(|d| (d * 100.0).round() / 100.0),
        status: e.view.status,
    }
}

/// A found service, its distance from the point asked about and its relevance.
pub struct Found<'a> {
    /// The service.
    pub entry: &'a ServiceEntry,
    /// Its slot in the index.
    pub slot: u32,
    /// Its distance from the point, when one was given.
    pub distance_km: Option<f64>,
    /// Its relevance, when the results are ordered by it.
    pub score: usize,
}

/// How the results are ordered: `sort`, or by distance from a point, or by relevance.
fn order_of(p: &SearchParams, from: Option<Location>) -> &str {
    p.sort.as_deref().unwrap_or(if from.is_some() {
        "distance"
    } else {
        "relevance"
    })
}

/// The services matching the text, the filters and the radius (in the
/// order of their slots).
pub fn candidates<'a>(
    index: &'a Index,
    p: &SearchParams,
    from: Option<Location>,
    now: OffsetDateTime,
) -> Vec<Found<'a>> {
    let q = p.q.as_deref().unwrap_or("");
    let query_words = crate::text::query_words(q);
    let ranked = !query_words.is_empty() && order_of(p, from) == "relevance";
    // Relevance, when the results are ordered by it: whole words of the
    // name count most, then their starts, then whole words of the rest.
    let relevance: Vec<_> = if ranked {
        query_words.iter().map(|w| index.relevance(w)).collect()
    } else {
        Vec::new()
    };
    let mut found: Vec<Found<'a>> = Vec::new();
    for slot in &index.select(&query_words, &filters(index, p)) {
        let Some(entry) = index.at(slot) else {
            continue;
        };
        if p.free_now && entry.free_now(now) <= 0 {
            continue;
        }
        let distance_km = from.and_then(|l| index.facts().distance_km(slot, entry, &l));
        if let Some(r) = p.radius_km {
            if distance_km.is_none_or(|d| d > r) {
                continue;
            }
        }
        found.push(Found {
            entry,
            slot,
            distance_km,
            score: relevance.iter().map(|r| r.of(slot)).sum(),
        });
    }
    found
}

/// Runs a search on the index.
///
/// # Errors
/// 422 naming a bad parameter.
pub fn run(index: &Index, p: &SearchParams, now: OffsetDateTime) -> Result<SearchResult, Problem> {
    check_query(p.q.as_deref())?;
    let from = point(index, p)?;
    let (page, per_page) = paging(p.page, p.per_page, 20, MAX_PER_PAGE)?;
    if let Some(r) = p.radius_km {
        if !(r.is_finite() && r > 0.0) {
            return Err(Problem::invalid("radius_km", "must be a positive number"));
        }
    }
    let mut found = candidates(index, p, from, now);
    let facets = facets(index, &found)?;
    let ranks = index.name_ranks();
    let rank = |f: &Found| ranks.get(f.slot as usize).copied().unwrap_or(u32::MAX);
    let by_name = |a: &Found, b: &Found| rank(a).cmp(&rank(b));
    type Order<'a> = Box<dyn Fn(&Found, &Found) -> std::cmp::Ordering + 'a>;
    let order: Order = match order_of(p, from) {
        "relevance" => Box::new(|a, b| b.score.cmp(&a.score).then_with(|| by_name(a, b))),
        "name" => Box::new(by_name),
        "distance" => {
            if from.is_none() {
                return Err(Problem::invalid("sort", "distance needs lat and lon"));
            }
            Box::new(|a, b| {
                a.distance_km
                    .unwrap_or(f64::MAX)
                    .total_cmp(&b.distance_km.unwrap_or(f64::MAX))
                    .then_with(|| by_name(a, b))
            })
        }
        "free_places" => Box::new(|a, b| {
            b.entry
                .free_now(now)
                .cmp(&a.entry.free_now(now))
                .then_with(|| by_name(a, b))
        }),
        "updated" => Box::new(|a, b| {
            b.entry
                .view
                .updated_at
                .cmp(&a.entry.view.updated_at)
                .then_with(|| by_name(a, b))
        }),
        other => {
            return Err(Problem::invalid(
                "sort",
                format!("{other:?} is not relevance, name, distance, free_places or updated"),
            ))
        }
    };
    let total = found.len();
    // Only the pages up to this one need ordering: select them, then sort them
    // (the order is total, so the page is the same as after a full sort).
    let needed = page.saturating_mul(per_page);
    if needed < found.len() {
        found.select_nth_unstable_by(needed - 1, |a, b| order(a, b));
        found.truncate(needed);
    }
    found.sort_by(|a, b| order(a, b));
    let items = found
        .into_iter()
        .skip(offset(page, per_page))
        .take(per_page)
        .map(|f| hit(f.entry, f.distance_km, now))
        .collect();
    Ok(SearchResult {
        total,
        page,
        per_page,
        items,
        facets,
    })
}

/// Counts of the results by kind, target group, form and kraj (a service
/// counts once for each value it has): from the facts of each result, and
/// for the values past the numbered ones (a registry with more than 64
/// target groups or kraje) the sizes of the intersections of the results
/// with the value's services.
fn facets(index: &Index, found: &[Found]) -> Result<Facets, Problem> {
    fn keep<K: Ord + Clone>(into: &mut BTreeMap<K, usize>, values: &[K], counts: &[usize]) {
        for (value, &n) in values.iter().zip(counts) {
            if n > 0 {
                into.insert(value.clone(), n);
            }
        }
    }
    fn unnumbered<'k, K: Ord + Clone + 'k>(
        into: &mut BTreeMap<K, usize>,
        found: &roaring::RoaringBitmap,
        sets: impl Iterator<Item = (&'k K, &'k roaring::RoaringBitmap)>,
        numbered: impl Fn(&K) -> bool,
    ) {
        for (value, set) in sets.filter(|(v, _)| !numbered(v)) {
            let n = usize::try_from(found.intersection_len(set)).unwrap_or(usize::MAX);
            if n > 0 {
                into.insert(value.clone(), n);
            }
        }
    }
    let facts = index.facts();
    let counts = facts.count(found.iter().map(|f| f.slot));
    let mut facets = Facets::default();
    keep(&mut facets.kind, facts.kinds.values(), &counts.kind);
    keep(
        &mut facets.target_group,
        facts.target_groups.values(),
        &counts.target_group,
    );
    keep(&mut facets.kraj, facts.kraje.values(), &counts.kraj);
    for (form, &n) in crate::facts::FORMS.iter().zip(&counts.form) {
        if n > 0 {
            let code = match form {
                Form::Residential => "pob",
                Form::Outpatient => "amb",
                Form::Field => "ter",
            };
            facets.form.insert(code.to_string(), n);
        }
    }
    if counts.unnumbered {
        let set = roaring::RoaringBitmap::from_sorted_iter(found.iter().map(|f| f.slot))
            .map_err(|e| Problem::internal(&e))?;
        unnumbered(&mut facets.kind, &set, index.kinds(), |k| {
            facts.kinds.has(k)
        });
        let groups = index.values(Field::TargetGroup);
        unnumbered(&mut facets.target_group, &set, groups, |g| {
            facts.target_groups.has(g)
        });
        let kraje = index.values(Field::Kraj);
        unnumbered(&mut facets.kraj, &set, kraje, |k| facts.kraje.has(k));
    }
    Ok(facets)
}

#[utoipa::path(get, path = "/api/v1/services", tag = "search", params(SearchParams), responses((status = 200, description = "A page of results with the total and facets", body = SearchResult), (status = 422, description = "A bad parameter, named", body = crate::api::openapi::Problem), (status = 503, description = "The read models did not reach `after` in time", body = crate::api::openapi::Problem)))]
async fn search(
    State(state): State<QueryState>,
    RawQuery(raw): RawQuery,
    Query(p): Query<SearchParams>,
) -> Result<axum::response::Response, Problem> {
    use axum::response::IntoResponse;
    wait_after(&state, p.after.as_deref()).await?;
    let key = raw.unwrap_or_default();
    let answer = |json: bytes::Bytes| {
        (
            [(axum::http::header::CONTENT_TYPE, "application/json")],
            json,
        )
            .into_response()
    };
    let index = state.indexer.read();
    let version = index.version();
    if let Some(json) = state.search_cache.get(&key, version) {
        return Ok(answer(json));
    }
    let result = run(&index, &p, OffsetDateTime::now_utc())?;
    // Read-locked for the search only, not while the answer is written.
    drop(index);
    let json = bytes::Bytes::from(serde_json::to_vec(&result).map_err(|e| Problem::internal(&e))?);
    state.search_cache.put(key, version, json.clone());
    Ok(answer(json))
}

/// How long a cached answer may be served (a vacancy report's age is part of it).
const SEARCH_CACHE_TTL: std::time::Duration = std::time::Duration::from_secs(1);

/// The most answers kept, and their most bytes; when either is reached, the
/// cache starts again empty.
const SEARCH_CACHE_ENTRIES: usize = 4096;
const SEARCH_CACHE_BYTES: usize = 32 << 20;

/// The answers of searches asked since the index last changed, at most
/// [`SEARCH_CACHE_TTL`] old: the same query string again is answered with
/// the JSON sent the first time, without searching (popular searches —
/// "azylový dům" in a kraj — come many times a second at busy hours).
#[derive(Default)]
pub struct SearchCache {
    entries: std::sync::Mutex<CachedAnswers>,
}

#[derive(Default)]
struct CachedAnswers {
    by_query: std::collections::HashMap<String, CachedAnswer>,
    bytes: usize,
}

struct CachedAnswer {
    version: u64,
    at: std::time::Instant,
    json: bytes::Bytes,
}

static SEARCH_CACHE: std::sync::LazyLock<prometheus::IntCounterVec> =
    std::sync::LazyLock::new(|| {
        infra::metrics::counter_vec(
            "portal_search_cache_total",
            "Searches of the API answered from the cache (hit) or searched (miss).",
            &["outcome"],
        )
    });

impl SearchCache {
    /// The answer to `query` cached at the index `version`, if fresh.
    pub fn get(&self, query: &str, version: u64) -> Option<bytes::Bytes> {
        let entries = self.entries.lock().unwrap_or_else(|p| p.into_inner());
        let hit = entries
            .by_query
            .get(query)
            .filter(|c| c.version == version && c.at.elapsed() < SEARCH_CACHE_TTL)
            .map(|c| c.json.clone());
        let outcome = if hit.is_some() { "hit" } else { "miss" };
        SEARCH_CACHE.with_label_values(&[outcome]).inc();
        hit
    }

    /// Keeps `json`, the answer to `query` at the index `version`.
    pub fn put(&self, query: String, version: u64, json: bytes::Bytes) {
        let mut entries = self.entries.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(old) = entries.by_query.remove(&query) {
            entries.bytes -= query.len() + old.json.len();
        }
        let size = query.len() + json.len();
        if entries.by_query.len() >= SEARCH_CACHE_ENTRIES
            || entries.bytes + size > SEARCH_CACHE_BYTES
        {
            *entries = CachedAnswers::default();
        }
        entries.bytes += size;
        let answer = CachedAnswer {
            version,
            at: std::time::Instant::now(),
            json,
        };
        entries.by_query.insert(query, answer);
    }
}

/// A row of the vacancy board.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct BoardRow {
    /// The service.
    pub service_id: String,
    /// Its name.
    pub service_name: String,
    /// Its provider's name.
    pub provider_name: String,
    /// Kind.
    pub kind: u16,
    /// Kind's name.
    pub kind_name: String,
    /// The facility.
    pub facility_id: String,
    /// Its name.
    pub facility_name: String,
    /// Its town.
    pub city: String,
    /// Form.
    pub form: Form,
    /// Unit.
    pub unit: CapacityUnit,
    /// Free places reported.
    pub free_places: i64,
    /// The registered capacity.
    pub capacity: Option<i64>,
    /// When reported.
    #[serde(with = "time::serde::rfc3339")]
    pub reported_at: OffsetDateTime,
    /// Days since.
    pub age_days: i64,
    /// Older than 7 days.
    pub stale: bool,
}

/// The vacancy board: every current report of the services passing the
/// filters (`free_now`: only fresh reports with free places), fresh ones
/// first, most free places first.
pub fn board(index: &Index, p: &SearchParams, now: OffsetDateTime) -> Vec<BoardRow> {
    let mut board = Vec::new();
    let words = crate::text::query_words(p.q.as_deref().unwrap_or(""));
    let filters = Filters {
        include_inactive: false,
        ..filters(index, p)
    };
    for slot in &index.select(&words, &filters) {
        let Some(e) = index.at(slot) else { continue };
        for v in &e.view.vacancies {
            let stale = now - v.reported_at > STALE_AFTER;
            if p.free_now && (stale || v.free_places == 0) {
                continue;
            }
            let facility = e
                .view
                .details
                .facilities
                .iter()
                .find(|f| f.facility_id == v.facility_id);
            board.push(BoardRow {
                service_id: e.view.id.clone(),
                service_name: e.view.details.name.clone(),
                provider_name: e.provider_name.clone(),
                kind: e.view.details.kind,
                kind_name: e.view.kind_name.clone(),
                facility_id: v.facility_id.clone(),
                facility_name: facility.map(|f| f.name.clone()).unwrap_or_default(),
                city: facility.map(|f| f.address.city.clone()).unwrap_or_default(),
                form: v.form,
                unit: v.unit,
                free_places: v.free_places,
                capacity: e.view.details.capacity(v.form, v.unit),
                reported_at: v.reported_at,
                age_days: (now - v.reported_at).whole_days(),
                stale,
            });
        }
    }
    board.sort_by(|a, b| {
        a.stale
            .cmp(&b.stale)
            .then(b.free_places.cmp(&a.free_places))
            .then_with(|| a.service_name.cmp(&b.service_name))
    });
    board
}

#[utoipa::path(operation_id = "vacancy_board", get, path = "/api/v1/vacancies", tag = "search", params(SearchParams), responses((status = 200, description = "`{ total, page, per_page, items: [BoardRow] }`: current free places, stale reports marked (a page of at most 100 rows, 100 by default)", body = crate::api::answers::Page<BoardRow>), (status = 422, description = "A bad parameter, named", body = crate::api::openapi::Problem), (status = 503, description = "The read models did not reach `after` in time", body = crate::api::openapi::Problem)))]
async fn vacancies(
    State(state): State<QueryState>,
    Query(p): Query<SearchParams>,
) -> Result<Json<crate::api::answers::Page<BoardRow>>, Problem> {
    check_query(p.q.as_deref())?;
    let (page, per_page) = paging(p.page, p.per_page, MAX_PER_PAGE, MAX_PER_PAGE)?;
    wait_after(&state, p.after.as_deref()).await?;
    let index = state.indexer.read();
    let board = board(&index, &p, OffsetDateTime::now_utc());
    let total = board.len();
    let items: Vec<BoardRow> = board
        .into_iter()
        .skip(offset(page, per_page))
        .take(per_page)
        .collect();
    Ok(Json(crate::api::answers::Page {
        total,
        page,
        per_page,
        items,
    }))
}

#[cfg(test)]
mod cache_tests {
    use super::{SearchCache, SEARCH_CACHE_ENTRIES};

    #[test]
    fn an_answer_is_served_again_only_for_the_same_query_at_the_same_index_version() {
        let cache = SearchCache::default();
        let json = bytes::Bytes::from_static(b"{\"total\":1}");
        cache.put("q=azyl&kraj=CZ042".into(), 7, json.clone());
        assert_eq!(cache.get("q=azyl&kraj=CZ042", 7), Some(json));
        assert_eq!(cache.get("q=azyl&kraj=CZ042", 8), None, "the index changed");
        assert_eq!(cache.get("q=azyl", 7), None, "another query");
    }

    #[test]
    fn the_answers_kept_are_bounded_in_bytes() {
        let cache = SearchCache::default();
        let big = bytes::Bytes::from(vec![b' '; super::SEARCH_CACHE_BYTES / 3]);
        for i in 0..3 {
            cache.put(format!("q={i}"), 1, big.clone());
        }
        assert!(cache.get("q=0", 1).is_none(), "emptied at the third");
        assert!(cache.get("q=2", 1).is_some());
        cache.put("q=2".into(), 1, big.clone());
        cache.put("q=3".into(), 1, big);
        assert!(
            cache.get("q=2", 1).is_some(),
            "a query put again counts once"
        );
    }

    #[test]
    fn a_full_cache_starts_again_empty() {
        let cache = SearchCache::default();
        let json = bytes::Bytes::from_static(b"{}");
        for i in 0..SEARCH_CACHE_ENTRIES {
            cache.put(format!("q={i}"), 1, json.clone());
        }
        assert!(cache.get("q=0", 1).is_some());
        cache.put("q=new".into(), 1, json.clone());
        assert!(cache.get("q=0", 1).is_none(), "emptied when full");
        assert!(cache.get("q=new", 1).is_some());
    }
}

/// The search on the index's sets against the same search read off every
/// service one by one (what the index replaces): the same answers for
/// random services and random queries, every filter and order.
#[cfg(test)]
mod index_tests {
    use super::{run, Facets, Hit, SearchParams, SearchResult};
    use crate::index::{Index, ServiceEntry};
    use events::registry::service::{
        Capacity, Catchment, Facility, FormSpec, ServiceDetails, ServiceStatus,
    };
    use events::values::codes::KINDS;
    use events::values::{Address, CapacityUnit, Contacts, Form, Location};
    use rand::rngs::StdRng;
    use rand::{Rng, SeedableRng};
    use read_models::registry::{ServiceView, VacancyView};
    use time::OffsetDateTime;

    const TOWNS: [&str; 8] = [
        "Děčín",
        "Ústí nad Labem",
        "Brno",
        "Praha",
        "Dům u lesa",
        "Domažlice",
        "Most",
        "Zlín",
    ];
    const WORDS: [&str; 8] = [
        "azylový",
        "domů",
        "seniorům",
        "nocležna",
        "terénní",
        "stacionář",
        "rodina",
        "dluhy",
    ];
    const FORMS: [Form; 3] = [Form::Residential, Form::Outpatient, Form::Field];

    fn pick<'a, T>(rng: &mut StdRng, of: &'a [T]) -> &'a T {
        &of[rng.random_range(0..of.len())]
    }

    fn service(rng: &mut StdRng, i: usize, now: OffsetDateTime) -> ServiceView {
        let (kind, kind_name, paragraph) = KINDS[rng.random_range(0..KINDS.len())];
        let town = *pick(rng, &TOWNS);
        let forms: Vec<FormSpec> = FORMS
            .iter()
            .filter(|_| rng.random_bool(0.5))
            .map(|&form| FormSpec {
                form,
                capacities: vec![Capacity {
                    unit: CapacityUnit::Beds,
                    count: 10,
                }],
                non_stop: false,
            })
            .collect();
        let facilities: Vec<Facility> = (0..rng.random_range(0..3))
            .map(|f| Facility {
                facility_id: f.to_string(),
                name: format!("{} {}", pick(rng, &WORDS), town),
                address: Address {
                    city: town.to_string(),
                    postcode: "50001".into(),
                    municipality_code: Some(format!("5{}", rng.random_range(0..6))),
                    ..Address::default()
                },
                location: Some(Location {
                    lat: rng.random_range(48.8..51.0),
                    lon: rng.random_range(12.5..18.8),
                }),
                closed_on: None,
                secret_address: false,
            })
            .collect();
        let mut vacancies = Vec::new();
        for f in &facilities {
            if rng.random_bool(0.4) {
                continue;
            }
            vacancies.push(VacancyView {
                facility_id: f.facility_id.clone(),
                form: Form::Residential,
                unit: CapacityUnit::Beds,
                free_places: rng.random_range(0..3),
                reported_at: now - time::Duration::days(rng.random_range(0..10)),
            });
        }
        let status = *pick(
            rng,
            &[
                ServiceStatus::Active,
                ServiceStatus::Active,
                ServiceStatus::Suspended,
                ServiceStatus::Ended,
            ],
        );
        ServiceView {
            id: format!("s{i}"),
            provider_ico: format!("{:08}", rng.random_range(0..5)),
            details: ServiceDetails {
                name: format!("{} {} {}", pick(rng, &WORDS), kind_name, town),
                description: format!("{} a {}", pick(rng, &WORDS), pick(rng, &WORDS)),
                kind,
                forms,
                target_groups: (0..rng.random_range(0..3))
                    .map(|_| rng.random_range(1..6).to_string())
                    .collect(),
                age_groups: vec![],
                catchment: Catchment {
                    kraje: (0..rng.random_range(0..3))
                        .map(|_| format!("CZ0{}", rng.random_range(1..5)))
                        .collect(),
                    orp: (0..rng.random_range(0..2))
                        .map(|_| format!("10{}", rng.random_range(0..4)))
                        .collect(),
                    municipalities: vec![],
                },
                facilities,
                opening_hours: String::new(),
                contacts: Contacts::default(),
                registered_on: None,
                categories: (0..rng.random_range(0..2))
                    .map(|_| pick(rng, &["krize", "dluhy", "bydleni"]).to_string())
                    .collect(),
                media: vec![],
            },
            kind_name: kind_name.to_string(),
            paragraph: Some(paragraph.to_string()).filter(|p| !p.is_empty()),
            status,
            last_verified_on: None,
            ended_on: None,
            suspended_until: None,
            vacancies,
            history: vec![],
            version: 1,
            updated_at: now - time::Duration::minutes(rng.random_range(0..100)),
        }
    }

    fn query(rng: &mut StdRng) -> SearchParams {
        let maybe = |rng: &mut StdRng, p: f64| rng.random_bool(p);
        let mut p = SearchParams::default();
        if maybe(rng, 0.7) {
            let words = [
                "azyl",
                "dum",
                "domov",
                "senior",
                "decin",
                "noclehy",
                "pro",
                "azylovy dum",
                "denni stacionar",
                "terénní rodin",
                "zlin most",
            ];
            p.q = Some(pick(rng, &words).to_string());
        }
        if maybe(rng, 0.2) {
            p.kind = Some(KINDS[rng.random_range(0..KINDS.len())].0);
        }
        if maybe(rng, 0.15) {
            p.paragraph = Some(pick(rng, &["57", "63", "37"]).to_string());
        }
        if maybe(rng, 0.2) {
            p.target_group = Some(rng.random_range(1..6).to_string());
        }
        if maybe(rng, 0.2) {
            p.form = Some(*pick(rng, &FORMS));
        }
        if maybe(rng, 0.2) {
            p.kraj = Some(format!("CZ0{}", rng.random_range(1..5)));
        }
        if maybe(rng, 0.1) {
            p.orp = Some(format!("10{}", rng.random_range(0..4)));
        }
        if maybe(rng, 0.1) {
            p.municipality = Some(format!("5{}", rng.random_range(0..6)));
        }
        if maybe(rng, 0.1) {
            p.category = Some(pick(rng, &["krize", "dluhy"]).to_string());
        }
        if maybe(rng, 0.1) {
            p.provider_ico = Some(format!("{:08}", rng.random_range(0..5)));
        }
        p.free_now = maybe(rng, 0.15);
        p.include_inactive = maybe(rng, 0.3);
        if maybe(rng, 0.3) {
            p.lat = Some(rng.random_range(49.0..50.8));
            p.lon = Some(rng.random_range(13.0..18.0));
            if maybe(rng, 0.5) {
                p.radius_km = Some(rng.random_range(20.0..200.0));
            }
        }
        let sorts = ["relevance", "name", "free_places", "updated", "distance"];
        if maybe(rng, 0.5) {
            let sort = *pick(rng, &sorts);
            if sort != "distance" || p.lat.is_some() {
                p.sort = Some(sort.to_string());
            }
        }
        p.page = Some(rng.random_range(1..4));
        p.per_page = Some(*pick(rng, &[1, 5, 20]));
        p
    }

    /// The search as it was before the index kept sets: every service looked at.
    fn reference(index: &Index, p: &SearchParams, now: OffsetDateTime) -> SearchResult {
        let from = super::point(index, p).expect("a valid point");
        let words = crate::text::query_words(p.q.as_deref().unwrap_or(""));
        let parts = crate::synonyms::parts(&words);
        let order = super::order_of(p, from).to_string();
        let area = super::filters(index, p);
        let value = |f| {
            area.values
                .iter()
                .find(|(field, _)| *field == f)
                .map(|(_, v)| v.clone())
        };
        use crate::index::Field;
        let (kraj, orp) = (value(Field::Kraj), value(Field::Orp));
        let passes = |e: &ServiceEntry| {
            let d = &e.view.details;
            (p.include_inactive || e.active())
                && p.kind.is_none_or(|k| d.kind == k)
                && p.paragraph
                    .as_deref()
                    .is_none_or(|x| e.view.paragraph.as_deref() == Some(x))
                && p.target_group
                    .as_ref()
                    .is_none_or(|g| d.target_groups.contains(g))
                && p.form.is_none_or(|f| d.forms.iter().any(|x| x.form == f))
                && kraj.as_ref().is_none_or(|k| e.kraje.contains(k))
                && orp.as_ref().is_none_or(|o| e.orp.contains(o))
                && p.municipality
                    .as_ref()
                    .is_none_or(|m| e.municipalities.contains(m))
                && p.category.as_ref().is_none_or(|c| d.categories.contains(c))
                && p.provider_ico
                    .as_ref()
                    .is_none_or(|i| &e.view.provider_ico == i)
                && (!p.free_now || e.free_now(now) > 0)
        };
        let matches = |e: &ServiceEntry| {
            parts.iter().all(|part| {
                part.words.iter().all(|w| e.has_word(w))
                    || part.kinds.contains(&e.view.details.kind)
            })
        };
        let mut found: Vec<(&ServiceEntry, Option<f64>, usize)> = index
            .services()
            .filter(|e| matches(e) && passes(e))
            .map(|e| (e, from.and_then(|l| e.distance_km(&l))))
            .filter(|(_, d)| p.radius_km.is_none_or(|r| d.is_some_and(|d| d <= r)))
            .map(|(e, d)| {
                let score = if order == "relevance" {
                    words.iter().map(|w| e.relevance(w)).sum()
                } else {
                    0
                };
                (e, d, score)
            })
            .collect();
        let mut facets = Facets::default();
        for (e, _, _) in &found {
            let d = &e.view.details;
            *facets.kind.entry(d.kind).or_default() += 1;
            for g in d
                .target_groups
                .iter()
                .collect::<std::collections::BTreeSet<_>>()
            {
                *facets.target_group.entry(g.clone()).or_default() += 1;
            }
            for f in d
                .forms
                .iter()
                .map(|f| f.form)
                .collect::<std::collections::BTreeSet<_>>()
            {
                let code = serde_json::to_value(f).expect("a form");
                *facets
                    .form
                    .entry(code.as_str().expect("a code").to_string())
                    .or_default() += 1;
            }
            for k in &e.kraje {
                *facets.kraj.entry(k.clone()).or_default() += 1;
            }
        }
        let by_name = |a: &ServiceEntry, b: &ServiceEntry| {
            a.sort_name
                .cmp(&b.sort_name)
                .then_with(|| a.view.id.cmp(&b.view.id))
        };
        found.sort_by(|a, b| {
            let first = match order.as_str() {
                "relevance" => b.2.cmp(&a.2),
                "name" => std::cmp::Ordering::Equal,
                "distance" => a.1.unwrap_or(f64::MAX).total_cmp(&b.1.unwrap_or(f64::MAX)),
                "free_places" => b.0.free_now(now).cmp(&a.0.free_now(now)),
                "updated" => b.0.view.updated_at.cmp(&a.0.view.updated_at),
                other => panic!("no order {other}"),
            };
            first.then_with(|| by_name(a.0, b.0))
        });
        let (page, per_page) = (p.page.unwrap_or(1), p.per_page.unwrap_or(20));
        let items: Vec<Hit> = found
            .iter()
            .skip((page - 1) * per_page)
            .take(per_page)
            .map(|(e, d, _)| super::hit(e, *d, now))
            .collect();
        SearchResult {
            total: found.len(),
            page,
            per_page,
            items,
            facets,
        }
    }

    #[test]
    fn the_sets_of_the_index_answer_as_a_look_at_every_service() {
        let now = OffsetDateTime::now_utc();
        let mut rng = StdRng::seed_from_u64(2026);
        let mut index = Index::new(std::sync::Arc::default());
        for i in 0..600 {
            index.put_service(service(&mut rng, i, now));
        }
        // Changed and removed services leave no trace in the sets.
        for i in (0..600).step_by(7) {
            index.put_service(service(&mut rng, i, now));
        }
        for i in (0..600).step_by(13) {
            index.remove_service(&format!("s{i}"));
        }
        let mut asked = 0;
        let mut hits = 0;
        for _ in 0..3000 {
            let p = query(&mut rng);
            let got =
                serde_json::to_value(run(&index, &p, now).expect("a valid query")).expect("JSON");
            let want = serde_json::to_value(reference(&index, &p, now)).expect("JSON");
            assert_eq!(got, want, "{p:?}");
            asked += 1;
            hits += got["total"].as_u64().unwrap_or(0);
        }
        assert!(
            hits > asked * 5,
            "the queries find services ({hits} for {asked} queries)"
        );
    }

    #[test]
    fn the_facets_count_values_past_the_numbered_ones() {
        let now = OffsetDateTime::now_utc();
        let mut rng = StdRng::seed_from_u64(64);
        let mut index = Index::new(std::sync::Arc::default());
        for i in 0..(crate::facts::NUMBERED * 2 + 10) {
            let mut s = service(&mut rng, i, now);
            s.status = ServiceStatus::Active;
            s.details.kind = 1000 + u16::try_from(i % 100).expect("a kind");
            s.details.target_groups = vec![format!("g{i}"), format!("g{}", i / 2)];
            s.details.catchment.kraje = vec![format!("K{}", i % 90)];
            index.put_service(s);
        }
        for q in ["", "azyl", "dum", "senior"] {
            let p = SearchParams {
                q: Some(q.to_string()),
                ..SearchParams::default()
            };
            let got =
                serde_json::to_value(run(&index, &p, now).expect("a valid query")).expect("JSON");
            let want = serde_json::to_value(reference(&index, &p, now)).expect("JSON");
            assert_eq!(got, want, "{q}");
        }
        let all = run(&index, &SearchParams::default(), now).expect("a valid query");
        assert_eq!(all.facets.kind.len(), 100, "every kind, numbered or not");
        assert_eq!(
            all.facets.target_group["g0"], 2,
            "a service counts once a value"
        );
        assert_eq!(all.facets.target_group.len(), all.total);
        assert_eq!(all.facets.kraj.len(), 90);
    }
}
