//! One notification: decided once, then sent, failed for good, or suppressed.

use crate::aggregate::Aggregate;
use crate::error::DomainError;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use time::OffsetDateTime;
use uuid::Uuid;

/// What a message is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum NotificationKind {
    /// Free places have not been reported for a period.
    VacancyReminder,
    /// A record has not been verified for a year: confirm or correct it.
    VerificationRequest,
    /// The second request, 14 days after the first.
    VerificationReminder,
    /// A survey that asks the provider opened.
    SurveyInvitation,
    /// The author's survey closed.
    SurveyClosed,
    /// A grant call for the provider's territory and kinds was announced.
    GrantCallAnnounced,
    /// The deadline of a call is a week away and the provider has not applied.
    GrantDeadlineReminder,
    /// An application was decided.
    GrantDecision,
    /// A new account: set the password by a link.
    AccountInvitation,
    /// A password reset was asked for.
    PasswordReset,
    /// Confirm a subscription (double opt-in).
    SubscriptionConfirmation,
    /// The weekly digest of a subscription.
    Digest,
}

impl NotificationKind {
    /// Every kind.
    pub const ALL: [Self; 12] = [
        Self::VacancyReminder,
        Self::VerificationRequest,
        Self::VerificationReminder,
        Self::SurveyInvitation,
        Self::SurveyClosed,
        Self::GrantCallAnnounced,
        Self::GrantDeadlineReminder,
        Self::GrantDecision,
        Self::AccountInvitation,
        Self::PasswordReset,
        Self::SubscriptionConfirmation,
        Self::Digest,
    ];

    /// Its name in events and URLs.
    pub fn code(self) -> &'static str {
        match self {
            Self::VacancyReminder => "vacancy_reminder",
            Self::VerificationRequest => "verification_request",
            Self::VerificationReminder => "verification_reminder",
            Self::SurveyInvitation => "survey_invitation",
            Self::SurveyClosed => "survey_closed",
            Self::GrantCallAnnounced => "grant_call_announced",
            Self::GrantDeadlineReminder => "grant_deadline_reminder",
            Self::GrantDecision => "grant_decision",
            Self::AccountInvitation => "account_invitation",
            Self::PasswordReset => "password_reset",
            Self::SubscriptionConfirmation => "subscription_confirmation",
            Self::Digest => "digest",
        }
    }

    /// Strictly transactional: asked for by the recipient or needed to use
    /// the account (no `List-Unsubscribe`, not turned off by the settings).
    pub fn transactional(self) -> bool {
        matches!(
            self,
            Self::AccountInvitation | Self::PasswordReset | Self::SubscriptionConfirmation
        )
    }
}

/// Who a message is for: a reference, never an address.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(tag = "to", rename_all = "snake_case")]
pub enum Recipient {
    /// An account (its e-mail in the credential store).
    Account {
        /// The account's id.
        account_id: Uuid,
    },
    /// The contact of a service (its e-mail, else its provider's).
    Service {
        /// The service's id.
        service_id: String,
    },
    /// The contact of a provider.
    Provider {
        /// Its IČO.
        ico: String,
    },
    /// A subscriber of the public (the e-mail in the private store).
    Subscriber {
        /// The subscription's id.
        subscription_id: Uuid,
    },
}

/// The namespace of notification ids (UUIDv5 of what a message is about).
pub const NAMESPACE: Uuid = Uuid::from_u128(0x6e6f_7469_6669_6361_7469_6f6e_7321_0001);

/// The id of the notification about `key` (e.g. `vacancy_reminder/abc/2026-12-01T…/1`):
/// the same key always gives the same stream.
pub fn notification_id(kind: NotificationKind, key: &str) -> Uuid {
    Uuid::new_v5(&NAMESPACE, format!("{}/{key}", kind.code()).as_bytes())
}

/// What the process manager decided.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Decision {
    /// What kind of message.
    pub kind: NotificationKind,
    /// For whom.
    pub recipient: Recipient,
    /// The record it is about, e.g. `service/abc`.
    pub subject: String,
    /// The page of the portal where the recipient acts (a path).
    pub link: String,
    /// What the message says beside its kind (titles, figures, days), no personal data.
    #[serde(default)]
    pub facts: BTreeMap<String, String>,
}

