//! Subscriptions of the public, in both modes, through a real SMTP server
//! (aiosmtpd): a subscription asked for by the API (a kraj's news) and one
//! by the web form (new free places of a kind in an ORP), each confirmed
//! once by its link (double opt-in: nothing before, and only what came
//! after), a weekly digest (a period of seconds here) listing what is new,
//! and a one-click unsubscription that stops the digests and erases the
//! subscriber's key.

use crate::client::Client;
use crate::helpers::Mail;
use crate::notifications::{decoded_subject, form, mail, message, to_whom, token};
use base64::Engine;
use serde_json::{json, Value};
use std::time::Duration;
use test_support::PrivateSmtp;
use uuid::Uuid;

const ICO: &str = "00064581";

fn digests(smtp: &PrivateSmtp, public_url: Option<String>) -> Mail {
    let mut settings = mail(smtp, public_url);
    settings.rules.vacancy_after = Duration::from_secs(7 * 86_400);
    settings.rules.digest_every = Duration::from_secs(4);
    settings
}

/// The subscription an unsubscribe link names (`subscriber:{id}|digest`, signed).
fn subscription_of(unsubscribe_url: &str) -> Uuid {
    let t = unsubscribe_url.split("?t=").nth(1).unwrap();
    let named = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(t.split('.').next().unwrap())
        .unwrap();
    let named = String::from_utf8(named).unwrap();
    let id = named
        .strip_prefix("subscriber:")
        .and_then(|r| r.strip_suffix("|digest"))
        .unwrap_or_else(|| panic!("{named}"));
    Uuid::parse_str(id).unwrap()
}

async fn get(base: &str, path: &str) -> (u16, (), String) {
    let response = reqwest::get(format!("{base}{path}")).await.unwrap();
    (
        response.status().as_u16(),
        (),
        response.text().await.unwrap(),
    )
}

/// Runs the scenario; answers the two subscriptions (unsubscribed, still on).
async fn scenario(
    commands: &str,
    web: &str,
    public_url: &str,
    password: &str,
    smtp: &PrivateSmtp,
) -> (Uuid, Uuid) {
    let s = subscriptions(commands, web, public_url, password).await;
    let lide_token = by_the_api_a_krajs_news(&s, smtp).await;
    let hledam_token = by_the_web_form_new_free_places_in_an_orp(&s, smtp).await;
    an_article_before_the_confirmation_is_not_in_the_digest(&s, &lide_token, &hledam_token).await;
    let after_id = what_comes_after_the_confirmations(&s).await;
    let (unsubscribe, lide, hledam) =
        the_digests_list_what_is_new_for_each(&s, smtp, &after_id).await;
    one_click_ends_the_subscription(&s, smtp, &unsubscribe).await;
    (lide, hledam)
}

/// What the steps of the subscription scenario share: the command service,
/// the web, the portal's public address, the administrator, an anonymous
/// client and a service.
struct Subscriptions {
    commands: String,
    web: String,
    public_url: String,
    admin: Client,
    public: Client,
    service_id: String,
}

/// An article of Ústecký kraj.
fn article(title: &str) -> Value {
    json!({ "article": { "kraj": "CZ042", "title": title, "body": "Text aktuality." } })
}

/// A provider's asylum house in Děčín.
async fn subscriptions(
    commands: &str,
    web: &str,
    public_url: &str,
    password: &str,
) -> Subscriptions {
    let admin = Client::new(commands).login("admin", password).await;
    let provider = json!({ "ico": ICO, "name": "Oblastní charita Děčín",
        "address": { "city": "Děčín", "postcode": "40502" } });
    assert_eq!(admin.post("/providers", provider).await.status, 201);
    let service = json!({ "provider_ico": ICO, "details": { "name": "Azylový dům Děčín", "kind": 20,
        "forms": [{ "form": "pob", "capacities": [{ "unit": "luzka", "count": 30 }] }],
        "facilities": [{ "facility_id": "A", "name": "Dům", "address": { "city": "Děčín", "postcode": "40502", "municipality_code": "562335" } }] } });
    let registered = admin.post("/services", service).await;
    assert_eq!(registered.status, 201, "{:?}", registered.body);
    let service_id = registered.body["stream_id"].as_str().unwrap().to_string();
    Subscriptions {
        commands: commands.to_string(),
        web: web.to_string(),
        public_url: public_url.to_string(),
        admin,
        public: Client::new(commands),
        service_id,
    }
}

