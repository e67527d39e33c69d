//! The forum: threads of posts in a public section (anyone, no account
//! needed) and a professional section (registered accounts). Moderators hide
//! posts and threads and lock threads; each step is an event.
//!
//! What a person wrote (name shown, title, text) is personal data: it never
//! enters an event in plain form. The command service seals it under the
//! author's own key ([`Sealed`]); erasing the key (crypto-shredding) makes
//! every post of that person unreadable without rewriting the log.

pub mod author;
pub mod thread;

use crate::error::{required_text, DomainError, Violations};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// The forum's sections.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum Section {
    /// Readable and writable without an account.
    Public,
    /// For registered accounts only.
    Professional,
}

/// Who wrote a post: the person whose key seals it, and the account when
/// one was signed in (its id is pseudonymous; for accounts it is also the person).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Author {
    /// The person (key holder).
    pub person: Uuid,
    /// The account, when the author was signed in.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub account: Option<Uuid>,
}

/// Personal content sealed under its author's key (XChaCha20-Poly1305,
/// base64 without padding; the person's id is the associated data).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Sealed {
    /// The nonce.
    pub nonce: String,
    /// The ciphertext with its tag.
    pub ciphertext: String,
}

/// What an author writes, in plain form (only ever in a request, never in
/// the log).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PostText {
    /// The name shown with the post (a nickname will do).
    pub name: String,
    /// The thread's title (only for the first post).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    /// The text.
    pub body: String,
    /// Files that go with it (sealed with the text: who attached what is
    /// the author's, and goes with the author's key).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub attachments: Vec<crate::files::Attachment>,
}

/// The most files of one post.
pub const MAX_POST_FILES: usize = 4;

impl PostText {
    /// Checks the fields; `opening` says whether this is a thread's first post (which needs a title).
    ///
    /// # Errors
    /// [`DomainError::Invalid`] naming each field.
    pub fn check(&self, opening: bool) -> Result<(), DomainError> {
        let mut v = Violations::new();
        v.check("name", required_text(&self.name, 80));
        if self.name.contains('\n') {
            v.add("name", "must be one line");
        }
        match (&self.title, opening) {
            (Some(t), true) => {
                v.check("title", required_text(t, 200));
            }
            (None, true) => v.add("title", "a new thread needs a title"),
            (Some(_), false) => v.add("title", "only a new thread has a title"),
            (None, false) => {}
        }
        v.check("body", required_text(&self.body, 10_000));
        if self.attachments.len() > MAX_POST_FILES {
            v.add("attachments", format!("at most {MAX_POST_FILES} files"));
        } else {
            crate::files::check_attachments(&mut v, "attachments", &self.attachments);
        }
        v.finish()
    }
}
