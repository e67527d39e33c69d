//! Given/when/then tests of the ledger of registry imports.

mod support;

use events::registry::import::{
    RegistryImport, RegistryImportCommand as C, RegistryImportEvent as E,
};
use std::collections::BTreeSet;
use support::{fields, given, round_trip};

fn ids(list: &[&str]) -> BTreeSet<String> {
    list.iter().map(|s| s.to_string()).collect()
}

#[test]
fn the_contents_are_recorded_only_when_they_change() {
    let first = E::RegistryContentsRecorded {
        source: "rpss.json".into(),
        present: ids(&["1", "2"]),
    };
    given::<RegistryImport>(&[])
        .when(&C::Record {
            source: " rpss.json ".into(),
            present: ids(&["1", "2"]),
        })
        .then(std::slice::from_ref(&first));
    given::<RegistryImport>(std::slice::from_ref(&first))
        .when(&C::Record {
            source: "rpss-2.json".into(),
            present: ids(&["2", "1"]),
        })
        .then(&[]);
    given::<RegistryImport>(std::slice::from_ref(&first))
        .when(&C::Record {
            source: "rpss-2.json".into(),
            present: ids(&["2"]),
        })
        .then(&[E::RegistryContentsRecorded {
            source: "rpss-2.json".into(),
            present: ids(&["2"]),
        }]);
    let err = given::<RegistryImport>(&[])
        .when(&C::Record {
            source: "".into(),
            present: ids(&[]),
        })
        .error();
    assert_eq!(fields(&err), ["source"]);
    round_trip::<RegistryImport>(&[first]);
}
