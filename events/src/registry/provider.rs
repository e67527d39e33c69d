//! A provider of social services: registered by an administrator or
//! self-registered pending verification; its details change; it can be
//! suspended, resumed and ended. Its stream id is its IČO.

use crate::aggregate::Aggregate;
use crate::error::{required_text, DomainError, Violations};
use crate::values::{Address, Contacts, Ico};
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

/// Where a provider stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum ProviderStatus {
    /// Not registered (no events yet).
    #[default]
    Unregistered,
    /// Self-registered, waiting for an administrator.
    PendingVerification,
    /// Registered and verified.
    Active,
    /// Temporarily out of the public registry.
    Suspended,
    /// No longer a provider; nothing changes any more.
    Ended,
}

/// The provider's state, folded from its events.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Provider {
    /// IČO, once registered.
    pub ico: Option<Ico>,
    /// Name.
    pub name: String,
    /// Legal form code (MPSV `FormaPravni`), when known.
    pub legal_form: Option<String>,
    /// Registered office.
    pub address: Address,
    /// Public contacts.
    pub contacts: Contacts,
    /// Status.
    pub status: ProviderStatus,
    /// When an administrator verified it.
    #[serde(with = "time::serde::rfc3339::option")]
    pub verified_at: Option<OffsetDateTime>,
}

/// Registration data.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RegisterProvider {
    /// IČO (8 digits with the check digit).
    pub ico: String,
    /// Name.
    pub name: String,
    /// Legal form code, when known.
    #[serde(default)]
    pub legal_form: Option<String>,
    /// Registered office.
    pub address: Address,
    /// Public contacts.
    #[serde(default)]
    pub contacts: Contacts,
}

/// A change of details: only the fields given change.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ChangeProviderDetails {
    /// New name.
    #[serde(default)]
    pub name: Option<String>,
    /// New legal form code.
    #[serde(default)]
    pub legal_form: Option<String>,
    /// New registered office.
    #[serde(default)]
    pub address: Option<Address>,
    /// New contacts.
    #[serde(default)]
    pub contacts: Option<Contacts>,
}

/// What can be asked of a provider.
#[derive(Debug, Clone, PartialEq)]
pub enum ProviderCommand {
    /// Register; `verified` when an administrator registers it, else it waits for verification.
    Register {
        /// The data.
        data: RegisterProvider,
        /// Registered by an administrator (verified at once).
        verified: bool,
    },
    /// An administrator verifies a self-registration.
    Verify,
    /// Change details.
    ChangeDetails(ChangeProviderDetails),
    /// Suspend with a reason.
    Suspend {
        /// Why.
        reason: String,
    },
    /// Resume after a suspension.
    Resume,
    /// End with a reason.
    End {
        /// Why.
        reason: String,
    },
}

/// What happens to a provider.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type")]
pub enum ProviderEvent {
    /// Registered.
    ProviderRegistered {
        /// IČO.
        ico: Ico,
        /// Name.
        name: String,
        /// Legal form code.
        legal_form: Option<String>,
        /// Registered office.
        address: Address,
        /// Public contacts.
        contacts: Contacts,
        /// Whether it waits for an administrator's verification.
        pending_verification: bool,
    },
    /// Verified by an administrator.
    ProviderVerified {
        /// When.
        #[serde(with = "time::serde::rfc3339")]
        verified_at: OffsetDateTime,
    },
    /// Details changed: only the changed fields are present.
    ProviderDetailsChanged {
        /// New name.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        name: Option<String>,
        /// New legal form.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        legal_form: Option<String>,
        /// New office.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        address: Option<Address>,
        /// New contacts.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        contacts: Option<Contacts>,
    },
    /// Suspended.
    ProviderSuspended {
        /// Why.
        reason: String,
    },
    /// Resumed.
    ProviderResumed {},
    /// Ended.
    ProviderEnded {
        /// Why.
        reason: String,
    },
}

fn check_name(name: &str, v: &mut Violations) {
    v.check("name", required_text(name, 300));
}

fn check_legal_form(legal_form: Option<&String>, v: &mut Violations) {
    if let Some(code) = legal_form {
        v.check("legal_form", crate::values::codes::check_code(code));
    }
}

fn check_reason(reason: &str) -> Result<(), DomainError> {
    let mut v = Violations::new();
    v.check("reason", required_text(reason, 1000));
    v.finish()
}

impl Provider {
    fn require_registered(&self) -> Result<(), DomainError> {
        match self.status {
            ProviderStatus::Unregistered => Err(DomainError::NotFound("the provider".into())),
            ProviderStatus::Ended => Err(DomainError::Rejected(
                "the provider has ended; nothing can change".into(),
            )),
            _ => Ok(()),
        }
    }
}

impl Aggregate for Provider {
    const STREAM_TYPE: &'static str = "provider";
    type Command = ProviderCommand;
    type Event = ProviderEvent;

