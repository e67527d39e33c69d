//! A forum author's erasure, recorded (the stream is the person's id): the
//! key that sealed the person's posts is destroyed, the log keeps this marker.

use crate::aggregate::Aggregate;
use crate::error::DomainError;
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

/// Whether the person's data was erased.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct ForumAuthor {
    /// Erased.
    pub erased: bool,
}

/// What can be asked of an author's record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ForumAuthorCommand {
    /// Erase the person's data (GDPR).
    Erase,
}

/// What happens to it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type")]
pub enum ForumAuthorEvent {
    /// The person's key was destroyed; their posts cannot be read any more.
    ForumAuthorErased {},
}

impl Aggregate for ForumAuthor {
    const STREAM_TYPE: &'static str = "forum_author";
    type Command = ForumAuthorCommand;
    type Event = ForumAuthorEvent;

    fn apply(&mut self, event: &ForumAuthorEvent) {
        match event {
            ForumAuthorEvent::ForumAuthorErased {} => self.erased = true,
        }
    }

    fn decide(
        &self,
        command: &ForumAuthorCommand,
        _now: OffsetDateTime,
    ) -> Result<Vec<ForumAuthorEvent>, DomainError> {
        match command {
            // Erasing twice records nothing more; the key's deletion is repeated by the service.
            ForumAuthorCommand::Erase if self.erased => Ok(vec![]),
            ForumAuthorCommand::Erase => Ok(vec![ForumAuthorEvent::ForumAuthorErased {}]),
        }
    }
}
