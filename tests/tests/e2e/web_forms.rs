//! The portal's forms over HTTP, in both modes — what a browser cannot be
//! made to show easily: sign-in keeps the session in an `HttpOnly`,
//! `SameSite=Strict` cookie and a wrong password sets none; pages after
//! sign-in send a visitor without a valid cookie to the login form; a form
//! from another site, a number that is not one, a report for someone else's
//! service and an answer that is not a number are refused with the reason
//! on the page and change nothing; a resent report (same key) is applied
//! once; signing out forgets the cookie. The other roles' forms: a
//! provider edits its service (a stale version is refused), a methodologist
//! publishes news and writes, opens a survey, a commissioner rejects and
//! approves plan revisions, an auditor opens a record's history (others
//! may not).

use crate::client::Client;
use crate::helpers::{account, asylum_house, in_both_modes};
use serde_json::{json, Value};

const ICO: &str = "00064581";
const OTHER: &str = "25596641";

/// A browser: its HTTP client (redirects not followed) and session cookie.
pub(crate) struct Browser {
    pub(crate) base: String,
    pub(crate) http: reqwest::Client,
    pub(crate) cookie: Option<String>,
}

/// A page as it came.
pub(crate) struct Page {
    pub(crate) status: u16,
    pub(crate) location: String,
    pub(crate) set_cookie: String,
    pub(crate) html: String,
}

impl Browser {
    fn new(base: &str) -> Self {
        Self {
            base: base.to_string(),
            http: reqwest::Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .unwrap(),
            cookie: None,
        }
    }

    pub(crate) async fn send(&self, r: reqwest::RequestBuilder) -> Page {
        let r = match &self.cookie {
            Some(c) => r.header("cookie", c),
            None => r,
        };
        let r = r.send().await.unwrap();
        let header = |name: &str| {
            r.headers()
                .get(name)
                .and_then(|v| v.to_str().ok())
                .unwrap_or_default()
                .to_string()
        };
        let (location, set_cookie) = (header("location"), header("set-cookie"));
        Page {
            status: r.status().as_u16(),
            location,
            set_cookie,
            html: r.text().await.unwrap(),
        }
    }

    /// Signs in with the test password and keeps the session cookie.
    pub(crate) async fn signed_in(base: &str, login: &str) -> Self {
        let mut b = Self::new(base);
        let p = b
            .post(
                "/prihlaseni",
                &[("login", login), ("password", "heslo-pro-test-1")],
                None,
            )
            .await;
        assert_eq!(p.status, 303, "{login}: {}", p.html);
        b.cookie = Some(p.set_cookie.split(';').next().unwrap().to_string());
        b
    }

    pub(crate) async fn get(&self, path: &str) -> Page {
        self.send(self.http.get(format!("{}{path}", self.base)))
            .await
    }

    async fn post(&self, path: &str, form: &[(&str, &str)], origin: Option<&str>) -> Page {
        let owned = form
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        self.post_owned(path, owned, origin).await
    }

    async fn post_owned(
        &self,
        path: &str,
        form: Vec<(String, String)>,
        origin: Option<&str>,
    ) -> Page {
        let body = serde_urlencoded::to_string(&form).unwrap();
        let mut r = self
            .http
            .post(format!("{}{path}", self.base))
            .header("content-type", "application/x-www-form-urlencoded")
            .body(body);
        if let Some(origin) = origin {
            r = r.header("origin", origin);
        }
        self.send(r).await
    }
}

async fn vacancies(queries: &str, id: &str) -> Value {
    reqwest::get(format!("{queries}/api/v1/services/{id}"))
        .await
        .unwrap()
        .json::<Value>()
        .await
        .unwrap()["vacancies"]
        .clone()
}

async fn responses(queries: &str, survey: &str) -> Value {
    reqwest::get(format!("{queries}/api/v1/surveys/{survey}/results"))
        .await
        .unwrap()
        .json::<Value>()
        .await
        .unwrap()
}

async fn scenario(commands: &str, queries: &str, password: &str) {
    let s = forms(commands, queries, password).await;
    let b = a_provider_signs_in(&s).await;
    let key = its_page_shows_its_services_and_the_surveys_that_ask_it(&s, &b).await;
    vacancy_reports_are_refused_with_their_reason_or_applied_once(&s, &b, key).await;
    a_survey_answer_that_is_not_a_number_is_said(&s, &b).await;
    a_forged_cookie_is_no_session_and_signing_out_forgets_the_real_one(&s, &b).await;
}

/// What the steps of the forms scenario share: the query service, the
/// administrator's client, the provider's service and another provider's,
/// the kraj's open survey and Prague's.
struct Forms {
    queries: String,
    admin: Client,
    mine: String,
    theirs: String,
    survey_id: String,
    prague_id: String,
}

/// Two providers' services, the first provider's account and a methodologist's, an open
/// survey of the provider's kraj and one of Prague.
async fn forms(commands: &str, queries: &str, password: &str) -> Forms {
    let admin = Client::new(commands).login("admin", password).await;
    let mut ids = Vec::new();
    for (ico, name) in [(ICO, "Azyl Děčín"), (OTHER, "Azyl Ústí")] {
        let r = asylum_house(&admin, ico, name, name, "").await;
        ids.push(r.body["stream_id"].as_str().unwrap().to_string());
    }
    let (mine, theirs) = (ids[0].clone(), ids[1].clone());
    account(
        &admin,
        "charita",
        "provider",
        json!({ "kind": "provider", "code": ICO }),
    )
    .await;
    let metodik = account(
        &admin,
        "metodik",
        "methodologist",
        json!({ "kind": "kraj", "code": "CZ042" }),
    )
    .await;
    let survey = json!({ "definition": { "title": "Čekatelé", "audience": { "type": "kraj", "code": "CZ042" },
        "questions": [{ "id": "waiting", "text": "Kolik lidí čeká?", "kind": { "type": "number", "min": 0 } }] } });
    let survey_id = metodik.post("/surveys", survey).await.body["stream_id"]
        .as_str()
        .unwrap()
        .to_string();
    let opened = metodik
        .post(&format!("/surveys/{survey_id}/open"), json!({}))
        .await;
    assert_eq!(opened.status, 200);
    reqwest::get(format!(
        "{queries}/api/v1/surveys/{survey_id}?after={}",
        opened.after()
    ))
    .await
    .unwrap();

    // A survey of another kraj (Prague), open: not this provider's to answer.
    let prague = json!({ "definition": { "title": "Pražská anketa", "audience": { "type": "kraj", "code": "CZ010" },
        "questions": [{ "id": "q1", "text": "Kolik?", "kind": { "type": "number" } }] } });
    let prague_id = admin.post("/surveys", prague).await.body["stream_id"]
        .as_str()
        .unwrap()
        .to_string();
    let prague_opened = admin
        .post(&format!("/surveys/{prague_id}/open"), json!({}))
        .await;
    assert_eq!(prague_opened.status, 200);
    reqwest::get(format!(
        "{queries}/api/v1/surveys/{prague_id}?after={}",
        prague_opened.after()
    ))
    .await
    .unwrap();
    Forms {
        queries: queries.to_string(),
        admin,
        mine,
        theirs,
        survey_id,
        prague_id,
    }
}

