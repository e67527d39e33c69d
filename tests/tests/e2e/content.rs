//! News, the calendar (with iCalendar) and job postings over HTTP, in both
//! modes, with who may write what.

use crate::client::Client;
use crate::helpers::account;
use serde_json::{json, Value};
use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;

async fn get(base: &str, path: &str) -> Value {
    reqwest::get(format!("{base}/api/v1{path}"))
        .await
        .unwrap()
        .json()
        .await
        .unwrap()
}

/// A web page's HTML (status 200).
async fn html(base: &str, path: &str) -> String {
    let r = reqwest::get(format!("{base}{path}")).await.unwrap();
    assert_eq!(r.status().as_u16(), 200, "{path}");
    r.text().await.unwrap()
}

async fn scenario(commands: &str, queries: &str, password: &str) {
    let s = content(commands, queries, password).await;
    news_of_the_kraj_by_its_methodologist(&s).await;
    the_calendar_of_the_territorys_organisers(&s).await;
    job_postings_of_the_provider_until_they_expire(&s).await;
    library(&s.admin, &s.metodik, &s.komisar, &s.charita, queries).await;
}

/// What the steps of the content scenario share: the query service and the
/// accounts of the administrator, a methodologist, a commissioner and a
/// provider.
struct Content {
    queries: String,
    admin: Client,
    metodik: Client,
    komisar: Client,
    charita: Client,
}

/// A provider and the accounts of a methodologist and a commissioner of Ústecký kraj and
/// of the provider.
async fn content(commands: &str, queries: &str, password: &str) -> Content {
    let admin = Client::new(commands).login("admin", password).await;
    let provider = json!({ "ico": "00064581", "name": "Oblastní charita Děčín", "address": { "city": "Děčín", "postcode": "40502" } });
    assert_eq!(admin.post("/providers", provider).await.status, 201);
    let metodik = account(
        &admin,
        "metodik",
        "methodologist",
        json!({ "kind": "kraj", "code": "CZ042" }),
    )
    .await;
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
    Content {
        queries: queries.to_string(),
        admin,
        metodik,
        komisar,
        charita,
    }
}

/// News: the kraj's methodologist only; corrected and withdrawn; on the web the list
/// links the article and its page shows the corrected text.
async fn news_of_the_kraj_by_its_methodologist(s: &Content) {
    let Content {
        queries,
        metodik,
        charita,
        ..
    } = s;
    let article = |kraj: &str, title: &str| json!({ "article": { "kraj": kraj, "title": title, "body": "Nová výzva pro poskytovatele." } });
    assert_eq!(
        metodik
            .post("/news", article("CZ010", "Praha"))
            .await
            .status,
        403
    );
    assert_eq!(
        charita.post("/news", article("CZ042", "Ne")).await.status,
        403
    );
    let published = metodik.post("/news", article("CZ042", "Výzva 2027")).await;
    assert_eq!(published.status, 201);
    let id = published.body["stream_id"].as_str().unwrap().to_string();
    let corrected = metodik
        .send(reqwest::Method::PUT, &format!("/news/{id}"), Some(json!({ "kraj": "CZ042", "title": "Výzva 2027 (opraveno)", "body": "Termín je 31. 1." })), &[])
        .await;
    assert_eq!(corrected.status, 200);
    let news = get(
        queries,
        &format!("/news?kraj=60&after={}", corrected.after()),
    )
    .await;
    assert_eq!(
        (
            news["total"].clone(),
            news["items"][0]["article"]["title"].clone()
        ),
        (json!(1), json!("Výzva 2027 (opraveno)"))
    );
    // On the web: the list links the article, its page shows the corrected text.
    let page = html(queries, "/aktuality").await;
    assert!(
        page.contains(&format!(
            "<a href=\"/aktuality/{id}?lang=cs\">Výzva 2027 (opraveno)</a>"
        )),
        "{page}"
    );
    let page = html(queries, &format!("/aktuality/{id}")).await;
    assert!(
        page.contains("<h1>Výzva 2027 (opraveno)</h1>") && page.contains("<p>Termín je 31. 1.</p>")
    );
    let withdrawn = metodik
        .post(
            &format!("/news/{id}/withdraw"),
            json!({ "reason": "duplicita" }),
        )
        .await;
    assert_eq!(
        get(queries, &format!("/news?after={}", withdrawn.after())).await["total"],
        0
    );
    assert!(
        !html(queries, "/aktuality").await.contains("Výzva 2027"),
        "withdrawn"
    );
}

