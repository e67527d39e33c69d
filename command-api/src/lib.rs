//! The command API's own types: the request bodies its clients send and
//! the answer to an accepted command. The command service reads them; the
//! web portal (and any Rust client) builds them, so a form and the API
//! cannot drift apart. Bodies made only of the domain's own types (an
//! `Article`, `ServiceChanges`, …) are sent as those types from `events`.

pub mod accounts;
pub mod audit;
pub mod content;
pub mod directory;
pub mod files;
pub mod forum;
pub mod grants;
pub mod groups;
pub mod library;
pub mod plans;
pub mod providers;
pub mod regional_contacts;
pub mod services;
pub mod subscriptions;
pub mod surveys;

use serde::{Deserialize, Serialize};

/// A reason, for suspensions, ends and removals.
#[derive(Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ReasonBody {
    /// Why.
    pub reason: String,
}

/// The answer to an accepted command.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CommandResult {
    /// The aggregate type.
    pub stream_type: String,
    /// The aggregate's id.
    pub stream_id: String,
    /// Its version now: send it as `If-Match` with the next change.
    pub version: u64,
    /// Events recorded by this command (0 when it changed nothing).
    pub events: u64,
    /// Log position of the last event recorded (absent when nothing was recorded).
    pub global_position: Option<u64>,
    /// Transaction of that event; with `global_position` it orders the log.
    pub transaction_id: Option<u64>,
    /// True when the `Idempotency-Key` had been used: this is the first result again.
    pub deduplicated: bool,
}

impl CommandResult {
    /// `transaction:position` of the change, for `after=` (read your writes);
    /// `None` when nothing was recorded.
    pub fn after(&self) -> Option<String> {
        Some(format!(
            "{}:{}",
            self.transaction_id?, self.global_position?
        ))
    }
}