/// Not signed in: the login form; a wrong password or a form from another site sets no
/// cookie; signed in, the session is an `HttpOnly`, `SameSite=Strict` cookie.
async fn a_provider_signs_in(s: &Forms) -> Browser {
    let Forms { queries, .. } = s;
    let mut b = Browser::new(queries);
    // Not signed in: the login form.
    let p = b.get("/moje").await;
    assert_eq!(
        (p.status, p.location.as_str()),
        (303, "/prihlaseni?lang=cs")
    );
    let p = b.get("/prihlaseni?lang=en").await;
    assert!(p.html.contains("<label for=\"password\">Password</label>"));
    // A wrong password: said, no cookie.
    let p = b
        .post(
            "/prihlaseni",
            &[("login", "charita"), ("password", "wrong-password")],
            None,
        )
        .await;
    assert_eq!(p.status, 401);
    assert!(p.set_cookie.is_empty());
    assert!(p
        .html
        .contains("role=\"alert\">Přihlašovací jméno nebo heslo není správné."));
    assert!(p.html.contains("value=\"charita\""), "the login is kept");
    // From another site: refused before anything is asked.
    let p = b
        .post(
            "/prihlaseni",
            &[("login", "charita"), ("password", "heslo-pro-test-1")],
            Some("https://evil.example"),
        )
        .await;
    assert_eq!(p.status, 403);
    assert!(p.set_cookie.is_empty());
    // Signed in.
    let p = b
        .post(
            "/prihlaseni",
            &[
                ("login", "charita"),
                ("password", "heslo-pro-test-1"),
                ("lang", "en"),
            ],
            Some(queries),
        )
        .await;
    assert_eq!((p.status, p.location.as_str()), (303, "/moje?lang=en"));
    assert!(
        p.set_cookie.starts_with("portal_session=")
            && p.set_cookie.contains("HttpOnly")
            && p.set_cookie.contains("SameSite=Strict"),
        "{}",
        p.set_cookie
    );
    b.cookie = Some(p.set_cookie.split(';').next().unwrap().to_string());
    b
}

/// The provider's page shows only its own services, the surveys that ask it and why the
/// others do not. Gives the key of its vacancy form.
async fn its_page_shows_its_services_and_the_surveys_that_ask_it(s: &Forms, b: &Browser) -> String {
    let Forms { prague_id, .. } = s;
    let page = b.get("/moje").await;
    assert_eq!(page.status, 200);
    assert!(
        page.html.contains("Azyl Děčín") && !page.html.contains("Azyl Ústí"),
        "only its own services"
    );
    assert!(
        page.html.contains(">Čekatelé</a>")
            && page.html.contains(&format!("<h2>Otevřené ankety, které se vás neptají</h2><ul><li><a href=\"/ankety/{prague_id}?lang=cs\">Pražská anketa</a>: \
                sídlo poskytovatele je v jiném kraji (Ústecký kraj) a žádná jeho služba nepůsobí v kraji Hlavní město Praha</li></ul>")),
        "the surveys that ask it, and why the others do not: {}",
        page.html
    );
    let other_kraj = b.get(&format!("/ankety/{prague_id}")).await;
    assert!(
        other_kraj
            .html
            .contains("Tato anketa se ptá jiných poskytovatelů.")
            && !other_kraj.html.contains("name=\"q:q1\"")
    );
    let key = page
        .html
        .split("name=\"key\" value=\"")
        .nth(1)
        .unwrap()
        .split('"')
        .next()
        .unwrap()
        .to_string();
    key
}

/// A vacancy report from another site, not a number, negative or for someone else's
/// service is refused with its reason and changes nothing; an accepted one is shown at
/// once, and sent twice with the same key it is applied once.
async fn vacancy_reports_are_refused_with_their_reason_or_applied_once(
    s: &Forms,
    b: &Browser,
    key: String,
) {
    let Forms {
        queries,
        admin,
        mine,
        theirs,
        ..
    } = s;
    let report = |service: &str, free: &str| {
        vec![
            ("service".to_string(), service.to_string()),
            ("facility".to_string(), "A".to_string()),
            ("form".to_string(), "pob".to_string()),
            ("unit".to_string(), "luzka".to_string()),
            ("free_places".to_string(), free.to_string()),
            ("key".to_string(), key.clone()),
        ]
    };
    // Refused, each with its reason, nothing changed.
    let p = b
        .post_owned(
            "/moje/volna-mista",
            report(mine, "5"),
            Some("https://evil.example"),
        )
        .await;
    assert_eq!(p.status, 403);
    let p = b
        .post_owned("/moje/volna-mista", report(mine, "pět"), None)
        .await;
    assert_eq!(p.status, 422);
    assert!(
        p.html
            .contains("role=\"alert\" class=\"problem\">free_places: zadejte celé číslo"),
        "{}",
        p.html
    );
    let p = b
        .post_owned("/moje/volna-mista", report(mine, "-3"), None)
        .await;
    assert_eq!(p.status, 422, "{}", p.html);
    assert!(
        p.html.contains("free_places"),
        "the field is named: {}",
        p.html
    );
    let p = b
        .post_owned("/moje/volna-mista", report(theirs, "5"), None)
        .await;
    assert_eq!(p.status, 403, "another provider's service: {}", p.html);
    assert!(p.html.contains("role=\"alert\""));
    assert_eq!(vacancies(queries, mine).await, json!([]));
    assert_eq!(vacancies(queries, theirs).await, json!([]));
    // Accepted: shown at once on the page it leads to; sent twice (same key), applied once.
    let p = b
        .post_owned("/moje/volna-mista", report(mine, "5"), Some(queries))
        .await;
    assert_eq!(
        (p.status, p.location.as_str()),
        (303, "/moje?lang=cs&reported=1")
    );
    let again = b
        .post_owned("/moje/volna-mista", report(mine, "5"), None)
        .await;
    assert_eq!(again.status, 303);
    let page = b.get("/moje?lang=cs&reported=1").await;
    assert!(page.html.contains("role=\"status\""));
    assert!(page.html.contains("required value=\"5\""), "{}", page.html);
    let v = vacancies(queries, mine).await;
    assert_eq!(v[0]["free_places"], 5, "{v}");
    let history = admin
        .send(
            reqwest::Method::GET,
            &format!("/audit/streams/service/{mine}"),
            None,
            &[],
        )
        .await;
    assert_eq!(history.status, 200, "{:?}", history.body);
    let reports = history.body.to_string().matches("VacancyReported").count();
    assert_eq!(reports, 1, "{}", history.body);
}

