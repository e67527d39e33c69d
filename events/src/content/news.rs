//! Regional news, written by the methodologists of a kraj.

use super::check_text;
use crate::aggregate::Aggregate;
use crate::error::{required_text, DomainError, Violations};
use crate::values::codes::check_code;
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

/// An article.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Article {
    /// The kraj (NUTS code) it is for.
    pub kraj: String,
    /// Title.
    pub title: String,
    /// The text.
    pub body: String,
    /// Files that go with it (an invitation, a report).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub attachments: Vec<crate::files::Attachment>,
}

/// The state of an article.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct News {
    /// The article, once published.
    pub article: Option<Article>,
    /// Withdrawn.
    pub withdrawn: bool,
}

/// What can be asked of an article.
#[derive(Debug, Clone, PartialEq)]
pub enum NewsCommand {
    /// Publish.
    Publish(Article),
    /// Correct (the kraj stays).
    Correct(Article),
    /// Withdraw.
    Withdraw {
        /// Why.
        reason: String,
    },
}

/// What happens to an article.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type")]
pub enum NewsEvent {
    /// Published.
    NewsPublished {
        /// The article.
        article: Article,
    },
    /// Corrected.
    NewsCorrected {
        /// The article.
        article: Article,
    },
    /// Withdrawn.
    NewsWithdrawn {
        /// Why.
        reason: String,
    },
}

fn check(a: &Article) -> Result<(), DomainError> {
    let mut v = Violations::new();
    v.check("kraj", check_code(&a.kraj));
    check_text(&mut v, &a.title, &a.body, 20_000);
    crate::files::check_attachments(&mut v, "attachments", &a.attachments);
    v.finish()
}

impl Aggregate for News {
    const STREAM_TYPE: &'static str = "news";
    type Command = NewsCommand;
    type Event = NewsEvent;

    fn apply(&mut self, event: &NewsEvent) {
        match event {
            NewsEvent::NewsPublished { article } | NewsEvent::NewsCorrected { article } => {
                self.article = Some(article.clone())
            }
            NewsEvent::NewsWithdrawn { .. } => self.withdrawn = true,
        }
    }

    fn decide(
        &self,
        command: &NewsCommand,
        _now: OffsetDateTime,
    ) -> Result<Vec<NewsEvent>, DomainError> {
        match command {
            NewsCommand::Publish(a) => {
                if self.article.is_some() {
                    return Err(DomainError::AlreadyExists("the article".into()));
                }
                check(a)?;
                Ok(vec![NewsEvent::NewsPublished { article: a.clone() }])
            }
            NewsCommand::Correct(a) => {
                let current = self
                    .article
                    .as_ref()
                    .filter(|_| !self.withdrawn)
                    .ok_or_else(|| DomainError::NotFound("the article".into()))?;
                check(a)?;
                if a.kraj != current.kraj {
                    let mut v = Violations::new();
                    v.add("kraj", "an article stays in its kraj");
                    v.finish()?;
                }
                if a == current {
                    return Ok(vec![]);
                }
                Ok(vec![NewsEvent::NewsCorrected { article: a.clone() }])
            }
            NewsCommand::Withdraw { reason } => {
                if self.article.is_none() || self.withdrawn {
                    return Err(DomainError::NotFound("the article".into()));
                }
                let mut v = Violations::new();
                v.check("reason", required_text(reason, 1000));
                v.finish()?;
                Ok(vec![NewsEvent::NewsWithdrawn {
                    reason: reason.trim().to_string(),
                }])
            }
        }
    }
}
