//! The registry's documents: providers, services (with their current
//! vacancies and public history), the supplementary directory, the regional
//! contacts and the need norms, in the collections `providers`, `services`,
//! `directory`, `regional_contacts` and `need_norms`, keyed by IČO and id.

use crate::Next;
use events::registry::directory::{DirectoryEvent, EntryDetails};
use events::registry::provider::{ProviderEvent, ProviderStatus};
use events::registry::regional_contact::{ContactDetails, RegionalContactEvent};
use events::registry::service::{ServiceDetails, ServiceEvent, ServiceStatus};
use events::statistics::need_norm::{NeedNormEvent, Norm};
use events::values::{Address, CapacityUnit, Contacts, Form, ServiceKind};
use events::RecordedEvent;
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

/// The collections it writes.
pub const PROVIDERS: &str = "providers";
/// Services.
pub const SERVICES: &str = "services";
/// The supplementary directory.
pub const DIRECTORY: &str = "directory";
/// Contacts of methodologists and social curators.
pub const REGIONAL_CONTACTS: &str = "regional_contacts";
/// Need norms of the statistics, by kind.
pub const NEED_NORMS: &str = "need_norms";

/// The versions of the need norm of a kind.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct NormsView {
    /// Kind of service.
    pub kind: u16,
    /// Versions, by the day they apply from.
    pub versions: Vec<Norm>,
}

impl NormsView {
    /// The version that applies on `day`.
    pub fn on(&self, day: time::Date) -> Option<&Norm> {
        self.versions
            .iter()
            .filter(|n| n.valid_from <= day)
            .max_by_key(|n| n.valid_from)
    }
}

/// A provider as the portal shows it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ProviderView {
    /// IČO.
    pub ico: String,
    /// Name.
    pub name: String,
    /// Legal form code.
    pub legal_form: Option<String>,
    /// Registered office.
    pub address: Address,
    /// Public contacts.
    pub contacts: Contacts,
    /// Status.
    pub status: ProviderStatus,
    /// When verified.
    #[serde(with = "time::serde::rfc3339::option")]
    pub verified_at: Option<OffsetDateTime>,
    /// Version of its stream this view reflects.
    pub version: u64,
    /// When it last changed.
    #[serde(with = "time::serde::rfc3339")]
    pub updated_at: OffsetDateTime,
}

/// The last report of free places at a facility in a form and unit.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct VacancyView {
    /// The facility.
    pub facility_id: String,
    /// The form.
    pub form: Form,
    /// The unit.
    pub unit: CapacityUnit,
    /// Free places.
    pub free_places: i64,
    /// When reported.
    #[serde(with = "time::serde::rfc3339")]
    pub reported_at: OffsetDateTime,
}

/// A service as the portal shows it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ServiceView {
    /// Id.
    pub id: String,
    /// The provider's IČO.
    pub provider_ico: String,
    /// The description.
    pub details: ServiceDetails,
    /// The kind's name.
    pub kind_name: String,
    /// The kind's § of Act 108/2006 Sb.
    pub paragraph: Option<String>,
    /// Status.
    pub status: ServiceStatus,
    /// Last verification.
    pub last_verified_on: Option<time::Date>,
    /// The day the service ended (its registration in the registry), when it has.
    #[serde(default)]
    pub ended_on: Option<time::Date>,
    /// While it is suspended: the day the provider expects to provide it
    /// again, when announced.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub suspended_until: Option<time::Date>,
    /// Current vacancies.
    pub vacancies: Vec<VacancyView>,
    /// The last changes of the record (vacancy reports aside), oldest first.
    #[serde(default)]
    pub history: Vec<ChangeNote>,
    /// Version of its stream this view reflects.
    pub version: u64,
    /// When it last changed.
    #[serde(with = "time::serde::rfc3339")]
    pub updated_at: OffsetDateTime,
}

/// One change of a record, for its public history (HSDS metadata).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ChangeNote {
    /// When.
    #[serde(with = "time::serde::rfc3339")]
    pub at: OffsetDateTime,
    /// `create`, `update`, `suspend`, `resume`, `end` or `verify`.
    pub action: String,
    /// The sections changed (for `update`).
    #[serde(default)]
    pub fields: Vec<String>,
    /// The role that acted (never the person).
    pub by: String,
    /// The record's version after the change.
    #[serde(default)]
    pub version: u64,
}