/// A survey answer that is not a number: said, nothing recorded.
async fn a_survey_answer_that_is_not_a_number_is_said(s: &Forms, b: &Browser) {
    let Forms {
        queries, survey_id, ..
    } = s;
    let path = format!("/ankety/{survey_id}");
    let p = b
        .post(
            &path,
            &[("provider_ico", ICO), ("q:waiting", "hodně")],
            None,
        )
        .await;
    assert_eq!(p.status, 422);
    assert!(
        p.html.contains("waiting: &quot;hodně&quot; není číslo"),
        "{}",
        p.html
    );
    assert!(
        p.html.contains("name=\"q:waiting\" type=\"number\"") && p.html.contains("value=\"hodně\""),
        "the form again with what was typed: {}",
        p.html
    );
    let p = b
        .post(&path, &[("provider_ico", OTHER), ("q:waiting", "3")], None)
        .await;
    assert_eq!(p.status, 403, "for another provider: {}", p.html);
    assert_eq!(responses(queries, survey_id).await["responses"], 0);
    let p = b
        .post(&path, &[("provider_ico", ICO), ("q:waiting", "3")], None)
        .await;
    assert_eq!(p.status, 303, "{}", p.html);
    assert_eq!(responses(queries, survey_id).await["responses"], 1);
    // The questionnaire shows the last answer, to change it.
    let again = b.get(&path).await;
    assert!(again.html.contains("Už jste odpověděli"), "{}", again.html);
    assert!(
        again
            .html
            .contains("name=\"q:waiting\" type=\"number\" step=\"any\" min=\"0\" value=\"3\""),
        "{}",
        again.html
    );
}

/// A forged cookie is no session; signing out forgets the real one.
async fn a_forged_cookie_is_no_session_and_signing_out_forgets_the_real_one(
    s: &Forms,
    b: &Browser,
) {
    let Forms { queries, .. } = s;
    let forged = Browser {
        cookie: Some("portal_session=eyJhbGciOiJIUzI1NiJ9.e30.x".into()),
        ..Browser::new(queries)
    };
    assert_eq!(forged.get("/moje").await.status, 303);
    let p = b.post("/odhlaseni", &[], None).await;
    assert_eq!(p.status, 303);
    assert!(p.set_cookie.contains("Max-Age=0"), "{}", p.set_cookie);
}

in_both_modes!(
    scenario,
    web_forms_in_the_embedded_portal,
    web_forms_in_the_distributed_services
);

/// The other roles' forms, each step signed in as the role it names.
async fn roles_scenario(commands: &str, queries: &str, password: &str) {
    let s = roles(commands, queries, password).await;
    a_provider_edits_its_service(&s).await;
    the_provider_suspends_its_service_and_resumes_it(&s).await;
    a_methodologist_publishes_news_of_its_kraj(&s).await;
    a_survey_written_as_text_is_checked_and_previewed(&s).await;
    the_methodologist_defines_a_survey_and_opens_it(&s).await;
    the_kraj_schedules_events_and_files_documents_a_provider_offers_a_job(&s).await;
    the_professional_forum_is_for_signed_in_accounts(&s).await;
    a_commissioner_rejects_a_revision_and_approves_the_next(&s).await;
    let prevence = the_commissioner_creates_a_plan_a_bad_line_is_named(&s).await;
    a_preview_of_the_revision_proposes_nothing(&s, &prevence).await;
    the_revision_is_approved_a_measure_evaluated_and_the_next_starts_from_it(&s, &prevence).await;
    a_commissioner_announces_a_grant_call(&s).await;
    let call = the_provider_applies_once(&s).await;
    the_commissioner_evaluates_and_decides_and_the_public_sees_it(&s, &call).await;
    an_auditor_opens_the_history_a_provider_may_not(&s).await;
}

/// What the steps of the roles scenario share: the query service, the
/// provider's service, the commissioner's API client and the browsers of
/// the provider (`charita`), the methodologist and the commissioner (`k`).
struct Roles {
    queries: String,
    service: String,
    komisar: Client,
    charita: Browser,
    metodik: Browser,
    k: Browser,
}

/// Posts a form of the signed-in pages' actions.
async fn act(b: &Browser, fields: Vec<(&str, &str)>) -> Page {
    b.post("/moje/akce", &fields, None).await
}