/// By the API: a kraj's news. Bad requests name their field and send nothing. Gives the
/// confirmation's token.
async fn by_the_api_a_krajs_news(s: &Subscriptions, smtp: &PrivateSmtp) -> String {
    let Subscriptions {
        public_url, public, ..
    } = s;
    for (body, field) in [
        (json!({ "email": "ne-adresa", "kraj": "CZ042" }), "email"),
        (
            json!({ "email": "lide@example.org", "kraj": "CZ999" }),
            "kraj",
        ),
        (
            json!({ "email": "lide@example.org", "orp": "4202" }),
            "kind",
        ),
        (
            json!({ "email": "lide@example.org", "orp": "4202", "kind": 1 }),
            "kind",
        ),
        (json!({ "email": "lide@example.org" }), "kraj"),
    ] {
        let refused = public.post("/subscriptions", body.clone()).await;
        assert_eq!(refused.fields(), [field], "{body} {:?}", refused.body);
    }
    let asked = public
        .post(
            "/subscriptions",
            json!({ "email": "lide@example.org", "kraj": "CZ042" }),
        )
        .await;
    assert_eq!(asked.status, 202, "{:?}", asked.body);
    let confirmation = message(smtp, "lide@example.org", "Potvrďte odběr").await;
    assert!(confirmation.header("list-unsubscribe").is_none());
    assert!(
        confirmation.text().contains("aktuality: Ústecký kraj"),
        "{}",
        confirmation.text()
    );
    assert!(confirmation
        .text()
        .contains(&format!("{public_url}/odber/potvrdit?t=")));

    token(&confirmation, "/odber/potvrdit")
}

/// By the web form: new free places of azylové domy in the ORP Děčín; a wrong e-mail shows
/// the form again. Gives the confirmation's token.
async fn by_the_web_form_new_free_places_in_an_orp(
    s: &Subscriptions,
    smtp: &PrivateSmtp,
) -> String {
    let Subscriptions { web, .. } = s;
    let (status, page) = form(web, "/odber", &[]).await;
    assert_eq!(status, 422, "{page}");
    let (status, _, page) = get(web, "/odber").await;
    assert!(
        status == 200 && page.contains("<option value=\"4202\">Děčín</option>"),
        "{page}"
    );
    let vacancies = |email: &'static str| {
        [
            ("topic", "vacancies"),
            ("email", email),
            ("orp", "4202"),
            ("kind", "20"),
        ]
    };
    let (status, page) = form(web, "/odber", &vacancies("hledam@")).await;
    assert!(
        status == 422
            && page.contains("není e-mailová adresa")
            && page.contains("value=\"hledam@\""),
        "{page}"
    );
    let (status, page) = form(web, "/odber", &vacancies("hledam@example.org")).await;
    assert!(status == 200 && page.contains("Děkujeme"), "{page}");
    let confirmation = message(smtp, "hledam@example.org", "Potvrďte odběr").await;
    assert!(confirmation
        .text()
        .contains("nová volná místa: azylové domy, ORP Děčín"));

    token(&confirmation, "/odber/potvrdit")
}

/// An article before the confirmation is not in the digest; a forged link confirms
/// nothing; both subscriptions are confirmed, by the API and by the web.
async fn an_article_before_the_confirmation_is_not_in_the_digest(
    s: &Subscriptions,
    lide_token: &str,
    hledam_token: &str,
) {
    let Subscriptions {
        web, admin, public, ..
    } = s;
    let before = admin.post("/news", article("Před potvrzením")).await;
    assert_eq!(before.status, 201, "{:?}", before.body);
    let forged = public
        .post(
            "/subscriptions/confirm",
            json!({ "token": format!("{lide_token}x") }),
        )
        .await;
    assert_eq!(forged.fields(), ["token"]);
    let confirmed = public
        .post("/subscriptions/confirm", json!({ "token": lide_token }))
        .await;
    assert_eq!(confirmed.status, 200, "{:?}", confirmed.body);
    let (status, _, page) = get(web, &format!("/odber/potvrdit?t={hledam_token}")).await;
    assert!(status == 200 && page.contains("Potvrdit odběr"), "{page}");
    let (status, page) = form(web, "/odber/potvrdit", &[("t", hledam_token)]).await;
    assert!(
        status == 200 && page.contains("Odběr je potvrzený"),
        "{page}"
    );
}

/// What comes after: an article of the kraj, one of another kraj, free places in Děčín.
/// Gives the kraj's article.
async fn what_comes_after_the_confirmations(s: &Subscriptions) -> String {
    let Subscriptions {
        admin, service_id, ..
    } = s;
    let after = admin
        .post("/news", article("Nová noclehárna v Děčíně"))
        .await;
    let after_id = after.body["stream_id"].as_str().unwrap().to_string();
    let elsewhere =
        json!({ "article": { "kraj": "CZ010", "title": "Pražská aktualita", "body": "Text." } });
    assert_eq!(admin.post("/news", elsewhere).await.status, 201);
    let reported = admin
        .post(
            &format!("/services/{service_id}/vacancies"),
            json!({ "facility_id": "A", "form": "pob", "unit": "luzka", "free_places": 3 }),
        )
        .await;
    assert_eq!(reported.status, 200, "{:?}", reported.body);
    after_id
}

