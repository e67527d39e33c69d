//! The MPSV registry file at national scale (issue 17).
//!
//! - `import`: a registry in the real shape at full size (6,733 services,
//!   18,907 facility rows, generated over the real municipalities) is
//!   imported by `portal import rpss FILE` as an operator runs it, into an
//!   empty store and again into the full one (nothing changed), embedded
//!   and on PostgreSQL: items/s, wall time, peak memory of the importer.
//!   Baseline in the same run: the file only parsed, item by item.
//! - `national`: the embedded portal started on the imported registry; its
//!   answers are checked (services, the 14 kraje and 206 ORP of the map,
//!   HSDS) and then measured under an open-loop search load at a fixed
//!   rate, with the map, statistics and HSDS requests timed one by one.
//!   Baseline: `GET /health` at the same rate.

use super::commands::{binary, clean_up, distributed_env, spawn};
use super::percentile_ms;
use anyhow::Context;
use command_service::import::sample::{write_sample, SampleSpec, SampleTruth};
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// A generated registry file in a folder of its own (removed when dropped).
pub struct SampleFile {
    /// The file.
    pub path: PathBuf,
    /// What it holds.
    pub truth: SampleTruth,
    /// Its size in bytes.
    pub bytes: u64,
    dir: PathBuf,
}

