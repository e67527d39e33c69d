//! Given/when/then tests of the regional contacts (methodologists, social curators).

mod support;

use events::registry::regional_contact::{
    ContactDetails, ContactRole, RegionalContact, RegionalContactCommand as C,
    RegionalContactEvent as E,
};
use events::values::Contacts;
use events::DomainError;
use support::{fields, given, round_trip};

fn curator() -> ContactDetails {
    ContactDetails {
        role: ContactRole::SocialCurator,
        kraj: "CZ042".into(),
        orp: Some("4202".into()),
        name: "Mgr. Jana Nováková".into(),
        office: "Magistrát města Děčín, odbor sociálních věcí".into(),
        contacts: Contacts {
            emails: vec!["kurator@mmdecin.cz".into()],
            phones: vec!["+420 412 593 111".into()],
            webs: vec![],
        },
    }
}

#[test]
fn a_contact_is_published_changed_and_withdrawn() {
    let published = E::RegionalContactPublished { details: curator() };
    given::<RegionalContact>(&[])
        .when(&C::Publish(curator()))
        .then(std::slice::from_ref(&published));
    let mut moved = curator();
    moved.contacts.phones = vec!["+420 412 593 222".into()];
    given::<RegionalContact>(std::slice::from_ref(&published))
        .when(&C::Change(moved.clone()))
        .then(&[E::RegionalContactChanged {
            details: moved.clone(),
        }]);
    given::<RegionalContact>(std::slice::from_ref(&published))
        .when(&C::Change(curator()))
        .then(&[]);
    let withdrawn = E::RegionalContactWithdrawn {
        reason: "left the office".into(),
    };
    given::<RegionalContact>(std::slice::from_ref(&published))
        .when(&C::Withdraw {
            reason: " left the office ".into(),
        })
        .then(std::slice::from_ref(&withdrawn));
    let err = given::<RegionalContact>(&[published.clone(), withdrawn.clone()])
        .when(&C::Change(moved))
        .error();
    assert!(matches!(err, DomainError::NotFound(_)));
    let err = given::<RegionalContact>(std::slice::from_ref(&published))
        .when(&C::Publish(curator()))
        .error();
    assert!(matches!(err, DomainError::AlreadyExists(_)));
    round_trip::<RegionalContact>(&[published, withdrawn]);
}

#[test]
fn a_curator_needs_an_orp_and_a_methodologist_has_none() {
    let mut d = curator();
    d.orp = None;
    d.name = " ".into();
    d.contacts = Contacts::default();
    let err = given::<RegionalContact>(&[]).when(&C::Publish(d)).error();
    assert_eq!(fields(&err), ["orp", "name", "contacts"]);
    let mut m = curator();
    m.role = ContactRole::Methodologist;
    let err = given::<RegionalContact>(&[]).when(&C::Publish(m)).error();
    assert_eq!(fields(&err), ["orp"]);
    let mut bad = curator();
    bad.kraj = "kraj ústecký".into();
    bad.contacts.emails = vec!["not-an-address".into()];
    let err = given::<RegionalContact>(&[]).when(&C::Publish(bad)).error();
    assert_eq!(fields(&err), ["kraj", "contacts.emails[0]"]);
}