/// The digests: each lists what is new for it, with a one-click unsubscribe; one digest a
/// period. Gives the news digest's unsubscribe link and both subscriptions.
async fn the_digests_list_what_is_new_for_each(
    s: &Subscriptions,
    smtp: &PrivateSmtp,
    after_id: &str,
) -> (String, Uuid, Uuid) {
    let Subscriptions {
        public_url,
        service_id,
        ..
    } = s;
    let digest = message(
        smtp,
        "lide@example.org",
        "Přehled týdne – aktuality: Ústecký kraj",
    )
    .await;
    let text = digest.text();
    assert!(text.contains("Nová noclehárna v Děčíně"), "{text}");
    assert!(
        text.contains(&format!("{public_url}/aktuality/{after_id}")),
        "{text}"
    );
    assert!(
        !text.contains("Před potvrzením") && !text.contains("Pražská"),
        "{text}"
    );
    assert_eq!(
        digest.header("list-unsubscribe-post"),
        Some("List-Unsubscribe=One-Click")
    );
    let unsubscribe = digest
        .header("list-unsubscribe")
        .unwrap()
        .trim_matches(['<', '>'])
        .to_string();
    let lide = subscription_of(&unsubscribe);
    let free = message(
        smtp,
        "hledam@example.org",
        "Přehled týdne – nová volná místa",
    )
    .await;
    let text = free.text();
    assert!(
        text.contains("Azylový dům Děčín – volných míst: 3"),
        "{text}"
    );
    assert!(
        text.contains(&format!("{public_url}/sluzby/{service_id}")),
        "{text}"
    );
    let hledam = subscription_of(
        free.header("list-unsubscribe")
            .unwrap()
            .trim_matches(['<', '>']),
    );
    // One digest a period: what was listed is not listed again.
    tokio::time::sleep(Duration::from_secs(9)).await;
    assert_eq!(to_whom(smtp, "lide@example.org").len(), 2);
    assert_eq!(to_whom(smtp, "hledam@example.org").len(), 2);
    (unsubscribe, lide, hledam)
}

/// One click ends the subscription: the next article is not sent.
async fn one_click_ends_the_subscription(s: &Subscriptions, smtp: &PrivateSmtp, unsubscribe: &str) {
    let Subscriptions {
        commands,
        public_url,
        admin,
        ..
    } = s;
    let done = reqwest::Client::new()
        .post(unsubscribe.replacen(public_url, commands, 1))
        .header("content-type", "application/x-www-form-urlencoded")
        .body("List-Unsubscribe=One-Click")
        .send()
        .await
        .unwrap();
    assert_eq!(done.status(), 200);
    assert_eq!(
        admin.post("/news", article("Po odhlášení")).await.status,
        201
    );
    tokio::time::sleep(Duration::from_secs(9)).await;
    let subjects: Vec<String> = to_whom(smtp, "lide@example.org")
        .iter()
        .map(decoded_subject)
        .collect();
    assert_eq!(subjects.len(), 2, "{subjects:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn subscriptions_in_the_embedded_portal() {
    let smtp = PrivateSmtp::start();
    let dir = test_support::TempDir::new();
    let app = crate::helpers::spawn_portal_mailing(&dir, false, digests(&smtp, None)).await;
    let password = std::fs::read_to_string(dir.path().join("admin-password")).unwrap();
    let (unsubscribed, subscribed) =
        scenario(&app.base, &app.base, &app.base, password.trim(), &smtp).await;
    app.stop().await;
    // The unsubscribed address's key is gone (its sealed address opens no more); the other's is kept.
    use infra::personal::PersonalKeyStore;
    let keys = infra::personal::sqlite::SqlitePersonalKeyStore::open(
        dir.path().join("personal-keys.sqlite3"),
    )
    .unwrap()
    .keys(&[unsubscribed, subscribed])
    .await
    .unwrap();
    assert_eq!(keys.keys().collect::<Vec<_>>(), [&subscribed]);
    // No address is anywhere in the data folder in plain text.
    for address in [&b"lide@example.org"[..], b"hledam@example.org"] {
        assert_eq!(
            test_support::files_holding(dir.path(), address),
            Vec::<String>::new()
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn subscriptions_in_the_distributed_services() {
    let smtp = PrivateSmtp::start();
    let public_url = "http://portal.example.org".to_string();
    let stack =
        crate::helpers::spawn_distributed_mailing(digests(&smtp, Some(public_url.clone()))).await;
    scenario(
        &stack.commands,
        &stack.queries,
        &public_url,
        "admin-password-1",
        &smtp,
    )
    .await;
    stack.stop().await;
}
