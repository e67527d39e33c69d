//! The authorization matrix: for each role and scope, what each endpoint
//! answers, in both modes. A row is one request; its cells are the statuses
//! the roles get, in the order of [`ROLES`]. Refusals come before any
//! change, and each success creates a record of its own (the server chooses
//! its id), so no cell depends on another.

use crate::client::Client;
use reqwest::Method;
use serde_json::{json, Value};

/// The roles of the matrix, in the order of each row's statuses.
const ROLES: [&str; 9] = [
    "public",
    "provider",
    "other provider",
    "methodologist",
    "foreign methodologist",
    "curator",
    "commissioner",
    "analyst",
    "auditor",
];

const ICO: &str = "00064581"; // Děčín, Ústecký kraj
const OTHER_ICO: &str = "25596641";

fn deadline() -> String {
    (time::OffsetDateTime::now_utc() + time::Duration::days(30))
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap()
}

async fn scenario(commands: &str, _queries: &str, password: &str) {
    let (admin, service_id, clients) = a_client_of_each_role(commands, password).await;
    let rows = what_each_role_may_do(&service_id);
    each_role_gets_what_the_matrix_says(&clients, &rows).await;
    the_administrator_may_do_each_refused_write(&admin, &service_id).await;
}

/// A request and what each of [`ROLES`] gets for it.
type Row = (Method, String, Option<Value>, [u16; 9]);

/// A provider's asylum house, another provider, and a client of each of [`ROLES`]. Gives
/// the administrator, the service and the clients.
async fn a_client_of_each_role(commands: &str, password: &str) -> (Client, String, Vec<Client>) {
    let admin = Client::new(commands).login("admin", password).await;
    let service =
        crate::helpers::asylum_house(&admin, ICO, "Charita Děčín", "Azylový dům", "Pro muže.")
            .await;
    let service_id = service.body["stream_id"].as_str().unwrap().to_string();
    let other = json!({ "ico": OTHER_ICO, "name": "Diakonie", "address": { "city": "Ústí nad Labem", "postcode": "40001" } });
    assert_eq!(admin.post("/providers", other).await.status, 201);
    let account = |login: &'static str, role: &'static str, scope: Value| {
        let admin = admin.clone();
        async move { crate::helpers::account(&admin, login, role, scope).await }
    };
    let clients = vec![
        Client::new(commands),
        account(
            "matice-poskytovatel",
            "provider",
            json!({ "kind": "provider", "code": ICO }),
        )
        .await,
        account(
            "matice-jiny",
            "provider",
            json!({ "kind": "provider", "code": OTHER_ICO }),
        )
        .await,
        account(
            "matice-metodik",
            "methodologist",
            json!({ "kind": "kraj", "code": "CZ042" }),
        )
        .await,
        account(
            "matice-praha",
            "methodologist",
            json!({ "kind": "kraj", "code": "CZ010" }),
        )
        .await,
        account(
            "matice-kurator",
            "social_curator",
            json!({ "kind": "orp", "code": "4202" }),
        )
        .await,
        account(
            "matice-zadavatel",
            "commissioner",
            json!({ "kind": "kraj", "code": "CZ042" }),
        )
        .await,
        account("matice-analytik", "analyst", json!({ "kind": "global" })).await,
        account("matice-auditor", "auditor", json!({ "kind": "global" })).await,
    ];
    (admin, service_id, clients)
}

