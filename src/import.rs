//! `portal import rpss FILE`: the MPSV registry file into the event store
//! (the embedded one under the data folder, or PostgreSQL when
//! `DATABASE_URL` is set — the distributed store); `portal import territory
//! DIR`: the territory files, checked, into the data folder, where the
//! embedded portal finds them.

use crate::Settings;
use anyhow::Context;
use command_service::import::{import_registry_file, ImportSummary, Progress};
use command_service::settings::AuthSettings;
use infra::credentials::DynCredentialStore;
use infra::event_store::DynEventStore;
use infra::personal::DynPersonalKeyStore;
use std::path::Path;
use std::sync::Arc;

/// The territory files the portal reads (the first is required).
pub const TERRITORY_FILES: [&str; 4] = [
    "struktura_uzemi_cr.csv",
    "obce_souradnice.csv",
    "orp_sldb2021.geojson",
    "kraje.geojson",
];

/// Runs `portal import <what> <path>`.
///
/// # Errors
/// A wrong command line, unreadable input or store failures.
pub async fn run(args: &[String], settings: &Settings) -> anyhow::Result<()> {
    match args {
        [what, path] if what == "rpss" => {
            let started = std::time::Instant::now();
            let summary = rpss(Path::new(path), settings).await?;
            println!("{summary}");
            println!(
                "took {:.1} s; peak memory {}",
                started.elapsed().as_secs_f64(),
                peak_memory().map_or_else(|| "unknown".into(), |m| format!("{m:.0} MiB"))
            );
            report(&summary, &settings.data_dir)
        }
        [what, dir] if what == "territory" => territory(Path::new(dir), &settings.data_dir),
        _ => anyhow::bail!("usage: portal import rpss FILE | portal import territory DIR"),
    }
}

type Stores = (DynEventStore, DynCredentialStore, DynPersonalKeyStore);

async fn stores(settings: &Settings) -> anyhow::Result<Stores> {
    if std::env::var_os("DATABASE_URL").is_some() {
        let pg = infra::settings::postgres_from_env()?;
        let store = infra::connect::postgres_event_store(&pg).await?;
        let credentials =
            infra::credentials::postgres::PostgresCredentialStore::new(store.pool().clone())
                .await?;
        let keys =
            infra::personal::postgres::PostgresPersonalKeyStore::new(store.pool().clone()).await?;
        println!("importing into PostgreSQL (schema {})", pg.schema);
        return Ok((Arc::new(store), Arc::new(credentials), Arc::new(keys)));
    }
    infra::sqlite::private_dir(&settings.data_dir)?;
    let store = infra::event_store::sqlite::SqliteEventStore::open(
        settings.data_dir.join("events.sqlite3"),
    )?;
    let credentials = infra::credentials::sqlite::SqliteCredentialStore::open(
        settings.data_dir.join("private.sqlite3"),
    )?;
    let keys = infra::personal::sqlite::SqlitePersonalKeyStore::open(
        settings.data_dir.join("personal-keys.sqlite3"),
    )?;
    println!("importing into {}", settings.data_dir.display());
    Ok((Arc::new(store), Arc::new(credentials), Arc::new(keys)))
}

/// Imports a registry file, printing progress.
///
/// # Errors
/// Unreadable input or store failures.
pub async fn rpss(path: &Path, settings: &Settings) -> anyhow::Result<ImportSummary> {
    let (store, credentials, keys) = stores(settings).await?;
    // The import signs nothing and creates no account: a throw-away key.
    let auth = AuthSettings {
        jwt_secret: (0..32).map(|_| rand::random::<u8>()).collect(),
        session_ttl: time::Duration::hours(1),
        trusted_proxies: Vec::new(),
        signing_key_file: None,
        admin: None,
    };
    let state = command_service::bootstrap::app_state(store, credentials, keys, &auth).await?;
    let territory = infra::settings::load_territory(settings.territory_dir.as_deref());
    let names = move |code: &str| territory.municipalities.get(code).map(|m| m.name.clone());
    let mut progress = |p: &Progress<'_>| {
        eprintln!("{p}");
        tracing::info!(
            items = p.summary.items,
            bytes_read = p.bytes_read,
            bytes_total = p.bytes_total,
            events = p.summary.events,
            skipped = p.summary.skipped.len(),
            warned = p.summary.warned,
            "registry import"
        );
    };
    let today = time::OffsetDateTime::now_utc().date();
    import_registry_file(&state, path, &names, today, &mut progress).await
}

/// The peak resident memory of this process in MiB (Linux `/proc`).
fn peak_memory() -> Option<f64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kib: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib / 1024.0)
}

/// How many skips and warnings are printed; more go to a report file.
const PRINTED: usize = 20;

/// Prints the skips and warnings; when there are more than [`PRINTED`],
/// writes them all to `DATA_DIR/imports/rpss-<time>.txt` and names it.
///
/// # Errors
/// When the report cannot be written.
fn report(summary: &ImportSummary, data_dir: &Path) -> anyhow::Result<()> {
    let lines: Vec<String> = summary
        .skipped
        .iter()
        .map(|s| format!("skipped: {s}"))
        .chain(summary.warnings.iter().map(|w| format!("left out: {w}")))
        .collect();
    for line in lines.iter().take(PRINTED) {
        println!("{line}");
    }
    if lines.len() > PRINTED {
        let dir = data_dir.join("imports");
        std::fs::create_dir_all(&dir)?;
        let stamp = time::OffsetDateTime::now_utc().format(time::macros::format_description!(
            "[year][month][day]T[hour][minute][second]Z"
        ))?;
        let path = dir.join(format!("rpss-{stamp}.txt"));
        std::fs::write(&path, format!("{summary}\n{}\n", lines.join("\n")))
            .with_context(|| format!("cannot write {}", path.display()))?;
        println!(
            "… and {} more: all {} in {}",
            lines.len() - PRINTED,
            lines.len(),
            path.display()
        );
    }
    Ok(())
}

/// Checks the territory files of `dir` (they must load) and copies them into
/// `data_dir/territory`.
///
/// # Errors
/// Files that do not load or cannot be copied.
pub fn territory(dir: &Path, data_dir: &Path) -> anyhow::Result<()> {
    let t = infra::territory::load_dir(dir)
        .with_context(|| format!("the territory files in {} do not load", dir.display()))?;
    let target = data_dir.join("territory");
    std::fs::create_dir_all(&target)?;
    for name in TERRITORY_FILES {
        let from = dir.join(name);
        if from.exists() {
            std::fs::copy(&from, target.join(name))
                .with_context(|| format!("cannot copy {}", from.display()))?;
        }
    }
    println!(
        "territory imported into {}: {} kraje, {} ORP, {} municipalities ({} with a centre), {} ORP boundaries",
        target.display(),
        t.kraje.len(),
        t.orp.len(),
        t.municipalities.len(),
        t.municipalities.values().filter(|m| m.centre.is_some()).count(),
        t.orp_boundaries.len(),
    );
    Ok(())
}
