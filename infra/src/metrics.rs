//! Prometheus metrics: one registry for the process, the metric families the
//! adapters and services share, and the text exposition for `/metrics`.

use prometheus::{
    Encoder, HistogramOpts, HistogramVec, IntCounter, IntCounterVec, IntGauge, IntGaugeVec, Opts,
    Registry, TextEncoder,
};
use std::sync::LazyLock;
use std::time::Duration;

/// The process's registry.
pub static REGISTRY: LazyLock<Registry> = LazyLock::new(Registry::new);

fn register<C: prometheus::core::Collector + Clone + 'static>(c: C) -> C {
    // Registration fails only for a duplicate name, which is a programming error caught by tests.
    REGISTRY
        .register(Box::new(c.clone()))
        .expect("metric registered twice");
    c
}

/// A counter with labels, registered in the process's registry (make it once, in a `LazyLock`).
///
/// # Panics
/// When `name` is registered already, or is no valid metric name.
pub fn counter_vec(name: &str, help: &str, labels: &[&str]) -> IntCounterVec {
    register(IntCounterVec::new(Opts::new(name, help), labels).expect("valid metric"))
}

/// A gauge with labels, registered as [`counter_vec`].
///
/// # Panics
/// As [`counter_vec`].
pub fn gauge_vec(name: &str, help: &str, labels: &[&str]) -> IntGaugeVec {
    register(IntGaugeVec::new(Opts::new(name, help), labels).expect("valid metric"))
}

/// A counter, registered as [`counter_vec`].
///
/// # Panics
/// As [`counter_vec`].
pub fn counter(name: &str, help: &str) -> IntCounter {
    register(IntCounter::new(name, help).expect("valid metric"))
}

/// A gauge, registered as [`counter_vec`].
///
/// # Panics
/// As [`counter_vec`].
pub fn gauge(name: &str, help: &str) -> IntGauge {
    register(IntGauge::new(name, help).expect("valid metric"))
}

/// HTTP request latency by service, method, route and status.
pub static HTTP_REQUESTS: LazyLock<HistogramVec> = LazyLock::new(|| {
    register(
        HistogramVec::new(
            HistogramOpts::new("http_request_duration_seconds", "HTTP request latency").buckets(
                vec![
                    0.0005, 0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 10.0,
                ],
            ),
            &["service", "method", "route", "status"],
        )
        .expect("valid metric"),
    )
});

/// Append latency by adapter.
pub static APPEND_SECONDS: LazyLock<HistogramVec> = LazyLock::new(|| {
    register(
        HistogramVec::new(
            HistogramOpts::new("event_store_append_seconds", "Event store append latency").buckets(
                vec![
                    0.0005, 0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 0.5, 1.0,
                ],
            ),
            &["adapter"],
        )
        .expect("valid metric"),
    )
});

/// Events appended by adapter.
pub static EVENTS_APPENDED: LazyLock<IntCounterVec> = LazyLock::new(|| {
    register(
        IntCounterVec::new(
            Opts::new("event_store_events_appended_total", "Events appended"),
            &["adapter"],
        )
        .expect("valid metric"),
    )
});

/// Whether each dependency answered the last readiness check (1) or not (0).
pub static DEPENDENCY_UP: LazyLock<IntGaugeVec> = LazyLock::new(|| {
    register(
        IntGaugeVec::new(
            Opts::new(
                "dependency_up",
                "Dependency answered the last readiness check",
            ),
            &["service", "dependency"],
        )
        .expect("valid metric"),
    )
});

/// Messages handed to the mailer, by outcome (`sent`, `delayed`, `failed`, `suppressed`).
pub static MAIL_MESSAGES: LazyLock<IntCounterVec> = LazyLock::new(|| {
    register(
        IntCounterVec::new(
            Opts::new(
                "mail_messages_total",
                "E-mail messages by outcome of their attempt",
            ),
            &["outcome"],
        )
        .expect("valid metric"),
    )
});

