//! E-mail, in both modes, through a real SMTP server of the test's own
//! (aiosmtpd): a vacancy reminder with its one-click unsubscribe (and none
//! for a suspended service), an account's invitation, a password reset that
//! ends earlier sessions and works once, an SMTP server that is away
//! delaying a message until it returns, and an erased account that gets
//! nothing more.

use crate::client::Client;
use crate::helpers::Mail;
use serde_json::{json, Value};
use std::time::{Duration, Instant};
use test_support::{PrivateSmtp, ReceivedMail};

const ICO: &str = "00064581";

pub(crate) fn mail(smtp: &PrivateSmtp, public_url: Option<String>) -> Mail {
    Mail {
        notify: command_service::notify::NotifySettings {
            mail: infra::mail::MailSettings {
                smtp_url: Some(smtp.url.clone()),
                from: "Portál Děčínska <portal@decin.example.org>".into(),
                ..Default::default()
            },
            public_url,
            site_name: Some("Sociální služby Děčínska".into()),
            retry_after: Some(Duration::from_secs(1)),
        },
        rules: projection_service::notifications::Rules {
            vacancy_after: Duration::from_secs(4),
            tick: Duration::from_millis(500),
            ..Default::default()
        },
    }
}

/// Waits (up to 60 s) for a message to `to` whose subject starts with `subject`, and answers it.
pub(crate) async fn message(smtp: &PrivateSmtp, to: &str, subject: &str) -> ReceivedMail {
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        if let Some(m) = to_whom(smtp, to)
            .into_iter()
            .find(|m| decoded_subject(m).starts_with(subject))
        {
            return m;
        }
        assert!(
            Instant::now() < deadline,
            "no message {subject:?} to {to} within 60 s; received: {:?}",
            smtp.received()
                .iter()
                .map(|m| (m.to.clone(), decoded_subject(m)))
                .collect::<Vec<_>>()
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

pub(crate) fn to_whom(smtp: &PrivateSmtp, to: &str) -> Vec<ReceivedMail> {
    smtp.received().into_iter().filter(|m| m.to == to).collect()
}

/// The subject with its RFC 2047 encoded words decoded.
pub(crate) fn decoded_subject(m: &ReceivedMail) -> String {
    use base64::Engine;
    let raw = m.header("subject").unwrap_or_default();
    let mut out = String::new();
    // Whitespace between two encoded words is not part of the text (RFC 2047 §6.2).
    let mut after_encoded = false;
    for word in raw.split_whitespace() {
        let decoded = word
            .strip_prefix("=?utf-8?b?")
            .or_else(|| word.strip_prefix("=?UTF-8?B?"))
            .and_then(|w| w.strip_suffix("?="))
            .and_then(|b| base64::engine::general_purpose::STANDARD.decode(b).ok())
            .map(|b| String::from_utf8_lossy(&b).into_owned());
        let joined = after_encoded && decoded.is_some();
        if !out.is_empty() && !joined {
            out.push(' ');
        }
        after_encoded = decoded.is_some();
        out.push_str(decoded.as_deref().unwrap_or(word));
    }
    out
}

/// The token `t` of the first link to `path` in the message.
pub(crate) fn token(m: &ReceivedMail, path: &str) -> String {
    let text = m.text();
    let start = text
        .find(&format!("{path}?t="))
        .unwrap_or_else(|| panic!("no link to {path} in {text}"))
        + path.len()
        + 3;
    text[start..]
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_' || *c == '.')
        .collect()
}

async fn outbox(admin: &Client) -> Value {
    let report = admin
        .send(reqwest::Method::GET, "/notifications/failures", None, &[])
        .await;
    assert_eq!(report.status, 200, "{:?}", report.body);
    report.body
}

/// Waits until the outbox holds nothing pending.
async fn drained(admin: &Client) -> Value {
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let report = outbox(admin).await;
        if report["pending"] == 0 {
            return report;
        }
        assert!(
            Instant::now() < deadline,
            "messages still pending: {report}"
        );
        tokio::time::sleep(Duration::from_millis(300)).await;
    }
}

async fn scenario(commands: &str, public_url: &str, password: &str, smtp: &mut PrivateSmtp) {
    let s = two_services_one_suspended(commands, public_url, password).await;
    let unsubscribe = the_vacancy_reminder_goes_to_the_services_contact(&s, smtp).await;
    a_suspended_service_is_not_reminded(smtp).await;
    one_click_stops_the_reminders(&s, smtp, &unsubscribe).await;
    let account_id = a_new_account_is_invited_and_resets_its_password(&s, smtp).await;
    let before = an_smtp_server_away_delays_a_message(&s, smtp).await;
    an_erased_account_gets_nothing_more(&s, smtp, &account_id, before).await;
}

/// What the steps of the e-mail scenario share: the command service and the
/// portal's public address, the administrator, an anonymous client and the
/// service reminded.
struct Messages {
    commands: String,
    public_url: String,
    admin: Client,
    public: Client,
    service_id: String,
}

/// The subjects and message ids of the messages to Jana.
fn to_jana(smtp: &PrivateSmtp) -> Vec<(String, String)> {
    to_whom(smtp, "jana@charita.example.org")
        .iter()
        .map(|m| {
            (
                decoded_subject(m),
                m.header("message-id").unwrap_or_default().to_string(),
            )
        })
        .collect()
}

/// A provider with two services, each with its contact's address; the second suspended.
async fn two_services_one_suspended(commands: &str, public_url: &str, password: &str) -> Messages {
    let admin = Client::new(commands).login("admin", password).await;
    let provider = json!({ "ico": ICO, "name": "Oblastní charita Děčín",
        "address": { "city": "Děčín", "postcode": "40502" },
        "contacts": { "emails": ["info@charita.example.org"] } });
    assert_eq!(admin.post("/providers", provider).await.status, 201);
    let service = |name: &str, email: &str| {
        json!({ "provider_ico": ICO, "details": { "name": name, "kind": 20,
        "forms": [{ "form": "pob", "capacities": [{ "unit": "luzka", "count": 30 }] }],
        "contacts": { "emails": [email] },
        "facilities": [{ "facility_id": "A", "name": "Dům", "address": { "city": "Děčín", "postcode": "40502" } }] } })
    };
    let registered = admin
        .post(
            "/services",
            service("Azylový dům Děčín", "azyl@charita.example.org"),
        )
        .await;
    assert_eq!(registered.status, 201, "{:?}", registered.body);
    let service_id = registered.body["stream_id"].as_str().unwrap().to_string();
    let suspended = admin
        .post(
            "/services",
            service("Noclehárna Děčín", "nocleharna@charita.example.org"),
        )
        .await;
    let suspended_id = suspended.body["stream_id"].as_str().unwrap().to_string();
    let answer = admin
        .post(
            &format!("/services/{suspended_id}/suspend"),
            json!({ "reason": "rekonstrukce" }),
        )
        .await;
    assert_eq!(answer.status, 200, "{:?}", answer.body);
    Messages {
        commands: commands.to_string(),
        public_url: public_url.to_string(),
        admin,
        public: Client::new(commands),
        service_id,
    }
}

/// The vacancy reminder: to the service's contact, with the link where it reports and a
/// one-click unsubscribe. Gives the unsubscribe link.
async fn the_vacancy_reminder_goes_to_the_services_contact(
    s: &Messages,
    smtp: &PrivateSmtp,
) -> String {
    let Messages {
        public_url,
        service_id,
        ..
    } = s;
    let reminder = message(
        smtp,
        "azyl@charita.example.org",
        "Nahlaste prosím volná místa: Azylový dům Děčín",
    )
    .await;
    let host = public_url
        .split("://")
        .nth(1)
        .unwrap()
        .split(':')
        .next()
        .unwrap();
    let message_id = reminder.header("message-id").unwrap();
    assert!(
        message_id.starts_with('<') && message_id.ends_with(&format!("@{host}>")),
        "{message_id}"
    );
    assert_eq!(reminder.header("content-language"), Some("cs"));
    assert!(reminder
        .header("from")
        .unwrap()
        .contains("portal@decin.example.org"));
    assert!(reminder
        .text()
        .contains(&format!("{public_url}/moje#sluzba-{service_id}")));
    assert!(reminder.text().contains("Sociální služby Děčínska"));
    assert!(reminder.raw.contains("text/html") && reminder.raw.contains("text/plain"));
    assert_eq!(
        reminder.header("list-unsubscribe-post"),
        Some("List-Unsubscribe=One-Click")
    );
    let unsubscribe = reminder
        .header("list-unsubscribe")
        .unwrap()
        .trim_matches(['<', '>'])
        .to_string();
    assert!(unsubscribe.starts_with(&format!("{public_url}/api/v1/notifications/unsubscribe?t=")));
    unsubscribe
}

/// A suspended service is not reminded.
async fn a_suspended_service_is_not_reminded(smtp: &PrivateSmtp) {
    tokio::time::sleep(Duration::from_secs(5)).await;
    assert!(to_whom(smtp, "nocleharna@charita.example.org").is_empty());
}

/// One click (RFC 8058) stops the reminders; a forged link changes nothing.
async fn one_click_stops_the_reminders(s: &Messages, smtp: &PrivateSmtp, unsubscribe: &str) {
    let Messages {
        commands,
        public_url,
        admin,
        ..
    } = s;
    let one_click = |url: String| async move {
        reqwest::Client::new()
            .post(url)
            .header("content-type", "application/x-www-form-urlencoded")
            .body("List-Unsubscribe=One-Click")
            .send()
            .await
            .unwrap()
            .status()
            .as_u16()
    };
    let command_url = unsubscribe.replacen(public_url, commands, 1);
    assert_eq!(one_click(format!("{command_url}x")).await, 422);
    assert_eq!(one_click(command_url).await, 200);
    let deadline = Instant::now() + Duration::from_secs(60);
    while outbox(admin).await["suppressed"].as_u64().unwrap_or(0) == 0 {
        assert!(Instant::now() < deadline, "no reminder was suppressed");
        tokio::time::sleep(Duration::from_millis(300)).await;
    }
    let reminded = to_whom(smtp, "azyl@charita.example.org").len();
    tokio::time::sleep(Duration::from_secs(9)).await;
    assert_eq!(to_whom(smtp, "azyl@charita.example.org").len(), reminded);
}

/// A new account is invited to set its password; a reset asked for by login or e-mail
/// answers the same; the earlier session ends, the new password works, the link works
/// once and the invitation's ends too. Gives the account.
async fn a_new_account_is_invited_and_resets_its_password(
    s: &Messages,
    smtp: &PrivateSmtp,
) -> String {
    let Messages { admin, public, .. } = s;
    let person = json!({ "login": "jana", "email": "jana@charita.example.org", "display_name": "Jana Nováková",
        "password": "docasne-heslo-1", "roles": [{ "role": "provider", "scope": { "kind": "provider", "code": ICO } }] });
    let created = admin.post("/accounts", person).await;
    assert_eq!(created.status, 201, "{:?}", created.body);
    let account_id = created.body["stream_id"].as_str().unwrap().to_string();
    let invitation = message(smtp, "jana@charita.example.org", "Pozvánka na portál").await;
    assert!(invitation.header("list-unsubscribe").is_none());
    let invitation_token = token(&invitation, "/nove-heslo");
    let session = public.login("jana", "docasne-heslo-1").await;
    let asked = public
        .post("/auth/password-reset", json!({ "login": "jana" }))
        .await;
    assert_eq!(asked.status, 202, "{:?}", asked.body);
    let unknown = public
        .post(
            "/auth/password-reset",
            json!({ "email": "nikdo@example.org" }),
        )
        .await;
    assert_eq!((unknown.status, &unknown.body), (202, &asked.body));
    assert_eq!(
        public.post("/auth/password-reset", json!({})).await.status,
        422
    );
    let reset = message(smtp, "jana@charita.example.org", "Obnovení hesla").await;
    assert!(reset.header("list-unsubscribe").is_none());
    let reset_token = token(&reset, "/nove-heslo");
    let confirm = |token: String, password: &str| {
        public.post(
            "/auth/password-reset/confirm",
            json!({ "token": token, "new_password": password }),
        )
    };
    assert_eq!(
        confirm(reset_token.clone(), "kratke").await.fields(),
        ["new_password"]
    );
    let done = confirm(reset_token.clone(), "nove-heslo-jany-1").await;
    assert_eq!(done.status, 200, "{:?}", done.body);
    // The earlier session ended; the new password works; the link works once, and the invitation's ended too.
    assert_eq!(session.post("/auth/logout", json!({})).await.status, 401);
    public.login("jana", "nove-heslo-jany-1").await;
    assert_eq!(
        confirm(reset_token, "jeste-jine-heslo-1").await.fields(),
        ["token"]
    );
    assert_eq!(
        confirm(invitation_token, "jeste-jine-heslo-1")
            .await
            .fields(),
        ["token"]
    );
    account_id
}

/// An SMTP server that is away delays a message; it goes out when the server returns.
/// Gives how many messages Jana had before.
async fn an_smtp_server_away_delays_a_message(s: &Messages, smtp: &mut PrivateSmtp) -> usize {
    let Messages { admin, public, .. } = s;
    smtp.stop();
    let before = to_whom(smtp, "jana@charita.example.org").len();
    let asked = public
        .post(
            "/auth/password-reset",
            json!({ "email": "JANA@charita.example.org" }),
        )
        .await;
    assert_eq!(asked.status, 202);
    let deadline = Instant::now() + Duration::from_secs(60);
    while outbox(admin).await["pending"].as_u64().unwrap_or(0) == 0 {
        assert!(Instant::now() < deadline, "the message never waited");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    tokio::time::sleep(Duration::from_secs(2)).await;
    smtp.start_again();
    drained(admin).await;
    assert_eq!(to_jana(smtp).len(), before + 1, "{:?}", to_jana(smtp));
    before
}

/// An erased account gets nothing more: a message decided before the erasure is not sent.
///
/// (The reminders, suppressed since the unsubscription, stop with the service's suspension.)
async fn an_erased_account_gets_nothing_more(
    s: &Messages,
    smtp: &mut PrivateSmtp,
    account_id: &str,
    before: usize,
) {
    let Messages {
        admin,
        public,
        service_id,
        ..
    } = s;
    let answer = admin
        .post(
            &format!("/services/{service_id}/suspend"),
            json!({ "reason": "konec testu" }),
        )
        .await;
    assert_eq!(answer.status, 200, "{:?}", answer.body);
    tokio::time::sleep(Duration::from_secs(2)).await;
    drained(admin).await;
    smtp.stop();
    let suppressed = outbox(admin).await["suppressed"].as_u64().unwrap();
    public
        .post("/auth/password-reset", json!({ "login": "jana" }))
        .await;
    let deadline = Instant::now() + Duration::from_secs(60);
    while outbox(admin).await["pending"].as_u64().unwrap_or(0) == 0 {
        assert!(Instant::now() < deadline, "the message never waited");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let erased = admin
        .post(&format!("/accounts/{account_id}/erase"), json!({}))
        .await;
    assert_eq!(erased.status, 200, "{:?}", erased.body);
    smtp.start_again();
    let report = drained(admin).await;
    assert_eq!(to_jana(smtp).len(), before + 1, "{:?}", to_jana(smtp));
    assert_eq!(report["suppressed"].as_u64().unwrap(), suppressed + 1);
    assert_eq!(report["failed"], 0, "{report}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn e_mail_in_the_embedded_portal() {
    let mut smtp = PrivateSmtp::start();
    let dir = test_support::TempDir::new();
    let app = crate::helpers::spawn_portal_mailing(&dir, false, mail(&smtp, None)).await;
    let password = std::fs::read_to_string(dir.path().join("admin-password")).unwrap();
    scenario(&app.base, &app.base, password.trim(), &mut smtp).await;
    let (_, _, metrics) = app.get("/metrics").await;
    for outcome in ["sent", "delayed", "suppressed"] {
        assert!(
            metrics.contains(&format!("mail_messages_total{{outcome=\"{outcome}\"}}")),
            "{metrics}"
        );
    }
    app.stop().await;
    // The erased person's address is nowhere in the data folder.
    assert_eq!(
        test_support::files_holding(dir.path(), b"jana@charita.example.org"),
        Vec::<String>::new()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn e_mail_in_the_distributed_services() {
    let mut smtp = PrivateSmtp::start();
    // The links point at the portal as people open it; the test's services each have their own port.
    let public_url = "http://portal.example.org".to_string();
    let stack =
        crate::helpers::spawn_distributed_mailing(mail(&smtp, Some(public_url.clone()))).await;
    scenario(&stack.commands, &public_url, "admin-password-1", &mut smtp).await;
    stack.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_an_smtp_server_the_embedded_portal_writes_eml_files() {
    let dir = test_support::TempDir::new();
    let app = crate::helpers::spawn_portal_mailing(
        &dir,
        false,
        Mail {
            rules: projection_service::notifications::Rules {
                vacancy_after: Duration::from_secs(2),
                tick: Duration::from_millis(500),
                ..Default::default()
            },
            ..Mail::default()
        },
    )
    .await;
    let password = std::fs::read_to_string(dir.path().join("admin-password")).unwrap();
    let admin = Client::new(&app.base).login("admin", password.trim()).await;
    let provider = json!({ "ico": ICO, "name": "Charita", "address": { "city": "Děčín", "postcode": "40502" } });
    assert_eq!(admin.post("/providers", provider).await.status, 201);
    let service = json!({ "provider_ico": ICO, "details": { "name": "Azylový dům", "kind": 20,
        "forms": [{ "form": "pob", "capacities": [{ "unit": "luzka", "count": 30 }] }],
        "contacts": { "emails": ["azyl@charita.example.org"] },
        "facilities": [{ "facility_id": "A", "name": "Dům", "address": { "city": "Děčín", "postcode": "40502" } }] } });
    assert_eq!(admin.post("/services", service).await.status, 201);
    let outbox = dir.path().join("outbox");
    let deadline = Instant::now() + Duration::from_secs(60);
    let file = loop {
        let found = std::fs::read_dir(&outbox).ok().and_then(|entries| {
            entries
                .filter_map(Result::ok)
                .map(|e| e.path())
                .find(|p| p.extension().is_some_and(|x| x == "eml"))
        });
        if let Some(f) = found {
            break f;
        }
        assert!(
            Instant::now() < deadline,
            "no .eml file in {}",
            outbox.display()
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    };
    let eml = std::fs::read_to_string(&file).unwrap();
    assert!(eml.contains("To: azyl@charita.example.org"), "{eml}");
    assert!(eml.contains("List-Unsubscribe:"));
    // Named by the Message-ID: written again after a crash, it is the same file.
    let id = file.file_stem().unwrap().to_string_lossy().to_string();
    assert!(
        eml.contains(&format!(
            "Message-ID: <{}>",
            id.replacen('_', "@", 1).replace('_', ".")
        )),
        "{id} {eml}"
    );
    app.stop().await;
}

/// POSTs a web form as a browser of the portal would.
pub(crate) async fn form(base: &str, path: &str, fields: &[(&str, &str)]) -> (u16, String) {
    let response = reqwest::Client::new()
        .post(format!("{base}{path}"))
        .header("origin", base)
        .form(fields)
        .send()
        .await
        .unwrap();
    (response.status().as_u16(), response.text().await.unwrap())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_links_of_messages_open_pages_that_work_without_javascript() {
    let smtp = PrivateSmtp::start();
    let dir = test_support::TempDir::new();
    let app = crate::helpers::spawn_portal_mailing(&dir, false, mail(&smtp, None)).await;
    let password = std::fs::read_to_string(dir.path().join("admin-password")).unwrap();
    let admin = Client::new(&app.base).login("admin", password.trim()).await;
    let person = json!({ "login": "petr", "email": "petr@example.org", "display_name": "Petr",
        "password": "docasne-heslo-1", "roles": [] });
    assert_eq!(admin.post("/accounts", person).await.status, 201);
    message(&smtp, "petr@example.org", "Pozvánka na portál").await;

    // The sign-in page leads to the form that sends a link.
    let (_, _, login) = app.get("/prihlaseni").await;
    assert!(
        login.contains("href=\"/zapomenute-heslo?lang=cs\""),
        "{login}"
    );
    let (status, _, page) = app.get("/zapomenute-heslo").await;
    assert!(status == 200 && page.contains("name=\"who\""), "{page}");
    let (status, page) = form(&app.base, "/zapomenute-heslo", &[("who", "")]).await;
    assert!(status == 422 && page.contains("Napište přihlašovací jméno, nebo e-mail."));
    let (status, page) = form(
        &app.base,
        "/zapomenute-heslo",
        &[("who", "petr@example.org")],
    )
    .await;
    assert!(
        status == 200 && page.contains("Odkaz platí jednu hodinu"),
        "{page}"
    );
    let reset = message(&smtp, "petr@example.org", "Obnovení hesla").await;
    let t = token(&reset, "/nove-heslo");

    // The link's page sets the password; twice different, then right, then the link is used up.
    let (status, _, page) = app.get(&format!("/nove-heslo?t={t}")).await;
    assert!(
        status == 200 && page.contains(&format!("name=\"t\" value=\"{t}\"")),
        "{page}"
    );
    let set = |password: &'static str, again: &'static str| {
        let (base, t) = (app.base.clone(), t.clone());
        async move {
            form(
                &base,
                "/nove-heslo",
                &[("t", &t), ("password", password), ("again", again)],
            )
            .await
        }
    };
    let (status, page) = set("nove-heslo-petra", "jine-heslo-petra").await;
    assert!(
        status == 422 && page.contains("Hesla se neshodují"),
        "{page}"
    );
    let (status, page) = set("nove-heslo-petra", "nove-heslo-petra").await;
    assert!(
        status == 200 && page.contains("Heslo je nastavené"),
        "{page}"
    );
    Client::new(&app.base)
        .login("petr", "nove-heslo-petra")
        .await;
    let (status, page) = set("treti-heslo-petra", "treti-heslo-petra").await;
    assert!(status == 422 && page.contains("Odkaz"), "{page}");

    // A message's unsubscribe page: a button, then done.
    let provider = json!({ "ico": ICO, "name": "Charita", "address": { "city": "Děčín", "postcode": "40502" } });
    assert_eq!(admin.post("/providers", provider).await.status, 201);
    let service = json!({ "provider_ico": ICO, "details": { "name": "Azylový dům", "kind": 20,
        "forms": [{ "form": "pob", "capacities": [{ "unit": "luzka", "count": 30 }] }],
        "contacts": { "emails": ["azyl@example.org"] },
        "facilities": [{ "facility_id": "A", "name": "Dům", "address": { "city": "Děčín", "postcode": "40502" } }] } });
    assert_eq!(admin.post("/services", service).await.status, 201);
    let reminder = message(&smtp, "azyl@example.org", "Nahlaste prosím volná místa").await;
    let t = token(&reminder, "/odhlaseni-zprav");
    let (status, _, page) = app.get(&format!("/odhlaseni-zprav?t={t}")).await;
    assert!(
        status == 200 && page.contains("Odhlásit tyto zprávy"),
        "{page}"
    );
    let (status, page) = form(&app.base, "/odhlaseni-zprav", &[("t", "padělek")]).await;
    assert!(status == 422, "{page}");
    let (status, page) = form(&app.base, "/odhlaseni-zprav", &[("t", &t)]).await;
    assert!(
        status == 200 && page.contains("už vám neposíláme"),
        "{page}"
    );
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unverified_record_is_asked_to_be_verified_twice_and_listed_for_administrators() {
    let smtp = PrivateSmtp::start();
    let dir = test_support::TempDir::new();
    let mut settings = mail(&smtp, None);
    settings.rules.vacancy_after = Duration::from_secs(7 * 86_400);
    settings.rules.verification_after = Duration::from_secs(2);
    settings.rules.verification_reminder_after = Duration::from_secs(3);
    let app = crate::helpers::spawn_portal_mailing(&dir, false, settings).await;
    let password = std::fs::read_to_string(dir.path().join("admin-password")).unwrap();
    let admin = Client::new(&app.base).login("admin", password.trim()).await;
    let provider = json!({ "ico": ICO, "name": "Charita", "address": { "city": "Děčín", "postcode": "40502" },
        "contacts": { "emails": ["info@charita.example.org"] } });
    assert_eq!(admin.post("/providers", provider).await.status, 201);
    // No e-mail of its own: the provider's is used.
    let service = json!({ "provider_ico": ICO, "details": { "name": "Odborné poradenství", "kind": 1,
        "forms": [{ "form": "amb", "capacities": [{ "unit": "klient", "count": 30 }] }],
        "facilities": [{ "facility_id": "A", "name": "Poradna", "address": { "city": "Děčín", "postcode": "40502" } }] } });
    let registered = admin.post("/services", service).await;
    assert_eq!(registered.status, 201, "{:?}", registered.body);
    let id = registered.body["stream_id"].as_str().unwrap().to_string();
    let first = message(
        &smtp,
        "info@charita.example.org",
        "Ověřte prosím údaje služby Odborné poradenství",
    )
    .await;
    assert!(
        first.text().contains("naposledy ověřeny"),
        "{}",
        first.text()
    );
    message(
        &smtp,
        "info@charita.example.org",
        "Připomínka: ověřte prosím údaje služby Odborné poradenství",
    )
    .await;
    // A service of another kind gets no vacancy reminder.
    assert!(smtp
        .received()
        .iter()
        .all(|m| !decoded_subject(m).starts_with("Nahlaste")));

    let (status, _, body) = app
        .get(&format!(
            "/api/v1/services/verification-overdue?days=0&after={}",
            registered.after()
        ))
        .await;
    assert_eq!(status, 200, "{body}");
    let list: Value = serde_json::from_str(&body).unwrap();
    let row = list["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["id"] == id.as_str())
        .unwrap_or_else(|| panic!("{list}"));
    assert_eq!(row["last_verified_on"], Value::Null);
    assert_eq!(row["provider_name"], "Charita");
    let verified = admin
        .post(&format!("/services/{id}/verify"), json!({}))
        .await;
    assert_eq!(verified.status, 200, "{:?}", verified.body);
    let (_, _, body) = app
        .get(&format!(
            "/api/v1/services/verification-overdue?days=1&after={}",
            verified.after()
        ))
        .await;
    assert!(!body.contains(&id), "{body}");
    let (status, _, _) = app
        .get("/api/v1/services/verification-overdue?days=x")
        .await;
    assert_eq!(status, 422);
    app.stop().await;
}
