//! The registry projection on both stores: a scripted history becomes the
//! expected documents; applying again changes nothing; a rebuild from zero
//! into a fresh generation equals the live read models document by document.

use events::aggregate::to_new_event;
use events::registry::directory::{DirectoryEvent, EntryDetails};
use events::registry::provider::ProviderEvent;
use events::registry::regional_contact::{ContactDetails, ContactRole, RegionalContactEvent};
use events::registry::service::{
    Capacity, Facility, FormSpec, ServiceChanges, ServiceDetails, ServiceEvent, ServiceStatus,
};
use events::values::{Address, CapacityUnit, Contacts, Form, Ico, Location};
use events::{Actor, EventMetadata, ExpectedVersion, StreamRef};
use infra::event_store::postgres::PostgresEventStore;
use infra::event_store::sqlite::SqliteEventStore;
use infra::event_store::DynEventStore;
use infra::read_model::postgres::PostgresReadModelStore;
use infra::read_model::sqlite::SqliteReadModelStore;
use infra::read_model::DynReadModelStore;
use projection_service::registry::RegistryProjection;
use projection_service::runner::{apply_batch, catch_up, rebuild};
use read_models::registry::{
    ContactView, ServiceView, DIRECTORY, PROVIDERS, REGIONAL_CONTACTS, SERVICES,
};
use serde::Serialize;
use std::collections::BTreeMap;
use std::sync::Arc;
use test_support::{TempDir, TestPostgres};
use time::OffsetDateTime;

async fn append<E: Serialize>(store: &DynEventStore, stream_type: &str, id: &str, events: &[E]) {
    let now = OffsetDateTime::now_utc();
    store
        .append(
            &StreamRef::new(stream_type, id),
            ExpectedVersion::Any,
            events.iter().map(|e| to_new_event(e, now)).collect(),
            &EventMetadata::new(Actor::system()),
        )
        .await
        .unwrap();
}

fn address() -> Address {
    Address {
        street: "Kamenická 5".into(),
        city: "Děčín".into(),
        postcode: "40502".into(),
        municipality_code: Some("562335".into()),
        ruian_code: None,
    }
}

fn facility(id: &str) -> Facility {
    Facility {
        closed_on: None,
        secret_address: false,
        facility_id: id.into(),
        name: format!("Dům {id}"),
        address: address(),
        location: Some(Location {
            lat: 50.77,
            lon: 14.2,
        }),
    }
}

fn details() -> ServiceDetails {
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
        target_groups: vec!["18".into()],
        age_groups: vec![],
        catchment: Default::default(),
        facilities: vec![facility("A"), facility("B")],
        opening_hours: String::new(),
        contacts: Contacts::default(),
        registered_on: None,
        categories: vec![],
        media: Vec::new(),
    }
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

