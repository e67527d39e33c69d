//! A recipient's choice of messages: the kinds it turned off (in one click
//! from a message, or on its settings page). Its stream id is the
//! recipient's key (`service:…`, `provider:…`, `account:…`).

use super::notification::{NotificationKind, Recipient};
use crate::aggregate::Aggregate;
use crate::error::DomainError;
use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;
use time::OffsetDateTime;

/// The stream id of a recipient's settings.
pub fn recipient_key(recipient: &Recipient) -> String {
    match recipient {
        Recipient::Account { account_id } => format!("account:{account_id}"),
        Recipient::Service { service_id } => format!("service:{service_id}"),
        Recipient::Provider { ico } => format!("provider:{ico}"),
        Recipient::Subscriber { subscription_id } => format!("subscriber:{subscription_id}"),
    }
}

/// The kinds a recipient turned off.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct NotificationSettings {
    /// Turned off.
    pub off: BTreeSet<NotificationKind>,
}

/// What can be asked of the settings.
#[derive(Debug, Clone, PartialEq)]
pub enum SettingsCommand {
    /// Stop a kind.
    TurnOff(NotificationKind),
    /// Send a kind again.
    TurnOn(NotificationKind),
}

/// What happens to the settings.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type")]
pub enum SettingsEvent {
    /// A kind is no longer sent.
    NotificationsTurnedOff {
        /// The kind.
        kind: NotificationKind,
    },
    /// A kind is sent again.
    NotificationsTurnedOn {
        /// The kind.
        kind: NotificationKind,
    },
}

impl Aggregate for NotificationSettings {
    const STREAM_TYPE: &'static str = "notification_settings";
    type Command = SettingsCommand;
    type Event = SettingsEvent;

    fn apply(&mut self, event: &SettingsEvent) {
        match event {
            SettingsEvent::NotificationsTurnedOff { kind } => {
                self.off.insert(*kind);
            }
            SettingsEvent::NotificationsTurnedOn { kind } => {
                self.off.remove(kind);
            }
        }
    }

    fn decide(
        &self,
        command: &SettingsCommand,
        _now: OffsetDateTime,
    ) -> Result<Vec<SettingsEvent>, DomainError> {
        match command {
            SettingsCommand::TurnOff(kind) if kind.transactional() => Err(DomainError::Rejected(
                format!("{} messages are sent only when asked for", kind.code()),
            )),
            SettingsCommand::TurnOff(kind) if self.off.contains(kind) => Ok(vec![]),
            SettingsCommand::TurnOff(kind) => {
                Ok(vec![SettingsEvent::NotificationsTurnedOff { kind: *kind }])
            }
            SettingsCommand::TurnOn(kind) if !self.off.contains(kind) => Ok(vec![]),
            SettingsCommand::TurnOn(kind) => {
                Ok(vec![SettingsEvent::NotificationsTurnedOn { kind: *kind }])
            }
        }
    }
}
