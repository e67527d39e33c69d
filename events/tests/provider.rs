//! Given/when/then tests of the provider's rules.

mod support;

use events::registry::provider::{
    ChangeProviderDetails, Provider, ProviderCommand as C, ProviderEvent as E, RegisterProvider,
};
use events::values::{Address, Contacts, Ico};
use events::DomainError;
use support::{fields, given, NOW};

fn address() -> Address {
    Address {
        street: "Teplická 1234/56".into(),
        city: "Děčín".into(),
        postcode: "405 02".into(),
        municipality_code: Some("562335".into()),
        ruian_code: Some(21_676_682),
    }
}

fn registration() -> RegisterProvider {
    RegisterProvider {
        ico: "00064581".into(),
        name: "Oblastní charita Děčín".into(),
        legal_form: Some("745".into()),
        address: address(),
        contacts: Contacts {
            emails: vec!["info@charita-decin.cz".into()],
            phones: vec!["+420 412 345 678".into()],
            webs: vec!["https://decin.charita.cz".into()],
        },
    }
}

fn registered(pending: bool) -> E {
    let mut a = address();
    a.postcode = "40502".into();
    E::ProviderRegistered {
        ico: Ico::parse("00064581").unwrap(),
        name: "Oblastní charita Děčín".into(),
        legal_form: Some("745".into()),
        address: a,
        contacts: registration().contacts,
        pending_verification: pending,
    }
}

#[test]
fn a_self_registration_waits_for_verification() {
    given::<Provider>(&[])
        .when(&C::Register {
            data: registration(),
            verified: false,
        })
        .then(&[registered(true)]);
}

#[test]
fn an_administrator_registers_verified() {
    given::<Provider>(&[])
        .when(&C::Register {
            data: registration(),
            verified: true,
        })
        .then(&[registered(false), E::ProviderVerified { verified_at: NOW }]);
}

#[test]
fn a_bad_ico_and_an_empty_name_are_both_named() {
    let mut data = registration();
    data.ico = "00064582".into();
    data.name = "  ".into();
    data.address.postcode = "999".into();
    let err = given::<Provider>(&[])
        .when(&C::Register {
            data,
            verified: false,
        })
        .error();
    assert_eq!(fields(&err), ["ico", "name", "address.postcode"]);
}

#[test]
fn the_same_ico_cannot_register_twice() {
    let err = given::<Provider>(&[registered(true)])
        .when(&C::Register {
            data: registration(),
            verified: false,
        })
        .error();
    assert!(matches!(err, DomainError::AlreadyExists(_)));
}

#[test]
fn verification_happens_once() {
    given::<Provider>(&[registered(true)])
        .when(&C::Verify)
        .then(&[E::ProviderVerified { verified_at: NOW }]);
    let err = given::<Provider>(&[registered(false)])
        .when(&C::Verify)
        .error();
    assert!(matches!(err, DomainError::Rejected(_)));
    let err = given::<Provider>(&[]).when(&C::Verify).error();
    assert!(matches!(err, DomainError::NotFound(_)));
}

#[test]
fn a_change_records_only_what_changed() {
    let change = ChangeProviderDetails {
        name: Some("Oblastní charita Děčín".into()),
        contacts: Some(Contacts {
            webs: vec!["https://www.charita-decin.cz".into()],
            ..Contacts::default()
        }),
        ..ChangeProviderDetails::default()
    };
    given::<Provider>(&[registered(false)])
        .when(&C::ChangeDetails(change.clone()))
        .then(&[E::ProviderDetailsChanged {
            name: None,
            legal_form: None,
            address: None,
            contacts: change.contacts.clone(),
        }]);
    given::<Provider>(&[registered(false)])
        .when(&C::ChangeDetails(ChangeProviderDetails {
            name: Some("Oblastní charita Děčín".into()),
            ..ChangeProviderDetails::default()
        }))
        .then(&[]);
}

#[test]
fn suspend_resume_and_end() {
    let suspended = E::ProviderSuspended {
        reason: "registration withdrawn".into(),
    };
    given::<Provider>(&[registered(false)])
        .when(&C::Suspend {
            reason: " registration withdrawn ".into(),
        })
        .then(std::slice::from_ref(&suspended));
    let err = given::<Provider>(&[registered(false), suspended.clone()])
        .when(&C::Suspend {
            reason: "again".into(),
        })
        .error();
    assert!(matches!(err, DomainError::Rejected(_)));
    given::<Provider>(&[registered(false), suspended])
        .when(&C::Resume)
        .then(&[E::ProviderResumed {}]);
    let err = given::<Provider>(&[registered(false)])
        .when(&C::Resume)
        .error();
    assert!(matches!(err, DomainError::Rejected(_)));
    let err = given::<Provider>(&[registered(false)])
        .when(&C::End { reason: "".into() })
        .error();
    assert_eq!(fields(&err), ["reason"]);
    let ended = E::ProviderEnded {
        reason: "merged".into(),
    };
    let err = given::<Provider>(&[registered(false), ended])
        .when(&C::ChangeDetails(ChangeProviderDetails::default()))
        .error();
    assert!(matches!(err, DomainError::Rejected(_)));
}

#[test]
fn events_round_trip_through_the_envelope() {
    support::round_trip::<Provider>(&[
        registered(true),
        E::ProviderVerified { verified_at: NOW },
        E::ProviderDetailsChanged {
            name: Some("X".into()),
            legal_form: None,
            address: None,
            contacts: None,
        },
        E::ProviderSuspended { reason: "r".into() },
        E::ProviderResumed {},
        E::ProviderEnded { reason: "r".into() },
    ]);
}
