//! Given/when/then tests of grant calls and applications.

mod support;

use events::grants::application::{
    ApplicationDetails, BudgetLine, CallFacts, GrantApplication, GrantApplicationCommand as C,
    GrantApplicationEvent as E, Score,
};
use events::grants::call::{CallDetails, Criterion, GrantCall, GrantCallCommand, GrantCallEvent};
use events::DomainError;
use support::{fields, given, round_trip, NOW};

fn criteria() -> Vec<Criterion> {
    vec![
        Criterion {
            id: "need".into(),
            name: "Potřebnost".into(),
            weight: 60,
            max_points: 10,
        },
        Criterion {
            id: "budget".into(),
            name: "Rozpočet".into(),
            weight: 40,
            max_points: 5,
        },
    ]
}

fn call() -> CallDetails {
    CallDetails {
        title: "Dotace 2027".into(),
        description: String::new(),
        territory: "CZ042".into(),
        budget: 1_000_000,
        eligible_kinds: vec![20, 26],
        criteria: criteria(),
        deadline: NOW + time::Duration::days(30),
    }
}

fn application() -> ApplicationDetails {
    ApplicationDetails {
        call_id: "c1".into(),
        provider_ico: "00064581".into(),
        service_id: "s1".into(),
        requested_amount: 300_000,
        budget_lines: vec![
            BudgetLine {
                item: "mzdy".into(),
                amount: 250_000,
            },
            BudgetLine {
                item: "energie".into(),
                amount: 50_000,
            },
        ],
        justification: "Provoz azylového domu".into(),
        attachments: vec![],
    }
}

fn facts() -> CallFacts {
    CallFacts {
        open: true,
        eligible_kinds: vec![20, 26],
        service_kind: Some(20),
    }
}

fn submitted() -> E {
    E::GrantApplicationSubmitted {
        details: application(),
    }
}

fn scores(need: u16, budget: u16) -> Vec<Score> {
    vec![
        Score {
            criterion_id: "need".into(),
            points: need,
            comment: String::new(),
        },
        Score {
            criterion_id: "budget".into(),
            points: budget,
            comment: String::new(),
        },
    ]
}

#[test]
fn a_call_needs_weights_of_100_and_a_future_deadline() {
    given::<GrantCall>(&[])
        .when(&GrantCallCommand::Announce(call()))
        .then(&[GrantCallEvent::GrantCallAnnounced { details: call() }]);
    let mut bad = call();
    bad.criteria[0].weight = 50;
    bad.deadline = NOW - time::Duration::hours(1);
    bad.budget = 0;
    bad.eligible_kinds = vec![2];
    let err = given::<GrantCall>(&[])
        .when(&GrantCallCommand::Announce(bad))
        .error();
    assert_eq!(
        fields(&err),
        ["budget", "eligible_kinds[0]", "criteria", "deadline"]
    );
}

#[test]
fn an_application_in_time_for_an_eligible_service_is_submitted() {
    given::<GrantApplication>(&[])
        .when(&C::Submit {
            details: application(),
            facts: facts(),
        })
        .then(&[submitted()]);
    let late = CallFacts {
        open: false,
        ..facts()
    };
    let err = given::<GrantApplication>(&[])
        .when(&C::Submit {
            details: application(),
            facts: late,
        })
        .error();
    assert!(matches!(err, DomainError::Rejected(r) if r.contains("deadline")));
    let mut wrong = application();
    wrong.budget_lines.pop();
    let other_kind = CallFacts {
        service_kind: Some(13),
        ..facts()
    };
    let err = given::<GrantApplication>(&[])
        .when(&C::Submit {
            details: wrong,
            facts: other_kind,
        })
        .error();
    assert_eq!(fields(&err), ["budget_lines", "service_id"]);
}

