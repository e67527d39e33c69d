//! Surveys over HTTP, in embedded and distributed mode: a methodologist
//! writes an anonymous questionnaire for the providers of a kraj; invited
//! providers answer (a second answer replaces the first), one outside the
//! audience is refused, answers after the close are refused; the results
//! agree with figures worked out by hand and name no respondent anywhere.

use crate::client::{Answer, Client};
use crate::helpers::account;
use serde_json::{json, Value};

const A: &str = "00064581"; // Děčín, Ústecký kraj
const B: &str = "25596641"; // Ústí nad Labem, Ústecký kraj
const C: &str = "27082440"; // Praha
const D: &str = "47567899"; // Teplice, Ústecký kraj

fn definition(kraj: &str) -> Value {
    json!({ "definition": {
        "title": "Kapacity a potřeby 2027", "anonymous": true,
        "audience": { "type": "kraj", "code": kraj },
        "questions": [
            { "id": "beds", "text": "Kolik lůžek provozujete?", "kind": { "type": "number", "min": 0, "max": 1000 }, "required": true },
            { "id": "need", "text": "Potřebujete posílit tým?", "kind": { "type": "yes_no" } },
            { "id": "topics", "text": "Nejčastější témata", "kind": { "type": "multiple_choice", "options": ["bydlení", "dluhy"], "allow_other": true } },
            { "id": "mood", "text": "Spokojenost se spoluprací", "kind": { "type": "scale" } },
            { "id": "region", "text": "Část kraje", "kind": { "type": "single_choice", "options": ["sever", "jih"] } }
        ]
    } })
}

async fn scenario(commands: &str, queries: &str, password: &str) {
    let s = surveys(commands, queries, password).await;
    answers_wait_for_the_survey_to_open(&s).await;
    providers_answer_and_too_few_answers_are_withheld(&s).await;
    let closed = refused_answers_change_nothing_until_the_survey_closes(&s).await;
    let (results, csv) = the_results_by_hand(&s, &closed).await;
    no_respondent_anywhere(&s, results, csv).await;
    a_survey_of_a_kraj_asks_the_providers_working_in_it(&s).await;
}

/// What the steps of the survey scenario share: the query service, the
/// administrator, the methodologist, the accounts of providers A to D and
/// the survey of Ústecký kraj.
struct Surveys {
    queries: String,
    admin: Client,
    metodik: Client,
    a: Client,
    b: Client,
    c: Client,
    d: Client,
    id: String,
}

impl Surveys {
    /// `client` answers the survey for the provider `ico`.
    async fn answer(&self, client: &Client, ico: &str, answers: Value) -> Answer {
        let body = json!({ "provider_ico": ico, "answers": answers });
        client
            .post(&format!("/surveys/{}/answers", self.id), body)
            .await
    }
}

/// Four providers (three in Ústecký kraj, one in Prague), their accounts, a
/// methodologist of the kraj and its survey, defined (a survey of another kraj is refused).
async fn surveys(commands: &str, queries: &str, password: &str) -> Surveys {
    let admin = Client::new(commands).login("admin", password).await;
    for (ico, name, city, code) in [
        (A, "Charita Děčín", "Děčín", "562335"),
        (B, "Diakonie Ústí", "Ústí nad Labem", "554804"),
        (C, "Naděje Praha", "Praha", "554782"),
        (D, "Spolek Teplice", "Teplice", "567442"),
    ] {
        let p = json!({ "ico": ico, "name": name, "address": { "city": city, "postcode": "40001", "municipality_code": code } });
        assert_eq!(admin.post("/providers", p).await.status, 201);
    }
    let metodik = account(
        &admin,
        "metodik",
        "methodologist",
        json!({ "kind": "kraj", "code": "CZ042" }),
    )
    .await;
    let (a, b, c) = (
        account(
            &admin,
            "poskytovatel-a",
            "provider",
            json!({ "kind": "provider", "code": A }),
        )
        .await,
        account(
            &admin,
            "poskytovatel-b",
            "provider",
            json!({ "kind": "provider", "code": B }),
        )
        .await,
        account(
            &admin,
            "poskytovatel-c",
            "provider",
            json!({ "kind": "provider", "code": C }),
        )
        .await,
    );
    let d = account(
        &admin,
        "poskytovatel-d",
        "provider",
        json!({ "kind": "provider", "code": D }),
    )
    .await;
    assert_eq!(
        metodik.post("/surveys", definition("CZ010")).await.status,
        403,
        "another kraj"
    );
    let defined = metodik.post("/surveys", definition("CZ042")).await;
    assert_eq!(defined.status, 201, "{:?}", defined.body);
    let id = defined.body["stream_id"].as_str().unwrap().to_string();
    Surveys {
        queries: queries.to_string(),
        admin,
        metodik,
        a,
        b,
        c,
        d,
        id,
    }
}