/// A provider's service and the accounts of its provider, a methodologist, an auditor and a
/// commissioner, all signed in.
async fn roles(commands: &str, queries: &str, password: &str) -> Roles {
    let admin = Client::new(commands).login("admin", password).await;
    let registered = asylum_house(&admin, ICO, "Azyl Děčín", "Azyl Děčín", "Původní popis").await;
    let service = registered.body["stream_id"].as_str().unwrap().to_string();
    for (login, role, scope) in [
        (
            "charita",
            "provider",
            json!({ "kind": "provider", "code": ICO }),
        ),
        (
            "metodik",
            "methodologist",
            json!({ "kind": "kraj", "code": "CZ042" }),
        ),
        ("auditor", "auditor", json!({ "kind": "global" })),
    ] {
        account(&admin, login, role, scope).await;
    }
    let komisar = account(
        &admin,
        "komisar",
        "commissioner",
        json!({ "kind": "kraj", "code": "CZ042" }),
    )
    .await;
    reqwest::get(format!(
        "{queries}/api/v1/services/{service}?after={}",
        registered.after()
    ))
    .await
    .unwrap();
    Roles {
        queries: queries.to_string(),
        service,
        komisar,
        charita: Browser::signed_in(queries, "charita").await,
        metodik: Browser::signed_in(queries, "metodik").await,
        k: Browser::signed_in(queries, "komisar").await,
    }
}

/// A provider edits its service; a stale version is refused and changes nothing.
async fn a_provider_edits_its_service(s: &Roles) {
    let Roles {
        queries,
        service,
        charita,
        ..
    } = s;
    let form = charita.get(&format!("/moje/sluzby/{service}")).await;
    assert_eq!(form.status, 200);
    assert!(
        form.html.contains(">Původní popis</textarea>"),
        "{}",
        form.html
    );
    let edit = |version: &'static str| {
        vec![
            ("action", "edit_service"),
            ("id", service.as_str()),
            ("version", version),
            ("description", "Nový popis"),
            ("opening_hours", "nonstop"),
            ("emails", "azyl@example.cz"),
            ("phones", "+420 412 000 000"),
            ("webs", ""),
        ]
    };
    let stale = act(charita, edit("7")).await;
    assert_eq!(stale.status, 409, "{}", stale.html);
    assert!(
        stale
            .html
            .contains("Záznam mezitím změnil někdo jiný (čekali jsme verzi 7, je ve verzi 1)"),
        "the refusal in Czech: {}",
        stale.html
    );
    // A bad e-mail: the form again, with what was typed and the field named by its label.
    let mut bad = edit("1");
    bad[5] = ("emails", "azyl@example.cz, neni-email");
    let bad = act(charita, bad).await;
    assert_eq!(bad.status, 422, "{}", bad.html);
    assert!(
        bad.html
            .contains("<p role=\"alert\" class=\"problem\">E-maily (oddělené čárkou): &quot;neni-email&quot; není e-mailová adresa")
            && bad.html.contains("value=\"azyl@example.cz, neni-email\"")
            && bad.html.contains(">Nový popis</textarea>"),
        "{}",
        bad.html
    );
    let saved = act(charita, edit("1")).await;
    assert_eq!(
        (saved.status, saved.location.as_str()),
        (303, "/moje?lang=cs&done=edit_service"),
        "{}",
        saved.html
    );
    let page = Browser::new(queries)
        .get(&format!("/sluzby/{service}"))
        .await;
    assert!(
        page.html.contains("<p>Nový popis</p>") && page.html.contains("mailto:azyl@example.cz"),
        "{}",
        page.html
    );
    let unknown = act(charita, vec![("action", "drop_everything")]).await;
    assert_eq!(unknown.status, 422);
}

/// The provider suspends it, announcing when it resumes: a day not after
/// today is refused with the form again, in Czech and with what was typed;
/// a later one is shown on the public page; then it provides it again.
async fn the_provider_suspends_its_service_and_resumes_it(s: &Roles) {
    let Roles {
        queries,
        service,
        charita,
        ..
    } = s;
    let today = time::OffsetDateTime::now_utc().date();
    let (past, later) = (
        today.previous_day().unwrap().to_string(),
        today + time::Duration::days(40),
    );
    let back = format!("/moje/sluzby/{service}");
    let suspend = |until: &str| {
        let fields = [
            ("action", "suspend_service"),
            ("id", service.as_str()),
            ("reason", "Rekonstrukce kuchyně"),
            ("until", until),
            ("back", back.as_str()),
        ];
        let owned = fields
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        charita.post_owned("/moje/akce", owned, None)
    };
    let refused = suspend(&past).await;
    assert_eq!(refused.status, 422, "{}", refused.html);
    assert!(
        refused.html.contains(
            "<p role=\"alert\" class=\"problem\">Předpokládané obnovení: musí být pozdější den než dnes"
        ) && refused.html.contains(&format!("value=\"{past}\""))
            && refused.html.contains("value=\"Rekonstrukce kuchyně\""),
        "{}",
        refused.html
    );
    let suspended = suspend(&later.to_string()).await;
    assert_eq!(
        (suspended.status, suspended.location.as_str()),
        (303, format!("/moje/sluzby/{service}?lang=cs").as_str()),
        "{}",
        suspended.html
    );
    let day = format!(
        "{}. {}. {}",
        later.day(),
        u8::from(later.month()),
        later.year()
    );
    let notice =
        format!("Poskytování služby je pozastaveno. Poskytovatel předpokládá obnovení {day}.");
    let public = Browser::new(queries)
        .get(&format!("/sluzby/{service}"))
        .await;
    assert!(public.html.contains(&notice), "{}", public.html);
    let own = charita.get(&format!("/moje/sluzby/{service}")).await;
    assert!(
        own.html.contains("value=\"resume_service\"") && own.html.contains(&notice),
        "{}",
        own.html
    );
    let resumed = charita
        .post(
            "/moje/akce",
            &[
                ("action", "resume_service"),
                ("id", service.as_str()),
                ("back", back.as_str()),
            ],
            None,
        )
        .await;
    assert_eq!(resumed.status, 303, "{}", resumed.html);
    let public = Browser::new(queries)
        .get(&format!("/sluzby/{service}"))
        .await;
    assert!(!public.html.contains("pozastaveno"), "{}", public.html);
}

/// A methodologist publishes news of its kraj, not of another.
async fn a_methodologist_publishes_news_of_its_kraj(s: &Roles) {
    let Roles {
        queries, metodik, ..
    } = s;
    let mine = metodik.get("/moje").await;
    assert!(
        mine.html.contains("name=\"action\" value=\"publish_news\""),
        "{}",
        mine.html
    );
    let published = act(
        metodik,
        vec![
            ("action", "publish_news"),
            ("kraj", "CZ042"),
            ("title", "Nová výzva"),
            ("body", "Text výzvy."),
        ],
    )
    .await;
    assert_eq!(published.status, 303, "{}", published.html);
    assert!(Browser::new(queries)
        .get("/aktuality")
        .await
        .html
        .contains(">Nová výzva</a>"));
    let elsewhere = act(
        metodik,
        vec![
            ("action", "publish_news"),
            ("kraj", "CZ010"),
            ("title", "Praha"),
            ("body", "x"),
        ],
    )
    .await;
    assert_eq!(elsewhere.status, 403, "another kraj: {}", elsewhere.html);
}

