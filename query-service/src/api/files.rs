//! Downloads of files (`GET /api/v1/files/{sha256}/{name}`): streamed from
//! the file store with their type, `Content-Length`, the hash as `ETag`,
//! `Cache-Control: immutable` (the bytes of a hash never change), HTTP
//! ranges (206, for video seeking) and `Content-Disposition` with the name
//! (ADR 0022). Files are public once uploaded; what may see an upload is
//! decided by the records that refer to it: a file attached to a grant
//! application is served only at the application's own route, to those
//! who may see the application.

use super::QueryState;
use axum::body::Body;
use axum::extract::{Path, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use events::accounts::account::Account;
use events::accounts::role::{Role, Scope};
use infra::files::kinds;
use infra::problem::Problem;
use std::ops::Range;

pub(super) fn routes() -> Router<QueryState> {
    Router::new()
        .route("/files/{sha256}", get(unnamed))
        .route("/files/{sha256}/{name}", get(named))
        .route(
            "/grants/applications/{id}/files/{sha256}/{name}",
            get(attachment),
        )
}

/// The byte range a `Range` header asks of a file of `size` bytes: `None`
/// for the whole file (no header, or several ranges, which may be
/// answered whole), `Some(Err(()))` when it cannot be satisfied.
pub fn range(header: Option<&str>, size: u64) -> Option<Result<Range<u64>, ()>> {
    let spec = header?.trim().strip_prefix("bytes=")?;
    if spec.contains(',') {
        return None;
    }
    let (from, to) = spec.split_once('-')?;
    let (from, to) = (from.trim(), to.trim());
    let parsed = match (from.is_empty(), to.is_empty()) {
        (true, true) => return Some(Err(())),
        // The last `to` bytes.
        (true, false) => to
            .parse::<u64>()
            .ok()
            .filter(|n| *n > 0)
            .map(|n| size.saturating_sub(n)..size),
        (false, _) => {
            let start = from.parse::<u64>().ok();
            let end = if to.is_empty() {
                Some(size)
            } else {
                to.parse::<u64>()
                    .ok()
                    .map(|e| e.saturating_add(1).min(size))
            };
            start.zip(end).map(|(s, e)| s..e)
        }
    };
    Some(match parsed {
        Some(r) if r.start < r.end && r.start < size => Ok(r),
        _ => Err(()),
    })
}

/// `Content-Disposition`: shown in the browser (PDF, images, video, text) or saved, with the name.
fn disposition(content_type: &str, name: &str) -> String {
    let shown = content_type == "application/pdf"
        || content_type.starts_with("image/")
        || content_type.starts_with("video/")
        || content_type == "text/plain";
    let ascii: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_graphic() && c != '"' && c != '\\' || c == ' ' {
                c
            } else {
                '_'
            }
        })
        .collect();
    let encoded = infra::files::encoded(name);
    format!(
        "{}; filename=\"{ascii}\"; filename*=UTF-8''{encoded}",
        if shown { "inline" } else { "attachment" }
    )
}

/// A file by its hash.
#[utoipa::path(get, path = "/api/v1/files/{sha256}", tag = "files", params(("sha256" = String, Path, description = "The SHA-256 of the file's bytes")), responses((status = 200, description = "The file (`Range: bytes=…` asks for a part)", body = Vec<u8>, content_type = "application/octet-stream"), (status = 206, description = "The part asked for, with `Content-Range`", body = Vec<u8>, content_type = "application/octet-stream"), (status = 304, description = "Not modified (`If-None-Match` names its hash)"), (status = 404, description = "No such file", body = crate::api::openapi::Problem), (status = 416, description = "The range is not within the file", body = crate::api::openapi::Problem), (status = 503, description = "This process keeps no files", body = crate::api::openapi::Problem)))]
pub(super) async fn unnamed(
    State(state): State<QueryState>,
    Path(sha256): Path<String>,
    headers: HeaderMap,
) -> Response {
    if !public(&state, &sha256) {
        return no_file();
    }
    serve(&state, &sha256, None, &headers).await
}

