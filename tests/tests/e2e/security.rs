//! What an attacker tries, over HTTP: sessions that must end, the last
//! administrator, bounded logins and passwords, limits that concurrent
//! requests cannot outrun and that an attacker elsewhere cannot use to lock
//! a user out.

use crate::client::{Answer, Client};
use reqwest::Method;
use serde_json::{json, Value};

async fn get(client: &Client, path: &str) -> Answer {
    client.send(Method::GET, path, None, &[]).await
}

fn new_account(login: &str, password: &str, role: &str) -> Value {
    json!({ "login": login, "email": format!("{login}@example.cz"), "display_name": login,
        "password": password, "roles": [{ "role": role, "scope": { "kind": "global" } }] })
}

async fn sessions_end(commands: &str, password: &str) {
    let admin = Client::new(commands).login("admin", password).await;
    let created = admin
        .post(
            "/accounts",
            new_account("analytik", "heslo-analytika-1", "analyst"),
        )
        .await;
    assert_eq!(created.status, 201, "{:?}", created.body);
    let id = created.body["stream_id"].as_str().unwrap().to_string();

    // A logout ends the token it is sent with, and only that one.
    let phone = Client::new(commands)
        .login("analytik", "heslo-analytika-1")
        .await;
    let desk = Client::new(commands)
        .login("analytik", "heslo-analytika-1")
        .await;
    assert_eq!(
        get(&phone, "/audit/log").await.status,
        403,
        "an analyst is no auditor"
    );
    let out = phone.post("/auth/logout", json!({})).await;
    assert_eq!(out.status, 200, "{:?}", out.body);
    let after = phone.post("/auth/logout", json!({})).await;
    assert_eq!(after.status, 401, "{:?}", after.body);
    assert!(after.content_type.starts_with("application/problem+json"));
    let still = desk
        .send(
            Method::POST,
            &format!("/accounts/{id}/password"),
            Some(json!({ "current_password": "x", "new_password": "nove-heslo-12345" })),
            &[],
        )
        .await;
    assert_eq!(
        still.status, 422,
        "the other session still works: {:?}",
        still.body
    );
    assert_eq!(still.body["errors"][0]["field"], "current_password");

    // The scheme is case-insensitive.
    let token = desk.token.clone().unwrap();
    let lower = Client::new(commands)
        .send(
            Method::POST,
            "/auth/logout",
            None,
            &[("Authorization", &format!("bearer {token}"))],
        )
        .await;
    assert_eq!(lower.status, 200, "{:?}", lower.body);
    assert_eq!(desk.post("/auth/logout", json!({})).await.status, 401);

    // A password change ends every earlier token.
    let one = Client::new(commands)
        .login("analytik", "heslo-analytika-1")
        .await;
    let two = Client::new(commands)
        .login("analytik", "heslo-analytika-1")
        .await;
    let changed = one
        .post(
            &format!("/accounts/{id}/password"),
            json!({ "current_password": "heslo-analytika-1", "new_password": "nove-heslo-12345" }),
        )
        .await;
    assert_eq!(changed.status, 200, "{:?}", changed.body);
    assert_eq!(two.post("/auth/logout", json!({})).await.status, 401);
    assert_eq!(one.post("/auth/logout", json!({})).await.status, 401);
    let three = Client::new(commands)
        .login("analytik", "nove-heslo-12345")
        .await;
    assert_eq!(three.post("/auth/logout", json!({})).await.status, 200);

    // Passwords: at least 10 characters that are not all blank, at most 1,000.
    for bad in ["           ", "  kratke   ", &"x".repeat(1_001)] {
        let refused = admin
            .post(
                &format!("/accounts/{id}/password"),
                json!({ "new_password": bad }),
            )
            .await;
        assert_eq!(refused.status, 422, "{bad:?}");
        assert_eq!(refused.body["errors"][0]["field"], "new_password");
    }
}