/// A survey written as text: a bad line is refused with the form again; a preview shows
/// the questions as they would be saved and saves nothing.
async fn a_survey_written_as_text_is_checked_and_previewed(s: &Roles) {
    let Roles { metodik, .. } = s;
    let bad = act(
        metodik,
        vec![
            ("action", "define_survey"),
            ("kraj", "CZ042"),
            ("title", "Anketa"),
            ("questions", "barva | Jaká?"),
        ],
    )
    .await;
    assert_eq!(bad.status, 422);
    assert!(
        bad.html
            .contains("otázky, řádek 1: &quot;barva&quot; není druh otázky")
            && bad.html.contains(">barva | Jaká?</textarea>")
            && bad
                .html
                .contains("name=\"title\" required size=\"50\" value=\"Anketa\""),
        "refused, the form again with what was typed: {}",
        bad.html
    );
    // A preview: the questions as they would be saved; nothing is saved.
    let preview = act(
        metodik,
        vec![
            ("action", "define_survey"),
            ("kraj", "CZ042"),
            ("title", "Náhled"),
            (
                "questions",
                "cislo | *Kolik lidí čeká?\njedna | Trend | roste; klesá",
            ),
            ("preview", "1"),
        ],
    )
    .await;
    assert_eq!(preview.status, 200, "{}", preview.html);
    assert!(
        preview.html.contains("<ol><li>Kolik lidí čeká? <strong>(povinná)</strong> — číslo</li><li>Trend — jedna z možností: roste; klesá</li></ol>"),
        "{}",
        preview.html
    );
}

/// The methodologist defines the survey, sees it as in preparation, opens it; the public
/// page shows it open.
async fn the_methodologist_defines_a_survey_and_opens_it(s: &Roles) {
    let Roles {
        queries, metodik, ..
    } = s;
    let defined = act(
        metodik,
        vec![
            ("action", "define_survey"),
            ("kraj", "CZ042"),
            ("title", "Čekatelé 2027"),
            (
                "questions",
                "cislo | *Kolik lidí čeká?\njedna | Trend | roste; klesá",
            ),
        ],
    )
    .await;
    assert_eq!(defined.status, 303, "{}", defined.html);
    let mine = metodik.get("/moje").await;
    let survey = mine
        .html
        .split("/ankety/")
        .nth(1)
        .unwrap()
        .split('?')
        .next()
        .unwrap()
        .to_string();
    assert!(mine.html.contains("(připravovaná)") && mine.html.contains("value=\"open_survey\""));
    let opened = act(
        metodik,
        vec![("action", "open_survey"), ("id", survey.as_str())],
    )
    .await;
    assert_eq!(opened.status, 303, "{}", opened.html);
    let page = Browser::new(queries)
        .get(&format!("/ankety/{survey}"))
        .await;
    assert!(
        page.html.contains("Stav: otevřená") && page.html.contains("Kolik lidí čeká?"),
        "{}",
        page.html
    );
}

/// Calendar and documents of the kraj; a provider's job offer.
async fn the_kraj_schedules_events_and_files_documents_a_provider_offers_a_job(s: &Roles) {
    let Roles {
        queries,
        charita,
        metodik,
        ..
    } = s;
    let in_a_month = (time::OffsetDateTime::now_utc() + time::Duration::days(30))
        .date()
        .to_string();
    let scheduled = act(
        metodik,
        vec![
            ("action", "schedule_event"),
            ("territory", "CZ042"),
            ("kind", "round_table"),
            ("title", "Kulatý stůl: bydlení"),
            ("starts_at", "2099-12-01T14:00"),
            ("ends_at", "2099-12-01T16:00"),
            ("place", "Krajský úřad"),
            ("body", ""),
        ],
    )
    .await;
    assert_eq!(scheduled.status, 303, "{}", scheduled.html);
    let backwards = act(
        metodik,
        vec![
            ("action", "schedule_event"),
            ("territory", "CZ042"),
            ("kind", "meeting"),
            ("title", "Obráceně"),
            ("starts_at", "2099-12-01T16:00"),
            ("ends_at", "2099-12-01T14:00"),
            ("place", "Úřad"),
        ],
    )
    .await;
    assert_eq!(backwards.status, 422, "{}", backwards.html);
    assert!(
        backwards.html.contains("ends_at"),
        "the field is named: {}",
        backwards.html
    );
    let calendar = Browser::new(queries).get("/kalendar").await;
    assert!(
        calendar.html.contains(
            "<strong>1. 12. 2099 14:00</strong> – 1. 12. 2099 16:00: Kulatý stůl: bydlení"
        ),
        "Prague time: {}",
        calendar.html
    );
    let document = act(
        metodik,
        vec![
            ("action", "register_document"),
            ("territory", "CZ042"),
            ("title", "Zápis z jednání"),
            ("kind", "minutes"),
            ("url", "https://uloziste.example.cz/z1.pdf"),
            ("note", "první"),
        ],
    )
    .await;
    assert_eq!(document.status, 303, "{}", document.html);
    assert!(Browser::new(queries)
        .get("/dokumenty")
        .await
        .html
        .contains("<strong>Zápis z jednání</strong> (zápis)"));
    let job = act(
        charita,
        vec![
            ("action", "post_job"),
            ("provider_ico", ICO),
            ("title", "Sociální pracovnice"),
            ("place", "Děčín"),
            ("expires_on", in_a_month.as_str()),
            ("body", "Úvazek 1,0"),
        ],
    )
    .await;
    assert_eq!(job.status, 303, "{}", job.html);
    assert!(Browser::new(queries)
        .get("/prace")
        .await
        .html
        .contains("<strong>Sociální pracovnice</strong> — Azyl Děčín"));
    let other = act(
        charita,
        vec![
            ("action", "post_job"),
            ("provider_ico", OTHER),
            ("title", "Cizí"),
            ("place", "Ústí"),
            ("expires_on", "2099-01-31"),
            ("body", "x"),
        ],
    )
    .await;
    assert_eq!(
        other.status, 403,
        "another provider's offer: {}",
        other.html
    );
}

