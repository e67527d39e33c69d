//! A forum thread and its posts (the stream is the thread's id).

use super::{Author, Sealed, Section};
use crate::aggregate::Aggregate;
use crate::error::{required_text, DomainError, Violations};
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use uuid::Uuid;

/// A post as the thread knows it (its content stays sealed in the events).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PostState {
    /// Id.
    pub id: Uuid,
    /// Who wrote it.
    pub author: Author,
    /// Hidden by a moderator.
    pub hidden: bool,
}

/// The state of a thread.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Thread {
    /// Opened.
    pub exists: bool,
    /// Its section.
    pub section: Option<Section>,
    /// Locked (no more posts or edits), with the reason.
    pub locked: Option<String>,
    /// Hidden by a moderator, with the reason.
    pub hidden: Option<String>,
    /// Posts, first first.
    pub posts: Vec<PostState>,
}

impl Thread {
    /// The post with this id.
    pub fn post(&self, id: Uuid) -> Option<&PostState> {
        self.posts.iter().find(|p| p.id == id)
    }
}

/// What can be asked of a thread.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ThreadCommand {
    /// Open a thread with its first post.
    Open {
        /// The section.
        section: Section,
        /// The first post's id.
        post_id: Uuid,
        /// Who writes.
        author: Author,
        /// Name, title and text, sealed.
        content: Sealed,
    },
    /// Add a post.
    Reply {
        /// The post's id.
        post_id: Uuid,
        /// Who writes.
        author: Author,
        /// Name and text, sealed.
        content: Sealed,
    },
    /// Replace a post's content (its author; the service checks who asks).
    Edit {
        /// The post.
        post_id: Uuid,
        /// The new content, sealed.
        content: Sealed,
    },
    /// Hide a post (moderation).
    HidePost {
        /// The post.
        post_id: Uuid,
        /// Why.
        reason: String,
    },
    /// Show a hidden post again.
    RestorePost {
        /// The post.
        post_id: Uuid,
    },
    /// Lock the thread.
    Lock {
        /// Why.
        reason: String,
    },
    /// Unlock it.
    Unlock,
    /// Hide the whole thread.
    Hide {
        /// Why.
        reason: String,
    },
    /// Show it again.
    Restore,
}

/// What happens to a thread.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type")]
pub enum ThreadEvent {
    /// Opened with its first post.
    ThreadOpened {
        /// The section.
        section: Section,
        /// The first post.
        post_id: Uuid,
        /// Who wrote it.
        author: Author,
        /// Sealed name, title and text.
        content: Sealed,
    },
    /// A post was added.
    PostWritten {
        /// The post.
        post_id: Uuid,
        /// Who wrote it.
        author: Author,
        /// Sealed name and text.
        content: Sealed,
    },
    /// A post was edited by its author.
    PostEdited {
        /// The post.
        post_id: Uuid,
        /// Sealed new content.
        content: Sealed,
    },
    /// A moderator hid a post.
    PostHidden {
        /// The post.
        post_id: Uuid,
        /// Why.
        reason: String,
    },
    /// A moderator showed it again.
    PostRestored {
        /// The post.
        post_id: Uuid,
    },
    /// A moderator locked the thread.
    ThreadLocked {
        /// Why.
        reason: String,
    },
    /// A moderator unlocked it.
    ThreadUnlocked {},
    /// A moderator hid the thread.
    ThreadHidden {
        /// Why.
        reason: String,
    },
    /// A moderator showed it again.
    ThreadRestored {},
}

fn check_reason(reason: &str) -> Result<String, DomainError> {
    let mut v = Violations::new();
    v.check("reason", required_text(reason, 1000));
    v.finish()?;
    Ok(reason.trim().to_string())
}

impl Thread {
    fn live(&self) -> Result<(), DomainError> {
        if !self.exists || self.hidden.is_some() {
            return Err(DomainError::NotFound("the thread".into()));
        }
        Ok(())
    }

    fn open_for_writing(&self) -> Result<(), DomainError> {
        self.live()?;
        if self.locked.is_some() {
            return Err(DomainError::Rejected("the thread is locked".into()));
        }
        Ok(())
    }

    fn existing_post(&self, id: Uuid) -> Result<&PostState, DomainError> {
        if !self.exists {
            return Err(DomainError::NotFound("the thread".into()));
        }
        self.post(id)
            .ok_or_else(|| DomainError::NotFound("the post".into()))
    }
}

fn account_needed(section: Section, author: &Author) -> Result<(), DomainError> {
    if section == Section::Professional && author.account.is_none() {
        return Err(DomainError::Rejected(
            "the professional section is for registered accounts".into(),
        ));
    }
    Ok(())
}