async fn answers_wait_for_the_survey_to_open(s: &Surveys) {
    let Surveys { metodik, a, id, .. } = s;
    let early = s.answer(a, A, json!({ "beds": 1 })).await;
    assert_eq!(early.status, 409, "not open yet: {:?}", early.body);
    assert_eq!(
        metodik
            .post(&format!("/surveys/{id}/open"), json!({}))
            .await
            .status,
        200
    );
}

/// A provider answers and answers again (the same response, replaced); a second answers;
/// two answers of an anonymous survey could tell who answered what: withheld; a third
/// answers.
async fn providers_answer_and_too_few_answers_are_withheld(s: &Surveys) {
    let Surveys {
        queries,
        a,
        b,
        d,
        id,
        ..
    } = s;
    let first = s
        .answer(
            a,
            A,
            json!({ "beds": 10, "need": true, "topics": ["dluhy"], "mood": 3, "region": "sever" }),
        )
        .await;
    assert_eq!(first.status, 200, "{:?}", first.body);
    let second = s.answer(a, A, json!({ "beds": 40, "need": true, "topics": ["dluhy", "exekuce"], "mood": 4, "region": "sever" })).await;
    assert_eq!(second.status, 200);
    assert_eq!(
        second.body["stream_id"], first.body["stream_id"],
        "the same response, replaced"
    );
    let two = s.answer(b, B, json!({ "beds": 20, "need": false, "topics": ["bydlení", "dluhy"], "mood": 5, "region": "jih" })).await;
    assert_eq!(two.status, 200);
    // Two answers of an anonymous survey could tell who answered what: withheld.
    let withheld = reqwest::get(format!(
        "{queries}/api/v1/surveys/{id}/results?after={}",
        two.after()
    ))
    .await
    .unwrap();
    assert_eq!(withheld.status(), 403);
    let page = reqwest::get(format!("{queries}/ankety/{id}"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(page.contains("alespoň 3"), "{page}");
    assert_eq!(
        s.answer(d, D, json!({ "beds": 30, "mood": 4 }))
            .await
            .status,
        200
    );
}

/// A provider not invited, an account answering for another provider, answers of the
/// wrong kind, an answer after the close: refused. Gives the close.
async fn refused_answers_change_nothing_until_the_survey_closes(s: &Surveys) -> Answer {
    let Surveys {
        metodik,
        a,
        b,
        c,
        id,
        ..
    } = s;
    let outside = s.answer(c, C, json!({ "beds": 5 })).await;
    assert_eq!(
        outside.status, 403,
        "Praha is not invited: {:?}",
        outside.body
    );
    assert_eq!(
        s.answer(a, B, json!({ "beds": 5 })).await.status,
        403,
        "not its provider"
    );
    let invalid = s.answer(b, B, json!({ "beds": "dvacet", "mood": 7 })).await;
    assert_eq!(invalid.status, 422);
    assert_eq!(invalid.fields(), ["answers.beds", "answers.mood"]);
    let closed = metodik
        .post(&format!("/surveys/{id}/close"), json!({}))
        .await;
    assert_eq!(closed.status, 200);
    assert_eq!(
        s.answer(b, B, json!({ "beds": 21 })).await.status,
        409,
        "closed"
    );
    closed
}

/// Results, by hand: beds 40 (A's second answer), 20 (B) and 30 (D): mean
/// 30, median 30, sample standard deviation sqrt((10² + 10² + 0²) / 2) = 10.
async fn the_results_by_hand(s: &Surveys, closed: &Answer) -> (Value, String) {
    let Surveys { queries, id, .. } = s;
    let after = format!(
        "{}:{}",
        closed.body["transaction_id"], closed.body["global_position"]
    );
    let url = format!("{queries}/api/v1/surveys/{id}/results?after={after}&cross=need,region");
    let r: Value = reqwest::get(&url).await.unwrap().json().await.unwrap();
    assert_eq!(
        (
            r["invited"].clone(),
            r["responses"].clone(),
            r["response_rate"].clone()
        ),
        (json!(3), json!(3), json!(1.0)),
        "{r}"
    );
    let q = |id: &str| {
        r["questions"]
            .as_array()
            .unwrap()
            .iter()
            .find(|q| q["id"] == id)
            .unwrap()
            .clone()
    };
    assert_eq!(
        q("beds")["statistics"],
        json!({ "n": 3, "mean": 30.0, "median": 30.0, "std_dev": 10.0, "min": 20.0, "max": 40.0 })
    );
    assert_eq!(
        q("need")["frequencies"],
        json!({ "yes": { "count": 1, "percent": 50.0 }, "no": { "count": 1, "percent": 50.0 } })
    );
    let topics = q("topics");
    assert_eq!(
        topics["frequencies"]["dluhy"],
        json!({ "count": 2, "percent": 100.0 })
    );
    assert_eq!(
        topics["frequencies"]["bydlení"],
        json!({ "count": 1, "percent": 50.0 })
    );
    assert_eq!(
        topics["other"],
        json!({ "count": 1, "percent": 50.0, "answers": ["exekuce"] })
    );
    assert_eq!(q("mood")["statistics"]["mean"], 4.3333, "(4 + 5 + 4) / 3");
    assert_eq!(
        q("mood")["frequencies"]["3"]["count"],
        0,
        "A's first answer was replaced"
    );
    assert_eq!(
        r["cross"]["counts"],
        json!({ "yes": { "sever": 1 }, "no": { "jih": 1 } })
    );
    let csv = reqwest::get(format!("{queries}/api/v1/surveys/{id}/results?format=csv"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert_eq!(
        csv.lines().next().unwrap(),
        "response,beds,need,topics,mood,region"
    );
    assert_eq!(csv.lines().count(), 4);
    let (status, _) = (
        reqwest::get(format!(
            "{queries}/api/v1/surveys/{id}/results?cross=beds,need"
        ))
        .await
        .unwrap()
        .status()
        .as_u16(),
        (),
    );
    assert_eq!(status, 422, "a number cannot be cross-tabulated");
    (r, csv)
}

/// No respondent anywhere: results, CSV, the survey list, the log.
async fn no_respondent_anywhere(s: &Surveys, r: Value, csv: String) {
    let Surveys { queries, admin, .. } = s;
    let list = reqwest::get(format!("{queries}/api/v1/surveys"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let log = admin
        .send(
            reqwest::Method::GET,
            "/audit/log?event_type=SurveyAnswered",
            None,
            &[],
        )
        .await;
    assert_eq!(log.body["total"], 4, "four answers were recorded");
    for item in log.body["items"].as_array().unwrap() {
        assert_eq!(item["actor"]["account_id"], "anonymous");
        assert!(item["payload"]["respondent"].is_null());
    }
    for text in [r.to_string(), csv, list, log.body.to_string()] {
        for trace in [
            A,
            B,
            "Charita",
            "Diakonie",
            "poskytovatel-a",
            "poskytovatel-b",
        ] {
            assert!(!text.contains(trace), "{trace} leaks: {text}");
        }
    }
}

/// A survey of a kraj asks the providers registered elsewhere with a
/// service working in the kraj: Praha's provider, once it runs a
/// shelter in Děčín, answers for it.
async fn a_survey_of_a_kraj_asks_the_providers_working_in_it(s: &Surveys) {
    let Surveys {
        queries,
        admin,
        metodik,
        c,
        ..
    } = s;
    let mut named = definition("CZ042");
    named["definition"]["anonymous"] = json!(false);
    let second = metodik.post("/surveys", named).await;
    let second_id = second.body["stream_id"].as_str().unwrap().to_string();
    let opened = metodik
        .post(&format!("/surveys/{second_id}/open"), json!({}))
        .await;
    assert_eq!(opened.status, 200, "{:?}", opened.body);
    let path = format!("/surveys/{second_id}/answers");
    let not_yet = c
        .post(
            &path,
            json!({ "provider_ico": C, "answers": { "beds": 5 } }),
        )
        .await;
    assert_eq!(not_yet.status, 403, "{:?}", not_yet.body);
    assert_eq!(
        not_yet.body["detail"],
        format!("the provider {C} is not invited: its registered office is in Hlavní město Praha and no service of its named works in Ústecký kraj")
    );
    let shelter = json!({ "provider_ico": C, "details": { "name": "Noclehárna Naděje Děčín", "kind": 20,
        "forms": [{ "form": "pob", "capacities": [{ "unit": "luzka", "count": 12 }] }],
        "facilities": [{ "facility_id": "A", "name": "Noclehárna", "address": { "city": "Děčín", "postcode": "40502", "municipality_code": "562335" } }] } });
    let registered = admin.post("/services", shelter).await;
    assert_eq!(registered.status, 201, "{:?}", registered.body);
    let service = registered.body["stream_id"].as_str().unwrap();
    let answered = c
        .post(
            &path,
            json!({ "provider_ico": C, "service_id": service, "answers": { "beds": 12 } }),
        )
        .await;
    assert_eq!(answered.status, 200, "{:?}", answered.body);
    let r: Value = reqwest::get(format!(
        "{queries}/api/v1/surveys/{second_id}/results?after={}",
        answered.after()
    ))
    .await
    .unwrap()
    .json()
    .await
    .unwrap();
    assert_eq!(
        (r["invited"].clone(), r["responses"].clone()),
        (json!(4), json!(1)),
        "{r}"
    );
}

crate::helpers::in_both_modes!(
    scenario,
    surveys_in_embedded_mode,
    surveys_in_distributed_mode
);