/// The calendar: organisers of the territory; iCalendar for calendar applications.
async fn the_calendar_of_the_territorys_organisers(s: &Content) {
    let Content {
        queries,
        metodik,
        komisar,
        charita,
        ..
    } = s;
    let soon = OffsetDateTime::now_utc() + time::Duration::days(7);
    let entry = |kind: &str, title: &str, hours: i64| {
        json!({ "entry": { "kind": kind, "title": title, "body": "Program: 1) úvod, 2) diskuse",
        "place": "Krajský úřad, Ústí nad Labem", "territory": "CZ042",
        "starts_at": soon.format(&Rfc3339).unwrap(), "ends_at": (soon + time::Duration::hours(hours)).format(&Rfc3339).unwrap() } })
    };
    assert_eq!(
        charita
            .post("/calendar", entry("workshop", "Ne", 2))
            .await
            .status,
        403
    );
    let backwards = komisar
        .post("/calendar", entry("workshop", "Obráceně", -2))
        .await;
    assert_eq!(
        (backwards.status, backwards.fields()),
        (422, vec!["ends_at".to_string()])
    );
    let table = komisar
        .post(
            "/calendar",
            entry("round_table", "Kulatý stůl, bydlení; Děčín", 3),
        )
        .await;
    assert_eq!(table.status, 201, "{:?}", table.body);
    assert_eq!(
        metodik
            .post("/calendar", entry("workshop", "Dílna pro poskytovatele", 2))
            .await
            .status,
        201
    );
    let table_id = table.body["stream_id"].as_str().unwrap();
    let cancelled = komisar
        .post(
            &format!("/calendar/{table_id}/cancel"),
            json!({ "reason": "nemoc" }),
        )
        .await;
    assert_eq!(cancelled.status, 200);
    let cal = get(
        queries,
        &format!("/calendar?territory=CZ042&after={}", cancelled.after()),
    )
    .await;
    assert_eq!(cal["total"], 2);
    assert_eq!(
        cal["items"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|e| !e["cancelled"].is_null())
            .count(),
        1
    );
    let page = html(queries, "/kalendar").await;
    assert!(
        page.contains("Kulatý stůl, bydlení; Děčín <strong>ZRUŠENO</strong> (nemoc)"),
        "{page}"
    );
    assert!(
        page.contains("Dílna pro poskytovatele") && page.contains("href=\"/api/v1/calendar.ics\"")
    );
    let ics = reqwest::get(format!("{queries}/api/v1/calendar.ics"))
        .await
        .unwrap();
    assert!(ics.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/calendar"));
    let text = ics.text().await.unwrap();
    assert!(
        text.starts_with("BEGIN:VCALENDAR\r\nVERSION:2.0\r\n"),
        "{text}"
    );
    assert_eq!(text.matches("BEGIN:VEVENT").count(), 2);
    assert!(
        text.contains("SUMMARY:Kulatý stůl\\, bydlení\\; Děčín\r\n"),
        "{text}"
    );
    assert!(text.contains("STATUS:CANCELLED\r\n") && text.contains("CATEGORIES:ROUND_TABLE\r\n"));
    assert!(text.lines().all(|l| l.len() <= 76), "folded at 75 octets");
}

/// Job postings: the provider's own, until they expire.
async fn job_postings_of_the_provider_until_they_expire(s: &Content) {
    let Content {
        queries, charita, ..
    } = s;
    let today = OffsetDateTime::now_utc().date();
    let job = |ico: &str, expires: time::Date| json!({ "posting": { "provider_ico": ico, "title": "Sociální pracovník/pracovnice", "body": "Úvazek 1,0", "place": "Děčín", "expires_on": expires.to_string() } });
    assert_eq!(
        charita
            .post("/jobs", job("25596641", today + time::Duration::days(30)))
            .await
            .status,
        403
    );
    let expired = charita
        .post("/jobs", job("00064581", today - time::Duration::days(1)))
        .await;
    assert_eq!(
        (expired.status, expired.fields()),
        (422, vec!["expires_on".to_string()])
    );
    let posted = charita
        .post("/jobs", job("00064581", today + time::Duration::days(30)))
        .await;
    assert_eq!(posted.status, 201);
    let jobs = get(queries, &format!("/jobs?after={}", posted.after())).await;
    assert_eq!(
        (
            jobs["total"].clone(),
            jobs["items"][0]["provider_name"].clone()
        ),
        (json!(1), json!("Oblastní charita Děčín"))
    );
    let page = html(queries, "/prace").await;
    assert!(
        page.contains(
            "<strong>Sociální pracovník/pracovnice</strong> — Oblastní charita Děčín · Děčín"
        ),
        "{page}"
    );
    let job_id = posted.body["stream_id"].as_str().unwrap();
    let closed = charita
        .post(&format!("/jobs/{job_id}/close"), json!({}))
        .await;
    assert_eq!(closed.status, 200);
    assert_eq!(
        get(queries, &format!("/jobs?after={}", closed.after())).await["total"],
        0
    );
}

/// Documents with versions and an archive, links, awards.
async fn library(
    admin: &Client,
    metodik: &Client,
    komisar: &Client,
    charita: &Client,
    queries: &str,
) {
    let _ = admin;
    let doc = |url: &str| json!({ "info": { "title": "Zápis z jednání", "kind": "minutes", "territory": "CZ042" }, "version": { "url": url, "note": "první" } });
    assert_eq!(
        charita
            .post("/documents", doc("https://uloziste.example.cz/z1.pdf"))
            .await
            .status,
        403
    );
    let bad = komisar.post("/documents", doc("ftp://x")).await;
    assert_eq!((bad.status, bad.fields()), (422, vec!["url".to_string()]));
    let registered = komisar
        .post("/documents", doc("https://uloziste.example.cz/z1.pdf"))
        .await;
    assert_eq!(registered.status, 201);
    let id = registered.body["stream_id"].as_str().unwrap().to_string();
    let v2 = json!({ "url": "https://uloziste.example.cz/z1-v2.pdf", "note": "opravy" });
    assert_eq!(
        komisar
            .post(&format!("/documents/{id}/versions"), v2.clone())
            .await
            .status,
        200
    );
    get(queries, &format!("/documents?after={}", registered.after())).await;
    let page = html(queries, "/dokumenty").await;
    assert!(
        page.contains("<strong>Zápis z jednání</strong> (zápis)"),
        "{page}"
    );
    let archived = komisar
        .post(&format!("/documents/{id}/archive"), json!({}))
        .await;
    assert_eq!(archived.status, 200);
    assert_eq!(
        komisar
            .post(&format!("/documents/{id}/versions"), v2)
            .await
            .status,
        409,
        "archived"
    );
    assert_eq!(
        get(
            queries,
            &format!("/documents?territory=CZ042&after={}", archived.after())
        )
        .await["total"],
        0
    );
    let archive = get(queries, "/documents?territory=CZ042&archived=true").await;
    assert_eq!(archive["items"][0]["versions"].as_array().unwrap().len(), 2);
    let one = get(queries, &format!("/documents/{id}")).await;
    assert_eq!(
        (
            one["current_version"].clone(),
            one["versions"][1]["url"].clone()
        ),
        (json!(2), json!("https://uloziste.example.cz/z1-v2.pdf"))
    );

    let link = json!({ "title": "Zákon o sociálních službách", "url": "https://www.zakonyprolidi.cz/cs/2006-108", "category": "legislation" });
    assert_eq!(
        charita
            .send(
                reqwest::Method::PUT,
                "/links/zakon-108",
                Some(link.clone()),
                &[]
            )
            .await
            .status,
        403
    );
    let put = metodik
        .send(reqwest::Method::PUT, "/links/zakon-108", Some(link), &[])
        .await;
    assert_eq!(put.status, 200, "{:?}", put.body);
    assert_eq!(
        get(
            queries,
            &format!("/links?category=legislation&after={}", put.after())
        )
        .await["total"],
        1
    );
    let removed = metodik.post("/links/zakon-108/remove", json!({})).await;
    assert_eq!(
        get(queries, &format!("/links?after={}", removed.after())).await["total"],
        0
    );

    let award = |year: i32| json!({ "info": { "name": "Cena hejtmana za sociální práci", "year": year, "provider_ico": "00064581", "kraj": "CZ042", "body": "Za terénní práci" } });
    assert_eq!(
        metodik.post("/awards", award(2099)).await.fields(),
        ["year"]
    );
    let conferred = metodik.post("/awards", award(2026)).await;
    assert_eq!(conferred.status, 201);
    let awards = get(
        queries,
        &format!("/awards?year=2026&after={}", conferred.after()),
    )
    .await;
    assert_eq!(
        (
            awards["total"].clone(),
            awards["items"][0]["provider_name"].clone()
        ),
        (json!(1), json!("Oblastní charita Děčín"))
    );
}
crate::helpers::in_both_modes!(
    scenario,
    content_in_embedded_mode,
    content_in_distributed_mode
);