impl Aggregate for Thread {
    const STREAM_TYPE: &'static str = "forum_thread";
    type Command = ThreadCommand;
    type Event = ThreadEvent;

    fn apply(&mut self, event: &ThreadEvent) {
        match event {
            ThreadEvent::ThreadOpened {
                section,
                post_id,
                author,
                ..
            } => {
                self.exists = true;
                self.section = Some(*section);
                self.posts.push(PostState {
                    id: *post_id,
                    author: *author,
                    hidden: false,
                });
            }
            ThreadEvent::PostWritten {
                post_id, author, ..
            } => self.posts.push(PostState {
                id: *post_id,
                author: *author,
                hidden: false,
            }),
            ThreadEvent::PostEdited { .. } => {}
            ThreadEvent::PostHidden { post_id, .. } | ThreadEvent::PostRestored { post_id } => {
                let hidden = matches!(event, ThreadEvent::PostHidden { .. });
                if let Some(p) = self.posts.iter_mut().find(|p| p.id == *post_id) {
                    p.hidden = hidden;
                }
            }
            ThreadEvent::ThreadLocked { reason } => self.locked = Some(reason.clone()),
            ThreadEvent::ThreadUnlocked {} => self.locked = None,
            ThreadEvent::ThreadHidden { reason } => self.hidden = Some(reason.clone()),
            ThreadEvent::ThreadRestored {} => self.hidden = None,
        }
    }

