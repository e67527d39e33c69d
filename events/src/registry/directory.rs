//! The supplementary directory: facilities outside the registry of social
//! services (food banks, self-help groups, church charities ...), with the
//! same descriptive fields as a service and no registration.

use crate::aggregate::Aggregate;
use crate::error::{optional_text, required_text, DomainError, Violations};
use crate::registry::service::{Catchment, Facility};
use crate::values::codes::check_code;
use crate::values::{Contacts, Ico, ServiceKind};
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

/// What describes a directory entry.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct EntryDetails {
    /// Name.
    pub name: String,
    /// Who runs it.
    pub operator: String,
    /// The operator's IČO, when it has one.
    #[serde(default)]
    pub operator_ico: Option<String>,
    /// Description for the public.
    #[serde(default)]
    pub description: String,
    /// The closest kind of social service, when one fits.
    #[serde(default)]
    pub kind: Option<u16>,
    /// Target group codes.
    #[serde(default)]
    pub target_groups: Vec<String>,
    /// Age group codes.
    #[serde(default)]
    pub age_groups: Vec<String>,
    /// Catchment.
    #[serde(default)]
    pub catchment: Catchment,
    /// Places.
    #[serde(default)]
    pub facilities: Vec<Facility>,
    /// Opening hours, as text.
    #[serde(default)]
    pub opening_hours: String,
    /// Public contacts.
    #[serde(default)]
    pub contacts: Contacts,
    /// Category tags.
    #[serde(default)]
    pub categories: Vec<String>,
}

/// The state of an entry.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct DirectoryEntry {
    /// Its description; `None` before it is added.
    pub details: Option<EntryDetails>,
    /// Removed from the directory.
    pub removed: bool,
}

/// What can be asked of an entry.
#[derive(Debug, Clone, PartialEq)]
pub enum DirectoryCommand {
    /// Add to the directory.
    Add(EntryDetails),
    /// Replace the description.
    Change(EntryDetails),
    /// Remove, with a reason.
    Remove {
        /// Why.
        reason: String,
    },
}

/// What happens to an entry.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type")]
pub enum DirectoryEvent {
    /// Added.
    DirectoryEntryAdded {
        /// The description.
        details: EntryDetails,
    },
    /// The description changed.
    DirectoryEntryChanged {
        /// The new description.
        details: EntryDetails,
    },
    /// Removed.
    DirectoryEntryRemoved {
        /// Why.
        reason: String,
    },
}

fn check(details: &EntryDetails) -> Result<(), DomainError> {
    let mut v = Violations::new();
    v.check("name", required_text(&details.name, 300));
    v.check("operator", required_text(&details.operator, 300));
    if let Some(ico) = &details.operator_ico {
        v.check("operator_ico", Ico::parse(ico));
    }
    v.check("description", optional_text(&details.description, 5000));
    if let Some(kind) = details.kind {
        v.check("kind", ServiceKind::from_code(kind));
    }
    for (name, codes) in [
        ("target_groups", &details.target_groups),
        ("age_groups", &details.age_groups),
        ("catchment.kraje", &details.catchment.kraje),
        ("catchment.orp", &details.catchment.orp),
        (
            "catchment.municipalities",
            &details.catchment.municipalities,
        ),
    ] {
        for (i, c) in codes.iter().enumerate() {
            v.check(format!("{name}[{i}]"), check_code(c));
        }
    }
    for (i, f) in details.facilities.iter().enumerate() {
        let field = format!("facilities[{i}]");
        v.check(format!("{field}.name"), required_text(&f.name, 300));
        f.address.check(&format!("{field}.address"), &mut v);
        if let Some(Err((coordinate, reason))) = f.location.map(|l| l.check()) {
            v.add(format!("{field}.location.{coordinate}"), reason);
        }
    }
    v.check("opening_hours", optional_text(&details.opening_hours, 2000));
    details.contacts.check("contacts", &mut v);
    v.finish()
}

impl Aggregate for DirectoryEntry {
    const STREAM_TYPE: &'static str = "directory_entry";
    type Command = DirectoryCommand;
    type Event = DirectoryEvent;

    fn apply(&mut self, event: &DirectoryEvent) {
        match event {
            DirectoryEvent::DirectoryEntryAdded { details }
            | DirectoryEvent::DirectoryEntryChanged { details } => {
                self.details = Some(details.clone());
            }
            DirectoryEvent::DirectoryEntryRemoved { .. } => self.removed = true,
        }
    }

    fn decide(
        &self,
        command: &DirectoryCommand,
        _now: OffsetDateTime,
    ) -> Result<Vec<DirectoryEvent>, DomainError> {
        let exists = self.details.is_some() && !self.removed;
        match command {
            DirectoryCommand::Add(details) => {
                if self.details.is_some() {
                    return Err(DomainError::AlreadyExists("the directory entry".into()));
                }
                check(details)?;
                Ok(vec![DirectoryEvent::DirectoryEntryAdded {
                    details: details.clone(),
                }])
            }
            DirectoryCommand::Change(details) => {
                if !exists {
                    return Err(DomainError::NotFound("the directory entry".into()));
                }
                check(details)?;
                if self.details.as_ref() == Some(details) {
                    return Ok(vec![]);
                }
                Ok(vec![DirectoryEvent::DirectoryEntryChanged {
                    details: details.clone(),
                }])
            }
            DirectoryCommand::Remove { reason } => {
                if !exists {
                    return Err(DomainError::NotFound("the directory entry".into()));
                }
                let mut v = Violations::new();
                v.check("reason", required_text(reason, 1000));
                v.finish()?;
                Ok(vec![DirectoryEvent::DirectoryEntryRemoved {
                    reason: reason.trim().to_string(),
                }])
            }
        }
    }
}
