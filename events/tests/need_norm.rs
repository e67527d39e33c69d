//! Given/when/then tests of the need norms.

mod support;

use events::statistics::need_norm::{
    AgeGroup, NeedNorm, NeedNormCommand as C, NeedNormEvent as E, Norm,
};
use events::values::CapacityUnit;
use events::Aggregate;
use support::{fields, given, round_trip};
use time::macros::date;

fn norm(per_thousand: f64, valid_from: time::Date) -> Norm {
    Norm {
        unit: CapacityUnit::Beds,
        per_thousand,
        age_group: AgeGroup::Seniors,
        valid_from,
        note: "Střednědobý plán".into(),
    }
}

#[test]
fn versions_apply_from_their_day() {
    let first = E::NeedNormSet {
        norm: norm(25.0, date!(2020 - 01 - 01)),
    };
    let second = E::NeedNormSet {
        norm: norm(30.0, date!(2026 - 01 - 01)),
    };
    given::<NeedNorm>(&[])
        .when(&C::Set(norm(25.0, date!(2020 - 01 - 01))))
        .then(std::slice::from_ref(&first));
    given::<NeedNorm>(std::slice::from_ref(&first))
        .when(&C::Set(norm(25.0, date!(2020 - 01 - 01))))
        .then(&[]);
    let state = NeedNorm::fold(&[first.clone(), second.clone()]);
    assert_eq!(state.on(date!(2019 - 12 - 31)), None);
    assert_eq!(state.on(date!(2025 - 12 - 31)).unwrap().per_thousand, 25.0);
    assert_eq!(state.on(date!(2026 - 06 - 30)).unwrap().per_thousand, 30.0);
    // A version for the same day replaces it.
    let fixed = E::NeedNormSet {
        norm: norm(28.0, date!(2026 - 01 - 01)),
    };
    let state = NeedNorm::fold(&[first.clone(), second.clone(), fixed.clone()]);
    assert_eq!(state.versions.len(), 2);
    assert_eq!(state.on(date!(2026 - 06 - 30)).unwrap().per_thousand, 28.0);
    round_trip::<NeedNorm>(&[first, second, fixed]);
}

#[test]
fn a_norm_must_be_positive() {
    for bad in [0.0, -1.0, f64::NAN, 1001.0] {
        let err = given::<NeedNorm>(&[])
            .when(&C::Set(norm(bad, date!(2026 - 01 - 01))))
            .error();
        assert_eq!(fields(&err), ["per_thousand"]);
    }
    assert_eq!(events::statistics::need_norm::check_kind("13"), Ok(13));
    assert!(events::statistics::need_norm::check_kind("2").is_err());
    assert!(events::statistics::need_norm::check_kind("x").is_err());
}
