//! Files sent with the portal's forms (`multipart/form-data`, as a browser
//! sends them without JavaScript), in both modes: a provider's grant
//! application with an attachment that only the applicant, the call's
//! commissioner and an auditor may download (the public and another
//! provider may not, not even by the file's hash); a file whose bytes are
//! not its type is refused on the form, in Czech, and nothing is
//! submitted; a document of the library, an article's attachment and a
//! service's photo (its alternative text required, its camera and GPS
//! position gone) sent with their forms; a forum post's files, deleted with
//! their author unless another record names the same bytes; a plan's
//! revision with its full text, carried on from the preview.

use crate::files::{pdf_of, sha256};
use crate::helpers::{account, asylum_house};
use crate::web_forms::{Browser, Page};
use serde_json::json;
use time::format_description::well_known::Rfc3339;

const ICO: &str = "00064581";
const OTHER: &str = "25596641";
const BOUNDARY: &str = "----portal-test-7f3a";

/// A part of a form: a text field, or a file (name, type, bytes).
enum Part<'a> {
    Text(&'a str, &'a str),
    File(&'a str, &'a str, &'a str, &'a [u8]),
}

impl Browser {
    async fn download(&self, path: &str) -> (u16, Vec<u8>) {
        let mut r = self.http.get(format!("{}{path}", self.base));
        if let Some(c) = &self.cookie {
            r = r.header("cookie", c);
        }
        let r = r.send().await.unwrap();
        (r.status().as_u16(), r.bytes().await.unwrap().to_vec())
    }