async fn the_last_administrator_stays(commands: &str, password: &str) {
    let admin = Client::new(commands).login("admin", password).await;
    let me = admin.post("/auth/logout", json!({})).await;
    assert_eq!(me.status, 200);
    let admin = Client::new(commands).login("admin", password).await;
    let second = admin
        .post(
            "/accounts",
            new_account("druhy-admin", "heslo-druheho-1", "administrator"),
        )
        .await;
    let second_id = second.body["stream_id"].as_str().unwrap().to_string();
    let second = Client::new(commands)
        .login("druhy-admin", "heslo-druheho-1")
        .await;
    let own = [
        (format!("/accounts/{second_id}/erase"), json!({})),
        (format!("/accounts/{second_id}/disable"), json!({})),
        (
            format!("/accounts/{second_id}/roles/revoke"),
            json!({ "role": "administrator", "scope": { "kind": "global" } }),
        ),
    ];
    for (path, body) in own {
        let refused = second.post(&path, body).await;
        assert_eq!(refused.status, 409, "{path}: {:?}", refused.body);
        assert!(refused.body["detail"]
            .as_str()
            .unwrap()
            .contains("another administrator"));
    }
    // Another administrator may.
    assert_eq!(
        admin
            .post(&format!("/accounts/{second_id}/disable"), json!({}))
            .await
            .status,
        200
    );
}

async fn logins_are_bounded(commands: &str, _password: &str) {
    let public = Client::new(commands);
    let huge = public
        .post(
            "/auth/login",
            json!({ "login": "x".repeat(100_000), "password": "p" }),
        )
        .await;
    assert_eq!(huge.status, 422, "{:?}", huge.body);
    assert_eq!(huge.body["errors"][0]["field"], "login");
    let huge = public
        .post(
            "/auth/login",
            json!({ "login": "admin", "password": "p".repeat(1_001) }),
        )
        .await;
    assert_eq!(huge.body["errors"][0]["field"], "password");
    // Beyond the body limit: a problem too. The request only announces its
    // size (the server answers before reading the body; a client still
    // writing it would race the closed connection).
    let answer = announce_body("/api/v1/auth/login", commands, 2 << 20).await;
    assert!(answer.starts_with("HTTP/1.1 413"), "{answer}");
    assert!(
        answer
            .to_lowercase()
            .contains("content-type: application/problem+json"),
        "{answer}"
    );
    assert!(answer.contains("\"status\":413"), "{answer}");
}

/// Sends the headers of a POST announcing `length` bytes of JSON, and no
/// body: the answer as text.
async fn announce_body(path: &str, base: &str, length: usize) -> String {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let host = base.trim_start_matches("http://");
    let mut socket = tokio::net::TcpStream::connect(host).await.unwrap();
    let head = format!("POST {path} HTTP/1.1\r\nHost: {host}\r\nContent-Type: application/json\r\nContent-Length: {length}\r\n\r\n");
    socket.write_all(head.as_bytes()).await.unwrap();
    let mut answer = Vec::new();
    let mut buf = [0u8; 4096];
    loop {
        let n = tokio::time::timeout(std::time::Duration::from_secs(10), socket.read(&mut buf))
            .await
            .expect("the server answers without the body")
            .unwrap();
        answer.extend_from_slice(&buf[..n]);
        let text = String::from_utf8_lossy(&answer);
        if n == 0 || (text.contains("\r\n\r\n") && text.ends_with('}')) {
            return text.into_owned();
        }
    }
}

