//! Grant procedures over HTTP, in embedded and distributed mode: a
//! commissioner of the kraj announces a call, a provider applies for its
//! service, the commissioner evaluates, decides and amends; the refusals:
//! a provider cannot evaluate or decide, a commissioner of another kraj
//! cannot act, an application after the deadline is refused, a decision
//! cannot be taken twice. The decision is public on the read side, and an
//! auditor reconstructs its history and its state at an earlier time from
//! the log, diffs versions and verifies a signed export.

use crate::client::{Answer, Client};
use crate::helpers::account;
use serde_json::{json, Value};
use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;

const ICO: &str = "00064581";

async fn get(base: &str, path: &str) -> (u16, Value) {
    let r = reqwest::get(format!("{base}/api/v1{path}")).await.unwrap();
    let status = r.status().as_u16();
    (status, r.json().await.unwrap_or(Value::Null))
}

fn call(territory: &str, deadline: OffsetDateTime) -> Value {
    json!({ "details": {
        "title": "Podpora azylových domů 2027", "territory": territory, "budget": 1_000_000,
        "eligible_kinds": [20, 26],
        "criteria": [
            { "id": "need", "name": "Potřebnost", "weight": 60, "max_points": 10 },
            { "id": "budget", "name": "Přiměřenost rozpočtu", "weight": 40, "max_points": 5 }
        ],
        "deadline": deadline.format(&Rfc3339).unwrap()
    } })
}

fn application(call_id: &str, service_id: &str) -> Value {
    json!({ "details": {
        "call_id": call_id, "provider_ico": ICO, "service_id": service_id,
        "requested_amount": 300_000,
        "budget_lines": [{ "item": "mzdy", "amount": 250_000 }, { "item": "energie", "amount": 50_000 }],
        "justification": "Provoz azylového domu v zimě"
    } })
}

async fn scenario(commands: &str, queries: &str, password: &str) {
    let s = grants(commands, queries, password).await;
    let (call_id, short_id) = calls_are_announced_by_a_commissioner_of_their_kraj(&s).await;
    let app_id = the_provider_applies_once_before_the_deadline(&s, &call_id, &short_id).await;
    let (evaluated_at, amended) =
        only_a_commissioner_of_the_kraj_evaluates_and_decides(&s, &app_id).await;
    the_calls_totals_and_the_public_decision(&s, &call_id, &short_id, &amended).await;
    an_application_being_evaluated_shows_its_state_only(&s, &call_id).await;
    audit(&s.admin, &s.charita, &app_id, evaluated_at).await;
}

/// What the steps of the grant scenario share: the query service, the
/// administrator, the commissioners of Ústecký kraj and of Prague, the
/// provider's account and its two services.
struct Grants {
    queries: String,
    admin: Client,
    ustecky: Client,
    prazsky: Client,
    charita: Client,
    service_id: String,
    second_service: String,
}

/// A provider with two asylum houses and its account; commissioners of Ústecký kraj and
/// of Prague.
async fn grants(commands: &str, queries: &str, password: &str) -> Grants {
    let admin = Client::new(commands).login("admin", password).await;
    let provider = json!({ "ico": ICO, "name": "Oblastní charita Děčín", "address": { "city": "Děčín", "postcode": "40502" } });
    assert_eq!(admin.post("/providers", provider).await.status, 201);
    let service = json!({ "provider_ico": ICO, "details": { "name": "Azylový dům", "kind": 20,
        "forms": [{ "form": "pob", "capacities": [{ "unit": "luzka", "count": 30 }] }],
        "facilities": [{ "facility_id": "A", "name": "Dům", "address": { "city": "Děčín", "postcode": "40502" } }] } });
    let registered = admin.post("/services", service.clone()).await;
    let service_id = registered.body["stream_id"].as_str().unwrap().to_string();
    let second = admin.post("/services", service).await;
    let second_service = second.body["stream_id"].as_str().unwrap().to_string();
    let ustecky = account(
        &admin,
        "komisar-ul",
        "commissioner",
        json!({ "kind": "kraj", "code": "CZ042" }),
    )
    .await;
    let prazsky = account(
        &admin,
        "komisar-praha",
        "commissioner",
        json!({ "kind": "kraj", "code": "CZ010" }),
    )
    .await;
    let charita = account(
        &admin,
        "charita",
        "provider",
        json!({ "kind": "provider", "code": ICO }),
    )
    .await;
    Grants {
        queries: queries.to_string(),
        admin,
        ustecky,
        prazsky,
        charita,
        service_id,
        second_service,
    }
}

