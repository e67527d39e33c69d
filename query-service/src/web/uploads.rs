//! Files sent with the portal's forms (`multipart/form-data`, no
//! JavaScript needed): each file of a form is streamed on, as it arrives,
//! to the command API's `POST /api/v1/files` as the signed-in visitor, and
//! the form goes on as if it had been posted urlencoded, the file's field
//! holding what the upload answered (or why it was refused). The form's
//! own command then names the file by its hash (ADR 0022). A file is never
//! held whole here; its type is checked from its first bytes before it is
//! sent on, so a refused type costs no upload.

use super::commands::Commands;
use super::page::Lang;
use super::refusals;
use axum::body::Body;
use axum::http::StatusCode;
use events::files::{Attachment, FileRef};
use futures_util::{StreamExt, TryStreamExt};
use infra::files::kinds::{self, TypeError};
use serde::{Deserialize, Serialize};

/// A file as its form field holds it after the upload.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Uploaded {
    /// The file.
    #[serde(flatten)]
    pub file: FileRef,
    /// The name it was sent under.
    pub name: String,
}

impl Uploaded {
    /// The file as a record's attachment.
    pub fn attachment(self) -> Attachment {
        Attachment {
            file: self.file,
            name: self.name,
        }
    }
}

/// What a file field holds once its file was sent on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
enum Upload {
    /// Stored.
    Stored(Uploaded),
    /// Refused, with the reason in the form's language.
    Refused(String),
}

/// The file of a form field (`label` names it in a refusal): `None` when
/// no file was chosen.
///
/// # Errors
/// Why the file was refused, or that the field does not hold an upload.
pub fn uploaded(label: &str, value: &str) -> Result<Option<Uploaded>, String> {
    if value.trim().is_empty() {
        return Ok(None);
    }
    match serde_json::from_str::<Upload>(value) {
        Ok(Upload::Stored(u)) => Ok(Some(u)),
        Ok(Upload::Refused(reason)) => Err(format!("{label}: {reason}")),
        Err(_) => Err(format!("{label}: is not a file sent with this form")),
    }
}

/// The files of a field that may hold several (`<input type=file multiple>`).
///
/// # Errors
/// As [`uploaded`], for the first refused one.
pub fn attachments(label: &str, values: &[String]) -> Result<Vec<Attachment>, String> {
    let mut out = Vec::new();
    for v in values {
        if let Some(u) = uploaded(label, v)? {
            out.push(u.attachment());
        }
    }
    Ok(out)
}

/// A file of a record as a page links it.
pub struct FileLink {
    /// Where it is downloaded.
    pub url: String,
    /// Its name.
    pub name: String,
}

/// Links to the public attachments of a record (an article, an event).
pub fn links(attachments: &[Attachment]) -> Vec<FileLink> {
    attachments
        .iter()
        .map(|a| FileLink {
            url: infra::files::url(&a.file.sha256, &a.name),
            name: a.name.clone(),
        })
        .collect()
}

/// Links to the attachments of grant application `id`, at its own route.
pub fn application_links(id: &str, attachments: &[Attachment]) -> Vec<FileLink> {
    attachments
        .iter()
        .map(|a| FileLink {
            url: format!(
                "/api/v1/grants/applications/{}/files/{}/{}",
                infra::files::encoded(id),
                a.file.sha256,
                infra::files::encoded(&a.name)
            ),
            name: a.name.clone(),
        })
        .collect()
}

/// What one file field of a form became.
async fn send_on(
    commands: &Commands,
    token: &str,
    lang: Lang,
    name: String,
    declared: String,
    body: infra::files::ByteStream,
) -> Upload {
    let (head, body) = infra::files::head(body).await;
    if head.is_empty() {
        return Upload::Refused(lang.tr("soubor je prázdný", "the file is empty").into());
    }
    let content_type = match kinds::check(&declared, &head) {
        Ok(t) => t,
        Err(TypeError::NotAccepted(_)) => {
            return Upload::Refused(
                lang.tr(
                    "tento druh souboru portál nepřijímá (PDF, dokumenty Office a ODF, JPEG, PNG, GIF, WebP, MP4, WebM, text)",
                    "the portal does not keep this type of file (PDF, office documents, ODF, JPEG, PNG, GIF, WebP, MP4, WebM, plain text)",
                )
                .into(),
            )
        }
        Err(TypeError::Mismatch(reason)) => {
            return Upload::Refused(match lang {
                Lang::Cs => format!("obsah souboru neodpovídá jeho druhu ({declared})"),
                Lang::En => reason,
            })
        }
    };
    let answer = match commands.upload(token, &name, content_type, body).await {
        Ok(a) => a,
        Err(e) => {
            tracing::warn!(error = %e, "an upload broke off");
            return Upload::Refused(
                lang.tr(
                    "soubor se nepodařilo přenést celý",
                    "the file did not arrive whole",
                )
                .into(),
            );
        }
    };
    match answer.accepted::<command_api::files::StoredFile>() {
        Some(stored) => Upload::Stored(Uploaded {
            file: FileRef {
                sha256: stored.sha256,
                size: stored.size,
                content_type: stored.content_type,
            },
            name,
        }),
        None if answer.status == StatusCode::PAYLOAD_TOO_LARGE => Upload::Refused(
            lang.tr("soubor je příliš velký", "the file is too large")
                .into(),
        ),
        None => Upload::Refused(refusals::in_language(lang, &answer.refusal(lang))),
    }
}

