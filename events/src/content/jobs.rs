//! Job postings of registered providers, shown until they expire.

use super::check_text;
use crate::aggregate::Aggregate;
use crate::error::{optional_text, DomainError, Violations};
use serde::{Deserialize, Serialize};
use time::{Date, OffsetDateTime};

/// A posting.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Posting {
    /// The provider's IČO.
    pub provider_ico: String,
    /// Title (the position).
    pub title: String,
    /// Description.
    #[serde(default)]
    pub body: String,
    /// Where.
    #[serde(default)]
    pub place: String,
    /// The last day it is shown.
    pub expires_on: Date,
}

/// The state of a posting.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct JobPosting {
    /// The posting.
    pub posting: Option<Posting>,
    /// Filled or withdrawn.
    pub closed: bool,
}

/// What can be asked of a posting.
#[derive(Debug, Clone, PartialEq)]
pub enum JobCommand {
    /// Post.
    Post(Posting),
    /// Close (filled or withdrawn).
    Close,
}

/// What happens to a posting.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type")]
pub enum JobEvent {
    /// Posted.
    JobPosted {
        /// The posting.
        posting: Posting,
    },
    /// Closed.
    JobClosed {},
}

impl Aggregate for JobPosting {
    const STREAM_TYPE: &'static str = "job_posting";
    type Command = JobCommand;
    type Event = JobEvent;

    fn apply(&mut self, event: &JobEvent) {
        match event {
            JobEvent::JobPosted { posting } => self.posting = Some(posting.clone()),
            JobEvent::JobClosed {} => self.closed = true,
        }
    }

    fn decide(
        &self,
        command: &JobCommand,
        now: OffsetDateTime,
    ) -> Result<Vec<JobEvent>, DomainError> {
        match command {
            JobCommand::Post(p) => {
                if self.posting.is_some() {
                    return Err(DomainError::AlreadyExists("the posting".into()));
                }
                let mut v = Violations::new();
                check_text(&mut v, &p.title, &p.body, 10_000);
                v.check("place", optional_text(&p.place, 300));
                if p.expires_on < now.date() {
                    v.add("expires_on", "is in the past");
                } else if p.expires_on > now.date() + time::Duration::days(366) {
                    v.add("expires_on", "at most a year ahead");
                }
                v.finish()?;
                Ok(vec![JobEvent::JobPosted { posting: p.clone() }])
            }
            JobCommand::Close => match (&self.posting, self.closed) {
                (None, _) => Err(DomainError::NotFound("the posting".into())),
                (Some(_), true) => Ok(vec![]),
                (Some(_), false) => Ok(vec![JobEvent::JobClosed {}]),
            },
        }
    }
}