/// A call is announced by a commissioner of its kraj only, with criteria weighing 100 in
/// all. Gives the call and one with a deadline in two seconds.
async fn calls_are_announced_by_a_commissioner_of_their_kraj(s: &Grants) -> (String, String) {
    let Grants {
        ustecky, prazsky, ..
    } = s;
    let now = OffsetDateTime::now_utc();
    let foreign = prazsky
        .post(
            "/grants/calls",
            call("CZ042", now + time::Duration::hours(1)),
        )
        .await;
    assert_eq!(foreign.status, 403, "{:?}", foreign.body);
    let announced = ustecky
        .post(
            "/grants/calls",
            call("CZ042", now + time::Duration::hours(1)),
        )
        .await;
    assert_eq!(announced.status, 201, "{:?}", announced.body);
    let call_id = announced.body["stream_id"].as_str().unwrap().to_string();
    let mut bad = call("CZ042", now + time::Duration::hours(1));
    bad["details"]["criteria"][0]["weight"] = json!(10);
    let refused = ustecky.post("/grants/calls", bad).await;
    assert_eq!(refused.status, 422);
    assert!(
        refused.fields().contains(&"details.criteria".to_string())
            || refused.fields().contains(&"criteria".to_string()),
        "{:?}",
        refused.body
    );
    let short = ustecky
        .post(
            "/grants/calls",
            call("CZ042", now + time::Duration::seconds(2)),
        )
        .await;
    assert_eq!(short.status, 201);
    let short_id = short.body["stream_id"].as_str().unwrap().to_string();
    (call_id, short_id)
}

/// The provider applies; not for another provider's service, not twice, not after the
/// deadline. Gives the application.
async fn the_provider_applies_once_before_the_deadline(
    s: &Grants,
    call_id: &str,
    short_id: &str,
) -> String {
    let Grants {
        admin,
        charita,
        service_id,
        ..
    } = s;
    let submitted = charita
        .post("/grants/applications", application(call_id, service_id))
        .await;
    assert_eq!(submitted.status, 201, "{:?}", submitted.body);
    let app_id = submitted.body["stream_id"].as_str().unwrap().to_string();
    // One application per service and call: a second one is refused, saying why.
    let again = charita
        .post("/grants/applications", application(call_id, service_id))
        .await;
    assert_eq!(again.status, 409, "{:?}", again.body);
    assert!(
        again.body["detail"].as_str().unwrap().contains(&format!(
            "an application of service {service_id} to call {call_id} exists already"
        )),
        "{:?}",
        again.body
    );
    let other = admin
        .post(
            "/grants/applications",
            application(call_id, "no-such-service"),
        )
        .await;
    assert_eq!(other.status, 422, "{:?}", other.body);
    tokio::time::sleep(std::time::Duration::from_millis(2500)).await;
    let late = charita
        .post("/grants/applications", application(short_id, service_id))
        .await;
    assert_eq!(late.status, 409, "{:?}", late.body);
    assert!(late.body["detail"].as_str().unwrap().contains("deadline"));
    app_id
}

/// Only a commissioner of the call's kraj evaluates and decides: not before evaluating,
/// not twice, not more than asked; an amended decision stands, and a decided application
/// is not withdrawn. Gives when it was evaluated and the amendment.
async fn only_a_commissioner_of_the_kraj_evaluates_and_decides(
    s: &Grants,
    app_id: &str,
) -> (OffsetDateTime, Answer) {
    let Grants {
        ustecky,
        prazsky,
        charita,
        ..
    } = s;
    let scores = json!({ "scores": [{ "criterion_id": "need", "points": 8 }, { "criterion_id": "budget", "points": 4, "comment": "přiměřený" }] });
    let decision = json!({ "granted_amount": 200_000, "reasons": "Kráceno podle rozpočtu výzvy" });
    let path = |what: &str| format!("/grants/applications/{app_id}/{what}");
    assert_eq!(
        charita
            .post(&path("evaluations"), scores.clone())
            .await
            .status,
        403
    );
    assert_eq!(
        charita
            .post(&path("decision"), decision.clone())
            .await
            .status,
        403
    );
    assert_eq!(
        prazsky
            .post(&path("evaluations"), scores.clone())
            .await
            .status,
        403
    );
    let early = ustecky.post(&path("decision"), decision.clone()).await;
    assert_eq!(early.status, 409, "not evaluated yet: {:?}", early.body);
    assert_eq!(ustecky.post(&path("evaluations"), scores).await.status, 200);
    tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    let evaluated_at = OffsetDateTime::now_utc();
    tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    let decided = ustecky.post(&path("decision"), decision.clone()).await;
    assert_eq!(decided.status, 200, "{:?}", decided.body);
    let twice = ustecky.post(&path("decision"), decision).await;
    assert_eq!(twice.status, 409, "{:?}", twice.body);
    let too_much = ustecky
        .post(
            &path("amendments"),
            json!({ "granted_amount": 400_000, "reasons": "víc" }),
        )
        .await;
    assert_eq!(too_much.status, 422);
    let amended = ustecky
        .post(
            &path("amendments"),
            json!({ "granted_amount": 250_000, "reasons": "Navýšení z rezervy" }),
        )
        .await;
    assert_eq!(amended.status, 200);
    assert_eq!(
        charita
            .post(&path("withdraw"), json!({ "reason": "už ne" }))
            .await
            .status,
        409
    );
    (evaluated_at, amended)
}