    /// Posts a form with files to `/moje/akce`, as a browser encodes it.
    async fn act(&self, parts: &[Part<'_>]) -> Page {
        let mut body = Vec::new();
        for part in parts {
            body.extend_from_slice(format!("--{BOUNDARY}\r\n").as_bytes());
            match part {
                Part::Text(name, value) => {
                    body.extend_from_slice(
                        format!("Content-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}")
                            .as_bytes(),
                    );
                }
                Part::File(name, file, content_type, bytes) => {
                    body.extend_from_slice(
                        format!("Content-Disposition: form-data; name=\"{name}\"; filename=\"{file}\"\r\nContent-Type: {content_type}\r\n\r\n")
                            .as_bytes(),
                    );
                    body.extend_from_slice(bytes);
                }
            }
            body.extend_from_slice(b"\r\n");
        }
        body.extend_from_slice(format!("--{BOUNDARY}--\r\n").as_bytes());
        self.send(
            self.http
                .post(format!("{}/moje/akce", self.base))
                .header(
                    "content-type",
                    format!("multipart/form-data; boundary={BOUNDARY}"),
                )
                .body(body),
        )
        .await
    }
}

fn pdf(seed: u32) -> Vec<u8> {
    pdf_of(25_000, seed)
}

/// The first link of `html` that starts with `prefix`.
fn link(html: &str, prefix: &str) -> String {
    let at = html
        .find(&format!("href=\"{prefix}"))
        .unwrap_or_else(|| panic!("no link {prefix} in {html}"));
    let rest = &html[at + 6..];
    rest[..rest.find('"').unwrap()].replace("&amp;", "&")
}

async fn scenario(commands: &str, queries: &str, password: &str) {
    let s = file_forms(commands, queries, password).await;
    a_file_that_is_not_what_its_type_says_is_refused(&s).await;
    an_application_with_its_budget_as_a_pdf_for_those_who_may_read_it(&s).await;
    let plan = a_document_of_the_library_is_public(&s).await;
    an_article_with_an_attachment(&s).await;
    a_services_photo_needs_its_alternative_text(&s).await;
    forum_files(&s.admin, queries, &plan).await;
    plan_documents(&s.komisar, queries).await;
}

/// What the steps of the file forms share: the query service, the
/// administrator, the commissioner and the auditor, the provider's service,
/// the open grant call and the browsers of the provider and the methodologist.
struct FileForms {
    queries: String,
    admin: crate::client::Client,
    komisar: crate::client::Client,
    auditor: crate::client::Client,
    service: String,
    call_id: String,
    charita: Browser,
    metodik: Browser,
}

impl FileForms {
    /// The provider applies to the call for its service with `file` attached.
    async fn apply(&self, file: Part<'static>) -> Page {
        let chosen = format!("{ICO}|{}", self.service);
        self.charita
            .act(&[
                Part::Text("lang", "cs"),
                Part::Text("action", "submit_application"),
                Part::Text("call", &self.call_id),
                Part::Text("service", &chosen),
                Part::Text("budget_lines", "mzdy | 300000"),
                Part::Text("justification", "Provoz v zimě"),
                file,
            ])
            .await
    }
}

/// A provider's asylum house and another's; the accounts of both providers, a
/// methodologist, an auditor and a commissioner; the commissioner's open grant call.
async fn file_forms(commands: &str, queries: &str, password: &str) -> FileForms {
    let admin = crate::client::Client::new(commands)
        .login("admin", password)
        .await;
    let registered = asylum_house(&admin, ICO, "Azyl Děčín", "Azyl Děčín", "Popis").await;
    let service = registered.body["stream_id"].as_str().unwrap().to_string();
    asylum_house(&admin, OTHER, "Jiný poskytovatel", "Jiný dům", "Popis").await;
    account(
        &admin,
        "charita",
        "provider",
        json!({ "kind": "provider", "code": ICO }),
    )
    .await;
    account(
        &admin,
        "jiny",
        "provider",
        json!({ "kind": "provider", "code": OTHER }),
    )
    .await;
    account(
        &admin,
        "metodik",
        "methodologist",
        json!({ "kind": "kraj", "code": "CZ042" }),
    )
    .await;
    let auditor = account(&admin, "auditor", "auditor", json!({ "kind": "global" })).await;
    let komisar = account(
        &admin,
        "komisar",
        "commissioner",
        json!({ "kind": "kraj", "code": "CZ042" }),
    )
    .await;
    let deadline = time::OffsetDateTime::now_utc() + time::Duration::days(30);
    let call = komisar
        .post(
            "/grants/calls",
            json!({ "details": { "title": "Podpora azylových domů", "territory": "CZ042", "budget": 1_000_000,
                "eligible_kinds": [20], "criteria": [{ "id": "need", "name": "Potřebnost", "weight": 100, "max_points": 10 }],
                "deadline": deadline.format(&Rfc3339).unwrap() } }),
        )
        .await;
    assert_eq!(call.status, 201, "{:?}", call.body);
    let call_id = call.body["stream_id"].as_str().unwrap().to_string();
    reqwest::get(format!(
        "{queries}/api/v1/grants/calls?after={}",
        call.after()
    ))
    .await
    .unwrap();
    FileForms {
        queries: queries.to_string(),
        admin,
        komisar,
        auditor,
        service,
        call_id,
        charita: Browser::signed_in(queries, "charita").await,
        metodik: Browser::signed_in(queries, "metodik").await,
    }
}

/// A file whose bytes are not what its type says is refused on the form, and nothing is submitted.
async fn a_file_that_is_not_what_its_type_says_is_refused(s: &FileForms) {
    let FileForms { charita, .. } = s;
    static NOT_A_PDF: &[u8] = b"MZ\x90\0\x03\0\0\0 this is a program, not a PDF";
    let refused = s
        .apply(Part::File(
            "attachments",
            "rozpocet.pdf",
            "application/pdf",
            NOT_A_PDF,
        ))
        .await;
    assert_eq!(refused.status, 422, "{}", refused.html);
    assert!(
        refused
            .html
            .contains("obsah souboru neodpovídá jeho druhu (application/pdf)"),
        "{}",
        refused.html
    );
    let mine = charita.get("/moje").await;
    assert!(
        !mine.html.contains("/api/v1/grants/applications/"),
        "{}",
        mine.html
    );
}

/// The application with its budget as a PDF. Who may download it: the applicant, the
/// call's commissioner and an auditor; not the public, not another provider, and not by
/// the file's hash either.
async fn an_application_with_its_budget_as_a_pdf_for_those_who_may_read_it(s: &FileForms) {
    let FileForms {
        queries,
        auditor,
        charita,
        ..
    } = s;
    let budget: &'static [u8] = Box::leak(pdf(1).into_boxed_slice());
    let sha = sha256(budget);
    let sent = s
        .apply(Part::File(
            "attachments",
            "rozpočet 2027.pdf",
            "application/pdf",
            budget,
        ))
        .await;
    assert_eq!(sent.status, 303, "{}", sent.html);
    let mine = charita.get("/moje").await;
    let url = link(&mine.html, "/api/v1/grants/applications/");
    assert!(
        url.ends_with(&format!("/files/{sha}/rozpo%C4%8Det%202027.pdf")),
        "{url}"
    );

    // Who may download it: the applicant, the call's commissioner and an auditor; not the
    // public, not another provider, and not by the file's hash either.
    assert_eq!(charita.download(&url).await, (200, budget.to_vec()));
    let komisar_page = Browser::signed_in(queries, "komisar").await;
    assert!(komisar_page.get("/moje").await.html.contains(&url));
    assert_eq!(komisar_page.download(&url).await.0, 200);
    let by_token = reqwest::Client::new()
        .get(format!("{queries}{url}"))
        .bearer_auth(auditor.token.as_deref().unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(by_token.status(), 200);
    assert_eq!(by_token.headers()["cache-control"], "private, max-age=3600");
    let jiny = Browser::signed_in(queries, "jiny").await;
    assert_eq!(jiny.download(&url).await.0, 404);
    assert_eq!(
        reqwest::get(format!("{queries}{url}"))
            .await
            .unwrap()
            .status(),
        401
    );
    for public in [
        format!("/api/v1/files/{sha}"),
        format!("/api/v1/files/{sha}/x.pdf"),
    ] {
        assert_eq!(
            reqwest::get(format!("{queries}{public}"))
                .await
                .unwrap()
                .status(),
            404,
            "{public}"
        );
    }
}

/// A document of the library, sent with its form, is public. Gives its bytes.
async fn a_document_of_the_library_is_public(s: &FileForms) -> Vec<u8> {
    let FileForms {
        queries, metodik, ..
    } = s;
    let plan = pdf(2);
    let document = metodik
        .act(&[
            Part::Text("action", "register_document"),
            Part::Text("territory", "CZ042"),
            Part::Text("title", "Komunitní plán 2027"),
            Part::Text("kind", "plan"),
            Part::Text("url", ""),
            Part::File("file", "komunitni-plan.pdf", "application/pdf", &plan),
            Part::Text("note", "schválená verze"),
        ])
        .await;
    assert_eq!(document.status, 303, "{}", document.html);
    let documents = metodik.get("/dokumenty").await;
    let url = link(&documents.html, &format!("/api/v1/files/{}", sha256(&plan)));
    let got = reqwest::get(format!("{queries}{url}")).await.unwrap();
    assert_eq!(got.status(), 200);
    assert_eq!(got.bytes().await.unwrap().to_vec(), plan);
    plan
}

/// An article with an attachment; an empty file input is no attachment.
async fn an_article_with_an_attachment(s: &FileForms) {
    let FileForms { metodik, .. } = s;
    let invitation = pdf(3);
    let article = metodik
        .act(&[
            Part::Text("action", "publish_news"),
            Part::Text("kraj", "CZ042"),
            Part::Text("title", "Pozvánka na setkání"),
            Part::Text("body", "Zveme poskytovatele."),
            Part::File(
                "attachments",
                "pozvanka.pdf",
                "application/pdf",
                &invitation,
            ),
            Part::File("attachments", "", "application/octet-stream", b""),
        ])
        .await;
    assert_eq!(article.status, 303, "{}", article.html);
    let news = metodik.get("/aktuality").await;
    let article = metodik.get(&link(&news.html, "/aktuality/")).await;
    assert!(
        article.html.contains(&format!(
            "/api/v1/files/{}/pozvanka.pdf",
            sha256(&invitation)
        )),
        "{}",
        article.html
    );
}

/// A service's photo: its alternative text is required; stored without the camera's metadata.
async fn a_services_photo_needs_its_alternative_text(s: &FileForms) {
    let FileForms {
        queries,
        service,
        charita,
        ..
    } = s;
    let photo = infra::files::images::jpeg_with_exif(400, 200);
    let form = charita.get(&format!("/moje/sluzby/{service}")).await;
    assert!(
        form.html.contains("enctype=\"multipart/form-data\""),
        "{}",
        form.html
    );
    let version = {
        let at = form.html.find("name=\"version\" value=\"").unwrap() + 22;
        form.html[at..at + form.html[at..].find('"').unwrap()].to_string()
    };
    let edit = |alt: &'static str| {
        let photo = photo.clone();
        let (service, version, charita) = (service.clone(), version.clone(), &charita);
        async move {
            charita
                .act(&[
                    Part::Text("action", "edit_service"),
                    Part::Text("id", &service),
                    Part::Text("version", &version),
                    Part::Text("description", "Popis"),
                    Part::Text("opening_hours", "nonstop"),
                    Part::File("photo", "dum.jpg", "image/jpeg", &photo),
                    Part::Text("alt", alt),
                ])
                .await
        }
    };
    let without_alt = edit("").await;
    assert_eq!(without_alt.status, 422, "{}", without_alt.html);
    assert!(
        without_alt.html.contains("Fotografie a video"),
        "{}",
        without_alt.html
    );
    let with_alt = edit("Vchod do azylového domu").await;
    assert_eq!(with_alt.status, 303, "{}", with_alt.html);
    let page = reqwest::get(format!("{queries}/sluzby/{service}"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(page.contains("alt=\"Vchod do azylového domu\""), "{page}");
    let shown = link(&page, "/api/v1/files/");
    let kept = reqwest::get(format!("{queries}{shown}"))
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap();
    assert!(kept.starts_with(b"\xff\xd8"), "a JPEG");
    assert!(
        !kept.windows(14).any(|w| w == b"TestCamera GPS"),
        "the camera and the GPS position are gone"
    );
}

/// A provider's forum post with two files: a photo only the post names, and
/// the library's plan. Erasing the author deletes the photo's bytes (its
/// `file` stream says so) and keeps the plan, which the library names too.
async fn forum_files(admin: &crate::client::Client, queries: &str, plan: &[u8]) {
    let charita = Browser::signed_in(queries, "charita").await;
    let photo = infra::files::images::jpeg_with_exif(64, 48);
    let opened = charita
        .act(&[
            Part::Text("action", "open_thread"),
            Part::Text("section", "public"),
            Part::Text("back", "/forum"),
            Part::Text("name", "Charita"),
            Part::Text("title", "Fotky ze dne otevřených dveří"),
            Part::Text("body", "Posíláme fotku a plán."),
            Part::File("attachments", "den.jpg", "image/jpeg", &photo),
            Part::File("attachments", "plan.pdf", "application/pdf", plan),
        ])
        .await;
    assert_eq!(opened.status, 303, "{}", opened.html);
    let list = charita.get("/forum").await;
    let thread_path = link(&list.html, "/forum/");
    let page = charita.get(&thread_path).await;
    let shown = link(&page.html, "/api/v1/files/");
    assert!(shown.ends_with("/den.jpg"), "{shown}");
    assert!(page.html.contains("/plan.pdf\""), "{}", page.html);
    let photo_sha = shown.split('/').nth(4).unwrap().to_string();
    assert_eq!(charita.download(&shown).await.0, 200);
    let id = thread_path
        .trim_start_matches("/forum/")
        .split('?')
        .next()
        .unwrap();
    let thread: serde_json::Value = reqwest::get(format!("{queries}/api/v1/forum/threads/{id}"))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let author = thread["posts"][0]["author_id"].as_str().unwrap();
    assert_eq!(
        thread["posts"][0]["attachments"].as_array().unwrap().len(),
        2
    );

    let erased = admin
        .post(&format!("/forum/authors/{author}/erase"), json!({}))
        .await;
    assert_eq!(erased.status, 200, "{:?}", erased.body);
    reqwest::get(format!(
        "{queries}/api/v1/forum/threads/{id}?after={}",
        erased.after()
    ))
    .await
    .unwrap();
    assert_eq!(
        reqwest::get(format!("{queries}{shown}"))
            .await
            .unwrap()
            .status(),
        404
    );
    let kept = reqwest::get(format!("{queries}/api/v1/files/{}", sha256(plan)))
        .await
        .unwrap();
    assert_eq!(kept.status(), 200, "the library names the plan too");
    let history = admin
        .send(
            reqwest::Method::GET,
            &format!("/audit/streams/file/{photo_sha}"),
            None,
            &[],
        )
        .await;
    assert!(
        history.body.to_string().contains("FileErased"),
        "{:?}",
        history.body
    );
}

/// A commissioner's revision of a community plan with its full text as a
/// PDF: shown in the preview and carried on from it, then on the plan's page.
async fn plan_documents(komisar: &crate::client::Client, queries: &str) {
    let created = komisar
        .post(
            "/plans",
            json!({ "title": "Komunitní plán Ústeckého kraje", "territory": "CZ042" }),
        )
        .await;
    assert_eq!(created.status, 201, "{:?}", created.body);
    let plan_id = created.body["stream_id"].as_str().unwrap().to_string();
    reqwest::get(format!(
        "{queries}/api/v1/plans/{plan_id}?after={}",
        created.after()
    ))
    .await
    .unwrap();
    let browser = Browser::signed_in(queries, "komisar").await;
    let full_text = pdf(4);
    let text = "P | P1 | Bydlení\nC | C1 | Dostupné bydlení\nO | O1 | Azylový dům | Město | 100000 | 2027-12-31";
    let fields = |preview: bool| {
        let mut f = vec![
            Part::Text("action", "propose_revision"),
            Part::Text("plan", &plan_id),
            Part::Text("period_from", "2027"),
            Part::Text("period_to", "2029"),
            Part::Text("content", text),
        ];
        if preview {
            f.push(Part::Text("preview", "1"));
        }
        f
    };
    let mut with_file = fields(true);
    with_file.push(Part::File(
        "attachments",
        "plan-2027.pdf",
        "application/pdf",
        &full_text,
    ));
    let preview = browser.act(&with_file).await;
    assert_eq!(preview.status, 200, "{}", preview.html);
    let url = format!("/api/v1/files/{}/plan-2027.pdf", sha256(&full_text));
    assert!(preview.html.contains(&url), "{}", preview.html);
    // The preview carries the upload on in a hidden field; proposing sends it again, not the file.
    let hidden = "type=\"hidden\" name=\"attachments\" value=\"";
    let at = preview.html.find(hidden).unwrap() + hidden.len();
    let carried = preview.html[at..at + preview.html[at..].find('"').unwrap()]
        .replace("&quot;", "\"")
        .replace("&#x27;", "'")
        .replace("&amp;", "&");
    let mut proposed = fields(false);
    proposed.push(Part::Text("attachments", &carried));
    let sent = browser.act(&proposed).await;
    assert_eq!(sent.status, 303, "{}", sent.html);
    let page = browser.get(&format!("/planovani/{plan_id}")).await;
    assert!(page.html.contains(&url), "{}", page.html);
    assert_eq!(
        reqwest::get(format!("{queries}{url}"))
            .await
            .unwrap()
            .status(),
        200
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn files_sent_with_forms_in_the_embedded_portal() {
    let dir = test_support::TempDir::new();
    let app = crate::helpers::spawn_portal(&dir).await;
    let password = std::fs::read_to_string(dir.path().join("admin-password")).unwrap();
    scenario(&app.base, &app.base, password.trim()).await;
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn files_sent_with_forms_in_the_distributed_services() {
    let stack = crate::helpers::spawn_distributed().await;
    scenario(&stack.commands, &stack.queries, "admin-password-1").await;
    // The erased forum photo is gone from PostgreSQL and, recorded as erased, not missing.
    let report = crate::files::check_postgres(&stack.postgres).await;
    assert!(report.is_sound(), "{report}");
    stack.stop().await;
}
