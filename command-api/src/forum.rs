//! The request bodies of the forum.

use events::forum::{PostText, Section};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// A new thread.
#[derive(Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct OpenThreadBody {
    /// Its id; a new UUID when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub thread_id: Option<Uuid>,
    /// `public` or `professional` (registered accounts only).
    pub section: Section,
    /// Name shown, title and text.
    pub text: PostText,
    /// Without an account: the secret an earlier post answered (a new one is answered otherwise).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub author_secret: Option<String>,
}

/// A new post.
#[derive(Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ReplyBody {
    /// Its id; a new UUID when absent (send one to retry safely).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub post_id: Option<Uuid>,
    /// Name shown and text (no title).
    pub text: PostText,
    /// Without an account: the secret an earlier post answered.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub author_secret: Option<String>,
}

/// An author's own secret.
#[derive(Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AuthorSecretBody {
    /// The secret the author's first post answered.
    pub author_secret: String,
}