/// The forum: a signed-in account opens a professional thread and replies;
/// the section is closed to others; the public section has no form for them.
async fn the_professional_forum_is_for_signed_in_accounts(s: &Roles) {
    let Roles {
        queries, metodik, ..
    } = s;
    let opened_thread = act(
        metodik,
        vec![
            ("action", "open_thread"),
            ("section", "professional"),
            ("back", "/forum?sekce=profesni"),
            ("name", "Jan Metodik"),
            ("title", "Metodika 2027"),
            ("body", "Návrh ke čtení."),
        ],
    )
    .await;
    assert_eq!(
        (opened_thread.status, opened_thread.location.as_str()),
        (303, "/forum?sekce=profesni&lang=cs"),
        "{}",
        opened_thread.html
    );
    let list = metodik.get("/forum?sekce=profesni").await;
    assert_eq!(list.status, 200);
    let thread = list
        .html
        .split("href=\"/forum/")
        .nth(1)
        .unwrap()
        .split('?')
        .next()
        .unwrap()
        .to_string();
    assert!(
        list.html.contains(">Metodika 2027</a> — Jan Metodik"),
        "{}",
        list.html
    );
    let back = format!("/forum/{thread}");
    let replied = act(
        metodik,
        vec![
            ("action", "reply_thread"),
            ("thread", thread.as_str()),
            ("back", back.as_str()),
            ("name", "Jan Metodik"),
            ("body", "Doplňuji přílohu."),
        ],
    )
    .await;
    assert_eq!(replied.status, 303, "{}", replied.html);
    let page = metodik.get(&back).await;
    assert!(
        page.html.contains("<p>Doplňuji přílohu.</p>")
            && page.html.contains("name=\"action\" value=\"reply_thread\""),
        "{}",
        page.html
    );
    let empty = act(
        metodik,
        vec![
            ("action", "reply_thread"),
            ("thread", thread.as_str()),
            ("back", back.as_str()),
            ("name", "Jan"),
            ("body", ""),
        ],
    )
    .await;
    assert_eq!(empty.status, 422, "{}", empty.html);
    assert!(empty.html.contains("role=\"alert\""));
    assert_eq!(
        Browser::new(queries)
            .get("/forum?sekce=profesni")
            .await
            .status,
        401
    );
    assert_eq!(Browser::new(queries).get(&back).await.status, 401);
    let public = Browser::new(queries).get("/forum").await;
    assert!(!public.html.contains("value=\"open_thread\"") && public.html.contains("/prihlaseni"));
    let offsite = act(
        metodik,
        vec![
            ("action", "reply_thread"),
            ("thread", thread.as_str()),
            ("back", "//evil.example/"),
            ("name", "Jan"),
            ("body", "Text"),
        ],
    )
    .await;
    assert_eq!(
        offsite.location, "/moje?lang=cs&done=reply_thread",
        "no redirect to another site"
    );
    let split = act(
        metodik,
        vec![
            ("action", "reply_thread"),
            ("thread", thread.as_str()),
            ("back", "/forum\r\nSet-Cookie: x=1"),
            ("name", "Jan"),
            ("body", "Text"),
        ],
    )
    .await;
    assert_eq!(
        split.location, "/moje?lang=cs&done=reply_thread",
        "no header split"
    );
}

/// A commissioner rejects a revision (with a reason), then approves the next one.
async fn a_commissioner_rejects_a_revision_and_approves_the_next(s: &Roles) {
    let Roles {
        queries,
        komisar,
        k,
        ..
    } = s;
    let plan = komisar
        .post(
            "/plans",
            json!({ "title": "Plán Ústeckého kraje", "territory": "CZ042" }),
        )
        .await;
    let plan = plan.body["stream_id"].as_str().unwrap().to_string();
    let content = json!({ "period_from": 2026, "period_to": 2028, "priorities": [{ "id": "P1", "title": "Bydlení", "goals": [] }] });
    for _ in 0..2 {
        let r = komisar
            .post(&format!("/plans/{plan}/revisions"), content.clone())
            .await;
        assert_eq!(r.status, 201, "{:?}", r.body);
        reqwest::get(format!("{queries}/api/v1/plans/{plan}?after={}", r.after()))
            .await
            .unwrap();
    }
    let mine = k.get("/moje").await;
    assert_eq!(
        mine.html.matches("value=\"approve_revision\"").count(),
        2,
        "{}",
        mine.html
    );
    let no_reason = act(
        k,
        vec![
            ("action", "reject_revision"),
            ("plan", plan.as_str()),
            ("n", "1"),
            ("reason", ""),
        ],
    )
    .await;
    assert_eq!(no_reason.status, 422, "{}", no_reason.html);
    let rejected = act(
        k,
        vec![
            ("action", "reject_revision"),
            ("plan", plan.as_str()),
            ("n", "1"),
            ("reason", "Chybí rozpočet"),
        ],
    )
    .await;
    assert_eq!(rejected.status, 303, "{}", rejected.html);
    let approved = act(
        k,
        vec![
            ("action", "approve_revision"),
            ("plan", plan.as_str()),
            ("n", "2"),
        ],
    )
    .await;
    assert_eq!(approved.status, 303, "{}", approved.html);
    let page = Browser::new(queries)
        .get(&format!("/planovani/{plan}"))
        .await;
    assert!(
        page.html
            .contains("revize 1</a> — zamítnutá (Chybí rozpočet)"),
        "{}",
        page.html
    );
    assert!(page
        .html
        .contains("revize 2</a> — schválená · <strong>platná</strong>"));
}

