//! What the projection service's process tests share: a service's details
//! and the command service binary (its outbox relay feeds JetStream). Each
//! test binary uses a part of it.
#![allow(dead_code)]

use events::aggregate::to_new_event;
use events::registry::service::{Capacity, Facility, FormSpec, ServiceDetails, ServiceEvent};
use events::values::{Address, CapacityUnit, Contacts, Form};
use events::{Actor, EventMetadata, ExpectedVersion, StreamRef};
use infra::event_store::DynEventStore;
use time::OffsetDateTime;

/// Registers the services `s0` … `s{n-1}` (streams of their own), one append each.
pub async fn register_services(events: &DynEventStore, n: usize, now: OffsetDateTime) {
    for s in 0..n {
        let e = ServiceEvent::ServiceRegistered {
            provider_ico: "00064581".into(),
            details: details(),
        };
        events
            .append(
                &StreamRef::new("service", format!("s{s}")),
                ExpectedVersion::NoStream,
                vec![to_new_event(&e, now)],
                &EventMetadata::new(Actor::system()),
            )
            .await
            .unwrap();
    }
}

/// A night shelter with one facility and 1,000 beds.
pub fn details() -> ServiceDetails {
    ServiceDetails {
        name: "Noclehárna".into(),
        description: String::new(),
        kind: 26,
        forms: vec![FormSpec {
            form: Form::Residential,
            capacities: vec![Capacity {
                unit: CapacityUnit::Beds,
                count: 1000,
            }],
            non_stop: true,
        }],
        target_groups: vec![],
        age_groups: vec![],
        catchment: Default::default(),
        facilities: vec![Facility {
            closed_on: None,
            secret_address: false,
            facility_id: "A".into(),
            name: "A".into(),
            address: Address {
                city: "Děčín".into(),
                postcode: "40502".into(),
                ..Address::default()
            },
            location: None,
        }],
        opening_hours: String::new(),
        contacts: Contacts::default(),
        registered_on: None,
        categories: vec![],
        media: Vec::new(),
    }
}

/// The command service binary, built beside this test's binaries.
pub fn command_service_binary() -> String {
    let me = std::env::current_exe().unwrap();
    let bin = me
        .parent()
        .unwrap()
        .parent()
        .unwrap()
        .join("command-service");
    assert!(
        bin.exists(),
        "build the command service first (cargo build --workspace): {}",
        bin.display()
    );
    bin.display().to_string()
}
