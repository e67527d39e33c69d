//! Uploads of files (`POST /api/v1/files`): the body is the file, streamed
//! to the file store without ever being held whole; its type is checked
//! from its first bytes against the declared `Content-Type` and the kinds
//! the portal keeps; the first upload of some bytes is recorded on the
//! `file` stream named by their SHA-256, and the same bytes again answer
//! the same file. A photo is read whole (at most 40 MiB), written again
//! without its metadata and stored with a web size and a thumbnail
//! (ADR 0022).

use super::answers::Problem;
use crate::auth::Principal;
use crate::error::ApiError;
use crate::execute::{execute, CommandContext};
use crate::extract::CommandHeaders;
use crate::state::AppState;
use axum::body::Body;
use axum::extract::State;
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use bytes::Bytes;
use command_api::files::{StoredFile, StoredVariant};
use events::accounts::Role;
use events::files::{File, FileCommand, FileRef, Variant, VariantKind};
use futures_util::StreamExt;
use infra::files::kinds::{self, TypeError};
use infra::files::{images, ByteStream, DynFileStore, PutError};
use utoipa_axum::{router::OpenApiRouter, routes};

pub(super) fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(upload))
}

/// Who may upload: administrators, organisers, providers.
const UPLOADERS: [Role; 4] = [
    Role::Administrator,
    Role::Methodologist,
    Role::Commissioner,
    Role::Provider,
];

fn refuse(status: StatusCode, slug: &str, title: &str, detail: String) -> Response {
    infra::problem::Problem::new(status, slug, title)
        .detail(detail)
        .into_response()
}

