//! Given/when/then tests of a service's rules, vacancies included.

mod support;

use events::aggregate::from_recorded;
use events::registry::service::{
    Capacity, Catchment, Facility, FormSpec, ReportVacancy, Service, ServiceChanges,
    ServiceCommand as C, ServiceDetails, ServiceEvent as E,
};
use events::values::{Address, CapacityUnit, Contacts, Form, Location};
use events::{DomainError, RecordedEvent, StreamRef};
use support::{fields, given, NOW};

fn facility(id: &str, lat: f64) -> Facility {
    Facility {
        closed_on: None,
        secret_address: false,
        facility_id: id.into(),
        name: format!("Azylový dům {id}"),
        address: Address {
            street: "Kamenická 5".into(),
            city: "Děčín".into(),
            postcode: "40502".into(),
            municipality_code: Some("562335".into()),
            ruian_code: Some(21_676_682),
        },
        location: Some(Location { lat, lon: 14.2 }),
    }
}

fn details() -> ServiceDetails {
    ServiceDetails {
        name: "Azylový dům pro muže".into(),
        description: "Ubytování a pomoc mužům bez domova.".into(),
        kind: 20,
        forms: vec![FormSpec {
            form: Form::Residential,
            capacities: vec![Capacity {
                unit: CapacityUnit::Beds,
                count: 30,
            }],
            non_stop: true,
        }],
        target_groups: vec!["18".into(), "30".into()],
        age_groups: vec!["6".into()],
        catchment: Catchment {
            kraje: vec!["CZ042".into()],
            orp: vec!["4202".into()],
            municipalities: vec![],
        },
        facilities: vec![facility("A", 50.77), facility("B", 50.78)],
        opening_hours: "nonstop".into(),
        contacts: Contacts::default(),
        registered_on: Some(time::macros::date!(2007 - 01 - 01)),
        categories: vec!["bydlení".into()],
        media: Vec::new(),
    }
}

fn registered() -> E {
    E::ServiceRegistered {
        provider_ico: "00064581".into(),
        details: details(),
    }
}

fn report(facility: &str, free: i64) -> C {
    C::ReportVacancy(ReportVacancy {
        facility_id: facility.into(),
        form: Form::Residential,
        unit: CapacityUnit::Beds,
        free_places: free,
    })
}

fn reported(facility: &str, free: i64) -> E {
    E::VacancyReported {
        facility_id: facility.into(),
        form: Form::Residential,
        unit: CapacityUnit::Beds,
        free_places: free,
        reported_at: NOW,
    }
}

#[test]
fn a_service_is_registered_with_two_facilities() {
    given::<Service>(&[])
        .when(&C::Register {
            provider_ico: "00064581".into(),
            details: details(),
        })
        .then(&[registered()]);
}

#[test]
fn every_invalid_field_is_named() {
    let mut d = details();
    d.kind = 2;
    d.forms[0].capacities[0].count = -1;
    d.facilities[1].location = Some(Location {
        lat: 48.2,
        lon: 16.37,
    }); // Vienna
    d.facilities[0].address.postcode = "00000".into();
    d.target_groups.push("not a code".into());
    let err = given::<Service>(&[])
        .when(&C::Register {
            provider_ico: "12345678".into(),
            details: d,
        })
        .error();
    assert_eq!(
        fields(&err),
        [
            "provider_ico",
            "kind",
            "forms[0].capacities[0].count",
            "target_groups[2]",
            "facilities[0].address.postcode",
            "facilities[1].location.lat"
        ]
    );
}

#[test]
fn forms_and_facilities_must_be_unique() {
    let mut d = details();
    d.forms.push(d.forms[0].clone());
    d.facilities.push(facility("A", 50.7));
    d.forms.push(FormSpec {
        form: Form::Field,
        capacities: vec![],
        non_stop: false,
    });
    let err = given::<Service>(&[])
        .when(&C::Register {
            provider_ico: "00064581".into(),
            details: d,
        })
        .error();
    assert_eq!(fields(&err), ["forms[1].form", "facilities[2].facility_id"]);
    let mut d = details();
    d.forms.clear();
    let err = given::<Service>(&[])
        .when(&C::Register {
            provider_ico: "00064581".into(),
            details: d,
        })
        .error();
    assert_eq!(fields(&err), ["forms"]);
}