/// The read side: the call's totals and the public decision.
async fn the_calls_totals_and_the_public_decision(
    s: &Grants,
    call_id: &str,
    short_id: &str,
    amended: &Answer,
) {
    let Grants { queries, .. } = s;
    let (status, c) = get(
        queries,
        &format!("/grants/calls/{call_id}?after={}", amended.after()),
    )
    .await;
    assert_eq!(status, 200, "{c}");
    assert_eq!(
        (
            c["applications"].clone(),
            c["requested_total"].clone(),
            c["granted_total"].clone(),
            c["open"].clone()
        ),
        (json!(1), json!(300_000), json!(250_000), json!(true))
    );
    let d = &c["decisions"][0];
    assert_eq!(
        (
            d["status"].clone(),
            d["granted_amount"].clone(),
            d["reasons"].clone()
        ),
        (
            json!("granted"),
            json!(250_000),
            json!("Navýšení z rezervy")
        )
    );
    assert_eq!(
        (d["provider_name"].clone(), d["average_score"].clone()),
        (json!("Oblastní charita Děčín"), json!(80.0))
    );
    let steps: Vec<&str> = d["steps"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["event"].as_str().unwrap())
        .collect();
    assert_eq!(
        steps,
        [
            "GrantApplicationSubmitted",
            "GrantApplicationEvaluated",
            "GrantApplicationDecided",
            "GrantDecisionAmended"
        ]
    );
    let (_, calls) = get(queries, "/grants/calls").await;
    assert_eq!(calls["total"], 2);
    let closed = calls["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["id"] == short_id)
        .unwrap();
    assert_eq!(closed["open"], false);
}

/// An application still being evaluated shows its state only.
async fn an_application_being_evaluated_shows_its_state_only(s: &Grants, call_id: &str) {
    let Grants {
        queries,
        charita,
        second_service,
        ..
    } = s;
    let pending = charita
        .post("/grants/applications", application(call_id, second_service))
        .await;
    let pending_id = pending.body["stream_id"].as_str().unwrap();
    let (_, p) = get(
        queries,
        &format!(
            "/grants/applications/{pending_id}?after={}",
            pending.after()
        ),
    )
    .await;
    assert_eq!(
        p,
        json!({ "id": pending_id, "call_id": call_id, "status": "submitted" })
    );
}

/// What an auditor sees of the decision.
async fn audit(admin: &Client, provider: &Client, app_id: &str, evaluated_at: OffsetDateTime) {
    let auditor = account(admin, "auditor", "auditor", json!({ "kind": "global" })).await;
    let path = format!("/audit/grants/applications/{app_id}");
    let get_as = |c: &Client, p: String| {
        let c = c.clone();
        async move { c.send(reqwest::Method::GET, &p, None, &[]).await }
    };
    assert_eq!(
        get_as(provider, path.clone()).await.status,
        403,
        "not an auditor"
    );
    assert_eq!(
        get_as(&Client::new(&admin.base), path.clone()).await.status,
        401
    );
    let chain = get_as(&auditor, path.clone()).await;
    assert_eq!(chain.status, 200, "{:?}", chain.body);
    let steps: Vec<(String, String)> = chain.body["chain"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["event_type"].as_str().unwrap().to_string(),
                e["actor"]["role"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    let expected = [
        ("GrantCallAnnounced", "commissioner"),
        ("GrantApplicationSubmitted", "provider"),
        ("GrantApplicationEvaluated", "commissioner"),
        ("GrantApplicationDecided", "commissioner"),
        ("GrantDecisionAmended", "commissioner"),
    ];
    assert_eq!(steps, expected.map(|(a, b)| (a.to_string(), b.to_string())));
    assert!(chain.body["chain"][3]["description"]
        .as_str()
        .unwrap()
        .contains("200000 CZK granted"));
    assert_eq!(chain.body["state"]["granted_amount"], 250_000);
    assert_eq!(chain.body["state"]["status"], "granted");
    assert_eq!(chain.body["call"]["details"]["budget"], 1_000_000);
    // As it was between the evaluation and the decision.
    let at = evaluated_at.format(&Rfc3339).unwrap();
    let then = get_as(&auditor, format!("{path}?at={}", at.replace('+', "%2B"))).await;
    assert_eq!(then.status, 200, "{:?}", then.body);
    assert_eq!(
        (
            then.body["version"].clone(),
            then.body["state"]["status"].clone(),
            then.body["state"]["granted_amount"].clone()
        ),
        (json!(2), json!("evaluated"), Value::Null)
    );
    // Its chain ends there too: nothing recorded after the moment asked for.
    let then_steps: Vec<&str> = then.body["chain"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["event_type"].as_str().unwrap())
        .collect();
    assert_eq!(
        then_steps,
        [
            "GrantCallAnnounced",
            "GrantApplicationSubmitted",
            "GrantApplicationEvaluated"
        ]
    );
    // Audit times are RFC 3339.
    for e in then.body["chain"].as_array().unwrap() {
        let recorded = e["recorded_at"].as_str().unwrap();
        assert!(
            time::OffsetDateTime::parse(recorded, &Rfc3339).is_ok(),
            "{recorded}"
        );
    }
    assert_eq!(
        then.body["state"]["evaluations"]
            .as_object()
            .unwrap()
            .values()
            .next()
            .unwrap(),
        80.0
    );
    // The amendment, as a difference of versions.
    let diff = get_as(
        &auditor,
        format!("/audit/streams/grant_application/{app_id}/diff?from=3&to=4"),
    )
    .await;
    assert_eq!(
        diff.body["changes"],
        json!([{ "path": "granted_amount", "before": 200_000, "after": 250_000 }])
    );
    // A signed export verifies; a tampered one does not.
    let export = get_as(
        &auditor,
        format!("/audit/streams/grant_application/{app_id}/export"),
    )
    .await;
    assert_eq!(export.status, 200);
    let payload = crate::audit_export::payload(&export.body);
    assert_eq!(payload["entries"].as_array().unwrap().len(), 4);
    let verified = auditor.post("/audit/verify", export.body.clone()).await;
    assert_eq!(verified.body["valid"], true, "{:?}", verified.body);
    let mut altered = payload.clone();
    altered["entries"][2]["entry"]["payload"]["granted_amount"] = json!(900_000);
    let tampered = crate::audit_export::with_payload(&export.body, &altered);
    let refused = auditor.post("/audit/verify", tampered).await;
    assert_eq!(refused.body["valid"], false);
    assert!(
        refused.body["problem"]
            .as_str()
            .unwrap()
            .contains("signature"),
        "{:?}",
        refused.body
    );
    let (status, csv) = {
        let r = reqwest::Client::new()
            .get(format!(
                "{}/api/v1/audit/streams/grant_application/{app_id}?format=csv",
                admin.base
            ))
            .bearer_auth(auditor.token.clone().unwrap())
            .send()
            .await
            .unwrap();
        (r.status().as_u16(), r.text().await.unwrap())
    };
    assert_eq!(status, 200);
    assert_eq!(csv.lines().count(), 5, "{csv}");
    // The log, searched.
    let found = get_as(
        &auditor,
        "/audit/log?stream_type=grant_application&event_type=GrantApplicationDecided".into(),
    )
    .await;
    assert_eq!(found.body["total"], 1, "{:?}", found.body);
    let provider_history = get_as(&auditor, format!("/audit/providers/{ICO}")).await;
    assert_eq!(
        provider_history.body["services"].as_array().unwrap().len(),
        2
    );
}

crate::helpers::in_both_modes!(
    scenario,
    grants_in_embedded_mode,
    grants_in_distributed_mode
);
