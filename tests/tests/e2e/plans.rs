//! Community plans over HTTP, in embedded and distributed mode: revisions
//! proposed, commented, approved and rejected by the kraj's commissioner
//! (not by a provider; never approved twice); the plan in force and which
//! revision it is; the difference between revisions; yearly evaluations and
//! measures by state.

use crate::client::{Answer, Client};
use crate::helpers::account;
use serde_json::{json, Value};

fn measure(id: &str, title: &str, budget: i64) -> Value {
    json!({ "id": id, "title": title, "responsible": "Krajský úřad, odbor sociálních věcí", "target_group": "18",
        "indicators": [{ "name": "lůžka", "unit": "lůžko", "baseline": 30.0, "target": 40.0 }],
        "budget": budget, "sources": ["kraj", "MPSV"], "deadline": "2027-12-31" })
}

fn content(measures: Vec<Value>) -> Value {
    json!({ "period_from": 2026, "period_to": 2028, "priorities": [{ "id": "P1", "title": "Bydlení",
        "goals": [{ "id": "G1", "title": "Dostupné azylové bydlení", "measures": measures }] }] })
}

async fn get(base: &str, path: &str) -> Value {
    let r = reqwest::get(format!("{base}/api/v1{path}")).await.unwrap();
    assert_eq!(r.status().as_u16(), 200, "{path}");
    r.json().await.unwrap()
}

/// A web page's HTML (status 200).
async fn html(base: &str, path: &str) -> String {
    let r = reqwest::get(format!("{base}{path}")).await.unwrap();
    assert_eq!(r.status().as_u16(), 200, "{path}");
    r.text().await.unwrap()
}

async fn scenario(commands: &str, queries: &str, password: &str) {
    let (admin, s) = plans(commands, queries, password).await;
    let id = a_commissioner_creates_the_plan(&s).await;
    revisions_are_proposed_and_approved_once(&s, &id).await;
    let approved = a_later_revision_is_put_in_force(&s, &id).await;
    the_plan_in_force_its_old_revisions_and_their_diff(&s, &id, &approved).await;
    yearly_evaluation_of_the_plan_in_force(&s, &id).await;
    the_plan_on_the_web(&s, &id).await;
    groups(&admin, &s.komisar, &s.charita, queries).await;
}

/// What the steps of the plan scenario share: the query service, the
/// commissioner of Ústecký kraj, a provider's account and the plan's title.
struct Plans {
    queries: String,
    komisar: Client,
    charita: Client,
    title: &'static str,
}

/// A provider and its account, and a commissioner of Ústecký kraj. Gives the
/// administrator too.
async fn plans(commands: &str, queries: &str, password: &str) -> (Client, Plans) {
    let admin = Client::new(commands).login("admin", password).await;
    let provider = json!({ "ico": "00064581", "name": "Charita", "address": { "city": "Děčín", "postcode": "40502" } });
    assert_eq!(admin.post("/providers", provider).await.status, 201);
    let komisar = account(
        &admin,
        "komisar",
        "commissioner",
        json!({ "kind": "kraj", "code": "CZ042" }),
    )
    .await;
    let charita = account(
        &admin,
        "charita",
        "provider",
        json!({ "kind": "provider", "code": "00064581" }),
    )
    .await;
    let title = "Střednědobý plán rozvoje sociálních služeb Ústeckého kraje 2026–2028";
    (
        admin,
        Plans {
            queries: queries.to_string(),
            komisar,
            charita,
            title,
        },
    )
}

/// A commissioner creates the plan; a provider may not. Gives the plan.
async fn a_commissioner_creates_the_plan(s: &Plans) -> String {
    let Plans {
        komisar,
        charita,
        title,
        ..
    } = s;
    assert_eq!(
        charita
            .post("/plans", json!({ "title": title, "territory": "CZ042" }))
            .await
            .status,
        403
    );
    let created = komisar
        .post("/plans", json!({ "title": title, "territory": "CZ042" }))
        .await;
    assert_eq!(created.status, 201, "{:?}", created.body);
    let id = created.body["stream_id"].as_str().unwrap().to_string();
    id
}