#[test]
fn unknown_target_group_codes_are_kept() {
    let mut d = details();
    d.target_groups = vec!["99".into()];
    given::<Service>(&[])
        .when(&C::Register {
            provider_ico: "00064581".into(),
            details: d.clone(),
        })
        .then(&[E::ServiceRegistered {
            provider_ico: "00064581".into(),
            details: d,
        }]);
}

#[test]
fn a_change_records_only_the_changed_sections() {
    let mut forms = details().forms;
    forms[0].capacities[0].count = 32;
    let changes = ServiceChanges {
        name: Some("Azylový dům pro muže".into()),
        forms: Some(forms.clone()),
        ..ServiceChanges::default()
    };
    given::<Service>(&[registered()])
        .when(&C::Change(changes))
        .then(&[E::ServiceChanged {
            changes: ServiceChanges {
                forms: Some(forms),
                ..ServiceChanges::default()
            },
        }]);
    given::<Service>(&[registered()])
        .when(&C::Change(ServiceChanges {
            kind: Some(20),
            ..ServiceChanges::default()
        }))
        .then(&[]);
}

#[test]
fn vacancies_stay_between_zero_and_the_capacity() {
    given::<Service>(&[registered()])
        .when(&report("A", 30))
        .then(&[reported("A", 30)]);
    given::<Service>(&[registered()])
        .when(&report("A", 0))
        .then(&[reported("A", 0)]);
    let err = given::<Service>(&[registered()])
        .when(&report("A", 31))
        .error();
    assert_eq!(fields(&err), ["free_places"]);
    let err = given::<Service>(&[registered()])
        .when(&report("A", -1))
        .error();
    assert_eq!(fields(&err), ["free_places"]);
    // Across facilities the free places of one form and unit add up.
    let err = given::<Service>(&[registered(), reported("A", 20)])
        .when(&report("B", 11))
        .error();
    assert_eq!(fields(&err), ["free_places"]);
    // A new report replaces the facility's previous one.
    given::<Service>(&[registered(), reported("A", 20)])
        .when(&report("A", 25))
        .then(&[reported("A", 25)]);
}

#[test]
fn vacancies_name_an_unknown_facility_form_or_unit() {
    let err = given::<Service>(&[registered()])
        .when(&report("Z", 1))
        .error();
    assert_eq!(fields(&err), ["facility_id"]);
    let err = given::<Service>(&[registered()])
        .when(&C::ReportVacancy(ReportVacancy {
            facility_id: "A".into(),
            form: Form::Field,
            unit: CapacityUnit::Beds,
            free_places: 1,
        }))
        .error();
    assert_eq!(fields(&err), ["form"]);
    let err = given::<Service>(&[registered()])
        .when(&C::ReportVacancy(ReportVacancy {
            facility_id: "A".into(),
            form: Form::Residential,
            unit: CapacityUnit::Clients,
            free_places: 1,
        }))
        .error();
    assert_eq!(fields(&err), ["unit"]);
}

#[test]
fn a_suspended_or_ended_service_takes_no_vacancies() {
    let suspended = E::ServiceSuspended {
        reason: "renovation".into(),
        until: None,
    };
    let err = given::<Service>(&[registered(), suspended.clone()])
        .when(&report("A", 1))
        .error();
    assert!(matches!(err, DomainError::Rejected(_)));
    given::<Service>(&[registered(), suspended])
        .when(&C::Resume)
        .then(&[E::ServiceResumed {}]);
    let ended = E::ServiceEnded {
        reason: "closed".into(),
        ended_on: NOW.date(),
    };
    let err = given::<Service>(&[registered(), ended])
        .when(&report("A", 1))
        .error();
    assert!(matches!(err, DomainError::Rejected(_)));
    let err = given::<Service>(&[]).when(&report("A", 1)).error();
    assert!(matches!(err, DomainError::NotFound(_)));
}