/// Where a notification stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Delivery {
    /// Not decided.
    #[default]
    None,
    /// Decided, not yet delivered.
    Pending,
    /// Handed to the SMTP server.
    Sent,
    /// Given up on.
    Failed,
    /// Not sent: nobody to send it to, erased or unsubscribed.
    Suppressed,
}

/// The state of a notification.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Notification {
    /// What was decided.
    pub decision: Option<Decision>,
    /// Where its delivery stands.
    pub delivery: Delivery,
}

/// What can be asked of a notification.
#[derive(Debug, Clone, PartialEq)]
pub enum NotificationCommand {
    /// Decide it (once).
    Decide(Decision),
    /// Record that the SMTP server accepted it.
    RecordSent {
        /// The message's `Message-ID`.
        message_id: String,
        /// Attempts it took.
        attempts: u32,
    },
    /// Record that it was given up on.
    RecordFailure {
        /// Why.
        reason: String,
        /// Attempts made.
        attempts: u32,
    },
    /// Record that it is not sent (and why).
    Suppress {
        /// Why.
        reason: String,
    },
}

/// What happens to a notification.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type")]
pub enum NotificationEvent {
    /// The process manager decided to send it.
    NotificationDecided {
        /// What and for whom.
        #[serde(flatten)]
        decision: Decision,
    },
    /// The SMTP server accepted it.
    NotificationSent {
        /// Its `Message-ID`.
        message_id: String,
        /// Attempts it took.
        attempts: u32,
        /// When.
        #[serde(with = "time::serde::rfc3339")]
        sent_at: OffsetDateTime,
    },
    /// Given up on: the server refused it for good, or too many attempts failed.
    NotificationFailed {
        /// Why.
        reason: String,
        /// Attempts made.
        attempts: u32,
    },
    /// Not sent.
    NotificationSuppressed {
        /// Why (no address, erased, unsubscribed, turned off).
        reason: String,
    },
}

impl Aggregate for Notification {
    const STREAM_TYPE: &'static str = "notification";
    type Command = NotificationCommand;
    type Event = NotificationEvent;

    fn apply(&mut self, event: &NotificationEvent) {
        match event {
            NotificationEvent::NotificationDecided { decision } => {
                self.decision = Some(decision.clone());
                self.delivery = Delivery::Pending;
            }
            NotificationEvent::NotificationSent { .. } => self.delivery = Delivery::Sent,
            NotificationEvent::NotificationFailed { .. } => self.delivery = Delivery::Failed,
            NotificationEvent::NotificationSuppressed { .. } => {
                self.delivery = Delivery::Suppressed;
            }
        }
    }

    fn decide(
        &self,
        command: &NotificationCommand,
        now: OffsetDateTime,
    ) -> Result<Vec<NotificationEvent>, DomainError> {
        match (command, self.delivery) {
            (NotificationCommand::Decide(d), Delivery::None) => {
                if d.link.is_empty() || !d.link.starts_with('/') {
                    return Err(DomainError::Rejected(
                        "a notification's link is a path of the portal".into(),
                    ));
                }
                Ok(vec![NotificationEvent::NotificationDecided {
                    decision: d.clone(),
                }])
            }
            (NotificationCommand::Decide(_), _) => {
                Err(DomainError::AlreadyExists("the notification".into()))
            }
            (_, Delivery::None) => Err(DomainError::NotFound("the notification".into())),
            // Delivered or settled: a repeated outcome (a retry after a crash) records nothing.
            (_, Delivery::Sent | Delivery::Failed | Delivery::Suppressed) => Ok(vec![]),
            (
                NotificationCommand::RecordSent {
                    message_id,
                    attempts,
                },
                Delivery::Pending,
            ) => Ok(vec![NotificationEvent::NotificationSent {
                message_id: message_id.clone(),
                attempts: *attempts,
                sent_at: now,
            }]),
            (NotificationCommand::RecordFailure { reason, attempts }, Delivery::Pending) => {
                Ok(vec![NotificationEvent::NotificationFailed {
                    reason: reason.clone(),
                    attempts: *attempts,
                }])
            }
            (NotificationCommand::Suppress { reason }, Delivery::Pending) => {
                Ok(vec![NotificationEvent::NotificationSuppressed {
                    reason: reason.clone(),
                }])
            }
        }
    }
}