/// The first revisions are proposed and approved, each once.
async fn revisions_are_proposed_and_approved_once(s: &Plans, id: &str) {
    let Plans {
        komisar, charita, ..
    } = s;
    let path = |rest: &str| format!("/plans/{id}{rest}");
    let first = content(vec![
        measure("M1", "Azylový dům Děčín", 1_000_000),
        measure("M2", "Noclehárna Most", 300_000),
    ]);
    assert_eq!(komisar.post(&path("/revisions"), first).await.status, 201);
    assert_eq!(
        komisar
            .post(
                &path("/revisions/1/comments"),
                json!({ "text": "Doplnit rozpočet M2" })
            )
            .await
            .status,
        200
    );
    assert_eq!(
        charita
            .post(&path("/revisions/1/approve"), json!({}))
            .await
            .status,
        403
    );
    assert_eq!(
        komisar
            .post(&path("/revisions/1/approve"), json!({}))
            .await
            .status,
        200
    );
    let twice = komisar.post(&path("/revisions/1/approve"), json!({})).await;
    assert_eq!(twice.status, 409, "{:?}", twice.body);
    assert!(twice.body["detail"]
        .as_str()
        .unwrap()
        .contains("already approved"));
}

/// A later revision is proposed and approved, and is in force. Gives its approval.
async fn a_later_revision_is_put_in_force(s: &Plans, id: &str) -> Answer {
    let Plans { komisar, .. } = s;
    let path = |rest: &str| format!("/plans/{id}{rest}");
    let second = content(vec![
        measure("M1", "Azylový dům Děčín", 1_200_000),
        measure("M3", "Terénní program Teplice", 500_000),
    ]);
    assert_eq!(
        komisar
            .post(&path("/revisions"), second.clone())
            .await
            .status,
        201
    );
    assert_eq!(
        komisar
            .post(
                &path("/revisions/2/reject"),
                json!({ "reason": "Chybí projednání s obcemi" })
            )
            .await
            .status,
        200
    );
    assert_eq!(
        komisar
            .post(&path("/revisions/2/approve"), json!({}))
            .await
            .status,
        409
    );
    assert_eq!(komisar.post(&path("/revisions"), second).await.status, 201);
    let approved = komisar.post(&path("/revisions/3/approve"), json!({})).await;
    assert_eq!(approved.status, 200);
    approved
}

