//! The portal's own figures as metrics, read off the search index: services
//! by status, the current vacancy reports (fresh and stale) and when the
//! newest was made. The indexer records them every [`EVERY`]; dashboards
//! and alerts (no report in a day, many stale ones) read them.

use crate::index::{Index, STALE_AFTER};
use events::registry::service::ServiceStatus;
use prometheus::{IntGauge, IntGaugeVec};
use std::sync::LazyLock;
use std::time::Duration;
use time::OffsetDateTime;

/// How often the figures are recorded.
pub const EVERY: Duration = Duration::from_secs(15);

static SERVICES: LazyLock<IntGaugeVec> = LazyLock::new(|| {
    infra::metrics::gauge_vec(
        "portal_services",
        "Services in the registry by status",
        &["status"],
    )
});

static REPORTS: LazyLock<IntGaugeVec> = LazyLock::new(|| {
    infra::metrics::gauge_vec(
        "portal_vacancy_reports",
        "Current vacancy reports (one per facility, form and unit), fresh or stale (older than 7 days)",
        &["freshness"],
    )
});

static NEWEST: LazyLock<IntGauge> = LazyLock::new(|| {
    infra::metrics::gauge(
        "portal_vacancy_last_report_timestamp_seconds",
        "When the newest current vacancy report was made (Unix time; 0: none)",
    )
});

fn status_label(status: ServiceStatus) -> &'static str {
    match status {
        ServiceStatus::Unregistered => "unregistered",
        ServiceStatus::Active => "active",
        ServiceStatus::Suspended => "suspended",
        ServiceStatus::Ended => "ended",
    }
}

/// What the index holds now, as the metrics show it.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Figures {
    /// Services by status label.
    pub services: [(&'static str, i64); 4],
    /// Current reports no older than [`STALE_AFTER`].
    pub fresh: i64,
    /// Older ones.
    pub stale: i64,
    /// The newest report (Unix seconds; 0: none).
    pub newest: i64,
}

/// Counts the figures of `index` at `now`.
pub fn figures(index: &Index, now: OffsetDateTime) -> Figures {
    let all = [
        ServiceStatus::Unregistered,
        ServiceStatus::Active,
        ServiceStatus::Suspended,
        ServiceStatus::Ended,
    ];
    let mut f = Figures {
        services: all.map(|s| (status_label(s), 0)),
        ..Figures::default()
    };
    for entry in index.services() {
        let view = &entry.view;
        if let Some(slot) = f
            .services
            .iter_mut()
            .find(|(label, _)| *label == status_label(view.status))
        {
            slot.1 += 1;
        }
        for report in &view.vacancies {
            if now - report.reported_at > STALE_AFTER {
                f.stale += 1;
            } else {
                f.fresh += 1;
            }
            f.newest = f.newest.max(report.reported_at.unix_timestamp());
        }
    }
    f
}

/// Records the figures of `index` at `now` in the metrics.
pub fn record(index: &Index, now: OffsetDateTime) {
    let f = figures(index, now);
    for (status, n) in f.services {
        SERVICES.with_label_values(&[status]).set(n);
    }
    REPORTS.with_label_values(&["fresh"]).set(f.fresh);
    REPORTS.with_label_values(&["stale"]).set(f.stale);
    NEWEST.set(f.newest);
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn service(id: usize, status: &str, reported: &[&str]) -> read_models::registry::ServiceView {
        let vacancies: Vec<_> = reported
            .iter()
            .map(|at| json!({ "facility_id": "A", "form": "pob", "unit": "luzka", "free_places": 3, "reported_at": at }))
            .collect();
        serde_json::from_value(json!({
            "id": format!("s{id}"), "provider_ico": "00064581", "kind_name": "", "paragraph": null,
            "status": status, "last_verified_on": null, "vacancies": vacancies, "version": 1,
            "updated_at": "2026-11-23T10:00:00Z",
            "details": { "name": format!("Služba {id}"), "kind": 26, "forms": [] }
        }))
        .unwrap()
    }

    #[test]
    fn services_by_status_and_reports_fresh_or_stale_with_the_newest() {
        let now = time::macros::datetime!(2026-12-02 12:00 UTC);
        let mut index = Index::default();
        assert_eq!(figures(&index, now).newest, 0);
        index.put_service(service(
            1,
            "active",
            &["2026-12-02T08:00:00Z", "2026-11-01T08:00:00Z"],
        ));
        index.put_service(service(2, "active", &["2026-11-30T08:00:00Z"]));
        index.put_service(service(3, "suspended", &[]));
        index.put_service(service(4, "ended", &["2026-10-01T08:00:00Z"]));
        let f = figures(&index, now);
        assert_eq!(
            f.services,
            [
                ("unregistered", 0),
                ("active", 2),
                ("suspended", 1),
                ("ended", 1)
            ]
        );
        assert_eq!((f.fresh, f.stale), (2, 2));
        assert_eq!(
            f.newest,
            time::macros::datetime!(2026-12-02 08:00 UTC).unix_timestamp()
        );
        record(&index, now);
        let text = infra::metrics::render();
        assert!(
            text.contains("portal_services{status=\"active\"} 2"),
            "{text}"
        );
        assert!(
            text.contains("portal_vacancy_reports{freshness=\"stale\"} 2"),
            "{text}"
        );
    }
}
