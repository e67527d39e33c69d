//! The kinds of file the portal keeps, and the check that a file's bytes
//! are what its `Content-Type` says (by their signature, the `infer`
//! crate): documents (PDF, office, ODF), images, MP4/WebM video and plain
//! text. A mismatch is refused, so a file served with its type is that type.

/// The types accepted, with the extension a download suggests.
pub const ACCEPTED: &[(&str, &str)] = &[
    ("application/pdf", "pdf"),
    ("application/msword", "doc"),
    ("application/vnd.ms-excel", "xls"),
    ("application/vnd.ms-powerpoint", "ppt"),
    (
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        "docx",
    ),
    (
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "xlsx",
    ),
    (
        "application/vnd.openxmlformats-officedocument.presentationml.presentation",
        "pptx",
    ),
    ("application/vnd.oasis.opendocument.text", "odt"),
    ("application/vnd.oasis.opendocument.spreadsheet", "ods"),
    ("application/vnd.oasis.opendocument.presentation", "odp"),
    ("image/jpeg", "jpg"),
    ("image/png", "png"),
    ("image/gif", "gif"),
    ("image/webp", "webp"),
    ("video/mp4", "mp4"),
    ("video/webm", "webm"),
    ("text/plain", "txt"),
];

/// How many first bytes the check reads.
pub const HEAD: usize = 8192;

/// Why a file's type is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TypeError {
    /// The declared type is not one the portal keeps (HTTP 415).
    #[error("{0}")]
    NotAccepted(String),
    /// The bytes are not of the declared type (HTTP 422).
    #[error("{0}")]
    Mismatch(String),
}

/// Office formats that are ZIP archives inside (a signature check may see only the ZIP).
fn zipped(t: &str) -> bool {
    t.starts_with("application/vnd.openxmlformats-officedocument.")
        || t.starts_with("application/vnd.oasis.opendocument.")
}

/// Old office formats in an OLE compound file.
fn compound(t: &str) -> bool {
    matches!(
        t,
        "application/msword" | "application/vnd.ms-excel" | "application/vnd.ms-powerpoint"
    )
}

/// Checks the declared `content_type` (parameters ignored) against the
/// file's first bytes `head`; answers the accepted type's canonical name.
///
/// # Errors
/// [`TypeError`], naming the reason.
pub fn check(content_type: &str, head: &[u8]) -> Result<&'static str, TypeError> {
    let declared = content_type
        .split(';')
        .next()
        .unwrap_or_default()
        .trim()
        .to_ascii_lowercase();
    let declared = match declared.as_str() {
        "image/jpg" => "image/jpeg".to_string(),
        // A browser that does not know the file's type says only that it is bytes:
        // then the bytes say what it is, when it is a type they name.
        "" | "application/octet-stream" => match infer::get(head).map(|t| t.mime_type()) {
            Some(sniffed) if ACCEPTED.iter().any(|(t, _)| *t == sniffed) => sniffed.to_string(),
            _ => declared,
        },
        _ => declared,
    };
    let Some((accepted, _)) = ACCEPTED.iter().find(|(t, _)| *t == declared) else {
        return Err(TypeError::NotAccepted(format!(
            "{declared:?} is not a type of file the portal keeps (PDF, office documents, ODF, JPEG, PNG, GIF, WebP, MP4, WebM, plain text)"
        )));
    };
    if *accepted == "text/plain" {
        // Text: UTF-8 (a character cut at the end of the head aside), no NUL.
        let valid = match std::str::from_utf8(head) {
            Ok(_) => true,
            Err(e) => e.error_len().is_none() && head.len() - e.valid_up_to() < 4,
        };
        return if valid && !head.contains(&0) {
            Ok(accepted)
        } else {
            Err(TypeError::Mismatch(
                "the bytes are not UTF-8 text, not the text/plain declared".into(),
            ))
        };
    }
    let sniffed = infer::get(head).map(|t| t.mime_type());
    let fits = match sniffed {
        Some(s) if s == *accepted => true,
        Some("application/zip") => zipped(accepted),
        Some("application/x-ole-storage") => compound(accepted),
        _ => false,
    };
    if fits {
        Ok(accepted)
    } else {
        Err(TypeError::Mismatch(match sniffed {
            Some(s) => format!("the bytes are a {s}, not the {accepted} declared"),
            None => format!("the bytes are not a {accepted}"),
        }))
    }
}

/// The extension a download of `content_type` suggests.
pub fn extension(content_type: &str) -> &'static str {
    ACCEPTED
        .iter()
        .find(|(t, _)| *t == content_type)
        .map_or("bin", |(_, e)| e)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_bytes_must_be_what_the_type_says() {
        let pdf = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj";
        let png = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x01\0\0\0\x01\x08\x06\0\0\0";
        assert_eq!(check("application/pdf", pdf), Ok("application/pdf"));
        assert_eq!(check("image/png; charset=x", png), Ok("image/png"));
        assert!(
            matches!(check("image/png", pdf), Err(TypeError::Mismatch(m)) if m.contains("application/pdf"))
        );
        assert!(matches!(
            check("application/x-msdownload", b"MZ"),
            Err(TypeError::NotAccepted(_))
        ));
        assert!(matches!(
            check("text/html", b"<html>"),
            Err(TypeError::NotAccepted(_))
        ));
        assert_eq!(
            check("text/plain", "Zápis z jednání".as_bytes()),
            Ok("text/plain")
        );
        // A character cut by the end of the head is still text; a NUL is not.
        assert_eq!(check("text/plain", &"žž".as_bytes()[..3]), Ok("text/plain"));
        assert!(check("text/plain", b"a\0b").is_err());
        assert!(check("application/pdf", b"just text").is_err());
        assert_eq!(extension("application/pdf"), "pdf");
        // Bytes of no declared type are what they are, when the portal keeps that.
        assert_eq!(
            check("application/octet-stream", pdf),
            Ok("application/pdf")
        );
        assert_eq!(check("", png), Ok("image/png"));
        assert!(matches!(
            check("application/octet-stream", b"MZ\x90\0"),
            Err(TypeError::NotAccepted(_))
        ));
    }
}
