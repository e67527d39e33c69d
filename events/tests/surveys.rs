//! Given/when/then tests of surveys and their responses.

mod support;

use events::surveys::response::{
    SurveyFacts, SurveyResponse, SurveyResponseCommand as R, SurveyResponseEvent as RE,
};
use events::surveys::survey::{
    Audience, Question, QuestionKind, Survey, SurveyCommand as C, SurveyDefinition,
    SurveyEvent as E,
};
use events::DomainError;
use serde_json::json;
use std::collections::BTreeMap;
use support::{fields, given, round_trip};

fn questions() -> Vec<Question> {
    vec![
        Question {
            id: "beds".into(),
            text: "Kolik lůžek?".into(),
            kind: QuestionKind::Number {
                min: Some(0.0),
                max: Some(500.0),
            },
            required: true,
        },
        Question {
            id: "need".into(),
            text: "Potřebujete posílit tým?".into(),
            kind: QuestionKind::YesNo,
            required: false,
        },
        Question {
            id: "topics".into(),
            text: "Témata".into(),
            kind: QuestionKind::MultipleChoice {
                options: vec!["bydlení".into(), "dluhy".into()],
                allow_other: true,
            },
            required: false,
        },
        Question {
            id: "mood".into(),
            text: "Spokojenost".into(),
            kind: QuestionKind::Scale,
            required: false,
        },
    ]
}

fn definition() -> SurveyDefinition {
    SurveyDefinition {
        title: "Kapacity 2027".into(),
        description: String::new(),
        questions: questions(),
        audience: Audience::Kraj {
            code: "CZ042".into(),
        },
        anonymous: true,
        results: events::surveys::survey::ResultsAudience::Public,
    }
}

#[test]
fn results_are_withheld_from_whom_the_definition_says_and_while_too_few_answered() {
    use events::surveys::survey::ResultsAudience;
    let anonymous = definition();
    assert!(
        anonymous.results_withheld(2, true).is_some(),
        "even from organisers"
    );
    assert!(anonymous.results_withheld(3, false).is_none());
    let named = SurveyDefinition {
        anonymous: false,
        ..definition()
    };
    assert!(named.results_withheld(1, false).is_none());
    let private = SurveyDefinition {
        results: ResultsAudience::Organisers,
        ..named
    };
    assert!(private.results_withheld(5, false).is_some());
    assert!(private.results_withheld(5, true).is_none());
}

#[test]
fn a_survey_is_defined_opened_and_closed_once() {
    let defined = E::SurveyDefined {
        definition: definition(),
    };
    given::<Survey>(&[])
        .when(&C::Define(definition()))
        .then(std::slice::from_ref(&defined));
    given::<Survey>(std::slice::from_ref(&defined))
        .when(&C::Open)
        .then(&[E::SurveyOpened {}]);
    let opened = [defined.clone(), E::SurveyOpened {}];
    let err = given::<Survey>(&opened)
        .when(&C::Define(definition()))
        .error();
    assert!(matches!(err, DomainError::Rejected(_)));
    given::<Survey>(&opened)
        .when(&C::Close)
        .then(&[E::SurveyClosed {}]);
    let err = given::<Survey>(std::slice::from_ref(&defined))
        .when(&C::Close)
        .error();
    assert!(matches!(err, DomainError::Rejected(_)));
    let mut bad = definition();
    bad.questions[2].kind = QuestionKind::SingleChoice {
        options: vec!["jen jedna".into()],
    };
    bad.questions[1].id = "beds".into();
    let err = given::<Survey>(&[]).when(&C::Define(bad)).error();
    assert_eq!(
        fields(&err),
        ["questions[1].id", "questions[2].kind.options"]
    );
    round_trip::<Survey>(&opened);
}

fn answer(answers: serde_json::Value, open: bool) -> R {
    let answers: BTreeMap<String, serde_json::Value> = serde_json::from_value(answers).unwrap();
    R::Answer {
        survey_id: "s1".into(),
        respondent: None,
        answers,
        survey: SurveyFacts {
            open,
            questions: questions(),
        },
    }
}

#[test]
fn answers_are_checked_and_a_later_one_replaces_the_first() {
    let first = RE::SurveyAnswered {
        survey_id: "s1".into(),
        respondent: None,
        answers: serde_json::from_value(json!({ "beds": 30, "topics": ["dluhy", "jiné"] }))
            .unwrap(),
    };
    given::<SurveyResponse>(&[])
        .when(&answer(
            json!({ "beds": 30, "topics": ["dluhy", "jiné"] }),
            true,
        ))
        .then(std::slice::from_ref(&first));
    given::<SurveyResponse>(std::slice::from_ref(&first))
        .when(&answer(
            json!({ "beds": 30, "topics": ["dluhy", "jiné"] }),
            true,
        ))
        .then(&[]);
    let state: SurveyResponse = events::Aggregate::fold(&[
        first.clone(),
        RE::SurveyAnswered {
            survey_id: "s1".into(),
            respondent: None,
            answers: serde_json::from_value(json!({ "beds": 12 })).unwrap(),
        },
    ]);
    assert_eq!((state.times, state.answers["beds"].clone()), (2, json!(12)));
    let err = given::<SurveyResponse>(&[])
        .when(&answer(
            json!({ "beds": 600, "need": "ano", "mood": 6, "x": 1 }),
            true,
        ))
        .error();
    assert_eq!(
        fields(&err),
        ["answers.beds", "answers.need", "answers.mood", "answers.x"]
    );
    let err = given::<SurveyResponse>(&[])
        .when(&answer(json!({ "need": true }), true))
        .error();
    assert_eq!(fields(&err), ["answers.beds"]);
    let err = given::<SurveyResponse>(&[])
        .when(&answer(json!({ "beds": 1 }), false))
        .error();
    assert!(matches!(err, DomainError::Rejected(_)));
    round_trip::<SurveyResponse>(&[first]);
}