/// How many changes a view keeps.
pub const HISTORY: usize = 20;

/// A directory entry as the portal shows it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DirectoryView {
    /// Id.
    pub id: String,
    /// The description.
    pub details: EntryDetails,
    /// Version of its stream this view reflects.
    pub version: u64,
    /// When it last changed.
    #[serde(with = "time::serde::rfc3339")]
    pub updated_at: OffsetDateTime,
}

/// A published regional contact.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ContactView {
    /// Id.
    pub id: String,
    /// The details.
    pub details: ContactDetails,
    /// Version of its stream this view reflects.
    pub version: u64,
    /// When it last changed.
    #[serde(with = "time::serde::rfc3339")]
    pub updated_at: OffsetDateTime,
}

fn note(e: &RecordedEvent, action: &str, fields: Vec<String>) -> ChangeNote {
    ChangeNote {
        at: e.recorded_at,
        action: action.into(),
        fields,
        by: e.actor.role.clone(),
        version: e.stream_version,
    }
}

/// A service's view after one event (`None`: not registered).
pub fn service(
    view: Option<ServiceView>,
    e: &RecordedEvent,
    event: ServiceEvent,
) -> Option<ServiceView> {
    let view = match event {
        ServiceEvent::ServiceRegistered {
            provider_ico,
            details,
        } => {
            let (kind_name, paragraph) = kind_info(details.kind);
            Some(ServiceView {
                id: e.stream.stream_id.clone(),
                provider_ico,
                details,
                kind_name,
                paragraph,
                status: ServiceStatus::Active,
                last_verified_on: None,
                ended_on: None,
                suspended_until: None,
                vacancies: Vec::new(),
                history: vec![note(e, "create", Vec::new())],
                version: 0,
                updated_at: e.recorded_at,
            })
        }
        other => view.map(|mut v| {
            let action = match &other {
                ServiceEvent::ServiceChanged { changes } => Some((
                    "update",
                    serde_json::to_value(changes)
                        .ok()
                        .and_then(|c| c.as_object().map(|o| o.keys().cloned().collect()))
                        .unwrap_or_default(),
                )),
                ServiceEvent::ServiceSuspended { .. } => Some(("suspend", Vec::new())),
                ServiceEvent::ServiceResumed {} => Some(("resume", Vec::new())),
                ServiceEvent::ServiceEnded { .. } => Some(("end", Vec::new())),
                ServiceEvent::ServiceVerified { .. } => Some(("verify", Vec::new())),
                ServiceEvent::VacancyReported { .. } | ServiceEvent::ServiceRegistered { .. } => {
                    None
                }
            };
            if let Some((action, fields)) = action {
                v.history.push(note(e, action, fields));
                let excess = v.history.len().saturating_sub(HISTORY);
                v.history.drain(..excess);
            }
            match other {
                ServiceEvent::ServiceChanged { changes } => {
                    v.details.apply_changes(&changes);
                    (v.kind_name, v.paragraph) = kind_info(v.details.kind);
                    let d = &v.details;
                    v.vacancies.retain(|x| {
                        d.open_facilities().any(|f| f.facility_id == x.facility_id)
                            && d.capacity(x.form, x.unit).is_some()
                    });
                }
                ServiceEvent::ServiceSuspended { until, .. } => {
                    v.status = ServiceStatus::Suspended;
                    v.suspended_until = until;
                }
                ServiceEvent::ServiceResumed {} => {
                    v.status = ServiceStatus::Active;
                    v.suspended_until = None;
                }
                ServiceEvent::ServiceEnded { ended_on, .. } => {
                    v.status = ServiceStatus::Ended;
                    v.ended_on = Some(ended_on);
                    v.suspended_until = None;
                }
                ServiceEvent::ServiceVerified { verified_on } => {
                    v.last_verified_on = Some(verified_on)
                }
                ServiceEvent::VacancyReported {
                    facility_id,
                    form,
                    unit,
                    free_places,
                    reported_at,
                } => {
                    v.vacancies.retain(|x| {
                        !(x.facility_id == facility_id && x.form == form && x.unit == unit)
                    });
                    v.vacancies.push(VacancyView {
                        facility_id,
                        form,
                        unit,
                        free_places,
                        reported_at,
                    });
                    v.vacancies.sort_by(|a, b| {
                        (&a.facility_id, a.form, a.unit).cmp(&(&b.facility_id, b.form, b.unit))
                    });
                }
                ServiceEvent::ServiceRegistered { .. } => {}
            }
            v
        }),
    };
    view.map(|mut v| {
        v.version = e.stream_version;
        v.updated_at = e.recorded_at;
        v
    })
}

