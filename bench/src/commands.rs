//! Single-event commands through the HTTP command API (DESIGN.md §4, row 2):
//! the server runs as its own process (the `portal` binary in embedded mode,
//! or `command-service` on PostgreSQL), the load comes from this process over
//! loopback with keep-alive connections. Each client reports vacancies of its
//! own service (one event per command). Baselines in the same run: `GET
//! /health` on the same server (the HTTP floor) and the same event appended
//! straight to a store of the same kind (`append::bare_single_events`).

use super::percentile_ms;
use anyhow::Context;
use serde_json::{json, Value};
use std::io::BufRead;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// What to measure.
#[derive(Debug, Clone)]
pub struct CommandsConfig {
    /// How long each measurement runs.
    pub seconds: Duration,
    /// Concurrent clients.
    pub clients: usize,
    /// `embedded` or `postgres`.
    pub mode: String,
}

/// A server running as a child process, stopped and cleaned up when dropped.
pub(super) struct Server {
    child: Child,
    /// Where it listens, e.g. `http://127.0.0.1:41234`.
    pub(super) base: String,
    _dir: std::path::PathBuf,
    /// The environment it was started with (what to clean up afterwards).
    pub(super) made: Vec<(&'static str, String)>,
}

/// CPU seconds (user + system) a process has used so far (Linux `/proc`).
pub(super) fn cpu_seconds(pid: u32) -> f64 {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
    // The fields after the command name (which is in parentheses and may hold spaces).
    let fields: Vec<&str> = stat
        .rsplit_once(')')
        .map(|(_, rest)| rest.split_whitespace().collect())
        .unwrap_or_default();
    let ticks = |i: usize| {
        fields
            .get(i)
            .and_then(|v| v.parse::<f64>().ok())
            .unwrap_or(0.0)
    };
    // utime and stime are fields 14 and 15 of the line, 12 and 13 after the name; 100 ticks/s.
    (ticks(11) + ticks(12)) / 100.0
}

/// Busy and total CPU time of the whole machine so far, in seconds (`/proc/stat`).
pub(super) fn machine_cpu() -> (f64, f64) {
    let stat = std::fs::read_to_string("/proc/stat").unwrap_or_default();
    let values: Vec<f64> = stat
        .lines()
        .next()
        .unwrap_or_default()
        .split_whitespace()
        .skip(1)
        .filter_map(|v| v.parse().ok())
        .collect();
    let total: f64 = values.iter().sum();
    let idle = values.get(3).copied().unwrap_or(0.0) + values.get(4).copied().unwrap_or(0.0);
    ((total - idle) / 100.0, total / 100.0)
}

impl Server {
    /// Its process id.
    pub(super) fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Resident memory of the server now and at its peak, in MiB (Linux `/proc`).
    pub(super) fn memory(&self) -> String {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.child.id()))
            .unwrap_or_default();
        let kib = |key: &str| {
            status
                .lines()
                .find(|l| l.starts_with(key))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|v| v.parse::<f64>().ok())
                .unwrap_or(0.0)
        };
        format!(
            "server resident memory {:.0} MiB (peak {:.0} MiB)",
            kib("VmRSS:") / 1024.0,
            kib("VmHWM:") / 1024.0
        )
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self._dir);
    }
}

pub(super) fn binary(name: &str) -> anyhow::Result<std::path::PathBuf> {
    let me = std::env::current_exe()?;
    let path = me.with_file_name(name);
    anyhow::ensure!(
        path.exists(),
        "{} is missing: build it first (cargo build --release --bins --workspace)",
        path.display()
    );
    Ok(path)
}

