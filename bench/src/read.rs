//! The read side through HTTP (DESIGN.md §4, rows 4 and 5).
//!
//! - `search`: the `portal` binary runs as its own process holding 20,000
//!   services registered through the command API over the real territory;
//!   this process sends search requests (text, filters, distance, facets) at
//!   a fixed rate, open loop: each request is due at its slot and its latency
//!   counts from the slot, so a slow server cannot hide its queue; then the
//!   same mix with every query string distinct, so that none is answered
//!   from the search cache. Baseline in the same run: `GET /health` at the
//!   same rate.
//! - `freshness`: the embedded portal in this process, or the three
//!   distributed services as processes of their own; background vacancy
//!   reports are appended to its store at a fixed rate while a probe sends a
//!   command every 20 ms and asks the query API for the service with
//!   `after=` the command's position: the time from the command's answer to
//!   the query's answer is the freshness. Baseline: the same probe with no
//!   background load.

use super::commands::{post, start};
use super::percentile_ms;
use anyhow::Context;
use events::aggregate::to_new_event;
use events::registry::service::ServiceEvent;
use events::values::codes::KINDS;
use events::values::{CapacityUnit, Form};
use events::{Actor, EventMetadata, ExpectedVersion, StreamRef};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde_json::{json, Value};
use std::sync::Arc;
use std::time::{Duration, Instant};
use time::OffsetDateTime;

/// What the read benchmarks run.
#[derive(Debug, Clone)]
pub struct ReadConfig {
    /// How long each measurement runs.
    pub seconds: Duration,
    /// Requests per second (search) or background events per second (freshness).
    pub rate: f64,
    /// Services to register (search).
    pub services: usize,
}

fn territory() -> anyhow::Result<(std::path::PathBuf, infra::territory::Territory)> {
    let dir = infra::settings::territory_dir_from_env()
        .context("set PORTAL_TERRITORY_DIR to the territory files")?;
    let t = infra::territory::load_dir(&dir)?;
    Ok((dir, t))
}

fn ico(n: usize) -> String {
    portal::demo::ico(n as u32).to_string()
}

fn after(result: &Value) -> String {
    format!("{}:{}", result["transaction_id"], result["global_position"])
}

/// Registers `n` services of 300 providers over the municipalities, 32 at a time.
async fn register(
    http: &reqwest::Client,
    api: &str,
    token: &str,
    territory: &infra::territory::Territory,
    n: usize,
) -> anyhow::Result<()> {
    let towns: Arc<Vec<(String, String, f64, f64)>> = Arc::new(
        territory
            .municipalities
            .values()
            .filter_map(|m| {
                m.centre
                    .map(|(lat, lon)| (m.code.clone(), m.name.clone(), lat, lon))
            })
            .collect(),
    );
    for p in 0..300 {
        let ico = ico(p);
        let body = json!({ "ico": ico, "name": format!("Poskytovatel {p}"), "address": { "city": "Praha", "postcode": "11000" } });
        post(http, &format!("{api}/providers"), Some(token), &body).await?;
    }
    let next = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let mut tasks = Vec::new();
    for _ in 0..32 {
        let (http, api, token, towns, next) = (
            http.clone(),
            api.to_string(),
            token.to_string(),
            towns.clone(),
            next.clone(),
        );
        tasks.push(tokio::spawn(async move {
            loop {
                let i = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                if i >= n {
                    return anyhow::Ok(());
                }
                let mut rng = StdRng::seed_from_u64(i as u64);
                let (code, name, lat, lon) = &towns[rng.random_range(0..towns.len())];
                let (kind, kind_name, _) = KINDS[rng.random_range(0..KINDS.len())];
                let body = json!({ "provider_ico": ico(i % 300), "details": {
                    "name": format!("{kind_name} {name}"),
                    "description": format!("Služba pro obyvatele obce {name} a okolí."),
                    "kind": kind,
                    "forms": [{ "form": "pob", "capacities": [{ "unit": "luzka", "count": 30 }] }],
                    "target_groups": [format!("{}", rng.random_range(1..28))],
                    "facilities": [{ "facility_id": "1", "name": name, "address": { "city": name, "postcode": "50001", "municipality_code": code }, "location": { "lat": lat, "lon": lon } }]
                } });
                post(&http, &format!("{api}/services"), Some(&token), &body).await?;
            }
        }));
    }
    for t in tasks {
        t.await??;
    }
    Ok(())
}