    fn decide(
        &self,
        command: &ThreadCommand,
        _now: OffsetDateTime,
    ) -> Result<Vec<ThreadEvent>, DomainError> {
        match command {
            ThreadCommand::Open {
                section,
                post_id,
                author,
                content,
            } => {
                if self.exists {
                    return Err(DomainError::AlreadyExists("the thread".into()));
                }
                account_needed(*section, author)?;
                Ok(vec![ThreadEvent::ThreadOpened {
                    section: *section,
                    post_id: *post_id,
                    author: *author,
                    content: content.clone(),
                }])
            }
            ThreadCommand::Reply {
                post_id,
                author,
                content,
            } => {
                self.open_for_writing()?;
                account_needed(self.section.unwrap_or(Section::Public), author)?;
                if self.post(*post_id).is_some() {
                    return Err(DomainError::AlreadyExists("the post".into()));
                }
                Ok(vec![ThreadEvent::PostWritten {
                    post_id: *post_id,
                    author: *author,
                    content: content.clone(),
                }])
            }
            ThreadCommand::Edit { post_id, content } => {
                self.open_for_writing()?;
                let post = self.existing_post(*post_id)?;
                if post.hidden {
                    return Err(DomainError::Rejected(
                        "a hidden post cannot be edited".into(),
                    ));
                }
                Ok(vec![ThreadEvent::PostEdited {
                    post_id: *post_id,
                    content: content.clone(),
                }])
            }
            ThreadCommand::HidePost { post_id, reason } => {
                let post = self.existing_post(*post_id)?;
                let reason = check_reason(reason)?;
                if post.hidden {
                    return Ok(vec![]);
                }
                Ok(vec![ThreadEvent::PostHidden {
                    post_id: *post_id,
                    reason,
                }])
            }
            ThreadCommand::RestorePost { post_id } => {
                let post = self.existing_post(*post_id)?;
                if !post.hidden {
                    return Ok(vec![]);
                }
                Ok(vec![ThreadEvent::PostRestored { post_id: *post_id }])
            }
            ThreadCommand::Lock { reason } => {
                self.live()?;
                let reason = check_reason(reason)?;
                if self.locked.is_some() {
                    return Ok(vec![]);
                }
                Ok(vec![ThreadEvent::ThreadLocked { reason }])
            }
            ThreadCommand::Unlock => {
                self.live()?;
                if self.locked.is_none() {
                    return Ok(vec![]);
                }
                Ok(vec![ThreadEvent::ThreadUnlocked {}])
            }
            ThreadCommand::Hide { reason } => {
                if !self.exists {
                    return Err(DomainError::NotFound("the thread".into()));
                }
                let reason = check_reason(reason)?;
                if self.hidden.is_some() {
                    return Ok(vec![]);
                }
                Ok(vec![ThreadEvent::ThreadHidden { reason }])
            }
            ThreadCommand::Restore => {
                if !self.exists {
                    return Err(DomainError::NotFound("the thread".into()));
                }
                if self.hidden.is_none() {
                    return Ok(vec![]);
                }
                Ok(vec![ThreadEvent::ThreadRestored {}])
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    const NOW: OffsetDateTime = datetime!(2026-11-23 12:00 UTC);

    fn sealed(s: &str) -> Sealed {
        Sealed {
            nonce: "n".into(),
            ciphertext: s.into(),
        }
    }

    fn anonymous() -> Author {
        Author {
            person: Uuid::from_u128(7),
            account: None,
        }
    }

    fn run(t: &mut Thread, c: ThreadCommand) -> Result<Vec<ThreadEvent>, DomainError> {
        let events = t.decide(&c, NOW)?;
        for e in &events {
            t.apply(e);
        }
        Ok(events)
    }

    fn opened(section: Section, author: Author) -> Result<Thread, DomainError> {
        let mut t = Thread::default();
        run(
            &mut t,
            ThreadCommand::Open {
                section,
                post_id: Uuid::from_u128(1),
                author,
                content: sealed("first"),
            },
        )?;
        Ok(t)
    }

    #[test]
    fn the_professional_section_needs_an_account() {
        assert_eq!(
            opened(Section::Professional, anonymous()),
            Err(DomainError::Rejected(
                "the professional section is for registered accounts".into()
            ))
        );
        let member = Author {
            person: Uuid::from_u128(9),
            account: Some(Uuid::from_u128(9)),
        };
        let mut t = opened(Section::Professional, member).unwrap();
        let reply = ThreadCommand::Reply {
            post_id: Uuid::from_u128(2),
            author: anonymous(),
            content: sealed("x"),
        };
        assert!(matches!(run(&mut t, reply), Err(DomainError::Rejected(_))));
    }

    #[test]
    fn a_locked_thread_takes_no_posts_and_moderation_repeats_harmlessly() {
        let mut t = opened(Section::Public, anonymous()).unwrap();
        let lock = ThreadCommand::Lock {
            reason: "off topic".into(),
        };
        assert_eq!(run(&mut t, lock.clone()).unwrap().len(), 1);
        assert_eq!(run(&mut t, lock).unwrap(), vec![]);
        let reply = ThreadCommand::Reply {
            post_id: Uuid::from_u128(2),
            author: anonymous(),
            content: sealed("x"),
        };
        assert_eq!(
            run(&mut t, reply.clone()),
            Err(DomainError::Rejected("the thread is locked".into()))
        );
        run(&mut t, ThreadCommand::Unlock).unwrap();
        assert_eq!(run(&mut t, reply.clone()).unwrap().len(), 1);
        assert_eq!(
            run(&mut t, reply),
            Err(DomainError::AlreadyExists("the post".into()))
        );
    }

    #[test]
    fn hidden_posts_cannot_be_edited_and_hiding_needs_a_reason() {
        let mut t = opened(Section::Public, anonymous()).unwrap();
        let id = Uuid::from_u128(1);
        assert!(matches!(
            run(
                &mut t,
                ThreadCommand::HidePost {
                    post_id: id,
                    reason: " ".into()
                }
            ),
            Err(DomainError::Invalid(e)) if e[0].field == "reason"
        ));
        run(
            &mut t,
            ThreadCommand::HidePost {
                post_id: id,
                reason: "insults".into(),
            },
        )
        .unwrap();
        assert!(t.post(id).unwrap().hidden);
        let edit = ThreadCommand::Edit {
            post_id: id,
            content: sealed("y"),
        };
        assert!(matches!(
            run(&mut t, edit.clone()),
            Err(DomainError::Rejected(_))
        ));
        run(&mut t, ThreadCommand::RestorePost { post_id: id }).unwrap();
        assert_eq!(run(&mut t, edit).unwrap().len(), 1);
        run(
            &mut t,
            ThreadCommand::Hide {
                reason: "spam".into(),
            },
        )
        .unwrap();
        assert!(matches!(
            run(&mut t, ThreadCommand::Lock { reason: "x".into() }),
            Err(DomainError::NotFound(_))
        ));
    }

    #[test]
    fn post_text_is_checked_field_by_field() {
        let text = super::super::PostText {
            name: "Jana\nN".into(),
            title: None,
            body: String::new(),
            attachments: vec![],
        };
        let Err(DomainError::Invalid(errors)) = text.check(true) else {
            panic!("must be refused")
        };
        let fields: Vec<&str> = errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["name", "title", "body"]);
        let reply = super::super::PostText {
            name: "Jana".into(),
            title: Some("t".into()),
            body: "ok".into(),
            attachments: vec![],
        };
        assert!(reply.check(false).is_err());
        assert!(reply.check(true).is_ok());
        let file = crate::files::Attachment {
            file: crate::files::FileRef {
                sha256: "c".repeat(64),
                size: 1,
                content_type: "image/png".into(),
            },
            name: "fotka.png".into(),
        };
        let many = super::super::PostText {
            attachments: vec![file; 5],
            ..reply
        };
        let Err(DomainError::Invalid(errors)) = many.check(true) else {
            panic!("five files are refused")
        };
        assert_eq!(errors[0].field, "attachments");
    }
}