/// Longest text field of a form with files.
const TEXT_LIMIT: u64 = 1 << 20;

/// Reads a `multipart/form-data` body (`content_type` its header): every
/// file sent on as the holder of `token`, the form answered urlencoded,
/// file fields holding their uploads. `None` when the body is not a form
/// with files (then nothing was sent on).
pub async fn read(
    commands: &Commands,
    token: &str,
    content_type: &str,
    body: Body,
) -> Option<Vec<u8>> {
    let boundary = multer::parse_boundary(content_type).ok()?;
    let constraints = multer::Constraints::new().size_limit(
        multer::SizeLimit::new()
            .for_field("lang", 16)
            .per_field(u64::MAX),
    );
    let mut form =
        multer::Multipart::with_constraints(body.into_data_stream(), boundary, constraints);
    let mut fields: Vec<(String, String)> = Vec::new();
    let mut lang = Lang::Cs;
    loop {
        let field = match form.next_field().await {
            Ok(Some(f)) => f,
            Ok(None) => break,
            Err(e) => {
                tracing::debug!(error = %e, "a form with files broke off");
                return None;
            }
        };
        let name = field.name().unwrap_or_default().to_string();
        match field.file_name().map(str::to_string) {
            // A file input left empty sends a part with no name and no bytes.
            Some(file) if file.is_empty() => fields.push((name, String::new())),
            Some(file) => {
                let file = file
                    .rsplit(['/', '\\'])
                    .next()
                    .unwrap_or_default()
                    .to_string();
                let declared = field
                    .content_type()
                    .map(ToString::to_string)
                    .unwrap_or_default();
                let bytes = field.map_err(std::io::Error::other).boxed();
                let upload = send_on(commands, token, lang, file, declared, bytes).await;
                fields.push((name, serde_json::to_string(&upload).unwrap_or_default()));
            }
            None => {
                let mut text = Vec::new();
                let mut field = field;
                while let Ok(Some(chunk)) = field.chunk().await {
                    if (text.len() + chunk.len()) as u64 > TEXT_LIMIT {
                        return None;
                    }
                    text.extend_from_slice(&chunk);
                }
                let text = String::from_utf8_lossy(&text).into_owned();
                if name == "lang" && text == "en" {
                    lang = Lang::En;
                }
                fields.push((name, text));
            }
        }
    }
    serde_html_form::to_string(&fields)
        .ok()
        .map(String::into_bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_field_holds_its_upload_or_why_it_was_refused() {
        let stored = Upload::Stored(Uploaded {
            file: FileRef {
                sha256: "a".repeat(64),
                size: 3,
                content_type: "application/pdf".into(),
            },
            name: "plán.pdf".into(),
        });
        let value = serde_json::to_string(&stored).unwrap();
        let u = uploaded("Soubor", &value).unwrap().unwrap();
        assert_eq!(u.name, "plán.pdf");
        assert_eq!(u.file.size, 3);
        assert_eq!(uploaded("Soubor", "").unwrap(), None);
        let refused =
            serde_json::to_string(&Upload::Refused("soubor je příliš velký".into())).unwrap();
        assert_eq!(
            uploaded("Soubor", &refused).unwrap_err(),
            "Soubor: soubor je příliš velký"
        );
        assert!(uploaded("Soubor", "{\"sha256\":1}").is_err());
        assert_eq!(
            attachments("Přílohy", &[value.clone(), String::new(), value])
                .unwrap()
                .len(),
            2
        );
    }
}