pub(super) fn search_paths(n: usize) -> Vec<String> {
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
        "denni%20stacionar",
        "osobni%20asist",
    ];
    let kraje = ["CZ010", "CZ042", "CZ064", "CZ080", "CZ020"];
    (0..n)
        .map(|_| {
            let w = words[rng.random_range(0..words.len())];
            match rng.random_range(0..4) {
                0 => format!("q={w}"),
                1 => format!("q={w}&kraj={}", kraje[rng.random_range(0..kraje.len())]),
                2 => format!(
                    "kind={}&lat={:.4}&lon={:.4}&radius_km=25",
                    KINDS[rng.random_range(0..KINDS.len())].0,
                    rng.random_range(48.8..50.9),
                    rng.random_range(12.5..18.5)
                ),
                _ => format!("q={w}&form=pob&lat=50.08&lon=14.43&sort=distance"),
            }
        })
        .collect()
}

/// Sends `urls` at `rate` per second, open loop (at most 512 in flight);
/// latencies count from each request's slot.
pub(super) async fn open_loop(
    http: &reqwest::Client,
    urls: Vec<String>,
    rate: f64,
) -> anyhow::Result<(f64, Vec<Duration>)> {
    let limit = Arc::new(tokio::sync::Semaphore::new(512));
    let started = tokio::time::Instant::now();
    let mut tasks = tokio::task::JoinSet::new();
    for (i, url) in urls.into_iter().enumerate() {
        let due = started + Duration::from_secs_f64(i as f64 / rate);
        tokio::time::sleep_until(due).await;
        let permit = limit.clone().acquire_owned().await?;
        let http = http.clone();
        tasks.spawn(async move {
            let response = http.get(&url).send().await?;
            anyhow::ensure!(
                response.status().is_success(),
                "{url}: {}",
                response.status()
            );
            response.bytes().await?;
            drop(permit);
            anyhow::Ok(due.elapsed())
        });
    }
    let mut latencies = Vec::new();
    while let Some(done) = tasks.join_next().await {
        latencies.push(done??);
    }
    let achieved = latencies.len() as f64 / started.elapsed().as_secs_f64();
    latencies.sort_unstable();
    Ok((achieved, latencies))
}

fn row(what: &str, rate: f64, l: &[Duration]) -> String {
    format!(
        "| {what} | {rate:.0} | {:.2} | {:.2} | {:.2} | {:.2} |",
        percentile_ms(l, 50.0),
        percentile_ms(l, 99.0),
        percentile_ms(l, 99.9),
        percentile_ms(l, 100.0),
    )
}