async fn history(store: &DynEventStore) {
    append(
        store,
        "provider",
        "00064581",
        &[
            ProviderEvent::ProviderRegistered {
                ico: Ico::parse("00064581").unwrap(),
                name: "Charita".into(),
                legal_form: None,
                address: address(),
                contacts: Contacts::default(),
                pending_verification: true,
            },
            ProviderEvent::ProviderVerified {
                verified_at: OffsetDateTime::now_utc(),
            },
        ],
    )
    .await;
    append(
        store,
        "service",
        "s1",
        &[ServiceEvent::ServiceRegistered {
            provider_ico: "00064581".into(),
            details: details(),
        }],
    )
    .await;
    append(store, "service", "s1", &[vacancy("A", 3), vacancy("B", 2)]).await;
    append(store, "service", "s1", &[vacancy("A", 5)]).await;
    append(
        store,
        "service",
        "s2",
        &[ServiceEvent::ServiceRegistered {
            provider_ico: "00064581".into(),
            details: details(),
        }],
    )
    .await;
    // Facility B goes: its report lapses.
    append(
        store,
        "service",
        "s1",
        &[ServiceEvent::ServiceChanged {
            changes: ServiceChanges {
                facilities: Some(vec![facility("A")]),
                ..Default::default()
            },
        }],
    )
    .await;
    // Stored with the schemas of before `ended_on` and `until` (v1): read through their upcasters.
    for (id, event_type, reason) in [
        ("s2", "ServiceEnded", "closed"),
        ("s1", "ServiceSuspended", "renovation"),
    ] {
        store
            .append(
                &StreamRef::new("service", id),
                ExpectedVersion::Any,
                vec![events::NewEvent::new(
                    event_type,
                    1,
                    serde_json::json!({ "reason": reason }),
                )],
                &EventMetadata::new(Actor::system()),
            )
            .await
            .unwrap();
    }
    let entry = EntryDetails {
        name: "Potravinová banka".into(),
        operator: "Spolek".into(),
        operator_ico: None,
        description: String::new(),
        kind: None,
        target_groups: vec![],
        age_groups: vec![],
        catchment: Default::default(),
        facilities: vec![],
        opening_hours: String::new(),
        contacts: Contacts::default(),
        categories: vec![],
    };
    append(
        store,
        "directory_entry",
        "d1",
        &[DirectoryEvent::DirectoryEntryAdded {
            details: entry.clone(),
        }],
    )
    .await;
    append(
        store,
        "directory_entry",
        "d2",
        &[DirectoryEvent::DirectoryEntryAdded { details: entry }],
    )
    .await;
    append(
        store,
        "directory_entry",
        "d2",
        &[DirectoryEvent::DirectoryEntryRemoved {
            reason: "closed".into(),
        }],
    )
    .await;
    let mut curator = ContactDetails {
        role: ContactRole::SocialCurator,
        kraj: "CZ042".into(),
        orp: Some("4202".into()),
        name: "Jana Nováková".into(),
        office: "Magistrát města Děčín".into(),
        contacts: Contacts {
            emails: vec!["kurator@mmdecin.cz".into()],
            ..Contacts::default()
        },
    };
    let published = RegionalContactEvent::RegionalContactPublished {
        details: curator.clone(),
    };
    append(
        store,
        "regional_contact",
        "c1",
        std::slice::from_ref(&published),
    )
    .await;
    curator.contacts.phones = vec!["+420 412 593 111".into()];
    append(
        store,
        "regional_contact",
        "c1",
        &[RegionalContactEvent::RegionalContactChanged { details: curator }],
    )
    .await;
    append(
        store,
        "regional_contact",
        "c2",
        &[
            published,
            RegionalContactEvent::RegionalContactWithdrawn {
                reason: "left".into(),
            },
        ],
    )
    .await;
    // An account's events are not the registry's business.
    append(
        store,
        "account",
        "a1",
        &[events::accounts::AccountEvent::AccountCreated { roles: vec![] }],
    )
    .await;
}

async fn snapshot(
    rm: &DynReadModelStore,
    generation: i64,
) -> BTreeMap<(String, String), serde_json::Value> {
    let mut all = BTreeMap::new();
    for collection in [PROVIDERS, SERVICES, DIRECTORY, REGIONAL_CONTACTS] {
        for d in rm
            .changed_since(generation, collection, 0, 10_000)
            .await
            .unwrap()
        {
            if let Some(doc) = d.doc {
                all.insert((collection.to_string(), d.key), doc);
            }
        }
    }
    all
}

