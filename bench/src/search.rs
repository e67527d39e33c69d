//! Registry search (DESIGN.md §4, row 5) on the query service's in-memory
//! index: 20,000 services spread over the real territory, queries mixing
//! text, filters and distance. Baseline in the same run: the same queries
//! answered by a plain scan that normalises and compares every service's
//! text (what one writes without an index).

use super::percentile_ms;
use events::registry::service::{
    Capacity, Catchment, Facility, FormSpec, ServiceDetails, ServiceStatus,
};
use events::values::codes::KINDS;
use events::values::{Address, CapacityUnit, Contacts, Form, Location};
use query_service::api::search::{run, SearchParams};
use query_service::index::Index;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use read_models::registry::{ProviderView, ServiceView};
use std::sync::Arc;
use std::time::{Duration, Instant};
use time::OffsetDateTime;

fn services(territory: &infra::territory::Territory, n: usize) -> Vec<ServiceView> {
    let mut rng = StdRng::seed_from_u64(7);
    let towns: Vec<_> = territory
        .municipalities
        .values()
        .filter(|m| m.centre.is_some())
        .collect();
    let now = OffsetDateTime::now_utc();
    (0..n)
        .map(|i| {
            let m = towns[rng.random_range(0..towns.len())];
            let (lat, lon) = m.centre.unwrap_or((50.0, 15.0));
            let (kind, kind_name, paragraph) = KINDS[rng.random_range(0..KINDS.len())];
            ServiceView {
                id: format!("s{i}"),
                provider_ico: format!("9{:07}", i % 3000),
                details: ServiceDetails {
                    name: format!("{kind_name} {}", m.name),
                    description: format!("Služba pro obyvatele obce {} a okolí.", m.name),
                    kind,
                    forms: vec![FormSpec {
                        form: Form::Residential,
                        capacities: vec![Capacity {
                            unit: CapacityUnit::Beds,
                            count: 30,
                        }],
                        non_stop: false,
                    }],
                    target_groups: vec![format!("{}", rng.random_range(1..28))],
                    age_groups: vec![],
                    catchment: Catchment::default(),
                    facilities: vec![Facility {
                        closed_on: None,
                        secret_address: false,
                        facility_id: "1".into(),
                        name: m.name.clone(),
                        address: Address {
                            city: m.name.clone(),
                            postcode: "50001".into(),
                            municipality_code: Some(m.code.clone()),
                            ..Address::default()
                        },
                        location: Some(Location { lat, lon }),
                    }],
                    opening_hours: String::new(),
                    contacts: Contacts::default(),
                    registered_on: None,
                    categories: vec![],
                    media: Vec::new(),
                },
                kind_name: kind_name.to_string(),
                paragraph: Some(paragraph.to_string()).filter(|p| !p.is_empty()),
                status: ServiceStatus::Active,
                last_verified_on: None,
                ended_on: None,
                suspended_until: None,
                vacancies: if query_service::api::map::MAP_VACANCY_KINDS.contains(&kind) {
                    vec![read_models::registry::VacancyView {
                        facility_id: "1".into(),
                        form: Form::Residential,
                        unit: CapacityUnit::Beds,
                        free_places: rng.random_range(0..10),
                        reported_at: now,
                    }]
                } else {
                    vec![]
                },
                history: vec![],
                version: 1,
                updated_at: now,
            }
        })
        .collect()
}

fn queries(n: usize) -> Vec<SearchParams> {
    let mut rng = StdRng::seed_from_u64(11);
    let words = [
        "azyl",
        "decin",
        "domov",
        "senior",
        "praha",
        "brno",
        "poradenstvi",
        "nocleh",
        "terenni",
        "ostrava",
        "denni stacionar",
        "osobni asist",
    ];
    let kraje = ["CZ010", "CZ042", "CZ064", "CZ080", "CZ020"];
    (0..n)
        .map(|_| {
            let mut p = SearchParams::default();
            match rng.random_range(0..4) {
                0 => p.q = Some(words[rng.random_range(0..words.len())].to_string()),
                1 => {
                    p.q = Some(words[rng.random_range(0..words.len())].to_string());
                    p.kraj = Some(kraje[rng.random_range(0..kraje.len())].to_string());
                }
                2 => {
                    p.kind = Some(KINDS[rng.random_range(0..KINDS.len())].0);
                    p.lat = Some(rng.random_range(48.8..50.9));
                    p.lon = Some(rng.random_range(12.5..18.5));
                    p.radius_km = Some(25.0);
                }
                _ => {
                    p.q = Some(words[rng.random_range(0..words.len())].to_string());
                    p.form = Some(Form::Residential);
                    p.lat = Some(50.08);
                    p.lon = Some(14.43);
                }
            }
            p
        })
        .collect()
}