/// Search through HTTP from this process against the `portal` binary.
///
/// # Errors
/// When the server cannot be started or a request fails.
pub async fn search(config: &ReadConfig) -> anyhow::Result<String> {
    let (dir, territory) = territory()?;
    let (server, password) = start(
        "embedded",
        &[
            ("PORTAL_DEMO_DATA", "0".into()),
            ("PORTAL_TERRITORY_DIR", dir.display().to_string()),
        ],
    )?;
    let api = format!("{}/api/v1", server.base);
    let http = reqwest::Client::builder()
        .pool_max_idle_per_host(512)
        .build()?;
    let login = json!({ "login": "admin", "password": password });
    let token = post(&http, &format!("{api}/auth/login"), None, &login).await?["token"]
        .as_str()
        .context("token")?
        .to_string();
    let t = Instant::now();
    register(&http, &api, &token, &territory, config.services).await?;
    let registered = t.elapsed();
    // Until the index holds them all.
    loop {
        let r: Value = http
            .get(format!("{api}/services?per_page=1"))
            .send()
            .await?
            .json()
            .await?;
        if r["total"].as_u64() == Some(config.services as u64) {
            break;
        }
        anyhow::ensure!(t.elapsed() < Duration::from_secs(600), "not indexed: {r}");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let indexed = t.elapsed();
    let n = (config.rate * config.seconds.as_secs_f64()) as usize;
    // Warm up the connections, then measure.
    open_loop(
        &http,
        vec![format!("{}/health", server.base); 500],
        config.rate,
    )
    .await?;
    let health = vec![format!("{}/health", server.base); n];
    let (health_rate, health_lat) = open_loop(&http, health, config.rate).await?;
    let urls: Vec<String> = search_paths(n)
        .into_iter()
        .map(|q| format!("{api}/services?{q}"))
        .collect();
    let (rate, lat) = open_loop(&http, urls, config.rate).await?;
    // The same mix with every query string made distinct (a parameter the
    // search ignores): each is searched, none answered from the cache.
    let distinct: Vec<String> = search_paths(n)
        .into_iter()
        .enumerate()
        .map(|(i, q)| format!("{api}/services?{q}&bench={i}"))
        .collect();
    let (distinct_rate, distinct_lat) = open_loop(&http, distinct, config.rate).await?;
    let memory = server.memory();
    drop(server);
    Ok(format!(
        "{} services registered through the command API in {:.1} s, all searchable after {:.1} s; {memory}\n\n\
         | what (open loop, {:.0} requests/s for {} s) | achieved/s | p50 ms | p99 ms | p99.9 ms | max ms |\n|---|---:|---:|---:|---:|---:|\n{}\n{}\n{}",
        config.services,
        registered.as_secs_f64(),
        indexed.as_secs_f64(),
        config.rate,
        config.seconds.as_secs(),
        row("GET /api/v1/services (text, filters, distance, facets)", rate, &lat),
        row(
            "the same mix, every query string distinct (searched each time)",
            distinct_rate,
            &distinct_lat
        ),
        row("baseline: GET /health", health_rate, &health_lat),
    ))
}

/// Where the freshness is measured: the command and query APIs, the log the
/// background load is appended to, and what to stop afterwards.
struct Stack {
    commands: String,
    queries: String,
    store: infra::event_store::DynEventStore,
    password: String,
    /// The processes whose CPU time is reported, by name (none in process).
    processes: Vec<(&'static str, u32)>,
    /// What to drop afterwards: the schema, stream and database of the run (distributed).
    cleanup: Vec<(&'static str, String)>,
    /// The read models, to time when the projection has applied a change (distributed).
    read_models: Option<infra::read_model::DynReadModelStore>,
    stop: Box<dyn FnOnce() + Send>,
}

/// The embedded portal in this process.
async fn embedded() -> anyhow::Result<Stack> {
    let data = std::env::temp_dir().join(format!("portal-bench-{}", uuid::Uuid::now_v7().simple()));
    let settings = portal::Settings {
        http: infra::settings::HttpSettings::for_tests(),
        data_dir: data.clone(),
        territory_dir: infra::settings::territory_dir_from_env(),
        codelists_dir: None,
        demo_data: false,
        site: query_service::web::Site::default(),
        notify: Default::default(),
        notifications: projection_service::notifications::Rules {
            enabled: false,
            ..Default::default()
        },
    };
    let app = portal::Application::build(settings).await?;
    let (base, store, shutdown) = (
        format!("http://{}/api/v1", app.addr()),
        app.event_store(),
        app.shutdown_handle(),
    );
    let running = tokio::spawn(app.run_until_stopped());
    let password = std::fs::read_to_string(data.join("admin-password"))?
        .trim()
        .to_string();
    Ok(Stack {
        commands: base.clone(),
        queries: base,
        store,
        password,
        processes: vec![("bench (with the embedded portal)", std::process::id())],
        read_models: None,
        cleanup: Vec::new(),
        stop: Box::new(move || {
            shutdown.trigger();
            drop(running);
            let _ = std::fs::remove_dir_all(&data);
        }),
    })
}

/// The three services as processes of their own on PostgreSQL, NATS and
/// ClickHouse: command → outbox → JetStream → projection → PostgreSQL → query.
async fn distributed() -> anyhow::Result<Stack> {
    use super::commands::{distributed_env, spawn, PASSWORD};
    let env = distributed_env()?;
    let with = |var: &'static str| {
        let mut e = env.clone();
        e.push((var, "127.0.0.1:0".to_string()));
        e
    };
    let command = spawn("command-service", &with("COMMAND_SERVICE_ADDR"))?;
    let projection = spawn("projection-service", &with("PROJECTION_SERVICE_ADDR"))?;
    let query = spawn("query-service", &with("QUERY_SERVICE_ADDR"))?;
    let value = |k: &str| {
        env.iter()
            .find(|(n, _)| *n == k)
            .map(|(_, v)| v.clone())
            .unwrap_or_default()
    };
    let pg = infra::postgres::PgSettings {
        url: value("DATABASE_URL"),
        schema: value("DATABASE_SCHEMA"),
        pool_size: 16,
    };
    let pg_store = infra::event_store::postgres::PostgresEventStore::connect(&pg).await?;
    let read_models: infra::read_model::DynReadModelStore = Arc::new(
        infra::read_model::postgres::PostgresReadModelStore::new(pg_store.pool().clone()).await?,
    );
    let store: infra::event_store::DynEventStore = Arc::new(pg_store);
    Ok(Stack {
        read_models: Some(read_models),
        commands: format!("{}/api/v1", command.base),
        queries: format!("{}/api/v1", query.base),
        store,
        password: PASSWORD.to_string(),
        processes: vec![
            ("command-service", command.pid()),
            ("projection-service", projection.pid()),
            ("query-service", query.pid()),
            ("bench", std::process::id()),
        ],
        cleanup: env.clone(),
        stop: Box::new(move || drop((command, projection, query))),
    })
}

/// Freshness under background load: in the embedded portal, or across the
/// distributed services (`mode`).
///
/// # Errors
/// When the services cannot be started or a request fails.
pub async fn freshness(config: &ReadConfig, mode: &str) -> anyhow::Result<String> {
    let stack = match mode {
        "embedded" => embedded().await?,
        "distributed" => distributed().await?,
        other => anyhow::bail!("unknown mode {other:?}: embedded or distributed"),
    };
    let (api, queries, store) = (
        stack.commands.clone(),
        stack.queries.clone(),
        stack.store.clone(),
    );
    let http = reqwest::Client::new();
    let login = json!({ "login": "admin", "password": stack.password });
    let token = post(&http, &format!("{api}/auth/login"), None, &login).await?["token"]
        .as_str()
        .context("token")?
        .to_string();
    post(
        &http,
        &format!("{api}/providers"),
        Some(&token),
        &json!({ "ico": ico(0), "name": "Benchmark", "address": { "city": "Děčín", "postcode": "40502" } }),
    )
    .await?;
    let mut services = Vec::new();
    for i in 0..101 {
        let body = json!({ "provider_ico": ico(0), "details": {
            "name": format!("Azylový dům {i}"), "kind": 20,
            "forms": [{ "form": "pob", "capacities": [{ "unit": "luzka", "count": 1000 }] }],
            "facilities": [{ "facility_id": "A", "name": "Dům", "address": { "city": "Děčín", "postcode": "40502" } }]
        } });
        let r = post(&http, &format!("{api}/services"), Some(&token), &body).await?;
        services.push(r["stream_id"].as_str().context("id")?.to_string());
    }
    let probe_id = services.pop().context("a probe")?;
    let probe = |seconds: Duration| {
        let (http, api, queries, token, id, rm) = (
            http.clone(),
            api.clone(),
            queries.clone(),
            token.clone(),
            probe_id.clone(),
            stack.read_models.clone(),
        );
        async move {
            let mut fresh = Vec::new();
            let mut applied = Vec::new();
            let deadline = Instant::now() + seconds;
            let mut n = 0;
            while Instant::now() < deadline {
                n += 1;
                let body = json!({ "facility_id": "A", "form": "pob", "unit": "luzka", "free_places": n % 1000 });
                let r = post(
                    &http,
                    &format!("{api}/services/{id}/vacancies"),
                    Some(&token),
                    &body,
                )
                .await?;
                let accepted = Instant::now();
                // When the projection's checkpoint passes the change (distributed only).
                let watcher = rm.clone().map(|rm| {
                    let position = infra::event_store::LogPosition {
                        transaction_id: r["transaction_id"].as_u64().unwrap_or(0),
                        global_position: r["global_position"].as_u64().unwrap_or(0),
                    };
                    tokio::spawn(async move {
                        loop {
                            let g = rm.active_generation().await?;
                            if rm
                                .checkpoint(g, "registry")
                                .await?
                                .is_some_and(|c| c >= position)
                            {
                                return anyhow::Ok(accepted.elapsed());
                            }
                            tokio::time::sleep(Duration::from_millis(1)).await;
                        }
                    })
                });
                let seen: Value = http
                    .get(format!("{queries}/services/{id}?after={}", after(&r)))
                    .send()
                    .await?
                    .json()
                    .await?;
                fresh.push(accepted.elapsed());
                if let Some(w) = watcher {
                    applied.push(w.await??);
                }
                anyhow::ensure!(
                    seen["vacancies"][0]["free_places"] == n % 1000,
                    "not visible: {seen}"
                );
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
            fresh.sort_unstable();
            applied.sort_unstable();
            anyhow::Ok((fresh, applied))
        }
    };
    let (idle, idle_applied) = probe(Duration::from_secs(3)).await?;
    // Background: every 10 ms, appends of 10 vacancy reports each to
    // services in turn, as many as the rate asks for.
    let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let (loader, stopped) = (store.clone(), stop.clone());
    let per_tick = (config.rate / 100.0).round().max(10.0) as usize;
    let background = tokio::spawn(async move {
        let started = tokio::time::Instant::now();
        let mut written = 0usize;
        let mut tick = 0u64;
        while !stopped.load(std::sync::atomic::Ordering::Relaxed) {
            tick += 1;
            tokio::time::sleep_until(started + Duration::from_millis(10 * tick)).await;
            let now = OffsetDateTime::now_utc();
            let mut appends = tokio::task::JoinSet::new();
            for a in 0..per_tick / 10 {
                let id = &services[(tick as usize * 7 + a) % services.len()];
                let events = (0..10)
                    .map(|k| {
                        let e = ServiceEvent::VacancyReported {
                            facility_id: "A".into(),
                            form: Form::Residential,
                            unit: CapacityUnit::Beds,
                            free_places: (tick as i64 + k) % 1000,
                            reported_at: now,
                        };
                        to_new_event(&e, now)
                    })
                    .collect();
                let store = loader.clone();
                let stream = StreamRef::new("service", id);
                appends.spawn(async move {
                    store
                        .append(
                            &stream,
                            ExpectedVersion::Any,
                            events,
                            &EventMetadata::new(Actor::system()),
                        )
                        .await
                });
            }
            while let Some(r) = appends.join_next().await {
                r??;
                written += 10;
            }
        }
        anyhow::Ok((written, started.elapsed()))
    });
    use super::commands::{cpu_seconds, machine_cpu};
    let cpu_before: Vec<f64> = stack
        .processes
        .iter()
        .map(|(_, p)| cpu_seconds(*p))
        .collect();
    let machine_before = machine_cpu();
    let (loaded, loaded_applied) = probe(config.seconds).await?;
    let machine_after = machine_cpu();
    let cpu: Vec<String> = stack
        .processes
        .iter()
        .zip(cpu_before)
        .map(|((name, pid), before)| {
            format!(
                "{name} {:.0} %",
                100.0 * (cpu_seconds(*pid) - before) / config.seconds.as_secs_f64()
            )
        })
        .collect();
    let busy = (machine_after.0 - machine_before.0) / (machine_after.1 - machine_before.1);
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    let (written, took) = background.await??;
    (stack.stop)();
    super::commands::clean_up(&stack.cleanup).await;
    let event_rate = written as f64 / took.as_secs_f64();
    Ok(format!(
        "| load | background events/s | probes | p50 ms | p99 ms | p99.9 ms | max ms |\n|---|---:|---:|---:|---:|---:|---:|\n\
         {}\n{}",
        row_n(&format!("{event_rate:.0} events/s (target {:.0})", config.rate), event_rate, &loaded),
        row_n("baseline: no background load", 0.0, &idle),
    ) + &if loaded_applied.is_empty() {
        String::new()
    } else {
        format!(
            "\n{}\n{}",
            row_n("… of which applied by the projection (checkpoint), under load", event_rate, &loaded_applied),
            row_n("… of which applied by the projection, no load", 0.0, &idle_applied),
        )
    } + &format!(
        "\n\nUnder load: the machine's CPUs were {:.0} % busy; of one core: {}.",
        100.0 * busy,
        cpu.join(", ")
    ))
}

fn row_n(what: &str, rate: f64, l: &[Duration]) -> String {
    format!(
        "| {what} | {rate:.0} | {} | {:.2} | {:.2} | {:.2} | {:.2} |",
        l.len(),
        percentile_ms(l, 50.0),
        percentile_ms(l, 99.0),
        percentile_ms(l, 99.9),
        percentile_ms(l, 100.0),
    )
}
