//! Rebuild speed, in-memory part (DESIGN.md §4, row 3): events as they come
//! out of the store (JSON payloads) read back into domain events and folded
//! into aggregates. Baseline in the same run: parsing the same payloads as
//! untyped JSON only.

use events::aggregate::{from_recorded, to_new_event};
use events::registry::service::{Capacity, FormSpec, Service, ServiceDetails, ServiceEvent};
use events::values::{CapacityUnit, Form};
use events::{Actor, Aggregate, RecordedEvent, StreamRef};
use std::collections::HashMap;
use std::time::Instant;
use time::OffsetDateTime;

fn recorded(n: usize) -> Vec<RecordedEvent> {
    let now = OffsetDateTime::now_utc();
    let details = ServiceDetails {
        name: "Azylový dům".into(),
        description: "Ubytování a poradenství.".into(),
        kind: 20,
        forms: vec![FormSpec {
            form: Form::Residential,
            capacities: vec![Capacity {
                unit: CapacityUnit::Beds,
                count: 1000,
            }],
            non_stop: true,
        }],
        target_groups: vec!["18".into()],
        age_groups: vec![],
        catchment: Default::default(),
        facilities: vec![],
        opening_hours: String::new(),
        contacts: Default::default(),
        registered_on: None,
        categories: vec![],
        media: Vec::new(),
    };
    (0..n)
        .map(|i| {
            let stream = i % 1000;
            let event = if i < 1000 {
                ServiceEvent::ServiceRegistered {
                    provider_ico: "00064581".into(),
                    details: details.clone(),
                }
            } else {
                ServiceEvent::VacancyReported {
                    facility_id: "A".into(),
                    form: Form::Residential,
                    unit: CapacityUnit::Beds,
                    free_places: (i % 50) as i64,
                    reported_at: now,
                }
            };
            let new = to_new_event(&event, now);
            RecordedEvent {
                event_id: new.event_id,
                stream: StreamRef::new("service", format!("s{stream}")),
                stream_version: (i / 1000 + 1) as u64,
                global_position: i as u64 + 1,
                transaction_id: i as u64 + 1,
                event_type: new.event_type,
                schema_version: 1,
                occurred_at: now,
                recorded_at: now,
                actor: Actor::system(),
                correlation_id: new.event_id,
                causation_id: None,
                idempotency_key: None,
                payload: new.payload,
            }
        })
        .collect()
}

/// Folds `n` events and returns a Markdown table.
///
/// # Errors
/// When an event does not read.
pub fn measure(n: usize) -> anyhow::Result<String> {
    let events = recorded(n);
    let started = Instant::now();
    let mut states: HashMap<&str, Service> = HashMap::new();
    for e in &events {
        let event: ServiceEvent = from_recorded(e)?;
        states
            .entry(e.stream.stream_id.as_str())
            .or_default()
            .apply(&event);
    }
    let fold = n as f64 / started.elapsed().as_secs_f64();
    let started = Instant::now();
    for e in &events {
        std::hint::black_box(serde_json::to_string(&e.payload)?);
    }
    let baseline = n as f64 / started.elapsed().as_secs_f64();
    Ok(format!(
        "| what | events/s |\n|---|---:|\n| fold into {} service aggregates (payload → domain event → apply) | {fold:.0} |\n| baseline: serialise the same payloads only | {baseline:.0} |",
        states.len()
    ))
}