async fn the_plan_in_force_its_old_revisions_and_their_diff(
    s: &Plans,
    id: &str,
    approved: &Answer,
) {
    let Plans { queries, .. } = s;
    let plan = get(queries, &format!("/plans/{id}?after={}", approved.after())).await;
    assert_eq!(plan["in_force"], 3, "{plan}");
    let states: Vec<&str> = plan["revisions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["status"].as_str().unwrap())
        .collect();
    assert_eq!(states, ["approved", "rejected", "approved"]);
    assert_eq!(
        plan["revisions"][0]["comments"],
        json!(["Doplnit rozpočet M2"])
    );
    assert_eq!(
        plan["revisions"][1]["rejected_because"],
        "Chybí projednání s obcemi"
    );
    assert_eq!(
        plan["plan"]["priorities"][0]["goals"][0]["measures"][1]["id"],
        "M3"
    );
    let old = get(queries, &format!("/plans/{id}/revisions/1")).await;
    assert_eq!(
        (
            old["in_force"].clone(),
            old["content"]["priorities"][0]["goals"][0]["measures"][1]["id"].clone()
        ),
        (json!(false), json!("M2"))
    );
    let diff = get(queries, &format!("/plans/{id}/diff?from=1&to=3")).await;
    assert_eq!(diff["measures_added"][0]["id"], "M3");
    assert_eq!(diff["measures_removed"][0]["id"], "M2");
    assert_eq!(
        diff["measures_changed"],
        json!([{ "id": "M1", "changes": [{ "field": "budget", "before": 1_000_000, "after": 1_200_000 }] }])
    );
}

/// Yearly evaluation of the plan in force.
async fn yearly_evaluation_of_the_plan_in_force(s: &Plans, id: &str) {
    let Plans {
        queries, komisar, ..
    } = s;
    let path = |rest: &str| format!("/plans/{id}{rest}");
    let eval = |m: &str, year: i32, f: u8| json!({ "year": year, "measure_id": m, "fulfilment": f, "note": "průběžně" });
    assert_eq!(
        komisar
            .post(&path("/evaluations"), eval("M1", 2026, 60))
            .await
            .status,
        200
    );
    let done = komisar
        .post(&path("/evaluations"), eval("M3", 2026, 100))
        .await;
    assert_eq!(done.status, 200);
    let late = komisar
        .post(&path("/evaluations"), eval("M1", 2030, 10))
        .await;
    assert_eq!(
        (late.status, late.fields()),
        (422, vec!["year".to_string()])
    );
    assert_eq!(
        komisar
            .post(&path("/evaluations"), eval("M2", 2026, 10))
            .await
            .status,
        422,
        "M2 is not in force"
    );
    let in_progress = get(
        queries,
        &format!(
            "/plans/{id}/measures?state=in_progress&after={}",
            done.after()
        ),
    )
    .await;
    let ids: Vec<&str> = in_progress["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["measure"]["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, ["M1"]);
    assert_eq!(in_progress["items"][0]["fulfilment"], 60);
    let fulfilled = get(queries, &format!("/plans/{id}/measures?state=fulfilled")).await;
    assert_eq!(fulfilled["items"][0]["measure"]["id"], "M3");
}

/// The plan on the web: the revision in force, its measures with their fulfilment, every revision.
async fn the_plan_on_the_web(s: &Plans, id: &str) {
    let Plans { queries, title, .. } = s;
    let page = html(queries, &format!("/planovani/{id}")).await;
    assert!(page.contains(&format!("<h1>{title}</h1>")), "{page}");
    assert!(page.contains("<h3>P1 Bydlení</h3>"));
    assert!(page.contains("<caption>Cíl G1 Dostupné azylové bydlení</caption>"));
    assert!(
        page.contains("<tr><th scope=\"row\">M1 Azylový dům Děčín</th><td>Krajský úřad, odbor sociálních věcí</td><td>31. 12. 2027</td><td>1\u{a0}200\u{a0}000\u{a0}Kč</td><td>60 % (2026)</td></tr>"),
        "{page}"
    );
    assert!(page.contains("revize 2</a> — zamítnutá (Chybí projednání s obcemi)"));
    assert!(page.contains("revize 3</a> — schválená · <strong>platná</strong>"));
    let first_revision = html(queries, &format!("/planovani/{id}?revize=1&lang=en")).await;
    assert!(
        first_revision.contains("<td>1\u{a0}000\u{a0}000\u{a0}Kč</td>")
            && first_revision.contains("Doplnit rozpočet M2")
    );
    assert!(first_revision.contains("aria-current=\"page\">revision 1</a>"));
    // A revision is compared with the one before it.
    let second_revision = html(queries, &format!("/planovani/{id}?revize=2")).await;
    for change in [
        "<h2>Změny proti revizi 1</h2><ul>",
        "<li>Nové opatření: M3 Terénní program Teplice</li>",
        "<li>Zrušené opatření: M2 Noclehárna Most</li>",
        "<li>Změněné opatření M1: Rozpočet (Kč) 1\u{a0}000\u{a0}000\u{a0}Kč → 1\u{a0}200\u{a0}000\u{a0}Kč</li>",
    ] {
        assert!(second_revision.contains(change), "{change}: {second_revision}");
    }
    assert!(!first_revision.contains("Changes against revision"));
    let list = html(queries, "/planovani").await;
    assert!(list.contains(&format!("<a href=\"/planovani/{id}?lang=cs\">{title}</a>")));
    let missing = reqwest::get(format!("{queries}/planovani/nope"))
        .await
        .unwrap();
    assert_eq!(missing.status(), 404);
}

/// The planning structure: a working group, its members by side of the
/// triad, a meeting with minutes and attendance.
async fn groups(admin: &Client, komisar: &Client, charita: &Client, queries: &str) {
    let person = json!({ "login": "uzivatel", "email": "u@example.cz", "display_name": "Uživatel", "password": "heslo-pro-test-1", "roles": [] });
    let user_id = admin.post("/accounts", person).await.body["stream_id"]
        .as_str()
        .unwrap()
        .to_string();
    let worker = json!({ "login": "pracovnice", "email": "p@example.cz", "display_name": "Pracovnice", "password": "heslo-pro-test-1", "roles": [] });
    let worker_id = admin.post("/accounts", worker).await.body["stream_id"]
        .as_str()
        .unwrap()
        .to_string();
    let group = json!({ "name": "Pracovní skupina Senioři", "kind": "working", "territory": "CZ042", "target_group": "24" });
    assert_eq!(charita.post("/groups", group.clone()).await.status, 403);
    let formed = komisar.post("/groups", group).await;
    assert_eq!(formed.status, 201, "{:?}", formed.body);
    let id = formed.body["stream_id"].as_str().unwrap().to_string();
    for (account, organisation, triad) in [
        (&user_id, "", "users"),
        (&worker_id, "Charita Děčín", "providers"),
    ] {
        let added = komisar
            .post(
                &format!("/groups/{id}/members"),
                json!({ "account_id": account, "organisation": organisation, "triad": triad }),
            )
            .await;
        assert_eq!(added.status, 200, "{:?}", added.body);
    }
    let nobody = komisar
        .post(
            &format!("/groups/{id}/members"),
            json!({ "account_id": "nikdo", "triad": "users" }),
        )
        .await;
    assert_eq!(nobody.status, 422);
    let meeting = json!({ "meeting_id": "2027-01", "at": "2027-01-20T14:00:00Z", "place": "Děčín, radnice", "agenda": "Potřeby seniorů" });
    assert_eq!(
        komisar
            .post(&format!("/groups/{id}/meetings"), meeting)
            .await
            .status,
        200
    );
    let stranger = komisar
        .post(
            &format!("/groups/{id}/meetings/2027-01/minutes"),
            json!({ "minutes": "Projednáno", "attendance": [user_id, "cizí"] }),
        )
        .await;
    assert_eq!(
        (stranger.status, stranger.fields()),
        (422, vec!["attendance[1]".to_string()])
    );
    let recorded = komisar
        .post(&format!("/groups/{id}/meetings/2027-01/minutes"), json!({ "minutes": "Projednány potřeby, úkoly do března.", "attendance": [user_id, worker_id] }))
        .await;
    assert_eq!(recorded.status, 200);
    let after = format!(
        "{}:{}",
        recorded.body["transaction_id"], recorded.body["global_position"]
    );
    let g = get(queries, &format!("/groups/{id}?after={after}")).await;
    assert_eq!(g["triad"], json!({ "providers": 1, "users": 1 }));
    assert_eq!(g["meetings"][0]["present"], 2);
    assert_eq!(
        g["meetings"][0]["minutes"],
        "Projednány potřeby, úkoly do března."
    );
    let list = get(queries, "/groups?territory=CZ042").await;
    assert_eq!(list["total"], 1);
    // The group on the web: organisations and meetings, no person named, no account id.
    let page = html(queries, &format!("/skupiny/{id}")).await;
    assert!(page.contains("<h1>Pracovní skupina Senioři</h1>"));
    assert!(page.contains("<tr><td>Charita Děčín</td><td>poskytovatelé</td></tr>"));
    assert!(page.contains("Projednány potřeby, úkoly do března."));
    assert!(
        page.contains("20. 1. 2027 15:00</strong>, Děčín, radnice"),
        "14:00 UTC is 15:00 in Prague"
    );
    assert!(!page.contains(&user_id) && !page.contains(&worker_id));
}

crate::helpers::in_both_modes!(scenario, plans_in_embedded_mode, plans_in_distributed_mode);
