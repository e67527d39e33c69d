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
}