/// The naive baseline: normalise and compare every service's text per query.
fn scan(all: &[ServiceView], p: &SearchParams) -> usize {
    let q: Vec<String> =
        p.q.as_deref()
            .map(query_service::text::words)
            .unwrap_or_default();
    all.iter()
        .filter(|s| {
            let text = query_service::text::words(&format!(
                "{} {} {}",
                s.details.name, s.details.description, s.kind_name
            ));
            q.iter()
                .all(|w| text.iter().any(|t| t.starts_with(w.as_str())))
                && p.kind.is_none_or(|k| s.details.kind == k)
                && match (p.lat, p.lon, p.radius_km) {
                    (Some(lat), Some(lon), Some(r)) => s
                        .details
                        .facilities
                        .iter()
                        .filter_map(|f| f.location)
                        .any(|l| l.distance_km(&Location { lat, lon }) <= r),
                    _ => true,
                }
        })
        .count()
}

/// The baseline of the map: services by kind and free places per area by a
/// walk over every service (the way before per-area counts).
fn walk_all(index: &Index, i: usize, kraje: &[String], now: OffsetDateTime) -> usize {
    use std::collections::{BTreeMap, HashMap};
    let t = index.territory();
    let level = ["kraj", "orp", "country"][i % 3];
    let orp_of = |code: &String| t.orp.get(code).map(|o| &o.kraj_nuts);
    let mut areas: HashMap<&String, (usize, BTreeMap<u16, i64>)> = HashMap::new();
    for e in index.services().filter(|e| e.active()) {
        let codes: Vec<&String> = match level {
            "kraj" => e.kraje.iter().collect(),
            "orp" => e
                .orp
                .iter()
                .filter(|o| orp_of(o) == Some(&kraje[i % kraje.len()]))
                .collect(),
            _ => vec![&kraje[0]],
        };
        let free = e.free_now(now);
        for code in codes {
            let a = areas.entry(code).or_default();
            a.0 += 1;
            *a.1.entry(e.view.details.kind).or_default() += free;
        }
    }
    areas.len()
}

