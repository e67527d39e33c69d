//! A subscription of the public: the news of a kraj, or new free places of
//! a kind of service in an ORP, sent as a weekly digest. Double opt-in: a
//! requested subscription sends nothing but its confirmation until the
//! address's owner follows the link (within a week). The address is
//! personal data, so it enters the log only sealed under the
//! subscription's own key in the personal key store; cancelling (one click
//! from any digest, or a confirmation never given) erases the key, and
//! with it the address (ADR 0021).

use crate::aggregate::Aggregate;
use crate::error::{DomainError, Violations};
use crate::forum::Sealed;
use crate::values::codes::check_code;
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

/// How long a confirmation link works.
pub const CONFIRM_WITHIN: time::Duration = time::Duration::days(7);

/// What a subscription is to.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(tag = "topic", rename_all = "snake_case")]
pub enum Topic {
    /// The news of a kraj.
    KrajNews {
        /// The kraj's NUTS code, e.g. `CZ080`.
        kraj: String,
    },
    /// Free places newly reported by services of a kind in an ORP.
    Vacancies {
        /// The ORP's ČSÚ code, e.g. `8103`.
        orp: String,
        /// The kind of service (MPSV code list).
        kind: u16,
    },
}

/// Where a subscription stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SubscriptionStatus {
    /// Not requested.
    #[default]
    None,
    /// Requested, waiting for its confirmation.
    Requested,
    /// Confirmed: digests are sent.
    Confirmed,
    /// Cancelled: nothing more is sent, the address is erased.
    Cancelled,
}

/// The state of a subscription.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Subscription {
    /// What it is to.
    pub topic: Option<Topic>,
    /// The address, sealed under the subscription's key.
    pub address: Option<Sealed>,
    /// Until when it can be confirmed.
    pub confirm_by: Option<OffsetDateTime>,
    /// Where it stands.
    pub status: SubscriptionStatus,
}

/// What can be asked of a subscription.
#[derive(Debug, Clone, PartialEq)]
pub enum SubscriptionCommand {
    /// Ask for it (the address sealed by the caller).
    Request {
        /// What to.
        topic: Topic,
        /// The address, sealed.
        address: Sealed,
    },
    /// Confirm it (the link of the confirmation message).
    Confirm,
    /// End it.
    Cancel {
        /// Why (`unsubscribed`, `not confirmed`).
        reason: String,
    },
}

/// What happens to a subscription.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type")]
pub enum SubscriptionEvent {
    /// Someone asked for it; a confirmation is sent to the address.
    SubscriptionRequested {
        /// What to.
        #[serde(flatten)]
        topic: Topic,
        /// The address, sealed under the subscription's key.
        address: Sealed,
        /// Until when it can be confirmed.
        #[serde(with = "time::serde::rfc3339")]
        confirm_by: OffsetDateTime,
    },
    /// The address's owner confirmed it.
    SubscriptionConfirmed {},
    /// Ended: nothing more is sent and the address's key is erased.
    SubscriptionCancelled {
        /// Why.
        reason: String,
    },
}

fn check(topic: &Topic) -> Result<(), DomainError> {
    let mut v = Violations::new();
    match topic {
        Topic::KrajNews { kraj } => {
            v.check("kraj", check_code(kraj));
        }
        Topic::Vacancies { orp, kind } => {
            v.check("orp", check_code(orp));
            if *kind == 0 {
                v.add("kind", "is a kind of service of the MPSV code list");
            }
        }
    }
    v.finish()
}

impl Aggregate for Subscription {
    const STREAM_TYPE: &'static str = "subscription";
    type Command = SubscriptionCommand;
    type Event = SubscriptionEvent;

    fn apply(&mut self, event: &SubscriptionEvent) {
        match event {
            SubscriptionEvent::SubscriptionRequested {
                topic,
                address,
                confirm_by,
            } => {
                self.topic = Some(topic.clone());
                self.address = Some(address.clone());
                self.confirm_by = Some(*confirm_by);
                self.status = SubscriptionStatus::Requested;
            }
            SubscriptionEvent::SubscriptionConfirmed {} => {
                self.status = SubscriptionStatus::Confirmed;
            }
            SubscriptionEvent::SubscriptionCancelled { .. } => {
                self.status = SubscriptionStatus::Cancelled;
            }
        }
    }

    fn decide(
        &self,
        command: &SubscriptionCommand,
        now: OffsetDateTime,
    ) -> Result<Vec<SubscriptionEvent>, DomainError> {
        use SubscriptionStatus as S;
        match (command, self.status) {
            (SubscriptionCommand::Request { topic, address }, S::None) => {
                check(topic)?;
                Ok(vec![SubscriptionEvent::SubscriptionRequested {
                    topic: topic.clone(),
                    address: address.clone(),
                    confirm_by: now + CONFIRM_WITHIN,
                }])
            }
            (SubscriptionCommand::Request { .. }, _) => {
                Err(DomainError::AlreadyExists("the subscription".into()))
            }
            (_, S::None) => Err(DomainError::NotFound("the subscription".into())),
            (SubscriptionCommand::Confirm, S::Confirmed) => Ok(vec![]),
            (SubscriptionCommand::Confirm, S::Cancelled) => Err(DomainError::Rejected(
                "the subscription was cancelled; subscribe again".into(),
            )),
            (SubscriptionCommand::Confirm, S::Requested) => {
                if self.confirm_by.is_some_and(|by| now > by) {
                    return Err(DomainError::Rejected(
                        "the confirmation link expired; subscribe again".into(),
                    ));
                }
                Ok(vec![SubscriptionEvent::SubscriptionConfirmed {}])
            }
            (SubscriptionCommand::Cancel { .. }, S::Cancelled) => Ok(vec![]),
            (SubscriptionCommand::Cancel { reason }, _) => {
                Ok(vec![SubscriptionEvent::SubscriptionCancelled {
                    reason: reason.clone(),
                }])
            }
        }
    }
}