/// Decodes `%XX` escapes (RFC 5987 `filename*`).
fn percent_decoded(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = |b: u8| (b as char).to_digit(16);
        if bytes[i] == b'%' && i + 2 < bytes.len() {
            if let (Some(h), Some(l)) = (hex(bytes[i + 1]), hex(bytes[i + 2])) {
                out.push(u8::try_from(h * 16 + l).unwrap_or(b'?'));
                i += 3;
                continue;
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// The file's name from `Content-Disposition` (`filename*=UTF-8''…` before
/// `filename="…"`), without any folder; `None` when there is none.
pub fn file_name(disposition: &str) -> Option<String> {
    let mut plain = None;
    let mut extended = None;
    for part in disposition.split(';').map(str::trim) {
        let Some((key, value)) = part.split_once('=') else {
            continue;
        };
        match key.trim().to_ascii_lowercase().as_str() {
            "filename*" => {
                let value = value.trim().trim_matches('"');
                let (charset, rest) = value.split_once('\'').unwrap_or(("", value));
                let encoded = rest.split_once('\'').map_or(rest, |(_, v)| v);
                if charset.eq_ignore_ascii_case("utf-8") || charset.is_empty() {
                    extended = Some(percent_decoded(encoded));
                }
            }
            "filename" => plain = Some(value.trim().trim_matches('"').to_string()),
            _ => {}
        }
    }
    let name = extended.or(plain)?;
    let name = name.rsplit(['/', '\\']).next().unwrap_or_default().trim();
    let name: String = name.chars().filter(|c| !c.is_control()).collect();
    (!name.is_empty() && name != "." && name != "..").then_some(name)
}

/// Checks that a record's `file` (at `field`) names a file uploaded to
/// this portal, with the size and type it has; answers its upload.
///
/// # Errors
/// 422 naming `field` when it does not; store failures.
pub(crate) async fn check_file(
    state: &AppState,
    field: &str,
    file: &FileRef,
) -> Result<File, ApiError> {
    let (uploaded, _) = crate::execute::load::<File>(state, &file.sha256).await?;
    match &uploaded.file {
        None => Err(ApiError::invalid(
            format!("{field}.sha256"),
            "names no file uploaded to this portal (POST /api/v1/files first)",
        )),
        Some(f) if f.size != file.size || f.content_type != file.content_type => {
            Err(ApiError::invalid(
                field.to_string(),
                format!("the file has {} bytes of {}", f.size, f.content_type),
            ))
        }
        Some(_) => Ok(uploaded),
    }
}

/// Checks each attachment (at `field[i]`) against its upload.
///
/// # Errors
/// 422 naming the file that was not uploaded here; store failures.
pub(crate) async fn check_attachments(
    state: &AppState,
    field: &str,
    attachments: &[events::files::Attachment],
) -> Result<(), ApiError> {
    for (i, a) in attachments.iter().enumerate() {
        check_file(state, &format!("{field}[{i}]"), &a.file).await?;
    }
    Ok(())
}

/// Deletes the files `person` attached to forum posts that nothing else
/// names, each recorded as erased on its `file` stream; to be done while
/// the person's key still opens the posts (a retry finds them again).
///
/// # Errors
/// Store failures.
pub(crate) async fn erase_author_files(
    state: &AppState,
    person: uuid::Uuid,
    erasure: &CommandContext,
) -> Result<usize, ApiError> {
    let theirs = infra::files::erasure::files_of_author(&state.store, &state.personal_keys, person)
        .await
        .map_err(ApiError::Internal)?;
    for sha in &theirs {
        if let Some(files) = &state.files {
            files.store.delete(sha).await.map_err(ApiError::Internal)?;
        }
        // Its own command, in the erasure's correlation (the erasure's idempotency key is the erasure's).
        let headers = CommandHeaders {
            correlation_id: erasure.headers.correlation_id,
            ..CommandHeaders::default()
        };
        let ctx = CommandContext::new(erasure.actor.clone(), headers);
        execute::<File>(
            state,
            sha,
            FileCommand::Erase {
                reason: "the person who attached it was erased".into(),
            },
            &ctx,
            |_, _| Ok(()),
        )
        .await?;
    }
    Ok(theirs.len())
}

/// Checks each photo and video (at `field[i].file`) against its upload and
/// gives photos the smaller sizes made then (whatever the client sent).
///
/// # Errors
/// 422 naming the file that was not uploaded here; store failures.
pub(crate) async fn fill_media(
    state: &AppState,
    field: &str,
    media: &mut [events::registry::service::Media],
) -> Result<(), ApiError> {
    for (i, m) in media.iter_mut().enumerate() {
        let at = format!("{field}[{i}].file");
        m.variants = check_file(state, &at, &m.file).await?.variants;
    }
    Ok(())
}

fn reference(f: &infra::files::StoredFile) -> FileRef {
    FileRef {
        sha256: f.sha256.clone(),
        size: f.size,
        content_type: f.content_type.clone(),
    }
}

/// Stores bytes held in memory.
async fn put_bytes(
    store: &DynFileStore,
    bytes: Vec<u8>,
    content_type: &str,
) -> Result<infra::files::StoredFile, PutError> {
    let body = futures_util::stream::once(async move { Ok(Bytes::from(bytes)) }).boxed();
    store.put(body, u64::MAX, content_type).await
}

/// A photo: read whole (at most `limit` bytes), written again without its
/// metadata, and stored with its smaller sizes; nothing of the original is kept.
async fn put_photo(
    store: &DynFileStore,
    mut body: ByteStream,
    limit: u64,
    content_type: &'static str,
) -> Result<(infra::files::StoredFile, Vec<Variant>), PutError> {
    let mut bytes = Vec::new();
    while let Some(chunk) = body.next().await {
        let chunk = chunk.map_err(PutError::Body)?;
        if (bytes.len() + chunk.len()) as u64 > limit {
            return Err(PutError::TooLarge { limit });
        }
        bytes.extend_from_slice(&chunk);
    }
    let cleaned = tokio::task::spawn_blocking(move || images::clean(&bytes, content_type))
        .await
        .map_err(anyhow::Error::from)?
        .map_err(|e| {
            PutError::Unreadable(format!("the bytes do not read as a {content_type}: {e:#}"))
        })?;
    let main = put_bytes(store, cleaned.main, cleaned.content_type).await?;
    let mut variants = Vec::new();
    for (kind, (bytes, t)) in [
        (VariantKind::Web, cleaned.web),
        (VariantKind::Thumbnail, cleaned.thumbnail),
    ] {
        let stored = put_bytes(store, bytes, t).await?;
        variants.push(Variant {
            kind,
            file: reference(&stored),
        });
    }
    Ok((main, variants))
}

/// Uploads a file: the body is the file, `Content-Type` its type, `Content-Disposition` its name.
#[utoipa::path(post, path = "/files", tag = "files", security(("bearer" = [])),
    request_body(content = Vec<u8>, description = "The file's bytes; `Content-Type` its type (PDF, office documents, ODF, JPEG, PNG, GIF, WebP, MP4, WebM, plain text), `Content-Disposition: attachment; filename=\"…\"` its name", content_type = "application/octet-stream"),
    responses((status = 201, description = "Stored", body = StoredFile), (status = 200, description = "The same bytes were stored before: the same file", body = StoredFile), (status = 401, description = "Not signed in", body = Problem), (status = 403, description = "The account may not publish", body = Problem), (status = 413, description = "Larger than PORTAL_FILE_LIMIT_BYTES", body = Problem), (status = 415, description = "Not a type of file the portal keeps", body = Problem), (status = 422, description = "The bytes are not of the declared type, or the name is not a name", body = Problem), (status = 503, description = "This process keeps no files", body = Problem)))]
pub(super) async fn upload(
    State(state): State<AppState>,
    principal: Principal,
    command: CommandHeaders,
    headers: HeaderMap,
    body: Body,
) -> Result<Response, ApiError> {
    if !principal.has_any(&UPLOADERS) {
        return Err(ApiError::Forbidden(
            "only administrators, methodologists, commissioners and providers upload files".into(),
        ));
    }
    let Some(files) = state.files.clone() else {
        return Err(ApiError::Unavailable("this process keeps no files".into()));
    };
    let declared = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_string();
    let body: ByteStream = body
        .into_data_stream()
        .map(|c| c.map_err(std::io::Error::other))
        .boxed();
    let (head, body) = infra::files::head(body).await;
    let content_type = match kinds::check(&declared, &head) {
        Ok(t) => t,
        Err(TypeError::NotAccepted(reason)) => {
            return Ok(refuse(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "unsupported-media-type",
                "Not a type of file the portal keeps",
                reason,
            ))
        }
        Err(TypeError::Mismatch(reason)) => {
            return Err(ApiError::invalid("content_type", reason));
        }
    };
    let name = headers
        .get(header::CONTENT_DISPOSITION)
        .and_then(|v| v.to_str().ok())
        .and_then(file_name)
        .unwrap_or_else(|| format!("soubor.{}", kinds::extension(content_type)));
    let photo = content_type.starts_with("image/");
    let stored = if photo {
        put_photo(
            &files.store,
            body,
            files.limit.min(images::LIMIT),
            content_type,
        )
        .await
    } else {
        files
            .store
            .put(body, files.limit, content_type)
            .await
            .map(|f| (f, vec![]))
    };
    let (stored, variants) = match stored {
        Ok(s) => s,
        Err(PutError::TooLarge { limit }) => {
            return Ok(refuse(
                StatusCode::PAYLOAD_TOO_LARGE,
                "payload-too-large",
                "The file is too large",
                format!("a file may have at most {limit} bytes"),
            ))
        }
        Err(PutError::Body(e)) => return Err(ApiError::invalid("body", format!("broke off: {e}"))),
        Err(PutError::Unreadable(reason)) => {
            return Err(ApiError::invalid("content_type", reason));
        }
        Err(PutError::Storage(e)) => return Err(ApiError::Internal(e)),
    };
    let file = reference(&stored);
    let ctx = CommandContext::new(principal.actor(), command);
    let result = execute::<File>(
        &state,
        &stored.sha256,
        FileCommand::Upload {
            file,
            name: name.clone(),
            variants: variants.clone(),
        },
        &ctx,
        |_, _| Ok(()),
    )
    .await?;
    let status = if result.events > 0 {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    let stem = name
        .rsplit_once('.')
        .map_or(name.as_str(), |(stem, _)| stem);
    let answer = StoredFile {
        url: infra::files::url(&stored.sha256, &name),
        id: stored.sha256.clone(),
        sha256: stored.sha256,
        size: stored.size,
        content_type: stored.content_type,
        variants: variants
            .into_iter()
            .map(|v| {
                let (kind, suffix) = match v.kind {
                    VariantKind::Web => ("web", "web"),
                    VariantKind::Thumbnail => ("thumbnail", "nahled"),
                };
                let name = format!("{stem}-{suffix}.{}", kinds::extension(&v.file.content_type));
                StoredVariant {
                    kind: kind.into(),
                    url: infra::files::url(&v.file.sha256, &name),
                    sha256: v.file.sha256,
                    size: v.file.size,
                    content_type: v.file.content_type,
                }
            })
            .collect(),
    };
    Ok((
        status,
        [(header::LOCATION, answer.url.clone())],
        Json(answer),
    )
        .into_response())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_name_comes_from_content_disposition_without_a_folder() {
        assert_eq!(
            file_name("attachment; filename=\"plan.pdf\"").as_deref(),
            Some("plan.pdf")
        );
        assert_eq!(
            file_name("attachment; filename=\"plan.pdf\"; filename*=UTF-8''pl%C3%A1n%202026.pdf")
                .as_deref(),
            Some("plán 2026.pdf")
        );
        assert_eq!(
            file_name("attachment; filename=\"C:\\\\x\\\\..\\\\zápis.odt\"").as_deref(),
            Some("zápis.odt")
        );
        assert_eq!(
            file_name("attachment; filename=\"../../\"").as_deref(),
            None
        );
        assert_eq!(file_name("inline").as_deref(), None);
        assert_eq!(
            infra::files::encoded("plán 2026.pdf"),
            "pl%C3%A1n%202026.pdf"
        );
    }
}
