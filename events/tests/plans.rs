//! Given/when/then tests of community plans.

mod support;

use events::planning::plan::{
    CommunityPlan, Goal, Measure, PlanCommand as C, PlanContent, PlanEvent as E, Priority,
};
use events::DomainError;
use support::{fields, given, round_trip};
use time::macros::date;

fn content() -> PlanContent {
    PlanContent {
        period_from: 2026,
        period_to: 2028,
        attachments: vec![],
        priorities: vec![Priority {
            id: "P1".into(),
            title: "Bydlení".into(),
            goals: vec![Goal {
                id: "G1".into(),
                title: "Azylové bydlení".into(),
                measures: vec![Measure {
                    id: "M1".into(),
                    title: "Azylový dům".into(),
                    responsible: "Kraj".into(),
                    target_group: None,
                    indicators: vec![],
                    budget: 100,
                    sources: vec![],
                    deadline: date!(2027 - 12 - 31),
                }],
            }],
        }],
    }
}

fn history() -> Vec<E> {
    vec![
        E::PlanCreated {
            title: "Plán".into(),
            territory: "CZ042".into(),
        },
        E::RevisionProposed {
            revision: 1,
            content: content(),
        },
    ]
}

#[test]
fn a_revision_is_approved_once() {
    given::<CommunityPlan>(&history())
        .when(&C::Approve { revision: 1 })
        .then(&[E::RevisionApproved { revision: 1 }]);
    let mut approved = history();
    approved.push(E::RevisionApproved { revision: 1 });
    let err = given::<CommunityPlan>(&approved)
        .when(&C::Approve { revision: 1 })
        .error();
    assert!(matches!(err, DomainError::Rejected(r) if r.contains("already approved")));
    given::<CommunityPlan>(&approved)
        .when(&C::Propose(content()))
        .then(&[E::RevisionProposed {
            revision: 2,
            content: content(),
        }]);
    let err = given::<CommunityPlan>(&approved)
        .when(&C::Approve { revision: 7 })
        .error();
    assert!(matches!(err, DomainError::NotFound(_)));
    round_trip::<CommunityPlan>(&approved);
}

#[test]
fn measures_of_the_plan_in_force_are_evaluated_within_its_period() {
    let eval = |year, id: &str, f| C::Evaluate {
        year,
        measure_id: id.into(),
        fulfilment: f,
        note: String::new(),
    };
    let err = given::<CommunityPlan>(&history())
        .when(&eval(2026, "M1", 50))
        .error();
    assert!(
        matches!(err, DomainError::Rejected(_)),
        "nothing in force yet"
    );
    let mut approved = history();
    approved.push(E::RevisionApproved { revision: 1 });
    given::<CommunityPlan>(&approved)
        .when(&eval(2026, "M1", 50))
        .then(&[E::MeasureEvaluated {
            year: 2026,
            measure_id: "M1".into(),
            fulfilment: 50,
            note: String::new(),
        }]);
    let err = given::<CommunityPlan>(&approved)
        .when(&eval(2030, "M9", 101))
        .error();
    assert_eq!(fields(&err), ["measure_id", "year", "fulfilment"]);
    let mut bad = content();
    bad.period_to = 2020;
    bad.priorities[0].goals[0].measures[0].budget = -1;
    let err = given::<CommunityPlan>(&approved)
        .when(&C::Propose(bad))
        .error();
    assert_eq!(
        fields(&err),
        ["period_to", "priorities[0].goals[0].measures[0].budget"]
    );
}
