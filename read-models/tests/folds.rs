//! The folds on their own: a document after a sequence of events, without a store.

use events::aggregate::to_new_event;
use events::content::news::{Article, NewsEvent};
use events::registry::service::{
    Capacity, Facility, FormSpec, ServiceDetails, ServiceEvent, ServiceStatus,
};
use events::values::{Address, CapacityUnit, Contacts, Form};
use events::{Actor, RecordedEvent, StreamRef};
use read_models::registry::{service, ServiceView, HISTORY};
use read_models::{content, Next};
use serde::Serialize;
use time::OffsetDateTime;
use uuid::Uuid;

/// `event` as the store would hand it back: version `version` of `stream`.
fn recorded<E: Serialize>(
    stream: (&str, &str),
    version: u64,
    role: &str,
    event: &E,
) -> RecordedEvent {
    let new = to_new_event(event, OffsetDateTime::now_utc());
    RecordedEvent {
        event_id: new.event_id,
        stream: StreamRef::new(stream.0, stream.1),
        stream_version: version,
        global_position: version,
        transaction_id: version,
        event_type: new.event_type,
        schema_version: new.schema_version,
        occurred_at: new.occurred_at,
        recorded_at: OffsetDateTime::now_utc(),
        actor: Actor {
            account_id: "a1".into(),
            role: role.into(),
        },
        correlation_id: Uuid::now_v7(),
        causation_id: None,
        idempotency_key: None,
        payload: new.payload,
    }
}

fn details() -> ServiceDetails {
    let facility = |id: &str| Facility {
        facility_id: id.into(),
        name: format!("Dům {id}"),
        address: Address {
            street: "Kamenická 5".into(),
            city: "Děčín".into(),
            postcode: "40502".into(),
            municipality_code: Some("562335".into()),
            ruian_code: None,
        },
        location: None,
        closed_on: None,
        secret_address: false,
    };
    ServiceDetails {
        name: "Azylový dům".into(),
        description: String::new(),
        kind: 20,
        forms: vec![FormSpec {
            form: Form::Residential,
            capacities: vec![Capacity {
                unit: CapacityUnit::Beds,
                count: 30,
            }],
            non_stop: true,
        }],
        target_groups: vec![],
        age_groups: vec![],
        catchment: Default::default(),
        facilities: vec![facility("B"), facility("A")],
        opening_hours: String::new(),
        contacts: Contacts::default(),
        registered_on: None,
        categories: vec![],
        media: Vec::new(),
    }
}

fn fold_service(events: &[ServiceEvent]) -> Option<ServiceView> {
    events.iter().enumerate().fold(None, |view, (i, event)| {
        let e = recorded(("service", "s1"), i as u64 + 1, "provider", event);
        service(view, &e, event.clone())
    })
}

fn vacancy(facility: &str, free: i64) -> ServiceEvent {
    ServiceEvent::VacancyReported {
        facility_id: facility.into(),
        form: Form::Residential,
        unit: CapacityUnit::Beds,
        free_places: free,
        reported_at: OffsetDateTime::now_utc(),
    }
}

#[test]
fn a_service_keeps_the_latest_report_per_facility_in_order_and_a_bounded_history() {
    assert_eq!(
        fold_service(&[vacancy("A", 3)]),
        None,
        "no service, no view"
    );
    let mut events = vec![ServiceEvent::ServiceRegistered {
        provider_ico: "00064581".into(),
        details: details(),
    }];
    events.extend([vacancy("B", 2), vacancy("A", 3), vacancy("A", 5)]);
    for _ in 0..HISTORY + 5 {
        events.push(ServiceEvent::ServiceVerified {
            verified_on: time::macros::date!(2026 - 11 - 30),
        });
    }
    events.push(ServiceEvent::ServiceSuspended {
        reason: "rekonstrukce".into(),
        until: Some(time::macros::date!(2027 - 01 - 15)),
    });
    let view = fold_service(&events).unwrap();
    let free: Vec<(&str, i64)> = view
        .vacancies
        .iter()
        .map(|v| (v.facility_id.as_str(), v.free_places))
        .collect();
    assert_eq!(free, [("A", 5), ("B", 2)]);
    assert_eq!(view.status, ServiceStatus::Suspended);
    assert_eq!(view.kind_name, "azylové domy");
    assert_eq!(view.version, events.len() as u64);
    assert_eq!(view.history.len(), HISTORY);
    let last = view.history.last().unwrap();
    assert_eq!(
        (last.action.as_str(), last.by.as_str()),
        ("suspend", "provider")
    );
    assert_eq!(view.history[0].action, "verify", "the oldest changes left");
    assert_eq!(
        view.suspended_until,
        Some(time::macros::date!(2027 - 01 - 15))
    );
    events.push(ServiceEvent::ServiceResumed {});
    assert_eq!(
        fold_service(&events).unwrap().suspended_until,
        None,
        "a resumed service announces no end of its suspension"
    );
}

#[test]
fn news_corrected_keeps_its_first_publication_and_withdrawn_leaves() {
    let article = |title: &str| Article {
        kraj: "CZ042".into(),
        title: title.into(),
        body: "Text".into(),
        attachments: vec![],
    };
    let published = NewsEvent::NewsPublished {
        article: article("První"),
    };
    let Next::Put(first) = content::news(
        None,
        &recorded(("news", "n1"), 1, "organiser", &published),
        published.clone(),
    ) else {
        panic!("published news is written");
    };
    let corrected = NewsEvent::NewsCorrected {
        article: article("Opraveno"),
    };
    let e = recorded(("news", "n1"), 2, "organiser", &corrected);
    let Next::Put(second) = content::news(Some(first.clone()), &e, corrected.clone()) else {
        panic!("corrected news is written");
    };
    assert_eq!(second.article.title, "Opraveno");
    assert_eq!(second.published_at, first.published_at);
    assert_eq!(second.updated_at, e.recorded_at);
    assert_eq!(
        content::news(None, &e, corrected),
        Next::Unchanged,
        "nothing to correct"
    );
    let withdrawn = NewsEvent::NewsWithdrawn {
        reason: "omyl".into(),
    };
    let e = recorded(("news", "n1"), 3, "organiser", &withdrawn);
    assert_eq!(content::news(Some(second), &e, withdrawn), Next::Delete);
}