fn kind_info(kind: u16) -> (String, Option<String>) {
    ServiceKind::from_code(kind).map_or((String::new(), None), |k| {
        (k.name().to_string(), k.paragraph().map(str::to_string))
    })
}

/// A provider's view after one event (`None`: not registered).
pub fn provider(
    view: Option<ProviderView>,
    e: &RecordedEvent,
    event: ProviderEvent,
) -> Option<ProviderView> {
    let view = match event {
        ProviderEvent::ProviderRegistered {
            ico,
            name,
            legal_form,
            address,
            contacts,
            pending_verification,
        } => Some(ProviderView {
            ico: ico.to_string(),
            name,
            legal_form,
            address,
            contacts,
            status: if pending_verification {
                ProviderStatus::PendingVerification
            } else {
                ProviderStatus::Active
            },
            verified_at: None,
            version: 0,
            updated_at: e.recorded_at,
        }),
        other => view.map(|mut v| {
            match other {
                ProviderEvent::ProviderVerified { verified_at } => {
                    v.verified_at = Some(verified_at);
                    v.status = ProviderStatus::Active;
                }
                ProviderEvent::ProviderDetailsChanged {
                    name,
                    legal_form,
                    address,
                    contacts,
                } => {
                    if let Some(n) = name {
                        v.name = n;
                    }
                    if legal_form.is_some() {
                        v.legal_form = legal_form;
                    }
                    if let Some(a) = address {
                        v.address = a;
                    }
                    if let Some(c) = contacts {
                        v.contacts = c;
                    }
                }
                ProviderEvent::ProviderSuspended { .. } => v.status = ProviderStatus::Suspended,
                ProviderEvent::ProviderResumed {} => v.status = ProviderStatus::Active,
                ProviderEvent::ProviderEnded { .. } => v.status = ProviderStatus::Ended,
                ProviderEvent::ProviderRegistered { .. } => {}
            }
            v
        }),
    };
    view.map(|mut v| {
        v.version = e.stream_version;
        v.updated_at = e.recorded_at;
        v
    })
}

/// A directory entry after one event.
pub fn directory(e: &RecordedEvent, event: DirectoryEvent) -> Next<DirectoryView> {
    match event {
        DirectoryEvent::DirectoryEntryAdded { details }
        | DirectoryEvent::DirectoryEntryChanged { details } => Next::Put(DirectoryView {
            id: e.stream.stream_id.clone(),
            details,
            version: e.stream_version,
            updated_at: e.recorded_at,
        }),
        DirectoryEvent::DirectoryEntryRemoved { .. } => Next::Delete,
    }
}

/// A regional contact after one event.
pub fn contact(e: &RecordedEvent, event: RegionalContactEvent) -> Next<ContactView> {
    match event {
        RegionalContactEvent::RegionalContactPublished { details }
        | RegionalContactEvent::RegionalContactChanged { details } => Next::Put(ContactView {
            id: e.stream.stream_id.clone(),
            details,
            version: e.stream_version,
            updated_at: e.recorded_at,
        }),
        RegionalContactEvent::RegionalContactWithdrawn { .. } => Next::Delete,
    }
}

/// The norms of a kind after one event (the stream's id is the kind's code).
pub fn norms(view: Option<NormsView>, e: &RecordedEvent, event: NeedNormEvent) -> NormsView {
    let mut view = view.unwrap_or_else(|| NormsView {
        kind: e.stream.stream_id.parse().unwrap_or_default(),
        versions: Vec::new(),
    });
    match event {
        NeedNormEvent::NeedNormSet { norm } => {
            view.versions.retain(|n| n.valid_from != norm.valid_from);
            view.versions.push(norm);
            view.versions.sort_by_key(|n| n.valid_from);
        }
    }
    view
}
