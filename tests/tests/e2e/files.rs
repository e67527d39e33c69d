//! Files, in both modes: an upload by an account that may publish (the
//! public gets 401, an analyst 403), its SHA-256 as its id, the same bytes
//! again the same file, the type checked from the bytes (415, 422), the
//! limit (413, declared or streamed), and the download whole, by range
//! (206, 416), cached (304) and never compressed.

use crate::client::Client;
use serde_json::{json, Value};
use sha2::{Digest, Sha256};
use std::io::{Read, Write};

/// A PDF's signature and 300 KiB that do not repeat.
fn pdf() -> Vec<u8> {
    pdf_of(75_000, 0)
}

/// A PDF's signature and `words` × 4 bytes that do not repeat (`seed` makes others).
pub(crate) fn pdf_of(words: u32, seed: u32) -> Vec<u8> {
    let mut bytes = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n".to_vec();
    bytes.extend((0u32..words).flat_map(|i| (i ^ seed).wrapping_mul(2_654_435_761).to_le_bytes()));
    bytes.extend_from_slice(b"\n%%EOF\n");
    bytes
}

pub(crate) fn sha256(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

pub(crate) struct Upload {
    pub status: u16,
    pub body: Value,
}

pub(crate) async fn upload(
    base: &str,
    token: Option<&str>,
    content_type: &str,
    name: &str,
    bytes: Vec<u8>,
) -> Upload {
    let mut request = reqwest::Client::new()
        .post(format!("{base}/api/v1/files"))
        .header("content-type", content_type)
        .header(
            "content-disposition",
            format!("attachment; filename=\"x.bin\"; filename*=UTF-8''{name}"),
        )
        .body(bytes);
    if let Some(t) = token {
        request = request.bearer_auth(t);
    }
    let response = request.send().await.unwrap();
    let status = response.status().as_u16();
    Upload {
        status,
        body: response.json().await.unwrap_or(Value::Null),
    }
}

/// Sends an upload by hand over TCP: `head` (the request line and headers),
/// then `size` bytes as chunks of 64 KiB (chunked transfer coding) when
/// `size` is given; answers the status of the reply.
fn raw(base: &str, head: &str, size: Option<usize>) -> u16 {
    let addr = base.trim_start_matches("http://").to_string();
    let mut tcp = std::net::TcpStream::connect(addr).unwrap();
    tcp.set_read_timeout(Some(std::time::Duration::from_secs(60)))
        .unwrap();
    let mut request = head.as_bytes().to_vec();
    if let Some(size) = size {
        let mut left = size;
        while left > 0 {
            let n = left.min(65_536);
            request.extend_from_slice(format!("{n:x}\r\n").as_bytes());
            request.extend(std::iter::repeat_n(b'a', n));
            request.extend_from_slice(b"\r\n");
            left -= n;
        }
        request.extend_from_slice(b"0\r\n\r\n");
    }
    tcp.write_all(&request).unwrap();
    let mut answer = [0u8; 12];
    tcp.read_exact(&mut answer).unwrap();
    String::from_utf8_lossy(&answer[9..12]).parse().unwrap()
}

/// `limit` is the service's file limit; with `streamed_limit`, a body
/// streamed past it (without a length) is sent too.
async fn scenario(
    commands: &str,
    queries: &str,
    password: &str,
    limit: u64,
    streamed_limit: Option<u64>,
) {
    let s = files(commands, queries, password).await;
    who_may_upload(&s).await;
    let url = the_upload_its_hash_is_its_id(&s).await;
    types_from_the_bytes(&s).await;
    let photo = a_photo_is_written_again_without_what_the_camera_recorded(&s).await;
    the_limit_declared_or_streamed(&s, limit, streamed_limit).await;
    the_download_whole_or_by_range(&s, &url).await;
    a_library_document_whose_version_is_the_file(&s).await;
    a_services_photo_with_its_alternative_text(&s, &photo).await;
    the_audit_shows_who_uploaded_which_bytes(&s).await;
}

/// What the steps of the files scenario share: the services, the
/// administrator (and its token), the PDF uploaded and its hash, a client.
struct Files {
    commands: String,
    queries: String,
    admin: Client,
    token: String,
    bytes: Vec<u8>,
    sha: String,
    http: reqwest::Client,
}

/// The administrator signed in, and a PDF to upload.
async fn files(commands: &str, queries: &str, password: &str) -> Files {
    let admin = Client::new(commands).login("admin", password).await;
    let token = admin.token.clone().unwrap();
    let bytes = pdf();
    let sha = sha256(&bytes);
    Files {
        commands: commands.to_string(),
        queries: queries.to_string(),
        admin,
        token,
        bytes,
        sha,
        http: reqwest::Client::new(),
    }
}

/// Who may upload.
async fn who_may_upload(s: &Files) {
    let Files {
        commands,
        admin,
        bytes,
        ..
    } = s;
    let public = upload(commands, None, "application/pdf", "plan.pdf", bytes.clone()).await;
    assert_eq!(public.status, 401, "{:?}", public.body);
    let analyst = json!({ "login": "analytik", "email": "analytik@example.org", "display_name": "Analytik",
        "password": "heslo-analytika-1", "roles": [{ "role": "analyst", "scope": { "kind": "global" } }] });
    assert_eq!(admin.post("/accounts", analyst).await.status, 201);
    let analyst = Client::new(commands)
        .login("analytik", "heslo-analytika-1")
        .await;
    let refused = upload(
        commands,
        analyst.token.as_deref(),
        "application/pdf",
        "plan.pdf",
        bytes.clone(),
    )
    .await;
    assert_eq!(refused.status, 403, "{:?}", refused.body);
}

/// The upload: its hash is its id; the same bytes again are the same file. Gives its URL.
async fn the_upload_its_hash_is_its_id(s: &Files) -> String {
    let Files {
        commands,
        token,
        bytes,
        sha,
        ..
    } = s;
    let stored = upload(
        commands,
        Some(token),
        "application/pdf",
        "pl%C3%A1n%202026.pdf",
        bytes.clone(),
    )
    .await;
    assert_eq!(stored.status, 201, "{:?}", stored.body);
    assert_eq!(stored.body["sha256"], *sha);
    assert_eq!(stored.body["id"], *sha);
    assert_eq!(stored.body["size"], bytes.len());
    assert_eq!(stored.body["content_type"], "application/pdf");
    let url = stored.body["url"].as_str().unwrap().to_string();
    assert_eq!(url, format!("/api/v1/files/{sha}/pl%C3%A1n%202026.pdf"));
    let again = upload(
        commands,
        Some(token),
        "application/pdf",
        "znovu.pdf",
        bytes.clone(),
    )
    .await;
    assert_eq!((again.status, &again.body["id"]), (200, &stored.body["id"]));
    url
}

/// Types: from the bytes, among those the portal keeps.
async fn types_from_the_bytes(s: &Files) {
    let Files {
        commands,
        token,
        bytes,
        ..
    } = s;
    let png = upload(
        commands,
        Some(token),
        "image/png",
        "obrazek.png",
        bytes.clone(),
    )
    .await;
    assert_eq!(png.status, 422, "{:?}", png.body);
    assert_eq!(png.body["errors"][0]["field"], "content_type");
    let html = upload(
        commands,
        Some(token),
        "text/html",
        "a.html",
        b"<script>".to_vec(),
    )
    .await;
    assert_eq!(html.status, 415, "{:?}", html.body);
    let text = upload(
        commands,
        Some(token),
        "text/plain; charset=utf-8",
        "z%C3%A1pis.txt",
        "Zápis z jednání".as_bytes().to_vec(),
    )
    .await;
    assert_eq!(text.status, 201, "{:?}", text.body);
}

/// A photo: written again without what the camera recorded (the GPS position), with
/// smaller sizes; a broken image is refused. Gives the stored photo.
async fn a_photo_is_written_again_without_what_the_camera_recorded(s: &Files) -> Upload {
    let Files {
        commands,
        queries,
        token,
        ..
    } = s;
    let photo = infra::files::images::jpeg_with_exif(400, 200);
    let contains = |hay: &[u8], needle: &[u8]| hay.windows(needle.len()).any(|w| w == needle);
    assert!(contains(&photo, b"TestCamera GPS"));
    let stored_photo = upload(
        commands,
        Some(token),
        "image/jpeg",
        "dum.jpg",
        photo.clone(),
    )
    .await;
    assert_eq!(stored_photo.status, 201, "{:?}", stored_photo.body);
    assert_ne!(
        stored_photo.body["sha256"],
        sha256(&photo),
        "the original is not kept"
    );
    let kinds: Vec<&str> = stored_photo.body["variants"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v["kind"].as_str().unwrap())
        .collect();
    assert_eq!(kinds, ["web", "thumbnail"]);
    let kept = reqwest::get(format!(
        "{queries}{}",
        stored_photo.body["url"].as_str().unwrap()
    ))
    .await
    .unwrap()
    .bytes()
    .await
    .unwrap();
    assert!(kept.starts_with(&[0xff, 0xd8]), "a JPEG");
    assert!(!contains(&kept, b"TestCamera") && !contains(&kept, b"Exif\0\0"));
    let thumbnail = reqwest::get(format!(
        "{queries}{}",
        stored_photo.body["variants"][1]["url"].as_str().unwrap()
    ))
    .await
    .unwrap();
    assert_eq!(thumbnail.status(), 200);
    assert!(thumbnail.url().path().ends_with("dum-nahled.jpg"));
    let again = upload(commands, Some(token), "image/jpeg", "dum.jpg", photo).await;
    assert_eq!(
        (again.status, &again.body["id"]),
        (200, &stored_photo.body["id"])
    );
    let broken = upload(
        commands,
        Some(token),
        "image/png",
        "x.png",
        b"\x89PNG\r\n\x1a\n\0\0\0\rIHDRbroken".to_vec(),
    )
    .await;
    assert_eq!(broken.status, 422, "{:?}", broken.body);
    stored_photo
}

/// The limit: declared, refused before the body is read; streamed, refused when passed.
async fn the_limit_declared_or_streamed(s: &Files, limit: u64, streamed_limit: Option<u64>) {
    let Files {
        commands, token, ..
    } = s;
    let head = |framing: String| {
        format!("POST /api/v1/files HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {token}\r\nContent-Type: text/plain\r\n{framing}\r\n\r\n")
    };
    let (address, declared) = (
        commands.to_string(),
        head(format!("Content-Length: {}", limit + 1)),
    );
    let status = tokio::task::spawn_blocking(move || raw(&address, &declared, None))
        .await
        .unwrap();
    assert_eq!(status, 413);
    if let Some(small) = streamed_limit {
        let (address, chunked) = (
            commands.to_string(),
            head("Transfer-Encoding: chunked".into()),
        );
        let size = usize::try_from(small).unwrap() + 1;
        let status = tokio::task::spawn_blocking(move || raw(&address, &chunked, Some(size)))
            .await
            .unwrap();
        assert_eq!(status, 413);
    }
}

/// The download: whole, with its type, length, hash and name; never compressed. By range
/// (a video's seeking), cached by its hash.
async fn the_download_whole_or_by_range(s: &Files, url: &str) {
    let Files {
        queries,
        bytes,
        sha,
        http,
        ..
    } = s;
    let whole = http
        .get(format!("{queries}{url}"))
        .header("accept-encoding", "gzip")
        .send()
        .await
        .unwrap();
    assert_eq!(whole.status(), 200);
    let header = |r: &reqwest::Response, name: &str| {
        r.headers()
            .get(name)
            .map(|v| v.to_str().unwrap().to_string())
            .unwrap_or_default()
    };
    assert_eq!(header(&whole, "content-type"), "application/pdf");
    assert_eq!(header(&whole, "content-length"), bytes.len().to_string());
    assert_eq!(header(&whole, "etag"), format!("\"{sha}\""));
    assert!(header(&whole, "cache-control").contains("immutable"));
    assert_eq!(header(&whole, "x-content-type-options"), "nosniff");
    assert_eq!(header(&whole, "accept-ranges"), "bytes");
    assert!(header(&whole, "content-encoding").is_empty());
    assert!(
        header(&whole, "content-disposition").ends_with("filename*=UTF-8''pl%C3%A1n%202026.pdf"),
        "{}",
        header(&whole, "content-disposition")
    );
    assert_eq!(whole.bytes().await.unwrap(), bytes);

    // By range (a video's seeking), cached by its hash.
    let part = http
        .get(format!("{queries}{url}"))
        .header("range", "bytes=100000-100099")
        .send()
        .await
        .unwrap();
    assert_eq!(part.status(), 206);
    assert_eq!(
        header(&part, "content-range"),
        format!("bytes 100000-100099/{}", bytes.len())
    );
    assert_eq!(part.bytes().await.unwrap(), bytes[100_000..100_100]);
    let past = http
        .get(format!("{queries}{url}"))
        .header("range", format!("bytes={}-", bytes.len()))
        .send()
        .await
        .unwrap();
    assert_eq!(past.status(), 416);
    assert_eq!(
        header(&past, "content-range"),
        format!("bytes */{}", bytes.len())
    );
    let cached = http
        .get(format!("{queries}/api/v1/files/{sha}"))
        .header("if-none-match", format!("\"{sha}\""))
        .send()
        .await
        .unwrap();
    assert_eq!(cached.status(), 304);
    let missing = http
        .get(format!("{queries}/api/v1/files/{}", "0".repeat(64)))
        .send()
        .await
        .unwrap();
    assert_eq!(missing.status(), 404);
    let odd = http
        .get(format!("{queries}/api/v1/files/..%2F..%2Fetc%2Fpasswd"))
        .send()
        .await
        .unwrap();
    assert_eq!(odd.status(), 404);
}

/// A document of the library whose version is the file; a file never uploaded is refused.
async fn a_library_document_whose_version_is_the_file(s: &Files) {
    let Files {
        queries,
        admin,
        bytes,
        sha,
        http,
        ..
    } = s;
    let file = json!({ "sha256": sha, "size": bytes.len(), "content_type": "application/pdf" });
    let document = |file: Value| {
        json!({ "info": { "title": "Komunitní plán 2026", "kind": "plan", "territory": "CZ042" },
        "version": { "file": file, "note": "schválená verze" } })
    };
    let forged = json!({ "sha256": "0".repeat(64), "size": 1, "content_type": "application/pdf" });
    assert_eq!(
        admin.post("/documents", document(forged)).await.fields(),
        ["version.file.sha256"]
    );
    let wrong = json!({ "sha256": sha, "size": 1, "content_type": "application/pdf" });
    assert_eq!(
        admin.post("/documents", document(wrong)).await.fields(),
        ["version.file"]
    );
    let registered = admin.post("/documents", document(file.clone())).await;
    assert_eq!(registered.status, 201, "{:?}", registered.body);
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    let page = loop {
        let page = http
            .get(format!("{queries}/dokumenty"))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        if page.contains("Komunitní plán 2026") {
            break page;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "the document is not listed: {page}"
        );
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    };
    let link = format!("/api/v1/files/{sha}/Komunitn%C3%AD%20pl%C3%A1n%202026.pdf");
    assert!(page.contains(&link), "{page}");
    let linked = http.get(format!("{queries}{link}")).send().await.unwrap();
    assert_eq!(linked.status(), 200);
    assert_eq!(linked.bytes().await.unwrap(), bytes);
}

/// A service's photo with its alternative text, shown on its page in its web size.
async fn a_services_photo_with_its_alternative_text(s: &Files, stored_photo: &Upload) {
    let Files {
        queries,
        admin,
        http,
        ..
    } = s;
    let file = json!({ "sha256": s.sha, "size": s.bytes.len(), "content_type": "application/pdf" });
    let provider = json!({ "ico": "00064581", "name": "Charita", "address": { "city": "Děčín", "postcode": "40502" } });
    assert_eq!(admin.post("/providers", provider).await.status, 201);
    let photo_ref = json!({ "sha256": stored_photo.body["sha256"], "size": stored_photo.body["size"], "content_type": "image/jpeg" });
    let service = |media: Value| {
        json!({ "provider_ico": "00064581", "details": { "name": "Azylový dům", "kind": 20,
        "forms": [{ "form": "pob", "capacities": [{ "unit": "luzka", "count": 30 }] }],
        "facilities": [{ "facility_id": "A", "name": "Dům", "address": { "city": "Děčín", "postcode": "40502" } }],
        "media": media } })
    };
    let no_alt = admin
        .post(
            "/services",
            service(json!([{ "file": photo_ref, "alt": " " }])),
        )
        .await;
    assert_eq!(
        no_alt.fields(),
        ["details.media[0].alt"],
        "{:?}",
        no_alt.body
    );
    let not_a_photo = admin
        .post(
            "/services",
            service(json!([{ "file": file, "alt": "plán" }])),
        )
        .await;
    assert_eq!(
        not_a_photo.fields(),
        ["details.media[0].file.content_type"],
        "{:?}",
        not_a_photo.body
    );
    let registered = admin
        .post(
            "/services",
            service(json!([{ "file": photo_ref, "alt": "Společná kuchyně azylového domu" }])),
        )
        .await;
    assert_eq!(registered.status, 201, "{:?}", registered.body);
    let service_id = registered.body["stream_id"].as_str().unwrap().to_string();
    let web = stored_photo.body["variants"][0]["sha256"].as_str().unwrap();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    loop {
        let page = http
            .get(format!("{queries}/sluzby/{service_id}"))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        if page.contains("alt=\"Společná kuchyně azylového domu\"") {
            assert!(
                page.contains(&format!("src=\"/api/v1/files/{web}/")),
                "{page}"
            );
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "no photo on the page: {page}"
        );
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    }
}

/// The audit shows who uploaded which bytes.
async fn the_audit_shows_who_uploaded_which_bytes(s: &Files) {
    let Files { admin, sha, .. } = s;
    let history = admin
        .send(
            reqwest::Method::GET,
            &format!("/audit/streams/file/{sha}"),
            None,
            &[],
        )
        .await;
    assert_eq!(history.status, 200, "{:?}", history.body);
    let text = history.body.to_string();
    assert!(
        text.contains("FileUploaded") && text.contains(sha.as_str()),
        "{text}"
    );
}

/// `command-service check-files` on the distributed services' PostgreSQL.
pub(crate) async fn check_postgres(
    pg: &infra::postgres::PgSettings,
) -> infra::files::check::Report {
    let pg = infra::connect::postgres_event_store(pg).await.unwrap();
    let files: infra::files::DynFileStore = std::sync::Arc::new(
        infra::files::postgres::PostgresFileStore::new(pg.pool().clone())
            .await
            .unwrap(),
    );
    let events: infra::event_store::DynEventStore = std::sync::Arc::new(pg);
    infra::files::check::check(&events, &files).await.unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn files_in_the_embedded_portal() {
    let dir = test_support::TempDir::new();
    let mut settings =
        crate::helpers::portal_settings(&dir, false, crate::helpers::Mail::default());
    settings.http.file_limit = 1024 * 1024;
    let app = crate::helpers::spawn_portal_from(settings).await;
    let password = std::fs::read_to_string(dir.path().join("admin-password")).unwrap();
    scenario(
        &app.base,
        &app.base,
        password.trim(),
        1024 * 1024,
        Some(1024 * 1024),
    )
    .await;
    app.stop().await;
    // Stored once, under its hash; nothing half-written is left.
    let sha = sha256(&pdf());
    assert!(dir.path().join("files").join(&sha[..2]).join(&sha).exists());
    assert_eq!(
        std::fs::read_dir(dir.path().join("files/tmp"))
            .unwrap()
            .count(),
        0
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn files_in_the_distributed_services() {
    let stack = crate::helpers::spawn_distributed().await;
    scenario(
        &stack.commands,
        &stack.queries,
        "admin-password-1",
        100 * 1024 * 1024,
        None,
    )
    .await;
    // Every file the log names is in PostgreSQL, and every stored file is named
    // (`command-service check-files`): the PDF, the text, the photo and its
    // thumbnail (its web size is the photo itself: it is smaller than 1600 px).
    let report = check_postgres(&stack.postgres).await;
    assert!(report.is_sound(), "{report}");
    assert_eq!(
        (report.stored, report.unreferenced.len()),
        (4, 0),
        "{report}"
    );
    stack.stop().await;
}