/// The commissioner's own plan: created; a revision written as text with a bad line is
/// refused, the line named. Gives the plan.
async fn the_commissioner_creates_a_plan_a_bad_line_is_named(s: &Roles) -> String {
    let Roles { k, .. } = s;
    let created = act(
        k,
        vec![
            ("action", "create_plan"),
            ("territory", "CZ042"),
            ("title", "Plán prevence"),
        ],
    )
    .await;
    assert_eq!(created.status, 303, "{}", created.html);
    let mine = k.get("/moje").await;
    let prevence = mine
        .html
        .split("Plán prevence</a>")
        .next()
        .unwrap()
        .rsplit("/planovani/")
        .next()
        .unwrap()
        .split('?')
        .next()
        .unwrap()
        .to_string();
    let bad_text = act(
        k,
        vec![
            ("action", "propose_revision"),
            ("plan", prevence.as_str()),
            ("period_from", "2026"),
            ("period_to", "2028"),
            (
                "content",
                "P | P1 | Prevence\nO | O1 | Bez cíle | Kraj | 5 | 2027-12-31",
            ),
        ],
    )
    .await;
    assert_eq!(bad_text.status, 422);
    // Refused: said in Czech, and the form again with what was typed.
    assert!(
        bad_text
            .html
            .contains("obsah, řádek 2: opatření (O) před prvním cílem (C)")
            && bad_text.html.contains(
                ">P | P1 | Prevence\nO | O1 | Bez cíle | Kraj | 5 | 2027-12-31</textarea>"
            ),
        "{}",
        bad_text.html
    );
    prevence
}

/// A preview shows where each measure lands, and proposes nothing: a
/// measure added at the end goes under the goal it names.
async fn a_preview_of_the_revision_proposes_nothing(s: &Roles, prevence: &str) {
    let Roles { queries, k, .. } = s;
    let text = "P | P1 | Prevence\nC | C1 | Méně lidí na ulici\nC | C2 | Dluhy\nO | O2 | Poradna | Obec | 10 000 | 2027-03-31\nO | O1 | Terénní program | Město Děčín | 250 000 | 2027-06-30 | C1";
    let preview = act(
        k,
        vec![
            ("action", "propose_revision"),
            ("plan", prevence),
            ("period_from", "2026"),
            ("period_to", "2028"),
            ("content", text),
            ("preview", "1"),
        ],
    )
    .await;
    assert_eq!(preview.status, 200, "{}", preview.html);
    assert!(
        preview.html.contains("<h4>Cíl C1 Méně lidí na ulici</h4><ul><li>O1 Terénní program — Město Děčín, 250\u{a0}000\u{a0}Kč, 30. 6. 2027</li></ul>")
            && preview.html.contains("<h4>Cíl C2 Dluhy</h4><ul><li>O2 Poradna"),
        "{}",
        preview.html
    );
    let plan_page = Browser::new(queries)
        .get(&format!("/planovani/{prevence}"))
        .await;
    assert!(
        plan_page.html.contains("Plán zatím nemá obsah."),
        "a preview proposes nothing: {}",
        plan_page.html
    );
}

/// The revision is proposed and approved, a measure evaluated; the next revision's form
/// starts from the last one.
async fn the_revision_is_approved_a_measure_evaluated_and_the_next_starts_from_it(
    s: &Roles,
    prevence: &str,
) {
    let Roles { queries, k, .. } = s;
    let text = "P | P1 | Prevence\nC | C1 | Méně lidí na ulici\nO | O1 | Terénní program | Město Děčín | 250 000 | 2027-06-30";
    let proposed = act(
        k,
        vec![
            ("action", "propose_revision"),
            ("plan", prevence),
            ("period_from", "2026"),
            ("period_to", "2028"),
            ("content", text),
        ],
    )
    .await;
    assert_eq!(proposed.status, 303, "{}", proposed.html);
    let approved = act(
        k,
        vec![
            ("action", "approve_revision"),
            ("plan", prevence),
            ("n", "1"),
        ],
    )
    .await;
    assert_eq!(approved.status, 303, "{}", approved.html);
    let evaluated = act(
        k,
        vec![
            ("action", "evaluate_measure"),
            ("plan", prevence),
            ("measure", "O1"),
            ("year", "2026"),
            ("fulfilment", "60"),
            ("note", "běží"),
        ],
    )
    .await;
    assert_eq!(evaluated.status, 303, "{}", evaluated.html);
    let page = Browser::new(queries)
        .get(&format!("/planovani/{prevence}"))
        .await;
    assert!(page.html.contains("<tr><th scope=\"row\">O1 Terénní program</th><td>Město Děčín</td><td>30. 6. 2027</td><td>250\u{a0}000\u{a0}Kč</td><td>60 % (2026)</td></tr>"), "{}", page.html);
    let mine = k.get("/moje").await;
    assert!(
        mine.html
            .contains("O | O1 | Terénní program | Město Děčín | 250000 | 2027-06-30"),
        "the next revision starts from the last"
    );
}

/// A grant procedure: the commissioner announces a call (a bad budget is refused with the
/// form again; a preview saves nothing).
async fn a_commissioner_announces_a_grant_call(s: &Roles) {
    let Roles { k, .. } = s;
    let announced = act(
        k,
        vec![
            ("action", "announce_call"),
            ("territory", "CZ042"),
            ("title", "Podpora azylových domů 2099"),
            ("description", "Provoz"),
            ("budget", "1 000 000"),
            ("deadline", "2099-01-31"),
            ("kinds", "20"),
            ("criteria", "Potřebnost | 60 | 10\nRozpočet | 40 | 10"),
        ],
    )
    .await;
    assert_eq!(announced.status, 303, "{}", announced.html);
    let bad_call = act(
        k,
        vec![
            ("action", "announce_call"),
            ("territory", "CZ042"),
            ("title", "X"),
            ("budget", "milion"),
            ("deadline", "2099-01-31"),
            ("criteria", "A | 100 | 5"),
        ],
    )
    .await;
    assert_eq!(bad_call.status, 422);
    assert!(
        bad_call
            .html
            .contains("budget: &quot;milion&quot; není celé číslo")
            && bad_call
                .html
                .contains("name=\"budget\" required value=\"milion\""),
        "{}",
        bad_call.html
    );
    let preview = act(
        k,
        vec![
            ("action", "announce_call"),
            ("territory", "CZ042"),
            ("title", "Náhled výzvy"),
            ("budget", "500 000"),
            ("deadline", "2099-06-30"),
            ("kinds", "20"),
            ("criteria", "Potřebnost | 70 | 10\nRozpočet | 30 | 5"),
            ("preview", "1"),
        ],
    )
    .await;
    assert_eq!(preview.status, 200, "{}", preview.html);
    assert!(
        preview
            .html
            .contains("<dd>500\u{a0}000\u{a0}Kč</dd><dt>Uzávěrka</dt><dd>30. 6. 2099 23:59</dd>")
            && preview
                .html
                .contains("<tr><th scope=\"row\">Potřebnost</th><td>70</td><td>10</td></tr>")
            && preview.html.contains("<option value=\"20\" selected>"),
        "{}",
        preview.html
    );
}