/// A file by its hash, saved under `name`.
#[utoipa::path(get, path = "/api/v1/files/{sha256}/{name}", tag = "files", params(("sha256" = String, Path, description = "The SHA-256 of the file's bytes"), ("name" = String, Path, description = "The name to save it under")), responses((status = 200, description = "The file (`Range: bytes=…` asks for a part)", body = Vec<u8>, content_type = "application/octet-stream"), (status = 206, description = "The part asked for, with `Content-Range`", body = Vec<u8>, content_type = "application/octet-stream"), (status = 304, description = "Not modified (`If-None-Match` names its hash)"), (status = 404, description = "No such file", body = crate::api::openapi::Problem), (status = 416, description = "The range is not within the file", body = crate::api::openapi::Problem), (status = 503, description = "This process keeps no files", body = crate::api::openapi::Problem)))]
pub(super) async fn named(
    State(state): State<QueryState>,
    Path((sha256, name)): Path<(String, String)>,
    headers: HeaderMap,
) -> Response {
    if !public(&state, &sha256) {
        return no_file();
    }
    serve(&state, &sha256, Some(&name), &headers).await
}

/// Whether the public may download a file: not when it is attached to a
/// grant application (then only its own route serves it), unless a public
/// record names the same bytes too.
fn public(state: &QueryState, sha256: &str) -> bool {
    let index = state.indexer.read();
    index.applications_with(sha256).is_none() || index.published(sha256)
}

/// A file attached to a grant application, for its applicant, the call's
/// commissioners, auditors and administrators (a bearer token or the
/// portal's session cookie).
#[utoipa::path(get, path = "/api/v1/grants/applications/{id}/files/{sha256}/{name}", tag = "grants", security(("bearer" = [])), description = "For the applicant's accounts, the commissioners of the call's territory, auditors and administrators: `Authorization: Bearer <token>` or the portal's session cookie.", params(("id" = String, Path, description = "The application"), ("sha256" = String, Path, description = "The SHA-256 of the attached file"), ("name" = String, Path, description = "The name to save it under")), responses((status = 200, description = "The file", body = Vec<u8>, content_type = "application/octet-stream"), (status = 206, description = "The part asked for", body = Vec<u8>, content_type = "application/octet-stream"), (status = 401, description = "Not signed in", body = crate::api::openapi::Problem), (status = 404, description = "No such application, or the file is not attached to it, or the account may not see it", body = crate::api::openapi::Problem)))]
pub(super) async fn attachment(
    State(state): State<QueryState>,
    Path((id, sha256, name)): Path<(String, String, String)>,
    headers: HeaderMap,
) -> Response {
    let Some(check) = state.forum.as_ref().and_then(|f| f.accounts.as_ref()) else {
        return no_file();
    };
    let bearer = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .map(str::to_string)
        .or_else(|| crate::web::session_token(&headers).map(|t| format!("Bearer {t}")));
    let account = match check.admitted(bearer.as_deref()).await {
        Ok((_, account)) => account,
        Err(e) => {
            return Problem::new(
                StatusCode::UNAUTHORIZED,
                "unauthorized",
                "Authentication is required",
            )
            .detail(e.to_string())
            .into_response()
        }
    };
    let allowed = {
        let index = state.indexer.read();
        index.grant_applications.get(&id).is_some_and(|a| {
            let territory = index
                .grant_calls
                .get(&a.details.call_id)
                .map(|c| c.details.territory.as_str());
            a.details
                .attachments
                .iter()
                .any(|f| f.file.sha256 == sha256)
                && sees_application(&account, &a.details.provider_ico, territory)
        })
    };
    if !allowed {
        // Not told apart from a file that is not there: the hash says nothing to a stranger.
        return no_file();
    }
    let mut response = serve(&state, &sha256, Some(&name), &headers).await;
    // Not for shared caches: the next visitor may not see it.
    response.headers_mut().insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("private, max-age=3600"),
    );
    response
}

/// Whether `account` sees the files of an application of the provider
/// `ico` to a call of `territory`: the applicant's accounts, the
/// commissioners of the territory, auditors and administrators.
pub fn sees_application(account: &Account, ico: &str, territory: Option<&str>) -> bool {
    account.roles.iter().any(|g| match (&g.role, &g.scope) {
        (Role::Administrator | Role::Auditor, _) => true,
        (Role::Provider, Scope::Provider(p)) => p == ico,
        (Role::Commissioner, Scope::Kraj(t) | Scope::Municipality(t)) => {
            Some(t.as_str()) == territory
        }
        _ => false,
    })
}