/// The matrix: each write and read, and what each role gets for it.
fn what_each_role_may_do(service_id: &str) -> Vec<Row> {
    let vacancy = json!({ "facility_id": "A", "form": "pob", "unit": "luzka", "free_places": 2 });
    let survey = json!({ "definition": { "title": "Matice", "anonymous": false, "audience": { "type": "kraj", "code": "CZ042" },
        "questions": [{ "id": "ok", "text": "Ano?", "kind": { "type": "yes_no" } }] } });
    let contact = json!({ "details": { "role": "social_curator", "kraj": "CZ042", "orp": "4202", "name": "Kurátor",
        "office": "Magistrát města Děčín", "contacts": { "emails": ["kurator@mmdecin.cz"] } } });
    let call = json!({ "details": { "title": "Výzva", "territory": "CZ042", "budget": 100_000, "eligible_kinds": [20],
        "criteria": [{ "id": "need", "name": "Potřebnost", "weight": 100, "max_points": 10 }], "deadline": deadline() } });
    let news = json!({ "article": { "kraj": "CZ042", "title": "Zpráva", "body": "Text." } });
    let provider = json!({ "ico": "45678901", "name": "Nový", "address": { "city": "Děčín", "postcode": "40502" } });
    let new_account = json!({ "login": "matice-novy", "email": "novy@example.cz", "display_name": "Nový",
        "password": "heslo-noveho-1", "roles": [] });
    //            public provider other  metod. foreign curator commis. analyst auditor
    let rows: Vec<Row> = vec![
        (
            Method::POST,
            format!("/services/{service_id}/vacancies"),
            Some(vacancy),
            [401, 200, 403, 403, 403, 403, 403, 403, 403],
        ),
        (
            Method::POST,
            format!("/services/{service_id}/verify"),
            Some(json!({})),
            [401, 403, 403, 403, 403, 403, 403, 403, 403],
        ),
        (
            Method::POST,
            "/providers".into(),
            Some(provider),
            [401, 403, 403, 403, 403, 403, 403, 403, 403],
        ),
        (
            Method::POST,
            "/accounts".into(),
            Some(new_account),
            [401, 403, 403, 403, 403, 403, 403, 403, 403],
        ),
        (
            Method::POST,
            "/surveys".into(),
            Some(survey),
            [401, 403, 403, 201, 403, 403, 403, 403, 403],
        ),
        (
            Method::POST,
            "/news".into(),
            Some(news),
            [401, 403, 403, 201, 403, 403, 403, 403, 403],
        ),
        (
            Method::POST,
            "/regional-contacts".into(),
            Some(contact),
            [401, 403, 403, 201, 403, 201, 403, 403, 403],
        ),
        (
            Method::POST,
            "/grants/calls".into(),
            Some(call),
            [401, 403, 403, 403, 403, 403, 201, 403, 403],
        ),
        (
            Method::GET,
            "/audit/log".into(),
            None,
            [401, 403, 403, 403, 403, 403, 403, 403, 200],
        ),
        (
            Method::GET,
            format!("/audit/streams/service/{service_id}"),
            None,
            [401, 403, 403, 403, 403, 403, 403, 403, 200],
        ),
        (
            Method::GET,
            "/admin/projections".into(),
            None,
            [401, 403, 403, 403, 403, 403, 403, 403, 403],
        ),
        (
            Method::POST,
            "/auth/logout".into(),
            Some(json!({})),
            [401, 200, 200, 200, 200, 200, 200, 200, 200],
        ),
    ];
    rows
}

async fn each_role_gets_what_the_matrix_says(clients: &[Client], rows: &[Row]) {
    let mut wrong = Vec::new();
    for (method, path, body, expected) in rows {
        for ((role, client), want) in ROLES.iter().zip(clients).zip(expected) {
            let got = client.send(method.clone(), path, body.clone(), &[]).await;
            if got.status != *want {
                wrong.push(format!(
                    "{role} {method} {path}: {} (expected {want}) {}",
                    got.status, got.body
                ));
            }
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

/// The administrator may do each of the refused writes.
async fn the_administrator_may_do_each_refused_write(admin: &Client, service_id: &str) {
    let as_admin = admin
        .send(
            Method::POST,
            &format!("/services/{service_id}/verify"),
            Some(json!({})),
            &[],
        )
        .await;
    assert_eq!(as_admin.status, 200, "{:?}", as_admin.body);
    assert_eq!(
        admin
            .send(Method::GET, "/admin/projections", None, &[])
            .await
            .status,
        200
    );
}

crate::helpers::in_both_modes!(
    scenario,
    the_authorization_matrix_holds_in_embedded_mode,
    the_authorization_matrix_holds_in_distributed_mode
);