/// Measures and returns a Markdown table.
///
/// # Errors
/// When the territory cannot be loaded (`PORTAL_TERRITORY_DIR` or `../shared/data/territory`).
pub fn measure(n_services: usize, n_queries: usize) -> anyhow::Result<String> {
    let dir = infra::settings::territory_dir_from_env()
        .ok_or_else(|| anyhow::anyhow!("set PORTAL_TERRITORY_DIR to the territory files"))?;
    let territory = Arc::new(infra::territory::load_dir(&dir)?);
    let all = services(&territory, n_services);
    let started = Instant::now();
    let mut index = Index::new(territory);
    for i in 0..3000 {
        index.put_provider(ProviderView {
            ico: format!("9{i:07}"),
            name: format!("Poskytovatel {i}"),
            legal_form: None,
            address: Address::default(),
            contacts: Contacts::default(),
            status: events::registry::provider::ProviderStatus::Active,
            verified_at: None,
            version: 1,
            updated_at: OffsetDateTime::now_utc(),
        });
    }
    for s in &all {
        index.put_service(s.clone());
    }
    let build = started.elapsed();
    let qs = queries(n_queries);
    let now = OffsetDateTime::now_utc();
    let mut latencies: Vec<Duration> = Vec::with_capacity(qs.len());
    let started = Instant::now();
    let mut hits = 0;
    for q in &qs {
        let t = Instant::now();
        hits += run(&index, q, now)
            .map_err(|p| anyhow::anyhow!("{:?}", p.detail))?
            .total;
        latencies.push(t.elapsed());
    }
    let rate = qs.len() as f64 / started.elapsed().as_secs_f64();
    if std::env::var("BENCH_SHOW_SLOWEST").is_ok() {
        let t = Instant::now();
        let m = index.matching("domov");
        eprintln!("matching domov: {} in {:?}", m.len(), t.elapsed());
        let p = SearchParams {
            q: Some("domov".into()),
            ..SearchParams::default()
        };
        let t = Instant::now();
        let r = run(&index, &p, now).map_err(|p| anyhow::anyhow!("{:?}", p.detail))?;
        eprintln!("run domov: {} in {:?}", r.total, t.elapsed());
        let mut order: Vec<usize> = (0..qs.len()).collect();
        order.sort_by_key(|&i| std::cmp::Reverse(latencies[i]));
        for &i in order.iter().take(5) {
            eprintln!("{:?} {:?}", latencies[i], qs[i]);
        }
    }
    latencies.sort_unstable();
    let mut base: Vec<Duration> = Vec::new();
    let started = Instant::now();
    for q in qs.iter().take(200) {
        let t = Instant::now();
        std::hint::black_box(scan(&all, q));
        base.push(t.elapsed());
    }
    let base_rate = base.len() as f64 / started.elapsed().as_secs_f64();
    base.sort_unstable();
    // Map aggregates as the API serves them (cached until the index changes,
    // at most 1 s): country, kraje, and the ORP of each kraj in turn; and
    // under change: a vacancy report or a service change before every request,
    // so that each is computed afresh. Baseline: the same areas by a walk
    // over every service (how they were computed before the per-area counts).
    let kraje: Vec<String> = index.territory().kraje.keys().cloned().collect();
    let request = |index: &Index, i: usize| {
        let areas = match i % 3 {
            0 => index.map_areas("kraj", None, now),
            1 => index.map_areas("orp", Some(&kraje[i % kraje.len()]), now),
            _ => index.map_areas("country", None, now),
        };
        areas
            .map(|a| a.len())
            .map_err(|p| anyhow::anyhow!("{:?}", p.detail))
    };
    let mut map: Vec<Duration> = Vec::new();
    for i in 0..300 {
        let t = Instant::now();
        std::hint::black_box(request(&index, i)?);
        map.push(t.elapsed());
    }
    map.sort_unstable();
    let mut rng = StdRng::seed_from_u64(5);
    let mut changed: Vec<Duration> = Vec::new();
    let mut walked: Vec<Duration> = Vec::new();
    for i in 0..600 {
        let mut view = all[rng.random_range(0..all.len())].clone();
        view.vacancies = vec![read_models::registry::VacancyView {
            facility_id: "1".into(),
            form: Form::Residential,
            unit: CapacityUnit::Beds,
            free_places: rng.random_range(0..30),
            reported_at: now,
        }];
        index.put_service(view);
        let t = Instant::now();
        std::hint::black_box(request(&index, i)?);
        changed.push(t.elapsed());
        if i % 3 == 0 {
            let t = Instant::now();
            std::hint::black_box(walk_all(&index, i, &kraje, now));
            walked.push(t.elapsed());
        }
    }
    changed.sort_unstable();
    walked.sort_unstable();
    Ok(format!(
        "index of {n_services} services built in {:.0} ms; {n_queries} queries, {hits} hits in all\n\n\
         | what | queries/s (one core) | p50 ms | p99 ms | p99.9 ms |\n|---|---:|---:|---:|---:|\n\
         | index: text + filters + distance + facets | {rate:.0} | {:.3} | {:.3} | {:.3} |\n\
         | baseline: plain scan (200 queries) | {base_rate:.0} | {:.3} | {:.3} | {:.3} |\n\
         | map aggregates as served (kraj / ORP of a kraj / country), 300 | – | {:.3} | {:.3} | {:.3} |\n\
         | map aggregates, each after a change (600) | – | {:.3} | {:.3} | {:.3} |\n\
         | baseline: map aggregates by a walk over all services (200) | – | {:.3} | {:.3} | {:.3} |",
        build.as_secs_f64() * 1000.0,
        percentile_ms(&latencies, 50.0),
        percentile_ms(&latencies, 99.0),
        percentile_ms(&latencies, 99.9),
        percentile_ms(&base, 50.0),
        percentile_ms(&base, 99.0),
        percentile_ms(&base, 99.9),
        percentile_ms(&map, 50.0),
        percentile_ms(&map, 99.0),
        percentile_ms(&map, 99.9),
        percentile_ms(&changed, 50.0),
        percentile_ms(&changed, 99.0),
        percentile_ms(&changed, 99.9),
        percentile_ms(&walked, 50.0),
        percentile_ms(&walked, 99.0),
        percentile_ms(&walked, 99.9),
    ))
}
