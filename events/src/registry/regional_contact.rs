//! Official contacts shown on the map: the regional methodologist of social
//! prevention of a kraj and the social curators of an ORP. They are the
//! contacts of an office holder, published by the office (ADR 0007), kept
//! apart from accounts: a contact may exist without an account and an
//! account's private e-mail never appears here.

use crate::aggregate::Aggregate;
use crate::error::{optional_text, required_text, DomainError, Violations};
use crate::values::codes::check_code;
use crate::values::Contacts;
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

/// Whose contact it is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum ContactRole {
    /// Regional methodologist of social prevention (a kraj).
    Methodologist,
    /// Social curator (an ORP).
    SocialCurator,
}

/// A published contact.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ContactDetails {
    /// Whose contact.
    pub role: ContactRole,
    /// The kraj (NUTS, ČSÚ or RÚIAN code).
    pub kraj: String,
    /// The ORP (ČSÚ or RÚIAN code); required for a social curator, absent for a methodologist.
    #[serde(default)]
    pub orp: Option<String>,
    /// The office holder's name as the office publishes it.
    pub name: String,
    /// The office and department, e.g. "Krajský úřad Ústeckého kraje, odbor sociálních věcí".
    #[serde(default)]
    pub office: String,
    /// Official e-mails, phones and web pages.
    #[serde(default)]
    pub contacts: Contacts,
}

/// The state of a contact.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct RegionalContact {
    /// Its details; `None` before it is published.
    pub details: Option<ContactDetails>,
    /// Withdrawn from the map.
    pub withdrawn: bool,
}

/// What can be asked of a contact.
#[derive(Debug, Clone, PartialEq)]
pub enum RegionalContactCommand {
    /// Publish.
    Publish(ContactDetails),
    /// Replace the details.
    Change(ContactDetails),
    /// Withdraw, with a reason.
    Withdraw {
        /// Why.
        reason: String,
    },
}

/// What happens to a contact.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type")]
pub enum RegionalContactEvent {
    /// Published.
    RegionalContactPublished {
        /// The details.
        details: ContactDetails,
    },
    /// The details changed.
    RegionalContactChanged {
        /// The new details.
        details: ContactDetails,
    },
    /// Withdrawn.
    RegionalContactWithdrawn {
        /// Why.
        reason: String,
    },
}

fn check(details: &ContactDetails) -> Result<(), DomainError> {
    let mut v = Violations::new();
    v.check("kraj", check_code(&details.kraj));
    match (details.role, &details.orp) {
        (ContactRole::SocialCurator, None) => v.add("orp", "a social curator serves an ORP"),
        (ContactRole::Methodologist, Some(_)) => {
            v.add("orp", "a methodologist serves a whole kraj, not an ORP")
        }
        (_, Some(orp)) => {
            v.check("orp", check_code(orp));
        }
        (ContactRole::Methodologist, None) => {}
    }
    v.check("name", required_text(&details.name, 200));
    v.check("office", optional_text(&details.office, 300));
    details.contacts.check("contacts", &mut v);
    if details.contacts.emails.is_empty() && details.contacts.phones.is_empty() {
        v.add("contacts", "an e-mail or a phone is needed to be reachable");
    }
    v.finish()
}

fn trimmed(details: &ContactDetails) -> ContactDetails {
    ContactDetails {
        name: details.name.trim().to_string(),
        office: details.office.trim().to_string(),
        ..details.clone()
    }
}

impl Aggregate for RegionalContact {
    const STREAM_TYPE: &'static str = "regional_contact";
    type Command = RegionalContactCommand;
    type Event = RegionalContactEvent;

    fn apply(&mut self, event: &RegionalContactEvent) {
        match event {
            RegionalContactEvent::RegionalContactPublished { details }
            | RegionalContactEvent::RegionalContactChanged { details } => {
                self.details = Some(details.clone());
            }
            RegionalContactEvent::RegionalContactWithdrawn { .. } => self.withdrawn = true,
        }
    }

    fn decide(
        &self,
        command: &RegionalContactCommand,
        _now: OffsetDateTime,
    ) -> Result<Vec<RegionalContactEvent>, DomainError> {
        let exists = self.details.is_some() && !self.withdrawn;
        match command {
            RegionalContactCommand::Publish(details) => {
                if self.details.is_some() {
                    return Err(DomainError::AlreadyExists("the contact".into()));
                }
                check(details)?;
                Ok(vec![RegionalContactEvent::RegionalContactPublished {
                    details: trimmed(details),
                }])
            }
            RegionalContactCommand::Change(details) => {
                if !exists {
                    return Err(DomainError::NotFound("the contact".into()));
                }
                check(details)?;
                let details = trimmed(details);
                if self.details.as_ref() == Some(&details) {
                    return Ok(vec![]);
                }
                Ok(vec![RegionalContactEvent::RegionalContactChanged {
                    details,
                }])
            }
            RegionalContactCommand::Withdraw { reason } => {
                if !exists {
                    return Err(DomainError::NotFound("the contact".into()));
                }
                let mut v = Violations::new();
                v.check("reason", required_text(reason, 1000));
                v.finish()?;
                Ok(vec![RegionalContactEvent::RegionalContactWithdrawn {
                    reason: reason.trim().to_string(),
                }])
            }
        }
    }
}