impl Drop for SampleFile {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

fn territory_dir() -> anyhow::Result<PathBuf> {
    infra::settings::territory_dir_from_env()
        .context("set PORTAL_TERRITORY_DIR to the territory files")
}

/// Generates a registry of `services` services in the real shape.
///
/// # Errors
/// When the territory cannot be loaded or the file written.
pub fn sample_file(services: usize) -> anyhow::Result<SampleFile> {
    let territory = infra::territory::load_dir(&territory_dir()?)?;
    let dir = std::env::temp_dir().join(format!("portal-rpss-{}", uuid::Uuid::now_v7().simple()));
    std::fs::create_dir_all(&dir)?;
    let path = dir.join("rpss.json");
    let mut out = std::io::BufWriter::new(std::fs::File::create(&path)?);
    let spec = if services == SampleSpec::NATIONAL.services {
        SampleSpec::NATIONAL
    } else {
        SampleSpec::scaled(services)
    };
    let truth = write_sample(&territory, &spec, &mut out)?;
    drop(out);
    let bytes = std::fs::metadata(&path)?.len();
    Ok(SampleFile {
        path,
        truth,
        bytes,
        dir,
    })
}

/// One run of `portal import rpss`: its wall time, summary line and peak memory.
struct Run {
    took: Duration,
    summary: String,
    peak: String,
}

fn import_once(
    file: &Path,
    data_dir: &Path,
    env: &[(&'static str, String)],
) -> anyhow::Result<Run> {
    let started = Instant::now();
    let output = std::process::Command::new(binary("portal")?)
        .args(["import", "rpss"])
        .arg(file)
        .envs(env.iter().map(|(k, v)| (*k, v)))
        .env("PORTAL_DATA_DIR", data_dir)
        .env("PORTAL_TERRITORY_DIR", territory_dir()?)
        .env("RUST_LOG", "warn")
        .output()?;
    let took = started.elapsed();
    let out = String::from_utf8_lossy(&output.stdout).into_owned();
    anyhow::ensure!(
        output.status.success(),
        "the import failed: {out}{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let line = |prefix: &str| {
        out.lines()
            .find(|l| l.contains(prefix))
            .unwrap_or_default()
            .to_string()
    };
    Ok(Run {
        took,
        summary: line(" items: providers "),
        peak: line("peak memory")
            .rsplit("peak memory ")
            .next()
            .unwrap_or_default()
            .to_string(),
    })
}

/// The file parsed item by item and nothing else: the floor of an import.
async fn parse_only(file: &Path) -> anyhow::Result<(usize, Duration)> {
    let started = Instant::now();
    let (mut items, parsed, _) = command_service::import::stream_items(std::fs::File::open(file)?);
    let mut n = 0;
    while items.recv().await.is_some() {
        n += 1;
    }
    parsed.await??;
    Ok((n, started.elapsed()))
}

/// Measures the import of a generated registry of `services` services in
/// `modes` (`embedded`, `postgres`) and answers a Markdown report.
///
/// # Errors
/// When the file cannot be made, an import fails or a mode is unknown.
pub async fn import(services: usize, modes: &[String]) -> anyhow::Result<String> {
    let t = Instant::now();
    let file = sample_file(services)?;
    let generated = t.elapsed();
    let (parsed, parse_took) = parse_only(&file.path).await?;
    anyhow::ensure!(parsed == file.truth.items, "parsed {parsed} items");
    let rate = |took: Duration| file.truth.items as f64 / took.as_secs_f64();
    let mut rows = vec![format!(
        "| baseline: the file parsed item by item | – | {:.0} | {:.1} | – | – |",
        rate(parse_took),
        parse_took.as_secs_f64()
    )];
    for mode in modes {
        let data =
            std::env::temp_dir().join(format!("portal-bench-{}", uuid::Uuid::now_v7().simple()));
        let env: Vec<(&'static str, String)> = match mode.as_str() {
            "embedded" => Vec::new(),
            "postgres" => distributed_env()?
                .into_iter()
                .filter(|(k, _)| k.starts_with("DATABASE"))
                .collect(),
            other => anyhow::bail!("unknown mode {other:?}: embedded or postgres"),
        };
        let runs = [
            ("into an empty store", import_once(&file.path, &data, &env)),
            (
                "again, nothing changed",
                import_once(&file.path, &data, &env),
            ),
        ];
        let _ = std::fs::remove_dir_all(&data);
        clean_up(&env).await;
        for (what, run) in runs {
            let run = run?;
            rows.push(format!(
                "| {mode}: {what} | {} | {:.0} | {:.1} | {} | {} |",
                file.truth.items,
                rate(run.took),
                run.took.as_secs_f64(),
                run.peak,
                run.summary
            ));
        }
    }
    Ok(format!(
        "registry in the real shape: {} services, {} facility rows ({} distinct, {} closed, {} with a secret address), {} providers, {:.1} MB, generated in {:.1} s\n\n\
         | what | items | items/s | wall s | peak memory | summary |\n|---|---:|---:|---:|---:|---|\n{}",
        file.truth.items,
        file.truth.facility_rows,
        file.truth.facilities,
        file.truth.closed_facilities,
        file.truth.secret_addresses,
        file.truth.providers,
        file.bytes as f64 / 1e6,
        generated.as_secs_f64(),
        rows.join("\n")
    ))
}

async fn get_json(http: &reqwest::Client, url: &str) -> anyhow::Result<Value> {
    let response = http.get(url).send().await?;
    anyhow::ensure!(
        response.status().is_success(),
        "{url}: {}",
        response.status()
    );
    Ok(response.json().await?)
}

/// Times `n` sequential GETs of each URL in turn.
async fn timed(http: &reqwest::Client, urls: &[String], n: usize) -> anyhow::Result<Vec<Duration>> {
    let mut latencies = Vec::with_capacity(n);
    for i in 0..n {
        let t = Instant::now();
        let response = http.get(&urls[i % urls.len()]).send().await?;
        anyhow::ensure!(
            response.status().is_success(),
            "{}: {}",
            urls[i % urls.len()],
            response.status()
        );
        response.bytes().await?;
        latencies.push(t.elapsed());
    }
    latencies.sort_unstable();
    Ok(latencies)
}

fn row(what: &str, l: &[Duration]) -> String {
    format!(
        "| {what} | {} | {:.2} | {:.2} | {:.2} |",
        l.len(),
        percentile_ms(l, 50.0),
        percentile_ms(l, 99.0),
        percentile_ms(l, 100.0)
    )
}

/// The embedded portal on the national registry: answers checked, then measured.
///
/// # Errors
/// When the import, the server or a check fails.
pub async fn national(config: &super::read::ReadConfig) -> anyhow::Result<String> {
    let file = sample_file(SampleSpec::NATIONAL.services)?;
    let data = std::env::temp_dir().join(format!("portal-bench-{}", uuid::Uuid::now_v7().simple()));
    let imported = import_once(&file.path, &data, &[])?;
    let t = Instant::now();
    let server = spawn(
        "portal",
        &[
            ("PORTAL_HTTP_ADDR", "127.0.0.1:0".into()),
            ("PORTAL_DEMO_DATA", "0".into()),
            (
                "PORTAL_TERRITORY_DIR",
                territory_dir()?.display().to_string(),
            ),
            ("PORTAL_DATA_DIR", data.display().to_string()),
        ],
    )?;
    let api = format!("{}/api/v1", server.base);
    let http = reqwest::Client::builder()
        .pool_max_idle_per_host(512)
        .build()?;
    // Every running service searchable: the registry minus the ended ones.
    let active = (file.truth.items - file.truth.ended) as u64;
    loop {
        let r = get_json(&http, &format!("{api}/services?per_page=1")).await?;
        if r["total"].as_u64() == Some(active) {
            break;
        }
        anyhow::ensure!(
            t.elapsed() < Duration::from_secs(600),
            "not indexed: {}",
            r["total"]
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let ready = t.elapsed();
    // The other read models (statistics, HSDS, exports) may still be catching
    // up: measure once the server is idle (under 5 % of a core for a second).
    loop {
        let before = super::commands::cpu_seconds(server.pid());
        tokio::time::sleep(Duration::from_secs(1)).await;
        if super::commands::cpu_seconds(server.pid()) - before < 0.05
            || t.elapsed() > Duration::from_secs(300)
        {
            break;
        }
    }
    let idle = t.elapsed();
    let kraje = get_json(&http, &format!("{api}/map?level=kraj")).await?;
    let orp = get_json(&http, &format!("{api}/map?level=orp")).await?;
    let areas = |v: &Value| v["areas"].as_array().map_or(0, Vec::len);
    anyhow::ensure!(
        areas(&kraje) == 14 && areas(&orp) == 206,
        "the map has {} kraje, {} ORP",
        areas(&kraje),
        areas(&orp)
    );
    let in_kraje: u64 = kraje["areas"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|a| a["services"].as_u64())
        .sum();
    anyhow::ensure!(
        in_kraje >= active,
        "the kraje hold {in_kraje} of {active} services"
    );
    let hsds = get_json(&http, &format!("{}/hsds/services?per_page=1", server.base)).await?;
    // HSDS publishes ended services too, as `defunct`.
    let all = file.truth.items as u64;
    anyhow::ensure!(
        hsds["total_items"].as_u64() == Some(all),
        "HSDS has {} services of {all}",
        hsds["total_items"]
    );
    let geo = get_json(&http, &format!("{api}/exports/facilities.geojson")).await?;
    let published = geo.to_string();
    anyhow::ensure!(
        !published.contains(command_service::import::sample::SECRET_STREET),
        "a secret address is in the GeoJSON export"
    );
    // Load: the search mix at the rate, open loop; baseline /health.
    let n = (config.rate * config.seconds.as_secs_f64()) as usize;
    let health = vec![format!("{}/health", server.base); n];
    super::read::open_loop(&http, health.clone(), config.rate).await?;
    let (health_rate, health_lat) = super::read::open_loop(&http, health, config.rate).await?;
    let urls: Vec<String> = super::read::search_paths(n)
        .into_iter()
        .map(|q| format!("{api}/services?{q}"))
        .collect();
    let (search_rate, search_lat) = super::read::open_loop(&http, urls, config.rate).await?;
    let map_kraje = timed(&http, &[format!("{api}/map?level=kraj")], 200).await?;
    let map_orp = timed(&http, &[format!("{api}/map?level=orp")], 200).await?;
    let map_orp_kraj = timed(&http, &[format!("{api}/map?level=orp&kraj=CZ042")], 200).await?;
    let stats = timed(
        &http,
        &[
            format!("{api}/stats/services"),
            format!("{api}/stats/capacity-vs-need"),
        ],
        200,
    )
    .await?;
    let hsds_lat = timed(
        &http,
        &[
            format!("{}/hsds/services?per_page=50", server.base),
            format!("{}/hsds/service_at_locations?per_page=50", server.base),
        ],
        200,
    )
    .await?;
    let memory = server.memory();
    drop(server);
    Ok(format!(
        "national registry: {} services ({} running), {} facilities, imported in {:.1} s (peak {}); the portal started on it and had indexed all after {:.1} s, was idle after {:.1} s; {memory}; checked: {active} running services in search, all {} in HSDS (ended ones as defunct), 14 kraje and 206 ORP on the map, no secret address in the GeoJSON export\n\n\
         | what | requests | p50 ms | p99 ms | max ms |\n|---|---:|---:|---:|---:|\n\
         | search mix, open loop at {:.0}/s (achieved {search_rate:.0}/s) | {} | {:.2} | {:.2} | {:.2} |\n\
         | baseline: GET /health, open loop at {:.0}/s (achieved {health_rate:.0}/s) | {} | {:.2} | {:.2} | {:.2} |\n{}\n{}\n{}\n{}\n{}",
        file.truth.items,
        active,
        file.truth.facilities,
        imported.took.as_secs_f64(),
        imported.peak,
        ready.as_secs_f64(),
        idle.as_secs_f64(),
        file.truth.items,
        config.rate,
        search_lat.len(),
        percentile_ms(&search_lat, 50.0),
        percentile_ms(&search_lat, 99.0),
        percentile_ms(&search_lat, 100.0),
        config.rate,
        health_lat.len(),
        percentile_ms(&health_lat, 50.0),
        percentile_ms(&health_lat, 99.0),
        percentile_ms(&health_lat, 100.0),
        row("map: 14 kraje (one at a time)", &map_kraje),
        row("map: all 206 ORP (one at a time)", &map_orp),
        row("map: the ORP of a kraj (one at a time)", &map_orp_kraj),
        row("statistics: services, capacity vs need (one at a time)", &stats),
        row("HSDS: services, service at locations, 50 a page (one at a time)", &hsds_lat),
    ))
}