fn no_file() -> Response {
    Problem::new(StatusCode::NOT_FOUND, "not-found", "No such file").into_response()
}

/// Streams a file, whole or the range asked for.
async fn serve(
    state: &QueryState,
    sha256: &str,
    name: Option<&str>,
    headers: &HeaderMap,
) -> Response {
    let Some(files) = &state.files else {
        return Problem::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "unavailable",
            "This process keeps no files",
        )
        .into_response();
    };
    if !infra::files::is_sha256(sha256) {
        return no_file();
    }
    let stored = match files.stat(sha256).await {
        Ok(Some(f)) => f,
        Ok(None) => return no_file(),
        Err(e) => return Problem::internal(e.as_ref() as &dyn std::error::Error).into_response(),
    };
    let etag = format!("\"{sha256}\"");
    let mut out = HeaderMap::new();
    let mut set = |name: header::HeaderName, value: &str| {
        if let Ok(v) = HeaderValue::from_str(value) {
            out.insert(name, v);
        }
    };
    set(header::ETAG, &etag);
    set(header::CACHE_CONTROL, "public, max-age=31536000, immutable");
    set(header::ACCEPT_RANGES, "bytes");
    let fallback = format!("soubor.{}", kinds::extension(&stored.content_type));
    set(
        header::CONTENT_DISPOSITION,
        &disposition(&stored.content_type, name.unwrap_or(&fallback)),
    );
    let not_modified = headers
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.split(',').any(|t| t.trim() == etag || t.trim() == "*"));
    if not_modified {
        return (StatusCode::NOT_MODIFIED, out).into_response();
    }
    let asked = range(
        headers.get(header::RANGE).and_then(|v| v.to_str().ok()),
        stored.size,
    );
    let (status, bytes) = match asked {
        None => (StatusCode::OK, 0..stored.size),
        Some(Ok(r)) => {
            set(
                header::CONTENT_RANGE,
                &format!("bytes {}-{}/{}", r.start, r.end - 1, stored.size),
            );
            (StatusCode::PARTIAL_CONTENT, r)
        }
        Some(Err(())) => {
            set(header::CONTENT_RANGE, &format!("bytes */{}", stored.size));
            let problem = Problem::new(
                StatusCode::RANGE_NOT_SATISFIABLE,
                "range-not-satisfiable",
                "The range is not within the file",
            )
            .detail(format!("the file has {} bytes", stored.size));
            return (out, problem).into_response();
        }
    };
    set(header::CONTENT_TYPE, &stored.content_type);
    set(
        header::CONTENT_LENGTH,
        &(bytes.end - bytes.start).to_string(),
    );
    match files.read(sha256, bytes).await {
        Ok(Some(stream)) => (status, out, Body::from_stream(stream)).into_response(),
        Ok(None) => no_file(),
        Err(e) => Problem::internal(e.as_ref() as &dyn std::error::Error).into_response(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges_are_read_as_rfc_9110_says() {
        assert_eq!(range(None, 100), None);
        assert_eq!(range(Some("bytes=0-9"), 100), Some(Ok(0..10)));
        assert_eq!(range(Some("bytes=90-"), 100), Some(Ok(90..100)));
        assert_eq!(range(Some("bytes=-5"), 100), Some(Ok(95..100)));
        assert_eq!(range(Some("bytes=90-1000"), 100), Some(Ok(90..100)));
        assert_eq!(range(Some("bytes=100-"), 100), Some(Err(())));
        assert_eq!(range(Some("bytes=9-3"), 100), Some(Err(())));
        assert_eq!(range(Some("bytes=x-3"), 100), Some(Err(())));
        assert_eq!(range(Some("bytes=0-1,5-6"), 100), None);
        assert_eq!(range(Some("items=0-1"), 100), None);
    }

    #[test]
    fn the_name_is_given_for_every_browser() {
        assert_eq!(
            disposition("application/pdf", "plán 2026.pdf"),
            "inline; filename=\"pl_n 2026.pdf\"; filename*=UTF-8''pl%C3%A1n%202026.pdf"
        );
        assert!(
            disposition("application/vnd.oasis.opendocument.text", "a\"b.odt")
                .starts_with("attachment; filename=\"a_b.odt\"")
        );
    }
}