#[test]
fn removing_a_facility_drops_its_vacancies() {
    let mut state: Service =
        events::Aggregate::fold(&[registered(), reported("A", 10), reported("B", 5)]);
    assert_eq!(state.vacancies.len(), 2);
    events::Aggregate::apply(
        &mut state,
        &E::ServiceChanged {
            changes: ServiceChanges {
                facilities: Some(vec![facility("A", 50.77)]),
                ..ServiceChanges::default()
            },
        },
    );
    assert_eq!(state.vacancies.len(), 1);
    // B's report lapsed: A may now report up to the whole capacity.
    let outcome = events::Aggregate::decide(&state, &report("A", 30), NOW);
    assert!(outcome.is_ok());
}

#[test]
fn verification_records_the_day() {
    given::<Service>(&[registered()])
        .when(&C::MarkVerified)
        .then(&[E::ServiceVerified {
            verified_on: NOW.date(),
        }]);
}

#[test]
fn events_round_trip_through_the_envelope() {
    support::round_trip::<Service>(&[
        registered(),
        E::ServiceChanged {
            changes: ServiceChanges {
                name: Some("X".into()),
                ..ServiceChanges::default()
            },
        },
        E::ServiceSuspended {
            reason: "r".into(),
            until: Some(NOW.date().next_day().unwrap()),
        },
        E::ServiceResumed {},
        E::ServiceVerified {
            verified_on: NOW.date(),
        },
        reported("A", 3),
        E::ServiceEnded {
            reason: "r".into(),
            ended_on: NOW.date(),
        },
    ]);
}

#[test]
fn an_end_records_its_day_and_refuses_a_future_one() {
    given::<Service>(&[registered()])
        .when(&C::End {
            reason: " closed ".into(),
            ended_on: None,
        })
        .then(&[E::ServiceEnded {
            reason: "closed".into(),
            ended_on: NOW.date(),
        }]);
    let earlier = time::macros::date!(2026 - 06 - 30);
    given::<Service>(&[registered()])
        .when(&C::End {
            reason: "registration ended".into(),
            ended_on: Some(earlier),
        })
        .then(&[E::ServiceEnded {
            reason: "registration ended".into(),
            ended_on: earlier,
        }]);
    let err = given::<Service>(&[registered()])
        .when(&C::End {
            reason: "later".into(),
            ended_on: Some(NOW.date().next_day().unwrap()),
        })
        .error();
    assert_eq!(fields(&err), ["ended_on"]);
}

/// An event of a service as stored with schema v1 at `at`.
fn stored_v1(
    event_type: &str,
    at: time::OffsetDateTime,
    payload: serde_json::Value,
) -> RecordedEvent {
    RecordedEvent {
        event_id: uuid::Uuid::now_v7(),
        stream: StreamRef::new("service", "s1"),
        stream_version: 2,
        global_position: 2,
        transaction_id: 2,
        event_type: event_type.into(),
        schema_version: 1,
        occurred_at: at,
        recorded_at: at,
        actor: events::Actor::system(),
        correlation_id: uuid::Uuid::now_v7(),
        causation_id: None,
        idempotency_key: None,
        payload,
    }
}

/// A `ServiceEnded` stored with schema v1 (`{ reason }`, before the day was
/// recorded) reads through its upcaster: it ended the day it occurred.
#[test]
fn an_old_service_ended_is_upcast() {
    let old = stored_v1(
        "ServiceEnded",
        time::macros::datetime!(2025-03-14 18:00 UTC),
        serde_json::json!({ "reason": "closed" }),
    );
    let event: E = from_recorded(&old).unwrap();
    assert_eq!(
        event,
        E::ServiceEnded {
            reason: "closed".into(),
            ended_on: time::macros::date!(2025 - 03 - 14),
        }
    );
    let newer = RecordedEvent {
        schema_version: 3,
        ..old.clone()
    };
    assert!(from_recorded::<E>(&newer)
        .unwrap_err()
        .to_string()
        .contains("newer"));
    // New events are written with the current version.
    let new = events::aggregate::to_new_event(&event, NOW);
    assert_eq!(new.schema_version, 2);
}