#[test]
fn an_application_carries_at_most_ten_files_each_named_by_its_hash() {
    let file = |sha: &str, name: &str| events::files::Attachment {
        file: events::files::FileRef {
            sha256: sha.into(),
            size: 10,
            content_type: "application/pdf".into(),
        },
        name: name.into(),
    };
    let mut with_files = application();
    with_files.attachments = vec![file(&"a".repeat(64), "rozpočet.pdf")];
    given::<GrantApplication>(&[])
        .when(&C::Submit {
            details: with_files.clone(),
            facts: facts(),
        })
        .then(&[E::GrantApplicationSubmitted {
            details: with_files.clone(),
        }]);
    with_files.attachments = vec![file("AB", "../rozpočet.pdf")];
    let err = given::<GrantApplication>(&[])
        .when(&C::Submit {
            details: with_files.clone(),
            facts: facts(),
        })
        .error();
    assert_eq!(
        fields(&err),
        ["attachments[0].sha256", "attachments[0].name"]
    );
    with_files.attachments = (0..11).map(|_| file(&"b".repeat(64), "x.pdf")).collect();
    let err = given::<GrantApplication>(&[])
        .when(&C::Submit {
            details: with_files,
            facts: facts(),
        })
        .error();
    assert_eq!(fields(&err), ["attachments"]);
}

#[test]
fn budget_lines_cannot_overflow_into_the_requested_amount() {
    // 2 × i64::MAX + 102 wraps around to 100 in unchecked arithmetic.
    let mut huge = application();
    huge.requested_amount = 100;
    huge.budget_lines = [i64::MAX, i64::MAX, 102]
        .into_iter()
        .map(|amount| BudgetLine {
            item: "x".into(),
            amount,
        })
        .collect();
    let err = given::<GrantApplication>(&[])
        .when(&C::Submit {
            details: huge,
            facts: facts(),
        })
        .error();
    assert_eq!(
        fields(&err),
        [
            "budget_lines[0].amount",
            "budget_lines[1].amount",
            "budget_lines"
        ]
    );
}

#[test]
fn evaluation_decision_and_amendment() {
    let evaluate = |who: &str, need, budget| C::Evaluate {
        evaluator: who.into(),
        scores: scores(need, budget),
        criteria: criteria(),
    };
    // 60 × 8/10 + 40 × 4/5 = 48 + 32 = 80
    let evaluated = E::GrantApplicationEvaluated {
        evaluator: "k1".into(),
        scores: scores(8, 4),
        weighted_score: 80.0,
    };
    given::<GrantApplication>(&[submitted()])
        .when(&evaluate("k1", 8, 4))
        .then(std::slice::from_ref(&evaluated));
    let err = given::<GrantApplication>(&[submitted()])
        .when(&evaluate("k1", 11, 4))
        .error();
    assert_eq!(fields(&err), ["scores[0].points"]);
    let err = given::<GrantApplication>(&[submitted()])
        .when(&C::Decide {
            granted_amount: 100,
            reasons: "ok".into(),
        })
        .error();
    assert!(matches!(err, DomainError::Rejected(r) if r.contains("not been evaluated")));
    let decided = E::GrantApplicationDecided {
        granted_amount: 200_000,
        reasons: "Kráceno".into(),
    };
    given::<GrantApplication>(&[submitted(), evaluated.clone()])
        .when(&C::Decide {
            granted_amount: 200_000,
            reasons: " Kráceno ".into(),
        })
        .then(std::slice::from_ref(&decided));
    let err = given::<GrantApplication>(&[submitted(), evaluated.clone()])
        .when(&C::Decide {
            granted_amount: 400_000,
            reasons: "".into(),
        })
        .error();
    assert_eq!(fields(&err), ["granted_amount", "reasons"]);
    let history = [submitted(), evaluated.clone(), decided.clone()];
    let err = given::<GrantApplication>(&history)
        .when(&C::Decide {
            granted_amount: 1,
            reasons: "again".into(),
        })
        .error();
    assert!(matches!(err, DomainError::Rejected(r) if r.contains("already decided")));
    given::<GrantApplication>(&history)
        .when(&C::Amend {
            granted_amount: 250_000,
            reasons: "Navýšení".into(),
        })
        .then(&[E::GrantDecisionAmended {
            granted_amount: 250_000,
            reasons: "Navýšení".into(),
        }]);
    let err = given::<GrantApplication>(&history)
        .when(&C::Withdraw {
            reason: "no".into(),
        })
        .error();
    assert!(matches!(err, DomainError::Rejected(_)));
    round_trip::<GrantApplication>(&history);
}