/// The PostgreSQL, NATS and ClickHouse of the bench (`BENCH_DATABASE_URL` or
/// `DATABASE_URL`, `BENCH_NATS_URL`, `BENCH_CLICKHOUSE_URL`) with a schema, a
/// stream prefix and a database of this run.
pub(super) fn distributed_env() -> anyhow::Result<Vec<(&'static str, String)>> {
    let url = std::env::var("BENCH_DATABASE_URL")
        .or_else(|_| std::env::var("DATABASE_URL"))
        .context("set BENCH_DATABASE_URL to the PostgreSQL to measure")?;
    let run = uuid::Uuid::now_v7().simple().to_string();
    Ok(vec![
        ("DATABASE_URL", url),
        ("DATABASE_SCHEMA", format!("bench_{run}")),
        (
            "NATS_URL",
            std::env::var("BENCH_NATS_URL").unwrap_or_else(|_| "nats://127.0.0.1:4222".into()),
        ),
        ("NATS_STREAM_PREFIX", format!("bench_{run}")),
        (
            "CLICKHOUSE_URL",
            std::env::var("BENCH_CLICKHOUSE_URL")
                .unwrap_or_else(|_| "http://127.0.0.1:8123".into()),
        ),
        ("CLICKHOUSE_DATABASE", format!("bench_{run}")),
        (
            "PORTAL_JWT_SECRET",
            "bench-secret-of-at-least-thirty-two-bytes".into(),
        ),
    ])
}

/// Drops what [`distributed_env`] made for a run: the PostgreSQL schema,
/// the JetStream stream and the ClickHouse database (each when present).
pub(super) async fn clean_up(env: &[(&str, String)]) {
    let value = |k: &str| env.iter().find(|(n, _)| *n == k).map(|(_, v)| v.clone());
    if let (Some(url), Some(schema)) = (value("DATABASE_URL"), value("DATABASE_SCHEMA")) {
        if let Ok((client, connection)) = tokio_postgres::connect(&url, tokio_postgres::NoTls).await
        {
            let driver = tokio::spawn(connection);
            let _ = client
                .batch_execute(&format!("DROP SCHEMA IF EXISTS {schema} CASCADE"))
                .await;
            drop(client);
            let _ = driver.await;
        }
    }
    if let (Some(url), Some(prefix)) = (value("NATS_URL"), value("NATS_STREAM_PREFIX")) {
        let settings = infra::settings::NatsSettings {
            url,
            prefix: prefix.clone(),
        };
        if let Ok(client) = infra::nats::connect(&settings).await {
            let _ = infra::bus::delete_stream(client, &prefix).await;
        }
    }
    if let (Some(url), Some(database)) = (value("CLICKHOUSE_URL"), value("CLICKHOUSE_DATABASE")) {
        let _ = reqwest::Client::new()
            .post(format!("{url}/"))
            .body(format!("DROP DATABASE IF EXISTS {database}"))
            .send()
            .await;
    }
}

/// The password of the administrator the bench's servers create.
pub(super) const PASSWORD: &str = "bench-admin-password";

/// Starts a server binary with `env` and waits for the line saying where it listens.
pub(super) fn spawn(bin: &str, env: &[(&str, String)]) -> anyhow::Result<Server> {
    // A data folder of its own, unless given (then still removed afterwards).
    let dir = env
        .iter()
        .find(|(k, _)| *k == "PORTAL_DATA_DIR")
        .map(|(_, v)| std::path::PathBuf::from(v))
        .unwrap_or_else(|| {
            std::env::temp_dir().join(format!("portal-bench-{}", uuid::Uuid::now_v7().simple()))
        });
    std::fs::create_dir_all(&dir)?;
    let mut cmd = Command::new(binary(bin)?);
    cmd.envs(env.iter().map(|(k, v)| (*k, v)))
        .env("PORTAL_DATA_DIR", &dir)
        .env("PORTAL_ADMIN_LOGIN", "admin")
        .env("PORTAL_ADMIN_PASSWORD", PASSWORD)
        .env("RUST_LOG", "warn")
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit());
    let mut child = cmd.spawn()?;
    let stdout = child.stdout.take().context("stdout")?;
    let mut base = None;
    for line in std::io::BufReader::new(stdout).lines() {
        let line = line?;
        if let Some(rest) = line.split("listening on ").nth(1) {
            base = rest.split_whitespace().next().map(str::to_string);
            break;
        }
    }
    let base = base.with_context(|| format!("{bin} did not say where it listens"))?;
    Ok(Server {
        child,
        base,
        _dir: dir,
        made: Vec::new(),
    })
}

