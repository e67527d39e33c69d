//! A file kept by the portal, named by the SHA-256 of its bytes (its
//! stream id): its first upload records who uploaded it, under which name,
//! its size and type. The bytes are in the file store, never in an event;
//! events of other records refer to a file by a [`FileRef`] (ADR 0022).

use crate::aggregate::Aggregate;
use crate::error::{required_text, DomainError, Violations};
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

/// A file as events refer to it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct FileRef {
    /// The SHA-256 of its bytes, 64 lowercase hex digits.
    pub sha256: String,
    /// Its size in bytes.
    pub size: u64,
    /// Its type, checked from its bytes.
    pub content_type: String,
}

/// A file attached to a record (an application, an article, an event, a
/// plan's revision), with the name it is offered under.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Attachment {
    /// The file.
    #[serde(flatten)]
    pub file: FileRef,
    /// Its name, e.g. `rozpocet-2027.xlsx`.
    pub name: String,
}

/// The most files one record carries.
pub const MAX_ATTACHMENTS: usize = 10;

/// Checks the attachments of a record at `field`: at most
/// [`MAX_ATTACHMENTS`], each a hash and a name without a folder.
pub fn check_attachments(v: &mut Violations, field: &str, attachments: &[Attachment]) {
    if attachments.len() > MAX_ATTACHMENTS {
        v.add(field, format!("at most {MAX_ATTACHMENTS} files"));
    }
    for (i, a) in attachments.iter().enumerate() {
        if !is_sha256(&a.file.sha256) {
            v.add(format!("{field}[{i}].sha256"), "is 64 lowercase hex digits");
        }
        check_name(v, &format!("{field}[{i}].name"), &a.name);
    }
}

/// Checks a file's name (at `field`): given, at most 255 characters, without a folder.
fn check_name(v: &mut Violations, field: &str, name: &str) {
    v.check(field, required_text(name, 255));
    if name.contains(['/', '\\', '\n', '\r']) {
        v.add(field, "is a file's name, without a folder");
    }
}

/// What a smaller size of a photo is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum VariantKind {
    /// For pages (at most 1600 px).
    Web,
    /// For lists (at most 320 px).
    Thumbnail,
}

/// A smaller size of a photo, made at its upload.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Variant {
    /// What it is for.
    pub kind: VariantKind,
    /// The file.
    #[serde(flatten)]
    pub file: FileRef,
}

/// The state of a file.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct File {
    /// The file, once uploaded (and not erased since).
    pub file: Option<FileRef>,
    /// The name it was first uploaded under.
    pub name: Option<String>,
    /// Its smaller sizes (a photo's).
    pub variants: Vec<Variant>,
}

/// What can be asked of a file.
#[derive(Debug, Clone, PartialEq)]
pub enum FileCommand {
    /// Record an upload (the same bytes again record nothing).
    Upload {
        /// The stored file.
        file: FileRef,
        /// Its name, e.g. `komunitni-plan-2026.pdf`.
        name: String,
        /// Its smaller sizes (a photo's).
        variants: Vec<Variant>,
    },
    /// Record that its bytes were deleted (the person who attached it was
    /// erased); the same bytes may be uploaded again later.
    Erase {
        /// Why.
        reason: String,
    },
}

/// What happens to a file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type")]
pub enum FileEvent {
    /// Uploaded for the first time.
    FileUploaded {
        /// The file.
        #[serde(flatten)]
        file: FileRef,
        /// Its name.
        name: String,
        /// Its smaller sizes (a photo's).
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        variants: Vec<Variant>,
    },
    /// Its bytes were deleted from the store.
    FileErased {
        /// Why.
        reason: String,
    },
}

/// Whether `s` is a SHA-256 as files are named (64 lowercase hex digits).
pub fn is_sha256(s: &str) -> bool {
    s.len() == 64 && s.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
}

impl Aggregate for File {
    const STREAM_TYPE: &'static str = "file";
    type Command = FileCommand;
    type Event = FileEvent;

    fn apply(&mut self, event: &FileEvent) {
        match event {
            FileEvent::FileUploaded {
                file,
                name,
                variants,
            } => {
                self.file = Some(file.clone());
                self.name = Some(name.clone());
                self.variants.clone_from(variants);
            }
            FileEvent::FileErased { .. } => *self = Self::default(),
        }
    }

    fn decide(
        &self,
        command: &FileCommand,
        _now: OffsetDateTime,
    ) -> Result<Vec<FileEvent>, DomainError> {
        let (file, name, variants) = match command {
            FileCommand::Upload {
                file,
                name,
                variants,
            } => (file, name, variants),
            FileCommand::Erase { reason } => {
                if self.file.is_none() {
                    return Ok(vec![]);
                }
                let mut v = Violations::new();
                v.check("reason", required_text(reason, 1000));
                v.finish()?;
                return Ok(vec![FileEvent::FileErased {
                    reason: reason.trim().to_string(),
                }]);
            }
        };
        if self.file.is_some() {
            return Ok(vec![]);
        }
        let mut v = Violations::new();
        for (i, f) in std::iter::once(file)
            .chain(variants.iter().map(|v| &v.file))
            .enumerate()
        {
            if !is_sha256(&f.sha256) {
                let field = if i == 0 {
                    "sha256".to_string()
                } else {
                    format!("variants[{}].sha256", i - 1)
                };
                v.add(field, "is 64 lowercase hex digits");
            }
        }
        check_name(&mut v, "name", name);
        v.finish()?;
        Ok(vec![FileEvent::FileUploaded {
            file: file.clone(),
            name: name.clone(),
            variants: variants.clone(),
        }])
    }
}
