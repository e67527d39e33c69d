//! `bench`: measures the portal against the targets of DESIGN.md §4, each
//! figure beside a baseline run in the same process and minute.
//!
//! `cargo run --release -p bench -- append [--seconds N] [--writers 1,4,16]
//! [--batches 1,10,100] [--adapter postgres|sqlite|both]`
//!
//! `cargo run --release -p bench -- fold` (rebuild, in-memory fold of 500,000 events)
//!
//! `cargo run --release -p bench -- rebuild [--events 200000]` (read models
//! from the log into PostgreSQL when `BENCH_DATABASE_URL` is set, and SQLite;
//! a list, e.g. `--events 100000,1000000,10000000`, grows one log to each size
//! in turn and reports the append's rate on the way)
//!
//! `cargo run --release -p bench -- stats [--services 20000] [--days 1825]
//! [--events 200000]` (ClickHouse from `BENCH_CLICKHOUSE_URL`, territory from
//! `PORTAL_TERRITORY_DIR`; `--days 365,1825,3650`: one report each)
//!
//! `cargo run --release -p bench -- search` (the in-memory index, 20,000 services)
//!
//! `cargo run --release -p bench -- mail [--services 10000]` (reminders of
//! overdue services decided and handed to an SMTP server of its own: aiosmtpd
//! from Debian's python3-aiosmtpd)
//!
//! `cargo run --release -p bench -- files [--small 10] [--large 100]` (a
//! file uploaded to and downloaded from the `portal` binary against `cp`,
//! and the server's peak memory; build the binaries first)
//!
//! `cargo run --release -p bench -- commands [--mode embedded|postgres]
//! [--clients 16] [--seconds N]` (build the server binaries first:
//! `cargo build --release --bins --workspace`)
//!
//! `cargo run --release -p bench -- http-search [--rate 2000] [--seconds 10]
//! [--services 20000]` (search through HTTP against the `portal` binary; needs
//! `PORTAL_TERRITORY_DIR` or `../shared/data/territory`; `--services` and,
//! for `freshness` too, `--rate` take lists: one report each)
//!
//! `cargo run --release -p bench -- freshness [--rate 5000] [--seconds 10]
//! [--mode embedded|distributed]` (command → visible in the query API under
//! background events; distributed: the three service binaries on
//! PostgreSQL, NATS and ClickHouse from `BENCH_CLICKHOUSE_URL`)
//!
//! `cargo run --release -p bench -- import [--services 6733]
//! [--mode embedded|postgres|both]` (a registry file in the real shape,
//! generated, imported twice by `portal import rpss`; build the binaries
//! first; `--services` takes a list)
//!
//! `cargo run --release -p bench -- national [--rate 2000] [--seconds 10]`
//! (the embedded portal on the imported national registry: checked, then
//! search, map, statistics and HSDS measured)
//!
//! PostgreSQL comes from `BENCH_DATABASE_URL` (or `DATABASE_URL`); the bench
//! works in a schema of its own and drops it afterwards. SQLite runs in a
//! temporary folder (`BENCH_DATA_DIR` to choose another disk).

use anyhow::Context;
use bench::commands::{self, CommandsConfig};
use bench::{append, Adapter, AppendConfig};
use std::time::Duration;

fn list<T: std::str::FromStr>(value: &str) -> anyhow::Result<Vec<T>> {
    value
        .split(',')
        .map(|v| {
            v.trim()
                .parse()
                .ok()
                .with_context(|| format!("not a number: {v}"))
        })
        .collect()
}

