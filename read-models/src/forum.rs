//! Forum threads as documents (collection `forum_threads`). Posts keep
//! their content sealed: the read model holds no plain personal data, and the
//! query service opens each post with its author's key when it answers, so an
//! erased author is unreadable at once, here as everywhere.

use events::forum::thread::ThreadEvent;
use events::forum::{Author, Sealed, Section};
use events::RecordedEvent;
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use uuid::Uuid;

/// Forum threads.
pub const FORUM_THREADS: &str = "forum_threads";

/// A post as kept.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PostView {
    /// Id.
    pub id: Uuid,
    /// Who wrote it.
    pub author: Author,
    /// The sealed name, title (first post) and text.
    pub content: Sealed,
    /// Hidden by a moderator, with the reason.
    pub hidden: Option<String>,
    /// Written.
    #[serde(with = "time::serde::rfc3339")]
    pub written_at: OffsetDateTime,
    /// Last edited.
    #[serde(default, with = "time::serde::rfc3339::option")]
    pub edited_at: Option<OffsetDateTime>,
}

/// A thread as kept.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ThreadView {
    /// Id.
    pub id: String,
    /// Its section.
    pub section: Section,
    /// Locked, with the reason.
    pub locked: Option<String>,
    /// Hidden by a moderator, with the reason.
    pub hidden: Option<String>,
    /// Posts, first first.
    pub posts: Vec<PostView>,
    /// Last post written or edited, or moderation.
    #[serde(with = "time::serde::rfc3339")]
    pub updated_at: OffsetDateTime,
}

/// A thread after one event (`None`: not opened).
pub fn thread(
    view: Option<ThreadView>,
    e: &RecordedEvent,
    event: ThreadEvent,
) -> Option<ThreadView> {
    let mut view = match (&event, view) {
        (
            ThreadEvent::ThreadOpened {
                section,
                post_id,
                author,
                content,
            },
            _,
        ) => ThreadView {
            id: e.stream.stream_id.clone(),
            section: *section,
            locked: None,
            hidden: None,
            posts: vec![PostView {
                id: *post_id,
                author: *author,
                content: content.clone(),
                hidden: None,
                written_at: e.recorded_at,
                edited_at: None,
            }],
            updated_at: e.recorded_at,
        },
        (_, Some(v)) => v,
        (_, None) => return None,
    };
    match event {
        ThreadEvent::ThreadOpened { .. } => {}
        ThreadEvent::PostWritten {
            post_id,
            author,
            content,
        } => {
            if !view.posts.iter().any(|p| p.id == post_id) {
                view.posts.push(PostView {
                    id: post_id,
                    author,
                    content,
                    hidden: None,
                    written_at: e.recorded_at,
                    edited_at: None,
                });
            }
        }
        ThreadEvent::PostEdited { post_id, content } => {
            if let Some(p) = view.posts.iter_mut().find(|p| p.id == post_id) {
                p.content = content;
                p.edited_at = Some(e.recorded_at);
            }
        }
        ThreadEvent::PostHidden { post_id, reason } => {
            if let Some(p) = view.posts.iter_mut().find(|p| p.id == post_id) {
                p.hidden = Some(reason);
            }
        }
        ThreadEvent::PostRestored { post_id } => {
            if let Some(p) = view.posts.iter_mut().find(|p| p.id == post_id) {
                p.hidden = None;
            }
        }
        ThreadEvent::ThreadLocked { reason } => view.locked = Some(reason),
        ThreadEvent::ThreadUnlocked {} => view.locked = None,
        ThreadEvent::ThreadHidden { reason } => view.hidden = Some(reason),
        ThreadEvent::ThreadRestored {} => view.hidden = None,
    }
    view.updated_at = e.recorded_at;
    Some(view)
}
