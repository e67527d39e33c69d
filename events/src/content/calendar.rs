//! The calendar: meetings, workshops, conferences, round tables.

use super::check_text;
use crate::aggregate::Aggregate;
use crate::error::{optional_text, required_text, DomainError, Violations};
use crate::values::codes::check_code;
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

/// What kind of event.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum EventKind {
    /// A meeting (of a group).
    Meeting,
    /// A workshop.
    Workshop,
    /// A conference.
    Conference,
    /// A round table.
    RoundTable,
}

/// An event of the calendar.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CalendarEntry {
    /// Kind.
    pub kind: EventKind,
    /// Title.
    pub title: String,
    /// What it is about.
    #[serde(default)]
    pub body: String,
    /// Where.
    #[serde(default)]
    pub place: String,
    /// The kraj or municipality it belongs to (code).
    pub territory: String,
    /// Starts.
    #[serde(with = "time::serde::rfc3339")]
    pub starts_at: OffsetDateTime,
    /// Ends.
    #[serde(with = "time::serde::rfc3339")]
    pub ends_at: OffsetDateTime,
    /// Files that go with it (an invitation, a programme, minutes).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub attachments: Vec<crate::files::Attachment>,
}

/// The state of an event.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct CalendarEvent {
    /// The entry.
    pub entry: Option<CalendarEntry>,
    /// Cancelled.
    pub cancelled: bool,
}

/// What can be asked of an event.
#[derive(Debug, Clone, PartialEq)]
pub enum CalendarCommand {
    /// Announce (or, later, change).
    Schedule(CalendarEntry),
    /// Cancel.
    Cancel {
        /// Why.
        reason: String,
    },
}

/// What happens to an event.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type")]
pub enum CalendarEventEvent {
    /// Scheduled (or changed).
    EventScheduled {
        /// The entry.
        entry: CalendarEntry,
    },
    /// Cancelled.
    EventCancelled {
        /// Why.
        reason: String,
    },
}

impl Aggregate for CalendarEvent {
    const STREAM_TYPE: &'static str = "calendar_event";
    type Command = CalendarCommand;
    type Event = CalendarEventEvent;

    fn apply(&mut self, event: &CalendarEventEvent) {
        match event {
            CalendarEventEvent::EventScheduled { entry } => self.entry = Some(entry.clone()),
            CalendarEventEvent::EventCancelled { .. } => self.cancelled = true,
        }
    }

    fn decide(
        &self,
        command: &CalendarCommand,
        _now: OffsetDateTime,
    ) -> Result<Vec<CalendarEventEvent>, DomainError> {
        match command {
            CalendarCommand::Schedule(e) => {
                if self.cancelled {
                    return Err(DomainError::Rejected("the event was cancelled".into()));
                }
                let mut v = Violations::new();
                check_text(&mut v, &e.title, &e.body, 10_000);
                v.check("place", optional_text(&e.place, 300));
                v.check("territory", check_code(&e.territory));
                if e.ends_at < e.starts_at {
                    v.add("ends_at", "is before starts_at");
                }
                crate::files::check_attachments(&mut v, "attachments", &e.attachments);
                v.finish()?;
                if self.entry.as_ref() == Some(e) {
                    return Ok(vec![]);
                }
                Ok(vec![CalendarEventEvent::EventScheduled {
                    entry: e.clone(),
                }])
            }
            CalendarCommand::Cancel { reason } => {
                if self.entry.is_none() {
                    return Err(DomainError::NotFound("the event".into()));
                }
                if self.cancelled {
                    return Ok(vec![]);
                }
                let mut v = Violations::new();
                v.check("reason", required_text(reason, 1000));
                v.finish()?;
                Ok(vec![CalendarEventEvent::EventCancelled {
                    reason: reason.trim().to_string(),
                }])
            }
        }
    }
}