async fn contract(events: DynEventStore, rm: DynReadModelStore) {
    history(&events).await;
    let projection = RegistryProjection;
    let live = rm.active_generation().await.unwrap();
    // Live processing in small batches, up to a marker appended last (on
    // PostgreSQL the log shows events once older transactions of other tests end).
    let marker = events
        .append(
            &StreamRef::new("barrier", "end"),
            ExpectedVersion::NoStream,
            vec![events::NewEvent::new("Marker", 1, serde_json::json!({}))],
            &EventMetadata::new(Actor::system()),
        )
        .await
        .unwrap()
        .last_position;
    let mut applied = 0;
    while rm.checkpoint(live, "registry").await.unwrap() < Some(marker) {
        applied += catch_up(&projection, &events, &rm, live, 2).await.unwrap();
        tokio::time::sleep(std::time::Duration::from_millis(5)).await;
    }
    assert_eq!(applied, 19);
    let provider = rm.get(live, PROVIDERS, "00064581").await.unwrap().unwrap();
    assert_eq!(
        (provider["status"].as_str(), provider["version"].as_u64()),
        (Some("active"), Some(2))
    );
    let s1: ServiceView =
        serde_json::from_value(rm.get(live, SERVICES, "s1").await.unwrap().unwrap()).unwrap();
    assert_eq!(
        (s1.kind_name.as_str(), s1.paragraph.as_deref()),
        ("azylové domy", Some("57"))
    );
    assert_eq!(s1.vacancies.len(), 1, "B's report lapsed with B");
    assert_eq!(
        (
            s1.vacancies[0].facility_id.as_str(),
            s1.vacancies[0].free_places
        ),
        ("A", 5)
    );
    assert_eq!(s1.details.facilities.len(), 1);
    assert_eq!(s1.version, 6);
    assert_eq!(
        (s1.status, s1.suspended_until),
        (ServiceStatus::Suspended, None)
    );
    let s2 = rm.get(live, SERVICES, "s2").await.unwrap().unwrap();
    assert_eq!(s2["status"], "ended");
    assert!(rm.get(live, DIRECTORY, "d1").await.unwrap().is_some());
    assert!(rm.get(live, DIRECTORY, "d2").await.unwrap().is_none());
    let c1: ContactView = serde_json::from_value(
        rm.get(live, REGIONAL_CONTACTS, "c1")
            .await
            .unwrap()
            .unwrap(),
    )
    .unwrap();
    assert_eq!(
        (c1.version, c1.details.contacts.phones.len()),
        (2, 1),
        "the change replaced the details"
    );
    assert!(rm
        .get(live, REGIONAL_CONTACTS, "c2")
        .await
        .unwrap()
        .is_none());
    let before = snapshot(&rm, live).await;

    // Nothing new: nothing applied. An old batch again: refused, nothing changes.
    assert_eq!(
        catch_up(&projection, &events, &rm, live, 2).await.unwrap(),
        0
    );
    let old = events
        .read_all(infra::event_store::LogPosition::START, 3)
        .await
        .unwrap();
    assert!(!apply_batch(&projection, &rm, live, None, &old)
        .await
        .unwrap());
    // Nor one built on a checkpoint that has moved on (a second instance's).
    let current = rm.checkpoint(live, "registry").await.unwrap();
    let stale = old
        .first()
        .map(infra::event_store::RecordedEvent::log_position);
    assert_ne!(stale, current);
    let after_stale = events.read_all(stale.unwrap(), 2).await.unwrap();
    assert!(!apply_batch(&projection, &rm, live, stale, &after_stale)
        .await
        .unwrap());
    assert_eq!(snapshot(&rm, live).await, before);

    // A rebuild from zero in one large batch equals the live read models.
    let fresh = rebuild(&[&projection], &events, &rm, 1000).await.unwrap();
    assert_eq!(fresh, live + 1);
    assert_eq!(rm.active_generation().await.unwrap(), fresh);
    assert_eq!(snapshot(&rm, fresh).await, before);
}

#[tokio::test]
async fn on_postgres() {
    let db = TestPostgres::new();
    let events = PostgresEventStore::connect(&db.settings).await.unwrap();
    let rm = PostgresReadModelStore::new(events.pool().clone())
        .await
        .unwrap();
    contract(Arc::new(events), Arc::new(rm)).await;
}

#[tokio::test]
async fn on_sqlite() {
    let dir = TempDir::new();
    let events = SqliteEventStore::open(dir.path().join("events.sqlite3")).unwrap();
    let rm = SqliteReadModelStore::open(dir.path().join("read_models.sqlite3")).unwrap();
    contract(Arc::new(events), Arc::new(rm)).await;
}
