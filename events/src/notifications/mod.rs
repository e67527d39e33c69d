//! Notifications: what the portal decided to tell someone by e-mail, and
//! whether it was delivered. The process manager decides (a vacancy report
//! is overdue, a survey opened, a call was announced…) and records the
//! decision as the first event of a `notification` stream whose id it
//! derives from what the message is about, so that deciding the same thing
//! twice (after a crash, on a second instance) is refused by the stream's
//! expected version instead of being a second message. The mail sender
//! records the delivery. No personal data here: recipients are account,
//! service, provider or subscription references, resolved to addresses only
//! at sending (ADR 0021).

pub mod notification;
pub mod settings;
pub mod subscription;

pub use notification::{
    Notification, NotificationCommand, NotificationEvent, NotificationKind, Recipient,
};