/// Security headers on every answer, the CSP on pages; invented methods
/// are no label of their own in `/metrics`.
async fn answers_are_hardened(queries: &str) {
    let http = reqwest::Client::new();
    let page = http.get(format!("{queries}/")).send().await.unwrap();
    let header = |r: &reqwest::Response, name: &str| {
        r.headers()
            .get(name)
            .map(|v| v.to_str().unwrap().to_string())
            .unwrap_or_default()
    };
    assert_eq!(header(&page, "x-content-type-options"), "nosniff");
    assert!(header(&page, "content-security-policy").contains("frame-ancestors 'none'"));
    assert!(!header(&page, "referrer-policy").is_empty());
    let api = http
        .get(format!("{queries}/api/v1/services"))
        .send()
        .await
        .unwrap();
    assert_eq!(header(&api, "x-content-type-options"), "nosniff");
    let invented = Method::from_bytes(b"BREW").unwrap();
    for _ in 0..3 {
        let r = http
            .request(invented.clone(), format!("{queries}/health"))
            .send()
            .await
            .unwrap();
        assert!(r.status().is_client_error());
        assert!(header(&r, "content-type").starts_with("application/problem+json"));
    }
    let metrics = http
        .get(format!("{queries}/metrics"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(!metrics.contains("BREW"));
    assert!(metrics.contains("method=\"OTHER\""));
}

async fn public_posts_cannot_outrun_the_limit(commands: &str, password: &str) {
    let public = Client::new(commands);
    let posts = (0..50).map(|i| {
        let public = public.clone();
        async move {
            let body = json!({ "section": "public", "text": { "name": "Host", "title": format!("Dotaz {i}"), "body": "Text." } });
            public.post("/forum/threads", body).await.status
        }
    });
    let statuses = futures_util::future::join_all(posts).await;
    let accepted = statuses.iter().filter(|s| **s == 201).count();
    let refused = statuses.iter().filter(|s| **s == 429).count();
    assert_eq!((accepted, refused), (5, 45), "{statuses:?}");
    // Signed-in accounts are not the public.
    let admin = Client::new(commands).login("admin", password).await;
    let body = json!({ "section": "public", "text": { "name": "Správce", "title": "Oznámení", "body": "Text." } });
    assert_eq!(admin.post("/forum/threads", body).await.status, 201);

    // Erasures by secret are limited per address too.
    let mut statuses = Vec::new();
    for _ in 0..12 {
        let secret = base64_secret();
        statuses.push(
            public
                .post("/forum/authors/erase", json!({ "author_secret": secret }))
                .await
                .status,
        );
    }
    assert_eq!(&statuses[..10], &[200; 10], "{statuses:?}");
    assert_eq!(&statuses[10..], &[429, 429], "{statuses:?}");
}

fn base64_secret() -> String {
    use base64::Engine;
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(rand::random::<[u8; 32]>())
}

/// Reads that could cost much are bounded: the words of a search, the
/// page of the vacancy board; a position no command gave is refused at once.
async fn reads_are_bounded(commands: &str, queries: &str, password: &str) {
    let admin = Client::new(commands).login("admin", password).await;
    let registered = crate::helpers::asylum_house(
        &admin,
        "25596641",
        "Naděje",
        "Azylový dům Naděje",
        "Pro muže.",
    )
    .await;
    let id = registered.body["stream_id"].as_str().unwrap().to_string();
    let report = json!({ "facility_id": "A", "form": "pob", "unit": "luzka", "free_places": 3 });
    let reported = admin
        .post(&format!("/services/{id}/vacancies"), report)
        .await;
    assert_eq!(reported.status, 200, "{:?}", reported.body);
    // An idempotency key names one request: its retry is answered with the
    // first result, another request under it is refused.
    let keyed = |free: i64| {
        let admin = admin.clone();
        let path = format!("/services/{id}/vacancies");
        async move {
            let body =
                json!({ "facility_id": "A", "form": "pob", "unit": "luzka", "free_places": free });
            admin
                .send(
                    Method::POST,
                    &path,
                    Some(body),
                    &[("Idempotency-Key", "hlaseni-1")],
                )
                .await
        }
    };
    let first = keyed(5).await;
    assert_eq!(
        (first.status, first.body["deduplicated"].clone()),
        (200, json!(false)),
        "{:?}",
        first.body
    );
    let retry = keyed(5).await;
    assert_eq!(
        (retry.status, retry.body["deduplicated"].clone()),
        (200, json!(true)),
        "{:?}",
        retry.body
    );
    let other = keyed(6).await;
    assert_eq!(other.status, 422, "{:?}", other.body);
    assert_eq!(other.body["errors"][0]["field"], "Idempotency-Key");
    // Verification is the administrator's statement, not the provider's.
    let scope = json!({ "kind": "provider", "code": "25596641" });
    let own = crate::helpers::account(&admin, "nadeje-poskytovatel", "provider", scope).await;
    let marked = own.post(&format!("/services/{id}/verify"), json!({})).await;
    assert_eq!(marked.status, 403, "{:?}", marked.body);
    let read = Client::new(queries);
    let board = get(
        &read,
        &format!("/vacancies?per_page=1&after={}", reported.after()),
    )
    .await;
    assert_eq!(board.status, 200, "{:?}", board.body);
    assert_eq!(
        (
            board.body["per_page"].clone(),
            board.body["items"].as_array().unwrap().len()
        ),
        (json!(1), 1)
    );
    for bad in ["per_page=1000", "per_page=0", "page=0"] {
        let refused = get(&read, &format!("/vacancies?{bad}")).await;
        assert_eq!(refused.status, 422, "{bad}");
        assert_eq!(
            refused.body["errors"][0]["field"],
            bad.split('=').next().unwrap()
        );
    }
    // A page number no list reaches answers an empty page (it once overflowed).
    for path in ["/services", "/vacancies"] {
        let far = get(&read, &format!("{path}?page={}", usize::MAX)).await;
        assert_eq!(far.status, 200, "{path}: {}", far.body);
        assert_eq!(far.body["items"], json!([]), "{path}");
    }
    let words = vec!["azyl"; 21].join("%20");
    for path in [
        format!("/services?q={words}"),
        format!("/vacancies?q={words}"),
        format!("/services?q={}", "a".repeat(301)),
    ] {
        let refused = get(&read, &path).await;
        assert_eq!(refused.status, 422, "{path}");
        assert_eq!(refused.body["errors"][0]["field"], "q");
    }
    // Text that a spreadsheet would run is written as text in every CSV export.
    let formula = crate::helpers::asylum_house(
        &admin,
        "12345679",
        "=HYPERLINK(\"http://zlo.example\";\"Klikni\")",
        "@SUM(1+1)",
        "Popis",
    )
    .await;
    let after = formula.after();
    for path in [
        format!("/api/v1/exports/services.csv?after={after}"),
        format!("/api/v1/exports/vacancies.csv?after={after}"),
        "/hsds/tabular/services.csv".to_string(),
    ] {
        let text = reqwest::get(format!("{queries}{path}"))
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        let mut cells = csv::ReaderBuilder::new()
            .has_headers(false)
            .from_reader(text.as_bytes());
        for record in cells.records() {
            for cell in record.unwrap().iter() {
                assert!(!cell.starts_with(['=', '+', '@']), "{path}: {cell}");
            }
        }
        if path.contains("services.csv?") {
            assert!(text.contains("'@SUM(1+1)"), "{path}: {text}");
        }
    }
    let started = std::time::Instant::now();
    let beyond = get(&read, "/services?after=1:999999999").await;
    assert_eq!(beyond.status, 422, "{:?}", beyond.body);
    assert_eq!(beyond.body["errors"][0]["field"], "after");
    // At once, not after the wait for the read models (5 s).
    assert!(started.elapsed() < std::time::Duration::from_secs(4));
}

/// A self-registered provider's account reaches the professional forum only
/// once an administrator has verified the provider.
async fn unverified_accounts_wait(commands: &str, queries: &str, password: &str) {
    let provider = json!({ "ico": "45678901", "name": "Spolek Naděje", "address": { "city": "Děčín", "postcode": "40502" } });
    let account = json!({ "login": "nadeje", "email": "info@nadeje.cz", "display_name": "Naděje", "password": "heslo-nadeje-12" });
    let registered = Client::new(commands)
        .post(
            "/providers/self-registration",
            json!({ "provider": provider, "account": account }),
        )
        .await;
    assert_eq!(registered.status, 201, "{:?}", registered.body);
    let nadeje = Client::new(commands)
        .login("nadeje", "heslo-nadeje-12")
        .await;
    let thread = json!({ "section": "professional", "text": { "name": "Naděje", "title": "Dotaz", "body": "Text." } });
    let refused = nadeje.post("/forum/threads", thread.clone()).await;
    assert_eq!(refused.status, 403, "{:?}", refused.body);
    let reader = Client::new(queries).with_token(nadeje.token.as_deref().unwrap());
    let list = get(&reader, "/forum/threads?section=professional").await;
    assert_eq!(list.status, 403, "{:?}", list.body);

    let admin = Client::new(commands).login("admin", password).await;
    let verified = admin.post("/providers/45678901/verify", json!({})).await;
    assert_eq!(verified.status, 200, "{:?}", verified.body);
    let opened = nadeje.post("/forum/threads", thread).await;
    assert_eq!(opened.status, 201, "{:?}", opened.body);
    let list = get(
        &reader,
        &format!(
            "/forum/threads?section=professional&after={}",
            opened.after()
        ),
    )
    .await;
    assert_eq!(list.status, 200, "{:?}", list.body);
}

/// Who sees a survey's results is part of its definition.
async fn survey_results_for_organisers(commands: &str, queries: &str, password: &str) {
    let admin = Client::new(commands).login("admin", password).await;
    let author = crate::helpers::account(
        &admin,
        "metodicka",
        "methodologist",
        json!({ "kind": "kraj", "code": "CZ042" }),
    )
    .await;
    let other = crate::helpers::account(
        &admin,
        "jiny-metodik",
        "methodologist",
        json!({ "kind": "kraj", "code": "CZ042" }),
    )
    .await;
    let definition = json!({ "definition": { "title": "Interní průzkum", "anonymous": false, "results": "organisers",
        "audience": { "type": "kraj", "code": "CZ042" },
        "questions": [{ "id": "ok", "text": "Je vše v pořádku?", "kind": { "type": "yes_no" } }] } });
    let defined = author.post("/surveys", definition).await;
    assert_eq!(defined.status, 201, "{:?}", defined.body);
    let id = defined.body["stream_id"].as_str().unwrap().to_string();
    let path = format!("/surveys/{id}/results?after={}", defined.after());
    let as_reader = |c: &Client| Client::new(queries).with_token(c.token.as_deref().unwrap());
    assert_eq!(get(&Client::new(queries), &path).await.status, 403);
    assert_eq!(get(&as_reader(&other), &path).await.status, 403);
    assert_eq!(get(&as_reader(&author), &path).await.status, 200);
    assert_eq!(get(&as_reader(&admin), &path).await.status, 200);
}

async fn scenario(commands: &str, queries: &str, password: &str) {
    survey_results_for_organisers(commands, queries, password).await;
    unverified_accounts_wait(commands, queries, password).await;
    answers_are_hardened(queries).await;
    reads_are_bounded(commands, queries, password).await;
    sessions_end(commands, password).await;
    the_last_administrator_stays(commands, password).await;
    logins_are_bounded(commands, password).await;
    public_posts_cannot_outrun_the_limit(commands, password).await;
}

crate::helpers::in_both_modes!(
    scenario,
    attacks_fail_in_embedded_mode,
    attacks_fail_in_distributed_mode
);

/// Failed logins from one address neither lock out the same login from
/// another address nor let one address try many logins. The distributed
/// test's command service trusts 127.0.0.1 as a proxy, so the test names
/// the client in `X-Forwarded-For`.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_attacker_elsewhere_cannot_lock_a_user_out() {
    let stack = crate::helpers::spawn_distributed().await;
    let from = |ip: &'static str| {
        let client = Client::new(&stack.commands);
        move |login: String, password: &'static str| {
            let client = client.clone();
            async move {
                client
                    .send(
                        Method::POST,
                        "/auth/login",
                        Some(json!({ "login": login, "password": password })),
                        &[("X-Forwarded-For", ip)],
                    )
                    .await
                    .status
            }
        }
    };
    let attacker = from("203.0.113.9");
    let mut statuses = Vec::new();
    for _ in 0..7 {
        statuses.push(attacker("admin".into(), "spatne-heslo-1").await);
    }
    assert_eq!(statuses, [401, 401, 401, 401, 401, 429, 429]);
    // The right password from there waits too …
    assert_eq!(attacker("admin".into(), "admin-password-1").await, 429);
    // … but not from the administrator's own address.
    assert_eq!(
        from("198.51.100.4")("admin".into(), "admin-password-1").await,
        200
    );

    // Spraying: 30 logins fail, then the address waits whatever the login.
    let sprayer = from("203.0.113.77");
    let mut statuses = Vec::new();
    for i in 0..32 {
        statuses.push(sprayer(format!("ucet-{i}"), "heslo123456").await);
    }
    assert!(statuses[..30].iter().all(|s| *s == 401), "{statuses:?}");
    assert_eq!(&statuses[30..], &[429, 429]);
    stack.stop().await;
}