/// Before the `i`-th of `runs` reports, when there are several: what it measured.
fn heading(runs: usize, i: usize, what: &str) {
    if runs > 1 {
        println!("{}#### {what}\n", if i == 0 { "" } else { "\n" });
    }
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let mut args = std::env::args().skip(1);
    let what = args.next().unwrap_or_else(|| "append".into());
    if what == "fold" {
        println!("{}", bench::fold::measure(500_000)?);
        return Ok(());
    }
    if what == "rebuild" {
        let sizes = match (args.next().as_deref(), args.next()) {
            (Some("--events"), Some(n)) => list(&n)?,
            _ => vec![200_000],
        };
        anyhow::ensure!(
            sizes.windows(2).all(|w| w[0] < w[1]),
            "--events: ascending sizes, the log grows to each in turn"
        );
        println!("{}", bench::rebuild::run(&sizes).await?);
        return Ok(());
    }
    if what == "stats" {
        let mut config = bench::stats::StatsConfig {
            services: 20_000,
            days: 5 * 365,
            events: 200_000,
        };
        let mut days = vec![config.days];
        while let Some(flag) = args.next() {
            let value = args
                .next()
                .with_context(|| format!("{flag} needs a value"))?;
            match flag.as_str() {
                "--services" => config.services = value.parse()?,
                "--days" => days = list(&value)?,
                "--events" => config.events = value.parse()?,
                other => anyhow::bail!("unknown flag {other:?}"),
            }
        }
        for (i, &d) in days.iter().enumerate() {
            config.days = d;
            heading(days.len(), i, &format!("{d} days of history"));
            println!("{}", bench::stats::run(&config).await?);
        }
        return Ok(());
    }
    if what == "files" {
        let (mut small, mut large) = (10, 100);
        while let (Some(flag), Some(v)) = (args.next(), args.next()) {
            match flag.as_str() {
                "--small" => small = v.parse()?,
                "--large" => large = v.parse()?,
                other => anyhow::bail!("unknown option {other}"),
            }
        }
        println!("{}", bench::files::run(small, large).await?);
        return Ok(());
    }
    if what == "mail" {
        let services = match (args.next().as_deref(), args.next()) {
            (Some("--services"), Some(n)) => n.parse()?,
            _ => 10_000,
        };
        println!("{}", bench::mail::run(services).await?);
        return Ok(());
    }
    if what == "search" {
        println!("{}", bench::search::measure(20_000, 20_000)?);
        return Ok(());
    }
    if what == "import" {
        let (mut services, mut modes) = (vec![6_733], vec!["embedded".to_string()]);
        while let Some(flag) = args.next() {
            let value = args
                .next()
                .with_context(|| format!("{flag} needs a value"))?;
            match flag.as_str() {
                "--services" => services = list(&value)?,
                "--mode" if value == "both" => {
                    modes = vec!["embedded".into(), "postgres".into()];
                }
                "--mode" => modes = vec![value],
                other => anyhow::bail!("unknown flag {other:?}"),
            }
        }
        for (i, &n) in services.iter().enumerate() {
            heading(services.len(), i, &format!("{n} services in the file"));
            println!("{}", bench::import::import(n, &modes).await?);
        }
        return Ok(());
    }
    if what == "http-search" || what == "freshness" || what == "national" {
        let mut seconds = Duration::from_secs(10);
        let mut rates = vec![if what == "freshness" { 5000.0 } else { 2000.0 }];
        let mut services = vec![20_000];
        let mut mode = "embedded".to_string();
        while let Some(flag) = args.next() {
            let value = args
                .next()
                .with_context(|| format!("{flag} needs a value"))?;
            match flag.as_str() {
                "--seconds" => seconds = Duration::from_secs_f64(value.parse()?),
                "--rate" => rates = list(&value)?,
                "--services" => services = list(&value)?,
                "--mode" => mode = value,
                other => anyhow::bail!("unknown flag {other:?}"),
            }
        }
        let runs: Vec<(usize, f64)> = services
            .iter()
            .flat_map(|&n| rates.iter().map(move |&r| (n, r)))
            .collect();
        for (i, &(n, rate)) in runs.iter().enumerate() {
            let config = bench::read::ReadConfig {
                seconds,
                rate,
                services: n,
            };
            heading(runs.len(), i, &format!("{n} services, {rate} per second"));
            let report = if what == "national" {
                bench::import::national(&config).await?
            } else if what == "freshness" {
                bench::read::freshness(&config, &mode).await?
            } else {
                bench::read::search(&config).await?
            };
            println!("{report}");
        }
        return Ok(());
    }
    if what == "commands" {
        let mut config = CommandsConfig {
            seconds: Duration::from_secs(5),
            clients: 16,
            mode: "embedded".into(),
        };
        while let Some(flag) = args.next() {
            let value = args
                .next()
                .with_context(|| format!("{flag} needs a value"))?;
            match flag.as_str() {
                "--seconds" => config.seconds = Duration::from_secs_f64(value.parse()?),
                "--clients" => config.clients = value.parse()?,
                "--mode" => config.mode = value,
                other => anyhow::bail!("unknown flag {other:?}"),
            }
        }
        println!("{}", commands::run(&config).await?);
        return Ok(());
    }
    anyhow::ensure!(
        what == "append",
        "unknown benchmark {what:?}; known: append, commands, search, http-search, freshness, import, national, fold, rebuild, stats"
    );
    let mut config = AppendConfig {
        seconds: Duration::from_secs(5),
        writers: vec![1, 4, 16],
        batches: vec![1, 10, 100],
        adapters: vec![Adapter::Postgres, Adapter::Sqlite],
    };
    while let Some(flag) = args.next() {
        let value = args
            .next()
            .with_context(|| format!("{flag} needs a value"))?;
        match flag.as_str() {
            "--seconds" => config.seconds = Duration::from_secs_f64(value.parse()?),
            "--writers" => config.writers = list(&value)?,
            "--batches" => config.batches = list(&value)?,
            "--adapter" => {
                config.adapters = match value.as_str() {
                    "postgres" => vec![Adapter::Postgres],
                    "sqlite" => vec![Adapter::Sqlite],
                    "both" => vec![Adapter::Postgres, Adapter::Sqlite],
                    other => anyhow::bail!("unknown adapter {other:?}"),
                }
            }
            other => anyhow::bail!("unknown flag {other:?}"),
        }
    }
    let report = append::run(&config).await?;
    println!("{report}");
    Ok(())
}
