//! A call for grant applications.

use crate::aggregate::Aggregate;
use crate::error::{optional_text, required_text, DomainError, Violations};
use crate::values::codes::check_code;
use crate::values::ServiceKind;
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

/// A criterion of evaluation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Criterion {
    /// Its id within the call, e.g. `quality`.
    pub id: String,
    /// What it judges.
    pub name: String,
    /// Weight in percent; the weights of a call add up to 100.
    pub weight: u8,
    /// Most points an evaluator may give.
    pub max_points: u16,
}

/// What a call announces.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CallDetails {
    /// Title.
    pub title: String,
    /// What it supports, conditions.
    #[serde(default)]
    pub description: String,
    /// The kraj or municipality announcing it (code, as in the commissioner's scope).
    pub territory: String,
    /// Money available, CZK.
    pub budget: i64,
    /// Kinds of service that may apply (empty: every kind).
    #[serde(default)]
    pub eligible_kinds: Vec<u16>,
    /// Criteria of evaluation.
    pub criteria: Vec<Criterion>,
    /// Applications are accepted until then.
    #[serde(with = "time::serde::rfc3339")]
    pub deadline: OffsetDateTime,
}

/// The state of a call.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct GrantCall {
    /// Its details, once announced.
    pub details: Option<CallDetails>,
    /// Cancelled (no decisions any more).
    pub cancelled: bool,
}

impl GrantCall {
    /// Whether an application at `now` is in time.
    pub fn open_at(&self, now: OffsetDateTime) -> bool {
        !self.cancelled && self.details.as_ref().is_some_and(|d| now <= d.deadline)
    }
}

/// What can be asked of a call.
#[derive(Debug, Clone, PartialEq)]
pub enum GrantCallCommand {
    /// Announce.
    Announce(CallDetails),
    /// Cancel, with a reason.
    Cancel {
        /// Why.
        reason: String,
    },
}

/// What happens to a call.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type")]
pub enum GrantCallEvent {
    /// Announced.
    GrantCallAnnounced {
        /// The call.
        details: CallDetails,
    },
    /// Cancelled.
    GrantCallCancelled {
        /// Why.
        reason: String,
    },
}

fn check(d: &CallDetails, now: OffsetDateTime) -> Result<(), DomainError> {
    let mut v = Violations::new();
    v.check("title", required_text(&d.title, 300));
    v.check("description", optional_text(&d.description, 10_000));
    v.check("territory", check_code(&d.territory));
    if d.budget <= 0 {
        v.add("budget", "must be more than 0 CZK");
    } else if d.budget > crate::values::MAX_AMOUNT_CZK {
        v.add(
            "budget",
            format!("must be at most {} CZK", crate::values::MAX_AMOUNT_CZK),
        );
    }
    for (i, k) in d.eligible_kinds.iter().enumerate() {
        v.check(format!("eligible_kinds[{i}]"), ServiceKind::from_code(*k));
    }
    if d.criteria.is_empty() {
        v.add("criteria", "a call needs at least one criterion");
    }
    let mut ids = std::collections::BTreeSet::new();
    for (i, c) in d.criteria.iter().enumerate() {
        v.check(format!("criteria[{i}].id"), check_code(&c.id));
        if !ids.insert(&c.id) {
            v.add(format!("criteria[{i}].id"), "is used twice");
        }
        v.check(format!("criteria[{i}].name"), required_text(&c.name, 300));
        if c.max_points == 0 {
            v.add(format!("criteria[{i}].max_points"), "must be more than 0");
        }
    }
    let total: u32 = d.criteria.iter().map(|c| u32::from(c.weight)).sum();
    if !d.criteria.is_empty() && total != 100 {
        v.add(
            "criteria",
            format!("the weights add up to {total}, not 100"),
        );
    }
    if d.deadline <= now {
        v.add("deadline", "must be in the future");
    }
    v.finish()
}

impl Aggregate for GrantCall {
    const STREAM_TYPE: &'static str = "grant_call";
    type Command = GrantCallCommand;
    type Event = GrantCallEvent;

    fn apply(&mut self, event: &GrantCallEvent) {
        match event {
            GrantCallEvent::GrantCallAnnounced { details } => self.details = Some(details.clone()),
            GrantCallEvent::GrantCallCancelled { .. } => self.cancelled = true,
        }
    }

    fn decide(
        &self,
        command: &GrantCallCommand,
        now: OffsetDateTime,
    ) -> Result<Vec<GrantCallEvent>, DomainError> {
        match command {
            GrantCallCommand::Announce(details) => {
                if self.details.is_some() {
                    return Err(DomainError::AlreadyExists("the call".into()));
                }
                check(details, now)?;
                Ok(vec![GrantCallEvent::GrantCallAnnounced {
                    details: details.clone(),
                }])
            }
            GrantCallCommand::Cancel { reason } => {
                if self.details.is_none() {
                    return Err(DomainError::NotFound("the call".into()));
                }
                if self.cancelled {
                    return Ok(vec![]);
                }
                let mut v = Violations::new();
                v.check("reason", required_text(reason, 1000));
                v.finish()?;
                Ok(vec![GrantCallEvent::GrantCallCancelled {
                    reason: reason.trim().to_string(),
                }])
            }
        }
    }
}