    fn apply(&mut self, event: &ProviderEvent) {
        match event {
            ProviderEvent::ProviderRegistered {
                ico,
                name,
                legal_form,
                address,
                contacts,
                pending_verification,
            } => {
                self.ico = Some(ico.clone());
                self.name.clone_from(name);
                self.legal_form.clone_from(legal_form);
                self.address = address.clone();
                self.contacts = contacts.clone();
                self.status = if *pending_verification {
                    ProviderStatus::PendingVerification
                } else {
                    ProviderStatus::Active
                };
            }
            ProviderEvent::ProviderVerified { verified_at } => {
                self.verified_at = Some(*verified_at);
                self.status = ProviderStatus::Active;
            }
            ProviderEvent::ProviderDetailsChanged {
                name,
                legal_form,
                address,
                contacts,
            } => {
                if let Some(n) = name {
                    self.name.clone_from(n);
                }
                if let Some(l) = legal_form {
                    self.legal_form = Some(l.clone());
                }
                if let Some(a) = address {
                    self.address = a.clone();
                }
                if let Some(c) = contacts {
                    self.contacts = c.clone();
                }
            }
            ProviderEvent::ProviderSuspended { .. } => self.status = ProviderStatus::Suspended,
            ProviderEvent::ProviderResumed {} => self.status = ProviderStatus::Active,
            ProviderEvent::ProviderEnded { .. } => self.status = ProviderStatus::Ended,
        }
    }

    fn decide(
        &self,
        command: &ProviderCommand,
        now: OffsetDateTime,
    ) -> Result<Vec<ProviderEvent>, DomainError> {
        match command {
            ProviderCommand::Register { data, verified } => {
                if self.status != ProviderStatus::Unregistered {
                    return Err(DomainError::AlreadyExists(format!(
                        "a provider with IČO {}",
                        data.ico
                    )));
                }
                let mut v = Violations::new();
                let ico = v.check("ico", Ico::parse(&data.ico));
                check_name(&data.name, &mut v);
                check_legal_form(data.legal_form.as_ref(), &mut v);
                data.address.check("address", &mut v);
                data.contacts.check("contacts", &mut v);
                v.finish()?;
                let mut events = vec![ProviderEvent::ProviderRegistered {
                    ico: ico.expect("checked"),
                    name: data.name.trim().to_string(),
                    legal_form: data.legal_form.clone(),
                    address: data.address.clone().normalised(),
                    contacts: data.contacts.clone(),
                    pending_verification: !verified,
                }];
                if *verified {
                    events.push(ProviderEvent::ProviderVerified { verified_at: now });
                }
                Ok(events)
            }
            ProviderCommand::Verify => {
                self.require_registered()?;
                if self.status != ProviderStatus::PendingVerification {
                    return Err(DomainError::Rejected(
                        "the provider is not waiting for verification".into(),
                    ));
                }
                Ok(vec![ProviderEvent::ProviderVerified { verified_at: now }])
            }
            ProviderCommand::ChangeDetails(change) => {
                self.require_registered()?;
                let mut v = Violations::new();
                if let Some(n) = &change.name {
                    check_name(n, &mut v);
                }
                check_legal_form(change.legal_form.as_ref(), &mut v);
                if let Some(a) = &change.address {
                    a.check("address", &mut v);
                }
                if let Some(c) = &change.contacts {
                    c.check("contacts", &mut v);
                }
                v.finish()?;
                // Only what really changes is recorded; a change of nothing records nothing.
                let name = change
                    .name
                    .as_ref()
                    .map(|n| n.trim().to_string())
                    .filter(|n| *n != self.name);
                let legal_form = change
                    .legal_form
                    .clone()
                    .filter(|l| Some(l) != self.legal_form.as_ref());
                let address = change
                    .address
                    .clone()
                    .map(Address::normalised)
                    .filter(|a| *a != self.address);
                let contacts = change.contacts.clone().filter(|c| *c != self.contacts);
                if name.is_none() && legal_form.is_none() && address.is_none() && contacts.is_none()
                {
                    return Ok(vec![]);
                }
                Ok(vec![ProviderEvent::ProviderDetailsChanged {
                    name,
                    legal_form,
                    address,
                    contacts,
                }])
            }
            ProviderCommand::Suspend { reason } => {
                self.require_registered()?;
                check_reason(reason)?;
                if self.status == ProviderStatus::Suspended {
                    return Err(DomainError::Rejected(
                        "the provider is already suspended".into(),
                    ));
                }
                Ok(vec![ProviderEvent::ProviderSuspended {
                    reason: reason.trim().to_string(),
                }])
            }
            ProviderCommand::Resume => {
                self.require_registered()?;
                if self.status != ProviderStatus::Suspended {
                    return Err(DomainError::Rejected(
                        "the provider is not suspended".into(),
                    ));
                }
                Ok(vec![ProviderEvent::ProviderResumed {}])
            }
            ProviderCommand::End { reason } => {
                self.require_registered()?;
                check_reason(reason)?;
                Ok(vec![ProviderEvent::ProviderEnded {
                    reason: reason.trim().to_string(),
                }])
            }
        }
    }
}
