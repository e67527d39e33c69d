//! Given/when/then tests of the supplementary directory.

mod support;

use events::registry::directory::{
    DirectoryCommand as C, DirectoryEntry, DirectoryEvent as E, EntryDetails,
};
use events::registry::service::Catchment;
use events::values::Contacts;
use events::DomainError;
use support::{fields, given};

fn details() -> EntryDetails {
    EntryDetails {
        name: "Potravinová banka Děčín".into(),
        operator: "Spolek Pomoc".into(),
        operator_ico: None,
        description: String::new(),
        kind: None,
        target_groups: vec!["18".into()],
        age_groups: vec![],
        catchment: Catchment::default(),
        facilities: vec![],
        opening_hours: "Po–Pá 9–12".into(),
        contacts: Contacts::default(),
        categories: vec![],
    }
}

#[test]
fn an_entry_is_added_changed_and_removed() {
    given::<DirectoryEntry>(&[])
        .when(&C::Add(details()))
        .then(&[E::DirectoryEntryAdded { details: details() }]);
    let mut changed = details();
    changed.opening_hours = "Po–Pá 9–15".into();
    let added = E::DirectoryEntryAdded { details: details() };
    given::<DirectoryEntry>(std::slice::from_ref(&added))
        .when(&C::Change(changed.clone()))
        .then(&[E::DirectoryEntryChanged { details: changed }]);
    given::<DirectoryEntry>(std::slice::from_ref(&added))
        .when(&C::Change(details()))
        .then(&[]);
    let removed = E::DirectoryEntryRemoved {
        reason: "closed".into(),
    };
    given::<DirectoryEntry>(std::slice::from_ref(&added))
        .when(&C::Remove {
            reason: "closed".into(),
        })
        .then(std::slice::from_ref(&removed));
    let err = given::<DirectoryEntry>(&[added, removed])
        .when(&C::Change(details()))
        .error();
    assert!(matches!(err, DomainError::NotFound(_)));
}

#[test]
fn invalid_fields_are_named() {
    let mut d = details();
    d.operator = String::new();
    d.operator_ico = Some("11111111".into());
    d.kind = Some(2);
    let err = given::<DirectoryEntry>(&[]).when(&C::Add(d)).error();
    assert_eq!(fields(&err), ["operator", "operator_ico", "kind"]);
}
