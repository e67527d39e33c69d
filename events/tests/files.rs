//! Given/when/then tests of files.

mod support;

use events::files::{File, FileCommand as C, FileEvent as E, FileRef};
use events::DomainError;
use support::given;

fn pdf() -> FileRef {
    FileRef {
        sha256: "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad".into(),
        size: 3,
        content_type: "application/pdf".into(),
    }
}

#[test]
fn a_file_is_recorded_at_its_first_upload_only() {
    let upload = C::Upload {
        file: pdf(),
        name: "plan.pdf".into(),
        variants: vec![],
    };
    let uploaded = E::FileUploaded {
        file: pdf(),
        name: "plan.pdf".into(),
        variants: vec![],
    };
    given::<File>(&[])
        .when(&upload)
        .then(std::slice::from_ref(&uploaded));
    given::<File>(std::slice::from_ref(&uploaded))
        .when(&C::Upload {
            file: pdf(),
            name: "jiny-nazev.pdf".into(),
            variants: vec![],
        })
        .then(&[]);
    let json = serde_json::to_value(&uploaded).unwrap();
    assert_eq!(json["sha256"], pdf().sha256);
    assert_eq!(json["type"], "FileUploaded");
    assert!(json.get("variants").is_none(), "no photo, no variants");
}

#[test]
fn a_name_is_a_name_and_a_hash_a_hash() {
    let e = given::<File>(&[])
        .when(&C::Upload {
            file: FileRef {
                sha256: "../x".into(),
                ..pdf()
            },
            name: "../../etc/passwd".into(),
            variants: vec![],
        })
        .error();
    let DomainError::Invalid(v) = e else {
        panic!("{e:?}")
    };
    let fields: Vec<&str> = v.iter().map(|v| v.field.as_str()).collect();
    assert_eq!(fields, ["sha256", "name"]);
}

#[test]
fn an_erased_file_is_gone_until_its_bytes_are_uploaded_again() {
    let uploaded = E::FileUploaded {
        file: pdf(),
        name: "plan.pdf".into(),
        variants: vec![],
    };
    let erase = C::Erase {
        reason: "its author was erased".into(),
    };
    let erased = E::FileErased {
        reason: "its author was erased".into(),
    };
    given::<File>(std::slice::from_ref(&uploaded))
        .when(&erase)
        .then(std::slice::from_ref(&erased));
    given::<File>(&[]).when(&erase).then(&[]);
    given::<File>(&[uploaded.clone(), erased.clone()])
        .when(&erase)
        .then(&[]);
    given::<File>(&[uploaded.clone(), erased])
        .when(&C::Upload {
            file: pdf(),
            name: "plan.pdf".into(),
            variants: vec![],
        })
        .then(&[uploaded]);
}