/// Records one append.
pub fn observe_append(adapter: &str, elapsed: Duration, events: usize) {
    APPEND_SECONDS
        .with_label_values(&[adapter])
        .observe(elapsed.as_secs_f64());
    EVENTS_APPENDED
        .with_label_values(&[adapter])
        .inc_by(events as u64);
}

/// `portal_build_info{version}` 1 (the version of the build that answers),
/// and the process's own figures (`process_cpu_seconds_total`,
/// `process_resident_memory_bytes`, open files, start time).
static PROCESS_AND_BUILD: LazyLock<()> = LazyLock::new(|| {
    let build = register(
        IntGaugeVec::new(
            Opts::new("portal_build_info", "The build: its version, always 1"),
            &["version"],
        )
        .expect("valid metric"),
    );
    build.with_label_values(&[env!("CARGO_PKG_VERSION")]).set(1);
    #[cfg(target_os = "linux")]
    REGISTRY
        .register(Box::new(
            prometheus::process_collector::ProcessCollector::for_self(),
        ))
        .expect("metric registered twice");
});

/// The folder whose file system `portal_data_dir_bytes` describes (the embedded portal's data;
/// the last one named, when a process runs several portals, as tests do).
static DATA_DIR: std::sync::Mutex<Option<std::path::PathBuf>> = std::sync::Mutex::new(None);

/// Space left and in all on the file system of the data folder, read at each scrape.
static DATA_DIR_BYTES: LazyLock<IntGaugeVec> = LazyLock::new(|| {
    register(
        IntGaugeVec::new(
            Opts::new(
                "portal_data_dir_bytes",
                "The data folder's file system: bytes available to the portal and in all",
            ),
            &["kind"],
        )
        .expect("valid metric"),
    )
});

/// Makes `/metrics` report the free and total space of the file system holding `dir`.
pub fn watch_data_dir(dir: &std::path::Path) {
    *DATA_DIR
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner) = Some(dir.to_path_buf());
}

fn record_data_dir() {
    let watched = DATA_DIR
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
        .clone();
    let Some(dir) = watched else { return };
    match rustix::fs::statvfs(&dir) {
        Ok(fs) => {
            let bytes =
                |blocks: u64| i64::try_from(blocks.saturating_mul(fs.f_frsize)).unwrap_or(i64::MAX);
            DATA_DIR_BYTES
                .with_label_values(&["available"])
                .set(bytes(fs.f_bavail));
            DATA_DIR_BYTES
                .with_label_values(&["size"])
                .set(bytes(fs.f_blocks));
        }
        Err(e) => {
            tracing::warn!(dir = %dir.display(), error = %e, "cannot read the data folder's file system")
        }
    }
}

/// The registry in Prometheus's text format.
pub fn render() -> String {
    LazyLock::force(&PROCESS_AND_BUILD);
    record_data_dir();
    // Touch the shared families so that they are listed before their first sample.
    LazyLock::force(&HTTP_REQUESTS);
    LazyLock::force(&APPEND_SECONDS);
    LazyLock::force(&EVENTS_APPENDED);
    LazyLock::force(&DEPENDENCY_UP);
    let mut buffer = Vec::new();
    let encoder = TextEncoder::new();
    if let Err(e) = encoder.encode(&REGISTRY.gather(), &mut buffer) {
        tracing::error!(error = %e, "cannot encode metrics");
    }
    String::from_utf8(buffer).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_build_and_the_process_are_served() {
        let text = render();
        assert!(
            text.contains(&format!(
                "portal_build_info{{version=\"{}\"}} 1",
                env!("CARGO_PKG_VERSION")
            )),
            "{text}"
        );
        for family in [
            "process_cpu_seconds_total",
            "process_resident_memory_bytes",
            "process_open_fds",
            "process_start_time_seconds",
        ] {
            assert!(text.contains(&format!("\n{family} ")), "{family}: {text}");
        }
    }
}
