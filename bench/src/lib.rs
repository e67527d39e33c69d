//! Benchmarks of DESIGN.md §4 behind the `bench` binary: each measures the
//! portal's own path beside a baseline of the same work done the plain way.

pub mod append;
pub mod commands;
pub mod files;
pub mod fold;
pub mod import;
pub mod mail;
pub mod read;
pub mod rebuild;
pub mod search;
pub mod stats;

use std::time::Duration;

/// Which event store to measure.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Adapter {
    /// PostgreSQL from `BENCH_DATABASE_URL` or `DATABASE_URL`.
    Postgres,
    /// The embedded SQLite store.
    Sqlite,
}

/// What the append benchmark runs.
#[derive(Debug, Clone)]
pub struct AppendConfig {
    /// How long each combination runs.
    pub seconds: Duration,
    /// Concurrent writers to try.
    pub writers: Vec<usize>,
    /// Events per append to try.
    pub batches: Vec<usize>,
    /// The stores to measure.
    pub adapters: Vec<Adapter>,
}

/// Latency percentiles of a sorted sample, in milliseconds.
pub fn percentile_ms(sorted: &[Duration], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let rank = ((p / 100.0) * (sorted.len() - 1) as f64).round() as usize;
    sorted[rank.min(sorted.len() - 1)].as_secs_f64() * 1000.0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentiles_pick_the_ranked_sample() {
        let sample: Vec<Duration> = (1..=100).map(Duration::from_millis).collect();
        assert_eq!(percentile_ms(&sample, 50.0), 51.0);
        assert_eq!(percentile_ms(&sample, 99.0), 99.0);
        assert_eq!(percentile_ms(&sample, 100.0), 100.0);
        assert_eq!(percentile_ms(&[], 99.0), 0.0);
    }
}