/// The provider applies to the call; it sees its application and where it stands; a
/// second one is refused. Gives the call.
async fn the_provider_applies_once(s: &Roles) -> String {
    let Roles {
        service, charita, ..
    } = s;
    let mine = charita.get("/moje").await;
    assert!(
        mine.html.contains("Podpora azylových domů 2099")
            && mine.html.contains("value=\"submit_application\""),
        "{}",
        mine.html
    );
    let call = mine
        .html
        .split("name=\"call\" value=\"")
        .nth(1)
        .unwrap()
        .split('"')
        .next()
        .unwrap()
        .to_string();
    let service_choice = format!("{ICO}|{service}");
    let applied = act(
        charita,
        vec![
            ("action", "submit_application"),
            ("call", call.as_str()),
            ("service", service_choice.as_str()),
            ("budget_lines", "Mzdy | 300 000\nProvoz | 50 000"),
            ("justification", "Zima je dlouhá."),
        ],
    )
    .await;
    assert_eq!(applied.status, 303, "{}", applied.html);
    // The provider sees its application and where it stands; a second one is refused.
    let theirs = charita.get("/moje").await;
    assert!(
        theirs.html.contains("<h2>Moje žádosti o dotace</h2>")
            && theirs.html.contains("— Azyl Děčín<br>žádá 350\u{a0}000\u{a0}Kč · <strong>podaná, čeká na hodnocení</strong></li>"),
        "{}",
        theirs.html
    );
    let again = act(
        charita,
        vec![
            ("action", "submit_application"),
            ("call", call.as_str()),
            ("service", service_choice.as_str()),
            ("budget_lines", "Mzdy | 300 000"),
            ("justification", "Podruhé."),
        ],
    )
    .await;
    assert_eq!(again.status, 409, "{}", again.html);
    assert!(
        again
            .html
            .contains("žádost podala; jedna služba podává do výzvy jednu žádost."),
        "{}",
        again.html
    );
    call
}

/// The commissioner cannot decide before evaluating; evaluates, decides; the provider and
/// the public see the decision.
async fn the_commissioner_evaluates_and_decides_and_the_public_sees_it(s: &Roles, call: &str) {
    let Roles {
        queries,
        charita,
        k,
        ..
    } = s;
    let mine = k.get("/moje").await;
    assert!(
        mine.html.contains("žádá 350\u{a0}000\u{a0}Kč"),
        "{}",
        mine.html
    );
    let application = mine
        .html
        .split("value=\"evaluate_application\"><input type=\"hidden\" name=\"id\" value=\"")
        .nth(1)
        .unwrap()
        .split('"')
        .next()
        .unwrap()
        .to_string();
    let early = act(
        k,
        vec![
            ("action", "decide_application"),
            ("id", application.as_str()),
            ("granted_amount", "300000"),
            ("reasons", "Dobře"),
        ],
    )
    .await;
    assert_eq!(early.status, 409, "not evaluated yet: {}", early.html);
    let evaluated = act(
        k,
        vec![
            ("action", "evaluate_application"),
            ("id", application.as_str()),
            ("score:k1", "9"),
            ("score:k2", "7"),
        ],
    )
    .await;
    assert_eq!(evaluated.status, 303, "{}", evaluated.html);
    let decided = act(
        k,
        vec![
            ("action", "decide_application"),
            ("id", application.as_str()),
            ("granted_amount", "300000"),
            ("reasons", "Potřebné, rozpočet krácen."),
        ],
    )
    .await;
    assert_eq!(decided.status, 303, "{}", decided.html);
    let theirs = charita.get("/moje").await;
    assert!(
        theirs.html.contains("<strong>podpořená</strong><br>Přiděleno: 300\u{a0}000\u{a0}Kč — Potřebné, rozpočet krácen.</li>"),
        "{}",
        theirs.html
    );
    let list = Browser::new(queries).get("/dotace").await;
    assert!(
        list.html
            .contains("Podpora azylových domů 2099</a> <strong>(otevřená)</strong>"),
        "{}",
        list.html
    );
    assert!(
        list.html
            .contains("<td>1 (1)</td><td>300\u{a0}000\u{a0}Kč</td>"),
        "{}",
        list.html
    );
    let page = Browser::new(queries).get(&format!("/dotace/{call}")).await;
    assert!(
        page.html.contains(
            "<tr><th scope=\"row\">Azyl Děčín</th><td>350\u{a0}000\u{a0}Kč</td><td>300\u{a0}000\u{a0}Kč</td>"
        ),
        "{}",
        page.html
    );
    assert!(page.html.contains("Potřebné, rozpočet krácen."));
}

/// An auditor opens the service's history; a provider may not.
async fn an_auditor_opens_the_history_a_provider_may_not(s: &Roles) {
    let Roles {
        queries,
        service,
        charita,
        ..
    } = s;
    let auditor = Browser::signed_in(queries, "auditor").await;
    let history = auditor
        .get(&format!("/moje/historie?typ=service&id={service}"))
        .await;
    assert_eq!(history.status, 200, "{}", history.html);
    assert!(
        history
            .html
            .contains(&format!("<code>service/{service}</code>")),
        "{}",
        history.html
    );
    assert!(
        history
            .html
            .contains("<strong>Služba zaregistrována</strong>")
            && history.html.contains("<strong>Služba změněna</strong>")
            && history
                .html
                .contains("<dt>changes.contacts.phones</dt><dd>+420 412 000 000</dd>"),
        "{}",
        history.html
    );
    let refused = charita
        .get(&format!("/moje/historie?typ=service&id={service}"))
        .await;
    assert_eq!(refused.status, 403);
}

in_both_modes!(
    roles_scenario,
    role_forms_in_the_embedded_portal,
    role_forms_in_the_distributed_services
);
