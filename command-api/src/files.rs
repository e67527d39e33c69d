//! Files kept by the portal: the answer to an upload.

use serde::{Deserialize, Serialize};

/// A stored file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct StoredFile {
    /// The file's id: the SHA-256 of its bytes.
    pub id: String,
    /// The SHA-256 of its bytes, 64 lowercase hex digits.
    pub sha256: String,
    /// Its size in bytes.
    pub size: u64,
    /// Its type, checked from its bytes.
    pub content_type: String,
    /// Where it is downloaded (a path of the portal, with the file's name).
    pub url: String,
    /// A photo's smaller sizes (`web`, `thumbnail`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub variants: Vec<StoredVariant>,
}

/// A smaller size of a photo.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct StoredVariant {
    /// `web` (at most 1600 px) or `thumbnail` (at most 320 px).
    pub kind: String,
    /// The SHA-256 of its bytes.
    pub sha256: String,
    /// Its size in bytes.
    pub size: u64,
    /// Its type.
    pub content_type: String,
    /// Where it is downloaded.
    pub url: String,
}