/// Starts the server of a mode with extra environment variables; answers it and the admin password.
pub(super) fn start(
    mode: &str,
    env: &[(&'static str, String)],
) -> anyhow::Result<(Server, String)> {
    let mut all: Vec<(&'static str, String)> = match mode {
        "embedded" => vec![("PORTAL_HTTP_ADDR", "127.0.0.1:0".into())],
        "postgres" => {
            let mut e = distributed_env()?;
            e.retain(|(k, _)| !k.starts_with("CLICKHOUSE"));
            e.push(("COMMAND_SERVICE_ADDR", "127.0.0.1:0".into()));
            e
        }
        other => anyhow::bail!("unknown mode {other:?}: embedded or postgres"),
    };
    all.extend(env.iter().cloned());
    let bin = if mode == "embedded" {
        "portal"
    } else {
        "command-service"
    };
    let mut server = spawn(bin, &all)?;
    server.made = all;
    Ok((server, PASSWORD.to_string()))
}

/// POSTs JSON (with a bearer token) and answers the JSON of a 2xx.
pub(super) async fn post(
    http: &reqwest::Client,
    url: &str,
    token: Option<&str>,
    body: &Value,
) -> anyhow::Result<Value> {
    let mut request = http.post(url).json(body);
    if let Some(t) = token {
        request = request.bearer_auth(t);
    }
    let response = request.send().await?;
    let status = response.status();
    let body: Value = response.json().await.unwrap_or(Value::Null);
    anyhow::ensure!(status.is_success(), "{url}: {status} {body}");
    Ok(body)
}

async fn run_load<F, Fut>(
    clients: usize,
    seconds: Duration,
    op: F,
) -> anyhow::Result<(f64, Vec<Duration>)>
where
    F: Fn(usize) -> Fut + Send + Sync + 'static,
    Fut: std::future::Future<Output = anyhow::Result<()>> + Send,
{
    let op = Arc::new(op);
    let started = Instant::now();
    let deadline = started + seconds;
    let mut tasks = Vec::new();
    for c in 0..clients {
        let op = op.clone();
        tasks.push(tokio::spawn(async move {
            let mut latencies = Vec::new();
            while Instant::now() < deadline {
                let t = Instant::now();
                op(c).await?;
                latencies.push(t.elapsed());
            }
            anyhow::Ok(latencies)
        }));
    }
    let mut all = Vec::new();
    for t in tasks {
        all.extend(t.await??);
    }
    let rate = all.len() as f64 / started.elapsed().as_secs_f64();
    all.sort_unstable();
    Ok((rate, all))
}

/// Measures and returns a Markdown table.
///
/// # Errors
/// When the server cannot be started or a command fails.
pub async fn run(config: &CommandsConfig) -> anyhow::Result<String> {
    let (server, password) = start(&config.mode, &[])?;
    let api = format!("{}/api/v1", server.base);
    let http = reqwest::Client::builder()
        .pool_max_idle_per_host(config.clients * 2)
        .build()?;
    let login = post(
        &http,
        &format!("{api}/auth/login"),
        None,
        &json!({ "login": "admin", "password": password }),
    )
    .await?;
    let token = login["token"].as_str().context("token")?.to_string();
    let ico = "00064581";
    post(
        &http,
        &format!("{api}/providers"),
        Some(&token),
        &json!({
            "ico": ico, "name": "Benchmark provider",
            "address": { "street": "Teplická 1", "city": "Děčín", "postcode": "40502" }
        }),
    )
    .await?;
    let mut services = Vec::new();
    for c in 0..config.clients {
        let r = post(&http, &format!("{api}/services"), Some(&token), &json!({
            "provider_ico": ico,
            "details": {
                "name": format!("Azylový dům {c}"), "kind": 20,
                "forms": [{ "form": "pob", "capacities": [{ "unit": "luzka", "count": 1000000 }] }],
                "facilities": [{ "facility_id": "A", "name": "Dům", "address": { "city": "Děčín", "postcode": "40502" } }]
            }
        })).await?;
        services.push(r["stream_id"].as_str().context("id")?.to_string());
    }
    let services = Arc::new(services);
    let (token, api) = (Arc::new(token), Arc::new(api));

    let h = http.clone();
    let health = format!("{}/health", server.base);
    let (health_rate, health_lat) = run_load(config.clients, config.seconds, move |_| {
        let (h, url) = (h.clone(), health.clone());
        async move {
            let r = h.get(&url).send().await?;
            anyhow::ensure!(r.status().is_success(), "health {}", r.status());
            r.bytes().await?;
            Ok(())
        }
    })
    .await?;

    let h = http.clone();
    let counter = Arc::new(std::sync::atomic::AtomicU64::new(0));
    let (machine_before, server_before, me_before) = (
        machine_cpu(),
        cpu_seconds(server.pid()),
        cpu_seconds(std::process::id()),
    );
    let (rate, lat) = run_load(config.clients, config.seconds, move |c| {
        let (h, api, token, services, counter) = (h.clone(), api.clone(), token.clone(), services.clone(), counter.clone());
        async move {
            let n = counter.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            let url = format!("{api}/services/{}/vacancies", services[c]);
            let body = json!({ "facility_id": "A", "form": "pob", "unit": "luzka", "free_places": n % 1000 });
            post(&h, &url, Some(&token), &body).await?;
            Ok(())
        }
    })
    .await?;
    let machine_after = machine_cpu();
    let seconds = config.seconds.as_secs_f64();
    let cpu = format!(
        "during the commands the machine's CPUs were {:.0} % busy; the server used {:.0} % of one core, the bench {:.0} %",
        100.0 * (machine_after.0 - machine_before.0) / (machine_after.1 - machine_before.1),
        100.0 * (cpu_seconds(server.pid()) - server_before) / seconds,
        100.0 * (cpu_seconds(std::process::id()) - me_before) / seconds,
    );
    let memory = server.memory();
    let made = server.made.clone();
    drop(server);
    clean_up(&made).await;
    // The same writers appending the command's one event straight to a store
    // of the same kind, the server stopped: what the command path adds.
    let (bare_rate, bare_lat) =
        super::append::bare_single_events(&config.mode, config.clients, config.seconds).await?;

    Ok(format!(
        "{memory}; {cpu}\n\n| mode | clients | what | requests/s | p50 ms | p99 ms | p99.9 ms |\n|---|---:|---|---:|---:|---:|---:|\n\
         | {mode} | {clients} | POST vacancy report (1 event) | {rate:.0} | {:.2} | {:.2} | {:.2} |\n\
         | {mode} | {clients} | baseline: GET /health | {health_rate:.0} | {:.2} | {:.2} | {:.2} |\n\
         | {mode} | {clients} | baseline: the one event appended straight to the store (commands ÷ it: {:.2}) | {bare_rate:.0} | {:.2} | {:.2} | {:.2} |",
        percentile_ms(&lat, 50.0),
        percentile_ms(&lat, 99.0),
        percentile_ms(&lat, 99.9),
        percentile_ms(&health_lat, 50.0),
        percentile_ms(&health_lat, 99.0),
        percentile_ms(&health_lat, 99.9),
        rate / bare_rate,
        percentile_ms(&bare_lat, 50.0),
        percentile_ms(&bare_lat, 99.0),
        percentile_ms(&bare_lat, 99.9),
        mode = config.mode,
        clients = config.clients,
    ))
}