#[test]
fn a_suspension_may_announce_its_end_but_not_a_past_one() {
    let later = time::macros::date!(2027 - 01 - 15);
    given::<Service>(&[registered()])
        .when(&C::Suspend {
            reason: " renovation ".into(),
            until: Some(later),
        })
        .then(&[E::ServiceSuspended {
            reason: "renovation".into(),
            until: Some(later),
        }]);
    given::<Service>(&[registered()])
        .when(&C::Suspend {
            reason: "no staff".into(),
            until: None,
        })
        .then(&[E::ServiceSuspended {
            reason: "no staff".into(),
            until: None,
        }]);
    for day in [NOW.date(), NOW.date().previous_day().unwrap()] {
        let err = given::<Service>(&[registered()])
            .when(&C::Suspend {
                reason: "r".into(),
                until: Some(day),
            })
            .error();
        assert_eq!(fields(&err), ["until"], "{day}");
    }
}

/// A `ServiceSuspended` stored with schema v1 (`{ reason }`, before an end
/// could be announced) reads through its upcaster: none was announced.
#[test]
fn an_old_service_suspended_is_upcast() {
    let old = stored_v1(
        "ServiceSuspended",
        time::macros::datetime!(2026-11-14 18:00 UTC),
        serde_json::json!({ "reason": "renovation" }),
    );
    let event: E = from_recorded(&old).unwrap();
    assert_eq!(
        event,
        E::ServiceSuspended {
            reason: "renovation".into(),
            until: None,
        }
    );
    let new = events::aggregate::to_new_event(&event, NOW);
    assert_eq!(new.schema_version, 2);
    assert_eq!(new.payload["until"], serde_json::Value::Null);
    // A release that reads only v1 refuses a v2 event instead of dropping `until`.
    let v3 = RecordedEvent {
        schema_version: 3,
        ..old
    };
    assert!(from_recorded::<E>(&v3)
        .unwrap_err()
        .to_string()
        .contains("newer"));
}

#[test]
fn a_closed_facility_takes_no_vacancies_and_its_reports_lapse() {
    let mut state: Service =
        events::Aggregate::fold(&[registered(), reported("A", 10), reported("B", 5)]);
    let mut b = facility("B", 50.78);
    b.closed_on = Some(time::macros::date!(2026 - 06 - 30));
    events::Aggregate::apply(
        &mut state,
        &E::ServiceChanged {
            changes: ServiceChanges {
                facilities: Some(vec![facility("A", 50.77), b.clone()]),
                ..ServiceChanges::default()
            },
        },
    );
    assert_eq!(
        state.vacancies.len(),
        1,
        "the closed facility's report lapsed"
    );
    let details = state.details.clone().unwrap();
    assert_eq!(
        details
            .open_facilities()
            .map(|f| f.facility_id.as_str())
            .collect::<Vec<_>>(),
        ["A"]
    );
    let err = events::Aggregate::decide(&state, &report("B", 1), NOW).unwrap_err();
    assert_eq!(fields(&err), ["facility_id"]);
    assert!(err.to_string().contains("closed"), "{err}");
}

#[test]
fn a_secret_address_holds_only_its_municipality() {
    let secret = Facility {
        facility_id: "utajena-1".into(),
        name: "Azylový dům pro matky s dětmi".into(),
        address: Address {
            city: "Děčín".into(),
            municipality_code: Some("562335".into()),
            ..Address::default()
        },
        location: None,
        closed_on: None,
        secret_address: true,
    };
    let mut d = details();
    d.facilities.push(secret.clone());
    given::<Service>(&[])
        .when(&C::Register {
            provider_ico: "00064581".into(),
            details: d.clone(),
        })
        .then(&[E::ServiceRegistered {
            provider_ico: "00064581".into(),
            details: d.clone(),
        }]);
    // A street, a postcode, an address-place code or a location is refused.
    let mut leaky = secret;
    leaky.address.street = "Tajná 7".into();
    leaky.address.postcode = "40502".into();
    leaky.location = Some(Location {
        lat: 50.77,
        lon: 14.2,
    });
    d.facilities[2] = leaky;
    let err = given::<Service>(&[])
        .when(&C::Register {
            provider_ico: "00064581".into(),
            details: d,
        })
        .error();
    assert_eq!(
        fields(&err),
        ["facilities[2].address", "facilities[2].location"]
    );
}
